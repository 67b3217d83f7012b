#!/usr/bin/env sh
# Makes sure a Chromium for the browser tests is on this machine (the Debian package: playwright-core
# cannot download its own browsers here). Idempotent: does nothing when chromium is already there.
# Retries once after `dpkg --configure -a`, since a concurrent apt run can make the first try fail.
set -e
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if ! $SUDO apt-get install -y -q chromium >/tmp/ensure-chromium.log 2>&1; then
  echo "[ensure-chromium] first install attempt failed (see /tmp/ensure-chromium.log); retrying" >&2
  $SUDO dpkg --configure -a || true
  $SUDO apt-get install -y -q chromium >>/tmp/ensure-chromium.log 2>&1
fi
command -v chromium
