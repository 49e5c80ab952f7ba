/* SPDX-License-Identifier: MIT */
/* lc_clock: real and virtual clocks; the virtual one maps a recorded timeline onto real time. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lc_clock.h"

struct lc_clock {
	bool is_virtual;
	lc_time_source src;
	pthread_mutex_t mu;     /* guards the anchor below: controls come from another thread */
	double speed;           /* 0: max, never wait */
	bool paused;
	bool spin;              /* system time source: finish a replay's waits on the CPU */
	int64_t base_v;         /* virtual time at the anchor */
	int64_t base_r;         /* real monotonic time at the anchor */
};

static int64_t
sys_read(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t
lc_clock_wall_ns(void)
{
	return sys_read(CLOCK_REALTIME);
}

int64_t
lc_clock_mono_ns(void)
{
	return sys_read(CLOCK_MONOTONIC);
}

static int64_t
sys_mono(void *ctx)
{
	(void)ctx;
	return lc_clock_mono_ns();
}

static int64_t
sys_wall(void *ctx)
{
	(void)ctx;
	return lc_clock_wall_ns();
}

static void
sys_sleep_until(void *ctx, int64_t deadline_ns)
{
	struct timespec ts;

	(void)ctx;
	if (deadline_ns < 0)
		return;
	ts.tv_sec = (time_t)(deadline_ns / 1000000000LL);
	ts.tv_nsec = (long)(deadline_ns % 1000000000LL);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/*
 * Wait for deadline_ns, sleeping all but the last stretch and spinning on the
 * clock for that: a thread woken from sleep runs 0.1-0.2 ms late on a busy or
 * virtualised machine (and now and then a millisecond or more after a long
 * sleep), more than a faithful replay should. The stretch is a tenth of the
 * wait, at least LC_CLOCK_SPIN_NS and at most LC_CLOCK_SPIN_MAX_NS, so the CPU
 * it costs is bounded by about a tenth of the time waited.
 */
static void
sys_sleep_spin_until(int64_t deadline_ns)
{
	int64_t wait = deadline_ns - sys_read(CLOCK_MONOTONIC), spin = wait / 10;

	if (spin < LC_CLOCK_SPIN_NS)
		spin = LC_CLOCK_SPIN_NS;
	if (spin > LC_CLOCK_SPIN_MAX_NS)
		spin = LC_CLOCK_SPIN_MAX_NS;
	if (wait > spin)
		sys_sleep_until(NULL, deadline_ns - spin);
	while (sys_read(CLOCK_MONOTONIC) < deadline_ns)
		;
}

lc_time_source
lc_time_source_system(void)
{
	return (lc_time_source){sys_mono, sys_wall, sys_sleep_until, NULL};
}

static lc_status
clock_make(const lc_time_source *src, bool is_virtual, lc_clock **out, lc_err *err)
{
	lc_clock *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (c == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory making a clock");
	c->src = src ? *src : lc_time_source_system();
	c->spin = src == NULL;
	c->is_virtual = is_virtual;
	c->speed = 1.0;
	pthread_mutex_init(&c->mu, NULL);
	*out = c;
	return LC_OK;
}

lc_status
lc_clock_new_real(const lc_time_source *src, lc_clock **out, lc_err *err)
{
	return clock_make(src, false, out, err);
}

static bool
speed_ok(double speed)
{
	return isfinite(speed) && speed >= 0 && speed <= LC_CLOCK_SPEED_MAX;
}

lc_status
lc_clock_new_virtual(const lc_time_source *src, int64_t origin_ns, double speed, lc_clock **out,
    lc_err *err)
{
	lc_status rc;

	if (!speed_ok(speed))
		return lc_err_set(err, LC_EINVAL, "replay speed %g is out of range; use max or a "
		    "number from 0.001 to %g", speed, LC_CLOCK_SPEED_MAX);
	rc = clock_make(src, true, out, err);
	if (rc != LC_OK)
		return rc;
	(*out)->speed = speed;
	(*out)->base_v = origin_ns;
	(*out)->base_r = (*out)->src.mono_ns((*out)->src.ctx);
	return LC_OK;
}

void
lc_clock_free(lc_clock *c)
{
	if (c == NULL)
		return;
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* Virtual time at real time r; caller holds mu. */
static int64_t
virt_at(const lc_clock *c, int64_t r)
{
	if (c->paused || c->speed == 0)
		return c->base_v;
	return c->base_v + (int64_t)llround((double)(r - c->base_r) * c->speed);
}

/* Move the anchor to now, so a change of speed or pause keeps time continuous; holds mu. */
static void
reanchor(lc_clock *c)
{
	int64_t r = c->src.mono_ns(c->src.ctx);

	c->base_v = virt_at(c, r);
	c->base_r = r;
}

int64_t
lc_clock_now_mono(lc_clock *c)
{
	int64_t v;

	if (!c->is_virtual)
		return c->src.mono_ns(c->src.ctx);
	pthread_mutex_lock(&c->mu);
	v = virt_at(c, c->src.mono_ns(c->src.ctx));
	pthread_mutex_unlock(&c->mu);
	return v;
}

int64_t
lc_clock_now_wall(lc_clock *c)
{
	return c->is_virtual ? lc_clock_now_mono(c) : c->src.wall_ns(c->src.ctx);
}

static int64_t
real_sleep_until(lc_clock *c, int64_t deadline)
{
	int64_t now = c->src.mono_ns(c->src.ctx);

	while (now < deadline) {
		c->src.sleep_until(c->src.ctx, deadline);
		now = c->src.mono_ns(c->src.ctx);
	}
	return now - deadline;
}

/*
 * One step of a virtual wait: 1 when the deadline is reached (*late set),
 * else the real deadline of the next slice to sleep to.
 */
/* *until: when to look again; *exact: it is the event's own deadline, not a slice's end. */
static int
virt_step(lc_clock *c, int64_t deadline, int64_t *late, int64_t *until, bool *exact)
{
	int64_t r, v, real_deadline;
	int done = 0;

	pthread_mutex_lock(&c->mu);
	r = c->src.mono_ns(c->src.ctx);
	v = virt_at(c, r);
	if (c->paused) {
		/* Nothing more comes out while paused, even an event that was already due
		 * (a replay running late would otherwise keep printing after "paused"). */
		*until = r + LC_CLOCK_SLICE_NS;
	} else if (c->speed == 0) {
		if (c->base_v < deadline)
			c->base_v = deadline;        /* max: time jumps to what is next */
		*late = v > deadline ? v - deadline : 0;
		done = 1;
	} else if (v >= deadline) {
		*late = v - deadline;
		done = 1;
	} else {
		real_deadline = c->base_r + (int64_t)ceil((double)(deadline - c->base_v) / c->speed);
		*exact = real_deadline < r + LC_CLOCK_SLICE_NS;
		*until = *exact ? real_deadline : r + LC_CLOCK_SLICE_NS;
	}
	pthread_mutex_unlock(&c->mu);
	return done;
}

int64_t
lc_clock_sleep_until(lc_clock *c, int64_t deadline_ns)
{
	int64_t late = 0, until = 0;
	bool exact = false;

	if (!c->is_virtual)
		return real_sleep_until(c, deadline_ns);
	while (!virt_step(c, deadline_ns, &late, &until, &exact)) {
		if (c->spin && exact)
			sys_sleep_spin_until(until);
		else
			c->src.sleep_until(c->src.ctx, until);
		exact = false;
	}
	return late;
}

static lc_status
control(lc_clock *c, int what, double speed)
{
	if (!c->is_virtual)
		return LC_EINVAL;
	if (what == 0 && !speed_ok(speed))
		return LC_EINVAL;
	pthread_mutex_lock(&c->mu);
	reanchor(c);
	if (what == 0)
		c->speed = speed;
	else
		c->paused = what == 1;
	pthread_mutex_unlock(&c->mu);
	return LC_OK;
}

lc_status
lc_clock_set_speed(lc_clock *c, double speed)
{
	return control(c, 0, speed);
}

lc_status
lc_clock_pause(lc_clock *c)
{
	return control(c, 1, 0);
}

lc_status
lc_clock_resume(lc_clock *c)
{
	return control(c, 2, 0);
}

bool
lc_clock_is_paused(lc_clock *c)
{
	bool p;

	pthread_mutex_lock(&c->mu);
	p = c->paused;
	pthread_mutex_unlock(&c->mu);
	return p;
}

double
lc_clock_speed(lc_clock *c)
{
	double s;

	pthread_mutex_lock(&c->mu);
	s = c->speed;
	pthread_mutex_unlock(&c->mu);
	return s;
}

lc_status
lc_clock_speed_parse(const char *s, double *out, lc_err *err)
{
	char *end = NULL;
	double v;

	*out = 1.0;
	if (s != NULL && (strcmp(s, "max") == 0 || strcmp(s, "MAX") == 0)) {
		*out = 0;
		return LC_OK;
	}
	errno = 0;
	v = s != NULL && *s ? strtod(s, &end) : NAN;
	if (errno != 0 || end == NULL || *end != 0 || !speed_ok(v) || (v > 0 && v < 0.001))
		return lc_err_set(err, LC_EINVAL, "bad speed \"%s\": use max, or a number such as 1, "
		    "10 or 0.5 (from 0.001 to %g)", s ? s : "", LC_CLOCK_SPEED_MAX);
	*out = v;
	return LC_OK;
}
