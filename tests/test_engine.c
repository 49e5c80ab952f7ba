/* SPDX-License-Identifier: MIT */
/* Tests for an_engine: SLA, response times, rate limits, connection health on hand-built events. */
#include <cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "an_engine.h"

#define MS 1000000LL
#define T0 (1698765432000LL * MS)

/* Findings collected as JSON lines, one string. */
typedef struct sink {
	lc_buf lines;
	int counts[AN_F_KIND_MAX + 1];
} sink;

static void
on_finding(const an_finding *f, void *ud)
{
	sink *s = ud;

	s->counts[f->kind]++;
	cr_assert_eq(an_finding_json(f, &s->lines), LC_OK);
	cr_assert_eq(lc_buf_append_str(&s->lines, "\n"), LC_OK);
}

typedef struct fixture {
	an_engine *e;
	sink s;
	uint64_t seq;
	const char *session;
} fixture;

static void
fx_open(fixture *fx, const an_config *cfg)
{
	an_config def;
	lc_err err = LC_ERR_INIT;

	if (cfg == NULL) {
		an_config_default(&def);
		cfg = &def;
	}
	memset(fx, 0, sizeof(*fx));
	lc_buf_init(&fx->s.lines, 1 << 24);
	fx->session = "s-1";
	cr_assert_eq(an_engine_new(cfg, NULL, NULL, on_finding, &fx->s, &fx->e, &err), LC_OK, "%s",
	    lc_err_text(&err));
}

static void
fx_close(fixture *fx)
{
	an_engine_free(fx->e);
	lc_buf_free(&fx->s.lines);
}

static void
feed(fixture *fx, cx_kind kind, int64_t at_ms, const char *raw, const cx_event *meta)
{
	cx_event ev;

	if (meta != NULL)
		ev = *meta;
	else
		memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.seq = ++fx->seq;
	ev.wall_ns = T0 + at_ms * MS;
	ev.mono_ns = 5000 * MS + at_ms * MS;
	ev.session = lc_bytes_str(fx->session);
	if (raw != NULL)
		ev.raw = lc_bytes_str(raw);
	cr_assert_eq(an_engine_feed(fx->e, &ev), LC_OK);
}

static void
out_msg(fixture *fx, int64_t at, const char *conv, const char *mid, const char *text)
{
	char raw[512];

	snprintf(raw, sizeof(raw), "{\"type\":\"message\",\"conversationId\":\"%s\",\"messageId\":\"%s\","
	    "\"text\":\"%s\",\"timestamp\":%lld}", conv, mid, text, (long long)(1698765432000LL + at));
	feed(fx, CX_FRAME_OUT, at, raw, NULL);
}

static void
in_msg(fixture *fx, int64_t at, const char *conv, const char *from, const char *mid, const char *text)
{
	char raw[512];

	snprintf(raw, sizeof(raw), "{\"type\":\"message\",\"conversationId\":\"%s\",\"messageId\":\"%s\","
	    "\"from\":{\"type\":\"%s\",\"id\":\"x\"},\"text\":\"%s\",\"timestamp\":1}", conv, mid, from, text);
	feed(fx, CX_FRAME_IN, at, raw, NULL);
}

static void
ack(fixture *fx, int64_t at, const char *mid)
{
	char raw[256];

	snprintf(raw, sizeof(raw), "{\"type\":\"ack\",\"messageId\":\"%s\",\"timestamp\":1}", mid);
	feed(fx, CX_FRAME_IN, at, raw, NULL);
}

static cJSON *
report(fixture *fx)
{
	lc_buf b;
	cJSON *j;

	lc_buf_init(&b, 1 << 24);
	cr_assert_eq(an_engine_finish(fx->e), LC_OK);
	cr_assert_eq(an_engine_report(fx->e, AN_FORMAT_JSON, &b), LC_OK);
	j = cJSON_Parse((const char *)b.ptr);
	cr_assert_not_null(j, "report is not JSON: %s", (const char *)b.ptr);
	lc_buf_free(&b);
	return j;
}

static double
num(const cJSON *j, const char *path)
{
	char buf[256], *save = NULL, *tok;
	const cJSON *cur = j;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
		cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
		cr_assert_not_null(cur, "no %s in report (at %s)", path, tok);
	}
	cr_assert(cJSON_IsNumber(cur), "%s is not a number", path);
	return cur->valuedouble;
}

Test(engine, ack_latency_breach_and_unacked)
{
	fixture fx;
	cJSON *r;

	fx_open(&fx, NULL);
	in_msg(&fx, 0, "c-1", "customer", "m-c1", "hello");
	out_msg(&fx, 1000, "c-1", "m-1", "hi there");
	ack(&fx, 2500, "m-1");                                  /* 1500 ms: within */
	in_msg(&fx, 2600, "c-1", "agent", "m-1", "hi there");    /* echo after ack: not counted again */
	out_msg(&fx, 10000, "c-1", "m-2", "one moment");
	ack(&fx, 12500, "m-2");                                 /* 2500 ms: breach */
	out_msg(&fx, 20000, "c-1", "m-3", "still there?");      /* never acked */
	r = report(&fx);
	cr_assert_eq(num(r, "latency.count"), 2);
	cr_assert_eq(num(r, "latency.breaches"), 1);
	cr_assert_eq(num(r, "latency.within"), 1);
	cr_assert_eq(num(r, "latency.max_ms"), 2500);
	cr_assert_eq(num(r, "unacked"), 1);
	cr_assert_eq(fx.s.counts[AN_F_LATENCY_BREACH], 1);
	cr_assert_eq(fx.s.counts[AN_F_UNACKED], 1);
	cr_assert(strstr((char *)fx.s.lines.ptr,
	    "\"kind\":\"latency_breach\",\"seq\":6") != NULL, "%s", (char *)fx.s.lines.ptr);
	cr_assert(strstr((char *)fx.s.lines.ptr, "\"message_id\":\"m-2\",\"ms\":2500,\"threshold_ms\":2000"));
	cJSON_Delete(r);
	fx_close(&fx);
}

Test(engine, echo_counts_as_delivery_when_no_ack_comes)
{
	fixture fx;
	cJSON *r;

	fx_open(&fx, NULL);
	out_msg(&fx, 0, "c-1", "m-1", "hello");
	in_msg(&fx, 800, "c-1", "agent", "m-1", "hello");
	r = report(&fx);
	cr_assert_eq(num(r, "latency.count"), 1);
	cr_assert_eq(num(r, "latency.max_ms"), 800);
	cr_assert_eq(num(r, "unacked"), 0);
	cJSON_Delete(r);
	fx_close(&fx);
}

Test(engine, response_time_runs_from_first_unanswered_customer_message)
{
	fixture fx;
	cJSON *r;

	fx_open(&fx, NULL);
	in_msg(&fx, 0, "c-1", "customer", "a", "I need help with billing");
	in_msg(&fx, 5000, "c-1", "customer", "b", "hello?");
	out_msg(&fx, 30000, "c-1", "m-1", "Sorry for the wait");        /* 30 s, first response */
	in_msg(&fx, 40000, "c-1", "customer", "c", "It is about my invoice");
	out_msg(&fx, 140000, "c-1", "m-2", "Let me check");             /* 100 s: breach */
	out_msg(&fx, 141000, "c-1", "m-3", "Found it");                 /* no one waiting */
	r = report(&fx);
	cr_assert_eq(num(r, "first_response.count"), 1);
	cr_assert_eq(num(r, "first_response.max_ms"), 30000);
	cr_assert_eq(num(r, "response.count"), 2);
	cr_assert_eq(num(r, "response.breaches"), 1);
	cr_assert_eq(num(r, "response.max_ms"), 100000);
	cr_assert_eq(fx.s.counts[AN_F_RESPONSE_BREACH], 1);
	cr_assert_eq(fx.s.counts[AN_F_FIRST_RESPONSE_BREACH], 0);
	cr_assert_eq(num(r, "messages.customer"), 3);
	cr_assert_eq(num(r, "messages.agent"), 3);
	cJSON_Delete(r);
	fx_close(&fx);
}

static void
http(fixture *fx, int64_t at, uint64_t exchange, int status, const char *retry_after)
{
	cx_event ev;
	cx_header h = {lc_bytes_str("Retry-After"), lc_bytes_str(retry_after ? retry_after : "")};

	memset(&ev, 0, sizeof(ev));
	ev.exchange = exchange;
	if (status == 0) {
		ev.method = lc_bytes_str("PUT");
		ev.path = lc_bytes_str("/api/v2/presence/users/u-42?x=1");
		feed(fx, CX_HTTP_REQUEST, at, "{\"status\":{\"statusName\":\"available\"}}", &ev);
	} else {
		ev.status = (uint16_t)status;
		if (retry_after != NULL) {
			ev.headers = &h;
			ev.n_headers = 1;
		}
		feed(fx, CX_HTTP_RESPONSE, at, "{}", &ev);
	}
}

static const cJSON *
endpoint(const cJSON *r, const char *name)
{
	const cJSON *eps = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "rate_limits"), "endpoints");
	const cJSON *ep;

	cJSON_ArrayForEach(ep, eps)
		if (strcmp(cJSON_GetObjectItem(ep, "endpoint")->valuestring, name) == 0)
			return ep;
	cr_assert_fail("no endpoint %s", name);
	return NULL;
}

Test(engine, rest_429_retry_after_honoured_violated_recovered)
{
	fixture fx;
	cJSON *r;
	const cJSON *ep;

	fx_open(&fx, NULL);
	http(&fx, 0, 1, 0, NULL);
	http(&fx, 10, 1, 429, "2");
	http(&fx, 1010, 2, 0, NULL);          /* waited 1000 ms of 2000: violated */
	http(&fx, 1020, 2, 429, "2");
	http(&fx, 3520, 3, 0, NULL);          /* waited 2500 ms: honoured */
	http(&fx, 3530, 3, 200, NULL);
	r = report(&fx);
	ep = endpoint(r, "PUT /api/v2/presence/users/{id}");
	cr_assert_eq(num(ep, "requests"), 3);
	cr_assert_eq(num(ep, "status_429"), 2);
	cr_assert_eq(num(ep, "violated"), 1);
	cr_assert_eq(num(ep, "honoured"), 1);
	cr_assert_eq(num(ep, "recovered"), 1);
	cr_assert_eq(num(ep, "exhausted"), 0);
	cr_assert_eq(fx.s.counts[AN_F_RATE_LIMITED], 2);
	cr_assert_eq(fx.s.counts[AN_F_RETRY_AFTER_VIOLATED], 1);
	cr_assert(strstr((char *)fx.s.lines.ptr, "\"waited_ms\":1000,\"retry_after_ms\":2000"));
	cJSON_Delete(r);
	fx_close(&fx);
}

Test(engine, rest_429_without_recovery_is_exhausted_at_the_end)
{
	fixture fx;
	cJSON *r;

	fx_open(&fx, NULL);
	http(&fx, 0, 1, 0, NULL);
	http(&fx, 10, 1, 429, "1");
	http(&fx, 1100, 2, 0, NULL);
	http(&fx, 1110, 2, 429, "1");
	r = report(&fx);
	cr_assert_eq(num(endpoint(r, "PUT /api/v2/presence/users/{id}"), "exhausted"), 1);
	cr_assert_eq(fx.s.counts[AN_F_RETRIES_EXHAUSTED], 1);
	cJSON_Delete(r);
	fx_close(&fx);
}

Test(engine, stream_429_resend_is_judged_and_latency_runs_from_the_resend)
{
	fixture fx;
	cJSON *r;

	fx_open(&fx, NULL);
	out_msg(&fx, 0, "c-1", "m-1", "hello");
	feed(&fx, CX_FRAME_IN, 50, "{\"type\":\"error\",\"code\":429,\"retryAfter\":2,\"messageId\":\"m-1\"}", NULL);
	out_msg(&fx, 3050, "c-1", "m-1", "hello");      /* waited 3000 of 2000: honoured */
	ack(&fx, 3150, "m-1");
	r = report(&fx);
	cr_assert_eq(num(r, "rate_limits.stream.status_429"), 1);
	cr_assert_eq(num(r, "rate_limits.stream.honoured"), 1);
	cr_assert_eq(num(r, "latency.max_ms"), 100);
	cr_assert_eq(num(r, "messages.agent"), 1, "a resend is not a second reply");
	cJSON_Delete(r);
	fx_close(&fx);
}

Test(engine, token_bucket_model_counts_what_it_would_throttle)
{
	fixture fx;
	an_config cfg;
	cJSON *r;
	char mid[16];

	an_config_default(&cfg);
	fx_open(&fx, &cfg);
	/* 25 sends 4 ms apart: burst 20, refill 10/s adds 0.04 per gap -> sends 20..24 held. */
	for (int i = 0; i < 25; i++) {
		snprintf(mid, sizeof(mid), "m-%d", i);
		out_msg(&fx, i * 4, "c-1", mid, "ok");
	}
	r = report(&fx);
	cr_assert_eq(num(r, "rate_limits.model.sends"), 25);
	cr_assert_eq(num(r, "rate_limits.model.would_throttle"), 5);
	cJSON_Delete(r);
	fx_close(&fx);

	/* What if the limit were 5/s with burst 5: the same sends, more held. */
	cfg.bucket_rate = 5;
	cfg.bucket_burst = 5;
	fx_open(&fx, &cfg);
	for (int i = 0; i < 25; i++) {
		snprintf(mid, sizeof(mid), "m-%d", i);
		out_msg(&fx, i * 4, "c-1", mid, "ok");
	}
	r = report(&fx);
	cr_assert_eq(num(r, "rate_limits.model.would_throttle"), 20);
	cJSON_Delete(r);
	fx_close(&fx);
}

Test(engine, disconnects_reconnects_idle_closes_and_handshake_429)
{
	fixture fx;
	cx_event ev;
	cx_header h = {lc_bytes_str("retry-after"), lc_bytes_str("5")};
	cJSON *r;

	fx_open(&fx, NULL);
	memset(&ev, 0, sizeof(ev));
	ev.status = 101;
	feed(&fx, CX_STREAM_OPEN, 0, NULL, &ev);
	memset(&ev, 0, sizeof(ev));
	ev.close_code = 1006;
	ev.reason = lc_bytes_str("connection reset");
	feed(&fx, CX_STREAM_CLOSE, 10000, NULL, &ev);
	memset(&ev, 0, sizeof(ev));
	ev.status = 429;
	ev.headers = &h;
	ev.n_headers = 1;
	feed(&fx, CX_STREAM_OPEN, 11000, NULL, &ev);
	memset(&ev, 0, sizeof(ev));
	ev.status = 101;
	feed(&fx, CX_STREAM_OPEN, 13000, NULL, &ev);    /* 2 s after a 5 s Retry-After: violated */
	memset(&ev, 0, sizeof(ev));
	ev.close_code = 1000;
	ev.reason = lc_bytes_str("idle timeout");
	feed(&fx, CX_STREAM_CLOSE, 80000, NULL, &ev);
	feed(&fx, CX_TOKEN_REFRESH, 81000, "{}", NULL);
	r = report(&fx);
	cr_assert_eq(num(r, "connection.connects"), 2);
	cr_assert_eq(num(r, "connection.disconnects"), 2);
	cr_assert_eq(num(r, "connection.reconnects"), 1);
	cr_assert_eq(num(r, "connection.reconnect_max_ms"), 3000);
	cr_assert_eq(num(r, "connection.idle_closes"), 1);
	cr_assert_eq(num(r, "connection.token_refreshes"), 1);
	cr_assert_eq(num(r, "rate_limits.handshake.status_429"), 1);
	cr_assert_eq(num(r, "rate_limits.handshake.violated"), 1);
	cr_assert_eq(fx.s.counts[AN_F_HANDSHAKE_REFUSED], 1);
	cJSON_Delete(r);
	fx_close(&fx);
}

Test(engine, malformed_frames_are_counted_and_the_stream_goes_on)
{
	fixture fx;
	cJSON *r;

	fx_open(&fx, NULL);
	feed(&fx, CX_FRAME_IN, 0, "{\"type\":\"message\",", NULL);
	feed(&fx, CX_FRAME_IN, 1, "\xff\xfe not json", NULL);
	in_msg(&fx, 2, "c-1", "customer", "a", "thanks, that fixed it");
	r = report(&fx);
	cr_assert_eq(num(r, "frames.malformed"), 2);
	cr_assert_eq(num(r, "messages.customer"), 1);
	cr_assert_eq(fx.s.counts[AN_F_MALFORMED], 2);
	cJSON_Delete(r);
	fx_close(&fx);
}

Test(engine, escalations_report_every_trigger_with_legal_first)
{
	fixture fx;
	cJSON *r;
	const char *esc;

	fx_open(&fx, NULL);
	in_msg(&fx, 0, "c-1", "customer", "a", "This is urgent: I want a supervisor or my lawyer will sue you");
	in_msg(&fx, 10, "c-1", "agent", "b", "My manager asked me to check your legal name");
	r = report(&fx);
	cr_assert_eq(fx.s.counts[AN_F_ESCALATION], 1, "agents' words are not escalations");
	esc = strstr((char *)fx.s.lines.ptr, "\"escalations\":[{\"trigger\":\"legal\"");
	cr_assert_not_null(esc, "%s", (char *)fx.s.lines.ptr);
	cr_assert(strstr(esc, "\"trigger\":\"complaint\"") && strstr(esc, "\"trigger\":\"urgent\""),
	    "%s", esc);
	cr_assert_eq(num(r, "escalations.legal"), 1);
	cr_assert_eq(num(r, "escalations.urgent"), 1);
	cJSON_Delete(r);
	fx_close(&fx);
}

/* The same events give byte-identical findings and reports, whatever else happens. */
Test(engine, same_events_same_bytes)
{
	lc_buf a, b;

	lc_buf_init(&a, 1 << 24);
	lc_buf_init(&b, 1 << 24);
	for (int run = 0; run < 2; run++) {
		fixture fx;
		lc_buf *out = run ? &b : &a;

		fx_open(&fx, NULL);
		for (int i = 0; i < 200; i++) {
			char conv[16], mid[16];

			snprintf(conv, sizeof(conv), "c-%d", i % 7);
			snprintf(mid, sizeof(mid), "m-%d", i);
			in_msg(&fx, i * 1000, conv, "customer", mid, i % 3 ? "this is still not working" : "thanks!");
			snprintf(mid, sizeof(mid), "a-%d", i);
			out_msg(&fx, i * 1000 + 300 + i * 13, conv, mid, "checking");
			if (i % 5)
				ack(&fx, i * 1000 + 400 + i * 17, mid);
		}
		cr_assert_eq(an_engine_finish(fx.e), LC_OK);
		cr_assert_eq(lc_buf_append(out, fx.s.lines.ptr, fx.s.lines.len), LC_OK);
		for (an_format f = AN_FORMAT_TEXT; f <= AN_FORMAT_CSV; f++)
			cr_assert_eq(an_engine_report(fx.e, f, out), LC_OK);
		fx_close(&fx);
	}
	cr_assert_eq(a.len, b.len);
	cr_assert(memcmp(a.ptr, b.ptr, a.len) == 0);
	lc_buf_free(&a);
	lc_buf_free(&b);
}

Test(engine, imported_transcripts_count_agent_echoes_as_replies)
{
	fixture fx;
	cx_event meta;
	cJSON *r;

	fx_open(&fx, NULL);
	memset(&meta, 0, sizeof(meta));
	meta.flags = CX_F_IMPORTED;
	feed(&fx, CX_FRAME_IN, 0, "{\"type\":\"message\",\"conversationId\":\"c-9\",\"from\":{\"type\":\"customer\"},\"text\":\"hi\"}", &meta);
	feed(&fx, CX_FRAME_IN, 4000, "{\"type\":\"message\",\"conversationId\":\"c-9\",\"from\":{\"type\":\"agent\"},\"text\":\"hello\"}", &meta);
	r = report(&fx);
	cr_assert_eq(num(r, "first_response.max_ms"), 4000);
	cr_assert_eq(num(r, "messages.agent"), 1);
	cJSON_Delete(r);
	fx_close(&fx);
}

Test(engine, config_keys_are_validated_with_clear_errors)
{
	an_config c;
	lc_err err = LC_ERR_INIT;

	an_config_default(&c);
	cr_assert_eq(an_config_set(&c, "latency_sla_ms", "1500", &err), LC_OK);
	cr_assert_eq(c.latency_sla_ms, 1500);
	cr_assert_eq(an_config_set(&c, "bucket_rate", "5", &err), LC_OK);
	cr_assert_eq(c.bucket_rate, 5.0);
	cr_assert_eq(an_config_set(&c, "latency_sla_ms", "soon", &err), LC_ECONFIG);
	cr_assert(strstr(err.msg, "latency_sla_ms") != NULL);
	lc_err_clear(&err);
	cr_assert_eq(an_config_set(&c, "no_such_key", "1", &err), LC_ECONFIG);
	cr_assert(strstr(err.msg, "unknown analyzer setting 'no_such_key'") != NULL);
}

/* Finding times are formatted by arithmetic: check them against gmtime over awkward dates. */
Test(engine, finding_times_match_gmtime)
{
	static const int64_t secs[] = {0, 951782400 /* 2000-02-29 */, 951868799, 1698765432,
	    4107542400 /* 2100-03-01 */, 9000000000 /* 2255-03-14, near the end of int64 ns */, 1709251199};
	fixture fx;

	fx_open(&fx, NULL);
	for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		cx_event ev;
		char want[64], got[64];
		struct tm tm;
		time_t t = (time_t)secs[i];
		const char *ts;

		memset(&ev, 0, sizeof(ev));
		ev.kind = CX_TOKEN_REFRESH;
		ev.seq = i + 1;
		ev.wall_ns = secs[i] * 1000000000LL + 987654321;
		lc_buf_reset(&fx.s.lines);
		cr_assert_eq(an_engine_feed(fx.e, &ev), LC_OK);
		gmtime_r(&t, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S.987Z", &tm);
		ts = strstr((const char *)fx.s.lines.ptr, "\"ts\":\"");
		cr_assert_not_null(ts);
		snprintf(got, sizeof(got), "%.24s", ts + 6);
		cr_assert_str_eq(got, want);
	}
	fx_close(&fx);
}

Test(engine, a_message_the_server_refuses_is_rejected_not_unacked)
{
	fixture fx;
	cJSON *r;

	fx_open(&fx, NULL);
	out_msg(&fx, 0, "c-1", "m-1", "too late");
	feed(&fx, CX_FRAME_IN, 5, "{\"type\":\"error\",\"code\":409,\"messageId\":\"m-1\","
	    "\"message\":\"the conversation has ended\"}", NULL);
	r = report(&fx);
	cr_assert_eq(num(r, "unacked"), 0);
	cr_assert_eq(num(r, "rejected"), 1);
	cr_assert_eq(num(r, "frames.protocol_errors"), 1);
	cr_assert_eq(fx.s.counts[AN_F_UNACKED], 0);
	cJSON_Delete(r);
	fx_close(&fx);
}

Test(engine, annotations_do_not_stretch_the_time_range)
{
	fixture fx;
	cx_event meta;
	cJSON *r;

	fx_open(&fx, NULL);
	in_msg(&fx, 0, "c-1", "customer", "a", "hello");
	out_msg(&fx, 1000, "c-1", "m-1", "hi");
	memset(&meta, 0, sizeof(meta));
	meta.reason = lc_bytes_str("import");
	feed(&fx, CX_ANNOTATION, 86400000LL * 365, "imported a year later", &meta);
	r = report(&fx);
	cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "range"), "first")->valuestring,
	    "2023-10-31T15:17:12.000Z");
	cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "range"), "last")->valuestring,
	    "2023-10-31T15:17:13.000Z");
	cJSON_Delete(r);
	fx_close(&fx);
}

/* The recorder's "retries_exhausted" annotation: method and path now, the endpoint's name on older tapes. */
static void
exhausted_after_429(const char *method, const char *path, const char *raw)
{
	fixture fx;
	cx_event ev;
	cJSON *r;

	fx_open(&fx, NULL);
	http(&fx, 0, 1, 0, NULL);
	http(&fx, 10, 1, 429, "1");
	memset(&ev, 0, sizeof(ev));
	ev.reason = lc_bytes_str("retries_exhausted");
	ev.method = lc_bytes_str(method);
	ev.path = lc_bytes_str(path);
	feed(&fx, CX_ANNOTATION, 20, raw, &ev);
	http(&fx, 3000, 2, 0, NULL);          /* a later success: a new call, not a recovery */
	http(&fx, 3010, 2, 200, NULL);
	r = report(&fx);
	cr_assert_eq(num(endpoint(r, "PUT /api/v2/presence/users/{id}"), "exhausted"), 1);
	cr_assert_eq(num(endpoint(r, "PUT /api/v2/presence/users/{id}"), "recovered"), 0);
	cr_assert_eq(fx.s.counts[AN_F_RETRIES_EXHAUSTED], 1);
	cJSON_Delete(r);
	fx_close(&fx);
}

Test(engine, retries_exhausted_annotation_names_the_endpoint_from_method_and_path)
{
	exhausted_after_429("PUT", "/api/v2/presence/users/agent-7", NULL);
}

Test(engine, retries_exhausted_annotation_of_an_older_tape_holds_the_name)
{
	exhausted_after_429("", "", "PUT /api/v2/presence/users/{id}");
}
