#!/usr/bin/env bash
# Idempotent: installs the local object-store servers the object-storage tests start on loopback,
# under .tools/ (git-ignored), and prints `KEY=path` lines for them on stdout:
#   AZURITE=<azurite-blob launcher>   Azurite (npm), Microsoft's Azure Blob Storage emulator
#   MOTO_PYTHON=<python with moto>    moto's S3 server (PyPI), which honours If-None-Match on PutObject
#                                     (run by test/helpers/moto_s3_server.py)
# Pinned versions; a matching install is reused. A lock keeps parallel callers from racing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
AZURITE_VERSION="${AZURITE_VERSION:-3.37.0}"
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
mkdir -p "$tools"
source "$root/scripts/node-env.sh" >&2
exec 9>"$tools/.objectstores.lock"
flock 9

azurite="$tools/azurite/node_modules/.bin/azurite-blob"
if ! [ -x "$azurite" ] || [ "$(node -p "require('$tools/azurite/node_modules/azurite/package.json').version" 2>/dev/null)" != "$AZURITE_VERSION" ]; then
  npm install --prefix "$tools/azurite" --no-audit --no-fund --no-save --loglevel=error "azurite@$AZURITE_VERSION" >&2
fi

venv="$tools/s3-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
if ! "$venv/bin/python" - "$MOTO_VERSION" >/dev/null 2>&1 <<'PY'
import sys
from importlib.metadata import version
assert version("moto") == sys.argv[1]
import flask, flask_cors  # the server extra
PY
then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
fi
echo "AZURITE=$azurite"
echo "MOTO_PYTHON=$venv/bin/python"
