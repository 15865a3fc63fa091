#!/bin/sh
# Benchmark: an access export (and then the erasure) of a subject with 10,000
# record versions and 1 GiB of files, against the vault reading and writing
# the same bytes in the same run (see bench/rights_bench.c). VOW_BENCH_FILE_MIB
# sets the size; the run needs about three times that in free disk space.
set -eu
BUILD="${BUILD:-build}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
"$BUILD/bench/rights_bench" "$dir" "${VOW_BENCH_FILE_MIB:-1024}"
