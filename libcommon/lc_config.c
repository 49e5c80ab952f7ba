/* SPDX-License-Identifier: MIT */
/* lc_config: key = value files, CXONE_* environment variables, flags; typed, range-checked getters. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lc_buf.h"
#include "lc_config.h"
#include "lc_log.h"

#define ORIGIN_MAX 320

typedef struct entry {
	char key[LC_CONFIG_KEY_MAX];
	char *value;                 /* owned; wiped before free */
	char origin[ORIGIN_MAX];
} entry;

struct lc_config {
	entry ent[LC_CONFIG_ENTRIES_MAX];
	size_t n;
};

static const char *const known_keys[] = {
	"base_url", "client_id", "client_secret", "user_id", "scopes", "cacert", "insecure",
	"key_file", "log_level", "max_concurrent", "ping_interval_s", "reconnect_base_s",
	"reconnect_cap_s", "rest_retries", "token_refresh_margin_s", "latency_sla_ms", "pong_timeout_s", NULL,
};

/* an_config's keys (analyzer/an_engine.h); latency_sla_ms is both the agent's and the analyzer's. */
static const char *const analyzer_keys[] = {
	"sentiment_mode", "latency_sla_ms", "first_response_sla_ms", "response_sla_ms", "bucket_rate",
	"bucket_burst", "sentiment_findings", "max_conversations", "max_pending", "trend_points", NULL,
};

/* Old name -> new name. A name here is never reused for another setting. */
static const struct { const char *old, *now; } renamed[] = {
	{"sla_latency_ms", "latency_sla_ms"},   /* cxrecord's name until 0.x; the analyzer's won */
};

const char *const *
lc_config_known_keys(void)
{
	return known_keys;
}

const char *const *
lc_config_analyzer_keys(void)
{
	return analyzer_keys;
}

const char *
lc_config_renamed(const char *old)
{
	for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++)
		if (strcmp(renamed[i].old, old) == 0)
			return renamed[i].now;
	return NULL;
}

static bool
in_list(const char *const *keys, const char *key)
{
	for (; *keys != NULL; keys++)
		if (strcmp(*keys, key) == 0)
			return true;
	return false;
}

lc_status
lc_config_new(lc_config **out, lc_err *err)
{
	*out = calloc(1, sizeof(**out));
	return *out ? LC_OK : lc_err_set(err, LC_ENOMEM, "out of memory reading the configuration");
}

static void
value_wipe(char *v)
{
	if (v != NULL) {
		explicit_bzero(v, strlen(v));
		free(v);
	}
}

void
lc_config_free(lc_config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		value_wipe(c->ent[i].value);
	free(c);
}

/* The entry of key; an old name finds the setting under its new name. */
static entry *
find(const lc_config *c, const char *key)
{
	if (lc_config_renamed(key) != NULL)
		key = lc_config_renamed(key);
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->ent[i].key, key) == 0)
			return (entry *)&c->ent[i];
	return NULL;
}

static bool
key_valid(const char *k, size_t n)
{
	if (n == 0 || n >= LC_CONFIG_KEY_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_' ||
		    k[i] == '.' || k[i] == '-'))
			return false;
	return true;
}

/* Store key = value[0..vlen); the later setting wins. */
static lc_status
put(lc_config *c, const char *key, size_t klen, const char *value, size_t vlen,
    const char *origin, lc_err *err)
{
	char k[LC_CONFIG_KEY_MAX];
	entry *e;
	char *v;

	if (!key_valid(key, klen))
		return lc_err_set(err, LC_ECONFIG, "%s: bad key \"%.*s\": use lower-case letters, "
		    "digits and _ (see docs/configuration.md)", origin, (int)(klen > 64 ? 64 : klen), key);
	memcpy(k, key, klen);
	k[klen] = 0;
	if (lc_config_renamed(k) != NULL) {
		lc_warn("%s: setting '%s' is now called '%s'; the old name still works, rename it",
		    origin, k, lc_config_renamed(k));
		snprintf(k, sizeof(k), "%s", lc_config_renamed(k));
		klen = strlen(k);
	}
	v = strndup(value, vlen);
	if (v == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory reading the configuration");
	e = find(c, k);
	if (e == NULL) {
		if (c->n == LC_CONFIG_ENTRIES_MAX) {
			value_wipe(v);
			return lc_err_set(err, LC_ETOOBIG, "%s: more than %d settings", origin,
			    LC_CONFIG_ENTRIES_MAX);
		}
		e = &c->ent[c->n++];
		memcpy(e->key, k, klen + 1);
	}
	value_wipe(e->value);
	e->value = v;
	snprintf(e->origin, sizeof(e->origin), "%s", origin);
	return LC_OK;
}

lc_status
lc_config_set(lc_config *c, const char *key, const char *value, const char *origin, lc_err *err)
{
	return put(c, key, strlen(key), value, strlen(value), origin ? origin : "command line", err);
}

const char *
lc_config_get(const lc_config *c, const char *key)
{
	const entry *e = find(c, key);

	return e ? e->value : NULL;
}

const char *
lc_config_origin(const lc_config *c, const char *key)
{
	const entry *e = find(c, key);

	return e ? e->origin : NULL;
}

/* ---- the file ------------------------------------------------------------------------ */

static const char *
skip_blank(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* A quoted value into out; *p moves past the closing quote. */
static lc_status
unquote(const char **p, const char *end, lc_buf *out)
{
	char q = **p;
	const char *s = *p + 1;
	lc_status rc = LC_OK;

	for (; s < end && *s != q && rc == LC_OK; s++) {
		char ch = *s;
		if (q == '"' && ch == '\\' && s + 1 < end) {
			s++;
			ch = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
		}
		rc = lc_buf_append(out, &ch, 1);
	}
	if (rc != LC_OK)
		return rc;
	if (s >= end)
		return LC_EPARSE;
	*p = s + 1;
	return LC_OK;
}

static lc_status
parse_line(lc_config *c, const char *path, int lineno, const char *p, const char *end,
    lc_buf *val, bool *holds_secret, lc_err *err)
{
	char origin[ORIGIN_MAX];
	const char *k0, *k1, *v;
	lc_status rc;

	snprintf(origin, sizeof(origin), "%.300s:%d", path, lineno);
	p = skip_blank(p, end);
	if (p == end || *p == '#')
		return LC_OK;
	k0 = p;
	while (p < end && *p != '=' && *p != ' ' && *p != '\t')
		p++;
	k1 = p;
	p = skip_blank(p, end);
	if (p == end || *p != '=')
		return lc_err_set(err, LC_ECONFIG, "%s: expected `key = value`", origin);
	v = skip_blank(p + 1, end);
	lc_buf_reset(val);
	if (v < end && (*v == '"' || *v == '\'')) {
		rc = unquote(&v, end, val);
		if (rc == LC_EPARSE)
			return lc_err_set(err, LC_ECONFIG, "%s: the quoted value has no closing quote",
			    origin);
		if (rc != LC_OK)
			return lc_err_set(err, rc, "%s: value too long", origin);
		v = skip_blank(v, end);
		if (v < end && *v != '#')
			return lc_err_set(err, LC_ECONFIG, "%s: text after the closing quote", origin);
	} else {
		const char *e = v;
		while (e < end && !(*e == '#' && (e == v || e[-1] == ' ' || e[-1] == '\t')))
			e++;
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		rc = lc_buf_append(val, v, (size_t)(e - v));
		if (rc != LC_OK)
			return lc_err_set(err, rc, "%s: value too long", origin);
	}
	if (memchr(val->ptr ? (const char *)val->ptr : "", 0, val->len) != NULL)
		return lc_err_set(err, LC_ECONFIG, "%s: the value holds a NUL byte", origin);
	if (k1 - k0 == 13 && memcmp(k0, "client_secret", 13) == 0)
		*holds_secret = true;
	return put(c, k0, (size_t)(k1 - k0), val->ptr ? (const char *)val->ptr : "", val->len,
	    origin, err);
}

static lc_status
read_all(const char *path, lc_buf *text, struct stat *st, lc_err *err)
{
	char chunk[8192];
	lc_status rc = LC_OK;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return lc_err_set(err, errno == ENOENT ? LC_ENOTFOUND : errno == EACCES ? LC_EPERM :
		    LC_EIO, "cannot read config %s: %s", path, strerror(errno));
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
		rc = lc_err_set(err, LC_ECONFIG, "config %s is not a regular file", path);
		goto out;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if ((rc = lc_buf_append(text, chunk, (size_t)n)) != LC_OK) {
			rc = lc_err_set(err, rc, "config %s is larger than %zu bytes", path,
			    LC_CONFIG_FILE_MAX);
			goto out;
		}
	if (n < 0)
		rc = lc_err_set(err, LC_EIO, "cannot read config %s: %s", path, strerror(errno));
out:
	close(fd);
	return rc;
}

lc_status
lc_config_load_file(lc_config *c, const char *path, lc_err *err)
{
	lc_buf text, val;
	struct stat st;
	const char *p, *end;
	int lineno = 0;
	bool holds_secret = false;
	lc_status rc;

	lc_buf_init(&text, LC_CONFIG_FILE_MAX);
	lc_buf_init(&val, LC_CONFIG_FILE_MAX);
	rc = read_all(path, &text, &st, err);
	p = (const char *)text.ptr;
	end = p + text.len;
	while (rc == LC_OK && p != NULL && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		lineno++;
		if (le > p && le[-1] == '\r')
			le--;
		rc = parse_line(c, path, lineno, p, le, &val, &holds_secret, err);
		p = nl ? nl + 1 : end;
	}
	if (rc == LC_OK && holds_secret && (st.st_mode & 077))
		rc = lc_err_set(err, LC_EPERM, "config %s holds client_secret and is readable by "
		    "others; run chmod 600 %s", path, path);
	if (text.ptr)
		explicit_bzero(text.ptr, text.len);
	if (val.ptr)
		explicit_bzero(val.ptr, val.len);
	lc_buf_free(&text);
	lc_buf_free(&val);
	return rc;
}

/* ---- environment ------------------------------------------------------------------------ */

/* Take CXONE_<KEY> when it is set and not empty. */
static lc_status
env_one(lc_config *c, const char *key, lc_err *err)
{
	char name[LC_CONFIG_KEY_MAX + 8], origin[LC_CONFIG_KEY_MAX + 9];
	const char *v;
	size_t j;

	memcpy(name, "CXONE_", 6);
	for (j = 0; key[j] && j < LC_CONFIG_KEY_MAX; j++)
		name[6 + j] = (key[j] >= 'a' && key[j] <= 'z') ? (char)(key[j] - 32) : key[j];
	name[6 + j] = 0;
	v = getenv(name);
	if (v == NULL || *v == 0)
		return LC_OK;
	snprintf(origin, sizeof(origin), "$%s", name);
	return lc_config_set(c, key, v, origin, err);
}

lc_status
lc_config_load_env(lc_config *c, lc_err *err)
{
	lc_status rc = LC_OK;

	/* old names first, so that the new name wins when both are set */
	for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]) && rc == LC_OK; i++)
		rc = env_one(c, renamed[i].old, err);
	for (size_t i = 0; known_keys[i] != NULL && rc == LC_OK; i++)
		rc = env_one(c, known_keys[i], err);
	return rc;
}

lc_status
lc_config_check(const lc_config *c, lc_err *err)
{
	for (size_t i = 0; i < c->n; i++)
		if (!in_list(known_keys, c->ent[i].key) && !in_list(analyzer_keys, c->ent[i].key))
			return lc_err_set(err, LC_ECONFIG, "%s: unknown setting '%s'; docs/configuration.md "
			    "lists every setting", c->ent[i].origin, c->ent[i].key);
	return LC_OK;
}

lc_status
lc_config_each(const lc_config *c, const char *const *keys, lc_config_fn fn, void *ud, lc_err *err)
{
	lc_status rc = LC_OK;

	for (size_t i = 0; i < c->n && rc == LC_OK; i++)
		if (in_list(keys, c->ent[i].key))
			rc = fn(ud, c->ent[i].key, c->ent[i].value, c->ent[i].origin, err);
	return rc;
}

lc_status
lc_config_load(const char *path, lc_config **out, lc_err *err)
{
	lc_status rc = lc_config_new(out, err);

	if (rc == LC_OK && path != NULL)
		rc = lc_config_load_file(*out, path, err);
	if (rc == LC_OK)
		rc = lc_config_load_env(*out, err);
	if (rc != LC_OK) {
		lc_config_free(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- typed getters ---------------------------------------------------------------------- */

lc_status
lc_config_get_int(const lc_config *c, const char *key, long long def, long long lo, long long hi,
    long long *out, lc_err *err)
{
	const entry *e = find(c, key);
	char *end = NULL;
	long long v;

	*out = def;
	if (e == NULL)
		return LC_OK;
	errno = 0;
	v = strtoll(e->value, &end, 10);
	if (errno != 0 || end == e->value || *end != 0 || v < lo || v > hi)
		return lc_err_set(err, LC_ECONFIG, "%s = \"%.64s\" (%s) must be a whole number from "
		    "%lld to %lld", key, e->value, e->origin, lo, hi);
	*out = v;
	return LC_OK;
}

lc_status
lc_config_get_double(const lc_config *c, const char *key, double def, double lo, double hi,
    double *out, lc_err *err)
{
	const entry *e = find(c, key);
	char *end = NULL;
	double v;

	*out = def;
	if (e == NULL)
		return LC_OK;
	errno = 0;
	v = strtod(e->value, &end);
	if (errno != 0 || end == e->value || *end != 0 || !isfinite(v) || v < lo || v > hi)
		return lc_err_set(err, LC_ECONFIG, "%s = \"%.64s\" (%s) must be a number from %g to %g",
		    key, e->value, e->origin, lo, hi);
	*out = v;
	return LC_OK;
}

lc_status
lc_config_get_bool(const lc_config *c, const char *key, bool def, bool *out, lc_err *err)
{
	static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
	    "off", "0"};
	const entry *e = find(c, key);

	*out = def;
	if (e == NULL)
		return LC_OK;
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(e->value, yes[i]) == 0)
			return *out = true, LC_OK;
		if (strcasecmp(e->value, no[i]) == 0)
			return *out = false, LC_OK;
	}
	return lc_err_set(err, LC_ECONFIG, "%s = \"%.64s\" (%s) must be true or false (yes/no, "
	    "on/off, 1/0)", key, e->value, e->origin);
}
