#!/bin/sh
# SPDX-License-Identifier: MIT
# check_arch: fail when a third-party header is included outside the module that wraps it, or an
# include points up the layers of docs/architecture.md. Usage: tests/check_arch.sh [ROOT]
#
# The rules are the two tables below; docs/architecture.md says the same in prose. Only the
# product's folders are checked: tests/ may include anything, since tests look inside every layer.
set -u
root=${1:-.}
cd "$root" || exit 2

# Third-party headers: an include path prefix, then the files that may include it (shell globs).
# The simulator (a test fixture, linked by no product program) still builds its JSON with cJSON
# directly; moving it onto lc_json's document API is left to do.
owners='
lmdb.h            libcommon/lc_tape*.c libcommon/lc_tape_int.h
msgpack.h         libcommon/lc_record.c
msgpack/          libcommon/lc_record.c
curl/             libcommon/lc_http.c
libwebsockets.h   libcommon/lc_wsserver.c recorder/rec_stream.c
cjson/            libcommon/lc_json.c fixtures/cxsim/sim_*.c
cJSON.h           libcommon/lc_json.c fixtures/cxsim/sim_*.c
openssl/          libcommon/lc_redact.c
nats/             libcommon/lc_bus.c
'

# Layers: a folder, then the folders whose headers its files may include. Lower layers come first.
# A program's main sits above its folder's library: analyzer/cxanalyze.c uses the tape source.
layers='
libcommon         libcommon
analyzer          analyzer libcommon
analyzer/source   analyzer/source analyzer libcommon
analyzer/cxanalyze.c  analyzer/source analyzer libcommon
recorder          recorder analyzer/source analyzer libcommon
replayer          replayer analyzer/source analyzer libcommon
fixtures          fixtures libcommon
'

files=$(find libcommon analyzer recorder replayer fixtures -name '*.[ch]' 2>/dev/null | sort)
[ -n "$files" ] || { echo "check-arch: no sources under $PWD" >&2; exit 2; }

# header name -> the top folder that holds it
headers=$(for f in $files; do case $f in
	analyzer/source/*.h) printf '%s analyzer/source\n' "${f##*/}" ;;
	*.h) printf '%s %s\n' "${f##*/}" "${f%%/*}" ;;
	esac; done)

# shellcheck disable=SC2086
awk -v owners="$owners" -v layers="$layers" -v headers="$headers" '
function glob_match(pat, s,    re) {
	re = pat
	gsub(/\./, "\\.", re); gsub(/\*/, "[^/]*", re)
	return s ~ ("^" re "$")
}
BEGIN {
	n = split(owners, ol, "\n")
	for (i = 1; i <= n; i++) {
		if (split(ol[i], w, /[ \t]+/) < 2) continue
		no++; oprefix[no] = w[1]; oallow[no] = ""
		for (j = 2; j in w; j++) if (w[j] != "") oallow[no] = oallow[no] " " w[j]
	}
	n = split(layers, ll, "\n")
	for (i = 1; i <= n; i++) {
		if (split(ll[i], w, /[ \t]+/) < 2) continue
		for (j = 2; j in w; j++) if (w[j] != "") may[w[1], w[j]] = 1
	}
	n = split(headers, hl, "\n")
	for (i = 1; i <= n; i++) if (split(hl[i], w, " ") == 2) home[w[1]] = w[2]
	bad = 0
}
FNR == 1 {
	file = FILENAME; top = file; sub(/\/.*/, "", top)
	if (file ~ /^analyzer\/source\//) top = "analyzer/source"
	if ((file, "libcommon") in may) top = file   # a program main with a row of its own
}
/^[ \t]*#[ \t]*include[ \t]*</ {
	h = $0; sub(/^[^<]*</, "", h); sub(/>.*/, "", h)
	for (k = 1; k <= no; k++) {
		if (substr(h, 1, length(oprefix[k])) != oprefix[k]) continue
		ok = 0; m = split(oallow[k], al, " ")
		for (q = 1; q <= m; q++) if (glob_match(al[q], file)) ok = 1
		if (!ok) {
			printf "check-arch: %s:%d includes <%s>, which only%s may include\n", file, FNR, h, oallow[k]
			bad = 1
		}
	}
	next
}
/^[ \t]*#[ \t]*include[ \t]*"/ {
	h = $0; sub(/^[^"]*"/, "", h); sub(/".*/, "", h)
	base = h; sub(/.*\//, "", base)
	if (!(base in home)) next          # a header of the same folder by a relative path, or generated
	to = home[base]
	if (!((top, to) in may)) {
		printf "check-arch: %s:%d includes \"%s\" from %s/, which %s/ is below and may not use\n", file, FNR, h, to, top
		bad = 1
	}
}
END { exit bad }
' $files
rc=$?
[ $rc -eq 0 ] && echo "check-arch: $(echo "$files" | wc -l | tr -d ' ') files follow the layers and the library owners"
exit $rc
