#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs; first the fast checks
# (rustfmt, clippy natively and for wasm32, warnings as errors), then makes the data, runs
# the native tests (unit, integration, CLI, PyTorch parity, training on real digits),
# checks that the fuzz targets compile, then the web tests (scripts/lib/test-web.sh: the core
# and the page's modules built for wasm32, the wasm facade in headless Chromium and the page end
# to end).
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
# Alongside the native tests (its own target dir), a check on stable that the fuzz targets
# compile (no sanitizer, no run; running them: docs/testing.md): they keep up with the
# library's API.
echo "== the fuzz targets compile (fuzz/), alongside: cargo test --release"
fuzz_log=$(mktemp)
trap 'kill "${fuzz:-}" 2>/dev/null || true; rm -f "$fuzz_log"' EXIT
cargo check --manifest-path fuzz/Cargo.toml --bins --target-dir target/fuzz-check >"$fuzz_log" 2>&1 &
fuzz=$!
cargo test --release
if ! wait "$fuzz"; then
  cat "$fuzz_log"
  echo "test: the fuzz targets do not compile (above)" >&2
  exit 1
fi
cat "$fuzz_log"
echo "== web: wasm facade in headless Chromium, end-to-end test of the page"
bash scripts/lib/test-web.sh
