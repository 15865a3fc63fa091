#!/bin/sh
# Builds the fuzz tree (make FUZZ=1 fuzz: clang, libFuzzer, ASan+UBSan, into
# build-fuzz/) and runs one fuzz target of tests/fuzz/, or every one, for
# SECONDS each (default 300). Each starts from its seed corpus
# tests/fuzz/corpus/TARGET/ and from what earlier runs found in
# build-fuzz/corpus/TARGET/, where the new inputs it finds go (never into the
# repository); a crash, leak, sanitizer report, timeout or out-of-memory
# input goes to build-fuzz/crashes/TARGET/. A dictionary
# tests/fuzz/fuzz_TARGET.dict, where there is one, guides the mutations. The whole libFuzzer output is in
# build-fuzz/logs/TARGET.log. Prints one line per target,
#   fuzz TARGET: passed, N runs in S s (E exec/s)
#   fuzz TARGET: FAILED, input build-fuzz/crashes/TARGET/crash-...
# and exits non-zero if any failed.
# Usage: scripts/fuzz.sh [TARGET|all] [SECONDS]     scripts/fuzz.sh --list
# Reproduce a failure: build-fuzz/fuzz/fuzz_TARGET build-fuzz/crashes/TARGET/crash-...
set -eu
cd "$(dirname "$0")/.."
targets="$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c | sed 's/^fuzz_//'; done)"
if [ "${1:-}" = "--list" ]; then
	echo "$targets"
	exit 0
fi
which="${1:-all}"
secs="${2:-300}"
case "$secs" in '' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a number" >&2; exit 2 ;; esac
if [ "$which" != "all" ]; then
	which="${which#fuzz_}"
	if ! printf '%s\n' "$targets" | grep -qx "$which"; then
		echo "fuzz.sh: no target '$which'; the targets are:" $targets >&2
		exit 2
	fi
	targets="$which"
fi
mkdir -p build-fuzz/logs
if ! make -s -j"$(nproc)" FUZZ=1 fuzz > build-fuzz/logs/make.log 2>&1; then
	cat build-fuzz/logs/make.log
	echo "fuzz: FAILED, the fuzz tree does not build"
	exit 1
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
failed=0
for t in $targets; do
	corpus="build-fuzz/corpus/$t"
	crashes="build-fuzz/crashes/$t"
	log="build-fuzz/logs/$t.log"
	mkdir -p "$corpus" "$crashes"
	dict=""
	if [ -f "tests/fuzz/fuzz_$t.dict" ]; then dict="-dict=tests/fuzz/fuzz_$t.dict"; fi
	# -timeout: an input running longer is a hang; -rss_limit_mb: an input
	# making the process larger is a failure (an unbounded allocation)
	if "build-fuzz/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$crashes/" $dict "$corpus" "tests/fuzz/corpus/$t" \
		> "$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
		echo "fuzz $t: passed, ${runs:-?} runs in $secs s (${rate:-?} exec/s)"
	else
		failed=$((failed + 1))
		input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
		grep -v -e '^#[0-9]' -e '^INFO:' -e '^\s*$' "$log" | tail -n 60
		echo "fuzz $t: FAILED, input ${input:-(none written: see $log)}"
	fi
	# a crashed target leaves its temporary directory behind
	sed -n 's,^fuzz: temporary directory \(/[a-z/]*/vow-fuzz-[A-Za-z0-9]*\)$,\1,p' "$log" |
		while read -r tmp; do rm -rf "$tmp"; done
done
[ "$failed" -eq 0 ]
