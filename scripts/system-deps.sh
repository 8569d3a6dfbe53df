#!/usr/bin/env bash
# The system packages the test suite runs (Debian package = command on PATH):
#   redis-server (cache tests, launcher), docker-compose (compose check, v1.29 validates offline),
#   chromium (browser test; fonts-dejavu-core for its screenshots), faketime (clock nemesis).
# All present: exit 0. Missing and root with apt-get: install them (as CI does). Otherwise stop
# at once with one line naming the exact install command, rather than a pile of spawn errors.
set -euo pipefail

PACKAGES=(redis-server docker-compose chromium faketime)
missing=()
for package in "${PACKAGES[@]}"; do
  command -v "$package" >/dev/null 2>&1 || missing+=("$package")
done
# A font for the browser test's screenshots (a package, not a command; the dir is settable for tests).
[ -d "${SYSTEM_DEPS_FONT_DIR:-/usr/share/fonts/truetype/dejavu}" ] || missing+=(fonts-dejavu-core)
[ "${#missing[@]}" -eq 0 ] && exit 0

install="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: installing ${missing[*]} ($install)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The tests start their own redis-server processes on free ports; the distro service is not needed.
  if command -v service >/dev/null 2>&1; then (service redis-server stop || true) >/dev/null 2>&1; fi
  exit 0
fi
echo "npm test needs ${missing[*]} on PATH: run \`sudo $install\` (Debian/Ubuntu), then npm test again" >&2
exit 1
