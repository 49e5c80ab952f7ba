/* SPDX-License-Identifier: MIT */
/* rec_cli: cxrecord's subcommands (record, archive, import): options in, exit code out. */
#ifndef REC_CLI_H
#define REC_CLI_H

#include <signal.h>

/*
 * Each takes the arguments after the subcommand name (argv[0] is the
 * subcommand) and returns the process exit code of CLI.md: 0 ok (also after
 * SIGINT/SIGTERM once everything is flushed), 1 runtime, 2 usage, 3 bad data.
 * stop is the flag the signal handler sets.
 */
int rec_cli_record(int argc, char **argv, const volatile sig_atomic_t *stop);
int rec_cli_archive(int argc, char **argv, const volatile sig_atomic_t *stop);
int rec_cli_import(int argc, char **argv, const volatile sig_atomic_t *stop);

/* The usage text of all subcommands. */
extern const char rec_cli_usage[];

#endif
