/* SPDX-License-Identifier: MIT */
/* an_html_int: what the HTML report's files share — the sink's state, the page being written, its writers. */
#ifndef AN_HTML_INT_H
#define AN_HTML_INT_H

#include <stdarg.h>

#include "an_engine_int.h"
#include "an_html.h"
#include "lc_map.h"

/*
 * The report is four files: an_html_sink.c keeps what the page needs during
 * the pass; an_html.c writes the page (head, foot, writers, numbers);
 * an_html_charts.c the SVG charts and the timeline; an_html_tables.c the
 * tiles, tables and transcripts. Everything here is private to them.
 */

/* A rate-limit or connection event kept during the pass, for the timeline and separators. */
typedef struct tl_item {
	an_finding_kind kind;
	int64_t wall_ns;
	uint32_t sess;          /* the engine's session index, 0 = none */
	int64_t value_ms, limit_ms;
	int status;
	char what[96];          /* endpoint */
	char reason[64];
} tl_item;

/*
 * A transcript row kept during the pass for a conversation that may get a
 * transcript: what the page shows of one event, and the running maximum of
 * the conversation's event times up to it (the timeline separators before the
 * row are those up to that time). Latency marks are looked up when the page
 * is made: a breach is found when the ack comes, a never-acked message only
 * at the end.
 */
typedef struct tr_row {
	int64_t until_ns, wall_ns;
	const char *cls;        /* a separator's class; NULL: a message row */
	char *plain;            /* a separator's words (heap) */
	lc_env_from from;       /* a message's sender as the page names it */
	an_sentiment s;
	size_t n;               /* escalation matches */
	an_match *m;            /* heap */
	uint8_t *text;          /* heap: what the page can show of the text, or of a separator's extra */
	size_t text_len;        /* the text's whole length (a separator: the kept length) */
	uint8_t *id;            /* heap: an agent message's id, for its latency mark */
	size_t id_len;
} tr_row;

/* A conversation's kept rows (an_html_sink.c), for its transcript on the page. */
typedef struct tr_conv {
	tr_row *rows;
	uint32_t n_rows, c_rows;
	uint64_t more;          /* rows past AN_HTML_MAX_MESSAGES: hidden, whatever else is shown */
	int64_t max_wall;       /* of every event of the conversation so far */
	bool seen_any;
	lc_map *seen;           /* agent message ids already shown (a resend is a note, not a row) */
	uint64_t seen_dropped;
} tr_conv;

/* The sink: what the page needs from the pass beyond the engine's aggregates. */
struct an_html {
	an_engine *e;
	lc_map *marks;          /* agent message id -> (uintptr_t)(latency_ms + 2), or 1 = never acked */
	tl_item *tl;
	uint32_t n_tl;
	uint64_t tl_dropped, marks_dropped;
	lc_map *convs;          /* conversation id -> tr_conv* */
	tr_conv **list;         /* every tr_conv, to free them */
	uint32_t n_list, c_list;
};

/* The page being written (one an_report_html call); marks, tl and the counts come from the sink. */
typedef struct html {
	an_engine *e;
	lc_buf *b;
	lc_status rc;           /* the first failure; every writer is a no-op after it */
	lc_map *marks;          /* agent message id -> (uintptr_t)(latency_ms + 2), or 1 = never acked */
	tl_item *tl;
	uint32_t n_tl;
	uint64_t tl_dropped, marks_dropped;
	const an_html *sink;    /* NULL: no pass was seen (no transcripts, no timeline) */
	uint32_t rows_total;    /* transcript rows written so far */
	uint32_t convs_shown;   /* conversations given a transcript */
	bool have_tape;         /* a sink saw the pass */
	int64_t t0, t1;         /* wall range of the chat activity: the time axes */
} html;

/* The page writers: append to h->b; after the first failure (h->rc) every one is a no-op. */
void an_html_put(html *h, const char *s);
void an_html_vputf(html *h, const char *fmt, va_list ap);
/* Tape bytes as HTML text or attribute value (markup escaped, bad UTF-8 and controls U+FFFD). */
void an_html_esc_n(html *h, const void *p, size_t len);
void an_html_esc(html *h, const char *s);

/* Short names for the writers, used on nearly every line of the page's code. */
static inline void
put(html *h, const char *s)
{
	an_html_put(h, s);
}

static inline void putf(html *h, const char *fmt, ...) LC_PRINTF(2, 3);

static inline void
putf(html *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	an_html_vputf(h, fmt, ap);
	va_end(ap);
}

static inline void
esc_n(html *h, const void *p, size_t len)
{
	an_html_esc_n(h, p, len);
}

static inline void
esc(html *h, const char *s)
{
	an_html_esc(h, s);
}

/* Numbers and times (an_html.c). */
double an_html_us_ms(uint64_t us);
void an_html_fmt_wall(int64_t wall_ns, const char *fmt, char *out, size_t cap);
void an_html_fmt_iso(int64_t wall_ns, char out[40]);
void an_html_fmt_dur(int64_t ms, char *out, size_t cap);
void an_html_fmt_offset(int64_t ms, char *out, size_t cap);

/* Charts and the timeline (an_html_charts.c). */
int an_html_tl_lane(an_finding_kind k);   /* the timeline lane of a finding kind, -1: none */
void an_html_tl_describe(const tl_item *it, char *out, size_t cap);
void an_html_section_charts(html *h);
void an_html_chart_conv_sentiment(html *h, const an_conv *c);

/* Tiles, tables, transcripts (an_html_tables.c). */
void an_html_section_tiles(html *h);
void an_html_section_agents(html *h);
void an_html_section_conversations(html *h);
void an_html_section_rate_limits(html *h);
void an_html_section_transcripts(html *h);

#endif
