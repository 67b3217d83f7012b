#!/usr/bin/env bash
# Source this file: it puts a Node.js >= 24 first on PATH.
# The machines here ship Node 20 (end of life); when the system Node is older than 24 we install
# the `node@24` package from the npm registry into .tools/node24 (git-ignored, no root needed).
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_major node)" -lt 24 ]; then
  _bin="$_root/.tools/node24/node_modules/node/bin"
  if [ ! -x "$_bin/node" ] || [ "$(_major "$_bin/node")" -lt 24 ]; then
    echo "[bootstrap] system Node $(node --version 2>/dev/null || echo none) is older than 24: installing node@24 from npm into .tools/node24" >&2
    mkdir -p "$_root/.tools/node24"
    (cd "$_root/.tools/node24" && echo '{"name":"node24-bootstrap","private":true}' > package.json \
      && npm install --no-audit --no-fund --loglevel=error node@24 >&2) || { echo "[bootstrap] failed to install node@24" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$_bin:$PATH"
fi
unset _root _bin
