#!/bin/sh
# Benchmark: `vow policy check` on generated policies of two sizes; prints the
# median wall time of 5 runs of each and the ratio (10x the input -> ~10x the
# time when checking is linear). Run from the repository root after `make benches`.
set -eu
BUILD="${BUILD:-build}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
median_ms() { # FILE
	for i in 1 2 3 4 5; do
		s=$(date +%s%N)
		"$BUILD/vow" policy check "$1" >/dev/null
		e=$(date +%s%N)
		echo $(( (e - s) / 1000 ))
	done | sort -n | sed -n 3p
}
"$BUILD/bench/gen_policy" 1000 1000 200 > "$tmp/small.yaml"
"$BUILD/bench/gen_policy" 10000 10000 2000 > "$tmp/large.yaml"
small=$(median_ms "$tmp/small.yaml")
large=$(median_ms "$tmp/large.yaml")
echo "policy check 1000/1000/200:    $(wc -c < "$tmp/small.yaml") bytes, median ${small} us"
echo "policy check 10000/10000/2000: $(wc -c < "$tmp/large.yaml") bytes, median ${large} us"
awk -v s="$small" -v l="$large" 'BEGIN { printf "ratio large/small: %.2f (10.00 = linear)\n", l / s }'
