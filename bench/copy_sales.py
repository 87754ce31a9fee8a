"""Copies the examples' `sales` Parquet table into a SQLite file and a PostgreSQL database,
so the query-engine benchmark runs the same rows on every source without building a
second binary. SQLite keeps dates as 'YYYY-MM-DD' text, as Superset's SQLite examples do.

Usage: python3 bench/copy_sales.py <sales.parquet> <sqlite file> <postgres url>
Needs `pip install duckdb` and `psql`.
"""
import sqlite3
import subprocess
import sys

import duckdb

parquet, sqlite_path, postgres_url = sys.argv[1:4]
con = duckdb.connect()
rows = con.execute(
    f"SELECT strftime(order_date, '%Y-%m-%d'), region, product, quantity, price "
    f"FROM read_parquet('{parquet}')"
).fetchall()

db = sqlite3.connect(sqlite_path)
db.executescript(
    "DROP TABLE IF EXISTS sales;"
    "CREATE TABLE sales (order_date DATE, region TEXT, product TEXT, quantity BIGINT, price FLOAT);"
)
db.executemany("INSERT INTO sales VALUES (?, ?, ?, ?, ?)", rows)
db.commit()

csv = sqlite_path + ".csv"
con.execute(f"COPY (SELECT * FROM read_parquet('{parquet}')) TO '{csv}' (HEADER false)")
subprocess.run(
    ["psql", "-q", "-v", "ON_ERROR_STOP=1", postgres_url, "-c",
     "DROP TABLE IF EXISTS public.sales; "
     "CREATE TABLE public.sales (order_date DATE, region TEXT, product TEXT, quantity BIGINT, "
     "price DOUBLE PRECISION);",
     "-c", f"\\copy public.sales FROM '{csv}' CSV",
     "-c", "ANALYZE public.sales;"],
    check=True,
)
print(f"copied {len(rows)} rows into {sqlite_path} and {postgres_url}")
