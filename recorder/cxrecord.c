/* SPDX-License-Identifier: MIT */
/* cxrecord: the live recorder — pick the subcommand, run it, exit with its status. */
#include <signal.h>
#include <stdio.h>
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

static const struct {
	const char *name;
	int (*run)(int argc, char **argv, const volatile sig_atomic_t *stop);
} commands[] = {
	{"record", rec_cli_record},
	{"archive", rec_cli_archive},
	{"import", rec_cli_import},
};

int
main(int argc, char **argv)
{
	struct sigaction sa;

	lc_log_init("cxrecord", LC_LOG_INFO);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (argc < 2) {
		fputs(rec_cli_usage, stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1, &stop_requested);
	if (argv[1][0] != '-') {
		fprintf(stderr, "cxrecord: unknown command '%s'\n%s", argv[1], rec_cli_usage);
		return 2;
	}
	/* no subcommand: record (argv[0] stands in for the command name) */
	return rec_cli_record(argc, argv, &stop_requested);
}
