/* SPDX-License-Identifier: MIT */
/* lc_tape_verify: lc_tape_verify: every record, the conversation index and the session summaries. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "lc_tape_int.h"

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
		return tape_mdb_fail(t, rc, err, "walking events");
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
		st = tape_mdb_fail(t, rc, err, "walking events");
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
		return tape_mdb_fail(t, rc, err, "walking by_conversation");
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
		st = tape_mdb_fail(t, rc, err, "walking by_conversation");
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
	if ((rc = tape_rtxn_begin(t, &txn)) != 0)
		return tape_mdb_fail(t, rc, err, "starting a read transaction");
	if ((st = tape_sessions_list_txn(t, txn, &list, &nss, err)) != LC_OK)
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
	tape_rtxn_end(t, txn);
	free(ss);
	if (n_events)
		*n_events = n;
	return st;
}
