/* SPDX-License-Identifier: MIT */
/* lc_evjson: one cx_event <-> one JSON line, the lossless export and import format. */
#ifndef LC_EVJSON_H
#define LC_EVJSON_H

#include <stddef.h>
#include <stdint.h>

#include "lc_buf.h"
#include "lc_err.h"
#include "lc_event.h"

/*
 * The format ("cxtape.evjson/1", prose in docs/export-formats.md): one JSON
 * object per line, keys always in this order, empty or zero optional fields
 * left out, exactly as the tape record does:
 *
 *   {"seq":12,"kind":"frame_in","flags":8,"wall_ns":1698765432000000000,
 *    "mono_ns":5000,"session":"s-...","conversation":"c-1","raw":"{...}",
 *    "exchange":3,"method":"PUT","path":"/api/v2/...","status":200,
 *    "close_code":1000,"reason":"bye","headers":[["Retry-After","2"]]}
 *
 * - integers are written in full (never as floating point), so 64-bit
 *   nanosecond times survive; the parser reads them as exact integers;
 * - "kind" is the cx_kind_name() string, or the number for a kind this
 *   build does not know;
 * - a bytes value (session, conversation, raw, method, path, reason, header
 *   names and values) is a JSON string when it is valid UTF-8 without NUL,
 *   else {"b64":"<base64>"}: a binary frame or a peer's broken header
 *   survives byte for byte;
 * - "seq" is informational: an importer appends and gets new seqs;
 * - the parser skips keys it does not know (a later version may add some).
 */

#define LC_EVJSON_LINE_MAX ((size_t)8 << 20)   /* one line, escapes included: 8 MiB */

/*
 * Append ev as one JSON object followed by '\n' to out. On failure
 * (LC_ETOOBIG past out's cap, LC_ENOMEM) out is left as it was.
 */
lc_status lc_evjson_append(lc_buf *out, const cx_event *ev) LC_MUST_CHECK;

/*
 * A reusable parser: it owns the bytes the parsed event points into. Not
 * shared between threads. *out: caller frees with lc_evjson_parser_free.
 */
typedef struct lc_evjson_parser lc_evjson_parser;

lc_status lc_evjson_parser_new(lc_evjson_parser **out, lc_err *err) LC_MUST_CHECK;
void lc_evjson_parser_free(lc_evjson_parser *p);   /* accepts NULL */

/*
 * Parse one line (a trailing '\n' or "\r\n" is allowed) into *ev. Every
 * lc_bytes of *ev and ev->headers are owned by p and valid until the next
 * call with p. LC_EPARSE with "column N: what is wrong" for bad JSON, a
 * missing "kind" or "wall_ns", a value of the wrong type or out of range;
 * LC_ETOOBIG for a line over LC_EVJSON_LINE_MAX, a raw over LC_FRAME_MAX or
 * more than CX_HEADERS_MAX headers. Never reads outside line[0..len).
 */
lc_status lc_evjson_parse(lc_evjson_parser *p, const void *line, size_t len, cx_event *ev,
    lc_err *err) LC_MUST_CHECK;

#endif
