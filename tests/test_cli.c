/* SPDX-License-Identifier: MIT */
/* Tests for lc_cli (tables, errors, --help, --, exit codes) and that the docs name every flag. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lc_cli.h"

enum { T_TAPE = 1, T_JSON, T_SKILL, T_OUT };

static const lc_cli_opt t_opts[] = {
	{"tape", T_TAPE, 0, "DIR", false, "the tape"},
	{"json", T_JSON, 0, NULL, false, "JSON out"},
	{"skill", T_SKILL, 0, "NAME", true, "a skill"},
	{"output", T_OUT, 'o', "FILE", false, "where to"},
	{NULL, 0, 0, NULL, false, NULL},
};

/* What the last run saw: the run function copies the parsed items here. */
static lc_cli_item seen[16];
static size_t n_seen;
static char *seen_operands[8];
static int n_seen_operands;

static int
t_run(lc_cli *a, void *ud)
{
	const char *v;
	int id;

	(void)ud;
	n_seen = 0;
	while (n_seen < 16 && lc_cli_next(a, &id, &v))
		seen[n_seen++] = (lc_cli_item){id, v};
	n_seen_operands = a->n_operands < 8 ? a->n_operands : 8;
	for (int i = 0; i < n_seen_operands; i++)
		seen_operands[i] = a->operands[i];
	return 42;   /* proves run was called */
}

static const lc_cli_cmd t_cmds[] = {
	{"go", t_run, "go somewhere", "prog go --tape DIR [--json] [--skill NAME]... [-o FILE]", t_opts,
	    NULL, NULL, NULL},
	{"say", t_run, "say words", "prog say [--json] WORDS...", t_opts + 1, "WORDS to say", NULL, NULL},
};
static const lc_cli_prog t_prog = {"prog", "9.9", t_cmds, 2, NULL, NULL};
static const lc_cli_prog t_prog_dflt = {"prog", "9.9", t_cmds, 2, &t_cmds[0], NULL};

/* Run argv (NULL-terminated) through lc_cli_run with stderr and stdout captured. */
static int
run(const lc_cli_prog *p, const char *const *args, char *err, size_t errcap, char *out, size_t outcap)
{
	char *argv[32];
	int argc = 0, code, save_err = dup(2), save_out = dup(1);
	FILE *fe = tmpfile(), *fo = tmpfile();
	size_t n;

	argv[argc++] = (char *)"prog";
	while (args[argc - 1] != NULL && argc < 31) {
		argv[argc] = (char *)args[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	fflush(stdout);
	dup2(fileno(fe), 2);
	dup2(fileno(fo), 1);
	code = lc_cli_run(p, argc, argv, NULL);
	fflush(stdout);
	fflush(stderr);
	dup2(save_err, 2);
	dup2(save_out, 1);
	close(save_err);
	close(save_out);
	rewind(fe);
	n = fread(err, 1, errcap - 1, fe);
	err[n] = 0;
	rewind(fo);
	n = fread(out, 1, outcap - 1, fo);
	out[n] = 0;
	fclose(fe);
	fclose(fo);
	return code;
}

#define RUN(p, ...) run((p), (const char *const[]){__VA_ARGS__, NULL}, err, sizeof err, out, sizeof out)

Test(cli, options_arrive_in_order_and_run_returns_the_exit_code)
{
	char err[4096], out[4096];

	cr_assert_eq(RUN(&t_prog, "go", "--tape", "t1", "--json", "-o", "f", "--output=g"), 42);
	cr_assert_eq(n_seen, 4);
	cr_assert_eq(seen[0].id, T_TAPE);
	cr_assert_str_eq(seen[0].value, "t1");
	cr_assert_eq(seen[1].id, T_JSON);
	cr_assert_null(seen[1].value);
	cr_assert_eq(seen[2].id, T_OUT);
	cr_assert_str_eq(seen[2].value, "f");
	cr_assert_str_eq(seen[3].value, "g", "--name=value works");
	cr_assert_str_eq(err, "");
}

Test(cli, unknown_option_is_exit_2_naming_it_with_the_usage_and_where_to_look)
{
	char err[4096], out[4096];

	cr_assert_eq(RUN(&t_prog, "go", "--tape", "x", "--bogus"), LC_CLI_EXIT_USAGE);
	cr_assert(strstr(err, "prog go: unknown option '--bogus'") != NULL, "%s", err);
	cr_assert(strstr(err, "usage: prog go --tape DIR") != NULL, "%s", err);
	cr_assert(strstr(err, "Run 'prog go --help'") != NULL, "%s", err);
	cr_assert_str_eq(out, "");
	cr_assert_eq(RUN(&t_prog, "go", "-z"), LC_CLI_EXIT_USAGE);
	cr_assert(strstr(err, "unknown option '-z'") != NULL, "%s", err);
	cr_assert_eq(RUN(&t_prog, "say", "--tape", "x"), LC_CLI_EXIT_USAGE, "say's table has no --tape");
	cr_assert(strstr(err, "prog say: unknown option '--tape'") != NULL, "%s", err);
}

Test(cli, missing_value_names_the_option_and_its_value)
{
	char err[4096], out[4096];

	cr_assert_eq(RUN(&t_prog, "go", "--tape"), LC_CLI_EXIT_USAGE);
	cr_assert(strstr(err, "--tape needs a value: --tape DIR") != NULL, "%s", err);
	cr_assert_eq(RUN(&t_prog, "go", "-o"), LC_CLI_EXIT_USAGE);
	cr_assert(strstr(err, "-o needs a value: -o FILE") != NULL, "%s", err);
}

Test(cli, repeated_options_keep_every_value_in_order)
{
	char err[4096], out[4096];

	cr_assert_eq(RUN(&t_prog, "go", "--skill", "a", "--tape", "t1", "--skill", "b", "--tape", "t2",
	    "--skill", "c"), 42);
	cr_assert_eq(n_seen, 5);
	cr_assert_str_eq(seen[0].value, "a");
	cr_assert_str_eq(seen[2].value, "b");
	cr_assert_str_eq(seen[4].value, "c");
	cr_assert_str_eq(seen[3].value, "t2", "a single option given twice: the later one comes last");
}

Test(cli, double_dash_ends_the_options)
{
	char err[4096], out[4096];

	cr_assert_eq(RUN(&t_prog, "say", "hello", "--json", "--", "--json", "-o"), 42);
	cr_assert_eq(n_seen, 1, "only the --json before -- is an option");
	cr_assert_eq(n_seen_operands, 3);
	cr_assert_str_eq(seen_operands[0], "hello");
	cr_assert_str_eq(seen_operands[1], "--json");
	cr_assert_str_eq(seen_operands[2], "-o");
	cr_assert_eq(RUN(&t_prog, "go", "--", "x"), LC_CLI_EXIT_USAGE, "go takes no operands");
	cr_assert(strstr(err, "unexpected argument 'x'") != NULL, "%s", err);
}

Test(cli, command_help_lists_every_option_of_its_table_one_line_each)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	lc_cli_help_cmd(f, &t_prog, &t_cmds[0]);
	fclose(f);
	cr_assert(strstr(buf, "usage: prog go --tape DIR") != NULL, "%s", buf);
	for (const lc_cli_opt *o = t_opts; o->name; o++) {
		char want[128];
		const char *line;
		snprintf(want, sizeof want, "--%s%s%s", o->name, o->value ? " " : "", o->value ? o->value : "");
		line = strstr(strstr(buf, "Options:"), want);
		cr_assert_not_null(line, "--help misses %s:\n%s", want, buf);
		cr_assert(strncmp(strstr(line, o->help), o->help, strlen(o->help)) == 0);
		cr_assert_lt(strstr(line, o->help), strchr(line, '\n'), "%s: help on the same line", want);
	}
	cr_assert(strstr(buf, "-o, --output FILE") != NULL, "%s", buf);
	cr_assert(strstr(buf, "a skill (repeatable)") != NULL, "%s", buf);
	cr_assert(strstr(buf, "--help") != NULL && strstr(buf, "--version") != NULL);
	free(buf);
}

Test(cli, help_and_version_exit_0_on_stdout)
{
	char err[4096], out[4096];

	cr_assert_eq(RUN(&t_prog, "say", "--help"), 0);
	cr_assert(strstr(out, "usage: prog say") != NULL && strstr(out, "--json") != NULL, "%s", out);
	cr_assert(strstr(out, "--tape") == NULL, "say's help lists only say's options: %s", out);
	cr_assert_eq(RUN(&t_prog, "go", "--version"), 0);
	cr_assert_str_eq(out, "prog 9.9\n");
	cr_assert_eq(RUN(&t_prog, "--version"), 0);
	cr_assert_str_eq(out, "prog 9.9\n");
	cr_assert_eq(RUN(&t_prog, "--help"), 0);
	cr_assert(strstr(out, "go       go somewhere") != NULL, "%s", out);
	cr_assert(strstr(out, "say      say words") != NULL, "%s", out);
}

Test(cli, commands_come_from_the_table_and_the_default_takes_leading_options)
{
	char err[4096], out[4096];
	static const char *const none[] = {NULL};

	cr_assert_eq(RUN(&t_prog, "nosuch"), LC_CLI_EXIT_USAGE);
	cr_assert(strstr(err, "unknown command 'nosuch'") != NULL, "%s", err);
	cr_assert(strstr(err, "usage: prog COMMAND") != NULL, "%s", err);
	cr_assert_eq(RUN(&t_prog, "--tape", "x"), LC_CLI_EXIT_USAGE, "no default command");
	cr_assert(strstr(err, "unknown option '--tape'") != NULL, "%s", err);
	cr_assert_eq(run(&t_prog, none, err, sizeof err, out, sizeof out), LC_CLI_EXIT_USAGE);
	cr_assert_str_eq(out, "");
	cr_assert_eq(RUN(&t_prog_dflt, "--tape", "x"), 42);
	cr_assert_str_eq(seen[0].value, "x");
	cr_assert_eq(RUN(&t_prog_dflt, "say", "hi"), 42);
	cr_assert_eq(n_seen_operands, 1);
}

Test(cli, every_status_maps_to_its_exit_code_in_one_place)
{
	cr_assert_eq(lc_cli_exit(LC_OK), 0);
	cr_assert_eq(lc_cli_exit(LC_DONE), 0);
	cr_assert_eq(lc_cli_exit(LC_EIO), 1);
	cr_assert_eq(lc_cli_exit(LC_EINVAL), 2);
	cr_assert_eq(lc_cli_exit(LC_ECONFIG), 2);
	cr_assert_eq(lc_cli_exit(LC_ECORRUPT), 3);
	cr_assert_eq(lc_cli_config_exit(LC_ENOTFOUND), 2, "a missing config file is the user's to fix");
	cr_assert_eq(lc_cli_config_exit(LC_EPERM), 2);
	cr_assert_eq(lc_cli_config_exit(LC_OK), 0);
}

/* ---- the docs name every flag ---------------------------------------------------------------- */

/* Each program, its page under docs/ and its commands ("" for the program without commands). */
static const struct { const char *prog, *page, *cmds[6]; } programs[] = {
	{"cxrecord", "recorder.md", {"record", "archive", "import", NULL}},
	{"cxreplay", "replayer.md", {"ls", "show", "play", "verify", "export", NULL}},
	{"cxanalyze", "cli/cxanalyze.md", {"text", "report", NULL}},
	{"cxsim", "simulator.md", {"", NULL}},
};

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int c;

	cr_assert_not_null(f, "cannot read %s", path);
	m = open_memstream(&buf, &len);
	while ((c = getc(f)) != EOF)
		fputc(c, m);
	fclose(f);
	fclose(m);
	return buf;
}

/* The text of docs/cli.md from "## prog" to the next "## ". Caller frees. */
static char *
doc_section(const char *doc, const char *prog)
{
	char head[64];
	const char *s, *e;

	snprintf(head, sizeof head, "\n## %s", prog);
	s = strstr(doc, head);
	cr_assert_not_null(s, "docs/cli.md has no section %s", head + 1);
	e = strstr(s + 1, "\n## ");
	return strndup(s, e ? (size_t)(e - s) : strlen(s));
}

/* Does text name --opt as a whole word? */
static bool
names_flag(const char *text, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = strstr(text, opt); p; p = strstr(p + 1, opt))
		if (!(p[n] >= 'a' && p[n] <= 'z') && p[n] != '-' && (p == text || p[-1] != '-'))
			return true;
	return false;
}

/* Check every option line of `prog cmd --help` against the docs; returns how many were checked. */
static int
check_help(const char *bin, const char *prog, const char *cmd, const char *section, const char *page)
{
	char line[512], path[1024];
	FILE *p;
	int n = 0, in_opts = 0;

	snprintf(path, sizeof path, "%s/%s %s --help", bin, prog, cmd);
	p = popen(path, "r");
	cr_assert_not_null(p);
	while (fgets(line, sizeof line, p) != NULL) {
		char opt[64], *dd;
		if (strncmp(line, "Options:", 8) == 0)
			in_opts = 1;
		if (!in_opts || strncmp(line, "  -", 3) != 0 || (dd = strstr(line, "--")) == NULL)
			continue;
		if (sscanf(dd, "%63[-a-z]", opt) != 1 || strcmp(opt, "--help") == 0 ||
		    strcmp(opt, "--version") == 0)
			continue;
		n++;
		cr_expect(names_flag(section, opt), "docs/cli.md, section %s, misses %s %s", prog, cmd, opt);
		if (page != NULL)
			cr_expect(names_flag(page, opt), "%s's page in docs/ misses %s %s", prog, cmd, opt);
	}
	cr_assert_eq(pclose(p), 0, "%s", path);
	return n;
}

Test(cli_docs, docs_cli_md_and_each_program_page_name_every_flag_of_every_command)
{
	const char *bin = getenv("CXTAPE_BIN"), *src = getenv("CXTAPE_SRC");
	char path[1024];
	char *doc;

	cr_assert(bin && src, "run with CXTAPE_BIN and CXTAPE_SRC (tests/run.sh sets them)");
	snprintf(path, sizeof path, "%s/docs/cli.md", src);
	doc = slurp(path);
	for (size_t i = 0; i < sizeof programs / sizeof programs[0]; i++) {
		char *section = doc_section(doc, programs[i].prog), *page;
		snprintf(path, sizeof path, "%s/docs/%s", src, programs[i].page);
		page = slurp(path);
		for (size_t k = 0; programs[i].cmds[k] != NULL; k++)
			cr_expect_gt(check_help(bin, programs[i].prog, programs[i].cmds[k], section, page), 0,
			    "%s %s --help lists no option", programs[i].prog, programs[i].cmds[k]);
		free(section);
		free(page);
	}
	free(doc);
}
