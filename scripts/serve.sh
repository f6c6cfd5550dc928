#!/usr/bin/env bash
# Builds the page and serves www/ on http://localhost:8080 (PORT=… to change it).
# Installs the build tools first if they are missing (scripts/setup-web.sh --build-only).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-web.sh --build-only
bash scripts/build-web.sh
echo "== open http://localhost:${PORT:-8080}/ (Ctrl-C stops)"
exec python3 scripts/lib/serve.py --dir www --port "${PORT:-8080}"
