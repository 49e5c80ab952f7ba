/* SPDX-License-Identifier: MIT */
/* Tests for the HTML report: structure, escaping and determinism, then the page in headless chromium. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "an_engine.h"
#include "an_source.h"
#include "an_html.h"
#include "lc_tape.h"
#include "test_replay_fixture.h"

#define MS 1000000LL
#define T0 (1698765432000LL * MS)
#define PAGE_MAX ((size_t)64 << 20)

static rfx fx;              /* the tape of this suite (test_replay_fixture.h) */
static const char *dir;     /* its temporary directory */
static const char *tape;    /* the tape inside it */

typedef struct ev_spec {
	cx_kind kind;
	int64_t at_ms;
	const char *raw;
	const char *conv;
	const char *reason;
	uint16_t status;
	uint64_t exchange;
	const char *method, *path;
	const char *retry_after;
	int32_t close_code;
} ev_spec;

static void
append(lc_tape *t, const ev_spec *s)
{
	cx_event ev;
	cx_header hd[1];
	lc_err err = LC_ERR_INIT;

	memset(&ev, 0, sizeof(ev));
	ev.kind = s->kind;
	ev.wall_ns = T0 + s->at_ms * MS;
	ev.mono_ns = 1000 * MS + s->at_ms * MS;
	ev.raw = lc_bytes_str(s->raw ? s->raw : "");
	ev.conversation = lc_bytes_str(s->conv);
	ev.reason = lc_bytes_str(s->reason);
	ev.status = s->status;
	ev.exchange = s->exchange;
	ev.method = lc_bytes_str(s->method);
	ev.path = lc_bytes_str(s->path);
	ev.close_code = s->close_code;
	if (s->retry_after != NULL) {
		hd[0].name = lc_bytes_str("Retry-After");
		hd[0].value = lc_bytes_str(s->retry_after);
		ev.headers = hd;
		ev.n_headers = 1;
	}
	cr_assert_eq(lc_tape_append(t, &ev, NULL, &err), LC_OK, "%s", err.msg);
}

#define CUST(c, id, text) "{\"type\":\"message\",\"conversationId\":\"" c "\",\"messageId\":\"" id \
    "\",\"from\":{\"type\":\"customer\",\"id\":\"cu\"},\"text\":\"" text "\"}"
#define AGENT(c, id, text) "{\"type\":\"message\",\"conversationId\":\"" c "\",\"messageId\":\"" id \
    "\",\"text\":\"" text "\"}"
#define ACK(id) "{\"type\":\"ack\",\"messageId\":\"" id "\"}"

/*
 * Two conversations: an escalation to a lawyer, a 3000 ms ack (breach), a
 * never-acked reply, a REST 429 with Retry-After that is honoured, a stream
 * 429 error frame whose resend comes too soon, a disconnect and reconnect, a
 * capture gap, customer text that tries to inject markup, and an annotation
 * three years later (an import's).
 */
static const ev_spec events[] = {
	/* like cxrecord import's note: made years after the chat it brings */
	{.kind = CX_ANNOTATION, .at_ms = 3LL * 365 * 86400 * 1000, .raw = "day.jsonl", .reason = "import"},
	{.kind = CX_ANNOTATION, .at_ms = 0, .raw = "{\"agent\":\"agent-7\"}", .reason = "session"},
	{.kind = CX_STREAM_OPEN, .at_ms = 0, .status = 101, .path = "/ws"},
	{.kind = CX_HTTP_REQUEST, .at_ms = 100, .exchange = 1, .method = "PUT",
	    .path = "/api/v2/presence/users/u-1"},
	{.kind = CX_HTTP_RESPONSE, .at_ms = 150, .exchange = 1, .status = 429, .retry_after = "2"},
	{.kind = CX_FRAME_IN, .at_ms = 500, .conv = "c-1",
	    .raw = "{\"type\":\"routing\",\"conversationId\":\"c-1\",\"skill\":\"billing\"}"},
	{.kind = CX_FRAME_IN, .at_ms = 1000, .conv = "c-1",
	    .raw = CUST("c-1", "m-a", "I was charged twice <script>alert(1)</script> & nobody fixed it")},
	{.kind = CX_FRAME_IN, .at_ms = 2000, .conv = "c-2",
	    .raw = CUST("c-2", "m-b", "Hello, quick question about my plan")},
	{.kind = CX_HTTP_REQUEST, .at_ms = 2300, .exchange = 2, .method = "PUT",
	    .path = "/api/v2/presence/users/u-1"},
	{.kind = CX_HTTP_RESPONSE, .at_ms = 2350, .exchange = 2, .status = 200},
	{.kind = CX_FRAME_OUT, .at_ms = 2500, .conv = "c-2", .raw = AGENT("c-2", "m-4", "Hi! How can I help?")},
	{.kind = CX_FRAME_IN, .at_ms = 2600, .raw = ACK("m-4")},
	{.kind = CX_FRAME_OUT, .at_ms = 4000, .conv = "c-1",
	    .raw = AGENT("c-1", "m-1", "Sorry to hear that, let me check")},
	{.kind = CX_FRAME_IN, .at_ms = 4200, .raw = ACK("m-1")},
	{.kind = CX_FRAME_IN, .at_ms = 6000, .conv = "c-1",
	    .raw = CUST("c-1", "m-c", "This is terrible. I want a refund or my lawyer will call")},
	{.kind = CX_FRAME_OUT, .at_ms = 7000, .conv = "c-2", .raw = AGENT("c-2", "m-5", "One moment please")},
	{.kind = CX_FRAME_IN, .at_ms = 7050, .conv = "c-2",
	    .raw = "{\"type\":\"error\",\"code\":429,\"retryAfter\":1,\"messageId\":\"m-5\","
	    "\"conversationId\":\"c-2\",\"text\":\"slow down\"}"},
	{.kind = CX_FRAME_OUT, .at_ms = 7500, .conv = "c-2", .raw = AGENT("c-2", "m-5", "One moment please")},
	{.kind = CX_FRAME_IN, .at_ms = 7600, .raw = ACK("m-5")},
	{.kind = CX_FRAME_OUT, .at_ms = 9000, .conv = "c-1",
	    .raw = AGENT("c-1", "m-2", "I understand. The refund is on its way.")},
	{.kind = CX_FRAME_IN, .at_ms = 12000, .raw = ACK("m-2")},
	{.kind = CX_STREAM_CLOSE, .at_ms = 13000, .close_code = 1006, .reason = "network lost"},
	{.kind = CX_STREAM_OPEN, .at_ms = 15000, .status = 101, .path = "/ws"},
	{.kind = CX_GAP, .at_ms = 15500, .raw = "{\"duration_ms\":1500}", .reason = "recorder paused"},
	{.kind = CX_FRAME_IN, .at_ms = 16000, .conv = "c-1",
	    .raw = CUST("c-1", "m-d", "\\\"><img src=x onerror=alert(2)> ok, thanks, great help!")},
	{.kind = CX_FRAME_OUT, .at_ms = 17000, .conv = "c-1", .raw = AGENT("c-1", "m-3", "You're welcome!")},
	{.kind = CX_FRAME_IN, .at_ms = 17500, .conv = "c-1",
	    .raw = CUST("c-1", "m-e", "bell\\u0007 and caf\\u00e9 \\ud83d\\ude00")},
	{.kind = CX_FRAME_IN, .at_ms = 18000, .conv = "c-1",
	    .raw = "{\"type\":\"status\",\"conversationId\":\"c-1\",\"status\":\"ended\"}"},
};

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
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		append(t, &events[i]);
	cr_assert_eq(lc_tape_close(t, &err), LC_OK, "%s", err.msg);
}

static void
drop_tape(void)
{
	rfx_done(&fx);
}

/* The page the library makes for the whole tape (out: caller frees with lc_buf_free). */
static void
render(lc_buf *out)
{
	an_config cfg;
	an_engine *e = NULL;
	an_html *hs = NULL;
	lc_tape *t = NULL;
	lc_cursor_opts sel;
	lc_err err = LC_ERR_INIT;

	an_config_default(&cfg);
	cfg.sentiment_findings = false;
	lc_cursor_opts_init(&sel);
	lc_buf_init(out, PAGE_MAX);
	cr_assert_eq(lc_tape_open_read(tape, &t, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(an_engine_new(&cfg, NULL, NULL, NULL, NULL, &e, &err), LC_OK);
	cr_assert_eq(an_html_new(e, &hs, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(an_source_feed(t, &sel, e, NULL, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(an_report_html(e, hs, out, &err), LC_OK, "%s", err.msg);
	an_html_free(hs);
	an_engine_free(e);
	cr_assert_eq(lc_tape_close(t, &err), LC_OK);
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static void
write_file(const char *path, const lc_buf *b)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "cannot write %s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(b->ptr, 1, b->len, f), b->len);
	cr_assert_eq(fclose(f), 0);
}

/* Where test artifacts go: $CXTAPE_BUILD/artifacts (made on demand). */
static void
artifact_path(const char *name, char *out, size_t cap)
{
	const char *b = getenv("CXTAPE_BUILD");
	int n;

	n = snprintf(out, cap, "%s/artifacts", b && *b ? b : dir);
	cr_assert(n > 0 && (size_t)n < cap);
	mkdir(out, 0755);
	n = snprintf(out + n, cap - (size_t)n, "/%s", name);
	cr_assert(n > 0);
}

TestSuite(html, .init = make_tape, .fini = drop_tape);

Test(html, page_has_tiles_charts_tables_and_transcripts)
{
	lc_buf b;
	const char *s;

	render(&b);
	s = (const char *)b.ptr;
	cr_assert(strncmp(s, "<!DOCTYPE html>\n<html lang=\"en\">", 31) == 0);
	cr_assert(strstr(s, "</html>\n") != NULL && s[b.len - 1] == '\n');
	static const char *const ids[] = {"tile-conversations", "tile-messages", "tile-sla",
	    "tile-breaches", "tile-first-response", "tile-response", "tile-latency",
	    "tile-escalations", "tile-rate-limits", "tile-connection", "chart-latency-dist",
	    "chart-latency-time", "chart-response", "chart-timeline", "t-agents", "t-convs",
	    "t-endpoints", "conv-1", "conv-2", "sent-1", "sent-2"};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char want[96];

		snprintf(want, sizeof(want), "id=\"%s\"", ids[i]);
		cr_expect_eq(count(s, want), 1, "expected one element %s", want);
	}
	/* the figures the tiles must show for this tape */
	cr_expect(strstr(s, "<p class=\"big\">2</p><p class=\"sub\">1 session") != NULL, "2 conversations");
	cr_expect(strstr(s, "75.0%</p><p class=\"sub\">3 of 4 acks within 2000 ms") != NULL,
	    "3 of 4 acks within the SLA");
	cr_expect(strstr(s, "1 never acked") != NULL);
	cr_expect(strstr(s, "<span class=\"badge t-0\">legal 1</span>") != NULL, "legal escalation tile");
	cr_expect(strstr(s, "Retry-After honoured 1 · violated 1 · exhausted 0") != NULL);
	cr_expect(strstr(s, "1 disconnect · 1 gap (1.5 s)") != NULL);
	/* the time axes and the header span the chat, not the import's note */
	cr_expect(strstr(s, "<time>2023-10-31 15:17:12</time> – <time>2023-10-31 15:17:30</time> UTC") != NULL);
	cr_expect(strstr(s, "2026-10-30") == NULL, "the import's annotation (a year later) is not in the range");
	cr_expect(strstr(s, ">15:17:12</text>") != NULL, "the time axis starts with the chat");
	/* the SLA line in both latency charts, with its value */
	cr_expect_eq(count(s, "<title>SLA 2000 ms</title>"), 2);
	/* transcripts: the escalation marked, the breach and the unacked reply marked, separators */
	cr_expect(strstr(s, "<mark class=\"t-0\" title=\"legal\">my lawyer</mark>") != NULL);
	cr_expect(strstr(s, "legal: “my lawyer”</span>") != NULL);
	cr_expect(strstr(s, ">ack 3000 ms</span>") != NULL);
	cr_expect_eq(count(s, "<span class=\"badge late\" title=\"acknowledged after"), 1,
	    "only the late ack is marked");
	cr_expect(strstr(s, ">never acked</span>") != NULL);
	cr_expect(strstr(s, "stream closed (code 1006, network lost)") != NULL);
	cr_expect(strstr(s, "stream reconnected after 2.0 s") != NULL);
	cr_expect(strstr(s, "capture gap of 1.5 s: recorder paused") != NULL);
	cr_expect(strstr(s, "error frame 429, retry after 1.0 s") != NULL);
	cr_expect(strstr(s, "message resent: m-5") != NULL);
	cr_expect(strstr(s, "conversation status: ended") != NULL);
	/* the timeline has the REST 429, the violation, the disconnect and the reconnect */
	cr_expect(strstr(s, "429 on PUT /api/v2/presence/users/{id}, Retry-After 2.0 s") != NULL);
	cr_expect(strstr(s, "stream retried after 450 ms, Retry-After asked 1.0 s") != NULL);
	/* a resend never doubles a row: 5 agent replies, 5 customer messages */
	cr_expect_eq(count(s, "<tr class=\"m agent"), 5);
	cr_expect_eq(count(s, "<tr class=\"m customer"), 5);
	lc_buf_free(&b);
}

Test(html, chat_text_is_escaped_and_nothing_is_loaded_from_outside)
{
	lc_buf b;
	const char *s;

	render(&b);
	s = (const char *)b.ptr;
	cr_expect(strstr(s, "<script>alert") == NULL);
	cr_expect(strstr(s, "<img") == NULL);
	cr_expect(strstr(s, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; nobody") != NULL);
	cr_expect(strstr(s, "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;") != NULL);
	/* a control character becomes U+FFFD; UTF-8 text stays as it is */
	cr_expect(strstr(s, "bell\xef\xbf\xbd and caf\xc3\xa9 \xf0\x9f\x98\x80") != NULL);
	cr_expect_eq(count(s, "<script"), 1, "one script: the page's own");
	cr_expect(strstr(s, "http://") == NULL && strstr(s, "https://") == NULL);
	cr_expect(strstr(s, " src=\"") == NULL && strstr(s, "@import") == NULL && strstr(s, "url(") == NULL);
	cr_expect(strstr(s, "default-src 'none'") != NULL, "a CSP forbids loading anything");
	lc_buf_free(&b);
}

Test(html, same_events_give_the_same_bytes)
{
	lc_buf a, b;

	render(&a);
	render(&b);
	cr_assert_eq(a.len, b.len);
	cr_assert(memcmp(a.ptr, b.ptr, a.len) == 0);
	lc_buf_free(&a);
	lc_buf_free(&b);
}

Test(html, output_cap_fails_cleanly_and_leaves_the_buffer_as_it_was)
{
	an_config cfg;
	an_engine *e = NULL;
	an_html *hs = NULL;
	lc_tape *t = NULL;
	lc_err err = LC_ERR_INIT;
	lc_buf b;

	an_config_default(&cfg);
	lc_buf_init(&b, 20000);
	cr_assert_eq(lc_buf_append_str(&b, "before"), LC_OK);
	cr_assert_eq(lc_tape_open_read(tape, &t, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(an_engine_new(&cfg, NULL, NULL, NULL, NULL, &e, &err), LC_OK);
	cr_assert_eq(an_html_new(e, &hs, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(an_source_feed(t, NULL, e, NULL, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(an_report_html(e, hs, &b, &err), LC_ETOOBIG);
	cr_expect(strstr(err.msg, "output cap") != NULL, "%s", err.msg);
	cr_expect_eq(b.len, 6);
	cr_expect_str_eq((const char *)b.ptr, "before");
	an_html_free(hs);
	an_engine_free(e);
	cr_assert_eq(lc_tape_close(t, &err), LC_OK);
	lc_buf_free(&b);
}

Test(html, an_empty_selection_still_makes_a_whole_page)
{
	an_config cfg;
	an_engine *e = NULL;
	an_html *hs = NULL;
	lc_tape *t = NULL;
	lc_cursor_opts sel;
	lc_err err = LC_ERR_INIT;
	lc_buf b;

	an_config_default(&cfg);
	lc_cursor_opts_init(&sel);
	sel.conversation = "no-such-conversation";
	lc_buf_init(&b, PAGE_MAX);
	cr_assert_eq(lc_tape_open_read(tape, &t, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(an_engine_new(&cfg, NULL, NULL, NULL, NULL, &e, &err), LC_OK);
	cr_assert_eq(an_html_new(e, &hs, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(an_source_feed(t, &sel, e, NULL, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(an_report_html(e, hs, &b, &err), LC_OK, "%s", err.msg);
	cr_expect(strstr((const char *)b.ptr, "no acknowledged agent messages") != NULL);
	cr_expect(strstr((const char *)b.ptr, "no rate-limit or connection events") != NULL);
	cr_expect(strstr((const char *)b.ptr, "</html>\n") != NULL);
	cr_expect(strstr((const char *)b.ptr, "id=\"conv-") == NULL);
	an_html_free(hs);
	an_engine_free(e);
	cr_assert_eq(lc_tape_close(t, &err), LC_OK);
	lc_buf_free(&b);
}

/* Run a shell command; stdout into out (NUL-terminated, may be NULL); returns the exit status. */
static int
run(const char *cmd, char *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	char sink[4096];
	size_t n = 0, k;
	int st;

	cr_assert_not_null(p, "cannot run %s", cmd);
	while ((k = fread(out ? out + n : sink, 1, out ? cap - 1 - n : sizeof(sink), p)) > 0)
		if (out != NULL && (n += k) == cap - 1)
			break;
	if (out != NULL)
		out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
read_file(const char *path, lc_buf *b)
{
	char chunk[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	cr_assert_not_null(f, "cannot read %s: %s", path, strerror(errno));
	lc_buf_init(b, PAGE_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		cr_assert_eq(lc_buf_append(b, chunk, n), LC_OK);
	fclose(f);
}

Test(html, cxanalyze_report_format_html_equals_the_library)
{
	char cmd[2048], path[512];
	lc_buf lib, cli;

	render(&lib);
	snprintf(path, sizeof(path), "%s/report.html", dir);
	snprintf(cmd, sizeof(cmd), "%s/cxanalyze report --tape %s --format html -o %s 2>&1",
	    getenv("CXTAPE_BIN"), tape, path);
	cr_assert_eq(run(cmd, NULL, 0), 0, "%s failed", cmd);
	read_file(path, &cli);
	cr_assert_eq(cli.len, lib.len, "cxanalyze wrote %zu bytes, the library %zu", cli.len, lib.len);
	cr_assert(memcmp(cli.ptr, lib.ptr, lib.len) == 0);
	lc_buf_free(&lib);
	lc_buf_free(&cli);
}

Test(html, cxreplay_play_writes_the_same_page)
{
	char cmd[2048], path[512], msg[4096];
	lc_buf lib, rep;

	render(&lib);
	snprintf(path, sizeof(path), "%s/play.html", dir);
	snprintf(cmd, sizeof(cmd), "%s/cxreplay play --tape %s --speed max --format html --report %s "
	    "2>&1 >/dev/null", getenv("CXTAPE_BIN"), tape, path);
	cr_assert_eq(run(cmd, msg, sizeof(msg)), 0, "%s failed: %s", cmd, msg);
	read_file(path, &rep);
	cr_assert_eq(rep.len, lib.len, "cxreplay wrote %zu bytes, the library %zu", rep.len, lib.len);
	cr_assert(memcmp(rep.ptr, lib.ptr, lib.len) == 0);
	lc_buf_free(&lib);
	lc_buf_free(&rep);
}

/* ---------------------------------------------------------------- in the browser */

/*
 * chromium headless on a file:// URL. what is "--dump-dom" or "--screenshot=F";
 * stdout into out, stderr (with console logging) into errpath. chromium is a
 * declared dependency (make deps): missing, the test fails and says so.
 */
static void
chromium(const char *what, const char *html_path, char *out, size_t cap, const char *errpath)
{
	char cmd[4096], profile[512];
	int rc;

	cr_assert_eq(run("command -v chromium >/dev/null 2>&1", NULL, 0), 0,
	    "chromium is not installed: it is a test dependency; run `make deps` "
	    "(apt-get install chromium)");
	snprintf(profile, sizeof(profile), "%s/chromium-XXXXXX", dir);
	cr_assert_not_null(mkdtemp(profile));
	snprintf(cmd, sizeof(cmd), "cd %s && timeout 90 chromium --headless --no-sandbox --disable-gpu "
	    "--disable-quic --no-first-run --disable-background-networking --disable-component-update "
	    "--disable-sync --disable-dev-shm-usage --user-data-dir=%s --window-size=1280,2400 "
	    "--enable-logging=stderr --v=0 %s file://%s 2>%s", dir, profile, what, html_path, errpath);
	rc = run(cmd, out, cap);
	cr_assert_eq(rc, 0, "chromium failed (%d): %s; see %s", rc, cmd, errpath);
}

/* Lines of chromium's log that say the page did something wrong. */
static size_t
console_problems(const char *errpath, char *first, size_t cap)
{
	char line[4096];
	FILE *f = fopen(errpath, "r");
	size_t n = 0;

	cr_assert_not_null(f);
	first[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "CONSOLE") || strstr(line, "Uncaught") || strstr(line, "Refused")) {
			if (n++ == 0)
				snprintf(first, cap, "%s", line);
		}
	fclose(f);
	return n;
}

Test(html, chromium_renders_the_page_without_console_errors, .timeout = 240)
{
	static char dom[4 << 20];
	char path[512], errpath[512], png[512], first[4096], cmd[1200];
	lc_buf b;
	struct stat st;
	unsigned char magic[8] = {0};
	FILE *f;

	render(&b);
	artifact_path("report.html", path, sizeof(path));
	write_file(path, &b);
	snprintf(errpath, sizeof(errpath), "%s/dom.log", dir);
	chromium("--dump-dom", path, dom, sizeof(dom), errpath);
	cr_expect_eq(console_problems(errpath, first, sizeof(first)), 0,
	    "the page logged: %s", first);
	/* the inline script ran to its end (the CSP hash matched and nothing threw) */
	cr_expect(strstr(dom, "data-js=\"ok\"") != NULL, "the page's script did not run");
	/* the filter, hidden without script, is shown with it */
	cr_expect(strstr(dom, "<p class=\"filter\"><label>") != NULL);
	static const char *const want[] = {"id=\"tile-sla\"", "id=\"tile-rate-limits\"",
	    "id=\"chart-latency-dist\"", "id=\"chart-latency-time\"", "id=\"chart-response\"",
	    "id=\"chart-timeline\"", "id=\"t-agents\"", "id=\"t-convs\"", "id=\"conv-1\"",
	    "id=\"conv-2\"", "<title>SLA 2000 ms</title>", ">ack 3000 ms</span>",
	    "&lt;script&gt;alert(1)&lt;/script&gt;"};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect(strstr(dom, want[i]) != NULL, "the DOM lacks %s", want[i]);
	cr_expect(strstr(dom, "<img") == NULL, "injected markup became an element");
	cr_expect_eq(count(dom, "<svg"), 6, "4 charts and 2 sentiment charts");

	artifact_path("report.png", png, sizeof(png));
	remove(png);
	snprintf(errpath, sizeof(errpath), "%s/shot.log", dir);
	snprintf(cmd, sizeof(cmd), "--screenshot=%s", png);
	chromium(cmd, path, NULL, 0, errpath);
	cr_assert_eq(stat(png, &st), 0, "no screenshot at %s", png);
	cr_expect_gt(st.st_size, 20000, "the screenshot is suspiciously small");
	f = fopen(png, "rb");
	cr_assert_not_null(f);
	cr_assert_eq(fread(magic, 1, 8, f), 8);
	fclose(f);
	cr_expect(memcmp(magic, "\x89PNG\r\n\x1a\n", 8) == 0);
	lc_buf_free(&b);
}

/* The console check above can fail: a page with a script error and a blocked script is caught. */
Test(html, console_check_catches_a_broken_page, .timeout = 240)
{
	static char dom[65536];
	char path[512], errpath[512], first[4096];
	lc_buf b;

	lc_buf_init(&b, 4096);
	cr_assert_eq(lc_buf_append_str(&b, "<!DOCTYPE html><html><head><meta http-equiv=\""
	    "Content-Security-Policy\" content=\"default-src 'none'\"></head><body><p>x</p>"
	    "<script>nosuchfunction()</script></body></html>"), LC_OK);
	snprintf(path, sizeof(path), "%s/broken.html", dir);
	write_file(path, &b);
	snprintf(errpath, sizeof(errpath), "%s/broken.log", dir);
	chromium("--dump-dom", path, dom, sizeof(dom), errpath);
	cr_expect_gt(console_problems(errpath, first, sizeof(first)), 0,
	    "a CSP-blocked script went unnoticed");
	lc_buf_free(&b);
}
