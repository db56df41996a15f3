#!/usr/bin/env bash
# Stored size of a captured exchange: a fresh database, `scimlab serve` with capture on, the
# Entra simulation (`scimlab simulate entra`, SIZE_USERS people, default 1 000) and the bench's
# Entra phases (create, PATCH, deactivate: SIZE_BENCH_N users, default 2 000), then the bytes
# per exchange read from the file with SQLite's `dbstat` (python3's sqlite3 has it).
# Prints the median stored size of an exchange (its row, plus its share of the exchanges'
# indexes and side tables), the bytes of each column, and the file size per exchange.
# Usage: scripts/measure-exchange-size.sh [path/to/scimlab]   (default: target/debug/scimlab)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-${CARGO_TARGET_DIR:-target}/debug/scimlab}
users=${SIZE_USERS:-1000}
bench_n=${SIZE_BENCH_N:-2000}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "nothing listens on $1" >&2; return 1; }

db="$work/scimlab.db"; port=$(free_port); admin=$(free_port)
"$bin" serve --db "$db" --scim-addr "127.0.0.1:$port" --admin-addr "127.0.0.1:$admin" >"$work/serve.log" 2>&1 &
pid=$!
wait_port "$port"
"$bin" simulate entra --db "$db" --scim-addr "127.0.0.1:$port" --users "$users" --json >/dev/null || true
if [ "$bench_n" -gt 0 ]; then
  key=$("$bin" token show --db "$db")
  "$bin" bench --target "http://127.0.0.1:$port/scim/v2" --token "$key" -n "$bench_n" -c 4 \
    --phases create,patch,deactivate --json >/dev/null || true
fi
kill -INT "$pid"; wait "$pid" || true
if [ -n "${SIZE_KEEP:-}" ]; then cp "$db" "$SIZE_KEEP"; fi

python3 - "$db" <<'PY'
import sqlite3, statistics, sys, os
db = sys.argv[1]
c = sqlite3.connect(db)
rows = c.execute("SELECT COUNT(*) FROM exchanges").fetchone()[0]
cols = [r[1] for r in c.execute("PRAGMA table_xinfo(exchanges)") if r[6] == 0]  # stored columns only
size = lambda col: f"coalesce(length(CAST({col} AS BLOB)), 0)"
# Bytes of the row itself: every stored column's value (text and blobs as bytes).
per_row = [r[0] for r in c.execute(f"SELECT {' + '.join(size(x) for x in cols)} FROM exchanges")]
# Everything else the exchanges cost: their indexes, and side tables of the evidence encoding.
side = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table' AND name GLOB 'exchange_*'")]
idx = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name IN ('exchanges', %s)"
                               % ",".join(["'x'"] + [f"'{s}'" for s in side]))]
def pages(names):
    if not names:
        return 0
    q = "SELECT coalesce(SUM(pgsize), 0) FROM dbstat WHERE name IN (%s)" % ",".join("?" * len(names))
    return c.execute(q, names).fetchone()[0]
table_pages = pages(["exchanges"])
index_pages = pages(idx)
side_pages = pages(side)
shared = (index_pages + side_pages) / rows
median_row = statistics.median(per_row)
print(f"exchanges: {rows}")
print(f"median stored size of an exchange: {median_row + shared:,.0f} B "
      f"(row {median_row:,.0f} B + indexes {index_pages / rows:,.0f} B + side tables {side_pages / rows:,.0f} B)")
print(f"mean row: {statistics.mean(per_row):,.0f} B; table pages per exchange: {table_pages / rows:,.0f} B")
print(f"database file per exchange (all tables): {os.path.getsize(db) / rows:,.0f} B ({os.path.getsize(db):,} B)")
print("mean bytes per column:")
for col in cols:
    mean = c.execute(f"SELECT AVG({size(col)}) FROM exchanges").fetchone()[0]
    if mean >= 1:
        print(f"  {col:20} {mean:8,.0f}")
for name in side:
    print(f"  side table {name}: {c.execute(f'SELECT COUNT(*) FROM {name}').fetchone()[0]} rows, {pages([name]):,} B")
print("index bytes per exchange:")
for name in idx:
    print(f"  {name:28} {pages([name]) / rows:6,.0f}")
print("by operation (median row bytes):")
for op, in c.execute("SELECT DISTINCT operation FROM exchanges ORDER BY 1").fetchall():
    r = [x[0] for x in c.execute(f"SELECT {' + '.join(size(x) for x in cols)} FROM exchanges WHERE operation = ?", (op,))]
    print(f"  {op:12} {len(r):6} rows, median {statistics.median(r):,.0f} B")
PY
