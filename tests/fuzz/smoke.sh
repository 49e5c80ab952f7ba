#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every libFuzzer harness for a few seconds from its seed corpus (a smoke test).
# Usage: tests/fuzz/smoke.sh BUILD_DIR SECONDS
set -u
build=${1:-build-fuzz}
secs=${2:-10}
passed=0 failed=0
export ASAN_OPTIONS="detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
for f in "$build"/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	seeds=tests/fuzz/corpus/$name
	work=$build/fuzz-work/$name
	rm -rf "$work"; mkdir -p "$work"
	log=$build/fuzz-work/$name.log
	if "$f" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
	    -artifact_prefix="$work/" "$work" ${seeds:+$( [ -d "$seeds" ] && echo "$seeds")} > "$log" 2>&1; then
		echo "$name: ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -n 1 | awk '{print $2}') runs)"
		passed=$((passed + 1))
	else
		echo "---- $name FAILED (see $log) ----"
		tail -n 30 "$log"
		failed=$((failed + 1))
	fi
done
echo "$passed $failed" > "$build/test-results"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
