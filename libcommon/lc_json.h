/* SPDX-License-Identifier: MIT */
/* lc_json: the CXone chat envelope (parse and build) and small readers for REST JSON bodies. */
#ifndef LC_JSON_H
#define LC_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "lc_buf.h"
#include "lc_err.h"

/* Envelope types of PROTOCOL.md section 2. Values are stable (reports count by them). */
typedef enum lc_env_type {
	LC_ENV_UNKNOWN = 0,     /* a "type" we do not know, or none */
	LC_ENV_ROUTING,
	LC_ENV_MESSAGE,
	LC_ENV_STATUS,
	LC_ENV_ACK,
	LC_ENV_ERROR,
	LC_ENV_TYPING,
	LC_ENV_TYPE_COUNT
} lc_env_type;

typedef enum lc_env_from {
	LC_FROM_NONE = 0,       /* no "from" object */
	LC_FROM_CUSTOMER,
	LC_FROM_AGENT,
	LC_FROM_SYSTEM,
	LC_FROM_OTHER,          /* a from.type we do not know */
} lc_env_from;

/* Bits of lc_envelope.present: which fields the frame carried with the right JSON type. */
#define LC_ENVF_TYPE            (1u << 0)
#define LC_ENVF_CONVERSATION    (1u << 1)
#define LC_ENVF_MESSAGE_ID      (1u << 2)
#define LC_ENVF_FROM            (1u << 3)
#define LC_ENVF_TEXT            (1u << 4)
#define LC_ENVF_TIMESTAMP       (1u << 5)
#define LC_ENVF_STATUS          (1u << 6)
#define LC_ENVF_SKILL           (1u << 7)
#define LC_ENVF_QUEUE           (1u << 8)
#define LC_ENVF_CODE            (1u << 9)
#define LC_ENVF_RETRY_AFTER     (1u << 10)

#define LC_ENV_TEXT_MAX ((size_t)64 << 10)   /* message text kept per frame: 64 KiB */

/*
 * One parsed envelope. Every lc_bytes is borrowed, not NUL-terminated: from
 * the frame itself (lc_json_envelope_parse hands out a string without escapes
 * as a view into data) or from the parser or doc that filled it, and stays
 * valid until the next parse with that parser, its free, or a change to the
 * frame's bytes. A missing field is empty (and its present bit clear). A field
 * of the wrong JSON type counts as missing and adds one to wrong_types. A
 * string field ends at its first NUL (\u0000 included); when a key repeats,
 * members apply in order (the last good value wins, each bad one counts).
 */
typedef struct lc_envelope {
	lc_env_type type;
	lc_bytes type_name;         /* "message", or whatever unknown type the frame named */
	lc_bytes conversation_id;
	lc_bytes message_id;
	lc_env_from from;
	lc_bytes from_type;         /* from.type as written */
	lc_bytes from_id;
	lc_bytes text;              /* unescaped UTF-8, at most LC_ENV_TEXT_MAX bytes */
	bool text_truncated;        /* the text was longer and was cut at a character boundary */
	int64_t timestamp_ms;       /* 0 when absent */
	lc_bytes status;            /* "active", "transferred", "ended" */
	lc_bytes skill;
	lc_bytes queue;
	int code;                   /* error code, 0 when absent */
	double retry_after_s;       /* error retryAfter in seconds, 0 when absent */
	uint32_t present;           /* LC_ENVF_* */
	uint32_t wrong_types;
} lc_envelope;

/* "message", ..., "unknown"; never NULL. */
const char *lc_env_type_name(lc_env_type t);
const char *lc_env_from_name(lc_env_from f);

/*
 * A reusable parser: parse every frame of a stream with one. It allocates
 * nothing per frame: only a frame with escaped strings that is larger than
 * any before it grows the parser's scratch buffer (capped at LC_FRAME_MAX).
 * Not shared between threads. *out: caller frees with lc_json_parser_free.
 */
typedef struct lc_json_parser lc_json_parser;

lc_status lc_json_parser_new(lc_json_parser **out, lc_err *err) LC_MUST_CHECK;
void lc_json_parser_free(lc_json_parser *p);   /* accepts NULL */

/*
 * Parse one stream frame into *env (valid until the next call with p).
 * LC_EPARSE: not JSON, or not a JSON object (the caller records the frame as
 * it is and counts it; the stream goes on). LC_ETOOBIG: over LC_FRAME_MAX.
 * LC_ENOMEM. An unknown "type" is not an error: env->type is LC_ENV_UNKNOWN.
 */
lc_status lc_json_envelope_parse(lc_json_parser *p, const void *data, size_t len,
    lc_envelope *env) LC_MUST_CHECK;

/*
 * Reference, for tests: the former cJSON-based parse (a DOM per frame, one
 * allocation per node), kept as the oracle that the differential fuzzer,
 * tests/test_json.c and the benchmark compare lc_json_envelope_parse with.
 * Same contract, except that its strings always live in the parser. Not for
 * production paths: it is 3 to 5 times slower.
 */
lc_status lc_json_envelope_parse_reference(lc_json_parser *p, const void *data, size_t len,
    lc_envelope *env) LC_MUST_CHECK;

/*
 * Builders for what the recorder sends (PROTOCOL.md, client to server). They
 * append one JSON object to out; text is JSON-escaped, and invalid UTF-8 in it
 * becomes U+FFFD so the frame is always valid JSON. On failure (LC_ETOOBIG
 * past out's cap, LC_ENOMEM) out is left as it was.
 */
lc_status lc_json_build_message(lc_buf *out, lc_bytes conversation_id, lc_bytes message_id,
    lc_bytes text, int64_t timestamp_ms) LC_MUST_CHECK;
lc_status lc_json_build_typing(lc_buf *out, lc_bytes conversation_id,
    int64_t timestamp_ms) LC_MUST_CHECK;
/*
 * Append s as a JSON string, quotes included: lc_jsonw_str (lc_jsonw.h, the
 * one writer and its escaping rules) for a caller appending one value. On
 * failure out is left as it was.
 */
lc_status lc_json_append_string(lc_buf *out, lc_bytes s) LC_MUST_CHECK;

/*
 * A REST JSON body, parsed once, read by key. Keys are top-level names, or a
 * dotted path into nested objects ("status.statusName"). Strings handed out
 * are borrowed from the doc. lc_json_doc_free wipes string values first (a
 * token body holds a secret). *out: caller frees with lc_json_doc_free.
 */
typedef struct lc_json_doc lc_json_doc;

#define LC_JSON_DOC_MAX ((size_t)16 << 20)   /* a REST body read as a doc: 16 MiB */

/* LC_EPARSE: not JSON; LC_ETOOBIG: over LC_JSON_DOC_MAX; the message says which. */
lc_status lc_json_doc_parse(const void *data, size_t len, lc_json_doc **out,
    lc_err *err) LC_MUST_CHECK;
void lc_json_doc_free(lc_json_doc *d);   /* accepts NULL */

/* LC_OK; LC_ENOTFOUND when absent or null; LC_EPARSE when of another type. */
lc_status lc_json_doc_string(const lc_json_doc *d, const char *key, lc_bytes *out) LC_MUST_CHECK;
lc_status lc_json_doc_number(const lc_json_doc *d, const char *key, double *out) LC_MUST_CHECK;

/*
 * Iterate the objects of the array at key (a transcript's "messages"): each
 * call fills *env from the next element (same field rules as a frame; a
 * message without "type" gets LC_ENV_MESSAGE). LC_DONE after the last one;
 * LC_ENOTFOUND if key is not an array. Non-object elements are skipped and
 * counted in *skipped (may be NULL). env is valid until the next call.
 */
lc_status lc_json_doc_next(lc_json_doc *d, const char *key, lc_envelope *env,
    size_t *skipped) LC_MUST_CHECK;

#endif
