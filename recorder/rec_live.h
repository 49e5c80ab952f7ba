/* SPDX-License-Identifier: MIT */
/* rec_live: shadow analysis — a thread follows the tape being written and feeds the analyzer in seq order. */
#ifndef REC_LIVE_H
#define REC_LIVE_H

#include <stdio.h>

#include "an_engine.h"
#include "lc_tape.h"

typedef struct rec_live rec_live;

/*
 * Follow session `session` of tape t (borrowed; the writing handle) from its
 * first event, feeding an engine built from cfg, and write each finding as
 * one JSON line to out (borrowed, e.g. stdout or a --findings file). It sees
 * exactly the redacted events a replay of the tape sees, in the same order.
 * *out_live: caller ends it with rec_live_finish.
 */
lc_status rec_live_start(lc_tape *t, const char *session, const an_config *cfg, FILE *out,
    rec_live **out_live, lc_err *err) LC_MUST_CHECK;

/*
 * Call after every event is committed (lc_tape_flush): drain the cursor to
 * the end, an_engine_finish, write the last findings, and, when report_path
 * is not NULL, write the engine's report there in fmt. Stops the thread and
 * frees the handle even on failure. *n_findings (may be NULL) gets the count.
 */
lc_status rec_live_finish(rec_live *l, const char *report_path, an_format fmt,
    uint64_t *n_findings, lc_err *err) LC_MUST_CHECK;

#endif
