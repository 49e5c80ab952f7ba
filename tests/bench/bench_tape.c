/* SPDX-License-Identifier: MIT */
/* bench_tape: durable append rate through lc_tape_append + flush, and full scan + decode rate. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lc_redact.h"
#include "lc_tape.h"

#define N_EVENTS 1000000
#define TARGET_APPEND 500000.0
#define TARGET_SCAN 2000000.0

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(p);
}

static int
fail(const char *what, const lc_err *err)
{
	fprintf(stderr, "bench_tape: %s: %s\n", what, lc_err_text(err));
	return 1;
}

/* Append N realistic chat frames (~260-byte records); retry on a full queue, counting it. */
static int
bench_append(const char *dir, const lc_redactor *red, double *rate)
{
	lc_tape_opts o;
	lc_tape *t = NULL;
	lc_tape_stats st;
	lc_err err = LC_ERR_INIT;
	char raw[256], conv[32];
	uint64_t full = 0;
	double t0, t1;

	lc_tape_opts_init(&o);
	o.redactor = red;
	if (getenv("BENCH_BATCH"))
		o.batch_events = (unsigned)atoi(getenv("BENCH_BATCH"));
	if (lc_tape_open_write(dir, &o, &t, &err) != LC_OK)
		return fail("open", &err);
	if (lc_tape_session_begin(t, "bench-agent", "bench", NULL, &err) != LC_OK)
		return fail("session", &err);
	t0 = now_s();
	for (int i = 0; i < N_EVENTS; i++) {
		cx_event e;
		memset(&e, 0, sizeof e);
		snprintf(conv, sizeof conv, "c-%06d", i / 40);
		snprintf(raw, sizeof raw, "{\"type\":\"message\",\"conversationId\":\"%s\",\"messageId\":"
		    "\"m-%08d\",\"from\":\"customer\",\"text\":\"Hi, my parcel is late again, order %d\","
		    "\"ts\":\"2024-06-10T06:%02d:%02d.000Z\"}", conv, i, i, (i / 60) % 60, i % 60);
		e.kind = i % 2 ? CX_FRAME_IN : CX_FRAME_OUT;
		e.wall_ns = 1718000000000000000LL + (int64_t)i * 1000;
		e.mono_ns = 9000000000LL + (int64_t)i * 1000;
		e.conversation = lc_bytes_str(conv);
		e.raw = lc_bytes_str(raw);
		for (;;) {
			lc_status rc = lc_tape_append(t, &e, NULL, &err);
			if (rc == LC_OK)
				break;
			if (rc != LC_EFULL)
				return fail("append", &err);
			lc_err_clear(&err);
			full++;
			usleep(200);   /* the bench, not the library, chooses to wait */
		}
	}
	if (lc_tape_flush(t, &err) != LC_OK)
		return fail("flush", &err);
	t1 = now_s();
	lc_tape_stats_get(t, &st);
	if (lc_tape_close(t, &err) != LC_OK)
		return fail("close", &err);
	*rate = N_EVENTS / (t1 - t0);
	printf("append  %d events, %.1f MB of records in %.2f s: %.0f events/s durable "
	    "(target >= %.0f) %s\n", N_EVENTS, (double)st.bytes / 1e6, t1 - t0, *rate,
	    TARGET_APPEND, *rate >= TARGET_APPEND ? "MET" : "NOT MET");
	printf("        %lu write txns (%.0f events each), %lu queue-full retries, %lu map resizes\n",
	    (unsigned long)st.batches, (double)st.committed / (double)(st.batches ? st.batches : 1),
	    (unsigned long)full, (unsigned long)st.map_resizes);
	return 0;
}

static int
bench_scan(const char *dir, double *rate)
{
	lc_tape *t = NULL;
	lc_cursor *c = NULL;
	const cx_event *ev;
	lc_err err = LC_ERR_INIT;
	uint64_t n = 0, bytes = 0;
	double t0, t1;
	lc_status rc;

	if (lc_tape_open_read(dir, &t, &err) != LC_OK)
		return fail("open read", &err);
	if (lc_cursor_open(t, NULL, &c, &err) != LC_OK)
		return fail("cursor", &err);
	t0 = now_s();
	while ((rc = lc_cursor_next(c, &ev, &err)) == LC_OK) {
		n++;
		bytes += ev->raw.len + ev->conversation.len;
	}
	t1 = now_s();
	if (rc != LC_DONE || n != N_EVENTS)
		return fail("scan", &err);
	lc_cursor_close(c);
	if (lc_tape_close(t, &err) != LC_OK)
		return fail("close read", &err);
	*rate = (double)n / (t1 - t0);
	printf("scan    %lu events (decode + CRC-32C check each, %.1f MB payload) in %.2f s: "
	    "%.0f events/s (target >= %.0f) %s\n", (unsigned long)n, (double)bytes / 1e6, t1 - t0,
	    *rate, TARGET_SCAN, *rate >= TARGET_SCAN ? "MET" : "NOT MET");
	return 0;
}

int
main(void)
{
	char base[256], dir[300];
	const char *tmp = getenv("TMPDIR");
	lc_redactor *red = NULL;
	lc_err err = LC_ERR_INIT;
	double ar = 0, sr = 0;
	int rc;

	snprintf(base, sizeof base, "%s/cxtape-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(base) == NULL)
		return perror("mkdtemp"), 1;
	snprintf(dir, sizeof dir, "%s/tape", base);
	if (lc_redactor_from_key("bench-key-0123456789abcdef", 26, 0, &red, &err) != LC_OK)
		return fail("redactor", &err);
	rc = bench_append(dir, red, &ar);
	if (rc == 0)
		rc = bench_scan(dir, &sr);
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	lc_redactor_free(red);
	return rc;
}
