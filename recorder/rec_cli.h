/* SPDX-License-Identifier: MIT */
/* rec_cli: cxrecord's subcommands (record, archive, import): options in, exit code out. */
#ifndef REC_CLI_H
#define REC_CLI_H

#include <signal.h>

#include "lc_cli.h"

/* What cxrecord's main hands each subcommand (lc_cli_run's ud): the flag its signal handler sets. */
typedef struct rec_cli_ctx {
	const volatile sig_atomic_t *stop;
} rec_cli_ctx;

/*
 * cxrecord's command table: record (also taken when the first argument is an
 * option), archive, import. Each command returns the exit code of docs/cli.md:
 * 0 ok (also after SIGINT/SIGTERM once everything is flushed), 1 runtime,
 * 2 usage, 3 bad data. Run it with lc_cli_run(&rec_cli_prog, argc, argv, &ctx).
 */
extern const lc_cli_prog rec_cli_prog;

#endif
