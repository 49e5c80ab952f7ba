/* SPDX-License-Identifier: MIT */
/* Tests for lc_json: every envelope of PROTOCOL.md, bad fields, escapes, caps, builders, REST readers. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lc_json.h"

static lc_json_parser *
parser(void)
{
	lc_json_parser *p = NULL;

	cr_assert_eq(lc_json_parser_new(&p, NULL), LC_OK);
	return p;
}

static lc_status
parse(lc_json_parser *p, const char *s, lc_envelope *e)
{
	return lc_json_envelope_parse(p, s, strlen(s), e);
}

Test(json, routing_envelope)
{
	lc_json_parser *p = parser();
	lc_envelope e;

	cr_assert_eq(parse(p, "{\"type\":\"routing\",\"conversationId\":\"c-1\",\"skill\":\"billing\","
	    "\"queue\":\"q-9\",\"timestamp\":1698765432000}", &e), LC_OK);
	cr_assert_eq(e.type, LC_ENV_ROUTING);
	cr_assert(lc_bytes_eq_str(e.conversation_id, "c-1"));
	cr_assert(lc_bytes_eq_str(e.skill, "billing"));
	cr_assert(lc_bytes_eq_str(e.queue, "q-9"));
	cr_assert_eq(e.timestamp_ms, 1698765432000LL);
	cr_assert_eq(e.present, LC_ENVF_TYPE | LC_ENVF_CONVERSATION | LC_ENVF_SKILL | LC_ENVF_QUEUE |
	    LC_ENVF_TIMESTAMP);
	cr_assert_eq(e.wrong_types, 0);
	lc_json_parser_free(p);
}

Test(json, message_envelope_from_customer_and_agent)
{
	lc_json_parser *p = parser();
	lc_envelope e;

	cr_assert_eq(parse(p, "{\"type\":\"message\",\"conversationId\":\"c-1\",\"messageId\":\"m-7\","
	    "\"from\":{\"type\":\"customer\",\"id\":\"cust-001\"},\"text\":\"I need help with my "
	    "billing\",\"timestamp\":1698765432000}", &e), LC_OK);
	cr_assert_eq(e.type, LC_ENV_MESSAGE);
	cr_assert_eq(e.from, LC_FROM_CUSTOMER);
	cr_assert(lc_bytes_eq_str(e.from_id, "cust-001"));
	cr_assert(lc_bytes_eq_str(e.message_id, "m-7"));
	cr_assert(lc_bytes_eq_str(e.text, "I need help with my billing"));
	cr_assert_not(e.text_truncated);
	cr_assert_eq(parse(p, "{\"type\":\"message\",\"from\":{\"type\":\"agent\",\"id\":\"a-1\"},"
	    "\"text\":\"hi\"}", &e), LC_OK);
	cr_assert_eq(e.from, LC_FROM_AGENT);
	cr_assert(lc_bytes_eq_str(e.text, "hi"));
	cr_assert_eq(parse(p, "{\"type\":\"message\",\"from\":{\"type\":\"system\"}}", &e), LC_OK);
	cr_assert_eq(e.from, LC_FROM_SYSTEM);
	cr_assert_eq(e.from_id.len, 0);
	cr_assert_eq(parse(p, "{\"type\":\"message\",\"from\":{\"type\":\"bot\"}}", &e), LC_OK);
	cr_assert_eq(e.from, LC_FROM_OTHER);
	cr_assert(lc_bytes_eq_str(e.from_type, "bot"));
	lc_json_parser_free(p);
}

Test(json, status_ack_error_typing_and_unknown_envelopes)
{
	lc_json_parser *p = parser();
	lc_envelope e;

	cr_assert_eq(parse(p, "{\"type\":\"status\",\"conversationId\":\"c-1\",\"status\":\"ended\","
	    "\"timestamp\":1698765499000}", &e), LC_OK);
	cr_assert_eq(e.type, LC_ENV_STATUS);
	cr_assert(lc_bytes_eq_str(e.status, "ended"));
	cr_assert_eq(parse(p, "{\"type\":\"ack\",\"messageId\":\"m-1\",\"timestamp\":5}", &e), LC_OK);
	cr_assert_eq(e.type, LC_ENV_ACK);
	cr_assert(lc_bytes_eq_str(e.message_id, "m-1"));
	cr_assert_eq(e.timestamp_ms, 5);
	cr_assert_eq(parse(p, "{\"type\":\"error\",\"code\":429,\"retryAfter\":2.5,\"messageId\":"
	    "\"m-2\"}", &e), LC_OK);
	cr_assert_eq(e.type, LC_ENV_ERROR);
	cr_assert_eq(e.code, 429);
	cr_assert_float_eq(e.retry_after_s, 2.5, 1e-9);
	cr_assert(e.present & LC_ENVF_RETRY_AFTER);
	cr_assert_eq(parse(p, "{\"type\":\"typing\",\"conversationId\":\"c-3\",\"timestamp\":7}", &e),
	    LC_OK);
	cr_assert_eq(e.type, LC_ENV_TYPING);
	cr_assert_eq(parse(p, "{\"type\":\"presence\",\"x\":1}", &e), LC_OK);
	cr_assert_eq(e.type, LC_ENV_UNKNOWN);
	cr_assert(lc_bytes_eq_str(e.type_name, "presence"));
	cr_assert_str_eq(lc_env_type_name(e.type), "unknown");
	cr_assert_str_eq(lc_env_type_name(LC_ENV_TYPING), "typing");
	cr_assert_str_eq(lc_env_from_name(LC_FROM_AGENT), "agent");
	lc_json_parser_free(p);
}

Test(json, missing_fields_are_empty_and_unflagged)
{
	lc_json_parser *p = parser();
	lc_envelope e;

	cr_assert_eq(parse(p, "{}", &e), LC_OK);
	cr_assert_eq(e.type, LC_ENV_UNKNOWN);
	cr_assert_eq(e.present, 0);
	cr_assert_eq(e.conversation_id.len, 0);
	cr_assert_eq(e.text.len, 0);
	cr_assert_eq(e.from, LC_FROM_NONE);
	cr_assert_eq(e.timestamp_ms, 0);
	lc_json_parser_free(p);
}

Test(json, wrong_types_count_and_read_as_missing)
{
	lc_json_parser *p = parser();
	lc_envelope e;

	cr_assert_eq(parse(p, "{\"type\":7,\"conversationId\":[],\"text\":{},\"timestamp\":\"12\","
	    "\"from\":\"customer\",\"code\":\"429\",\"retryAfter\":-1,\"status\":null}", &e), LC_OK);
	cr_assert_eq(e.type, LC_ENV_UNKNOWN);
	cr_assert_eq(e.present, 0);
	cr_assert_eq(e.wrong_types, 7);   /* null is absent, not wrong */
	cr_assert_eq(parse(p, "{\"timestamp\":1e300}", &e), LC_OK);
	cr_assert_eq(e.wrong_types, 1);
	cr_assert_eq(e.timestamp_ms, 0);
	lc_json_parser_free(p);
}

Test(json, malformed_frames_are_eparse_and_the_parser_goes_on)
{
	static const char *bad[] = {"", "{", "{\"type\":\"message\"", "not json", "[1,2]", "\"str\"",
	    "42", "{\"a\":1} trailing", "{\"a\":1}{\"b\":2}", "{'a':1}"};
	lc_json_parser *p = parser();
	lc_envelope e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(parse(p, bad[i], &e), LC_EPARSE, "accepted: %s", bad[i]);
	cr_assert_eq(parse(p, " {\"type\":\"ack\"}\r\n", &e), LC_OK);
	cr_assert_eq(e.type, LC_ENV_ACK);
	lc_json_parser_free(p);
}

Test(json, unicode_and_escapes_are_decoded)
{
	lc_json_parser *p = parser();
	lc_envelope e;

	cr_assert_eq(parse(p, "{\"text\":\"caf\\u00e9 \\\"quoted\\\" \\\\ tab\\t line\\n "
	    "\\ud83d\\ude00 \xe2\x82\xac\"}", &e), LC_OK);
	cr_assert(lc_bytes_eq_str(e.text, "caf\xc3\xa9 \"quoted\" \\ tab\t line\n "
	    "\xf0\x9f\x98\x80 \xe2\x82\xac"), "%.*s", (int)e.text.len, e.text.ptr);
	lc_json_parser_free(p);
}

Test(json, huge_text_is_capped_at_a_character_boundary)
{
	lc_json_parser *p = parser();
	size_t n = LC_ENV_TEXT_MAX + 100;
	char *frame = malloc(n + 32);
	lc_envelope e;
	size_t k;

	k = (size_t)sprintf(frame, "{\"text\":\"a");   /* 'a' shifts the 2-byte chars off the cap */
	while (k < n)
		k += (size_t)sprintf(frame + k, "\xc3\xa9");
	k += (size_t)sprintf(frame + k, "\"}");
	cr_assert_eq(lc_json_envelope_parse(p, frame, k, &e), LC_OK);
	cr_assert(e.text_truncated);
	cr_assert_leq(e.text.len, LC_ENV_TEXT_MAX);
	cr_assert_eq(e.text.len, LC_ENV_TEXT_MAX - 1, "cut inside a character: %zu", e.text.len);
	cr_assert_eq(e.text.ptr[e.text.len - 1], 0xa9);
	free(frame);
	lc_json_parser_free(p);
}

Test(json, frame_over_the_cap_is_toobig)
{
	lc_json_parser *p = parser();
	lc_envelope e;

	cr_assert_eq(lc_json_envelope_parse(p, "{}", LC_FRAME_MAX + 1, &e), LC_ETOOBIG);
	lc_json_parser_free(p);
}

Test(json, built_message_round_trips_through_the_parser)
{
	lc_json_parser *p = parser();
	const char text[] = "say \"hi\" \\ \n\t\x01 caf\xc3\xa9 \xf0\x9f\x98\x80 end";
	lc_buf b;
	lc_envelope e;

	lc_buf_init(&b, 4096);
	cr_assert_eq(lc_json_build_message(&b, lc_bytes_str("c-1"), lc_bytes_str("m-\"x"),
	    lc_bytes_make(text, sizeof(text) - 1), 1698765433000LL), LC_OK);
	cr_assert_eq(lc_json_envelope_parse(p, b.ptr, b.len, &e), LC_OK, "%s", (char *)b.ptr);
	cr_assert_eq(e.type, LC_ENV_MESSAGE);
	cr_assert(lc_bytes_eq_str(e.conversation_id, "c-1"));
	cr_assert(lc_bytes_eq_str(e.message_id, "m-\"x"));
	cr_assert_eq(e.text.len, sizeof(text) - 1);
	cr_assert_eq(memcmp(e.text.ptr, text, e.text.len), 0);
	cr_assert_eq(e.timestamp_ms, 1698765433000LL);
	lc_buf_reset(&b);
	cr_assert_eq(lc_json_build_typing(&b, lc_bytes_str("c-2"), 42), LC_OK);
	cr_assert_str_eq((char *)b.ptr, "{\"type\":\"typing\",\"conversationId\":\"c-2\",\"timestamp\":42}");
	cr_assert_eq(lc_json_envelope_parse(p, b.ptr, b.len, &e), LC_OK);
	cr_assert_eq(e.type, LC_ENV_TYPING);
	lc_buf_free(&b);
	lc_json_parser_free(p);
}

Test(json, invalid_utf8_is_replaced_so_the_frame_stays_json)
{
	lc_json_parser *p = parser();
	const char text[] = "a\xff" "b\xc3" "c\xed\xa0\x80" "d\xc0\xaf";   /* bad, cut, surrogate, overlong */
	lc_buf b;
	lc_envelope e;

	lc_buf_init(&b, 4096);
	cr_assert_eq(lc_json_append_string(&b, lc_bytes_make(text, sizeof(text) - 1)), LC_OK);
	cr_assert_str_eq((char *)b.ptr, "\"a\\ufffdb\\ufffdc\\ufffd\\ufffd\\ufffdd\\ufffd\\ufffd\"");
	lc_buf_reset(&b);
	cr_assert_eq(lc_json_build_message(&b, lc_bytes_str("c"), lc_bytes_str("m"),
	    lc_bytes_make(text, sizeof(text) - 1), 1), LC_OK);
	cr_assert_eq(lc_json_envelope_parse(p, b.ptr, b.len, &e), LC_OK);
	lc_buf_free(&b);
	lc_json_parser_free(p);
}

Test(json, builder_over_cap_leaves_buffer_unchanged)
{
	lc_buf b;
	char big[200];

	memset(big, 'x', sizeof(big));
	lc_buf_init(&b, 128);
	cr_assert_eq(lc_buf_append_str(&b, "prefix"), LC_OK);
	cr_assert_eq(lc_json_build_message(&b, lc_bytes_str("c"), lc_bytes_str("m"),
	    lc_bytes_make(big, sizeof(big)), 1), LC_ETOOBIG);
	cr_assert_eq(b.len, 6);
	cr_assert_str_eq((char *)b.ptr, "prefix");
	lc_buf_free(&b);
}

Test(json, token_body_fields_are_read)
{
	const char body[] = "{\"access_token\":\"tok-1\",\"expires_in\":3600,\"token_type\":\"Bearer\","
	    "\"status\":{\"statusName\":\"available\"},\"n\":null}";
	lc_json_doc *d = NULL;
	lc_bytes s;
	double v;

	cr_assert_eq(lc_json_doc_parse(body, sizeof(body) - 1, &d, NULL), LC_OK);
	cr_assert_eq(lc_json_doc_string(d, "access_token", &s), LC_OK);
	cr_assert(lc_bytes_eq_str(s, "tok-1"));
	cr_assert_eq(lc_json_doc_number(d, "expires_in", &v), LC_OK);
	cr_assert_float_eq(v, 3600, 1e-9);
	cr_assert_eq(lc_json_doc_string(d, "status.statusName", &s), LC_OK);
	cr_assert(lc_bytes_eq_str(s, "available"));
	cr_assert_eq(lc_json_doc_string(d, "expires_in", &s), LC_EPARSE);
	cr_assert_eq(lc_json_doc_number(d, "token_type", &v), LC_EPARSE);
	cr_assert_eq(lc_json_doc_string(d, "nextPageToken", &s), LC_ENOTFOUND);
	cr_assert_eq(lc_json_doc_string(d, "n", &s), LC_ENOTFOUND);
	cr_assert_eq(lc_json_doc_string(d, "status.missing.deeper", &s), LC_ENOTFOUND);
	lc_json_doc_free(d);
	lc_json_doc_free(NULL);
}

Test(json, bad_rest_body_is_eparse_with_a_message)
{
	lc_json_doc *d = NULL;
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(lc_json_doc_parse("<html>", 6, &d, &err), LC_EPARSE);
	cr_assert_null(d);
	cr_assert(strstr(err.msg, "not valid JSON") != NULL, "%s", err.msg);
}

Test(json, transcript_messages_are_iterated_in_order)
{
	const char body[] = "{\"conversationId\":\"c-1\",\"messages\":["
	    "{\"messageId\":\"m-1\",\"from\":{\"type\":\"customer\",\"id\":\"cust-001\"},\"text\":\"one\","
	    "\"timestamp\":1}, 5, "
	    "{\"messageId\":\"m-2\",\"from\":{\"type\":\"agent\",\"id\":\"a-1\"},\"text\":\"two\","
	    "\"timestamp\":2}],\"nextPageToken\":\"p-2\"}";
	lc_json_doc *d = NULL;
	lc_envelope e;
	size_t skipped = 0;
	lc_bytes tok;

	cr_assert_eq(lc_json_doc_parse(body, sizeof(body) - 1, &d, NULL), LC_OK);
	cr_assert_eq(lc_json_doc_next(d, "messages", &e, &skipped), LC_OK);
	cr_assert_eq(e.type, LC_ENV_MESSAGE);
	cr_assert(lc_bytes_eq_str(e.message_id, "m-1") && lc_bytes_eq_str(e.text, "one"));
	cr_assert_eq(e.from, LC_FROM_CUSTOMER);
	cr_assert_eq(lc_json_doc_next(d, "messages", &e, &skipped), LC_OK);
	cr_assert(lc_bytes_eq_str(e.message_id, "m-2") && lc_bytes_eq_str(e.text, "two"));
	cr_assert_eq(e.timestamp_ms, 2);
	cr_assert_eq(skipped, 1);
	cr_assert_eq(lc_json_doc_next(d, "messages", &e, &skipped), LC_DONE);
	cr_assert_eq(lc_json_doc_next(d, "messages", &e, NULL), LC_DONE);
	cr_assert_eq(lc_json_doc_next(d, "conversationId", &e, NULL), LC_ENOTFOUND);
	cr_assert_eq(lc_json_doc_string(d, "nextPageToken", &tok), LC_OK);
	cr_assert(lc_bytes_eq_str(tok, "p-2"));
	lc_json_doc_free(d);
}

/* ---- the one-pass scanner: cJSON's rules, kept on purpose ------------------------------- */

/* Parse with the scanner and with the cJSON reference; every field must agree. */
static lc_status
parse_both(lc_json_parser *p, lc_json_parser *ref, const void *s, size_t n, lc_envelope *e)
{
	lc_envelope r;
	lc_status rc = lc_json_envelope_parse(p, s, n, e);
	lc_status rr = lc_json_envelope_parse_reference(ref, s, n, &r);
	const lc_bytes *fa[] = {&e->type_name, &e->conversation_id, &e->message_id, &e->from_type,
	    &e->from_id, &e->text, &e->status, &e->skill, &e->queue};
	const lc_bytes *fb[] = {&r.type_name, &r.conversation_id, &r.message_id, &r.from_type,
	    &r.from_id, &r.text, &r.status, &r.skill, &r.queue};

	cr_assert_eq(rc, rr, "status %d, reference %d for %.*s", rc, rr, (int)n, (const char *)s);
	for (size_t i = 0; i < sizeof(fa) / sizeof(fa[0]); i++)
		cr_assert(fa[i]->len == fb[i]->len && (fa[i]->len == 0 ||
		    memcmp(fa[i]->ptr, fb[i]->ptr, fa[i]->len) == 0), "field %zu differs for %.*s", i,
		    (int)n, (const char *)s);
	cr_assert(e->type == r.type && e->from == r.from && e->text_truncated == r.text_truncated &&
	    e->timestamp_ms == r.timestamp_ms && e->code == r.code && e->present == r.present &&
	    e->wrong_types == r.wrong_types, "fields differ for %.*s", (int)n, (const char *)s);
	cr_assert_eq(memcmp(&e->retry_after_s, &r.retry_after_s, sizeof(double)), 0);
	return rc;
}

static lc_status
both(lc_json_parser *p, lc_json_parser *ref, const char *s, lc_envelope *e)
{
	return parse_both(p, ref, s, strlen(s), e);
}

Test(json, repeated_keys_apply_in_order_so_the_last_good_value_wins)
{
	lc_json_parser *p = parser(), *ref = parser();
	lc_envelope e;

	cr_assert_eq(both(p, ref, "{\"type\":\"ack\",\"type\":5,\"type\":\"message\",\"text\":\"one\","
	    "\"text\":[1],\"text\":\"two\",\"timestamp\":1,\"timestamp\":\"2\"}", &e), LC_OK);
	cr_assert_eq(e.type, LC_ENV_MESSAGE);
	cr_assert(lc_bytes_eq_str(e.text, "two"));
	cr_assert_eq(e.timestamp_ms, 1);
	cr_assert_eq(e.wrong_types, 3);
	/* a second "from" resets from to other but keeps the first one's type text */
	cr_assert_eq(both(p, ref, "{\"from\":{\"type\":\"agent\"},\"from\":{\"id\":\"x\"}}", &e), LC_OK);
	cr_assert_eq(e.from, LC_FROM_OTHER);
	cr_assert(lc_bytes_eq_str(e.from_type, "agent") && lc_bytes_eq_str(e.from_id, "x"));
	lc_json_parser_free(p);
	lc_json_parser_free(ref);
}

Test(json, strings_and_keys_end_at_their_first_nul)
{
	lc_json_parser *p = parser(), *ref = parser();
	const char raw[] = "{\"type\":\"ack\\u0000junk\",\"te\0xt\":\"no\",\"text\":\"a\0b\","
	    "\"skill\\u0000x\":\"s\"}";
	lc_envelope e;

	cr_assert_eq(parse_both(p, ref, raw, sizeof(raw) - 1, &e), LC_OK);
	cr_assert_eq(e.type, LC_ENV_ACK);
	cr_assert(lc_bytes_eq_str(e.type_name, "ack"));
	cr_assert(lc_bytes_eq_str(e.text, "a"));
	cr_assert(lc_bytes_eq_str(e.skill, "s"));
	lc_json_parser_free(p);
	lc_json_parser_free(ref);
}

Test(json, numbers_follow_cjson_and_strtod)
{
	lc_json_parser *p = parser(), *ref = parser();
	static const char *ok[] = {"{\"x\":01}", "{\"x\":1.}", "{\"x\":-.5}", "{\"x\":1.e5}",
	    "{\"x\":[1E+2,-0,0.0e-0]}", "{\"x\":123456789012345678901234567890}"};
	static const char *bad[] = {"{\"x\":1e}", "{\"x\":1e+}", "{\"x\":--1}", "{\"x\":-}",
	    "{\"x\":.5}", "{\"x\":1.2.3}", "{\"x\":+1}", "{\"x\":0x10}", "{\"x\":1-2}"};
	lc_envelope e;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		cr_assert_eq(both(p, ref, ok[i], &e), LC_OK, "refused: %s", ok[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(both(p, ref, bad[i], &e), LC_EPARSE, "accepted: %s", bad[i]);
	cr_assert_eq(both(p, ref, "{\"timestamp\":1698765432000.9,\"code\":429.9,"
	    "\"retryAfter\":0.1}", &e), LC_OK);
	cr_assert_eq(e.timestamp_ms, 1698765432000LL);
	cr_assert_eq(e.code, 429);
	cr_assert(e.retry_after_s == 0.1);
	cr_assert_eq(both(p, ref, "{\"timestamp\":9007199254740993,\"retryAfter\":2.5e-3}", &e),
	    LC_OK);
	cr_assert_eq(e.timestamp_ms, 9007199254740992LL);   /* as a double rounds it */
	cr_assert(e.retry_after_s == 0.0025);
	cr_assert_eq(both(p, ref, "{\"timestamp\":4.7e18,\"code\":1e400,\"retryAfter\":-1e-400}",
	    &e), LC_OK);
	cr_assert_eq(e.wrong_types, 2);   /* out of range, infinite; -1e-400 is -0: in range */
	cr_assert(e.present & LC_ENVF_RETRY_AFTER);
	lc_json_parser_free(p);
	lc_json_parser_free(ref);
}

Test(json, negative_zero_retry_after_keeps_its_sign)
{
	lc_json_parser *p = parser(), *ref = parser();
	lc_envelope e;

	cr_assert_eq(both(p, ref, "{\"type\":\"error\",\"retryAfter\":-0}", &e), LC_OK);
	cr_assert(e.present & LC_ENVF_RETRY_AFTER);
	cr_assert(e.retry_after_s == 0 && signbit(e.retry_after_s));
	lc_json_parser_free(p);
	lc_json_parser_free(ref);
}

Test(json, surrogates_pair_up_and_lone_ones_fail_like_cjson)
{
	lc_json_parser *p = parser(), *ref = parser();
	lc_envelope e;

	cr_assert_eq(both(p, ref, "{\"text\":\"\\uD83D\\uDE00\\udbff\\udfff\"}", &e), LC_OK);
	cr_assert(lc_bytes_eq_str(e.text, "\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"));
	cr_assert_eq(both(p, ref, "{\"text\":\"\\ude00\"}", &e), LC_EPARSE);
	cr_assert_eq(both(p, ref, "{\"text\":\"\\ud83d x\"}", &e), LC_EPARSE);
	cr_assert_eq(both(p, ref, "{\"text\":\"\\ud83d\\u0041\"}", &e), LC_EPARSE);
	cr_assert_eq(both(p, ref, "{\"x\":\"\\ud83d\"}", &e), LC_EPARSE);   /* skipped values too */
	/* bad hex digits read as U+0000, which ends the string */
	cr_assert_eq(both(p, ref, "{\"text\":\"ok\\uZZZZgone\"}", &e), LC_OK);
	cr_assert(lc_bytes_eq_str(e.text, "ok"));
	/* raw bytes pass as they are, invalid UTF-8 included */
	cr_assert_eq(both(p, ref, "{\"text\":\"\xff\xed\xa0\x80\x01\"}", &e), LC_OK);
	cr_assert(lc_bytes_eq_str(e.text, "\xff\xed\xa0\x80\x01"));
	cr_assert_eq(both(p, ref, "{\"text\":\"\\x\"}", &e), LC_EPARSE);
	lc_json_parser_free(p);
	lc_json_parser_free(ref);
}

Test(json, a_u_escape_steps_over_six_bytes_whatever_they_are)
{
	lc_json_parser *p = parser(), *ref = parser();
	lc_envelope e;

	/* "\u12\"x": the escape eats the backslash-quote, so the quote after x ends the string */
	cr_assert_eq(both(p, ref, "{\"status\":\"\\u12\\\"x\",\"skill\":\"s\"}", &e), LC_OK);
	cr_assert_eq(e.status.len, 0);   /* U+0000 first: empty, but present */
	cr_assert(e.present & LC_ENVF_STATUS);
	cr_assert(lc_bytes_eq_str(e.skill, "s"));
	lc_json_parser_free(p);
	lc_json_parser_free(ref);
}

Test(json, whitespace_inside_is_any_control_byte_but_after_only_four)
{
	lc_json_parser *p = parser(), *ref = parser();
	const char inside[] = "\x01{\x00\"type\"\x1f:\x0b\"ack\"\x7f}";
	const char nul_after[] = "{\"type\":\"ack\"}\0";
	const char good[] = "\x01{\x00\"type\"\x1f:\x0b\"ack\"\x20}";
	lc_envelope e;

	cr_assert_eq(parse_both(p, ref, inside, sizeof(inside) - 1, &e), LC_EPARSE);   /* 0x7f */
	cr_assert_eq(parse_both(p, ref, inside, sizeof(inside) - 2, &e), LC_EPARSE);   /* no } */
	cr_assert_eq(parse_both(p, ref, good, sizeof(good) - 1, &e), LC_OK);
	cr_assert_eq(e.type, LC_ENV_ACK);
	cr_assert_eq(parse_both(p, ref, nul_after, sizeof(nul_after) - 1, &e), LC_EPARSE);
	cr_assert_eq(both(p, ref, "{\"type\":\"ack\"} \t\r\n", &e), LC_OK);
	cr_assert_eq(both(p, ref, "{\"type\":\"ack\"}\x0b", &e), LC_EPARSE);
	cr_assert_eq(both(p, ref, "\xef\xbb\xbf{\"type\":\"ack\"}", &e), LC_OK);
	cr_assert_eq(both(p, ref, "\xef\xbb\xbf{}", &e), LC_OK);
	cr_assert_eq(both(p, ref, "{\"a\":{}", &e), LC_EPARSE);
	cr_assert_eq(both(p, ref, "{\"a\":1,", &e), LC_EPARSE);
	cr_assert_eq(both(p, ref, "{\"a\":1 ", &e), LC_EPARSE);
	cr_assert_eq(both(p, ref, "{\"a\":nul}", &e), LC_EPARSE);
	lc_json_parser_free(p);
	lc_json_parser_free(ref);
}

/* {"x": then depth brackets, then the closing ones. */
static char *
nested(int depth, const char *open, const char *close)
{
	size_t no = strlen(open), nc = strlen(close);
	char *s = malloc(32 + (size_t)depth * (no + nc));
	size_t k = (size_t)sprintf(s, "{\"x\":");

	for (int i = 0; i < depth; i++, k += no)
		memcpy(s + k, open, no);
	k += (size_t)sprintf(s + k, "1");
	for (int i = 0; i < depth; i++, k += nc)
		memcpy(s + k, close, nc);
	sprintf(s + k, ",\"type\":\"ack\"}");
	return s;
}

Test(json, nesting_stops_at_cjsons_limit_of_1000_containers)
{
	lc_json_parser *p = parser(), *ref = parser();
	char *ok = nested(999, "[", "]"), *deep = nested(1000, "[", "]");
	char *objs = nested(999, "{\"k\":[", "]}");
	lc_envelope e;

	cr_assert_eq(both(p, ref, ok, &e), LC_OK);
	cr_assert_eq(e.type, LC_ENV_ACK);
	cr_assert_eq(both(p, ref, deep, &e), LC_EPARSE);
	cr_assert_eq(both(p, ref, objs, &e), LC_EPARSE);   /* 1998 containers */
	free(ok);
	free(deep);
	free(objs);
	lc_json_parser_free(p);
	lc_json_parser_free(ref);
}

Test(json, plain_strings_are_views_into_the_frame_and_escaped_ones_outlive_a_reparse_of_it)
{
	lc_json_parser *p = parser();
	char frame[] = "{\"conversationId\":\"c-1\",\"text\":\"caf\\u00e9\"}";
	lc_envelope e;

	cr_assert_eq(parse(p, frame, &e), LC_OK);
	cr_assert(e.conversation_id.ptr > (uint8_t *)frame &&
	    e.conversation_id.ptr < (uint8_t *)frame + sizeof(frame));
	cr_assert(e.text.ptr < (uint8_t *)frame || e.text.ptr >= (uint8_t *)frame + sizeof(frame));
	memset(frame, ' ', sizeof(frame) - 1);   /* the escaped text lives in the parser */
	cr_assert(lc_bytes_eq_str(e.text, "caf\xc3\xa9"));
	lc_json_parser_free(p);
}

Test(json, the_scratch_is_reused_across_frames_of_any_size)
{
	lc_json_parser *p = parser(), *ref = parser();
	size_t n = 200000;
	char *big = malloc(n + 64);
	size_t k = (size_t)sprintf(big, "{\"messageId\":\"m\\u00e9\",\"text\":\"");
	lc_envelope e;

	while (k < n)
		k += (size_t)sprintf(big + k, "\\u20ac");
	k += (size_t)sprintf(big + k, "\"}");
	cr_assert_eq(parse_both(p, ref, big, k, &e), LC_OK);
	cr_assert(e.text_truncated);
	cr_assert_eq(e.text.len, LC_ENV_TEXT_MAX - LC_ENV_TEXT_MAX % 3);
	cr_assert_eq(both(p, ref, "{\"messageId\":\"\\u0041\",\"text\":\"\\t\"}", &e), LC_OK);
	cr_assert(lc_bytes_eq_str(e.message_id, "A") && lc_bytes_eq_str(e.text, "\t"));
	cr_assert_eq(parse_both(p, ref, big, k, &e), LC_OK);
	free(big);
	lc_json_parser_free(p);
	lc_json_parser_free(ref);
}

/* Every seed of the differential fuzzer, through both parsers (also cut in half). */
Test(json, scanner_matches_the_cjson_reference_on_the_fuzz_seeds)
{
	static uint8_t buf[1 << 16];
	const char *src = getenv("CXTAPE_SRC");
	char dir[2048], file[4096];
	lc_json_parser *p = parser(), *ref = parser();
	lc_envelope e;
	size_t files = 0;
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/fuzz_envelope_diff", src ? src : ".");
	d = opendir(dir);
	cr_assert_not_null(d, "no seeds at %s", dir);
	while ((de = readdir(d)) != NULL) {
		size_t n;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", dir, de->d_name);
		f = fopen(file, "rb");
		cr_assert_not_null(f, "%s", file);
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		(void)parse_both(p, ref, buf, n, &e);
		(void)parse_both(p, ref, buf, n / 2, &e);
		files++;
	}
	closedir(d);
	cr_assert_geq(files, 20, "only %zu seeds under %s", files, dir);
	lc_json_parser_free(p);
	lc_json_parser_free(ref);
}
