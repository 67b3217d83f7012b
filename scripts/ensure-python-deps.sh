#!/usr/bin/env bash
# Idempotent: creates the project venv at .tools/venv and installs the pinned Python packages the
# test suite uses as independent Delta implementations: delta-rs' `deltalake` (plus `pyarrow`)
# always; with --spark also Apache Spark + Delta Lake (`delta-spark`, `pyspark`; Spark fetches the
# Delta jars from Maven Central into the Ivy cache on first use) for test/interop/spark.test.ts.
# Prints the venv's python path on stdout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.tools/venv"
DELTALAKE_VERSION="${DELTALAKE_VERSION:-1.6.6}"
PYARROW_VERSION="${PYARROW_VERSION:-26.0.1}"
DELTA_SPARK_VERSION="${DELTA_SPARK_VERSION:-4.0.1}"
PYSPARK_VERSION="${PYSPARK_VERSION:-4.0.5}"
want=("deltalake==$DELTALAKE_VERSION" "pyarrow==$PYARROW_VERSION")
[ "${1:-}" = "--spark" ] && want+=("delta-spark==$DELTA_SPARK_VERSION" "pyspark==$PYSPARK_VERSION")
mkdir -p "$root/.tools"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
if ! "$venv/bin/python" - "${want[@]}" >/dev/null 2>&1 <<'PY'
import sys
from importlib.metadata import version
for spec in sys.argv[1:]:
    name, wanted = spec.split("==")
    assert version(name) == wanted, spec
PY
then
  (flock 9; "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${want[@]}" >&2) 9>"$root/.tools/.venv.lock"
fi
if [ "${1:-}" = "--spark" ] && ! command -v java >/dev/null 2>&1; then
  echo "ensure-python-deps: Spark needs a Java runtime (java not on PATH)" >&2
  exit 1
fi
echo "$venv/bin/python"
