#!/bin/sh
# Benchmark: in-process decide() throughput and allocations per decision.
set -eu
BUILD="${BUILD:-build}"
"$BUILD/bench/decide_bench" examples/policies/amberscript.yaml
