/* SPDX-License-Identifier: MIT */
/* rec_live: the analyzer thread of shadow mode, a follower cursor on the recorder's own tape. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "an_source.h"
#include "lc_log.h"
#include "rec_live.h"

#define REC_LIVE_PAUSE_NS 20000000L   /* at the end of what is committed: look again in 20 ms */

struct rec_live {
	lc_tape *tape;
	char session[LC_SESSION_ID_MAX];
	an_engine *engine;
	FILE *out;
	lc_buf line;
	pthread_t thread;
	atomic_bool draining;         /* set after the final flush: stop at the next LC_DONE */
	lc_status status;             /* the thread's outcome */
	lc_err err;
	uint64_t fed, findings;
	bool write_failed;
};

static void
on_finding(const an_finding *f, void *ud)
{
	rec_live *l = ud;

	lc_buf_reset(&l->line);
	l->findings++;
	if (an_finding_json(f, &l->line) != LC_OK || lc_buf_append(&l->line, "\n", 1) != LC_OK) {
		lc_warn("a finding did not fit in %zu bytes; skipped", l->line.max);
		return;
	}
	if (fwrite(l->line.ptr, 1, l->line.len, l->out) != l->line.len)
		l->write_failed = true;
}

static bool
live_draining(void *ud)
{
	rec_live *l = ud;

	return atomic_load(&l->draining);
}

static void
live_idle(void *ud)
{
	rec_live *l = ud;

	fflush(l->out);
}

/* The source follows the session until the final flush, then reads to the end once more. */
static void *
live_main(void *arg)
{
	rec_live *l = arg;
	lc_cursor_opts co;
	an_source_opts so = {.sel = &co, .follow = true, .follow_pause_ns = REC_LIVE_PAUSE_NS,
	    .stop = live_draining, .idle = live_idle, .ud = l};
	an_source_stats st = {0};

	lc_cursor_opts_init(&co);
	co.session = l->session;
	l->status = an_source_run(l->tape, &so, l->engine, &st, &l->err);
	l->fed = st.fed;
	return NULL;
}

lc_status
rec_live_start(lc_tape *t, const char *session, const an_config *cfg, FILE *out, rec_live **out_live,
    lc_err *err)
{
	rec_live *l = calloc(1, sizeof(*l));
	lc_status rc;

	*out_live = NULL;
	if (l == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory starting the live analyzer");
	l->tape = t;
	snprintf(l->session, sizeof(l->session), "%s", session);
	l->out = out;
	lc_buf_init(&l->line, LC_FRAME_MAX);
	if ((rc = an_engine_new(cfg, NULL, NULL, on_finding, l, &l->engine, err)) != LC_OK)
		goto fail;
	if (pthread_create(&l->thread, NULL, live_main, l) != 0) {
		rc = lc_err_set(err, LC_ENOMEM, "cannot start the analyzer thread");
		goto fail;
	}
	*out_live = l;
	return LC_OK;
fail:
	an_engine_free(l->engine);
	lc_buf_free(&l->line);
	free(l);
	return rc;
}

static lc_status
write_report(an_engine *e, const char *path, an_format fmt, lc_err *err)
{
	lc_buf b;
	FILE *f = NULL;
	lc_status rc;

	lc_buf_init(&b, (size_t)256 << 20);
	if ((rc = an_engine_report(e, fmt, &b)) != LC_OK) {
		rc = lc_err_set(err, rc, "cannot build the report: %s", lc_strerror(rc));
		goto out;
	}
	if ((f = fopen(path, "w")) == NULL || fwrite(b.ptr, 1, b.len, f) != b.len) {
		rc = lc_err_set(err, LC_EIO, "cannot write the report %s: %s", path, strerror(errno));
		goto out;
	}
out:
	if (f && fclose(f) != 0 && rc == LC_OK)
		rc = lc_err_set(err, LC_EIO, "cannot write the report %s: %s", path, strerror(errno));
	lc_buf_free(&b);
	return rc;
}

lc_status
rec_live_finish(rec_live *l, const char *report_path, an_format fmt, uint64_t *n_findings, lc_err *err)
{
	lc_status rc;

	atomic_store(&l->draining, true);
	pthread_join(l->thread, NULL);
	rc = l->status;
	if (rc != LC_OK)
		lc_err_set(err, rc, "live analysis stopped: %s", lc_err_text(&l->err));
	if (rc == LC_OK && (rc = an_engine_finish(l->engine)) != LC_OK)
		lc_err_set(err, rc, "the analyzer ran out of memory");
	if (fflush(l->out) != 0 || l->write_failed)
		rc = rc ? rc : lc_err_set(err, LC_EIO, "cannot write the findings: %s", strerror(errno));
	if (rc == LC_OK && report_path)
		rc = write_report(l->engine, report_path, fmt, err);
	if (n_findings)
		*n_findings = l->findings;
	lc_info("live analysis: %llu events, %llu findings", (unsigned long long)l->fed,
	        (unsigned long long)l->findings);
	an_engine_free(l->engine);
	lc_buf_free(&l->line);
	free(l);
	return rc;
}
