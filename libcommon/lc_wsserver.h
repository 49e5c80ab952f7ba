/* SPDX-License-Identifier: MIT */
/* lc_wsserver: a libwebsockets server (one vhost) behind plain C callbacks: HTTP, WebSocket, timers, loop. */
#ifndef LC_WSSERVER_H
#define LC_WSSERVER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lc_buf.h"
#include "lc_err.h"

/*
 * Who owns what: the server owns the lws context, its vhost, every
 * connection's lws state, each HTTP request's body and reply, and its timers.
 * The application owns its per-connection data (pcd: app_size bytes, zeroed
 * before the WebSocket's open callback, valid until its closed callback
 * returns). libwebsockets is single-threaded: every callback runs on the
 * thread in lc_wss_service / lc_wss_run; lc_wss_cancel is the one call
 * another thread may make.
 */

#define LC_WSS_PRE 16   /* headroom a WebSocket payload needs before it (lc_wss_write_text) */

typedef struct lc_wss lc_wss;
typedef struct lc_wss_conn lc_wss_conn;   /* one connection, HTTP or WebSocket; valid in its callbacks */
typedef struct lc_wss_timer lc_wss_timer;

typedef struct lc_wss_opts {
	const char *host;          /* listen address, "127.0.0.1" (IPv4) */
	int port;                  /* 0: the kernel picks a free one (lc_wss_port) */
	bool tls;
	const char *cert, *key;    /* PEM files when tls */
	const char *name;          /* vhost and WebSocket protocol name; NULL: "lc_wss" */
	size_t app_size;           /* bytes of per-connection data for the application */
	size_t body_max;           /* HTTP request body kept: beyond, body_over (0: 64 KiB) */
	size_t reply_max;          /* HTTP reply body: beyond, a 500 (0: 16 MiB) */
	size_t rx_buffer;          /* lws receive buffer per connection (0: 64 KiB) */
} lc_wss_opts;

typedef struct lc_wss_request {
	const char *method;        /* "GET", "POST", "PUT", ...; "?" when lws names none */
	const char *uri;           /* the path, query not included */
	lc_bytes body;             /* NUL-terminated one past len; ptr NULL when empty */
	bool body_over;            /* over body_max (or announced so): not kept */
} lc_wss_request;

/* Every member may be NULL. ud is lc_wss_open's. */
typedef struct lc_wss_handlers {
	/*
	 * One HTTP request, body read (or announced over body_max: then at once).
	 * Answer with lc_wss_http_reply before returning; no reply hangs up.
	 */
	void (*http)(void *ud, lc_wss_conn *c, const lc_wss_request *rq);
	/* A WebSocket upgrade of uri: 0 accepts; else call lc_wss_refuse and return non-zero. */
	int (*ws_confirm)(void *ud, lc_wss_conn *c, const char *uri);
	int (*ws_open)(void *ud, lc_wss_conn *c, void *pcd);           /* non-zero: hang up */
	void (*ws_receive)(void *ud, lc_wss_conn *c, void *pcd, const void *in, size_t len,
	    bool final);                                                /* final: the message's last part */
	int (*ws_writable)(void *ud, lc_wss_conn *c, void *pcd);       /* non-zero: close now */
	void (*ws_closed)(void *ud, lc_wss_conn *c, void *pcd);
	/*
	 * The loop was woken (on the service thread): after lc_wss_cancel, and at
	 * times for libwebsockets' own reasons, so look at what was queued before
	 * acting (a flag or a queue the other thread filled before cancelling).
	 */
	void (*woken)(void *ud);
} lc_wss_handlers;

/* libwebsockets logs errors only, from here on (process-wide; its default says more). */
void lc_wss_log_errors_only(void);

/* Bind and listen. opts and h are copied; strings in opts are read here only. */
lc_status lc_wss_open(const lc_wss_opts *opts, const lc_wss_handlers *h, void *ud, lc_wss **out,
    lc_err *err) LC_MUST_CHECK;
/* Close every connection (their closed callbacks run) and free; accepts NULL. */
void lc_wss_close(lc_wss *s);
int lc_wss_port(const lc_wss *s);   /* the port bound */

/* One pass of the loop: waits at most timeout_ms (0: returns at once after due work). */
lc_status lc_wss_service(lc_wss *s, int timeout_ms) LC_MUST_CHECK;
/* Serve until *stop (may be NULL) becomes non-zero or lc_wss_stop is called. */
lc_status lc_wss_run(lc_wss *s, const volatile sig_atomic_t *stop) LC_MUST_CHECK;
void lc_wss_stop(lc_wss *s);     /* from a callback: lc_wss_run returns after this pass */
void lc_wss_cancel(lc_wss *s);   /* from any thread: wakes the loop, then h.woken runs */

/* Timers: fn(ud) runs on the loop once, us microseconds after lc_wss_timer_in; freed by lc_wss_close. */
lc_wss_timer *lc_wss_timer_new(lc_wss *s, void (*fn)(void *ud), void *ud);   /* NULL: no memory */
void lc_wss_timer_in(lc_wss_timer *t, uint64_t us);   /* (re)arm; replaces a pending time */

/* ---- on a connection, from its callbacks */

typedef enum lc_wss_header {
	LC_WSS_HDR_AUTHORIZATION,
	LC_WSS_HDR_CONTENT_TYPE,
} lc_wss_header;

/* A request header into out (NUL-terminated): its length, or -1 when absent or too long. */
int lc_wss_header_copy(lc_wss_conn *c, lc_wss_header which, char *out, size_t cap);
/* The value of a query argument ("pageSize=" with its '='), into out; NULL when absent. */
const char *lc_wss_query_arg(lc_wss_conn *c, const char *name_eq, char *out, size_t cap);
int lc_wss_fd(lc_wss_conn *c);   /* the socket, -1 when none */

/*
 * The HTTP reply: status, content type, extra header lines ("name:value\n",
 * may be NULL), body copied (over reply_max: a 500 with no body instead).
 * close_after: hang up once written; else the connection stays for the next
 * request. Written in chunks as the socket takes them. Returns the status sent.
 */
int lc_wss_http_reply(lc_wss_conn *c, int status, const char *content_type, const char *extra,
    const void *body, size_t len, bool close_after);

/*
 * Refuse a WebSocket upgrade (in ws_confirm): "HTTP/1.1 status reason" with
 * extra header lines ("Name: value\r\n", may be ""), a JSON body, then close.
 */
void lc_wss_refuse(lc_wss_conn *c, int status, const char *reason, const char *extra,
    const char *json);

/* WebSocket flow: ask for ws_writable; true while the socket will not take more now. */
void lc_wss_want_write(lc_wss_conn *c);
bool lc_wss_choked(lc_wss_conn *c);
/* One text message; p has LC_WSS_PRE bytes of headroom before it. Bytes written, < n on failure. */
int lc_wss_write_text(lc_wss_conn *c, unsigned char *p, size_t n);
/* Set the close frame's code and reason (then return non-zero from ws_writable). */
void lc_wss_close_reason(lc_wss_conn *c, int code, const char *reason);
/* Drop the connection at once, without a close frame (ws_closed still runs). */
void lc_wss_drop(lc_wss_conn *c);

#endif
