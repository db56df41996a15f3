#!/usr/bin/env bash
# The engine's layering rules that the compiler does not check (docs/architecture.md):
#   1. SQL lives in crates/engine/src/store/ only: no sqlx query, query_as, query_scalar or
#      raw_sql anywhere else in the engine, the desktop shell or the CLI;
#   2. the engine never depends on Tauri: `cargo tree -p scimlab-engine` has no tauri crate.
# Run by `make test` (test-rust). Prints each offence and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0

sql=$(grep -rnE 'sqlx::(query|query_as|query_scalar|query_with|raw_sql)\b|\bquery_as::<|\bquery_scalar::<' \
  crates/engine/src src-tauri/src --include='*.rs' | grep -v '^crates/engine/src/store/' || true)
if [ -n "$sql" ]; then
  echo "SQL outside crates/engine/src/store/ (move it behind a store function):"
  echo "$sql"
  status=1
fi

if cargo tree --locked -p scimlab-engine -e normal,build --prefix none 2>/dev/null | grep -qE '^tauri(-[a-z-]+)? v'; then
  echo "scimlab-engine depends on tauri (cargo tree -p scimlab-engine -i tauri): the engine must build without the webview"
  status=1
fi
exit $status
