/* SPDX-License-Identifier: MIT */
/* Tests for lc_redact: secrets become stable pseudonyms, cards are masked, the rest is untouched. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lc_redact.h"

static const char KEY_A[] = "0123456789abcdef0123456789abcdef";
static const char KEY_B[] = "fedcba9876543210fedcba9876543210";
#define TOKEN "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.x9Zq-AbC_123"

static lc_redactor *
redactor(const char *key, unsigned flags)
{
	lc_redactor *r = NULL;
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(lc_redactor_from_key(key, strlen(key), flags, &r, &err), LC_OK, "%s",
	    lc_err_text(&err));
	return r;
}

static char *
pseudo(const lc_redactor *r, const char *secret)
{
	static char buf[4][LC_PSEUDONYM_LEN + 1];
	static int k;
	char *p = buf[k++ % 4];

	lc_redact_pseudonym(r, secret, strlen(secret), p);
	return p;
}

static cx_event
ev_raw(cx_kind kind, const char *raw)
{
	cx_event e;

	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.raw = lc_bytes_str(raw);
	return e;
}

/* The redacted copy of raw, as a NUL-terminated string the caller frees. */
static char *
redact_raw(const lc_redactor *r, cx_kind kind, const char *raw, uint32_t *flags)
{
	lc_redact_scratch s;
	cx_event in = ev_raw(kind, raw), out;
	char *copy;

	lc_redact_scratch_init(&s);
	cr_assert_eq(lc_redact_event(r, &in, &out, &s), LC_OK);
	copy = strndup((const char *)out.raw.ptr, out.raw.len);
	if (flags)
		*flags = out.flags;
	lc_redact_scratch_free(&s);
	return copy;
}

/* No 4-byte window of the secret survives anywhere in text. */
static void
assert_no_trace(const char *text, const char *secret)
{
	size_t n = strlen(secret);

	for (size_t i = 0; i + 4 <= n; i++)
		cr_assert_null(memmem(text, strlen(text), secret + i, 4),
		    "bytes \"%.4s\" of the secret survive in: %s", secret + i, text);
}

static void
assert_json_ok(const char *text)
{
	cJSON *j = cJSON_Parse(text);

	cr_assert_not_null(j, "not JSON any more: %s", text);
	cJSON_Delete(j);
}

Test(redact, pseudonym_is_stable_and_shaped)
{
	lc_redactor *r = redactor(KEY_A, 0);
	char a[LC_PSEUDONYM_LEN + 1], b[LC_PSEUDONYM_LEN + 1];

	lc_redact_pseudonym(r, "s3cret", 6, a);
	lc_redact_pseudonym(r, "s3cret", 6, b);
	cr_assert_str_eq(a, b);
	cr_assert_eq(strlen(a), LC_PSEUDONYM_LEN);
	cr_assert_eq(strncmp(a, "[redacted:", 10), 0);
	for (int i = 10; i < 18; i++)
		cr_assert(strchr("0123456789abcdef", a[i]) != NULL, "not hex: %s", a);
	lc_redact_pseudonym(r, "s3creT", 6, b);
	cr_assert_str_neq(a, b);
	lc_redactor_free(r);
}

Test(redact, pseudonym_is_hmac_sha256_prefix)
{
	/* RFC 4231 test case 1: key 20 x 0x0b, data "Hi There". */
	lc_redactor *r = NULL;
	uint8_t key[20];
	char p[LC_PSEUDONYM_LEN + 1];

	memset(key, 0x0b, sizeof(key));
	cr_assert_eq(lc_redactor_from_key(key, sizeof(key), 0, &r, NULL), LC_OK);
	lc_redact_pseudonym(r, "Hi There", 8, p);
	/* RFC 4231 4.2: b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7 */
	cr_assert_str_eq(p, "[redacted:b0344c61]");
	lc_redactor_free(r);
}

Test(redact, different_keys_give_different_pseudonyms)
{
	lc_redactor *a = redactor(KEY_A, 0), *b = redactor(KEY_B, 0);

	cr_assert_str_neq(pseudo(a, TOKEN), pseudo(b, TOKEN));
	lc_redactor_free(a);
	lc_redactor_free(b);
}

Test(redact, short_key_is_refused)
{
	lc_redactor *r = NULL;
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(lc_redactor_from_key("short", 5, 0, &r, &err), LC_EINVAL);
	cr_assert_null(r);
	cr_assert(strstr(err.msg, "16") != NULL, "%s", err.msg);
}

Test(redact, same_token_same_pseudonym_in_header_query_json_form_and_frame)
{
	lc_redactor *r = redactor(KEY_A, 0);
	lc_redact_scratch s;
	const char *p = pseudo(r, TOKEN);
	char pct[64];
	cx_header hin[2] = {
		{lc_bytes_str("Authorization"), lc_bytes_str("Bearer " TOKEN)},
		{lc_bytes_str("Accept"), lc_bytes_str("application/json")},
	};
	cx_event in, out;
	char *t;

	snprintf(pct, sizeof(pct), "%%5B%.*s%%5D", (int)strlen(p) - 2, p + 1);
	lc_redact_scratch_init(&s);
	memset(&in, 0, sizeof(in));
	in.kind = CX_HTTP_REQUEST;
	in.method = lc_bytes_str("GET");
	in.path = lc_bytes_str("/api/v2/chat/stream?x=1&access_token=" TOKEN "&y=2");
	in.headers = hin;
	in.n_headers = 2;
	cr_assert_eq(lc_redact_event(r, &in, &out, &s), LC_OK);
	cr_assert(out.flags & CX_F_REDACTED);
	t = strndup((const char *)out.headers[0].value.ptr, out.headers[0].value.len);
	cr_assert_str_eq(t, (char *)(const char *)lc_buf_bytes(&s.hvals).ptr);
	cr_assert(strncmp(t, "Bearer ", 7) == 0 && strcmp(t + 7, p) == 0, "header: %s", t);
	free(t);
	cr_assert_eq(out.headers[1].value.ptr, hin[1].value.ptr, "untouched header was copied");
	t = strndup((const char *)out.path.ptr, out.path.len);
	cr_assert(strstr(t, pct) != NULL && strstr(t, "&y=2") && strstr(t, "/api/v2/chat/stream?x=1&access_token=%5B") == t,
	    "path: %s (want %s)", t, pct);
	free(t);
	lc_redact_scratch_free(&s);

	t = redact_raw(r, CX_HTTP_RESPONSE, "{\"access_token\":\"" TOKEN "\",\"expires_in\":3600,"
	    "\"token_type\":\"Bearer\"}", NULL);
	cr_assert(strstr(t, p) != NULL, "json: %s", t);
	assert_json_ok(t);
	assert_no_trace(t, TOKEN);
	free(t);
	t = redact_raw(r, CX_HTTP_REQUEST, "grant_type=refresh_token&refresh_token=" TOKEN "&scope=chat",
	    NULL);
	cr_assert(strstr(t, pct) != NULL && strstr(t, "grant_type=refresh_token&") == t &&
	    strstr(t, "&scope=chat"), "form: %s", t);
	free(t);
	t = redact_raw(r, CX_FRAME_OUT, "{\"type\":\"message\",\"text\":\"use Bearer " TOKEN
	    " please\"}", NULL);
	cr_assert(strstr(t, p) != NULL, "frame: %s", t);
	assert_json_ok(t);
	assert_no_trace(t, TOKEN);
	free(t);
	lc_redactor_free(r);
}

Test(redact, escaped_json_and_percent_encoded_values_hash_as_decoded)
{
	lc_redactor *r = redactor(KEY_A, 0);
	const char *p = pseudo(r, "a/b+c d\xc3\xa9");
	char *t;

	t = redact_raw(r, CX_HTTP_RESPONSE, "{\"password\":\"a\\/b+c d\\u00e9\"}", NULL);
	cr_assert(strstr(t, p) != NULL, "json %s want %s", t, p);
	free(t);
	t = redact_raw(r, CX_HTTP_REQUEST, "password=a%2Fb%2Bc+d%C3%A9", NULL);
	cr_assert(strncmp(t, "password=%5Bredacted:", 21) == 0 && strncmp(t + 21, p + 10, 8) == 0 &&
	    strcmp(t + 29, "%5D") == 0, "form %s want %s", t, p);
	free(t);
	lc_redactor_free(r);
}

Test(redact, every_secret_json_key_is_replaced_and_json_stays_valid)
{
	static const char *keys[] = {"access_token", "refresh_token", "id_token", "token",
	    "client_secret", "password", "code", "accessToken", "clientSecret"};
	lc_redactor *r = redactor(KEY_A, 0);
	char raw[256];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		uint32_t fl = 0;
		char *t;

		snprintf(raw, sizeof(raw), "{ \"%s\" : \"zq\\\"Xw_%zu-secret\", \"n\":1}", keys[i], i);
		t = redact_raw(r, CX_HTTP_RESPONSE, raw, &fl);
		cr_assert(strstr(t, "[redacted:") != NULL, "%s not redacted: %s", keys[i], t);
		cr_assert_null(strstr(t, "Xw_"), "%s", t);
		cr_assert(fl & CX_F_REDACTED);
		assert_json_ok(t);
		free(t);
	}
	lc_redactor_free(r);
}

Test(redact, every_secret_form_key_is_replaced)
{
	static const char *keys[] = {"access_token", "refresh_token", "id_token", "token",
	    "client_secret", "password", "code"};
	lc_redactor *r = redactor(KEY_A, 0);
	char raw[256];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *t;

		snprintf(raw, sizeof(raw), "grant_type=client_credentials&%s=Zz9%zuq&x=1", keys[i], i);
		t = redact_raw(r, CX_HTTP_REQUEST, raw, NULL);
		cr_assert(strstr(t, "=%5Bredacted:") != NULL, "%s not redacted: %s", keys[i], t);
		cr_assert_null(strstr(t, "Zz9"), "%s", t);
		cr_assert(strstr(t, "grant_type=client_credentials&") == t && strstr(t, "&x=1"),
		    "neighbours changed: %s", t);
		free(t);
	}
	lc_redactor_free(r);
}

Test(redact, lookalike_keys_are_left_alone)
{
	lc_redactor *r = redactor(KEY_A, 0);
	static const char *raws[] = {
		"{\"nextPageToken\":\"p-2\",\"token_type\":\"Bearer\",\"tokens\":\"abc\"}",
		"{\"type\":\"error\",\"code\":429,\"retryAfter\":2}",
		"my_token=abc&xtoken=def&tokenx=ghi&code.x=1",
		"{\"text\":\"the bearer of bad news\"}",
	};

	for (size_t i = 0; i < sizeof(raws) / sizeof(raws[0]); i++) {
		lc_redact_scratch s;
		cx_event in = ev_raw(CX_HTTP_RESPONSE, raws[i]), out;

		lc_redact_scratch_init(&s);
		cr_assert_eq(lc_redact_event(r, &in, &out, &s), LC_OK);
		cr_assert_eq(out.raw.ptr, in.raw.ptr, "changed: %.*s", (int)out.raw.len, out.raw.ptr);
		cr_assert_eq(out.raw.len, in.raw.len);
		cr_assert_eq(out.flags & CX_F_REDACTED, 0u);
		lc_redact_scratch_free(&s);
	}
	lc_redactor_free(r);
}

Test(redact, sensitive_headers_keep_scheme_and_cookie_names)
{
	lc_redactor *r = redactor(KEY_A, 0);
	lc_redact_scratch s;
	cx_header h[] = {
		{lc_bytes_str("proxy-authorization"), lc_bytes_str("Basic dXNlcjpwYXNz")},
		{lc_bytes_str("Cookie"), lc_bytes_str("sid=abc123; theme=dark")},
		{lc_bytes_str("Set-Cookie"), lc_bytes_str("sid=xyz789; Path=/; HttpOnly")},
		{lc_bytes_str("X-Api-Key"), lc_bytes_str("k-55667788")},
		{lc_bytes_str("X-Forwarded-Auth"), lc_bytes_str("bearer tok.99")},
		{lc_bytes_str("Content-Type"), lc_bytes_str("application/json")},
	};
	char want[128];
	cx_event in, out;

	memset(&in, 0, sizeof(in));
	in.kind = CX_HTTP_RESPONSE;
	in.headers = h;
	in.n_headers = 6;
	lc_redact_scratch_init(&s);
	cr_assert_eq(lc_redact_event(r, &in, &out, &s), LC_OK);
	snprintf(want, sizeof(want), "Basic %s", pseudo(r, "dXNlcjpwYXNz"));
	cr_assert(lc_bytes_eq_str(out.headers[0].value, want));
	snprintf(want, sizeof(want), "sid=%s; theme=%s", pseudo(r, "abc123"), pseudo(r, "dark"));
	cr_assert(lc_bytes_eq_str(out.headers[1].value, want), "%.*s",
	    (int)out.headers[1].value.len, out.headers[1].value.ptr);
	snprintf(want, sizeof(want), "sid=%s; Path=/; HttpOnly", pseudo(r, "xyz789"));
	cr_assert(lc_bytes_eq_str(out.headers[2].value, want));
	cr_assert(lc_bytes_eq_str(out.headers[3].value, pseudo(r, "k-55667788")));
	snprintf(want, sizeof(want), "bearer %s", pseudo(r, "tok.99"));
	cr_assert(lc_bytes_eq_str(out.headers[4].value, want));
	cr_assert(lc_bytes_eq_str(out.headers[5].value, "application/json"));
	cr_assert(lc_bytes_eq_str(out.headers[5].name, "Content-Type"));
	cr_assert(out.flags & CX_F_REDACTED);
	lc_redact_scratch_free(&s);
	lc_redactor_free(r);
}

Test(redact, clean_event_is_untouched_and_shares_input_bytes)
{
	lc_redactor *r = redactor(KEY_A, 0);
	lc_redact_scratch s;
	const char *raw = "{\"type\":\"message\",\"conversationId\":\"c-1\",\"messageId\":\"m-1\","
	    "\"from\":{\"type\":\"customer\",\"id\":\"cust-001\"},\"text\":\"I need help with my "
	    "billing, order 12345\",\"timestamp\":1698765432000}";
	cx_header h[1] = {{lc_bytes_str("Accept"), lc_bytes_str("*/*")}};
	cx_event in = ev_raw(CX_FRAME_IN, raw), out;

	in.path = lc_bytes_str("/api/v2/chat/conversations/c-1/transcript?pageSize=100");
	in.headers = h;
	in.n_headers = 1;
	in.flags = CX_F_IMPORTED;
	lc_redact_scratch_init(&s);
	cr_assert_eq(lc_redact_event(r, &in, &out, &s), LC_OK);
	cr_assert_eq(memcmp(&in, &out, sizeof(in)), 0, "some field changed");
	lc_redact_scratch_free(&s);
	lc_redactor_free(r);
}

Test(redact, non_secret_bytes_around_a_secret_are_kept_exactly)
{
	lc_redactor *r = redactor(KEY_A, 0);
	char want[512];
	char *t;

	snprintf(want, sizeof(want), "{\"a\":\"x\\\"y\" , \"password\" :\t\"%s\", \"b\":[1,2.5e3,null]}",
	    pseudo(r, "hunter2"));
	t = redact_raw(r, CX_FRAME_IN,
	    "{\"a\":\"x\\\"y\" , \"password\" :\t\"hunter2\", \"b\":[1,2.5e3,null]}", NULL);
	cr_assert_str_eq(t, want);
	free(t);
	lc_redactor_free(r);
}

Test(redact, cards_are_masked_in_frames_keeping_last_four)
{
	lc_redactor *r = redactor(KEY_A, 0);
	char *t;
	uint32_t fl;

	t = redact_raw(r, CX_FRAME_IN, "{\"text\":\"card 4111 1111 1111 1111, thanks\"}", &fl);
	cr_assert_str_eq(t, "{\"text\":\"card [card:****1111], thanks\"}");
	cr_assert(fl & CX_F_REDACTED);
	free(t);
	t = redact_raw(r, CX_FRAME_OUT, "{\"text\":\"5555-5555-5555-4444.\"}", NULL);
	cr_assert_str_eq(t, "{\"text\":\"[card:****4444].\"}");
	free(t);
	t = redact_raw(r, CX_FRAME_IN, "{\"text\":\"amex 378282246310005\\n6011111111111117\"}", NULL);
	cr_assert_str_eq(t, "{\"text\":\"amex [card:****0005]\\n[card:****1117]\"}");
	assert_json_ok(t);
	free(t);
	/* plain-text bodies: the whole body is text */
	t = redact_raw(r, CX_HTTP_REQUEST, "pay 4012888888881881 now", NULL);
	cr_assert_str_eq(t, "pay [card:****1881] now");
	free(t);
	/* a card after a phone number in the same run of groups */
	t = redact_raw(r, CX_FRAME_IN, "{\"text\":\"call 555 4111 1111 1111 1111\"}", NULL);
	cr_assert_str_eq(t, "{\"text\":\"call 555 [card:****1111]\"}");
	free(t);
	lc_redactor_free(r);
}

Test(redact, keep_cards_flag_leaves_cards)
{
	lc_redactor *r = redactor(KEY_A, LC_REDACT_KEEP_CARDS);
	char *t = redact_raw(r, CX_FRAME_IN, "{\"text\":\"4111 1111 1111 1111\"}", NULL);

	cr_assert_str_eq(t, "{\"text\":\"4111 1111 1111 1111\"}");
	free(t);
	lc_redactor_free(r);
}

Test(redact, cards_are_not_masked_outside_chat_payloads)
{
	lc_redactor *r = redactor(KEY_A, 0);
	lc_redact_scratch s;
	cx_event in = ev_raw(CX_STREAM_CLOSE, ""), out;

	in.reason = lc_bytes_str("closed at 4111111111111111");
	in.path = lc_bytes_str("/x/4111111111111111");
	lc_redact_scratch_init(&s);
	cr_assert_eq(lc_redact_event(r, &in, &out, &s), LC_OK);
	cr_assert_eq(out.reason.ptr, in.reason.ptr);
	cr_assert_eq(out.path.ptr, in.path.ptr);
	lc_redact_scratch_free(&s);
	lc_redactor_free(r);
}

Test(redact, luhn_edge_cases)
{
	lc_redactor *r = redactor(KEY_A, 0);
	static const struct {
		const char *in, *out;
	} cases[] = {
		/* 1698765432000 is Luhn-valid: as a JSON number it is a timestamp, never a card */
		{"{\"timestamp\":1698765432000}", "{\"timestamp\":1698765432000}"},
		/* in a string, a bare 13-digit number starting with 1 is epoch ms */
		{"{\"ts\":\"1698765432000\"}", "{\"ts\":\"1698765432000\"}"},
		/* Luhn-invalid 16 digits */
		{"{\"t\":\"4111111111111112\"}", "{\"t\":\"4111111111111112\"}"},
		/* 12 and 20 digits: wrong length (both Luhn-valid) */
		{"{\"t\":\"411111111117\"}", "{\"t\":\"411111111117\"}"},
		{"{\"t\":\"41111111111111111115\"}", "{\"t\":\"41111111111111111115\"}"},
		/* ids that contain a valid card number are ids */
		{"{\"id\":\"m-4111111111111111\"}", "{\"id\":\"m-4111111111111111\"}"},
		{"{\"id\":\"x4111111111111111\"}", "{\"id\":\"x4111111111111111\"}"},
		{"{\"v\":\"4111111111111111.5\"}", "{\"v\":\"4111111111111111.5\"}"},
		/* two spaces are a separator too (this case asserted the old leak) */
		{"{\"t\":\"4111  1111 1111 1111\"}", "{\"t\":\"[card:****1111]\"}"},
		/* 13-digit Visa, 19-digit card */
		{"{\"t\":\"4222222222222\"}", "{\"t\":\"[card:****2222]\"}"},
		{"{\"t\":\"6200000000000000000\"}", "{\"t\":\"[card:****0000]\"}"},
		/* a 15-digit UATP number starting with 1 is a card */
		{"{\"t\":\"122000000000003\"}", "{\"t\":\"[card:****0003]\"}"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = redact_raw(r, CX_FRAME_IN, cases[i].in, NULL);
		cr_assert_str_eq(t, cases[i].out, "case %zu", i);
		free(t);
	}
	lc_redactor_free(r);
}

/* ---- card formats: examples, then generated properties ---- */

/* The redacted path of an HTTP request, as a string the caller frees. */
static char *
redact_path(const lc_redactor *r, const char *path)
{
	lc_redact_scratch s;
	cx_event in = ev_raw(CX_HTTP_REQUEST, ""), out;
	char *copy;

	in.path = lc_bytes_str(path);
	lc_redact_scratch_init(&s);
	cr_assert_eq(lc_redact_event(r, &in, &out, &s), LC_OK);
	copy = strndup((const char *)out.path.ptr, out.path.len);
	lc_redact_scratch_free(&s);
	return copy;
}

Test(redact, cards_typed_with_any_separator_are_masked)
{
	lc_redactor *r = redactor(KEY_A, 0);
	static const struct {
		cx_kind kind;
		const char *in, *out;
	} cases[] = {
		{CX_FRAME_IN, "{\"t\":\"4111.1111.1111.1111\"}", "{\"t\":\"[card:****1111]\"}"},
		{CX_FRAME_IN, "{\"t\":\"4111  1111  1111  1111\"}", "{\"t\":\"[card:****1111]\"}"},
		{CX_FRAME_IN, "{\"t\":\"4111/1111/1111/1111\"}", "{\"t\":\"[card:****1111]\"}"},
		{CX_FRAME_IN, "{\"t\":\"4111\xc2\xa0" "1111\xc2\xa0" "1111\xc2\xa0" "1111\"}",
		    "{\"t\":\"[card:****1111]\"}"},
		{CX_FRAME_IN, "{\"t\":\"4111\\u00a01111\\u2007" "1111\\u202F1111 ok\"}",
		    "{\"t\":\"[card:****1111] ok\"}"},
		{CX_FRAME_IN, "{\"t\":\"4111\\t1111\\/1111\xe3\x80\x80" "1111\"}",
		    "{\"t\":\"[card:****1111]\"}"},
		{CX_FRAME_IN, "my card 3782 822463 10005, ok", "my card [card:****0005], ok"},
		{CX_FRAME_IN, "{\"t\":\"6200 0000 0000 0000 000\"}", "{\"t\":\"[card:****0000]\"}"},
		/* a lone card after a number in the same run of groups */
		{CX_FRAME_IN, "{\"t\":\"ref 55 4111111111111111\"}", "{\"t\":\"ref 55 [card:****1111]\"}"},
		/* a URL in a chat message, and a form body: the mask is percent-encoded there */
		{CX_FRAME_IN, "{\"t\":\"https://pay.test/?c=4111%201111%201111%201111&x=1\"}",
		    "{\"t\":\"https://pay.test/?c=[card:****1111]&x=1\"}"},
		{CX_HTTP_REQUEST, "amount=10&card=4111+1111+1111+1111&cvv=123",
		    "amount=10&card=%5Bcard:****1111%5D&cvv=123"},
		{CX_HTTP_REQUEST, "card=4111%C2%A01111%E2%80%87" "1111%2D1111",
		    "card=%5Bcard:****1111%5D"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = redact_raw(r, cases[i].kind, cases[i].in, NULL);
		cr_assert_str_eq(t, cases[i].out, "case %zu: %s", i, cases[i].in);
		free(t);
	}
	lc_redactor_free(r);
}

Test(redact, cards_in_a_query_are_masked_but_path_segments_are_ids)
{
	lc_redactor *r = redactor(KEY_A, 0);
	char *t = redact_path(r, "/pay/4111111111111111?card=4111%201111%201111%201111&n=2");

	cr_assert_str_eq(t, "/pay/4111111111111111?card=%5Bcard:****1111%5D&n=2");
	free(t);
	lc_redactor_free(r);
}

Test(redact, dates_versions_ips_and_ids_are_not_cards)
{
	lc_redactor *r = redactor(KEY_A, 0);
	static const char *const keep[] = {
		"{\"t\":\"2023/10/31 2023/11/01 2023/12/01\"}",
		"{\"t\":\"31.10.2023 1234567890123\"}",
		"{\"t\":\"10.0.0.1 192.168.100.200 172.16.254.1\"}",
		"{\"v\":\"1.2.3 10.15.7 4.11.1111.1111.1111\"}",
		"{\"t\":\"555-123-4567 555-987-6543\"}",
		"{\"id\":\"c-4111 1111 1111 1111\"}",
		"{\"id\":\"c-4111.1111.1111.1111\"}",
		"{\"v\":\"4111.1111.1111.1111.5\"}",
		"{\"t\":\"2023-10-31T12:34:56.789Z\"}",
		"{\"ts\":\"1698765432000 1698765433000\"}",
	};

	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		char *t = redact_raw(r, CX_FRAME_IN, keep[i], NULL);
		cr_assert_str_eq(t, keep[i], "case %zu", i);
		free(t);
	}
	lc_redactor_free(r);
}

/* A seeded xorshift64*: a failing case is reproduced with CXTAPE_REDACT_SEED. */
static uint64_t prng_state;

static uint64_t
prng_seed(void)
{
	const char *env = getenv("CXTAPE_REDACT_SEED");

	prng_state = env && *env ? strtoull(env, NULL, 0) : 0x5eed0c4dULL;
	if (prng_state == 0)
		prng_state = 1;
	return prng_state;
}

static unsigned
rnd(unsigned n)
{
	prng_state ^= prng_state >> 12;
	prng_state ^= prng_state << 25;
	prng_state ^= prng_state >> 27;
	return (unsigned)((prng_state * 0x2545F4914F6CDD1DULL) >> 33) % n;
}

/* len digits (first one 2-9) with a Luhn check digit; valid=false makes it wrong. */
static void
gen_luhn(char *d, int len, bool valid)
{
	int sum = 0;

	d[0] = (char)('2' + rnd(8));
	for (int i = 1; i < len - 1; i++)
		d[i] = (char)('0' + rnd(10));
	for (int i = len - 2, pos = 1; i >= 0; i--, pos++) {
		int v = d[i] - '0';
		if (pos & 1)
			v = v * 2 > 9 ? v * 2 - 9 : v * 2;
		sum += v;
	}
	d[len - 1] = (char)('0' + (10 - sum % 10) % 10 + (valid ? 0 : 1 + rnd(9))) ;
	if (d[len - 1] > '9')
		d[len - 1] = (char)(d[len - 1] - 10);
	d[len] = 0;
}

static bool
luhn_str(const char *d, size_t n)
{
	int sum = 0;

	for (size_t i = n, pos = 0; i-- > 0; pos++) {
		int v = d[i] - '0';
		if (pos & 1)
			v = v * 2 > 9 ? v * 2 - 9 : v * 2;
		sum += v;
	}
	return sum % 10 == 0;
}

/* Does any window of whole groups (13-19 digits) pass the Luhn check? */
static bool
any_window_luhn(const char *d, const int *g, int ng)
{
	for (int a = 0, at = 0; a < ng; at += g[a], a++)
		for (int b = a, n = 0; b < ng; b++) {
			n += g[b];
			if (n >= 13 && n <= 19 && luhn_str(d + at, (size_t)n))
				return true;
		}
	return false;
}

/* Group sizes for len digits: a named layout when it fits, else fours or random (3-7). */
static int
gen_layout(int len, int layout, int *g)
{
	static const int l16[] = {4, 4, 4, 4}, l15[] = {4, 6, 5}, l19[] = {4, 4, 4, 4, 3};
	const int *named = len == 16 ? l16 : len == 15 ? l15 : len == 19 ? l19 : NULL;
	int ng = 0, left = len;

	if (layout == 0) {
		g[0] = len;
		return 1;
	}
	if (layout == 1 && named != NULL) {
		ng = len == 16 ? 4 : len == 15 ? 3 : 5;
		memcpy(g, named, sizeof(int) * (size_t)ng);
		return ng;
	}
	if (layout == 2) {
		for (; left > 4; left -= 4)
			g[ng++] = 4;
		g[ng++] = left;
		return ng;
	}
	while (left > 0) {
		int n = 3 + (int)rnd(5);
		if (left - n < 3)
			n = left;
		g[ng++] = n;
		left -= n;
	}
	return ng;
}

enum card_ctx { CTX_TEXT, CTX_JSON, CTX_JSON_URL, CTX_QUERY, CTX_FORM, CTX_N };

/* Every separator, as it is written in each context. */
static const char *const seps_text[] = {" ", "  ", "\t", "-", ".", "/", "+", "\xc2\xa0",
	"\xe2\x80\x87", "\xe2\x80\xaf", "\xe2\x80\x89", "\xe3\x80\x80", "\xe2\x80\x93", NULL};
static const char *const seps_json[] = {" ", "\\t", "-", ".", "/", "\\/", "\xc2\xa0",
	"\\u00a0", "\\u00A0", "\\u2007", "\\u202f", "\\u2009", "\\u3000", "\xe2\x80\x87",
	"\xe2\x80\xaf", "\xe2\x80\x89", "\xe3\x80\x80", "\\u0020", NULL};
static const char *const seps_query[] = {"%20", "+", "-", ".", "%2D", "%2e", "%2F", "%09",
	"%C2%A0", "%E2%80%87", "%e2%80%af", "%E2%80%89", "%E3%80%80", NULL};

static const char *const *
ctx_seps(enum card_ctx c)
{
	return c == CTX_TEXT ? seps_text : c == CTX_JSON ? seps_json : seps_query;
}

static size_t
sep_count(const char *const *v)
{
	size_t n = 0;

	while (v[n] != NULL)
		n++;
	return n;
}

/* The number written with 1-3 separators between groups (at most 6 units); one class, or mixed. */
static void
gen_written(char *out, size_t cap, const char *d, const int *g, int ng, enum card_ctx c,
    int cls)
{
	const char *const *seps = ctx_seps(c);
	size_t ns = sep_count(seps), o = 0;

	out[0] = 0;
	for (int k = 0, at = 0; k < ng; at += g[k], k++) {
		if (k > 0)
			for (unsigned u = 1 + rnd(3), i = 0; i < u; i++)
				o += (size_t)snprintf(out + o, cap - o, "%s",
				    seps[cls >= 0 ? (size_t)cls : rnd((unsigned)ns)]);
		o += (size_t)snprintf(out + o, cap - o, "%.*s", g[k], d + at);
	}
}

/* The event text around the written number, for each context. */
static void
gen_event_text(char *out, size_t cap, enum card_ctx c, const char *num)
{
	static const char *const fmt[] = {
		"pay %s now", "{\"type\":\"message\",\"text\":\"card: %s thanks\"}",
		"{\"text\":\"see https://pay.test/p?card=%s&x=1\"}",
		"/api/pay?amount=10&card=%s&x=1", "amount=10&card=%s&x=1",
	};

	snprintf(out, cap, fmt[c], num);
}

/* The redacted text of one generated case (path for CTX_QUERY); caller frees. */
static char *
redact_ctx(const lc_redactor *r, enum card_ctx c, const char *text)
{
	if (c == CTX_QUERY)
		return redact_path(r, text);
	return redact_raw(r, c == CTX_FORM ? CX_HTTP_REQUEST : CX_FRAME_IN, text, NULL);
}

/* text with every separator form of every context removed: what a reader would join. */
static void
strip_seps(const char *text, char *out)
{
	const char *const *all[] = {seps_text, seps_json, seps_query};

	while (*text) {
		size_t best = 0;
		for (size_t v = 0; v < 3; v++)
			for (size_t k = 0; all[v][k] != NULL; k++) {
				size_t n = strlen(all[v][k]);
				if (n > best && strncmp(text, all[v][k], n) == 0)
					best = n;
			}
		if (best == 0)
			*out++ = *text++;
		else
			text += best;
	}
	*out = 0;
}

/* NULL, or the first 13-19 digit Luhn-valid window left in text once separators go. */
static const char *
card_survivor(const char *text, char *joined)
{
	strip_seps(text, joined);
	for (const char *p = joined; *p; p++) {
		size_t n = 0;
		while (p[n] >= '0' && p[n] <= '9')
			n++;
		for (size_t i = 0; i + 13 <= n; i++)
			for (size_t len = 13; len <= 19 && i + len <= n; len++)
				if (luhn_str(p + i, len))
					return p + i;
		p += n > 0 ? n - 1 : 0;
	}
	return NULL;
}

static void
check_masked(const lc_redactor *r, enum card_ctx c, const char *d, const char *text,
    uint64_t seed, unsigned iter)
{
	char *t = redact_ctx(r, c, text), joined[1024], mask[32];
	const char *left;

	snprintf(mask, sizeof(mask), c >= CTX_QUERY ? "%%5Bcard:****%s%%5D" : "[card:****%s]",
	    d + strlen(d) - 4);
	left = card_survivor(t, joined);
	cr_assert_null(left, "seed %#llx case %u: a card survives (%.19s): in %s out %s",
	    (unsigned long long)seed, iter, left ? left : "", text, t);
	cr_assert_not_null(strstr(t, mask), "seed %#llx case %u: no %s in: in %s out %s",
	    (unsigned long long)seed, iter, mask, text, t);
	if (c == CTX_JSON || c == CTX_JSON_URL)
		assert_json_ok(t);
	free(t);
}

Test(redact_props, every_length_separator_layout_and_context_is_masked)
{
	lc_redactor *r = redactor(KEY_A, 0);
	uint64_t seed = prng_seed();
	unsigned iter = 0;
	char d[24], num[512], text[1024];
	int g[24];

	for (int c = 0; c < CTX_N; c++) {
		int nsep = (int)sep_count(ctx_seps((enum card_ctx)c));
		for (int len = 13; len <= 19; len++)
			for (int layout = 0; layout < 4; layout++)
				for (int cls = -1; cls < nsep; cls++)
					for (int rep = 0; rep < 3; rep++, iter++) {
						int ng;
						gen_luhn(d, len, true);
						ng = gen_layout(len, layout, g);
						gen_written(num, sizeof(num), d, g, ng, (enum card_ctx)c, cls);
						gen_event_text(text, sizeof(text), (enum card_ctx)c, num);
						check_masked(r, (enum card_ctx)c, d, text, seed, iter);
					}
	}
	cr_assert_gt(iter, 5000u);
	lc_redactor_free(r);
}

/* The event must come back byte for byte. */
static void
check_kept(const lc_redactor *r, enum card_ctx c, const char *text, uint64_t seed,
    unsigned iter)
{
	char *t = redact_ctx(r, c, text);

	cr_assert_str_eq(t, text, "seed %#llx case %u: changed: in %s out %s",
	    (unsigned long long)seed, iter, text, t);
	free(t);
}

Test(redact_props, luhn_invalid_numbers_timestamps_and_ids_are_kept)
{
	lc_redactor *r = redactor(KEY_A, 0);
	uint64_t seed = prng_seed();
	char d[24], num[512], text[1024], id[600];
	int g[24];

	for (unsigned iter = 0; iter < 4000; iter++) {
		enum card_ctx c = (enum card_ctx)rnd(CTX_N);
		int len = 13 + (int)rnd(7), ng;

		/* Luhn-invalid, any separators, and no group window a card of its own */
		do {
			gen_luhn(d, len, false);
			ng = gen_layout(len, (int)rnd(4), g);
		} while (any_window_luhn(d, g, ng));
		gen_written(num, sizeof(num), d, g, ng, c, -1);
		gen_event_text(text, sizeof(text), c, num);
		check_kept(r, c, text, seed, iter);
		/* a valid number inside an id: c-4111..., x4111..., id_4111... */
		gen_luhn(d, len, true);
		snprintf(id, sizeof(id), "%s%s", (const char *[]){"c-", "x", "id_", "m."}[rnd(4)], d);
		gen_event_text(text, sizeof(text), c, id);
		check_kept(r, c, text, seed, iter);
		/* epoch ms, us, ns in a string and any Luhn-valid number as a JSON number */
		gen_luhn(d, (int)(13 + 3 * rnd(3)), true);
		d[0] = '1';
		gen_event_text(text, sizeof(text), CTX_JSON, d);
		check_kept(r, CTX_JSON, text, seed, iter);
		gen_luhn(d, len, true);
		snprintf(text, sizeof(text), "{\"type\":\"ack\",\"timestamp\":%s}", d);
		check_kept(r, CTX_JSON, text, seed, iter);
	}
	lc_redactor_free(r);
}

Test(redact_props, dates_ips_and_versions_in_runs_are_kept)
{
	lc_redactor *r = redactor(KEY_A, 0);
	uint64_t seed = prng_seed();
	static const char *const joins[] = {" ", ", ", "  ", " / ", "\xc2\xa0"};
	char text[1024], run[800];

	for (unsigned iter = 0; iter < 3000; iter++) {
		size_t o = 0;
		unsigned kind = rnd(3), items = 2 + rnd(5);

		for (unsigned k = 0; k < items; k++) {
			if (k > 0)
				o += (size_t)snprintf(run + o, sizeof(run) - o, "%s", joins[rnd(5)]);
			if (kind == 0) {   /* dates: 2023/10/31, 31.10.2023, 2023-10-31 */
				unsigned y = 1990 + rnd(60), m = 1 + rnd(12), dd = 1 + rnd(28), f = rnd(3);
				if (f == 1)
					o += (size_t)snprintf(run + o, sizeof(run) - o, "%02u.%02u.%04u", dd, m, y);
				else
					o += (size_t)snprintf(run + o, sizeof(run) - o, f == 0 ?
					    "%04u/%02u/%02u" : "%04u-%02u-%02u", y, m, dd);
			} else if (kind == 1)
				o += (size_t)snprintf(run + o, sizeof(run) - o, "%u.%u.%u.%u",
				    rnd(256), rnd(256), rnd(256), rnd(256));
			else
				o += (size_t)snprintf(run + o, sizeof(run) - o, "%u.%u.%u", rnd(30),
				    rnd(100), rnd(1000));
		}
		gen_event_text(text, sizeof(text), rnd(2) ? CTX_TEXT : CTX_JSON, run);
		check_kept(r, text[0] == '{' ? CTX_JSON : CTX_TEXT, text, seed, iter);
	}
	lc_redactor_free(r);
}

Test(redact, bearer_in_prose_needs_a_token_shaped_word)
{
	lc_redactor *r = redactor(KEY_A, 0);
	char *t;

	t = redact_raw(r, CX_FRAME_IN, "{\"text\":\"Bearer token expired.\"}", NULL);
	cr_assert_str_eq(t, "{\"text\":\"Bearer token expired.\"}");
	free(t);
	t = redact_raw(r, CX_FRAME_IN, "{\"text\":\"header was Bearer abc\\/def9.\"}", NULL);
	cr_assert(strstr(t, pseudo(r, "abc/def9")) != NULL, "%s", t);
	cr_assert(strstr(t, "].\"}") != NULL, "sentence dot kept: %s", t);
	free(t);
	lc_redactor_free(r);
}

Test(redact, token_refresh_and_reason_and_annotation_are_scanned)
{
	lc_redactor *r = redactor(KEY_A, 0);
	lc_redact_scratch s;
	cx_event in = ev_raw(CX_TOKEN_REFRESH, "{\"access_token\":\"T0k3n\",\"expires_in\":3600}");
	cx_event out;

	in.reason = lc_bytes_str("refresh failed for Bearer T0k3n");
	lc_redact_scratch_init(&s);
	cr_assert_eq(lc_redact_event(r, &in, &out, &s), LC_OK);
	cr_assert_null(memmem(out.raw.ptr, out.raw.len, "T0k3n", 5));
	cr_assert_null(memmem(out.reason.ptr, out.reason.len, "T0k3n", 5));
	cr_assert_not_null(memmem(out.reason.ptr, out.reason.len, pseudo(r, "T0k3n"), LC_PSEUDONYM_LEN));
	lc_redact_scratch_free(&s);
	lc_redactor_free(r);
}

Test(redact, binary_frames_are_not_rewritten)
{
	lc_redactor *r = redactor(KEY_A, 0);
	lc_redact_scratch s;
	cx_event in = ev_raw(CX_FRAME_IN, "token=abc 4111111111111111"), out;

	in.flags = CX_F_BINARY;
	lc_redact_scratch_init(&s);
	cr_assert_eq(lc_redact_event(r, &in, &out, &s), LC_OK);
	cr_assert_eq(out.raw.ptr, in.raw.ptr);
	lc_redact_scratch_free(&s);
	lc_redactor_free(r);
}

Test(redact, hostile_inputs_do_not_crash)
{
	lc_redactor *r = redactor(KEY_A, 0);
	lc_redact_scratch s;
	size_t n = LC_FRAME_MAX;
	char *big = malloc(n + 1);
	static const char *odd[] = {
		"{\"password\":\"unterminated", "{\"password\"", "{\"password\":", "\"", "\\",
		"{\"a\":\"\\", "token=", "Bearer ", "bearer", "{\"p\\\":\"x\"}",
		"{\"password\":\"\xff\xfe\xc3(\\ud800\\u12\"}", "4111-", "4111 1111 1111 1111 ",
		"=token=x=&&=",
	};
	cx_event in, out;

	lc_redact_scratch_init(&s);
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		in = ev_raw(CX_FRAME_IN, odd[i]);
		cr_assert_eq(lc_redact_event(r, &in, &out, &s), LC_OK, "input %zu", i);
		in = ev_raw(CX_HTTP_REQUEST, odd[i]);
		in.path = lc_bytes_str(odd[i]);
		cr_assert_eq(lc_redact_event(r, &in, &out, &s), LC_OK, "input %zu", i);
	}
	/* 1 MiB of "token=a&": every value becomes a pseudonym; the growth hits the cap or fits */
	for (size_t i = 0; i < n; i++)
		big[i] = "token=a&"[i % 8];
	big[n] = 0;
	in = ev_raw(CX_HTTP_REQUEST, big);
	lc_status rc = lc_redact_event(r, &in, &out, &s);
	cr_assert(rc == LC_OK || rc == LC_ETOOBIG, "rc %d", rc);
	if (rc == LC_OK)
		cr_assert_null(memmem(out.raw.ptr, out.raw.len, "=a&", 3));
	/* 1 MiB of digits, quotes, backslashes */
	memset(big, '4', n);
	in = ev_raw(CX_FRAME_IN, big);
	cr_assert_eq(lc_redact_event(r, &in, &out, &s), LC_OK);
	for (size_t i = 0; i < n; i++)
		big[i] = "\"\\4 "[i % 4];
	cr_assert_eq(lc_redact_event(r, &in, &out, &s), LC_OK);
	free(big);
	lc_redact_scratch_free(&s);
	lc_redact_scratch_free(NULL);
	lc_redactor_free(NULL);
	lc_redactor_free(r);
}

/* ---- key files ---- */

static char *
tmpdir_make(void)
{
	char tmpl[] = "/tmp/cxtape-redact-XXXXXX";
	char *d = mkdtemp(tmpl);

	cr_assert_not_null(d);
	return strdup(d);
}

Test(redact_key, missing_key_file_is_created_0600_in_a_0700_directory)
{
	char *dir = tmpdir_make();
	char path[600], sub[512];
	lc_redactor *r1 = NULL, *r2 = NULL;
	lc_err err = LC_ERR_INIT;
	struct stat st;
	char a[LC_PSEUDONYM_LEN + 1], b[LC_PSEUDONYM_LEN + 1];

	snprintf(sub, sizeof(sub), "%s/cfg/cxtape", dir);
	snprintf(path, sizeof(path), "%s/redact.key", sub);
	cr_assert_eq(lc_redactor_open(path, 0, &r1, &err), LC_OK, "%s", lc_err_text(&err));
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	cr_assert_eq(st.st_size, 32);
	cr_assert_eq(stat(sub, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
	/* reopening reads the same key: same pseudonyms */
	cr_assert_eq(lc_redactor_open(path, 0, &r2, &err), LC_OK, "%s", lc_err_text(&err));
	lc_redact_pseudonym(r1, "x", 1, a);
	lc_redact_pseudonym(r2, "x", 1, b);
	cr_assert_str_eq(a, b);
	lc_redactor_free(r1);
	lc_redactor_free(r2);
	unlink(path);
	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/cfg", dir);
	rmdir(sub);
	rmdir(dir);
	free(dir);
}

Test(redact_key, readable_key_file_is_refused_with_chmod_advice)
{
	char *dir = tmpdir_make();
	char path[512];
	lc_redactor *r = NULL;
	lc_err err = LC_ERR_INIT;

	snprintf(path, sizeof(path), "%s/redact.key", dir);
	cr_assert_eq(lc_redactor_open(path, 0, &r, &err), LC_OK, "%s", lc_err_text(&err));
	lc_redactor_free(r);
	r = NULL;
	cr_assert_eq(chmod(path, 0644), 0);
	cr_assert_eq(lc_redactor_open(path, 0, &r, &err), LC_EPERM);
	cr_assert_null(r);
	cr_assert(strstr(err.msg, "chmod 600") != NULL && strstr(err.msg, path) != NULL, "%s",
	    err.msg);
	unlink(path);
	rmdir(dir);
	free(dir);
}

Test(redact_key, short_key_file_is_refused)
{
	char *dir = tmpdir_make();
	char path[512];
	lc_redactor *r = NULL;
	lc_err err = LC_ERR_INIT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/redact.key", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("short", f);
	fclose(f);
	cr_assert_eq(chmod(path, 0600), 0);
	cr_assert_eq(lc_redactor_open(path, 0, &r, &err), LC_ECONFIG);
	cr_assert(strstr(err.msg, path) != NULL, "%s", err.msg);
	unlink(path);
	rmdir(dir);
	free(dir);
}

Test(redact_key, env_var_names_the_key_file)
{
	char *dir = tmpdir_make();
	char path[512];
	lc_redactor *r = NULL;
	lc_err err = LC_ERR_INIT;
	struct stat st;

	snprintf(path, sizeof(path), "%s/from-env.key", dir);
	setenv("CXTAPE_KEY_FILE", path, 1);
	cr_assert_eq(lc_redactor_open(NULL, 0, &r, &err), LC_OK, "%s", lc_err_text(&err));
	unsetenv("CXTAPE_KEY_FILE");
	cr_assert_eq(stat(path, &st), 0);
	lc_redactor_free(r);
	unlink(path);
	rmdir(dir);
	free(dir);
}
