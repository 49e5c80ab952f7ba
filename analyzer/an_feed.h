/* SPDX-License-Identifier: MIT */
/* an_feed: run a selection of a tape through an engine (cxanalyze report, cxreplay at max speed). */
#ifndef AN_FEED_H
#define AN_FEED_H

#include "an_engine.h"
#include "lc_tape.h"

/* Called every `every` events with the count so far (progress on a TTY); may be NULL. */
typedef void (*an_feed_progress)(uint64_t events, void *ud);

/* Tell the engine every session's agent (an_engine_set_session_agent) from the tape's summaries. */
lc_status an_feed_sessions(lc_tape *t, an_engine *e, lc_err *err) LC_MUST_CHECK;

/*
 * Register the sessions' agents, feed every event the cursor options select,
 * in seq order, then finish the engine. LC_ECORRUPT (naming the seq) when a record fails its checks.
 * *n_events (may be NULL) receives how many events were fed.
 */
lc_status an_feed_tape(lc_tape *t, const lc_cursor_opts *sel, an_engine *e,
    an_feed_progress progress, void *ud, uint64_t *n_events, lc_err *err) LC_MUST_CHECK;

#endif
