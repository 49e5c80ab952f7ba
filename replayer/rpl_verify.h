/* SPDX-License-Identifier: MIT */
/* rpl_verify: check a tape in a child process (a faulting walk becomes a message), optional secrets scan. */
#ifndef RPL_VERIFY_H
#define RPL_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "lc_buf.h"
#include "lc_err.h"
#include "lc_event.h"

typedef struct rpl_verify_result {
	uint64_t events;        /* records walked */
	uint64_t last_good_seq; /* last seq read intact */
	bool crashed;           /* the walk faulted (SIGSEGV, SIGBUS): the file is damaged */
} rpl_verify_result;

/*
 * Verify the tape at dir: every record decodes and passes its checksum, the
 * indexes point at real events, sessions agree (lc_tape_verify), and with
 * secrets, no event holds what looks like a live secret. The walk runs in a
 * forked child that reports progress through a pipe, so a damaged file that
 * makes LMDB fault becomes LC_ECORRUPT "the tape is damaged near seq N".
 * LC_EVERSION for a tape of a newer schema; LC_ECORRUPT naming the first bad
 * seq and what is wrong. Call it before opening dir in this process.
 */
lc_status rpl_verify_tape(const char *dir, bool secrets, rpl_verify_result *res,
    lc_err *err) LC_MUST_CHECK;

/*
 * Does ev hold something that looks like a live secret (a Bearer token, an
 * access_token or client_secret value, a high-entropy Authorization header)
 * not in the tape's "[redacted:xxxxxxxx]" form? LC_OK when clean; else
 * LC_ECORRUPT with "seq N: <field> holds <what>" (the secret itself is never
 * quoted, only its length).
 */
lc_status rpl_secrets_scan(const cx_event *ev, lc_err *err) LC_MUST_CHECK;

#endif
