#!/usr/bin/env bash
# Make sure a fresh Debian machine can build ScimLab's engine: a C compiler (SQLite is compiled
# from source by libsqlite3-sys), make, and the Rust toolchain pinned in rust-toolchain.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
  else
    echo "missing: ${need_apt[*]} (install them with: sudo apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "cargo not found: install Rust from https://rustup.rs (the version is pinned in rust-toolchain.toml)" >&2
    exit 1
  fi
fi
# rustup installs the pinned toolchain (and rustfmt/clippy) on first use; this triggers it.
cargo --version >/dev/null
