#!/usr/bin/env bash
# `npm test`: the whole suite, as CI runs it (.ci/run). Installs what the tests need (idempotent),
# type-checks, builds the dashboard, then runs unit, integration, browser and real-stack tests.
# Under CI=true a missing service is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
echo "[test] node $(node --version)"
echo "[test] type-check"
npx tsc -p tsconfig.json
npx tsc -p dashboard/tsconfig.json
echo "[test] build the dashboard"
npx vite build --config dashboard/vite.config.ts
[ -x scripts/ensure-chromium.sh ] && bash scripts/ensure-chromium.sh
[ -x scripts/ensure-python-deps.sh ] && bash scripts/ensure-python-deps.sh
files=$(find src packages dashboard test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
echo "[test] running $(echo "$files" | wc -l) test files"
# One file at a time: the integration tests start real services and the machine has two cores.
node --test --test-concurrency=1 --test-timeout=1200000 $files
