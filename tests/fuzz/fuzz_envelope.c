/* SPDX-License-Identifier: MIT */
/* fuzz_envelope: arbitrary bytes as a stream frame and a REST body; rebuilt frames must parse. */
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lc_json_parser *p = NULL;
	lc_envelope e;
	lc_buf b;

	if (lc_json_parser_new(&p, NULL) != LC_OK)
		abort();
	lc_buf_init(&b, LC_FRAME_MAX);
	if (lc_json_envelope_parse(p, data, size, &e) == LC_OK) {
		if (e.text.len > LC_ENV_TEXT_MAX)
			abort();
		/* what the recorder would send back with these fields must be valid JSON */
		if (lc_json_build_message(&b, e.conversation_id, e.message_id, e.text,
		    e.timestamp_ms) != LC_OK)
			abort();
		if (lc_json_envelope_parse(p, b.ptr, b.len, &e) != LC_OK || e.type != LC_ENV_MESSAGE)
			abort();
	}
	lc_buf_free(&b);
	lc_json_parser_free(p);
	rest_body(data, size);
	return 0;
}
