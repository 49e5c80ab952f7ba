/* SPDX-License-Identifier: MIT */
/* lc_wsserver: libwebsockets wrapped once on the server side (the only server-side includer). */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lc_wsserver.h"

_Static_assert(LC_WSS_PRE >= LWS_PRE, "LC_WSS_PRE must cover libwebsockets' LWS_PRE");

#define WSS_BODY_MAX_DEFAULT  ((size_t)64 << 10)
#define WSS_REPLY_MAX_DEFAULT ((size_t)16 << 20)
#define WSS_RX_DEFAULT        65536
#define WSS_NAME_MAX          64
#define WSS_CHUNK             16384   /* reply body bytes per lws_write */

struct lc_wss_timer {
	lws_sorted_usec_list_t sul;
	lc_wss *s;
	void (*fn)(void *ud);
	void *ud;
	struct lc_wss_timer *next;
};

struct lc_wss {
	struct lws_context *ctx;
	struct lws_protocols protocols[2];
	char name[WSS_NAME_MAX];
	lc_wss_handlers h;
	void *ud;
	size_t app_size, body_max, reply_max;
	int port;
	bool stopping;
	lc_wss_timer *timers;
};

typedef enum pss_kind { PSS_NONE, PSS_HTTP, PSS_WS } pss_kind;

/* lws's per-connection storage: the server's part, then the application's. */
typedef struct wss_pss {
	pss_kind kind;
	char method[8];
	char uri[256];
	lc_buf body;
	bool body_over, responding, close_after, headers_done;
	int status;
	char ctype[64];
	char extra[256];              /* extra header lines, "name:value\n" */
	lc_buf resp;
	size_t resp_off;
	max_align_t app[];            /* app_size bytes */
} wss_pss;

static struct lws *W(lc_wss_conn *c) { return (struct lws *)c; }
static lc_wss_conn *C(struct lws *wsi) { return (lc_wss_conn *)wsi; }

/* ------------------------------------------------------------------ HTTP */

static void
http_free(wss_pss *p)
{
	lc_buf_free(&p->body);
	lc_buf_free(&p->resp);
}

/* Hand the complete request to the application; no reply from it is a 500. */
static void
http_dispatch(lc_wss *s, struct lws *wsi, wss_pss *p)
{
	lc_wss_request rq = {p->method, p->uri, lc_buf_bytes(&p->body), p->body_over};

	if (s->h.http)
		s->h.http(s->ud, C(wsi), &rq);
	if (!p->responding)
		lc_wss_http_reply(C(wsi), 500, "text/plain", NULL, "", 0, true);
}

static const struct { enum lws_token_indexes tok; const char *name; } methods[] = {
	{WSI_TOKEN_GET_URI, "GET"}, {WSI_TOKEN_POST_URI, "POST"}, {WSI_TOKEN_PUT_URI, "PUT"},
	{WSI_TOKEN_DELETE_URI, "DELETE"}, {WSI_TOKEN_PATCH_URI, "PATCH"},
	{WSI_TOKEN_OPTIONS_URI, "OPTIONS"}, {WSI_TOKEN_HEAD_URI, "HEAD"},
};

static int
http_begin(lc_wss *s, struct lws *wsi, wss_pss *p, const char *uri)
{
	char cl[32];
	size_t i, n = sizeof(methods) / sizeof(methods[0]);

	http_free(p);
	memset(p, 0, sizeof(*p));
	p->kind = PSS_HTTP;
	lc_buf_init(&p->body, s->body_max);
	snprintf(p->uri, sizeof(p->uri), "%s", uri);
	for (i = 0; i < n; i++)
		if (lws_hdr_total_length(wsi, methods[i].tok) > 0)
			break;
	snprintf(p->method, sizeof(p->method), "%s", i < n ? methods[i].name : "?");
	if (lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 && atol(cl) > 0) {
		if ((size_t)atol(cl) > s->body_max) {
			p->body_over = true;
			http_dispatch(s, wsi, p);
			lws_callback_on_writable(wsi);
		}
		return 0;   /* the body follows */
	}
	http_dispatch(s, wsi, p);
	lws_callback_on_writable(wsi);
	return 0;
}

static int
http_headers(struct lws *wsi, wss_pss *p)
{
	unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *o = start, *end = buf + sizeof(buf);
	char *line = p->extra, *nl;

	if (lws_add_http_common_headers(wsi, (unsigned)p->status, p->ctype, p->resp.len, &o, end))
		return -1;
	while (*line && (nl = strchr(line, '\n')) != NULL) {
		char *colon = strchr(line, ':');
		if (colon && colon < nl) {
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)(colon - line + 1), line);
			if (lws_add_http_header_by_name(wsi, (const unsigned char *)name,
			                                (const unsigned char *)colon + 1,
			                                (int)(nl - colon - 1), &o, end))
				return -1;
		}
		line = nl + 1;
	}
	if (p->close_after && lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
	                                                  (const unsigned char *)"close", 5, &o, end))
		return -1;
	if (lws_finalize_write_http_header(wsi, start, &o, end))
		return -1;
	p->headers_done = true;
	lws_callback_on_writable(wsi);
	return 0;
}

/* Write the headers, then the body in chunks, one lws_write per writable callback. */
static int
http_write(struct lws *wsi, wss_pss *p)
{
	unsigned char buf[LWS_PRE + WSS_CHUNK], *start = buf + LWS_PRE;
	size_t left = p->resp.len - p->resp_off, n;
	int final;

	if (!p->headers_done)
		return http_headers(wsi, p);
	n = left < WSS_CHUNK ? left : WSS_CHUNK;
	final = n == left;
	if (n > 0)   /* an empty body has no buffer at all */
		memcpy(start, p->resp.ptr + p->resp_off, n);
	if (lws_write(wsi, start, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
		return -1;
	p->resp_off += n;
	if (!final) {
		lws_callback_on_writable(wsi);
		return 0;
	}
	p->responding = false;
	http_free(p);
	if (p->close_after)
		return -1;
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int
lc_wss_http_reply(lc_wss_conn *c, int status, const char *content_type, const char *extra,
    const void *body, size_t len, bool close_after)
{
	lc_wss *s = lws_context_user(lws_get_context(W(c)));
	wss_pss *p = lws_wsi_user(W(c));

	lc_buf_free(&p->resp);
	lc_buf_init(&p->resp, s->reply_max);
	if (len && lc_buf_append(&p->resp, body, len) != LC_OK)
		status = 500;
	p->status = status;
	snprintf(p->ctype, sizeof(p->ctype), "%s", content_type ? content_type : "application/octet-stream");
	snprintf(p->extra, sizeof(p->extra), "%s", extra ? extra : "");
	p->close_after = close_after;
	p->resp_off = 0;
	p->responding = true;
	p->headers_done = false;
	lws_callback_on_writable(W(c));
	return status;
}

/* ------------------------------------------------------------------ WebSocket */

void
lc_wss_refuse(lc_wss_conn *c, int status, const char *reason, const char *extra, const char *json)
{
	unsigned char buf[LWS_PRE + 1024];
	int n = snprintf((char *)buf + LWS_PRE, sizeof(buf) - LWS_PRE,
	                 "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n%sContent-Length: %zu\r\n"
	                 "Connection: close\r\n\r\n%s", status, reason, extra ? extra : "", strlen(json), json);

	if (n > 0 && (size_t)n < sizeof(buf) - LWS_PRE)
		lws_write(W(c), buf + LWS_PRE, (size_t)n, LWS_WRITE_HTTP_HEADERS);
}

static int
ws_confirm(lc_wss *s, struct lws *wsi)
{
	char uri[256];

	if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) <= 0)
		uri[0] = 0;
	return s->h.ws_confirm ? s->h.ws_confirm(s->ud, C(wsi), uri) : 0;
}

static int
ws_open(lc_wss *s, struct lws *wsi, wss_pss *p)
{
	if (p->kind == PSS_HTTP)
		http_free(p);
	memset(p, 0, sizeof(*p) + s->app_size);
	p->kind = PSS_WS;
	return s->h.ws_open ? s->h.ws_open(s->ud, C(wsi), p->app) : 0;
}

void lc_wss_want_write(lc_wss_conn *c) { lws_callback_on_writable(W(c)); }
bool lc_wss_choked(lc_wss_conn *c) { return lws_send_pipe_choked(W(c)) != 0; }
int lc_wss_fd(lc_wss_conn *c) { return (int)lws_get_socket_fd(W(c)); }

int
lc_wss_write_text(lc_wss_conn *c, unsigned char *p, size_t n)
{
	return lws_write(W(c), p, n, LWS_WRITE_TEXT);
}

void
lc_wss_close_reason(lc_wss_conn *c, int code, const char *reason)
{
	lws_close_reason(W(c), (enum lws_close_status)code, (unsigned char *)(uintptr_t)reason,
	                 strlen(reason));
}

void
lc_wss_drop(lc_wss_conn *c)
{
	lws_set_timeout(W(c), PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

int
lc_wss_header_copy(lc_wss_conn *c, lc_wss_header which, char *out, size_t cap)
{
	enum lws_token_indexes t = which == LC_WSS_HDR_AUTHORIZATION ? WSI_TOKEN_HTTP_AUTHORIZATION
	                                                              : WSI_TOKEN_HTTP_CONTENT_TYPE;

	return lws_hdr_copy(W(c), out, (int)cap, t);
}

const char *
lc_wss_query_arg(lc_wss_conn *c, const char *name_eq, char *out, size_t cap)
{
	return lws_get_urlarg_by_name(W(c), name_eq, out, (int)cap);
}

/* ------------------------------------------------------------------ the lws callback */

static int
wss_http_event(lc_wss *s, struct lws *wsi, enum lws_callback_reasons reason, wss_pss *p, void *in,
    size_t len)
{
	switch (reason) {
	case LWS_CALLBACK_HTTP:
		return http_begin(s, wsi, p, in ? (const char *)in : "/");
	case LWS_CALLBACK_HTTP_BODY:
		if (!p->body_over && lc_buf_append(&p->body, in, len) != LC_OK)
			p->body_over = true;
		return 0;
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (!p->responding)
			http_dispatch(s, wsi, p);
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return p && p->responding ? http_write(wsi, p) : 0;
	default:   /* LWS_CALLBACK_CLOSED_HTTP, LWS_CALLBACK_HTTP_DROP_PROTOCOL */
		if (p && p->kind == PSS_HTTP) {
			http_free(p);
			p->kind = PSS_NONE;
		}
		return 0;
	}
}

static int
wss_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	lc_wss *s = lws_context_user(lws_get_context(wsi));
	wss_pss *p = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
	case LWS_CALLBACK_HTTP_BODY:
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
	case LWS_CALLBACK_HTTP_WRITEABLE:
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		return wss_http_event(s, wsi, reason, p, in, len);
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return ws_confirm(s, wsi);
	case LWS_CALLBACK_ESTABLISHED:
		return ws_open(s, wsi, p);
	case LWS_CALLBACK_RECEIVE:
		if (s->h.ws_receive)
			s->h.ws_receive(s->ud, C(wsi), p->app, in, len, lws_is_final_fragment(wsi) != 0);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return s->h.ws_writable ? s->h.ws_writable(s->ud, C(wsi), p->app) : 0;
	case LWS_CALLBACK_CLOSED:
		if (s->h.ws_closed)
			s->h.ws_closed(s->ud, C(wsi), p->app);
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (s != NULL && s->h.woken)
			s->h.woken(s->ud);
		return 0;
	default:
		return 0;
	}
}

/* ------------------------------------------------------------------ open / loop / timers / close */

static lc_status
wss_listen(lc_wss *s, const lc_wss_opts *o, lc_err *err)
{
	struct lws_context_creation_info info;
	struct lws_vhost *vh;

	memset(&info, 0, sizeof(info));
	info.port = o->port;
	info.iface = o->host;
	info.protocols = s->protocols;
	info.user = s;
	info.max_http_header_data = 8192;
	info.alpn = "http/1.1";
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	info.vhost_name = s->name;
	if (o->tls) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = o->cert;
		info.ssl_private_key_filepath = o->key;
	}
	if ((s->ctx = lws_create_context(&info)) == NULL)
		return lc_err_set(err, LC_ENET, "cannot listen on %s:%d%s; is the address free and local%s?",
		                  o->host, o->port, o->tls ? " with TLS" : "",
		                  o->tls ? ", and are the certificate and key readable PEM files" : "");
	vh = lws_get_vhost_by_name(s->ctx, s->name);
	s->port = vh ? lws_get_vhost_listen_port(vh) : -1;
	if (s->port <= 0)
		return lc_err_set(err, LC_ENET, "cannot find the port %s listens on", s->name);
	return LC_OK;
}

void
lc_wss_log_errors_only(void)
{
	lws_set_log_level(LLL_ERR, NULL);
}

lc_status
lc_wss_open(const lc_wss_opts *o, const lc_wss_handlers *h, void *ud, lc_wss **out, lc_err *err)
{
	lc_wss *s;
	lc_status rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory");
	snprintf(s->name, sizeof(s->name), "%s", o->name ? o->name : "lc_wss");
	if (h)
		s->h = *h;
	s->ud = ud;
	s->app_size = o->app_size;
	s->body_max = o->body_max ? o->body_max : WSS_BODY_MAX_DEFAULT;
	s->reply_max = o->reply_max ? o->reply_max : WSS_REPLY_MAX_DEFAULT;
	s->protocols[0] = (struct lws_protocols){s->name, wss_callback, sizeof(wss_pss) + o->app_size,
	                                         o->rx_buffer ? o->rx_buffer : WSS_RX_DEFAULT, 0, NULL, 0};
	if ((rc = wss_listen(s, o, err)) != LC_OK) {
		lc_wss_close(s);
		return rc;
	}
	*out = s;
	return LC_OK;
}

int lc_wss_port(const lc_wss *s) { return s->port; }
void lc_wss_stop(lc_wss *s) { s->stopping = true; }
void lc_wss_cancel(lc_wss *s) { lws_cancel_service(s->ctx); }

lc_status
lc_wss_service(lc_wss *s, int timeout_ms)
{
	return lws_service(s->ctx, timeout_ms) < 0 ? LC_ENET : LC_OK;
}

lc_status
lc_wss_run(lc_wss *s, const volatile sig_atomic_t *stop)
{
	lc_status rc = LC_OK;

	s->stopping = false;
	while (rc == LC_OK && !s->stopping && !(stop && *stop))
		rc = lc_wss_service(s, 0);
	return rc;
}

static void
timer_fire(lws_sorted_usec_list_t *sul)
{
	lc_wss_timer *t = lws_container_of(sul, lc_wss_timer, sul);

	t->fn(t->ud);
}

lc_wss_timer *
lc_wss_timer_new(lc_wss *s, void (*fn)(void *ud), void *ud)
{
	lc_wss_timer *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->s = s;
	t->fn = fn;
	t->ud = ud;
	t->next = s->timers;
	s->timers = t;
	return t;
}

void
lc_wss_timer_in(lc_wss_timer *t, uint64_t us)
{
	lws_sul_schedule(t->s->ctx, 0, &t->sul, timer_fire, (lws_usec_t)us);
}

void
lc_wss_close(lc_wss *s)
{
	if (s == NULL)
		return;
	if (s->ctx)
		lws_context_destroy(s->ctx);   /* closes every connection: their closed callbacks run */
	while (s->timers) {
		lc_wss_timer *t = s->timers;
		s->timers = t->next;
		free(t);
	}
	free(s);
}
