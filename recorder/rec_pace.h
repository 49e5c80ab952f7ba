/* SPDX-License-Identifier: MIT */
/* rec_pace: the recorder's pacing arithmetic — reconnect backoff with full jitter and the send token bucket. */
#ifndef REC_PACE_H
#define REC_PACE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter"): attempt n waits a uniformly random time in
 * [0, min(cap, base * 2^n)]. Plain value; the caller owns the RNG state.
 */
typedef struct rec_backoff {
	uint32_t base_ms;     /* 2000 by default */
	uint32_t cap_ms;      /* 60000 by default */
	uint32_t attempt;     /* reconnects since the last successful open */
	uint64_t rng;         /* splitmix64 state; seed it from the clock */
} rec_backoff;

/* splitmix64: the recorder's small RNG (jitter, message ids); *s is the state. */
uint64_t rec_rng_next(uint64_t *s);

void rec_backoff_init(rec_backoff *b, uint32_t base_ms, uint32_t cap_ms, uint64_t seed);
/* The ceiling of the current attempt, min(cap, base * 2^attempt). */
uint32_t rec_backoff_ceiling_ms(const rec_backoff *b);
/* The delay before the next attempt (uniform in [0, ceiling]); advances the attempt. */
uint32_t rec_backoff_next_ms(rec_backoff *b);
/* A connection opened: start again from the base. */
static inline void rec_backoff_reset(rec_backoff *b) { b->attempt = 0; }

/*
 * A token bucket (the tutorial's: 10 per second, burst 20). Times are
 * monotonic nanoseconds supplied by the caller, so tests need no clock.
 */
typedef struct rec_bucket {
	double rate;          /* tokens per second, > 0 */
	double burst;         /* capacity, >= 1 */
	double tokens;
	int64_t last_ns;
} rec_bucket;

void rec_bucket_init(rec_bucket *b, double rate, double burst, int64_t now_ns);
/* Take one token if there is one: true. Else false and *wait_ns (may be NULL) = time until one is there. */
bool rec_bucket_take(rec_bucket *b, int64_t now_ns, int64_t *wait_ns);

#endif
