/* SPDX-License-Identifier: MIT */
/* lc_oauth: OAuth 2.0 client credentials — the token cache, refreshed ahead of expiry and on 401. */
#ifndef LC_OAUTH_H
#define LC_OAUTH_H

#include <stdbool.h>

#include "lc_err.h"
#include "lc_http.h"

#define LC_OAUTH_TOKEN_MAX 2048     /* bytes of an access token, NUL included */
#define LC_OAUTH_CLIENT_ID_MAX 256
#define LC_OAUTH_SECRET_MAX 512

#define LC_OAUTH_TOKEN_PATH "/api/v2/oauth/token"   /* CXone's token endpoint (PROTOCOL.md section 1) */

typedef struct lc_oauth lc_oauth;   /* use from one thread at a time (cxrecord: the REST worker) */

/*
 * client_id, client_secret and scope (space-separated; NULL: none asked) are
 * copied; the secret is wiped on free.
 * LC_ECONFIG when the id or secret is missing, naming where they come from.
 */
lc_status lc_oauth_new(const char *client_id, const char *client_secret, const char *scope,
    lc_oauth **out, lc_err *err) LC_MUST_CHECK;
void lc_oauth_free(lc_oauth *a);   /* accepts NULL */

/*
 * A valid access token into out (NUL-terminated). The cached one while it has
 * more than the margin (60 s) left (or half its life, for short-lived tokens); else, or
 * when force, a new one from POST LC_OAUTH_TOKEN_PATH, recorded on the tape as
 * the HTTP exchange and a CX_TOKEN_REFRESH (the tape redacts the token).
 * Errors: LC_EAUTH (401, names the client id, never the secret), LC_ECONFIG
 * (400: the server's complaint), LC_EFORBIDDEN (403), LC_ERATELIMIT (429:
 * *retry_after_s is set, may be NULL), transport errors from lc_http. The exchange and the CX_TOKEN_REFRESH go to
 * h's tap.
 */
lc_status lc_oauth_token(lc_oauth *a, lc_http *h, bool force, char *out, size_t cap,
    double *retry_after_s, lc_err *err) LC_MUST_CHECK;

/* Refresh this many seconds before expiry (default 60; short-lived tokens: at half their life). */
void lc_oauth_set_margin(lc_oauth *a, double seconds);

/* Forget the cached token (a call answered 401). */
void lc_oauth_invalidate(lc_oauth *a);

const char *lc_oauth_client_id(const lc_oauth *a);

/* Tokens obtained so far. */
unsigned lc_oauth_refreshes(const lc_oauth *a);

/* Wait this long unless a stop was asked for: true when the wait ran out, false on stop. */
typedef bool (*lc_oauth_wait_fn)(void *ud, double seconds);

/* The scope a refused (403) call needed, for the error message; NULL: not known. */
typedef const char *(*lc_oauth_scope_fn)(const char *method, const char *path);

/* What an authorised call needs; all borrowed. One thread at a time (lc_http and lc_oauth are not shared). */
typedef struct lc_oauth_api {
	lc_http *http;
	lc_oauth *auth;
	unsigned max_retries;     /* 429 retries before giving up (default 5) */
	lc_oauth_wait_fn wait;    /* NULL: sleep */
	void *wait_ud;
	lc_oauth_scope_fn scope_for;   /* NULL: the message names no scope */
} lc_oauth_api;

/* A token, retrying 429s from the token endpoint within max_retries. */
lc_status lc_oauth_api_token(const lc_oauth_api *api, bool force, char *out, size_t cap,
    lc_err *err) LC_MUST_CHECK;

/*
 * One authorised call: the Bearer token from the cache; a 401 invalidates it,
 * gets a new one and retries once, then fails with LC_EAUTH naming the client
 * id; 403 is LC_EFORBIDDEN naming the scope; 429 waits Retry-After (or a
 * backoff when absent) and retries up to max_retries times, then records a
 * CX_ANNOTATION "retries_exhausted" (method and path: the call's) and fails
 * with LC_ERATELIMIT. Any other status is LC_OK with resp->status set.
 * rq->bearer is ignored. resp: caller frees with lc_http_resp_free.
 */
lc_status lc_oauth_api_call(const lc_oauth_api *api, const lc_http_req *rq, lc_http_resp *resp,
    lc_err *err) LC_MUST_CHECK;

/* Give up on a call after 429s: log it and record the "retries_exhausted" annotation. */
void lc_oauth_api_exhausted(const lc_oauth_api *api, const char *method, const char *path);

#endif
