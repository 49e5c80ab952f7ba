/* SPDX-License-Identifier: MIT */
/* test_replay_tools: export (jsonl round trip, HAR), verify (clean, damaged, secrets) and the CLI's exit codes. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event_assert.h"
#include "lc_evjson.h"
#include "rpl_export.h"
#include "rpl_verify.h"
#include "test_replay_fixture.h"

static char *
export_str(const char *dir, rpl_export_format fmt, size_t *n)
{
	lc_tape *t = rfx_open_read(dir);
	lc_cursor_opts sel;
	rpl_export_opts o = {.sel = &sel, .format = fmt};
	lc_err err = LC_ERR_INIT;
	char *s = NULL;
	FILE *f = open_memstream(&s, n);

	lc_cursor_opts_init(&sel);
	cr_assert_eq(rpl_export_run(t, &o, f, NULL, &err), LC_OK, "%s", err.msg);
	fclose(f);
	cr_assert_eq(lc_tape_close(t, NULL), LC_OK);
	return s;
}

Test(replay_tools, jsonl_export_imported_into_a_new_tape_is_equivalent)
{
	rfx f;
	size_t n;
	char *s, *line, *save = NULL, dir2[400];
	lc_evjson_parser *p = NULL;
	lc_err err = LC_ERR_INIT;
	lc_tape *w, *a, *b;
	lc_cursor *ca = NULL, *cb = NULL;
	lc_cursor_opts all;
	const cx_event *ea, *eb;
	int count = 0;

	rfx_init(&f);
	rfx_make(&f);
	s = export_str(f.dir, RPL_EXPORT_JSONL, &n);
	snprintf(dir2, sizeof dir2, "%s/copy", f.root);
	w = rfx_open_write(&f, dir2);
	cr_assert_eq(lc_evjson_parser_new(&p, &err), LC_OK);
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cx_event ev;
		cr_assert_eq(lc_evjson_parse(p, line, strlen(line), &ev, &err), LC_OK, "%s", err.msg);
		cr_assert_eq(lc_tape_append(w, &ev, NULL, &err), LC_OK, "%s", err.msg);
	}
	cr_assert_eq(lc_tape_close(w, &err), LC_OK, "%s", err.msg);
	a = rfx_open_read(f.dir);
	b = rfx_open_read(dir2);
	lc_cursor_opts_init(&all);
	cr_assert_eq(lc_cursor_open(a, &all, &ca, &err), LC_OK);
	cr_assert_eq(lc_cursor_open(b, &all, &cb, &err), LC_OK);
	while (lc_cursor_next(ca, &ea, &err) == LC_OK) {
		cr_assert_eq(lc_cursor_next(cb, &eb, &err), LC_OK, "the copy is short");
		ev_assert_event_eq(ea, eb);
		count++;
	}
	cr_assert_eq(lc_cursor_next(cb, &eb, &err), LC_DONE, "the copy is longer");
	cr_assert_eq(count, 13);
	lc_cursor_close(ca);
	lc_cursor_close(cb);
	cr_assert_eq(lc_tape_close(a, NULL), LC_OK);
	cr_assert_eq(lc_tape_close(b, NULL), LC_OK);
	lc_evjson_parser_free(p);
	free(s);
	rfx_done(&f);
}

Test(replay_tools, har_has_rest_entries_and_websocket_messages)
{
	rfx f;
	size_t n;
	char *s;
	cJSON *doc, *entries, *e, *ws = NULL;
	int rest = 0;

	rfx_init(&f);
	rfx_make(&f);
	s = export_str(f.dir, RPL_EXPORT_HAR, &n);
	doc = cJSON_Parse(s);
	cr_assert_not_null(doc, "HAR is not JSON: %s", s);
	cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "log"), "version")->valuestring, "1.2");
	entries = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "log"), "entries");
	cJSON_ArrayForEach(e, entries) {
		if (cJSON_GetObjectItem(e, "_webSocketMessages"))
			ws = e;
		else
			rest++;
	}
	cr_assert_eq(rest, 2);
	e = cJSON_GetArrayItem(entries, 0);
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "response"), "status")->valueint, 429);
	cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "request"), "url")->valuestring,
	    "https://cxone.invalid/api/v2/presence/users/u-1?x=1&y=two");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "request"), "queryString")), 2);
	cr_assert_not_null(ws);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(ws, "_webSocketMessages")), 7);
	e = cJSON_GetArrayItem(cJSON_GetObjectItem(ws, "_webSocketMessages"), 2);
	cr_assert_str_eq(cJSON_GetObjectItem(e, "type")->valuestring, "send");
	cr_assert_eq(cJSON_GetObjectItem(e, "opcode")->valueint, 1);
	cr_assert_float_eq(cJSON_GetObjectItem(e, "time")->valuedouble, 1698765432.040, 1e-5);
	cJSON_Delete(doc);
	free(s);
	rfx_done(&f);
}

Test(replay_tools, verify_passes_a_good_tape_and_names_damage)
{
	rfx f;
	rpl_verify_result r;
	lc_err err = LC_ERR_INIT;
	char path[400];
	int fd;
	off_t size;
	uint8_t junk[4096];

	rfx_init(&f);
	rfx_make(&f);
	cr_assert_eq(rpl_verify_tape(f.dir, true, &r, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(r.events, 13);
	/* scribble over every page after the first two (the meta pages) */
	snprintf(path, sizeof path, "%s/data.mdb", f.dir);
	fd = open(path, O_RDWR);
	cr_assert(fd >= 0);
	size = lseek(fd, 0, SEEK_END);
	memset(junk, 0xa5, sizeof junk);
	for (off_t off = 8192; off + (off_t)sizeof junk <= size; off += sizeof junk)
		cr_assert_eq(pwrite(fd, junk, sizeof junk, off), (ssize_t)sizeof junk);
	close(fd);
	lc_err_clear(&err);
	cr_assert_neq(rpl_verify_tape(f.dir, false, &r, &err), LC_OK, "a scribbled tape verified");
	cr_assert(strlen(err.msg) > 0);
	rfx_done(&f);
}

Test(replay_tools, secrets_scan_flags_live_tokens_and_passes_pseudonyms)
{
	static const char *live[] = {
		"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abcdefghijklmnop",
		"{\"access_token\":\"ya29.a0AfH6SMBx3kLq\",\"expires_in\":3600}",
		"grant_type=client_credentials&client_id=x&client_secret=s3cr3tValue99",
	};
	static const char *clean[] = {
		"Authorization: Bearer [redacted:0badc0de]",
		"{\"access_token\":\"[redacted:12345678]\",\"expires_in\":3600}",
		"client_secret=[redacted:deadbeef]",
		"{\"text\":\"my bearer bond\"}",
	};
	cx_header h = {lc_bytes_str("Authorization"), lc_bytes_str("Basic dXNlcjpwYXNzd29yZC1sb25nLXJhbmRvbQ==")};
	cx_event ev = {.seq = 7, .kind = CX_HTTP_REQUEST};

	for (size_t i = 0; i < sizeof live / sizeof live[0]; i++) {
		lc_err err = LC_ERR_INIT;
		ev.raw = lc_bytes_str(live[i]);
		cr_assert_eq(rpl_secrets_scan(&ev, &err), LC_ECORRUPT, "missed: %s", live[i]);
		cr_assert_not_null(strstr(err.msg, "seq 7"));
		cr_assert_null(strstr(err.msg, "s3cr3t"), "the secret is never quoted");
	}
	for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++) {
		ev.raw = lc_bytes_str(clean[i]);
		cr_assert_eq(rpl_secrets_scan(&ev, NULL), LC_OK, "false alarm: %s", clean[i]);
	}
	ev.raw = LC_BYTES_NULL;
	ev.n_headers = 1;
	ev.headers = &h;
	cr_assert_eq(rpl_secrets_scan(&ev, NULL), LC_ECORRUPT, "a Basic credential in clear");
}

static int
run(const char *cmd)
{
	char line[2048];
	int st;

	snprintf(line, sizeof line, "%s/cxreplay %s >/dev/null 2>&1", getenv("CXTAPE_BIN"), cmd);
	st = system(line);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(replay_tools, cli_exit_codes_follow_the_contract)
{
	rfx f;
	char cmd[1024];

	cr_assert_not_null(getenv("CXTAPE_BIN"), "run through make check");
	rfx_init(&f);
	rfx_make(&f);
	snprintf(cmd, sizeof cmd, "play --tape %s --speed max", f.dir);
	cr_assert_eq(run(cmd), 0);
	snprintf(cmd, sizeof cmd, "play --tape %s --speed max --report /dev/null --format html", f.dir);
	cr_assert_eq(run(cmd), 0, "the html report is written (tests/test_html.c checks it)");
	snprintf(cmd, sizeof cmd, "play --tape %s --bogus", f.dir);
	cr_assert_eq(run(cmd), 2);
	snprintf(cmd, sizeof cmd, "verify --tape %s --secrets", f.dir);
	cr_assert_eq(run(cmd), 0);
	snprintf(cmd, sizeof cmd, "ls --tape %s --json", f.dir);
	cr_assert_eq(run(cmd), 0);
	snprintf(cmd, sizeof cmd, "show --tape %s --conversation c-1", f.dir);
	cr_assert_eq(run(cmd), 0);
	snprintf(cmd, sizeof cmd, "show --tape %s --conversation c-404", f.dir);
	cr_assert_neq(run(cmd), 0);
	snprintf(cmd, sizeof cmd, "export --tape %s --format xml", f.dir);
	cr_assert_eq(run(cmd), 2);
	rfx_done(&f);
}
