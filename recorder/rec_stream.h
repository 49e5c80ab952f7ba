/* SPDX-License-Identifier: MIT */
/* rec_stream: the chat stream client (the only user of libwebsockets) — capture, pings, reconnects, pacing. */
#ifndef REC_STREAM_H
#define REC_STREAM_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "lc_http.h"
#include "lc_json.h"
#include "rec_capture.h"
#include "rec_worker.h"

#define REC_OUT_QUEUE_MAX 4096u   /* outbound frames waiting for the socket or the bucket */
#define REC_TAG_MAX 64            /* bytes of a frame's tag (its messageId), NUL included */
#define REC_PONG_FLOOR_S 5.0      /* the default pong timeout is max(2 x ping interval, this) */

/* What the stream tells the agent; all called on the stream's thread. Any may be NULL. */
typedef struct rec_stream_hooks {
	void (*on_open)(void *ud);
	/* After the frame is on the tape. env is NULL for a malformed frame. */
	void (*on_frame)(void *ud, const lc_envelope *env);
	void (*on_close)(void *ud);
	/* A queued frame went out (tag as given to rec_stream_send) at mono_ns. */
	void (*on_sent)(void *ud, const char *tag, int64_t mono_ns);
	/* Every 100 ms. */
	void (*on_tick)(void *ud);
	/* The peer stopped answering (no pong, no frame for the pong timeout): called with the
	 * reason after the gap is on the tape and before the close (on_close follows). */
	void (*on_dead)(void *ud, const char *why);
} rec_stream_hooks;

typedef struct rec_stream_opts {
	const char *base_url;         /* ws(s) URL derived from it: http -> ws, https -> wss */
	lc_tls_opts tls;
	unsigned ping_s;              /* WebSocket ping interval (default 20) */
	double pong_timeout_s;        /* nothing from the peer (no pong, no frame) this long: it is dead;
	                                 0: max(2 x ping_s, REC_PONG_FLOOR_S); must exceed ping_s */
	uint32_t backoff_base_ms;     /* default 2000 */
	uint32_t backoff_cap_ms;      /* default 60000 */
	long max_retries;             /* reconnect attempts without an open in between; < 0: unlimited */
	double bucket_rate;           /* outbound sends per second (default 10) */
	double bucket_burst;          /* default 20 */
	rec_capture *cap;             /* borrowed */
	rec_worker *worker;           /* borrowed: fetches tokens */
	rec_stream_hooks hooks;
	void *ud;
} rec_stream_opts;

void rec_stream_opts_init(rec_stream_opts *o);

typedef struct rec_stream rec_stream;

typedef struct rec_stream_stats {
	uint64_t opens, closes, refused_handshakes, pings, pongs;
	uint64_t dead;                /* streams closed because the peer stopped answering */
	uint64_t sent, send_refused;  /* send_refused: rec_stream_send found the queue full */
	uint64_t queued;              /* frames waiting now */
} rec_stream_stats;

/* *out: caller frees with rec_stream_free. */
lc_status rec_stream_new(const rec_stream_opts *o, rec_stream **out, lc_err *err) LC_MUST_CHECK;
void rec_stream_free(rec_stream *s);   /* accepts NULL */

/*
 * Connect and serve until *stop is set, duration_s passes (0: no limit), or a
 * fatal error (bad credentials, missing scope, --max-retries used up). On a
 * stop the open stream is closed cleanly (1000) and frames that arrive before
 * the close completes are still recorded.
 */
lc_status rec_stream_run(rec_stream *s, const volatile sig_atomic_t *stop, double duration_s,
    lc_err *err) LC_MUST_CHECK;

/*
 * Queue a text frame (copied). It goes out when connected, not before
 * not_before_mono_ns (0: at once) and when the token bucket has a token: a
 * frame the bucket refuses waits, it is never lost. LC_EFULL past
 * REC_OUT_QUEUE_MAX (counted). Stream thread only.
 */
lc_status rec_stream_send(rec_stream *s, lc_bytes data, const char *tag, lc_bytes conversation,
    int64_t not_before_mono_ns) LC_MUST_CHECK;

/*
 * Drop every queued, unsent frame of a conversation (it ended: the server
 * would refuse them with 409). dropped (may be NULL) is told each frame's tag.
 * Returns how many were dropped. Call on the stream's thread, like rec_stream_send.
 */
size_t rec_stream_drop_conversation(rec_stream *s, lc_bytes conversation,
    void (*dropped)(void *ud, const char *tag), void *ud);

/* The hooks' ud, when it could not be given to rec_stream_new. */
void rec_stream_hooks_ud(rec_stream *s, void *ud);

/* The worker that fetches tokens, when it could not be given to rec_stream_new (borrowed). */
void rec_stream_set_worker(rec_stream *s, rec_worker *w);

/* The worker's completion callback (any thread): tokens and fatal errors reach the loop. */
void rec_stream_job_done(void *stream, const rec_job_done *d);

void rec_stream_stats_get(const rec_stream *s, rec_stream_stats *out);

/* "ws://127.0.0.1:8080/api/v2/chat/stream" from a base URL; false if it is not http(s). */
bool rec_stream_url(const char *base_url, bool *tls, char *host, size_t hostcap, int *port,
    char *path, size_t pathcap);

#endif
