/* SPDX-License-Identifier: MIT */
/* lc_tape: LMDB tape with a group-committing writer thread, session summaries and cursors. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <lmdb.h>
#include <msgpack.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "lc_clock.h"
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

/* Session summary field numbers (docs/tape-format.md); never renumber. */
enum { SF_ID = 1, SF_AGENT, SF_SITE, SF_STATE, SF_START, SF_END, SF_FIRST, SF_LAST,
	SF_EVENTS, SF_FRAMES_IN, SF_FRAMES_OUT, SF_HTTP, SF_BYTES };

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

/* ---- small helpers ---------------------------------------------------- */

static void
be64_put(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
be64_get(const void *p)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | b[i];
	return v;
}

static void
copy_str(char *dst, size_t cap, const void *src, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = 0;
}

static int64_t
sat_add(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

static lc_status
mdb_fail(lc_tape *t, int rc, lc_err *err, const char *what)
{
	lc_status s = LC_EIO;

	if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID)
		s = LC_ECORRUPT;
	else if (rc == MDB_VERSION_MISMATCH)
		s = LC_EVERSION;
	else if (rc == ENOMEM)
		s = LC_ENOMEM;
	else if (rc == ENOSPC || rc == EDQUOT || rc == EFBIG || rc == MDB_MAP_FULL)
		s = LC_ENOSPC;
	else if (rc == EACCES || rc == EPERM)
		s = LC_EPERM;
	else if (rc == ENOENT)
		s = LC_ENOTFOUND;
	return lc_err_set(err, s, "tape %s: %s: %s%s", t->dir, what, mdb_strerror(rc),
	    s == LC_ECORRUPT ? "; run cxreplay verify --tape DIR and restore from a copy" : "");
}

const char *
lc_session_state_name(lc_session_state s)
{
	switch (s) {
	case LC_SESSION_RECORDING: return "recording";
	case LC_SESSION_CLOSED: return "closed";
	case LC_SESSION_INTERRUPTED: return "interrupted";
	}
	return "unknown";
}

void
lc_tape_opts_init(lc_tape_opts *o)
{
	memset(o, 0, sizeof *o);
	o->queue_events = 65536;
	o->queue_bytes = (size_t)64 << 20;
	o->batch_events = 4096;
	o->batch_max_events = 65536;
	o->batch_ms = 10;
	o->map_size = (size_t)1 << 30;
	o->map_size_max = (size_t)1 << 40;
}

void
lc_cursor_opts_init(lc_cursor_opts *o)
{
	memset(o, 0, sizeof *o);
	o->from_ns = INT64_MIN;
	o->to_ns = INT64_MAX;
	o->from_seq = 1;
}

/* ---- session summaries (msgpack-c) ---------------------------------------- */

static int
sum_write(void *data, const char *buf, size_t len)
{
	return lc_buf_append(data, buf, len) == LC_OK ? 0 : -1;
}

static void
pack_kv_str(msgpack_packer *pk, int key, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_int(pk, key);
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

static void
pack_kv_u64(msgpack_packer *pk, int key, uint64_t v)
{
	msgpack_pack_int(pk, key);
	msgpack_pack_uint64(pk, v);
}

static void
pack_kv_i64(msgpack_packer *pk, int key, int64_t v)
{
	msgpack_pack_int(pk, key);
	msgpack_pack_int64(pk, v);
}

static lc_status
summary_encode(const lc_session_info *s, lc_buf *out)
{
	msgpack_packer pk;

	lc_buf_reset(out);
	msgpack_packer_init(&pk, out, sum_write);
	msgpack_pack_map(&pk, 13);
	pack_kv_str(&pk, SF_ID, s->id);
	pack_kv_str(&pk, SF_AGENT, s->agent);
	pack_kv_str(&pk, SF_SITE, s->site);
	pack_kv_str(&pk, SF_STATE, lc_session_state_name(s->state));
	pack_kv_i64(&pk, SF_START, s->start_wall_ns);
	pack_kv_i64(&pk, SF_END, s->end_wall_ns);
	pack_kv_u64(&pk, SF_FIRST, s->first_seq);
	pack_kv_u64(&pk, SF_LAST, s->last_seq);
	pack_kv_u64(&pk, SF_EVENTS, s->n_events);
	pack_kv_u64(&pk, SF_FRAMES_IN, s->n_frames_in);
	pack_kv_u64(&pk, SF_FRAMES_OUT, s->n_frames_out);
	pack_kv_u64(&pk, SF_HTTP, s->n_http);
	pack_kv_u64(&pk, SF_BYTES, s->n_bytes);
	/* the packer's callback fails only past the buffer's cap */
	return out->len > 0 && out->len < out->max ? LC_OK : LC_ETOOBIG;
}

static int
obj_u64(const msgpack_object *o, uint64_t *v)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		*v = o->via.u64;
		return 1;
	}
	return 0;
}

static int
obj_i64(const msgpack_object *o, int64_t *v)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX) {
		*v = (int64_t)o->via.u64;
		return 1;
	}
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*v = o->via.i64;
		return 1;
	}
	return 0;
}

static int
obj_str(const msgpack_object *o, char *dst, size_t cap)
{
	if (o->type != MSGPACK_OBJECT_STR)
		return 0;
	copy_str(dst, cap, o->via.str.ptr, o->via.str.size);
	return 1;
}

static int
summary_field(const msgpack_object *k, const msgpack_object *v, lc_session_info *s)
{
	char st[16];

	if (k->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return 0;
	switch (k->via.u64) {
	case SF_ID: return obj_str(v, s->id, sizeof s->id);
	case SF_AGENT: return obj_str(v, s->agent, sizeof s->agent);
	case SF_SITE: return obj_str(v, s->site, sizeof s->site);
	case SF_STATE:
		if (!obj_str(v, st, sizeof st))
			return 0;
		s->state = !strcmp(st, "recording") ? LC_SESSION_RECORDING :
		    !strcmp(st, "closed") ? LC_SESSION_CLOSED : LC_SESSION_INTERRUPTED;
		return 1;
	case SF_START: return obj_i64(v, &s->start_wall_ns);
	case SF_END: return obj_i64(v, &s->end_wall_ns);
	case SF_FIRST: return obj_u64(v, &s->first_seq);
	case SF_LAST: return obj_u64(v, &s->last_seq);
	case SF_EVENTS: return obj_u64(v, &s->n_events);
	case SF_FRAMES_IN: return obj_u64(v, &s->n_frames_in);
	case SF_FRAMES_OUT: return obj_u64(v, &s->n_frames_out);
	case SF_HTTP: return obj_u64(v, &s->n_http);
	case SF_BYTES: return obj_u64(v, &s->n_bytes);
	default: return 1;   /* a newer writer's field */
	}
}

static lc_status
summary_decode(const lc_tape *t, const MDB_val *v, lc_session_info *s, lc_err *err)
{
	msgpack_unpacked u;
	lc_status rc = LC_OK;

	memset(s, 0, sizeof *s);
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, v->mv_data, v->mv_size, NULL) != MSGPACK_UNPACK_SUCCESS ||
	    u.data.type != MSGPACK_OBJECT_MAP) {
		rc = lc_err_set(err, LC_ECORRUPT, "tape %s: a session summary is not a msgpack map; "
		    "run cxreplay verify --tape %s", t->dir, t->dir);
		goto out;
	}
	for (uint32_t i = 0; i < u.data.via.map.size; i++) {
		const msgpack_object_kv *kv = &u.data.via.map.ptr[i];
		if (!summary_field(&kv->key, &kv->val, s)) {
			rc = lc_err_set(err, LC_ECORRUPT, "tape %s: session summary %s has a bad "
			    "field %" PRIu64, t->dir, s->id[0] ? s->id : "(no id yet)",
			    kv->key.type == MSGPACK_OBJECT_POSITIVE_INTEGER ? kv->key.via.u64 : 0);
			goto out;
		}
	}
out:
	msgpack_unpacked_destroy(&u);
	return rc;
}

static lc_status
summary_get(lc_tape *t, MDB_txn *txn, const char *id, lc_session_info *s, lc_err *err)
{
	MDB_val k = {strlen(id), (void *)id}, v;
	int rc = mdb_get(txn, t->db_sessions, &k, &v);

	if (rc == MDB_NOTFOUND)
		return lc_err_set(err, LC_ENOTFOUND, "no session %s in tape %s; list them with "
		    "cxreplay ls --tape %s", id, t->dir, t->dir);
	if (rc)
		return mdb_fail(t, rc, err, "reading a session summary");
	return summary_decode(t, &v, s, err);
}

/* ---- meta ----------------------------------------------------------------- */

static int
meta_put_i64(lc_tape *t, MDB_txn *txn, const char *key, int64_t val)
{
	uint8_t buf[9];
	msgpack_sbuffer sb;
	msgpack_packer pk;
	MDB_val k = {strlen(key), (void *)key}, v;
	int rc;

	/* a fixed 9-byte buffer: msgpack of an int64 never needs more */
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_int64(&pk, val);
	if (sb.size > sizeof buf) {
		msgpack_sbuffer_destroy(&sb);
		return EINVAL;
	}
	memcpy(buf, sb.data, sb.size);
	v.mv_size = sb.size;
	v.mv_data = buf;
	rc = mdb_put(txn, t->db_meta, &k, &v, 0);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

static int
meta_put_str(lc_tape *t, MDB_txn *txn, const char *key, const char *s)
{
	uint8_t buf[80];
	size_t n = strlen(s);
	MDB_val k = {strlen(key), (void *)key}, v;

	if (n > sizeof buf - 2)
		n = sizeof buf - 2;
	buf[0] = 0xd9;   /* str8 */
	buf[1] = (uint8_t)n;
	memcpy(buf + 2, s, n);
	v.mv_data = buf;
	v.mv_size = n + 2;
	return mdb_put(txn, t->db_meta, &k, &v, 0);
}

/* 0 found, MDB_NOTFOUND, or EINVAL for a value that is not an integer. */
static int
meta_get_i64(lc_tape *t, MDB_txn *txn, const char *key, int64_t *out)
{
	MDB_val k = {strlen(key), (void *)key}, v;
	msgpack_unpacked u;
	int rc = mdb_get(txn, t->db_meta, &k, &v);

	if (rc)
		return rc;
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, v.mv_data, v.mv_size, NULL) != MSGPACK_UNPACK_SUCCESS ||
	    !obj_i64(&u.data, out))
		rc = EINVAL;
	msgpack_unpacked_destroy(&u);
	return rc;
}

static lc_status
meta_check_schema(lc_tape *t, MDB_txn *txn, int create, lc_err *err)
{
	int64_t ver = 0;
	int rc = meta_get_i64(t, txn, "schema_version", &ver);

	if (rc == MDB_NOTFOUND && create) {
		if ((rc = meta_put_i64(t, txn, "schema_version", LC_RECORD_SCHEMA)) ||
		    (rc = meta_put_str(t, txn, "creator", "cxtape " CXTAPE_VERSION)) ||
		    (rc = meta_put_i64(t, txn, "created_ns", lc_clock_wall_ns())) ||
		    (rc = meta_put_i64(t, txn, "wall_max_ns", INT64_MIN)) ||
		    (rc = meta_put_i64(t, txn, "wall_skew_ns", 0)))
			return mdb_fail(t, rc, err, "writing meta");
		return LC_OK;
	}
	if (rc == MDB_NOTFOUND || rc == EINVAL)
		return lc_err_set(err, LC_ECORRUPT, "tape %s has no readable schema_version in meta; "
		    "is it a cxtape tape?", t->dir);
	if (rc)
		return mdb_fail(t, rc, err, "reading meta");
	if (ver > LC_RECORD_SCHEMA || ver < 1)
		return lc_err_set(err, LC_EVERSION, "tape %s has schema version %" PRId64 "; this "
		    "cxtape (%s) reads schema version %d; use a newer cxtape", t->dir, ver,
		    CXTAPE_VERSION, LC_RECORD_SCHEMA);
	return LC_OK;
}

/* ---- open / close ----------------------------------------------------------- */

static lc_status
dir_make(const char *dir, lc_err *err)
{
	char path[PATH_MAX];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof path)
		return lc_err_set(err, LC_EINVAL, "tape directory name is empty or too long");
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != 0)
			continue;
		char c = path[i];
		path[i] = 0;
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return lc_err_set(err, errno == EACCES ? LC_EPERM : LC_EIO,
			    "cannot create tape directory %s: %s", path, strerror(errno));
		path[i] = c;
	}
	return LC_OK;
}

/* flock the lock file and write our pid into it; LC_ELOCKED names the holder. */
static lc_status
tape_lock(lc_tape *t, lc_err *err)
{
	char path[PATH_MAX + 32], buf[128];
	ssize_t n;
	int len;

	snprintf(path, sizeof path, "%s/%s", t->dir, TAPE_LOCK_FILE);
	t->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (t->lock_fd < 0)
		return lc_err_set(err, errno == EACCES ? LC_EPERM : LC_EIO, "cannot open %s: %s",
		    path, strerror(errno));
	if (flock(t->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		long pid = 0;
		char prog[64] = "unknown program";
		n = pread(t->lock_fd, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = 0;
		if (sscanf(buf, "%ld %63s", &pid, prog) < 1)
			pid = 0;
		return lc_err_set(err, LC_ELOCKED, "tape %s is being recorded by pid %ld (%s); stop "
		    "it or use --tape for another directory", t->dir, pid, prog);
	}
	len = snprintf(buf, sizeof buf, "%ld %s\n", (long)getpid(), program_invocation_short_name);
	if (ftruncate(t->lock_fd, 0) != 0 || pwrite(t->lock_fd, buf, (size_t)len, 0) != len)
		return lc_err_set(err, LC_EIO, "cannot write %s: %s", path, strerror(errno));
	return LC_OK;
}

static lc_status
tape_new(const char *dir, lc_tape **out, lc_err *err)
{
	lc_tape *t = calloc(1, sizeof *t);

	*out = NULL;
	if (t == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory opening tape %s", dir);
	if (strlen(dir) >= sizeof t->dir) {
		free(t);
		return lc_err_set(err, LC_EINVAL, "tape directory name too long: %.64s...", dir);
	}
	strcpy(t->dir, dir);
	t->lock_fd = -1;
	pthread_rwlock_init(&t->maplock, NULL);
	pthread_mutex_init(&t->mu, NULL);
	{
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&t->cv_work, &ca);
		pthread_condattr_destroy(&ca);
	}
	pthread_cond_init(&t->cv_done, NULL);
	lc_tape_opts_init(&t->opts);
	lc_buf_init(&t->w_sum, TAPE_SUMMARY_MAX);
	*out = t;
	return LC_OK;
}

static void
tape_free(lc_tape *t)
{
	if (t->env)
		mdb_env_close(t->env);
	if (t->lock_fd >= 0)
		close(t->lock_fd);   /* drops the flock; the pid line stays, harmless */
	for (int i = 0; i < 2; i++)
		lc_buf_free(&t->q[i].data);
	if (t->writable)
		lc_redact_scratch_free(&t->scratch);
	lc_buf_free(&t->w_sum);
	free(t->w_refs);
	free(t->w_seqs);
	pthread_rwlock_destroy(&t->maplock);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv_work);
	pthread_cond_destroy(&t->cv_done);
	free(t);
}

static lc_status
env_open(lc_tape *t, unsigned flags, size_t map_size, lc_err *err)
{
	int rc;

	if ((rc = mdb_env_create(&t->env)) != 0)
		return mdb_fail(t, rc, err, "creating the LMDB environment");
	if ((rc = mdb_env_set_maxdbs(t->env, 8)) != 0 ||
	    (map_size && (rc = mdb_env_set_mapsize(t->env, map_size)) != 0))
		return mdb_fail(t, rc, err, "configuring LMDB");
	/* MDB_NOTLS: a thread may hold several cursors' read txns, and hand them on */
	rc = mdb_env_open(t->env, t->dir, flags | MDB_NOTLS, 0600);
	if (rc == ENOENT)
		return lc_err_set(err, LC_ENOTFOUND, "no tape at %s; record one with cxrecord "
		    "--tape %s", t->dir, t->dir);
	if (rc)
		return mdb_fail(t, rc, err, "opening the LMDB environment");
	return LC_OK;
}

static lc_status
dbis_open(lc_tape *t, MDB_txn *txn, unsigned create, lc_err *err)
{
	int rc;

	if ((rc = mdb_dbi_open(txn, "events", create, &t->db_events)) ||
	    (rc = mdb_dbi_open(txn, "sessions", create, &t->db_sessions)) ||
	    (rc = mdb_dbi_open(txn, "by_conversation", create | MDB_DUPSORT | MDB_DUPFIXED,
	        &t->db_conv)) ||
	    (rc = mdb_dbi_open(txn, "meta", create, &t->db_meta))) {
		if (rc == MDB_NOTFOUND)
			return lc_err_set(err, LC_ECORRUPT, "%s is an LMDB environment but not a "
			    "cxtape tape (a named database is missing)", t->dir);
		return mdb_fail(t, rc, err, "opening the named databases");
	}
	return LC_OK;
}

static int
last_seq_get(lc_tape *t, MDB_txn *txn, uint64_t *seq)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, t->db_events, &c);

	if (rc)
		return rc;
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	*seq = 0;
	if (rc == 0 && k.mv_size == 8)
		*seq = be64_get(k.mv_data);
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Sessions a killed writer left `recording` become `interrupted`. */
static lc_status
sessions_mark_interrupted(lc_tape *t, MDB_txn *txn, lc_err *err)
{
	MDB_cursor *c;
	MDB_val k, v;
	lc_session_info s;
	lc_status st = LC_OK;
	int rc = mdb_cursor_open(txn, t->db_sessions, &c);

	if (rc)
		return mdb_fail(t, rc, err, "scanning sessions");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if ((st = summary_decode(t, &v, &s, err)) != LC_OK)
			goto out;
		if (s.state != LC_SESSION_RECORDING)
			continue;
		s.state = LC_SESSION_INTERRUPTED;
		if ((st = summary_encode(&s, &t->w_sum)) != LC_OK)
			goto out;
		v.mv_size = t->w_sum.len;
		v.mv_data = t->w_sum.ptr;
		if ((rc = mdb_cursor_put(c, &k, &v, MDB_CURRENT)) != 0)
			break;
	}
	if (rc != MDB_NOTFOUND)
		st = mdb_fail(t, rc, err, "marking interrupted sessions");
out:
	mdb_cursor_close(c);
	return st;
}

static void *writer_main(void *arg);

static lc_status
tape_setup_write(lc_tape *t, lc_err *err)
{
	MDB_txn *txn = NULL;
	lc_status st;
	int rc;
	uint64_t last = 0;

	if ((rc = mdb_txn_begin(t->env, NULL, 0, &txn)) != 0)
		return mdb_fail(t, rc, err, "starting the first write transaction");
	if ((st = dbis_open(t, txn, MDB_CREATE, err)) != LC_OK ||
	    (st = meta_check_schema(t, txn, 1, err)) != LC_OK ||
	    (st = sessions_mark_interrupted(t, txn, err)) != LC_OK)
		goto fail;
	if ((rc = last_seq_get(t, txn, &last)) != 0 ||
	    (rc = meta_get_i64(t, txn, "wall_max_ns", &t->w_wall_max)) != 0 ||
	    (rc = meta_get_i64(t, txn, "wall_skew_ns", &t->w_wall_skew)) != 0) {
		st = rc == MDB_NOTFOUND || rc == EINVAL ?
		    lc_err_set(err, LC_ECORRUPT, "tape %s: meta lacks wall_max_ns/wall_skew_ns", t->dir) :
		    mdb_fail(t, rc, err, "reading the tape's end");
		goto fail;
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc)
		return mdb_fail(t, rc, err, "committing the first write transaction");
	t->next_seq = last + 1;
	t->stats.last_seq = last;
	return LC_OK;
fail:
	if (txn)
		mdb_txn_abort(txn);
	return st;
}

lc_status
lc_tape_open_write(const char *dir, const lc_tape_opts *opts, lc_tape **out, lc_err *err)
{
	lc_tape *t = NULL;
	lc_status st;

	*out = NULL;
	if (opts == NULL || opts->redactor == NULL || opts->queue_events == 0 ||
	    opts->batch_events == 0 || opts->batch_max_events < opts->batch_events ||
	    opts->map_size == 0 || opts->map_size_max < opts->map_size)
		return lc_err_set(err, LC_EINVAL, "lc_tape_open_write: options need a redactor, "
		    "non-zero queue and batch sizes, batch_events <= batch_max_events and "
		    "map_size <= map_size_max");
	if ((st = tape_new(dir, &t, err)) != LC_OK)
		return st;
	t->writable = 1;
	t->opts = *opts;
	lc_redact_scratch_init(&t->scratch);
	for (int i = 0; i < 2; i++)
		lc_buf_init(&t->q[i].data, opts->queue_bytes + 2 * LC_RECORD_MAX);
	t->active = &t->q[0];
	t->w_refs = calloc(opts->batch_max_events, sizeof *t->w_refs);
	t->w_seqs = malloc((size_t)opts->batch_max_events * 8);
	if (t->w_refs == NULL || t->w_seqs == NULL) {
		st = lc_err_set(err, LC_ENOMEM, "out of memory opening tape %s", dir);
		goto fail;
	}
	if ((st = dir_make(dir, err)) != LC_OK || (st = tape_lock(t, err)) != LC_OK ||
	    (st = env_open(t, 0, opts->map_size, err)) != LC_OK ||
	    (st = tape_setup_write(t, err)) != LC_OK)
		goto fail;
	if (pthread_create(&t->thread, NULL, writer_main, t) != 0) {
		st = lc_err_set(err, LC_ENOMEM, "cannot start the tape writer thread for %s", dir);
		goto fail;
	}
	t->thread_started = 1;
	*out = t;
	return LC_OK;
fail:
	tape_free(t);
	return st;
}

lc_status
lc_tape_open_read(const char *dir, lc_tape **out, lc_err *err)
{
	lc_tape *t = NULL;
	MDB_txn *txn = NULL;
	lc_status st;
	int rc;
	char path[PATH_MAX + 16];
	struct stat sb;

	*out = NULL;
	if ((st = tape_new(dir, &t, err)) != LC_OK)
		return st;
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	if (stat(path, &sb) != 0) {
		st = lc_err_set(err, LC_ENOTFOUND, "no tape at %s (no data.mdb); record one with "
		    "cxrecord --tape %s", dir, dir);
		goto fail;
	}
	if ((st = env_open(t, MDB_RDONLY, 0, err)) != LC_OK)
		goto fail;
	if ((rc = mdb_txn_begin(t->env, NULL, MDB_RDONLY, &txn)) != 0) {
		st = mdb_fail(t, rc, err, "starting a read transaction");
		goto fail;
	}
	if ((st = dbis_open(t, txn, 0, err)) != LC_OK ||
	    (st = meta_check_schema(t, txn, 0, err)) != LC_OK)
		goto fail;
	rc = mdb_txn_commit(txn);   /* commit, not abort: keeps the DBI handles */
	txn = NULL;
	if (rc) {
		st = mdb_fail(t, rc, err, "finishing the opening read transaction");
		goto fail;
	}
	*out = t;
	return LC_OK;
fail:
	if (txn)
		mdb_txn_abort(txn);
	tape_free(t);
	return st;
}

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
		if (summary_encode(&free_slot->info, &t->w_sum) != LC_OK)
			return EINVAL;
		MDB_val ek = {strlen(free_slot->info.id), free_slot->info.id};
		MDB_val ev = {t->w_sum.len, t->w_sum.ptr};
		if ((rc = mdb_put(txn, t->db_sessions, &ek, &ev, 0)) != 0)
			return rc;
	}
	memset(free_slot, 0, sizeof *free_slot);
	rc = mdb_get(txn, t->db_sessions, &k, &v);
	if (rc == 0) {
		if (summary_decode(t, &v, &free_slot->info, NULL) != LC_OK)
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
		if (summary_encode(&s->info, &t->w_sum) != LC_OK)
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
		if ((rc = meta_put_i64(t, txn, "wall_max_ns", wall_max)) == 0)
			rc = meta_put_i64(t, txn, "wall_skew_ns", skew);
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

static void *
writer_main(void *arg)
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

/* ---- read transactions ------------------------------------------------------ */

/*
 * Begin (or renew) a read txn, holding maplock's read side while it lives. A
 * writer in another process may have grown the map: adopt its size
 * (MDB_MAP_RESIZED) with the write side held, then retry.
 */
static int
rtxn_begin(lc_tape *t, MDB_txn **txn)
{
	int rc;

	for (int tries = 0; tries < 8; tries++) {
		pthread_rwlock_rdlock(&t->maplock);
		rc = *txn ? mdb_txn_renew(*txn) : mdb_txn_begin(t->env, NULL, MDB_RDONLY, txn);
		if (rc != MDB_MAP_RESIZED)
			break;
		pthread_rwlock_unlock(&t->maplock);
		pthread_rwlock_wrlock(&t->maplock);
		rc = mdb_env_set_mapsize(t->env, 0);
		pthread_rwlock_unlock(&t->maplock);
		if (rc)
			return rc;
		rc = MDB_MAP_RESIZED;
	}
	if (rc)
		pthread_rwlock_unlock(&t->maplock);
	return rc;
}

/*
 * A long scan touches every page of the file, and the kernel counts each one
 * in our RSS until we let go: drop the map's resident pages from this process.
 * LMDB maps the file shared and read-only, so this loses nothing — a later
 * access faults the same bytes back from the page cache. LMDB does not say
 * where its map is (me_mapaddr is only set with MDB_FIXEDMAP), so find
 * data.mdb in /proc/self/maps. The map must not move meanwhile, hence
 * maplock's read side. Best effort: any failure just keeps the pages.
 */
static void
tape_shed_pages(lc_tape *t)
{
	char want[PATH_MAX + 16], line[PATH_MAX + 256];
	FILE *f;

	if (realpath(t->dir, want) == NULL || strlen(want) + 10 >= sizeof(want))
		return;
	strcat(want, "/data.mdb");
	pthread_rwlock_rdlock(&t->maplock);
	if ((f = fopen("/proc/self/maps", "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			unsigned long lo, hi;
			char *path = strchr(line, '/');
			size_t n;

			if (path == NULL || sscanf(line, "%lx-%lx", &lo, &hi) != 2)
				continue;
			n = strcspn(path, "\n");
			if (n == strlen(want) && strncmp(path, want, n) == 0)
				(void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
		}
		fclose(f);
	}
	pthread_rwlock_unlock(&t->maplock);
}

/* Reset (keep for renew) a live read txn and drop maplock. */
static void
rtxn_reset(lc_tape *t, MDB_txn *txn)
{
	mdb_txn_reset(txn);
	pthread_rwlock_unlock(&t->maplock);
}

static void
rtxn_end(lc_tape *t, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&t->maplock);
}

static lc_status
sessions_list_txn(lc_tape *t, MDB_txn *txn, lc_session_info **out, size_t *n, lc_err *err)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	lc_session_info *arr = NULL;
	size_t len = 0, cap = 0;
	lc_status st = LC_OK;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = mdb_cursor_open(txn, t->db_sessions, &c)) != 0)
		return mdb_fail(t, rc, err, "listing sessions");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			lc_session_info *p;
			if (ncap > TAPE_SESSIONS_MAX) {
				st = lc_err_set(err, LC_ETOOBIG, "tape %s has more than %zu sessions",
				    t->dir, TAPE_SESSIONS_MAX);
				goto out;
			}
			if ((p = realloc(arr, ncap * sizeof *p)) == NULL) {
				st = lc_err_set(err, LC_ENOMEM, "out of memory listing sessions");
				goto out;
			}
			arr = p;
			cap = ncap;
		}
		if ((st = summary_decode(t, &v, &arr[len], err)) != LC_OK)
			goto out;
		len++;
	}
	if (rc != MDB_NOTFOUND)
		st = mdb_fail(t, rc, err, "listing sessions");
out:
	mdb_cursor_close(c);
	if (st != LC_OK) {
		free(arr);
		return st;
	}
	*out = arr;
	*n = len;
	return LC_OK;
}

lc_status
lc_tape_sessions_list(lc_tape *t, lc_session_info **out, size_t *n, lc_err *err)
{
	MDB_txn *txn = NULL;
	lc_status st;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = rtxn_begin(t, &txn)) != 0)
		return mdb_fail(t, rc, err, "starting a read transaction");
	st = sessions_list_txn(t, txn, out, n, err);
	rtxn_end(t, txn);
	return st;
}

lc_status
lc_tape_session_get(lc_tape *t, const char *id, lc_session_info *out, lc_err *err)
{
	MDB_txn *txn = NULL;
	lc_status st;
	int rc;

	if ((rc = rtxn_begin(t, &txn)) != 0)
		return mdb_fail(t, rc, err, "starting a read transaction");
	st = summary_get(t, txn, id, out, err);
	rtxn_end(t, txn);
	return st;
}

lc_status
lc_tape_meta_get(lc_tape *t, lc_tape_meta *out, lc_err *err)
{
	MDB_txn *txn = NULL;
	MDB_val k = {7, (void *)"creator"}, v;
	msgpack_unpacked u;
	int64_t schema = 0;
	lc_status st = LC_OK;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = rtxn_begin(t, &txn)) != 0)
		return mdb_fail(t, rc, err, "starting a read transaction");
	if ((rc = meta_get_i64(t, txn, "schema_version", &schema)) ||
	    (rc = meta_get_i64(t, txn, "created_ns", &out->created_ns)) ||
	    (rc = meta_get_i64(t, txn, "wall_skew_ns", &out->wall_skew_ns)) ||
	    (rc = last_seq_get(t, txn, &out->last_seq))) {
		st = rc == EINVAL || rc == MDB_NOTFOUND ?
		    lc_err_set(err, LC_ECORRUPT, "tape %s: meta is incomplete", t->dir) :
		    mdb_fail(t, rc, err, "reading meta");
		goto out;
	}
	out->schema = (uint32_t)schema;
	if (mdb_get(txn, t->db_meta, &k, &v) == 0) {
		msgpack_unpacked_init(&u);
		if (msgpack_unpack_next(&u, v.mv_data, v.mv_size, NULL) == MSGPACK_UNPACK_SUCCESS)
			obj_str(&u.data, out->creator, sizeof out->creator);
		msgpack_unpacked_destroy(&u);
	}
out:
	rtxn_end(t, txn);
	return st;
}

/* ---- cursors ---------------------------------------------------------------- */

lc_status
lc_cursor_open(lc_tape *t, const lc_cursor_opts *o, lc_cursor **out, lc_err *err)
{
	lc_cursor *c;
	lc_cursor_opts def;

	*out = NULL;
	if (o == NULL) {
		lc_cursor_opts_init(&def);
		o = &def;
	}
	if ((o->session && strlen(o->session) >= LC_SESSION_ID_MAX) ||
	    (o->conversation && strlen(o->conversation) > LC_TAPE_KEY_MAX))
		return lc_err_set(err, LC_EINVAL, "cursor: session id or conversation id too long");
	if ((c = calloc(1, sizeof *c)) == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory opening a cursor");
	c->t = t;
	if (o->session) {
		c->has_session = 1;
		strcpy(c->session, o->session);
	}
	if (o->conversation) {
		c->has_conv = 1;
		strcpy(c->conv, o->conversation);
	}
	c->from_ns = o->from_ns;
	c->to_ns = o->to_ns;
	c->next_seq = o->from_seq ? o->from_seq : 1;
	*out = c;
	return LC_OK;
}

void
lc_cursor_pause(lc_cursor *c)
{
	if (c && c->live) {
		rtxn_reset(c->t, c->txn);
		c->live = 0;
		c->at_valid = 0;
	}
}

void
lc_cursor_close(lc_cursor *c)
{
	if (c == NULL)
		return;
	lc_cursor_pause(c);
	if (c->cev)
		mdb_cursor_close(c->cev);
	if (c->cconv)
		mdb_cursor_close(c->cconv);
	if (c->txn)
		mdb_txn_abort(c->txn);
	free(c);
}

lc_bytes
lc_cursor_record(const lc_cursor *c)
{
	return c->rec;
}

/* The record at exactly seq into *ev; MDB_NOTFOUND if there is none. */
static lc_status
cur_load(lc_cursor *c, uint64_t seq, int *found, lc_err *err)
{
	uint8_t key[8];
	MDB_val k = {8, key}, v;
	int rc;

	be64_put(key, seq);
	rc = mdb_get(c->txn, c->t->db_events, &k, &v);
	*found = rc == 0;
	if (rc == MDB_NOTFOUND)
		return LC_OK;
	if (rc)
		return mdb_fail(c->t, rc, err, "reading an event");
	c->rec = lc_bytes_make(v.mv_data, v.mv_size);
	return lc_record_decode(v.mv_data, v.mv_size, seq, &c->ev, c->hdrs, err);
}

/*
 * First seq whose wall_ns may be >= from: binary search for the first p with
 * wall(p) >= from - skew. With the writer's recorded skew S (for i < j,
 * wall(i) <= wall(j) + S), every event before p has wall < from.
 */
static lc_status
cur_seek_time(lc_cursor *c, lc_err *err)
{
	uint64_t lo = c->next_seq, hi, last;
	int64_t target = sat_add(c->from_ns, -c->skew);
	int rc, found;
	lc_status st;

	if ((rc = last_seq_get(c->t, c->txn, &last)) != 0)
		return mdb_fail(c->t, rc, err, "finding the tape's end");
	hi = last + 1;   /* answer in [lo, hi]; hi means "past the end" */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if ((st = cur_load(c, mid, &found, err)) != LC_OK)
			return st;
		if (!found)
			return lc_err_set(err, LC_ECORRUPT, "tape %s: seq %" PRIu64 " is missing (seqs "
			    "must be contiguous); run cxreplay verify", c->t->dir, mid);
		if (c->ev.wall_ns < target)
			lo = mid + 1;
		else
			hi = mid;
	}
	c->next_seq = lo;
	return LC_OK;
}

static lc_status
cur_position(lc_cursor *c, lc_err *err)
{
	lc_session_info s;
	lc_status st;

	if (c->has_session) {   /* re-read each snapshot: a recording session grows */
		if ((st = summary_get(c->t, c->txn, c->session, &s, err)) != LC_OK)
			return st;
		c->stop_after = s.state == LC_SESSION_RECORDING ? 0 : s.last_seq;
		if (!c->positioned && s.first_seq > c->next_seq)
			c->next_seq = s.first_seq;
	}
	if (c->positioned)
		return LC_OK;
	c->positioned = 1;
	if (c->from_ns != INT64_MIN && !c->has_conv) {
		if (meta_get_i64(c->t, c->txn, "wall_skew_ns", &c->skew) != 0)
			return lc_err_set(err, LC_ECORRUPT, "tape %s: meta lacks wall_skew_ns", c->t->dir);
		return cur_seek_time(c, err);
	}
	return LC_OK;
}

static lc_status
cur_snapshot(lc_cursor *c, lc_err *err)
{
	int rc;

	if (c->live)
		return LC_OK;
	if ((rc = rtxn_begin(c->t, &c->txn)) != 0)
		return mdb_fail(c->t, rc, err, "starting a read transaction");
	c->live = 1;
	c->since_renew = 0;
	c->at_valid = 0;
	if (c->cev == NULL)
		rc = mdb_cursor_open(c->txn, c->t->db_events, &c->cev);
	else
		rc = mdb_cursor_renew(c->txn, c->cev);
	if (rc == 0 && c->has_conv)
		rc = c->cconv ? mdb_cursor_renew(c->txn, c->cconv) :
		    mdb_cursor_open(c->txn, c->t->db_conv, &c->cconv);
	if (rc)
		return mdb_fail(c->t, rc, err, "opening a cursor");
	return cur_position(c, err);
}

/* Next candidate by seq; *found 0 at the end of the snapshot. */
static lc_status
cur_step_events(lc_cursor *c, int *found, lc_err *err)
{
	uint8_t key[8];
	MDB_val k = {8, key}, v;
	int rc;

	be64_put(key, c->next_seq);
	if (c->at_valid && c->at_seq + 1 == c->next_seq)
		rc = mdb_cursor_get(c->cev, &k, &v, MDB_NEXT);
	else
		rc = mdb_cursor_get(c->cev, &k, &v, MDB_SET_RANGE);
	*found = rc == 0;
	if (rc == MDB_NOTFOUND)
		return LC_OK;
	if (rc)
		return mdb_fail(c->t, rc, err, "reading events");
	if (k.mv_size != 8)
		return lc_err_set(err, LC_ECORRUPT, "tape %s: an events key is %zu bytes, not 8; run "
		    "cxreplay verify", c->t->dir, k.mv_size);
	c->at_seq = be64_get(k.mv_data);
	c->at_valid = 1;
	c->next_seq = c->at_seq + 1;
	c->rec = lc_bytes_make(v.mv_data, v.mv_size);
	return lc_record_decode(v.mv_data, v.mv_size, c->at_seq, &c->ev, c->hdrs, err);
}

/* Next candidate from the by_conversation index. */
static lc_status
cur_step_conv(lc_cursor *c, int *found, lc_err *err)
{
	uint8_t key[8];
	MDB_val k = {strlen(c->conv), c->conv}, v = {8, key};
	uint64_t seq;
	int rc;

	be64_put(key, c->next_seq);
	if (c->at_valid && c->at_seq + 1 == c->next_seq)
		rc = mdb_cursor_get(c->cconv, &k, &v, MDB_NEXT_DUP);
	else
		rc = mdb_cursor_get(c->cconv, &k, &v, MDB_GET_BOTH_RANGE);
	*found = 0;
	if (rc == MDB_NOTFOUND)
		return LC_OK;
	if (rc)
		return mdb_fail(c->t, rc, err, "reading the conversation index");
	if (v.mv_size != 8)
		return lc_err_set(err, LC_ECORRUPT, "tape %s: a by_conversation entry is not an 8-byte "
		    "seq; run cxreplay verify", c->t->dir);
	seq = be64_get(v.mv_data);
	c->at_seq = seq;
	c->at_valid = 1;
	c->next_seq = seq + 1;
	lc_status st = cur_load(c, seq, found, err);
	if (st == LC_OK && !*found)
		return lc_err_set(err, LC_ECORRUPT, "tape %s: conversation %s lists seq %" PRIu64
		    " which is not in events; run cxreplay verify", c->t->dir, c->conv, seq);
	return st;
}

/* 1: deliver, 0: skip, -1: past the range for good. */
static int
cur_filter(lc_cursor *c)
{
	const cx_event *e = &c->ev;

	if (c->stop_after && e->seq > c->stop_after)
		return -1;
	if (c->to_ns != INT64_MAX && !c->has_conv && e->wall_ns >= sat_add(c->to_ns, c->skew))
		return -1;
	if (c->has_session && !lc_bytes_eq_str(e->session, c->session))
		return 0;
	if (c->has_conv && !lc_bytes_eq_str(e->conversation, c->conv))
		return 0;
	return e->wall_ns >= c->from_ns && e->wall_ns < c->to_ns;
}

lc_status
lc_cursor_next(lc_cursor *c, const cx_event **ev, lc_err *err)
{
	lc_status st;
	int found, f;

	*ev = NULL;
	if (c->finished)
		return LC_DONE;
	for (;;) {
		if (c->live && c->since_renew >= TAPE_CURSOR_RENEW_EVERY) {
			lc_cursor_pause(c);   /* let the writer reuse pages; next_seq keeps our place */
			if (++c->renewals % TAPE_CURSOR_SHED_EVERY == 0)
				tape_shed_pages(c->t);   /* constant memory, however long the tape */
		}
		if ((st = cur_snapshot(c, err)) != LC_OK)
			goto fail;
		st = c->has_conv ? cur_step_conv(c, &found, err) : cur_step_events(c, &found, err);
		if (st != LC_OK)
			goto fail;
		if (!found) {
			lc_cursor_pause(c);
			return LC_DONE;
		}
		c->since_renew++;
		if ((f = cur_filter(c)) < 0) {
			c->finished = 1;
			lc_cursor_pause(c);
			return LC_DONE;
		}
		if (f) {
			*ev = &c->ev;
			return LC_OK;
		}
	}
fail:
	lc_cursor_pause(c);
	return st;
}

/* ---- verify ----------------------------------------------------------------- */

typedef struct vsess {
	lc_session_info info;
	uint64_t n, first, last;
} vsess;

static vsess *
vsess_find(vsess *arr, size_t n, lc_bytes id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {   /* arr is in LMDB key order: memcmp, shorter first on a tie */
		size_t mid = (lo + hi) / 2;
		size_t ml = strlen(arr[mid].info.id);
		size_t m = ml < id.len ? ml : id.len;
		int c = m ? memcmp(arr[mid].info.id, id.ptr, m) : 0;
		if (c == 0)
			c = ml < id.len ? -1 : ml > id.len;
		if (c == 0)
			return &arr[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static lc_status
verify_events(lc_tape *t, MDB_txn *txn, vsess *ss, size_t nss, uint64_t *n_events,
    uint64_t *n_indexable, lc_err *err)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	cx_event ev;
	cx_header hdrs[CX_HEADERS_MAX];
	uint64_t expect = 1;
	lc_status st = LC_OK;
	int rc;

	if ((rc = mdb_cursor_open(txn, t->db_events, &c)) != 0)
		return mdb_fail(t, rc, err, "walking events");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint64_t seq = k.mv_size == 8 ? be64_get(k.mv_data) : 0;
		if (seq != expect) {
			st = lc_err_set(err, LC_ECORRUPT, "tape %s: seq %" PRIu64 " expected, found %s %"
			    PRIu64 "; events are missing", t->dir, expect,
			    k.mv_size == 8 ? "seq" : "a bad key after", seq ? seq : expect - 1);
			goto out;
		}
		if ((st = lc_record_decode(v.mv_data, v.mv_size, seq, &ev, hdrs, err)) != LC_OK)
			goto out;
		vsess *s = vsess_find(ss, nss, ev.session);
		if (s == NULL) {
			st = lc_err_set(err, LC_ECORRUPT, "tape %s: seq %" PRIu64 ": its session %.*s "
			    "has no summary", t->dir, seq, (int)ev.session.len, ev.session.ptr);
			goto out;
		}
		if (s->n++ == 0)
			s->first = seq;
		s->last = seq;
		*n_indexable += ev.conversation.len && ev.conversation.len <= LC_TAPE_KEY_MAX;
		expect++;
	}
	if (rc != MDB_NOTFOUND)
		st = mdb_fail(t, rc, err, "walking events");
	*n_events = expect - 1;
out:
	mdb_cursor_close(c);
	return st;
}

static lc_status
verify_index(lc_tape *t, MDB_txn *txn, uint64_t n_indexable, lc_err *err)
{
	MDB_cursor *c = NULL;
	MDB_val k, v, ek, evv;
	cx_event ev;
	cx_header hdrs[CX_HEADERS_MAX];
	uint64_t n = 0;
	lc_status st = LC_OK;
	int rc;

	if ((rc = mdb_cursor_open(txn, t->db_conv, &c)) != 0)
		return mdb_fail(t, rc, err, "walking by_conversation");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint64_t seq = v.mv_size == 8 ? be64_get(v.mv_data) : 0;
		ek.mv_size = v.mv_size;
		ek.mv_data = v.mv_data;
		if (seq == 0 || mdb_get(txn, t->db_events, &ek, &evv) != 0) {
			st = lc_err_set(err, LC_ECORRUPT, "tape %s: by_conversation %.*s lists seq %"
			    PRIu64 ", which is not an event", t->dir, (int)k.mv_size,
			    (const char *)k.mv_data, seq);
			goto out;
		}
		if ((st = lc_record_decode(evv.mv_data, evv.mv_size, seq, &ev, hdrs, err)) != LC_OK)
			goto out;
		if (ev.conversation.len != k.mv_size ||
		    memcmp(ev.conversation.ptr, k.mv_data, k.mv_size) != 0) {
			st = lc_err_set(err, LC_ECORRUPT, "tape %s: seq %" PRIu64 " is indexed under "
			    "conversation %.*s but belongs to %.*s", t->dir, seq, (int)k.mv_size,
			    (const char *)k.mv_data, (int)ev.conversation.len, ev.conversation.ptr);
			goto out;
		}
		n++;
	}
	if (rc != MDB_NOTFOUND)
		st = mdb_fail(t, rc, err, "walking by_conversation");
	else if (n != n_indexable)
		st = lc_err_set(err, LC_ECORRUPT, "tape %s: %" PRIu64 " events have a conversation id "
		    "but by_conversation holds %" PRIu64 " entries", t->dir, n_indexable, n);
out:
	mdb_cursor_close(c);
	return st;
}

static lc_status
verify_sessions(lc_tape *t, const vsess *ss, size_t n, lc_err *err)
{
	for (size_t i = 0; i < n; i++) {
		const vsess *s = &ss[i];
		if (s->n != s->info.n_events || s->first != s->info.first_seq ||
		    s->last != s->info.last_seq)
			return lc_err_set(err, LC_ECORRUPT, "tape %s: session %s summary says %" PRIu64
			    " events (seq %" PRIu64 "..%" PRIu64 ") but the tape holds %" PRIu64
			    " (seq %" PRIu64 "..%" PRIu64 ")", t->dir, s->info.id, s->info.n_events,
			    s->info.first_seq, s->info.last_seq, s->n, s->first, s->last);
	}
	return LC_OK;
}

/* One read txn for the whole walk: verify needs one consistent snapshot. */
lc_status
lc_tape_verify(lc_tape *t, uint64_t *n_events, lc_err *err)
{
	MDB_txn *txn = NULL;
	lc_session_info *list = NULL;
	vsess *ss = NULL;
	size_t nss = 0;
	uint64_t n = 0, n_idx = 0;
	lc_status st;
	int rc;

	if (n_events)
		*n_events = 0;
	if ((rc = rtxn_begin(t, &txn)) != 0)
		return mdb_fail(t, rc, err, "starting a read transaction");
	if ((st = sessions_list_txn(t, txn, &list, &nss, err)) != LC_OK)
		goto out;
	if ((ss = calloc(nss ? nss : 1, sizeof *ss)) == NULL) {
		st = lc_err_set(err, LC_ENOMEM, "out of memory verifying tape %s", t->dir);
		goto out;
	}
	for (size_t i = 0; i < nss; i++)
		ss[i].info = list[i];
	if ((st = verify_events(t, txn, ss, nss, &n, &n_idx, err)) == LC_OK &&
	    (st = verify_index(t, txn, n_idx, err)) == LC_OK)
		st = verify_sessions(t, ss, nss, err);
out:
	free(list);
	rtxn_end(t, txn);
	free(ss);
	if (n_events)
		*n_events = n;
	return st;
}
