#!/usr/bin/env bash
# Idempotent: creates the project venv at .tools/venv and installs the pinned Python packages the
# test suite uses as an independent Delta reader (delta-rs' `deltalake`, plus `pyarrow`).
# Prints the venv's python path on stdout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.tools/venv"
DELTALAKE_VERSION="${DELTALAKE_VERSION:-1.6.6}"
PYARROW_VERSION="${PYARROW_VERSION:-26.0.1}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
if ! "$venv/bin/python" - "$DELTALAKE_VERSION" "$PYARROW_VERSION" >/dev/null 2>&1 <<'PY'
import sys
from importlib.metadata import version
assert version("deltalake") == sys.argv[1] and version("pyarrow") == sys.argv[2]
PY
then
  (flock 9; "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "deltalake==$DELTALAKE_VERSION" "pyarrow==$PYARROW_VERSION" >&2) 9>"$root/.tools/.venv.lock"
fi
echo "$venv/bin/python"
