#!/bin/sh
# Installs the system libraries WeasyPrint needs to write PDF (Pango) and the Inter and DejaVu font families,
# when they are missing. Uses apt-get when run as root on Debian or Ubuntu; otherwise
# says what to install.
set -eu
missing=""
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing="$missing libpango-1.0-0 libpangoft2-1.0-0"
ldconfig -p 2>/dev/null | grep -q 'libharfbuzz.so' || missing="$missing libharfbuzz0b"
# Without the subsetting library WeasyPrint embeds whole fonts the slow way (seconds per PDF).
ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so' || missing="$missing libharfbuzz-subset0"
[ -d /usr/share/fonts/truetype/dejavu ] || missing="$missing fonts-dejavu-core"
[ -d /usr/share/fonts/opentype/inter ] || [ -d /usr/share/fonts/truetype/inter ] || missing="$missing fonts-inter"
[ -n "$missing" ] || exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages:$missing"
  apt-get update -qq >/dev/null
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
  echo "Kluis needs these system packages for PDF output:$missing" >&2
  echo "Install them with your package manager (Debian/Ubuntu: sudo apt-get install$missing)." >&2
fi
