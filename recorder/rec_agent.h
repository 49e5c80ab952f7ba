/* SPDX-License-Identifier: MIT */
/* rec_agent: the tutorial's agent behaviour, corrected — presence, routing, archival, auto-reply, latencies. */
#ifndef REC_AGENT_H
#define REC_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include "lc_json.h"
#include "rec_api.h"
#include "rec_stream.h"
#include "rec_worker.h"

#define REC_CONVS_MAX 10000u      /* conversations tracked as open at once */
#define REC_PENDING_MAX 65536u    /* agent messages awaiting their ack */

typedef struct rec_agent_opts {
	const char *user_id;          /* copied */
	unsigned max_concurrent;      /* default 4 */
	const rec_skill *skills;      /* the worker holds its own copy for routing */
	size_t n_skills;
	bool auto_reply;              /* answer each customer message (demos, tests) */
	uint32_t reply_min_ms;        /* auto-reply after a delay drawn from [min, max] ms (default 0) */
	uint32_t reply_max_ms;
	bool shadow;                  /* observe only: no presence, routing or sends */
	uint32_t latency_sla_ms;      /* an ack later than this counts as a breach (default 2000) */
} rec_agent_opts;

typedef struct rec_agent_stats {
	uint64_t assigned, ended, replies_queued, acked, breaches, resent, errors, unacked_at_close;
	uint64_t pending_overflow, conv_overflow, replies_dropped;
	int64_t latency_max_ns, latency_sum_ns;
	unsigned open_convs;
} rec_agent_stats;

typedef struct rec_agent rec_agent;

/* worker is borrowed. *out: caller frees with rec_agent_free (after the stream is freed). */
lc_status rec_agent_new(const rec_agent_opts *o, rec_worker *worker, rec_agent **out,
    lc_err *err) LC_MUST_CHECK;
void rec_agent_free(rec_agent *a);   /* accepts NULL */

/* The stream it sends through (borrowed), set once both exist. */
void rec_agent_attach(rec_agent *a, rec_stream *s);

/* Hooks for rec_stream_opts (ud = the agent). */
void rec_agent_on_open(void *ud);
void rec_agent_on_frame(void *ud, const lc_envelope *env);
void rec_agent_on_close(void *ud);
void rec_agent_on_sent(void *ud, const char *tag, int64_t mono_ns);
/* The stream is dead (no pong): presence goes away until the next open, unless shadow. */
void rec_agent_on_dead(void *ud, const char *why);

void rec_agent_stats_get(const rec_agent *a, rec_agent_stats *out);

/* Share of capacity still free: (max - open) / max, within 0..1. */
double rec_agent_availability(unsigned open, unsigned max_concurrent);

#endif
