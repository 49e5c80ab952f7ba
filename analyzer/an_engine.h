/* SPDX-License-Identifier: MIT */
/* an_engine: events in, findings out, a report at the end — the same live and in replay. */
#ifndef AN_ENGINE_H
#define AN_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "an_escalate.h"
#include "an_sentiment.h"
#include "lc_buf.h"
#include "lc_config.h"
#include "lc_err.h"
#include "lc_event.h"
#include "lc_json.h"

/*
 * The engine sees cx_events in tape order and nothing else: no clock, no I/O,
 * no globals. Every duration comes from recorded timestamps (monotonic within
 * one session, wall time across sessions), so a replay at any speed and the
 * live run give byte-identical findings and reports.
 */

/* Every default is documented in docs/analyzer.md; keys for an_config_set in brackets. */
typedef struct an_config {
	an_mode mode;                    /* [sentiment_mode] chat | vader: chat */
	uint32_t latency_sla_ms;         /* [latency_sla_ms] agent message -> ack: 2000 */
	uint32_t first_response_sla_ms;  /* [first_response_sla_ms] first customer message -> first reply: 60000 */
	uint32_t response_sla_ms;        /* [response_sla_ms] customer message -> next reply: 60000 */
	double bucket_rate;              /* [bucket_rate] token-bucket model, sends per second: 10 */
	double bucket_burst;             /* [bucket_burst] token-bucket model, burst: 20 */
	bool sentiment_findings;         /* [sentiment_findings] a finding per message: true */
	uint32_t max_conversations;      /* [max_conversations] tracked at once: 100000 */
	uint32_t max_pending;            /* [max_pending] unacked agent messages tracked: 65536 */
	uint32_t trend_points;           /* [trend_points] sentiment points kept per conversation: 200 */
} an_config;

void an_config_default(an_config *c);
/* Set one key from text; LC_ECONFIG naming the key and the accepted values when wrong. */
lc_status an_config_set(an_config *c, const char *key, const char *value, lc_err *err) LC_MUST_CHECK;
/* Set every key above that cfg holds (lc_config_analyzer_keys); errors name where it came from. */
lc_status an_config_apply(an_config *c, const lc_config *cfg, lc_err *err) LC_MUST_CHECK;
/*
 * Read a settings file in lc_config's grammar (docs/configuration.md) and
 * apply the keys above; the connection keys of cxrecord are allowed and
 * ignored, unknown keys are LC_ECONFIG. Every failure is LC_ECONFIG (a usage
 * error) except LC_ENOMEM. Errors name file:line.
 */
lc_status an_config_load(an_config *c, const char *path, lc_err *err) LC_MUST_CHECK;

typedef enum an_finding_kind {
	AN_F_SENTIMENT = 1,          /* a chat message's sentiment */
	AN_F_ESCALATION,             /* a customer message fired triggers */
	AN_F_LATENCY_BREACH,         /* agent message acked after latency_sla_ms */
	AN_F_UNACKED,                /* agent message never acked (at the end of input) */
	AN_F_FIRST_RESPONSE_BREACH,  /* first reply later than first_response_sla_ms */
	AN_F_RESPONSE_BREACH,        /* a reply later than response_sla_ms */
	AN_F_RATE_LIMITED,           /* a 429: REST, stream error frame, or handshake */
	AN_F_RETRY_AFTER_VIOLATED,   /* the client came back sooner than Retry-After asked */
	AN_F_RETRIES_EXHAUSTED,      /* the client gave up after 429s */
	AN_F_WOULD_THROTTLE,         /* the token-bucket model would have held this send */
	AN_F_DISCONNECT,             /* the stream closed */
	AN_F_RECONNECT,              /* the stream came back */
	AN_F_HANDSHAKE_REFUSED,      /* the stream handshake was answered with an error status */
	AN_F_GAP,                    /* capture was not running for a while */
	AN_F_TOKEN_REFRESH,          /* a new access token */
	AN_F_AUTH_FAILURE,           /* a 401 or 403 */
	AN_F_MALFORMED,              /* an inbound frame that is not a valid envelope */
	AN_F_PROTOCOL_ERROR,         /* an error frame other than 429 (e.g. 400 bad envelope) */
	AN_F_KIND_MAX = AN_F_PROTOCOL_ERROR
} an_finding_kind;

const char *an_finding_kind_name(an_finding_kind k);   /* "latency_breach", ... */

/* One finding. Everything is borrowed and valid only during the callback. */
typedef struct an_finding {
	an_finding_kind kind;
	uint64_t seq;                /* the event that produced it */
	int64_t wall_ns;             /* its recorded wall time */
	lc_bytes session, conversation, message_id;
	lc_bytes from;               /* "customer", "agent", "system" (sentiment) */
	lc_bytes endpoint;           /* "PUT /api/v2/presence/users/{id}", "stream", "handshake" */
	lc_bytes text;               /* the message (sentiment, escalation) */
	lc_bytes reason;             /* close reason, error text */
	int64_t value_ms;            /* latency, response time, waited, gap, time to reconnect */
	int64_t limit_ms;            /* the threshold, or Retry-After asked */
	int status;                  /* HTTP / handshake status, error code, close code */
	an_sentiment sentiment;
	const an_match *matches;     /* escalation */
	size_t n_matches;
} an_finding;

/* Append one finding as a JSON object (no newline); the schema is in docs/analyzer.md. */
lc_status an_finding_json(const an_finding *f, lc_buf *out) LC_MUST_CHECK;

typedef void (*an_finding_cb)(const an_finding *f, void *ud);

typedef struct an_engine an_engine;

/*
 * lx and rules are borrowed (shared, immutable) and must outlive the engine;
 * NULL selects the built-in defaults (loaded and owned by the engine). cb may
 * be NULL. *out: caller frees with an_engine_free.
 */
lc_status an_engine_new(const an_config *cfg, const an_lexicon *lx, const an_rules *rules,
    an_finding_cb cb, void *ud, an_engine **out, lc_err *err) LC_MUST_CHECK;
void an_engine_free(an_engine *e);   /* accepts NULL */

/*
 * Name the agent of a recording session (from the tape's session summary), so
 * per-agent figures are right even for a selection that leaves out the
 * session's "session" annotation. Call before feeding that session's events.
 */
lc_status an_engine_set_session_agent(an_engine *e, const char *session, const char *agent) LC_MUST_CHECK;

/*
 * Feed the next event in tape order. Fails only on LC_ENOMEM; bad frames are
 * findings, not errors. Caps that were hit are counted in the report.
 */
lc_status an_engine_feed(an_engine *e, const cx_event *ev) LC_MUST_CHECK;

/*
 * The part of analysing one event that depends on the event alone — the frame's
 * envelope, a message's sentiment and escalation triggers — done apart from
 * the engine's state, so another thread can do it ahead of the engine (an_pipe).
 * an_engine_feed(e, ev) is an_engine_prepare with the engine's own parser and
 * then an_engine_feed_prepared: one code path, the same findings.
 */
#define AN_PREP_MATCHES 16
typedef struct an_prep {
	lc_status parse_rc;          /* LC_OK: env is valid; frames only (others: LC_EINVAL) */
	lc_envelope env;             /* strings in the event's raw or the parser's scratch */
	bool scored;                 /* a message the engine scores (triggers: a customer's) */
	bool has_sentiment;          /* sentiment computed here (else feeding computes it) */
	bool has_triggers;           /* matches computed here (else feeding computes them) */
	an_sentiment sentiment;
	size_t n_matches;
	an_match matches[AN_PREP_MATCHES];
} an_prep;

/* What an_engine_prepare does beyond the envelope, which it always parses. */
#define AN_PREP_SENTIMENT  1u
#define AN_PREP_TRIGGERS   2u
#define AN_PREP_ALL        (AN_PREP_SENTIMENT | AN_PREP_TRIGGERS)

/*
 * Fill *out for ev: the envelope, and what `what` asks for of a scored
 * message; feeding does the rest (a pipe splits the work between its two
 * threads so that neither waits). Reads only the engine's configuration,
 * lexicon and rules, which never change after an_engine_new, so any thread
 * may call it with its own parser while another feeds the engine. *out
 * borrows from ev and parser: valid until either changes.
 */
void an_engine_prepare(const an_engine *e, lc_json_parser *parser, const cx_event *ev, unsigned what,
    an_prep *out);

/* Feed ev with its preparation (an_engine_prepare of this very event and engine). */
lc_status an_engine_feed_prepared(an_engine *e, const cx_event *ev, const an_prep *prep) LC_MUST_CHECK;

/*
 * A sink: an output filled during the one pass over the events (a transcript,
 * the HTML report's transcripts and timeline, a findings file). `event` sees
 * each event before the engine takes it, with its preparation complete: the
 * envelope, and for a message the engine scores its sentiment (the engine's
 * mode) and escalation matches — the very values the findings carry.
 * `finding` sees each finding after the engine's own callback. Either may be
 * NULL. Everything passed is borrowed for the call only. An event hook's
 * failure is an_engine_feed's result.
 */
typedef struct an_sink {
	lc_status (*event)(void *ud, const cx_event *ev, const an_prep *prep);
	an_finding_cb finding;
	void *ud;                    /* borrowed; must outlive the engine's feeding */
} an_sink;

#define AN_SINKS_MAX 4

/* Add a sink (copied) before the first event; LC_ETOOBIG past AN_SINKS_MAX. */
lc_status an_engine_add_sink(an_engine *e, const an_sink *s) LC_MUST_CHECK;

/* Score text as this engine does (its mode and lexicon): for a line no finding scores. */
void an_engine_score(const an_engine *e, lc_bytes text, an_sentiment *out);

/* The escalation matches of text with this engine's rules (an_escalate_scan's contract). */
size_t an_engine_scan(const an_engine *e, lc_bytes text, an_match *out, size_t max);

/* End of input: emits what only the end can tell (never-acked messages, exhausted retries). */
lc_status an_engine_finish(an_engine *e) LC_MUST_CHECK;

typedef enum an_format {
	AN_FORMAT_TEXT = 0,
	AN_FORMAT_JSON,
	AN_FORMAT_CSV,
} an_format;

/* "text", "json", "csv" -> format; LC_EINVAL for anything else. */
lc_status an_format_parse(const char *s, an_format *out) LC_MUST_CHECK;

/*
 * The report of everything fed so far (call after an_engine_finish). JSON has
 * a versioned schema (docs/analyzer.md, "schema": "cxtape.report/1"); CSV is
 * one row per conversation; text is for people.
 */
lc_status an_engine_report(an_engine *e, an_format fmt, lc_buf *out) LC_MUST_CHECK;

#define AN_REPORT_SCHEMA "cxtape.report/1"

/*
 * The name the analyzer gives a REST endpoint: "PUT /api/v2/presence/users/{id}"
 * (query dropped, the segment after users, conversations, sessions or messages
 * folded to {id}). A recorder that gives up after 429s appends an annotation
 * "retries_exhausted" with the call's method and path, named so here (older
 * tapes hold the name itself as raw text; both are read).
 */
void an_endpoint_name(lc_bytes method, lc_bytes path, char *out, size_t cap);

#endif
