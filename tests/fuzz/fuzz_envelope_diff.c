/* SPDX-License-Identifier: MIT */
/* fuzz_envelope_diff: the one-pass envelope scanner against the cJSON reference; any difference aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lc_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
differ(const char *what, const uint8_t *data, size_t size)
{
	fprintf(stderr, "fuzz_envelope_diff: %s differs for a %zu-byte frame: %.*s\n", what, size,
	    (int)(size < 300 ? size : 300), (const char *)data);
	abort();
}

static void
same_bytes(lc_bytes a, lc_bytes b, const char *what, const uint8_t *data, size_t size)
{
	if (a.len != b.len || (a.len != 0 && memcmp(a.ptr, b.ptr, a.len) != 0))
		differ(what, data, size);
}

/* Parse with both, compare every field; the parsers are reused so the scratch is too. */
static void
check(lc_json_parser *fast, lc_json_parser *ref, const uint8_t *data, size_t size)
{
	lc_envelope a, b;
	lc_status ra = lc_json_envelope_parse(fast, data, size, &a);
	lc_status rb = lc_json_envelope_parse_reference(ref, data, size, &b);

	if (ra != rb)
		differ("the status", data, size);
	same_bytes(a.type_name, b.type_name, "type_name", data, size);
	same_bytes(a.conversation_id, b.conversation_id, "conversation_id", data, size);
	same_bytes(a.message_id, b.message_id, "message_id", data, size);
	same_bytes(a.from_type, b.from_type, "from_type", data, size);
	same_bytes(a.from_id, b.from_id, "from_id", data, size);
	same_bytes(a.text, b.text, "text", data, size);
	same_bytes(a.status, b.status, "status", data, size);
	same_bytes(a.skill, b.skill, "skill", data, size);
	same_bytes(a.queue, b.queue, "queue", data, size);
	if (a.type != b.type || a.from != b.from)
		differ("type or from", data, size);
	if (a.text_truncated != b.text_truncated)
		differ("text_truncated", data, size);
	if (a.timestamp_ms != b.timestamp_ms || a.code != b.code)
		differ("timestamp or code", data, size);
	/* bit for bit: -0 and 0 must not be confused */
	if (memcmp(&a.retry_after_s, &b.retry_after_s, sizeof(double)) != 0)
		differ("retry_after_s", data, size);
	if (a.present != b.present || a.wrong_types != b.wrong_types)
		differ("present or wrong_types", data, size);
	if (ra == LC_OK && a.text.len > LC_ENV_TEXT_MAX)
		differ("text over the cap", data, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lc_json_parser *fast = NULL, *ref = NULL;

	if (lc_json_parser_new(&fast, NULL) != LC_OK || lc_json_parser_new(&ref, NULL) != LC_OK)
		abort();
	check(fast, ref, data, size);
	/* a shorter frame after a longer one, and the first again: views must not go stale */
	check(fast, ref, data, size / 2);
	check(fast, ref, data, size);
	lc_json_parser_free(fast);
	lc_json_parser_free(ref);
	return 0;
}
