/* SPDX-License-Identifier: MIT */
/* an_feed: tape -> engine, in seq order. */
#include "an_feed.h"

#define PROGRESS_EVERY 262144

lc_status
an_feed_tape(lc_tape *t, const lc_cursor_opts *sel, an_engine *e, an_feed_progress progress,
    void *ud, uint64_t *n_events, lc_err *err)
{
	lc_cursor *c = NULL;
	const cx_event *ev;
	uint64_t n = 0;
	lc_status rc;

	rc = lc_cursor_open(t, sel, &c, err);
	while (rc == LC_OK && (rc = lc_cursor_next(c, &ev, err)) == LC_OK) {
		rc = an_engine_feed(e, ev);
		if (rc != LC_OK)
			lc_err_set(err, rc, "analyzing event %llu: %s", (unsigned long long)ev->seq,
			    lc_strerror(rc));
		if (++n % PROGRESS_EVERY == 0 && progress != NULL)
			progress(n, ud);
	}
	if (rc == LC_DONE)
		rc = an_engine_finish(e);
	lc_cursor_close(c);
	if (n_events != NULL)
		*n_events = n;
	return rc;
}
