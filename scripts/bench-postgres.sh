#!/usr/bin/env bash
# Runs scimlab-bench (release build) with the engine on PostgreSQL and writes its table to the
# section "## On PostgreSQL" of docs/benchmarks.md (the rest is kept). The server is Debian's
# PostgreSQL with its default settings (durable commits: fsync and synchronous_commit on), a
# cluster of its own in target/bench-postgres on 127.0.0.1:5434 (scripts/postgres-local.sh),
# stopped at the end; each run gets a fresh database on it.
# Usage: scripts/bench-postgres.sh [USERS] [SAMPLES]   (after `cargo build --release -p scimlab-tests`)
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-100000}
samples=${2:-300}
export SCIMLAB_PG_DATA="$PWD/target/bench-postgres"
export SCIMLAB_PG_PORT="${SCIMLAB_BENCH_PG_PORT:-5434}"
url=$(scripts/postgres-local.sh start)
trap 'scripts/postgres-local.sh stop >/dev/null 2>&1 || true' EXIT
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
version=$("$bin/postgres" --version | awk '{print $NF}')
table=$(SCIMLAB_TEST_BACKEND=postgres SCIMLAB_TEST_DATABASE_URL="$url" \
  ./target/release/scimlab-bench "$users" "$samples")
section=$(cat <<MD
## On PostgreSQL

Produced by \`make bench\` (\`scripts/bench-postgres.sh\`) on $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD),
$(nproc) cores: the same \`scimlab-bench $users $samples\` as the table at the top, with the engine on
PostgreSQL $version (\`--database-url\`; Debian's package, default settings, so every commit is
flushed to disk, where SQLite's WAL with \`synchronous=NORMAL\` flushes at checkpoints), on the
same machine over loopback TCP, a fresh database.

$table
MD
)
python3 - "$section" <<'PY'
import sys, re, pathlib
p = pathlib.Path("docs/benchmarks.md")
text = p.read_text() if p.exists() else "# Benchmarks\n"
section = sys.argv[1].rstrip() + "\n"
pattern = re.compile(r"^## On PostgreSQL\n.*?(?=^## |\Z)", re.S | re.M)
text = pattern.sub(lambda _: section + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
p.write_text(text)
PY
echo "$section"
