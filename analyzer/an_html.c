/* SPDX-License-Identifier: MIT */
/* an_html: the self-contained HTML SLA report (tiles, SVG charts, tables, annotated transcripts). */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lc_utf8.h"
#include "an_engine_int.h"
#include "an_feed.h"
#include "an_html.h"
#include "lc_json.h"
#include "lc_map.h"

#define HTML_FMT_MAX 1024       /* one formatted fragment; longer ones go through the heap */
#define HTML_CONV_CHART 40      /* conversations in the response-time chart */
#define HTML_LABEL_MAX 18       /* characters of a conversation id used as a chart label */

/* A rate-limit or connection event kept from the findings pass, for the timeline and separators. */
typedef struct tl_item {
	an_finding_kind kind;
	int64_t wall_ns;
	uint32_t sess;          /* the report engine's session index, 0 = none */
	int64_t value_ms, limit_ms;
	int status;
	char what[96];          /* endpoint */
	char reason[64];
} tl_item;

typedef struct html {
	an_engine *e;
	lc_buf *b;
	lc_status rc;           /* the first failure; every writer is a no-op after it */
	lc_map *marks;          /* agent message id -> (uintptr_t)(latency_ms + 2), or 1 = never acked */
	tl_item *tl;
	uint32_t n_tl;
	uint64_t tl_dropped, marks_dropped;
	lc_json_parser *parser;
	uint32_t rows_total;    /* transcript rows written so far */
	uint32_t convs_shown;   /* conversations given a transcript */
	bool have_tape;
	int64_t t0, t1;         /* wall range of the chat activity: the time axes */
} html;

/* ---------------------------------------------------------------- output */

static void
put(html *h, const char *s)
{
	if (h->rc == LC_OK)
		h->rc = lc_buf_append_str(h->b, s);
}

static void putf(html *h, const char *fmt, ...) LC_PRINTF(2, 3);

static void
putf(html *h, const char *fmt, ...)
{
	char small[HTML_FMT_MAX];
	va_list ap;
	int n;

	if (h->rc != LC_OK)
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		h->rc = LC_EINTERNAL;
	} else if ((size_t)n < sizeof(small)) {
		h->rc = lc_buf_append(h->b, small, (size_t)n);
	} else {
		char *big = malloc((size_t)n + 1);

		if (big == NULL) {
			h->rc = LC_ENOMEM;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		h->rc = lc_buf_append(h->b, big, (size_t)n);
		free(big);
	}
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one. */

/*
 * Text from the tape into HTML text or an attribute value: markup characters
 * become entities, invalid UTF-8 and control characters U+FFFD, so nothing a
 * chat participant types can open a tag, end an attribute or break the page.
 */
static void
esc_n(html *h, const void *p, size_t len)
{
	const uint8_t *s = p;
	size_t i = 0;

	while (h->rc == LC_OK && i < len) {
		size_t run = i, k;

		while (run < len && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '&' && s[run] != '<' &&
		    s[run] != '>' && s[run] != '"' && s[run] != '\'')
			run++;
		if (run > i) {
			h->rc = lc_buf_append(h->b, s + i, run - i);
			i = run;
			continue;
		}
		switch (s[i]) {
		case '&': put(h, "&amp;"); i++; continue;
		case '<': put(h, "&lt;"); i++; continue;
		case '>': put(h, "&gt;"); i++; continue;
		case '"': put(h, "&quot;"); i++; continue;
		case '\'': put(h, "&#39;"); i++; continue;
		case '\t': case '\n': put(h, " "); i++; continue;
		default: break;
		}
		k = s[i] >= 0x80 ? lc_utf8_len(s + i, len - i) : 0;
		if (k > 0)
			h->rc = lc_buf_append(h->b, s + i, k);
		else
			put(h, "\xef\xbf\xbd");
		i += k ? k : 1;
	}
}

static void
esc(html *h, const char *s)
{
	esc_n(h, s, strlen(s));
}

/* ---------------------------------------------------------------- numbers and times */

static double
us_ms(uint64_t us)
{
	return (double)us / 1000.0;
}

static void
fmt_wall(int64_t wall_ns, const char *fmt, char *out, size_t cap)
{
	time_t t = (time_t)(wall_ns > 0 ? wall_ns / 1000000000 : 0);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, cap, fmt, &tm);
}

/* "2023-10-31T15:17:12.345Z" for datetime attributes. */
static void
fmt_iso(int64_t wall_ns, char out[40])
{
	char s[32];

	fmt_wall(wall_ns, "%Y-%m-%dT%H:%M:%S", s, sizeof(s));
	snprintf(out, 40, "%s.%03dZ", s, (int)(wall_ns > 0 ? (wall_ns / 1000000) % 1000 : 0));
}

/* A duration for people: "850 ms", "4.2 s", "3 min 5 s", "2 h 4 min". */
static void
fmt_dur(int64_t ms, char *out, size_t cap)
{
	if (ms < 0)
		snprintf(out, cap, "–");
	else if (ms < 1000)
		snprintf(out, cap, "%" PRId64 " ms", ms);
	else if (ms < 60000)
		snprintf(out, cap, "%.1f s", (double)ms / 1000.0);
	else if (ms < 3600000)
		snprintf(out, cap, "%" PRId64 " min %" PRId64 " s", ms / 60000, ms / 1000 % 60);
	else
		snprintf(out, cap, "%" PRId64 " h %" PRId64 " min", ms / 3600000, ms / 60000 % 60);
}

/* An offset within a conversation: "+1:05.2". */
static void
fmt_offset(int64_t ms, char *out, size_t cap)
{
	if (ms < 0)
		ms = 0;
	snprintf(out, cap, "+%" PRId64 ":%04.1f", ms / 60000, (double)(ms % 60000) / 1000.0);
}

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

		fmt_wall(ns, step >= 86400 ? "%m-%d" : step >= 60 ? "%H:%M" : "%H:%M:%S", out, cap);
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

	xmax = fmax(sla * 1.5, fmin(us_ms(hs->max), us_ms(lc_hist_percentile(hs, 99)) * 1.25));
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
		    "(max %.0f ms).", over, nbins * bin, us_ms(hs->max));
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

		fmt_wall(p->wall_ns, "%H:%M:%S", ts, sizeof(ts));
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

static int
tl_lane(an_finding_kind k)
{
	for (size_t i = 0; i < TL_LANES; i++)
		if (tl_lanes[i].kind == k)
			return (int)i;
	return -1;
}

/* One line of words for a timeline item (title text and transcript separators). */
static void
tl_describe(const tl_item *it, char *out, size_t cap)
{
	char d[32], l[32];

	fmt_dur(it->value_ms, d, sizeof(d));
	fmt_dur(it->limit_ms, l, sizeof(l));
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
		int lane = tl_lane(it->kind);
		double x, y;

		if (lane < 0)
			continue;
		x = ch_x(&c, fmin(c.x1, fmax(0, (double)(it->wall_ns - h->t0) / 1e9)));
		y = c.mt + 26.0 * lane + 13;
		tl_describe(it, what, sizeof(what));
		fmt_wall(it->wall_ns, "%H:%M:%S", ts, sizeof(ts));
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

/* ---------------------------------------------------------------- the findings pass */

static uint32_t
session_of(const an_engine *e, lc_bytes s)
{
	return s.len ? (uint32_t)(uintptr_t)lc_map_get(e->sessions, s.ptr, s.len) : 0;
}

static void
copy_cut(char *dst, size_t cap, lc_bytes b)
{
	size_t n = b.len < cap - 1 ? b.len : cap - 1;

	while (n > 0 && n < b.len && (b.ptr[n] & 0xc0) == 0x80)
		n--;
	if (n)
		memcpy(dst, b.ptr, n);
	dst[n] = '\0';
}

static void
on_finding(const an_finding *f, void *ud)
{
	html *h = ud;
	tl_item *it;

	if (f->kind == AN_F_LATENCY_BREACH || f->kind == AN_F_UNACKED) {
		uintptr_t v = f->kind == AN_F_UNACKED ? 1 : (uintptr_t)f->value_ms + 2;

		if (f->message_id.len == 0)
			return;
		if (lc_map_put(h->marks, f->message_id.ptr, f->message_id.len, (void *)v) != LC_OK)
			h->marks_dropped++;
		return;
	}
	if (tl_lane(f->kind) < 0)
		return;
	if (h->n_tl == AN_HTML_MAX_TIMELINE) {
		h->tl_dropped++;
		return;
	}
	it = &h->tl[h->n_tl++];
	memset(it, 0, sizeof(*it));
	it->kind = f->kind;
	it->wall_ns = f->wall_ns;   /* 0: found at the end of input; set by activity_range */
	it->sess = session_of(h->e, f->session);
	it->value_ms = f->value_ms;
	it->limit_ms = f->limit_ms;
	it->status = f->status;
	copy_cut(it->what, sizeof(it->what), f->endpoint);
	copy_cut(it->reason, sizeof(it->reason), f->reason);
}

/* Read the selection again through an engine like e, keeping what the page needs. */
static lc_status
findings_pass(html *h, lc_tape *t, const lc_cursor_opts *sel, lc_err *err)
{
	an_config cfg = h->e->cfg;
	an_engine *e2 = NULL;
	lc_status rc;

	cfg.sentiment_findings = false;
	rc = an_engine_new(&cfg, h->e->lx, h->e->rules, on_finding, h, &e2, err);
	if (rc == LC_OK)
		rc = an_feed_tape(t, sel, e2, NULL, NULL, NULL, err);
	an_engine_free(e2);
	return rc;
}

/*
 * The time axes span the chat activity (conversations, latencies, timeline
 * events), not every event: an import's own annotation carries the time of
 * the import, which could stretch a day of chat over years.
 */
static void
activity_range(html *h)
{
	const an_engine *e = h->e;
	int64_t lo = INT64_MAX, hi = INT64_MIN;

#define SEE(w) do { if ((w) != 0) { lo = (w) < lo ? (w) : lo; hi = (w) > hi ? (w) : hi; } } while (0)
	for (uint32_t i = 0; i < e->n_convs; i++) {
		SEE(e->convs[i]->start.wall);
		SEE(e->convs[i]->end.wall);
	}
	for (uint32_t i = 0; i < e->n_lat; i++)
		SEE(e->lat_series[i].wall_ns);
	for (uint32_t i = 0; i < h->n_tl; i++)
		SEE(h->tl[i].wall_ns);
#undef SEE
	if (lo > hi) {
		lo = e->first_wall;
		hi = e->last_wall;
	}
	h->t0 = lo;
	h->t1 = hi;
	for (uint32_t i = 0; i < h->n_tl; i++)
		if (h->tl[i].wall_ns == 0)
			h->tl[i].wall_ns = hi;
}

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
	fmt_dur((int64_t)(lc_hist_percentile(hs, 50) / 1000), a, sizeof(a));
	fmt_dur((int64_t)(lc_hist_percentile(hs, 90) / 1000), b, sizeof(b));
	fmt_dur((int64_t)(lc_hist_percentile(hs, 99) / 1000), c, sizeof(c));
	putf(h, "<p class=\"big\"><abbr title=\"median\">p50</abbr> %s</p><p class=\"sub\">p90 %s · "
	    "p99 %s · %" PRIu64 " measured, %" PRIu64 " over %u ms</p></div>\n", a, b, c, hs->count,
	    m->breaches, m->threshold_ms);
}

static void
section_tiles(html *h)
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
	fmt_dur(e->gap_ms, d, sizeof(d));
	tile_open(h, "connection", "Reconnects and gaps", e->gaps > 0 || e->reconnects > 0);
	putf(h, "<p class=\"big\">%" PRIu64 " <small>reconnect%s</small></p><p class=\"sub\">%" PRIu64
	    " disconnect%s · %" PRIu64 " gap%s (%s) · reconnect p50 %.0f ms</p></div>\n",
	    e->reconnects, e->reconnects == 1 ? "" : "s", e->disconnects,
	    e->disconnects == 1 ? "" : "s", e->gaps, e->gaps == 1 ? "" : "s", d,
	    us_ms(lc_hist_percentile(&e->reconnect_hist, 50)));
	put(h, "</div></section>\n");
}

/* ---------------------------------------------------------------- tables */

/* A numeric cell: data-v carries the value the table sorts on. */
static void
td_ms(html *h, int64_t ms, bool bad)
{
	char d[32];

	fmt_dur(ms, d, sizeof(d));
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

static void
section_agents(html *h)
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

	fmt_wall(c->start.wall, "%H:%M:%S", t0, sizeof(t0));
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

		fmt_dur(c->response_sum_ms / c->responses, mean, sizeof(mean));
		fmt_dur(c->response_max_ms, max, sizeof(max));
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

static void
section_conversations(html *h)
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

static void
section_rate_limits(html *h)
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
	fmt_dur(e->gap_ms, d, sizeof(d));
	putf(h, "</tbody></table></div>\n<dl class=\"facts\"><dt>Token-bucket model (%g/s, burst %g)</dt>"
	    "<dd>would have held %" PRIu64 " of %" PRIu64 " sends</dd><dt>Stream</dt><dd>%" PRIu64
	    " connects, %" PRIu64 " disconnects (%" PRIu64 " idle), %" PRIu64 " reconnects, p50 %.0f ms, "
	    "max %.0f ms</dd><dt>Capture</dt><dd>%" PRIu64 " gaps, %s in all</dd><dt>Auth</dt><dd>%"
	    PRIu64 " token refreshes, %" PRIu64 " 401/403</dd><dt>Frames</dt><dd>%" PRIu64 " in, %"
	    PRIu64 " out, %" PRIu64 " malformed, %" PRIu64 " protocol errors</dd></dl>\n",
	    e->cfg.bucket_rate, e->cfg.bucket_burst, e->model_throttled, e->model_sends, e->connects,
	    e->disconnects, e->idle_closes, e->reconnects,
	    us_ms(lc_hist_percentile(&e->reconnect_hist, 50)), us_ms(e->reconnect_hist.max), e->gaps,
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
	lc_map *seen;           /* agent message ids already shown (a resend is a note, not a row) */
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
	fmt_offset((wall_ns - cc->c->start.wall) / 1000000, off, sizeof(off));
	fmt_iso(wall_ns, iso);
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
		tl_describe(it, what, sizeof(what));
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
msg_row(html *h, conv_ctx *cc, const cx_event *ev, const lc_envelope *env, lc_env_from from)
{
	const an_engine *e = h->e;
	an_sentiment s;
	an_match m[AN_TRIGGERS_MAX];
	size_t n = 0;
	uintptr_t mark = 0;
	char off[32], iso[40];
	const char *who = from == LC_FROM_CUSTOMER ? "customer" : from == LC_FROM_AGENT ? "agent" : "system";

	if (from == LC_FROM_AGENT && env->message_id.len) {
		if (lc_map_get(cc->seen, env->message_id.ptr, env->message_id.len) != NULL) {
			sep_row(h, cc, ev->wall_ns, "note", "message resent", env->message_id);
			return;
		}
		if (lc_map_put(cc->seen, env->message_id.ptr, env->message_id.len, (void *)1) != LC_OK)
			h->marks_dropped++;
		mark = (uintptr_t)lc_map_get(h->marks, env->message_id.ptr, env->message_id.len);
	}
	if (cc->rows >= AN_HTML_MAX_MESSAGES || h->rows_total >= AN_HTML_MAX_TOTAL_ROWS) {
		cc->hidden++;
		return;
	}
	cc->rows++;
	h->rows_total++;
	an_sentiment_score(e->lx, e->cfg.mode, (const char *)env->text.ptr, env->text.len, &s);
	if (from == LC_FROM_CUSTOMER)
		n = an_escalate_scan(e->rules, (const char *)env->text.ptr, env->text.len, m, AN_TRIGGERS_MAX);
	if (n > AN_TRIGGERS_MAX)
		n = AN_TRIGGERS_MAX;
	fmt_offset((ev->wall_ns - cc->c->start.wall) / 1000000, off, sizeof(off));
	fmt_iso(ev->wall_ns, iso);
	putf(h, "<tr class=\"m %s %s%s%s\"><td class=\"t\"><time datetime=\"%s\" title=\"%s\">%s</time>"
	    "</td><td class=\"who\">%s</td><td class=\"txt\">", who, sent_class(s.compound),
	    n ? " esc" : "", mark ? " late" : "", iso, iso, off, who);
	put_text(h, env->text, m, n);
	put(h, "</td>");
	notes_cell(h, &s, env->text, m, n, mark);
	put(h, "</tr>\n");
}

/* One event of a conversation: a message row, a separator, or nothing. */
static void
conv_event(html *h, conv_ctx *cc, const cx_event *ev)
{
	lc_envelope env;
	char what[96];

	sep_timeline(h, cc, ev->wall_ns);
	if ((ev->kind != CX_FRAME_IN && ev->kind != CX_FRAME_OUT) || (ev->flags & CX_F_BINARY) ||
	    lc_json_envelope_parse(h->parser, ev->raw.ptr, ev->raw.len, &env) != LC_OK)
		return;
	switch (env.type) {
	case LC_ENV_MESSAGE:
		if (ev->kind == CX_FRAME_OUT)
			msg_row(h, cc, ev, &env, LC_FROM_AGENT);
		else if (env.from == LC_FROM_CUSTOMER)
			msg_row(h, cc, ev, &env, LC_FROM_CUSTOMER);
		else if (env.from == LC_FROM_AGENT && (ev->flags & CX_F_IMPORTED))
			msg_row(h, cc, ev, &env, LC_FROM_AGENT);
		else if (env.from != LC_FROM_AGENT)
			msg_row(h, cc, ev, &env, LC_FROM_SYSTEM);
		break;         /* a live agent echo repeats the frame_out row */
	case LC_ENV_STATUS:
		sep_row(h, cc, ev->wall_ns, "note", "conversation status", env.status);
		break;
	case LC_ENV_ROUTING:
		sep_row(h, cc, ev->wall_ns, "note", "routed to skill", env.skill);
		break;
	case LC_ENV_ERROR:
		if (env.code == 429 && (env.present & LC_ENVF_RETRY_AFTER))
			snprintf(what, sizeof(what), "error frame 429, retry after %.1f s", env.retry_after_s);
		else
			snprintf(what, sizeof(what), "error frame %d", env.code);
		sep_row(h, cc, ev->wall_ns, env.code == 429 ? "rl" : "down", what, env.text);
		break;
	default:
		break;
	}
}

/* The sentiment of one conversation over its course, from the engine's trend points. */
static void
chart_conv_sentiment(html *h, const an_conv *c)
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

		fmt_offset(p->offset_ms, off, sizeof(off));
		putf(h, "<circle class=\"sp %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\"><title>%s %s: %+.4f</title>"
		    "</circle>\n", p->from == LC_FROM_CUSTOMER ? "cust" : "agent",
		    ch_x(&k, (double)p->offset_ms / 1000.0), ch_y(&k, p->compound), off,
		    lc_env_from_name((lc_env_from)p->from), p->compound);
	}
	chart_close(h, c->trend_stride > 1 ? "A sample of the messages (every one up to the "
	    "trend_points setting, then thinned evenly)." : NULL);
}

static void
conv_meta(html *h, const an_conv *c)
{
	const an_engine *e = h->e;
	char t0[40], t1[40], d[32], fr[32];

	fmt_wall(c->start.wall, "%Y-%m-%d %H:%M:%S", t0, sizeof(t0));
	fmt_wall(c->end.wall, "%H:%M:%S", t1, sizeof(t1));
	fmt_dur(an_tp_diff_ms(c->start, c->end), d, sizeof(d));
	fmt_dur(c->first_response_ms, fr, sizeof(fr));
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

static lc_status
conv_transcript(html *h, lc_tape *t, const lc_cursor_opts *sel, const an_conv *c, lc_err *err)
{
	conv_ctx cc = {.c = c};
	lc_cursor_opts o = *sel;
	lc_cursor *cur = NULL;
	const cx_event *ev;
	lc_status rc;

	putf(h, "<article class=\"conv\" id=\"conv-%u\" aria-labelledby=\"h-conv-%u\"><h3 id=\"h-conv-%u\">"
	    "Conversation ", c->index, c->index, c->index);
	esc(h, c->id);
	put(h, " <a class=\"up\" href=\"#conversations\">↑ table</a></h3>\n");
	conv_meta(h, c);
	chart_conv_sentiment(h, c);
	if (h->rows_total >= AN_HTML_MAX_TOTAL_ROWS) {
		putf(h, "<p class=\"note\">Transcript left out: the page already holds %d transcript rows. "
		    "<code>cxreplay show --conversation ID</code> prints it.</p></article>\n",
		    AN_HTML_MAX_TOTAL_ROWS);
		return LC_OK;
	}
	if ((rc = lc_map_new(AN_HTML_MAX_MESSAGES * 4, &cc.seen)) != LC_OK)
		return lc_err_set(err, rc, "out of memory for a transcript");
	o.conversation = c->id;
	for (cc.tl_next = 0; cc.tl_next < h->n_tl && h->tl[cc.tl_next].wall_ns < c->start.wall;)
		cc.tl_next++;
	put(h, "<table class=\"transcript\"><caption>Transcript</caption><thead><tr><th scope=\"col\">"
	    "Time</th><th scope=\"col\">From</th><th scope=\"col\">Message</th><th scope=\"col\">"
	    "Sentiment and marks</th></tr></thead><tbody>\n");
	rc = lc_cursor_open(t, &o, &cur, err);
	while (rc == LC_OK && h->rc == LC_OK && (rc = lc_cursor_next(cur, &ev, err)) == LC_OK)
		conv_event(h, &cc, ev);
	if (rc == LC_DONE) {
		rc = LC_OK;
		sep_timeline(h, &cc, c->end.wall);
	}
	lc_cursor_close(cur);
	lc_map_free(cc.seen);
	put(h, "</tbody></table>\n");
	if (cc.hidden)
		putf(h, "<p class=\"note\">%u more row%s not shown (at most %d per conversation); "
		    "<code>cxreplay show --conversation ID</code> prints them all.</p>\n", cc.hidden,
		    cc.hidden == 1 ? "" : "s", AN_HTML_MAX_MESSAGES);
	put(h, "</article>\n");
	return rc;
}

static lc_status
section_transcripts(html *h, lc_tape *t, const lc_cursor_opts *sel, lc_err *err)
{
	const an_engine *e = h->e;
	lc_status rc = LC_OK;

	put(h, "<section id=\"transcripts\" aria-labelledby=\"h-transcripts\">"
	    "<h2 id=\"h-transcripts\">Transcripts</h2>\n<p class=\"legend\">Rows are coloured by "
	    "sentiment: <span class=\"sent s-neg2\">very negative</span> <span class=\"sent s-neg\">"
	    "negative</span> <span class=\"sent s-neu\">neutral</span> <span class=\"sent s-pos\">"
	    "positive</span> <span class=\"sent s-pos2\">very positive</span>. Escalation triggers are "
	    "<mark class=\"t-0\">highlighted</mark> with a badge naming the trigger; <span class=\"badge "
	    "late\">ack N ms</span> marks an agent message acknowledged after the latency SLA.</p>\n");
	if (t == NULL)
		put(h, "<p class=\"note\">No tape was given, so there are no transcripts.</p>\n");
	for (uint32_t i = 0; rc == LC_OK && h->rc == LC_OK && i < h->convs_shown; i++)
		rc = conv_transcript(h, t, sel, e->convs[i], err);
	if (h->convs_shown < e->n_convs && t != NULL)
		putf(h, "<p class=\"note\">Transcripts of the first %u of %u conversations; "
		    "<code>cxreplay show --conversation ID</code> prints any other.</p>\n", h->convs_shown,
		    e->n_convs);
	put(h, "</section>\n");
	return rc;
}

/* ---------------------------------------------------------------- page */

static const char html_css[] =
":root{--fg:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#f7f7f4;--card:#fff;--accent:#2b6f8f;"
"--bad:#b83227;--warn:#c9861a;--ok:#2f855a;--blue:#4a86c5;--orange:#e07a5f}\n"
"*{box-sizing:border-box}\n"
"body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"
"'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}\n"
"header,main,footer{max-width:1240px;margin:0 auto;padding:0 24px}\n"
"header{padding-top:22px}h1{font-size:26px;margin:0 0 4px;font-weight:650}"
"h2{font-size:19px;margin:34px 0 12px;padding-bottom:6px;border-bottom:2px solid var(--line)}"
"h3{font-size:15px;margin:0 0 6px}\n"
".range{color:var(--muted);margin:0}nav{margin:10px 0 0;display:flex;gap:16px;flex-wrap:wrap}"
"a{color:var(--accent)}nav a{text-decoration:none;font-weight:550}\n"
".tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px}\n"
".tile{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--accent);"
"border-radius:6px;padding:10px 14px}.tile.bad{border-left-color:var(--bad)}\n"
".tile h3{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);"
"font-weight:600}.big{font-size:25px;font-weight:650;margin:2px 0}.big small{font-size:14px;"
"font-weight:500}.sub{margin:0;color:var(--muted);font-size:13px}\n"
".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:14px}\n"
"figure.chart{margin:0;background:var(--card);border:1px solid var(--line);border-radius:6px;"
"padding:10px 12px}figure.wide{grid-column:1/-1}figcaption{font-weight:600;font-size:14px;"
"margin-bottom:4px}\n"
".charts.timeline{margin-top:14px;grid-template-columns:1fr}\n"
"svg{width:100%;height:auto;display:block;font-family:inherit}\n"
".plot{fill:#fff;stroke:var(--line)}.grid{stroke:#eef0f3}.tk,.axis{stroke:#9aa5b1}"
".tick{font-size:11px;fill:var(--muted)}.atitle{font-size:12px;fill:var(--fg)}"
".ylab{font-size:11.5px;fill:var(--fg)}a .ylab{fill:var(--accent)}"
".empty{font-size:13px;fill:var(--muted)}\n"
".bar{fill:var(--blue)}.bar.over{fill:var(--orange)}.max{stroke:var(--fg);stroke-width:2}"
".first{fill:#fff;stroke:var(--fg);stroke-width:1.5}\n"
".sla line{stroke:var(--bad);stroke-width:1.5;stroke-dasharray:6 4}.sla text{font-size:11px;"
"fill:var(--bad);font-weight:600}\n"
".pt{fill:var(--blue);fill-opacity:.75}.pt.over{fill:var(--bad)}\n"
".lane{stroke:#eef0f3}.ev.rl{fill:var(--warn)}.ev.viol{fill:var(--bad)}.ev.down{fill:#7b4397}"
".ev.up{fill:var(--ok)}.ev.gap{fill:#9aa5b1}.ev.tok{fill:var(--accent)}\n"
".band-neg{fill:#fbeceb}.band-pos{fill:#eaf6ee}.trend{fill:none;stroke:#9aa5b1;stroke-width:1.5}"
".sp.cust{fill:var(--blue)}.sp.agent{fill:#9aa5b1}\n"
".note{color:var(--muted);font-size:13px}.note.bad{color:var(--bad)}\n"
".scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;background:var(--card);"
"font-size:13px}th,td{padding:5px 7px;border-bottom:1px solid var(--line);text-align:left;"
"vertical-align:top}thead th{background:#f0f2f4;font-weight:600;font-size:12.5px;"
"position:sticky;top:0}tbody th{overflow-wrap:anywhere;min-width:7em}abbr{text-decoration:none}"
"#t-convs tbody th{min-width:19em}#t-convs td:nth-child(3),#t-agents tbody th{white-space:nowrap}\n"
"html[data-js] table.sortable thead th{cursor:pointer}th[aria-sort=ascending]::after{content:' ▲'}"
"th[aria-sort=descending]::after{content:' ▼'}\n"
"td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.bad{color:var(--bad);"
"font-weight:600}tbody tr:hover{background:#fafbfc}\n"
".filter input{font:inherit;padding:4px 8px;border:1px solid var(--line);border-radius:4px;"
"width:280px}\n"
".badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;background:#eef0f3;"
"white-space:nowrap}.badge.late{background:#fde2dd;color:var(--bad);font-weight:600}\n"
".t-0{background:#fde2dd}.t-1{background:#fdebc8}.t-2{background:#e2e8fd}.t-3{background:#e0f2e9}"
".t-4{background:#efe2fb}.t-5{background:#e6e6e6}mark{border-radius:3px;padding:0 2px;color:inherit}\n"
"dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0;"
"font-size:13.5px}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}\n"
"article.conv{background:var(--card);border:1px solid var(--line);border-radius:6px;"
"padding:14px 16px;margin:0 0 18px}article.conv figure.chart{border:0;padding:0;max-width:760px}\n"
"a.up{font-weight:400;font-size:12px;margin-left:10px}\n"
"table.transcript caption{text-align:left;font-weight:600;padding:8px 0 4px}"
"table.transcript td.t{white-space:nowrap;color:var(--muted);font-variant-numeric:tabular-nums;"
"width:80px}table.transcript td.who{width:80px;color:var(--muted)}table.transcript td.notes{width:30%}\n"
"tr.m td:first-child{border-left:4px solid #cfd5db}tr.m.s-neg2 td:first-child{border-left-color:"
"#c0392b}tr.m.s-neg td:first-child{border-left-color:#eb9486}tr.m.s-pos td:first-child"
"{border-left-color:#8fd1a8}tr.m.s-pos2 td:first-child{border-left-color:#2f855a}\n"
"tr.m.customer{background:#f5f9fd}tr.m.agent td.txt{padding-left:20px}\n"
"tr.sep td{font-size:12.5px;color:var(--muted);background:repeating-linear-gradient(45deg,#fafafa,"
"#fafafa 6px,#f2f2f2 6px,#f2f2f2 12px)}tr.sep.down td,tr.sep.rl td{color:#7b4397;font-weight:600}\n"
".sent{display:inline-block;min-width:46px;text-align:center;border-radius:10px;font-size:12px;"
"font-variant-numeric:tabular-nums;padding:0 6px}.sent.s-neg2{background:#f6c9c2}.sent.s-neg"
"{background:#fbe3df}.sent.s-neu{background:#eef0f3}.sent.s-pos{background:#e0f2e9}.sent.s-pos2"
"{background:#bfe5cd}td.s-neg2,td.s-neg{color:var(--bad)}td.s-pos2,td.s-pos{color:var(--ok)}\n"
".cut{color:var(--muted)}footer{color:var(--muted);font-size:12.5px;padding:24px}\n"
"@media print{body{background:#fff;font-size:11pt}nav,.filter{display:none!important}"
".tile,figure.chart{break-inside:avoid}"
"thead th{position:static}.scroll{overflow:visible}a{color:inherit;text-decoration:none}"
"h2{break-after:avoid}tr{break-inside:avoid}}\n";

/*
 * The page's only script: sortable tables (click or Enter on a header) and the
 * conversation filter; without it the page is complete. The CSP allows exactly
 * this script by its hash, so anything injected would be refused. Edit both
 * together: `printf %s "$SCRIPT" | openssl dgst -sha256 -binary | base64`; the
 * browser test fails when they disagree (the script would not run).
 */
static const char html_script[] =
"(function(){var d=document,A=Array.prototype;"
"function key(r,i){var c=r.cells[i];if(!c)return'';var v=c.getAttribute('data-v');"
"return v!==null?parseFloat(v):c.textContent.trim().toLowerCase();}"
"A.forEach.call(d.querySelectorAll('table.sortable'),function(t){var hs=t.tHead.rows[0].cells;"
"A.forEach.call(hs,function(th,i){th.tabIndex=0;"
"function go(){var asc=th.getAttribute('aria-sort')!=='ascending';"
"A.forEach.call(hs,function(x){x.removeAttribute('aria-sort');});"
"th.setAttribute('aria-sort',asc?'ascending':'descending');"
"var b=t.tBodies[0],rs=A.slice.call(b.rows);"
"rs.sort(function(p,q){var x=key(p,i),y=key(q,i),r=x<y?-1:x>y?1:0;return asc?r:-r;});"
"rs.forEach(function(r){b.appendChild(r);});}"
"th.addEventListener('click',go);"
"th.addEventListener('keydown',function(ev){if(ev.key==='Enter'||ev.key===' '){ev.preventDefault();go();}});"
"});});"
"A.forEach.call(d.querySelectorAll('input[data-filter]'),function(inp){"
"var t=d.getElementById(inp.getAttribute('data-filter'));inp.closest('.filter').hidden=false;"
"inp.addEventListener('input',function(){var q=inp.value.toLowerCase();"
"A.forEach.call(t.tBodies[0].rows,function(r){r.hidden=q!==''&&r.textContent.toLowerCase().indexOf(q)<0;});});});"
"d.documentElement.setAttribute('data-js','ok');})();";

#define HTML_SCRIPT_SHA256 "+AZ/ATcSEzVZTdJhgOhB8OMegJKe75jHLP+gerK0f9Y="

static void
page_head(html *h)
{
	const an_engine *e = h->e;
	char t0[40], t1[40];

	fmt_wall(h->t0, "%Y-%m-%d %H:%M", t0, sizeof(t0));
	fmt_wall(h->t1, h->t1 - h->t0 < 86400000000000LL ? "%H:%M" : "%Y-%m-%d %H:%M", t1, sizeof(t1));
	putf(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	    "style-src 'unsafe-inline'; script-src 'sha256-%s'; base-uri 'none'; form-action 'none'\">\n"
	    "<meta name=\"generator\" content=\"cxtape %s\">\n"
	    "<title>cxtape SLA report · %s – %s UTC</title>\n<style>\n%s</style>\n</head>\n<body>\n",
	    HTML_SCRIPT_SHA256, CXTAPE_VERSION, t0, t1, html_css);
	fmt_wall(h->t0, "%Y-%m-%d %H:%M:%S", t0, sizeof(t0));
	fmt_wall(h->t1, "%Y-%m-%d %H:%M:%S", t1, sizeof(t1));
	putf(h, "<header><h1>SLA report</h1><p class=\"range\"><time>%s</time> – <time>%s</time> UTC · "
	    "%u session%s · %" PRIu64 " events · %s sentiment · latency SLA %u ms · response SLA %u ms"
	    "</p>\n", t0, t1, e->n_sessions, e->n_sessions == 1 ? "" : "s", e->events,
	    e->cfg.mode == AN_MODE_VADER ? "VADER" : "chat", e->cfg.latency_sla_ms,
	    e->cfg.response_sla_ms);
	put(h, "<nav aria-label=\"sections\"><a href=\"#summary\">Summary</a><a href=\"#charts\">Charts"
	    "</a><a href=\"#agents\">Agents</a><a href=\"#conversations\">Conversations</a>"
	    "<a href=\"#rate-limits\">Rate limits</a><a href=\"#transcripts\">Transcripts</a></nav>"
	    "</header>\n<main>\n");
}

static void
page_foot(html *h)
{
	const an_engine *e = h->e;

	putf(h, "</main>\n<footer>Made by cxtape %s from the tape's events alone (no clock): the same "
	    "events give the same page. Settings: latency SLA %u ms, first response SLA %u ms, response "
	    "SLA %u ms, bucket %g/s burst %g, %s sentiment.%s</footer>\n<script>%s</script>\n"
	    "</body>\n</html>\n", CXTAPE_VERSION, e->cfg.latency_sla_ms, e->cfg.first_response_sla_ms,
	    e->cfg.response_sla_ms, e->cfg.bucket_rate, e->cfg.bucket_burst,
	    e->cfg.mode == AN_MODE_VADER ? "VADER" : "chat",
	    h->marks_dropped ? " Some latency marks were left out (over the page's cap)." : "",
	    html_script);
}

static void
section_charts(html *h)
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

lc_status
an_report_html(an_engine *e, lc_tape *t, const lc_cursor_opts *sel, lc_buf *out, lc_err *err)
{
	html h = {.e = e, .b = out, .have_tape = t != NULL};
	size_t mark = out->len;
	lc_cursor_opts all;
	lc_status rc = LC_ENOMEM;

	if (sel == NULL) {
		lc_cursor_opts_init(&all);
		sel = &all;
	}
	h.tl = calloc(AN_HTML_MAX_TIMELINE, sizeof(*h.tl));
	if (h.tl == NULL || lc_map_new(AN_HTML_MAX_MARKS, &h.marks) != LC_OK) {
		rc = lc_err_set(err, LC_ENOMEM, "out of memory for the HTML report");
		goto out;
	}
	if ((rc = lc_json_parser_new(&h.parser, err)) != LC_OK)
		goto out;
	if (t != NULL && (rc = findings_pass(&h, t, sel, err)) != LC_OK)
		goto out;
	activity_range(&h);
	h.convs_shown = t == NULL ? 0 : e->n_convs < AN_HTML_MAX_TRANSCRIPTS ? e->n_convs :
	    AN_HTML_MAX_TRANSCRIPTS;
	page_head(&h);
	section_tiles(&h);
	section_charts(&h);
	section_agents(&h);
	section_conversations(&h);
	section_rate_limits(&h);
	rc = section_transcripts(&h, t, sel, err);
	page_foot(&h);
	if (rc == LC_OK && h.rc == LC_ETOOBIG)
		rc = lc_err_set(err, h.rc, "the HTML report is over its %zu-byte output cap; select less "
		    "with --session, --conversation or a time range", out->max);
	else if (rc == LC_OK && h.rc != LC_OK)
		rc = lc_err_set(err, h.rc, "cannot build the HTML report: %s", lc_strerror(h.rc));
out:
	if (rc != LC_OK) {
		out->len = mark;
		if (out->ptr != NULL)
			out->ptr[mark] = '\0';
	}
	lc_json_parser_free(h.parser);
	lc_map_free(h.marks);
	free(h.tl);
	return rc;
}
