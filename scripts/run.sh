#!/usr/bin/env bash
# The main job, from a fresh clone: make the data, train the published TwinNet
# (share+aux, 25 epochs, 1000 pairs), evaluate it, and predict on two test digits.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/fetch-data.sh
cargo build --release --quiet --bin twinnet
mkdir -p target/run
./target/release/twinnet train --out target/run/share_aux.safetensors
./target/release/twinnet eval --weights target/run/share_aux.safetensors
echo "Reproduce Table I:   ./target/release/twinnet ablate --rounds 32 --plot target/run/ablate.svg"
