#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every Criterion suite of one build; fail on any failing test or sanitizer report.
# Usage: tests/run.sh BUILD_DIR     (prints "BUILD: N passed, N failed" last)
set -u
build=${1:-build}
out=$build/test-output
mkdir -p "$out"
results=$build/test-results
: > "$results"
export CXTAPE_BIN="$PWD/$build/bin"
export CXTAPE_BUILD="$PWD/$build"
export CXTAPE_SRC="$PWD"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
passed=0 failed=0 bad=0
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	log=$out/$name.log
	"$t" --jobs 2 --timeout 120 > "$log" 2>&1
	rc=$?
	syn=$(grep 'Synthesis:' "$log" | tail -n 1)
	p=$(echo "$syn" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	f=$(echo "$syn" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
	c=$(echo "$syn" | sed -n 's/.*Crashing: \([0-9]*\).*/\1/p')
	p=${p:-0}; f=$(( ${f:-0} + ${c:-0} ))
	if [ -z "$syn" ] || [ $rc -ne 0 ] && [ $f -eq 0 ]; then f=$((f + 1)); fi
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|WARNING: ThreadSanitizer' "$log"; then
		echo "$name: sanitizer report (see $log)"
		f=$((f + 1))
	fi
	if [ $f -ne 0 ]; then
		bad=1
		echo "---- $name FAILED ($log) ----"
		grep -E '\[(FAIL|----)\]|Assertion|Crash|sanitizer|runtime error' "$log" | head -n 40
	else
		echo "$name: $p passed"
	fi
	passed=$((passed + p)); failed=$((failed + f))
done
echo "$passed $failed" > "$results"
echo "$build: $passed passed, $failed failed"
exit $bad
