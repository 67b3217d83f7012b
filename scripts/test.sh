#!/usr/bin/env bash
# `npm test`: the whole suite, as CI runs it (.ci/run sets CI=true). Installs what the tests need
# (idempotent), type-checks, builds the dashboard, then runs unit, integration, browser and
# real-stack tests. It ends by listing every skipped test and why; under CI=true a skip is a failure
# (a missing service, Python package or shared corpus must never pass quietly).
# `scripts/test.sh FILE...` runs only those test files, with the same skip accounting.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
echo "[test] node $(node --version)${CI:+ (CI=$CI)}"
if [ $# -gt 0 ]; then
  files="$*"
else
  echo "[test] type-check"
  npx tsc -p tsconfig.json
  npx tsc -p dashboard/tsconfig.json
  echo "[test] formatting (prettier; 'npm run format' fixes it)"
  node node_modules/prettier/bin/prettier.cjs --check --log-level warn .
  echo "[test] build the dashboard"
  npx vite build --config dashboard/vite.config.ts
  [ -x scripts/ensure-chromium.sh ] && bash scripts/ensure-chromium.sh
  [ -x scripts/ensure-python-deps.sh ] && bash scripts/ensure-python-deps.sh
  # The object-store servers the test/objectstore tests start (Azurite, the S3-compatible server).
  [ -x scripts/ensure-objectstores.sh ] && bash scripts/ensure-objectstores.sh >/dev/null
  files=$(find src dashboard test packages -name '*.test.ts' -not -path '*/node_modules/*' 2>/dev/null | sort)
fi
echo "[test] running $(echo "$files" | wc -w) test files"
skips=$(mktemp)
# Every temp folder the tests make (os.tmpdir(): Delta tables, DuckDB files, services' DATA_DIRs,
# Python's and Spark's scratch) goes under one folder of this run, removed at its end, pass or fail
# (KEEP_TEST_TMP=1 keeps it, to look at a failure).
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/shori-test-run-XXXXXX")
cleanup() {
  rm -f "$skips"
  if [ "${KEEP_TEST_TMP:-}" = "1" ]; then echo "[test] kept the run's temp folder $run_tmp"; else rm -rf "$run_tmp"; fi
}
trap cleanup EXIT
export TMPDIR="$run_tmp"
status=0
# One file at a time: the integration tests start real services and the machine has two cores.
node --test --test-concurrency=1 --test-timeout=1200000 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./test/helpers/skip-reporter.ts --test-reporter-destination="$skips" \
  $files || status=$?
count=$(grep -c . "$skips" || true)
if [ "$count" -gt 0 ]; then
  echo "[test] $count test(s) skipped or todo:"
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const rel = (f) => f.startsWith(process.cwd() + "/") ? f.slice(process.cwd().length + 1) : f;
    for (const s of lines) console.log(`  - ${s.kind}: ${rel(s.file)} > ${s.name}: ${s.reason}`);
  ' "$skips"
  if [ "${CI:-}" = "true" ]; then
    echo "[test] FAIL: under CI=true nothing may be skipped" >&2
    [ "$status" -eq 0 ] && status=1
  fi
else
  echo "[test] nothing skipped"
fi
exit "$status"
