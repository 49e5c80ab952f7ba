/* SPDX-License-Identifier: MIT */
/* rpl_export: JSON lines and HAR 1.2 (REST entries, WebSocket connections as Chrome DevTools writes them). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lc_evjson.h"
#include "lc_jsonw.h"
#include "rpl_export.h"
#include "rpl_select.h"

#define EXPORT_CHUNK      ((size_t)64 << 10)    /* flush the output buffer past this */
#define EXPORT_BUF_MAX    ((size_t)16 << 20)    /* one entry or event, escapes included */
#define HAR_PENDING_MAX   256                    /* REST requests waiting for their response */
#define PROGRESS_EVERY    262144

typedef struct pending {
	uint64_t exchange;
	int64_t wall_ns;
	lc_buf request;          /* the rendered "request":{...} object */
	bool used;
} pending;

typedef struct exporter {
	const rpl_export_opts *o;
	FILE *out;
	lc_buf buf;
	uint64_t n;
	bool first_entry;
	pending *pend;           /* HAR_PENDING_MAX */
	lc_err *err;
} exporter;

lc_status
rpl_export_format_parse(const char *s, rpl_export_format *out, lc_err *err)
{
	if (strcmp(s, "jsonl") == 0)
		*out = RPL_EXPORT_JSONL;
	else if (strcmp(s, "har") == 0)
		*out = RPL_EXPORT_HAR;
	else
		return lc_err_set(err, LC_EINVAL, "unknown export format '%s'; use jsonl or har", s);
	return LC_OK;
}

static lc_status
flush_buf(exporter *x, bool force)
{
	if (!force && x->buf.len < EXPORT_CHUNK)
		return LC_OK;
	if (x->buf.len && fwrite(x->buf.ptr, 1, x->buf.len, x->out) != x->buf.len)
		return lc_err_set(x->err, LC_EIO, "writing the export failed (disk full or a closed "
		    "pipe?)");
	lc_buf_reset(&x->buf);
	return LC_OK;
}

static void
progress(exporter *x, bool last)
{
	if (x->o->progress && (last || x->n % PROGRESS_EVERY == 0))
		fprintf(stderr, "\rcxreplay: %llu events%s", (unsigned long long)x->n, last ? "\n" : "");
}

static lc_status
too_big(exporter *x, lc_status rc, uint64_t seq)
{
	return lc_err_set(x->err, rc, "exporting event %" PRIu64 " failed: %s", seq, lc_strerror(rc));
}

/* ------------------------------------------------------------------ JSON lines */

static lc_status
export_jsonl(lc_tape *t, exporter *x)
{
	lc_cursor *c = NULL;
	const cx_event *ev;
	lc_status rc = lc_cursor_open(t, x->o->sel, &c, x->err);

	while (rc == LC_OK && (rc = lc_cursor_next(c, &ev, x->err)) == LC_OK) {
		rc = lc_evjson_append(&x->buf, ev);
		if (rc != LC_OK)
			rc = too_big(x, rc, ev->seq);
		if (rc == LC_OK)
			rc = flush_buf(x, false);
		x->n++;
		progress(x, false);
	}
	lc_cursor_close(c);
	return rc == LC_DONE ? flush_buf(x, true) : rc;
}

/* ------------------------------------------------------------------ HAR helpers */

/* HAR is written with the one JSON writer (lc_jsonw): each helper appends, the caller checks once. */

static void
put_time_iso(lc_jsonw *w, int64_t ns)
{
	char ts[40];

	rpl_time_format(ns, ts, sizeof ts);
	lc_jsonw_printf(w, "\"%s\"", ts);
}

static void
put_headers(lc_jsonw *w, const cx_event *ev, lc_bytes *ctype)
{
	lc_jsonw_raw(w, "\"headers\":[");
	for (uint32_t i = 0; i < ev->n_headers; i++) {
		const cx_header *h = &ev->headers[i];
		if (h->name.len == 12 && strncasecmp((const char *)h->name.ptr, "content-type", 12) == 0)
			*ctype = h->value;
		lc_jsonw_raw(w, i ? ",{\"name\":" : "{\"name\":");
		lc_jsonw_str(w, h->name);
		lc_jsonw_raw(w, ",\"value\":");
		lc_jsonw_str(w, h->value);
		lc_jsonw_raw(w, "}");
	}
	lc_jsonw_raw(w, "]");
}

/* "queryString":[{"name","value"}] from the path's query, as written (not decoded). */
static void
put_query(lc_jsonw *w, lc_bytes path)
{
	/* An empty path may have no pointer: memchr and NULL + 0 must not see it. */
	const uint8_t *q = path.len ? memchr(path.ptr, '?', path.len) : NULL;
	const uint8_t *end = path.len ? path.ptr + path.len : NULL;
	bool first = true;

	lc_jsonw_raw(w, "\"queryString\":[");
	while (q != NULL && q < end) {
		const uint8_t *s = q + 1, *amp = memchr(s, '&', (size_t)(end - s));
		const uint8_t *e = amp ? amp : end, *eq = memchr(s, '=', (size_t)(e - s));

		q = amp;
		if (e == s)
			continue;
		lc_jsonw_raw(w, first ? "{\"name\":" : ",{\"name\":");
		first = false;
		lc_jsonw_str(w, lc_bytes_make(s, (size_t)((eq ? eq : e) - s)));
		lc_jsonw_raw(w, ",\"value\":");
		lc_jsonw_str(w, eq ? lc_bytes_make(eq + 1, (size_t)(e - eq - 1)) : LC_BYTES_NULL);
		lc_jsonw_raw(w, "}");
	}
	lc_jsonw_raw(w, "]");
}

static void
put_url(lc_jsonw *w, const char *base, bool ws, lc_bytes path)
{
	if (ws && strncmp(base, "https://", 8) == 0)
		lc_jsonw_printf(w, "\"wss://%s", base + 8);
	else if (ws && strncmp(base, "http://", 7) == 0)
		lc_jsonw_printf(w, "\"ws://%s", base + 7);
	else
		lc_jsonw_printf(w, "\"%s", base);
	lc_jsonw_str_body(w, path);
	lc_jsonw_raw(w, "\"");
}

static void
put_request(exporter *x, const cx_event *ev, lc_jsonw *w, bool ws)
{
	lc_bytes ctype = LC_BYTES_NULL;

	lc_jsonw_raw(w, "\"request\":{\"method\":");
	lc_jsonw_str(w, ws ? lc_bytes_str("GET") : ev->method);
	lc_jsonw_raw(w, ",\"url\":");
	put_url(w, x->o->base_url, ws, ev->path);
	lc_jsonw_raw(w, ",\"httpVersion\":\"HTTP/1.1\",\"cookies\":[],");
	put_headers(w, ev, &ctype);
	lc_jsonw_raw(w, ",");
	put_query(w, ev->path);
	if (!ws && ev->raw.len) {
		lc_jsonw_raw(w, ",\"postData\":{\"mimeType\":");
		lc_jsonw_str(w, ctype.len ? ctype : lc_bytes_str("application/octet-stream"));
		lc_jsonw_raw(w, ",\"text\":");
		lc_jsonw_str(w, ev->raw);
		lc_jsonw_raw(w, "}");
	}
	lc_jsonw_printf(w, ",\"headersSize\":-1,\"bodySize\":%zu}", ws ? (size_t)0 : ev->raw.len);
}

/* ,"response":{...} for an HTTP response event, or an empty one (no response: status 0). */
static void
put_response(lc_jsonw *w, const cx_event *ev, int status)
{
	lc_bytes ctype = LC_BYTES_NULL, body = ev ? ev->raw : LC_BYTES_NULL;

	lc_jsonw_printf(w, ",\"response\":{\"status\":%d,\"statusText\":\"%s\","
	    "\"httpVersion\":\"HTTP/1.1\",\"cookies\":[],", status, status == 101 ?
	    "Switching Protocols" : "");
	if (ev != NULL && ev->kind == CX_HTTP_RESPONSE)
		put_headers(w, ev, &ctype);
	else
		lc_jsonw_raw(w, "\"headers\":[]");
	if (ev == NULL || ev->kind != CX_HTTP_RESPONSE)
		body = LC_BYTES_NULL;
	lc_jsonw_printf(w, ",\"content\":{\"size\":%zu,\"mimeType\":", body.len);
	lc_jsonw_str(w, ctype.len ? ctype : lc_bytes_str("x-unknown"));
	if (body.len) {
		lc_jsonw_raw(w, ",\"text\":");
		lc_jsonw_str(w, body);
	}
	lc_jsonw_printf(w, "},\"redirectURL\":\"\",\"headersSize\":-1,\"bodySize\":%zu}", body.len);
}

static void
entry_begin(exporter *x, lc_jsonw *w, int64_t wall_ns)
{
	lc_jsonw_raw(w, x->first_entry ? "\n{\"startedDateTime\":" : ",\n{\"startedDateTime\":");
	x->first_entry = false;
	put_time_iso(w, wall_ns);
}

/* ------------------------------------------------------------------ HAR, REST pass */

static lc_status
rest_entry(exporter *x, pending *p, const cx_event *resp)
{
	double ms = resp ? (double)(resp->wall_ns - p->wall_ns) / 1e6 : 0;
	lc_jsonw w;
	lc_status rc;

	if (ms < 0)
		ms = 0;
	lc_jsonw_init(&w, &x->buf);
	entry_begin(x, &w, p->wall_ns);
	lc_jsonw_printf(&w, ",\"time\":%.3f,", ms);
	lc_jsonw_raw_n(&w, p->request.ptr, p->request.len);
	put_response(&w, resp, resp ? resp->status : 0);
	lc_jsonw_printf(&w, ",\"cache\":{},\"timings\":{\"send\":0,\"wait\":%.3f,"
	    "\"receive\":0}}", ms);
	rc = lc_jsonw_end(&w);
	p->used = false;
	lc_buf_reset(&p->request);
	return rc == LC_OK ? flush_buf(x, false) : rc;
}

static pending *
pending_slot(exporter *x, uint64_t exchange)
{
	for (size_t i = 0; i < HAR_PENDING_MAX; i++)
		if (x->pend[i].used && x->pend[i].exchange == exchange)
			return &x->pend[i];
	return NULL;
}

static lc_status
rest_request(exporter *x, const cx_event *ev)
{
	pending *p = NULL, *oldest = NULL;
	lc_status rc = LC_OK;

	for (size_t i = 0; i < HAR_PENDING_MAX && p == NULL; i++) {
		if (!x->pend[i].used)
			p = &x->pend[i];
		else if (oldest == NULL || x->pend[i].wall_ns < oldest->wall_ns)
			oldest = &x->pend[i];
	}
	if (p == NULL) {              /* the table is full: the oldest never got an answer */
		rc = rest_entry(x, oldest, NULL);
		p = oldest;
	}
	if (rc == LC_OK) {
		lc_jsonw w;

		lc_jsonw_init(&w, &p->request);
		put_request(x, ev, &w, false);
		rc = lc_jsonw_end(&w);
	}
	if (rc != LC_OK)
		return too_big(x, rc, ev->seq);
	p->used = true;
	p->exchange = ev->exchange;
	p->wall_ns = ev->wall_ns;
	return LC_OK;
}

static lc_status
har_rest_pass(lc_tape *t, exporter *x)
{
	lc_cursor *c = NULL;
	const cx_event *ev;
	lc_status rc = lc_cursor_open(t, x->o->sel, &c, x->err);

	while (rc == LC_OK && (rc = lc_cursor_next(c, &ev, x->err)) == LC_OK) {
		pending *p;

		x->n++;
		progress(x, false);
		if (ev->kind == CX_HTTP_REQUEST)
			rc = rest_request(x, ev);
		else if (ev->kind == CX_HTTP_RESPONSE && (p = pending_slot(x, ev->exchange)) != NULL)
			rc = rest_entry(x, p, ev);
	}
	lc_cursor_close(c);
	for (size_t i = 0; rc == LC_DONE && i < HAR_PENDING_MAX; i++)
		if (x->pend[i].used && (rc = rest_entry(x, &x->pend[i], NULL)) == LC_OK)
			rc = LC_DONE;
	return rc;
}

/* ------------------------------------------------------------------ HAR, WebSocket pass */

typedef struct wsent {
	bool open;
	bool first_msg;
	int64_t start_ns, last_ns;
} wsent;

static lc_status
ws_close(exporter *x, wsent *w)
{
	lc_status rc;

	if (!w->open)
		return LC_OK;
	w->open = false;
	rc = lc_buf_printf(&x->buf, "],\"time\":%.3f}", (double)(w->last_ns - w->start_ns) / 1e6);
	return rc == LC_OK ? flush_buf(x, false) : rc;
}

static lc_status
ws_open(exporter *x, wsent *ws, const cx_event *ev)
{
	cx_event none = {.path = lc_bytes_str("/api/v2/chat/stream")};
	const cx_event *src = ev->kind == CX_STREAM_OPEN ? ev : &none;
	lc_status rc = ws_close(x, ws);
	lc_jsonw w;

	if (rc != LC_OK)
		return rc;
	lc_jsonw_init(&w, &x->buf);
	entry_begin(x, &w, ev->wall_ns);
	lc_jsonw_raw(&w, ",");
	put_request(x, src, &w, true);
	put_response(&w, src, src->status ? src->status : 101);
	lc_jsonw_raw(&w, ",\"cache\":{},\"timings\":{\"send\":0,\"wait\":0,"
	    "\"receive\":0},\"_resourceType\":\"websocket\",\"_webSocketMessages\":[");
	ws->open = true;
	ws->first_msg = true;
	ws->start_ns = ws->last_ns = ev->wall_ns;
	return lc_jsonw_end(&w);
}

static lc_status
ws_message(exporter *x, wsent *ws, const cx_event *ev)
{
	bool bin = (ev->flags & CX_F_BINARY) != 0;
	lc_jsonw w;
	lc_status rc;

	lc_jsonw_init(&w, &x->buf);
	lc_jsonw_printf(&w, "%s{\"type\":\"%s\",\"time\":%" PRId64 ".%06" PRId64
	    ",\"opcode\":%d,\"data\":", ws->first_msg ? "" : ",", ev->kind == CX_FRAME_OUT ? "send" :
	    "receive", ev->wall_ns / 1000000000, ev->wall_ns % 1000000000 / 1000, bin ? 2 : 1);
	ws->first_msg = false;
	ws->last_ns = ev->wall_ns;
	if (bin)
		lc_jsonw_base64(&w, ev->raw);
	else
		lc_jsonw_str(&w, ev->raw);
	lc_jsonw_raw(&w, "}");
	rc = lc_jsonw_end(&w);
	return rc == LC_OK ? flush_buf(x, false) : rc;
}

/* One connection is open at a time on a tape (one writer, sessions in turn): one scan writes all. */
static lc_status
har_ws_pass(lc_tape *t, exporter *x)
{
	lc_cursor *c = NULL;
	const cx_event *ev;
	wsent w = {0};
	lc_status rc = lc_cursor_open(t, x->o->sel, &c, x->err);

	while (rc == LC_OK && (rc = lc_cursor_next(c, &ev, x->err)) == LC_OK) {
		if (ev->kind == CX_STREAM_OPEN)
			rc = ws_open(x, &w, ev);
		else if (ev->kind == CX_FRAME_IN || ev->kind == CX_FRAME_OUT) {
			if (!w.open)
				rc = ws_open(x, &w, ev);   /* the selection began inside a connection */
			if (rc == LC_OK)
				rc = ws_message(x, &w, ev);
		} else if (ev->kind == CX_STREAM_CLOSE && w.open) {
			w.last_ns = ev->wall_ns;
			rc = ws_close(x, &w);
		}
		if (rc != LC_OK && rc != LC_DONE && x->err != NULL && x->err->status == LC_OK)
			rc = too_big(x, rc, ev->seq);
	}
	lc_cursor_close(c);
	if (rc == LC_DONE && (rc = ws_close(x, &w)) == LC_OK)
		rc = LC_DONE;
	return rc;
}

static lc_status
export_har(lc_tape *t, exporter *x)
{
	lc_status rc = lc_buf_printf(&x->buf, "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":"
	    "\"cxreplay\",\"version\":\"%s\"},\"pages\":[],\"entries\":[", CXTAPE_VERSION);

	x->pend = calloc(HAR_PENDING_MAX, sizeof *x->pend);
	if (x->pend == NULL)
		return lc_err_set(x->err, LC_ENOMEM, "out of memory for the HAR request table");
	for (size_t i = 0; i < HAR_PENDING_MAX; i++)
		lc_buf_init(&x->pend[i].request, EXPORT_BUF_MAX);
	x->first_entry = true;
	if (rc == LC_OK)
		rc = har_rest_pass(t, x);
	if (rc == LC_DONE)
		rc = har_ws_pass(t, x);
	if (rc == LC_DONE)
		rc = lc_buf_append_str(&x->buf, "\n]}}\n");
	if (rc == LC_OK)
		rc = flush_buf(x, true);
	for (size_t i = 0; i < HAR_PENDING_MAX; i++)
		lc_buf_free(&x->pend[i].request);
	free(x->pend);
	return rc;
}

lc_status
rpl_export_run(lc_tape *t, const rpl_export_opts *o, FILE *out, uint64_t *n_events, lc_err *err)
{
	rpl_export_opts oo = *o;
	exporter x = {.o = &oo, .out = out, .err = err};
	lc_status rc;

	if (oo.base_url == NULL)
		oo.base_url = "https://cxone.invalid";
	lc_buf_init(&x.buf, EXPORT_BUF_MAX);
	rc = o->format == RPL_EXPORT_HAR ? export_har(t, &x) : export_jsonl(t, &x);
	if (rc == LC_OK && fflush(out) != 0)
		rc = lc_err_set(err, LC_EIO, "writing the export failed (disk full or a closed pipe?)");
	progress(&x, true);
	if (n_events != NULL)
		*n_events = x.n;
	lc_buf_free(&x.buf);
	return rc;
}
