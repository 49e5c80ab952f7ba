/* SPDX-License-Identifier: MIT */
/* test_replay_fixture: a small hand-made tape (one chat with a latency breach, an escalation, a 429) for the replayer tests. */
#ifndef REPLAY_FIXTURE_H
#define REPLAY_FIXTURE_H

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lc_redact.h"
#include "lc_tape.h"

#define RF_T0 1698765432000000000LL            /* 2023-10-31T15:17:12Z */
#define RF_MS 1000000LL

typedef struct rfx {
	char root[256], dir[300];
	lc_redactor *red;
} rfx;

static inline void
rfx_init(rfx *f)
{
	static const char key[] = "replay-test-key-0123456789abcdef";
	const char *tmp = getenv("TMPDIR");
	lc_err err = LC_ERR_INIT;

	snprintf(f->root, sizeof f->root, "%s/cxreplay-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(f->root));
	snprintf(f->dir, sizeof f->dir, "%s/tape", f->root);
	cr_assert_eq(lc_redactor_from_key(key, strlen(key), 0, &f->red, &err), LC_OK, "%s", err.msg);
}

static inline int
rfx_rm(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(p);
}

static inline void
rfx_done(rfx *f)
{
	nftw(f->root, rfx_rm, 16, FTW_DEPTH | FTW_PHYS);
	lc_redactor_free(f->red);
}

static inline lc_tape *
rfx_open_write(rfx *f, const char *dir)
{
	lc_tape_opts o;
	lc_tape *t = NULL;
	lc_err err = LC_ERR_INIT;

	lc_tape_opts_init(&o);
	o.redactor = f->red;
	cr_assert_eq(lc_tape_open_write(dir, &o, &t, &err), LC_OK, "%s", err.msg);
	return t;
}

static inline void
rfx_add(lc_tape *t, cx_kind kind, int64_t at_ms, const char *conv, const char *raw)
{
	cx_event ev = {.kind = kind, .wall_ns = RF_T0 + at_ms * RF_MS, .mono_ns = at_ms * RF_MS,
	    .conversation = lc_bytes_str(conv), .raw = lc_bytes_str(raw)};
	lc_err err = LC_ERR_INIT;

	if (kind == CX_STREAM_OPEN) {
		ev.path = lc_bytes_str("/api/v2/chat/stream");
		ev.status = 101;
	}
	cr_assert_eq(lc_tape_append(t, &ev, NULL, &err), LC_OK, "%s", err.msg);
}

static inline void
rfx_add_http(lc_tape *t, int64_t at_ms, uint64_t exchange, int status, const char *retry_after)
{
	cx_header h = {lc_bytes_str("Retry-After"), lc_bytes_str(retry_after)};
	cx_event ev = {.kind = status ? CX_HTTP_RESPONSE : CX_HTTP_REQUEST,
	    .wall_ns = RF_T0 + at_ms * RF_MS, .mono_ns = at_ms * RF_MS, .exchange = exchange};
	lc_err err = LC_ERR_INIT;

	if (status) {
		ev.status = (uint16_t)status;
		ev.n_headers = retry_after ? 1 : 0;
		ev.headers = &h;
		ev.raw = lc_bytes_str("{\"error\":\"slow down\"}");
	} else {
		ev.method = lc_bytes_str("PUT");
		ev.path = lc_bytes_str("/api/v2/presence/users/u-1?x=1&y=two");
		ev.raw = lc_bytes_str("{\"status\":{\"statusName\":\"available\"}}");
	}
	cr_assert_eq(lc_tape_append(t, &ev, NULL, &err), LC_OK, "%s", err.msg);
}

/*
 * The chat, about span_ms long (at least 2600): routing, a customer message,
 * an agent reply acked 2500 ms later (a latency breach), a customer message
 * naming a lawyer, a PUT answered 429 then 200, a second conversation, close.
 */
static inline void
rfx_chat(lc_tape *t)
{
	char id[LC_SESSION_ID_MAX];
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(lc_tape_session_begin(t, "agent-7", "sim", id, &err), LC_OK, "%s", err.msg);
	rfx_add(t, CX_STREAM_OPEN, 0, "", "");
	rfx_add(t, CX_FRAME_IN, 10, "c-1", "{\"type\":\"routing\",\"conversationId\":\"c-1\",\"skill\":\"billing\"}");
	rfx_add(t, CX_FRAME_IN, 20, "c-1", "{\"type\":\"message\",\"conversationId\":\"c-1\",\"messageId\":\"m-1\","
	    "\"from\":{\"type\":\"customer\",\"id\":\"cu-1\"},\"text\":\"My bill is wrong and I am angry\"}");
	rfx_add(t, CX_FRAME_OUT, 40, "c-1", "{\"type\":\"message\",\"conversationId\":\"c-1\",\"messageId\":\"m-2\","
	    "\"text\":\"Sorry to hear that, let me fix it\"}");
	rfx_add_http(t, 50, 1, 0, NULL);
	rfx_add_http(t, 60, 1, 429, "1");
	rfx_add(t, CX_FRAME_IN, 70, "c-2", "{\"type\":\"message\",\"conversationId\":\"c-2\",\"messageId\":\"m-9\","
	    "\"from\":{\"type\":\"customer\",\"id\":\"cu-2\"},\"text\":\"thanks, great help\"}");
	rfx_add(t, CX_FRAME_IN, 300, "c-1", "{\"type\":\"message\",\"conversationId\":\"c-1\",\"messageId\":\"m-3\","
	    "\"from\":{\"type\":\"customer\",\"id\":\"cu-1\"},\"text\":\"I will talk to my lawyer\\u001b[2J\"}");
	rfx_add_http(t, 1200, 2, 0, NULL);
	rfx_add_http(t, 1210, 2, 200, NULL);
	rfx_add(t, CX_FRAME_IN, 2540, "c-1", "{\"type\":\"ack\",\"messageId\":\"m-2\"}");
	rfx_add(t, CX_FRAME_IN, 2560, "c-1", "{\"type\":\"status\",\"conversationId\":\"c-1\",\"status\":\"ended\"}");
	rfx_add(t, CX_STREAM_CLOSE, 2600, "", "");
	cr_assert_eq(lc_tape_flush(t, &err), LC_OK, "%s", err.msg);
}

/* Make the fixture tape at f->dir and close it. */
static inline void
rfx_make(rfx *f)
{
	lc_tape *t = rfx_open_write(f, f->dir);
	lc_err err = LC_ERR_INIT;

	rfx_chat(t);
	cr_assert_eq(lc_tape_close(t, &err), LC_OK, "%s", err.msg);
}

static inline lc_tape *
rfx_open_read(const char *dir)
{
	lc_tape *t = NULL;
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(lc_tape_open_read(dir, &t, &err), LC_OK, "%s", err.msg);
	return t;
}

/* Append raw bytes as one event; waits for the writer when its queue is full. */
static inline void
rfx_add_raw(lc_tape *t, cx_kind kind, uint32_t flags, int64_t at_ms, const char *conv,
    const void *raw, size_t len)
{
	cx_event ev = {.kind = kind, .flags = flags, .wall_ns = RF_T0 + at_ms * RF_MS,
	    .mono_ns = at_ms * RF_MS, .conversation = lc_bytes_str(conv), .raw = {raw, len}};
	lc_err err = LC_ERR_INIT;

	while (lc_tape_append(t, &ev, NULL, &err) == LC_EFULL) {
		lc_err_clear(&err);
		cr_assert_eq(lc_tape_flush(t, &err), LC_OK, "%s", err.msg);
	}
	cr_assert_eq(err.status, LC_OK, "%s", err.msg);
}

/*
 * The mixed tape at dir: the chat, then 6,000 events of every shape a reader
 * copies or skips: thousands (many batches of a pipe), escaped strings,
 * binary and malformed frames, HTTP events with headers, a 1 MiB frame
 * (larger than a batch's arena), imported agent lines, 429 error frames.
 */
static inline void
rfx_make_mixed(rfx *f, const char *dir)
{
	lc_tape *t = rfx_open_write(f, dir);
	lc_err err = LC_ERR_INIT;
	char raw[512], conv[16];
	size_t big_len = (size_t)1 << 20;   /* LC_FRAME_MAX: larger than an arena */
	char *big = malloc(big_len);
	int64_t at = 0;

	cr_assert_not_null(big);
	rfx_chat(t);
	for (int i = 0; i < 6000; i++, at += 7) {
		snprintf(conv, sizeof conv, "k-%d", i % 37);
		switch (i % 9) {
		case 0:
			snprintf(raw, sizeof raw, "{\"type\":\"message\",\"conversationId\":\"%s\",\"messageId\":"
			    "\"q-%d\",\"from\":{\"type\":\"customer\",\"id\":\"cu-%d\"},\"text\":\"caf\\u00e9 "
			    "\\\"%d\\\" is late again, I want your manager\\nnow\"}", conv, i, i % 37, i);
			break;
		case 1:
			snprintf(raw, sizeof raw, "{\"type\":\"message\",\"conversationId\":\"%s\",\"messageId\":"
			    "\"a-%d\",\"text\":\"Sorry \\u2014 fixing it (%d)\"}", conv, i, i);
			break;
		case 2:
			snprintf(raw, sizeof raw, "{\"type\":\"ack\",\"messageId\":\"a-%d\"}", i - 1);
			break;
		case 3:
			snprintf(raw, sizeof raw, "{\"type\":\"error\",\"code\":429,\"messageId\":\"a-%d\","
			    "\"retryAfter\":0.5,\"text\":\"slow \\\"down\\\"\"}", i - 2);
			break;
		case 4:
			snprintf(raw, sizeof raw, "{\"type\":\"message\",\"conversationId\":\"%s\",\"messageId\":"
			    "\"i-%d\",\"from\":{\"type\":\"agent\",\"id\":\"ag-1\"},\"text\":\"imported \\t%d\"}",
			    conv, i, i);
			rfx_add_raw(t, CX_FRAME_IN, CX_F_IMPORTED, at, conv, raw, strlen(raw));
			continue;
		case 5:
			rfx_add_raw(t, CX_FRAME_IN, CX_F_BINARY, at, conv, "\x01\x02\x03", 3);
			continue;
		case 6:
			snprintf(raw, sizeof raw, "{\"type\":\"message\",\"text\":");   /* cut short */
			break;
		case 7:
			rfx_add_http(t, at, (uint64_t)(100 + i), 0, NULL);
			rfx_add_http(t, at + 1, (uint64_t)(100 + i), i % 2 ? 429 : 200, "2");
			continue;
		default:
			snprintf(raw, sizeof raw, "{\"type\":\"status\",\"conversationId\":\"%s\",\"status\":"
			    "\"act\\u0069ve\"}", conv);
			break;
		}
		rfx_add_raw(t, CX_FRAME_IN + (i % 9 == 1), 0, at, conv, raw, strlen(raw));
		if (i == 2500) {   /* one huge customer message, mostly escapes */
			size_t k = (size_t)snprintf(big, big_len, "{\"type\":\"message\",\"conversationId\":"
			    "\"%s\",\"from\":{\"type\":\"customer\"},\"text\":\"", conv);
			while (k + 16 < big_len) {
				memcpy(big + k, "lawyer \\u00e9 ", 13);
				k += 13;
			}
			memcpy(big + k, "\"}", 2);
			rfx_add_raw(t, CX_FRAME_IN, 0, at, conv, big, k + 2);
		}
	}
	cr_assert_eq(lc_tape_close(t, &err), LC_OK, "%s", err.msg);
	free(big);
}

#endif
