/* SPDX-License-Identifier: MIT */
/* an_feed: tape -> engine, in seq order. */
#include "an_feed.h"
#include "an_pipe.h"

#include <stdlib.h>

#define PROGRESS_EVERY 262144

lc_status
an_feed_sessions(lc_tape *t, an_engine *e, lc_err *err)
{
	lc_session_info *s = NULL;
	size_t n = 0;
	lc_status rc = lc_tape_sessions_list(t, &s, &n, err);

	for (size_t i = 0; rc == LC_OK && i < n; i++)
		if ((rc = an_engine_set_session_agent(e, s[i].id, s[i].agent)) != LC_OK)
			lc_err_set(err, rc, "out of memory listing the tape's sessions");
	free(s);
	return rc;
}

lc_status
an_feed_tape(lc_tape *t, const lc_cursor_opts *sel, an_engine *e, an_feed_progress progress,
    void *ud, uint64_t *n_events, lc_err *err)
{
	an_pipe *pp = NULL;
	const cx_event *ev;
	const an_prep *prep;
	uint64_t n = 0;
	lc_status rc;

	rc = an_feed_sessions(t, e, err);
	if (rc == LC_OK)
		rc = an_pipe_open(t, sel, e, &pp, err);
	while (rc == LC_OK && (rc = an_pipe_next(pp, &ev, &prep, err)) == LC_OK) {
		rc = an_engine_feed_prepared(e, ev, prep);
		if (rc != LC_OK)
			lc_err_set(err, rc, "analyzing event %llu: %s", (unsigned long long)ev->seq,
			    lc_strerror(rc));
		if (++n % PROGRESS_EVERY == 0 && progress != NULL)
			progress(n, ud);
	}
	if (rc == LC_DONE)
		rc = an_engine_finish(e);
	an_pipe_close(pp);
	if (n_events != NULL)
		*n_events = n;
	return rc;
}
