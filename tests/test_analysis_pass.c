/* SPDX-License-Identifier: MIT */
/* test_analysis_pass: one read of the tape feeds every output; the analysis library reads no tape and no clock; the transcript agrees with the findings in vader mode. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "rpl_play.h"
#include "test_replay_fixture.h"

#define PASS_CMD_MAX 4096

/* Undefined symbols of the analysis library that name tape I/O or a clock (the library is a pure core). */
Test(analysis_pass, the_analysis_library_opens_no_tape_and_reads_no_clock)
{
	const char *build = getenv("CXTAPE_BUILD");
	char cmd[PASS_CMD_MAX], line[512], bad[4096] = "";
	size_t checked = 0;
	FILE *p;

	cr_assert_not_null(build, "CXTAPE_BUILD names the build directory (tests/run.sh sets it)");
	snprintf(cmd, sizeof cmd, "nm -u %s/lib/libcxanalyzer.a", build);
	cr_assert_not_null(p = popen(cmd, "r"));
	while (fgets(line, sizeof line, p) != NULL) {
		checked++;
		if (strstr(line, " lc_tape_") || strstr(line, " lc_cursor_") || strstr(line, " lc_clock_") ||
		    strstr(line, " clock_gettime") || strstr(line, " gettimeofday") || strstr(line, " time\n"))
			strncat(bad, line, sizeof bad - strlen(bad) - 1);
	}
	cr_assert_eq(pclose(p), 0, "`%s` failed", cmd);
	cr_assert_gt(checked, 10, "nm listed the library's undefined symbols");
	cr_assert_str_eq(bad, "", "the analysis library calls:\n%s", bad);
}

static uint64_t
count_events(const char *dir)
{
	lc_tape *t = rfx_open_read(dir);
	lc_cursor *c = NULL;
	const cx_event *ev;
	uint64_t n = 0;
	lc_status rc;

	cr_assert_eq(lc_cursor_open(t, NULL, &c, NULL), LC_OK);
	while ((rc = lc_cursor_next(c, &ev, NULL)) == LC_OK)
		n++;
	cr_assert_eq(rc, LC_DONE);
	lc_cursor_close(c);
	cr_assert_eq(lc_tape_close(t, NULL), LC_OK);
	return n;
}

/* Findings, the transcript and the HTML report (with its transcripts) at once, at max speed or timed. */
static void
play_everything(const char *dir, double speed, rpl_play_stats *st, lc_buf *report, char **tr, size_t *ntr)
{
	lc_tape *t = rfx_open_read(dir);
	lc_cursor_opts sel;
	rpl_play_opts po = {0};
	lc_err err = LC_ERR_INIT;
	char *fi = NULL;
	size_t nfi = 0;
	FILE *ff = open_memstream(&fi, &nfi), *tf = open_memstream(tr, ntr);

	lc_cursor_opts_init(&sel);
	po.sel = &sel;
	po.speed = speed;
	po.findings = ff;
	po.transcript = tf;
	po.report = report;
	po.report_html = true;
	cr_assert_eq(rpl_play_run(t, &po, st, &err), LC_OK, "%s", err.msg);
	fclose(ff);
	fclose(tf);
	cr_assert_gt(nfi, 0, "findings were written");
	free(fi);
	cr_assert_eq(lc_tape_close(t, NULL), LC_OK);
}

Test(analysis_pass, findings_transcript_and_html_report_come_from_one_read_of_the_tape)
{
	rfx f;
	rpl_play_stats st;
	lc_buf report;
	char *tr = NULL;
	size_t ntr = 0;
	uint64_t n;

	rfx_init(&f);
	rfx_make_mixed(&f, f.dir);
	n = count_events(f.dir);
	for (int timed = 0; timed < 2; timed++) {
		lc_buf_init(&report, (size_t)64 << 20);
		play_everything(f.dir, timed ? 1000 : 0, &st, &report, &tr, &ntr);
		cr_expect_eq(st.passes, 1, "speed %s: the tape was read %llu times", timed ? "1000" : "max",
		    (unsigned long long)st.passes);
		cr_expect_eq(st.read, n, "read %llu of %llu events", (unsigned long long)st.read,
		    (unsigned long long)n);
		cr_expect_eq(st.events, n, "fed %llu of %llu events", (unsigned long long)st.events,
		    (unsigned long long)n);
		cr_expect(strstr(tr, "I will talk to my lawyer") != NULL, "the transcript has the chat");
		cr_expect(strstr((const char *)report.ptr, "<table class=\"transcript\">") != NULL,
		    "the page has its transcripts");
		cr_expect(strstr((const char *)report.ptr, "lawyer") != NULL, "with the chat's messages");
		free(tr);
		tr = NULL;
		lc_buf_free(&report);
	}
	rfx_done(&f);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s = NULL;
	size_t cap = 0, n;

	cr_assert_not_null(f, "%s", path);
	n = getdelim(&s, &cap, '\0', f);
	cr_assert(n != (size_t)-1 || feof(f));
	fclose(f);
	return s;
}

/* The value after "key": in a JSON line, up to the next quote or backslash (text) or comma (numbers). */
static void
field(const char *line, const char *key, char *out, size_t cap)
{
	const char *p = strstr(line, key);
	size_t n = 0;

	cr_assert_not_null(p, "no %s in %s", key, line);
	p += strlen(key);
	while (p[n] && p[n] != '"' && p[n] != '\\' && p[n] != ',' && p[n] != '}' && n < cap - 1)
		n++;
	memcpy(out, p, n);
	out[n] = '\0';
}

/*
 * In vader mode (set in a --config file), every sentiment finding's message
 * has a transcript line with the same label and compound (to its two decimals).
 */
Test(analysis_pass, the_transcript_in_vader_mode_agrees_with_the_findings)
{
	const char *bin = getenv("CXTAPE_BIN");
	char cmd[PASS_CMD_MAX], conf[512], fpath[512], tpath[512];
	char *findings, *transcript, *line, *save = NULL;
	const char *at;
	int checked = 0, st;
	rfx f;
	FILE *c;

	cr_assert_not_null(bin, "CXTAPE_BIN names the programs' directory (tests/run.sh sets it)");
	rfx_init(&f);
	rfx_make(&f);
	snprintf(conf, sizeof conf, "%s.vader.conf", f.dir);
	snprintf(fpath, sizeof fpath, "%s.findings", f.dir);
	snprintf(tpath, sizeof tpath, "%s.transcript", f.dir);
	cr_assert_not_null(c = fopen(conf, "w"));
	fputs("sentiment_mode = vader\n", c);
	fclose(c);
	snprintf(cmd, sizeof cmd, "NO_COLOR=1 %s/cxreplay play --tape %s --speed max --config %s "
	    "--transcript --findings %s > %s", bin, f.dir, conf, fpath, tpath);
	st = system(cmd);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "`%s` failed", cmd);
	findings = slurp(fpath);
	transcript = slurp(tpath);
	at = transcript;
	for (line = strtok_r(findings, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char text[24], label[16], compound[16], want[64];
		const char *hit, *eol, *shown;

		if (strstr(line, "\"kind\":\"sentiment\"") == NULL)
			continue;
		field(line, "\"text\":\"", text, sizeof text);
		field(line, "\"label\":\"", label, sizeof label);
		field(line, "\"compound\":", compound, sizeof compound);
		snprintf(want, sizeof want, "(%s %+.2f)", label, strtod(compound, NULL));
		hit = strstr(at, text);
		cr_assert_not_null(hit, "no transcript line for the message '%s'", text);
		eol = strchr(hit, '\n');
		cr_assert_not_null(eol);
		shown = strstr(hit, "  (");   /* the score follows the text; badges may follow it */
		cr_expect(shown != NULL && shown < eol && strncmp(shown + 2, want, strlen(want)) == 0,
		    "the transcript shows '%.*s' for '%s'; its finding says %s", (int)(eol - hit), hit, text,
		    want);
		at = eol;
		checked++;
	}
	cr_assert_geq(checked, 4, "every message of the chat was checked (%d)", checked);
	free(findings);
	free(transcript);
	remove(conf);
	remove(fpath);
	remove(tpath);
	rfx_done(&f);
}
