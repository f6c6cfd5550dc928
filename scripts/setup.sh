#!/usr/bin/env bash
# Installs what building and testing TwinNet needs, skipping what is already there:
# the wasm32 target (the core must build for the browser), rustfmt and clippy (the first
# checks of scripts/test.sh) and Node.js/npm (for the data).
set -euo pipefail
if ! command -v cargo >/dev/null; then
  echo "setup: cargo not found: install Rust from rustup.rs first" >&2
  exit 1
fi
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    echo "setup: rustup component add $component"
    rustup component add "$component"
  fi
done
if ! command -v npm >/dev/null; then
  echo "setup: installing nodejs + npm (Debian)"
  apt-get update -qq && apt-get install -y -qq nodejs npm
fi
