/* SPDX-License-Identifier: MIT */
/* rec_api: the CXone REST calls cxrecord makes as an agent (presence, routing, transcripts) over lc_oauth. */
#ifndef REC_API_H
#define REC_API_H

#include <stdbool.h>

#include "lc_err.h"
#include "lc_http.h"
#include "lc_oauth.h"
#include "rec_capture.h"

/* The scopes cxrecord uses (PROTOCOL.md section 1), and the read-only set of --shadow. */
#define REC_SCOPES_AGENT  "chat:read chat:write presence:write routing:write"
#define REC_SCOPES_SHADOW "chat:read"

#define REC_SKILLS_MAX 32
#define REC_NAME_MAX 128          /* user id, skill name, conversation id */

typedef struct rec_skill {
	char name[REC_NAME_MAX];
	int proficiency;          /* -1: not given */
} rec_skill;

/* An HTTP client for base_url whose exchanges go onto cap (user agent cxrecord/VERSION). */
lc_status rec_api_http_new(const char *base_url, const lc_tls_opts *tls, rec_capture *cap,
    lc_http **out, lc_err *err) LC_MUST_CHECK;

/* The scope a CXone call needs (presence, routing, else chat:read): the api's scope_for. */
const char *rec_api_scope_for(const char *method, const char *path);

/* PUT presence {"status":{"statusName":status}}; non-2xx is LC_EHTTP. */
lc_status rec_api_presence(const lc_oauth_api *api, const char *user, const char *status,
    lc_err *err) LC_MUST_CHECK;
/* PUT routing {"availability":a,"skills":[...]}; non-2xx is LC_EHTTP. */
lc_status rec_api_routing(const lc_oauth_api *api, const char *user, double availability,
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
lc_status rec_api_transcript(const lc_oauth_api *api, const char *conversation, rec_page_fn page,
    void *ud, unsigned *pages, lc_err *err) LC_MUST_CHECK;

/* Parse "NAME" or "NAME:PROFICIENCY" (0-10). LC_EINVAL with a message when wrong. */
lc_status rec_skill_parse(const char *s, rec_skill *out, lc_err *err) LC_MUST_CHECK;

#endif
