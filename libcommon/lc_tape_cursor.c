/* SPDX-License-Identifier: MIT */
/* lc_tape_cursor: cursors over a tape: selection by session, conversation and time, live follow. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "lc_tape_int.h"

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
		tape_rtxn_reset(c->t, c->txn);
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
		return tape_mdb_fail(c->t, rc, err, "reading an event");
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

	if ((rc = tape_last_seq_get(c->t, c->txn, &last)) != 0)
		return tape_mdb_fail(c->t, rc, err, "finding the tape's end");
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
		if ((st = tape_summary_get(c->t, c->txn, c->session, &s, err)) != LC_OK)
			return st;
		c->stop_after = s.state == LC_SESSION_RECORDING ? 0 : s.last_seq;
		if (!c->positioned && s.first_seq > c->next_seq)
			c->next_seq = s.first_seq;
	}
	if (c->positioned)
		return LC_OK;
	c->positioned = 1;
	if (c->from_ns != INT64_MIN && !c->has_conv) {
		if (tape_meta_get_i64(c->t, c->txn, "wall_skew_ns", &c->skew) != 0)
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
	if ((rc = tape_rtxn_begin(c->t, &c->txn)) != 0)
		return tape_mdb_fail(c->t, rc, err, "starting a read transaction");
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
		return tape_mdb_fail(c->t, rc, err, "opening a cursor");
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
		return tape_mdb_fail(c->t, rc, err, "reading events");
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
		return tape_mdb_fail(c->t, rc, err, "reading the conversation index");
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
