/* SPDX-License-Identifier: MIT */
/* fuzz_evjson: arbitrary bytes as a JSON line; whatever parses must write back and re-parse the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lc_evjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
bytes_eq(lc_bytes a, lc_bytes b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Fields compared after a round trip (headers included). */
static int
events_eq(const cx_event *a, const cx_event *b)
{
	if (a->seq != b->seq || a->kind != b->kind || a->flags != b->flags ||
	    a->wall_ns != b->wall_ns || a->mono_ns != b->mono_ns || a->exchange != b->exchange ||
	    a->status != b->status || a->close_code != b->close_code || a->n_headers != b->n_headers)
		return 0;
	if (!bytes_eq(a->session, b->session) || !bytes_eq(a->conversation, b->conversation) ||
	    !bytes_eq(a->raw, b->raw) || !bytes_eq(a->method, b->method) ||
	    !bytes_eq(a->path, b->path) || !bytes_eq(a->reason, b->reason))
		return 0;
	for (uint32_t i = 0; i < a->n_headers; i++)
		if (!bytes_eq(a->headers[i].name, b->headers[i].name) ||
		    !bytes_eq(a->headers[i].value, b->headers[i].value))
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lc_evjson_parser *p1 = NULL, *p2 = NULL;
	cx_event a, b;
	lc_buf line;

	if (lc_evjson_parser_new(&p1, NULL) != LC_OK || lc_evjson_parser_new(&p2, NULL) != LC_OK)
		abort();
	lc_buf_init(&line, LC_EVJSON_LINE_MAX);
	if (lc_evjson_parse(p1, data, size, &a, NULL) == LC_OK) {
		if (a.raw.len > LC_FRAME_MAX || a.n_headers > CX_HEADERS_MAX)
			abort();
		if (lc_evjson_append(&line, &a) != LC_OK)
			abort();
		if (lc_evjson_parse(p2, line.ptr, line.len, &b, NULL) != LC_OK || !events_eq(&a, &b))
			abort();
	}
	lc_buf_free(&line);
	lc_evjson_parser_free(p1);
	lc_evjson_parser_free(p2);
	return 0;
}
