/* SPDX-License-Identifier: MIT */
/* Tests for an_pipe: the two-thread reader gives the engine exactly what a cursor and an_engine_feed give. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_feed.h"
#include "an_pipe.h"
#include "test_replay_fixture.h"

static bool
bytes_eq(lc_bytes a, lc_bytes b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Every finding as a JSON line, so two runs compare byte for byte. */
static void
collect(const an_finding *f, void *ud)
{
	cr_assert_eq(an_finding_json(f, ud), LC_OK);
	cr_assert_eq(lc_buf_append(ud, "\n", 1), LC_OK);
}

/* Findings then the JSON report of sel through a cursor and an_engine_feed (the reference). */
static void
run_reference(lc_tape *t, const lc_cursor_opts *sel, lc_buf *out, uint64_t *n)
{
	an_config cfg;
	an_engine *e = NULL;
	lc_cursor *c = NULL;
	const cx_event *ev;
	lc_err err = LC_ERR_INIT;
	lc_status rc;

	an_config_default(&cfg);
	cr_assert_eq(an_engine_new(&cfg, NULL, NULL, collect, out, &e, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(an_feed_sessions(t, e, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(lc_cursor_open(t, sel, &c, &err), LC_OK, "%s", err.msg);
	*n = 0;
	while ((rc = lc_cursor_next(c, &ev, &err)) == LC_OK) {
		cr_assert_eq(an_engine_feed(e, ev), LC_OK);
		(*n)++;
	}
	cr_assert_eq(rc, LC_DONE, "%s", err.msg);
	lc_cursor_close(c);
	cr_assert_eq(an_engine_finish(e), LC_OK);
	cr_assert_eq(an_engine_report(e, AN_FORMAT_JSON, out), LC_OK);
	an_engine_free(e);
}

/* The same through an_feed_tape, which reads with a pipe. */
static void
run_pipe(lc_tape *t, const lc_cursor_opts *sel, lc_buf *out, uint64_t *n)
{
	an_config cfg;
	an_engine *e = NULL;
	lc_err err = LC_ERR_INIT;

	an_config_default(&cfg);
	cr_assert_eq(an_engine_new(&cfg, NULL, NULL, collect, out, &e, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(an_feed_tape(t, sel, e, NULL, NULL, n, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(an_engine_report(e, AN_FORMAT_JSON, out), LC_OK);
	an_engine_free(e);
}

/* sel through both: more than `min` events, and the same findings and report. */
static void
compare_selection(lc_tape *t, const lc_cursor_opts *sel, lc_buf *a, lc_buf *b, uint64_t min,
    const char *what)
{
	uint64_t na, nb;

	lc_buf_reset(a);
	lc_buf_reset(b);
	run_reference(t, sel, a, &na);
	run_pipe(t, sel, b, &nb);
	cr_assert(na > min && nb == na, "%s: %llu events by the cursor, %llu by the pipe", what,
	    (unsigned long long)na, (unsigned long long)nb);
	cr_assert(a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0, "%s selection differs", what);
}

Test(pipe, findings_and_report_are_byte_identical_to_a_cursor_and_an_engine_feed, .timeout = 120)
{
	rfx f;
	lc_tape *t;
	lc_buf a, b;
	uint64_t na, nb;
	lc_cursor_opts sel;

	rfx_init(&f);
	rfx_make_mixed(&f, f.dir);
	t = rfx_open_read(f.dir);
	lc_buf_init(&a, (size_t)256 << 20);
	lc_buf_init(&b, (size_t)256 << 20);
	run_reference(t, NULL, &a, &na);
	run_pipe(t, NULL, &b, &nb);
	cr_assert_gt(na, 6000, "the tape spans several batches (%llu events)", (unsigned long long)na);
	cr_assert_eq(nb, na, "the pipe handed over %llu events, the cursor %llu",
	    (unsigned long long)nb, (unsigned long long)na);
	cr_assert(strstr((const char *)a.ptr, "\"malformed\"") != NULL, "the tape has malformed frames");
	cr_assert(strstr((const char *)a.ptr, "caf\xc3\xa9 \\\"") != NULL, "escaped text was scored");
	cr_assert_eq(b.len, a.len, "findings+report: %zu bytes by the pipe, %zu by the cursor", b.len, a.len);
	cr_assert(memcmp(a.ptr, b.ptr, a.len) == 0, "findings and report differ");

	/* A selection: one conversation through the index, and a time range. */
	lc_cursor_opts_init(&sel);
	sel.conversation = "k-5";
	compare_selection(t, &sel, &a, &b, 100, "conversation");
	lc_cursor_opts_init(&sel);
	sel.from_ns = RF_T0 + 9000 * RF_MS;
	sel.to_ns = RF_T0 + 30000 * RF_MS;
	compare_selection(t, &sel, &a, &b, 1000, "time range");

	lc_buf_free(&a);
	lc_buf_free(&b);
	cr_assert_eq(lc_tape_close(t, NULL), LC_OK);
	rfx_done(&f);
}

Test(pipe, events_come_in_seq_order_with_their_bytes_intact)
{
	rfx f;
	lc_tape *t;
	an_engine *e = NULL;
	an_pipe *p = NULL;
	lc_cursor *c = NULL;
	const cx_event *pe, *ce;
	const an_prep *prep;
	lc_err err = LC_ERR_INIT;
	an_config cfg;
	uint64_t n = 0;
	lc_status rc;

	rfx_init(&f);
	rfx_make_mixed(&f, f.dir);
	t = rfx_open_read(f.dir);
	an_config_default(&cfg);
	cr_assert_eq(an_engine_new(&cfg, NULL, NULL, NULL, NULL, &e, &err), LC_OK);
	cr_assert_eq(an_pipe_open(t, NULL, e, &p, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(lc_cursor_open(t, NULL, &c, &err), LC_OK);
	while ((rc = an_pipe_next(p, &pe, &prep, &err)) == LC_OK) {
		cr_assert_eq(lc_cursor_next(c, &ce, &err), LC_OK);
		cr_assert_eq(pe->seq, ce->seq);
		cr_assert(pe->kind == ce->kind && pe->flags == ce->flags && pe->wall_ns == ce->wall_ns);
		cr_assert(bytes_eq(pe->raw, ce->raw) && bytes_eq(pe->conversation, ce->conversation) &&
		    bytes_eq(pe->session, ce->session) && bytes_eq(pe->path, ce->path), "seq %llu",
		    (unsigned long long)pe->seq);
		cr_assert_eq(pe->n_headers, ce->n_headers);
		for (uint32_t i = 0; i < pe->n_headers; i++)
			cr_assert(bytes_eq(pe->headers[i].name, ce->headers[i].name) &&
			    bytes_eq(pe->headers[i].value, ce->headers[i].value));
		if (pe->kind == CX_FRAME_IN && !(pe->flags & CX_F_BINARY) && prep->parse_rc == LC_OK &&
		    prep->env.type == LC_ENV_MESSAGE && prep->env.from == LC_FROM_CUSTOMER)
			cr_assert(prep->scored && prep->env.text.len > 0, "seq %llu", (unsigned long long)pe->seq);
		n++;
	}
	cr_assert_eq(rc, LC_DONE, "%s", err.msg);
	cr_assert_eq(lc_cursor_next(c, &ce, &err), LC_DONE, "the cursor has no more either");
	cr_assert_eq(an_pipe_next(p, &pe, &prep, &err), LC_DONE, "the end stays the end");
	cr_assert_gt(n, 6000);
	lc_cursor_close(c);
	an_pipe_close(p);
	an_engine_free(e);
	cr_assert_eq(lc_tape_close(t, NULL), LC_OK);
	rfx_done(&f);
}

Test(pipe, a_corrupt_record_comes_after_every_good_event_before_it)
{
	rfx f;
	lc_tape *t;
	an_engine *e = NULL;
	an_pipe *p = NULL;
	const cx_event *ev;
	const an_prep *prep;
	lc_err err = LC_ERR_INIT;
	an_config cfg;
	char raw[128], path[400];
	uint64_t n = 0, last = 0;
	lc_status rc;
	FILE *fp;
	long sz;
	char *data, *hit = NULL;

	rfx_init(&f);
	t = rfx_open_write(&f, f.dir);
	for (int i = 1; i <= 3000; i++) {
		if (i == 2222)
			snprintf(raw, sizeof raw, "{\"type\":\"ack\",\"messageId\":\"MARKER-SEQ-2222\"}");
		else
			snprintf(raw, sizeof raw, "{\"type\":\"ack\",\"messageId\":\"m-%d\"}", i);
		rfx_add_raw(t, CX_FRAME_IN, 0, i, "c", raw, strlen(raw));
	}
	cr_assert_eq(lc_tape_close(t, &err), LC_OK, "%s", err.msg);
	snprintf(path, sizeof path, "%s/data.mdb", f.dir);
	fp = fopen(path, "r+b");
	cr_assert_not_null(fp);
	fseek(fp, 0, SEEK_END);
	sz = ftell(fp);
	data = malloc((size_t)sz);
	rewind(fp);
	cr_assert_eq(fread(data, 1, (size_t)sz, fp), (size_t)sz);
	for (long i = 0; i + 15 < sz && hit == NULL; i++)
		if (memcmp(data + i, "MARKER-SEQ-2222", 15) == 0)
			hit = data + i;
	cr_assert_not_null(hit);
	fseek(fp, (long)(hit - data) + 3, SEEK_SET);
	fputc('X', fp);
	fclose(fp);
	free(data);

	t = rfx_open_read(f.dir);
	an_config_default(&cfg);
	cr_assert_eq(an_engine_new(&cfg, NULL, NULL, NULL, NULL, &e, &err), LC_OK);
	cr_assert_eq(an_pipe_open(t, NULL, e, &p, &err), LC_OK, "%s", err.msg);
	while ((rc = an_pipe_next(p, &ev, &prep, &err)) == LC_OK) {
		cr_assert_eq(ev->seq, last + 1, "in order, none skipped");
		last = ev->seq;
		n++;
	}
	cr_assert_eq(n, 2221, "the good events before the bad record all arrive (%llu)", (unsigned long long)n);
	cr_assert_eq(rc, LC_ECORRUPT);
	cr_assert(strstr(err.msg, "seq 2222") != NULL, "%s", err.msg);
	lc_err_clear(&err);
	cr_assert_eq(an_pipe_next(p, &ev, &prep, &err), LC_ECORRUPT, "the error stays");
	cr_assert(strstr(err.msg, "seq 2222") != NULL, "%s", err.msg);
	an_pipe_close(p);
	an_engine_free(e);
	cr_assert_eq(lc_tape_close(t, NULL), LC_OK);
	rfx_done(&f);
}

Test(pipe, closing_early_stops_the_reader_wherever_it_is, .timeout = 60)
{
	rfx f;
	lc_tape *t;
	an_engine *e = NULL;
	an_config cfg;
	lc_err err = LC_ERR_INIT;

	rfx_init(&f);
	rfx_make_mixed(&f, f.dir);
	t = rfx_open_read(f.dir);
	an_config_default(&cfg);
	cr_assert_eq(an_engine_new(&cfg, NULL, NULL, NULL, NULL, &e, &err), LC_OK);
	for (int stop = 0; stop <= 6000; stop += 1500) {
		an_pipe *p = NULL;
		const cx_event *ev;
		const an_prep *prep;
		int k = 0;

		cr_assert_eq(an_pipe_open(t, NULL, e, &p, &err), LC_OK, "%s", err.msg);
		while (k < stop && an_pipe_next(p, &ev, &prep, &err) == LC_OK)
			k++;
		cr_assert_eq(k, stop);
		an_pipe_close(p);   /* the reader may be waiting for a free batch, or reading: no hang */
	}
	an_engine_free(e);
	/* The tape's cursors were all closed: it closes cleanly. */
	cr_assert_eq(lc_tape_close(t, &err), LC_OK, "%s", err.msg);
	rfx_done(&f);
}
