/* SPDX-License-Identifier: MIT */
/* test_replay: play is speed-independent and equals an_feed_tape; selection and times; transcript. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_source.h"
#include "rpl_play.h"
#include "rpl_select.h"
#include "rpl_transcript.h"
#include "test_replay_fixture.h"

typedef struct out {
	char *findings, *transcript;
	size_t nf, nt;
	lc_buf report;
	rpl_play_stats st;
} out;

static void
play(const char *dir, double speed, const rpl_select *s, bool transcript, out *o)
{
	lc_tape *t = rfx_open_read(dir);
	lc_err err = LC_ERR_INIT;
	lc_cursor_opts sel;
	rpl_select none = {0};
	rpl_play_opts po = {0};
	FILE *ff, *tf;

	memset(o, 0, sizeof *o);
	ff = open_memstream(&o->findings, &o->nf);
	tf = transcript ? open_memstream(&o->transcript, &o->nt) : NULL;

	cr_assert_eq(rpl_select_resolve(t, s ? s : &none, &sel, &err), LC_OK, "%s", err.msg);
	lc_buf_init(&o->report, 1 << 24);
	po.sel = &sel;
	po.speed = speed;
	po.findings = ff;
	po.transcript = tf;
	po.report = &o->report;
	po.report_format = AN_FORMAT_JSON;
	cr_assert_eq(rpl_play_run(t, &po, &o->st, &err), LC_OK, "%s", err.msg);
	fclose(ff);
	if (tf)
		fclose(tf);
	cr_assert_eq(lc_tape_close(t, NULL), LC_OK);
}

static void
out_free(out *o)
{
	free(o->findings);
	free(o->transcript);
	lc_buf_free(&o->report);
}

static void
collect(const an_finding *f, void *ud)
{
	lc_buf *b = ud;
	cr_assert_eq(an_finding_json(f, b), LC_OK);
	cr_assert_eq(lc_buf_append(b, "\n", 1), LC_OK);
}

Test(replay, findings_and_reports_are_identical_at_max_50_and_1)
{
	rfx f;
	out a, b, c;

	rfx_init(&f);
	rfx_make(&f);
	play(f.dir, 0, NULL, false, &a);
	play(f.dir, 50, NULL, false, &b);
	play(f.dir, 1, NULL, false, &c);
	cr_assert_not_null(strstr(a.findings, "\"latency_breach\""), "%s", a.findings);
	cr_assert_not_null(strstr(a.findings, "\"escalation\""));
	cr_assert_not_null(strstr(a.findings, "\"rate_limited\""));
	cr_assert_eq(a.nf, b.nf);
	cr_assert_eq(a.nf, c.nf);
	cr_assert(memcmp(a.findings, b.findings, a.nf) == 0, "max vs 50x differ");
	cr_assert(memcmp(a.findings, c.findings, a.nf) == 0, "max vs 1x differ");
	cr_assert_eq(a.report.len, c.report.len);
	cr_assert(memcmp(a.report.ptr, b.report.ptr, a.report.len) == 0);
	cr_assert(memcmp(a.report.ptr, c.report.ptr, a.report.len) == 0);
	cr_assert_eq(a.st.timed, 0, "max speed schedules nothing");
	cr_assert_eq(c.st.timed, c.st.events, "1x schedules every event");
	cr_assert_eq(a.st.events, 13);
	out_free(&a), out_free(&b), out_free(&c);
	rfx_done(&f);
}

Test(replay, play_equals_an_feed_tape_on_the_same_selection)
{
	rfx f;
	out a;
	rpl_select s = {.conversation = "c-1"};
	lc_cursor_opts sel;
	lc_buf fb, rep;
	an_config cfg;
	an_engine *e = NULL;
	lc_err err = LC_ERR_INIT;
	lc_tape *t;

	rfx_init(&f);
	rfx_make(&f);
	play(f.dir, 0, &s, false, &a);
	lc_buf_init(&fb, 1 << 24);
	lc_buf_init(&rep, 1 << 24);
	t = rfx_open_read(f.dir);
	cr_assert_eq(rpl_select_resolve(t, &s, &sel, &err), LC_OK);
	an_config_default(&cfg);
	cr_assert_eq(an_engine_new(&cfg, NULL, NULL, collect, &fb, &e, &err), LC_OK);
	cr_assert_eq(an_source_feed(t, &sel, e, NULL, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(an_engine_report(e, AN_FORMAT_JSON, &rep), LC_OK);
	cr_assert_eq(fb.len, a.nf);
	cr_assert(memcmp(fb.ptr, a.findings, fb.len) == 0, "findings differ:\n%s\n---\n%s",
	    (char *)fb.ptr, a.findings);
	cr_assert_eq(rep.len, a.report.len);
	cr_assert(memcmp(rep.ptr, a.report.ptr, rep.len) == 0, "reports differ:\n%s\n---\n%s",
	    (char *)rep.ptr, (char *)a.report.ptr);
	cr_assert_null(strstr(a.findings, "\"c-2\""), "the conversation filter keeps c-2 out");
	an_engine_free(e);
	lc_buf_free(&fb), lc_buf_free(&rep);
	cr_assert_eq(lc_tape_close(t, NULL), LC_OK);
	out_free(&a);
	rfx_done(&f);
}

Test(replay, time_range_offsets_select_from_the_first_event)
{
	rfx f;
	out a;
	rpl_select s = {.from = "+250ms", .to = "+2s"};

	rfx_init(&f);
	rfx_make(&f);
	play(f.dir, 0, &s, false, &a);
	cr_assert_eq(a.st.events, 3, "the lawyer message and exchange 2: got %llu",
	    (unsigned long long)a.st.events);
	cr_assert_not_null(strstr(a.findings, "lawyer"));
	out_free(&a);
	rfx_done(&f);
}

Test(replay, iso_times_and_offsets_parse_exactly)
{
	int64_t v;
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(rpl_time_parse_iso("1970-01-01T00:00:00Z", &v, &err), LC_OK);
	cr_assert_eq(v, 0);
	cr_assert_eq(rpl_time_parse_iso("2023-10-31T15:17:12Z", &v, &err), LC_OK);
	cr_assert_eq(v, RF_T0);
	cr_assert_eq(rpl_time_parse_iso("2023-10-31T17:17:12.250+02:00", &v, &err), LC_OK);
	cr_assert_eq(v, RF_T0 + 250 * RF_MS);
	cr_assert_eq(rpl_time_parse_iso("2000-02-29T00:00:00.000000001", &v, &err), LC_OK);
	cr_assert_eq(v, 951782400000000001LL);
	cr_assert_eq(rpl_time_parse_offset("+1h30m", &v, &err), LC_OK);
	cr_assert_eq(v, 5400LL * 1000000000LL);
	cr_assert_eq(rpl_time_parse_offset("+250ms", &v, &err), LC_OK);
	cr_assert_eq(v, 250 * RF_MS);
	cr_assert_eq(rpl_time_parse_iso("2023-13-01T00:00:00Z", &v, &err), LC_EINVAL);
	cr_assert_eq(rpl_time_parse_iso("yesterday", &v, NULL), LC_EINVAL);
	cr_assert_eq(rpl_time_parse_offset("+5x", &v, NULL), LC_EINVAL);
	cr_assert_eq(rpl_time_parse_offset("5m", &v, NULL), LC_EINVAL);
	cr_assert_not_null(strstr(err.msg, "2023-10-31T15:00:00Z"), "the message shows a good form");
}

Test(replay, unknown_session_is_named_in_the_error)
{
	rfx f;
	lc_tape *t;
	lc_cursor_opts sel;
	rpl_select s = {.session = "s-nope"};
	lc_err err = LC_ERR_INIT;

	rfx_init(&f);
	rfx_make(&f);
	t = rfx_open_read(f.dir);
	cr_assert_eq(rpl_select_resolve(t, &s, &sel, &err), LC_ENOTFOUND);
	cr_assert_not_null(strstr(err.msg, "s-nope"));
	cr_assert_eq(lc_tape_close(t, NULL), LC_OK);
	rfx_done(&f);
}

Test(replay, transcript_shows_each_message_once_with_badges_and_no_escapes)
{
	rfx f;
	out a;

	rfx_init(&f);
	rfx_make(&f);
	play(f.dir, 0, NULL, true, &a);
	cr_assert_not_null(strstr(a.transcript, "15:17:12.020  c-1  customer My bill is wrong"),
	    "%s", a.transcript);
	cr_assert_not_null(strstr(a.transcript, "agent    Sorry to hear that"));
	cr_assert_not_null(strstr(a.transcript, "lawyer?[2J"), "ESC is shown as '?'");
	cr_assert_not_null(strstr(a.transcript, "[LEGAL]"));
	cr_assert_not_null(strstr(a.transcript, "! latency_breach"));
	cr_assert_not_null(strstr(a.transcript, "(negative"));
	cr_assert_not_null(strstr(a.transcript, "-- status ended"));
	cr_assert_null(strchr(a.transcript, '\033'), "no colour when not asked");
	out_free(&a);
	rfx_done(&f);
}

Test(replay, a_tape_being_recorded_replays_and_follow_sees_appends)
{
	rfx f;
	lc_tape *w, *r;
	out a;
	lc_err err = LC_ERR_INIT;

	rfx_init(&f);
	w = rfx_open_write(&f, f.dir);
	rfx_chat(w);
	/* the writer is still open (MVCC): a reader replays what is committed */
	play(f.dir, 0, NULL, false, &a);
	cr_assert_eq(a.st.events, 13);
	r = rfx_open_read(f.dir);   /* not used by play: a second reader is fine too */
	cr_assert_eq(lc_tape_close(r, NULL), LC_OK);
	cr_assert_eq(lc_tape_close(w, &err), LC_OK, "%s", err.msg);
	out_free(&a);
	rfx_done(&f);
}
