/* SPDX-License-Identifier: MIT */
/* an_source: the one loop that feeds a tape's selection to the analyzer (cursor or pipe, follow). */
#ifndef AN_SOURCE_H
#define AN_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "an_engine.h"
#include "lc_tape.h"

/*
 * The analysis library (libcxanalyzer) never opens a tape: this module, in its
 * own library above it (libcxsource, analyzer/source/), reads the tape and
 * feeds the engine, whose sinks fill every output during that one pass
 * (docs/internals/analysis-pass.md). cxanalyze report, cxreplay play and show,
 * and the live analyzer of cxrecord all read through an_source_run.
 *
 * Reading: with `pipe`, events are read and prepared on a second thread
 * (an_pipe) while the caller's thread feeds the engine; otherwise a cursor on
 * the caller's thread. With `follow` (cursor only), the end of what is
 * committed is not the end: the cursor pauses for follow_pause_ns and reads
 * again, until `stop` says so (see below).
 */
typedef struct an_source_opts {
	const lc_cursor_opts *sel;     /* borrowed: what to read; NULL = everything */
	bool pipe;                     /* read ahead on a second thread (not with follow) */
	bool follow;                   /* wait for more at the end of what is committed */
	long follow_pause_ns;          /* 0: 100 ms */
	/*
	 * Follow: asked before each read to the end (first at the start); once it
	 * said true, the next end of data ends the run — so every event committed
	 * before it said so is fed. NULL: never stop.
	 */
	bool (*stop)(void *ud);
	/* Before an event is fed (a timed replay waits here); LC_DONE ends the run early, OK. */
	lc_status (*before)(void *ud, const cx_event *ev);
	/* After an event is fed (lateness, progress, flushing); non-OK ends the run. */
	lc_status (*after)(void *ud, const cx_event *ev);
	void (*idle)(void *ud);        /* follow: before each pause (flush outputs); may be NULL */
	void *ud;                      /* borrowed, for the hooks */
} an_source_opts;

/* What one run read: how a test sees that every output came from one pass. */
typedef struct an_source_stats {
	uint64_t passes;               /* cursors (or pipes) opened on the tape */
	uint64_t read;                 /* events read from the tape */
	uint64_t fed;                  /* events fed to the engine */
} an_source_stats;

/* Tell the engine every session's agent (an_engine_set_session_agent) from the tape's summaries. */
lc_status an_source_sessions(lc_tape *t, an_engine *e, lc_err *err) LC_MUST_CHECK;

/*
 * Feed e the selection of t in seq order, as o says; does not register the
 * sessions nor finish the engine (the caller does, so a live run can stop
 * when it likes). LC_OK at the end of data (or a hook's LC_DONE); LC_ECORRUPT
 * naming the seq of a damaged record; a hook's or the engine's failure.
 * st (may be NULL) receives what was read, also on failure.
 */
lc_status an_source_run(lc_tape *t, const an_source_opts *o, an_engine *e, an_source_stats *st,
    lc_err *err) LC_MUST_CHECK;

/*
 * The whole of a report: register the sessions, feed every event sel selects
 * (with a pipe), then finish the engine. *n_events (may be NULL) receives how
 * many were fed.
 */
lc_status an_source_feed(lc_tape *t, const lc_cursor_opts *sel, an_engine *e, uint64_t *n_events,
    lc_err *err) LC_MUST_CHECK;

#endif
