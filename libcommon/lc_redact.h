/* SPDX-License-Identifier: MIT */
/* lc_redact: secrets become keyed pseudonyms and card numbers are masked before the tape. */
#ifndef LC_REDACT_H
#define LC_REDACT_H

#include <stdbool.h>

#include "lc_buf.h"
#include "lc_err.h"
#include "lc_event.h"

/*
 * A secret value becomes "[redacted:<8 hex>]", the first 4 bytes of
 * HMAC-SHA256(key, value): the same value maps to the same pseudonym in REST
 * and WebSocket alike (token rotation stays visible) without being guessable.
 * The key lives in a per-installation key file (32 random bytes, mode 0600,
 * created on first use).
 */
#define LC_PSEUDONYM_LEN 19   /* strlen("[redacted:01234567]") */

#define LC_REDACT_KEEP_CARDS 0x1u   /* do not mask Luhn-valid card numbers (PCI: off by default) */

typedef struct lc_redactor lc_redactor;   /* immutable after open: share across threads */

/*
 * Open the redactor. key_file NULL means $CXTAPE_KEY_FILE, else
 * $XDG_CONFIG_HOME/cxtape/redact.key, else ~/.config/cxtape/redact.key.
 * A missing file is created (with its directory, 0700) holding 32 bytes from
 * the OpenSSL RNG; a file readable by group or others is refused (LC_EPERM,
 * message says "chmod 600 FILE"). *out: caller frees with lc_redactor_free.
 */
lc_status lc_redactor_open(const char *key_file, unsigned flags, lc_redactor **out,
    lc_err *err) LC_MUST_CHECK;
/* For tests and tools: a redactor from a key in memory (len >= 16). */
lc_status lc_redactor_from_key(const void *key, size_t len, unsigned flags, lc_redactor **out,
    lc_err *err) LC_MUST_CHECK;
void lc_redactor_free(lc_redactor *r);   /* accepts NULL */

/* out receives the NUL-terminated pseudonym of secret. */
void lc_redact_pseudonym(const lc_redactor *r, const void *secret, size_t len,
    char out[LC_PSEUDONYM_LEN + 1]);

/* Storage the redacted copy of an event points into; reuse it across events. */
typedef struct lc_redact_scratch {
	lc_buf raw;
	lc_buf path;
	lc_buf reason;
	lc_buf hvals;                        /* header values, back to back */
	cx_header headers[CX_HEADERS_MAX];
	lc_buf edits;                        /* private: the replacements found in one field */
	lc_buf tmp;                          /* private: a decoded secret while it is hashed */
} lc_redact_scratch;

void lc_redact_scratch_init(lc_redact_scratch *s);
void lc_redact_scratch_free(lc_redact_scratch *s);

/*
 * Make *out a copy of *in with every secret replaced. What is replaced:
 * values of the Authorization, Proxy-Authorization, Cookie, Set-Cookie and
 * X-Api-Key headers (an auth scheme such as "Bearer " is kept); in paths and
 * query strings, and in form bodies, the values of access_token, refresh_token,
 * id_token, token, client_secret, password, code; in JSON bodies and frames
 * the string values of those same keys; "Bearer <token>" anywhere; and, unless
 * LC_REDACT_KEEP_CARDS, Luhn-valid runs of 13-19 digits in frames, bodies and
 * query strings, in groups joined by runs of blanks (Unicode spaces too) or
 * dashes, dots and slashes, raw, percent-encoded or JSON-escaped, masked as
 * "[card:****1234]" (docs/internals/redaction.md has the exact rule).
 * Unchanged fields of *out point into *in; changed ones into scratch (valid
 * until the next call with the same scratch). Sets CX_F_REDACTED in out->flags
 * when anything changed. Fails only on LC_ENOMEM / LC_ETOOBIG.
 */
lc_status lc_redact_event(const lc_redactor *r, const cx_event *in, cx_event *out,
    lc_redact_scratch *scratch) LC_MUST_CHECK;

#endif
