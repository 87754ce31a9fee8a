#!/usr/bin/env bash
# Load benchmark of the metadata API (issue: server foundation). Starts a release build
# of Tessera on SQLite metadata in a temporary directory, seeds a database, a dataset and
# 200 charts, then drives two endpoints with wrk (4 connections, 2 threads):
#   GET /api/v1/chart/<id>
#   GET /api/v1/chart/?q=(filters:!((col:slice_name,opr:ct,value:bench)),page_size:50)
# Prints wrk's throughput and latency percentiles. Needs curl, python3 and wrk
# (`apt-get install wrk`). Usage: bash bench/metadata_api.sh [seconds per run]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
DURATION="${1:-20}"
PORT="${TESSERA_BENCH_PORT:-18088}"
BASE="http://127.0.0.1:$PORT"
DATA="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$DATA"' EXIT

cargo build --release --bin tessera
TESSERA_DATA_DIR="$DATA" TESSERA_LISTEN="127.0.0.1:$PORT" TESSERA_ADMIN_PASSWORD=bench \
    TESSERA_ACCESS_TOKEN_TTL=3600 RUST_LOG=warn "$CARGO_TARGET_DIR/release/tessera" serve >"$DATA/server.log" 2>&1 &
PID=$!
# The first start compiles the plugins (tens of seconds on 2 cores).
for _ in $(seq 1200); do curl -sf "$BASE/health" >/dev/null && break; sleep 0.1; done

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
TOKEN=$(curl -sf -XPOST "$BASE/api/v1/security/login" -H 'Content-Type: application/json' \
    -d '{"username":"admin","password":"bench","provider":"db"}' | json "['access_token']")
AUTH="Authorization: Bearer $TOKEN"
post() { curl -sf -XPOST "$BASE$1" -H "$AUTH" -H 'Content-Type: application/json' -d "$2"; }

# A database must connect to be created, and a dataset's table must exist.
python3 -c "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute('CREATE TABLE sales (order_date DATE, region TEXT, product TEXT, quantity INTEGER, price REAL)')" "$DATA/bench.db"
DB=$(post /api/v1/database/ "{\"database_name\":\"bench\",\"sqlalchemy_uri\":\"sqlite://$DATA/bench.db\"}" | json "['id']")
DS=$(post /api/v1/dataset/ "{\"database\":$DB,\"schema\":\"main\",\"table_name\":\"sales\"}" | json "['id']")
for i in $(seq 200); do
    post /api/v1/chart/ "{\"slice_name\":\"bench chart $i\",\"viz_type\":\"table\",\"datasource_id\":$DS,\"datasource_type\":\"table\",\"params\":\"{\\\"groupby\\\":[\\\"region\\\"]}\",\"owners\":[1]}" >/dev/null
done
CHART=$(post /api/v1/chart/ "{\"slice_name\":\"bench target\",\"viz_type\":\"table\",\"datasource_id\":$DS,\"datasource_type\":\"table\"}" | json "['id']")

LIST_Q=$(python3 -c "import urllib.parse; print(urllib.parse.quote('(filters:!((col:slice_name,opr:ct,value:bench)),page_size:50)'))")
echo "== GET /api/v1/chart/$CHART"
wrk -t2 -c4 -d"${DURATION}s" --latency -H "$AUTH" "$BASE/api/v1/chart/$CHART"
echo "== GET /api/v1/chart/?q=(filters:!((col:slice_name,opr:ct,value:bench)),page_size:50)"
wrk -t2 -c4 -d"${DURATION}s" --latency -H "$AUTH" "$BASE/api/v1/chart/?q=$LIST_Q"
