/* SPDX-License-Identifier: MIT */
/* rpl_export: JSON lines and HAR 1.2 (REST entries, WebSocket connections as Chrome DevTools writes them). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lc_evjson.h"
#include "lc_json.h"
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

static lc_status
put_b64(lc_buf *out, lc_bytes b)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	lc_status rc = lc_buf_reserve(out, (b.len + 2) / 3 * 4 + 2);

	if (rc != LC_OK)
		return rc;
	out->ptr[out->len++] = '"';
	for (size_t i = 0; i < b.len; i += 3) {
		uint32_t v = (uint32_t)b.ptr[i] << 16;
		if (i + 1 < b.len)
			v |= (uint32_t)b.ptr[i + 1] << 8;
		if (i + 2 < b.len)
			v |= b.ptr[i + 2];
		out->ptr[out->len++] = tab[v >> 18];
		out->ptr[out->len++] = tab[(v >> 12) & 63];
		out->ptr[out->len++] = i + 1 < b.len ? tab[(v >> 6) & 63] : '=';
		out->ptr[out->len++] = i + 2 < b.len ? tab[v & 63] : '=';
	}
	out->ptr[out->len++] = '"';
	out->ptr[out->len] = 0;
	return LC_OK;
}

static lc_status
put_str(lc_buf *out, lc_bytes s)
{
	return lc_json_append_string(out, s);
}

static lc_status
put_time_iso(lc_buf *out, int64_t ns)
{
	char ts[40];

	rpl_time_format(ns, ts, sizeof ts);
	return lc_buf_printf(out, "\"%s\"", ts);
}

static lc_status
put_headers(lc_buf *out, const cx_event *ev, lc_bytes *ctype)
{
	lc_status rc = lc_buf_append_str(out, "\"headers\":[");

	for (uint32_t i = 0; rc == LC_OK && i < ev->n_headers; i++) {
		const cx_header *h = &ev->headers[i];
		if (h->name.len == 12 && strncasecmp((const char *)h->name.ptr, "content-type", 12) == 0)
			*ctype = h->value;
		rc = lc_buf_append_str(out, i ? ",{\"name\":" : "{\"name\":");
		if (rc == LC_OK)
			rc = put_str(out, h->name);
		if (rc == LC_OK)
			rc = lc_buf_append_str(out, ",\"value\":");
		if (rc == LC_OK)
			rc = put_str(out, h->value);
		if (rc == LC_OK)
			rc = lc_buf_append_str(out, "}");
	}
	return rc == LC_OK ? lc_buf_append_str(out, "]") : rc;
}

/* "queryString":[{"name","value"}] from the path's query, as written (not decoded). */
static lc_status
put_query(lc_buf *out, lc_bytes path)
{
	/* An empty path may have no pointer: memchr and NULL + 0 must not see it. */
	const uint8_t *q = path.len ? memchr(path.ptr, '?', path.len) : NULL;
	const uint8_t *end = path.len ? path.ptr + path.len : NULL;
	lc_status rc = lc_buf_append_str(out, "\"queryString\":[");
	bool first = true;

	while (rc == LC_OK && q != NULL && q < end) {
		const uint8_t *s = q + 1, *amp = memchr(s, '&', (size_t)(end - s));
		const uint8_t *e = amp ? amp : end, *eq = memchr(s, '=', (size_t)(e - s));

		q = amp;
		if (e == s)
			continue;
		rc = lc_buf_append_str(out, first ? "{\"name\":" : ",{\"name\":");
		first = false;
		if (rc == LC_OK)
			rc = put_str(out, lc_bytes_make(s, (size_t)((eq ? eq : e) - s)));
		if (rc == LC_OK)
			rc = lc_buf_append_str(out, ",\"value\":");
		if (rc == LC_OK)
			rc = put_str(out, eq ? lc_bytes_make(eq + 1, (size_t)(e - eq - 1)) : LC_BYTES_NULL);
		if (rc == LC_OK)
			rc = lc_buf_append_str(out, "}");
	}
	return rc == LC_OK ? lc_buf_append_str(out, "]") : rc;
}

static lc_status
put_url(lc_buf *out, const char *base, bool ws, lc_bytes path)
{
	lc_status rc;

	if (ws && strncmp(base, "https://", 8) == 0)
		rc = lc_buf_printf(out, "\"wss://%s", base + 8);
	else if (ws && strncmp(base, "http://", 7) == 0)
		rc = lc_buf_printf(out, "\"ws://%s", base + 7);
	else
		rc = lc_buf_printf(out, "\"%s", base);
	if (rc == LC_OK) {
		size_t mark = out->len;
		rc = put_str(out, path);                 /* escaped, with its own quotes */
		if (rc == LC_OK) {
			memmove(out->ptr + mark, out->ptr + mark + 1, out->len - mark - 1);
			out->len--;
			out->ptr[out->len] = 0;
		}
	}
	return rc;
}

static lc_status
put_request(exporter *x, const cx_event *ev, lc_buf *out, bool ws)
{
	lc_bytes ctype = LC_BYTES_NULL;
	lc_status rc = lc_buf_append_str(out, "\"request\":{\"method\":");

	if (rc == LC_OK)
		rc = put_str(out, ws ? lc_bytes_str("GET") : ev->method);
	if (rc == LC_OK)
		rc = lc_buf_append_str(out, ",\"url\":");
	if (rc == LC_OK)
		rc = put_url(out, x->o->base_url, ws, ev->path);
	if (rc == LC_OK)
		rc = lc_buf_append_str(out, ",\"httpVersion\":\"HTTP/1.1\",\"cookies\":[],");
	if (rc == LC_OK)
		rc = put_headers(out, ev, &ctype);
	if (rc == LC_OK)
		rc = lc_buf_append_str(out, ",");
	if (rc == LC_OK)
		rc = put_query(out, ev->path);
	if (rc == LC_OK && !ws && ev->raw.len) {
		rc = lc_buf_append_str(out, ",\"postData\":{\"mimeType\":");
		if (rc == LC_OK)
			rc = put_str(out, ctype.len ? ctype : lc_bytes_str("application/octet-stream"));
		if (rc == LC_OK)
			rc = lc_buf_append_str(out, ",\"text\":");
		if (rc == LC_OK)
			rc = put_str(out, ev->raw);
		if (rc == LC_OK)
			rc = lc_buf_append_str(out, "}");
	}
	if (rc == LC_OK)
		rc = lc_buf_printf(out, ",\"headersSize\":-1,\"bodySize\":%zu}", ws ? (size_t)0 : ev->raw.len);
	return rc;
}

/* ,"response":{...} for an HTTP response event, or an empty one (no response: status 0). */
static lc_status
put_response(lc_buf *out, const cx_event *ev, int status)
{
	lc_bytes ctype = LC_BYTES_NULL, body = ev ? ev->raw : LC_BYTES_NULL;
	lc_status rc = lc_buf_printf(out, ",\"response\":{\"status\":%d,\"statusText\":\"%s\","
	    "\"httpVersion\":\"HTTP/1.1\",\"cookies\":[],", status, status == 101 ?
	    "Switching Protocols" : "");

	if (rc == LC_OK)
		rc = ev != NULL && ev->kind == CX_HTTP_RESPONSE ? put_headers(out, ev, &ctype) :
		    lc_buf_append_str(out, "\"headers\":[]");
	if (ev == NULL || ev->kind != CX_HTTP_RESPONSE)
		body = LC_BYTES_NULL;
	if (rc == LC_OK)
		rc = lc_buf_printf(out, ",\"content\":{\"size\":%zu,\"mimeType\":", body.len);
	if (rc == LC_OK)
		rc = put_str(out, ctype.len ? ctype : lc_bytes_str("x-unknown"));
	if (rc == LC_OK && body.len) {
		rc = lc_buf_append_str(out, ",\"text\":");
		if (rc == LC_OK)
			rc = put_str(out, body);
	}
	if (rc == LC_OK)
		rc = lc_buf_printf(out, "},\"redirectURL\":\"\",\"headersSize\":-1,\"bodySize\":%zu}",
		    body.len);
	return rc;
}

static lc_status
entry_begin(exporter *x, int64_t wall_ns)
{
	lc_status rc = lc_buf_append_str(&x->buf, x->first_entry ? "\n{\"startedDateTime\":" :
	    ",\n{\"startedDateTime\":");

	x->first_entry = false;
	return rc == LC_OK ? put_time_iso(&x->buf, wall_ns) : rc;
}

/* ------------------------------------------------------------------ HAR, REST pass */

static lc_status
rest_entry(exporter *x, pending *p, const cx_event *resp)
{
	double ms = resp ? (double)(resp->wall_ns - p->wall_ns) / 1e6 : 0;
	lc_status rc;

	if (ms < 0)
		ms = 0;
	rc = entry_begin(x, p->wall_ns);
	if (rc == LC_OK)
		rc = lc_buf_printf(&x->buf, ",\"time\":%.3f,", ms);
	if (rc == LC_OK)
		rc = lc_buf_append(&x->buf, p->request.ptr, p->request.len);
	if (rc == LC_OK)
		rc = put_response(&x->buf, resp, resp ? resp->status : 0);
	if (rc == LC_OK)
		rc = lc_buf_printf(&x->buf, ",\"cache\":{},\"timings\":{\"send\":0,\"wait\":%.3f,"
		    "\"receive\":0}}", ms);
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
	if (rc == LC_OK)
		rc = put_request(x, ev, &p->request, false);
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
ws_open(exporter *x, wsent *w, const cx_event *ev)
{
	cx_event none = {.path = lc_bytes_str("/api/v2/chat/stream")};
	const cx_event *src = ev->kind == CX_STREAM_OPEN ? ev : &none;
	lc_status rc = ws_close(x, w);

	if (rc == LC_OK)
		rc = entry_begin(x, ev->wall_ns);
	if (rc == LC_OK)
		rc = lc_buf_append_str(&x->buf, ",");
	if (rc == LC_OK)
		rc = put_request(x, src, &x->buf, true);
	if (rc == LC_OK)
		rc = put_response(&x->buf, src, src->status ? src->status : 101);
	if (rc == LC_OK)
		rc = lc_buf_append_str(&x->buf, ",\"cache\":{},\"timings\":{\"send\":0,\"wait\":0,"
		    "\"receive\":0},\"_resourceType\":\"websocket\",\"_webSocketMessages\":[");
	w->open = true;
	w->first_msg = true;
	w->start_ns = w->last_ns = ev->wall_ns;
	return rc;
}

static lc_status
ws_message(exporter *x, wsent *w, const cx_event *ev)
{
	bool bin = (ev->flags & CX_F_BINARY) != 0;
	lc_status rc = lc_buf_printf(&x->buf, "%s{\"type\":\"%s\",\"time\":%" PRId64 ".%06" PRId64
	    ",\"opcode\":%d,\"data\":", w->first_msg ? "" : ",", ev->kind == CX_FRAME_OUT ? "send" :
	    "receive", ev->wall_ns / 1000000000, ev->wall_ns % 1000000000 / 1000, bin ? 2 : 1);

	w->first_msg = false;
	w->last_ns = ev->wall_ns;
	if (rc == LC_OK)
		rc = bin ? put_b64(&x->buf, ev->raw) : put_str(&x->buf, ev->raw);
	if (rc == LC_OK)
		rc = lc_buf_append_str(&x->buf, "}");
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
