/* SPDX-License-Identifier: MIT */
/* an_html_charts: the HTML report's SVG charts — latency, response times, the event timeline, sentiment trends. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "an_html_int.h"

#define HTML_CONV_CHART 40      /* conversations in the response-time chart */
#define HTML_LABEL_MAX 18       /* characters of a conversation id used as a chart label */

static double
nice_step(double range, int target)
{
	double raw, mag, f;

	if (!(range > 0))
		return 1;
	raw = range / target;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
}

/* A step for a time axis in seconds, from a ladder of round durations. */
static double
time_step(double range_s, int target)
{
	static const double ladder[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
	    7200, 10800, 21600, 43200, 86400, 172800, 604800};
	double raw = range_s / target;

	for (size_t i = 0; i < sizeof(ladder) / sizeof(ladder[0]); i++)
		if (ladder[i] >= raw)
			return ladder[i];
	return nice_step(range_s, target);
}

/* ---------------------------------------------------------------- charts */

typedef enum axis_kind {
	AX_NUM,         /* plain numbers, divided by the chart's scale */
	AX_CLOCK,       /* seconds from origin_ns, as UTC clock time */
	AX_OFFSET,      /* seconds from the start of a conversation, m:ss */
} axis_kind;

typedef struct chart {
	int w, h;               /* viewBox size */
	int ml, mr, mt, mb;     /* plot margins */
	double x0, x1, y0, y1;  /* data ranges */
	axis_kind xk;
	double xscale, yscale;  /* tick labels show value / scale */
	int64_t origin_ns;      /* AX_CLOCK */
} chart;

static double
ch_x(const chart *c, double x)
{
	double span = c->x1 > c->x0 ? c->x1 - c->x0 : 1;

	return c->ml + (x - c->x0) / span * (c->w - c->ml - c->mr);
}

static double
ch_y(const chart *c, double y)
{
	double span = c->y1 > c->y0 ? c->y1 - c->y0 : 1;

	return c->h - c->mb - (y - c->y0) / span * (c->h - c->mt - c->mb);
}

static void
tick_label(const chart *c, axis_kind k, double v, double scale, double step, char *out, size_t cap)
{
	if (k == AX_CLOCK) {
		int64_t ns = c->origin_ns + (int64_t)llround(v * 1e9);

		an_html_fmt_wall(ns, step >= 86400 ? "%m-%d" : step >= 60 ? "%H:%M" : "%H:%M:%S", out, cap);
	} else if (k == AX_OFFSET) {
		long s = lround(v);

		snprintf(out, cap, "%ld:%02ld", s / 60, s % 60);
	} else {
		snprintf(out, cap, "%g", v / scale);
	}
}

/*
 * Open a figure: the SVG, its title and description, and a plot frame. role
 * "group", not "img": screen readers then reach the <title> of every bar,
 * point and marker, and the links in the response chart.
 */
static void
chart_open(html *h, const chart *c, const char *id, const char *title, const char *desc)
{
	putf(h, "<figure class=\"chart\" id=\"%s\"><figcaption>%s</figcaption>\n"
	    "<svg viewBox=\"0 0 %d %d\" role=\"group\" aria-labelledby=\"%s-t %s-d\">"
	    "<title id=\"%s-t\">%s</title><desc id=\"%s-d\">", id, title, c->w, c->h, id, id, id,
	    title, id);
	esc(h, desc);
	putf(h, "</desc><rect class=\"plot\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n", c->ml,
	    c->mt, c->w - c->ml - c->mr, c->h - c->mt - c->mb);
}

static void
chart_close(html *h, const char *note)
{
	put(h, "</svg>");
	if (note != NULL && *note) {
		put(h, "<p class=\"note\">");
		esc(h, note);
		put(h, "</p>");
	}
	put(h, "</figure>\n");
}

/* Grid lines, ticks and the axis titles (with units). */
static void
chart_axes(html *h, const chart *c, const char *xtitle, const char *ytitle, bool xticks,
    bool yticks)
{
	char lab[40];
	double step, v;
	int px0 = c->ml, px1 = c->w - c->mr, py0 = c->mt, py1 = c->h - c->mb;

	step = nice_step(c->y1 - c->y0, 4);
	for (v = ceil(c->y0 / step) * step; yticks && v <= c->y1 + step * 1e-9; v += step) {
		tick_label(c, AX_NUM, v, c->yscale, step, lab, sizeof(lab));
		putf(h, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
		    "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", px0, px1,
		    ch_y(c, v), ch_y(c, v), px0 - 6, ch_y(c, v) + 4, lab);
	}
	if (xticks) {
		step = c->xk == AX_NUM ? nice_step(c->x1 - c->x0, 8) : time_step(c->x1 - c->x0, 7);
		for (v = ceil(c->x0 / step) * step; v <= c->x1 + step * 1e-9; v += step) {
			tick_label(c, c->xk, v, c->xscale, step, lab, sizeof(lab));
			putf(h, "<line class=\"tk\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>"
			    "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
			    ch_x(c, v), ch_x(c, v), py1, py1 + 5, ch_x(c, v), py1 + 18, lab);
		}
	}
	putf(h, "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>"
	    "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>\n", px0, px1, py1, py1, px0, px0,
	    py0, py1);
	if (xtitle != NULL)
		putf(h, "<text class=\"atitle\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
		    (px0 + px1) / 2, c->h - 6, xtitle);
	if (ytitle != NULL)
		putf(h, "<text class=\"atitle\" transform=\"translate(14 %d) rotate(-90)\" "
		    "text-anchor=\"middle\">%s</text>\n", (py0 + py1) / 2, ytitle);
}

static void
chart_empty(html *h, const chart *c, const char *what)
{
	putf(h, "<text class=\"empty\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
	    c->w / 2, c->h / 2, what);
}

/* A vertical (x = value) or horizontal threshold line with its label. */
static void
chart_sla(html *h, const chart *c, bool vertical, double v, const char *label)
{
	if (vertical)
		putf(h, "<g class=\"sla\"><title>%s</title><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>"
		    "<text x=\"%.1f\" y=\"%d\">%s</text></g>\n", label, ch_x(c, v), ch_x(c, v), c->mt,
		    c->h - c->mb, ch_x(c, v) + 4, c->mt + 12, label);
	else
		putf(h, "<g class=\"sla\"><title>%s</title><line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
		    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text></g>\n", label, c->ml,
		    c->w - c->mr, ch_y(c, v), ch_y(c, v), c->w - c->mr - 4, ch_y(c, v) - 4, label);
}

/* ms or s for an axis whose values reach max_ms. */
static double
ms_scale(double max_ms, const char **unit)
{
	if (max_ms >= 10000) {
		*unit = "s";
		return 1000;
	}
	*unit = "ms";
	return 1;
}

/* Latency distribution: the histogram's counts in round bins, the SLA as a line. */
static void
chart_latency_hist(html *h)
{
	const an_engine *e = h->e;
	const lc_hist *hs = &e->latency.hist;
	double sla = e->cfg.latency_sla_ms, xmax, bin, ymax = 1;
	uint64_t counts[32] = {0}, over = 0;
	int nbins = 25;
	const char *unit;
	char title[160], note[160] = "";
	chart c = {.w = 640, .h = 300, .ml = 56, .mr = 18, .mt = 16, .mb = 44, .yscale = 1};

	xmax = fmax(sla * 1.5, fmin(an_html_us_ms(hs->max),
	    an_html_us_ms(lc_hist_percentile(hs, 99)) * 1.25));
	bin = nice_step(xmax, nbins);
	nbins = (int)ceil(xmax / bin);
	if (nbins > 30)
		nbins = 30;
	for (int i = 0; i < nbins; i++) {
		uint64_t lo = (uint64_t)(i * bin * 1000), hi = (uint64_t)((i + 1) * bin * 1000);

		counts[i] = lc_hist_count_le(hs, hi - 1) - (lo ? lc_hist_count_le(hs, lo - 1) : 0);
		ymax = fmax(ymax, (double)counts[i]);
	}
	over = hs->count - lc_hist_count_le(hs, (uint64_t)(nbins * bin * 1000) - 1);
	c.x0 = 0;
	c.x1 = nbins * bin;
	c.xscale = ms_scale(c.x1, &unit);
	c.y0 = 0;
	c.y1 = ymax * 1.1;
	snprintf(title, sizeof(title), "Latency distribution: agent message to ack (%" PRIu64
	    " messages)", hs->count);
	chart_open(h, &c, "chart-latency-dist", title, "Histogram of delivery latencies in bins; "
	    "bars past the SLA line are breaches.");
	if (hs->count == 0) {
		chart_empty(h, &c, "no acknowledged agent messages");
	} else {
		for (int i = 0; i < nbins; i++) {
			double x0 = ch_x(&c, i * bin), x1 = ch_x(&c, (i + 1) * bin);

			if (counts[i] == 0)
				continue;
			putf(h, "<rect class=\"bar%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
			    "<title>%g–%g ms: %" PRIu64 " message%s</title></rect>\n",
			    (i + 1) * bin > sla ? " over" : "", x0 + 0.5, ch_y(&c, (double)counts[i]),
			    x1 - x0 - 1, ch_y(&c, 0) - ch_y(&c, (double)counts[i]), i * bin, (i + 1) * bin,
			    counts[i], counts[i] == 1 ? "" : "s");
		}
	}
	{
		char xt[64];

		snprintf(xt, sizeof(xt), "latency (%s)", unit);
		chart_axes(h, &c, xt, "messages", true, true);
	}
	snprintf(title, sizeof(title), "SLA %g ms", sla);
	chart_sla(h, &c, true, sla, title);
	if (over)
		snprintf(note, sizeof(note), "%" PRIu64 " slower message(s) past %g ms are off the chart "
		    "(max %.0f ms).", over, nbins * bin, an_html_us_ms(hs->max));
	chart_close(h, note);
}

/* Latency over time: the engine's bounded sample series, the SLA as a line. */
static void
chart_latency_time(html *h)
{
	const an_engine *e = h->e;
	double sla = e->cfg.latency_sla_ms, ymax = sla * 1.25;
	const char *unit;
	char title[160], note[200] = "", yt[64];
	chart c = {.w = 640, .h = 300, .ml = 56, .mr = 18, .mt = 16, .mb = 44, .xk = AX_CLOCK,
	    .xscale = 1};

	for (uint32_t i = 0; i < e->n_lat; i++)
		ymax = fmax(ymax, (double)e->lat_series[i].latency_us / 1000.0 * 1.1);
	c.origin_ns = h->t0;
	c.x0 = 0;
	c.x1 = fmax(1, (double)(h->t1 - h->t0) / 1e9);
	c.y0 = 0;
	c.y1 = ymax;
	c.yscale = ms_scale(ymax, &unit);
	snprintf(title, sizeof(title), "Latency over time (%u point%s)", e->n_lat, e->n_lat == 1 ? "" : "s");
	chart_open(h, &c, "chart-latency-time", title, "Each point is one agent message's delivery "
	    "latency at the time its ack arrived; points above the SLA line are breaches.");
	snprintf(yt, sizeof(yt), "latency (%s)", unit);
	chart_axes(h, &c, "time (UTC)", yt, true, true);
	if (e->n_lat == 0)
		chart_empty(h, &c, "no acknowledged agent messages");
	for (uint32_t i = 0; i < e->n_lat; i++) {
		const an_lat_pt *p = &e->lat_series[i];
		double ms = (double)p->latency_us / 1000.0;
		char ts[16];

		an_html_fmt_wall(p->wall_ns, "%H:%M:%S", ts, sizeof(ts));
		putf(h, "<circle class=\"pt%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"><title>%s UTC: %.0f ms"
		    "</title></circle>\n", ms > sla ? " over" : "", ch_x(&c, (double)(p->wall_ns -
		    h->t0) / 1e9), ch_y(&c, ms), ts, ms);
	}
	snprintf(title, sizeof(title), "SLA %g ms", sla);
	chart_sla(h, &c, false, sla, title);
	if (e->lat_stride > 1)
		snprintf(note, sizeof(note), "One latency in %u is plotted (%" PRIu64 " measured); the "
		    "distribution above counts them all.", e->lat_stride, e->latency.hist.count);
	chart_close(h, note);
}

/* Short label for a conversation id in a chart (the full id is in the title). */
static void
put_label(html *h, const char *id)
{
	size_t n = strlen(id);

	if (n <= HTML_LABEL_MAX) {
		esc(h, id);
		return;
	}
	while (n > HTML_LABEL_MAX - 1 && (id[n - 1] & 0xc0) == 0x80)
		n--;
	esc_n(h, id, HTML_LABEL_MAX - 1 < n ? HTML_LABEL_MAX - 1 : n);
	put(h, "…");
}

/* Response time per conversation: mean as a bar, max as a tick, first response as a dot. */
static void
chart_response(html *h)
{
	const an_engine *e = h->e;
	uint32_t n = e->n_convs < HTML_CONV_CHART ? e->n_convs : HTML_CONV_CHART;
	double sla = e->cfg.response_sla_ms, xmax = sla * 1.2;
	const char *unit;
	char title[160], note[160] = "", xt[64];
	chart c = {.w = 640, .mr = 18, .mt = 16, .mb = 44, .ml = 150, .yscale = 1};

	for (uint32_t i = 0; i < n; i++)
		xmax = fmax(xmax, fmax((double)e->convs[i]->response_max_ms,
		    (double)e->convs[i]->first_response_ms) * 1.1);
	c.h = c.mt + c.mb + 24 * (int)(n ? n : 1);
	c.x0 = 0;
	c.x1 = xmax;
	c.xscale = ms_scale(xmax, &unit);
	c.y0 = 0;
	c.y1 = n ? n : 1;
	chart_open(h, &c, "chart-response", "Response time per conversation",
	    "For each conversation, the bar is the mean time from a customer message to the agent's "
	    "next reply, the tick the longest, the dot the first response.");
	snprintf(xt, sizeof(xt), "response time (%s)", unit);
	putf(h, "<text class=\"atitle\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
	    (c.ml + c.w - c.mr) / 2, c.h - 6, xt);
	{
		double step = nice_step(c.x1, 6);
		char lab[32];

		for (double v = 0; v <= c.x1 + step * 1e-9; v += step) {
			snprintf(lab, sizeof(lab), "%g", v / c.xscale);
			putf(h, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>"
			    "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
			    ch_x(&c, v), ch_x(&c, v), c.mt, c.h - c.mb, ch_x(&c, v), c.h - c.mb + 18, lab);
		}
	}
	if (n == 0)
		chart_empty(h, &c, "no conversations");
	for (uint32_t i = 0; i < n; i++) {
		const an_conv *cv = e->convs[i];
		double y = c.mt + 24.0 * i, mean = cv->responses ? (double)cv->response_sum_ms /
		    cv->responses : 0;

		putf(h, "<g class=\"row\"><title>");
		esc(h, cv->id);
		putf(h, ": %u response%s, mean %.0f ms, max %" PRId64 " ms, first %" PRId64 " ms</title>"
		    "<a href=\"#conv-%u\"><text class=\"ylab\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">",
		    cv->responses, cv->responses == 1 ? "" : "s", mean, cv->response_max_ms,
		    cv->first_response_ms, cv->index, c.ml - 6, y + 16);
		put_label(h, cv->id);
		put(h, "</text></a>");
		if (cv->responses == 0) {
			putf(h, "<text class=\"tick\" x=\"%d\" y=\"%.1f\">no reply measured</text></g>\n",
			    c.ml + 6, y + 16);
			continue;
		}
		putf(h, "<rect class=\"bar%s\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"14\"/>"
		    "<line class=\"max\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
		    cv->response_breaches ? " over" : "", c.ml, y + 5, ch_x(&c, mean) - c.ml,
		    ch_x(&c, (double)cv->response_max_ms), ch_x(&c, (double)cv->response_max_ms), y + 3,
		    y + 21);
		if (cv->first_response_ms >= 0)
			putf(h, "<circle class=\"first\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\"/>",
			    ch_x(&c, (double)cv->first_response_ms), y + 12);
		put(h, "</g>\n");
	}
	putf(h, "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>\n", c.ml, c.w - c.mr,
	    c.h - c.mb, c.h - c.mb);
	snprintf(title, sizeof(title), "SLA %g ms", sla);
	chart_sla(h, &c, true, sla, title);
	if (e->n_convs > n)
		snprintf(note, sizeof(note), "The first %u of %u conversations; the table below lists "
		    "them all.", n, e->n_convs);
	chart_close(h, note);
}

/* ---------------------------------------------------------------- timeline */

static const struct {
	an_finding_kind kind;
	const char *label, *cls;
} tl_lanes[] = {
	{AN_F_RATE_LIMITED, "429 rate limited", "rl"},
	{AN_F_RETRY_AFTER_VIOLATED, "Retry-After violated", "viol"},
	{AN_F_RETRIES_EXHAUSTED, "retries exhausted", "viol"},
	{AN_F_HANDSHAKE_REFUSED, "handshake refused", "rl"},
	{AN_F_DISCONNECT, "disconnect", "down"},
	{AN_F_RECONNECT, "reconnect", "up"},
	{AN_F_GAP, "capture gap", "gap"},
	{AN_F_TOKEN_REFRESH, "token refresh", "tok"},
	{AN_F_AUTH_FAILURE, "401 / 403", "viol"},
};
#define TL_LANES (sizeof(tl_lanes) / sizeof(tl_lanes[0]))

int
an_html_tl_lane(an_finding_kind k)
{
	for (size_t i = 0; i < TL_LANES; i++)
		if (tl_lanes[i].kind == k)
			return (int)i;
	return -1;
}

/* One line of words for a timeline item (title text and transcript separators). */
void
an_html_tl_describe(const tl_item *it, char *out, size_t cap)
{
	char d[32], l[32];

	an_html_fmt_dur(it->value_ms, d, sizeof(d));
	an_html_fmt_dur(it->limit_ms, l, sizeof(l));
	switch (it->kind) {
	case AN_F_RATE_LIMITED:
		if (it->limit_ms >= 0)
			snprintf(out, cap, "429 on %s, Retry-After %s", it->what, l);
		else
			snprintf(out, cap, "429 on %s, no Retry-After", it->what);
		break;
	case AN_F_RETRY_AFTER_VIOLATED:
		snprintf(out, cap, "%s retried after %s, Retry-After asked %s", it->what, d, l);
		break;
	case AN_F_RETRIES_EXHAUSTED:
		snprintf(out, cap, "%s gave up after %" PRId64 " attempt(s)", it->what, it->value_ms);
		break;
	case AN_F_HANDSHAKE_REFUSED:
		snprintf(out, cap, "stream handshake refused with %d", it->status);
		break;
	case AN_F_DISCONNECT:
		snprintf(out, cap, "stream closed (code %d%s%s)", it->status, it->reason[0] ? ", " : "",
		    it->reason);
		break;
	case AN_F_RECONNECT:
		snprintf(out, cap, "stream reconnected after %s", d);
		break;
	case AN_F_GAP:
		snprintf(out, cap, "capture gap of %s%s%s", d, it->reason[0] ? ": " : "", it->reason);
		break;
	case AN_F_TOKEN_REFRESH:
		snprintf(out, cap, "access token refreshed");
		break;
	case AN_F_AUTH_FAILURE:
		snprintf(out, cap, "%d on %s", it->status, it->what);
		break;
	default:
		snprintf(out, cap, "%s", an_finding_kind_name(it->kind));
		break;
	}
}

static void
chart_timeline(html *h)
{
	char note[200] = "", what[256], ts[16];
	chart c = {.w = 1180, .ml = 150, .mr = 18, .mt = 10, .mb = 44, .xk = AX_CLOCK, .xscale = 1,
	    .yscale = 1};

	c.h = c.mt + c.mb + 26 * (int)TL_LANES;
	c.origin_ns = h->t0;
	c.x0 = 0;
	c.x1 = fmax(1, (double)(h->t1 - h->t0) / 1e9);
	c.y0 = 0;
	c.y1 = TL_LANES;
	chart_open(h, &c, "chart-timeline", "Rate-limit and connection events",
	    "A timeline with one lane per kind of event: 429s, Retry-After violations, exhausted "
	    "retries, refused handshakes, disconnects, reconnects, capture gaps, token refreshes and "
	    "authentication failures.");
	for (size_t l = 0; l < TL_LANES; l++)
		putf(h, "<line class=\"lane\" x1=\"%d\" x2=\"%d\" y1=\"%zu\" y2=\"%zu\"/><text class=\"ylab\" "
		    "x=\"%d\" y=\"%zu\" text-anchor=\"end\">%s</text>\n", c.ml, c.w - c.mr, c.mt + 26 * l + 13,
		    c.mt + 26 * l + 13, c.ml - 6, c.mt + 26 * l + 17, tl_lanes[l].label);
	chart_axes(h, &c, "time (UTC)", NULL, true, false);
	for (uint32_t i = 0; i < h->n_tl; i++) {
		const tl_item *it = &h->tl[i];
		int lane = an_html_tl_lane(it->kind);
		double x, y;

		if (lane < 0)
			continue;
		x = ch_x(&c, fmin(c.x1, fmax(0, (double)(it->wall_ns - h->t0) / 1e9)));
		y = c.mt + 26.0 * lane + 13;
		an_html_tl_describe(it, what, sizeof(what));
		an_html_fmt_wall(it->wall_ns, "%H:%M:%S", ts, sizeof(ts));
		putf(h, "<g class=\"ev %s\"><title>%s UTC: ", tl_lanes[lane].cls, ts);
		esc(h, what);
		put(h, "</title>");
		if (it->kind == AN_F_GAP && it->value_ms > 0) {
			double x0 = fmax(c.ml, ch_x(&c, (double)(it->wall_ns - h->t0) / 1e9 -
			    (double)it->value_ms / 1000.0));

			putf(h, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"12\"/>", x0, y - 6,
			    fmax(2, x - x0));
		} else {
			putf(h, "<path d=\"M%.1f %.1fl6 7l-6 7l-6 -7z\"/>", x, y - 7);
		}
		put(h, "</g>\n");
	}
	if (h->n_tl == 0)
		chart_empty(h, &c, h->have_tape ? "no rate-limit or connection events" :
		    "no tape: events unknown");
	if (h->tl_dropped)
		snprintf(note, sizeof(note), "The first %d events are drawn; %" PRIu64 " later ones are "
		    "not (see the findings of cxreplay play).", AN_HTML_MAX_TIMELINE, h->tl_dropped);
	chart_close(h, note);
}

/* The sentiment of one conversation over its course, from the engine's trend points. */
void
an_html_chart_conv_sentiment(html *h, const an_conv *c)
{
	char id[32], title[64];
	double xmax = 1;
	chart k = {.w = 720, .h = 170, .ml = 56, .mr = 18, .mt = 10, .mb = 40, .xk = AX_OFFSET,
	    .xscale = 1, .yscale = 1, .y0 = -1, .y1 = 1};

	for (uint32_t i = 0; i < c->n_trend; i++)
		xmax = fmax(xmax, (double)c->trend[i].offset_ms / 1000.0);
	k.x1 = xmax * 1.03;
	snprintf(id, sizeof(id), "sent-%u", c->index);
	snprintf(title, sizeof(title), "Sentiment over conversation %u", c->index);
	chart_open(h, &k, id, title, "Compound sentiment (-1 to 1) of each message in order; customer "
	    "dots are blue, agent dots grey; the shaded bands are negative and positive.");
	putf(h, "<rect class=\"band-neg\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\"/>"
	    "<rect class=\"band-pos\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\"/>\n", k.ml,
	    ch_y(&k, -0.05), k.w - k.ml - k.mr, ch_y(&k, -1) - ch_y(&k, -0.05), k.ml, ch_y(&k, 1),
	    k.w - k.ml - k.mr, ch_y(&k, 0.05) - ch_y(&k, 1));
	chart_axes(h, &k, "time into the conversation (m:ss)", "compound", true, true);
	if (c->n_trend == 0)
		chart_empty(h, &k, "no scored messages");
	if (c->n_trend > 1) {
		put(h, "<polyline class=\"trend\" points=\"");
		for (uint32_t i = 0; i < c->n_trend; i++)
			putf(h, "%s%.1f,%.1f", i ? " " : "", ch_x(&k, (double)c->trend[i].offset_ms / 1000.0),
			    ch_y(&k, c->trend[i].compound));
		put(h, "\"/>\n");
	}
	for (uint32_t i = 0; i < c->n_trend; i++) {
		const an_trend_pt *p = &c->trend[i];
		char off[32];

		an_html_fmt_offset(p->offset_ms, off, sizeof(off));
		putf(h, "<circle class=\"sp %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\"><title>%s %s: %+.4f</title>"
		    "</circle>\n", p->from == LC_FROM_CUSTOMER ? "cust" : "agent",
		    ch_x(&k, (double)p->offset_ms / 1000.0), ch_y(&k, p->compound), off,
		    lc_env_from_name((lc_env_from)p->from), p->compound);
	}
	chart_close(h, c->trend_stride > 1 ? "A sample of the messages (every one up to the "
	    "trend_points setting, then thinned evenly)." : NULL);
}
void
an_html_section_charts(html *h)
{
	put(h, "<section id=\"charts\" aria-labelledby=\"h-charts\"><h2 id=\"h-charts\">Charts</h2>"
	    "<div class=\"charts\">\n");
	chart_latency_hist(h);
	chart_latency_time(h);
	chart_response(h);
	put(h, "</div>\n<div class=\"charts timeline\">");
	chart_timeline(h);
	put(h, "</div></section>\n");
}
