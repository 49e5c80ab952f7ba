/* SPDX-License-Identifier: MIT */
/* rpl_verify: a forked, fault-proof walk of a tape, and a scan for secrets that escaped redaction. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lc_tape.h"
#include "rpl_verify.h"

#define PROGRESS_EVERY 256          /* events between progress messages */
#define TOKEN_MIN      16           /* a Bearer token shorter than this is not taken for real */
#define SECRET_MIN     8            /* an access_token / client_secret value this long or more */
#define ENTROPY_MIN    3.5          /* bits per character of a random-looking header value */
#define ENTROPY_LEN    20
#define REDACTED       "[redacted:"

/* The child's messages: 'P' progress, 'R' result. Fixed size, written whole (< PIPE_BUF). */
typedef struct vmsg {
	char tag;
	int status;
	uint64_t seq, events;
	char text[LC_ERR_MSG_MAX];
} vmsg;

/* ------------------------------------------------------------- secrets */

static bool
token_char(uint8_t c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' ||
	    c == '=';
}

static size_t
token_len(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n && token_char(p[i]))
		i++;
	return i;
}

static bool
starts_redacted(const uint8_t *p, size_t n)
{
	return n >= sizeof REDACTED - 1 && memcmp(p, REDACTED, sizeof REDACTED - 1) == 0;
}

static double
entropy(const uint8_t *p, size_t n)
{
	unsigned cnt[256] = {0};
	double h = 0;

	for (size_t i = 0; i < n; i++)
		cnt[p[i]]++;
	for (int i = 0; i < 256; i++)
		if (cnt[i]) {
			double q = (double)cnt[i] / (double)n;
			h -= q * log2(q);
		}
	return h;
}

/* Case-insensitive search of needle in b from offset; returns the index or -1. */
static long
find_ci(lc_bytes b, size_t from, const char *needle)
{
	size_t nl = strlen(needle);

	for (size_t i = from; nl <= b.len && i <= b.len - nl; i++)
		if (strncasecmp((const char *)b.ptr + i, needle, nl) == 0)
			return (long)i;
	return -1;
}

/* After a key: skip quote, spaces, ':' or '=', quote; the value's start. */
static size_t
value_start(lc_bytes b, size_t i)
{
	while (i < b.len && (b.ptr[i] == '"' || b.ptr[i] == '\'' || b.ptr[i] == ' ' ||
	    b.ptr[i] == ':' || b.ptr[i] == '=' || b.ptr[i] == '\\'))
		i++;
	return i;
}

/* A key (access_token, client_secret, ...) followed by an unredacted value in b? */
static const char *
scan_key(lc_bytes b, const char *key, size_t *vlen)
{
	long at = 0;

	while ((at = find_ci(b, (size_t)at, key)) >= 0) {
		size_t v = value_start(b, (size_t)at + strlen(key));
		size_t n = token_len(b.ptr + v, b.len - v);

		at += (long)strlen(key);
		if (v >= b.len || starts_redacted(b.ptr + v, b.len - v) || n < SECRET_MIN)
			continue;
		*vlen = n;
		return key;
	}
	return NULL;
}

static const char *
scan_bytes(lc_bytes b, size_t *vlen)
{
	static const char *const keys[] = {"access_token", "refresh_token", "id_token",
	    "client_secret"};
	long at = 0;

	while ((at = find_ci(b, (size_t)at, "bearer ")) >= 0) {
		size_t v = (size_t)at + 7;
		size_t n = token_len(b.ptr + v, b.len - v);

		at = (long)v;
		if (!starts_redacted(b.ptr + v, b.len - v) && n >= TOKEN_MIN) {
			*vlen = n;
			return "a Bearer token";
		}
	}
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
		if (scan_key(b, keys[k], vlen) != NULL)
			return keys[k];
	return NULL;
}

/* An Authorization header value that is long and random-looking and not a pseudonym. */
static bool
auth_value_live(lc_bytes v, size_t *vlen)
{
	size_t i = 0, n;

	while (i < v.len && v.ptr[i] != ' ')
		i++;
	i = i < v.len ? i + 1 : 0;        /* after the scheme ("Basic ", "Bearer "), if any */
	if (starts_redacted(v.ptr + i, v.len - i))
		return false;
	n = token_len(v.ptr + i, v.len - i);
	*vlen = n;
	return n >= ENTROPY_LEN && entropy(v.ptr + i, n) >= ENTROPY_MIN;
}

lc_status
rpl_secrets_scan(const cx_event *ev, lc_err *err)
{
	size_t vlen = 0;
	const char *what;
	struct { const char *name; lc_bytes b; } fields[] = {
		{"raw", ev->raw}, {"path", ev->path}, {"reason", ev->reason},
	};

	for (uint32_t i = 0; i < ev->n_headers; i++) {
		const cx_header *h = &ev->headers[i];
		if (lc_bytes_eq_str(h->name, "authorization") || lc_bytes_eq_str(h->name, "Authorization") ||
		    find_ci(h->name, 0, "authorization") == 0) {
			if (auth_value_live(h->value, &vlen))
				return lc_err_set(err, LC_ECORRUPT, "seq %" PRIu64 ": header Authorization "
				    "holds a live-looking credential (%zu characters, not redacted)",
				    ev->seq, vlen);
		}
		if ((what = scan_bytes(h->value, &vlen)) != NULL)
			return lc_err_set(err, LC_ECORRUPT, "seq %" PRIu64 ": header %.*s holds %s "
			    "(%zu characters, not redacted)", ev->seq, (int)(h->name.len > 64 ? 64 :
			    h->name.len), (const char *)h->name.ptr, what, vlen);
	}
	for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
		if ((what = scan_bytes(fields[f].b, &vlen)) != NULL)
			return lc_err_set(err, LC_ECORRUPT, "seq %" PRIu64 ": %s holds %s (%zu "
			    "characters, not redacted)", ev->seq, fields[f].name, what, vlen);
	return LC_OK;
}

/* ------------------------------------------------------------- the walk */

static void
send_msg(int fd, char tag, lc_status st, uint64_t seq, uint64_t events, const char *text)
{
	vmsg m;

	memset(&m, 0, sizeof m);
	m.tag = tag;
	m.status = (int)st;
	m.seq = seq;
	m.events = events;
	if (text != NULL)
		snprintf(m.text, sizeof m.text, "%s", text);
	if (write(fd, &m, sizeof m) != (ssize_t)sizeof m)
		_exit(4);
}

/* In the child: walk every record, then the structural checks. Never returns. */
static void
child_walk(const char *dir, bool secrets, int fd)
{
	lc_err err = LC_ERR_INIT;
	lc_tape *t = NULL;
	lc_cursor *c = NULL;
	lc_cursor_opts o;
	const cx_event *ev;
	uint64_t n = 0, last = 0;
	lc_status rc;

	/* die by the fault itself (not a sanitizer's report of it): the parent reads the signal */
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	rc = lc_tape_open_read(dir, &t, &err);
	lc_cursor_opts_init(&o);
	if (rc == LC_OK)
		rc = lc_cursor_open(t, &o, &c, &err);
	while (rc == LC_OK && (rc = lc_cursor_next(c, &ev, &err)) == LC_OK) {
		if (secrets && (rc = rpl_secrets_scan(ev, &err)) != LC_OK)
			break;
		last = ev->seq;
		if (++n % PROGRESS_EVERY == 0)
			send_msg(fd, 'P', LC_OK, last, n, NULL);
	}
	send_msg(fd, 'P', LC_OK, last, n, NULL);
	lc_cursor_close(c);
	if (rc == LC_DONE)
		rc = lc_tape_verify(t, NULL, &err);
	send_msg(fd, 'R', rc, last, n, rc == LC_OK ? NULL : lc_err_text(&err));
	if (t != NULL && lc_tape_close(t, NULL) != LC_OK)
		_exit(4);
	_exit(0);
}

static lc_status
parent_read(int fd, pid_t pid, rpl_verify_result *res, lc_err *err)
{
	vmsg m;
	bool got_result = false;
	lc_status rc = LC_OK;
	int wst = 0;
	ssize_t r;

	while ((r = read(fd, &m, sizeof m)) == (ssize_t)sizeof m) {
		res->last_good_seq = m.seq;
		res->events = m.events;
		if (m.tag == 'R') {
			got_result = true;
			rc = (lc_status)m.status;
			if (rc != LC_OK)
				lc_err_set(err, rc, "%s", m.text);
		}
	}
	while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(wst) && (WTERMSIG(wst) == SIGSEGV || WTERMSIG(wst) == SIGBUS)) {
		res->crashed = true;
		return lc_err_set(err, LC_ECORRUPT, "the tape is damaged near seq %" PRIu64 " (reading "
		    "it faulted with %s after %" PRIu64 " good records); copy out what replays with "
		    "`cxreplay export --to` before that point", res->last_good_seq + 1,
		    strsignal(WTERMSIG(wst)), res->events);
	}
	if (!got_result)
		return lc_err_set(err, LC_EINTERNAL, "the verify process ended without a result "
		    "(status %d); run it again, or report a bug", wst);
	return rc;
}

lc_status
rpl_verify_tape(const char *dir, bool secrets, rpl_verify_result *res, lc_err *err)
{
	int fds[2];
	pid_t pid;
	lc_status rc;

	memset(res, 0, sizeof *res);
	if (pipe(fds) != 0)
		return lc_err_set(err, LC_EIO, "cannot make a pipe for verify: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return lc_err_set(err, LC_EIO, "cannot fork for verify: %s", strerror(errno));
	}
	if (pid == 0) {
		close(fds[0]);
		child_walk(dir, secrets, fds[1]);
	}
	close(fds[1]);
	rc = parent_read(fds[0], pid, res, err);
	close(fds[0]);
	return rc;
}
