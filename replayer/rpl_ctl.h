/* SPDX-License-Identifier: MIT */
/* rpl_ctl: playback controls — keys on a TTY (space, +, -, q) and a clean stop on signals. */
#ifndef RPL_CTL_H
#define RPL_CTL_H

#include <stdbool.h>

#include "lc_clock.h"
#include "lc_err.h"

typedef struct rpl_ctl rpl_ctl;

/*
 * Start the controls. SIGINT, SIGTERM, SIGHUP and SIGQUIT are blocked in the
 * calling thread and read by a control thread instead, so a replay stops
 * through its normal cleanup (flushing output, restoring the terminal) and
 * exits 0. Call before starting any other thread. With keys and stdin a TTY,
 * the terminal goes to raw mode (no echo, no line buffering; Ctrl-C still
 * raises SIGINT) until rpl_ctl_stop: space pauses and resumes, + doubles and
 * - halves the speed, q quits. clock (may be NULL) is borrowed and must
 * outlive the controls; a quit sets it to max speed so a sleeper wakes.
 * *out: caller stops it with rpl_ctl_stop on every exit path.
 */
lc_status rpl_ctl_start(lc_clock *clock, bool keys, rpl_ctl **out, lc_err *err) LC_MUST_CHECK;

/* Give the controls the replay's clock once it exists (borrowed; detach with NULL before freeing it). */
void rpl_ctl_attach(rpl_ctl *c, lc_clock *clock);

/* True once q was pressed or a stop signal arrived. */
bool rpl_ctl_quit(const rpl_ctl *c);

/* Restore the terminal and the signal mask, join the thread, free. Accepts NULL. */
void rpl_ctl_stop(rpl_ctl *c);

#endif
