#!/bin/sh
# The mutation gate: would a test notice if a safety rule were broken?
#
# Applies each mutant of tests/mutants/mutants.txt (a small edit that breaks
# one rule, as a developer could by mistake) to a private copy of the
# sources, rebuilds that copy (release, no sanitizers), runs the test
# programs the mutant names (only those tests, each with a time limit) and
# reports it killed (by which test) or survived. The working tree is never
# edited: mutants go into build-mut/tree, which is synced from it first and
# restored after every mutant, also when the gate is interrupted.
#
# Usage: scripts/mutate.sh [GLOB...]     (mutant ids; default: all)
# Environment: VOW_MUT_TIMEOUT (seconds per test program, default 120),
# VOW_MUTANTS (the list), VOW_MUT_DIR (default build-mut), VOW_SHARED.
# Exit 0 when every mutant that is not equivalent is killed; 1 when one
# survived, is stale (its snippet is no longer in the file: update it) or
# does not build; 2 when the tests fail without any mutant.
set -u
cd "$(dirname "$0")/.."
scripts/deps.sh || exit 2
root=$PWD
list=${VOW_MUTANTS:-tests/mutants/mutants.txt}
work=${VOW_MUT_DIR:-build-mut}
limit=${VOW_MUT_TIMEOUT:-120}
shared=${VOW_SHARED:-$(cd .. && pwd)/shared}
py=/usr/bin/python3
tree=$work/tree
jobs=$(nproc)
helper="$py $root/scripts/mutant.py"
start=$(date +%s)

mkdir -p "$tree" || exit 2
$helper sync "$root" "$tree" || exit 2
ids=$($helper ids "$list" "$@") || exit 2
[ -n "$ids" ] || { echo "mutate: no mutant matches $*"; exit 2; }

applied=""   # the file a mutant is applied to, while it is
tpid=""      # the running test program's process group
restore() {
	if [ -n "$tpid" ]; then kill -KILL -- "-$tpid" 2>/dev/null; tpid=""; fi
	if [ -n "$applied" ]; then cp "$root/$applied" "$tree/$applied"; applied=""; fi
}
trap 'restore' EXIT
trap 'restore; echo "mutate: interrupted, sources restored"; exit 130' INT TERM HUP

# builds the vow binary and the test programs of the given specs
build() {
	targets="build/vow"
	for s in "$@"; do targets="$targets build/tests/${s%%:*}"; done
	# shellcheck disable=SC2086
	make -C "$tree" -s -j"$jobs" BUILD=build $targets > "$work/build.log" 2>&1
}

# runs one spec (PROGRAM or PROGRAM:TEST-GLOB); on failure, $why says which
# tests failed
run_spec() {
	prog=${1%%:*}
	filter=""
	case $1 in *:*) filter=${1#*:} ;; esac
	(cd "$tree" && VOW_BIN="$PWD/build/vow" VOW_SHARED="$shared" VOW_TEST_FILTER="$filter" \
		exec timeout -k 5 "$limit" "build/tests/$prog") > "$work/run.log" 2>&1 &
	tpid=$!
	wait "$tpid"
	rc=$?
	kill -KILL -- "-$tpid" 2>/dev/null # what it left running (a server)
	tpid=""
	[ "$rc" -eq 0 ] && return 0
	names=$(sed -n 's/^\[  FAILED  \] \([^ ]*\)$/\1/p' "$work/run.log" | sort -u | head -n 3 | tr '\n' ' ')
	case $rc in
	124 | 137) why="$prog (timed out after ${limit}s)" ;;
	*) why="$prog:${names:-exit status $rc}" ;;
	esac
	why=${why% }
	return 1
}

# the specs the chosen mutants name, once each
specs=""
for id in $ids; do
	for s in $($helper get "$list" "$id" tests); do
		case " $specs " in *" $s "*) ;; *) specs="$specs $s" ;; esac
	done
done

# 0. every snippet still where it was
stale_list=$($helper lint "$list" "$tree")

# 1. the baseline: every spec passes without a mutant
# shellcheck disable=SC2086
if ! build $specs; then
	cat "$work/build.log"
	echo "mutate: the sources do not build"
	exit 2
fi
for s in $specs; do
	if ! run_spec "$s"; then
		cat "$work/run.log"
		echo "mutate: $why fails without any mutant: fix the tests first"
		exit 2
	fi
	if ! grep -q '^\[       OK \]' "$work/run.log"; then
		echo "mutate: $s runs no test (is the test's name right?)"
		exit 2
	fi
done

# ... and every check that stands in for a test passes
for id in $ids; do
	check=$($helper get "$list" "$id" check)
	[ -n "$check" ] || continue
	if ! (cd "$tree" && VOW_BIN="$PWD/build/vow" VOW_SHARED="$shared" sh -c "$check") \
		> "$work/run.log" 2>&1; then
		cat "$work/run.log"
		echo "mutate: the check of $id fails without any mutant: $check"
		exit 2
	fi
done

# 2. each mutant
n=0 killed=0 survived=0 stale=0 broken=0 equivalent=0 checked=0
report=$work/report.txt
: > "$report"
say() { printf '%s\n' "$1" | tee -a "$report"; }
for id in $ids; do
	n=$((n + 1))
	file=$($helper get "$list" "$id" file)
	equiv=$($helper get "$list" "$id" equivalent)
	t0=$(date +%s)
	if printf '%s\n' "$stale_list" | grep -q "^stale $id:"; then
		stale=$((stale + 1))
		say "STALE      $id: $(printf '%s\n' "$stale_list" | sed -n "s/^stale $id: //p")"
		continue
	fi
	if [ -n "$equiv" ]; then
		equivalent=$((equivalent + 1))
		check=$($helper get "$list" "$id" check)
		if [ -z "$check" ]; then
			say "equivalent $id: $equiv"
			continue
		fi
	fi
	applied=$file
	if ! $helper apply "$list" "$id" "$tree" > /dev/null; then
		restore
		stale=$((stale + 1))
		say "STALE      $id"
		continue
	fi
	# shellcheck disable=SC2046
	if ! build $($helper get "$list" "$id" tests); then
		restore
		broken=$((broken + 1))
		say "NO BUILD   $id: $(grep -m1 'error' "$work/build.log")"
		continue
	fi
	if [ -n "$equiv" ]; then
		if (cd "$tree" && VOW_BIN="$PWD/build/vow" VOW_SHARED="$shared" sh -c "$check") \
			> "$work/run.log" 2>&1; then
			say "equivalent $id: $equiv (its check did NOT notice: $check)"
			survived=$((survived + 1))
		else
			checked=$((checked + 1))
			say "equivalent $id: $equiv (caught by: $check)"
		fi
		restore
		continue
	fi
	verdict=""
	for s in $($helper get "$list" "$id" tests); do
		if ! run_spec "$s"; then
			verdict=$why
			break
		fi
	done
	restore
	secs=$(($(date +%s) - t0))
	if [ -n "$verdict" ]; then
		killed=$((killed + 1))
		say "killed     $id by $verdict (${secs}s)"
	else
		survived=$((survived + 1))
		say "SURVIVED   $id: $($helper get "$list" "$id" rule) (${secs}s)"
	fi
done

total=$((n - equivalent))
secs=$(($(date +%s) - start))
say "mutation score: $killed/$total killed; $survived survived, $stale stale, $broken did not build; $equivalent equivalent ($checked caught by another check); ${secs}s"
[ "$survived" -eq 0 ] && [ "$stale" -eq 0 ] && [ "$broken" -eq 0 ]
