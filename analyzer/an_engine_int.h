/* SPDX-License-Identifier: MIT */
/* an_engine_int: the engine's state, shared by an_engine.c (feeding) and an_report.c (output). */
#ifndef AN_ENGINE_INT_H
#define AN_ENGINE_INT_H

#include "an_engine.h"
#include "lc_hist.h"
#include "lc_json.h"
#include "lc_map.h"

#define AN_MAX_TRIGGERS 16      /* distinct escalation triggers counted by name */
#define AN_MAX_ENDPOINTS 64     /* distinct REST endpoints counted */
#define AN_MAX_AGENTS 4096
#define AN_MAX_SESSIONS 65536
#define AN_MAX_EXCHANGES 4096   /* HTTP requests awaiting their response */
#define AN_ID_MAX 128           /* ids longer than this are cut */
#define AN_LAT_POINTS 512       /* latency samples kept for the HTML report's over-time chart */

/* A point in recorded time: durations use mono within one session, wall across sessions. */
typedef struct an_tp {
	int64_t wall;
	int64_t mono;
	uint32_t sess;          /* 1-based session index; 0 = none */
} an_tp;

/* Counters and a histogram of one duration metric, with its threshold. */
typedef struct an_metric {
	lc_hist hist;           /* microseconds */
	uint64_t within;        /* values <= threshold */
	uint64_t breaches;
	uint32_t threshold_ms;
} an_metric;

typedef struct an_trend_pt {
	int64_t offset_ms;      /* from the conversation's start */
	float compound;
	int8_t from;            /* lc_env_from */
} an_trend_pt;

/* One delivery latency, for the latency-over-time chart. */
typedef struct an_lat_pt {
	int64_t wall_ns;        /* when the ack arrived */
	int64_t latency_us;
} an_lat_pt;

typedef struct an_conv {
	char id[AN_ID_MAX];
	uint32_t index;         /* 1-based position in convs */
	char skill[64];
	char state[16];         /* "active", "transferred", "ended" */
	uint32_t agent;         /* index into agents, 0 = unknown */
	an_tp start, end;
	uint64_t first_seq;
	uint32_t n_customer, n_agent, n_system;
	bool waiting;           /* a customer message is unanswered */
	an_tp wait_since;
	int64_t first_response_ms;      /* -1 until the first reply */
	uint32_t responses;
	int64_t response_sum_ms, response_max_ms;
	uint32_t response_breaches;
	uint32_t acked;
	int64_t latency_sum_ms, latency_max_ms;
	uint32_t latency_breaches;
	uint32_t triggers[AN_MAX_TRIGGERS];   /* per trigger index */
	uint32_t n_sent;                      /* sentiment scored messages */
	double compound_sum;
	float compound_min, compound_first, compound_last;
	an_trend_pt *trend;
	uint32_t n_trend, trend_stride, trend_skip;
} an_conv;

typedef struct an_agent {
	char id[AN_ID_MAX];
	uint32_t conversations;
	uint32_t messages;
	an_metric latency;
	an_metric first_response;
	an_metric response;
	uint32_t escalations;
} an_agent;

typedef struct an_endpoint {
	char name[160];          /* "PUT /api/v2/presence/users/{id}" */
	uint64_t requests, ok, status_4xx, status_5xx, status_429;
	uint64_t honoured, violated, exhausted, recovered;
	/* open 429 chain */
	bool chain_open;
	an_tp chain_at;
	int64_t chain_asked_ms;
	uint32_t chain_len;
} an_endpoint;

typedef struct an_pending {
	an_tp sent;
	uint32_t conv;          /* index + 1 into convs, 0 = unknown */
	uint64_t seq;
	bool refused;           /* a 429 error frame refused it; the next send is a retry */
	an_tp refused_at;
	int64_t asked_ms;
} an_pending;

typedef struct an_exchange {
	uint32_t endpoint;      /* index into endpoints */
	an_tp at;
} an_exchange;

struct an_engine {
	an_config cfg;
	const an_lexicon *lx;
	const an_rules *rules;
	an_lexicon *own_lx;
	an_rules *own_rules;
	an_finding_cb cb;
	void *ud;
	lc_json_parser *parser;
	an_prep prep;            /* an_engine_feed's, with parser */
	an_prep sink_prep;       /* a preparation completed for the sinks */
	an_sink sinks[AN_SINKS_MAX];
	uint32_t n_sinks, n_event_sinks;

	lc_map *sessions;        /* id -> (uintptr_t) index */
	uint32_t n_sessions;
	uint32_t cur_agent;      /* agent of the current session */
	lc_map *session_agent;   /* session id -> (uintptr_t) agent index */

	lc_map *conv_map;        /* id -> an_conv* */
	an_conv **convs;
	uint32_t n_convs, c_convs;

	an_agent *agents;        /* [0] is "unknown" */
	uint32_t n_agents, c_agents;
	lc_map *agent_map;

	lc_map *pending;         /* messageId -> an_pending* */
	lc_map *exchanges;       /* exchange id (8 bytes) -> an_exchange* */

	an_endpoint endpoints[AN_MAX_ENDPOINTS];
	uint32_t n_endpoints;
	an_endpoint stream_rl;   /* 429 error frames on the stream */
	an_endpoint handshake;   /* stream handshake refusals */

	char trigger_names[AN_MAX_TRIGGERS][32];
	uint32_t n_triggers;
	uint64_t trigger_total[AN_MAX_TRIGGERS];

	/* totals */
	uint64_t events, frames_in, frames_out, http_requests, http_responses;
	uint64_t msgs_customer, msgs_agent, msgs_system;
	uint64_t sentiment_count[3];     /* negative, neutral, positive */
	double compound_sum;
	an_metric latency, first_response, response;
	/* Every latency_stride-th latency, at most AN_LAT_POINTS: when full, every other point is
	 * dropped and the stride doubles (as the sentiment trend does), so the series is bounded,
	 * spans the whole input and depends only on the events. */
	an_lat_pt lat_series[AN_LAT_POINTS];
	uint32_t n_lat, lat_stride, lat_skip;
	uint64_t unacked, untracked, rejected, latency_sends;
	uint64_t malformed, protocol_errors, auth_failures;
	uint64_t connects, disconnects, reconnects, idle_closes, gaps, token_refreshes;
	int64_t gap_ms;
	lc_hist reconnect_hist;          /* microseconds */
	bool disconnected;
	an_tp disconnected_at;
	bool handshake_chain;
	an_tp handshake_at;
	int64_t handshake_asked_ms;
	uint64_t model_sends, model_throttled;
	double bucket_tokens;
	an_tp bucket_last;
	bool bucket_started;
	uint64_t caps_hit;               /* conversations/pending/exchanges over their caps */
	int64_t first_wall, last_wall;   /* of every event but annotations */
	bool have_range;
	bool finished;
	lc_buf scratch;
};

/* Duration a -> b in ms (never negative). */
int64_t an_tp_diff_ms(an_tp a, an_tp b);

#endif
