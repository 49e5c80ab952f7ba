/* SPDX-License-Identifier: MIT */
/* sim_harness: header-only helpers for tests — start/stop cxsim, REST calls (libcurl), a small ws client. */
#ifndef SIM_HARNESS_H
#define SIM_HARNESS_H

/*
 * Every test binary is built from one test_*.c, so shared test code lives here
 * as static inline functions. Typical use:
 *
 *   sim_proc sim;
 *   const char *args[] = {"--time-scale", "0.05", NULL};
 *   cr_assert_eq(sim_start(&sim, args), 0);
 *   char tok[128];
 *   sim_token(&sim, NULL, tok, sizeof(tok));
 *   sim_ws *ws = sim_ws_open(&sim, tok, 5000);
 *   char *frame = sim_ws_recv(ws, 2000);      // caller frees
 *   ...
 *   sim_ws_close(ws);
 *   cr_assert_eq(sim_stop(&sim), 0);          // exit status of cxsim
 *
 * cxsim is found in $CXTAPE_BIN (else build/bin); its stderr goes to
 * $CXTAPE_BUILD/test-output/cxsim-PID.log (kept for post-mortems).
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SIM_HARNESS_ARGS_MAX 48
#define SIM_HARNESS_BODY_MAX ((size_t)32 << 20)   /* REST response cap */
#define SIM_HARNESS_FRAME_MAX ((size_t)1 << 20)   /* ws frame cap */

typedef struct sim_proc {
	pid_t pid;
	int port;
	bool tls;
	char base[128];     /* "http://127.0.0.1:PORT" */
	char log[512];      /* cxsim's stderr */
} sim_proc;

static inline uint64_t
sim_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static inline void
sim_sleep_ms(unsigned ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Path of a built program: $CXTAPE_BIN/name, else build/bin/name. */
static inline void
sim_bin_path(const char *name, char *out, size_t n)
{
	const char *bin = getenv("CXTAPE_BIN");
	snprintf(out, n, "%s/%s", bin && *bin ? bin : "build/bin", name);
}

/*
 * Start cxsim on 127.0.0.1:0 with extra args (NULL-terminated, may be NULL) and
 * wait up to 10 s for its ready line. Returns 0, or -1 (nothing left running).
 */
static inline int
sim_start(sim_proc *p, const char *const *args)
{
	const char *argv[SIM_HARNESS_ARGS_MAX + 4];
	char exe[512], line[256];
	const char *build = getenv("CXTAPE_BUILD");
	size_t n = 0, len = 0;
	int fds[2];
	uint64_t deadline = sim_now_ms() + 10000;

	memset(p, 0, sizeof(*p));
	sim_bin_path("cxsim", exe, sizeof(exe));
	argv[n++] = exe;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	for (size_t i = 0; args && args[i] && n < SIM_HARNESS_ARGS_MAX; i++) {
		if (strcmp(args[i], "--tls") == 0)
			p->tls = true;
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	if (pipe(fds) != 0)
		return -1;
	p->pid = fork();
	if (p->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (p->pid == 0) {
		char logp[512];
		int fd;
		/* however the test ends (a failed assertion, a timeout, a crash), cxsim goes with it */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		snprintf(logp, sizeof(logp), "%s/test-output", build && *build ? build : "build");
		mkdir(logp, 0755);
		snprintf(logp + strlen(logp), sizeof(logp) - strlen(logp), "/cxsim-%d.log", (int)getpid());
		fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			dup2(fd, 2);
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	snprintf(p->log, sizeof(p->log), "%s/test-output/cxsim-%d.log", build && *build ? build : "build",
	         (int)p->pid);
	while (len < sizeof(line) - 1 && sim_now_ms() < deadline) {
		struct pollfd pf = {fds[0], POLLIN, 0};
		ssize_t r;
		if (poll(&pf, 1, 100) <= 0)
			continue;
		r = read(fds[0], line + len, 1);
		if (r <= 0)
			break;
		if (line[len] == '\n')
			break;
		len++;
	}
	line[len] = 0;
	close(fds[0]);
	if (sscanf(line, "cxsim listening on %*[a-z]://127.0.0.1:%d", &p->port) != 1) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		p->pid = 0;
		return -1;
	}
	snprintf(p->base, sizeof(p->base), "%s://127.0.0.1:%d", p->tls ? "https" : "http", p->port);
	return 0;
}

/* Wait up to timeout_ms for cxsim to exit on its own; its exit status, or -1 if still running. */
static inline int
sim_wait(sim_proc *p, unsigned timeout_ms)
{
	uint64_t deadline = sim_now_ms() + timeout_ms;
	int st;

	while (p->pid > 0) {
		pid_t r = waitpid(p->pid, &st, WNOHANG);
		if (r == p->pid) {
			p->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		if (sim_now_ms() >= deadline)
			return -1;
		sim_sleep_ms(10);
	}
	return -1;
}

/* SIGTERM, wait up to 5 s (then SIGKILL). Returns cxsim's exit status (0 on a clean stop). */
static inline int
sim_stop(sim_proc *p)
{
	int rc;

	if (p->pid <= 0)
		return -1;
	kill(p->pid, SIGTERM);
	rc = sim_wait(p, 5000);
	if (rc < 0 && p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		p->pid = 0;
		rc = -1;
	}
	return rc;
}

/* ------------------------------------------------------------------ REST (libcurl) */

typedef struct sim_resp {
	long status;
	char *body;          /* NUL-terminated; sim_resp_free */
	size_t len;
	char retry_after[32];
	char allow[64];
} sim_resp;

static inline size_t
sim__curl_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	sim_resp *r = ud;
	size_t n = size * nmemb;
	char *nb;

	if (r->len + n > SIM_HARNESS_BODY_MAX || (nb = realloc(r->body, r->len + n + 1)) == NULL)
		return 0;
	r->body = nb;
	memcpy(r->body + r->len, ptr, n);
	r->len += n;
	r->body[r->len] = 0;
	return n;
}

static inline size_t
sim__curl_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
	sim_resp *r = ud;
	size_t n = size * nmemb;
	char *dst = NULL;
	size_t cap = 0, skip = 0;

	if (n > 12 && strncasecmp(ptr, "retry-after:", 12) == 0)
		dst = r->retry_after, cap = sizeof(r->retry_after), skip = 12;
	else if (n > 6 && strncasecmp(ptr, "allow:", 6) == 0)
		dst = r->allow, cap = sizeof(r->allow), skip = 6;
	if (dst != NULL) {
		size_t l = n - skip;
		while (l && (ptr[skip] == ' ')) {
			skip++;
			l--;
		}
		while (l && (ptr[skip + l - 1] == '\r' || ptr[skip + l - 1] == '\n'))
			l--;
		snprintf(dst, cap, "%.*s", (int)l, ptr + skip);
	}
	return n;
}

static inline void
sim_resp_free(sim_resp *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/*
 * One request to cxsim: method, path ("/api/v2/..."), Bearer token or NULL, body or
 * NULL (form bodies: pass content_type "application/x-www-form-urlencoded").
 * Returns 0 when an HTTP answer came back (any status), -1 on transport failure.
 */
static inline int
sim_http(const sim_proc *p, const char *method, const char *path, const char *token,
         const char *content_type, const char *body, sim_resp *r)
{
	char url[1024], auth[512], ct[128];
	struct curl_slist *h = NULL;
	CURL *c = curl_easy_init();
	CURLcode cc;

	memset(r, 0, sizeof(*r));
	if (c == NULL)
		return -1;
	snprintf(url, sizeof(url), "%s%s", p->base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sim__curl_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sim__curl_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	if (token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
	}
	if (body) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", content_type ? content_type : "application/json");
		h = curl_slist_append(h, ct);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (r->body == NULL && (r->body = calloc(1, 1)) == NULL)
		return -1;
	return cc == CURLE_OK ? 0 : -1;
}

/* Get a token for the default demo client; scope NULL = the server's default (all). 0 or HTTP status. */
static inline long
sim_token(const sim_proc *p, const char *scope, char *out, size_t outlen)
{
	char body[512];
	sim_resp r;
	const char *k, *e;
	long st;

	snprintf(body, sizeof(body), "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret%s%s",
	         scope ? "&scope=" : "", scope ? scope : "");
	if (sim_http(p, "POST", "/api/v2/oauth/token", NULL, "application/x-www-form-urlencoded", body, &r) != 0) {
		sim_resp_free(&r);
		return -1;
	}
	st = r.status;
	k = strstr(r.body, "\"access_token\":\"");
	if (st == 200 && k && (e = strchr(k + 16, '"')) != NULL) {
		snprintf(out, outlen, "%.*s", (int)(e - k - 16), k + 16);
		st = 0;
	}
	sim_resp_free(&r);
	return st;
}

/* ------------------------------------------------------------------ a small ws client (lws) */

typedef struct sim_wsframe {
	struct sim_wsframe *next;
	char *text;
} sim_wsframe;

typedef struct sim_ws {
	struct lws_context *ctx;
	struct lws *wsi;
	lws_sorted_usec_list_t tick;
	char auth[512];
	bool established, closed, failed, want_ping;
	int http_status;          /* the refusal's status when the handshake failed */
	char retry_after[32];
	int close_code;           /* from the server's close frame, 0 if none */
	char *rx;                 /* frame being assembled */
	size_t rx_len;
	sim_wsframe *head, *tail; /* received, not yet taken */
	sim_wsframe *out_head, *out_tail;
	bool count_only;          /* benchmark mode: count frames, keep none */
	uint64_t count, count_target, first_ms, last_ms;
} sim_ws;

static inline void
sim__ws_tick(lws_sorted_usec_list_t *sul)
{
	sim_ws *w = lws_container_of(sul, sim_ws, tick);
	lws_sul_schedule(w->ctx, 0, &w->tick, sim__ws_tick, 20 * LWS_US_PER_MS);
}

static inline int
sim__ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	sim_ws *w = lws_context_user(lws_get_context(wsi));
	(void)user;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
		unsigned char **p = in, *end = *p + len;
		if (w->auth[0] && lws_add_http_header_by_name(wsi, (const unsigned char *)"authorization:",
		                                              (const unsigned char *)w->auth,
		                                              (int)strlen(w->auth), p, end))
			return -1;
		return 0;
	}
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		w->established = true;
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		w->failed = true;
		w->wsi = NULL;
		if (wsi) {
			w->http_status = (int)lws_http_client_http_response(wsi);
			if (lws_hdr_copy(wsi, w->retry_after, sizeof(w->retry_after), WSI_TOKEN_HTTP_RETRY_AFTER) < 0)
				w->retry_after[0] = 0;
		}
		return 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2)
			w->close_code = ((const unsigned char *)in)[0] << 8 | ((const unsigned char *)in)[1];
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE: {
		char *nb;
		if (w->count_only) {
			if (lws_is_final_fragment(wsi)) {
				uint64_t now = sim_now_ms();
				if (w->count++ == 0)
					w->first_ms = now;
				w->last_ms = now;
			}
			return 0;
		}
		if (w->rx_len + len > SIM_HARNESS_FRAME_MAX || (nb = realloc(w->rx, w->rx_len + len + 1)) == NULL)
			return -1;
		w->rx = nb;
		memcpy(w->rx + w->rx_len, in, len);
		w->rx_len += len;
		w->rx[w->rx_len] = 0;
		if (lws_is_final_fragment(wsi)) {
			sim_wsframe *f = calloc(1, sizeof(*f));
			if (f == NULL)
				return -1;
			f->text = w->rx;
			w->rx = NULL;
			w->rx_len = 0;
			if (w->tail)
				w->tail->next = f;
			else
				w->head = f;
			w->tail = f;
			w->count++;
		}
		return 0;
	}
	case LWS_CALLBACK_CLIENT_WRITEABLE: {
		sim_wsframe *f = w->out_head;
		unsigned char buf[LWS_PRE + 125];
		if (w->want_ping) {
			w->want_ping = false;
			if (lws_write(wsi, buf + LWS_PRE, 0, LWS_WRITE_PING) < 0)
				return -1;
		} else if (f != NULL) {
			size_t n = strlen(f->text);
			unsigned char *b = malloc(LWS_PRE + n + 1);
			int r;
			if (b == NULL)
				return -1;
			memcpy(b + LWS_PRE, f->text, n);
			r = lws_write(wsi, b + LWS_PRE, n, LWS_WRITE_TEXT);
			free(b);
			w->out_head = f->next;
			if (w->out_head == NULL)
				w->out_tail = NULL;
			free(f->text);
			free(f);
			if (r < (int)n)
				return -1;
		}
		if (w->out_head || w->want_ping)
			lws_callback_on_writable(wsi);
		return 0;
	}
	case LWS_CALLBACK_CLIENT_CLOSED:
		w->closed = true;
		w->wsi = NULL;
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols sim__ws_protocols[] = {
	{"sim-harness", sim__ws_cb, 0, 65536, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

/* Run the client's loop until *flag is true, the socket is gone, or timeout_ms passes. */
static inline void
sim_ws_service_until(sim_ws *w, const bool *flag, unsigned timeout_ms)
{
	uint64_t deadline = sim_now_ms() + timeout_ms;

	while ((flag == NULL || !*flag) && !w->closed && !w->failed && sim_now_ms() < deadline)
		lws_service(w->ctx, 0);
}

/*
 * Open the chat stream with `token` (NULL: no Authorization header) and wait up to
 * timeout_ms for the handshake. Always returns a handle (NULL only when out of
 * memory): check ->established, or ->failed with ->http_status and ->retry_after.
 */
static inline sim_ws *
sim_ws_open_path(const sim_proc *p, const char *token, const char *path, unsigned timeout_ms)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info ci;
	sim_ws *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	if (token)
		snprintf(w->auth, sizeof(w->auth), "Bearer %s", token);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = sim__ws_protocols;
	info.user = w;
	if (p->tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	lws_set_log_level(LLL_ERR, NULL);
	w->ctx = lws_create_context(&info);
	if (w->ctx == NULL) {
		w->failed = true;
		return w;
	}
	lws_sul_schedule(w->ctx, 0, &w->tick, sim__ws_tick, 20 * LWS_US_PER_MS);
	memset(&ci, 0, sizeof(ci));
	ci.context = w->ctx;
	ci.address = "127.0.0.1";
	ci.port = p->port;
	ci.path = path;
	ci.host = "127.0.0.1";
	ci.origin = "127.0.0.1";
	ci.alpn = "http/1.1";
	if (p->tls)
		ci.ssl_connection = LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED |
		                    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK | LCCSCF_ALLOW_INSECURE;
	ci.pwsi = &w->wsi;
	if (lws_client_connect_via_info(&ci) == NULL) {
		w->failed = true;
		return w;
	}
	sim_ws_service_until(w, &w->established, timeout_ms);
	return w;
}

static inline sim_ws *
sim_ws_open(const sim_proc *p, const char *token, unsigned timeout_ms)
{
	return sim_ws_open_path(p, token, "/api/v2/chat/stream", timeout_ms);
}

/* The next received text frame (caller frees), or NULL after timeout_ms or a close. */
static inline char *
sim_ws_recv(sim_ws *w, unsigned timeout_ms)
{
	uint64_t deadline = sim_now_ms() + timeout_ms;
	sim_wsframe *f;
	char *t;

	while (w->head == NULL && !w->closed && !w->failed && sim_now_ms() < deadline)
		lws_service(w->ctx, 0);
	if ((f = w->head) == NULL)
		return NULL;
	w->head = f->next;
	if (w->head == NULL)
		w->tail = NULL;
	t = f->text;
	free(f);
	return t;
}

/* The next frame whose text contains `needle` (others are dropped), or NULL. Caller frees. */
static inline char *
sim_ws_recv_match(sim_ws *w, const char *needle, unsigned timeout_ms)
{
	uint64_t deadline = sim_now_ms() + timeout_ms;
	char *t;

	while (sim_now_ms() < deadline) {
		uint64_t now = sim_now_ms();
		t = sim_ws_recv(w, (unsigned)(deadline - now));
		if (t == NULL)
			return NULL;
		if (strstr(t, needle))
			return t;
		free(t);
	}
	return NULL;
}

/* Queue a text frame; it goes out as the loop runs (sim_ws_recv / sim_ws_service_until). */
static inline int
sim_ws_send(sim_ws *w, const char *text)
{
	sim_wsframe *f;

	if (w->wsi == NULL || (f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	if ((f->text = strdup(text)) == NULL) {
		free(f);
		return -1;
	}
	if (w->out_tail)
		w->out_tail->next = f;
	else
		w->out_head = f;
	w->out_tail = f;
	lws_callback_on_writable(w->wsi);
	return 0;
}

static inline int
sim_ws_ping(sim_ws *w)
{
	if (w->wsi == NULL)
		return -1;
	w->want_ping = true;
	lws_callback_on_writable(w->wsi);
	return 0;
}

/* Wait for the server to close the stream; true if it did within timeout_ms. */
static inline bool
sim_ws_wait_closed(sim_ws *w, unsigned timeout_ms)
{
	uint64_t deadline = sim_now_ms() + timeout_ms;

	while (!w->closed && !w->failed && sim_now_ms() < deadline)
		lws_service(w->ctx, 0);
	return w->closed || w->failed;
}

static inline void
sim_ws_close(sim_ws *w)
{
	if (w == NULL)
		return;
	if (w->ctx)
		lws_context_destroy(w->ctx);
	while (w->head) {
		sim_wsframe *f = w->head;
		w->head = f->next;
		free(f->text);
		free(f);
	}
	while (w->out_head) {
		sim_wsframe *f = w->out_head;
		w->out_head = f->next;
		free(f->text);
		free(f);
	}
	free(w->rx);
	free(w);
}

/* Write `json` to a fresh temporary scenario file; path into out. 0 or -1. Caller unlinks. */
static inline int
sim_scenario_tmp(const char *json, char *out, size_t outlen)
{
	int fd;
	size_t n = strlen(json);

	snprintf(out, outlen, "/tmp/cxsim-scenario-XXXXXX");
	if ((fd = mkstemp(out)) < 0)
		return -1;
	if (write(fd, json, n) != (ssize_t)n) {
		close(fd);
		unlink(out);
		return -1;
	}
	close(fd);
	return 0;
}

#endif
