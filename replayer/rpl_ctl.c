/* SPDX-License-Identifier: MIT */
/* rpl_ctl: a control thread reading a signalfd and, on a TTY, raw-mode keys. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "rpl_ctl.h"

struct rpl_ctl {
	lc_clock *_Atomic clock;    /* attached once the replay knows its origin */
	atomic_bool quit;
	int sigfd;
	int wake[2];            /* rpl_ctl_stop writes here to end the thread */
	int tty;                /* stdin when it is a TTY in raw mode, else -1 */
	struct termios saved;
	bool raw;               /* the terminal is in raw mode: restore it */
	sigset_t blocked, old_mask;
	pthread_t thread;
	bool running;
};

static void
ctl_quit(rpl_ctl *c)
{
	lc_clock *clk = atomic_load(&c->clock);

	atomic_store(&c->quit, true);
	if (clk != NULL) {
		/* a sleeper wakes within one slice; both only fail on a real clock */
		if (lc_clock_set_speed(clk, 0) != LC_OK || lc_clock_resume(clk) != LC_OK)
			return;
	}
}

void
rpl_ctl_attach(rpl_ctl *c, lc_clock *clock)
{
	atomic_store(&c->clock, clock);
	if (atomic_load(&c->quit))
		ctl_quit(c);     /* a quit that came first must still wake the sleeper */
}

static void
ctl_key(rpl_ctl *c, char k)
{
	lc_clock *clk = atomic_load(&c->clock);
	double sp;

	if (k == 'q' || k == 'Q') {
		ctl_quit(c);
		return;
	}
	if (clk == NULL)
		return;
	sp = lc_clock_speed(clk);
	if (k == ' ') {
		bool p = lc_clock_is_paused(clk);
		if ((p ? lc_clock_resume(clk) : lc_clock_pause(clk)) == LC_OK)
			fprintf(stderr, "\r[%s]\r\n", p ? "playing" : "paused: space resumes");
	} else if ((k == '+' || k == '=') && sp > 0 && sp * 2 <= LC_CLOCK_SPEED_MAX) {
		if (lc_clock_set_speed(clk, sp * 2) == LC_OK)
			fprintf(stderr, "\r[speed %gx]\r\n", sp * 2);
	} else if (k == '-' && sp > 0 && sp / 2 >= 0.001) {
		if (lc_clock_set_speed(clk, sp / 2) == LC_OK)
			fprintf(stderr, "\r[speed %gx]\r\n", sp / 2);
	}
}

static void *
ctl_main(void *arg)
{
	rpl_ctl *c = arg;
	struct pollfd pf[3] = {{c->sigfd, POLLIN, 0}, {c->wake[0], POLLIN, 0}, {c->tty, POLLIN, 0}};

	for (;;) {
		if (poll(pf, c->tty >= 0 ? 3 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents)
			break;
		if (pf[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(c->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
				ctl_quit(c);
		}
		if (c->tty >= 0 && (pf[2].revents & (POLLIN | POLLHUP))) {
			char k;
			if (read(c->tty, &k, 1) != 1) {
				c->tty = -1;     /* the terminal went away: keys end, signals go on */
				continue;
			}
			ctl_key(c, k);
		}
	}
	return NULL;
}

static void
ctl_raw_mode(rpl_ctl *c)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &c->saved) != 0)
		return;
	raw = c->saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0) {
		c->tty = STDIN_FILENO;
		c->raw = true;
	}
}

lc_status
rpl_ctl_start(lc_clock *clock, bool keys, rpl_ctl **out, lc_err *err)
{
	rpl_ctl *c = calloc(1, sizeof *c);

	*out = NULL;
	if (c == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory for playback controls");
	atomic_init(&c->clock, clock);
	c->sigfd = c->wake[0] = c->wake[1] = c->tty = -1;
	atomic_init(&c->quit, false);
	sigemptyset(&c->blocked);
	sigaddset(&c->blocked, SIGINT);
	sigaddset(&c->blocked, SIGTERM);
	sigaddset(&c->blocked, SIGHUP);
	sigaddset(&c->blocked, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &c->blocked, &c->old_mask);
	c->sigfd = signalfd(-1, &c->blocked, SFD_CLOEXEC);
	if (c->sigfd < 0 || pipe(c->wake) != 0)
		goto fail;
	if (keys)
		ctl_raw_mode(c);
	if (pthread_create(&c->thread, NULL, ctl_main, c) != 0)
		goto fail;
	c->running = true;
	*out = c;
	return LC_OK;
fail:
	rpl_ctl_stop(c);
	return lc_err_set(err, LC_EIO, "cannot set up playback controls: %s", strerror(errno));
}

bool
rpl_ctl_quit(const rpl_ctl *c)
{
	return c != NULL && atomic_load(&((rpl_ctl *)c)->quit);
}

void
rpl_ctl_stop(rpl_ctl *c)
{
	if (c == NULL)
		return;
	if (c->running) {
		char b = 1;
		if (write(c->wake[1], &b, 1) < 0)
			pthread_cancel(c->thread);
		pthread_join(c->thread, NULL);
	}
	if (c->raw)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &c->saved);
	if (c->sigfd >= 0) {
		/* a stop signal that came after the thread ended is consumed here, not on unblock */
		struct pollfd pf = {c->sigfd, POLLIN, 0};
		struct signalfd_siginfo si;
		while (poll(&pf, 1, 0) == 1 && read(c->sigfd, &si, sizeof si) == (ssize_t)sizeof si)
			;
		close(c->sigfd);
	}
	if (c->wake[0] >= 0)
		close(c->wake[0]);
	if (c->wake[1] >= 0)
		close(c->wake[1]);
	pthread_sigmask(SIG_SETMASK, &c->old_mask, NULL);
	free(c);
}
