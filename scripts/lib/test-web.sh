#!/usr/bin/env bash
# The web tests: installs what they need, builds the page, runs the wasm facade's tests
# in headless Chromium (wasm-pack test, tests/web.rs, for both modules), then the end-to-end test of the
# page (tests/e2e, playwright-core driving /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup-web.sh
# The library for wasm32 in the release profile, which `wasm-pack test --release` builds on,
# side by side with the page's builds (its own profile directory): it also checks that the
# core builds for wasm32 without the browser facade's features.
echo "== cargo build --release --lib --target wasm32-unknown-unknown --no-default-features (alongside build-web)"
core_log=$(mktemp)
trap 'kill "${core:-}" 2>/dev/null || true; rm -f "$core_log"' EXIT
nice -n 10 cargo build --release --lib --target wasm32-unknown-unknown --no-default-features >"$core_log" 2>&1 &
core=$!
bash scripts/build-web.sh
if ! wait "$core"; then
  cat "$core_log"
  echo "test-web: the library does not build for wasm32 (above)" >&2
  exit 1
fi
cat "$core_log"

# Only tests/web.rs, and without the native programs of src/bin/ (feature `cli`): as the
# predictor module (no feature `training`), then as the trainer module.
echo "== wasm-pack test --headless --chrome --release (tests/web.rs), the predictor"
nice -n 10 wasm-pack test --headless --chrome --release -- --no-default-features --test web
echo "== wasm-pack test --headless --chrome --release (tests/web.rs), the trainer"
nice -n 10 wasm-pack test --headless --chrome --release -- --no-default-features --features training --test web

echo "== end-to-end test of the page (tests/e2e)"
npm test --prefix tests/e2e
