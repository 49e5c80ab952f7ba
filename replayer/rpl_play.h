/* SPDX-License-Identifier: MIT */
/* rpl_play: re-drive a tape selection into the analyzer on a virtual clock (play, show). */
#ifndef RPL_PLAY_H
#define RPL_PLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "an_engine.h"
#include "lc_tape.h"
#include "rpl_ctl.h"

typedef struct rpl_play_opts {
	const lc_cursor_opts *sel;    /* borrowed: what to play */
	double speed;                 /* 0 = max (never wait); else 0.001..LC_CLOCK_SPEED_MAX */
	const an_config *cfg;         /* NULL: defaults */
	FILE *findings;               /* JSON lines of an_finding_json, or NULL */
	FILE *transcript;             /* transcript lines (with finding notes), or NULL */
	bool colour;                  /* ANSI colour in the transcript */
	bool follow;                  /* at the end, wait for more (a recorder is appending) */
	bool keys;                    /* TTY controls (space, +, -, q) */
	bool progress;                /* "N events" on stderr every so often at max speed */
	bool flush_each;              /* fflush outputs after each event (timed playback) */
	an_format report_format;
	bool report_html;             /* the HTML page (an_report_html) instead of report_format */
	lc_buf *report;               /* when not NULL, receives the report at the end */
} rpl_play_opts;

typedef struct rpl_play_stats {
	uint64_t events;              /* fed to the analyzer */
	uint64_t findings;
	uint64_t timed;               /* events scheduled on the clock (0 at max speed) */
	int64_t late_p50_ns, late_p99_ns, late_max_ns;   /* emission versus schedule, real ns */
	uint64_t late_over_5ms;
	bool quit;                    /* stopped early by q or a signal */
	uint64_t passes;              /* reads of the tape: 1 whatever outputs were asked for */
	uint64_t read;                /* events read from the tape */
} rpl_play_stats;

/*
 * Play: each event is emitted at t0 + (wall_ns - wall_ns0) / speed against a
 * monotonic clock with absolute deadlines, then fed to a fresh engine; the
 * engine is finished at the end (or on quit) and the report built. Findings
 * do not depend on the speed. Memory stays constant whatever the tape's size.
 * LC_ECORRUPT naming the seq of a damaged record.
 */
lc_status rpl_play_run(lc_tape *t, const rpl_play_opts *o, rpl_play_stats *st,
    lc_err *err) LC_MUST_CHECK;

/* The fidelity line: "fidelity: N events, lateness p50 ... p99 ... max ..., K over 5 ms". */
void rpl_play_fidelity_line(const rpl_play_stats *st, char *out, size_t cap);

#endif
