/* SPDX-License-Identifier: MIT */
/* rec_auth: client-credentials tokens, cached and refreshed before they expire; the secret never leaves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lc_json.h"
#include "lc_log.h"
#include "rec_auth.h"

#define REC_FORM_MAX 2048

struct rec_auth {
	char client_id[REC_CLIENT_ID_MAX];
	char secret[REC_SECRET_MAX];
	char scope[256];
	char token[REC_TOKEN_MAX];
	int64_t refresh_at_ns;       /* monotonic: get a new token from here on */
	double margin_s;
	unsigned refreshes;
};

lc_status
rec_auth_new(const char *client_id, const char *client_secret, const char *scope, rec_auth **out,
    lc_err *err)
{
	rec_auth *a;

	*out = NULL;
	if (client_id == NULL || client_id[0] == 0)
		return lc_err_set(err, LC_ECONFIG, "no client id: set CXONE_CLIENT_ID or client_id in "
		    "the --config file");
	if (client_secret == NULL || client_secret[0] == 0)
		return lc_err_set(err, LC_ECONFIG, "no client secret for client id '%s': set "
		    "CXONE_CLIENT_SECRET or client_secret in the --config file (never on the command line)",
		    client_id);
	if (strlen(client_id) >= REC_CLIENT_ID_MAX || strlen(client_secret) >= REC_SECRET_MAX)
		return lc_err_set(err, LC_ECONFIG, "client id or secret is too long (max %d and %d bytes)",
		    REC_CLIENT_ID_MAX - 1, REC_SECRET_MAX - 1);
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory");
	snprintf(a->client_id, sizeof(a->client_id), "%s", client_id);
	snprintf(a->secret, sizeof(a->secret), "%s", client_secret);
	snprintf(a->scope, sizeof(a->scope), "%s", scope ? scope : REC_SCOPES_AGENT);
	a->margin_s = 60;
	*out = a;
	return LC_OK;
}

void
rec_auth_free(rec_auth *a)
{
	if (a == NULL)
		return;
	explicit_bzero(a, sizeof(*a));
	free(a);
}

void
rec_auth_invalidate(rec_auth *a)
{
	a->refresh_at_ns = 0;
	explicit_bzero(a->token, sizeof(a->token));
}

void
rec_auth_set_margin(rec_auth *a, double seconds)
{
	a->margin_s = seconds >= 0 ? seconds : 60;
}

const char *rec_auth_client_id(const rec_auth *a) { return a->client_id; }
unsigned rec_auth_refreshes(const rec_auth *a) { return a->refreshes; }

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
build_form(const rec_auth *a, lc_buf *b)
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
token_refused(const rec_auth *a, const rec_http_resp *r, lc_err *err)
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
record_refresh(rec_http_resp *r, rec_capture *cap)
{
	cx_event ev;

	if (cap == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = CX_TOKEN_REFRESH;
	ev.raw = lc_buf_bytes(&r->body);   /* the tape replaces access_token with its pseudonym */
	rec_capture_put(cap, &ev);
}

static lc_status
token_store(rec_auth *a, const rec_http_resp *r, lc_err *err)
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
		a->refresh_at_ns = rec_now_mono_ns() + (int64_t)((ttl - margin) * 1e9);
		a->refreshes++;
	}
	lc_json_doc_free(d);   /* wipes the token's copy in the doc */
	return rc;
}

lc_status
rec_auth_token(rec_auth *a, rec_http *h, bool force, char *out, size_t cap, double *retry_after_s,
    lc_err *err)
{
	rec_http_resp r;
	rec_http_req rq;
	lc_buf form;
	lc_status rc;

	if (!force && a->token[0] && rec_now_mono_ns() < a->refresh_at_ns)
		goto give;
	lc_buf_init(&form, REC_FORM_MAX);
	if ((rc = build_form(a, &form)) != LC_OK) {
		lc_buf_free(&form);
		return lc_err_set(err, rc, "cannot build the token request");
	}
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.path = "/api/v2/oauth/token";
	rq.content_type = "application/x-www-form-urlencoded";
	rq.body = lc_buf_bytes(&form);
	rc = rec_http_call(h, &rq, &r, err);
	explicit_bzero(form.ptr, form.len);
	lc_buf_free(&form);
	if (rc == LC_OK && r.status == 429) {
		if (retry_after_s)
			*retry_after_s = r.retry_after_s;
		rc = lc_err_set(err, LC_ERATELIMIT, "the token endpoint is rate limiting (429)");
	} else if (rc == LC_OK && r.status != 200) {
		rc = token_refused(a, &r, err);
	} else if (rc == LC_OK && (rc = token_store(a, &r, err)) == LC_OK) {
		record_refresh(&r, rec_http_capture(h));
		lc_info("new access token for client id '%s' (%u so far)", a->client_id, a->refreshes);
	}
	if (r.body.ptr)
		explicit_bzero(r.body.ptr, r.body.len);
	rec_http_resp_free(&r);
	if (rc)
		return rc;
give:
	if (strlen(a->token) >= cap)
		return lc_err_set(err, LC_ETOOBIG, "token buffer too small");
	memcpy(out, a->token, strlen(a->token) + 1);
	return LC_OK;
}
