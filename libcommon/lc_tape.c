/* SPDX-License-Identifier: MIT */
/* lc_tape: LMDB tape: open and close, meta, session summaries, read transactions (writer: lc_tape_write.c). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lc_clock.h"
#include "lc_tape_int.h"

/* ---- small helpers ---------------------------------------------------- */

lc_status
tape_mdb_fail(lc_tape *t, int rc, lc_err *err, const char *what)
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
/* ---- session summaries (lc_record's codec) ---------------------------------- */

#define TAPE_SUMMARY_FIELDS_MAX 64   /* entries a summary map may have (13 today) */

static lc_record_value
rv_str(const char *s)
{
	return (lc_record_value){.type = LC_RV_STR, .s = lc_bytes_str(s)};
}

static lc_record_value
rv_u64(uint64_t u)
{
	return (lc_record_value){.type = LC_RV_UINT, .u = u};
}

static lc_record_value
rv_i64(int64_t i)
{
	return i < 0 ? (lc_record_value){.type = LC_RV_INT, .i = i} : rv_u64((uint64_t)i);
}

lc_status
tape_summary_encode(const lc_session_info *s, lc_buf *out)
{
	const lc_record_kv kv[] = {
		{LC_SF_ID, rv_str(s->id)},
		{LC_SF_AGENT, rv_str(s->agent)},
		{LC_SF_SITE, rv_str(s->site)},
		{LC_SF_STATE, rv_str(lc_session_state_name(s->state))},
		{LC_SF_START, rv_i64(s->start_wall_ns)},
		{LC_SF_END, rv_i64(s->end_wall_ns)},
		{LC_SF_FIRST, rv_u64(s->first_seq)},
		{LC_SF_LAST, rv_u64(s->last_seq)},
		{LC_SF_EVENTS, rv_u64(s->n_events)},
		{LC_SF_FRAMES_IN, rv_u64(s->n_frames_in)},
		{LC_SF_FRAMES_OUT, rv_u64(s->n_frames_out)},
		{LC_SF_HTTP, rv_u64(s->n_http)},
		{LC_SF_BYTES, rv_u64(s->n_bytes)},
	};

	lc_buf_reset(out);
	return lc_record_map_encode(kv, sizeof kv / sizeof kv[0], out);
}

static int
val_u64(const lc_record_value *v, uint64_t *out)
{
	if (v->type != LC_RV_UINT)
		return 0;
	*out = v->u;
	return 1;
}

static int
val_i64(const lc_record_value *v, int64_t *out)
{
	if (v->type == LC_RV_UINT && v->u <= INT64_MAX)
		*out = (int64_t)v->u;
	else if (v->type == LC_RV_INT)
		*out = v->i;
	else
		return 0;
	return 1;
}

static int
val_str(const lc_record_value *v, char *dst, size_t cap)
{
	if (v->type != LC_RV_STR)
		return 0;
	copy_str(dst, cap, v->s.ptr, v->s.len);
	return 1;
}

static int
summary_field(uint64_t key, const lc_record_value *v, lc_session_info *s)
{
	char st[16];

	switch (key) {
	case 0: return 0;   /* the key was not a field number */
	case LC_SF_ID: return val_str(v, s->id, sizeof s->id);
	case LC_SF_AGENT: return val_str(v, s->agent, sizeof s->agent);
	case LC_SF_SITE: return val_str(v, s->site, sizeof s->site);
	case LC_SF_STATE:
		if (!val_str(v, st, sizeof st))
			return 0;
		s->state = !strcmp(st, "recording") ? LC_SESSION_RECORDING :
		    !strcmp(st, "closed") ? LC_SESSION_CLOSED : LC_SESSION_INTERRUPTED;
		return 1;
	case LC_SF_START: return val_i64(v, &s->start_wall_ns);
	case LC_SF_END: return val_i64(v, &s->end_wall_ns);
	case LC_SF_FIRST: return val_u64(v, &s->first_seq);
	case LC_SF_LAST: return val_u64(v, &s->last_seq);
	case LC_SF_EVENTS: return val_u64(v, &s->n_events);
	case LC_SF_FRAMES_IN: return val_u64(v, &s->n_frames_in);
	case LC_SF_FRAMES_OUT: return val_u64(v, &s->n_frames_out);
	case LC_SF_HTTP: return val_u64(v, &s->n_http);
	case LC_SF_BYTES: return val_u64(v, &s->n_bytes);
	default: return 1;   /* a newer writer's field */
	}
}

lc_status
tape_summary_decode(const lc_tape *t, const MDB_val *v, lc_session_info *s, lc_err *err)
{
	lc_record_kv kv[TAPE_SUMMARY_FIELDS_MAX];
	size_t n = 0;

	memset(s, 0, sizeof *s);
	if (lc_record_map_decode(v->mv_data, v->mv_size, kv, TAPE_SUMMARY_FIELDS_MAX, &n) != LC_OK)
		return lc_err_set(err, LC_ECORRUPT, "tape %s: a session summary is not a msgpack map; "
		    "run cxreplay verify --tape %s", t->dir, t->dir);
	for (size_t i = 0; i < n; i++)
		if (!summary_field(kv[i].key, &kv[i].v, s))
			return lc_err_set(err, LC_ECORRUPT, "tape %s: session summary %s has a bad "
			    "field %" PRIu64, t->dir, s->id[0] ? s->id : "(no id yet)", kv[i].key);
	return LC_OK;
}

lc_status
tape_summary_get(lc_tape *t, MDB_txn *txn, const char *id, lc_session_info *s, lc_err *err)
{
	MDB_val k = {strlen(id), (void *)id}, v;
	int rc = mdb_get(txn, t->db_sessions, &k, &v);

	if (rc == MDB_NOTFOUND)
		return lc_err_set(err, LC_ENOTFOUND, "no session %s in tape %s; list them with "
		    "cxreplay ls --tape %s", id, t->dir, t->dir);
	if (rc)
		return tape_mdb_fail(t, rc, err, "reading a session summary");
	return tape_summary_decode(t, &v, s, err);
}

/* ---- meta ----------------------------------------------------------------- */

#define TAPE_META_STR_MAX 78   /* bytes of a meta string value kept */

static int
meta_put(lc_tape *t, MDB_txn *txn, const char *key, const lc_record_value *val)
{
	MDB_val k = {strlen(key), (void *)key}, v;
	lc_buf b;
	int rc = EINVAL;

	lc_buf_init(&b, 128);
	if (lc_record_value_encode(val, &b) == LC_OK) {
		v.mv_size = b.len;
		v.mv_data = b.ptr;
		rc = mdb_put(txn, t->db_meta, &k, &v, 0);
	}
	lc_buf_free(&b);
	return rc;
}

int
tape_meta_put_i64(lc_tape *t, MDB_txn *txn, const char *key, int64_t val)
{
	lc_record_value v = rv_i64(val);

	return meta_put(t, txn, key, &v);
}

static int
meta_put_str(lc_tape *t, MDB_txn *txn, const char *key, const char *s)
{
	lc_record_value v = rv_str(s);

	if (v.s.len > TAPE_META_STR_MAX)
		v.s.len = TAPE_META_STR_MAX;
	return meta_put(t, txn, key, &v);
}

/* The meta value at key: 0, MDB_NOTFOUND, EINVAL when it is not msgpack, or an LMDB error. */
static int
meta_get(lc_tape *t, MDB_txn *txn, const char *key, lc_record_value *out)
{
	MDB_val k = {strlen(key), (void *)key}, v;
	int rc = mdb_get(txn, t->db_meta, &k, &v);

	if (rc)
		return rc;
	return lc_record_value_decode(v.mv_data, v.mv_size, out) == LC_OK ? 0 : EINVAL;
}

/* 0 found, MDB_NOTFOUND, or EINVAL for a value that is not an integer. */
int
tape_meta_get_i64(lc_tape *t, MDB_txn *txn, const char *key, int64_t *out)
{
	lc_record_value v;
	int rc = meta_get(t, txn, key, &v);

	if (rc == 0 && !val_i64(&v, out))
		rc = EINVAL;
	return rc;
}

static lc_status
meta_check_schema(lc_tape *t, MDB_txn *txn, int create, lc_err *err)
{
	int64_t ver = 0;
	int rc = tape_meta_get_i64(t, txn, "schema_version", &ver);

	if (rc == MDB_NOTFOUND && create) {
		if ((rc = tape_meta_put_i64(t, txn, "schema_version", LC_RECORD_SCHEMA)) ||
		    (rc = meta_put_str(t, txn, "creator", "cxtape " CXTAPE_VERSION)) ||
		    (rc = tape_meta_put_i64(t, txn, "created_ns", lc_clock_wall_ns())) ||
		    (rc = tape_meta_put_i64(t, txn, "wall_max_ns", INT64_MIN)) ||
		    (rc = tape_meta_put_i64(t, txn, "wall_skew_ns", 0)))
			return tape_mdb_fail(t, rc, err, "writing meta");
		return LC_OK;
	}
	if (rc == MDB_NOTFOUND || rc == EINVAL)
		return lc_err_set(err, LC_ECORRUPT, "tape %s has no readable schema_version in meta; "
		    "is it a cxtape tape?", t->dir);
	if (rc)
		return tape_mdb_fail(t, rc, err, "reading meta");
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

void
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
		return tape_mdb_fail(t, rc, err, "creating the LMDB environment");
	if ((rc = mdb_env_set_maxdbs(t->env, 8)) != 0 ||
	    (map_size && (rc = mdb_env_set_mapsize(t->env, map_size)) != 0))
		return tape_mdb_fail(t, rc, err, "configuring LMDB");
	/* MDB_NOTLS: a thread may hold several cursors' read txns, and hand them on */
	rc = mdb_env_open(t->env, t->dir, flags | MDB_NOTLS, 0600);
	if (rc == ENOENT)
		return lc_err_set(err, LC_ENOTFOUND, "no tape at %s; record one with cxrecord "
		    "--tape %s", t->dir, t->dir);
	if (rc)
		return tape_mdb_fail(t, rc, err, "opening the LMDB environment");
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
		return tape_mdb_fail(t, rc, err, "opening the named databases");
	}
	return LC_OK;
}

int
tape_last_seq_get(lc_tape *t, MDB_txn *txn, uint64_t *seq)
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
		return tape_mdb_fail(t, rc, err, "scanning sessions");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if ((st = tape_summary_decode(t, &v, &s, err)) != LC_OK)
			goto out;
		if (s.state != LC_SESSION_RECORDING)
			continue;
		s.state = LC_SESSION_INTERRUPTED;
		if ((st = tape_summary_encode(&s, &t->w_sum)) != LC_OK)
			goto out;
		v.mv_size = t->w_sum.len;
		v.mv_data = t->w_sum.ptr;
		if ((rc = mdb_cursor_put(c, &k, &v, MDB_CURRENT)) != 0)
			break;
	}
	if (rc != MDB_NOTFOUND)
		st = tape_mdb_fail(t, rc, err, "marking interrupted sessions");
out:
	mdb_cursor_close(c);
	return st;
}


static lc_status
tape_setup_write(lc_tape *t, lc_err *err)
{
	MDB_txn *txn = NULL;
	lc_status st;
	int rc;
	uint64_t last = 0;

	if ((rc = mdb_txn_begin(t->env, NULL, 0, &txn)) != 0)
		return tape_mdb_fail(t, rc, err, "starting the first write transaction");
	if ((st = dbis_open(t, txn, MDB_CREATE, err)) != LC_OK ||
	    (st = meta_check_schema(t, txn, 1, err)) != LC_OK ||
	    (st = sessions_mark_interrupted(t, txn, err)) != LC_OK)
		goto fail;
	if ((rc = tape_last_seq_get(t, txn, &last)) != 0 ||
	    (rc = tape_meta_get_i64(t, txn, "wall_max_ns", &t->w_wall_max)) != 0 ||
	    (rc = tape_meta_get_i64(t, txn, "wall_skew_ns", &t->w_wall_skew)) != 0) {
		st = rc == MDB_NOTFOUND || rc == EINVAL ?
		    lc_err_set(err, LC_ECORRUPT, "tape %s: meta lacks wall_max_ns/wall_skew_ns", t->dir) :
		    tape_mdb_fail(t, rc, err, "reading the tape's end");
		goto fail;
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc)
		return tape_mdb_fail(t, rc, err, "committing the first write transaction");
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
	if (pthread_create(&t->thread, NULL, tape_writer_main, t) != 0) {
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
		st = tape_mdb_fail(t, rc, err, "starting a read transaction");
		goto fail;
	}
	if ((st = dbis_open(t, txn, 0, err)) != LC_OK ||
	    (st = meta_check_schema(t, txn, 0, err)) != LC_OK)
		goto fail;
	rc = mdb_txn_commit(txn);   /* commit, not abort: keeps the DBI handles */
	txn = NULL;
	if (rc) {
		st = tape_mdb_fail(t, rc, err, "finishing the opening read transaction");
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

/* ---- read transactions ------------------------------------------------------ */

/*
 * Begin (or renew) a read txn, holding maplock's read side while it lives. A
 * writer in another process may have grown the map: adopt its size
 * (MDB_MAP_RESIZED) with the write side held, then retry.
 */
int
tape_rtxn_begin(lc_tape *t, MDB_txn **txn)
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
void
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
void
tape_rtxn_reset(lc_tape *t, MDB_txn *txn)
{
	mdb_txn_reset(txn);
	pthread_rwlock_unlock(&t->maplock);
}

void
tape_rtxn_end(lc_tape *t, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&t->maplock);
}

lc_status
tape_sessions_list_txn(lc_tape *t, MDB_txn *txn, lc_session_info **out, size_t *n, lc_err *err)
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
		return tape_mdb_fail(t, rc, err, "listing sessions");
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
		if ((st = tape_summary_decode(t, &v, &arr[len], err)) != LC_OK)
			goto out;
		len++;
	}
	if (rc != MDB_NOTFOUND)
		st = tape_mdb_fail(t, rc, err, "listing sessions");
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
	if ((rc = tape_rtxn_begin(t, &txn)) != 0)
		return tape_mdb_fail(t, rc, err, "starting a read transaction");
	st = tape_sessions_list_txn(t, txn, out, n, err);
	tape_rtxn_end(t, txn);
	return st;
}

lc_status
lc_tape_session_get(lc_tape *t, const char *id, lc_session_info *out, lc_err *err)
{
	MDB_txn *txn = NULL;
	lc_status st;
	int rc;

	if ((rc = tape_rtxn_begin(t, &txn)) != 0)
		return tape_mdb_fail(t, rc, err, "starting a read transaction");
	st = tape_summary_get(t, txn, id, out, err);
	tape_rtxn_end(t, txn);
	return st;
}

lc_status
lc_tape_meta_get(lc_tape *t, lc_tape_meta *out, lc_err *err)
{
	MDB_txn *txn = NULL;
	lc_record_value creator;
	int64_t schema = 0;
	lc_status st = LC_OK;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = tape_rtxn_begin(t, &txn)) != 0)
		return tape_mdb_fail(t, rc, err, "starting a read transaction");
	if ((rc = tape_meta_get_i64(t, txn, "schema_version", &schema)) ||
	    (rc = tape_meta_get_i64(t, txn, "created_ns", &out->created_ns)) ||
	    (rc = tape_meta_get_i64(t, txn, "wall_skew_ns", &out->wall_skew_ns)) ||
	    (rc = tape_last_seq_get(t, txn, &out->last_seq))) {
		st = rc == EINVAL || rc == MDB_NOTFOUND ?
		    lc_err_set(err, LC_ECORRUPT, "tape %s: meta is incomplete", t->dir) :
		    tape_mdb_fail(t, rc, err, "reading meta");
		goto out;
	}
	out->schema = (uint32_t)schema;
	if (meta_get(t, txn, "creator", &creator) == 0)
		val_str(&creator, out->creator, sizeof out->creator);
out:
	tape_rtxn_end(t, txn);
	return st;
}
