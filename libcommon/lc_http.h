/* SPDX-License-Identifier: MIT */
/* lc_http: the recorder's HTTP client (the only user of libcurl); every exchange lands on the tape. */
#ifndef REC_HTTP_H
#define REC_HTTP_H

#include <stdbool.h>

#include "lc_buf.h"
#include "lc_err.h"
#include "lc_event.h"

#define LC_HTTP_BODY_MAX ((size_t)8 << 20)   /* a response body kept: 8 MiB */
#define LC_URL_MAX 1024

typedef struct lc_tls_opts {
	const char *cacert;   /* PEM bundle to verify the server with (the simulator's certificate) */
	bool insecure;        /* skip peer verification (warned about loudly by the caller) */
} lc_tls_opts;

/*
 * Where the client's exchanges go (the recorder: its tape). exchange gives a
 * fresh number pairing a request with its response; put takes one event
 * (CX_HTTP_REQUEST, CX_HTTP_RESPONSE, or what lc_http_record is given),
 * borrowed for the call. Both are called from the thread making the call.
 */
typedef struct lc_http_tap {
	uint64_t (*exchange)(void *ud);
	void (*put)(void *ud, cx_event *ev);
	void *ud;
} lc_http_tap;

typedef struct lc_http lc_http;   /* one connection cache; use from one thread at a time */

/*
 * base_url is "https://site.cxone.com" or "http://127.0.0.1:PORT" (copied;
 * a trailing '/' is dropped). tap is copied and may be NULL (nothing
 * recorded); its ud must outlive the client. user_agent is copied; NULL:
 * "cxtape/VERSION". *out: caller frees with lc_http_free.
 */
lc_status lc_http_new(const char *base_url, const lc_tls_opts *tls, const lc_http_tap *tap,
    const char *user_agent, lc_http **out, lc_err *err) LC_MUST_CHECK;
void lc_http_free(lc_http *h);   /* accepts NULL */

typedef struct lc_http_req {
	const char *method;        /* "GET", "PUT", "POST" */
	const char *path;          /* "/api/v2/..." with query */
	const char *bearer;        /* access token, or NULL; never logged, redacted on the tape */
	const char *content_type;  /* for body; NULL: application/json */
	lc_bytes body;             /* may be empty */
	lc_bytes conversation;     /* tags the tape events, may be empty */
} lc_http_req;

typedef struct lc_http_resp {
	int status;                /* 0 when no HTTP answer came (transport failure) */
	lc_buf body;               /* caller frees with lc_http_resp_free */
	double retry_after_s;      /* Retry-After in seconds, -1 when absent */
	char www_authenticate[256];
} lc_http_resp;

void lc_http_resp_free(lc_http_resp *r);

/*
 * Perform one request and record it (CX_HTTP_REQUEST then CX_HTTP_RESPONSE,
 * paired by exchange). Any HTTP answer is LC_OK with resp->status set; a
 * transport failure is LC_ENET/LC_ETLS/LC_ETIMEOUT with a message that says
 * what to check (the response event then has status 0 and the reason).
 */
lc_status lc_http_call(lc_http *h, const lc_http_req *rq, lc_http_resp *resp,
    lc_err *err) LC_MUST_CHECK;

/* Hand ev to the client's tap (nothing without one); the OAuth client records its refreshes so. */
void lc_http_record(lc_http *h, cx_event *ev);

/* The host of a base URL ("site.cxone.com", "127.0.0.1") into out. */
void lc_url_host(const char *base_url, char *out, size_t cap);

#endif
