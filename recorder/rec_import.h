/* SPDX-License-Identifier: MIT */
/* rec_import: transcripts (PROTOCOL.md section 4 pages) and evjson lines into a tape, flagged as imported. */
#ifndef REC_IMPORT_H
#define REC_IMPORT_H

#include <stdint.h>

#include "lc_buf.h"
#include "lc_err.h"
#include "lc_tape.h"

#define REC_IMPORT_FILE_MAX ((size_t)256 << 20)   /* one input file: 256 MiB */

/*
 * One transcript page: every message becomes a CX_FRAME_IN holding a chat
 * envelope rebuilt from it ({"type":"message",...}), with CX_F_IMPORTED and
 * wall_ns = mono_ns = the message timestamp. *n (may be NULL) is increased
 * by the events appended. LC_EPARSE naming origin when it is not a transcript.
 */
lc_status rec_import_transcript(lc_tape *t, lc_bytes body, const char *origin, uint64_t *n,
    lc_err *err) LC_MUST_CHECK;

/* JSON lines (lc_evjson, "cxtape.evjson/1"): each event appended with CX_F_IMPORTED added. */
lc_status rec_import_evjson(lc_tape *t, lc_bytes text, const char *origin, uint64_t *n,
    lc_err *err) LC_MUST_CHECK;

/* A file of either kind: a JSON object with "messages" is a transcript, anything else JSON lines. */
lc_status rec_import_file(lc_tape *t, const char *path, uint64_t *n, lc_err *err) LC_MUST_CHECK;

#endif
