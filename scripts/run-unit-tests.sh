#!/bin/sh
# Runs every cmocka test program of one build tree (build or build-san) from
# the repository root and prints a last line "BUILD: N passed, N failed".
# Tests find the vow binary through VOW_BIN and shared/ through VOW_SHARED.
set -u
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
export VOW_BIN="$PWD/$BUILD/vow"
export VOW_SHARED="${VOW_SHARED:-$PWD/../shared}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
passed=0; failed=0
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	# a hung program (a server it left behind holds the pipe) fails after
	# 15 minutes instead of stopping the run
	out="$(timeout -k 10 900 "$t" 2>&1)"; rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' | awk '{s+=$1} END {print s+0}')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' | awk '{s+=$1} END {print s+0}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "$t: exited with status $rc"
		f=1
	fi
	passed=$((passed + p)); failed=$((failed + f))
done
echo "$BUILD: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
