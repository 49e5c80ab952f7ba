/* SPDX-License-Identifier: MIT */
/* an_report: findings as JSON lines, and the report as JSON, CSV or text. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "an_engine_int.h"

static const char *const finding_names[] = {
	[AN_F_SENTIMENT] = "sentiment",
	[AN_F_ESCALATION] = "escalation",
	[AN_F_LATENCY_BREACH] = "latency_breach",
	[AN_F_UNACKED] = "unacked",
	[AN_F_FIRST_RESPONSE_BREACH] = "first_response_breach",
	[AN_F_RESPONSE_BREACH] = "response_breach",
	[AN_F_RATE_LIMITED] = "rate_limited",
	[AN_F_RETRY_AFTER_VIOLATED] = "retry_after_violated",
	[AN_F_RETRIES_EXHAUSTED] = "retries_exhausted",
	[AN_F_WOULD_THROTTLE] = "would_throttle",
	[AN_F_DISCONNECT] = "disconnect",
	[AN_F_RECONNECT] = "reconnect",
	[AN_F_HANDSHAKE_REFUSED] = "handshake_refused",
	[AN_F_GAP] = "gap",
	[AN_F_TOKEN_REFRESH] = "token_refresh",
	[AN_F_AUTH_FAILURE] = "auth_failure",
	[AN_F_MALFORMED] = "malformed",
	[AN_F_PROTOCOL_ERROR] = "protocol_error",
};

const char *
an_finding_kind_name(an_finding_kind k)
{
	if (k < AN_F_SENTIMENT || k > AN_F_KIND_MAX)
		return "unknown";
	return finding_names[k];
}

lc_status
an_format_parse(const char *s, an_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = AN_FORMAT_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = AN_FORMAT_JSON;
	else if (strcmp(s, "csv") == 0)
		*out = AN_FORMAT_CSV;
	else
		return LC_EINVAL;
	return LC_OK;
}

/* Digits of v, right-aligned into the end of buf; returns where they start. */
static char *
fmt_u64(uint64_t v, char *end)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

static lc_status
buf_u64(lc_buf *b, uint64_t v)
{
	char tmp[24], *p = fmt_u64(v, tmp + sizeof(tmp));

	return lc_buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

static lc_status
buf_i64(lc_buf *b, int64_t v)
{
	lc_status rc = LC_OK;

	if (v < 0) {
		rc = lc_buf_append(b, "-", 1);
		v = v == INT64_MIN ? INT64_MAX : -v;   /* INT64_MIN is never a duration */
	}
	return rc == LC_OK ? buf_u64(b, (uint64_t)v) : rc;
}

/* v with exactly 4 decimals, as printf("%.4f") prints values already rounded to 4 places. */
static lc_status
buf_fixed4(lc_buf *b, double v)
{
	char tmp[32], *p;
	int64_t n = llround(v * 10000.0);
	uint64_t a = (uint64_t)(n < 0 ? -n : n);

	if (!(v > -1e12 && v < 1e12))
		return lc_buf_printf(b, "%.4f", v);
	p = fmt_u64(a % 10000 + 10000, tmp + sizeof(tmp));     /* "1dddd": keeps leading zeros */
	*p = '.';
	p = fmt_u64(a / 10000, p);
	if (n < 0)
		*--p = '-';
	return lc_buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* "2023-10-31T15:17:12.345Z", by arithmetic (H. Hinnant's civil_from_days): no locale, no tz. */
static void
iso_time(int64_t wall_ns, char out[64])
{
	int64_t ms_all = wall_ns < 0 ? 0 : wall_ns / 1000000;
	int64_t secs = ms_all / 1000, days = secs / 86400, sod = secs % 86400;
	int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);
	int64_t f[7] = {y, m, d, sod / 3600, sod / 60 % 60, sod % 60, ms_all % 1000};
	static const int width[7] = {4, 2, 2, 2, 2, 2, 3};
	static const char sep[7] = {'-', '-', 'T', ':', ':', '.', 'Z'};
	char *o = out;

	if (y > 9999) {
		snprintf(out, 64, "9999-12-31T23:59:59.999Z");
		return;
	}
	for (int i = 0; i < 7; i++) {
		for (int k = width[i] - 1; k >= 0; k--) {
			o[k] = (char)('0' + f[i] % 10);
			f[i] /= 10;
		}
		o += width[i];
		*o++ = sep[i];
	}
	*o = '\0';
}

/* Append ,"key":"value" (JSON-escaped) when value is not empty. */
static lc_status
json_str(lc_buf *b, const char *key, lc_bytes v)
{
	lc_status rc;

	if (v.len == 0)
		return LC_OK;
	if ((rc = lc_buf_append_str(b, ",\"")) != LC_OK || (rc = lc_buf_append_str(b, key)) != LC_OK ||
	    (rc = lc_buf_append_str(b, "\":")) != LC_OK)
		return rc;
	return lc_json_append_string(b, v);
}

lc_status
an_finding_json(const an_finding *f, lc_buf *b)
{
	char ts[64];
	size_t mark = b->len;
	lc_status rc;

	iso_time(f->wall_ns, ts);
	rc = lc_buf_append_str(b, "{\"kind\":\"");
	if (rc == LC_OK) rc = lc_buf_append_str(b, an_finding_kind_name(f->kind));
	if (rc == LC_OK) rc = lc_buf_append_str(b, "\",\"seq\":");
	if (rc == LC_OK) rc = buf_u64(b, f->seq);
	if (rc == LC_OK) rc = lc_buf_append_str(b, ",\"ts\":\"");
	if (rc == LC_OK) rc = lc_buf_append_str(b, ts);
	if (rc == LC_OK) rc = lc_buf_append_str(b, "\"");
	if (rc == LC_OK) rc = json_str(b, "session", f->session);
	if (rc == LC_OK) rc = json_str(b, "conversation", f->conversation);
	if (rc == LC_OK) rc = json_str(b, "message_id", f->message_id);
	if (rc == LC_OK) rc = json_str(b, "endpoint", f->endpoint);
	if (rc == LC_OK) rc = json_str(b, "from", f->from);
	switch (f->kind) {
	case AN_F_SENTIMENT:
	case AN_F_ESCALATION:
		if (rc == LC_OK) rc = lc_buf_append_str(b, ",\"sentiment\":{\"label\":\"");
		if (rc == LC_OK) rc = lc_buf_append_str(b, an_label_name(f->sentiment.label));
		if (rc == LC_OK) rc = lc_buf_append_str(b, "\",\"compound\":");
		if (rc == LC_OK) rc = buf_fixed4(b, f->sentiment.compound);
		if (rc == LC_OK) rc = lc_buf_append_str(b, "}");
		if (rc == LC_OK) rc = json_str(b, "text", f->text);
		break;
	case AN_F_LATENCY_BREACH:
	case AN_F_FIRST_RESPONSE_BREACH:
	case AN_F_RESPONSE_BREACH:
		if (rc == LC_OK) rc = lc_buf_append_str(b, ",\"ms\":");
		if (rc == LC_OK) rc = buf_i64(b, f->value_ms);
		if (rc == LC_OK) rc = lc_buf_append_str(b, ",\"threshold_ms\":");
		if (rc == LC_OK) rc = buf_i64(b, f->limit_ms);
		break;
	case AN_F_UNACKED:
		break;
	case AN_F_RATE_LIMITED:
		if (rc == LC_OK)
			rc = lc_buf_printf(b, ",\"status\":%d", f->status);
		if (rc == LC_OK && f->limit_ms >= 0)
			rc = lc_buf_printf(b, ",\"retry_after_ms\":%" PRId64, f->limit_ms);
		break;
	case AN_F_RETRY_AFTER_VIOLATED:
		if (rc == LC_OK)
			rc = lc_buf_printf(b, ",\"waited_ms\":%" PRId64 ",\"retry_after_ms\":%" PRId64,
			    f->value_ms, f->limit_ms);
		break;
	case AN_F_RETRIES_EXHAUSTED:
		if (rc == LC_OK)
			rc = lc_buf_printf(b, ",\"attempts\":%" PRId64, f->value_ms);
		break;
	case AN_F_DISCONNECT:
		if (rc == LC_OK)
			rc = lc_buf_printf(b, ",\"close_code\":%d", f->status);
		if (rc == LC_OK) rc = json_str(b, "reason", f->reason);
		break;
	case AN_F_RECONNECT:
		if (rc == LC_OK)
			rc = lc_buf_printf(b, ",\"after_ms\":%" PRId64, f->value_ms);
		break;
	case AN_F_HANDSHAKE_REFUSED:
	case AN_F_AUTH_FAILURE:
		if (rc == LC_OK)
			rc = lc_buf_printf(b, ",\"status\":%d", f->status);
		if (rc == LC_OK && f->kind == AN_F_HANDSHAKE_REFUSED && f->limit_ms >= 0 && f->status == 429)
			rc = lc_buf_printf(b, ",\"retry_after_ms\":%" PRId64, f->limit_ms);
		break;
	case AN_F_GAP:
		if (rc == LC_OK)
			rc = lc_buf_printf(b, ",\"ms\":%" PRId64, f->value_ms);
		if (rc == LC_OK) rc = json_str(b, "reason", f->reason);
		break;
	case AN_F_MALFORMED:
		if (rc == LC_OK)
			rc = lc_buf_printf(b, ",\"bytes\":%" PRId64, f->value_ms);
		break;
	case AN_F_PROTOCOL_ERROR:
		if (rc == LC_OK)
			rc = lc_buf_printf(b, ",\"code\":%d", f->status);
		break;
	default:
		break;
	}
	if (rc == LC_OK && f->kind == AN_F_ESCALATION) {
		rc = lc_buf_append_str(b, ",\"escalations\":[");
		for (size_t i = 0; rc == LC_OK && i < f->n_matches; i++) {
			const an_match *m = &f->matches[i];

			rc = lc_buf_printf(b, "%s{\"trigger\":", i ? "," : "");
			if (rc == LC_OK) rc = lc_json_append_string(b, lc_bytes_str(m->trigger));
			if (rc == LC_OK) rc = lc_buf_printf(b, ",\"priority\":%d,\"match\":", m->priority);
			if (rc == LC_OK && m->end <= f->text.len && m->start <= m->end)
				rc = lc_json_append_string(b, lc_bytes_make(f->text.ptr + m->start, m->end - m->start));
			else if (rc == LC_OK)
				rc = lc_buf_append_str(b, "\"\"");
			if (rc == LC_OK)
				rc = lc_buf_printf(b, ",\"start\":%zu,\"end\":%zu}", m->start, m->end);
		}
		if (rc == LC_OK) rc = lc_buf_append_str(b, "]");
	}
	if (rc == LC_OK)
		rc = lc_buf_append_str(b, "}");
	if (rc != LC_OK) {
		b->len = mark;
		if (b->ptr)
			b->ptr[mark] = 0;
	}
	return rc;
}

/* ---------------------------------------------------------------- JSON report */

static double
ms_of(uint64_t us)
{
	return (double)us / 1000.0;
}

static lc_status
json_metric(lc_buf *b, const char *name, const an_metric *m)
{
	const lc_hist *h = &m->hist;
	double share = h->count ? (double)m->within / (double)h->count : 0.0;

	return lc_buf_printf(b, "\"%s\":{\"count\":%" PRIu64 ",\"threshold_ms\":%u,"
	    "\"within\":%" PRIu64 ",\"breaches\":%" PRIu64 ",\"within_share\":%.4f,"
	    "\"mean_ms\":%.1f,\"p50_ms\":%.1f,\"p90_ms\":%.1f,\"p99_ms\":%.1f,\"max_ms\":%.1f}",
	    name, h->count, m->threshold_ms, m->within, m->breaches, share,
	    h->count ? ms_of(h->sum) / (double)h->count : 0.0,
	    ms_of(lc_hist_percentile(h, 50)), ms_of(lc_hist_percentile(h, 90)),
	    ms_of(lc_hist_percentile(h, 99)), ms_of(h->max));
}

static lc_status
json_endpoint(lc_buf *b, const an_endpoint *ep)
{
	lc_status rc = lc_buf_append_str(b, "{\"endpoint\":");

	if (rc == LC_OK) rc = lc_json_append_string(b, lc_bytes_str(ep->name));
	if (rc == LC_OK)
		rc = lc_buf_printf(b, ",\"requests\":%" PRIu64 ",\"ok\":%" PRIu64 ",\"status_429\":%" PRIu64
		    ",\"status_4xx\":%" PRIu64 ",\"status_5xx\":%" PRIu64 ",\"honoured\":%" PRIu64
		    ",\"violated\":%" PRIu64 ",\"exhausted\":%" PRIu64 ",\"recovered\":%" PRIu64 "}",
		    ep->requests, ep->ok, ep->status_429, ep->status_4xx, ep->status_5xx,
		    ep->honoured, ep->violated, ep->exhausted, ep->recovered);
	return rc;
}

static lc_status
json_conversation(const an_engine *e, lc_buf *b, const an_conv *c)
{
	char t0[64], t1[64];
	lc_status rc;

	iso_time(c->start.wall, t0);
	iso_time(c->end.wall, t1);
	rc = lc_buf_append_str(b, "{\"id\":");
	if (rc == LC_OK) rc = lc_json_append_string(b, lc_bytes_str(c->id));
	if (rc == LC_OK) rc = lc_buf_append_str(b, ",\"agent\":");
	if (rc == LC_OK) rc = lc_json_append_string(b, lc_bytes_str(e->agents[c->agent].id));
	if (rc == LC_OK) rc = lc_buf_append_str(b, ",\"skill\":");
	if (rc == LC_OK) rc = lc_json_append_string(b, lc_bytes_str(c->skill));
	if (rc == LC_OK)
		rc = lc_buf_printf(b, ",\"state\":\"%s\",\"start\":\"%s\",\"end\":\"%s\",\"first_seq\":%" PRIu64
		    ",\"messages\":{\"customer\":%u,\"agent\":%u,\"system\":%u}"
		    ",\"first_response_ms\":%" PRId64 ",\"responses\":%u,\"response_mean_ms\":%.1f"
		    ",\"response_max_ms\":%" PRId64 ",\"response_breaches\":%u"
		    ",\"acked\":%u,\"latency_mean_ms\":%.1f,\"latency_max_ms\":%" PRId64
		    ",\"latency_breaches\":%u",
		    c->state, t0, t1, c->first_seq, c->n_customer, c->n_agent, c->n_system,
		    c->first_response_ms, c->responses,
		    c->responses ? (double)c->response_sum_ms / c->responses : 0.0,
		    c->response_max_ms, c->response_breaches, c->acked,
		    c->acked ? (double)c->latency_sum_ms / c->acked : 0.0, c->latency_max_ms,
		    c->latency_breaches);
	if (rc == LC_OK)
		rc = lc_buf_printf(b, ",\"sentiment\":{\"messages\":%u,\"first\":%.4f,\"last\":%.4f,"
		    "\"min\":%.4f,\"mean\":%.4f,\"trend\":[", c->n_sent, c->compound_first,
		    c->compound_last, c->compound_min, c->n_sent ? c->compound_sum / c->n_sent : 0.0);
	for (uint32_t i = 0; rc == LC_OK && i < c->n_trend; i++)
		rc = lc_buf_printf(b, "%s[%" PRId64 ",%.4f,\"%s\"]", i ? "," : "", c->trend[i].offset_ms,
		    c->trend[i].compound, lc_env_from_name((lc_env_from)c->trend[i].from));
	if (rc == LC_OK) rc = lc_buf_append_str(b, "]},\"escalations\":{");
	for (uint32_t t = 0, n = 0; rc == LC_OK && t < e->n_triggers; t++)
		if (c->triggers[t])
			rc = lc_buf_printf(b, "%s\"%s\":%u", n++ ? "," : "", e->trigger_names[t], c->triggers[t]);
	if (rc == LC_OK) rc = lc_buf_append_str(b, "}}");
	return rc;
}

static lc_status
report_json(an_engine *e, lc_buf *b)
{
	char t0[64], t1[64];
	lc_status rc;

	iso_time(e->first_wall, t0);
	iso_time(e->last_wall, t1);
	rc = lc_buf_printf(b, "{\"schema\":\"%s\",\"generator\":\"cxtape %s\","
	    "\"config\":{\"sentiment_mode\":\"%s\",\"latency_sla_ms\":%u,\"first_response_sla_ms\":%u,"
	    "\"response_sla_ms\":%u,\"bucket_rate\":%g,\"bucket_burst\":%g},"
	    "\"range\":{\"first\":\"%s\",\"last\":\"%s\"},\"sessions\":%u,\"events\":%" PRIu64 ","
	    "\"frames\":{\"in\":%" PRIu64 ",\"out\":%" PRIu64 ",\"malformed\":%" PRIu64
	    ",\"protocol_errors\":%" PRIu64 "},"
	    "\"conversations\":%u,\"messages\":{\"customer\":%" PRIu64 ",\"agent\":%" PRIu64
	    ",\"system\":%" PRIu64 "},",
	    AN_REPORT_SCHEMA, CXTAPE_VERSION, e->cfg.mode == AN_MODE_VADER ? "vader" : "chat",
	    e->cfg.latency_sla_ms, e->cfg.first_response_sla_ms, e->cfg.response_sla_ms,
	    e->cfg.bucket_rate, e->cfg.bucket_burst, t0, t1, e->n_sessions, e->events,
	    e->frames_in, e->frames_out, e->malformed, e->protocol_errors, e->n_convs,
	    e->msgs_customer, e->msgs_agent, e->msgs_system);
	if (rc == LC_OK) rc = json_metric(b, "latency", &e->latency);
	if (rc == LC_OK)
		rc = lc_buf_printf(b, ",\"unacked\":%" PRIu64 ",\"untracked\":%" PRIu64
		    ",\"rejected\":%" PRIu64 ",", e->unacked, e->untracked, e->rejected);
	if (rc == LC_OK) rc = json_metric(b, "first_response", &e->first_response);
	if (rc == LC_OK) rc = lc_buf_append_str(b, ",");
	if (rc == LC_OK) rc = json_metric(b, "response", &e->response);
	if (rc == LC_OK)
		rc = lc_buf_printf(b, ",\"sentiment\":{\"negative\":%" PRIu64 ",\"neutral\":%" PRIu64
		    ",\"positive\":%" PRIu64 ",\"mean_compound\":%.4f},\"escalations\":{",
		    e->sentiment_count[0], e->sentiment_count[1], e->sentiment_count[2],
		    (e->sentiment_count[0] + e->sentiment_count[1] + e->sentiment_count[2]) ?
		    e->compound_sum / (double)(e->sentiment_count[0] + e->sentiment_count[1] +
		    e->sentiment_count[2]) : 0.0);
	for (uint32_t t = 0; rc == LC_OK && t < e->n_triggers; t++)
		rc = lc_buf_printf(b, "%s\"%s\":%" PRIu64, t ? "," : "", e->trigger_names[t], e->trigger_total[t]);
	if (rc == LC_OK) rc = lc_buf_append_str(b, "},\"rate_limits\":{\"endpoints\":[");
	for (uint32_t i = 0; rc == LC_OK && i < e->n_endpoints; i++) {
		if (i && (rc = lc_buf_append_str(b, ",")) != LC_OK)
			break;
		rc = json_endpoint(b, &e->endpoints[i]);
	}
	if (rc == LC_OK) rc = lc_buf_append_str(b, "],\"stream\":");
	if (rc == LC_OK) rc = json_endpoint(b, &e->stream_rl);
	if (rc == LC_OK) rc = lc_buf_append_str(b, ",\"handshake\":");
	if (rc == LC_OK) rc = json_endpoint(b, &e->handshake);
	if (rc == LC_OK)
		rc = lc_buf_printf(b, ",\"model\":{\"rate\":%g,\"burst\":%g,\"sends\":%" PRIu64
		    ",\"would_throttle\":%" PRIu64 "}},"
		    "\"connection\":{\"connects\":%" PRIu64 ",\"disconnects\":%" PRIu64
		    ",\"reconnects\":%" PRIu64 ",\"reconnect_p50_ms\":%.1f,\"reconnect_max_ms\":%.1f"
		    ",\"idle_closes\":%" PRIu64 ",\"gaps\":%" PRIu64 ",\"gap_ms\":%" PRId64
		    ",\"token_refreshes\":%" PRIu64 ",\"auth_failures\":%" PRIu64 "},"
		    "\"caps_hit\":%" PRIu64 ",\"agents\":[",
		    e->cfg.bucket_rate, e->cfg.bucket_burst, e->model_sends, e->model_throttled,
		    e->connects, e->disconnects, e->reconnects,
		    ms_of(lc_hist_percentile(&e->reconnect_hist, 50)), ms_of(e->reconnect_hist.max),
		    e->idle_closes, e->gaps, e->gap_ms, e->token_refreshes, e->auth_failures,
		    e->caps_hit);
	for (uint32_t i = 0, n = 0; rc == LC_OK && i < e->n_agents; i++) {
		const an_agent *a = &e->agents[i];

		if (a->conversations == 0 && a->messages == 0)
			continue;
		rc = lc_buf_printf(b, "%s{\"agent\":", n++ ? "," : "");
		if (rc == LC_OK) rc = lc_json_append_string(b, lc_bytes_str(a->id));
		if (rc == LC_OK)
			rc = lc_buf_printf(b, ",\"conversations\":%u,\"messages\":%u,\"escalations\":%u,",
			    a->conversations, a->messages, a->escalations);
		if (rc == LC_OK) rc = json_metric(b, "latency", &a->latency);
		if (rc == LC_OK) rc = lc_buf_append_str(b, ",");
		if (rc == LC_OK) rc = json_metric(b, "first_response", &a->first_response);
		if (rc == LC_OK) rc = lc_buf_append_str(b, ",");
		if (rc == LC_OK) rc = json_metric(b, "response", &a->response);
		if (rc == LC_OK) rc = lc_buf_append_str(b, "}");
	}
	if (rc == LC_OK) rc = lc_buf_append_str(b, "],\"conversation_details\":[");
	for (uint32_t i = 0; rc == LC_OK && i < e->n_convs; i++) {
		if (i && (rc = lc_buf_append_str(b, ",")) != LC_OK)
			break;
		rc = json_conversation(e, b, e->convs[i]);
	}
	if (rc == LC_OK) rc = lc_buf_append_str(b, "]}\n");
	return rc;
}

/* ---------------------------------------------------------------- CSV report */

/* A CSV field: quoted, with quotes doubled (RFC 4180). */
static lc_status
csv_field(lc_buf *b, const char *s)
{
	lc_status rc = lc_buf_append_str(b, "\"");

	for (; rc == LC_OK && *s; s++)
		rc = *s == '"' ? lc_buf_append_str(b, "\"\"") : lc_buf_append(b, s, 1);
	if (rc == LC_OK) rc = lc_buf_append_str(b, "\"");
	return rc;
}

static lc_status
report_csv(an_engine *e, lc_buf *b)
{
	lc_status rc = lc_buf_append_str(b,
	    "conversation,agent,skill,state,start,end,customer_messages,agent_messages,"
	    "first_response_ms,responses,response_mean_ms,response_max_ms,response_breaches,"
	    "acked,latency_mean_ms,latency_max_ms,latency_breaches,sentiment_first,sentiment_last,"
	    "sentiment_min,sentiment_mean,escalations\r\n");

	for (uint32_t i = 0; rc == LC_OK && i < e->n_convs; i++) {
		const an_conv *c = e->convs[i];
		char t0[64], t1[64], esc[512] = "";
		size_t o = 0;

		iso_time(c->start.wall, t0);
		iso_time(c->end.wall, t1);
		for (uint32_t t = 0; t < e->n_triggers && o + 40 < sizeof(esc); t++)
			if (c->triggers[t])
				o += (size_t)snprintf(esc + o, sizeof(esc) - o, "%s%s:%u", o ? ";" : "",
				    e->trigger_names[t], c->triggers[t]);
		rc = csv_field(b, c->id);
		if (rc == LC_OK) rc = lc_buf_append_str(b, ",");
		if (rc == LC_OK) rc = csv_field(b, e->agents[c->agent].id);
		if (rc == LC_OK) rc = lc_buf_append_str(b, ",");
		if (rc == LC_OK) rc = csv_field(b, c->skill);
		if (rc == LC_OK)
			rc = lc_buf_printf(b, ",%s,%s,%s,%u,%u,%" PRId64 ",%u,%.1f,%" PRId64 ",%u,%u,%.1f,%"
			    PRId64 ",%u,%.4f,%.4f,%.4f,%.4f,", c->state, t0, t1, c->n_customer, c->n_agent,
			    c->first_response_ms, c->responses,
			    c->responses ? (double)c->response_sum_ms / c->responses : 0.0,
			    c->response_max_ms, c->response_breaches, c->acked,
			    c->acked ? (double)c->latency_sum_ms / c->acked : 0.0, c->latency_max_ms,
			    c->latency_breaches, c->compound_first, c->compound_last, c->compound_min,
			    c->n_sent ? c->compound_sum / c->n_sent : 0.0);
		if (rc == LC_OK) rc = csv_field(b, esc);
		if (rc == LC_OK) rc = lc_buf_append_str(b, "\r\n");
	}
	return rc;
}

/* ---------------------------------------------------------------- text report */

static lc_status
text_metric(lc_buf *b, const char *title, const an_metric *m)
{
	const lc_hist *h = &m->hist;

	if (h->count == 0)
		return lc_buf_printf(b, "  %-16s none measured\n", title);
	return lc_buf_printf(b, "  %-16s %" PRIu64 " measured, %.1f%% within %u ms, %" PRIu64
	    " breaches; p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms\n", title, h->count,
	    100.0 * (double)m->within / (double)h->count, m->threshold_ms, m->breaches,
	    ms_of(lc_hist_percentile(h, 50)), ms_of(lc_hist_percentile(h, 90)),
	    ms_of(lc_hist_percentile(h, 99)), ms_of(h->max));
}

static lc_status
report_text(an_engine *e, lc_buf *b)
{
	char t0[64], t1[64];
	uint64_t rl = e->stream_rl.status_429 + e->handshake.status_429, hon = 0, vio = 0, exh = 0;
	lc_status rc;

	for (uint32_t i = 0; i < e->n_endpoints; i++) {
		rl += e->endpoints[i].status_429;
		hon += e->endpoints[i].honoured;
		vio += e->endpoints[i].violated;
		exh += e->endpoints[i].exhausted;
	}
	hon += e->stream_rl.honoured + e->handshake.honoured;
	vio += e->stream_rl.violated + e->handshake.violated;
	exh += e->stream_rl.exhausted + e->handshake.exhausted;
	iso_time(e->first_wall, t0);
	iso_time(e->last_wall, t1);
	rc = lc_buf_printf(b, "cxtape report (%s sentiment)\n  %s .. %s, %u session(s), %" PRIu64
	    " events\n  %u conversations; messages: %" PRIu64 " customer, %" PRIu64 " agent\n\n"
	    "Service levels\n", e->cfg.mode == AN_MODE_VADER ? "vader" : "chat", t0, t1,
	    e->n_sessions, e->events, e->n_convs, e->msgs_customer, e->msgs_agent);
	if (rc == LC_OK) rc = text_metric(b, "latency", &e->latency);
	if (rc == LC_OK) rc = text_metric(b, "first response", &e->first_response);
	if (rc == LC_OK) rc = text_metric(b, "response", &e->response);
	if (rc == LC_OK && e->unacked)
		rc = lc_buf_printf(b, "  %" PRIu64 " agent message(s) never acknowledged\n", e->unacked);
	if (rc == LC_OK && e->rejected)
		rc = lc_buf_printf(b, "  %" PRIu64 " agent message(s) refused by the server (error frames)\n",
		    e->rejected);
	if (rc == LC_OK)
		rc = lc_buf_printf(b, "\nSentiment: %" PRIu64 " positive, %" PRIu64 " neutral, %" PRIu64
		    " negative\nEscalations:", e->sentiment_count[2], e->sentiment_count[1],
		    e->sentiment_count[0]);
	for (uint32_t t = 0; rc == LC_OK && t < e->n_triggers; t++)
		rc = lc_buf_printf(b, " %s %" PRIu64 "%s", e->trigger_names[t], e->trigger_total[t],
		    t + 1 < e->n_triggers ? "," : "");
	if (rc == LC_OK && e->n_triggers == 0)
		rc = lc_buf_append_str(b, " none");
	if (rc == LC_OK)
		rc = lc_buf_printf(b, "\n\nRate limits: %" PRIu64 " x 429; Retry-After honoured %" PRIu64
		    ", violated %" PRIu64 ", retries exhausted %" PRIu64 "\n  model (%g/s, burst %g)"
		    " would throttle %" PRIu64 " of %" PRIu64 " sends\n", rl, hon, vio, exh,
		    e->cfg.bucket_rate, e->cfg.bucket_burst, e->model_throttled, e->model_sends);
	for (uint32_t i = 0; rc == LC_OK && i < e->n_endpoints; i++) {
		const an_endpoint *ep = &e->endpoints[i];

		if (ep->status_429)
			rc = lc_buf_printf(b, "  %-40s %" PRIu64 " requests, %" PRIu64 " x 429\n",
			    ep->name, ep->requests, ep->status_429);
	}
	if (rc == LC_OK)
		rc = lc_buf_printf(b, "\nConnection: %" PRIu64 " connects, %" PRIu64 " disconnects (%"
		    PRIu64 " idle), %" PRIu64 " reconnects (p50 %.0f ms), %" PRIu64 " gaps, %" PRIu64
		    " token refreshes, %" PRIu64 " auth failures, %" PRIu64 " malformed frames\n",
		    e->connects, e->disconnects, e->idle_closes, e->reconnects,
		    ms_of(lc_hist_percentile(&e->reconnect_hist, 50)), e->gaps, e->token_refreshes,
		    e->auth_failures, e->malformed);
	if (rc == LC_OK && e->caps_hit)
		rc = lc_buf_printf(b, "warning: %" PRIu64 " items were over the analyzer's caps and not"
		    " tracked (raise max_conversations / max_pending)\n", e->caps_hit);
	return rc;
}

lc_status
an_engine_report(an_engine *e, an_format fmt, lc_buf *out)
{
	switch (fmt) {
	case AN_FORMAT_JSON:
		return report_json(e, out);
	case AN_FORMAT_CSV:
		return report_csv(e, out);
	case AN_FORMAT_TEXT:
		return report_text(e, out);
	}
	return LC_EINVAL;
}
