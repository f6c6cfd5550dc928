#!/usr/bin/env bash
# Installs what building and testing the web page needs, skipping what is already there
# at the right version:
#   wasm-pack 0.15 (cargo install --locked)
#   wasm-bindgen-cli at exactly the wasm-bindgen version of Cargo.lock (cargo install,
#     not --locked: a locked dependency of it is missing from the index)
#   chromium + chromium-driver (Debian; for wasm-pack test and the end-to-end test)
#   tests/e2e's npm dependencies (playwright-core, which uses Debian's chromium)
# With --build-only, only what building the page needs (the first two).
set -euo pipefail
cd "$(dirname "$0")/.."
build_only=false
[[ ${1:-} == --build-only ]] && build_only=true

WASM_PACK_VERSION=0.15.1

bash scripts/setup.sh

apt_install() {
  local sudo=""
  [[ $(id -u) != 0 ]] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# scripts/lib/serve.py and the end-to-end test serve www/ with Python's http.server.
if ! command -v python3 >/dev/null; then
  echo "setup-web: installing python3 (Debian)"
  apt_install python3
fi

version_of() { "$1" --version 2>/dev/null | awk '{print $2}'; }

# The tools compiled at opt-level 1: half the build time of the default 3 (wasm-bindgen-cli
# 2 min instead of 4.5 on 2 cores), the same output, and 0.3 s to process our module.
QUICK_BUILD=(--config profile.release.opt-level=1 --config profile.release.debug=false)

if [[ $(version_of wasm-pack) != "$WASM_PACK_VERSION" ]]; then
  echo "setup-web: cargo install wasm-pack $WASM_PACK_VERSION"
  nice -n 10 cargo install wasm-pack --locked --version "$WASM_PACK_VERSION" "${QUICK_BUILD[@]}"
fi

bindgen=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [[ -z $bindgen ]]; then
  echo "setup-web: no wasm-bindgen in Cargo.lock; run cargo fetch" >&2
  exit 1
fi
if [[ $(version_of wasm-bindgen) != "$bindgen" ]]; then
  echo "setup-web: cargo install wasm-bindgen-cli $bindgen (about 2 minutes)"
  nice -n 10 cargo install wasm-bindgen-cli --version "$bindgen" "${QUICK_BUILD[@]}"
fi

$build_only && exit 0

if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
  echo "setup-web: installing chromium + chromium-driver (Debian)"
  apt_install chromium chromium-driver
fi

e2e=tests/e2e
if [[ ! -f $e2e/node_modules/.package-lock.json || $e2e/package-lock.json -nt $e2e/node_modules/.package-lock.json ]]; then
  echo "setup-web: npm ci in $e2e"
  npm ci --prefix "$e2e" --no-audit --no-fund --silent
fi
