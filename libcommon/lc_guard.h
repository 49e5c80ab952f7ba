/* SPDX-License-Identifier: MIT */
/* lc_guard: run reads of a memory-mapped file so that a fault in them is an error, not the end of the process. */
#ifndef LC_GUARD_H
#define LC_GUARD_H

#include <setjmp.h>

/*
 * A damaged tape can make a read of its memory map fault: SIGBUS past the
 * end of a truncated file, SIGSEGV where a flipped bit sends LMDB to a wild
 * page. Code that reads the map runs inside a guard; a SIGSEGV or SIGBUS
 * raised by that thread while its guard is armed jumps back to the guard's
 * start, where the caller reports the damage and abandons the read. A fault
 * anywhere else, or on another thread, goes to the handler that was there
 * before (the default: the process dies, as a bug should).
 *
 * The guard is cheap enough to arm around every batch of reads: arming is a
 * sigsetjmp without the signal mask (no system call) and two thread-local
 * stores. After a fault the signal is unblocked again by lc_guard_faulted.
 *
 *   lc_guard g;
 *
 *   if (LC_GUARD_ARM(&g)) {
 *           ... read the map ...
 *           lc_guard_disarm(&g);
 *   } else {
 *           int sig = lc_guard_faulted(&g);   (the guard is disarmed)
 *           ... report the damage, poison the handle, never touch the map again ...
 *   }
 *
 * Code inside the guard must be safe to abandon at any instruction: it
 * takes no lock and allocates nothing that the fault path cannot find. The
 * handle whose read faulted must refuse further reads.
 */
typedef struct lc_guard {
	sigjmp_buf jb;
	struct lc_guard *outer;   /* a guard armed further up this thread, restored on disarm */
	volatile int sig;         /* the signal that fired, 0 while none */
} lc_guard;

/* Install the handlers (once per process; later calls do nothing). Thread-safe. */
void lc_guard_install(void);

/* Arm g on this thread; true on the first return, false when a fault jumped back. */
#define LC_GUARD_ARM(g) (lc_guard_arm_(g), sigsetjmp((g)->jb, 0) == 0)

void lc_guard_arm_(lc_guard *g);

/* Disarm g (the guard armed before it, if any, is armed again). */
void lc_guard_disarm(lc_guard *g);

/* After a fault: unblock the signal, disarm g, and return the signal number. */
int lc_guard_faulted(lc_guard *g);

#endif
