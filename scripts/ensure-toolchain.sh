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

if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo not found: installing rustup (minimal profile); rust-toolchain.toml pins the version" >&2
  command -v curl >/dev/null 2>&1 || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq --no-install-recommends curl ca-certificates; }
  if curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain none; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "could not install rustup: install Rust from https://rustup.rs and run this again" >&2
    exit 1
  fi
fi
# rustup installs the pinned toolchain (and rustfmt/clippy) on first use; this triggers it.
cargo --version >/dev/null
