/* SPDX-License-Identifier: MIT */
/* lc_tape_int: the tape module's private header, shared by its four files and included nowhere else. */
#ifndef LC_TAPE_INT_H
#define LC_TAPE_INT_H

/*
 * The tape module (public contract: lc_tape.h) is cut along its seams:
 *   lc_tape.c          open and close, meta, session summaries, read transactions, sessions
 *   lc_tape_write.c    the producers' queue and the group-committing writer thread
 *   lc_tape_cursor.c   cursors: selection, snapshots, live follow
 *   lc_tape_verify.c   lc_tape_verify
 * What they share is here: the handle and cursor structs, the queue's types, and the few
 * helpers more than one file calls (prefixed tape_). LMDB is the tape's dependency: lmdb.h
 * is included by this header and the four files only. docs/internals/tape.md has the design.
 */
#include <limits.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "lc_record.h"
#include "lc_tape.h"

#define TAPE_LOCK_FILE "cxtape.lock"
#define TAPE_CURSOR_RENEW_EVERY 4096        /* events between snapshot renewals */
#define TAPE_CURSOR_SHED_EVERY 16           /* renewals between dropping the map's resident pages */
#define TAPE_SESSION_CACHE 8                /* summaries one write txn keeps in hand */
#define TAPE_SESSIONS_MAX ((size_t)1 << 20) /* sessions listed or verified at once */
#define TAPE_SUMMARY_MAX 1024               /* bytes of one encoded session summary */
#define TAPE_QUEUE_PAD 8
#define TAPE_DISK_SLACK ((uint64_t)16 << 20) /* less free than this after a failed write: full */

enum { Q_EVENT = 1, Q_BEGIN, Q_END };

typedef struct qhdr {
	uint32_t type;
	uint32_t len;
} qhdr;

typedef struct qctl {
	int64_t wall_ns;
	char id[LC_SESSION_ID_MAX];
	char agent[LC_TAPE_NAME_MAX];
	char site[LC_TAPE_NAME_MAX];
} qctl;

/* One side of the double-buffered queue: items back to back, each qhdr + payload, 8-aligned. */
typedef struct qbuf {
	lc_buf data;
	size_t n_events;
	size_t n_items;
	uint64_t last_ticket;
} qbuf;

/* One by_conversation entry waiting for the end of its txn (points into the queue buffer). */
typedef struct conv_ref {
	const uint8_t *conv;
	uint32_t len;
	uint64_t seq;
} conv_ref;

typedef struct sess_slot {
	lc_session_info info;
	int used;
} sess_slot;

struct lc_tape {
	char dir[PATH_MAX];
	int writable;
	MDB_env *env;
	MDB_dbi db_events, db_sessions, db_conv, db_meta;
	int lock_fd;
	pthread_rwlock_t maplock;   /* read side: a live read txn; write side: remapping */

	/* shared between producers and the writer, under mu */
	lc_tape_opts opts;
	pthread_mutex_t mu;
	pthread_cond_t cv_work;
	pthread_cond_t cv_done;
	qbuf q[2];
	qbuf *active;
	uint64_t next_seq;
	uint64_t enq_ticket, done_ticket;
	int stop, flush_req;
	struct timespec first_item;
	char cur_session[LC_SESSION_ID_MAX];
	lc_redact_scratch scratch;
	lc_status poison;
	char poison_msg[LC_ERR_MSG_MAX];
	lc_tape_stats stats;
	pthread_t thread;
	int thread_started;

	/* writer thread only */
	char w_open_session[LC_SESSION_ID_MAX];
	int64_t w_wall_max, w_wall_skew;
	sess_slot w_cache[TAPE_SESSION_CACHE];
	cx_header w_hdrs[CX_HEADERS_MAX];
	lc_buf w_sum;
	struct conv_ref *w_refs;    /* this txn's by_conversation entries, batch_max_events of them */
	size_t w_nrefs;
	uint8_t *w_seqs;            /* 8 * batch_max_events: one conversation's seqs, big-endian */
};

struct lc_cursor {
	lc_tape *t;
	MDB_txn *txn;
	MDB_cursor *cev, *cconv;
	int live, positioned, finished, at_valid;
	char session[LC_SESSION_ID_MAX];
	char conv[LC_TAPE_KEY_MAX + 1];
	int has_session, has_conv;
	int64_t from_ns, to_ns, skew;
	uint64_t next_seq, stop_after, at_seq;
	unsigned since_renew;
	unsigned renewals;
	cx_event ev;
	cx_header hdrs[CX_HEADERS_MAX];
	lc_bytes rec;
};

/* ---- small helpers (every file) ------------------------------------------ */

static inline void
be64_put(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

static inline uint64_t
be64_get(const void *p)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | b[i];
	return v;
}

static inline void
copy_str(char *dst, size_t cap, const void *src, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = 0;
}

static inline int64_t
sat_add(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

/* ---- lc_tape.c ------------------------------------------------------------ */

/* An LMDB error as an lc_status with "tape DIR: what: why" in err. */
lc_status tape_mdb_fail(lc_tape *t, int rc, lc_err *err, const char *what);
void tape_free(lc_tape *t);
/* The highest seq in events (0 for none): 0 or an LMDB error. */
int tape_last_seq_get(lc_tape *t, MDB_txn *txn, uint64_t *seq);
/* meta integers: 0, MDB_NOTFOUND, EINVAL for a value that is not an integer, or an LMDB error. */
int tape_meta_get_i64(lc_tape *t, MDB_txn *txn, const char *key, int64_t *out);
int tape_meta_put_i64(lc_tape *t, MDB_txn *txn, const char *key, int64_t val);
/* Session summaries: the sessions DB value of one session, both ways. */
lc_status tape_summary_encode(const lc_session_info *s, lc_buf *out);
lc_status tape_summary_decode(const lc_tape *t, const MDB_val *v, lc_session_info *s, lc_err *err);
lc_status tape_summary_get(lc_tape *t, MDB_txn *txn, const char *id, lc_session_info *s,
    lc_err *err);
lc_status tape_sessions_list_txn(lc_tape *t, MDB_txn *txn, lc_session_info **out, size_t *n,
    lc_err *err);
/* Read transactions hold maplock's read side while they live (see lc_tape.c). */
int tape_rtxn_begin(lc_tape *t, MDB_txn **txn);
void tape_rtxn_reset(lc_tape *t, MDB_txn *txn);
void tape_rtxn_end(lc_tape *t, MDB_txn *txn);
void tape_shed_pages(lc_tape *t);

/* ---- lc_tape_write.c ------------------------------------------------------- */

/* The writer thread's body (arg: the lc_tape), started by lc_tape_open_write. */
void *tape_writer_main(void *arg);

#endif
