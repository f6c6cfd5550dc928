#!/usr/bin/env bash
# Builds the static page in www/: two wasm modules from the one crate, the digits data
# (www/data/mnist10k.bin) and the pretrained weights (www/twinnet.safetensors); then
# www/sw-manifest.js (what the service worker caches, with the files' hashes and the cache's
# version: scripts/lib/sw-manifest.py) and prints what the page weighs.
#
# - www/pkg-predictor/: the predictor (no feature `training`: load, preprocess, predict,
#   explain; candle's forward pass only), built for size (Cargo.toml's `predictor`
#   profile). The drawing page loads it on its main thread.
# - www/pkg/ and www/pkg-relaxed/: the trainer (feature `training`: everything), fetched
#   only when a training run, the ablation or the MNIST files ask for it, built for speed
#   (Cargo.toml's `trainer` profile: fat LTO, one codegen unit); twice from the same code:
#   SIMD128 from .cargo/config.toml, and SIMD128 + relaxed SIMD, which fuses the matrix
#   products' multiply-adds (www/wasm-module.js picks one per browser).
# Needs the tools of scripts/setup-web.sh --build-only.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/fetch-data.sh

weights=www/twinnet.safetensors
if [[ ! -s $weights ]]; then
  echo "build-web: $weights is missing; using the PyTorch-trained share+aux fixture"
  cp tests/fixtures/pytorch/twinnet_share_aux.safetensors "$weights"
fi

# build OUT_DIR PROFILE CRATE_FEATURES [extra target features]: one wasm-pack build; only
# the module and its JS glue belong on the page.
build() {
  local out=$1 profile=$2 crate_features=$3 target_features=${4:-}
  local vars=() profile_args=(--release)
  [[ $profile == release ]] || profile_args=(--profile "$profile")
  echo "== wasm-pack build --target web ${profile_args[*]} --out-dir $out (crate features: ${crate_features:-none}${target_features:+; +$target_features})"
  if [[ -n $target_features ]]; then
    # RUSTFLAGS replaces .cargo/config.toml's flags; its own target dir keeps both builds cached.
    vars=(RUSTFLAGS="-C target-feature=+simd128,+$target_features" CARGO_TARGET_DIR="target/wasm-$target_features")
  fi
  # Without the native programs of src/bin/ (feature `cli`) and their dependencies.
  env "${vars[@]}" nice -n 10 wasm-pack build --target web "${profile_args[@]}" --out-dir "$out" --no-typescript --no-pack \
    -- --no-default-features ${crate_features:+--features "$crate_features"}
  rm -f "$out/README.md" "$out/package.json" "$out/.gitignore"
  python3 scripts/lib/strip-wasm-names.py "$out/twinnet_bg.wasm"
}
# The three builds run side by side, each into its own log, printed in order when all are
# done: they share no build directory (each profile has its own under target/, the relaxed
# build its own target dir), and one build alone leaves a core idle for minutes (a large
# crate in one codegen unit, fat LTO).
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
pids=()
build www/pkg-predictor predictor "" >"$logs/0" 2>&1 &
pids+=($!)
build www/pkg trainer training >"$logs/1" 2>&1 &
pids+=($!)
build www/pkg-relaxed trainer training relaxed-simd >"$logs/2" 2>&1 &
pids+=($!)
failed=0
for i in "${!pids[@]}"; do
  wait "${pids[i]}" || failed=1
  cat "$logs/$i"
done
if ((failed)); then
  echo "build-web: a wasm-pack build failed (its output is above)" >&2
  exit 1
fi

# Last, once every file it lists is final: a new hash of any of them is a new cache version.
python3 scripts/lib/sw-manifest.py --dir www

# Total bytes of the files, raw and each gzipped on its own (as a server sends them).
size_row() {
  local label=$1; shift
  local raw=0 gz=0 f
  for f in "$@"; do
    raw=$((raw + $(wc -c <"$f")))
    gz=$((gz + $(gzip -9 -c "$f" | wc -c)))
  done
  printf '  %-28s %9d B raw %9d B gzip\n' "$label" "$raw" "$gz"
}
echo "== www/ sizes"
size_row "predictor (pkg-predictor/…)" www/pkg-predictor/twinnet_bg.wasm
size_row "trainer (pkg/twinnet_bg.wasm)" www/pkg/twinnet_bg.wasm
size_row "trainer (pkg-relaxed/…)" www/pkg-relaxed/twinnet_bg.wasm
size_row "JS glue (pkg-predictor/…)" www/pkg-predictor/twinnet.js
size_row "page JS (www/*.js)" www/*.js
size_row "HTML + CSS" www/index.html www/style.css
size_row "weights" "$weights"
size_row "digits data" www/data/mnist10k.bin
