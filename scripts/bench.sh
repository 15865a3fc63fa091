#!/bin/sh
# Runs every benchmark under bench/ on a release build and prints its numbers.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
make -s -j"$(nproc)" benches
for b in bench/*.sh; do
	echo "== $b"
	BUILD=build "$b"
done
