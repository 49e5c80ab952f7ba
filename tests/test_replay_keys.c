/* SPDX-License-Identifier: MIT */
/* test_replay_keys: `cxreplay play --speed 1` on a pseudo-terminal — space pauses and resumes, + and - change the speed, q and Ctrl-C quit with 0 and give the terminal back. */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <utmp.h>

#include "sim_harness.h"
#include "test_replay_fixture.h"

#define TICKS     40            /* messages on the tape */
#define TICK_MS   150           /* between messages: the whole tape is 6 s at 1x */
#define WAIT_MS   5000u         /* the most any expected output may take on a loaded machine */
#define SETTLE_MS 300u          /* paused: time for events already due to be written */
#define QUIET_MS  750u          /* paused: then about 5 messages' worth of time without output */

/* One replay on a pty: the master (we type and read), the slave (we check its modes). */
typedef struct term {
	int master, slave;
	pid_t pid;
	char out[1 << 16];      /* everything the replay wrote (stdout and stderr) */
	size_t len;
	struct termios before;
} term;

static term *cur;

static void
keys_fini(void)
{
	if (cur != NULL && cur->pid > 0) {
		kill(cur->pid, SIGKILL);
		waitpid(cur->pid, NULL, 0);
		cur->pid = 0;
	}
}

TestSuite(replay_keys, .fini = keys_fini, .timeout = 60);

/* The tape: a stream, a routing, then TICKS customer messages "tick NN" TICK_MS apart. */
static void
make_ticking_tape(rfx *f)
{
	lc_tape *t = rfx_open_write(f, f->dir);
	char id[LC_SESSION_ID_MAX], raw[256];
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(lc_tape_session_begin(t, "agent-7", "sim", id, &err), LC_OK, "%s", err.msg);
	rfx_add(t, CX_STREAM_OPEN, 0, "", "");
	rfx_add(t, CX_FRAME_IN, 10, "c-1",
	    "{\"type\":\"routing\",\"conversationId\":\"c-1\",\"skill\":\"billing\"}");
	for (int i = 0; i < TICKS; i++) {
		snprintf(raw, sizeof raw, "{\"type\":\"message\",\"conversationId\":\"c-1\","
		    "\"messageId\":\"m-%d\",\"from\":{\"type\":\"customer\",\"id\":\"cu-1\"},"
		    "\"text\":\"tick %02d\"}", i, i);
		rfx_add(t, CX_FRAME_IN, 100 + (int64_t)i * TICK_MS, "c-1", raw);
	}
	cr_assert_eq(lc_tape_flush(t, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(lc_tape_close(t, &err), LC_OK, "%s", err.msg);
}

/* cxreplay play --tape DIR --speed 1 --transcript with the pty's slave as its terminal. */
static void
term_start(term *t, const char *tape)
{
	char exe[512];
	const char *argv[] = {exe, "play", "--tape", tape, "--speed", "1", "--transcript", NULL};
	struct winsize ws = {24, 120, 0, 0};

	memset(t, 0, sizeof *t);
	sim_bin_path("cxreplay", exe, sizeof exe);
	cr_assert_eq(openpty(&t->master, &t->slave, NULL, NULL, &ws), 0, "openpty: %s",
	    strerror(errno));
	cr_assert_eq(tcgetattr(t->slave, &t->before), 0);
	cr_assert(t->before.c_lflag & ICANON, "a fresh pty is in canonical mode");
	cr_assert(t->before.c_lflag & ECHO, "a fresh pty echoes");
	t->pid = fork();
	cr_assert_geq(t->pid, 0);
	if (t->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never outlive the test */
		close(t->master);
		if (login_tty(t->slave) != 0)       /* new session, the pty as its terminal and 0/1/2 */
			_exit(126);
		setenv("NO_COLOR", "1", 1);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	cur = t;
}

/* Read what the replay wrote for up to ms (less once `until` appears after `from`). */
static void
term_pump(term *t, unsigned ms, const char *until, size_t from)
{
	uint64_t deadline = sim_now_ms() + ms;

	for (;;) {
		uint64_t now = sim_now_ms();
		struct pollfd pf = {t->master, POLLIN, 0};
		ssize_t n;

		if (until != NULL && strstr(t->out + from, until) != NULL)
			return;
		if (now >= deadline)
			return;
		if (poll(&pf, 1, (int)(deadline - now)) <= 0)
			continue;
		n = read(t->master, t->out + t->len, sizeof t->out - 1 - t->len);
		if (n <= 0)
			return;         /* EIO: no process holds the slave any more */
		t->len += (size_t)n;
		t->out[t->len] = '\0';
		cr_assert_lt(t->len, sizeof t->out - 1, "more output than expected:\n%s", t->out);
	}
}

/* Wait for needle to appear after offset from; the offset just past it. */
static size_t
term_expect(term *t, const char *needle, size_t from)
{
	const char *p;

	term_pump(t, WAIT_MS, needle, from);
	p = strstr(t->out + from, needle);
	cr_assert_not_null(p, "\"%s\" did not appear within %u ms; the replay wrote:\n%s", needle,
	    WAIT_MS, t->out);
	return (size_t)(p - t->out) + strlen(needle);
}

static void
term_key(term *t, char k)
{
	cr_assert_eq(write(t->master, &k, 1), 1);
}

/* How many transcript lines of messages were written after offset from. */
static int
ticks_after(const term *t, size_t from)
{
	int n = 0;

	for (const char *p = t->out + from; (p = strstr(p, "customer tick ")) != NULL; p++)
		n++;
	return n;
}

/* Wait for the replay to put the terminal in raw mode (it flushes input when it does). */
static void
term_wait_raw(term *t)
{
	uint64_t deadline = sim_now_ms() + WAIT_MS;
	struct termios now;

	for (;;) {
		cr_assert_eq(tcgetattr(t->slave, &now), 0);
		if (!(now.c_lflag & (ICANON | ECHO)))
			return;
		cr_assert_lt(sim_now_ms(), deadline, "the replay did not switch the terminal to raw mode");
		term_pump(t, 10, NULL, 0);
	}
}

/* Wait for the exit; its status (128 + signal if killed). Reads the last output too. */
static int
term_wait_exit(term *t)
{
	uint64_t deadline = sim_now_ms() + WAIT_MS;
	int st;

	for (;;) {
		pid_t r = waitpid(t->pid, &st, WNOHANG);
		if (r == t->pid)
			break;
		cr_assert_lt(sim_now_ms(), deadline, "the replay did not exit within %u ms:\n%s",
		    WAIT_MS, t->out);
		term_pump(t, 20, NULL, 0);
	}
	t->pid = 0;
	term_pump(t, 50, NULL, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The terminal modes are the ones it had before the replay: canonical, echoing. */
static void
term_assert_restored(const term *t)
{
	struct termios after;

	cr_assert_eq(tcgetattr(t->slave, &after), 0);
	cr_expect(after.c_lflag & ICANON, "ICANON is not restored");
	cr_expect(after.c_lflag & ECHO, "ECHO is not restored");
	cr_expect_eq(after.c_lflag, t->before.c_lflag, "local modes %#x, were %#x",
	    (unsigned)after.c_lflag, (unsigned)t->before.c_lflag);
	cr_expect_eq(after.c_cc[VMIN], t->before.c_cc[VMIN]);
	cr_expect_eq(after.c_cc[VTIME], t->before.c_cc[VTIME]);
}

static void
term_close(term *t)
{
	close(t->master);
	close(t->slave);
	cur = NULL;
}

Test(replay_keys, space_pauses_and_resumes_plus_minus_change_speed_q_quits_and_restores_the_tty)
{
	rfx f;
	term *t = calloc(1, sizeof *t);
	size_t at;
	int paused_ticks;

	cr_assert_not_null(t);
	rfx_init(&f);
	make_ticking_tape(&f);
	term_start(t, f.dir);
	term_wait_raw(t);
	at = term_expect(t, "customer tick 01", 0);

	/*
	 * space: paused. Events already due when the clock stopped may still be
	 * written (a replay lagging on a loaded machine); after SETTLE_MS, nothing
	 * more is, where playing would write about five.
	 */
	term_key(t, ' ');
	at = term_expect(t, "[paused: space resumes]", at);
	term_pump(t, SETTLE_MS, NULL, 0);
	at = t->len;
	term_pump(t, QUIET_MS, NULL, 0);
	paused_ticks = ticks_after(t, at);
	cr_assert_leq(paused_ticks, 1, "%d messages written in %u ms of pause (1x: one every %d ms):"
	    "\n%s", paused_ticks, QUIET_MS, TICK_MS, t->out);

	/* space again: playing, and messages come again */
	term_key(t, ' ');
	at = term_expect(t, "[playing]", at);
	at = term_expect(t, "customer tick ", at);

	/* + doubles the speed from what it is, - halves it */
	term_key(t, '+');
	at = term_expect(t, "[speed 2x]", at);
	term_key(t, '+');
	at = term_expect(t, "[speed 4x]", at);
	term_key(t, '-');
	at = term_expect(t, "[speed 2x]", at);

	/* q: a clean stop before the tape's end, exit 0, the terminal as it was */
	term_key(t, 'q');
	cr_assert_eq(term_wait_exit(t), 0, "q must end the replay with 0:\n%s", t->out);
	cr_expect_null(strstr(t->out, "customer tick 39"), "q did not stop the replay early:\n%s",
	    t->out);
	term_assert_restored(t);
	term_close(t);
	free(t);
	rfx_done(&f);
}

Test(replay_keys, ctrl_c_on_the_terminal_stops_cleanly_and_restores_the_tty)
{
	rfx f;
	term *t = calloc(1, sizeof *t);

	cr_assert_not_null(t);
	rfx_init(&f);
	make_ticking_tape(&f);
	term_start(t, f.dir);
	term_wait_raw(t);
	(void)term_expect(t, "customer tick 00", 0);
	/* raw mode keeps ISIG: the line discipline turns ^C into SIGINT for the replay */
	term_key(t, t->before.c_cc[VINTR]);
	cr_assert_eq(term_wait_exit(t), 0, "Ctrl-C must end the replay with 0:\n%s", t->out);
	cr_expect_null(strstr(t->out, "customer tick 39"), "Ctrl-C did not stop the replay:\n%s",
	    t->out);
	term_assert_restored(t);
	term_close(t);
	free(t);
	rfx_done(&f);
}
