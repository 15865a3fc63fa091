#!/bin/sh
# Quick start: install what is missing, build, create a data directory with a
# generated master key and the AmberScript example policy (once), and run vow
# on it. VOW_DATA chooses the directory (default: ./vow-data).
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
make -s -j"$(nproc)"
DATA="${VOW_DATA:-vow-data}"
if [ ! -f "$DATA/master.key" ]; then
	build/vow init "$DATA"
fi
build/vow policy check "$DATA/policy.yaml"
