#!/usr/bin/env bash
# Builds and starts Tessera with its defaults: SQLite metadata in ./data, listening on
# 127.0.0.1:8088, user `admin` (password from TESSERA_ADMIN_PASSWORD, else printed once).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
exec cargo run --release --bin tessera -- serve "$@"
