/* SPDX-License-Identifier: MIT */
/* lc_tape: the tape, an LMDB event log of msgpack records with sessions and a conversation index. */
#ifndef LC_TAPE_H
#define LC_TAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lc_buf.h"
#include "lc_err.h"
#include "lc_event.h"
#include "lc_redact.h"

/*
 * A tape is a directory holding an LMDB environment (data.mdb, lock.mdb) and
 * cxtape.lock. docs/tape-format.md describes what is stored, and
 * docs/internals/tape.md how the writer and the cursors work.
 *
 * One process writes (lc_tape_open_write takes an exclusive lock); any number
 * of processes read at the same time (lc_tape_open_read). Open a directory at
 * most once per process: LMDB forbids two environments on one file in one
 * process, so a process that writes reads through its writing handle.
 */
typedef struct lc_tape lc_tape;
typedef struct lc_cursor lc_cursor;

#define LC_SESSION_ID_MAX 64     /* bytes of a session id, NUL included */
#define LC_TAPE_NAME_MAX 128     /* agent and site names in a session summary, NUL included */
#define LC_TAPE_KEY_MAX 255      /* a conversation id longer than this is not indexed */

typedef struct lc_tape_opts {
	const lc_redactor *redactor; /* required to write; borrowed, must outlive the tape */
	size_t queue_events;         /* events the append queue holds (default 65536) */
	size_t queue_bytes;          /* encoded bytes the queue holds (default 64 MiB) */
	unsigned batch_events;       /* a commit starts when this many wait (default 4096) */
	unsigned batch_ms;           /* ... or when the oldest has waited this long (default 10 ms) */
	unsigned batch_max_events;   /* a backlog that built up meanwhile goes into one txn of at
	                                most this many events (default 65536; see internals doc) */
	size_t map_size;             /* initial LMDB map size (default 1 GiB; grows by doubling) */
	size_t map_size_max;         /* growth stops here: then LC_ENOSPC (default 1 TiB) */
} lc_tape_opts;

void lc_tape_opts_init(lc_tape_opts *o);

/*
 * Open DIR for recording, creating it (0700) and the tape if missing. Takes
 * the tape's lock (LC_ELOCKED naming the pid holding it), refuses a tape of a
 * newer schema (LC_EVERSION), marks sessions a killed writer left `recording`
 * as `interrupted`, and starts the writer thread. *out: caller closes with
 * lc_tape_close.
 */
lc_status lc_tape_open_write(const char *dir, const lc_tape_opts *opts, lc_tape **out,
    lc_err *err) LC_MUST_CHECK;

/* Open an existing tape read-only (any number of readers, also while it is recorded). */
lc_status lc_tape_open_read(const char *dir, lc_tape **out, lc_err *err) LC_MUST_CHECK;

/*
 * Flush, end the open session (state closed), stop the writer and free the
 * handle, even when the flush fails (the error then says what was lost).
 * Accepts NULL. Every cursor must be closed first.
 */
lc_status lc_tape_close(lc_tape *t, lc_err *err) LC_MUST_CHECK;

/*
 * Begin a session (ending the open one, if any): id_out receives its id
 * "s-YYYYMMDDTHHMMSSZ-xxxxxxxx". agent and site may be NULL. Events appended
 * with an empty session id belong to the open session; an append with none
 * open begins one with no agent or site.
 */
lc_status lc_tape_session_begin(lc_tape *t, const char *agent, const char *site,
    char id_out[LC_SESSION_ID_MAX], lc_err *err) LC_MUST_CHECK;
/* End the open session (state closed). No session open: LC_OK. */
lc_status lc_tape_session_end(lc_tape *t, lc_err *err) LC_MUST_CHECK;

/*
 * Redact (lc_redact_event), number and copy ev into the queue and return at
 * once: the caller never waits on the disk. ev stays the caller's; ev->seq is
 * ignored. *seq_out (may be NULL) receives the seq given to it. A full queue
 * returns LC_EFULL and counts the event as dropped; a poisoned tape LC_ECLOSED.
 * Thread-safe.
 */
lc_status lc_tape_append(lc_tape *t, const cx_event *ev, uint64_t *seq_out,
    lc_err *err) LC_MUST_CHECK;

/* Wait until everything appended before this call is committed (durable). */
lc_status lc_tape_flush(lc_tape *t, lc_err *err) LC_MUST_CHECK;

typedef struct lc_tape_stats {
	uint64_t appended;      /* accepted by lc_tape_append */
	uint64_t committed;     /* durable on disk */
	uint64_t dropped;       /* refused (queue full, poisoned) or lost with a failed commit */
	uint64_t batches;       /* write txns committed */
	uint64_t bytes;         /* record bytes committed */
	uint64_t map_resizes;   /* times the map grew */
	uint64_t last_seq;      /* highest committed seq */
} lc_tape_stats;

void lc_tape_stats_get(lc_tape *t, lc_tape_stats *out);

typedef enum lc_session_state {
	LC_SESSION_RECORDING = 0,
	LC_SESSION_CLOSED = 1,
	LC_SESSION_INTERRUPTED = 2,
} lc_session_state;

/* "recording", "closed", "interrupted" ("unknown" otherwise). */
const char *lc_session_state_name(lc_session_state s);

typedef struct lc_session_info {
	char id[LC_SESSION_ID_MAX];
	char agent[LC_TAPE_NAME_MAX];
	char site[LC_TAPE_NAME_MAX];
	lc_session_state state;
	int64_t start_wall_ns;   /* session begin (or first event) */
	int64_t end_wall_ns;     /* last event or session end */
	uint64_t first_seq;      /* 0 while the session has no event */
	uint64_t last_seq;
	uint64_t n_events;
	uint64_t n_frames_in;
	uint64_t n_frames_out;
	uint64_t n_http;         /* requests + responses */
	uint64_t n_bytes;        /* raw payload bytes */
} lc_session_info;

/* All sessions in id order (ids start with the UTC start second, so roughly start order). *out: free(). */
lc_status lc_tape_sessions_list(lc_tape *t, lc_session_info **out, size_t *n,
    lc_err *err) LC_MUST_CHECK;
/* One session's summary; LC_ENOTFOUND when there is none with that id. */
lc_status lc_tape_session_get(lc_tape *t, const char *id, lc_session_info *out,
    lc_err *err) LC_MUST_CHECK;

typedef struct lc_tape_meta {
	uint32_t schema;
	char creator[64];
	int64_t created_ns;
	int64_t wall_skew_ns;    /* largest step back in wall_ns between seq order and time order */
	uint64_t last_seq;
} lc_tape_meta;

lc_status lc_tape_meta_get(lc_tape *t, lc_tape_meta *out, lc_err *err) LC_MUST_CHECK;

/*
 * Walk the whole tape: every record decodes with a good checksum and sits
 * under its own seq, seqs are contiguous from 1, every by_conversation entry
 * points at an event of that conversation, every session summary agrees with
 * its events. Returns LC_ECORRUPT naming the first bad seq and what is wrong.
 * *n_events (may be NULL) receives the number of records walked.
 */
lc_status lc_tape_verify(lc_tape *t, uint64_t *n_events, lc_err *err) LC_MUST_CHECK;

/*
 * Cursors. A filter picks events; every filter field is optional and they
 * combine (AND). Events come in seq order. Time range: [from_ns, to_ns) on
 * wall_ns, found with a binary search over seq widened by the tape's recorded
 * wall-clock skew, so every event in range is returned even when producer
 * timestamps were slightly out of seq order (docs/internals/tape.md).
 */
typedef struct lc_cursor_opts {
	const char *session;       /* NULL: any session */
	const char *conversation;  /* NULL: any; else via the by_conversation index */
	int64_t from_ns;           /* default INT64_MIN */
	int64_t to_ns;             /* exclusive; default INT64_MAX */
	uint64_t from_seq;         /* first seq to consider (default 1) */
} lc_cursor_opts;

void lc_cursor_opts_init(lc_cursor_opts *o);

/* Open a cursor (no snapshot is held until the first next). Caller closes with lc_cursor_close. */
lc_status lc_cursor_open(lc_tape *t, const lc_cursor_opts *o, lc_cursor **out,
    lc_err *err) LC_MUST_CHECK;

/*
 * The next event. *ev is valid until the next call on this cursor (it points
 * into the map). At the end of what is committed now: LC_DONE, and the
 * snapshot is released; a later call sees events committed since (follow
 * mode: call again after a pause). A time range past its end, or a closed
 * session past its last seq, stays LC_DONE. Every few thousand events the cursor
 * renews its snapshot so a writer can reuse pages: a scan never skips or
 * repeats a seq, and it sees what was committed up to its last renewal.
 * A record that fails its checks: LC_ECORRUPT naming its seq.
 */
lc_status lc_cursor_next(lc_cursor *c, const cx_event **ev, lc_err *err) LC_MUST_CHECK;

/* The raw record bytes of the event last returned (same lifetime as *ev). */
lc_bytes lc_cursor_record(const lc_cursor *c);

/* Release the snapshot now (a paused follower should, so the map can grow). */
void lc_cursor_pause(lc_cursor *c);

void lc_cursor_close(lc_cursor *c);   /* accepts NULL */

#endif
