/* SPDX-License-Identifier: MIT */
/* rec_auth: OAuth 2.0 client credentials — the token cache, refreshed ahead of expiry and on 401. */
#ifndef REC_AUTH_H
#define REC_AUTH_H

#include <stdbool.h>

#include "lc_err.h"
#include "rec_http.h"

#define REC_TOKEN_MAX 2048     /* bytes of an access token, NUL included */
#define REC_CLIENT_ID_MAX 256
#define REC_SECRET_MAX 512

/* The scopes cxrecord uses (PROTOCOL.md section 1), and the read-only set of --shadow. */
#define REC_SCOPES_AGENT  "chat:read chat:write presence:write routing:write"
#define REC_SCOPES_SHADOW "chat:read"

typedef struct rec_auth rec_auth;   /* use from one thread at a time (the REST worker) */

/*
 * client_id, client_secret and scope are copied; the secret is wiped on free.
 * LC_ECONFIG when the id or secret is missing, naming where they come from.
 */
lc_status rec_auth_new(const char *client_id, const char *client_secret, const char *scope,
    rec_auth **out, lc_err *err) LC_MUST_CHECK;
void rec_auth_free(rec_auth *a);   /* accepts NULL */

/*
 * A valid access token into out (NUL-terminated). The cached one while it has
 * more than the margin (60 s) left (or half its life, for short-lived tokens); else, or
 * when force, a new one from POST /api/v2/oauth/token, recorded on the tape as
 * the HTTP exchange and a CX_TOKEN_REFRESH (the tape redacts the token).
 * Errors: LC_EAUTH (401, names the client id, never the secret), LC_ECONFIG
 * (400: the server's complaint), LC_EFORBIDDEN (403), LC_ERATELIMIT (429:
 * *retry_after_s is set, may be NULL), transport errors from rec_http.
 */
lc_status rec_auth_token(rec_auth *a, rec_http *h, bool force, char *out, size_t cap,
    double *retry_after_s, lc_err *err) LC_MUST_CHECK;

/* Refresh this many seconds before expiry (default 60; short-lived tokens: at half their life). */
void rec_auth_set_margin(rec_auth *a, double seconds);

/* Forget the cached token (a call answered 401). */
void rec_auth_invalidate(rec_auth *a);

const char *rec_auth_client_id(const rec_auth *a);

/* Tokens obtained so far. */
unsigned rec_auth_refreshes(const rec_auth *a);

#endif
