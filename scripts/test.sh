#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs; first the fast checks
# (rustfmt, clippy natively and for wasm32, warnings as errors), then makes the data, runs
# the native tests (unit, integration, CLI, PyTorch parity, training on real digits),
# checks that the fuzz targets compile and that the core builds for wasm32, then the web tests (scripts/lib/test-web.sh: the
# wasm facade in headless Chromium and the page end to end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== cargo fmt --check"
cargo fmt --check
echo "== cargo clippy (native, all targets and the predictor's tests; wasm32, the library as predictor and as trainer), warnings as errors"
cargo clippy --release --all-targets -- -D warnings
# The library and its tests as the predictor is built (no `training`): what wasm-pack test compiles first.
cargo clippy --release --no-default-features --lib --tests -- -D warnings
cargo clippy --release --lib --target wasm32-unknown-unknown --no-default-features -- -D warnings
cargo clippy --release --lib --target wasm32-unknown-unknown --no-default-features --features training -- -D warnings
bash scripts/fetch-data.sh
echo "== cargo test --release"
cargo test --release
echo "== the fuzz targets compile (fuzz/; running them: docs/testing.md)"
# A check on stable (no sanitizer, no run): the targets keep up with the library's API.
cargo check --manifest-path fuzz/Cargo.toml --bins --target-dir target/fuzz-check
echo "== core builds for wasm32-unknown-unknown"
cargo build --release --lib --target wasm32-unknown-unknown --no-default-features
echo "== web: wasm facade in headless Chromium, end-to-end test of the page"
bash scripts/lib/test-web.sh
