/* SPDX-License-Identifier: MIT */
/* cxrecord: the live recorder — pick the subcommand, run it, exit with its status. */
#include <signal.h>
#include <string.h>

#include "lc_log.h"
#include "rec_cli.h"

/* The one mutable global: a signal handler can only reach the loops through it. */
static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

int
main(int argc, char **argv)
{
	rec_cli_ctx ctx = {&stop_requested};
	struct sigaction sa;

	lc_log_init("cxrecord", LC_LOG_INFO);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return lc_cli_run(&rec_cli_prog, argc, argv, &ctx);
}
