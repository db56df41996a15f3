#!/usr/bin/env bash
# Make sure a fresh Debian/Ubuntu machine can build and test the desktop app and the UI.
#   --ui       only Node.js ≥ 20 and the UI's npm packages (npm ci when package-lock.json
#              changed): enough for `scimlab serve --ui` in a browser
#   (none)     also the Tauri system packages (WebKitGTK 4.1, GTK 3, librsvg, appindicator)
#   --package  also what `make package` and its test use (dpkg-deb)
#   --bench    what `make bench` runs beside the build: python3 with venv (the peer), taskset
#   --test     also what the tests run: Xvfb, x11-utils, xdotool, ImageMagick, WebKitWebDriver,
#              Debian's chromium, procps, and tauri-driver (cargo install)
# Which Debian package provides which program is in scripts/commands.tsv: this script installs
# the table's rows for the mode's needs (only what is missing; as non-root it prints the command).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/commands.sh
. scripts/commands.sh

mode="${1:-}"
case "$mode" in
  --ui) needs=() ;;
  "") needs=(toolchain build) ;;
  --package) needs=(toolchain build package) ;;
  --test) needs=(toolchain build test package) ;;
  --bench) needs=(toolchain bench) ;;
  *) echo "usage: $0 [--ui|--package|--test|--bench]" >&2; exit 2 ;;
esac
if [ ${#needs[@]} -gt 0 ]; then
  install_apt_packages "${needs[@]}"
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "node.js 20 or newer with npm is needed for the ui: install it (https://nodejs.org or your package manager) and run this again" >&2
  exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "node.js $(node --version) is too old for vite 7: install node 20 or newer" >&2
  exit 1
fi
# npm ci when node_modules is missing or older than the lock file.
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  npm --prefix ui ci --no-audit --no-fund
fi

# Programs from crates.io (tauri-driver): `cargo install` when neither on PATH nor in ~/.cargo/bin.
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if [ ${#needs[@]} -gt 0 ]; then
  commands_rows cargo "${needs[@]}" | while IFS=$'\t' read -r cmd crate; do
    if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/$cmd" ]; then
      echo "installing $crate (cargo install --locked)" >&2
      cargo install "$crate" --locked
    fi
  done
fi
