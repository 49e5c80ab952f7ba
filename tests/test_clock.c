/* SPDX-License-Identifier: MIT */
/* Tests for lc_clock: virtual time against a fake time source (no wall-clock timing). */
#include <criterion/criterion.h>
#include <time.h>

#include "lc_clock.h"

#define MS 1000000LL
#define S  1000000000LL

/* A fake source: time moves only when someone sleeps; a sleep may overshoot by `over`. */
typedef struct fake {
	int64_t mono, wall;
	int64_t over;
	int sleeps;
	lc_clock *c;               /* when set: resume it after `resume_after` sleeps */
	int resume_after;
} fake;

static int64_t fake_mono(void *ctx) { return ((fake *)ctx)->mono; }
static int64_t fake_wall(void *ctx) { return ((fake *)ctx)->wall; }

static void
fake_sleep(void *ctx, int64_t deadline)
{
	fake *f = ctx;

	f->sleeps++;
	if (deadline > f->mono) {
		f->wall += deadline + f->over - f->mono;
		f->mono = deadline + f->over;
	}
	if (f->c != NULL && f->sleeps == f->resume_after)
		cr_assert_eq(lc_clock_resume(f->c), LC_OK);
}

static lc_time_source
src_of(fake *f)
{
	return (lc_time_source){fake_mono, fake_wall, fake_sleep, f};
}

static lc_clock *
virt(fake *f, int64_t origin, double speed)
{
	lc_time_source src = src_of(f);
	lc_clock *c = NULL;

	cr_assert_eq(lc_clock_new_virtual(&src, origin, speed, &c, NULL), LC_OK);
	return c;
}

Test(clock, virtual_time_runs_at_speed_from_the_origin)
{
	fake f = {.mono = 5 * S, .wall = 100 * S};
	lc_clock *c = virt(&f, 1698765432000LL * MS, 2.0);

	cr_assert_eq(lc_clock_now_mono(c), 1698765432000LL * MS);
	f.mono += 1 * S;
	cr_assert_eq(lc_clock_now_mono(c), 1698765432000LL * MS + 2 * S);
	cr_assert_eq(lc_clock_now_wall(c), lc_clock_now_mono(c));
	lc_clock_free(c);
}

Test(clock, sleep_until_converts_to_a_real_deadline)
{
	fake f = {.mono = 5 * S};
	lc_clock *c = virt(&f, 1000 * S, 4.0);
	int64_t late;

	late = lc_clock_sleep_until(c, 1002 * S);   /* 2 s virtual at 4x = 0.5 s real */
	cr_assert_eq(late, 0);
	cr_assert_eq(f.mono, 5 * S + 500 * MS);
	cr_assert_eq(lc_clock_now_mono(c), 1002 * S);
	/* a deadline in the past returns at once with its lateness */
	cr_assert_eq(lc_clock_sleep_until(c, 1001 * S), 1 * S);
	lc_clock_free(c);
}

Test(clock, oversleeping_does_not_accumulate_error)
{
	fake f = {.mono = 0, .over = 1 * MS};
	lc_clock *c = virt(&f, 0, 1.0);
	int64_t late = 0;

	for (int i = 1; i <= 1000; i++)
		late = lc_clock_sleep_until(c, (int64_t)i * 10 * MS);
	/* each sleep overshoots 1 ms, but the next deadline is absolute: still 1 ms late at the end */
	cr_assert_eq(late, 1 * MS);
	cr_assert_eq(lc_clock_now_mono(c), 10 * S + 1 * MS);
	lc_clock_free(c);
}

Test(clock, long_waits_are_sliced_and_reach_the_deadline)
{
	fake f = {.mono = 0};
	lc_clock *c = virt(&f, 0, 1.0);

	cr_assert_eq(lc_clock_sleep_until(c, 1 * S), 0);
	cr_assert_eq(f.mono, 1 * S);
	cr_assert_eq(f.sleeps, (int)(1 * S / LC_CLOCK_SLICE_NS));
	lc_clock_free(c);
}

Test(clock, max_speed_never_waits_and_jumps_to_each_deadline)
{
	fake f = {.mono = 7 * S};
	lc_clock *c = virt(&f, 100 * S, 0);

	cr_assert_eq(lc_clock_sleep_until(c, 150 * S), 0);
	cr_assert_eq(lc_clock_now_mono(c), 150 * S);
	cr_assert_eq(lc_clock_sleep_until(c, 120 * S), 30 * S);
	cr_assert_eq(lc_clock_now_mono(c), 150 * S, "time went backwards");
	cr_assert_eq(f.sleeps, 0);
	cr_assert_eq(f.mono, 7 * S);
	lc_clock_free(c);
}

Test(clock, pause_and_resume_keep_time_continuous)
{
	fake f = {.mono = 0};
	lc_clock *c = virt(&f, 1000 * S, 1.0);

	f.mono = 3 * S;
	cr_assert_eq(lc_clock_pause(c), LC_OK);
	cr_assert(lc_clock_is_paused(c));
	f.mono = 60 * S;                           /* a long pause */
	cr_assert_eq(lc_clock_now_mono(c), 1003 * S);
	cr_assert_eq(lc_clock_resume(c), LC_OK);
	cr_assert_eq(lc_clock_now_mono(c), 1003 * S);
	f.mono = 61 * S;
	cr_assert_eq(lc_clock_now_mono(c), 1004 * S);
	lc_clock_free(c);
}

Test(clock, speed_change_mid_run_keeps_time_continuous)
{
	fake f = {.mono = 0};
	lc_clock *c = virt(&f, 0, 1.0);

	f.mono = 10 * S;
	cr_assert_eq(lc_clock_set_speed(c, 10.0), LC_OK);
	cr_assert_eq(lc_clock_now_mono(c), 10 * S);
	f.mono = 11 * S;
	cr_assert_eq(lc_clock_now_mono(c), 20 * S);
	cr_assert_eq(lc_clock_set_speed(c, 0), LC_OK);      /* to max: time holds until a sleep */
	f.mono = 50 * S;
	cr_assert_eq(lc_clock_now_mono(c), 20 * S);
	cr_assert_eq(lc_clock_set_speed(c, 1.0), LC_OK);
	f.mono = 51 * S;
	cr_assert_eq(lc_clock_now_mono(c), 21 * S);
	cr_assert_float_eq(lc_clock_speed(c), 1.0, 1e-12);
	cr_assert_eq(lc_clock_set_speed(c, -1), LC_EINVAL);
	cr_assert_eq(lc_clock_set_speed(c, 1e9), LC_EINVAL);
	lc_clock_free(c);
}

Test(clock, a_sleep_while_paused_waits_for_resume)
{
	fake f = {.mono = 0, .resume_after = 5};
	lc_clock *c = virt(&f, 0, 1.0);

	f.c = c;
	cr_assert_eq(lc_clock_pause(c), LC_OK);
	cr_assert_eq(lc_clock_sleep_until(c, 100 * MS), 0);
	/* 5 slices paused, then 100 ms of play */
	cr_assert_eq(f.mono, 5 * LC_CLOCK_SLICE_NS + 100 * MS);
	cr_assert_eq(lc_clock_now_mono(c), 100 * MS);
	lc_clock_free(c);
}

Test(clock, an_event_already_due_waits_while_paused)
{
	fake f = {.mono = 0, .resume_after = 3};
	lc_clock *c = virt(&f, 0, 1.0);

	f.c = c;
	f.mono = 2 * S;                          /* running late: 50 ms was due long ago */
	cr_assert_eq(lc_clock_pause(c), LC_OK);
	cr_assert_eq(lc_clock_sleep_until(c, 50 * MS), 2 * S - 50 * MS, "it reports how late it was");
	cr_assert_eq(f.sleeps, 3, "nothing came out until the resume (%d slices slept)", f.sleeps);
	lc_clock_free(c);
}

Test(clock, real_clock_reads_its_source_and_refuses_controls)
{
	fake f = {.mono = 42, .wall = 1698765432000LL * MS};
	lc_time_source src = src_of(&f);
	lc_clock *c = NULL;

	cr_assert_eq(lc_clock_new_real(&src, &c, NULL), LC_OK);
	cr_assert_eq(lc_clock_now_mono(c), 42);
	cr_assert_eq(lc_clock_now_wall(c), 1698765432000LL * MS);
	cr_assert_eq(lc_clock_sleep_until(c, 1 * S), 0);
	cr_assert_eq(f.mono, 1 * S);
	cr_assert_eq(lc_clock_pause(c), LC_EINVAL);
	cr_assert_eq(lc_clock_set_speed(c, 2), LC_EINVAL);
	lc_clock_free(c);
	lc_clock_free(NULL);
}

Test(clock, system_clock_is_monotonic_and_sleeps_to_a_past_deadline_at_once)
{
	lc_clock *c = NULL;
	int64_t a, b;

	cr_assert_eq(lc_clock_new_real(NULL, &c, NULL), LC_OK);
	a = lc_clock_now_mono(c);
	b = lc_clock_now_mono(c);
	cr_assert_geq(b, a);
	cr_assert_gt(lc_clock_now_wall(c), 1600000000LL * S);
	cr_assert_geq(lc_clock_sleep_until(c, a), 0);
	lc_clock_free(c);
}

Test(clock, speed_parse)
{
	double v;
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(lc_clock_speed_parse("max", &v, NULL), LC_OK);
	cr_assert_eq(v, 0);
	cr_assert_eq(lc_clock_speed_parse("0", &v, NULL), LC_OK);
	cr_assert_eq(v, 0);
	cr_assert_eq(lc_clock_speed_parse("10", &v, NULL), LC_OK);
	cr_assert_eq(v, 10);
	cr_assert_eq(lc_clock_speed_parse("0.5", &v, NULL), LC_OK);
	cr_assert_eq(v, 0.5);
	cr_assert_eq(lc_clock_speed_parse("fast", &v, &err), LC_EINVAL);
	cr_assert(strstr(err.msg, "use max") != NULL, "%s", err.msg);
	cr_assert_eq(lc_clock_speed_parse("-2", &v, NULL), LC_EINVAL);
	cr_assert_eq(lc_clock_speed_parse("", &v, NULL), LC_EINVAL);
	cr_assert_eq(lc_clock_speed_parse("1e9", &v, NULL), LC_EINVAL);
	cr_assert_eq(lc_clock_speed_parse("nan", &v, NULL), LC_EINVAL);
}

/* The readings without a clock object are the system's: CLOCK_REALTIME and CLOCK_MONOTONIC. */
Test(clock, system_readings_without_a_clock_are_wall_and_monotonic_ns)
{
	lc_time_source sys = lc_time_source_system();
	struct timespec ts;
	int64_t m0, m1, m2, w;

	m0 = sys.mono_ns(sys.ctx);
	m1 = lc_clock_mono_ns();
	m2 = sys.mono_ns(sys.ctx);
	cr_assert(m0 <= m1 && m1 <= m2, "monotonic: %lld %lld %lld", (long long)m0, (long long)m1,
	    (long long)m2);
	clock_gettime(CLOCK_REALTIME, &ts);
	w = lc_clock_wall_ns();
	cr_assert(w >= (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, "wall ns after the reading before");
	cr_assert(w - ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec) < 1000000000, "and within 1 s");
	cr_assert(w > m1 + 1000000000LL * 86400 * 365 * 30, "wall is since the epoch, not boot");
}
