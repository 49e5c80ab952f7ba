/* SPDX-License-Identifier: MIT */
/* an_html_tables: the HTML report's tiles, tables and annotated transcripts. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "an_html_int.h"

/* ---------------------------------------------------------------- summary tiles */

typedef struct rl_totals {
	uint64_t n429, honoured, violated, exhausted;
} rl_totals;

static void
rl_sum(const an_engine *e, rl_totals *r)
{
	const an_endpoint *extra[2] = {&e->stream_rl, &e->handshake};

	memset(r, 0, sizeof(*r));
	for (uint32_t i = 0; i < e->n_endpoints + 2; i++) {
		const an_endpoint *ep = i < e->n_endpoints ? &e->endpoints[i] : extra[i - e->n_endpoints];

		r->n429 += ep->status_429;
		r->honoured += ep->honoured;
		r->violated += ep->violated;
		r->exhausted += ep->exhausted;
	}
}

static void
tile_open(html *h, const char *id, const char *label, bool bad)
{
	putf(h, "<div class=\"tile%s\" id=\"tile-%s\"><h3>%s</h3>", bad ? " bad" : "", id, label);
}

/* p50 / p90 / p99 of a metric as a tile. */
static void
tile_metric(html *h, const char *id, const char *label, const an_metric *m)
{
	const lc_hist *hs = &m->hist;
	char a[32], b[32], c[32];

	tile_open(h, id, label, m->breaches > 0);
	if (hs->count == 0) {
		put(h, "<p class=\"big\">–</p><p class=\"sub\">none measured</p></div>\n");
		return;
	}
	an_html_fmt_dur((int64_t)(lc_hist_percentile(hs, 50) / 1000), a, sizeof(a));
	an_html_fmt_dur((int64_t)(lc_hist_percentile(hs, 90) / 1000), b, sizeof(b));
	an_html_fmt_dur((int64_t)(lc_hist_percentile(hs, 99) / 1000), c, sizeof(c));
	putf(h, "<p class=\"big\"><abbr title=\"median\">p50</abbr> %s</p><p class=\"sub\">p90 %s · "
	    "p99 %s · %" PRIu64 " measured, %" PRIu64 " over %u ms</p></div>\n", a, b, c, hs->count,
	    m->breaches, m->threshold_ms);
}

void
an_html_section_tiles(html *h)
{
	const an_engine *e = h->e;
	const lc_hist *lh = &e->latency.hist;
	uint64_t esc_total = 0;
	rl_totals rl;
	char d[32];

	rl_sum(e, &rl);
	put(h, "<section id=\"summary\" aria-labelledby=\"h-summary\"><h2 id=\"h-summary\">Summary</h2>"
	    "<div class=\"tiles\">\n");
	tile_open(h, "conversations", "Conversations", false);
	putf(h, "<p class=\"big\">%u</p><p class=\"sub\">%u session%s · %" PRIu64 " events</p></div>\n",
	    e->n_convs, e->n_sessions, e->n_sessions == 1 ? "" : "s", e->events);
	tile_open(h, "messages", "Messages", false);
	putf(h, "<p class=\"big\">%" PRIu64 "</p><p class=\"sub\">%" PRIu64 " customer · %" PRIu64
	    " agent · %" PRIu64 " system</p></div>\n", e->msgs_customer + e->msgs_agent + e->msgs_system,
	    e->msgs_customer, e->msgs_agent, e->msgs_system);
	tile_open(h, "sla", "Within latency SLA", e->latency.breaches > 0);
	if (lh->count)
		putf(h, "<p class=\"big\">%.1f%%</p><p class=\"sub\">%" PRIu64 " of %" PRIu64 " acks within "
		    "%u ms</p></div>\n", 100.0 * (double)e->latency.within / (double)lh->count,
		    e->latency.within, lh->count, e->cfg.latency_sla_ms);
	else
		put(h, "<p class=\"big\">–</p><p class=\"sub\">no acks measured</p></div>\n");
	tile_open(h, "breaches", "Breaches", e->latency.breaches + e->unacked + e->response.breaches > 0);
	putf(h, "<p class=\"big\">%" PRIu64 "</p><p class=\"sub\">latency · %" PRIu64 " never acked · %"
	    PRIu64 " response · %" PRIu64 " first response</p></div>\n", e->latency.breaches,
	    e->unacked, e->response.breaches, e->first_response.breaches);
	tile_metric(h, "first-response", "First response", &e->first_response);
	tile_metric(h, "response", "Response time", &e->response);
	tile_metric(h, "latency", "Latency (to ack)", &e->latency);
	for (uint32_t t = 0; t < e->n_triggers; t++)
		esc_total += e->trigger_total[t];
	tile_open(h, "escalations", "Escalations", esc_total > 0);
	putf(h, "<p class=\"big\">%" PRIu64 "</p><p class=\"sub\">", esc_total);
	for (uint32_t t = 0; t < e->n_triggers; t++) {
		putf(h, "%s<span class=\"badge t-%u\">", t ? " " : "", t % 6);
		esc(h, e->trigger_names[t]);
		putf(h, " %" PRIu64 "</span>", e->trigger_total[t]);
	}
	put(h, e->n_triggers ? "</p></div>\n" : "no trigger fired</p></div>\n");
	tile_open(h, "rate-limits", "429 responses", rl.violated + rl.exhausted > 0);
	putf(h, "<p class=\"big\">%" PRIu64 "</p><p class=\"sub\">Retry-After honoured %" PRIu64
	    " · violated %" PRIu64 " · exhausted %" PRIu64 "</p></div>\n", rl.n429, rl.honoured,
	    rl.violated, rl.exhausted);
	an_html_fmt_dur(e->gap_ms, d, sizeof(d));
	tile_open(h, "connection", "Reconnects and gaps", e->gaps > 0 || e->reconnects > 0);
	putf(h, "<p class=\"big\">%" PRIu64 " <small>reconnect%s</small></p><p class=\"sub\">%" PRIu64
	    " disconnect%s · %" PRIu64 " gap%s (%s) · reconnect p50 %.0f ms</p></div>\n",
	    e->reconnects, e->reconnects == 1 ? "" : "s", e->disconnects,
	    e->disconnects == 1 ? "" : "s", e->gaps, e->gaps == 1 ? "" : "s", d,
	    an_html_us_ms(lc_hist_percentile(&e->reconnect_hist, 50)));
	put(h, "</div></section>\n");
}

/* ---------------------------------------------------------------- tables */

/* A numeric cell: data-v carries the value the table sorts on. */
static void
td_ms(html *h, int64_t ms, bool bad)
{
	char d[32];

	an_html_fmt_dur(ms, d, sizeof(d));
	putf(h, "<td class=\"num%s\" data-v=\"%" PRId64 "\">%s</td>", bad ? " bad" : "", ms, d);
}

static void
td_num(html *h, uint64_t v, bool bad)
{
	putf(h, "<td class=\"num%s\" data-v=\"%" PRIu64 "\">%" PRIu64 "</td>", bad && v ? " bad" : "", v, v);
}

/* Within-SLA share and percentiles of one agent metric. */
static void
td_metric(html *h, const an_metric *m)
{
	const lc_hist *hs = &m->hist;

	if (hs->count == 0) {
		put(h, "<td class=\"num\" data-v=\"-1\">–</td><td class=\"num\" data-v=\"-1\">–</td>"
		    "<td class=\"num\" data-v=\"-1\">–</td>");
		return;
	}
	putf(h, "<td class=\"num%s\" data-v=\"%.4f\">%.1f%%</td>", m->breaches ? " bad" : "",
	    (double)m->within / (double)hs->count, 100.0 * (double)m->within / (double)hs->count);
	td_ms(h, (int64_t)(lc_hist_percentile(hs, 50) / 1000), false);
	td_ms(h, (int64_t)(lc_hist_percentile(hs, 90) / 1000), false);
}

void
an_html_section_agents(html *h)
{
	const an_engine *e = h->e;

	put(h, "<section id=\"agents\" aria-labelledby=\"h-agents\"><h2 id=\"h-agents\">Agents</h2>\n"
	    "<div class=\"scroll\"><table class=\"sortable\" id=\"t-agents\"><thead><tr><th scope=\"col\">"
	    "Agent</th><th scope=\"col\">Conversations</th><th scope=\"col\">Messages</th>"
	    "<th scope=\"col\">Latency within SLA</th><th scope=\"col\">Latency p50</th>"
	    "<th scope=\"col\">Latency p90</th><th scope=\"col\">First response within</th>"
	    "<th scope=\"col\">First response p50</th><th scope=\"col\">First response p90</th>"
	    "<th scope=\"col\">Response within</th><th scope=\"col\">Response p50</th>"
	    "<th scope=\"col\">Response p90</th><th scope=\"col\">Escalations</th></tr></thead><tbody>\n");
	for (uint32_t i = 0; i < e->n_agents; i++) {
		const an_agent *a = &e->agents[i];

		if (a->conversations == 0 && a->messages == 0)
			continue;
		put(h, "<tr><th scope=\"row\">");
		esc(h, a->id);
		put(h, "</th>");
		td_num(h, a->conversations, false);
		td_num(h, a->messages, false);
		td_metric(h, &a->latency);
		td_metric(h, &a->first_response);
		td_metric(h, &a->response);
		td_num(h, a->escalations, true);
		put(h, "</tr>\n");
	}
	put(h, "</tbody></table></div></section>\n");
}

/* "−0.42" with a sign and a class by sentiment band. */
static const char *
sent_class(double compound)
{
	return compound <= -0.5 ? "s-neg2" : compound <= -0.05 ? "s-neg" : compound < 0.05 ? "s-neu" :
	    compound < 0.5 ? "s-pos" : "s-pos2";
}

static void
conv_row(html *h, const an_conv *c)
{
	const an_engine *e = h->e;
	char t0[16];

	an_html_fmt_wall(c->start.wall, "%H:%M:%S", t0, sizeof(t0));
	putf(h, "<tr><td class=\"num\" data-v=\"%u\">%u</td><th scope=\"row\">", c->index, c->index);
	if (c->index <= h->convs_shown)
		putf(h, "<a href=\"#conv-%u\">", c->index);
	esc(h, c->id);
	put(h, c->index <= h->convs_shown ? "</a></th><td>" : "</th><td>");
	esc(h, e->agents[c->agent].id);
	put(h, "</td><td>");
	esc(h, c->skill);
	put(h, "</td><td>");
	esc(h, c->state);
	putf(h, "</td><td data-v=\"%" PRId64 "\"><time>%s</time></td>", c->start.wall / 1000000, t0);
	td_ms(h, an_tp_diff_ms(c->start, c->end), false);
	putf(h, "<td class=\"num\" data-v=\"%u\">%u / %u</td>", c->n_customer + c->n_agent,
	    c->n_customer, c->n_agent);
	td_ms(h, c->first_response_ms, c->first_response_ms > (int64_t)e->cfg.first_response_sla_ms);
	if (c->responses) {
		char mean[32], max[32];

		an_html_fmt_dur(c->response_sum_ms / c->responses, mean, sizeof(mean));
		an_html_fmt_dur(c->response_max_ms, max, sizeof(max));
		putf(h, "<td class=\"num%s\" data-v=\"%" PRId64 "\">%s / %s</td>",
		    c->response_breaches ? " bad" : "", c->response_max_ms, mean, max);
	} else {
		put(h, "<td class=\"num\" data-v=\"-1\">–</td>");
	}
	td_ms(h, c->acked ? c->latency_max_ms : -1, c->latency_breaches > 0);
	td_num(h, c->latency_breaches, true);
	if (c->n_sent)
		putf(h, "<td class=\"num %s\" data-v=\"%.4f\" title=\"lowest %+.2f\">%+.2f → %+.2f</td>",
		    sent_class(c->compound_last), c->compound_last, c->compound_min, c->compound_first,
		    c->compound_last);
	else
		put(h, "<td class=\"num\" data-v=\"0\">–</td>");
	put(h, "<td>");
	for (uint32_t t = 0, n = 0; t < e->n_triggers; t++)
		if (c->triggers[t]) {
			putf(h, "%s<span class=\"badge t-%u\">", n++ ? " " : "", t % 6);
			esc(h, e->trigger_names[t]);
			putf(h, " %u</span>", c->triggers[t]);
		}
	put(h, "</td></tr>\n");
}

void
an_html_section_conversations(html *h)
{
	const an_engine *e = h->e;
	uint32_t n = e->n_convs < AN_HTML_MAX_TABLE_ROWS ? e->n_convs : AN_HTML_MAX_TABLE_ROWS;

	put(h, "<section id=\"conversations\" aria-labelledby=\"h-conversations\">"
	    "<h2 id=\"h-conversations\">Conversations</h2>\n"
	    "<p class=\"filter\" hidden><label>Filter rows <input type=\"search\" data-filter=\"t-convs\" "
	    "placeholder=\"id, agent, skill, trigger…\"></label></p>\n"
	    "<div class=\"scroll\"><table class=\"sortable\" id=\"t-convs\"><thead><tr>"
	    "<th scope=\"col\">#</th><th scope=\"col\">Conversation</th><th scope=\"col\">Agent</th>"
	    "<th scope=\"col\">Skill</th><th scope=\"col\">State</th><th scope=\"col\">Start (UTC)</th>"
	    "<th scope=\"col\">Duration</th><th scope=\"col\">Messages customer / agent</th>"
	    "<th scope=\"col\">First response</th><th scope=\"col\">Response mean / max</th>"
	    "<th scope=\"col\">Latency max</th><th scope=\"col\">Latency breaches</th>"
	    "<th scope=\"col\">Sentiment first → last</th><th scope=\"col\">Escalations</th>"
	    "</tr></thead><tbody>\n");
	for (uint32_t i = 0; i < n; i++)
		conv_row(h, e->convs[i]);
	put(h, "</tbody></table></div>\n");
	if (e->n_convs > n)
		putf(h, "<p class=\"note\">The first %u of %u conversations are listed; the CSV report "
		    "(<code>--format csv</code>) has them all.</p>\n", n, e->n_convs);
	put(h, "</section>\n");
}

static void
endpoint_row(html *h, const an_endpoint *ep, const char *label)
{
	put(h, "<tr><th scope=\"row\">");
	esc(h, label ? label : ep->name);
	put(h, "</th>");
	td_num(h, ep->requests, false);
	td_num(h, ep->ok, false);
	td_num(h, ep->status_429, true);
	td_num(h, ep->status_4xx, false);
	td_num(h, ep->status_5xx, true);
	td_num(h, ep->honoured, false);
	td_num(h, ep->violated, true);
	td_num(h, ep->exhausted, true);
	td_num(h, ep->recovered, false);
	put(h, "</tr>\n");
}

void
an_html_section_rate_limits(html *h)
{
	const an_engine *e = h->e;
	char d[32];

	put(h, "<section id=\"rate-limits\" aria-labelledby=\"h-rate\"><h2 id=\"h-rate\">Rate limits "
	    "and connection</h2>\n<div class=\"scroll\"><table class=\"sortable\" id=\"t-endpoints\">"
	    "<thead><tr><th scope=\"col\">Endpoint</th><th scope=\"col\">Requests</th>"
	    "<th scope=\"col\">2xx</th><th scope=\"col\">429</th><th scope=\"col\">4xx</th>"
	    "<th scope=\"col\">5xx</th><th scope=\"col\">Retry-After honoured</th>"
	    "<th scope=\"col\">violated</th><th scope=\"col\">exhausted</th>"
	    "<th scope=\"col\">recovered</th></tr></thead><tbody>\n");
	for (uint32_t i = 0; i < e->n_endpoints; i++)
		endpoint_row(h, &e->endpoints[i], NULL);
	endpoint_row(h, &e->stream_rl, "stream (429 error frames)");
	endpoint_row(h, &e->handshake, "stream handshake");
	an_html_fmt_dur(e->gap_ms, d, sizeof(d));
	putf(h, "</tbody></table></div>\n<dl class=\"facts\"><dt>Token-bucket model (%g/s, burst %g)</dt>"
	    "<dd>would have held %" PRIu64 " of %" PRIu64 " sends</dd><dt>Stream</dt><dd>%" PRIu64
	    " connects, %" PRIu64 " disconnects (%" PRIu64 " idle), %" PRIu64 " reconnects, p50 %.0f ms, "
	    "max %.0f ms</dd><dt>Capture</dt><dd>%" PRIu64 " gaps, %s in all</dd><dt>Auth</dt><dd>%"
	    PRIu64 " token refreshes, %" PRIu64 " 401/403</dd><dt>Frames</dt><dd>%" PRIu64 " in, %"
	    PRIu64 " out, %" PRIu64 " malformed, %" PRIu64 " protocol errors</dd></dl>\n",
	    e->cfg.bucket_rate, e->cfg.bucket_burst, e->model_throttled, e->model_sends, e->connects,
	    e->disconnects, e->idle_closes, e->reconnects,
	    an_html_us_ms(lc_hist_percentile(&e->reconnect_hist, 50)), an_html_us_ms(e->reconnect_hist.max), e->gaps,
	    d, e->token_refreshes, e->auth_failures, e->frames_in, e->frames_out, e->malformed,
	    e->protocol_errors);
	if (e->caps_hit)
		putf(h, "<p class=\"note bad\">%" PRIu64 " items were over the analyzer's caps and not "
		    "tracked: raise max_conversations / max_pending.</p>\n", e->caps_hit);
	put(h, "</section>\n");
}

/* ---------------------------------------------------------------- transcripts */

typedef struct conv_ctx {
	const an_conv *c;
	uint32_t rows, hidden;
	uint32_t tl_next;       /* next timeline item to consider as a separator */
} conv_ctx;

static int
trigger_colour(const an_engine *e, const char *name)
{
	for (uint32_t t = 0; t < e->n_triggers; t++)
		if (strcmp(e->trigger_names[t], name) == 0)
			return (int)(t % 6);
	return 5;
}

/* A row that is not a message: a gap, a disconnect, a status change, an error frame. */
static void
sep_row(html *h, conv_ctx *cc, int64_t wall_ns, const char *cls, const char *text_plain,
    lc_bytes extra)
{
	char off[32], iso[40];

	if (cc->rows >= AN_HTML_MAX_MESSAGES || h->rows_total >= AN_HTML_MAX_TOTAL_ROWS) {
		cc->hidden++;
		return;
	}
	cc->rows++;
	h->rows_total++;
	an_html_fmt_offset((wall_ns - cc->c->start.wall) / 1000000, off, sizeof(off));
	an_html_fmt_iso(wall_ns, iso);
	putf(h, "<tr class=\"sep %s\"><td class=\"t\"><time datetime=\"%s\" title=\"%s\">%s</time></td>"
	    "<td colspan=\"3\">", cls, iso, iso, off);
	esc(h, text_plain);
	if (extra.len) {
		put(h, ": ");
		esc_n(h, extra.ptr, extra.len < 200 ? extra.len : 200);
	}
	put(h, "</td></tr>\n");
}

/* Timeline items (gaps, disconnects, reconnects) of this conversation's session up to wall_ns. */
static void
sep_timeline(html *h, conv_ctx *cc, int64_t until_ns)
{
	char what[256];

	while (cc->tl_next < h->n_tl && h->tl[cc->tl_next].wall_ns <= until_ns) {
		const tl_item *it = &h->tl[cc->tl_next++];

		if (it->wall_ns < cc->c->start.wall || it->wall_ns > cc->c->end.wall)
			continue;
		if (it->sess != 0 && cc->c->start.sess != 0 && it->sess != cc->c->start.sess)
			continue;
		if (it->kind != AN_F_GAP && it->kind != AN_F_DISCONNECT && it->kind != AN_F_RECONNECT &&
		    it->kind != AN_F_HANDSHAKE_REFUSED)
			continue;
		an_html_tl_describe(it, what, sizeof(what));
		sep_row(h, cc, it->wall_ns, it->kind == AN_F_RECONNECT ? "up" : "down", what,
		    LC_BYTES_NULL);
	}
}

/* The message text with escalation matches marked; long text is cut with a note. */
static void
put_text(html *h, lc_bytes text, const an_match *m, size_t n)
{
	size_t shown = text.len < AN_HTML_MAX_TEXT ? text.len : AN_HTML_MAX_TEXT, pos = 0;
	size_t order[AN_TRIGGERS_MAX];

	if (text.len == 0)
		return;   /* an empty text may have no pointer: nothing to add NULL + 0 to */
	while (shown < text.len && shown > 0 && (text.ptr[shown] & 0xc0) == 0x80)
		shown--;
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		while (j > 0 && m[order[j - 1]].start > m[i].start) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	for (size_t k = 0; k < n; k++) {
		const an_match *x = &m[order[k]];

		if (x->start < pos || x->end > shown || x->end <= x->start)
			continue;
		esc_n(h, text.ptr + pos, x->start - pos);
		putf(h, "<mark class=\"t-%d\" title=\"", trigger_colour(h->e, x->trigger));
		esc(h, x->trigger);
		put(h, "\">");
		esc_n(h, text.ptr + x->start, x->end - x->start);
		put(h, "</mark>");
		pos = x->end;
	}
	esc_n(h, text.ptr + pos, shown - pos);
	if (shown < text.len)
		putf(h, "<span class=\"cut\"> … (%zu more bytes)</span>", text.len - shown);
}

static void
notes_cell(html *h, const an_sentiment *s, lc_bytes text, const an_match *m, size_t n,
    uintptr_t mark)
{
	put(h, "<td class=\"notes\">");
	putf(h, "<span class=\"sent %s\" title=\"sentiment %s, compound %.4f\">%+.2f</span>",
	    sent_class(s->compound), an_label_name(s->label), s->compound, s->compound);
	for (size_t i = 0; i < n; i++) {
		putf(h, " <span class=\"badge t-%d\" title=\"escalation: ", trigger_colour(h->e, m[i].trigger));
		esc(h, m[i].trigger);
		put(h, "\">");
		esc(h, m[i].trigger);
		put(h, ": “");
		if (m[i].end <= text.len && m[i].start < m[i].end)
			esc_n(h, text.ptr + m[i].start, m[i].end - m[i].start < 120 ? m[i].end - m[i].start : 120);
		put(h, "”</span>");
	}
	if (mark == 1)
		put(h, " <span class=\"badge late\" title=\"no ack ever came\">never acked</span>");
	else if (mark > 1)
		putf(h, " <span class=\"badge late\" title=\"acknowledged after %" PRIu64 " ms; SLA %u ms\">"
		    "ack %" PRIu64 " ms</span>", (uint64_t)(mark - 2), h->e->cfg.latency_sla_ms,
		    (uint64_t)(mark - 2));
	put(h, "</td>");
}

static void
msg_row(html *h, conv_ctx *cc, const tr_row *r)
{
	lc_bytes text = {r->text, r->text_len};
	uintptr_t mark = 0;
	char off[32], iso[40];
	const char *who = r->from == LC_FROM_CUSTOMER ? "customer" : r->from == LC_FROM_AGENT ? "agent" :
	    "system";

	if (r->id != NULL)
		mark = (uintptr_t)lc_map_get(h->marks, r->id, r->id_len);
	if (cc->rows >= AN_HTML_MAX_MESSAGES || h->rows_total >= AN_HTML_MAX_TOTAL_ROWS) {
		cc->hidden++;
		return;
	}
	cc->rows++;
	h->rows_total++;
	an_html_fmt_offset((r->wall_ns - cc->c->start.wall) / 1000000, off, sizeof(off));
	an_html_fmt_iso(r->wall_ns, iso);
	putf(h, "<tr class=\"m %s %s%s%s\"><td class=\"t\"><time datetime=\"%s\" title=\"%s\">%s</time>"
	    "</td><td class=\"who\">%s</td><td class=\"txt\">", who, sent_class(r->s.compound),
	    r->n ? " esc" : "", mark ? " late" : "", iso, iso, off, who);
	put_text(h, text, r->m, r->n);
	put(h, "</td>");
	notes_cell(h, &r->s, text, r->m, r->n, mark);
	put(h, "</tr>\n");
}

/* One kept row, after the timeline separators that come before it. */
static void
kept_row(html *h, conv_ctx *cc, const tr_row *r)
{
	sep_timeline(h, cc, r->until_ns);
	if (r->cls == NULL)
		msg_row(h, cc, r);
	else
		sep_row(h, cc, r->wall_ns, r->cls, r->plain, (lc_bytes){r->text, r->text_len});
}


static void
conv_meta(html *h, const an_conv *c)
{
	const an_engine *e = h->e;
	char t0[40], t1[40], d[32], fr[32];

	an_html_fmt_wall(c->start.wall, "%Y-%m-%d %H:%M:%S", t0, sizeof(t0));
	an_html_fmt_wall(c->end.wall, "%H:%M:%S", t1, sizeof(t1));
	an_html_fmt_dur(an_tp_diff_ms(c->start, c->end), d, sizeof(d));
	an_html_fmt_dur(c->first_response_ms, fr, sizeof(fr));
	put(h, "<dl class=\"facts\"><dt>Agent</dt><dd>");
	esc(h, e->agents[c->agent].id);
	put(h, "</dd><dt>Skill</dt><dd>");
	esc(h, c->skill[0] ? c->skill : "–");
	put(h, "</dd><dt>State</dt><dd>");
	esc(h, c->state);
	putf(h, "</dd><dt>Time (UTC)</dt><dd>%s – %s (%s)</dd><dt>Messages</dt><dd>%u customer, %u agent"
	    "</dd><dt>First response</dt><dd>%s</dd><dt>Latency breaches</dt><dd>%u of %u acked</dd>"
	    "</dl>\n", t0, t1, d, c->n_customer, c->n_agent, fr, c->latency_breaches, c->acked);
}

static const tr_conv *
conv_kept(const html *h, const an_conv *c)
{
	return h->sink != NULL ? lc_map_get(h->sink->convs, c->id, strlen(c->id)) : NULL;
}

static void
conv_transcript(html *h, const an_conv *c)
{
	conv_ctx cc = {.c = c};
	const tr_conv *tc = conv_kept(h, c);
	int64_t until = c->end.wall;

	putf(h, "<article class=\"conv\" id=\"conv-%u\" aria-labelledby=\"h-conv-%u\"><h3 id=\"h-conv-%u\">"
	    "Conversation ", c->index, c->index, c->index);
	esc(h, c->id);
	put(h, " <a class=\"up\" href=\"#conversations\">↑ table</a></h3>\n");
	conv_meta(h, c);
	an_html_chart_conv_sentiment(h, c);
	if (h->rows_total >= AN_HTML_MAX_TOTAL_ROWS) {
		putf(h, "<p class=\"note\">Transcript left out: the page already holds %d transcript rows. "
		    "<code>cxreplay show --conversation ID</code> prints it.</p></article>\n",
		    AN_HTML_MAX_TOTAL_ROWS);
		return;
	}
	for (cc.tl_next = 0; cc.tl_next < h->n_tl && h->tl[cc.tl_next].wall_ns < c->start.wall;)
		cc.tl_next++;
	put(h, "<table class=\"transcript\"><caption>Transcript</caption><thead><tr><th scope=\"col\">"
	    "Time</th><th scope=\"col\">From</th><th scope=\"col\">Message</th><th scope=\"col\">"
	    "Sentiment and marks</th></tr></thead><tbody>\n");
	if (tc != NULL) {
		h->marks_dropped += tc->seen_dropped;
		for (uint32_t i = 0; i < tc->n_rows && h->rc == LC_OK; i++)
			kept_row(h, &cc, &tc->rows[i]);
		cc.hidden += (uint32_t)tc->more;
		if (tc->seen_any && tc->max_wall > until)
			until = tc->max_wall;
	}
	sep_timeline(h, &cc, until);
	put(h, "</tbody></table>\n");
	if (cc.hidden)
		putf(h, "<p class=\"note\">%u more row%s not shown (at most %d per conversation); "
		    "<code>cxreplay show --conversation ID</code> prints them all.</p>\n", cc.hidden,
		    cc.hidden == 1 ? "" : "s", AN_HTML_MAX_MESSAGES);
	put(h, "</article>\n");
}

void
an_html_section_transcripts(html *h)
{
	const an_engine *e = h->e;

	put(h, "<section id=\"transcripts\" aria-labelledby=\"h-transcripts\">"
	    "<h2 id=\"h-transcripts\">Transcripts</h2>\n<p class=\"legend\">Rows are coloured by "
	    "sentiment: <span class=\"sent s-neg2\">very negative</span> <span class=\"sent s-neg\">"
	    "negative</span> <span class=\"sent s-neu\">neutral</span> <span class=\"sent s-pos\">"
	    "positive</span> <span class=\"sent s-pos2\">very positive</span>. Escalation triggers are "
	    "<mark class=\"t-0\">highlighted</mark> with a badge naming the trigger; <span class=\"badge "
	    "late\">ack N ms</span> marks an agent message acknowledged after the latency SLA.</p>\n");
	if (h->sink == NULL)
		put(h, "<p class=\"note\">No tape was given, so there are no transcripts.</p>\n");
	for (uint32_t i = 0; h->rc == LC_OK && i < h->convs_shown; i++)
		conv_transcript(h, e->convs[i]);
	if (h->convs_shown < e->n_convs && h->sink != NULL)
		putf(h, "<p class=\"note\">Transcripts of the first %u of %u conversations; "
		    "<code>cxreplay show --conversation ID</code> prints any other.</p>\n", h->convs_shown,
		    e->n_convs);
	put(h, "</section>\n");
}
