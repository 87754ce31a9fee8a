#!/usr/bin/env bash
# connector-sqlite against native SQLite on the same file: the query-engine benchmark's
# group-by over a 1,000,000-row `sales` table (5 regions x 8 products), run whole inside
# SQLite both times. Native is Python's sqlite3; the component runs in the plugin host's
# wasmtime. Usage: bash bench/sqlite_connector.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
RUNS="${1:-5}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
DB="$WORK/sales.db"
python3 - "$DB" "$RUNS" <<'PY'
import random, sqlite3, sys, time
db, runs = sys.argv[1], int(sys.argv[2])
con = sqlite3.connect(db)
con.execute("CREATE TABLE sales (order_date TEXT, region TEXT, product TEXT, quantity INTEGER, price REAL)")
rng = random.Random(42)
regions = ["North", "South", "East", "West", "EMEA"]
products = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
rows = ((f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", rng.choice(regions),
         rng.choice(products), rng.randint(1, 20), round(rng.uniform(1, 100), 2)) for _ in range(1_000_000))
con.executemany("INSERT INTO sales VALUES (?, ?, ?, ?, ?)", rows)
con.commit()
con.close()
sql = ("SELECT region, product, SUM(quantity) AS qty, SUM(quantity * price) AS revenue, COUNT(*) AS n "
       "FROM sales GROUP BY region, product ORDER BY revenue DESC LIMIT 100")
times = []
for _ in range(runs):
    started = time.perf_counter()
    con = sqlite3.connect(db)
    con.execute(sql).fetchall()
    con.close()
    times.append(time.perf_counter() - started)
times.sort()
print(f"native SQLite {sqlite3.sqlite_version} group-by, {runs} runs: best {times[0]*1e3:.0f} ms, median {times[len(times)//2]*1e3:.0f} ms")
PY
# The dev profile suffices and reuses the test build: wasmtime and every other dependency
# are optimised there too, and the component itself is always built for release.
RUNS="$RUNS" cargo bench --profile dev --workspace --bench sqlite_group_by -- "$DB"
