#!/usr/bin/env bash
# Headless Chromium for the report's browser test (Debian package; browsers are never downloaded
# by the test tools). Installs only when missing and when we may use apt.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "chromium is not installed and cannot be installed here (need root and apt-get);" \
       "the browser test will be skipped. Install it with: sudo apt-get install chromium" >&2
fi
