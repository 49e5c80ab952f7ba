/* SPDX-License-Identifier: MIT */
/* lc_tape_write: the tape's producers' queue and its group-committing writer thread. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "lc_clock.h"
#include "lc_tape_int.h"

/* ---- the queue (producers, under t->mu) ------------------------------------ */

static lc_status
poisoned(lc_tape *t, lc_err *err)
{
	return lc_err_set(err, LC_ECLOSED, "%s", t->poison_msg);
}

/* Reserve an item; returns its payload offset in q->data, or SIZE_MAX. */
static size_t
q_item_begin(qbuf *q, uint32_t type)
{
	qhdr h = {type, 0};
	size_t at = q->data.len;

	if (lc_buf_append(&q->data, &h, sizeof h) != LC_OK)
		return SIZE_MAX;
	return at;
}

static lc_status
q_item_end(lc_tape *t, qbuf *q, size_t at)
{
	static const uint8_t zeros[TAPE_QUEUE_PAD];
	qhdr h;
	size_t pad;

	memcpy(&h, q->data.ptr + at, sizeof h);
	h.len = (uint32_t)(q->data.len - at - sizeof h);
	memcpy(q->data.ptr + at, &h, sizeof h);
	pad = (TAPE_QUEUE_PAD - q->data.len % TAPE_QUEUE_PAD) % TAPE_QUEUE_PAD;
	if (lc_buf_append(&q->data, zeros, pad) != LC_OK) {
		q->data.len = at;
		return LC_EFULL;
	}
	q->n_items++;
	q->last_ticket = ++t->enq_ticket;
	if (q->n_items == 1)
		clock_gettime(CLOCK_MONOTONIC, &t->first_item);
	if (q->n_items == 1 || q->n_events >= t->opts.batch_events)
		pthread_cond_signal(&t->cv_work);
	return LC_OK;
}

/* Control items (session begin/end) are never refused for a full queue: they are small. */
static lc_status
q_push_ctl(lc_tape *t, uint32_t type, const qctl *c, lc_err *err)
{
	size_t at = q_item_begin(t->active, type);

	if (at == SIZE_MAX || lc_buf_append(&t->active->data, c, sizeof *c) != LC_OK) {
		if (at != SIZE_MAX)
			t->active->data.len = at;
		return lc_err_set(err, LC_ENOMEM, "tape %s: no memory to queue a session change",
		    t->dir);
	}
	if (q_item_end(t, t->active, at) != LC_OK)
		return lc_err_set(err, LC_ENOMEM, "tape %s: no memory to queue a session change",
		    t->dir);
	return LC_OK;
}

static void
session_id_make(char out[LC_SESSION_ID_MAX])
{
	struct timespec ts;
	struct tm tm;
	uint32_t rnd = 0;
	char when[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", &tm);
	if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		rnd = (uint32_t)ts.tv_nsec ^ ((uint32_t)getpid() << 12);
	snprintf(out, LC_SESSION_ID_MAX, "s-%s-%08x", when, rnd);
}

static lc_status
session_end_locked(lc_tape *t, lc_err *err)
{
	qctl c;
	lc_status st;

	if (t->cur_session[0] == 0)
		return LC_OK;
	memset(&c, 0, sizeof c);
	c.wall_ns = lc_clock_wall_ns();
	memcpy(c.id, t->cur_session, sizeof c.id);
	if ((st = q_push_ctl(t, Q_END, &c, err)) == LC_OK)
		t->cur_session[0] = 0;
	return st;
}

static lc_status
session_begin_locked(lc_tape *t, const char *agent, const char *site, lc_err *err)
{
	qctl c;
	lc_status st;

	if ((st = session_end_locked(t, err)) != LC_OK)
		return st;
	memset(&c, 0, sizeof c);
	c.wall_ns = lc_clock_wall_ns();
	session_id_make(c.id);
	if (agent)
		copy_str(c.agent, sizeof c.agent, agent, strlen(agent));
	if (site)
		copy_str(c.site, sizeof c.site, site, strlen(site));
	if ((st = q_push_ctl(t, Q_BEGIN, &c, err)) == LC_OK)
		memcpy(t->cur_session, c.id, sizeof c.id);
	return st;
}

lc_status
lc_tape_session_begin(lc_tape *t, const char *agent, const char *site,
    char id_out[LC_SESSION_ID_MAX], lc_err *err)
{
	lc_status st;

	if (t == NULL || !t->writable)
		return lc_err_set(err, LC_EINVAL, "session begin: the tape is not open for writing");
	pthread_mutex_lock(&t->mu);
	if (t->poison)
		st = poisoned(t, err);
	else
		st = session_begin_locked(t, agent, site, err);
	if (st == LC_OK && id_out)
		memcpy(id_out, t->cur_session, LC_SESSION_ID_MAX);
	pthread_mutex_unlock(&t->mu);
	return st;
}

lc_status
lc_tape_session_end(lc_tape *t, lc_err *err)
{
	lc_status st;

	if (t == NULL || !t->writable)
		return lc_err_set(err, LC_EINVAL, "session end: the tape is not open for writing");
	pthread_mutex_lock(&t->mu);
	st = t->poison ? poisoned(t, err) : session_end_locked(t, err);
	pthread_mutex_unlock(&t->mu);
	return st;
}

/* Encode the redacted event into the active queue buffer; t->mu held. */
static lc_status
append_locked(lc_tape *t, const cx_event *ev, uint64_t *seq_out, lc_err *err)
{
	cx_event red;
	qbuf *q = t->active;
	size_t at;
	lc_status st;

	if (q->n_events >= t->opts.queue_events || q->data.len >= t->opts.queue_bytes)
		return lc_err_set(err, LC_EFULL, "tape %s: the write queue is full (%zu events, "
		    "%zu bytes): the disk is not keeping up; events are being dropped", t->dir,
		    q->n_events, q->data.len);
	if ((st = lc_redact_event(t->opts.redactor, ev, &red, &t->scratch)) != LC_OK)
		return lc_err_set(err, st, "tape %s: redacting an event failed (%s)", t->dir,
		    lc_strerror(st));
	if (red.session.len >= LC_SESSION_ID_MAX)
		return lc_err_set(err, LC_EINVAL, "tape %s: session id of %zu bytes (at most %d)",
		    t->dir, red.session.len, LC_SESSION_ID_MAX - 1);
	if (red.session.len == 0) {
		if (t->cur_session[0] == 0 && (st = session_begin_locked(t, NULL, NULL, err)) != LC_OK)
			return st;
		red.session = lc_bytes_str(t->cur_session);
	}
	red.seq = t->next_seq;
	if ((at = q_item_begin(q, Q_EVENT)) == SIZE_MAX)
		return lc_err_set(err, LC_ENOMEM, "tape %s: no memory for the write queue", t->dir);
	if ((st = lc_record_encode(&red, &q->data, err)) != LC_OK) {
		q->data.len = at;
		return st;
	}
	q->n_events++;
	if ((st = q_item_end(t, q, at)) != LC_OK) {
		q->n_events--;
		return lc_err_set(err, st, "tape %s: the write queue is full", t->dir);
	}
	if (seq_out)
		*seq_out = t->next_seq;
	t->next_seq++;
	t->stats.appended++;
	return LC_OK;
}

lc_status
lc_tape_append(lc_tape *t, const cx_event *ev, uint64_t *seq_out, lc_err *err)
{
	lc_status st;

	if (t == NULL || !t->writable || ev == NULL)
		return lc_err_set(err, LC_EINVAL, "append: the tape is not open for writing");
	pthread_mutex_lock(&t->mu);
	st = t->poison ? poisoned(t, err) : append_locked(t, ev, seq_out, err);
	if (st != LC_OK)
		t->stats.dropped++;
	pthread_mutex_unlock(&t->mu);
	return st;
}

lc_status
lc_tape_flush(lc_tape *t, lc_err *err)
{
	uint64_t want;
	lc_status st = LC_OK;

	if (t == NULL || !t->writable)
		return LC_OK;
	pthread_mutex_lock(&t->mu);
	want = t->enq_ticket;
	if (t->done_ticket < want) {
		t->flush_req = 1;
		pthread_cond_signal(&t->cv_work);
	}
	while (t->done_ticket < want && !t->poison)
		pthread_cond_wait(&t->cv_done, &t->mu);
	if (t->poison)
		st = poisoned(t, err);
	pthread_mutex_unlock(&t->mu);
	return st;
}

void
lc_tape_stats_get(lc_tape *t, lc_tape_stats *out)
{
	pthread_mutex_lock(&t->mu);
	*out = t->stats;
	pthread_mutex_unlock(&t->mu);
}

lc_status
lc_tape_close(lc_tape *t, lc_err *err)
{
	lc_status st = LC_OK, st2;

	if (t == NULL)
		return LC_OK;
	if (t->writable && t->thread_started) {
		pthread_mutex_lock(&t->mu);
		if (!t->poison)
			st = session_end_locked(t, err);
		pthread_mutex_unlock(&t->mu);
		st2 = lc_tape_flush(t, err);
		if (st == LC_OK)
			st = st2;
		pthread_mutex_lock(&t->mu);
		t->stop = 1;
		pthread_cond_signal(&t->cv_work);
		pthread_mutex_unlock(&t->mu);
		pthread_join(t->thread, NULL);
	}
	tape_free(t);
	return st;
}

/* ---- the writer thread ------------------------------------------------------ */

/* A write txn's view of one session summary: from the cache, the DB, or new. */
static int
w_session(lc_tape *t, MDB_txn *txn, const char *id, sess_slot **out)
{
	sess_slot *free_slot = NULL;
	MDB_val k = {strlen(id), (void *)id}, v;
	int rc;

	for (int i = 0; i < TAPE_SESSION_CACHE; i++) {
		sess_slot *s = &t->w_cache[i];
		if (s->used && strcmp(s->info.id, id) == 0) {
			*out = s;
			return 0;
		}
		if (!s->used && free_slot == NULL)
			free_slot = s;
	}
	if (free_slot == NULL) {   /* evict slot 0 to the txn: rare, many sessions in one batch */
		free_slot = &t->w_cache[0];
		if (tape_summary_encode(&free_slot->info, &t->w_sum) != LC_OK)
			return EINVAL;
		MDB_val ek = {strlen(free_slot->info.id), free_slot->info.id};
		MDB_val ev = {t->w_sum.len, t->w_sum.ptr};
		if ((rc = mdb_put(txn, t->db_sessions, &ek, &ev, 0)) != 0)
			return rc;
	}
	memset(free_slot, 0, sizeof *free_slot);
	rc = mdb_get(txn, t->db_sessions, &k, &v);
	if (rc == 0) {
		if (tape_summary_decode(t, &v, &free_slot->info, NULL) != LC_OK)
			return MDB_CORRUPTED;
	} else if (rc == MDB_NOTFOUND) {
		copy_str(free_slot->info.id, sizeof free_slot->info.id, id, strlen(id));
		/* a session the tape did not begin (e.g. an import) is complete as written */
		free_slot->info.state = strcmp(id, t->w_open_session) == 0 ?
		    LC_SESSION_RECORDING : LC_SESSION_CLOSED;
	} else {
		return rc;
	}
	free_slot->used = 1;
	*out = free_slot;
	return 0;
}

static int
w_sessions_flush(lc_tape *t, MDB_txn *txn)
{
	int rc;

	for (int i = 0; i < TAPE_SESSION_CACHE; i++) {
		sess_slot *s = &t->w_cache[i];
		if (!s->used)
			continue;
		if (tape_summary_encode(&s->info, &t->w_sum) != LC_OK)
			return EINVAL;
		MDB_val k = {strlen(s->info.id), s->info.id}, v = {t->w_sum.len, t->w_sum.ptr};
		if ((rc = mdb_put(txn, t->db_sessions, &k, &v, 0)) != 0)
			return rc;
	}
	return 0;
}

static int
w_event(lc_tape *t, MDB_txn *txn, const uint8_t *rec, size_t len, int64_t *wall_max,
    int64_t *skew)
{
	cx_event ev;
	uint8_t key[8];
	char sid[LC_SESSION_ID_MAX];
	sess_slot *s;
	int rc;

	if (lc_record_decode(rec, len, 0, &ev, t->w_hdrs, NULL) != LC_OK)
		return EINVAL;   /* we encoded it a moment ago: a bug */
	be64_put(key, ev.seq);
	MDB_val k = {8, key}, v = {len, (void *)rec};
	if ((rc = mdb_put(txn, t->db_events, &k, &v, MDB_APPEND)) != 0)
		return rc;
	if (ev.conversation.len && ev.conversation.len <= LC_TAPE_KEY_MAX) {
		if (t->w_nrefs >= t->opts.batch_max_events)
			return EINVAL;   /* chunk_next bounds a txn to batch_max_events: a bug */
		t->w_refs[t->w_nrefs++] = (conv_ref){ev.conversation.ptr,
		    (uint32_t)ev.conversation.len, ev.seq};
	}
	copy_str(sid, sizeof sid, ev.session.ptr, ev.session.len);
	if ((rc = w_session(t, txn, sid, &s)) != 0)
		return rc;
	if (s->info.first_seq == 0)
		s->info.first_seq = ev.seq;
	if (s->info.start_wall_ns == 0)
		s->info.start_wall_ns = ev.wall_ns;
	s->info.last_seq = ev.seq;
	if (ev.wall_ns > s->info.end_wall_ns)
		s->info.end_wall_ns = ev.wall_ns;
	s->info.n_events++;
	s->info.n_frames_in += ev.kind == CX_FRAME_IN;
	s->info.n_frames_out += ev.kind == CX_FRAME_OUT;
	s->info.n_http += ev.kind == CX_HTTP_REQUEST || ev.kind == CX_HTTP_RESPONSE;
	s->info.n_bytes += ev.raw.len;
	if (*wall_max != INT64_MIN && *wall_max - ev.wall_ns > *skew)
		*skew = *wall_max - ev.wall_ns;
	if (ev.wall_ns > *wall_max)
		*wall_max = ev.wall_ns;
	return 0;
}

static int
w_ctl(lc_tape *t, MDB_txn *txn, uint32_t type, const qctl *c)
{
	sess_slot *s;
	int rc;

	if (type == Q_BEGIN)
		memcpy(t->w_open_session, c->id, sizeof c->id);
	if ((rc = w_session(t, txn, c->id, &s)) != 0)
		return rc;
	if (type == Q_BEGIN) {
		memcpy(s->info.agent, c->agent, sizeof c->agent);
		memcpy(s->info.site, c->site, sizeof c->site);
		s->info.state = LC_SESSION_RECORDING;
		s->info.start_wall_ns = c->wall_ns;
	} else {
		s->info.state = LC_SESSION_CLOSED;
		if (c->wall_ns > s->info.end_wall_ns)
			s->info.end_wall_ns = c->wall_ns;
		if (strcmp(t->w_open_session, c->id) == 0)
			t->w_open_session[0] = 0;
	}
	return 0;
}

static int
conv_ref_cmp(const void *a, const void *b)
{
	const conv_ref *x = a, *y = b;
	uint32_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->conv, y->conv, n);

	if (c == 0)
		c = (x->len > y->len) - (x->len < y->len);
	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/*
 * Write the txn's by_conversation entries: sorted by conversation, each
 * conversation's seqs go in with one MDB_MULTIPLE put. One mdb_put per event
 * into a DUPSORT sub-page cost ~1 us (the sub-page is rewritten each time);
 * this is several times cheaper.
 */
static int
w_index_flush(lc_tape *t, MDB_txn *txn)
{
	MDB_cursor *cur;
	int rc;

	if (t->w_nrefs == 0)
		return 0;
	qsort(t->w_refs, t->w_nrefs, sizeof *t->w_refs, conv_ref_cmp);
	if ((rc = mdb_cursor_open(txn, t->db_conv, &cur)) != 0)
		return rc;
	for (size_t i = 0, j; i < t->w_nrefs && rc == 0; i = j) {
		for (j = i; j < t->w_nrefs && t->w_refs[j].len == t->w_refs[i].len &&
		    memcmp(t->w_refs[j].conv, t->w_refs[i].conv, t->w_refs[i].len) == 0; j++)
			be64_put(t->w_seqs + 8 * (j - i), t->w_refs[j].seq);
		MDB_val k = {t->w_refs[i].len, (void *)t->w_refs[i].conv};
		MDB_val d[2] = {{8, t->w_seqs}, {j - i, NULL}};
		rc = mdb_cursor_put(cur, &k, d, MDB_MULTIPLE);
	}
	mdb_cursor_close(cur);
	return rc;
}

typedef struct chunk {
	size_t from, to;      /* byte range of items in the queue buffer */
	size_t n_events;
	uint64_t bytes;
} chunk;

/* Find the next chunk: items from `from` up to batch_events events. */
static void
chunk_next(const lc_tape *t, const qbuf *q, size_t from, chunk *c)
{
	size_t at = from;

	memset(c, 0, sizeof *c);
	c->from = from;
	while (at < q->data.len && c->n_events < t->opts.batch_max_events) {
		qhdr h;
		memcpy(&h, q->data.ptr + at, sizeof h);
		if (h.type == Q_EVENT) {
			c->n_events++;
			c->bytes += h.len;
		}
		at += sizeof h + h.len;
		at += (TAPE_QUEUE_PAD - at % TAPE_QUEUE_PAD) % TAPE_QUEUE_PAD;
	}
	c->to = at;
}

/* One write txn over a chunk; MDB_MAP_FULL comes back to be retried after growing. */
static int
w_txn(lc_tape *t, const qbuf *q, const chunk *c)
{
	MDB_txn *txn;
	int64_t wall_max = t->w_wall_max, skew = t->w_wall_skew;
	char open_before[LC_SESSION_ID_MAX];
	int rc;

	memcpy(open_before, t->w_open_session, sizeof open_before);
	memset(t->w_cache, 0, sizeof t->w_cache);
	t->w_nrefs = 0;
	if ((rc = mdb_txn_begin(t->env, NULL, 0, &txn)) != 0)
		return rc;
	for (size_t at = c->from; at < c->to && rc == 0;) {
		qhdr h;
		memcpy(&h, q->data.ptr + at, sizeof h);
		const uint8_t *p = q->data.ptr + at + sizeof h;
		if (h.type == Q_EVENT) {
			rc = w_event(t, txn, p, h.len, &wall_max, &skew);
		} else {
			qctl ctl;
			memcpy(&ctl, p, sizeof ctl);
			rc = w_ctl(t, txn, h.type, &ctl);
		}
		at += sizeof h + h.len;
		at += (TAPE_QUEUE_PAD - at % TAPE_QUEUE_PAD) % TAPE_QUEUE_PAD;
	}
	if (rc == 0)
		rc = w_index_flush(t, txn);
	if (rc == 0)
		rc = w_sessions_flush(t, txn);
	if (rc == 0 && (wall_max != t->w_wall_max || skew != t->w_wall_skew)) {
		if ((rc = tape_meta_put_i64(t, txn, "wall_max_ns", wall_max)) == 0)
			rc = tape_meta_put_i64(t, txn, "wall_skew_ns", skew);
	}
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	if (rc) {   /* the txn left no trace: undo what it changed in memory */
		memcpy(t->w_open_session, open_before, sizeof open_before);
		return rc;
	}
	t->w_wall_max = wall_max;
	t->w_wall_skew = skew;
	return 0;
}

/* Double the map (in-process readers are fenced off by maplock while it moves). */
static int
w_grow(lc_tape *t)
{
	MDB_envinfo info;
	size_t next;
	int rc;

	mdb_env_info(t->env, &info);
	if (info.me_mapsize >= t->opts.map_size_max)
		return MDB_MAP_FULL;
	next = info.me_mapsize > t->opts.map_size_max / 2 ? t->opts.map_size_max :
	    info.me_mapsize * 2;
	pthread_rwlock_wrlock(&t->maplock);
	rc = mdb_env_set_mapsize(t->env, next);
	pthread_rwlock_unlock(&t->maplock);
	if (rc == 0) {
		pthread_mutex_lock(&t->mu);
		t->stats.map_resizes++;
		pthread_mutex_unlock(&t->mu);
	}
	return rc;
}

/*
 * LMDB reports a short write as EIO, and a disk that fills mid-write gives a
 * short write before any ENOSPC: look at the disk (and ulimit -f) to tell a
 * full disk from a failing one.
 */
static int
w_disk_full(const lc_tape *t, int rc, const char **why)
{
	struct statvfs vfs;
	struct rlimit rl;
	struct stat sb;
	char path[PATH_MAX + 16];

	*why = "";
	if (rc == ENOSPC || rc == EDQUOT || rc == MDB_MAP_FULL)
		return 1;
	snprintf(path, sizeof path, "%s/data.mdb", t->dir);
	if (rc == EFBIG || (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    stat(path, &sb) == 0 && (uint64_t)sb.st_size + TAPE_DISK_SLACK >= rl.rlim_cur)) {
		*why = " (the file size limit, ulimit -f, was reached)";
		return 1;
	}
	return statvfs(t->dir, &vfs) == 0 && (uint64_t)vfs.f_bavail * vfs.f_frsize < TAPE_DISK_SLACK;
}

static void
w_poison(lc_tape *t, int rc, size_t lost)
{
	const char *why;
	int full = w_disk_full(t, rc, &why);

	t->poison = full ? LC_ENOSPC : LC_EIO;
	snprintf(t->poison_msg, sizeof t->poison_msg, "%s writing tape %.256s%s: %zu events not "
	    "saved; %s (the tape is intact up to seq %" PRIu64 "; %s)",
	    full ? "disk full" : "I/O error", t->dir, why, lost,
	    full ? "free space and record again" : "check the disk and record again",
	    t->stats.last_seq, mdb_strerror(rc));
	t->stats.dropped += lost;
}

/* Write the swapped-out queue buffer as one or more txns. Runs without t->mu. */
static void
w_drain(lc_tape *t, qbuf *q)
{
	chunk c;
	size_t at = 0;
	int rc = 0;

	while (at < q->data.len) {
		chunk_next(t, q, at, &c);
		while ((rc = w_txn(t, q, &c)) == MDB_MAP_FULL && (rc = w_grow(t)) == 0)
			;
		if (rc)
			break;
		pthread_mutex_lock(&t->mu);
		t->stats.committed += c.n_events;
		t->stats.bytes += c.bytes;
		t->stats.batches++;
		t->stats.last_seq += c.n_events;
		pthread_mutex_unlock(&t->mu);
		at = c.to;
	}
	if (rc) {
		size_t lost = 0;
		for (; at < q->data.len; at = c.to) {
			chunk_next(t, q, at, &c);
			lost += c.n_events;
		}
		pthread_mutex_lock(&t->mu);
		w_poison(t, rc, lost);
		pthread_mutex_unlock(&t->mu);
	}
}

static int
deadline_passed(const struct timespec *dl)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > dl->tv_sec || (now.tv_sec == dl->tv_sec && now.tv_nsec >= dl->tv_nsec);
}

void *
tape_writer_main(void *arg)
{
	lc_tape *t = arg;
	struct timespec dl;

	pthread_mutex_lock(&t->mu);
	for (;;) {
		while (!t->stop && t->active->n_items == 0)
			pthread_cond_wait(&t->cv_work, &t->mu);
		if (t->active->n_items == 0)
			break;   /* stopping, nothing left */
		dl = t->first_item;
		dl.tv_nsec += (long)t->opts.batch_ms * 1000000L;
		dl.tv_sec += dl.tv_nsec / 1000000000L;
		dl.tv_nsec %= 1000000000L;
		while (!t->stop && !t->flush_req && t->active->n_events < t->opts.batch_events &&
		    !deadline_passed(&dl))
			pthread_cond_timedwait(&t->cv_work, &t->mu, &dl);
		t->flush_req = 0;
		qbuf *q = t->active;
		int skip = t->poison != LC_OK;
		t->active = (q == &t->q[0]) ? &t->q[1] : &t->q[0];
		pthread_mutex_unlock(&t->mu);

		if (!skip)
			w_drain(t, q);
		pthread_mutex_lock(&t->mu);
		if (skip)   /* appended before the failure was known: lost too */
			t->stats.dropped += q->n_events;
		t->done_ticket = q->last_ticket;
		pthread_cond_broadcast(&t->cv_done);
		lc_buf_reset(&q->data);
		q->n_events = q->n_items = 0;
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}
