#!/usr/bin/env bash
# Runs a TypeScript entry point on Node 24 (bootstrapped when needed): scripts/run-ts.sh FILE [ARGS...]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/node-env.sh"
exec node "$@"
