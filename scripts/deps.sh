#!/bin/sh
# Installs the Debian packages vow needs to build and test, if any is missing
# (Node.js and npm only for the OpenAPI linter of the test run; clang and its
# runtime libraries, libFuzzer among them, only for the fuzz tree).
# Usage: scripts/deps.sh        (as root, or with sudo available)
set -eu
PKGS="build-essential pkg-config libsodium-dev libyaml-dev libjansson-dev libcmocka-dev libsqlite3-dev sqlite3 libmicrohttpd-dev libcurl4-openssl-dev curl python3-aiosmtpd libarchive-dev clang libclang-rt-dev"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if ! command -v node >/dev/null 2>&1; then missing="$missing nodejs"; fi
if ! command -v npm >/dev/null 2>&1; then missing="$missing npm"; fi
if [ -z "$missing" ]; then
	exit 0
fi
echo "vow: installing$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
