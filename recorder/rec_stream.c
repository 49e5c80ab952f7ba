/* SPDX-License-Identifier: MIT */
/* rec_stream: libwebsockets client for the chat stream — every frame onto the tape, reconnects with jitter. */
#include <libwebsockets.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lc_log.h"
#include "rec_pace.h"
#include "rec_stream.h"

#define REC_HOST_MAX 256
#define REC_WSPATH_MAX 512
#define REC_TICK_US (100 * LWS_US_PER_MS)
#define REC_STOP_GRACE_NS ((int64_t)5000000000)   /* drain plus close handshake, at most */
/*
 * On a stop, read on until the peer has been quiet for REC_DRAIN_QUIET_NS,
 * REC_DRAIN_BYTES were read (more than the kernel can hold in both sockets'
 * buffers, so every frame the peer sent before the signal is in), or
 * REC_DRAIN_MAX_NS passed; then close. lws may drop data after our close frame.
 */
#define REC_DRAIN_QUIET_NS ((int64_t)100000000)
#define REC_DRAIN_BYTES ((uint64_t)16 << 20)
#define REC_DRAIN_MAX_NS ((int64_t)2000000000)

enum st { ST_IDLE, ST_WAIT_TOKEN, ST_CONNECTING, ST_OPEN, ST_BACKOFF, ST_CLOSING };

typedef struct out_frame {
	struct out_frame *next;
	int64_t not_before;
	char tag[REC_TAG_MAX];
	char conv[REC_NAME_MAX];
	size_t len;
	unsigned char data[];     /* LWS_PRE headroom, then len bytes */
} out_frame;

struct rec_stream {
	rec_stream_opts o;
	char host[REC_HOST_MAX], path[REC_WSPATH_MAX], cacert[LC_URL_MAX];
	int port;
	bool tls;
	struct lws_context *ctx;
	struct lws *wsi;
	lws_sorted_usec_list_t sul_tick, sul_ping, sul_retry, sul_send, sul_drain;
	int64_t last_rx_ns, drain_until;
	int64_t alive_ns;              /* the last proof of life: the open, a pong, any data */
	int64_t pong_timeout_ns;
	bool rx_seen;                  /* data came since the last tick (cheaper than a clock per frame) */
	uint64_t drain_bytes;
	enum st state;
	rec_backoff bo;
	long attempts;                 /* failed attempts since the last open */
	lc_json_parser *parser;
	lc_buf rx;
	lc_buf tx;                     /* the frame being sent, unmasked */
	bool rx_trunc;
	char token[LC_OAUTH_TOKEN_MAX];
	int close_code;
	char close_reason[128];
	bool want_ping, close_now, stopping, done;
	int64_t stop_deadline, run_deadline;
	const volatile sig_atomic_t *stop;
	lc_status fatal;
	lc_err ferr;
	out_frame *qhead, *qtail;
	size_t qn;
	rec_bucket bucket;
	rec_stream_stats st;
	uint64_t malformed_logged;
	/* the inbox: written by the worker thread under mu */
	pthread_mutex_t mu;
	bool in_ready;
	lc_status in_status;
	char in_token[LC_OAUTH_TOKEN_MAX];
	char in_msg[LC_ERR_MSG_MAX];
};

void
rec_stream_opts_init(rec_stream_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ping_s = 20;
	o->backoff_base_ms = 2000;
	o->backoff_cap_ms = 60000;
	o->max_retries = -1;
	o->bucket_rate = 10;
	o->bucket_burst = 20;
}

bool
rec_stream_url(const char *base_url, bool *tls, char *host, size_t hostcap, int *port, char *path,
    size_t pathcap)
{
	const char *p, *slash, *colon;
	size_t hl;

	if (strncmp(base_url, "https://", 8) == 0) {
		*tls = true;
		p = base_url + 8;
	} else if (strncmp(base_url, "http://", 7) == 0) {
		*tls = false;
		p = base_url + 7;
	} else {
		return false;
	}
	slash = p + strcspn(p, "/?#");
	colon = memchr(p, ':', (size_t)(slash - p));
	hl = (size_t)((colon ? colon : slash) - p);
	if (hl == 0 || hl >= hostcap)
		return false;
	memcpy(host, p, hl);
	host[hl] = 0;
	*port = colon ? atoi(colon + 1) : (*tls ? 443 : 80);
	if (*port <= 0 || *port > 65535)
		return false;
	hl = strcspn(slash, "?#");
	while (hl > 0 && slash[hl - 1] == '/')
		hl--;
	return (size_t)snprintf(path, pathcap, "%.*s/api/v2/chat/stream", (int)hl, slash) < pathcap;
}

static void
set_fatal(rec_stream *s, lc_status rc, const char *msg)
{
	if (s->fatal == LC_OK) {
		s->fatal = rc;
		lc_err_set(&s->ferr, rc, "%s", msg);
	}
	s->done = true;
}

/* ------------------------------------------------------------------ recording */

static void
record_open(rec_stream *s, int status, const char *reason, const char *retry_after, const char *www)
{
	cx_header hd[3];
	char auth[LC_OAUTH_TOKEN_MAX + 8];
	cx_event ev;
	uint32_t n = 0;

	memset(&ev, 0, sizeof(ev));
	ev.kind = CX_STREAM_OPEN;
	ev.path = lc_bytes_str(s->path);
	ev.status = (uint16_t)status;
	ev.reason = lc_bytes_str(reason);
	snprintf(auth, sizeof(auth), "Bearer %s", s->token);   /* redacted by the tape: a pseudonym */
	hd[n++] = (cx_header){lc_bytes_str("Authorization"), lc_bytes_str(auth)};
	if (retry_after && retry_after[0])
		hd[n++] = (cx_header){lc_bytes_str("Retry-After"), lc_bytes_str(retry_after)};
	if (www && www[0])
		hd[n++] = (cx_header){lc_bytes_str("WWW-Authenticate"), lc_bytes_str(www)};
	ev.headers = hd;
	ev.n_headers = n;
	rec_capture_put(s->o.cap, &ev);
	explicit_bzero(auth, sizeof(auth));
}

static void
record_close(rec_stream *s, int code, const char *reason)
{
	cx_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = CX_STREAM_CLOSE;
	ev.close_code = code;
	ev.reason = lc_bytes_str(reason);
	ev.path = lc_bytes_str(s->path);
	rec_capture_put(s->o.cap, &ev);
}

static void
record_note(rec_stream *s, const char *label, const char *text)
{
	cx_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = CX_ANNOTATION;
	ev.reason = lc_bytes_str(label);
	ev.raw = lc_bytes_str(text);
	rec_capture_put(s->o.cap, &ev);
}

static void
frame_done(rec_stream *s, bool binary)
{
	lc_envelope env;
	cx_event ev;
	bool ok = false;

	memset(&ev, 0, sizeof(ev));
	ev.kind = CX_FRAME_IN;
	ev.raw = lc_buf_bytes(&s->rx);
	if (binary)
		ev.flags |= CX_F_BINARY;
	if (s->rx_trunc)
		ev.flags |= CX_F_TRUNCATED;
	if (!binary && !s->rx_trunc && lc_json_envelope_parse(s->parser, s->rx.ptr, s->rx.len, &env) == LC_OK) {
		ok = true;
		ev.conversation = env.conversation_id;
	} else {
		ev.flags |= CX_F_MALFORMED;
		rec_capture_count_malformed(s->o.cap);
		if (s->malformed_logged++ < 5)
			lc_warn("received a frame that is not a JSON envelope (%zu bytes%s); recorded as it "
			        "came, the stream goes on", s->rx.len, s->rx_trunc ? ", cut at 1 MiB" : "");
	}
	rec_capture_put(s->o.cap, &ev);
	if (s->o.hooks.on_frame)
		s->o.hooks.on_frame(s->o.ud, ok ? &env : NULL);
	lc_buf_reset(&s->rx);
	s->rx_trunc = false;
}

/* ------------------------------------------------------------------ connecting */

static void request_token(rec_stream *s);

static void
retry_fire(lws_sorted_usec_list_t *sul)
{
	rec_stream *s = lws_container_of(sul, rec_stream, sul_retry);

	if (s->state == ST_BACKOFF && !s->stopping)
		request_token(s);
}

/* One more failed attempt: wait (at least min_ms) and try again, or give up. */
static void
schedule_retry(rec_stream *s, uint32_t min_ms, const char *why)
{
	uint32_t d = rec_backoff_next_ms(&s->bo);
	char note[256];

	if (d < min_ms)
		d = min_ms;
	s->attempts++;
	if (s->o.max_retries >= 0 && s->attempts > s->o.max_retries) {
		char msg[LC_ERR_MSG_MAX];
		snprintf(msg, sizeof(msg), "the chat stream at %s:%d failed %ld times in a row (last: %s); "
		         "giving up as --max-retries %ld asks", s->host, s->port, s->attempts, why,
		         s->o.max_retries);
		set_fatal(s, LC_ENET, msg);
		return;
	}
	s->state = ST_BACKOFF;
	snprintf(note, sizeof(note), "{\"attempt\":%ld,\"delay_ms\":%u,\"after\":\"%s\"}", s->attempts, d, why);
	record_note(s, "reconnect_scheduled", note);
	lc_info("stream: %s; reconnecting in %u ms (attempt %ld)", why, d, s->attempts);
	lws_sul_schedule(s->ctx, 0, &s->sul_retry, retry_fire, (lws_usec_t)d * LWS_US_PER_MS);
}

static void
request_token(rec_stream *s)
{
	rec_job job;

	memset(&job, 0, sizeof(job));
	job.kind = REC_JOB_TOKEN;
	s->state = ST_WAIT_TOKEN;
	if (rec_worker_submit(s->o.worker, &job) != LC_OK)
		schedule_retry(s, 0, "the REST worker is busy");
}

static void
connect_now(rec_stream *s)
{
	struct lws_client_connect_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.context = s->ctx;
	ci.address = s->host;
	ci.port = s->port;
	ci.path = s->path;
	ci.host = s->host;
	ci.origin = s->host;
	ci.alpn = "http/1.1";
	ci.local_protocol_name = "cxrecord";
	if (s->tls) {
		ci.ssl_connection = LCCSCF_USE_SSL;
		if (s->o.tls.insecure)
			ci.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
			                     LCCSCF_ALLOW_INSECURE | LCCSCF_ALLOW_EXPIRED;
	}
	ci.pwsi = &s->wsi;
	s->state = ST_CONNECTING;
	s->close_code = 0;
	s->close_reason[0] = 0;
	if (lws_client_connect_via_info(&ci) == NULL && s->state == ST_CONNECTING) {
		s->wsi = NULL;
		record_open(s, 0, "cannot start the connection", NULL, NULL);
		schedule_retry(s, 0, "cannot start the connection");
	}
}

/* The worker finished a token job: connect, back off, or stop for good. Stream thread. */
static void
inbox_drain(rec_stream *s)
{
	lc_status rc;
	char msg[LC_ERR_MSG_MAX];
	bool ready;

	pthread_mutex_lock(&s->mu);
	ready = s->in_ready;
	rc = s->in_status;
	if (ready) {
		memcpy(s->token, s->in_token, sizeof(s->token));
		explicit_bzero(s->in_token, sizeof(s->in_token));
		snprintf(msg, sizeof(msg), "%s", s->in_msg);
		s->in_ready = false;
	}
	pthread_mutex_unlock(&s->mu);
	if (!ready || s->state != ST_WAIT_TOKEN || s->stopping)
		return;
	if (rc == LC_OK)
		connect_now(s);
	else if (rc == LC_EAUTH || rc == LC_EFORBIDDEN || rc == LC_ECONFIG || rc == LC_ETLS)
		set_fatal(s, rc, msg);
	else
		schedule_retry(s, 0, msg);
}

void
rec_stream_hooks_ud(rec_stream *s, void *ud)
{
	s->o.ud = ud;
}

void
rec_stream_set_worker(rec_stream *s, rec_worker *w)
{
	s->o.worker = w;
}

void
rec_stream_job_done(void *stream, const rec_job_done *d)
{
	rec_stream *s = stream;

	if (d->job->kind != REC_JOB_TOKEN)
		return;   /* the worker logged any failure; the stream goes on */
	pthread_mutex_lock(&s->mu);
	s->in_ready = true;
	s->in_status = d->status;
	snprintf(s->in_token, sizeof(s->in_token), "%s", d->token ? d->token : "");
	snprintf(s->in_msg, sizeof(s->in_msg), "%s", d->message ? d->message : "");
	pthread_mutex_unlock(&s->mu);
	lws_cancel_service(s->ctx);
}

/* ------------------------------------------------------------------ timers */

static void
drain_fire(lws_sorted_usec_list_t *sul)
{
	rec_stream *s = lws_container_of(sul, rec_stream, sul_drain);
	int64_t now = rec_now_mono_ns();

	if (s->state != ST_OPEN || s->wsi == NULL)
		return;
	if (now - s->last_rx_ns >= REC_DRAIN_QUIET_NS || s->drain_bytes >= REC_DRAIN_BYTES ||
	    now >= s->drain_until) {
		s->close_now = true;
		s->state = ST_CLOSING;
		lws_callback_on_writable(s->wsi);
		return;
	}
	lws_sul_schedule(s->ctx, 0, &s->sul_drain, drain_fire, 20 * LWS_US_PER_MS);
}

static void
begin_stop(rec_stream *s)
{
	int64_t now = rec_now_mono_ns();

	if (s->stopping)
		return;
	s->stopping = true;
	s->stop_deadline = now + REC_STOP_GRACE_NS;
	if (s->state == ST_OPEN && s->wsi) {
		s->last_rx_ns = now;
		s->drain_until = now + REC_DRAIN_MAX_NS;
		s->drain_bytes = 0;
		lws_sul_schedule(s->ctx, 0, &s->sul_drain, drain_fire, 20 * LWS_US_PER_MS);
	} else if (s->state != ST_CONNECTING) {
		s->done = true;
	}
}

/*
 * The peer has sent nothing (no pong, no frame) for the pong timeout: it is
 * dead even if its socket is not closed. The time since its last sign of life
 * goes on the tape as a gap, the agent hears of it, and the connection is
 * dropped at once (no close handshake: nobody would answer it); on_closed
 * records the close and schedules the reconnect.
 */
static void
declare_dead(rec_stream *s, int64_t now)
{
	char why[64], body[160];
	cx_event ev;

	snprintf(why, sizeof(why), "no pong within %g s", (double)s->pong_timeout_ns / 1e9);
	snprintf(body, sizeof(body), "{\"duration_ms\":%lld,\"ping_interval_s\":%u,\"pong_timeout_s\":%g}",
	         (long long)((now - s->alive_ns) / 1000000), s->o.ping_s, (double)s->pong_timeout_ns / 1e9);
	s->st.dead++;
	lc_warn("stream: %s (%.1f s without a pong or a frame): the peer is gone; closing and reconnecting",
	        why, (double)(now - s->alive_ns) / 1e9);
	memset(&ev, 0, sizeof(ev));
	ev.kind = CX_GAP;
	ev.reason = lc_bytes_str(why);
	ev.raw = lc_bytes_str(body);
	rec_capture_put(s->o.cap, &ev);
	if (s->o.hooks.on_dead)
		s->o.hooks.on_dead(s->o.ud, why);
	s->close_code = LWS_CLOSE_STATUS_ABNORMAL_CLOSE;
	snprintf(s->close_reason, sizeof(s->close_reason), "%s", why);
	s->state = ST_CLOSING;
	lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/*
 * Every tick: data seen since the last one is a sign of life; too long without
 * one is death. (Should the receive side ever be paused on purpose, e.g. flow
 * control while the writer catches up, that time must not count: pongs are
 * not read then either.)
 */
static void
check_alive(rec_stream *s, int64_t now)
{
	if (s->rx_seen) {
		s->rx_seen = false;
		s->alive_ns = now;
	}
	if (s->state == ST_OPEN && s->wsi && !s->stopping && now - s->alive_ns >= s->pong_timeout_ns)
		declare_dead(s, now);
}

static void
tick_fire(lws_sorted_usec_list_t *sul)
{
	rec_stream *s = lws_container_of(sul, rec_stream, sul_tick);
	int64_t now = rec_now_mono_ns();

	if ((s->stop && *s->stop) || (s->run_deadline && now >= s->run_deadline))
		begin_stop(s);
	check_alive(s, now);
	if (s->o.hooks.on_tick)
		s->o.hooks.on_tick(s->o.ud);
	lws_sul_schedule(s->ctx, 0, &s->sul_tick, tick_fire, REC_TICK_US);
}

static void
ping_fire(lws_sorted_usec_list_t *sul)
{
	rec_stream *s = lws_container_of(sul, rec_stream, sul_ping);

	if (s->state == ST_OPEN && s->wsi) {
		s->want_ping = true;
		lws_callback_on_writable(s->wsi);
	}
	lws_sul_schedule(s->ctx, 0, &s->sul_ping, ping_fire, (lws_usec_t)s->o.ping_s * LWS_US_PER_SEC);
}

static void
send_fire(lws_sorted_usec_list_t *sul)
{
	rec_stream *s = lws_container_of(sul, rec_stream, sul_send);

	if (s->state == ST_OPEN && s->wsi)
		lws_callback_on_writable(s->wsi);
}

/* ------------------------------------------------------------------ writing */

/* The first queued frame whose time has come; *soonest gets the earliest not_before otherwise. */
static out_frame *
queue_pick(rec_stream *s, int64_t now, out_frame **prev_out, int64_t *soonest)
{
	out_frame *prev = NULL;

	*soonest = INT64_MAX;
	for (out_frame *f = s->qhead; f; prev = f, f = f->next) {
		if (f->not_before <= now) {
			*prev_out = prev;
			return f;
		}
		if (f->not_before < *soonest)
			*soonest = f->not_before;
	}
	return NULL;
}

static void
queue_unlink(rec_stream *s, out_frame *prev, out_frame *f)
{
	if (prev)
		prev->next = f->next;
	else
		s->qhead = f->next;
	if (s->qtail == f)
		s->qtail = prev;
	s->qn--;
}

static int
on_writable(rec_stream *s, struct lws *wsi)
{
	int64_t now = rec_now_mono_ns(), soonest, wait;
	out_frame *f, *prev = NULL;
	cx_event ev;

	if (s->close_now) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)"recorder stopping", 17);
		return -1;
	}
	if (s->want_ping) {
		unsigned char buf[LWS_PRE + 8];
		s->want_ping = false;
		if (lws_write(wsi, buf + LWS_PRE, 0, LWS_WRITE_PING) < 0)
			return -1;
		s->st.pings++;
		if (s->qhead)
			lws_callback_on_writable(wsi);
		return 0;
	}
	if ((f = queue_pick(s, now, &prev, &soonest)) == NULL) {
		if (soonest != INT64_MAX)
			lws_sul_schedule(s->ctx, 0, &s->sul_send, send_fire, (lws_usec_t)((soonest - now) / 1000 + 1));
		return 0;
	}
	if (!rec_bucket_take(&s->bucket, now, &wait)) {
		lws_sul_schedule(s->ctx, 0, &s->sul_send, send_fire, (lws_usec_t)(wait / 1000 + 1));
		return 0;
	}
	/* lws_write masks a client frame in place: keep the bytes as sent for the tape first */
	lc_buf_reset(&s->tx);
	if (lc_buf_append(&s->tx, f->data + LWS_PRE, f->len) != LC_OK)
		return -1;
	if (lws_write(wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT) < (int)f->len) {
		memcpy(f->data + LWS_PRE, s->tx.ptr, f->len);   /* unmasked again: it goes out after the reconnect */
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = CX_FRAME_OUT;
	ev.raw = lc_buf_bytes(&s->tx);
	ev.conversation = lc_bytes_str(f->conv);
	rec_capture_put(s->o.cap, &ev);
	s->st.sent++;
	queue_unlink(s, prev, f);
	if (s->o.hooks.on_sent)
		s->o.hooks.on_sent(s->o.ud, f->tag, ev.mono_ns);
	free(f);
	if (s->qhead)
		lws_callback_on_writable(wsi);
	return 0;
}

lc_status
rec_stream_send(rec_stream *s, lc_bytes data, const char *tag, lc_bytes conversation,
    int64_t not_before_mono_ns)
{
	out_frame *f;

	if (s->qn >= REC_OUT_QUEUE_MAX || data.len > LC_FRAME_MAX) {
		s->st.send_refused++;
		lc_error("outbound queue full (%u frames) or frame over 1 MiB: a frame was not sent "
		         "(%llu so far)", REC_OUT_QUEUE_MAX, (unsigned long long)s->st.send_refused);
		return LC_EFULL;
	}
	if ((f = malloc(sizeof(*f) + LWS_PRE + data.len)) == NULL)
		return LC_ENOMEM;
	memset(f, 0, sizeof(*f));
	f->not_before = not_before_mono_ns;
	snprintf(f->tag, sizeof(f->tag), "%s", tag ? tag : "");
	snprintf(f->conv, sizeof(f->conv), "%.*s", (int)conversation.len, (const char *)conversation.ptr);
	f->len = data.len;
	memcpy(f->data + LWS_PRE, data.ptr, data.len);
	if (s->qtail)
		s->qtail->next = f;
	else
		s->qhead = f;
	s->qtail = f;
	s->qn++;
	if (s->state == ST_OPEN && s->wsi)
		lws_callback_on_writable(s->wsi);
	return LC_OK;
}

size_t
rec_stream_drop_conversation(rec_stream *s, lc_bytes conversation,
    void (*dropped)(void *ud, const char *tag), void *ud)
{
	out_frame *prev = NULL, *f = s->qhead;
	size_t n = 0;

	if (conversation.len == 0 || conversation.len >= REC_NAME_MAX)
		return 0;
	while (f != NULL) {
		out_frame *next = f->next;

		if (strlen(f->conv) == conversation.len &&
		    memcmp(f->conv, conversation.ptr, conversation.len) == 0) {
			queue_unlink(s, prev, f);       /* counts it out of qn */
			if (dropped != NULL && f->tag[0])
				dropped(ud, f->tag);
			free(f);
			n++;
		} else {
			prev = f;
		}
		f = next;
	}
	return n;
}

/* ------------------------------------------------------------------ the lws callback */

static void
on_connection_error(rec_stream *s, struct lws *wsi, const char *in)
{
	char ra[32] = "", www[256] = "", why[300];
	int status = 0;
	uint32_t min_ms = 0;

	if (wsi) {
		status = (int)lws_http_client_http_response(wsi);
		if (lws_hdr_copy(wsi, ra, sizeof(ra), WSI_TOKEN_HTTP_RETRY_AFTER) < 0)
			ra[0] = 0;
		if (lws_hdr_copy(wsi, www, sizeof(www), WSI_TOKEN_HTTP_WWW_AUTHENTICATE) < 0)
			www[0] = 0;
	}
	s->wsi = NULL;
	snprintf(why, sizeof(why), "handshake %s%s%s", status ? "refused with " : "failed: ",
	         status ? "" : (in ? in : "no answer"), "");
	if (status)
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "%d", status);
	record_open(s, status, in ? in : "connection failed", ra, www);
	s->st.refused_handshakes++;
	if (s->stopping) {
		s->done = true;
		return;
	}
	if (status == 403) {
		set_fatal(s, LC_EFORBIDDEN, "the chat stream refused the handshake (403): the token lacks "
		          "the scope chat:read; grant it to the client in CXone");
		return;
	}
	if (status == 429 && ra[0])
		min_ms = (uint32_t)(atof(ra) * 1000);
	schedule_retry(s, min_ms, why);   /* a 401 is fixed by the fresh token every attempt gets */
}

static void
on_closed(rec_stream *s)
{
	bool was_open = s->state == ST_OPEN || s->state == ST_CLOSING;

	s->wsi = NULL;
	lc_buf_reset(&s->rx);
	s->rx_trunc = false;
	if (!was_open)
		return;
	s->st.closes++;
	if (s->stopping) {
		record_close(s, s->close_code ? s->close_code : 1000, "recorder stopping");
		s->done = true;
	} else {
		record_close(s, s->close_code ? s->close_code : 1006,
		             s->close_reason[0] ? s->close_reason : "connection lost (no close frame)");
	}
	if (s->o.hooks.on_close)
		s->o.hooks.on_close(s->o.ud);
	if (!s->stopping)
		schedule_retry(s, 0, s->close_reason[0] ? s->close_reason : "connection lost");
}

static int
stream_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct lws_context *ctx = lws_get_context(wsi);
	rec_stream *s = ctx ? lws_context_user(ctx) : NULL;

	(void)user;
	if (s == NULL)
		return 0;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
		unsigned char **p = in, *end = *p + len;
		char auth[LC_OAUTH_TOKEN_MAX + 8];
		int n = snprintf(auth, sizeof(auth), "Bearer %s", s->token), r;
		r = lws_add_http_header_by_name(wsi, (const unsigned char *)"authorization:",
		                                (const unsigned char *)auth, n, p, end);
		explicit_bzero(auth, sizeof(auth));
		return r ? -1 : 0;
	}
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		s->state = ST_OPEN;
		s->attempts = 0;
		rec_backoff_reset(&s->bo);
		s->st.opens++;
		s->alive_ns = rec_now_mono_ns();
		s->rx_seen = false;
		record_open(s, 101, "", NULL, NULL);
		lc_info("stream open: %s://%s:%d%s", s->tls ? "wss" : "ws", s->host, s->port, s->path);
		if (s->o.hooks.on_open)
			s->o.hooks.on_open(s->o.ud);
		if (s->qhead)
			lws_callback_on_writable(wsi);
		if (s->stopping) {   /* the stop came while connecting */
			s->close_now = true;
			s->state = ST_CLOSING;
			lws_callback_on_writable(wsi);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (s->state == ST_CONNECTING)
			on_connection_error(s, wsi, in);
		return 0;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2) {
			const unsigned char *b = in;
			s->close_code = b[0] << 8 | b[1];
			snprintf(s->close_reason, sizeof(s->close_reason), "%.*s", (int)(len - 2 > 120 ? 120 : len - 2),
			         (const char *)b + 2);
		}
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		s->rx_seen = true;
		if (s->stopping) {
			s->last_rx_ns = rec_now_mono_ns();
			s->drain_bytes += len;
		}
		if (!s->rx_trunc && lc_buf_append(&s->rx, in, len) != LC_OK) {
			size_t room = s->rx.max > s->rx.len ? s->rx.max - s->rx.len : 0;
			if (room && lc_buf_append(&s->rx, in, room) != LC_OK)
				return -1;
			s->rx_trunc = true;
		}
		if (lws_is_final_fragment(wsi))
			frame_done(s, lws_frame_is_binary(wsi));
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		s->st.pongs++;
		s->alive_ns = rec_now_mono_ns();
		return 0;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return on_writable(s, wsi);
	case LWS_CALLBACK_CLIENT_CLOSED:
		on_closed(s);
		return 0;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		inbox_drain(s);
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols stream_protocols[] = {
	{"cxrecord", stream_cb, 0, 65536, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

static void
lws_log_emit(int level, const char *line)
{
	size_t n = strlen(line);

	while (n > 0 && line[n - 1] == '\n')
		n--;
	lc_log(level == LLL_ERR ? LC_LOG_WARN : LC_LOG_DEBUG, "libwebsockets: %.*s", (int)n, line);
}

lc_status
rec_stream_new(const rec_stream_opts *o, rec_stream **out, lc_err *err)
{
	struct lws_context_creation_info info;
	rec_stream *s;
	lc_status rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory starting the stream client");
	s->o = *o;
	if (s->o.ping_s == 0)
		s->o.ping_s = 20;
	if (s->o.pong_timeout_s == 0) {
		s->o.pong_timeout_s = 2.0 * s->o.ping_s;
		if (s->o.pong_timeout_s < REC_PONG_FLOOR_S)
			s->o.pong_timeout_s = REC_PONG_FLOOR_S;
	}
	s->pong_timeout_ns = (int64_t)(s->o.pong_timeout_s * 1e9);
	pthread_mutex_init(&s->mu, NULL);
	lc_buf_init(&s->rx, LC_FRAME_MAX);
	lc_buf_init(&s->tx, LC_FRAME_MAX);
	if (!(s->o.pong_timeout_s > s->o.ping_s)) {
		rc = lc_err_set(err, LC_ECONFIG, "the pong timeout (%g s, --pong-timeout or pong_timeout_s) must "
		    "be longer than the ping interval (%u s): a pong can only answer a ping", s->o.pong_timeout_s,
		    s->o.ping_s);
		goto fail;
	}
	if (!rec_stream_url(o->base_url, &s->tls, s->host, sizeof(s->host), &s->port, s->path, sizeof(s->path))) {
		rc = lc_err_set(err, LC_ECONFIG, "base URL '%s' must be http(s)://HOST[:PORT]; set --base-url "
		    "or CXONE_BASE_URL", o->base_url);
		goto fail;
	}
	if (o->tls.cacert) {
		snprintf(s->cacert, sizeof(s->cacert), "%s", o->tls.cacert);
		s->o.tls.cacert = s->cacert;
	}
	if ((rc = lc_json_parser_new(&s->parser, err)) != LC_OK)
		goto fail;
	rec_backoff_init(&s->bo, o->backoff_base_ms, o->backoff_cap_ms,
	                 (uint64_t)rec_now_wall_ns() ^ (uint64_t)(uintptr_t)s);
	rec_bucket_init(&s->bucket, o->bucket_rate, o->bucket_burst, rec_now_mono_ns());
	lws_set_log_level(LLL_ERR | (lc_log_level_get() >= LC_LOG_DEBUG ? LLL_WARN | LLL_NOTICE : 0),
	                  lws_log_emit);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = stream_protocols;
	info.user = s;
	info.gid = (gid_t)-1;
	info.uid = (uid_t)-1;
	if (s->tls) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.client_ssl_ca_filepath = s->o.tls.cacert;
	}
	if ((s->ctx = lws_create_context(&info)) == NULL) {
		rc = lc_err_set(err, LC_EINTERNAL, "libwebsockets could not create its context%s",
		    s->tls ? " (check --cacert)" : "");
		goto fail;
	}
	*out = s;
	return LC_OK;
fail:
	rec_stream_free(s);
	return rc;
}

void
rec_stream_free(rec_stream *s)
{
	if (s == NULL)
		return;
	s->stopping = true;   /* a close during the teardown is recorded, never retried */
	if (s->ctx)
		lws_context_destroy(s->ctx);
	while (s->qhead) {
		out_frame *f = s->qhead;
		s->qhead = f->next;
		free(f);
	}
	lc_json_parser_free(s->parser);
	lc_buf_free(&s->rx);
	lc_buf_free(&s->tx);
	pthread_mutex_destroy(&s->mu);
	explicit_bzero(s->token, sizeof(s->token));
	free(s);
}

lc_status
rec_stream_run(rec_stream *s, const volatile sig_atomic_t *stop, double duration_s, lc_err *err)
{
	s->stop = stop;
	s->run_deadline = duration_s > 0 ? rec_now_mono_ns() + (int64_t)(duration_s * 1e9) : 0;
	lws_sul_schedule(s->ctx, 0, &s->sul_tick, tick_fire, REC_TICK_US);
	lws_sul_schedule(s->ctx, 0, &s->sul_ping, ping_fire, (lws_usec_t)s->o.ping_s * LWS_US_PER_SEC);
	request_token(s);
	while (!s->done) {
		if (lws_service(s->ctx, 0) < 0)
			break;
		if (s->stopping && rec_now_mono_ns() >= s->stop_deadline) {
			if (s->state == ST_CLOSING)
				record_close(s, 1000, "recorder stopping (close handshake not completed)");
			s->state = ST_IDLE;
			s->done = true;
		}
	}
	if (s->qn)
		lc_warn("%zu outbound frames were still waiting at exit (not sent)", s->qn);
	if (s->fatal)
		return lc_err_set(err, s->fatal, "%s", lc_err_text(&s->ferr));
	return LC_OK;
}

void
rec_stream_stats_get(const rec_stream *s, rec_stream_stats *out)
{
	*out = s->st;
	out->queued = s->qn;
}
