#!/bin/sh
# Runs every test: installs what is missing, builds the release tree and the
# AddressSanitizer+UndefinedBehaviorSanitizer tree, runs the whole suite in
# both, runs every fuzz target of tests/fuzz/ for 30 s (scripts/fuzz.sh), lints
# the OpenAPI document with a real linter (@redocly/cli from npm),
# validates the privacy policy rendered as HTML for each example policy with a
# real HTML validator (html-validate from npm), runs the mutation gate
# (scripts/mutate.sh; VOW_MUTATE=0 skips it), and ends with one summary line
# "total: N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs="$(nproc)"
make -s -j"$jobs" tests
make -s -j"$jobs" SAN=1 tests
status=0
scripts/run-unit-tests.sh build > build/test-release.log 2>&1 || status=1
cat build/test-release.log
scripts/run-unit-tests.sh build-san > build-san/test-san.log 2>&1 || status=1
cat build-san/test-san.log
p=0; f=0
for log in build/test-release.log build-san/test-san.log; do
	set -- $(tail -n 1 "$log" | sed -n 's/^[a-z-]*: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
	if [ $# -ne 2 ]; then status=1; continue; fi
	p=$((p + $1)); f=$((f + $2))
done
# the fuzz targets (tests/fuzz/), 30 s each under ASan+UBSan: one pass or
# fail per target; a failure prints the sanitizer report and the input's path
fuzz_targets=$(scripts/fuzz.sh --list | wc -l)
scripts/fuzz.sh all 30 > build/fuzz.log 2>&1 || status=1
cat build/fuzz.log
fuzz_passed=$(grep -c '^fuzz [a-z_]*: passed' build/fuzz.log || true)
p=$((p + fuzz_passed)); f=$((f + fuzz_targets - fuzz_passed))
# the OpenAPI document, linted
if [ ! -x tools/openapi/node_modules/.bin/redocly ]; then
	(cd tools/openapi && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
if tools/openapi/node_modules/.bin/redocly lint --config tools/openapi/redocly.yaml docs/openapi.json \
	> build/openapi-lint.log 2>&1; then
	p=$((p + 1)); echo "openapi lint: docs/openapi.json is valid"
else
	f=$((f + 1)); cat build/openapi-lint.log; echo "openapi lint: FAILED"
fi
# the rendered privacy policies, validated as HTML
if [ ! -x tools/html/node_modules/.bin/html-validate ]; then
	(cd tools/html && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
for policy in examples/policies/*.yaml; do
	html="build/privacy-$(basename "$policy" .yaml).html"
	if build/vow policy render "$policy" --format html > "$html" &&
		tools/html/node_modules/.bin/html-validate --config tools/html/.htmlvalidate.json \
			"$html" > build/html-validate.log 2>&1; then
		p=$((p + 1)); echo "html validate: $html is valid"
	else
		f=$((f + 1)); cat build/html-validate.log; echo "html validate: $html FAILED"
	fi
done
# the mutation gate: every safety rule of tests/mutants/mutants.txt, broken
# on purpose, must be caught by a test (about 6 minutes; VOW_MUTATE=0 skips it)
if [ "${VOW_MUTATE:-1}" != 0 ]; then
	if scripts/mutate.sh > build/mutate.log 2>&1; then
		p=$((p + 1)); tail -n 1 build/mutate.log
	else
		f=$((f + 1)); cat build/mutate.log; echo "mutation gate: FAILED"
	fi
fi
echo "total: $p passed, $f failed"
[ "$f" -eq 0 ] && [ "$status" -eq 0 ]
