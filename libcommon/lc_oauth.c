/* SPDX-License-Identifier: MIT */
/* lc_oauth: client-credentials tokens, cached and refreshed before they expire; authorised calls with retries. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lc_clock.h"
#include "lc_json.h"
#include "lc_log.h"
#include "lc_oauth.h"

#define LC_OAUTH_FORM_MAX 2048

struct lc_oauth {
	char client_id[LC_OAUTH_CLIENT_ID_MAX];
	char secret[LC_OAUTH_SECRET_MAX];
	char scope[256];
	char token[LC_OAUTH_TOKEN_MAX];
	int64_t refresh_at_ns;       /* monotonic: get a new token from here on */
	double margin_s;
	unsigned refreshes;
	lc_time_source clock;        /* monotonic time for the expiry */
};

lc_status
lc_oauth_new(const char *client_id, const char *client_secret, const char *scope, lc_oauth **out,
    lc_err *err)
{
	lc_oauth *a;

	*out = NULL;
	if (client_id == NULL || client_id[0] == 0)
		return lc_err_set(err, LC_ECONFIG, "no client id: set CXONE_CLIENT_ID or client_id in "
		    "the --config file");
	if (client_secret == NULL || client_secret[0] == 0)
		return lc_err_set(err, LC_ECONFIG, "no client secret for client id '%s': set "
		    "CXONE_CLIENT_SECRET or client_secret in the --config file (never on the command line)",
		    client_id);
	if (strlen(client_id) >= LC_OAUTH_CLIENT_ID_MAX || strlen(client_secret) >= LC_OAUTH_SECRET_MAX)
		return lc_err_set(err, LC_ECONFIG, "client id or secret is too long (max %d and %d bytes)",
		    LC_OAUTH_CLIENT_ID_MAX - 1, LC_OAUTH_SECRET_MAX - 1);
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory");
	snprintf(a->client_id, sizeof(a->client_id), "%s", client_id);
	snprintf(a->secret, sizeof(a->secret), "%s", client_secret);
	snprintf(a->scope, sizeof(a->scope), "%s", scope ? scope : "");
	a->clock = lc_time_source_system();
	a->margin_s = 60;
	*out = a;
	return LC_OK;
}

void
lc_oauth_free(lc_oauth *a)
{
	if (a == NULL)
		return;
	explicit_bzero(a, sizeof(*a));
	free(a);
}

void
lc_oauth_invalidate(lc_oauth *a)
{
	a->refresh_at_ns = 0;
	explicit_bzero(a->token, sizeof(a->token));
}

void
lc_oauth_set_margin(lc_oauth *a, double seconds)
{
	a->margin_s = seconds >= 0 ? seconds : 60;
}

const char *lc_oauth_client_id(const lc_oauth *a) { return a->client_id; }
unsigned lc_oauth_refreshes(const lc_oauth *a) { return a->refreshes; }

/* Append s form-urlencoded. */
static lc_status
form_escape(lc_buf *b, const char *s)
{
	lc_status rc = LC_OK;

	for (; *s && rc == LC_OK; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~')
			rc = lc_buf_append(b, s, 1);
		else if (c == ' ')
			rc = lc_buf_append(b, "+", 1);
		else
			rc = lc_buf_printf(b, "%%%02X", c);
	}
	return rc;
}

static lc_status
build_form(const lc_oauth *a, lc_buf *b)
{
	lc_status rc = lc_buf_append_str(b, "grant_type=client_credentials&client_id=");

	if (rc == LC_OK) rc = form_escape(b, a->client_id);
	if (rc == LC_OK) rc = lc_buf_append_str(b, "&client_secret=");
	if (rc == LC_OK) rc = form_escape(b, a->secret);
	if (rc == LC_OK) rc = lc_buf_append_str(b, "&scope=");
	if (rc == LC_OK) rc = form_escape(b, a->scope);
	return rc;
}

/* A refusal from the token endpoint, in words that say what to fix. */
static lc_status
token_refused(const lc_oauth *a, const lc_http_resp *r, lc_err *err)
{
	char said[200] = "";
	lc_json_doc *d = NULL;
	lc_bytes m;

	if (lc_json_doc_parse(r->body.ptr, r->body.len, &d, NULL) == LC_OK &&
	    (lc_json_doc_string(d, "message", &m) == LC_OK || lc_json_doc_string(d, "error", &m) == LC_OK))
		snprintf(said, sizeof(said), ": the server says \"%.*s\"", (int)(m.len > 150 ? 150 : m.len),
		         (const char *)m.ptr);
	lc_json_doc_free(d);
	switch (r->status) {
	case 401:
		return lc_err_set(err, LC_EAUTH, "the token endpoint refused client id '%s' (401)%s; check "
		    "CXONE_CLIENT_ID and CXONE_CLIENT_SECRET (or the --config file)", a->client_id, said);
	case 400:
		return lc_err_set(err, LC_ECONFIG, "the token endpoint rejected the request for client id "
		    "'%s' with scopes \"%s\" (400)%s", a->client_id, a->scope, said);
	case 403:
		return lc_err_set(err, LC_EFORBIDDEN, "client id '%s' may not have the scopes \"%s\" (403)%s; "
		    "grant them to the client in CXone", a->client_id, a->scope, said);
	default:
		return lc_err_set(err, LC_EHTTP, "the token endpoint answered %d for client id '%s'%s",
		    r->status, a->client_id, said);
	}
}

static void
record_refresh(lc_http_resp *r, lc_http *h)
{
	cx_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = CX_TOKEN_REFRESH;
	ev.raw = lc_buf_bytes(&r->body);   /* the tape replaces access_token with its pseudonym */
	lc_http_record(h, &ev);
}

static lc_status
token_store(lc_oauth *a, const lc_http_resp *r, lc_err *err)
{
	lc_json_doc *d = NULL;
	lc_bytes tok;
	double ttl = 3600;
	lc_status rc;

	rc = lc_json_doc_parse(r->body.ptr, r->body.len, &d, err);
	if (rc == LC_OK && lc_json_doc_string(d, "access_token", &tok) != LC_OK)
		rc = lc_err_set(err, LC_EPARSE, "the token endpoint answered 200 without an access_token");
	if (rc == LC_OK && tok.len >= sizeof(a->token))
		rc = lc_err_set(err, LC_ETOOBIG, "the access token is over %zu bytes", sizeof(a->token) - 1);
	if (rc == LC_OK) {
		double margin;
		if (lc_json_doc_number(d, "expires_in", &ttl) != LC_OK || ttl <= 0)
			ttl = 3600;
		memcpy(a->token, tok.ptr, tok.len);
		a->token[tok.len] = 0;
		margin = ttl > 2 * a->margin_s ? a->margin_s : ttl / 2;
		a->refresh_at_ns = a->clock.mono_ns(a->clock.ctx) + (int64_t)((ttl - margin) * 1e9);
		a->refreshes++;
	}
	lc_json_doc_free(d);   /* wipes the token's copy in the doc */
	return rc;
}

lc_status
lc_oauth_token(lc_oauth *a, lc_http *h, bool force, char *out, size_t cap, double *retry_after_s,
    lc_err *err)
{
	lc_http_resp r;
	lc_http_req rq;
	lc_buf form;
	lc_status rc;

	if (!force && a->token[0] && a->clock.mono_ns(a->clock.ctx) < a->refresh_at_ns)
		goto give;
	lc_buf_init(&form, LC_OAUTH_FORM_MAX);
	if ((rc = build_form(a, &form)) != LC_OK) {
		lc_buf_free(&form);
		return lc_err_set(err, rc, "cannot build the token request");
	}
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.path = LC_OAUTH_TOKEN_PATH;
	rq.content_type = "application/x-www-form-urlencoded";
	rq.body = lc_buf_bytes(&form);
	rc = lc_http_call(h, &rq, &r, err);
	explicit_bzero(form.ptr, form.len);
	lc_buf_free(&form);
	if (rc == LC_OK && r.status == 429) {
		if (retry_after_s)
			*retry_after_s = r.retry_after_s;
		rc = lc_err_set(err, LC_ERATELIMIT, "the token endpoint is rate limiting (429)");
	} else if (rc == LC_OK && r.status != 200) {
		rc = token_refused(a, &r, err);
	} else if (rc == LC_OK && (rc = token_store(a, &r, err)) == LC_OK) {
		record_refresh(&r, h);
		lc_info("new access token for client id '%s' (%u so far)", a->client_id, a->refreshes);
	}
	if (r.body.ptr)
		explicit_bzero(r.body.ptr, r.body.len);
	lc_http_resp_free(&r);
	if (rc)
		return rc;
give:
	if (strlen(a->token) >= cap)
		return lc_err_set(err, LC_ETOOBIG, "token buffer too small");
	memcpy(out, a->token, strlen(a->token) + 1);
	return LC_OK;
}

/* ------------------------------------------------------------------ authorised calls */

static bool
wait_for(const lc_oauth_api *api, double s)
{
	struct timespec ts;

	if (api->wait)
		return api->wait(api->wait_ud, s);
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	return true;
}

/* Seconds to wait before retry number `attempt` when the server gave no Retry-After. */
static double
fallback_wait(unsigned attempt)
{
	double s = 1.0;

	for (unsigned i = 0; i < attempt && s < 30; i++)
		s *= 2;
	return s;
}

lc_status
lc_oauth_api_token(const lc_oauth_api *api, bool force, char *out, size_t cap, lc_err *err)
{
	for (unsigned attempt = 0;; attempt++) {
		double ra = -1;
		lc_err e2 = LC_ERR_INIT;
		lc_status rc = lc_oauth_token(api->auth, api->http, force, out, cap, &ra, &e2);
		if (rc != LC_ERATELIMIT || attempt >= api->max_retries) {
			if (rc == LC_ERATELIMIT)
				lc_oauth_api_exhausted(api, "POST", LC_OAUTH_TOKEN_PATH);
			return rc ? lc_err_set(err, rc, "%s", lc_err_text(&e2)) : LC_OK;
		}
		lc_warn("token endpoint: 429, waiting %.1f s (retry %u of %u)", ra >= 0 ? ra : fallback_wait(attempt),
		        attempt + 1, api->max_retries);
		if (!wait_for(api, ra >= 0 ? ra : fallback_wait(attempt)))
			return lc_err_set(err, LC_ECLOSED, "stopped while waiting to retry the token request");
	}
}

void
lc_oauth_api_exhausted(const lc_oauth_api *api, const char *method, const char *path)
{
	cx_event ev;

	lc_error("%s %s: still rate limited (429) after %u retries; giving up on this call", method, path,
	         api->max_retries);
	memset(&ev, 0, sizeof(ev));
	ev.kind = CX_ANNOTATION;
	ev.reason = lc_bytes_str("retries_exhausted");
	ev.method = lc_bytes_str(method);
	ev.path = lc_bytes_str(path);
	lc_http_record(api->http, &ev);
}

static const char *
scope_of(const lc_oauth_api *api, const lc_http_req *rq)
{
	const char *s = api->scope_for ? api->scope_for(rq->method, rq->path) : NULL;

	return s ? s : "it needs";
}

lc_status
lc_oauth_api_call(const lc_oauth_api *api, const lc_http_req *rq, lc_http_resp *resp, lc_err *err)
{
	char token[LC_OAUTH_TOKEN_MAX];
	bool refreshed = false;
	lc_http_req r = *rq;
	lc_status rc;
	unsigned retries = 0;

	memset(resp, 0, sizeof(*resp));
	for (;;) {
		if ((rc = lc_oauth_api_token(api, false, token, sizeof(token), err)) != LC_OK)
			break;
		r.bearer = token;
		rc = lc_http_call(api->http, &r, resp, err);
		if (rc != LC_OK)
			break;
		if (resp->status == 401 && !refreshed) {
			lc_info("%s %s: 401, getting a new token and trying once more", r.method, r.path);
			lc_oauth_invalidate(api->auth);
			refreshed = true;
		} else if (resp->status == 401) {
			rc = lc_err_set(err, LC_EAUTH, "%s %s was refused (401) with a fresh token for client id "
			    "'%s'; check that the client is allowed to call it", r.method, r.path,
			    lc_oauth_client_id(api->auth));
			break;
		} else if (resp->status == 403) {
			rc = lc_err_set(err, LC_EFORBIDDEN, "%s %s was refused (403): client id '%s' lacks the "
			    "scope %s; grant it to the client in CXone", r.method, r.path,
			    lc_oauth_client_id(api->auth), scope_of(api, &r));
			break;
		} else if (resp->status == 429 && retries >= api->max_retries) {
			lc_oauth_api_exhausted(api, r.method, r.path);
			rc = lc_err_set(err, LC_ERATELIMIT, "%s %s: still rate limited after %u retries",
			    r.method, r.path, retries);
			break;
		} else if (resp->status == 429) {
			double w = resp->retry_after_s >= 0 ? resp->retry_after_s : fallback_wait(retries);
			retries++;
			lc_warn("%s %s: 429, waiting %.1f s as asked (retry %u of %u)", r.method, r.path, w,
			        retries, api->max_retries);
			if (!wait_for(api, w)) {
				rc = lc_err_set(err, LC_ECLOSED, "stopped while waiting to retry %s %s", r.method, r.path);
				break;
			}
		} else {
			break;
		}
		lc_http_resp_free(resp);
	}
	explicit_bzero(token, sizeof(token));
	return rc;
}
