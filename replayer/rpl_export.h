/* SPDX-License-Identifier: MIT */
/* rpl_export: a tape selection as JSON lines (lossless, lc_evjson) or HAR 1.2 with WebSocket messages. */
#ifndef RPL_EXPORT_H
#define RPL_EXPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lc_tape.h"

typedef enum rpl_export_format {
	RPL_EXPORT_JSONL = 0,
	RPL_EXPORT_HAR,
} rpl_export_format;

typedef struct rpl_export_opts {
	const lc_cursor_opts *sel;   /* borrowed */
	rpl_export_format format;
	const char *base_url;        /* HAR: the tape keeps paths only; default "https://cxone.invalid" */
	bool progress;               /* "N events" on stderr now and then */
} rpl_export_opts;

/* "jsonl", "har" -> format; LC_EINVAL with a message naming both. */
lc_status rpl_export_format_parse(const char *s, rpl_export_format *out, lc_err *err) LC_MUST_CHECK;

/*
 * Write the selection to out, streaming (constant memory: HAR's REST entries
 * wait for their response in a bounded table, and each WebSocket connection
 * is written by a second pass over its own events). *n_events (may be NULL)
 * receives the events read. LC_ECORRUPT naming the seq of a damaged record;
 * LC_EIO when out fails.
 */
lc_status rpl_export_run(lc_tape *t, const rpl_export_opts *o, FILE *out, uint64_t *n_events,
    lc_err *err) LC_MUST_CHECK;

#endif
