/* SPDX-License-Identifier: MIT */
/* tape_events: header-only — a recording's temp dir, and every event of its tape copied out, for cxrecord's tests. */
#ifndef TAPE_EVENTS_H
#define TAPE_EVENTS_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lc_tape.h"

/* One event as the tests look at it (copied out of the tape). */
typedef struct tev {
	cx_kind kind;
	uint32_t flags;
	int64_t wall, mono;
	uint16_t status;
	uint64_t exchange;
	int32_t close_code;
	char method[8], path[256], conv[96], reason[160], auth[64], retry_after[16];
	char *raw;
	size_t raw_len;
} tev;

static inline void
copy_bytes(char *dst, size_t cap, lc_bytes b)
{
	size_t n = b.len < cap - 1 ? b.len : cap - 1;
	if (n)
		memcpy(dst, b.ptr, n);
	dst[n] = 0;
}

/* Every event of the tape, copied out. *out: free with tevs_free. */
static inline size_t
tape_load(const char *dir, tev **out)
{
	lc_tape *t = NULL;
	lc_cursor *c = NULL;
	const cx_event *ev;
	lc_err err = LC_ERR_INIT;
	size_t n = 0, cap = 0;
	tev *v = NULL;
	lc_status rc;

	cr_assert_eq(lc_tape_open_read(dir, &t, &err), LC_OK, "%s", lc_err_text(&err));
	cr_assert_eq(lc_cursor_open(t, NULL, &c, &err), LC_OK, "%s", lc_err_text(&err));
	while ((rc = lc_cursor_next(c, &ev, &err)) == LC_OK) {
		tev *x;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			cr_assert_not_null(v = realloc(v, cap * sizeof(*v)));
		}
		x = &v[n++];
		memset(x, 0, sizeof(*x));
		x->kind = ev->kind;
		x->flags = ev->flags;
		x->wall = ev->wall_ns;
		x->mono = ev->mono_ns;
		x->status = ev->status;
		x->exchange = ev->exchange;
		x->close_code = ev->close_code;
		copy_bytes(x->method, sizeof(x->method), ev->method);
		copy_bytes(x->path, sizeof(x->path), ev->path);
		copy_bytes(x->conv, sizeof(x->conv), ev->conversation);
		copy_bytes(x->reason, sizeof(x->reason), ev->reason);
		for (uint32_t h = 0; h < ev->n_headers; h++) {
			if (lc_bytes_eq_str(ev->headers[h].name, "Authorization"))
				copy_bytes(x->auth, sizeof(x->auth), ev->headers[h].value);
			if (ev->headers[h].name.len == 11 && strncasecmp((const char *)ev->headers[h].name.ptr, "retry-after", 11) == 0)
				copy_bytes(x->retry_after, sizeof(x->retry_after), ev->headers[h].value);
		}
		cr_assert_not_null(x->raw = malloc(ev->raw.len + 1));
		if (ev->raw.len)
			memcpy(x->raw, ev->raw.ptr, ev->raw.len);
		x->raw[ev->raw.len] = 0;
		x->raw_len = ev->raw.len;
	}
	cr_assert_eq(rc, LC_DONE, "%s", lc_err_text(&err));
	lc_cursor_close(c);
	cr_assert_eq(lc_tape_close(t, NULL), LC_OK);
	*out = v;
	return n;
}

static inline void
tevs_free(tev *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].raw);
	free(v);
}

static inline size_t
count_kind(const tev *v, size_t n, cx_kind k)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += v[i].kind == k;
	return c;
}

/*
 * A fresh temp dir /tmp/PREFIX-XXXXXX (dir: at least 32 bytes) with the tape
 * and the log paths in it (DIR/tape, DIR/cxrecord.log), its redaction key,
 * and the simulator's demo credentials in the environment.
 */
static inline void
rec_dir_up(const char *prefix, char *dir, size_t dircap, char *tape, size_t tapecap, char *log,
    size_t logcap)
{
	char key[256];

	snprintf(dir, dircap, "/tmp/%s-XXXXXX", prefix);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(tape, tapecap, "%s/tape", dir);
	snprintf(log, logcap, "%s/cxrecord.log", dir);
	snprintf(key, sizeof(key), "%s/redact.key", dir);
	setenv("CXTAPE_KEY_FILE", key, 1);
	setenv("CXONE_CLIENT_ID", "demo-client", 1);
	setenv("CXONE_CLIENT_SECRET", "demo-secret", 1);
}

#endif
