/* SPDX-License-Identifier: MIT */
/* rec_capture: one append path for every thread of the recorder, with counters for what was lost. */
#include <stdatomic.h>
#include <stdlib.h>

#include "lc_clock.h"
#include "lc_log.h"
#include "rec_capture.h"

struct rec_capture {
	lc_tape *tape;
	atomic_uint_fast64_t appended, refused, malformed, exchange;
	atomic_uint_fast64_t frames_in, frames_out, http;
};

lc_status
rec_capture_new(lc_tape *t, rec_capture **out, lc_err *err)
{
	rec_capture *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (c == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory starting the capture");
	c->tape = t;
	*out = c;
	return LC_OK;
}

void
rec_capture_free(rec_capture *c)
{
	free(c);
}

/* Kept for the recorder's callers; the clock itself is lc_clock's (one clock module). */
int64_t rec_now_wall_ns(void) { return lc_clock_wall_ns(); }
int64_t rec_now_mono_ns(void) { return lc_clock_mono_ns(); }

uint64_t
rec_capture_put(rec_capture *c, cx_event *ev)
{
	lc_err err = LC_ERR_INIT;
	uint64_t seq = 0, n;

	if (ev->wall_ns == 0)
		ev->wall_ns = rec_now_wall_ns();
	if (ev->mono_ns == 0)
		ev->mono_ns = rec_now_mono_ns();
	if (lc_tape_append(c->tape, ev, &seq, &err) != LC_OK) {
		n = atomic_fetch_add(&c->refused, 1) + 1;
		if (n == 1 || n % 1000 == 0)
			lc_error("%s (%llu %s events not kept so far)", lc_err_text(&err),
			         (unsigned long long)n, cx_kind_name(ev->kind));
		return 0;
	}
	atomic_fetch_add(&c->appended, 1);
	if (ev->kind == CX_FRAME_IN)
		atomic_fetch_add(&c->frames_in, 1);
	else if (ev->kind == CX_FRAME_OUT)
		atomic_fetch_add(&c->frames_out, 1);
	else if (ev->kind == CX_HTTP_REQUEST || ev->kind == CX_HTTP_RESPONSE)
		atomic_fetch_add(&c->http, 1);
	return seq;
}

uint64_t
rec_capture_exchange(rec_capture *c)
{
	return atomic_fetch_add(&c->exchange, 1) + 1;
}

void
rec_capture_count_malformed(rec_capture *c)
{
	atomic_fetch_add(&c->malformed, 1);
}

void
rec_capture_stats_get(rec_capture *c, rec_capture_stats *out)
{
	out->appended = atomic_load(&c->appended);
	out->refused = atomic_load(&c->refused);
	out->malformed = atomic_load(&c->malformed);
	out->frames_in = atomic_load(&c->frames_in);
	out->frames_out = atomic_load(&c->frames_out);
	out->http = atomic_load(&c->http);
}

lc_tape *
rec_capture_tape(rec_capture *c)
{
	return c->tape;
}

static uint64_t tap_exchange(void *ud) { return rec_capture_exchange(ud); }
static void tap_put(void *ud, cx_event *ev) { (void)rec_capture_put(ud, ev); }

lc_http_tap
rec_capture_http_tap(rec_capture *c)
{
	return (lc_http_tap){tap_exchange, tap_put, c};
}
