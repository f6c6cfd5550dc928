#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs, makes the data,
# runs the native tests (unit, integration, CLI, PyTorch parity, training on real
# digits) and checks that the core builds for wasm32.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/fetch-data.sh
echo "== cargo test --release"
cargo test --release
echo "== core builds for wasm32-unknown-unknown"
cargo build --release --lib --target wasm32-unknown-unknown
