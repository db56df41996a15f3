#!/usr/bin/env bash
# Make sure a fresh Debian machine can build ScimLab's engine: a C compiler (SQLite is compiled
# from source by libsqlite3-sys), pkg-config, and the Rust toolchain pinned in rust-toolchain.toml.
# The Debian packages come from scripts/commands.tsv (rows needed for `toolchain`, and `rustup`
# when rustup itself must be fetched).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/commands.sh
. scripts/commands.sh

install_apt_packages toolchain

if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo not found: installing rustup (minimal profile); rust-toolchain.toml pins the version" >&2
  install_apt_packages rustup
  if curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain none; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "could not install rustup: install Rust from https://rustup.rs and run this again" >&2
    exit 1
  fi
fi
# rustup installs the pinned toolchain (and rustfmt/clippy) on first use; this triggers it.
cargo --version >/dev/null
