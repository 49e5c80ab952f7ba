/* SPDX-License-Identifier: MIT */
/* lc_event: cx_event, the one event type that carries everything cxtape captures. */
#ifndef LC_EVENT_H
#define LC_EVENT_H

#include <stdint.h>

#include "lc_buf.h"

/*
 * Event kinds. The numbers are written to tapes: never renumber or reuse one,
 * only add at the end (docs/tape-format.md lists them too).
 */
typedef enum cx_kind {
	CX_STREAM_OPEN = 1,     /* WebSocket connected (or handshake refused: status != 101) */
	CX_STREAM_CLOSE = 2,    /* WebSocket closed: close_code, reason */
	CX_FRAME_IN = 3,        /* frame received: raw = payload as received */
	CX_FRAME_OUT = 4,       /* frame sent: raw = payload as sent */
	CX_HTTP_REQUEST = 5,    /* method, path (with query), headers, raw = body */
	CX_HTTP_RESPONSE = 6,   /* status, headers, raw = body; exchange pairs it with its request */
	CX_TOKEN_REFRESH = 7,   /* a new access token was obtained: raw = response body (redacted) */
	CX_GAP = 8,             /* capture was not running between two points: reason */
	CX_ANNOTATION = 9,      /* a note: reason = label, raw = text (e.g. import source) */
	CX_KIND_MAX = CX_ANNOTATION
} cx_kind;

/* Event flags, a bit set; also on the tape, so bits are never reused. */
#define CX_F_BINARY     (1u << 0)   /* WebSocket binary frame (default: text) */
#define CX_F_MALFORMED  (1u << 1)   /* raw did not parse as the JSON envelope it should be */
#define CX_F_TRUNCATED  (1u << 2)   /* raw was cut at its cap; the rest was not kept */
#define CX_F_REDACTED   (1u << 3)   /* the tape replaced a secret or card number in this event */
#define CX_F_IMPORTED   (1u << 4)   /* came from `cxrecord import/archive`, not live capture */
#define CX_F_SYNTHETIC  (1u << 5)   /* made by the tape or a tool (e.g. session close marker) */

typedef struct cx_header {
	lc_bytes name;
	lc_bytes value;
} cx_header;

#define CX_HEADERS_MAX 32

/*
 * One captured event. All lc_bytes are borrowed: on append the tape copies
 * what it keeps; on read they point into the tape and stay valid until the
 * cursor moves on. Parsed fields (conversation id, envelope type) are derived
 * from raw; raw is the truth.
 */
typedef struct cx_event {
	uint64_t seq;           /* set by the tape, from 1; 0 before append */
	cx_kind kind;
	uint32_t flags;         /* CX_F_* */
	int64_t wall_ns;        /* CLOCK_REALTIME at capture, ns since the epoch */
	int64_t mono_ns;        /* CLOCK_MONOTONIC at capture, ns */
	lc_bytes session;       /* session id (the tape fills it in on append when empty) */
	lc_bytes conversation;  /* conversation id when known, else empty */
	lc_bytes raw;           /* payload as received or sent */

	/* metadata, by kind */
	uint64_t exchange;      /* HTTP: pairs a request with its response; 0 otherwise */
	lc_bytes method;        /* HTTP request: "GET", "PUT", ... */
	lc_bytes path;          /* HTTP request, stream open: path with query ("/api/v2/...") */
	uint16_t status;        /* HTTP response status; stream open: handshake status */
	int32_t close_code;     /* stream close: WebSocket close code, 0 if none */
	lc_bytes reason;        /* stream close, gap: why; annotation: label; errors: text */
	uint32_t n_headers;
	const cx_header *headers; /* kept headers, after redaction */
} cx_event;

/* "frame_in" etc.; "unknown" for a number not in cx_kind. */
const char *cx_kind_name(cx_kind k);

#endif
