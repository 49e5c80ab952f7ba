/* SPDX-License-Identifier: MIT */
/* rec_agent: reacts to routing, messages, acks, errors and status frames; never blocks the stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lc_log.h"
#include "lc_map.h"
#include "rec_agent.h"
#include "rec_pace.h"

#define REC_REPLY_TEXT "Thanks for your message, I am looking into it now."

typedef struct pending {
	char id[REC_TAG_MAX];
	char conv[REC_NAME_MAX];
	int64_t sent_ns;              /* 0 while still queued */
	size_t len;
	unsigned char frame[];        /* the frame as built: a 429 resend reuses it byte for byte */
} pending;

struct rec_agent {
	rec_agent_opts o;
	char user[REC_NAME_MAX];
	rec_worker *worker;
	rec_stream *stream;
	lc_map *convs;                /* open conversation ids (value unused) */
	lc_map *pending;              /* messageId -> pending */
	char presence[16];            /* last presence asked for */
	uint64_t rng;
	rec_agent_stats st;
};

double
rec_agent_availability(unsigned open, unsigned max_concurrent)
{
	if (max_concurrent == 0 || open >= max_concurrent)
		return 0.0;
	return (double)(max_concurrent - open) / (double)max_concurrent;
}

lc_status
rec_agent_new(const rec_agent_opts *o, rec_worker *worker, rec_agent **out, lc_err *err)
{
	rec_agent *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (a == NULL || lc_map_new(REC_CONVS_MAX, &a->convs) != LC_OK ||
	    lc_map_new(REC_PENDING_MAX, &a->pending) != LC_OK) {
		rec_agent_free(a);
		return lc_err_set(err, LC_ENOMEM, "out of memory starting the agent");
	}
	a->o = *o;
	if (a->o.max_concurrent == 0)
		a->o.max_concurrent = 4;
	if (a->o.latency_sla_ms == 0)
		a->o.latency_sla_ms = 2000;
	snprintf(a->user, sizeof(a->user), "%s", o->user_id ? o->user_id : "");
	a->o.user_id = a->user;
	a->o.skills = NULL;
	a->worker = worker;
	a->rng = (uint64_t)rec_now_wall_ns() ^ ((uint64_t)getpid() << 32);
	*out = a;
	return LC_OK;
}

static void
pending_clear(rec_agent *a, bool count)
{
	size_t it = 0;
	const char *k;
	size_t kl;
	void *v;

	while (lc_map_next(a->pending, &it, &k, &kl, &v)) {
		if (count)
			a->st.unacked_at_close++;
		free(v);
	}
	lc_map_free(a->pending);
	a->pending = NULL;
}

void
rec_agent_free(rec_agent *a)
{
	if (a == NULL)
		return;
	if (a->pending)
		pending_clear(a, false);
	lc_map_free(a->convs);
	free(a);
}

void
rec_agent_attach(rec_agent *a, rec_stream *s)
{
	a->stream = s;
}

static void
submit(rec_agent *a, rec_job_kind kind, const char *arg, double availability)
{
	rec_job job;

	if (a->o.shadow && kind != REC_JOB_TRANSCRIPT)
		return;
	memset(&job, 0, sizeof(job));
	job.kind = kind;
	snprintf(job.arg, sizeof(job.arg), "%s", arg ? arg : "");
	job.availability = availability;
	if (rec_worker_submit(a->worker, &job) != LC_OK)
		a->st.errors++;
}

/* Presence follows capacity (only changes are sent); routing always gets the free share. */
static void
capacity_changed(rec_agent *a)
{
	unsigned open = (unsigned)lc_map_count(a->convs);
	const char *want = open < a->o.max_concurrent ? "available" : "busy";

	if (strcmp(a->presence, want) != 0) {
		snprintf(a->presence, sizeof(a->presence), "%s", want);
		submit(a, REC_JOB_PRESENCE, want, 0);
	}
	submit(a, REC_JOB_ROUTING, NULL, rec_agent_availability(open, a->o.max_concurrent));
}

void
rec_agent_on_open(void *ud)
{
	rec_agent *a = ud;

	a->presence[0] = 0;   /* say it again on every connection */
	capacity_changed(a);
}

void
rec_agent_on_close(void *ud)
{
	rec_agent *a = ud;
	size_t it = 0, kl;
	const char *k;
	void *v;
	lc_map *fresh = NULL, *keep = NULL;

	/* CXone requeues the chats of a dropped agent: they come back as new routing frames */
	if (lc_map_new(REC_CONVS_MAX, &fresh) == LC_OK) {
		lc_map_free(a->convs);
		a->convs = fresh;
	}
	/* sent but unacked messages will never be acked on a new connection; queued ones still go */
	if (lc_map_new(REC_PENDING_MAX, &keep) != LC_OK)
		return;
	while (lc_map_next(a->pending, &it, &k, &kl, &v)) {
		pending *p = v;
		if (p->sent_ns || lc_map_put(keep, k, kl, p) != LC_OK) {
			a->st.unacked_at_close++;
			free(p);
		}
	}
	lc_map_free(a->pending);
	a->pending = keep;
}

/*
 * Nothing reaches this agent while the stream is dead: CXone must stop
 * routing to it. Only when presence was ever set (not in shadow mode, which
 * never writes); the next open sets it from capacity again.
 */
void
rec_agent_on_dead(void *ud, const char *why)
{
	rec_agent *a = ud;

	if (a->o.shadow || a->presence[0] == 0 || strcmp(a->presence, "away") == 0)
		return;
	lc_info("presence away while the stream is down (%s)", why);
	snprintf(a->presence, sizeof(a->presence), "away");
	submit(a, REC_JOB_PRESENCE, "away", 0);
}

static void
make_id(rec_agent *a, char *out, size_t cap)
{
	uint64_t x = rec_rng_next(&a->rng), y = rec_rng_next(&a->rng);

	snprintf(out, cap, "m-%08x-%04x-4%03x-%04x-%012llx", (unsigned)(x >> 32), (unsigned)(x >> 16) & 0xffff,
	         (unsigned)x & 0xfff, (unsigned)(y >> 48) & 0xffff, (unsigned long long)(y & 0xffffffffffffull));
}

static void
reply(rec_agent *a, lc_bytes conv)
{
	char id[REC_TAG_MAX];
	pending *p = NULL;
	uint32_t delay_ms;
	lc_buf b;

	if (conv.len == 0 || conv.len >= REC_NAME_MAX)
		return;
	if (lc_map_get(a->convs, conv.ptr, conv.len) == NULL)
		return;         /* not (or no longer) ours: the server would refuse it */
	make_id(a, id, sizeof(id));
	delay_ms = a->o.reply_min_ms;
	if (a->o.reply_max_ms > a->o.reply_min_ms)
		delay_ms += (uint32_t)(rec_rng_next(&a->rng) % (a->o.reply_max_ms - a->o.reply_min_ms + 1));
	lc_buf_init(&b, LC_FRAME_MAX);
	if (lc_json_build_message(&b, conv, lc_bytes_str(id), lc_bytes_str(REC_REPLY_TEXT),
	                          rec_now_wall_ns() / 1000000) != LC_OK)
		goto out;
	if ((p = calloc(1, sizeof(*p) + b.len)) == NULL)
		goto out;
	snprintf(p->id, sizeof(p->id), "%s", id);
	snprintf(p->conv, sizeof(p->conv), "%.*s", (int)conv.len, (const char *)conv.ptr);
	p->len = b.len;
	memcpy(p->frame, b.ptr, b.len);
	if (lc_map_put(a->pending, id, strlen(id), p) != LC_OK) {
		if (a->st.pending_overflow++ == 0)
			lc_error("more than %u agent messages await their ack: replies are not sent until "
			         "acks come back", REC_PENDING_MAX);
		goto out;
	}
	if (rec_stream_send(a->stream, lc_bytes_make(p->frame, p->len), p->id, conv,
	                    delay_ms ? rec_now_mono_ns() + (int64_t)delay_ms * 1000000 : 0) != LC_OK) {
		lc_map_del(a->pending, id, strlen(id));
		goto out;
	}
	a->st.replies_queued++;
	p = NULL;
out:
	free(p);
	lc_buf_free(&b);
}

static void
acked(rec_agent *a, lc_bytes id)
{
	pending *p = lc_map_del(a->pending, id.ptr, id.len);
	int64_t lat;

	if (p == NULL)
		return;   /* not ours, or already acked (the echo after the ack) */
	if (p->sent_ns) {
		lat = rec_now_mono_ns() - p->sent_ns;
		a->st.acked++;
		a->st.latency_sum_ns += lat;
		if (lat > a->st.latency_max_ns)
			a->st.latency_max_ns = lat;
		if (lat > (int64_t)a->o.latency_sla_ms * 1000000)
			a->st.breaches++;
		lc_debug("message %s acked after %.1f ms", p->id, (double)lat / 1e6);
	}
	free(p);
}

static void
error_frame(rec_agent *a, const lc_envelope *env)
{
	pending *p = env->message_id.len ? lc_map_get(a->pending, env->message_id.ptr, env->message_id.len) : NULL;
	double wait = env->retry_after_s > 0 ? env->retry_after_s : 1.0;

	a->st.errors++;
	if (p == NULL) {
		lc_warn("the server sent error %d%s", env->code, env->message_id.len ? " for a message not ours" : "");
		return;
	}
	if (env->code == 429) {
		/* same messageId, same bytes: the server can de-duplicate */
		p->sent_ns = 0;
		if (rec_stream_send(a->stream, lc_bytes_make(p->frame, p->len), p->id, lc_bytes_str(p->conv),
		                    rec_now_mono_ns() + (int64_t)(wait * 1e9)) == LC_OK) {
			a->st.resent++;
			lc_info("message %s rate limited: resending in %.1f s", p->id, wait);
			return;
		}
	} else {
		lc_warn("message %s refused with error %d", p->id, env->code);
	}
	free(lc_map_del(a->pending, p->id, strlen(p->id)));
}

static void
routed(rec_agent *a, lc_bytes conv)
{
	if (conv.len == 0)
		return;
	a->st.assigned++;
	if (lc_map_get(a->convs, conv.ptr, conv.len) == NULL &&
	    lc_map_put(a->convs, conv.ptr, conv.len, a) != LC_OK && a->st.conv_overflow++ == 0)
		lc_error("more than %u open conversations: capacity is no longer tracked exactly", REC_CONVS_MAX);
	capacity_changed(a);
}

/* A queued reply was dropped with its conversation: it will never be acked. */
static void
reply_dropped(void *ud, const char *tag)
{
	rec_agent *a = ud;

	free(lc_map_del(a->pending, tag, strlen(tag)));
	a->st.replies_dropped++;
}

static void
ended(rec_agent *a, lc_bytes conv)
{
	char id[REC_NAME_MAX];

	if (conv.len == 0 || conv.len >= sizeof(id))
		return;
	a->st.ended++;
	lc_map_del(a->convs, conv.ptr, conv.len);
	if (a->stream != NULL)
		rec_stream_drop_conversation(a->stream, conv, reply_dropped, a);
	snprintf(id, sizeof(id), "%.*s", (int)conv.len, (const char *)conv.ptr);
	submit(a, REC_JOB_TRANSCRIPT, id, 0);
	capacity_changed(a);
}

void
rec_agent_on_frame(void *ud, const lc_envelope *env)
{
	rec_agent *a = ud;

	if (env == NULL)
		return;   /* malformed: recorded and counted by the stream */
	switch (env->type) {
	case LC_ENV_ROUTING:
		routed(a, env->conversation_id);
		break;
	case LC_ENV_STATUS:
		if (lc_bytes_eq_str(env->status, "ended"))
			ended(a, env->conversation_id);
		break;
	case LC_ENV_MESSAGE:
		if (env->from == LC_FROM_AGENT && env->message_id.len)
			acked(a, env->message_id);
		else if (env->from == LC_FROM_CUSTOMER && a->o.auto_reply && !a->o.shadow)
			reply(a, env->conversation_id);
		break;
	case LC_ENV_ACK:
		acked(a, env->message_id);
		break;
	case LC_ENV_ERROR:
		error_frame(a, env);
		break;
	default:
		break;
	}
}

void
rec_agent_on_sent(void *ud, const char *tag, int64_t mono_ns)
{
	rec_agent *a = ud;
	pending *p = tag && tag[0] ? lc_map_get(a->pending, tag, strlen(tag)) : NULL;

	if (p)
		p->sent_ns = mono_ns;
}

void
rec_agent_stats_get(const rec_agent *a, rec_agent_stats *out)
{
	*out = a->st;
	out->open_convs = (unsigned)lc_map_count(a->convs);
}
