#!/usr/bin/env bash
# ScimLab at size: startup, memory, disk and WAL of a release `scimlab serve` on a database of
# SIZE_USERS users (default 100 000) and SIZE_EXCHANGES captured exchanges (default 1 000 000);
# writes the section "## At size: …" of docs/benchmarks.md (the rest is kept).
#
# 1. Seeds once with `scimlab-seed` (through the engine's store, no HTTP; a few minutes) into
#    $CARGO_TARGET_DIR/bench-size/seed-<users>-<exchanges>-<seed>/ and reuses it afterwards
#    (`make bench-ui` reads the same one); every run below works on a copy.
# 2. Startup: SIZE_RUNS times (default 3) the time from spawning `scimlab serve` to its SCIM port
#    accepting a connection (median), and VmRSS right then and 3 s later.
# 3. A burst of the admin reads the UI makes (Traffic and Users pages, deep pages, filters,
#    searches, orders, timeline, roles, checklists, a user's page, an exchange), each right after
#    a SCIM create (no stale answer) and timed; VmRSS/VmHWM after it.
# 4. Disk: the .db, -wal and -shm files as seeded and after the load below.
# 5. WAL: `scimlab bench` writes for about SIZE_LOAD_SECONDS (default 30) s (the Entra cycle,
#    8 clients); the WAL is sampled every 0.25 s during the load and 20 s after it stops.
# The engine runs pinned to core 0 and the load client to core 1 (taskset) where there are two.
# Usage: scripts/bench-size.sh   (after `cargo build --release -p scimlab-cli -p scimlab-tests`)
#        scripts/bench-size.sh --seed-only   seed when missing, print the seeded database's path
set -euo pipefail
cd "$(dirname "$0")/.."
users=${SIZE_USERS:-100000}
exchanges=${SIZE_EXCHANGES:-1000000}
seed=${SIZE_SEED:-1}
runs=${SIZE_RUNS:-3}
load_seconds=${SIZE_LOAD_SECONDS:-30}
target=${CARGO_TARGET_DIR:-target}
bin=$target/release
cache="$target/bench-size/seed-$users-$exchanges-$seed"
# The engine keeps the newest --retention exchanges: keep them all.
retention=$(( exchanges > 100000 ? exchanges : 100000 ))

if [ ! -f "$cache/scimlab.db" ]; then
  rm -rf "$cache.tmp"
  mkdir -p "$target/bench-size"
  "$bin/scimlab-seed" "$cache.tmp" --users "$users" --exchanges "$exchanges" --seed "$seed" | tee "$target/bench-size/seed.log" >&2
  mv "$cache.tmp" "$cache"
fi
if [ "${1:-}" = "--seed-only" ]; then
  realpath "$cache/scimlab.db"
  exit 0
fi
work=$(mktemp -d "$target/bench-size/run.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$cache/scimlab.db" "$work/scimlab.db"

server_pin=""; client_pin=""
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  server_pin="taskset -c 0"; client_pin="taskset -c 1"
fi

python3 - "$work" "$bin" "$runs" "$load_seconds" "$retention" "$users" "$exchanges" "$seed" \
  "$server_pin" "$client_pin" "$(git rev-parse --short HEAD)" "$cache/scimlab.db" >"$work/section.md" <<'PY'
import datetime, json, os, platform, shlex, socket, statistics, subprocess, sys, time, urllib.request
(work, bin_dir, runs, load_seconds, retention, users, exchanges, seed,
 server_pin, client_pin, commit, seeded) = sys.argv[1:]
runs, load_seconds = int(runs), int(load_seconds)
db = os.path.join(work, "scimlab.db")
token = "bench-size-admin-token-0123456789"

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def accepting(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.05).close(); return True
    except OSError:
        return False

def status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")

def files(path):
    out = {}
    for suffix in ("", "-wal", "-shm"):
        p = path + suffix
        out[suffix or ".db"] = os.path.getsize(p) if os.path.exists(p) else 0
    return out

def mib(n):
    return f"{n / 2**20:,.1f} MiB" if n < 2**30 else f"{n / 2**30:,.2f} GiB"

def start():
    scim, admin = free_port(), free_port()
    cmd = shlex.split(server_pin) + [f"{bin_dir}/scimlab", "serve", "--db", db, "--retention", retention,
           "--scim-addr", f"127.0.0.1:{scim}", "--admin-addr", f"127.0.0.1:{admin}"]
    env = dict(os.environ, SCIMLAB_ADMIN_TOKEN=token, RUST_LOG="warn")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "serve.log"), "a"))
    deadline = t0 + 30
    while not accepting(scim):
        if proc.poll() is not None or time.perf_counter() > deadline:
            raise SystemExit(f"scimlab serve did not listen (exit {proc.poll()}); see {work}/serve.log")
        time.sleep(0.001)
    return proc, scim, admin, (time.perf_counter() - t0) * 1000

def stop(proc):
    proc.send_signal(2)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill(); proc.wait()

def get(admin, path):
    req = urllib.request.Request(f"http://127.0.0.1:{admin}{path}", headers={"Authorization": f"Bearer {token}"})
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as r:
        body = r.read()
    return (time.perf_counter() - t0) * 1000, body

seeded_files = files(seeded)

# 2. Startup, median of `runs`; RSS at listening and 3 s later.
startups, rss_listen, rss_settled = [], [], []
for _ in range(runs):
    proc, scim, admin, ms = start()
    startups.append(ms); rss_listen.append(status(proc.pid, "VmRSS"))
    time.sleep(3)
    rss_settled.append(status(proc.pid, "VmRSS"))
    stop(proc)

# 3. The admin reads of Traffic and Users, each 5 times (median and max), then RSS.
proc, scim, admin, _ = start()
time.sleep(3)
# Steady state, as the targets mean it: the engine builds its views of 100 000 users in its
# first seconds (a first `/api/roles` waits for them); reads during that build measure the build.
built_ms, _ = get(admin, "/api/roles")
time.sleep(2)
key = subprocess.run([f"{bin_dir}/scimlab", "token", "show", "--db", db], capture_output=True, text=True, check=True).stdout.split()[-1]
written = 0
def write():
    """One SCIM create, so the read after it cannot be answered from a stale cache."""
    global written
    written += 1
    body = json.dumps({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "active": True,
                       "userName": f"bench-size-{written}@read.example", "displayName": f"Read {written}"}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{scim}/scim/v2/Users", data=body, method="POST",
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/scim+json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        r.read()
first = json.loads(get(admin, "/api/exchanges?limit=1")[1])["items"][0]["id"]
a_user = json.loads(get(admin, "/api/users?startIndex=1&count=1")[1])["resources"][0]["id"]
reads = [
    ("Traffic: newest 200 exchanges", "/api/exchanges?limit=200"),
    ("Traffic: a page deep (before the 500 000th)", f"/api/exchanges?limit=200&before={first - 500000}"),
    ("Traffic: filter idp=okta, operation=deactivate", "/api/exchanges?limit=200&idp=okta&operation=deactivate"),
    ("Traffic: filter status=4xx", "/api/exchanges?limit=200&status=4xx"),
    ("Traffic: filter method=PATCH", "/api/exchanges?limit=200&method=PATCH"),
    ("Traffic: text search 'okta.example'", "/api/exchanges?limit=200&q=okta.example"),
    ("Traffic: one exchange, whole", f"/api/exchanges/{first}"),
    ("Traffic: timeline strip", "/api/timeline"),
    ("Users: first 200", "/api/users?startIndex=1&count=200"),
    ("Users: 200 from the 90 000th", "/api/users?startIndex=90001&count=200"),
    ("Users: search 'berners'", "/api/users?startIndex=1&count=200&q=berners"),
    ("Users: search 'example' (every user)", "/api/users?startIndex=1&count=200&q=example"),
    ("Users: idp=okta, inactive", "/api/users?startIndex=1&count=200&idp=okta&active=false"),
    ("Users: idp=other (none)", "/api/users?startIndex=1&count=200&idp=other"),
    ("Users: by display name", "/api/users?startIndex=1&count=200&sort=displayName&order=ascending"),
    ("Users: by last modified, inactive", "/api/users?startIndex=1&count=200&sort=lastModified&active=false"),
    ("Users: one user's page", f"/api/users/{a_user}"),
    ("Roles", "/api/roles"),
    ("Checklist (Entra ID)", "/api/checklist?idp=entra"),
    ("Checklist (Okta)", "/api/checklist?idp=okta"),
]
timed = []
for name, path in reads:
    # Each read right after a write: the first (views that keep what they read fill it then),
    # then five more.
    write()
    cold, _ = get(admin, path)
    if "q=okta.example" in path:
        # Free-text search walks the bodies; once is enough to know.
        timed.append((name, path, cold, [cold])); continue
    again = []
    for _ in range(5):
        write()
        again.append(get(admin, path)[0])
    timed.append((name, path, cold, again))
rss_burst, hwm_burst = status(proc.pid, "VmRSS"), status(proc.pid, "VmHWM")
time.sleep(5)
rss_after = status(proc.pid, "VmRSS")
stop(proc)

# 5. Sustained writes, WAL sampled; then 20 s idle.
proc, scim, admin, _ = start()
key = subprocess.run([f"{bin_dir}/scimlab", "token", "show", "--db", db], capture_output=True, text=True, check=True).stdout.split()[-1]
wal_samples = []
t0 = time.perf_counter()
load = subprocess.Popen(shlex.split(client_pin) + [f"{bin_dir}/scimlab", "bench", "--target", f"http://127.0.0.1:{scim}/scim/v2",
        "--token", key, "-n", "1000000", "-c", "8", "--phases", "cycle", "--json"],
        stdout=open(os.path.join(work, "load.json"), "w"), stderr=subprocess.DEVNULL)
while time.perf_counter() - t0 < load_seconds and load.poll() is None:
    wal_samples.append(files(db)["-wal"]); time.sleep(0.25)
load.terminate()
try:
    load.wait(timeout=10)
except subprocess.TimeoutExpired:
    load.kill(); load.wait()
loaded_for = time.perf_counter() - t0
idle = []
for _ in range(80):
    idle.append(files(db)["-wal"]); time.sleep(0.25)
wal_idle = files(db)
rss_load = status(proc.pid, "VmRSS"); hwm_load = status(proc.pid, "VmHWM")
stop(proc)
after_stop = files(db)

load_str = open("/proc/loadavg").read().split()[:3]
cpu = "unknown"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip(); break
med = statistics.median
print(f"## At size: 100 000 users and 1 000 000 exchanges" if (users, exchanges) == ("100000", "1000000")
      else f"## At size: {int(users):,} users and {int(exchanges):,} exchanges")
print()
print(f"Produced by `make bench-size` (`scripts/bench-size.sh`) on {datetime.date.today()}, commit {commit}:")
print(f"{os.cpu_count()} cores ({cpu}), {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB; load average")
print(f"{' / '.join(load_str)} (1/5/15 min) when it finished (the machine is shared with other builds).")
print(f"A release `scimlab serve --retention {int(retention):,}` (pinned to core 0) on a database seeded by")
print(f"`scimlab-seed --users {int(users):,} --exchanges {int(exchanges):,} --seed {seed}` (Entra ID and Okta shaped users; their")
print("lookups, creates, PATCH/PUT updates, deactivations, reads, probes and import pages, written through")
print("the engine's store; see `tests/src/bin/seed.rs`).")
print()
print("| measure | value | target |")
print("|---|---|---|")
print(f"| startup: spawn to the SCIM port accepting, median of {runs} | {med(startups):.0f} ms ({', '.join(f'{x:.0f}' for x in startups)}) | under 300 ms |")
print(f"| RSS when listening / 3 s later (median) | {med(rss_listen):.0f} / {med(rss_settled):.0f} MiB | |")
print(f"| RSS after the burst of admin reads below, and 5 s later | {rss_burst:.0f} / {rss_after:.0f} MiB (peak VmHWM {hwm_burst:.0f} MiB) | steady under 150 MB |")
print(f"| RSS after {loaded_for:.0f} s of sustained writes and 20 s idle | {rss_load:.0f} MiB (peak VmHWM {hwm_load:.0f} MiB) | |")
db_total = sum(seeded_files.values())
print(f"| disk as seeded: .db / -wal / -shm | {mib(seeded_files['.db'])} / {mib(seeded_files['-wal'])} / {mib(seeded_files['-shm'])} (≈ {db_total / int(exchanges):,.0f} bytes per exchange, users included) | stated |")
print(f"| WAL during {loaded_for:.0f} s of sustained writes (Entra cycles, 8 clients), max | {mib(max(wal_samples or [0]))} | under 256 MB |")
print(f"| WAL 20 s after the writes stopped | {mib(wal_idle['-wal'])} | under 256 MB |")
print(f"| disk after the load and a clean stop: .db / -wal / -shm | {mib(after_stop['.db'])} / {mib(after_stop['-wal'])} / {mib(after_stop['-shm'])} | |")
print()
print("The admin reads behind Traffic and Users at that size, each right after a SCIM create (no stale")
print("answer): the first call, then the median and the slowest of 5 more (free-text search once).")
print(f"They start once the engine has built its views after its start (a first `/api/roles`, 3 s after")
print(f"the start, waited {built_ms / 1000:.1f} s for them), then 2 s more:")
print()
print("| read | first ms | median ms | max ms |")
print("|---|---|---|---|")
for name, path, cold, ms in timed:
    print(f"| {name} (`{path.replace(str(first), '<id>').replace(a_user, '<id>')}`) | {cold:.0f} | {med(ms):.0f} | {max(ms):.0f} |")
PY
section=$(cat "$work/section.md")
python3 - "$section" <<'PY'
import sys, re, pathlib
p = pathlib.Path("docs/benchmarks.md")
text = p.read_text() if p.exists() else "# Benchmarks\n"
section = sys.argv[1].rstrip() + "\n"
pattern = re.compile(r"^## At size: [\d,\s]+users and [\d,\s]+exchanges\n.*?(?=^## |\Z)", re.S | re.M)
text = pattern.sub(lambda _: section + "\n", text) if pattern.search(text) else text.rstrip() + "\n\n" + section
p.write_text(text)
PY
cat "$work/section.md"
