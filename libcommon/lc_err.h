/* SPDX-License-Identifier: MIT */
/* lc_err: status codes and the caller-owned error message that travels with them. */
#ifndef LC_ERR_H
#define LC_ERR_H

#include <stdarg.h>
#include <stddef.h>

#define LC_MUST_CHECK __attribute__((warn_unused_result))
#define LC_PRINTF(f, a) __attribute__((format(printf, f, a)))

/*
 * Every fallible call returns one of these; 0 is success. The values are
 * stable (they appear in logs and tests) and each has an lc_strerror() text.
 * LC_DONE is not an error: an iterator has nothing more to give.
 */
typedef enum lc_status {
	LC_OK = 0,
	LC_DONE,        /* iteration finished */
	LC_ENOMEM,      /* out of memory */
	LC_EINVAL,      /* invalid argument or usage */
	LC_ECONFIG,     /* bad configuration */
	LC_EPERM,       /* permission: a file is unreadable, or too readable */
	LC_EIO,         /* I/O error */
	LC_ENOSPC,      /* disk full */
	LC_ELOCKED,     /* resource in use by another process */
	LC_ENOTFOUND,   /* no such thing */
	LC_ECORRUPT,    /* stored data fails its checks */
	LC_EVERSION,    /* stored data from a newer format version */
	LC_EPARSE,      /* malformed input */
	LC_ETOOBIG,     /* input over its named cap */
	LC_EFULL,       /* a bounded queue is full */
	LC_ECLOSED,     /* handle closed or poisoned by an earlier failure */
	LC_ENET,        /* network failure */
	LC_ETLS,        /* TLS failure (certificate, handshake) */
	LC_ETIMEOUT,    /* timed out */
	LC_EHTTP,       /* unexpected HTTP status */
	LC_EAUTH,       /* 401: bad credentials or token */
	LC_EFORBIDDEN,  /* 403: missing scope */
	LC_ERATELIMIT,  /* 429: rate limited, retries exhausted */
	LC_EINTERNAL,   /* a bug: an invariant failed */
	LC_STATUS_COUNT
} lc_status;

/* Static text for any status, never NULL ("unknown status" out of range). */
const char *lc_strerror(lc_status s);

/* Process exit code of CLI.md for a status: 0 ok, 1 runtime, 2 usage, 3 bad data. */
int lc_status_exit_code(lc_status s);

#define LC_ERR_MSG_MAX 512

/* The message of the first error that happened; caller-owned, on the stack. */
typedef struct lc_err {
	lc_status status;
	char msg[LC_ERR_MSG_MAX];
} lc_err;

#define LC_ERR_INIT {LC_OK, {0}}

/*
 * Record an error: the first one wins (later calls keep the first message),
 * so the deepest, most specific failure is what the user reads. err may be
 * NULL. Returns s, so callers write `return lc_err_set(err, LC_EIO, ...)`.
 */
lc_status lc_err_set(lc_err *err, lc_status s, const char *fmt, ...) LC_PRINTF(3, 4);
lc_status lc_err_vset(lc_err *err, lc_status s, const char *fmt, va_list ap);
void lc_err_clear(lc_err *err);

/* The message if one was set, else lc_strerror(status). Borrowed from err. */
const char *lc_err_text(const lc_err *err);

#endif
