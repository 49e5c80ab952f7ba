/* SPDX-License-Identifier: MIT */
/* cxanalyze: the analyzer's command line; subcommands `text` (sentiment + escalations) and `report`. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lc_utf8.h"
#include "an_engine.h"
#include "an_escalate.h"
#include "an_source.h"
#include "an_html.h"
#include "an_sentiment.h"
#include "lc_buf.h"
#include "lc_cli.h"
#include "lc_json.h"
#include "lc_err.h"
#include "lc_log.h"
#include "lc_tape.h"

#ifndef CXTAPE_VERSION
#define CXTAPE_VERSION "0.0.0"
#endif

#define CXA_LINE_MAX  ((size_t)64 << 10)   /* one message: longer lines are cut here, with a warning */
#define CXA_OUT_MAX   (8 * CXA_LINE_MAX)   /* one output record: JSON escaping grows text up to 6x */
#define CXA_ARGS_MAX  CXA_LINE_MAX         /* TEXT given as arguments, joined by spaces */

static int cxa_text_main(lc_cli *a, void *ud);
static int cxa_report_main(lc_cli *a, void *ud);

#define CXA_TEXT_USAGE "cxanalyze text [--mode chat|vader] [--json] [--rules FILE] [TEXT]"
#define CXA_REPORT_USAGE "cxanalyze report --tape DIR [--format text|json|csv|html] [-o FILE] [--config FILE]\n" \
    "                 [--mode chat|vader] [--session ID] [--conversation ID]"

enum { O_MODE = 1, O_JSON, O_RULES, O_TAPE, O_FORMAT, O_OUTPUT, O_CONFIG, O_SESSION, O_CONV };

static const lc_cli_opt cxa_text_opts[] = {
	{"mode", O_MODE, 0, "chat|vader", false, "chat (default) is tuned for customer-service chat; "
	    "vader is VADER-exact"},
	{"json", O_JSON, 0, NULL, false, "one JSON object per message (docs/cli/cxanalyze.md)"},
	{"rules", O_RULES, 0, "FILE", false, "escalation rules (docs/escalation-rules.md; default: built in)"},
	{NULL, 0, 0, NULL, false, NULL},
};

static const lc_cli_opt cxa_report_opts[] = {
	{"tape", O_TAPE, 0, "DIR", false, "the tape to read (it may be being recorded right now)"},
	{"format", O_FORMAT, 0, "FMT", false, "text (default), json (docs/analyzer.md), csv (one row per "
	    "conversation), html (one self-contained page, docs/reports.md)"},
	{"output", O_OUTPUT, 'o', "FILE", false, "write the report there (default: stdout)"},
	{"config", O_CONFIG, 0, "FILE", false, "settings, key = value (docs/configuration.md)"},
	{"mode", O_MODE, 0, "chat|vader", false, "sentiment mode (overrides the config)"},
	{"session", O_SESSION, 0, "ID", false, "only this recording session"},
	{"conversation", O_CONV, 0, "ID", false, "only this conversation"},
	{NULL, 0, 0, NULL, false, NULL},
};

/* Subcommands (tmux's cmd_table): a new one is one row, one option table and one function. */
static const lc_cli_cmd cxa_cmds[] = {
	{"text", cxa_text_main, "sentiment and escalation triggers of chat messages", CXA_TEXT_USAGE,
	    cxa_text_opts, "TEXT, the message (words are joined by spaces); none: one message per stdin line",
	    NULL, NULL},
	{"report", cxa_report_main, "SLA, sentiment and escalation report of a tape", CXA_REPORT_USAGE,
	    cxa_report_opts, NULL, NULL, NULL},
};

static const lc_cli_prog cxa_prog = {"cxanalyze", CXTAPE_VERSION, cxa_cmds,
	sizeof(cxa_cmds) / sizeof(cxa_cmds[0]), NULL, NULL};

int
main(int argc, char **argv)
{
	lc_log_init("cxanalyze", LC_LOG_INFO);
	return lc_cli_run(&cxa_prog, argc, argv, NULL);
}

/* ---- report ------------------------------------------------------------------ */

typedef struct cxa_report {
	const char *tape, *out_path, *config_path;
	an_format format;
	bool html;                      /* --format html: an_report_html instead of an_engine_report */
	int mode;                       /* -1: from the config */
	lc_cursor_opts sel;
} cxa_report;

/* Options of `report`; returns -1 to go on, else the exit code. */
static int
cxa_report_options(lc_cli *a, cxa_report *r)
{
	const char *v;
	int id;

	while (lc_cli_next(a, &id, &v)) {
		switch (id) {
		case O_TAPE: r->tape = v; break;
		case O_OUTPUT: r->out_path = v; break;
		case O_CONFIG: r->config_path = v; break;
		case O_SESSION: r->sel.session = v; break;
		case O_CONV: r->sel.conversation = v; break;
		case O_FORMAT:
			r->html = strcmp(v, "html") == 0;
			if (!r->html && an_format_parse(v, &r->format) != LC_OK)
				return lc_cli_usage_error(a, "--format takes text, json, csv or html, not '%s'", v);
			break;
		case O_MODE:
			if (strcmp(v, "chat") != 0 && strcmp(v, "vader") != 0)
				return lc_cli_usage_error(a, "--mode takes chat or vader, not '%s'", v);
			r->mode = strcmp(v, "vader") == 0 ? AN_MODE_VADER : AN_MODE_CHAT;
			break;
		}
	}
	if (r->tape == NULL)
		return lc_cli_usage_error(a, "--tape DIR is required");
	return -1;
}

/* Write all of b to path (via a temporary file and a rename, so a reader never sees half), or stdout. */
static lc_status
cxa_write_out(const char *path, const lc_buf *b, lc_err *err)
{
	char tmp[4096];
	FILE *f;
	int bad;

	if (path == NULL || strcmp(path, "-") == 0) {
		if (fwrite(b->ptr, 1, b->len, stdout) != b->len || fflush(stdout) != 0)
			return lc_err_set(err, LC_EIO, "cannot write to stdout: %s", strerror(errno));
		return LC_OK;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return lc_err_set(err, LC_EINVAL, "output path too long: %s", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return lc_err_set(err, LC_EIO, "cannot create %s: %s", tmp, strerror(errno));
	bad = fwrite(b->ptr, 1, b->len, f) != b->len;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) != 0) {
		remove(tmp);
		return lc_err_set(err, LC_EIO, "cannot write %s: %s", path, strerror(errno));
	}
	return LC_OK;
}

static int
cxa_report_main(lc_cli *a, void *ud)
{
	cxa_report r = {.format = AN_FORMAT_TEXT, .mode = -1};
	an_config cfg;
	an_engine *e = NULL;
	an_html *hs = NULL;
	lc_tape *t = NULL;
	lc_buf out;
	lc_err err = LC_ERR_INIT;
	lc_status rc;
	int code;

	lc_cursor_opts_init(&r.sel);
	an_config_default(&cfg);
	lc_buf_init(&out, (size_t)1 << 30);
	(void)ud;
	if ((code = cxa_report_options(a, &r)) >= 0)
		goto out;
	cfg.sentiment_findings = false;         /* a report needs no per-message findings */
	rc = r.config_path ? an_config_load(&cfg, r.config_path, &err) : LC_OK;
	if (r.mode >= 0)
		cfg.mode = (an_mode)r.mode;
	if (rc == LC_OK)
		rc = lc_tape_open_read(r.tape, &t, &err);
	if (rc == LC_OK)
		rc = an_engine_new(&cfg, NULL, NULL, NULL, NULL, &e, &err);
	if (rc == LC_OK && r.html)
		rc = an_html_new(e, &hs, &err);
	if (rc == LC_OK)
		rc = an_source_feed(t, &r.sel, e, NULL, &err);
	if (rc == LC_OK && r.html)
		rc = an_report_html(e, hs, &out, &err);
	else if (rc == LC_OK && (rc = an_engine_report(e, r.format, &out)) != LC_OK)
		lc_err_set(&err, rc, "cannot build the report: %s", lc_strerror(rc));
	if (rc == LC_OK)
		rc = cxa_write_out(r.out_path, &out, &err);
	if (rc != LC_OK)
		lc_error("%s", lc_err_text(&err));
	code = lc_cli_exit(rc);
out:
	an_html_free(hs);
	an_engine_free(e);
	if (lc_tape_close(t, NULL) != LC_OK)
		code = code ? code : LC_CLI_EXIT_RUNTIME;
	lc_buf_free(&out);
	return code;
}

/* ---- output formatting --------------------------------------------------------- */

/*
 * A double as Python's repr() prints it, for |v| < 1e16: the shortest
 * decimal that reads back as the same double, always with a '.', so VADER's
 * round(x, 4) values print as 0.0, 0.746, -0.8316 (and never 0.74600000000000000).
 */
static void
cxa_fmt_float(double v, char *buf, size_t cap)
{
	int p;

	if (!isfinite(v)) {
		snprintf(buf, cap, "null");   /* JSON has no NaN; sentiment never yields one */
		return;
	}
	for (p = 1; p < 17; p++) {
		snprintf(buf, cap, "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	snprintf(buf, cap, "%.*g", p, v);
	if (strchr(buf, 'e') != NULL && fabs(v) >= 1e-4) {
		int exp10 = (int)floor(log10(fabs(v)));
		int dec = p - 1 - exp10;
		snprintf(buf, cap, "%.*f", dec > 0 ? dec : 0, v);
	}
	if (strpbrk(buf, ".e") == NULL && strlen(buf) + 2 < cap)
		strcat(buf, ".0");
}


/* ---- text ------------------------------------------------------------------- */

typedef struct cxa_text {
	an_mode mode;
	int json;
	const char *rules_path;
	const an_lexicon *lx;
	const an_rules *rules;
	lc_buf out;
} cxa_text;

static lc_status
cxa_format_json(cxa_text *t, const char *s, size_t len, int truncated, const an_sentiment *sen,
    const an_match *m, size_t n)
{
	char c[32], p[32], u[32], g[32];
	lc_status rc;

	cxa_fmt_float(sen->compound, c, sizeof(c));
	cxa_fmt_float(sen->pos, p, sizeof(p));
	cxa_fmt_float(sen->neu, u, sizeof(u));
	cxa_fmt_float(sen->neg, g, sizeof(g));
	rc = lc_buf_append_str(&t->out, "{\"text\":");
	if (rc == LC_OK)
		rc = lc_json_append_string(&t->out, (lc_bytes){(const uint8_t *)s, len});
	if (rc == LC_OK && truncated)
		rc = lc_buf_append_str(&t->out, ",\"truncated\":true");
	if (rc == LC_OK)
		rc = lc_buf_printf(&t->out, ",\"sentiment\":{\"label\":\"%s\",\"compound\":%s,\"pos\":%s,"
		    "\"neu\":%s,\"neg\":%s},\"escalations\":[", an_label_name(sen->label), c, p, u, g);
	for (size_t i = 0; rc == LC_OK && i < n; i++) {
		rc = lc_buf_printf(&t->out, "%s{\"trigger\":", i ? "," : "");
		if (rc == LC_OK)
			rc = lc_json_append_string(&t->out, lc_bytes_str(m[i].trigger));
		if (rc == LC_OK)
			rc = lc_buf_append_str(&t->out, ",\"match\":");
		if (rc == LC_OK)
			rc = lc_json_append_string(&t->out, (lc_bytes){(const uint8_t *)s + m[i].start, m[i].end - m[i].start});
		if (rc == LC_OK)
			rc = lc_buf_printf(&t->out, ",\"start\":%zu,\"end\":%zu,\"priority\":%d}", m[i].start,
			    m[i].end, m[i].priority);
	}
	return rc == LC_OK ? lc_buf_append_str(&t->out, "]}\n") : rc;
}

/* LABEL<TAB>COMPOUND<TAB>trigger("match")@start-end ... or -<TAB>TEXT */
static lc_status
cxa_format_plain(cxa_text *t, const char *s, size_t len, const an_sentiment *sen,
    const an_match *m, size_t n)
{
	char c[32];
	lc_status rc;

	cxa_fmt_float(sen->compound, c, sizeof(c));
	rc = lc_buf_printf(&t->out, "%s\t%s\t", an_label_name(sen->label), c);
	for (size_t i = 0; rc == LC_OK && i < n; i++)
		rc = lc_buf_printf(&t->out, "%s%s(\"%.*s\")@%zu-%zu", i ? " " : "", m[i].trigger,
		    (int)(m[i].end - m[i].start), s + m[i].start, m[i].start, m[i].end);
	if (rc == LC_OK && n == 0)
		rc = lc_buf_append_str(&t->out, "-");
	if (rc == LC_OK)
		rc = lc_buf_append(&t->out, "\t", 1);
	if (rc == LC_OK)
		rc = lc_buf_append(&t->out, s, len);
	return rc == LC_OK ? lc_buf_append(&t->out, "\n", 1) : rc;
}

/* Analyze one message and write its record to stdout. */
static lc_status
cxa_text_one(cxa_text *t, const char *s, size_t len, int truncated, lc_err *err)
{
	an_sentiment sen;
	an_match m[AN_TRIGGERS_MAX];
	size_t n;
	lc_status rc;

	an_sentiment_score(t->lx, t->mode, s, len, &sen);
	n = an_escalate_scan(t->rules, s, len, m, AN_TRIGGERS_MAX);
	if (n > AN_TRIGGERS_MAX)
		n = AN_TRIGGERS_MAX;
	lc_buf_reset(&t->out);
	rc = t->json ? cxa_format_json(t, s, len, truncated, &sen, m, n)
	    : cxa_format_plain(t, s, len, &sen, m, n);
	if (rc != LC_OK)
		return lc_err_set(err, rc, "cannot format the result of a %zu-byte message: %s", len,
		    lc_strerror(rc));
	if (fwrite(t->out.ptr, 1, t->out.len, stdout) != t->out.len)
		return lc_err_set(err, LC_EIO, "cannot write to stdout: %s", strerror(errno));
	return LC_OK;
}

/*
 * One line of in (without its newline, and without a CR before it) into buf,
 * at most cap bytes; the rest of a longer line is read and dropped, and
 * *over says so. LC_DONE at end of input.
 */
static lc_status
cxa_read_line(FILE *in, char *buf, size_t cap, size_t *len, int *over)
{
	size_t n = 0;
	int c = EOF;

	*over = 0;
	while ((c = getc_unlocked(in)) != EOF && c != '\n') {
		if (n < cap)
			buf[n++] = (char)c;
		else
			*over = 1;
	}
	if (ferror(in))
		return LC_EIO;
	if (c == EOF && n == 0 && !*over)
		return LC_DONE;
	if (n > 0 && buf[n - 1] == '\r' && !*over)
		n--;
	*len = n;
	return LC_OK;
}

static lc_status
cxa_text_stdin(cxa_text *t, lc_err *err)
{
	char *line = malloc(CXA_LINE_MAX);
	size_t len = 0, lineno = 0;
	int over = 0;
	lc_status rc = LC_OK;

	if (line == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory for a %zu-byte line buffer", CXA_LINE_MAX);
	while ((rc = cxa_read_line(stdin, line, CXA_LINE_MAX, &len, &over)) == LC_OK) {
		lineno++;
		if (over)
			lc_warn("stdin line %zu is over the %zu-byte cap; analysing its first %zu bytes",
			    lineno, CXA_LINE_MAX, CXA_LINE_MAX);
		if ((rc = cxa_text_one(t, line, len, over, err)) != LC_OK)
			break;
	}
	if (rc == LC_EIO && err->status == LC_OK)
		rc = lc_err_set(err, LC_ECORRUPT, "cannot read stdin after line %zu: %s", lineno,
		    strerror(errno));
	free(line);
	return rc == LC_DONE ? LC_OK : rc;
}

/* Options of `text`; returns -1 to go on (-2: TEXT given, in arg_text), else the exit code. */
static int
cxa_text_options(lc_cli *a, cxa_text *t, lc_buf *arg_text)
{
	const char *v;
	int id;

	while (lc_cli_next(a, &id, &v)) {
		switch (id) {
		case O_MODE:
			if (strcmp(v, "chat") != 0 && strcmp(v, "vader") != 0)
				return lc_cli_usage_error(a, "--mode takes chat or vader, not '%s'", v);
			t->mode = strcmp(v, "vader") == 0 ? AN_MODE_VADER : AN_MODE_CHAT;
			break;
		case O_JSON: t->json = 1; break;
		case O_RULES: t->rules_path = v; break;
		}
	}
	for (int i = 0; i < a->n_operands; i++) {
		if ((i > 0 && lc_buf_append(arg_text, " ", 1) != LC_OK) ||
		    lc_buf_append_str(arg_text, a->operands[i]) != LC_OK) {
			fprintf(stderr, "cxanalyze text: TEXT is over the %zu-byte cap; pass long text on "
			    "stdin\n", CXA_ARGS_MAX);
			return LC_CLI_EXIT_USAGE;
		}
	}
	return a->n_operands > 0 ? -2 : -1;
}

static int
cxa_text_main(lc_cli *a, void *ud)
{
	cxa_text t = {.mode = AN_MODE_CHAT};
	an_lexicon *lx = NULL;
	an_rules *rules = NULL;
	lc_buf arg_text;
	lc_err err = LC_ERR_INIT;
	lc_status rc;
	int code;

	lc_buf_init(&arg_text, CXA_ARGS_MAX);
	lc_buf_init(&t.out, CXA_OUT_MAX);
	(void)ud;
	if ((code = cxa_text_options(a, &t, &arg_text)) >= 0)
		goto out;
	rc = t.rules_path ? an_rules_load_file(t.rules_path, &rules, &err)
	    : an_rules_load_default(&rules, &err);
	if (rc == LC_OK)
		rc = an_lexicon_load_default(&lx, &err);
	if (rc == LC_OK) {
		t.lx = lx;
		t.rules = rules;
		rc = code == -2 ? cxa_text_one(&t, arg_text.ptr ? (const char *)arg_text.ptr : "", arg_text.len, 0, &err)
		    : cxa_text_stdin(&t, &err);
	}
	if (rc == LC_OK && fflush(stdout) != 0)
		rc = lc_err_set(&err, LC_EIO, "cannot write to stdout: %s", strerror(errno));
	if (rc != LC_OK)
		lc_error("%s", lc_err_text(&err));
	code = rc == LC_EIO ? LC_CLI_EXIT_RUNTIME : lc_cli_exit(rc);
out:
	an_lexicon_free(lx);
	an_rules_free(rules);
	lc_buf_free(&arg_text);
	lc_buf_free(&t.out);
	return code;
}
