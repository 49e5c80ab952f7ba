/* SPDX-License-Identifier: MIT */
/* cxreplay: the replayer's command line — ls, show, play, verify, export from a subcommand table. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "an_engine.h"
#include "lc_cli.h"
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

/* Everything a subcommand may be given; each reads the flags it knows. */
typedef struct cli {
	const char *tape, *speed, *findings, *report, *format, *output, *config, *base_url;
	rpl_select sel;
	bool transcript, follow, json, secrets;
} cli;

static int cmd_ls(const cli *c);
static int cmd_show(const cli *c);
static int cmd_play(const cli *c);
static int cmd_verify(const cli *c);
static int cmd_export(const cli *c);

static int
fail(const char *what, const lc_err *err, lc_status rc)
{
	fprintf(stderr, "cxreplay %s: %s\n", what, lc_err_text(err));
	return lc_cli_exit(rc);
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
	return rc == LC_OK ? LC_CLI_EXIT_OK : fail("ls", &err, rc);
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
	return rc == LC_OK ? LC_CLI_EXIT_OK : fail(what, err, rc);
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
	if (lc_tape_close(t, NULL) != LC_OK && code == LC_CLI_EXIT_OK)
		code = LC_CLI_EXIT_RUNTIME;
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
	return rc == LC_OK ? LC_CLI_EXIT_OK : fail("show", &err, rc);
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
		return LC_CLI_EXIT_USAGE;
	}
	rc = rpl_verify_tape(c->tape, c->secrets, &res, &err);
	if (rc != LC_OK)
		return fail("verify", &err, rc);
	printf("tape %s: %" PRIu64 " events, every record, index and session checks out%s\n",
	    c->tape, res.events, c->secrets ? "; no live secrets found" : "");
	return LC_CLI_EXIT_OK;
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
	return rc == LC_OK ? LC_CLI_EXIT_OK : fail("export", &err, rc);
}

/* ---------------------------------------------------------------- options */

/* One row per option; a command's table lists the rows it accepts (ids are the cli fields). */
#define O_TAPE {"tape", 't', 0, "DIR", false, "the tape to read (required)"}
#define O_SESSION {"session", 's', 0, "ID", false, "only this recording session (cxreplay ls lists them)"}
#define O_CONV(h) {"conversation", 'c', 0, "ID", false, h}
#define O_FROM {"from", 'F', 0, "TIME", false, "only events at or after TIME"}
#define O_TO {"to", 'T', 0, "TIME", false, "only events before TIME"}
#define O_END {NULL, 0, 0, NULL, false, NULL}

static const lc_cli_opt ls_opts[] = {
	O_TAPE, {"json", 'j', 0, NULL, false, "one JSON object per session instead of the table"}, O_END,
};
static const lc_cli_opt show_opts[] = {
	O_TAPE, O_CONV("the conversation to print (required)"), O_END,
};
static const lc_cli_opt play_opts[] = {
	O_TAPE,
	{"speed", 'x', 0, "X|max", false, "1 real time (default), 10 ten times faster, max no waiting"},
	O_SESSION, O_CONV("only this conversation"), O_FROM, O_TO,
	{"transcript", 'r', 0, NULL, false, "print the annotated transcript on stdout (findings then "
	    "go to --findings only)"},
	{"findings", 'f', 0, "FILE.jsonl", false, "write the findings there (default: stdout)"},
	{"report", 'R', 0, "FILE", false, "write the analyzer's report there at the end"},
	{"format", 'm', 0, "text|json|csv|html", false, "the report's format (default text)"},
	{"follow", 'w', 0, NULL, false, "keep reading as the recorder appends, until SIGINT/SIGTERM"},
	{"config", 'C', 0, "FILE", false, "settings file, key = value (docs/configuration.md)"},
	O_END,
};
static const lc_cli_opt verify_opts[] = {
	O_TAPE, {"secrets", 'S', 0, NULL, false, "also fail if a live token or secret is on the tape"},
	O_END,
};
static const lc_cli_opt export_opts[] = {
	O_TAPE, {"format", 'm', 0, "jsonl|har", false, "the output format (required)"},
	{"output", 'o', 'o', "FILE", false, "write there (default: stdout; - is stdout)"},
	O_SESSION, O_CONV("only this conversation"), O_FROM, O_TO,
	{"base-url", 'b', 0, "URL", false, "har: the server URL the requests are written against"},
	O_END,
};

/* A command's body, reached through its row's data. */
typedef struct rpl_body {
	int (*fn)(const cli *c);
} rpl_body;

static const rpl_body ls_body = {cmd_ls}, show_body = {cmd_show}, play_body = {cmd_play},
	verify_body = {cmd_verify}, export_body = {cmd_export};

static int rpl_run(lc_cli *a, void *ud);

static const char time_note[] =
	"TIME: 2023-10-31T15:00:00Z (ISO-8601) or an offset from the first selected event: "
	"+90s, +5m, +1h30m\n";

/* Subcommands (tmux's cmd_table): a new one is one row, one option table and one function. */
static const lc_cli_cmd cmds[] = {
	{"ls", rpl_run, "list the recording sessions of a tape", "cxreplay ls --tape DIR [--json]",
	    ls_opts, NULL, NULL, &ls_body},
	{"show", rpl_run, "print one conversation's annotated transcript at once",
	    "cxreplay show --tape DIR --conversation ID", show_opts, NULL, NULL, &show_body},
	{"play", rpl_run, "replay a selection in recorded time into the analyzer",
	    "cxreplay play --tape DIR [--speed X|max] [--session ID] "
	    "[--conversation ID] [--from TIME] [--to TIME] [--transcript] [--findings FILE.jsonl] "
	    "[--report FILE] [--format text|json|csv|html] [--follow] [--config FILE]", play_opts, NULL,
	    time_note, &play_body},
	{"verify", rpl_run, "check every record, index and session of a tape",
	    "cxreplay verify --tape DIR [--secrets]", verify_opts, NULL, NULL, &verify_body},
	{"export", rpl_run, "write a selection as JSON lines or HAR",
	    "cxreplay export --tape DIR --format jsonl|har [-o FILE] [--session ID] "
	    "[--conversation ID] [--from TIME] [--to TIME] [--base-url URL]", export_opts, NULL,
	    time_note, &export_body},
};

static const lc_cli_prog prog = {"cxreplay", CXTAPE_VERSION, cmds, sizeof cmds / sizeof cmds[0],
	NULL, time_note};

/* The parsed options into c; -1 to go on, else the exit code. */
static int
cli_fill(lc_cli *a, cli *c)
{
	const char *v;
	int id;

	while (lc_cli_next(a, &id, &v)) {
		switch (id) {
		case 't': c->tape = v; break;
		case 'x': c->speed = v; break;
		case 's': c->sel.session = v; break;
		case 'c': c->sel.conversation = v; break;
		case 'F': c->sel.from = v; break;
		case 'T': c->sel.to = v; break;
		case 'r': c->transcript = true; break;
		case 'f': c->findings = v; break;
		case 'R': c->report = v; break;
		case 'm': c->format = v; break;
		case 'w': c->follow = true; break;
		case 'C': c->config = v; break;
		case 'j': c->json = true; break;
		case 'S': c->secrets = true; break;
		case 'o': c->output = v; break;
		case 'b': c->base_url = v; break;
		}
	}
	if (c->tape == NULL && a->cmd->data != &verify_body)
		return lc_cli_usage_error(a, "--tape DIR is required");
	return -1;
}

/* Every command: the options into a cli, then the row's body. */
static int
rpl_run(lc_cli *a, void *ud)
{
	const rpl_body *body = a->cmd->data;
	cli c = {0};
	int code = cli_fill(a, &c);

	(void)ud;
	return code >= 0 ? code : body->fn(&c);
}

int
main(int argc, char **argv)
{
	lc_log_init("cxreplay", LC_LOG_INFO);
	return lc_cli_run(&prog, argc, argv, NULL);
}
