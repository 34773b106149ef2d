#!/usr/bin/env bash
# Installs what lockstep needs to build and test on Debian 12, if it is missing.
# Safe to run again: it only calls apt-get when a package is absent.
set -euo pipefail

packages=(
  build-essential meson ninja-build pkg-config
  libbabeltrace2-dev babeltrace2 python3-bt2
  libsqlite3-dev sqlite3 libzstd-dev
  libgtk-4-dev libglib2.0-dev-bin xvfb xauth libxtst-dev
  linux-source-6.12 patch git
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "lockstep: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
