/* SPDX-License-Identifier: MIT */
/* lc_clock: the time interface (wall, monotonic, sleep_until), real or virtual for replay. */
#ifndef LC_CLOCK_H
#define LC_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "lc_err.h"

/*
 * Where real time comes from: the system (lc_time_source_system) or, in
 * tests, a fake. sleep_until waits until the source's monotonic time reaches
 * deadline_ns (absolute); it may return early (a signal), callers re-check.
 */
typedef struct lc_time_source {
	int64_t (*mono_ns)(void *ctx);
	int64_t (*wall_ns)(void *ctx);
	void (*sleep_until)(void *ctx, int64_t deadline_ns);
	void *ctx;
} lc_time_source;

/* CLOCK_MONOTONIC, CLOCK_REALTIME and clock_nanosleep(TIMER_ABSTIME). */
lc_time_source lc_time_source_system(void);

/*
 * The system's readings without a clock object, for code that stamps or
 * times real events (the tape's writer, the recorder, the simulator): ns
 * since the epoch (CLOCK_REALTIME) and monotonic ns (CLOCK_MONOTONIC).
 * Code that may run on a replay's timeline reads an lc_clock instead.
 */
int64_t lc_clock_wall_ns(void);
int64_t lc_clock_mono_ns(void);

/*
 * A clock. The real one reads its source. The virtual one (replay) runs a
 * recorded timeline: virtual time = origin + elapsed real monotonic time x
 * speed, where speed 0 ("max") means never wait. Pause, resume and speed
 * changes re-anchor the timeline, so virtual time never jumps. A virtual
 * clock's wall and monotonic readings are the same recorded timeline.
 * The controls may be called from another thread (a TTY) while a replay
 * thread sleeps: a sleeper notices within LC_CLOCK_SLICE_NS.
 */
typedef struct lc_clock lc_clock;

#define LC_CLOCK_SLICE_NS  (50 * 1000 * 1000LL)   /* longest uninterrupted virtual wait */
#define LC_CLOCK_SPIN_NS   (300 * 1000LL)          /* a system virtual clock spins at least this */
#define LC_CLOCK_SPIN_MAX_NS (2 * 1000 * 1000LL)   /* and at most this before each event */
#define LC_CLOCK_SPEED_MAX 1e6                      /* fastest finite speed accepted */

/* src NULL means the system. *out: caller frees with lc_clock_free. */
lc_status lc_clock_new_real(const lc_time_source *src, lc_clock **out, lc_err *err) LC_MUST_CHECK;
lc_status lc_clock_new_virtual(const lc_time_source *src, int64_t origin_ns, double speed,
    lc_clock **out, lc_err *err) LC_MUST_CHECK;
void lc_clock_free(lc_clock *c);   /* accepts NULL */

int64_t lc_clock_now_wall(lc_clock *c);   /* ns since the epoch (virtual: the timeline) */
int64_t lc_clock_now_mono(lc_clock *c);   /* ns (virtual: the timeline) */

/*
 * Wait until now_mono reaches deadline_ns. Virtual clocks turn the deadline
 * into an absolute real deadline each time, so error never accumulates over
 * many sleeps. Returns how late it woke in clock ns (0 or more); a deadline
 * already past returns at once with its lateness. At speed max it returns
 * at once, advancing virtual time to the deadline.
 */
int64_t lc_clock_sleep_until(lc_clock *c, int64_t deadline_ns);

/* Virtual clocks only (LC_EINVAL on a real one). speed 0 = max; else (0, LC_CLOCK_SPEED_MAX]. */
lc_status lc_clock_set_speed(lc_clock *c, double speed) LC_MUST_CHECK;
lc_status lc_clock_pause(lc_clock *c) LC_MUST_CHECK;
lc_status lc_clock_resume(lc_clock *c) LC_MUST_CHECK;
bool lc_clock_is_paused(lc_clock *c);
double lc_clock_speed(lc_clock *c);   /* 1.0 for a real clock */

/* "max", "0" -> 0 (never wait); "1", "10", "0.5" -> that speed. LC_EINVAL with a message. */
lc_status lc_clock_speed_parse(const char *s, double *out, lc_err *err) LC_MUST_CHECK;

#endif
