"""DuckDB's time for the benchmark's group-by on a Parquet file, beside DataFusion's.

Usage: python3 bench/duckdb_group_by.py <sales.parquet> [runs]
"""
import statistics
import sys
import time

import duckdb

path = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
con = duckdb.connect()
con.execute(f"CREATE VIEW sales AS SELECT * FROM read_parquet('{path}')")
sql = (
    "SELECT region, product, SUM(quantity), SUM(quantity * price) AS revenue, COUNT(*) "
    "FROM sales GROUP BY region, product ORDER BY revenue DESC LIMIT 100"
)
times = []
for _ in range(runs):
    start = time.perf_counter()
    rows = con.execute(sql).fetchall()
    times.append((time.perf_counter() - start) * 1000)
    assert len(rows) == 40
times.sort()
print(f"DuckDB {duckdb.__version__} group-by over {path}: p50 {statistics.median(times):.1f} ms, "
      f"min {times[0]:.1f} ms ({runs} runs)")
