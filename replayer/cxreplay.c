/* SPDX-License-Identifier: MIT */
/* cxreplay: the replayer's command line — ls, show, play, verify, export from a subcommand table. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "an_engine.h"
#include "lc_clock.h"
#include "lc_log.h"
#include "lc_tape.h"
#include "rpl_export.h"
#include "rpl_play.h"
#include "rpl_select.h"
#include "rpl_verify.h"

#ifndef CXTAPE_VERSION
#define CXTAPE_VERSION "0.0.0"
#endif

#define REPORT_MAX ((size_t)256 << 20)   /* a report held before it is written */

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2, EXIT_DATA = 3 };

/* Everything a subcommand may be given; each reads the flags it knows. */
typedef struct cli {
	const char *tape, *speed, *findings, *report, *format, *output, *config, *base_url;
	rpl_select sel;
	bool transcript, follow, json, secrets;
} cli;

typedef struct cmd {
	const char *name;
	int (*run)(const cli *c);
	const char *flags;     /* the long options it accepts, space-separated */
	const char *usage;
} cmd;

static int cmd_ls(const cli *c);
static int cmd_show(const cli *c);
static int cmd_play(const cli *c);
static int cmd_verify(const cli *c);
static int cmd_export(const cli *c);

static const cmd cmds[] = {
	{"ls", cmd_ls, " tape json ", "cxreplay ls --tape DIR [--json]"},
	{"show", cmd_show, " tape conversation ", "cxreplay show --tape DIR --conversation ID"},
	{"play", cmd_play, " tape speed session conversation from to transcript findings report "
	    "format follow config ", "cxreplay play --tape DIR [--speed X|max] [--session ID] "
	    "[--conversation ID] [--from TIME] [--to TIME] [--transcript] [--findings FILE.jsonl] "
	    "[--report FILE] [--format text|json|csv|html] [--follow] [--config FILE]"},
	{"verify", cmd_verify, " tape secrets ", "cxreplay verify --tape DIR [--secrets]"},
	{"export", cmd_export, " tape format output session conversation from to base-url ",
	    "cxreplay export --tape DIR --format jsonl|har [-o FILE] [--session ID] "
	    "[--conversation ID] [--from TIME] [--to TIME] [--base-url URL]"},
};
#define NCMDS (sizeof cmds / sizeof cmds[0])

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: cxreplay COMMAND [OPTIONS]\n");
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(fp, "  %s\n", cmds[i].usage);
	fprintf(fp, "  TIME: 2023-10-31T15:00:00Z (ISO-8601) or an offset from the first selected "
	    "event: +90s, +5m, +1h30m\n  --help, --version\n");
}

static int
fail(const char *what, const lc_err *err, lc_status rc)
{
	fprintf(stderr, "cxreplay %s: %s\n", what, lc_err_text(err));
	return lc_status_exit_code(rc);
}

static lc_status
tape_open(const cli *c, lc_tape **t, lc_err *err)
{
	if (c->tape == NULL)
		return lc_err_set(err, LC_EINVAL, "--tape DIR is required");
	return lc_tape_open_read(c->tape, t, err);
}

static bool
colour_ok(int fd)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(fd) && (nc == NULL || nc[0] == 0);
}

/* ---------------------------------------------------------------- ls */

static int
cmd_ls(const cli *c)
{
	lc_err err = LC_ERR_INIT;
	lc_tape *t = NULL;
	lc_session_info *s = NULL;
	size_t n = 0;
	lc_status rc = tape_open(c, &t, &err);

	if (rc == LC_OK)
		rc = lc_tape_sessions_list(t, &s, &n, &err);
	if (rc == LC_OK && !c->json)
		printf("%-32s %-16s %-24s %-24s %9s %7s %7s %6s %s\n", "SESSION", "AGENT", "START",
		    "END", "EVENTS", "IN", "OUT", "HTTP", "STATE");
	for (size_t i = 0; rc == LC_OK && i < n; i++) {
		char a[40], b[40];
		rpl_time_format(s[i].start_wall_ns, a, sizeof a);
		rpl_time_format(s[i].end_wall_ns, b, sizeof b);
		if (c->json)
			printf("{\"id\":\"%s\",\"agent\":\"%s\",\"site\":\"%s\",\"start\":\"%s\",\"end\":\"%s\","
			    "\"events\":%" PRIu64 ",\"frames_in\":%" PRIu64 ",\"frames_out\":%" PRIu64
			    ",\"http\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"state\":\"%s\"}\n", s[i].id,
			    s[i].agent, s[i].site, a, b, s[i].n_events, s[i].n_frames_in,
			    s[i].n_frames_out, s[i].n_http, s[i].n_bytes,
			    lc_session_state_name(s[i].state));
		else
			printf("%-32s %-16s %-24s %-24s %9" PRIu64 " %7" PRIu64 " %7" PRIu64 " %6" PRIu64
			    " %s\n", s[i].id, s[i].agent[0] ? s[i].agent : "-", a, b, s[i].n_events,
			    s[i].n_frames_in, s[i].n_frames_out, s[i].n_http,
			    lc_session_state_name(s[i].state));
	}
	free(s);
	if (lc_tape_close(t, rc == LC_OK ? &err : NULL) != LC_OK && rc == LC_OK)
		rc = err.status;
	return rc == LC_OK ? EXIT_OK : fail("ls", &err, rc);
}

/* ---------------------------------------------------------------- play and show */

static lc_status
play_setup(const cli *c, rpl_play_opts *o, an_config *cfg, lc_err *err)
{
	lc_status rc = LC_OK;

	an_config_default(cfg);
	o->cfg = cfg;
	if (c->config != NULL)
		rc = an_config_load(cfg, c->config, err);
	if (rc == LC_OK && c->speed != NULL)
		rc = lc_clock_speed_parse(c->speed, &o->speed, err);
	else if (rc == LC_OK)
		o->speed = 1.0;
	if (rc == LC_OK && c->format != NULL)
		o->report_html = strcmp(c->format, "html") == 0;
	if (rc == LC_OK && c->format != NULL && !o->report_html &&
	    an_format_parse(c->format, &o->report_format) != LC_OK)
		rc = lc_err_set(err, LC_EINVAL, "unknown report format '%s'; use text, json, csv or html",
		    c->format);
	return rc;
}

static lc_status
write_file(const char *path, const lc_buf *b, lc_err *err)
{
	FILE *f = fopen(path, "wb");
	lc_status rc = LC_OK;

	if (f == NULL)
		return lc_err_set(err, LC_EIO, "cannot write %s: %s", path, strerror(errno));
	if (fwrite(b->ptr, 1, b->len, f) != b->len)
		rc = lc_err_set(err, LC_EIO, "writing %s failed: %s", path, strerror(errno));
	if (fclose(f) != 0 && rc == LC_OK)
		rc = lc_err_set(err, LC_EIO, "writing %s failed: %s", path, strerror(errno));
	return rc;
}

static int
play_finish(const char *what, const cli *c, const rpl_play_opts *o, const rpl_play_stats *st,
    lc_status rc, lc_err *err)
{
	char line[256];

	if (rc == LC_OK && c->report != NULL)
		rc = write_file(c->report, o->report, err);
	if (o->speed != 0 && st->timed > 0) {
		rpl_play_fidelity_line(st, line, sizeof line);
		fprintf(stderr, "cxreplay: %s\n", line);
	}
	return rc == LC_OK ? EXIT_OK : fail(what, err, rc);
}

static int
cmd_play(const cli *c)
{
	lc_err err = LC_ERR_INIT;
	lc_tape *t = NULL;
	rpl_play_opts o = {0};
	rpl_play_stats st = {0};
	lc_cursor_opts sel;
	an_config cfg;
	FILE *ff = NULL;
	lc_buf rep;
	int code;
	lc_status rc = play_setup(c, &o, &cfg, &err);

	lc_buf_init(&rep, REPORT_MAX);
	if (rc == LC_OK)
		rc = tape_open(c, &t, &err);
	if (rc == LC_OK)
		rc = rpl_select_resolve(t, &c->sel, &sel, &err);
	if (rc == LC_OK && c->findings != NULL && (ff = fopen(c->findings, "w")) == NULL)
		rc = lc_err_set(&err, LC_EIO, "cannot write %s: %s", c->findings, strerror(errno));
	if (rc == LC_OK) {
		o.sel = &sel;
		o.findings = ff ? ff : (c->transcript ? NULL : stdout);
		o.transcript = c->transcript ? stdout : NULL;
		o.colour = c->transcript && colour_ok(STDOUT_FILENO);
		o.follow = c->follow;
		o.keys = isatty(STDIN_FILENO);
		o.progress = o.speed == 0 && !c->transcript && isatty(STDERR_FILENO);
		o.flush_each = o.speed != 0 || c->follow;
		o.report = c->report ? &rep : NULL;
		rc = rpl_play_run(t, &o, &st, &err);
	}
	if (ff != NULL && fclose(ff) != 0 && rc == LC_OK)
		rc = lc_err_set(&err, LC_EIO, "writing %s failed", c->findings);
	code = play_finish("play", c, &o, &st, rc, &err);
	if (lc_tape_close(t, NULL) != LC_OK && code == EXIT_OK)
		code = EXIT_RUNTIME;
	lc_buf_free(&rep);
	return code;
}

static int
cmd_show(const cli *c)
{
	lc_err err = LC_ERR_INIT;
	lc_tape *t = NULL;
	rpl_play_opts o = {0};
	rpl_play_stats st;
	lc_cursor_opts sel;
	lc_status rc = tape_open(c, &t, &err);

	if (rc == LC_OK && c->sel.conversation == NULL)
		rc = lc_err_set(&err, LC_EINVAL, "--conversation ID is required");
	if (rc == LC_OK)
		rc = rpl_select_resolve(t, &c->sel, &sel, &err);
	if (rc == LC_OK) {
		o.sel = &sel;
		o.transcript = stdout;
		o.colour = colour_ok(STDOUT_FILENO);
		rc = rpl_play_run(t, &o, &st, &err);
	}
	if (rc == LC_OK && st.events == 0)
		rc = lc_err_set(&err, LC_ENOTFOUND, "no conversation '%s' on tape %s",
		    c->sel.conversation, c->tape);
	if (lc_tape_close(t, NULL) != LC_OK && rc == LC_OK)
		rc = lc_err_set(&err, LC_EIO, "closing the tape failed");
	return rc == LC_OK ? EXIT_OK : fail("show", &err, rc);
}

/* ---------------------------------------------------------------- verify and export */

static int
cmd_verify(const cli *c)
{
	lc_err err = LC_ERR_INIT;
	rpl_verify_result res;
	lc_status rc;

	if (c->tape == NULL) {
		fprintf(stderr, "cxreplay verify: --tape DIR is required\n");
		return EXIT_USAGE;
	}
	rc = rpl_verify_tape(c->tape, c->secrets, &res, &err);
	if (rc != LC_OK)
		return fail("verify", &err, rc);
	printf("tape %s: %" PRIu64 " events, every record, index and session checks out%s\n",
	    c->tape, res.events, c->secrets ? "; no live secrets found" : "");
	return EXIT_OK;
}

static int
cmd_export(const cli *c)
{
	lc_err err = LC_ERR_INIT;
	lc_tape *t = NULL;
	rpl_export_opts o = {0};
	lc_cursor_opts sel;
	FILE *out = stdout;
	lc_status rc = LC_OK;

	if (c->format == NULL)
		rc = lc_err_set(&err, LC_EINVAL, "--format jsonl|har is required");
	else
		rc = rpl_export_format_parse(c->format, &o.format, &err);
	if (rc == LC_OK)
		rc = tape_open(c, &t, &err);
	if (rc == LC_OK)
		rc = rpl_select_resolve(t, &c->sel, &sel, &err);
	if (rc == LC_OK && c->output != NULL && strcmp(c->output, "-") != 0 &&
	    (out = fopen(c->output, "w")) == NULL)
		rc = lc_err_set(&err, LC_EIO, "cannot write %s: %s", c->output, strerror(errno));
	if (rc == LC_OK) {
		o.sel = &sel;
		o.base_url = c->base_url;
		o.progress = isatty(STDERR_FILENO) && out != stdout;
		rc = rpl_export_run(t, &o, out, NULL, &err);
	}
	if (out != NULL && out != stdout && fclose(out) != 0 && rc == LC_OK)
		rc = lc_err_set(&err, LC_EIO, "writing %s failed", c->output);
	if (lc_tape_close(t, NULL) != LC_OK && rc == LC_OK)
		rc = lc_err_set(&err, LC_EIO, "closing the tape failed");
	return rc == LC_OK ? EXIT_OK : fail("export", &err, rc);
}

/* ---------------------------------------------------------------- options */

static const struct option long_opts[] = {
	{"tape", required_argument, NULL, 't'}, {"speed", required_argument, NULL, 'x'},
	{"session", required_argument, NULL, 's'}, {"conversation", required_argument, NULL, 'c'},
	{"from", required_argument, NULL, 'F'}, {"to", required_argument, NULL, 'T'},
	{"transcript", no_argument, NULL, 'r'}, {"findings", required_argument, NULL, 'f'},
	{"report", required_argument, NULL, 'R'}, {"format", required_argument, NULL, 'm'},
	{"follow", no_argument, NULL, 'w'}, {"config", required_argument, NULL, 'C'},
	{"json", no_argument, NULL, 'j'}, {"secrets", no_argument, NULL, 'S'},
	{"output", required_argument, NULL, 'o'}, {"base-url", required_argument, NULL, 'b'},
	{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0},
};

/* Does subcommand k accept the long option named name? */
static bool
accepts(const cmd *k, const char *name)
{
	char pat[40];

	if (strcmp(name, "help") == 0 || strcmp(name, "version") == 0)
		return true;
	snprintf(pat, sizeof pat, " %s ", name);
	return strstr(k->flags, pat) != NULL;
}

/* Parse argv for subcommand k into c; -1 to go on, else the exit code. */
static int
parse_opts(const cmd *k, int argc, char **argv, cli *c)
{
	int ch, idx;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":o:", long_opts, &idx)) != -1) {
		const char *name = ch == 'o' ? "output" : NULL;
		for (size_t i = 0; name == NULL && long_opts[i].name; i++)
			if (long_opts[i].val == ch)
				name = long_opts[i].name;
		if (ch == '?' || ch == ':' || name == NULL || !accepts(k, name)) {
			fprintf(stderr, "cxreplay %s: %s option '%s'\nusage: %s\n", k->name,
			    ch == ':' ? "missing value for" : "unknown", argv[optind - 1], k->usage);
			return EXIT_USAGE;
		}
		switch (ch) {
		case 't': c->tape = optarg; break;
		case 'x': c->speed = optarg; break;
		case 's': c->sel.session = optarg; break;
		case 'c': c->sel.conversation = optarg; break;
		case 'F': c->sel.from = optarg; break;
		case 'T': c->sel.to = optarg; break;
		case 'r': c->transcript = true; break;
		case 'f': c->findings = optarg; break;
		case 'R': c->report = optarg; break;
		case 'm': c->format = optarg; break;
		case 'w': c->follow = true; break;
		case 'C': c->config = optarg; break;
		case 'j': c->json = true; break;
		case 'S': c->secrets = true; break;
		case 'o': c->output = optarg; break;
		case 'b': c->base_url = optarg; break;
		case 'h': printf("usage: %s\n", k->usage); return EXIT_OK;
		case 'V': printf("cxreplay %s\n", CXTAPE_VERSION); return EXIT_OK;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cxreplay %s: unexpected argument '%s'\nusage: %s\n", k->name,
		    argv[optind], k->usage);
		return EXIT_USAGE;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	cli c = {0};
	int code;

	lc_log_init("cxreplay", LC_LOG_INFO);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("cxreplay %s\n", CXTAPE_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < NCMDS; i++) {
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		code = parse_opts(&cmds[i], argc - 1, argv + 1, &c);
		if (code >= 0)
			return code;
		if (c.tape == NULL && cmds[i].run != cmd_verify) {
			fprintf(stderr, "cxreplay %s: --tape DIR is required\nusage: %s\n", cmds[i].name,
			    cmds[i].usage);
			return EXIT_USAGE;
		}
		return cmds[i].run(&c);
	}
	fprintf(stderr, "cxreplay: unknown command or option '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
