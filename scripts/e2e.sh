#!/usr/bin/env bash
# Runs the end-to-end test files one at a time, each under a deadline, and says which failed.
# Run under a display (the Makefile's `e2e` wraps it in xvfb-run). A file that hangs (a child
# process holding a pipe open, a browser that never answers) is killed after E2E_FILE_SECONDS
# (default 300) and counted as failed, so CI reports it instead of running out of time.
# Usage: scripts/e2e.sh [FILE ...]   (default: every ui/e2e/*.test.mjs)
set -uo pipefail
cd "$(dirname "$0")/../ui"
limit="${E2E_FILE_SECONDS:-300}"
if [ "$#" -gt 0 ]; then files=("$@"); else files=(e2e/*.test.mjs); fi
failed=()
for f in "${files[@]}"; do
  start=$(date +%s)
  echo "# e2e: $f"
  # --test-force-exit: the file ends when its tests have, even if a handle is left open.
  timeout --kill-after=15 "$limit" node --test --test-force-exit --test-timeout=240000 "$f"
  rc=$?
  took=$(( $(date +%s) - start ))
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "# e2e: $f did not finish within ${limit} s (killed after ${took} s)"
    failed+=("$f (timed out)")
  elif [ "$rc" -ne 0 ]; then
    echo "# e2e: $f failed (exit $rc, ${took} s)"
    failed+=("$f")
  else
    echo "# e2e: $f passed in ${took} s"
  fi
done
# Anything a test file started and left behind (a desktop app, a driver) goes with it.
pkill -f 'WebKitWebDriver|tauri-driver' 2>/dev/null || true
if [ "${#failed[@]}" -gt 0 ]; then
  printf '# e2e: failed: %s\n' "${failed[@]}"
  exit 1
fi
echo "# e2e: all ${#files[@]} files passed"
