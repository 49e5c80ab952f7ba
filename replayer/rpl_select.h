/* SPDX-License-Identifier: MIT */
/* rpl_select: what part of a tape a command works on (session, conversation, time range). */
#ifndef RPL_SELECT_H
#define RPL_SELECT_H

#include <stdint.h>

#include "lc_err.h"
#include "lc_tape.h"

/* The selection flags as given on the command line; every field may be NULL. */
typedef struct rpl_select {
	const char *session;
	const char *conversation;
	const char *from;      /* ISO-8601 (2023-10-31T15:00:00Z, .mmm, +hh:mm) or +OFFSET */
	const char *to;        /* same; exclusive */
} rpl_select;

/*
 * Parse an ISO-8601 time to ns since the epoch: "YYYY-MM-DDTHH:MM:SS" with
 * optional fraction (to ns) and zone (Z, +hh:mm, -hhmm; none means UTC).
 * LC_EINVAL with a message showing the accepted forms.
 */
lc_status rpl_time_parse_iso(const char *s, int64_t *out_ns, lc_err *err) LC_MUST_CHECK;

/* "+5m", "+90s", "+1h30m", "+250ms", "+2h": a non-negative offset in ns. LC_EINVAL otherwise. */
lc_status rpl_time_parse_offset(const char *s, int64_t *out_ns, lc_err *err) LC_MUST_CHECK;

/*
 * Fill cursor options from sel. An offset in --from/--to counts from the
 * first event the session and conversation filters select (found with one
 * cursor step). LC_EINVAL for a bad time; LC_ENOTFOUND naming an unknown session.
 */
lc_status rpl_select_resolve(lc_tape *t, const rpl_select *sel, lc_cursor_opts *out,
    lc_err *err) LC_MUST_CHECK;

/* Format ns since the epoch as "2023-10-31T15:00:00.123Z" (UTC). */
void rpl_time_format(int64_t ns, char *out, size_t cap);

#endif
