/* SPDX-License-Identifier: MIT */
/* rec_api: presence, routing and transcripts over lc_oauth's authorised calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lc_json.h"
#include "lc_log.h"
#include "rec_api.h"

#define REC_PATH_MAX 1024
#define REC_BODY_SMALL_MAX ((size_t)16 << 10)   /* a presence or routing body */

lc_status
rec_api_http_new(const char *base_url, const lc_tls_opts *tls, rec_capture *cap, lc_http **out,
    lc_err *err)
{
	lc_http_tap tap = rec_capture_http_tap(cap);

	return lc_http_new(base_url, tls, &tap, "cxrecord/" CXTAPE_VERSION, out, err);
}

const char *
rec_api_scope_for(const char *method, const char *path)
{
	bool put = strcmp(method, "PUT") == 0;

	if (strncmp(path, "/api/v2/presence/", 17) == 0)
		return put ? "presence:write" : "presence:read";
	if (strncmp(path, "/api/v2/routing/", 16) == 0)
		return put ? "routing:write" : "routing:read";
	return "chat:read";
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
put_json(const lc_oauth_api *api, const char *path, lc_buf *body, lc_err *err)
{
	lc_http_resp resp;
	lc_http_req rq;
	lc_status rc;

	memset(&rq, 0, sizeof(rq));
	rq.method = "PUT";
	rq.path = path;
	rq.body = lc_buf_bytes(body);
	rc = lc_oauth_api_call(api, &rq, &resp, err);
	if (rc == LC_OK && (resp.status < 200 || resp.status > 299))
		rc = lc_err_set(err, LC_EHTTP, "PUT %s answered %d: %.*s", path, resp.status,
		    (int)(resp.body.len > 200 ? 200 : resp.body.len), resp.body.ptr ? (const char *)resp.body.ptr : "");
	lc_http_resp_free(&resp);
	return rc;
}

lc_status
rec_api_presence(const lc_oauth_api *api, const char *user, const char *status, lc_err *err)
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
rec_api_routing(const lc_oauth_api *api, const char *user, double availability, const rec_skill *skills,
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
next_page(const lc_http_resp *resp, char *out, size_t cap, lc_err *err)
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
rec_api_transcript(const lc_oauth_api *api, const char *conversation, rec_page_fn page, void *ud,
    unsigned *pages, lc_err *err)
{
	char path[REC_PATH_MAX], tok[REC_NAME_MAX * 3] = "";
	lc_http_resp resp;
	lc_http_req rq;
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
		if ((rc = lc_oauth_api_call(api, &rq, &resp, err)) != LC_OK)
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
		lc_http_resp_free(&resp);
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
