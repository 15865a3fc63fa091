#!/bin/sh
# Benchmark: the vault against plain SQLite and plain file I/O in the same run
# (see bench/vault_bench.c). VOW_BENCH_FILE_MIB sets the file size (default
# 1024); the run needs about twice that in free disk space under $TMPDIR.
# VOW_BENCH_AUDIT_OFF=1 measures the records without the audit log.
set -eu
BUILD="${BUILD:-build}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
"$BUILD/bench/vault_bench" "$dir" "${VOW_BENCH_FILE_MIB:-1024}"
