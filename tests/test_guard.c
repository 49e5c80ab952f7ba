/* SPDX-License-Identifier: MIT */
/* Tests for lc_guard: faults inside an armed guard come back as errors; faults outside still kill. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lc_guard.h"

/* A file mapped two pages long, then cut to one: reading the second page raises SIGBUS. */
static volatile const char *
truncated_map(size_t *page)
{
	char path[] = "/tmp/cxtape-guard-XXXXXX";
	int fd = mkstemp(path);
	char *p;

	*page = (size_t)sysconf(_SC_PAGESIZE);
	cr_assert_geq(fd, 0);
	unlink(path);
	cr_assert_eq(ftruncate(fd, (off_t)(2 * *page)), 0);
	p = mmap(NULL, 2 * *page, PROT_READ, MAP_SHARED, fd, 0);
	cr_assert_neq(p, MAP_FAILED);
	cr_assert_eq(ftruncate(fd, (off_t)*page), 0);
	close(fd);
	return p;
}

static volatile const char *
no_access_page(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert_neq(p, MAP_FAILED);
	return p;
}

Test(guard, a_sigbus_past_the_end_of_a_mapped_file_comes_back_as_an_error)
{
	size_t page;
	volatile const char *p = truncated_map(&page);
	lc_guard g;
	volatile int reached = 0;
	char c = 0;

	if (LC_GUARD_ARM(&g)) {
		c = p[0];              /* inside the file: fine */
		c = (char)(c + p[page]);   /* past its end: SIGBUS */
		reached = 1;
		lc_guard_disarm(&g);
	} else {
		cr_assert_eq(lc_guard_faulted(&g), SIGBUS);
	}
	(void)c;
	cr_assert_eq(reached, 0, "the read past the end did not fault");
}

Test(guard, a_sigsegv_comes_back_and_the_guard_can_be_armed_again)
{
	volatile const char *p = no_access_page();
	int faults = 0;

	for (int i = 0; i < 3; i++) {
		lc_guard g;

		if (LC_GUARD_ARM(&g)) {
			(void)p[i];
			lc_guard_disarm(&g);
		} else {
			cr_assert_eq(lc_guard_faulted(&g), SIGSEGV);
			faults++;
		}
	}
	cr_assert_eq(faults, 3);
}

Test(guard, nested_guards_each_catch_their_own_fault)
{
	volatile const char *p = no_access_page();
	lc_guard outer, inner;
	volatile int inner_caught = 0, outer_caught = 0, after_inner = 0;

	if (LC_GUARD_ARM(&outer)) {
		if (LC_GUARD_ARM(&inner)) {
			(void)p[0];
			lc_guard_disarm(&inner);
		} else {
			lc_guard_faulted(&inner);
			inner_caught = 1;
		}
		after_inner = 1;
		(void)p[1];   /* the outer guard is armed again */
		lc_guard_disarm(&outer);
	} else {
		lc_guard_faulted(&outer);
		outer_caught = 1;
	}
	cr_assert(inner_caught && after_inner && outer_caught);
}

/* Outside a guard, a fault is still fatal: run it in a child and look at how the child ended. */
static int
child_status(int armed_then_disarmed)
{
	pid_t pid = fork();
	int st = 0;

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		volatile const char *p = no_access_page();
		int null = open("/dev/null", O_WRONLY);

		/* a sanitizer's report of this intended fault must not read as a finding of the run */
		if (null >= 0)
			dup2(null, 2);

		if (armed_then_disarmed) {
			lc_guard g;

			if (LC_GUARD_ARM(&g))
				lc_guard_disarm(&g);
		}
		(void)p[0];
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	return st;
}

Test(guard, a_fault_outside_any_guard_still_kills_the_process)
{
	int st;

	lc_guard_install();
	st = child_status(0);
	cr_assert(WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0),
	    "an unguarded fault was swallowed (status %d)", st);
	st = child_status(1);
	cr_assert(WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0),
	    "a fault after disarming was swallowed (status %d)", st);
}
