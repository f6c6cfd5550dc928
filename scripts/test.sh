#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs, makes the data,
# runs the native tests (unit, integration, CLI, PyTorch parity, training on real
# digits), checks that the core builds for wasm32, then the web tests
# (scripts/lib/test-web.sh: the wasm facade in headless Chromium and the page end to end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/fetch-data.sh
echo "== cargo test --release"
cargo test --release
echo "== core builds for wasm32-unknown-unknown"
cargo build --release --lib --target wasm32-unknown-unknown
echo "== web: wasm facade in headless Chromium, end-to-end test of the page"
bash scripts/lib/test-web.sh
