#!/usr/bin/env bash
# Builds and starts Tessera with its defaults: SQLite metadata in ./data, listening on
# 127.0.0.1:8088, user `admin` (password from TESSERA_ADMIN_PASSWORD, else printed once).
# The example database, datasets, charts and dashboard are loaded first; that is quick and
# changes nothing once they are there. Arguments (e.g. --config FILE) go to both commands.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo run --release --bin tessera -- load-examples "$@"
exec cargo run --release --bin tessera -- serve "$@"
