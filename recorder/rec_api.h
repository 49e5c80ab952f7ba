/* SPDX-License-Identifier: MIT */
/* rec_api: the CXone REST calls cxrecord makes, with token refresh on 401 and bounded 429 retries. */
#ifndef REC_API_H
#define REC_API_H

#include <stdbool.h>

#include "lc_err.h"
#include "rec_auth.h"
#include "rec_http.h"

#define REC_SKILLS_MAX 32
#define REC_NAME_MAX 128          /* user id, skill name, conversation id */

typedef struct rec_skill {
	char name[REC_NAME_MAX];
	int proficiency;          /* -1: not given */
} rec_skill;

/* Wait this long unless a stop was asked for: true when the wait ran out, false on stop. */
typedef bool (*rec_wait_fn)(void *ud, double seconds);

/* What a REST call needs; all borrowed. One thread at a time (rec_http and rec_auth are not shared). */
typedef struct rec_api {
	rec_http *http;
	rec_auth *auth;
	unsigned max_retries;     /* 429 retries before giving up (default 5) */
	rec_wait_fn wait;         /* NULL: sleep */
	void *wait_ud;
} rec_api;

/* A token, retrying 429s from the token endpoint within max_retries. */
lc_status rec_api_token(const rec_api *api, bool force, char *out, size_t cap,
    lc_err *err) LC_MUST_CHECK;

/*
 * One authorised call: the Bearer token from the cache; a 401 invalidates it,
 * gets a new one and retries once, then fails with LC_EAUTH naming the client
 * id; 403 is LC_EFORBIDDEN naming the scope; 429 waits Retry-After (or a
 * backoff when absent) and retries up to max_retries times, then appends a
 * CX_ANNOTATION "retries_exhausted" (raw: an_endpoint_name of the call) and
 * fails with LC_ERATELIMIT. Any other status is LC_OK with resp->status set.
 * rq->bearer is ignored. resp: caller frees with rec_http_resp_free.
 */
lc_status rec_api_call(const rec_api *api, const rec_http_req *rq, rec_http_resp *resp,
    lc_err *err) LC_MUST_CHECK;

/* Give up on a call after 429s: log it and append the "retries_exhausted" annotation. */
void rec_api_exhausted(const rec_api *api, const char *method, const char *path);

/* PUT presence {"status":{"statusName":status}}; non-2xx is LC_EHTTP. */
lc_status rec_api_presence(const rec_api *api, const char *user, const char *status,
    lc_err *err) LC_MUST_CHECK;
/* PUT routing {"availability":a,"skills":[...]}; non-2xx is LC_EHTTP. */
lc_status rec_api_routing(const rec_api *api, const char *user, double availability,
    const rec_skill *skills, size_t n_skills, lc_err *err) LC_MUST_CHECK;

/* Called with each transcript page body (borrowed for the call); non-zero stops. */
typedef lc_status (*rec_page_fn)(void *ud, lc_bytes conversation, lc_bytes body);

/*
 * GET every page of a conversation's transcript (following nextPageToken,
 * at most REC_TRANSCRIPT_PAGES_MAX pages); each page is on the tape as its
 * HTTP exchange. page may be NULL. *pages (may be NULL) receives the count.
 * 404 is LC_ENOTFOUND.
 */
#define REC_TRANSCRIPT_PAGES_MAX 10000u
lc_status rec_api_transcript(const rec_api *api, const char *conversation, rec_page_fn page,
    void *ud, unsigned *pages, lc_err *err) LC_MUST_CHECK;

/* Parse "NAME" or "NAME:PROFICIENCY" (0-10). LC_EINVAL with a message when wrong. */
lc_status rec_skill_parse(const char *s, rec_skill *out, lc_err *err) LC_MUST_CHECK;

#endif
