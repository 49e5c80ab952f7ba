/* SPDX-License-Identifier: MIT */
/* fuzz_envelope: arbitrary bytes as a stream frame and a REST body; rebuilt frames give the fields back. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lc_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
rest_body(const uint8_t *data, size_t size)
{
	lc_json_doc *d = NULL;
	lc_envelope e;
	lc_bytes s;
	double v;
	size_t skipped = 0;
	lc_status rc;

	if (lc_json_doc_parse(data, size, &d, NULL) != LC_OK)
		return;
	(void)lc_json_doc_string(d, "access_token", &s);
	(void)lc_json_doc_number(d, "expires_in", &v);
	(void)lc_json_doc_string(d, "status.statusName", &s);
	while ((rc = lc_json_doc_next(d, "messages", &e, &skipped)) == LC_OK)
		if (e.text.len > LC_ENV_TEXT_MAX)
			abort();
	lc_json_doc_free(d);
}

static bool
ascii(lc_bytes b)
{
	for (size_t i = 0; i < b.len; i++)
		if (b.ptr[i] >= 0x80)
			return false;
	return true;
}

static bool
same(lc_bytes a, const lc_buf *b)
{
	return a.len == b->len && (a.len == 0 || memcmp(a.ptr, b->ptr, a.len) == 0);
}

/*
 * What the recorder would send back with a parsed frame's fields must be valid JSON, and give
 * the same fields back: exactly, when they are ASCII (else invalid UTF-8 becomes U+FFFD).
 * The fields are copied first: parsing the rebuilt frame reuses the parser.
 */
static void
round_trip(lc_json_parser *p, const lc_envelope *in)
{
	lc_buf b, conv, mid, text;
	lc_envelope e;
	bool exact = ascii(in->conversation_id) && ascii(in->message_id) && ascii(in->text);
	int64_t ts = in->timestamp_ms;

	lc_buf_init(&b, LC_FRAME_MAX);
	lc_buf_init(&conv, LC_FRAME_MAX);
	lc_buf_init(&mid, LC_FRAME_MAX);
	lc_buf_init(&text, LC_FRAME_MAX);
	if (lc_buf_append(&conv, in->conversation_id.ptr, in->conversation_id.len) != LC_OK ||
	    lc_buf_append(&mid, in->message_id.ptr, in->message_id.len) != LC_OK ||
	    lc_buf_append(&text, in->text.ptr, in->text.len) != LC_OK)
		abort();
	if (lc_json_build_message(&b, lc_buf_bytes(&conv), lc_buf_bytes(&mid), lc_buf_bytes(&text),
	    ts) != LC_OK)
		abort();
	if (lc_json_envelope_parse(p, b.ptr, b.len, &e) != LC_OK || e.type != LC_ENV_MESSAGE)
		abort();
	if (exact && (!same(e.conversation_id, &conv) || !same(e.message_id, &mid) ||
	    !same(e.text, &text)))
		abort();
	if (ts >= -((int64_t)1 << 53) && ts <= (int64_t)1 << 53 && e.timestamp_ms != ts)
		abort();
	lc_buf_free(&b);
	lc_buf_free(&conv);
	lc_buf_free(&mid);
	lc_buf_free(&text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lc_json_parser *p = NULL;
	lc_envelope e;

	if (lc_json_parser_new(&p, NULL) != LC_OK)
		abort();
	if (lc_json_envelope_parse(p, data, size, &e) == LC_OK) {
		if (e.text.len > LC_ENV_TEXT_MAX)
			abort();
		round_trip(p, &e);
	}
	lc_json_parser_free(p);
	rest_body(data, size);
	return 0;
}
