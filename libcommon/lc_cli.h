/* SPDX-License-Identifier: MIT */
/* lc_cli: the command line of the four programs — command table, option tables, --help, exit codes. */
#ifndef LC_CLI_H
#define LC_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lc_err.h"

/*
 * A program is a table of commands (tmux's cmd_table); a command is a table
 * of options. lc_cli_run picks the command from argv[1], parses its options
 * with getopt_long (GNU permutation; `--` ends the options; `--name=value`
 * works), answers --help and --version itself, prints usage errors that say
 * what to do, and calls the command's run with the parsed options. Every
 * exit code comes from lc_cli_exit (docs/cli.md): 0 ok, 1 runtime, 2 usage,
 * 3 bad data. Tables are static data; nothing here keeps state between runs.
 */

enum { LC_CLI_EXIT_OK = 0, LC_CLI_EXIT_RUNTIME = 1, LC_CLI_EXIT_USAGE = 2, LC_CLI_EXIT_DATA = 3 };
#define LC_CLI_GO (-1)   /* a parse step's "go on": not an exit code */

/* One option. The table ends with a row whose name is NULL. */
typedef struct lc_cli_opt {
	const char *name;    /* long name without "--" */
	int id;              /* what lc_cli_next reports; > 0, unique in its table */
	char short_name;     /* one-letter alias (-o), or 0 */
	const char *value;   /* the value's name in help ("DIR"); NULL: a flag without value */
	bool repeat;         /* may be given more than once, every value kept (else the last wins) */
	const char *help;    /* one line for --help */
} lc_cli_opt;

typedef struct lc_cli lc_cli;

typedef struct lc_cli_cmd {
	const char *name;        /* "play"; NULL for the one command of a program without commands */
	int (*run)(lc_cli *a, void *ud);   /* returns the exit code */
	const char *summary;     /* one line: what it does */
	const char *usage;       /* the synopsis, without "usage: " */
	const lc_cli_opt *opts;  /* --help and --version are added to every command */
	const char *operands;    /* help line of the operands; NULL: operands are a usage error */
	const char *notes;       /* more lines printed after the options by --help, or NULL */
	const void *data;        /* the command's own datum for run (a->cmd->data), or NULL */
} lc_cli_cmd;

typedef struct lc_cli_prog {
	const char *name;        /* "cxreplay" */
	const char *version;     /* printed as "NAME VERSION" */
	const lc_cli_cmd *cmds;
	size_t n_cmds;
	const lc_cli_cmd *dflt;  /* taken when argv[1] starts with '-' (and for an unnamed command) */
	const char *notes;       /* more lines of the program's --help, or NULL */
} lc_cli_prog;

/* One parsed option, in command-line order; value borrowed from argv (NULL for a flag). */
typedef struct lc_cli_item {
	int id;
	const char *value;
} lc_cli_item;

/* The parsed command line a command's run receives; valid during run only. */
struct lc_cli {
	const lc_cli_prog *prog;
	const lc_cli_cmd *cmd;
	lc_cli_item *items;      /* owned; freed by lc_cli_run */
	size_t n_items, next;
	char **operands;         /* borrowed from argv, in order */
	int n_operands;
};

/* The whole command line: dispatch, parse, run; returns the process exit code. */
int lc_cli_run(const lc_cli_prog *p, int argc, char **argv, void *ud);

/*
 * Parse the options of cmd (argv[0] is the command's name) into *a. Returns
 * LC_CLI_GO, or the exit code after printing help or version (0) or a usage
 * error (2). On LC_CLI_GO the caller frees with lc_cli_free.
 */
int lc_cli_parse(const lc_cli_prog *p, const lc_cli_cmd *cmd, int argc, char **argv, lc_cli *a);
void lc_cli_free(lc_cli *a);

/* The next parsed option in command-line order: false when there is none left. */
bool lc_cli_next(lc_cli *a, int *id, const char **value);
/* The long name of option id of the running command ("tape"), or "?". Borrowed. */
const char *lc_cli_opt_name(const lc_cli *a, int id);

/* Print "PROG CMD: message", the synopsis and where to look; returns LC_CLI_EXIT_USAGE. */
int lc_cli_usage_error(const lc_cli *a, const char *fmt, ...) LC_PRINTF(2, 3);

/* --help of a command: synopsis, summary, one line per option, notes. */
void lc_cli_help_cmd(FILE *fp, const lc_cli_prog *p, const lc_cli_cmd *cmd);
/* --help of a program: every command's synopsis and summary. */
void lc_cli_help_prog(FILE *fp, const lc_cli_prog *p);

/*
 * The exit code of a status, the one place that maps them: ok 0, bad flags or
 * settings 2, bad data 3, anything else 1. lc_cli_config_exit is for failures
 * while reading the settings: every one of them is the user's to fix (2).
 */
int lc_cli_exit(lc_status rc);
int lc_cli_config_exit(lc_status rc);

#endif
