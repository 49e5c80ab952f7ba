/* SPDX-License-Identifier: MIT */
/* an_pipe: read and prepare a tape's events on a second thread, ahead of the engine. */
#include "an_pipe.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/*
 * A ring of PIPE_BATCHES batches. The reader fills batch wr % PIPE_BATCHES
 * while the consumer walks batch rd % PIPE_BATCHES; a batch changes hands
 * under the mutex (wr++ publishes it, rd++ gives it back), so the cost of
 * synchronising is paid once per batch, not per event. An event's bytes are
 * copied into its batch's arena (the cursor's view ends at its next call), and
 * so are the envelope strings the parser unescaped into its scratch.
 */
#define PIPE_BATCHES       4
#define PIPE_BATCH_EVENTS  1024
#define PIPE_PREPARES      AN_PREP_TRIGGERS   /* the reader's share; the engine's thread scores */
#define PIPE_ARENA         ((size_t)1 << 20)    /* grows for an event larger than this */

typedef struct pipe_batch {
	size_t n;
	cx_event ev[PIPE_BATCH_EVENTS];
	an_prep prep[PIPE_BATCH_EVENTS];
	uint8_t *arena;
	size_t arena_cap, arena_used;
	lc_status end_rc;       /* LC_OK: more batches follow; else what ended the input */
	lc_err end_err;
} pipe_batch;

struct an_pipe {
	lc_tape *t;
	lc_cursor_opts sel;
	const an_engine *e;
	lc_json_parser *parser; /* the reader's */

	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t filled;  /* the reader published a batch */
	pthread_cond_t freed;   /* the consumer gave one back, or stop */
	uint64_t wr, rd;        /* batches published / given back (under mu) */
	atomic_bool stop;

	pipe_batch *cur;        /* consumer: the batch being walked, NULL between batches */
	size_t pos;
	lc_status done_rc;      /* consumer: LC_OK until the end was reached */
	lc_err done_err;

	pipe_batch b[PIPE_BATCHES];
};

/* ------------------------------------------------------------------ reader */

static size_t
align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Arena bytes event ev needs: its byte fields, its headers, and room to relocate envelope strings. */
static size_t
event_need(const cx_event *ev)
{
	size_t n = ev->session.len + ev->conversation.len + 2 * ev->raw.len + ev->method.len +
	    ev->path.len + ev->reason.len + ev->n_headers * sizeof(cx_header) + 64;

	for (uint32_t i = 0; i < ev->n_headers; i++)
		n += ev->headers[i].name.len + ev->headers[i].value.len;
	return align8(n);
}

static lc_bytes
arena_copy(pipe_batch *b, lc_bytes v)
{
	lc_bytes out = {b->arena + b->arena_used, v.len};

	if (v.len == 0)
		return (lc_bytes){v.ptr, 0};
	memcpy(b->arena + b->arena_used, v.ptr, v.len);
	b->arena_used += v.len;
	return out;
}

static void
event_copy(pipe_batch *b, cx_event *dst, const cx_event *src)
{
	*dst = *src;
	b->arena_used = align8(b->arena_used);
	if (src->n_headers > 0) {
		cx_header *h = (cx_header *)(void *)(b->arena + b->arena_used);

		b->arena_used += src->n_headers * sizeof(cx_header);
		for (uint32_t i = 0; i < src->n_headers; i++) {
			h[i].name = arena_copy(b, src->headers[i].name);
			h[i].value = arena_copy(b, src->headers[i].value);
		}
		dst->headers = h;
	}
	dst->session = arena_copy(b, src->session);
	dst->conversation = arena_copy(b, src->conversation);
	dst->raw = arena_copy(b, src->raw);
	dst->method = arena_copy(b, src->method);
	dst->path = arena_copy(b, src->path);
	dst->reason = arena_copy(b, src->reason);
}

/* A string the parser unescaped into its scratch moves into the arena; views into raw stay. */
static void
relocate(pipe_batch *b, const cx_event *ev, lc_bytes *v)
{
	const uint8_t *raw = ev->raw.ptr;

	if (v->len == 0 || (v->ptr >= raw && v->ptr + v->len <= raw +
	    ev->raw.len))
		return;
	*v = arena_copy(b, *v);
}

static void
prepare(an_pipe *p, pipe_batch *b, size_t i)
{
	const cx_event *ev = &b->ev[i];
	an_prep *pr = &b->prep[i];
	lc_envelope *env = &pr->env;

	an_engine_prepare(p->e, p->parser, ev, PIPE_PREPARES, pr);
	if (pr->parse_rc != LC_OK)
		return;
	/* Unescaped strings total at most raw.len bytes: event_need reserved that much. */
	relocate(b, ev, &env->type_name);
	relocate(b, ev, &env->conversation_id);
	relocate(b, ev, &env->message_id);
	relocate(b, ev, &env->from_type);
	relocate(b, ev, &env->from_id);
	relocate(b, ev, &env->text);
	relocate(b, ev, &env->status);
	relocate(b, ev, &env->skill);
	relocate(b, ev, &env->queue);
}

/* Wait for a free batch; NULL when told to stop. */
static pipe_batch *
batch_take(an_pipe *p)
{
	pipe_batch *b = NULL;

	pthread_mutex_lock(&p->mu);
	while (!atomic_load_explicit(&p->stop, memory_order_relaxed) && p->wr - p->rd == PIPE_BATCHES)
		pthread_cond_wait(&p->freed, &p->mu);
	if (!atomic_load_explicit(&p->stop, memory_order_relaxed))
		b = &p->b[p->wr % PIPE_BATCHES];
	pthread_mutex_unlock(&p->mu);
	if (b != NULL) {
		b->n = 0;
		b->arena_used = 0;
		b->end_rc = LC_OK;
		lc_err_clear(&b->end_err);
	}
	return b;
}

static void
batch_publish(an_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->wr++;
	pthread_cond_signal(&p->filled);
	pthread_mutex_unlock(&p->mu);
}

/* Make room for need bytes in an empty batch's arena. */
static lc_status
arena_fit(pipe_batch *b, size_t need, lc_err *err)
{
	size_t cap = b->arena_cap > PIPE_ARENA ? b->arena_cap : PIPE_ARENA;
	uint8_t *a;

	if (need <= b->arena_cap)
		return LC_OK;
	while (cap < need)
		cap *= 2;
	a = realloc(b->arena, cap);
	if (a == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory reading ahead of the analyzer");
	b->arena = a;
	b->arena_cap = cap;
	return LC_OK;
}

static void *
reader(void *arg)
{
	an_pipe *p = arg;
	lc_cursor *c = NULL;
	const cx_event *ev = NULL;   /* read but not yet in a batch (it did not fit) */
	pipe_batch *b = batch_take(p);
	lc_status rc;

	if (b == NULL)
		return NULL;
	rc = lc_cursor_open(p->t, &p->sel, &c, &b->end_err);
	while (rc == LC_OK) {
		if (ev == NULL)
			rc = lc_cursor_next(c, &ev, &b->end_err);
		if (rc != LC_OK)
			break;
		size_t need = event_need(ev);
		if (b->n == PIPE_BATCH_EVENTS || (b->n > 0 && need > b->arena_cap - b->arena_used)) {
			batch_publish(p);
			if ((b = batch_take(p)) == NULL)
				break;
			continue;       /* ev goes into the new batch */
		}
		if (b->n == 0 && (rc = arena_fit(b, need, &b->end_err)) != LC_OK)
			break;
		event_copy(b, &b->ev[b->n], ev);
		prepare(p, b, b->n);
		b->n++;
		ev = NULL;
		if (atomic_load_explicit(&p->stop, memory_order_relaxed))
			break;
	}
	lc_cursor_close(c);
	if (b != NULL) {
		b->end_rc = rc == LC_OK ? LC_ECLOSED : rc;   /* LC_OK here: stopped, nobody reads it */
		batch_publish(p);
	}
	return NULL;
}

/* ------------------------------------------------------------------ consumer */

lc_status
an_pipe_open(lc_tape *t, const lc_cursor_opts *sel, const an_engine *e, an_pipe **out, lc_err *err)
{
	an_pipe *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (p == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory starting the reader");
	p->t = t;
	if (sel != NULL)
		p->sel = *sel;
	else
		lc_cursor_opts_init(&p->sel);
	p->e = e;
	atomic_init(&p->stop, false);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->filled, NULL);
	pthread_cond_init(&p->freed, NULL);
	for (size_t i = 0; i < PIPE_BATCHES; i++) {
		if (arena_fit(&p->b[i], PIPE_ARENA, err) != LC_OK) {
			an_pipe_close(p);
			return LC_ENOMEM;
		}
	}
	if (lc_json_parser_new(&p->parser, err) != LC_OK) {
		an_pipe_close(p);
		return LC_ENOMEM;
	}
	if (pthread_create(&p->thread, NULL, reader, p) != 0) {
		an_pipe_close(p);
		return lc_err_set(err, LC_ENOMEM, "cannot start the reader thread (out of resources)");
	}
	p->started = true;
	*out = p;
	return LC_OK;
}

lc_status
an_pipe_next(an_pipe *p, const cx_event **ev, const an_prep **prep, lc_err *err)
{
	for (;;) {
		if (p->done_rc != LC_OK) {
			if (err != NULL && p->done_rc != LC_DONE)
				*err = p->done_err;
			return p->done_rc;
		}
		if (p->cur != NULL && p->pos < p->cur->n) {
			*ev = &p->cur->ev[p->pos];
			*prep = &p->cur->prep[p->pos];
			p->pos++;
			return LC_OK;
		}
		if (p->cur != NULL) {
			/* Walked to its end: the input ended here, or the batch goes back to the reader. */
			if (p->cur->end_rc != LC_OK) {
				p->done_rc = p->cur->end_rc;
				p->done_err = p->cur->end_err;
				continue;
			}
			pthread_mutex_lock(&p->mu);
			p->rd++;
			pthread_cond_signal(&p->freed);
			pthread_mutex_unlock(&p->mu);
			p->cur = NULL;
		}
		pthread_mutex_lock(&p->mu);
		while (p->wr == p->rd)
			pthread_cond_wait(&p->filled, &p->mu);
		p->cur = &p->b[p->rd % PIPE_BATCHES];
		pthread_mutex_unlock(&p->mu);
		p->pos = 0;
	}
}

void
an_pipe_close(an_pipe *p)
{
	if (p == NULL)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->mu);
		atomic_store(&p->stop, true);
		pthread_cond_signal(&p->freed);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
	}
	lc_json_parser_free(p->parser);
	for (size_t i = 0; i < PIPE_BATCHES; i++)
		free(p->b[i].arena);
	pthread_cond_destroy(&p->freed);
	pthread_cond_destroy(&p->filled);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
