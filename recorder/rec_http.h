/* SPDX-License-Identifier: MIT */
/* rec_http: the recorder's HTTP client (the only user of libcurl); every exchange lands on the tape. */
#ifndef REC_HTTP_H
#define REC_HTTP_H

#include <stdbool.h>

#include "lc_buf.h"
#include "lc_err.h"
#include "rec_capture.h"

#define REC_HTTP_BODY_MAX ((size_t)8 << 20)   /* a response body kept: 8 MiB */
#define REC_URL_MAX 1024

typedef struct rec_tls_opts {
	const char *cacert;   /* PEM bundle to verify the server with (the simulator's certificate) */
	bool insecure;        /* skip peer verification (warned about loudly by the caller) */
} rec_tls_opts;

typedef struct rec_http rec_http;   /* one connection cache; use from one thread at a time */

/*
 * base_url is "https://site.cxone.com" or "http://127.0.0.1:PORT" (copied;
 * a trailing '/' is dropped). cap is borrowed and must outlive the client; it
 * may be NULL (nothing recorded). *out: caller frees with rec_http_free.
 */
lc_status rec_http_new(const char *base_url, const rec_tls_opts *tls, rec_capture *cap,
    rec_http **out, lc_err *err) LC_MUST_CHECK;
void rec_http_free(rec_http *h);   /* accepts NULL */

typedef struct rec_http_req {
	const char *method;        /* "GET", "PUT", "POST" */
	const char *path;          /* "/api/v2/..." with query */
	const char *bearer;        /* access token, or NULL; never logged, redacted on the tape */
	const char *content_type;  /* for body; NULL: application/json */
	lc_bytes body;             /* may be empty */
	lc_bytes conversation;     /* tags the tape events, may be empty */
} rec_http_req;

typedef struct rec_http_resp {
	int status;                /* 0 when no HTTP answer came (transport failure) */
	lc_buf body;               /* caller frees with rec_http_resp_free */
	double retry_after_s;      /* Retry-After in seconds, -1 when absent */
	char www_authenticate[256];
} rec_http_resp;

void rec_http_resp_free(rec_http_resp *r);

/*
 * Perform one request and record it (CX_HTTP_REQUEST then CX_HTTP_RESPONSE,
 * paired by exchange). Any HTTP answer is LC_OK with resp->status set; a
 * transport failure is LC_ENET/LC_ETLS/LC_ETIMEOUT with a message that says
 * what to check (the response event then has status 0 and the reason).
 */
lc_status rec_http_call(rec_http *h, const rec_http_req *rq, rec_http_resp *resp,
    lc_err *err) LC_MUST_CHECK;

/* The capture this client records into (borrowed, may be NULL). */
rec_capture *rec_http_capture(rec_http *h);

/* The host of a base URL ("site.cxone.com", "127.0.0.1") into out. */
void rec_url_host(const char *base_url, char *out, size_t cap);

#endif
