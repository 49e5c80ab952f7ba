/* SPDX-License-Identifier: MIT */
/* lc_http: libcurl wrapped once — requests and responses recorded, TLS verified by default. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lc_log.h"
#include "lc_http.h"

#define LC_HTTP_HDRS_MAX ((size_t)64 << 10)   /* response header bytes kept */

struct lc_http {
	CURL *curl;
	lc_http_tap tap;
	bool tapped;
	char base[LC_URL_MAX];
	char agent[128];
	lc_tls_opts tls;
	char cacert[LC_URL_MAX];
};

/* Response headers as offsets into one buffer (the buffer may move while it grows). */
typedef struct hdr_acc {
	lc_buf buf;
	size_t name_off[CX_HEADERS_MAX], name_len[CX_HEADERS_MAX];
	size_t val_off[CX_HEADERS_MAX], val_len[CX_HEADERS_MAX];
	uint32_t n;
	lc_http_resp *resp;
	bool body_over;
} hdr_acc;

lc_status
lc_http_new(const char *base_url, const lc_tls_opts *tls, const lc_http_tap *tap,
    const char *user_agent, lc_http **out, lc_err *err)
{
	lc_http *h;
	size_t n;

	*out = NULL;
	if (base_url == NULL || (strncmp(base_url, "http://", 7) != 0 && strncmp(base_url, "https://", 8) != 0))
		return lc_err_set(err, LC_ECONFIG, "base URL '%s' must start with https:// (or http:// for "
		    "a local simulator); set --base-url or CXONE_BASE_URL", base_url ? base_url : "");
	if (strlen(base_url) >= LC_URL_MAX)
		return lc_err_set(err, LC_ECONFIG, "base URL is longer than %d bytes", LC_URL_MAX - 1);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return lc_err_set(err, LC_EINTERNAL, "libcurl failed to initialise");
	if ((h = calloc(1, sizeof(*h))) == NULL || (h->curl = curl_easy_init()) == NULL) {
		free(h);
		return lc_err_set(err, LC_ENOMEM, "out of memory starting the HTTP client");
	}
	snprintf(h->base, sizeof(h->base), "%s", base_url);
	n = strlen(h->base);
	while (n > 0 && h->base[n - 1] == '/')
		h->base[--n] = 0;
	if (tap) {
		h->tap = *tap;
		h->tapped = true;
	}
	snprintf(h->agent, sizeof(h->agent), "%s", user_agent ? user_agent : "cxtape/" CXTAPE_VERSION);
	if (tls) {
		h->tls = *tls;
		if (tls->cacert) {
			snprintf(h->cacert, sizeof(h->cacert), "%s", tls->cacert);
			h->tls.cacert = h->cacert;
		}
	}
	*out = h;
	return LC_OK;
}

void
lc_http_free(lc_http *h)
{
	if (h == NULL)
		return;
	curl_easy_cleanup(h->curl);
	free(h);
}

void
lc_http_resp_free(lc_http_resp *r)
{
	if (r)
		lc_buf_free(&r->body);
}

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	hdr_acc *a = ud;
	size_t n = size * nmemb;

	if (lc_buf_append(&a->resp->body, ptr, n) != LC_OK) {
		a->body_over = true;
		return 0;   /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	return n;
}

static double
parse_retry_after(const char *v, size_t n)
{
	char tmp[64], *end;
	double s;

	if (n == 0 || n >= sizeof(tmp))
		return 1;
	memcpy(tmp, v, n);
	tmp[n] = 0;
	s = strtod(tmp, &end);
	if (end == tmp || s < 0)
		return 1;   /* an HTTP date or junk: wait a second rather than hammer */
	return s > 3600 ? 3600 : s;
}

static size_t
on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
	hdr_acc *a = ud;
	size_t n = size * nmemb, nl, vs, ve;
	const char *colon;

	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {   /* a new response (after 100, redirects) */
		a->n = 0;
		lc_buf_reset(&a->buf);
		a->resp->retry_after_s = -1;
		a->resp->www_authenticate[0] = 0;
		return n;
	}
	colon = memchr(ptr, ':', n);
	if (colon == NULL)
		return n;
	nl = (size_t)(colon - ptr);
	vs = nl + 1;
	while (vs < n && (ptr[vs] == ' ' || ptr[vs] == '\t'))
		vs++;
	ve = n;
	while (ve > vs && (ptr[ve - 1] == '\r' || ptr[ve - 1] == '\n' || ptr[ve - 1] == ' '))
		ve--;
	if (nl == 11 && strncasecmp(ptr, "retry-after", 11) == 0)
		a->resp->retry_after_s = parse_retry_after(ptr + vs, ve - vs);
	if (nl == 16 && strncasecmp(ptr, "www-authenticate", 16) == 0)
		snprintf(a->resp->www_authenticate, sizeof(a->resp->www_authenticate), "%.*s",
		         (int)(ve - vs), ptr + vs);
	if (a->n < CX_HEADERS_MAX) {
		size_t off = a->buf.len;
		if (lc_buf_append(&a->buf, ptr, nl) == LC_OK &&
		    lc_buf_append(&a->buf, ptr + vs, ve - vs) == LC_OK) {
			a->name_off[a->n] = off;
			a->name_len[a->n] = nl;
			a->val_off[a->n] = off + nl;
			a->val_len[a->n] = ve - vs;
			a->n++;
		}
	}
	return n;
}

static void
record_request(lc_http *h, const lc_http_req *rq, uint64_t ex, const char *ct)
{
	cx_header hd[3];
	char auth[600];
	cx_event ev;
	uint32_t n = 0;

	if (!h->tapped)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = CX_HTTP_REQUEST;
	ev.exchange = ex;
	ev.method = lc_bytes_str(rq->method);
	ev.path = lc_bytes_str(rq->path);
	ev.conversation = rq->conversation;
	ev.raw = rq->body;
	if (rq->bearer) {
		snprintf(auth, sizeof(auth), "Bearer %s", rq->bearer);   /* the tape redacts it */
		hd[n++] = (cx_header){lc_bytes_str("Authorization"), lc_bytes_str(auth)};
	}
	hd[n++] = (cx_header){lc_bytes_str("Accept"), lc_bytes_str("application/json")};
	if (rq->body.len)
		hd[n++] = (cx_header){lc_bytes_str("Content-Type"), lc_bytes_str(ct)};
	ev.headers = hd;
	ev.n_headers = n;
	h->tap.put(h->tap.ud, &ev);
	explicit_bzero(auth, sizeof(auth));
}

static void
record_response(lc_http *h, const lc_http_req *rq, uint64_t ex, const hdr_acc *a,
    const lc_http_resp *resp, const char *reason)
{
	cx_header hd[CX_HEADERS_MAX];
	cx_event ev;

	if (!h->tapped)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = CX_HTTP_RESPONSE;
	ev.exchange = ex;
	ev.method = lc_bytes_str(rq->method);
	ev.path = lc_bytes_str(rq->path);
	ev.conversation = rq->conversation;
	ev.status = (uint16_t)resp->status;
	ev.raw = lc_buf_bytes(&resp->body);
	ev.reason = lc_bytes_str(reason);
	if (a->body_over)
		ev.flags |= CX_F_TRUNCATED;
	for (uint32_t i = 0; i < a->n; i++)
		hd[i] = (cx_header){lc_bytes_make(a->buf.ptr + a->name_off[i], a->name_len[i]),
		                    lc_bytes_make(a->buf.ptr + a->val_off[i], a->val_len[i])};
	ev.headers = hd;
	ev.n_headers = a->n;
	h->tap.put(h->tap.ud, &ev);
}

static lc_status
transport_error(lc_http *h, CURLcode cc, const char *errbuf, const char *url, lc_err *err)
{
	const char *what = errbuf[0] ? errbuf : curl_easy_strerror(cc);

	switch (cc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
		return lc_err_set(err, LC_ETLS, "TLS with %s failed: %s; %s", h->base, what,
		    h->tls.cacert ? "check that --cacert names the server's certificate"
		                  : "give the server's CA with --cacert FILE");
	case CURLE_OPERATION_TIMEDOUT:
		return lc_err_set(err, LC_ETIMEOUT, "%s timed out: %s; check the network and --base-url",
		    url, what);
	case CURLE_WRITE_ERROR:
		return lc_err_set(err, LC_ETOOBIG, "%s: the response body is over %zu bytes; not kept",
		    url, LC_HTTP_BODY_MAX);
	default:
		return lc_err_set(err, LC_ENET, "cannot reach %s: %s; check --base-url and the network",
		    url, what);
	}
}

static struct curl_slist *
build_headers(const lc_http_req *rq, const char *ct, char *auth, size_t authcap)
{
	struct curl_slist *l = NULL, *t;
	char ctl[160];

	if ((l = curl_slist_append(l, "Accept: application/json")) == NULL)
		return NULL;
	if (rq->body.len || strcmp(rq->method, "GET") != 0) {
		snprintf(ctl, sizeof(ctl), "Content-Type: %s", ct);
		if ((t = curl_slist_append(l, ctl)) == NULL)
			goto fail;
		l = t;
	}
	if (rq->bearer) {
		snprintf(auth, authcap, "Authorization: Bearer %s", rq->bearer);
		if ((t = curl_slist_append(l, auth)) == NULL)
			goto fail;
		l = t;
	}
	return l;
fail:
	curl_slist_free_all(l);
	return NULL;
}

lc_status
lc_http_call(lc_http *h, const lc_http_req *rq, lc_http_resp *resp, lc_err *err)
{
	const char *ct = rq->content_type ? rq->content_type : "application/json";
	char url[2 * LC_URL_MAX], errbuf[CURL_ERROR_SIZE], auth[600];
	struct curl_slist *hl = NULL;
	lc_status rc = LC_OK;
	hdr_acc acc;
	uint64_t ex;
	CURLcode cc;
	long code = 0;
	CURL *c = h->curl;

	memset(resp, 0, sizeof(*resp));
	lc_buf_init(&resp->body, LC_HTTP_BODY_MAX);
	resp->retry_after_s = -1;
	memset(&acc, 0, sizeof(acc));
	lc_buf_init(&acc.buf, LC_HTTP_HDRS_MAX);
	acc.resp = resp;
	errbuf[0] = 0;
	snprintf(url, sizeof(url), "%s%s", h->base, rq->path);
	if ((hl = build_headers(rq, ct, auth, sizeof(auth))) == NULL) {
		rc = lc_err_set(err, LC_ENOMEM, "out of memory building an HTTP request");
		goto out;
	}
	ex = h->tapped ? h->tap.exchange(h->tap.ud) : 0;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &acc);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &acc);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, h->agent);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (h->tls.cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->tls.cacert);
	if (h->tls.insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (rq->body.len) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)rq->body.ptr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body.len);
	} else if (strcmp(rq->method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	}
	record_request(h, rq, ex, ct);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	resp->status = cc == CURLE_OK ? (int)code : 0;
	if (cc != CURLE_OK)
		rc = transport_error(h, cc, errbuf, url, err);
	record_response(h, rq, ex, &acc, resp, rc ? lc_err_text(err) : NULL);
out:
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
	curl_slist_free_all(hl);   /* libcurl keeps no copy once the transfer is done */
	explicit_bzero(auth, sizeof(auth));
	lc_buf_free(&acc.buf);
	return rc;
}

void
lc_http_record(lc_http *h, cx_event *ev)
{
	if (h->tapped)
		h->tap.put(h->tap.ud, ev);
}

void
lc_url_host(const char *base_url, char *out, size_t cap)
{
	const char *p = strstr(base_url, "://"), *e;

	p = p ? p + 3 : base_url;
	if (*p == '[') {   /* IPv6 literal */
		e = strchr(p, ']');
		e = e ? e + 1 : p + strlen(p);
	} else {
		e = p + strcspn(p, ":/?#");
	}
	snprintf(out, cap, "%.*s", (int)(e - p), p);
}
