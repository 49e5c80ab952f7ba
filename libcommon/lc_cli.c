/* SPDX-License-Identifier: MIT */
/* lc_cli: command tables, per-command option tables on getopt_long, help, usage errors, exit codes. */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lc_cli.h"

#define OPT_BASE    256   /* getopt_long's val for table row i is OPT_BASE + i: never a char */
#define OPT_HELP    1
#define OPT_VERSION 2
#define HELP_COL    26    /* where an option's help line starts */

static size_t
opt_count(const lc_cli_opt *o)
{
	size_t n = 0;

	while (o != NULL && o[n].name != NULL)
		n++;
	return n;
}

static const char *
cmd_label(const lc_cli_prog *p, const lc_cli_cmd *cmd, char *buf, size_t cap)
{
	if (cmd == NULL || cmd->name == NULL || cmd == p->dflt)
		snprintf(buf, cap, "%s", p->name);
	else
		snprintf(buf, cap, "%s %s", p->name, cmd->name);
	return buf;
}

static void
usage_tail(const lc_cli_prog *p, const lc_cli_cmd *cmd)
{
	char label[96];

	fprintf(stderr, "usage: %s\nRun '%s --help' for every option.\n", cmd->usage,
	    cmd_label(p, cmd, label, sizeof label));
}

static void
vusage_error(const lc_cli_prog *p, const lc_cli_cmd *cmd, const char *fmt, va_list ap)
{
	char label[96];

	fprintf(stderr, "%s: ", cmd_label(p, cmd, label, sizeof label));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	usage_tail(p, cmd);
}

int
lc_cli_usage_error(const lc_cli *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vusage_error(a->prog, a->cmd, fmt, ap);
	va_end(ap);
	return LC_CLI_EXIT_USAGE;
}

/* ---- help ---------------------------------------------------------------------------- */

static void
help_line(FILE *fp, char short_name, const char *name, const char *value, const char *help,
    bool repeat)
{
	char left[128];
	int n;

	if (short_name)
		n = snprintf(left, sizeof left, "-%c, --%s%s%s", short_name, name, value ? " " : "",
		    value ? value : "");
	else
		n = snprintf(left, sizeof left, "--%s%s%s", name, value ? " " : "", value ? value : "");
	fprintf(fp, "  %-*s%s%s%s\n", HELP_COL - 2, left, n >= HELP_COL - 2 ? "  " : "", help,
	    repeat ? " (repeatable)" : "");
}

void
lc_cli_help_cmd(FILE *fp, const lc_cli_prog *p, const lc_cli_cmd *cmd)
{
	const lc_cli_opt *o = cmd->opts;

	fprintf(fp, "usage: %s\n\n%s\n\nOptions:\n", cmd->usage, cmd->summary);
	for (size_t i = 0; i < opt_count(o); i++)
		help_line(fp, o[i].short_name, o[i].name, o[i].value, o[i].help, o[i].repeat);
	help_line(fp, 0, "help", NULL, "print this help and exit 0", false);
	help_line(fp, 0, "version", NULL, "print the version and exit 0", false);
	if (cmd->operands != NULL)
		fprintf(fp, "Operands: %s\n", cmd->operands);
	if (cmd->notes != NULL)
		fprintf(fp, "%s", cmd->notes);
	if (cmd == p->dflt && p->n_cmds > 1) {
		fprintf(fp, "Other commands (each answers --help):\n");
		for (size_t i = 0; i < p->n_cmds; i++)
			if (&p->cmds[i] != cmd)
				fprintf(fp, "  %s\n", p->cmds[i].usage);
	}
}

void
lc_cli_help_prog(FILE *fp, const lc_cli_prog *p)
{
	fprintf(fp, "usage: %s COMMAND [OPTIONS]   (%s COMMAND --help lists its options)\n", p->name,
	    p->name);
	for (size_t i = 0; i < p->n_cmds; i++)
		fprintf(fp, "  %-8s %s\n           %s\n", p->cmds[i].name, p->cmds[i].summary,
		    p->cmds[i].usage);
	fprintf(fp, "  --help, --version\n");
	if (p->notes != NULL)
		fprintf(fp, "%s", p->notes);
}

static int
version(const lc_cli_prog *p)
{
	printf("%s %s\n", p->name, p->version);
	return LC_CLI_EXIT_OK;
}

/* ---- parsing --------------------------------------------------------------------------- */

/* getopt_long's tables for cmd: caller frees *longopts. */
static int
build_getopt(const lc_cli_cmd *cmd, struct option **longopts, char *shorts, size_t cap)
{
	size_t n = opt_count(cmd->opts), k = 1;
	struct option *lo = calloc(n + 3, sizeof(*lo));

	if (lo == NULL)
		return -1;
	shorts[0] = ':';   /* report a missing value as ':' */
	for (size_t i = 0; i < n; i++) {
		const lc_cli_opt *o = &cmd->opts[i];
		lo[i] = (struct option){o->name, o->value ? required_argument : no_argument, NULL,
		    OPT_BASE + (int)i};
		if (o->short_name && k + 3 < cap) {
			shorts[k++] = o->short_name;
			if (o->value)
				shorts[k++] = ':';
		}
	}
	shorts[k] = 0;
	lo[n] = (struct option){"help", no_argument, NULL, OPT_HELP};
	lo[n + 1] = (struct option){"version", no_argument, NULL, OPT_VERSION};
	*longopts = lo;
	return 0;
}

/* The table row of getopt's answer ch (a long option's val or a short letter), or -1. */
static int
row_of(const lc_cli_cmd *cmd, int ch)
{
	if (ch >= OPT_BASE)
		return ch - OPT_BASE;
	for (size_t i = 0; i < opt_count(cmd->opts); i++)
		if (cmd->opts[i].short_name && cmd->opts[i].short_name == ch)
			return (int)i;
	return -1;
}

/* The text of the option getopt just refused, for the message. */
static void
refused_text(const lc_cli_cmd *cmd, char **argv, char *buf, size_t cap)
{
	int row = optopt > 0 ? row_of(cmd, optopt) : -1;

	if (row >= 0 && optopt < OPT_BASE)
		snprintf(buf, cap, "-%c", optopt);
	else if (row >= 0)
		snprintf(buf, cap, "--%s", cmd->opts[row].name);
	else if (optopt > 0 && optopt < OPT_BASE)
		snprintf(buf, cap, "-%c", optopt);
	else
		snprintf(buf, cap, "%s", argv[optind - 1]);
}

static int
missing_value(const lc_cli *a, char **argv)
{
	char what[128];
	int row = row_of(a->cmd, optopt);

	refused_text(a->cmd, argv, what, sizeof what);
	if (row < 0)
		return lc_cli_usage_error(a, "%s needs a value", what);
	return lc_cli_usage_error(a, "%s needs a value: %s %s", what, what, a->cmd->opts[row].value);
}

static int
parse_loop(const lc_cli_prog *p, const lc_cli_cmd *cmd, int argc, char **argv,
    const struct option *lo, const char *shorts, lc_cli *a)
{
	char what[128];
	int ch, row;

	opterr = 0;
	optind = 0;   /* GNU: start afresh, whatever an earlier parse left */
	while ((ch = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		if (ch == ':')
			return missing_value(a, argv);
		if (ch == OPT_HELP)
			return lc_cli_help_cmd(stdout, p, cmd), LC_CLI_EXIT_OK;
		if (ch == OPT_VERSION)
			return version(p);
		if (ch == '?' || (row = row_of(cmd, ch)) < 0) {
			refused_text(cmd, argv, what, sizeof what);
			return lc_cli_usage_error(a, "unknown option '%s'", what);
		}
		a->items[a->n_items++] = (lc_cli_item){cmd->opts[row].id, optarg};
	}
	if (optind < argc && cmd->operands == NULL)
		return lc_cli_usage_error(a, "unexpected argument '%s'", argv[optind]);
	a->operands = argv + optind;
	a->n_operands = argc - optind;
	return LC_CLI_GO;
}

int
lc_cli_parse(const lc_cli_prog *p, const lc_cli_cmd *cmd, int argc, char **argv, lc_cli *a)
{
	struct option *lo = NULL;
	char shorts[128];
	int code;

	memset(a, 0, sizeof(*a));
	a->prog = p;
	a->cmd = cmd;
	a->items = calloc((size_t)argc + 1, sizeof(*a->items));
	if (a->items == NULL || build_getopt(cmd, &lo, shorts, sizeof shorts) != 0) {
		fprintf(stderr, "%s: out of memory parsing the command line\n", p->name);
		code = LC_CLI_EXIT_RUNTIME;
	} else {
		code = parse_loop(p, cmd, argc, argv, lo, shorts, a);
	}
	free(lo);
	if (code != LC_CLI_GO)
		lc_cli_free(a);
	return code;
}

void
lc_cli_free(lc_cli *a)
{
	if (a == NULL)
		return;
	free(a->items);
	a->items = NULL;
	a->n_items = a->next = 0;
}

bool
lc_cli_next(lc_cli *a, int *id, const char **value)
{
	if (a->next >= a->n_items)
		return false;
	*id = a->items[a->next].id;
	*value = a->items[a->next].value;
	a->next++;
	return true;
}

const char *
lc_cli_opt_name(const lc_cli *a, int id)
{
	for (size_t i = 0; i < opt_count(a->cmd->opts); i++)
		if (a->cmd->opts[i].id == id)
			return a->cmd->opts[i].name;
	return "?";
}

/* ---- dispatch --------------------------------------------------------------------------- */

static const lc_cli_cmd *
find_cmd(const lc_cli_prog *p, const char *name)
{
	for (size_t i = 0; i < p->n_cmds; i++)
		if (p->cmds[i].name != NULL && strcmp(p->cmds[i].name, name) == 0)
			return &p->cmds[i];
	return NULL;
}

/* The command argv names; *skip says how many leading arguments are not its own. NULL: exit code set. */
static const lc_cli_cmd *
pick(const lc_cli_prog *p, int argc, char **argv, int *skip, int *code)
{
	const lc_cli_cmd *cmd;

	*skip = 1;
	if (p->dflt != NULL && p->dflt->name == NULL)
		return *skip = 0, p->dflt;
	if (argc < 2) {
		lc_cli_help_prog(stderr, p);
		return *code = LC_CLI_EXIT_USAGE, NULL;
	}
	if ((cmd = find_cmd(p, argv[1])) != NULL)
		return cmd;
	if (p->dflt != NULL && argv[1][0] == '-')
		return *skip = 0, p->dflt;
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		lc_cli_help_prog(stdout, p);
		return *code = LC_CLI_EXIT_OK, NULL;
	}
	if (strcmp(argv[1], "--version") == 0)
		return *code = version(p), NULL;
	fprintf(stderr, "%s: unknown %s '%s'\n", p->name, argv[1][0] == '-' ? "option" : "command",
	    argv[1]);
	lc_cli_help_prog(stderr, p);
	return *code = LC_CLI_EXIT_USAGE, NULL;
}

int
lc_cli_run(const lc_cli_prog *p, int argc, char **argv, void *ud)
{
	const lc_cli_cmd *cmd;
	lc_cli a;
	int skip, code = LC_CLI_EXIT_USAGE;

	if ((cmd = pick(p, argc, argv, &skip, &code)) == NULL)
		return code;
	if ((code = lc_cli_parse(p, cmd, argc - skip, argv + skip, &a)) != LC_CLI_GO)
		return code;
	code = cmd->run(&a, ud);
	lc_cli_free(&a);
	return code;
}

/* ---- exit codes -------------------------------------------------------------------------- */

int
lc_cli_exit(lc_status rc)
{
	return lc_status_exit_code(rc);
}

int
lc_cli_config_exit(lc_status rc)
{
	int code = lc_status_exit_code(rc);

	return code == LC_CLI_EXIT_RUNTIME ? LC_CLI_EXIT_USAGE : code;
}
