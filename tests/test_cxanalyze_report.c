/* SPDX-License-Identifier: MIT */
/* Tests for `cxanalyze report`: a tape in, the engine's report out, in every format and selection. */
#include <cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "an_engine.h"
#include "an_source.h"
#include "lc_tape.h"
#include "test_replay_fixture.h"

#define MS 1000000LL
#define T0 (1698765432000LL * MS)

static rfx fx;              /* the tape of this suite (test_replay_fixture.h) */
static const char *dir;     /* its temporary directory */
static const char *tape;    /* the tape inside it */

static void
append_r(lc_tape *t, cx_kind kind, int64_t at_ms, const char *raw, const char *reason)
{
	cx_event ev;
	lc_err err = LC_ERR_INIT;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.wall_ns = T0 + at_ms * MS;
	ev.mono_ns = 1000 * MS + at_ms * MS;
	ev.raw = lc_bytes_str(raw);
	ev.reason = lc_bytes_str(reason);
	/* the recorder names the conversation of a frame that has one (it feeds the index) */
	if (strstr(raw, "\"c-1\""))
		ev.conversation = lc_bytes_str("c-1");
	else if (strstr(raw, "\"c-2\""))
		ev.conversation = lc_bytes_str("c-2");
	cr_assert_eq(lc_tape_append(t, &ev, NULL, &err), LC_OK, "%s", err.msg);
}

#define append(t, k, at, raw) append_r(t, k, at, raw, NULL)

/* Two sessions, two conversations, one latency breach, one legal escalation. */
static void
make_tape(void)
{
	lc_tape *t;
	lc_err err = LC_ERR_INIT;
	char sid[LC_SESSION_ID_MAX];

	rfx_init(&fx);
	dir = fx.root;
	tape = fx.dir;
	t = rfx_open_write(&fx, tape);
	cr_assert_eq(lc_tape_session_begin(t, "agent-7", "test", sid, &err), LC_OK);
	append_r(t, CX_ANNOTATION, 0, "{\"agent\":\"agent-7\"}", "session");
	append(t, CX_FRAME_IN, 10, "{\"type\":\"message\",\"conversationId\":\"c-1\",\"messageId\":\"m-a\","
	    "\"from\":{\"type\":\"customer\",\"id\":\"cu\"},\"text\":\"I want a refund or my lawyer will call\"}");
	append(t, CX_FRAME_OUT, 4000, "{\"type\":\"message\",\"conversationId\":\"c-1\",\"messageId\":\"m-1\","
	    "\"text\":\"Sorry to hear that\"}");
	append(t, CX_FRAME_IN, 7000, "{\"type\":\"ack\",\"messageId\":\"m-1\"}");
	cr_assert_eq(lc_tape_session_begin(t, "agent-8", "test", sid, &err), LC_OK);
	append_r(t, CX_ANNOTATION, 8000, "{\"agent\":\"agent-8\"}", "session");
	append(t, CX_FRAME_IN, 9000, "{\"type\":\"message\",\"conversationId\":\"c-2\",\"messageId\":\"m-b\","
	    "\"from\":{\"type\":\"customer\",\"id\":\"cu2\"},\"text\":\"thanks, all good\"}");
	append(t, CX_FRAME_OUT, 9500, "{\"type\":\"message\",\"conversationId\":\"c-2\",\"messageId\":\"m-2\","
	    "\"text\":\"Glad to help\"}");
	append(t, CX_FRAME_IN, 9600, "{\"type\":\"ack\",\"messageId\":\"m-2\"}");
	cr_assert_eq(lc_tape_close(t, &err), LC_OK, "%s", err.msg);
}

static void
drop_tape(void)
{
	rfx_done(&fx);
}

/* Run cxanalyze with args; stdout into out (NUL-terminated), returns the exit status. */
static int
run(const char *args, char *out, size_t cap)
{
	char cmd[2048];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "%s/cxanalyze %s 2>/dev/null", getenv("CXTAPE_BIN"), args);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The report an engine fed directly from the tape gives, for comparison. */
static void
direct_report(const lc_cursor_opts *sel, an_format fmt, lc_buf *out)
{
	an_config cfg;
	an_engine *e = NULL;
	lc_tape *t = NULL;
	lc_err err = LC_ERR_INIT;

	an_config_default(&cfg);
	cfg.sentiment_findings = false;
	cr_assert_eq(lc_tape_open_read(tape, &t, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(an_engine_new(&cfg, NULL, NULL, NULL, NULL, &e, &err), LC_OK);
	cr_assert_eq(an_source_feed(t, sel, e, NULL, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(an_engine_report(e, fmt, out), LC_OK);
	an_engine_free(e);
	cr_assert_eq(lc_tape_close(t, &err), LC_OK);
}

TestSuite(cxanalyze_report, .init = make_tape, .fini = drop_tape);

Test(cxanalyze_report, json_report_equals_the_engine_fed_from_the_tape)
{
	static char out[1 << 20];
	char args[512];
	lc_cursor_opts sel;
	lc_buf b;
	cJSON *j;

	snprintf(args, sizeof(args), "report --tape %s --format json", tape);
	cr_assert_eq(run(args, out, sizeof(out)), 0);
	lc_buf_init(&b, 1 << 20);
	lc_cursor_opts_init(&sel);
	direct_report(&sel, AN_FORMAT_JSON, &b);
	cr_assert_str_eq(out, (char *)b.ptr);
	j = cJSON_Parse(out);
	cr_assert_not_null(j);
	cr_assert_str_eq(cJSON_GetObjectItem(j, "schema")->valuestring, "cxtape.report/1");
	cr_assert_eq(cJSON_GetObjectItem(j, "conversations")->valueint, 2);
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "latency"), "breaches")->valueint, 1);
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "escalations"), "legal")->valueint, 1);
	cJSON_Delete(j);
	lc_buf_free(&b);
}

Test(cxanalyze_report, selection_by_conversation_and_csv_to_a_file)
{
	static char out[1 << 16];
	char args[1024], path[400];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/r.csv", dir);
	snprintf(args, sizeof(args), "report --tape %s --conversation c-2 --format csv -o %s", tape, path);
	cr_assert_eq(run(args, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "", "a report written to a file leaves stdout empty");
	f = fopen(path, "r");
	cr_assert_not_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	cr_assert(strncmp(out, "conversation,agent,skill,", 25) == 0, "%s", out);
	cr_assert(strstr(out, "\r\n\"c-2\",\"agent-8\"") != NULL, "%s", out);
	cr_assert_null(strstr(out, "\"c-1\""), "c-1 was not selected");
}

Test(cxanalyze_report, text_report_is_the_default)
{
	static char out[1 << 16];
	char args[512];

	snprintf(args, sizeof(args), "report --tape %s", tape);
	cr_assert_eq(run(args, out, sizeof(out)), 0);
	cr_assert(strstr(out, "cxtape report (chat sentiment)") != NULL, "%s", out);
	cr_assert(strstr(out, "2 conversations") != NULL, "%s", out);
	cr_assert(strstr(out, "legal 1") != NULL, "%s", out);
}

Test(cxanalyze_report, usage_and_data_errors_have_their_exit_codes)
{
	static char out[1 << 12];
	char args[512];

	cr_assert_eq(run("report", out, sizeof(out)), 2, "--tape is required");
	cr_assert_eq(run("report --tape x --format pdf", out, sizeof(out)), 2);
	cr_assert_eq(run("report --tape x --bogus", out, sizeof(out)), 2);
	cr_assert_eq(run("report --tape /nonexistent/cxtape", out, sizeof(out)), 1);
	snprintf(args, sizeof(args), "report --tape %s --config /nonexistent.conf", tape);
	cr_assert_eq(run(args, out, sizeof(out)), 2, "a missing config file is a usage error");
	cr_assert_eq(run("report --help", out, sizeof(out)), 0);
	cr_assert(strstr(out, "usage: cxanalyze report --tape DIR") != NULL);
}
