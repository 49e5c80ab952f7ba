/* SPDX-License-Identifier: MIT */
/* an_html_sink: what the HTML report keeps during the pass — timeline, latency marks, transcript rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_html_int.h"

/* ---------------------------------------------------------------- timeline and latency marks */

static uint32_t
session_of(const an_engine *e, lc_bytes s)
{
	return s.len ? (uint32_t)(uintptr_t)lc_map_get(e->sessions, s.ptr, s.len) : 0;
}

static void
copy_cut(char *dst, size_t cap, lc_bytes b)
{
	size_t n = b.len < cap - 1 ? b.len : cap - 1;

	while (n > 0 && n < b.len && (b.ptr[n] & 0xc0) == 0x80)
		n--;
	if (n)
		memcpy(dst, b.ptr, n);
	dst[n] = '\0';
}

static void
on_finding(const an_finding *f, void *ud)
{
	an_html *h = ud;
	tl_item *it;

	if (f->kind == AN_F_LATENCY_BREACH || f->kind == AN_F_UNACKED) {
		uintptr_t v = f->kind == AN_F_UNACKED ? 1 : (uintptr_t)f->value_ms + 2;

		if (f->message_id.len == 0)
			return;
		if (lc_map_put(h->marks, f->message_id.ptr, f->message_id.len, (void *)v) != LC_OK)
			h->marks_dropped++;
		return;
	}
	if (an_html_tl_lane(f->kind) < 0)
		return;
	if (h->n_tl == AN_HTML_MAX_TIMELINE) {
		h->tl_dropped++;
		return;
	}
	it = &h->tl[h->n_tl++];
	memset(it, 0, sizeof(*it));
	it->kind = f->kind;
	it->wall_ns = f->wall_ns;   /* 0: found at the end of input; set by activity_range */
	it->sess = session_of(h->e, f->session);
	it->value_ms = f->value_ms;
	it->limit_ms = f->limit_ms;
	it->status = f->status;
	copy_cut(it->what, sizeof(it->what), f->endpoint);
	copy_cut(it->reason, sizeof(it->reason), f->reason);
}

/* ---------------------------------------------------------------- the transcripts' rows, kept in the pass */

/* The conversation's keeper for ev, created on first sight while it may get a transcript. */
static lc_status
conv_keeper(an_html *h, lc_bytes id, tr_conv **out)
{
	const an_engine *e = h->e;
	const an_conv *c;
	tr_conv *tc = lc_map_get(h->convs, id.ptr, id.len);

	*out = tc;
	if (tc != NULL)
		return LC_OK;
	/* Past the first AN_HTML_MAX_TRANSCRIPTS conversations of the engine, no newcomer gets one. */
	if (e->n_convs >= AN_HTML_MAX_TRANSCRIPTS) {
		c = id.len < AN_ID_MAX ? lc_map_get(e->conv_map, id.ptr, id.len) : NULL;
		if (c == NULL || c->index > AN_HTML_MAX_TRANSCRIPTS)
			return LC_OK;
	}
	if (h->n_list == h->c_list) {
		uint32_t n = h->c_list ? 2 * h->c_list : 64;
		tr_conv **l = realloc(h->list, n * sizeof(*l));

		if (l == NULL)
			return LC_ENOMEM;
		h->list = l;
		h->c_list = n;
	}
	if ((tc = calloc(1, sizeof(*tc))) == NULL)
		return LC_ENOMEM;
	h->list[h->n_list++] = tc;
	if (lc_map_put(h->convs, id.ptr, id.len, tc) == LC_OK)
		*out = tc;    /* else over AN_HTML_MAX_KEPT: that conversation gets no rows */
	return LC_OK;
}

static void *
dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);

	if (d != NULL && n)
		memcpy(d, p, n);
	return d;
}

/* A new row of tc (NULL when out of memory, or past the cap: then it is only counted). */
static tr_row *
row_add(tr_conv *tc, const cx_event *ev, lc_status *rc)
{
	tr_row *r;

	if (tc->n_rows == AN_HTML_MAX_MESSAGES) {
		tc->more++;
		return NULL;
	}
	if (tc->n_rows == tc->c_rows) {
		uint32_t n = tc->c_rows ? 2 * tc->c_rows : 16;
		tr_row *rows = realloc(tc->rows, n * sizeof(*rows));

		if (rows == NULL) {
			*rc = LC_ENOMEM;
			return NULL;
		}
		tc->rows = rows;
		tc->c_rows = n;
	}
	r = &tc->rows[tc->n_rows++];
	memset(r, 0, sizeof(*r));
	r->until_ns = tc->max_wall;
	r->wall_ns = ev->wall_ns;
	return r;
}

/* A separator row: a status, a routing, an error frame, a resent message (extra: up to 200 bytes shown). */
static lc_status
keep_sep(tr_conv *tc, const cx_event *ev, const char *cls, const char *plain, lc_bytes extra)
{
	lc_status rc = LC_OK;
	tr_row *r = row_add(tc, ev, &rc);

	if (r == NULL)
		return rc;
	r->cls = cls;
	r->text_len = extra.len < 200 ? extra.len : 200;
	r->plain = dup_bytes((const uint8_t *)plain, strlen(plain) + 1);
	r->text = dup_bytes(extra.ptr, r->text_len);
	return r->plain == NULL || r->text == NULL ? LC_ENOMEM : LC_OK;
}

/* The bytes of a message the page can show: the cut text, one byte past it, the badges' quotes. */
static size_t
text_kept(lc_bytes text, const an_match *m, size_t n)
{
	size_t keep = text.len < AN_HTML_MAX_TEXT + 1 ? text.len : AN_HTML_MAX_TEXT + 1;

	for (size_t i = 0; i < n; i++)
		if (m[i].end <= text.len && m[i].start < m[i].end) {
			size_t q = m[i].start + (m[i].end - m[i].start < 120 ? m[i].end - m[i].start : 120);

			keep = q > keep ? q : keep;
		}
	return keep;
}

/* A message row, scored as the engine scored it (prep), else as the engine would. */
static lc_status
keep_msg(an_html *h, tr_conv *tc, const cx_event *ev, const an_prep *prep, lc_env_from from)
{
	const lc_envelope *env = &prep->env;
	an_match all[AN_TRIGGERS_MAX];
	const an_match *m = prep->matches;
	size_t n = 0, keep;
	lc_status rc = LC_OK;
	tr_row *r;

	if (from == LC_FROM_AGENT && env->message_id.len && tc->seen == NULL &&
	    (rc = lc_map_new(AN_HTML_MAX_MESSAGES * 4, &tc->seen)) != LC_OK)
		return rc;
	if (from == LC_FROM_AGENT && env->message_id.len) {
		if (lc_map_get(tc->seen, env->message_id.ptr, env->message_id.len) != NULL)
			return keep_sep(tc, ev, "note", "message resent", env->message_id);
		if (lc_map_put(tc->seen, env->message_id.ptr, env->message_id.len, (void *)1) != LC_OK)
			tc->seen_dropped++;
	}
	if ((r = row_add(tc, ev, &rc)) == NULL)
		return rc;
	r->from = from;
	if (prep->has_sentiment)
		r->s = prep->sentiment;
	else
		an_engine_score(h->e, env->text, &r->s);
	if (from == LC_FROM_CUSTOMER) {
		n = prep->n_matches;
		if (n == AN_PREP_MATCHES) {   /* the engine keeps 16; the page shows every trigger */
			n = an_engine_scan(h->e, env->text, all, AN_TRIGGERS_MAX);
			n = n < AN_TRIGGERS_MAX ? n : AN_TRIGGERS_MAX;
			m = all;
		}
	}
	keep = text_kept(env->text, m, n);
	r->n = n;
	r->m = dup_bytes((const uint8_t *)m, n * sizeof(*m));
	r->text = dup_bytes(env->text.ptr, keep);
	r->text_len = env->text.len;
	if (from == LC_FROM_AGENT && env->message_id.len) {
		r->id = dup_bytes(env->message_id.ptr, env->message_id.len);
		r->id_len = env->message_id.len;
		if (r->id == NULL)
			return LC_ENOMEM;
	}
	return r->m == NULL || r->text == NULL ? LC_ENOMEM : LC_OK;
}

/* The row one event of a conversation makes: a message, a separator, or none. */
static lc_status
keep_event(an_html *h, tr_conv *tc, const cx_event *ev, const an_prep *prep)
{
	const lc_envelope *env = &prep->env;
	char what[96];

	if ((ev->kind != CX_FRAME_IN && ev->kind != CX_FRAME_OUT) || (ev->flags & CX_F_BINARY) ||
	    prep->parse_rc != LC_OK)
		return LC_OK;
	switch (env->type) {
	case LC_ENV_MESSAGE:
		if (ev->kind == CX_FRAME_OUT)
			return keep_msg(h, tc, ev, prep, LC_FROM_AGENT);
		if (env->from == LC_FROM_CUSTOMER)
			return keep_msg(h, tc, ev, prep, LC_FROM_CUSTOMER);
		if (env->from == LC_FROM_AGENT && (ev->flags & CX_F_IMPORTED))
			return keep_msg(h, tc, ev, prep, LC_FROM_AGENT);
		if (env->from != LC_FROM_AGENT)
			return keep_msg(h, tc, ev, prep, LC_FROM_SYSTEM);
		return LC_OK;  /* a live agent echo repeats the frame_out row */
	case LC_ENV_STATUS:
		return keep_sep(tc, ev, "note", "conversation status", env->status);
	case LC_ENV_ROUTING:
		return keep_sep(tc, ev, "note", "routed to skill", env->skill);
	case LC_ENV_ERROR:
		if (env->code == 429 && (env->present & LC_ENVF_RETRY_AFTER))
			snprintf(what, sizeof(what), "error frame 429, retry after %.1f s", env->retry_after_s);
		else
			snprintf(what, sizeof(what), "error frame %d", env->code);
		return keep_sep(tc, ev, env->code == 429 ? "rl" : "down", what, env->text);
	default:
		return LC_OK;
	}
}

static lc_status
on_event(void *ud, const cx_event *ev, const an_prep *prep)
{
	an_html *h = ud;
	tr_conv *tc;
	lc_status rc;

	if (ev->conversation.len == 0)
		return LC_OK;
	if ((rc = conv_keeper(h, ev->conversation, &tc)) != LC_OK || tc == NULL)
		return rc;
	if (!tc->seen_any || ev->wall_ns > tc->max_wall)
		tc->max_wall = ev->wall_ns;
	tc->seen_any = true;
	return keep_event(h, tc, ev, prep);
}

static void
tr_conv_free(tr_conv *tc)
{
	for (uint32_t i = 0; i < tc->n_rows; i++) {
		free(tc->rows[i].plain);
		free(tc->rows[i].m);
		free(tc->rows[i].text);
		free(tc->rows[i].id);
	}
	free(tc->rows);
	lc_map_free(tc->seen);
	free(tc);
}

void
an_html_free(an_html *h)
{
	if (h == NULL)
		return;
	for (uint32_t i = 0; i < h->n_list; i++)
		tr_conv_free(h->list[i]);
	free(h->list);
	lc_map_free(h->convs);
	lc_map_free(h->marks);
	free(h->tl);
	free(h);
}

lc_status
an_html_new(an_engine *e, an_html **out, lc_err *err)
{
	an_html *h = calloc(1, sizeof(*h));
	an_sink sink = {.event = on_event, .finding = on_finding, .ud = h};
	lc_status rc = LC_ENOMEM;

	*out = NULL;
	if (h == NULL || (h->tl = calloc(AN_HTML_MAX_TIMELINE, sizeof(*h->tl))) == NULL ||
	    lc_map_new(AN_HTML_MAX_MARKS, &h->marks) != LC_OK ||
	    lc_map_new(AN_HTML_MAX_KEPT, &h->convs) != LC_OK)
		goto fail;
	h->e = e;
	if ((rc = an_engine_add_sink(e, &sink)) != LC_OK)
		goto fail;
	*out = h;
	return LC_OK;
fail:
	an_html_free(h);
	return lc_err_set(err, rc, rc == LC_ENOMEM ? "out of memory for the HTML report" :
	    "the engine has no room for another output");
}
