#!/usr/bin/env bash
# Installs the Debian packages accord needs to build, test and lint.
# Idempotent: exits quickly when everything is already installed.
set -euo pipefail
pkgs=(build-essential cmake pkg-config clang libclang-rt-14-dev clang-tidy clang-format cppcheck
      libjansson-dev libsqlite3-dev libsodium-dev libgnutls28-dev libcmocka-dev
      libmicrohttpd-dev libcurl4-gnutls-dev libicu-dev sqlite3 jq ca-certificates
      curl openssl python3)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
