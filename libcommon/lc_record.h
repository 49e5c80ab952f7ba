/* SPDX-License-Identifier: MIT */
/* lc_record: the tape record, one msgpack map per event with numbered fields and a CRC-32C. */
#ifndef LC_RECORD_H
#define LC_RECORD_H

#include <stdint.h>

#include "lc_buf.h"
#include "lc_err.h"
#include "lc_event.h"

/*
 * Schema version of the tape (stored in the `meta` DB). Bump it only for a
 * change an older reader cannot skip safely; adding a field does not need a
 * bump (readers skip unknown field numbers). docs/tape-format.md is the prose
 * twin of this header: change both together.
 */
#define LC_RECORD_SCHEMA 1

/*
 * Field numbers of the record map. Never renumber or reuse one; new fields
 * take the next free number (16..126, then 128 and up). Values use msgpack's
 * smallest encoding; empty or zero optional fields are left out.
 */
enum lc_record_field {
	LC_RF_SEQ = 1,           /* uint: sequence number, equals the events key, from 1 (required) */
	LC_RF_KIND = 2,          /* uint: cx_kind (required) */
	LC_RF_FLAGS = 3,         /* uint: CX_F_* bits */
	LC_RF_WALL_NS = 4,       /* int: CLOCK_REALTIME ns since the epoch (always written) */
	LC_RF_MONO_NS = 5,       /* int: CLOCK_MONOTONIC ns */
	LC_RF_SESSION = 6,       /* str: session id */
	LC_RF_CONVERSATION = 7,  /* str: conversation id */
	LC_RF_RAW = 8,           /* bin: payload as received or sent */
	LC_RF_EXCHANGE = 9,      /* uint: HTTP exchange id pairing request and response */
	LC_RF_METHOD = 10,       /* str: HTTP method */
	LC_RF_PATH = 11,         /* str: HTTP path with query, or stream path */
	LC_RF_STATUS = 12,       /* uint: HTTP status or handshake status */
	LC_RF_CLOSE_CODE = 13,   /* int: WebSocket close code */
	LC_RF_REASON = 14,       /* str: close reason, gap reason, annotation label */
	LC_RF_HEADERS = 15,      /* array of [name str, value str] pairs */
	LC_RF_CRC = 127          /* uint32 as 0xce + 4 bytes: CRC-32C of every byte before this key */
};

/*
 * Text fields are written as msgpack str when they are valid UTF-8 and as bin
 * otherwise (a header or reason is whatever the peer sent); readers accept
 * either for every bytes field. The CRC entry is always the last 6 bytes of a
 * record: 0x7f 0xce b3 b2 b1 b0 (big-endian CRC-32C of all bytes before them).
 */
#define LC_RECORD_CRC_LEN 6
#define LC_RECORD_MAX (LC_FRAME_MAX + ((size_t)64 << 10))   /* raw cap plus metadata */
#define LC_RECORD_DEPTH_MAX 32   /* nesting a skipped unknown field may have */

/*
 * Append the record of ev (seq must be set, >= 1) to out. Fails with
 * LC_ETOOBIG when the record would pass LC_RECORD_MAX or out's cap (out is
 * then unchanged), LC_EINVAL for seq 0, more than CX_HEADERS_MAX headers or a
 * kind outside 1..65535.
 */
lc_status lc_record_encode(const cx_event *ev, lc_buf *out, lc_err *err) LC_MUST_CHECK;

/*
 * Decode one record, zero-copy: the lc_bytes of *ev and the headers point into
 * rec (valid while rec is) and into headers[] (ev->headers == headers when
 * there are any). key_seq is the seq the record is stored under (0: unknown);
 * it names the record in error messages and must match the record's seq.
 * Checks the CRC, every length against the buffer, types and ranges; skips
 * unknown fields. Returns LC_ECORRUPT with "record seq N: what is wrong".
 * Never reads outside rec[0..len).
 */
lc_status lc_record_decode(const void *rec, size_t len, uint64_t key_seq, cx_event *ev,
    cx_header headers[CX_HEADERS_MAX], lc_err *err) LC_MUST_CHECK;

/* True when the record's CRC matches (cheap check without decoding). */
int lc_record_crc_ok(const void *rec, size_t len);

/*
 * Session summaries (the sessions DB) and meta values (the meta DB) use this
 * module's msgpack codec too: a summary is a map of numbered fields whose
 * values are scalars, a meta value is one scalar. Numbers never renumbered,
 * as above; unknown ones are skipped by readers. docs/tape-format.md has both.
 */
enum lc_summary_field {
	LC_SF_ID = 1,            /* str: session id */
	LC_SF_AGENT = 2,         /* str */
	LC_SF_SITE = 3,          /* str */
	LC_SF_STATE = 4,         /* str: "recording", "closed", "interrupted" */
	LC_SF_START = 5,         /* int: wall ns */
	LC_SF_END = 6,           /* int: wall ns, 0 while recording */
	LC_SF_FIRST = 7,         /* uint: first seq */
	LC_SF_LAST = 8,          /* uint: last seq */
	LC_SF_EVENTS = 9,        /* uint */
	LC_SF_FRAMES_IN = 10,    /* uint */
	LC_SF_FRAMES_OUT = 11,   /* uint */
	LC_SF_HTTP = 12,         /* uint */
	LC_SF_BYTES = 13         /* uint */
};

/* One msgpack scalar. A signed value >= 0 is always LC_RV_UINT (as msgpack-c reads it). */
typedef enum lc_record_value_type {
	LC_RV_OTHER = 0,   /* nil, bool, float, ext, or a nested array or map (skipped) */
	LC_RV_UINT,        /* u */
	LC_RV_INT,         /* i, negative */
	LC_RV_STR,         /* s */
	LC_RV_BIN          /* s (decoding only; the encoder writes LC_RV_STR as str) */
} lc_record_value_type;

typedef struct lc_record_value {
	lc_record_value_type type;
	uint64_t u;
	int64_t i;
	lc_bytes s;        /* borrowed: from the caller when encoding, from the input when decoding */
} lc_record_value;

/* One map entry. Decoding: a key that is not a positive integer comes out as 0 (no field is 0). */
typedef struct lc_record_kv {
	uint64_t key;
	lc_record_value v;
} lc_record_kv;

/* Append one scalar, or a map of n entries, to out. LC_ETOOBIG past out's cap, LC_ENOMEM. */
lc_status lc_record_value_encode(const lc_record_value *v, lc_buf *out) LC_MUST_CHECK;
lc_status lc_record_map_encode(const lc_record_kv *kv, size_t n, lc_buf *out) LC_MUST_CHECK;

/*
 * Decode the first item of p[0..len) (bytes after it are ignored) as one
 * scalar, or as a map into kv[0..cap) with its entry count in *n. Strings
 * point into p. LC_ECORRUPT when it is cut short, malformed, or (map) not a
 * map; LC_ETOOBIG for a map of more than cap entries. Never reads outside p.
 */
lc_status lc_record_value_decode(const void *p, size_t len, lc_record_value *v) LC_MUST_CHECK;
lc_status lc_record_map_decode(const void *p, size_t len, lc_record_kv *kv, size_t cap,
    size_t *n) LC_MUST_CHECK;

#endif
