/* SPDX-License-Identifier: MIT */
/* lc_err: status texts, exit codes and first-error-wins messages. */
#include <stdio.h>
#include <string.h>

#include "lc_err.h"

static const char *const status_text[LC_STATUS_COUNT] = {
	[LC_OK] = "success",
	[LC_DONE] = "no more items",
	[LC_ENOMEM] = "out of memory",
	[LC_EINVAL] = "invalid argument",
	[LC_ECONFIG] = "bad configuration",
	[LC_EPERM] = "permission denied or file permissions unsafe",
	[LC_EIO] = "input/output error",
	[LC_ENOSPC] = "no space left on device",
	[LC_ELOCKED] = "in use by another process",
	[LC_ENOTFOUND] = "not found",
	[LC_ECORRUPT] = "data is corrupt",
	[LC_EVERSION] = "data was written by a newer format version",
	[LC_EPARSE] = "malformed input",
	[LC_ETOOBIG] = "input exceeds its size limit",
	[LC_EFULL] = "queue is full",
	[LC_ECLOSED] = "handle is closed or failed earlier",
	[LC_ENET] = "network error",
	[LC_ETLS] = "TLS error",
	[LC_ETIMEOUT] = "timed out",
	[LC_EHTTP] = "unexpected HTTP status",
	[LC_EAUTH] = "authentication failed (401)",
	[LC_EFORBIDDEN] = "forbidden: missing scope (403)",
	[LC_ERATELIMIT] = "rate limited (429), retries exhausted",
	[LC_EINTERNAL] = "internal error",
};

const char *
lc_strerror(lc_status s)
{
	if ((unsigned)s >= LC_STATUS_COUNT || status_text[s] == NULL)
		return "unknown status";
	return status_text[s];
}

int
lc_status_exit_code(lc_status s)
{
	switch (s) {
	case LC_OK:
	case LC_DONE:
		return 0;
	case LC_EINVAL:
	case LC_ECONFIG:
		return 2;
	case LC_ECORRUPT:
	case LC_EVERSION:
	case LC_EPARSE:
		return 3;
	default:
		return 1;
	}
}

lc_status
lc_err_vset(lc_err *err, lc_status s, const char *fmt, va_list ap)
{
	if (err == NULL || err->status != LC_OK)
		return s;
	err->status = s;
	if (fmt == NULL)
		snprintf(err->msg, sizeof(err->msg), "%s", lc_strerror(s));
	else
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return s;
}

lc_status
lc_err_set(lc_err *err, lc_status s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lc_err_vset(err, s, fmt, ap);
	va_end(ap);
	return s;
}

void
lc_err_clear(lc_err *err)
{
	if (err == NULL)
		return;
	err->status = LC_OK;
	err->msg[0] = '\0';
}

const char *
lc_err_text(const lc_err *err)
{
	if (err == NULL)
		return "";
	if (err->msg[0] != '\0')
		return err->msg;
	return lc_strerror(err->status);
}
