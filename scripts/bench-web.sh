#!/usr/bin/env bash
# Browser benchmark of the published run (share+aux, 1000 pairs, 25 epochs, batch 128)
# trained in the page's worker in headless Chromium: builds the page (scripts/build-web.sh),
# installs npm's playwright-core for tests/e2e if missing, serves www/ on a free local port
# and prints the figures (scripts/lib/bench-web.mjs; --runs N, --epochs E, --json; --ablate R
# [--workers W] [--versus V]: Table I on W workers, against V workers first).
# --load [--runs N] [--json]: the page's load benchmark instead (scripts/lib/bench-load.mjs: a
# fresh phone profile, www/ gzipped through one paced link; bytes, requests, times to the
# first verdict, release → verdict painted).
# --soak [--json]: the soak instead (scripts/lib/soak.mjs: the page used for ~15 min; fails
# if its state does not come back, it reports an error or its wasm memory keeps growing).
# Needs the tools of scripts/setup-web.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
# Build output to stderr, so that --json leaves one object on stdout.
bash scripts/build-web.sh >&2
if [[ ! -d tests/e2e/node_modules/playwright-core ]]; then
  npm ci --prefix tests/e2e --no-audit --no-fund --silent >&2
fi
if [[ "${1:-}" == "--soak" ]]; then
  node scripts/lib/soak.mjs "${@:2}"
elif [[ "${1:-}" == "--load" ]]; then
  node scripts/lib/bench-load.mjs "${@:2}"
else
  node scripts/lib/bench-web.mjs "$@"
fi
