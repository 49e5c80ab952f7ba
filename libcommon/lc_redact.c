/* SPDX-License-Identifier: MIT */
/* lc_redact: keyed pseudonyms for secrets and masks for card numbers, applied before the tape. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "lc_redact.h"
#include "lc_utf8.h"

/*
 * How it works (docs/internals/redaction.md has the long version): each field
 * is scanned once and the scanners only record "edits" (a byte range and how
 * to replace it). A field with no edit is left pointing into the input, so the
 * common no-secret frame costs a scan and no copy. Cheap markers ('=', "earer")
 * decide which scanners run at all.
 */

#define KEY_FILE_LEN     32                         /* bytes written to a new key file */
#define KEY_MIN          16
#define KEY_MAX          1024
#define REDACT_OUT_MAX   (4 * LC_FRAME_MAX + 4096)  /* a redacted field may grow: 4x */
#define REDACT_EDITS_MAX ((size_t)64 << 20)         /* the edit list of one field */
#define CARD_GROUPS_MAX  32                         /* digit groups examined in one run */
#define CARD_SEP_UNITS   6                          /* separator units between two groups */
#define KEY_NAME_MAX     24                         /* longest form key walked back over */

struct lc_redactor {
	unsigned flags;
	EVP_MAC *mac;
	EVP_MAC_CTX *tmpl;      /* keyed once, never updated: duplicated per pseudonym */
	size_t key_len;
	uint8_t key[KEY_MAX];   /* kept for the one-shot fallback; cleansed on free */
};

/* ---- the redactor and its key --------------------------------------------------------- */

static lc_status
redactor_make(const void *key, size_t len, unsigned flags, lc_redactor **out, lc_err *err)
{
	char digest[] = "SHA256";
	OSSL_PARAM params[2];
	lc_redactor *r;
	lc_status rc = LC_OK;

	*out = NULL;
	if (key == NULL || len < KEY_MIN || len > KEY_MAX)
		return lc_err_set(err, LC_EINVAL, "redaction key must hold %d to %d bytes, not %zu",
		    KEY_MIN, KEY_MAX, len);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory opening the redactor");
	r->flags = flags;
	r->key_len = len;
	memcpy(r->key, key, len);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	r->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	r->tmpl = r->mac ? EVP_MAC_CTX_new(r->mac) : NULL;
	if (r->tmpl == NULL || !EVP_MAC_init(r->tmpl, r->key, len, params)) {
		rc = lc_err_set(err, LC_EINTERNAL,
		    "OpenSSL has no HMAC-SHA256; check the OpenSSL 3 installation (libssl3)");
		goto out;
	}
	*out = r;
	r = NULL;
out:
	lc_redactor_free(r);
	return rc;
}

lc_status
lc_redactor_from_key(const void *key, size_t len, unsigned flags, lc_redactor **out, lc_err *err)
{
	return redactor_make(key, len, flags, out, err);
}

void
lc_redactor_free(lc_redactor *r)
{
	if (r == NULL)
		return;
	EVP_MAC_CTX_free(r->tmpl);
	EVP_MAC_free(r->mac);
	OPENSSL_cleanse(r->key, sizeof(r->key));
	free(r);
}

/* The key file's path: the argument, $CXTAPE_KEY_FILE, $XDG_CONFIG_HOME/..., ~/.config/... */
static lc_status
key_path_resolve(const char *key_file, char *buf, size_t cap, lc_err *err)
{
	const char *env = getenv("CXTAPE_KEY_FILE");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int n;

	if (key_file != NULL && *key_file)
		n = snprintf(buf, cap, "%s", key_file);
	else if (env != NULL && *env)
		n = snprintf(buf, cap, "%s", env);
	else if (xdg != NULL && *xdg == '/')
		n = snprintf(buf, cap, "%s/cxtape/redact.key", xdg);
	else if (home != NULL && *home)
		n = snprintf(buf, cap, "%s/.config/cxtape/redact.key", home);
	else
		return lc_err_set(err, LC_ECONFIG, "no place for the redaction key: set CXTAPE_KEY_FILE "
		    "(or HOME or XDG_CONFIG_HOME)");
	if (n < 0 || (size_t)n >= cap)
		return lc_err_set(err, LC_ECONFIG, "redaction key file path is too long; set a shorter "
		    "CXTAPE_KEY_FILE");
	return LC_OK;
}

/* mkdir -p of the directory holding path; directories made here are 0700. */
static lc_status
key_dir_make(const char *path, lc_err *err)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return LC_OK;
	*slash = 0;
	for (char *p = dir + 1; ; p++) {
		if (*p != '/' && *p != 0)
			continue;
		char c = *p;
		*p = 0;
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return lc_err_set(err, errno == EACCES ? LC_EPERM : LC_EIO,
			    "cannot create directory %s for the redaction key: %s; create it or set "
			    "CXTAPE_KEY_FILE", dir, strerror(errno));
		*p = c;
		if (c == 0)
			break;
	}
	return LC_OK;
}

/*
 * A new key is written to a private temporary file, then linked into place:
 * link(2) fails when another process won the race, and nobody ever reads a
 * half-written key.
 */
static lc_status
key_file_create(const char *path, lc_err *err)
{
	char tmp[PATH_MAX + 32];
	uint8_t key[KEY_FILE_LEN];
	lc_status rc;
	int fd = -1;

	rc = key_dir_make(path, err);
	if (rc != LC_OK)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (RAND_bytes(key, sizeof(key)) != 1) {
		rc = lc_err_set(err, LC_EINTERNAL, "the OpenSSL random generator failed; "
		    "cannot make a redaction key");
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) || fsync(fd) != 0) {
		rc = lc_err_set(err, errno == EACCES ? LC_EPERM : LC_EIO,
		    "cannot write redaction key file %s: %s; check the directory or set CXTAPE_KEY_FILE",
		    tmp, strerror(errno));
		goto out;
	}
	if (link(tmp, path) != 0 && errno != EEXIST) {
		rc = lc_err_set(err, LC_EIO, "cannot create redaction key file %s: %s", path,
		    strerror(errno));
		goto out;
	}
out:
	OPENSSL_cleanse(key, sizeof(key));
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	return rc;
}

static lc_status
key_file_read(const char *path, uint8_t *key, size_t *len, lc_err *err)
{
	struct stat st;
	lc_status rc = LC_OK;
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? LC_ENOTFOUND : lc_err_set(err,
		    errno == EACCES ? LC_EPERM : LC_EIO, "cannot open redaction key file %s: %s",
		    path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = lc_err_set(err, LC_ECONFIG, "redaction key %s is not a regular file; remove it "
		    "or set CXTAPE_KEY_FILE", path);
		goto out;
	}
	if (st.st_mode & 077) {
		rc = lc_err_set(err, LC_EPERM, "redaction key file %s is accessible by group or "
		    "others (mode %04o); run chmod 600 %s", path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	while (got <= KEY_MAX && (n = read(fd, key + got, KEY_MAX + 1 - got)) > 0)
		got += (size_t)n;
	if (got < KEY_MIN || got > KEY_MAX) {
		rc = lc_err_set(err, LC_ECONFIG, "redaction key file %s holds %zu bytes, not %d to %d; "
		    "remove it to make a new key (pseudonyms will change)", path, got, KEY_MIN, KEY_MAX);
		goto out;
	}
	*len = got;
out:
	close(fd);
	return rc;
}

lc_status
lc_redactor_open(const char *key_file, unsigned flags, lc_redactor **out, lc_err *err)
{
	char path[PATH_MAX];
	uint8_t key[KEY_MAX + 1];
	size_t len = 0;
	lc_status rc;

	*out = NULL;
	rc = key_path_resolve(key_file, path, sizeof(path), err);
	if (rc != LC_OK)
		return rc;
	rc = key_file_read(path, key, &len, err);
	if (rc == LC_ENOTFOUND) {
		rc = key_file_create(path, err);
		if (rc == LC_OK)
			rc = key_file_read(path, key, &len, err);
		if (rc == LC_ENOTFOUND)
			rc = lc_err_set(err, LC_EIO, "redaction key file %s vanished while it was "
			    "being created; try again", path);
	}
	if (rc == LC_OK)
		rc = redactor_make(key, len, flags, out, err);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* ---- pseudonyms ------------------------------------------------------------------------ */

static void
pseudonym_hex(const lc_redactor *r, const void *p, size_t n, char hex[9])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t md[EVP_MAX_MD_SIZE];
	size_t mdlen = 0;
	unsigned ulen = 0;
	EVP_MAC_CTX *c = EVP_MAC_CTX_dup(r->tmpl);
	int ok;

	if (p == NULL)
		p = "";
	ok = c != NULL && EVP_MAC_update(c, p, n) && EVP_MAC_final(c, md, &mdlen, sizeof(md)) &&
	    mdlen >= 4;
	EVP_MAC_CTX_free(c);
	if (!ok)        /* out of memory for the copy: the slower one-shot path */
		ok = HMAC(EVP_sha256(), r->key, (int)r->key_len, p, n, md, &ulen) != NULL && ulen >= 4;
	if (!ok)        /* never the secret, even when OpenSSL fails */
		memset(md, 0, 4);
	for (int i = 0; i < 4; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[8] = 0;
}

void
lc_redact_pseudonym(const lc_redactor *r, const void *secret, size_t len,
    char out[LC_PSEUDONYM_LEN + 1])
{
	char hex[9];

	pseudonym_hex(r, secret, len, hex);
	snprintf(out, LC_PSEUDONYM_LEN + 1, "[redacted:%s]", hex);
}

/* ---- scratch ---------------------------------------------------------------------------- */

void
lc_redact_scratch_init(lc_redact_scratch *s)
{
	memset(s, 0, sizeof(*s));
	lc_buf_init(&s->raw, REDACT_OUT_MAX);
	lc_buf_init(&s->path, REDACT_OUT_MAX);
	lc_buf_init(&s->reason, REDACT_OUT_MAX);
	lc_buf_init(&s->hvals, REDACT_OUT_MAX);
	lc_buf_init(&s->edits, REDACT_EDITS_MAX);
	lc_buf_init(&s->tmp, REDACT_OUT_MAX);
}

void
lc_redact_scratch_free(lc_redact_scratch *s)
{
	if (s == NULL)
		return;
	lc_buf_free(&s->raw);
	lc_buf_free(&s->path);
	lc_buf_free(&s->reason);
	lc_buf_free(&s->hvals);
	lc_buf_free(&s->edits);
	if (s->tmp.ptr)
		OPENSSL_cleanse(s->tmp.ptr, s->tmp.cap);
	lc_buf_free(&s->tmp);
}

/* ---- edits: what to replace ------------------------------------------------------------ */

enum { ED_PSEUDO, ED_CARD };
#define ED_JSON    0x1u   /* the value is JSON-escaped: unescape before hashing */
#define ED_PCT     0x2u   /* the value is percent-encoded: decode before hashing */
#define ED_OUTPCT  0x4u   /* write the pseudonym percent-encoded (query strings, form bodies) */

typedef struct edit {
	size_t start, end;
	unsigned kind, how;
	unsigned last4;         /* ED_CARD: the digits the mask keeps */
} edit;

/* One field being scanned. */
typedef struct scan {
	const uint8_t *s;
	size_t n;
	lc_buf *edits;
	unsigned form_how;      /* ED_PCT, plus ED_OUTPCT where the text is a query or form */
	bool cards;             /* mask card numbers in this field */
	bool header;            /* a header value: "Bearer x" needs no further evidence */
	lc_status rc;
	unsigned card_how;      /* ED_OUTPCT where a card mask lands in a query or form */
} scan;

static void
edit_add(scan *sc, size_t start, size_t end, unsigned kind, unsigned how)
{
	edit e = {start, end, kind, how, 0};

	if (sc->rc == LC_OK && end > start)
		sc->rc = lc_buf_append(sc->edits, &e, sizeof(e));
}

static inline bool
is_digit(uint8_t c)
{
	return (unsigned)(c - '0') < 10;
}

static inline bool
is_alnum(uint8_t c)
{
	return is_digit(c) || (unsigned)((c | 0x20) - 'a') < 26;
}

static inline uint8_t
lower(uint8_t c)
{
	return (unsigned)(c - 'A') < 26 ? (uint8_t)(c | 0x20) : c;
}

static bool
eq_nocase(const uint8_t *p, size_t n, const char *lit)
{
	for (size_t i = 0; i < n; i++)
		if (lit[i] == 0 || lower(p[i]) != (uint8_t)lit[i])
			return false;
	return lit[n] == 0;
}

/* The names whose values are secrets, in JSON, forms and query strings (any case). */
static bool
is_secret_key(const uint8_t *k, size_t n)
{
	switch (n) {
	case 4:  return eq_nocase(k, n, "code");
	case 5:  return eq_nocase(k, n, "token");
	case 7:  return eq_nocase(k, n, "idtoken");
	case 8:  return eq_nocase(k, n, "password") || eq_nocase(k, n, "id_token");
	case 11: return eq_nocase(k, n, "accesstoken");
	case 12: return eq_nocase(k, n, "access_token") || eq_nocase(k, n, "refreshtoken") ||
	             eq_nocase(k, n, "clientsecret");
	case 13: return eq_nocase(k, n, "refresh_token") || eq_nocase(k, n, "client_secret");
	default: return false;
	}
}

/* ---- forms and query strings: key=value ------------------------------------------------ */

static inline bool
is_key_char(uint8_t c)
{
	return is_alnum(c) || c == '_' || c == '-' || c == '.';
}

/* Where a form value ends. In a JSON string, the escape "\/" stays part of it. */
static size_t
form_value_end(const uint8_t *s, size_t i, size_t b, bool json)
{
	for (; i < b; i++) {
		uint8_t c = s[i];
		if (c <= ' ' || c == 0x7f || c == '&' || c == '#' || c == '"' || c == '\'' ||
		    c == '<' || c == '>')
			break;
		if (c == '\\') {
			if (!(json && i + 1 < b && s[i + 1] == '/'))
				break;
			i++;
		}
	}
	return i < b ? i : b;
}

static void
scan_forms(scan *sc, size_t a, size_t b, bool json)
{
	const uint8_t *s = sc->s;
	size_t i = a;

	while (i < b) {
		const uint8_t *q = memchr(s + i, '=', b - i);
		size_t eq, k, ve;

		if (q == NULL)
			return;
		eq = (size_t)(q - s);
		k = eq;
		while (k > a && eq - k < KEY_NAME_MAX && is_key_char(s[k - 1]))
			k--;
		i = eq + 1;
		if (k > a && (is_key_char(s[k - 1]) || s[k - 1] == '%'))
			continue;       /* longer name, or an encoded one: not ours */
		if (!is_secret_key(s + k, eq - k))
			continue;
		ve = form_value_end(s, eq + 1, b, json);
		edit_add(sc, eq + 1, ve, ED_PSEUDO, sc->form_how | (json ? ED_JSON : 0));
		i = ve;
	}
}

/* ---- "Bearer <token>" ------------------------------------------------------------------ */

static inline bool
is_b64token_char(uint8_t c)
{
	return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' ||
	    c == '/' || c == '=';
}

/*
 * Outside a header, "Bearer" is also an English word: the token must look like
 * one (a digit or a punctuation mark of the token alphabet, or 20+ characters).
 */
static bool
token_looks_real(const uint8_t *p, size_t n)
{
	if (n >= 20)
		return true;
	for (size_t i = 0; i < n; i++)
		if (!(is_alnum(p[i]) && !is_digit(p[i])))
			return true;
	return false;
}

static void
scan_bearer(scan *sc, size_t a, size_t b, bool json)
{
	const uint8_t *s = sc->s;

	for (size_t i = a; i + 6 < b; i++) {
		size_t t, e;

		if (lower(s[i]) != 'b' || !eq_nocase(s + i, 6, "bearer"))
			continue;
		if ((i > a && is_alnum(s[i - 1])) || (s[i + 6] != ' ' && s[i + 6] != '\t'))
			continue;
		t = i + 6;
		while (t < b && (s[t] == ' ' || s[t] == '\t'))
			t++;
		for (e = t; e < b; e++) {
			if (json && s[e] == '\\' && e + 1 < b && s[e + 1] == '/')
				e++;
			else if (!is_b64token_char(s[e]))
				break;
		}
		if (e > b)
			e = b;
		if (!sc->header)
			while (e > t && s[e - 1] == '.')   /* the end of a sentence */
				e--;
		if (e > t && (sc->header || token_looks_real(s + t, e - t)))
			edit_add(sc, t, e, ED_PSEUDO, json ? ED_JSON : 0);
		i = e > i ? e - 1 : i;
	}
}

/* ---- card numbers ---------------------------------------------------------------------- */

/*
 * People type a card number in groups: "4111 1111 1111 1111", "4111.1111.1111.1111",
 * "4111\u00a01111...", "4111%201111..." in a query. A separator unit is a blank (space,
 * tab, '+', no-break and other Unicode spaces) or a mark (- . / and the Unicode dashes),
 * written raw, as UTF-8, percent-encoded, or (in JSON strings) as an escape. Up to
 * CARD_SEP_UNITS units join two digit groups.
 */
enum { SEP_NONE, SEP_BLANK, SEP_MARK, LEAD_PCT, LEAD_ESC, LEAD_UTF8 };

/* What a separator unit starting with this byte can be (the scan's fast path). */
static const uint8_t sep_lead[256] = {
	[' '] = SEP_BLANK, ['\t'] = SEP_BLANK, ['+'] = SEP_BLANK, ['-'] = SEP_MARK,
	['.'] = SEP_MARK, ['/'] = SEP_MARK, ['%'] = LEAD_PCT, ['\\'] = LEAD_ESC,
	[0xc2] = LEAD_UTF8, [0xe1] = LEAD_UTF8, [0xe2] = LEAD_UTF8, [0xe3] = LEAD_UTF8,
};

/* Bytes a separator unit can end with: the ASCII ones, 't' of "\t", hex, UTF-8 tails. */
static bool
sep_tail(uint8_t c)
{
	return (sep_lead[c] == SEP_BLANK || sep_lead[c] == SEP_MARK) || c >= 0x80 || c == 't' ||
	    is_digit(c) || (unsigned)((c | 0x20) - 'a') < 6;
}

typedef struct digit_run {
	size_t gs[CARD_GROUPS_MAX], ge[CARD_GROUPS_MAX];  /* group i is [gs[i], ge[i]) */
	bool blank[CARD_GROUPS_MAX];    /* the separators before group i hold a blank */
	unsigned ng;
} digit_run;

static int hexval(uint8_t c);
static long hex4(const uint8_t *p, size_t avail);

static int
sep_class(unsigned long cp)
{
	if (cp == ' ' || cp == '\t' || cp == '+' || cp == 0xa0 || cp == 0x1680 ||
	    (cp >= 0x2000 && cp <= 0x200b) || cp == 0x202f || cp == 0x205f || cp == 0x3000)
		return SEP_BLANK;
	if (cp == '-' || cp == '.' || cp == '/' || (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212)
		return SEP_MARK;
	return SEP_NONE;
}

/* A 2- or 3-byte UTF-8 sequence at p: its length and code point; 0 for anything else. */
static size_t
utf8_seq(const uint8_t *p, size_t n, unsigned long *cp)
{
	if (n >= 2 && p[0] >= 0xc2 && p[0] < 0xe0 && (p[1] & 0xc0) == 0x80) {
		*cp = (unsigned long)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
		return 2;
	}
	if (n >= 3 && (p[0] & 0xf0) == 0xe0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
		*cp = (unsigned long)(p[0] & 0x0f) << 12 | (unsigned long)(p[1] & 0x3f) << 6 |
		    (p[2] & 0x3f);
		return *cp >= 0x800 ? 3 : 0;   /* an overlong form is no separator */
	}
	return 0;
}

/* A separator written as 1-3 percent escapes ("%20", "%C2%A0", "%E2%80%87"). */
static size_t
sep_pct(const uint8_t *s, size_t i, size_t b, int *cls)
{
	uint8_t u[3];
	size_t k = 0, n;
	unsigned long cp;
	int h, l;

	while (k < 3 && i + 3 * k + 2 < b && s[i + 3 * k] == '%' &&
	    (h = hexval(s[i + 3 * k + 1])) >= 0 && (l = hexval(s[i + 3 * k + 2])) >= 0)
		u[k++] = (uint8_t)(h * 16 + l);
	if (k == 0)
		return 0;
	if (u[0] < 0x80) {
		*cls = sep_class(u[0]);
		return *cls != SEP_NONE ? 3 : 0;
	}
	n = utf8_seq(u, k, &cp);
	*cls = n ? sep_class(cp) : SEP_NONE;
	return *cls != SEP_NONE ? 3 * n : 0;
}

/* A separator written as a JSON escape: "\t", "\/", "\u00a0", "\u2007", ... */
static size_t
sep_escape(const uint8_t *s, size_t i, size_t b, int *cls)
{
	long cp;

	if (i + 1 >= b)
		return 0;
	if (s[i + 1] == 't' || s[i + 1] == '/') {
		*cls = s[i + 1] == 't' ? SEP_BLANK : SEP_MARK;
		return 2;
	}
	if (s[i + 1] != 'u' || (cp = hex4(s + i + 2, b - i - 2)) < 0)
		return 0;
	*cls = sep_class((unsigned long)cp);
	return *cls != SEP_NONE ? 6 : 0;
}

/* The length of the separator unit at s[i] (0: none) and its class. */
static size_t
sep_at(const uint8_t *s, size_t i, size_t b, bool json, int *cls)
{
	unsigned long cp;
	size_t n;

	switch (sep_lead[s[i]]) {
	case SEP_NONE:
		return 0;
	case LEAD_PCT:
		return sep_pct(s, i, b, cls);
	case LEAD_ESC:
		return json ? sep_escape(s, i, b, cls) : 0;
	case LEAD_UTF8:
		break;
	default:
		*cls = sep_lead[s[i]];
		return 1;
	}
	n = utf8_seq(s + i, b - i, &cp);
	*cls = n ? sep_class(cp) : SEP_NONE;
	return *cls != SEP_NONE ? n : 0;
}

/* The length of the separator unit ending at s[j] (0: none); the longest form wins. */
static size_t
sep_before(const uint8_t *s, size_t a, size_t j, bool json, int *cls)
{
	static const size_t lens[] = {9, 6, 3, 2, 1};

	if (j == a || !sep_tail(s[j - 1]))
		return 0;
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++)
		if (j - a >= lens[k] && sep_at(s, j - lens[k], j, json, cls) == lens[k])
			return lens[k];
	return 0;
}

static inline bool
is_word(uint8_t c)
{
	return is_alnum(c) || c == '_';
}

/* Does s[j - 1] end an escape ("\n", "\u00e9", "%3D")? Then it is no letter of a word. */
static bool
escape_ends(const uint8_t *s, size_t a, size_t j, bool json)
{
	uint8_t p = s[j - 1];

	if (j - a >= 2 && s[j - 2] == '\\' && (p == 'n' || p == 't' || p == 'r' ||
	    (json && (p == 'b' || p == 'f'))))
		return true;
	if (json && j - a >= 6 && s[j - 6] == '\\' && s[j - 5] == 'u' && hex4(s + j - 4, 4) >= 0)
		return true;
	return j - a >= 3 && s[j - 3] == '%' && hexval(s[j - 2]) >= 0 && hexval(p) >= 0;
}

/*
 * Is the run starting at i standalone on the left? A letter, digit or '_' next to
 * it, or a mark (- . /) between it and one, makes it part of an id ("m-4111...").
 */
static bool
card_left_ok(const uint8_t *s, size_t a, size_t i, bool json)
{
	size_t j = i, len;
	unsigned units = 0;
	bool mark = false;
	int cls = SEP_NONE;

	while (units < CARD_SEP_UNITS && (len = sep_before(s, a, j, json, &cls)) > 0) {
		mark |= cls == SEP_MARK;
		j -= len;
		units++;
	}
	if (j == a || !is_word(s[j - 1]) || escape_ends(s, a, j, json))
		return true;
	return units > 0 && !mark;
}

static bool
card_right_ok(const uint8_t *s, size_t b, size_t e, bool json)
{
	size_t k = e, len;
	unsigned units = 0;
	bool mark = false;
	int cls = SEP_NONE;

	while (units < CARD_SEP_UNITS && k < b && (len = sep_at(s, k, b, json, &cls)) > 0) {
		mark |= cls == SEP_MARK;
		k += len;
		units++;
	}
	if (k >= b || !is_word(s[k]))
		return true;
	return units > 0 && !mark;
}

static bool
luhn_ok(const uint8_t *s, const digit_run *d, unsigned g0, unsigned g1)
{
	unsigned sum = 0, pos = 0;

	for (unsigned g = g1 + 1; g-- > g0;)
		for (size_t i = d->ge[g]; i-- > d->gs[g]; pos++) {
			unsigned v = (unsigned)(s[i] - '0');
			if (pos & 1)
				v = v * 2 > 9 ? v * 2 - 9 : v * 2;
			sum += v;
		}
	return sum % 10 == 0;
}

static size_t
run_digits(const digit_run *d, unsigned g0, unsigned g1)
{
	size_t n = 0;

	for (unsigned g = g0; g <= g1; g++)
		n += d->ge[g] - d->gs[g];
	return n;
}

/*
 * Groups of 3 digits or more in any layout, or groups of 4 and a shorter last one
 * (4-4-4-1): dates (2023/10/31), versions (1.2.3) and IPs (10.0.0.1) have groups of
 * one or two digits and never join into a card.
 */
static bool
card_layout_ok(const digit_run *d, unsigned g0, unsigned g1)
{
	bool all3 = true, fours = true;

	for (unsigned g = g0; g <= g1; g++) {
		size_t n = d->ge[g] - d->gs[g];
		all3 = all3 && n >= 3;
		fours = fours && (g == g1 || n == 4);
	}
	return all3 || fours;
}

/*
 * An unseparated number starting with 1 is a timestamp unless it has 15
 * digits (UATP cards): 13, 16 and 19 digits are epoch ms, us and ns, and no
 * card scheme issues 1-prefixed numbers of other lengths.
 */
static bool
card_candidate(const uint8_t *s, const digit_run *d, unsigned g0, unsigned g1, size_t n)
{
	if (n < 13 || n > 19)
		return false;
	if (g0 == g1 && s[d->gs[g0]] == '1' && n != 15)
		return false;
	return card_layout_ok(d, g0, g1) && luhn_ok(s, d, g0, g1);
}

/* The groups of one digit run, joined by separator runs; returns the run's end. */
static size_t
card_groups(const uint8_t *s, size_t i, size_t b, bool json, digit_run *d)
{
	d->ng = 0;
	d->blank[0] = false;
	for (;;) {
		size_t g = i, j = 0, len = 0;
		unsigned units = 0;
		bool blank = false;
		int cls = SEP_NONE;

		while (i < b && is_digit(s[i]))
			i++;
		d->gs[d->ng] = g;
		d->ge[d->ng] = i;
		d->ng++;
		if (d->ng == CARD_GROUPS_MAX)
			return i;
		for (j = i; units < CARD_SEP_UNITS && j < b &&
		    (len = sep_at(s, j, b, json, &cls)) > 0; units++, j += len)
			blank = blank || cls == SEP_BLANK;
		if (units == 0 || j >= b || !is_digit(s[j]))
			return i;
		d->blank[d->ng] = blank;
		i = j;
	}
}

/* The mask keeps the last four digits, wherever the separators fell. */
static void
card_edit(scan *sc, const digit_run *d, unsigned g0, unsigned g1)
{
	unsigned last = 0, mul = 1, k = 0;
	edit e = {d->gs[g0], d->ge[g1], ED_CARD, sc->card_how, 0};

	for (unsigned g = g1 + 1; g-- > g0 && k < 4;)
		for (size_t i = d->ge[g]; i-- > d->gs[g] && k < 4; k++, mul *= 10)
			last += (unsigned)(sc->s[i] - '0') * mul;
	e.last4 = last;
	if (sc->rc == LC_OK)
		sc->rc = lc_buf_append(sc->edits, &e, sizeof(e));
}

/*
 * The longest card window of whole groups from each group on. A window edge
 * inside the run must be a separator run holding a blank ("call 555 4111 ..."):
 * a mark binds its neighbours ("4111111111111111.5" is a decimal, not a card).
 */
static void
card_run_check(scan *sc, const digit_run *d, bool left, bool right)
{
	for (unsigned g0 = 0; g0 < d->ng; g0++) {
		unsigned best = UINT_MAX;
		size_t n = 0;

		if (g0 > 0 ? !d->blank[g0] : !left)
			continue;
		for (unsigned g1 = g0; g1 < d->ng && (n += d->ge[g1] - d->gs[g1]) <= 19; g1++)
			if ((g1 + 1 < d->ng ? d->blank[g1 + 1] : right) &&
			    card_candidate(sc->s, d, g0, g1, n))
				best = g1;
		if (best != UINT_MAX) {
			card_edit(sc, d, g0, best);
			g0 = best;
		}
	}
}

/* Where the next digit outside an escape is ("%20", "\u00a0" are skipped whole). */
static size_t
card_next_digit(const uint8_t *s, size_t i, size_t b, bool json)
{
	static const uint8_t stop[256] = {['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
		['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['%'] = 1, ['\\'] = 1};

	while (i < b) {
		uint8_t c = s[i];

		if (!stop[c]) {
			i++;
			continue;
		}
		if (is_digit(c))
			return i;
		if (c == '\\' && json)
			i += i + 1 < b && s[i + 1] == 'u' ? 6 : 2;
		else if (c == '%' && i + 2 < b && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0)
			i += 3;
		else
			i++;
	}
	return b;
}

static void
scan_cards(scan *sc, size_t a, size_t b, bool json)
{
	const uint8_t *s = sc->s;
	digit_run d;
	size_t i = a, e;

	while (i + 13 <= b) {
		i = card_next_digit(s, i, b - 12, json);   /* 13 digits start before b - 12 */
		if (i + 13 > b)
			break;
		e = card_groups(s, i, b, json, &d);
		if (e - i >= 13 && run_digits(&d, 0, d.ng - 1) >= 13)
			card_run_check(sc, &d, card_left_ok(s, a, i, json),
			    card_right_ok(s, b, e, json));
		i = e;
	}
}

/* ---- fields ------------------------------------------------------------------------------ */

typedef struct markers {
	bool eq;        /* an '=' somewhere: forms may hold secrets */
	bool bearer;    /* "earer" somewhere */
} markers;

static markers
markers_find(const uint8_t *s, size_t n)
{
	markers m;

	m.eq = memchr(s, '=', n) != NULL;
	m.bearer = memmem(s, n, "earer", 5) != NULL || memmem(s, n, "EARER", 5) != NULL;
	return m;
}

static void
scan_text(scan *sc, size_t a, size_t b, bool json, markers m)
{
	if (m.eq)
		scan_forms(sc, a, b, json);
	if (m.bearer)
		scan_bearer(sc, a, b, json);
	if (sc->cards)
		scan_cards(sc, a, b, json);
}

/* Index of the quote closing the JSON string whose contents start at a, or n. */
static size_t
json_string_end(const uint8_t *s, size_t n, size_t a)
{
	size_t i = a;

	for (;;) {
		const uint8_t *q = memchr(s + i, '"', n - i);
		size_t j, bs = 0;

		if (q == NULL)
			return n;
		j = (size_t)(q - s);
		while (j - bs > a && s[j - bs - 1] == '\\')
			bs++;
		if ((bs & 1) == 0)
			return j;
		i = j + 1;
	}
}

static size_t
skip_ws(const uint8_t *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/*
 * JSON: the string value of a secret key is replaced whole; every other string
 * (keys too) is scanned as text. Numbers and literals are never touched, so a
 * Luhn-valid epoch-ms "timestamp":1698765432000 stays as it is.
 */
static void
scan_json(scan *sc, markers m)
{
	const uint8_t *s = sc->s;
	size_t n = sc->n, i = 0;

	while (i < n && sc->rc == LC_OK) {
		const uint8_t *q = memchr(s + i, '"', n - i);
		size_t a, e, k;

		if (q == NULL)
			break;
		a = (size_t)(q - s) + 1;
		e = json_string_end(s, n, a);
		k = skip_ws(s, n, e + 1);
		if (k < n && s[k] == ':' && is_secret_key(s + a, e - a)) {
			k = skip_ws(s, n, k + 1);
			if (k < n && s[k] == '"') {
				size_t ve = json_string_end(s, n, k + 1);
				edit_add(sc, k + 1, ve, ED_PSEUDO, ED_JSON);
				i = ve + 1;
				continue;
			}
		}
		scan_text(sc, a, e, true, m);
		i = e + 1;
	}
}

/* ---- applying edits ---------------------------------------------------------------------- */

static int
edit_cmp(const void *x, const void *y)
{
	const edit *a = x, *b = y;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->end > b->end ? -1 : a->end < b->end;
}

static int
hexval(uint8_t c)
{
	if (is_digit(c))
		return c - '0';
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static lc_status
utf8_append(lc_buf *b, unsigned long cp)
{
	uint8_t u[LC_UTF8_MAX];

	return lc_buf_append(b, u, lc_utf8_encode((uint32_t)cp, u));
}

static long
hex4(const uint8_t *p, size_t avail)
{
	long v = 0;

	if (avail < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* JSON string contents to the bytes they stand for; a bad escape is kept as written. */
static lc_status
json_unescape(const uint8_t *p, size_t n, lc_buf *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	lc_status rc = LC_OK;
	size_t i = 0;

	while (i < n && rc == LC_OK) {
		const uint8_t *bs = memchr(p + i, '\\', n - i);
		size_t j = bs ? (size_t)(bs - p) : n;
		const char *f;
		long cp, lo;

		rc = lc_buf_append(out, p + i, j - i);
		if (rc != LC_OK || j + 1 >= n) {
			if (rc == LC_OK && j < n)
				rc = lc_buf_append(out, p + j, n - j);
			break;
		}
		if (p[j + 1] != 'u' && p[j + 1] != 0 && (f = strchr(from, p[j + 1])) != NULL) {
			rc = lc_buf_append(out, &to[f - from], 1);
			i = j + 2;
		} else if (p[j + 1] == 'u' && (cp = hex4(p + j + 2, n - j - 2)) >= 0) {
			i = j + 6;
			if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < n && p[i] == '\\' && p[i + 1] == 'u' &&
			    (lo = hex4(p + i + 2, n - i - 2)) >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			}
			rc = utf8_append(out, (unsigned long)cp);
		} else {
			rc = lc_buf_append(out, p + j, 2);
			i = j + 2;
		}
	}
	return rc;
}

/* Percent-decoding in place ('+' is a space, as in forms); returns the new length. */
static size_t
pct_decode(uint8_t *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int h, l;
		if (p[i] == '%' && i + 2 < n && (h = hexval(p[i + 1])) >= 0 &&
		    (l = hexval(p[i + 2])) >= 0) {
			p[o++] = (uint8_t)(h * 16 + l);
			i += 2;
		} else {
			p[o++] = p[i] == '+' ? ' ' : p[i];
		}
	}
	return o;
}

static lc_status
edit_emit_pseudonym(const lc_redactor *r, const uint8_t *s, const edit *e, lc_buf *tmp,
    lc_buf *out)
{
	const uint8_t *v = s + e->start;
	size_t n = e->end - e->start;
	char hex[9];
	lc_status rc = LC_OK;

	if (e->how & (ED_JSON | ED_PCT)) {
		lc_buf_reset(tmp);
		rc = (e->how & ED_JSON) ? json_unescape(v, n, tmp) : lc_buf_append(tmp, v, n);
		if (rc != LC_OK)
			return rc;
		v = tmp->ptr;
		n = (e->how & ED_PCT) ? pct_decode(tmp->ptr, tmp->len) : tmp->len;
	}
	pseudonym_hex(r, v, n, hex);
	if (v == tmp->ptr)
		OPENSSL_cleanse(tmp->ptr, tmp->len);
	return lc_buf_printf(out, (e->how & ED_OUTPCT) ? "%%5Bredacted:%s%%5D" : "[redacted:%s]",
	    hex);
}

static lc_status
edit_emit_card(const edit *e, lc_buf *out)
{
	bool pct = (e->how & ED_OUTPCT) != 0;
	const char *open = pct ? "%5Bcard:****" : "[card:****", *close = pct ? "%5D" : "]";
	char m[24];
	size_t n = strlen(open);

	memcpy(m, open, n);
	for (unsigned k = 4, v = e->last4; k-- > 0; v /= 10)
		m[n + k] = (char)('0' + v % 10);
	n += 4;
	memcpy(m + n, close, strlen(close));
	return lc_buf_append(out, m, n + strlen(close));
}

/* Append s with its edits applied to out. Overlapping edits: the earliest, widest wins. */
static lc_status
edits_apply(const lc_redactor *r, const uint8_t *s, size_t n, lc_buf *edits, lc_buf *tmp,
    lc_buf *out)
{
	edit *ev = (edit *)(void *)edits->ptr;
	size_t ne = edits->len / sizeof(edit), pos = 0;
	lc_status rc = LC_OK;

	for (size_t i = 1; i < ne; i++)
		if (edit_cmp(&ev[i - 1], &ev[i]) > 0) {
			qsort(ev, ne, sizeof(edit), edit_cmp);
			break;
		}
	for (size_t i = 0; i < ne && rc == LC_OK; i++) {
		if (ev[i].start < pos)
			continue;
		rc = lc_buf_append(out, s + pos, ev[i].start - pos);
		if (rc == LC_OK)
			rc = ev[i].kind == ED_CARD ? edit_emit_card(&ev[i], out) :
			    edit_emit_pseudonym(r, s, &ev[i], tmp, out);
		pos = ev[i].end;
	}
	if (rc == LC_OK)
		rc = lc_buf_append(out, s + pos, n - pos);
	return rc;
}

enum field_mode { F_PATH, F_REASON, F_BODY };

/* A path: secrets anywhere, cards only in the query (a path segment is an id). */
static void
path_scan(scan *sc, markers m)
{
	const uint8_t *q = memchr(sc->s, '?', sc->n);
	bool cards = sc->cards;

	sc->cards = false;
	scan_text(sc, 0, sc->n, false, m);
	sc->card_how = ED_OUTPCT;
	if (cards && q != NULL)
		scan_cards(sc, (size_t)(q - sc->s) + 1, sc->n, false);
}

static void
field_scan(scan *sc, enum field_mode mode, bool http)
{
	markers m = markers_find(sc->s, sc->n);
	size_t k = skip_ws(sc->s, sc->n, 0);

	sc->form_how = ED_PCT;
	if (mode == F_PATH || (mode == F_BODY && http))
		sc->form_how |= ED_OUTPCT;
	if (mode == F_BODY && k < sc->n && (sc->s[k] == '{' || sc->s[k] == '['))
		scan_json(sc, m);
	else if (mode == F_PATH)
		path_scan(sc, m);
	else {
		/* a form body ("a=1&card=4111+1111...") holds no raw blank; prose does */
		if (http && m.eq && memchr(sc->s, ' ', sc->n) == NULL &&
		    memchr(sc->s, '\n', sc->n) == NULL)
			sc->card_how = ED_OUTPCT;
		scan_text(sc, 0, sc->n, false, m);
	}
}

/* Redact one field into dst; *val is left alone when nothing needed replacing. */
static lc_status
field_redact(const lc_redactor *r, lc_bytes *val, enum field_mode mode, bool http, bool cards,
    lc_buf *dst, lc_redact_scratch *scratch, bool *changed)
{
	scan sc = {val->ptr, val->len, &scratch->edits, 0, cards, false, LC_OK, 0};
	lc_status rc;

	if (val->len == 0)
		return LC_OK;
	lc_buf_reset(&scratch->edits);
	field_scan(&sc, mode, http);
	if (sc.rc != LC_OK || scratch->edits.len == 0)
		return sc.rc;
	lc_buf_reset(dst);
	rc = edits_apply(r, val->ptr, val->len, &scratch->edits, &scratch->tmp, dst);
	if (rc != LC_OK)
		return rc;
	*val = lc_buf_bytes(dst);
	*changed = true;
	return LC_OK;
}

/* ---- headers ------------------------------------------------------------------------------ */

enum header_class { H_OTHER, H_AUTH, H_COOKIE, H_SET_COOKIE, H_WHOLE };

static enum header_class
header_classify(lc_bytes name)
{
	const uint8_t *p = name.ptr;
	size_t n = name.len;

	if (eq_nocase(p, n, "authorization") || eq_nocase(p, n, "proxy-authorization"))
		return H_AUTH;
	if (eq_nocase(p, n, "cookie"))
		return H_COOKIE;
	if (eq_nocase(p, n, "set-cookie"))
		return H_SET_COOKIE;
	if (eq_nocase(p, n, "x-api-key") || eq_nocase(p, n, "x-auth-token") ||
	    eq_nocase(p, n, "x-access-token"))
		return H_WHOLE;
	return H_OTHER;
}

static void
trim(const uint8_t *s, size_t *a, size_t *b)
{
	while (*a < *b && (s[*a] == ' ' || s[*a] == '\t'))
		(*a)++;
	while (*b > *a && (s[*b - 1] == ' ' || s[*b - 1] == '\t' || s[*b - 1] == '\r'))
		(*b)--;
}

/* "Scheme credentials": the credentials are the secret; no scheme, the whole value. */
static void
header_auth_scan(scan *sc)
{
	const uint8_t *s = sc->s;
	size_t a = 0, b = sc->n, i;

	trim(s, &a, &b);
	for (i = a; i < b && (is_alnum(s[i]) || strchr("!#$%&'*+.^_`|~-", s[i]) != NULL) &&
	    s[i] != 0; i++)
		;
	if (i > a && i < b && s[i] == ' ') {
		while (i < b && s[i] == ' ')
			i++;
		a = i;
	}
	edit_add(sc, a, b, ED_PSEUDO, 0);
}

/* "a=1; b=2": each value; Set-Cookie's attributes (Path, Expires) are not secrets. */
static void
header_cookie_scan(scan *sc, bool first_only)
{
	const uint8_t *s = sc->s;
	size_t a = 0;

	while (a < sc->n) {
		const uint8_t *semi = memchr(s + a, ';', sc->n - a);
		size_t b = semi ? (size_t)(semi - s) : sc->n;
		size_t pa = a, pb = b;
		const uint8_t *eq;

		trim(s, &pa, &pb);
		eq = pb > pa ? memchr(s + pa, '=', pb - pa) : NULL;
		if (eq != NULL)
			pa = (size_t)(eq - s) + 1;
		edit_add(sc, pa, pb, ED_PSEUDO, 0);
		if (first_only)
			break;
		a = b + 1;
	}
}

static lc_status
headers_redact(const lc_redactor *r, cx_event *out, lc_redact_scratch *scratch, bool *changed)
{
	size_t off[CX_HEADERS_MAX];
	uint32_t n = out->n_headers;
	bool any = false;
	lc_status rc = LC_OK;

	if (n == 0 || out->headers == NULL)
		return LC_OK;
	if (n > CX_HEADERS_MAX)
		return LC_ETOOBIG;
	lc_buf_reset(&scratch->hvals);
	for (uint32_t i = 0; i < n && rc == LC_OK; i++) {
		cx_header h = out->headers[i];
		scan sc = {h.value.ptr, h.value.len, &scratch->edits, ED_PCT, false, true, LC_OK, 0};
		enum header_class c = header_classify(h.name);

		scratch->headers[i] = h;
		off[i] = SIZE_MAX;
		if (h.value.len == 0)
			continue;
		lc_buf_reset(&scratch->edits);
		if (c == H_AUTH)
			header_auth_scan(&sc);
		else if (c == H_COOKIE || c == H_SET_COOKIE)
			header_cookie_scan(&sc, c == H_SET_COOKIE);
		else if (c == H_WHOLE)
			edit_add(&sc, 0, sc.n, ED_PSEUDO, 0);
		else if (markers_find(sc.s, sc.n).bearer)
			scan_bearer(&sc, 0, sc.n, false);
		rc = sc.rc;
		if (rc != LC_OK || scratch->edits.len == 0)
			continue;
		off[i] = scratch->hvals.len;
		rc = edits_apply(r, sc.s, sc.n, &scratch->edits, &scratch->tmp, &scratch->hvals);
		scratch->headers[i].value.len = scratch->hvals.len - off[i];
		any = true;
	}
	if (rc != LC_OK || !any)
		return rc;
	for (uint32_t i = 0; i < n; i++)   /* hvals may have moved while it grew */
		if (off[i] != SIZE_MAX)
			scratch->headers[i].value.ptr = scratch->hvals.ptr + off[i];
	out->headers = scratch->headers;
	*changed = true;
	return LC_OK;
}

/* ---- events -------------------------------------------------------------------------------- */

lc_status
lc_redact_event(const lc_redactor *r, const cx_event *in, cx_event *out,
    lc_redact_scratch *scratch)
{
	bool changed = false, http, cards;
	lc_status rc;

	*out = *in;
	http = in->kind == CX_HTTP_REQUEST || in->kind == CX_HTTP_RESPONSE ||
	    in->kind == CX_TOKEN_REFRESH;
	cards = !(r->flags & LC_REDACT_KEEP_CARDS) && (in->kind == CX_FRAME_IN ||
	    in->kind == CX_FRAME_OUT || in->kind == CX_HTTP_REQUEST ||
	    in->kind == CX_HTTP_RESPONSE || in->kind == CX_ANNOTATION);
	rc = headers_redact(r, out, scratch, &changed);
	if (rc == LC_OK)
		rc = field_redact(r, &out->path, F_PATH, false, cards, &scratch->path, scratch,
		    &changed);
	if (rc == LC_OK)
		rc = field_redact(r, &out->reason, F_REASON, false, false, &scratch->reason, scratch,
		    &changed);
	if (rc == LC_OK && !(in->flags & CX_F_BINARY))
		rc = field_redact(r, &out->raw, F_BODY, http, cards, &scratch->raw, scratch, &changed);
	if (changed)
		out->flags |= CX_F_REDACTED;
	return rc;
}
