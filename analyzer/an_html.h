/* SPDX-License-Identifier: MIT */
/* an_html: the self-contained HTML SLA report (tiles, SVG charts, tables, annotated transcripts). */
#ifndef AN_HTML_H
#define AN_HTML_H

#include "an_engine.h"
#include "lc_buf.h"
#include "lc_err.h"
#include "lc_tape.h"

/*
 * Caps that keep the page a reasonable weight; each cut is said on the page.
 */
#define AN_HTML_MAX_TABLE_ROWS   5000   /* conversation table rows (the CSV report has them all) */
#define AN_HTML_MAX_TRANSCRIPTS  200    /* conversations given a transcript */
#define AN_HTML_MAX_MESSAGES     500    /* transcript rows per conversation */
#define AN_HTML_MAX_TOTAL_ROWS   20000  /* transcript rows in the whole page */
#define AN_HTML_MAX_TEXT         4096   /* bytes of one message shown */
#define AN_HTML_MAX_TIMELINE     2000   /* rate-limit and connection events kept for the timeline */
#define AN_HTML_MAX_MARKS        65536  /* agent messages remembered for latency marks */

/*
 * Append the HTML report of e to out. Call after an_engine_finish on an engine
 * fed exactly the selection sel of tape t (an_feed_tape(t, sel, e, ...)).
 *
 * The engine holds aggregates; the page's transcripts and event timeline come
 * from reading the selection again: once through a second engine with e's
 * configuration, lexicon and rules (for latency marks, 429s, disconnects and
 * gaps with the engine's own semantics), then each conversation through its
 * conversation cursor. t and sel are borrowed; t may be NULL (then the page
 * has no transcripts or timeline and says so).
 *
 * One file, no external assets, readable without JavaScript (a short inline
 * script sorts and filters tables), every tape byte HTML-escaped. The output
 * depends only on the events: no current time, so the same events give the
 * same bytes. On failure out is left as it was and err says why.
 */
lc_status an_report_html(an_engine *e, lc_tape *t, const lc_cursor_opts *sel, lc_buf *out,
    lc_err *err) LC_MUST_CHECK;

#endif
