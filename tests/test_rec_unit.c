/* SPDX-License-Identifier: MIT */
/* test_rec_unit: the recorder's pure parts — backoff, token bucket, URLs, skills, capacity, import. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lc_evjson.h"
#include "lc_tape.h"
#include "rec_agent.h"
#include "rec_api.h"
#include "rec_import.h"
#include "rec_pace.h"
#include "rec_stream.h"

Test(rec_backoff, delays_stay_within_doubling_ceiling_and_cap)
{
	rec_backoff b;
	uint32_t expect[] = {2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000};

	rec_backoff_init(&b, 2000, 60000, 42);
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		cr_assert_eq(rec_backoff_ceiling_ms(&b), expect[i], "attempt %zu", i);
		cr_assert_leq(rec_backoff_next_ms(&b), expect[i]);
	}
	b.attempt = 4000000000u;   /* no overflow however long it has been failing */
	cr_assert_eq(rec_backoff_ceiling_ms(&b), 60000);
	rec_backoff_reset(&b);
	cr_assert_eq(rec_backoff_ceiling_ms(&b), 2000);
}

Test(rec_backoff, jitter_is_full_spread_over_zero_to_ceiling)
{
	rec_backoff b;
	uint32_t lo = UINT32_MAX, hi = 0;
	double sum = 0;

	rec_backoff_init(&b, 2000, 60000, 7);
	for (int i = 0; i < 4000; i++) {
		uint32_t d;
		b.attempt = 0;
		d = rec_backoff_next_ms(&b);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
		sum += d;
	}
	cr_assert_lt(lo, 100, "full jitter reaches near 0 (min %u)", lo);
	cr_assert_gt(hi, 1900, "and near the ceiling (max %u)", hi);
	cr_assert(sum / 4000 > 850 && sum / 4000 < 1150, "mean %.0f is about half the ceiling", sum / 4000);
}

Test(rec_bucket, burst_then_rate_and_a_refused_send_learns_its_wait)
{
	rec_bucket b;
	int64_t t = 1000000000, wait = 0;
	int ok = 0;

	rec_bucket_init(&b, 10, 20, t);
	while (rec_bucket_take(&b, t, &wait))
		ok++;
	cr_assert_eq(ok, 20, "burst of 20");
	cr_assert(wait > 99000000 && wait <= 100000001, "next token in 100 ms, got %lld", (long long)wait);
	cr_assert_not(rec_bucket_take(&b, t + 50000000, NULL));
	cr_assert(rec_bucket_take(&b, t + 100000001, NULL));
	/* one second later: 10 more, not 20 */
	ok = 0;
	while (rec_bucket_take(&b, t + 1100000002, NULL))
		ok++;
	cr_assert_eq(ok, 10);
}

Test(rec_agent, availability_is_the_free_share_of_capacity)
{
	cr_assert_float_eq(rec_agent_availability(0, 4), 1.0, 1e-9);
	cr_assert_float_eq(rec_agent_availability(1, 4), 0.75, 1e-9);
	cr_assert_float_eq(rec_agent_availability(3, 4), 0.25, 1e-9);
	cr_assert_float_eq(rec_agent_availability(4, 4), 0.0, 1e-9);
	cr_assert_float_eq(rec_agent_availability(9, 4), 0.0, 1e-9);
	cr_assert_float_eq(rec_agent_availability(0, 0), 0.0, 1e-9);
}

Test(rec_stream, url_maps_http_to_ws_and_keeps_port_and_prefix)
{
	char host[64], path[128];
	bool tls;
	int port;

	cr_assert(rec_stream_url("http://127.0.0.1:8080", &tls, host, sizeof(host), &port, path, sizeof(path)));
	cr_assert_not(tls);
	cr_assert_str_eq(host, "127.0.0.1");
	cr_assert_eq(port, 8080);
	cr_assert_str_eq(path, "/api/v2/chat/stream");
	cr_assert(rec_stream_url("https://acme.cxone.com/", &tls, host, sizeof(host), &port, path, sizeof(path)));
	cr_assert(tls);
	cr_assert_eq(port, 443);
	cr_assert_str_eq(host, "acme.cxone.com");
	cr_assert(rec_stream_url("https://h:9443/base/", &tls, host, sizeof(host), &port, path, sizeof(path)));
	cr_assert_str_eq(path, "/base/api/v2/chat/stream");
	cr_assert_not(rec_stream_url("ftp://h", &tls, host, sizeof(host), &port, path, sizeof(path)));
	cr_assert_not(rec_stream_url("http://h:99999", &tls, host, sizeof(host), &port, path, sizeof(path)));
}

Test(lc_http, url_host_is_the_site_name)
{
	char h[64];

	lc_url_host("https://acme.cxone.com/x", h, sizeof(h));
	cr_assert_str_eq(h, "acme.cxone.com");
	lc_url_host("http://127.0.0.1:4040", h, sizeof(h));
	cr_assert_str_eq(h, "127.0.0.1");
}

Test(lc_oauth_api, skill_flags_parse_name_and_proficiency)
{
	rec_skill s;
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(rec_skill_parse("billing:7", &s, &err), LC_OK);
	cr_assert_str_eq(s.name, "billing");
	cr_assert_eq(s.proficiency, 7);
	cr_assert_eq(rec_skill_parse("shipping", &s, &err), LC_OK);
	cr_assert_eq(s.proficiency, -1);
	cr_assert_eq(rec_skill_parse("x:11", &s, &err), LC_EINVAL);
	lc_err_clear(&err);
	cr_assert_eq(rec_skill_parse(":3", &s, &err), LC_EINVAL);
	cr_assert(strstr(lc_err_text(&err), "NAME") != NULL);
}

/* ------------------------------------------------------------------ import */

typedef struct tmpdir {
	char dir[128];
	lc_redactor *red;
} tmpdir;

static lc_tape *
tape_new(tmpdir *td)
{
	static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";
	lc_tape_opts o;
	lc_tape *t = NULL;

	snprintf(td->dir, sizeof(td->dir), "/tmp/test-rec-unit-XXXXXX");
	cr_assert_not_null(mkdtemp(td->dir));
	cr_assert_eq(lc_redactor_from_key(key, sizeof(key), 0, &td->red, NULL), LC_OK);
	lc_tape_opts_init(&o);
	o.redactor = td->red;
	cr_assert_eq(lc_tape_open_write(td->dir, &o, &t, NULL), LC_OK);
	return t;
}

static void
tape_done(tmpdir *td, lc_tape *t)
{
	char cmd[256];

	cr_assert_eq(lc_tape_close(t, NULL), LC_OK);
	lc_redactor_free(td->red);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", td->dir);
	cr_assert_eq(system(cmd), 0);
}

static const char transcript[] =
	"{\"conversationId\":\"c-imp-1\",\"messages\":["
	"{\"messageId\":\"m-1\",\"from\":{\"type\":\"customer\",\"id\":\"cust-9\"},\"text\":\"my card 4111 1111 1111 1111\",\"timestamp\":1698765432000},"
	"{\"messageId\":\"m-2\",\"from\":{\"type\":\"agent\",\"id\":\"agent-1\"},\"text\":\"on it \\\"now\\\"\",\"timestamp\":1698765433500}"
	"],\"nextPageToken\":null}";

Test(rec_import, transcript_messages_become_imported_frames_at_their_timestamps)
{
	tmpdir td;
	lc_tape *t = tape_new(&td);
	lc_cursor *c;
	const cx_event *ev;
	uint64_t n = 0;
	int seen = 0;

	cr_assert_eq(rec_import_transcript(t, lc_bytes_str(transcript), "t.json", &n, NULL), LC_OK);
	cr_assert_eq(n, 2);
	cr_assert_eq(lc_tape_flush(t, NULL), LC_OK);
	cr_assert_eq(lc_cursor_open(t, NULL, &c, NULL), LC_OK);
	while (lc_cursor_next(c, &ev, NULL) == LC_OK) {
		if (ev->kind != CX_FRAME_IN)
			continue;
		cr_assert(ev->flags & CX_F_IMPORTED);
		cr_assert(lc_bytes_eq_str(ev->conversation, "c-imp-1"));
		cr_assert_eq(ev->wall_ns, ev->mono_ns);
		if (seen == 0) {
			cr_assert_eq(ev->wall_ns, 1698765432000LL * 1000000);
			cr_assert(memmem(ev->raw.ptr, ev->raw.len, "\"type\":\"customer\"", 17) != NULL);
			cr_assert(memmem(ev->raw.ptr, ev->raw.len, "4111 1111 1111 1111", 19) == NULL,
			          "the card number is masked like live capture");
		} else {
			cr_assert_eq(ev->wall_ns, 1698765433500LL * 1000000);
			cr_assert(memmem(ev->raw.ptr, ev->raw.len, "on it \\\"now\\\"", 13) != NULL);
		}
		seen++;
	}
	cr_assert_eq(seen, 2);
	lc_cursor_close(c);
	tape_done(&td, t);
}

Test(rec_import, a_file_without_messages_is_refused_with_its_name)
{
	tmpdir td;
	lc_tape *t = tape_new(&td);
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(rec_import_transcript(t, lc_bytes_str("{\"conversationId\":\"c-1\"}"), "x.json", NULL, &err),
	             LC_EPARSE);
	cr_assert(strstr(lc_err_text(&err), "x.json") && strstr(lc_err_text(&err), "messages"));
	tape_done(&td, t);
}

Test(rec_import, evjson_lines_round_trip_with_the_imported_flag)
{
	tmpdir td;
	lc_tape *t = tape_new(&td);
	char path[200];
	lc_buf lines;
	cx_event ev;
	lc_cursor *c;
	const cx_event *got;
	uint64_t n = 0;
	FILE *f;
	int frames = 0;

	lc_buf_init(&lines, 1 << 20);
	memset(&ev, 0, sizeof(ev));
	ev.kind = CX_FRAME_IN;
	ev.wall_ns = 1700000000123456789LL;
	ev.mono_ns = 55;
	ev.conversation = lc_bytes_str("c-j");
	ev.raw = lc_bytes_str("{\"type\":\"message\",\"conversationId\":\"c-j\",\"text\":\"hi\"}");
	cr_assert_eq(lc_evjson_append(&lines, &ev), LC_OK);
	ev.kind = CX_FRAME_OUT;
	ev.raw = lc_bytes_str("{\"type\":\"typing\",\"conversationId\":\"c-j\"}");
	cr_assert_eq(lc_evjson_append(&lines, &ev), LC_OK);
	snprintf(path, sizeof(path), "%s.jsonl", td.dir);
	cr_assert_not_null(f = fopen(path, "w"));
	cr_assert_eq(fwrite(lines.ptr, 1, lines.len, f), lines.len);
	fclose(f);
	cr_assert_eq(rec_import_file(t, path, &n, NULL), LC_OK);
	cr_assert_eq(n, 2);
	cr_assert_eq(lc_tape_flush(t, NULL), LC_OK);
	cr_assert_eq(lc_cursor_open(t, NULL, &c, NULL), LC_OK);
	while (lc_cursor_next(c, &got, NULL) == LC_OK) {
		if (got->kind != CX_FRAME_IN && got->kind != CX_FRAME_OUT)
			continue;
		cr_assert(got->flags & CX_F_IMPORTED);
		cr_assert_eq(got->wall_ns, 1700000000123456789LL, "64-bit times survive");
		cr_assert_eq(got->kind, frames == 0 ? CX_FRAME_IN : CX_FRAME_OUT);
		frames++;
	}
	cr_assert_eq(frames, 2);
	lc_cursor_close(c);
	unlink(path);
	lc_buf_free(&lines);
	tape_done(&td, t);
}
