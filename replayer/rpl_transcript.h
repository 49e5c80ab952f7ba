/* SPDX-License-Identifier: MIT */
/* rpl_transcript: one line per chat message (time, sender, text, sentiment colour, escalation badges). */
#ifndef RPL_TRANSCRIPT_H
#define RPL_TRANSCRIPT_H

#include <stdbool.h>

#include "an_engine.h"
#include "lc_buf.h"
#include "lc_err.h"
#include "lc_event.h"

typedef struct rpl_transcript rpl_transcript;

/*
 * colour: ANSI colours and badges (callers decide: a TTY and no NO_COLOR).
 * e is borrowed and must outlive the transcript: a line shows the sentiment
 * and escalation triggers the engine gives the message (its mode, lexicon and
 * rules), so the transcript agrees with the findings. *out: caller frees with
 * rpl_transcript_free.
 */
lc_status rpl_transcript_new(bool colour, const an_engine *e, rpl_transcript **out,
    lc_err *err) LC_MUST_CHECK;
void rpl_transcript_free(rpl_transcript *tr);   /* accepts NULL */

/*
 * Append the line ev makes, if any, to out: chat messages, routing and status
 * envelopes. prep is ev's complete preparation (an an_sink's event hook gets
 * it): the envelope, and a scored message's sentiment and matches. The agent's echo of a message it sent is left out once the
 * tape has shown a sent (frame_out) message, so each message appears once.
 * Control characters in chat text are shown as '?', so a recorded message
 * cannot drive the terminal.
 */
lc_status rpl_transcript_event(rpl_transcript *tr, const cx_event *ev, const an_prep *prep,
    lc_buf *out) LC_MUST_CHECK;

/* Append an indented note for a finding worth reading in a transcript (breaches, 429s, drops). */
lc_status rpl_transcript_finding(rpl_transcript *tr, const an_finding *f, lc_buf *out) LC_MUST_CHECK;

#endif
