/* SPDX-License-Identifier: MIT */
/* rec_capture: stamping and appending the recorder's events to the tape, counting what could not be kept. */
#ifndef REC_CAPTURE_H
#define REC_CAPTURE_H

#include <stdint.h>

#include "lc_event.h"
#include "lc_http.h"
#include "lc_tape.h"

typedef struct rec_capture rec_capture;

typedef struct rec_capture_stats {
	uint64_t appended;     /* accepted by the tape */
	uint64_t refused;      /* the tape refused them (queue full, poisoned): counted, logged */
	uint64_t malformed;    /* inbound frames that were not valid JSON envelopes */
	uint64_t frames_in, frames_out, http;
} rec_capture_stats;

/* t is borrowed and must outlive the capture. *out: caller frees with rec_capture_free. */
lc_status rec_capture_new(lc_tape *t, rec_capture **out, lc_err *err) LC_MUST_CHECK;
void rec_capture_free(rec_capture *c);   /* accepts NULL */

/* Clocks of the capture path, in ns: lc_clock_wall_ns and lc_clock_mono_ns (call those in new code). */
int64_t rec_now_wall_ns(void);
int64_t rec_now_mono_ns(void);

/*
 * Append ev (stamping wall_ns/mono_ns when they are 0). Never blocks on the
 * disk and never fails to the caller: an event the tape refuses is counted
 * and logged (the first, then every 1000th) and reported at exit. Returns the
 * seq given, 0 when refused. Thread-safe.
 */
uint64_t rec_capture_put(rec_capture *c, cx_event *ev);

/* A fresh exchange number pairing an HTTP request with its response. Thread-safe. */
uint64_t rec_capture_exchange(rec_capture *c);

/* A tap for lc_http: its exchanges (and the OAuth client's records) go onto this capture. */
lc_http_tap rec_capture_http_tap(rec_capture *c);

/* Count one malformed inbound frame. */
void rec_capture_count_malformed(rec_capture *c);

void rec_capture_stats_get(rec_capture *c, rec_capture_stats *out);

/* The tape being written (borrowed). */
lc_tape *rec_capture_tape(rec_capture *c);

#endif
