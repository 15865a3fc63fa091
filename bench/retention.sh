#!/bin/sh
# Benchmark: a retention sweep among 1,000,000 stored records with 10,000 due,
# against a sweep when none is due and against the same 10,000 among 100,000
# (see bench/retention_bench.c). VOW_BENCH_STORED / VOW_BENCH_DUE change the
# sizes. Needs about 2 GB of free disk under $TMPDIR.
set -eu
BUILD="${BUILD:-build}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
"$BUILD/bench/retention_bench" "$dir" "${VOW_BENCH_STORED:-1000000}" "${VOW_BENCH_DUE:-10000}"
