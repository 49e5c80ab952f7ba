/* SPDX-License-Identifier: MIT */
/* lc_guard: SIGSEGV/SIGBUS inside an armed guard jump back to it; everywhere else they go where they went before. */
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "lc_guard.h"

static _Thread_local lc_guard *armed;   /* this thread's innermost armed guard */
static struct sigaction old_segv, old_bus;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Hand a fault that is not ours to whoever handled it before (the default: die). */
static void
chain(int sig, siginfo_t *si, void *uc)
{
	const struct sigaction *old = sig == SIGBUS ? &old_bus : &old_segv;

	if (old->sa_flags & SA_SIGINFO) {
		old->sa_sigaction(sig, si, uc);
		return;
	}
	if (old->sa_handler == SIG_IGN)
		return;
	if (old->sa_handler != SIG_DFL) {
		old->sa_handler(sig);
		return;
	}
	/* the default action: restore it and return, so the faulting instruction faults again */
	signal(sig, SIG_DFL);
}

static void
on_fault(int sig, siginfo_t *si, void *uc)
{
	lc_guard *g = armed;

	if (g == NULL) {
		chain(sig, si, uc);
		return;
	}
	g->sig = sig;
	armed = g->outer;
	siglongjmp(g->jb, 1);
}

static void
install_once(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
}

void
lc_guard_install(void)
{
	pthread_once(&once, install_once);
}

void
lc_guard_arm_(lc_guard *g)
{
	lc_guard_install();
	g->sig = 0;
	g->outer = armed;
	armed = g;
}

void
lc_guard_disarm(lc_guard *g)
{
	if (armed == g)
		armed = g->outer;
}

int
lc_guard_faulted(lc_guard *g)
{
	sigset_t s;

	/* SA_NODEFER keeps the signal unblocked; unblock anyway, in case a handler before ours blocked it */
	sigemptyset(&s);
	sigaddset(&s, g->sig ? g->sig : SIGSEGV);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	return g->sig;
}
