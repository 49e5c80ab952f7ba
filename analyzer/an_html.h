/* SPDX-License-Identifier: MIT */
/* an_html: the self-contained HTML SLA report (tiles, SVG charts, tables, annotated transcripts). */
#ifndef AN_HTML_H
#define AN_HTML_H

#include "an_engine.h"
#include "lc_buf.h"
#include "lc_err.h"

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
#define AN_HTML_MAX_KEPT         65536  /* conversations whose rows are kept while the first
                                           AN_HTML_MAX_TRANSCRIPTS are not yet known */

/*
 * The page's sink: what the report needs beyond the engine's aggregates — the
 * rate-limit and connection timeline, latency marks, and the transcript rows
 * of the conversations that get a transcript (within the caps above) — kept
 * during the one pass that feeds the engine. an_html_new adds it to e (call
 * before the first event; e borrowed, must outlive it). *out: caller frees
 * with an_html_free after the report.
 */
typedef struct an_html an_html;

lc_status an_html_new(an_engine *e, an_html **out, lc_err *err) LC_MUST_CHECK;
void an_html_free(an_html *h);   /* accepts NULL */

/*
 * Append the HTML report of e to out. Call after an_engine_finish. sink is
 * the an_html that saw e's pass; NULL makes the page without transcripts or
 * timeline, and it says so. The page's rows use the engine's own scores and
 * findings: the transcripts agree with the findings in every mode.
 *
 * One file, no external assets, readable without JavaScript (a short inline
 * script sorts and filters tables), every tape byte HTML-escaped. The output
 * depends only on the events: no current time, so the same events give the
 * same bytes. On failure out is left as it was and err says why.
 */
lc_status an_report_html(an_engine *e, an_html *sink, lc_buf *out, lc_err *err) LC_MUST_CHECK;

#endif
