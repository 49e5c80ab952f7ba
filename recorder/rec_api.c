/* SPDX-License-Identifier: MIT */
/* rec_api: presence, routing and transcripts over rec_http, with the tutorial's retry defects fixed. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "an_engine.h"
#include "lc_json.h"
#include "lc_log.h"
#include "rec_api.h"

#define REC_PATH_MAX 1024
#define REC_BODY_SMALL_MAX ((size_t)16 << 10)   /* a presence or routing body */

static bool
wait_for(const rec_api *api, double s)
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
rec_api_token(const rec_api *api, bool force, char *out, size_t cap, lc_err *err)
{
	for (unsigned attempt = 0;; attempt++) {
		double ra = -1;
		lc_err e2 = LC_ERR_INIT;
		lc_status rc = rec_auth_token(api->auth, api->http, force, out, cap, &ra, &e2);
		if (rc != LC_ERATELIMIT || attempt >= api->max_retries) {
			if (rc == LC_ERATELIMIT)
				rec_api_exhausted(api, "POST", "/api/v2/oauth/token");
			return rc ? lc_err_set(err, rc, "%s", lc_err_text(&e2)) : LC_OK;
		}
		lc_warn("token endpoint: 429, waiting %.1f s (retry %u of %u)", ra >= 0 ? ra : fallback_wait(attempt),
		        attempt + 1, api->max_retries);
		if (!wait_for(api, ra >= 0 ? ra : fallback_wait(attempt)))
			return lc_err_set(err, LC_ECLOSED, "stopped while waiting to retry the token request");
	}
}

void
rec_api_exhausted(const rec_api *api, const char *method, const char *path)
{
	rec_capture *cap = rec_http_capture(api->http);
	char name[256];
	cx_event ev;

	an_endpoint_name(lc_bytes_str(method), lc_bytes_str(path), name, sizeof(name));
	lc_error("%s: still rate limited (429) after %u retries; giving up on this call", name,
	         api->max_retries);
	if (cap == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = CX_ANNOTATION;
	ev.reason = lc_bytes_str("retries_exhausted");
	ev.raw = lc_bytes_str(name);
	rec_capture_put(cap, &ev);
}

static const char *
scope_for(const rec_http_req *rq)
{
	bool put = strcmp(rq->method, "PUT") == 0;

	if (strncmp(rq->path, "/api/v2/presence/", 17) == 0)
		return put ? "presence:write" : "presence:read";
	if (strncmp(rq->path, "/api/v2/routing/", 16) == 0)
		return put ? "routing:write" : "routing:read";
	return "chat:read";
}

lc_status
rec_api_call(const rec_api *api, const rec_http_req *rq, rec_http_resp *resp, lc_err *err)
{
	char token[REC_TOKEN_MAX];
	bool refreshed = false;
	rec_http_req r = *rq;
	lc_status rc;
	unsigned retries = 0;

	memset(resp, 0, sizeof(*resp));
	for (;;) {
		if ((rc = rec_api_token(api, false, token, sizeof(token), err)) != LC_OK)
			break;
		r.bearer = token;
		rc = rec_http_call(api->http, &r, resp, err);
		if (rc != LC_OK)
			break;
		if (resp->status == 401 && !refreshed) {
			lc_info("%s %s: 401, getting a new token and trying once more", r.method, r.path);
			rec_auth_invalidate(api->auth);
			refreshed = true;
		} else if (resp->status == 401) {
			rc = lc_err_set(err, LC_EAUTH, "%s %s was refused (401) with a fresh token for client id "
			    "'%s'; check that the client is allowed to call it", r.method, r.path,
			    rec_auth_client_id(api->auth));
			break;
		} else if (resp->status == 403) {
			rc = lc_err_set(err, LC_EFORBIDDEN, "%s %s was refused (403): client id '%s' lacks the "
			    "scope %s; grant it to the client in CXone", r.method, r.path,
			    rec_auth_client_id(api->auth), scope_for(&r));
			break;
		} else if (resp->status == 429 && retries >= api->max_retries) {
			rec_api_exhausted(api, r.method, r.path);
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
		rec_http_resp_free(resp);
	}
	explicit_bzero(token, sizeof(token));
	return rc;
}

/* Append s percent-encoded as one path segment. */
static void
path_segment(char *out, size_t cap, const char *s)
{
	size_t n = strlen(out);

	for (; *s && n + 4 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~' || c == '@')
			out[n++] = (char)c;
		else
			n += (size_t)snprintf(out + n, cap - n, "%%%02X", c);
	}
	out[n] = 0;
}

static lc_status
put_json(const rec_api *api, const char *path, lc_buf *body, lc_err *err)
{
	rec_http_resp resp;
	rec_http_req rq;
	lc_status rc;

	memset(&rq, 0, sizeof(rq));
	rq.method = "PUT";
	rq.path = path;
	rq.body = lc_buf_bytes(body);
	rc = rec_api_call(api, &rq, &resp, err);
	if (rc == LC_OK && (resp.status < 200 || resp.status > 299))
		rc = lc_err_set(err, LC_EHTTP, "PUT %s answered %d: %.*s", path, resp.status,
		    (int)(resp.body.len > 200 ? 200 : resp.body.len), resp.body.ptr ? (const char *)resp.body.ptr : "");
	rec_http_resp_free(&resp);
	return rc;
}

lc_status
rec_api_presence(const rec_api *api, const char *user, const char *status, lc_err *err)
{
	char path[REC_PATH_MAX] = "/api/v2/presence/users/";
	lc_status rc;
	lc_buf b;

	path_segment(path, sizeof(path), user);
	lc_buf_init(&b, REC_BODY_SMALL_MAX);
	rc = lc_buf_append_str(&b, "{\"status\":{\"statusName\":");
	if (rc == LC_OK) rc = lc_json_append_string(&b, lc_bytes_str(status));
	if (rc == LC_OK) rc = lc_buf_append_str(&b, "}}");
	rc = rc ? lc_err_set(err, rc, "cannot build the presence body") : put_json(api, path, &b, err);
	lc_buf_free(&b);
	return rc;
}

lc_status
rec_api_routing(const rec_api *api, const char *user, double availability, const rec_skill *skills,
    size_t n_skills, lc_err *err)
{
	char path[REC_PATH_MAX] = "/api/v2/routing/users/";
	lc_status rc;
	lc_buf b;

	path_segment(path, sizeof(path), user);
	lc_buf_init(&b, REC_BODY_SMALL_MAX);
	if (availability < 0) availability = 0;
	if (availability > 1) availability = 1;
	rc = lc_buf_printf(&b, "{\"availability\":%.4g,\"skills\":[", availability);
	for (size_t i = 0; i < n_skills && rc == LC_OK; i++) {
		rc = lc_buf_append_str(&b, i ? ",{\"name\":" : "{\"name\":");
		if (rc == LC_OK) rc = lc_json_append_string(&b, lc_bytes_str(skills[i].name));
		if (rc == LC_OK && skills[i].proficiency >= 0)
			rc = lc_buf_printf(&b, ",\"proficiency\":%d", skills[i].proficiency);
		if (rc == LC_OK) rc = lc_buf_append_str(&b, "}");
	}
	if (rc == LC_OK) rc = lc_buf_append_str(&b, "]}");
	rc = rc ? lc_err_set(err, rc, "cannot build the routing body") : put_json(api, path, &b, err);
	lc_buf_free(&b);
	return rc;
}

/* The next page token of a transcript page into out ("" on the last page). */
static lc_status
next_page(const rec_http_resp *resp, char *out, size_t cap, lc_err *err)
{
	lc_json_doc *d = NULL;
	lc_bytes t;
	lc_status rc = lc_json_doc_parse(resp->body.ptr, resp->body.len, &d, err);

	out[0] = 0;
	if (rc == LC_OK && lc_json_doc_string(d, "nextPageToken", &t) == LC_OK) {
		if (t.len * 3 + 1 > cap)
			rc = lc_err_set(err, LC_ETOOBIG, "a transcript nextPageToken is over %zu bytes", cap / 3);
		else {
			char tmp[REC_NAME_MAX * 2];
			snprintf(tmp, sizeof(tmp), "%.*s", (int)t.len, (const char *)t.ptr);
			path_segment(out, cap, tmp);
		}
	}
	lc_json_doc_free(d);
	return rc;
}

lc_status
rec_api_transcript(const rec_api *api, const char *conversation, rec_page_fn page, void *ud,
    unsigned *pages, lc_err *err)
{
	char path[REC_PATH_MAX], tok[REC_NAME_MAX * 3] = "";
	rec_http_resp resp;
	rec_http_req rq;
	lc_status rc = LC_OK;
	unsigned n = 0;

	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	rq.conversation = lc_bytes_str(conversation);
	do {
		snprintf(path, sizeof(path), "/api/v2/chat/conversations/");
		path_segment(path, sizeof(path), conversation);
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "/transcript?pageSize=100%s%s",
		         tok[0] ? "&pageToken=" : "", tok);
		rq.path = path;
		if ((rc = rec_api_call(api, &rq, &resp, err)) != LC_OK)
			break;
		if (resp.status == 404)
			rc = lc_err_set(err, LC_ENOTFOUND, "conversation %s: no transcript (404); check the id",
			    conversation);
		else if (resp.status != 200)
			rc = lc_err_set(err, LC_EHTTP, "GET %s answered %d", path, resp.status);
		if (rc == LC_OK && page)
			rc = page(ud, rq.conversation, lc_buf_bytes(&resp.body));
		if (rc == LC_OK)
			rc = next_page(&resp, tok, sizeof(tok), err);
		rec_http_resp_free(&resp);
		n++;
	} while (rc == LC_OK && tok[0] && n < REC_TRANSCRIPT_PAGES_MAX);
	if (pages)
		*pages = n;
	return rc;
}

lc_status
rec_skill_parse(const char *s, rec_skill *out, lc_err *err)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	char *end;
	long p;

	if (n == 0 || n >= sizeof(out->name))
		return lc_err_set(err, LC_EINVAL, "--skill wants NAME[:PROFICIENCY], NAME 1-%zu bytes",
		    sizeof(out->name) - 1);
	memcpy(out->name, s, n);
	out->name[n] = 0;
	out->proficiency = -1;
	if (colon) {
		p = strtol(colon + 1, &end, 10);
		if (colon[1] == 0 || *end || p < 0 || p > 10)
			return lc_err_set(err, LC_EINVAL, "--skill %s: the proficiency must be 0-10", s);
		out->proficiency = (int)p;
	}
	return LC_OK;
}
