#!/usr/bin/env bash
# Throughput of ScimLab and of scim2-server 0.8.3 (the fastest SCIM peer we found), in the same
# run, with the same client (`scimlab bench`), and the SQLite commit ceiling of this machine;
# writes the section "## Throughput against a peer" of docs/benchmarks.md (the rest is kept).
#
# Each server runs pinned to core 0 and the client to core 1 (taskset), on a fresh database or a
# fresh process per run; every phase is the median of BENCH_RUNS runs (default 3). ScimLab gets
# BENCH_N users (default 10 000), scim2-server BENCH_PEER_N (default 2 000: it keeps users in
# memory and slows as they grow, so a smaller N flatters it). 8 clients (BENCH_C).
# scim2-server is installed by this script into target/bench-venv (pip, from PyPI).
# Usage: scripts/bench-peers.sh   (after `cargo build --release -p scimlab-cli -p scimlab-tests`)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${BENCH_N:-10000}
peer_n=${BENCH_PEER_N:-2000}
c=${BENCH_C:-8}
runs=${BENCH_RUNS:-3}
bin=target/release
venv=target/bench-venv
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

if [ ! -x "$venv/bin/scim2-server" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "scim2-server==0.8.3"
fi
server_pin=(); client_pin=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  server_pin=(taskset -c 0); client_pin=(taskset -c 1)
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "nothing listens on $1" >&2; return 1; }

for r in $(seq "$runs"); do
  # ScimLab: release `scimlab serve`, capture on, a fresh database.
  db="$work/scimlab-$r.db"; port=$(free_port); admin=$(free_port)
  "${server_pin[@]}" "$bin/scimlab" serve --db "$db" --scim-addr "127.0.0.1:$port" --admin-addr "127.0.0.1:$admin" >"$work/serve-$r.log" 2>&1 &
  pid=$!
  wait_port "$port"
  key=$("$bin/scimlab" token show --db "$db")
  "${client_pin[@]}" "$bin/scimlab" bench --target "http://127.0.0.1:$port/scim/v2" --token "$key" -n "$n" -c "$c" --json >"$work/scimlab-$r.json" || true
  kill -INT "$pid"; wait "$pid" || true
  # scim2-server: a fresh process.
  port=$(free_port)
  "${server_pin[@]}" "$venv/bin/scim2-server" --port "$port" --bearer-token bench-token-0123456789 >"$work/peer-$r.log" 2>&1 &
  pid=$!
  wait_port "$port"
  "${client_pin[@]}" "$bin/scimlab" bench --target "http://127.0.0.1:$port/v2" --token bench-token-0123456789 -n "$peer_n" -c "$c" --json >"$work/peer-$r.json" || true
  kill "$pid"; wait "$pid" || true
  "$bin/scimlab-commit-ceiling" 20000 >"$work/ceiling-$r.txt"
done

python3 - "$work" "$runs" "$n" "$peer_n" "$c" "$(nproc)" "$(git rev-parse --short HEAD)" >"$work/section.md" <<'PY'
import json, statistics, sys, datetime
work, runs, n, peer_n, c, cores, commit = sys.argv[1], int(sys.argv[2]), *sys.argv[3:]
def load(prefix):
    out = {}
    for r in range(1, runs + 1):
        with open(f"{work}/{prefix}-{r}.json") as f:
            for p in json.load(f)["phases"]:
                out.setdefault(p["name"], []).append(p)
    return {k: {m: statistics.median(x[m] for x in v) for m in ("rps", "p50_ms", "p95_ms", "p99_ms", "errors")} for k, v in out.items()}
ours, peer = load("scimlab"), load("peer")
ceiling = statistics.median(float(open(f"{work}/ceiling-{r}.txt").read()) for r in range(1, runs + 1))
print("## Throughput against a peer")
print()
print(f"Produced by `make bench` (`scripts/bench-peers.sh`) on {datetime.date.today()}, commit {commit}, {cores} cores:")
print(f"`scimlab bench -c {c}` against a release `scimlab serve` (capture on, a fresh SQLite file; {n} users)")
print(f"and against scim2-server 0.8.3 (in memory; {peer_n} users), in the same run; server pinned to core 0,")
print(f"client to core 1; every figure is the median of {runs} runs. `list` is pages of 100 users per second.")
print()
print("| phase | ScimLab req/s | p50 ms | p99 ms | errors | scim2-server req/s | p99 ms | errors | ratio |")
print("|---|---|---|---|---|---|---|---|---|")
for name in ("create", "patch", "lookup", "list", "deactivate", "cycle"):
    a, b = ours.get(name), peer.get(name)
    if not a or not b:
        continue
    ratio = a["rps"] / b["rps"] if b["rps"] else float("inf")
    print(f"| {name} | {a['rps']:,.0f} | {a['p50_ms']:.2f} | {a['p99_ms']:.2f} | {a['errors']:.0f} | {b['rps']:,.0f} | {b['p99_ms']:.2f} | {b['errors']:.0f} | {ratio:.1f}× |")
print()
create = ours.get("create", {}).get("rps", 0)
print(f"SQLite commit ceiling on this machine (one writer committing a user row and a 2 KB exchange per")
print(f"transaction through ScimLab's store, retention upkeep included, `scimlab-commit-ceiling`): {ceiling:,.0f} commits/s; creates reach")
print(f"{create / ceiling:.0%} of it.")
PY
section=$(cat "$work/section.md")
# Replace the section in docs/benchmarks.md (or append it).
python3 - "$section" <<'PY'
import sys, re, pathlib
p = pathlib.Path("docs/benchmarks.md")
text = p.read_text() if p.exists() else "# Benchmarks\n"
section = sys.argv[1].rstrip() + "\n"
pattern = re.compile(r"^## Throughput against a peer\n.*?(?=^## |\Z)", re.S | re.M)
text = pattern.sub(lambda _: section + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
p.write_text(text)
PY
cat "$work/section.md"
