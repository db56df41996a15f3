#!/usr/bin/env bash
# Make sure a fresh Debian/Ubuntu machine can build and test the desktop app and the UI.
#   --ui     only Node.js ≥ 20 and the UI's npm packages (npm ci when package-lock.json changed):
#            enough for `scimlab serve --ui` in a browser
#   (none)   also the Tauri system packages (WebKitGTK 4.1, GTK 3, librsvg, appindicator)
#   --test   also what the end-to-end tests drive: Xvfb, WebKitWebDriver, Debian's chromium,
#            and tauri-driver
# Installs only what is missing; as non-root it prints the command instead.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-}"
want=()
[ "$mode" = "--ui" ] || want+=(build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev
      libjavascriptcoregtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev file)
if [ "$mode" = "--test" ]; then
  want+=(xvfb xauth x11-utils xdotool webkit2gtk-driver chromium)
fi
missing=()
for p in "${want[@]+"${want[@]}"}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing system packages: ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing: ${missing[*]} (install them with: sudo apt-get install --no-install-recommends ${missing[*]})" >&2
    exit 1
  fi
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

if [ "$mode" = "--test" ] && ! command -v tauri-driver >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "installing tauri-driver 2.x (drives the desktop window in the e2e tests)" >&2
  cargo install tauri-driver --locked --version "^2"
fi
