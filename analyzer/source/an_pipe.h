/* SPDX-License-Identifier: MIT */
/* an_pipe: read and prepare a tape's events on a second thread, ahead of the engine. */
#ifndef AN_PIPE_H
#define AN_PIPE_H

#include "an_engine.h"
#include "lc_tape.h"

/*
 * A max-speed reader has two halves of similar cost: reading (cursor, record
 * checks, decoding, the frame's envelope, sentiment, escalation triggers) and
 * the engine (state, findings, their output). The pipe runs the first half on
 * its own thread, a batch of events at a time, and hands each event with its
 * an_prep to the caller's thread, which feeds an_engine_feed_prepared. Events
 * come in seq order, exactly as the cursor gives them, so the findings are the
 * ones an_engine_feed gives (tests/test_pipe.c holds it to that).
 *
 * Errors come in order too: a corrupt record is reported after every event
 * before it has been handed over, as a cursor would. End of data is LC_DONE;
 * the pipe does not follow a growing tape (use a cursor for that).
 */
typedef struct an_pipe an_pipe;

/*
 * Start reading sel (copied; its strings are borrowed until an_pipe_close) of
 * t, preparing events for e, which is only read (configuration, lexicon,
 * rules). *out: caller closes with an_pipe_close.
 */
lc_status an_pipe_open(lc_tape *t, const lc_cursor_opts *sel, const an_engine *e, an_pipe **out,
    lc_err *err) LC_MUST_CHECK;

/*
 * The next event and its preparation, valid until the next call. LC_DONE at
 * the end of the selection; LC_ECORRUPT (naming the seq) and the like as the
 * cursor reports them. After anything but LC_OK, every later call returns the same.
 */
lc_status an_pipe_next(an_pipe *p, const cx_event **ev, const an_prep **prep, lc_err *err) LC_MUST_CHECK;

/* Stop the reader (wherever it is) and free everything. Accepts NULL. */
void an_pipe_close(an_pipe *p);

#endif
