/* SPDX-License-Identifier: MIT */
/* an_source: tape -> engine in seq order, through a cursor or the read-ahead pipe. */
#include <stdlib.h>
#include <time.h>

#include "an_pipe.h"
#include "an_source.h"

#define SOURCE_FOLLOW_NS (100 * 1000000L)

typedef struct source {
	const an_source_opts *o;
	an_source_stats st;
	lc_cursor *c;
	an_pipe *pp;
	bool last;              /* follow: stop said yes before this read to the end */
} source;

lc_status
an_source_sessions(lc_tape *t, an_engine *e, lc_err *err)
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

static bool
source_stop(const source *s)
{
	return s->o->stop != NULL && s->o->stop(s->o->ud);
}

/* The next event (prep NULL from a cursor); following, LC_DONE only once stop said so. */
static lc_status
source_next(source *s, const cx_event **ev, const an_prep **prep, lc_err *err)
{
	struct timespec pause = {0, s->o->follow_pause_ns > 0 ? s->o->follow_pause_ns : SOURCE_FOLLOW_NS};
	lc_status rc;

	*prep = NULL;
	if (s->pp != NULL)
		return an_pipe_next(s->pp, ev, prep, err);
	while ((rc = lc_cursor_next(s->c, ev, err)) == LC_DONE && s->o->follow && !s->last) {
		lc_cursor_pause(s->c);
		if (s->o->idle != NULL)
			s->o->idle(s->o->ud);
		nanosleep(&pause, NULL);
		s->last = source_stop(s);
	}
	return rc;
}

static lc_status
source_feed(source *s, an_engine *e, const cx_event *ev, const an_prep *prep, lc_err *err)
{
	const an_source_opts *o = s->o;
	lc_status rc = o->before != NULL ? o->before(o->ud, ev) : LC_OK;

	if (rc != LC_OK)
		return rc;
	rc = prep != NULL ? an_engine_feed_prepared(e, ev, prep) : an_engine_feed(e, ev);
	if (rc != LC_OK)
		return lc_err_set(err, rc, "analyzing event %llu: %s", (unsigned long long)ev->seq,
		    lc_strerror(rc));
	s->st.fed++;
	return o->after != NULL ? o->after(o->ud, ev) : LC_OK;
}

lc_status
an_source_run(lc_tape *t, const an_source_opts *o, an_engine *e, an_source_stats *st, lc_err *err)
{
	source s = {.o = o};
	const cx_event *ev;
	const an_prep *prep;
	lc_status rc;

	rc = o->pipe && !o->follow ? an_pipe_open(t, o->sel, e, &s.pp, err) :
	    lc_cursor_open(t, o->sel, &s.c, err);
	if (rc == LC_OK) {
		s.st.passes++;
		s.last = o->follow && source_stop(&s);
	}
	while (rc == LC_OK && (rc = source_next(&s, &ev, &prep, err)) == LC_OK) {
		s.st.read++;
		rc = source_feed(&s, e, ev, prep, err);
	}
	if (rc == LC_DONE)
		rc = LC_OK;
	an_pipe_close(s.pp);
	lc_cursor_close(s.c);
	if (st != NULL)
		*st = s.st;
	return rc;
}

lc_status
an_source_feed(lc_tape *t, const lc_cursor_opts *sel, an_engine *e, uint64_t *n_events, lc_err *err)
{
	an_source_opts o = {.sel = sel, .pipe = true};
	an_source_stats st = {0};
	lc_status rc = an_source_sessions(t, e, err);

	if (rc == LC_OK)
		rc = an_source_run(t, &o, e, &st, err);
	if (rc == LC_OK)
		rc = an_engine_finish(e);
	if (n_events != NULL)
		*n_events = st.fed;
	return rc;
}
