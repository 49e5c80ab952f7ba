/* SPDX-License-Identifier: MIT */
/* rpl_play: the replay — virtual clock, transcript and findings sinks, an_source feeding the engine, fidelity. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "lc_hist.h"
#include "an_html.h"
#include "an_source.h"
#include "lc_clock.h"
#include "rpl_play.h"
#include "rpl_transcript.h"

#define PLAY_LINE_MAX     ((size_t)4 << 20)     /* one transcript or findings chunk */
#define PLAY_PROGRESS     262144                /* events between progress lines */
#define PLAY_FOLLOW_NS    (100 * 1000000L)      /* follow mode: poll for new events */
#define LATE_WARN_NS      (5 * 1000000LL)
#define PLAY_OUT_CHUNK    ((size_t)256 << 10)   /* findings are written in chunks this big */

typedef struct play {
	const rpl_play_opts *o;
	rpl_play_stats *st;
	rpl_transcript *tr;
	an_html *html;          /* the HTML report's sink, when one is asked for */
	lc_clock *clock;
	rpl_ctl *ctl;
	lc_hist late_us;
	lc_buf line;            /* transcript text of the current event */
	lc_buf fout;            /* findings JSON lines not yet written (a write per line is slow) */
	lc_status out_rc;       /* first failure while writing from the finding callback */
	lc_err *err;
} play;

/* Write the findings buffered so far (before anything else is written, and at the end). */
static lc_status
findings_flush(play *p)
{
	lc_status rc = LC_OK;

	if (p->fout.len > 0 && fwrite(p->fout.ptr, 1, p->fout.len, p->o->findings) != p->fout.len)
		rc = LC_EIO;
	lc_buf_reset(&p->fout);
	return rc;
}

static void
on_finding(const an_finding *f, void *ud)
{
	play *p = ud;
	lc_status rc = LC_OK;

	p->st->findings++;
	if (p->out_rc != LC_OK)
		return;
	if (p->o->findings != NULL) {
		rc = an_finding_json(f, &p->fout);
		if (rc == LC_OK)
			rc = lc_buf_append(&p->fout, "\n", 1);
		if (rc == LC_OK && (p->fout.len >= PLAY_OUT_CHUNK || p->tr != NULL))
			rc = findings_flush(p);
	}
	if (rc == LC_OK && p->tr != NULL) {
		lc_buf_reset(&p->line);
		rc = rpl_transcript_finding(p->tr, f, &p->line);
		if (rc == LC_OK && fwrite(p->line.ptr, 1, p->line.len, p->o->transcript) != p->line.len)
			rc = LC_EIO;
	}
	if (rc != LC_OK)
		p->out_rc = lc_err_set(p->err, rc, "writing findings of event %llu failed: %s",
		    (unsigned long long)f->seq, lc_strerror(rc));
}

/* Wait for ev's slot on the clock (the first event sets the origin). */
static void
play_wait(play *p, const cx_event *ev)
{
	if (p->o->speed == 0 || p->clock == NULL)
		return;
	(void)lc_clock_sleep_until(p->clock, ev->wall_ns);
}

/* After emitting ev: how late that was, in real ns, into the histogram. */
static lc_status
play_measure(play *p, const cx_event *ev)
{
	double sp;
	int64_t late;

	if (p->o->speed == 0 || p->clock == NULL || rpl_ctl_quit(p->ctl))
		return LC_OK;
	sp = lc_clock_speed(p->clock);
	if (sp <= 0)
		return LC_OK;
	late = (int64_t)((double)(lc_clock_now_mono(p->clock) - ev->wall_ns) / sp);
	if (late < 0)
		late = 0;
	p->st->timed++;
	if (late > LATE_WARN_NS)
		p->st->late_over_5ms++;
	return lc_hist_add(&p->late_us, (uint64_t)late / 1000);
}

/* The transcript sink: each event's line, before the engine takes it (its notes follow). */
static lc_status
on_event(void *ud, const cx_event *ev, const an_prep *prep)
{
	play *p = ud;
	lc_status rc;

	lc_buf_reset(&p->line);
	rc = rpl_transcript_event(p->tr, ev, prep, &p->line);
	if (rc == LC_OK && p->line.len &&
	    fwrite(p->line.ptr, 1, p->line.len, p->o->transcript) != p->line.len)
		rc = lc_err_set(p->err, LC_EIO, "writing the transcript failed");
	return rc;
}

static void
play_progress(const play *p, bool last)
{
	if (!p->o->progress)
		return;
	if (last)
		fprintf(stderr, "\rcxreplay: %llu events\n", (unsigned long long)p->st->events);
	else if (p->st->events % PLAY_PROGRESS == 0)
		fprintf(stderr, "\rcxreplay: %llu events", (unsigned long long)p->st->events);
}

static bool
play_quit(void *ud)
{
	play *p = ud;

	return rpl_ctl_quit(p->ctl);
}

/* Before ev is fed: stop on quit; on the clock, wait for its slot (the first event sets the origin). */
static lc_status
play_before(void *ud, const cx_event *ev)
{
	play *p = ud;
	lc_status rc;

	if (rpl_ctl_quit(p->ctl)) {
		p->st->quit = true;
		return LC_DONE;
	}
	if (p->clock == NULL && p->o->speed != 0) {
		rc = lc_clock_new_virtual(NULL, ev->wall_ns, p->o->speed, &p->clock, p->err);
		if (rc != LC_OK)
			return rc;
		rpl_ctl_attach(p->ctl, p->clock);
	}
	play_wait(p, ev);
	return LC_OK;
}

/* After ev is fed: what the finding callback failed at, flushing, lateness, progress. */
static lc_status
play_after(void *ud, const cx_event *ev)
{
	play *p = ud;
	lc_status rc = p->out_rc;

	if (rc == LC_OK && p->o->flush_each) {
		if (p->o->findings != NULL && findings_flush(p) != LC_OK)
			rc = lc_err_set(p->err, LC_EIO, "writing findings of event %llu failed",
			    (unsigned long long)ev->seq);
		if (p->o->transcript != NULL)
			fflush(p->o->transcript);
		if (p->o->findings != NULL)
			fflush(p->o->findings);
	}
	if (rc == LC_OK)
		rc = play_measure(p, ev);
	p->st->events++;
	play_progress(p, false);
	return rc;
}

/*
 * At max speed without --follow, the source reads and prepares events on a
 * second thread while this one feeds the engine and its sinks (the same
 * findings; about twice the events per second on two cores). Timed and follow
 * replays read with a cursor: their pace is the clock's or the recorder's.
 */
static lc_status
play_loop(play *p, lc_tape *t, an_engine *e)
{
	an_source_opts so = {.sel = p->o->sel, .pipe = p->o->speed == 0 && !p->o->follow,
	    .follow = p->o->follow, .follow_pause_ns = PLAY_FOLLOW_NS, .stop = play_quit,
	    .before = play_before, .after = play_after, .ud = p};
	an_source_stats ss;
	lc_status rc = an_source_run(t, &so, e, &ss, p->err);

	p->st->passes = ss.passes;
	p->st->read = ss.read;
	if (rc == LC_OK && rpl_ctl_quit(p->ctl))
		p->st->quit = true;
	return rc;
}

/* The engine and its sinks: the transcript (when asked) and the HTML report's (when asked). */
static lc_status
play_engine(play *p, an_engine **e, lc_err *err)
{
	const rpl_play_opts *o = p->o;
	an_sink tr_sink = {.event = on_event, .ud = p};
	an_config defcfg;
	lc_status rc;

	an_config_default(&defcfg);
	rc = an_engine_new(o->cfg ? o->cfg : &defcfg, NULL, NULL, on_finding, p, e, err);
	if (rc == LC_OK && o->transcript != NULL && (rc = rpl_transcript_new(o->colour, *e, &p->tr,
	    err)) == LC_OK)
		rc = an_engine_add_sink(*e, &tr_sink);
	if (rc == LC_OK && o->report != NULL && o->report_html)
		rc = an_html_new(*e, &p->html, err);
	return rc;
}

static void
play_stats_fill(play *p)
{
	p->st->late_p50_ns = (int64_t)lc_hist_percentile(&p->late_us, 50) * 1000;
	p->st->late_p99_ns = (int64_t)lc_hist_percentile(&p->late_us, 99) * 1000;
	p->st->late_max_ns = (int64_t)p->late_us.max * 1000;
}

lc_status
rpl_play_run(lc_tape *t, const rpl_play_opts *o, rpl_play_stats *st, lc_err *err)
{
	play p = {.o = o, .st = st, .err = err};
	an_engine *e = NULL;
	lc_status rc;

	memset(st, 0, sizeof *st);
	lc_hist_init(&p.late_us);
	lc_buf_init(&p.line, PLAY_LINE_MAX);
	lc_buf_init(&p.fout, PLAY_LINE_MAX + PLAY_OUT_CHUNK);
	rc = play_engine(&p, &e, err);
	/* agent names from the session summaries, exactly as an_source_feed gives them */
	if (rc == LC_OK)
		rc = an_source_sessions(t, e, err);
	/* The clock is made on the first event (its origin) and then attached to the controls. */
	if (rc == LC_OK)
		rc = rpl_ctl_start(NULL, o->keys, &p.ctl, err);
	/* A timed replay wakes for every event: the kernel's default 50 us of timer slack is
	 * lateness we can do without. Slack is per thread; it is put back after the loop. */
	int slack = o->speed != 0 ? prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) : -1;
	if (slack > 1)
		(void)prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (rc == LC_OK)
		rc = play_loop(&p, t, e);
	if (slack > 1)
		(void)prctl(PR_SET_TIMERSLACK, (unsigned long)slack, 0, 0, 0);
	if (rc == LC_OK && (rc = an_engine_finish(e)) == LC_OK)
		rc = p.out_rc;
	if (o->findings != NULL && findings_flush(&p) != LC_OK && rc == LC_OK)
		rc = lc_err_set(err, LC_EIO, "writing findings failed");
	if (rc == LC_OK && o->report != NULL && o->report_html)
		rc = an_report_html(e, p.html, o->report, err);
	else if (rc == LC_OK && o->report != NULL && (rc = an_engine_report(e, o->report_format,
	    o->report)) != LC_OK)
		lc_err_set(err, rc, "building the report failed: %s", lc_strerror(rc));
	play_progress(&p, true);
	play_stats_fill(&p);
	rpl_ctl_stop(p.ctl);
	if (o->transcript != NULL)
		fflush(o->transcript);
	if (o->findings != NULL)
		fflush(o->findings);
	rpl_transcript_free(p.tr);
	an_html_free(p.html);
	an_engine_free(e);
	lc_clock_free(p.clock);
	lc_buf_free(&p.line);
	lc_buf_free(&p.fout);
	lc_hist_free(&p.late_us);
	return rc;
}

void
rpl_play_fidelity_line(const rpl_play_stats *st, char *out, size_t cap)
{
	snprintf(out, cap, "fidelity: %llu events on schedule, lateness p50 %.3f ms, p99 %.3f ms, "
	    "max %.3f ms, %llu over 5 ms", (unsigned long long)st->timed, st->late_p50_ns / 1e6,
	    st->late_p99_ns / 1e6, st->late_max_ns / 1e6, (unsigned long long)st->late_over_5ms);
}
