#!/usr/bin/env bash
# Native single-thread benchmark of the published protocol (share+aux, 1000 pairs,
# 25 epochs, batch 128): prints per-epoch and per-run times, median of RUNS runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/fetch-data.sh >/dev/null
cargo run --release --quiet --bin bench -- "${@}"
