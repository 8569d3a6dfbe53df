#!/usr/bin/env bash
# `npm test` (README's test command, and what .ci/run runs): the whole set-up on a fresh machine.
# System packages first (scripts/system-deps.sh installs them as root, else names the command),
# dependencies if node_modules is missing, then typecheck, lint, fast tests, slow tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
if [ ! -d node_modules ]; then npm ci --no-audit --no-fund; fi
npm run typecheck
npm run lint
npx vitest run --project fast
npx vitest run --project slow
