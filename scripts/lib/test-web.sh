#!/usr/bin/env bash
# The web tests: installs what they need, builds the page, runs the wasm facade's tests
# in headless Chromium (wasm-pack test, tests/web.rs, for both modules), then the end-to-end test of the
# page (tests/e2e, playwright-core driving /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup-web.sh
bash scripts/build-web.sh

# Only tests/web.rs, and without the native programs of src/bin/ (feature `cli`): as the
# predictor module (no feature `training`), then as the trainer module.
echo "== wasm-pack test --headless --chrome --release (tests/web.rs), the predictor"
nice -n 10 wasm-pack test --headless --chrome --release -- --no-default-features --test web
echo "== wasm-pack test --headless --chrome --release (tests/web.rs), the trainer"
nice -n 10 wasm-pack test --headless --chrome --release -- --no-default-features --features training --test web

echo "== end-to-end test of the page (tests/e2e)"
npm test --prefix tests/e2e
