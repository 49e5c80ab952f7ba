/* SPDX-License-Identifier: MIT */
/* fuzz_record: arbitrary bytes into the tape record decoder; what decodes must re-encode the same. */
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
	free(copy);
	return 0;
}
