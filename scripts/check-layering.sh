#!/usr/bin/env bash
# The engine's layering rules that the compiler does not check (docs/architecture.md):
#   1. SQL and sqlx live in crates/engine/src/store/ only: no `sqlx` anywhere else in the
#      engine, the desktop shell or the CLI (they open sessions and call the store's traits);
#   2. the engine never depends on Tauri, nor on the CLI's crates (clap, anyhow,
#      tracing-subscriber: they live in crates/cli), and the desktop app never builds clap;
#   3. no `unsafe` outside crates/engine/src/memory.rs (the workspace denies unsafe_code; that
#      module's one block is the audited exception).
# Run by `make test` (test-rust). Prints each offence and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0

sql=$(grep -rnE '\bsqlx\b|\bquery_as::<|\bquery_scalar::<' \
  crates/engine/src crates/cli/src src-tauri/src --include='*.rs' | grep -v '^crates/engine/src/store/' || true)
if [ -n "$sql" ]; then
  echo "sqlx or SQL outside crates/engine/src/store/ (add a method to a store trait in store/api.rs):"
  echo "$sql"
  status=1
fi
unsafe_uses=$(grep -rnE '\bunsafe +(\{|fn\b|impl\b|extern\b|trait\b)|unsafe_code' \
  crates tests/src src-tauri/src --include='*.rs' | grep -v '^crates/engine/src/memory.rs:' || true)
if [ -n "$unsafe_uses" ]; then
  echo "unsafe outside crates/engine/src/memory.rs (the workspace denies unsafe_code; keep it that way):"
  echo "$unsafe_uses"
  status=1
fi
for manifest in crates/cli/Cargo.toml src-tauri/Cargo.toml; do
  if grep -qE '^sqlx\b' "$manifest"; then
    echo "$manifest depends on sqlx: only the engine's store may"
    status=1
  fi
done

if ! engine_tree=$(cargo tree --locked -p scimlab-engine -e normal,build --prefix none); then
  echo "cargo tree -p scimlab-engine failed: cannot check the engine's dependencies"
  exit 1
fi
if ! desktop_tree=$(cargo tree --locked -p scimlab-desktop -e normal --prefix none); then
  echo "cargo tree -p scimlab-desktop failed: cannot check the desktop app's dependencies"
  exit 1
fi
if grep -qE '^tauri(-[a-z-]+)? v' <<<"$engine_tree"; then
  echo "scimlab-engine depends on tauri (cargo tree -p scimlab-engine -i tauri): the engine must build without the webview"
  status=1
fi
for crate in clap anyhow tracing-subscriber; do
  if grep -qE "^$crate v" <<<"$engine_tree"; then
    echo "scimlab-engine depends on $crate: it belongs to the CLI (crates/cli), not the library the desktop app links"
    status=1
  fi
done
if grep -qE '^clap v' <<<"$desktop_tree"; then
  echo "the desktop app (scimlab-desktop) builds clap: keep the command line in crates/cli"
  status=1
fi
exit $status
