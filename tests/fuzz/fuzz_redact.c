/* SPDX-License-Identifier: MIT */
/* fuzz_redact: arbitrary bytes as raw body, path and header value; valid JSON must stay valid. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lc_redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The JSON value filling all of p..p+n, or NULL (cJSON alone accepts trailing bytes). */
static cJSON *
parse_whole(const void *p, size_t n)
{
	const char *end = NULL, *stop = (const char *)p + n;
	cJSON *j = cJSON_ParseWithLengthOpts(p, n, &end, 0);

	while (j != NULL && end < stop && strchr(" \t\r\n", *end) != NULL && *end)
		end++;
	if (j != NULL && end != stop) {
		cJSON_Delete(j);
		j = NULL;
	}
	return j;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char key[] = "fuzz-key-0123456789abcdef-fuzzing";
	static const cx_kind kinds[] = {CX_FRAME_IN, CX_FRAME_OUT, CX_HTTP_REQUEST,
	    CX_HTTP_RESPONSE, CX_TOKEN_REFRESH, CX_ANNOTATION, CX_STREAM_CLOSE};
	lc_redactor *r = NULL;
	lc_redact_scratch s;
	cx_header h[3];
	cx_event in, out;
	unsigned sel;
	cJSON *before, *after;

	if (size < 1)
		return 0;
	sel = data[0];
	data++, size--;
	if (lc_redactor_from_key(key, sizeof(key) - 1, (sel & 0x80) ? LC_REDACT_KEEP_CARDS : 0,
	    &r, NULL) != LC_OK)
		abort();
	memset(&in, 0, sizeof(in));
	in.kind = kinds[(sel & 0x7f) % (sizeof(kinds) / sizeof(kinds[0]))];
	in.raw = lc_bytes_make(data, size);
	in.path = lc_bytes_make(data, size);
	in.reason = lc_bytes_make(data, size);
	h[0] = (cx_header){lc_bytes_str("Authorization"), lc_bytes_make(data, size)};
	h[1] = (cx_header){lc_bytes_str("Cookie"), lc_bytes_make(data, size)};
	h[2] = (cx_header){lc_bytes_str("X-Other"), lc_bytes_make(data, size)};
	in.headers = h;
	in.n_headers = 3;
	lc_redact_scratch_init(&s);
	if (lc_redact_event(r, &in, &out, &s) != LC_OK)
		abort();     /* inputs this small never reach a cap */
	/* lc_redact reads a body as JSON when it starts with '{' or '[' (a bare number is text) */
	before = size > 0 && (data[0] == '{' || data[0] == '[') ?
	    parse_whole(data, size) : NULL;
	if (before != NULL) {
		after = parse_whole(out.raw.ptr, out.raw.len);
		if (after == NULL)
			abort();     /* redaction broke valid JSON */
		cJSON_Delete(after);
		cJSON_Delete(before);
	}
	lc_redact_scratch_free(&s);
	lc_redactor_free(r);
	return 0;
}
