#!/usr/bin/env bash
# Query-engine figures (issue: query engine). One connection, as the Superset yardstick:
#   chart data, the 40-row group-by over the 1M-row sales table, cold (force) and cached,
#     on the Parquet examples (DataFusion), on PostgreSQL and on a SQLite file (through
#     connector-pg / connector-sqlite, the whole query pushed down);
#   SQL Lab, the same group-by, on each source;
#   DataFusion alone against DuckDB on the same Parquet file.
# Needs curl, psql, python3 with duckdb (`pip install duckdb`) and wrk (`apt-get install wrk`).
# Usage: bash bench/query_engine.sh [seconds per run]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
DURATION="${1:-20}"
PORT="${TESSERA_BENCH_PORT:-18089}"
BASE="http://127.0.0.1:$PORT"
PG="${TESSERA_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}"
WORK="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

# The same build as scripts/serve.sh, so the two share one binary.
cargo build --release --bin tessera
BIN="$CARGO_TARGET_DIR/release"

export TESSERA_DATA_DIR="$WORK/data" TESSERA_LISTEN="127.0.0.1:$PORT" TESSERA_ADMIN_PASSWORD=bench \
    TESSERA_ACCESS_TOKEN_TTL=7200 RUST_LOG=warn
"$BIN/tessera" load-examples >"$WORK/load.log" 2>&1
python3 bench/copy_sales.py "$WORK/data/examples/sales.parquet" "$WORK/sales.db" "$PG"
"$BIN/tessera" serve >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 300); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.1; done

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
export TOKEN=$(curl -sf -XPOST "$BASE/api/v1/security/login" -H 'Content-Type: application/json' \
    -d '{"username":"admin","password":"bench","provider":"db"}' | json "['access_token']")
AUTH="Authorization: Bearer $TOKEN"
post() { curl -sf -XPOST "$BASE$1" -H "$AUTH" -H 'Content-Type: application/json' -d "$2"; }
dataset() {
    local db
    db=$(post /api/v1/database/ "{\"database_name\":\"$1\",\"sqlalchemy_uri\":\"$2\"}" | json "['id']")
    echo "$db $(post /api/v1/dataset/ "{\"database\":$db,\"schema\":\"$3\",\"table_name\":\"sales\"}" | json "['id']")"
}
read -r SQLITE_DB SQLITE_DS < <(dataset "bench sqlite" "sqlite://$WORK/sales.db" main)
read -r PG_DB PG_DS < <(dataset "bench postgres" "${PG/postgres:/postgresql:}" public)
EXAMPLES_DB=$(curl -sf -H "$AUTH" "$BASE/api/v1/database/" | python3 -c "import json,sys; print(next(d['id'] for d in json.load(sys.stdin)['result'] if d['database_name']=='examples'))")
EXAMPLES_DS=$(curl -sf -H "$AUTH" "$BASE/api/v1/dataset/?q=(page_size:100)" | python3 -c "import json,sys; print(next(d['id'] for d in json.load(sys.stdin)['result'] if d['table_name']=='sales' and d['database']['id']==$EXAMPLES_DB))")

body() {
    cat >"$WORK/body.json" <<JSON
{"datasource": {"id": $1, "type": "table"}, "force": $2, "result_format": "json", "result_type": "full",
 "queries": [{"columns": ["region", "product"],
   "metrics": [{"expressionType": "SIMPLE", "column": {"column_name": "quantity"}, "aggregate": "SUM", "label": "SUM(quantity)"},
               {"expressionType": "SQL", "sqlExpression": "SUM(quantity * price)", "label": "revenue"}, "count"],
   "orderby": [[{"expressionType": "SQL", "sqlExpression": "SUM(quantity * price)", "label": "revenue"}, false]],
   "row_limit": 100}]}
JSON
}
export BODY="$WORK/body.json"
export SQL="SELECT region, product, SUM(quantity) AS qty, SUM(quantity * price) AS revenue, COUNT(*) AS n FROM sales GROUP BY region, product ORDER BY revenue DESC"

for source in "parquet:$EXAMPLES_DS:$EXAMPLES_DB" "postgres:$PG_DS:$PG_DB" "sqlite:$SQLITE_DS:$SQLITE_DB"; do
    IFS=: read -r name ds db <<<"$source"
    body "$ds" true
    rows=$(curl -sf -XPOST "$BASE/api/v1/chart/data" -H "$AUTH" -H 'Content-Type: application/json' -d @"$BODY" | json "['result'][0]['rowcount']")
    echo "== $name: chart data, cold (force=true), $rows rows"
    wrk -t1 -c1 -d"${DURATION}s" --latency -s bench/chart_post.lua "$BASE/api/v1/chart/data"
    body "$ds" false
    curl -sf -XPOST "$BASE/api/v1/chart/data" -H "$AUTH" -H 'Content-Type: application/json' -d @"$BODY" >/dev/null
    echo "== $name: chart data, cached"
    wrk -t1 -c1 -d"${DURATION}s" --latency -s bench/chart_post.lua "$BASE/api/v1/chart/data"
    echo "== $name: SQL Lab group-by"
    DATABASE="$db" wrk -t1 -c1 -d"${DURATION}s" --latency -s bench/sqllab_post.lua "$BASE/api/v1/sqllab/execute/"
done

echo "== DataFusion alone vs DuckDB on the same Parquet file"
cargo bench -p tessera-engine --bench parquet_group_by -- "$WORK/data/examples/sales.parquet" 20
python3 bench/duckdb_group_by.py "$WORK/data/examples/sales.parquet" 20
