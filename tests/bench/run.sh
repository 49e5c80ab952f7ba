#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every benchmark of one build in turn; each prints its own figures.
set -u
build=${1:-build}
export CXTAPE_BIN="$PWD/$build/bin" CXTAPE_BUILD="$PWD/$build" CXTAPE_SRC="$PWD"
status=0
for b in "$build"/bench/bench_*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b" || status=1
done
exit $status
