#!/usr/bin/env bash
# Connector plugin figures: rows/s streaming a 1,000,000-row, 6-column PostgreSQL table
# into Arrow through connector-postgres against a native tokio-postgres reader, and the
# cost of instantiating a cached component. Needs the machine's PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo bench -p tessera-plugin-host --bench connector_stream
