/* SPDX-License-Identifier: MIT */
/* fuzz_record: arbitrary bytes into the tape's msgpack decoders (records, summaries, meta values); what decodes must re-encode the same. */
#include <stdlib.h>
#include <string.h>

#include "lc_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same_bytes(lc_bytes a, lc_bytes b)
{
	if (a.len != b.len || (a.len && memcmp(a.ptr, b.ptr, a.len) != 0))
		abort();
}

static int
same_value(const lc_record_value *a, const lc_record_value *b)
{
	return a->type == b->type && a->u == b->u && a->i == b->i && a->s.len == b->s.len &&
	    (a->s.len == 0 || memcmp(a->s.ptr, b->s.ptr, a->s.len) == 0);
}

/* A summary-style map: a map of scalars re-encodes (str, uint, int) and reads back the same. */
static void
map_round_trip(const uint8_t *p, size_t size)
{
	lc_record_kv kv[64], kv2[64];
	lc_record_value v;
	size_t n = 0, n2 = 0;
	lc_buf b;

	if (lc_record_value_decode(p, size, &v) == LC_OK && v.type == LC_RV_STR &&
	    (v.s.ptr < p || v.s.ptr + v.s.len > p + size))
		abort();
	if (lc_record_map_decode(p, size, kv, 64, &n) != LC_OK)
		return;
	for (size_t i = 0; i < n; i++)
		if (kv[i].v.type == LC_RV_OTHER || kv[i].v.type == LC_RV_BIN || kv[i].key == 0)
			return;
	lc_buf_init(&b, (size_t)1 << 24);
	if (lc_record_map_encode(kv, n, &b) != LC_OK ||
	    lc_record_map_decode(b.ptr, b.len, kv2, 64, &n2) != LC_OK || n2 != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (kv[i].key != kv2[i].key || !same_value(&kv[i].v, &kv2[i].v))
			abort();
	lc_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cx_event ev, ev2;
	cx_header h[CX_HEADERS_MAX], h2[CX_HEADERS_MAX];
	lc_buf b;
	uint8_t *copy;

	/* an exact-size copy: any read past the end is caught by ASan */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	if (size)
		memcpy(copy, data, size);
	if (lc_record_decode(copy, size, 0, &ev, h, NULL) == LC_OK) {
		lc_buf_init(&b, LC_RECORD_MAX * 2);
		if (lc_record_encode(&ev, &b, NULL) != LC_OK ||
		    lc_record_decode(b.ptr, b.len, ev.seq, &ev2, h2, NULL) != LC_OK)
			abort();
		if (ev.seq != ev2.seq || ev.kind != ev2.kind || ev.wall_ns != ev2.wall_ns ||
		    ev.n_headers != ev2.n_headers || ev.status != ev2.status)
			abort();
		same_bytes(ev.raw, ev2.raw);
		same_bytes(ev.session, ev2.session);
		same_bytes(ev.path, ev2.path);
		for (uint32_t i = 0; i < ev.n_headers; i++)
			same_bytes(ev.headers[i].value, ev2.headers[i].value);
		lc_buf_free(&b);
	}
	map_round_trip(copy, size);
	free(copy);
	return 0;
}
