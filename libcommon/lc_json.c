/* SPDX-License-Identifier: MIT */
/* lc_json: chat envelopes parsed with cJSON into a reusable struct; builders; REST body readers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lc_json.h"

#define KEY_PATH_MAX 128     /* a dotted key path for lc_json_doc_* */

struct lc_json_parser {
	cJSON *root;            /* the last frame's tree: envelope strings point into it */
	lc_buf text;            /* the last frame's text, capped at LC_ENV_TEXT_MAX */
};

struct lc_json_doc {
	cJSON *root;
	const cJSON *cursor;    /* lc_json_doc_next: the element to give next */
	char cursor_key[KEY_PATH_MAX];
	bool iterating;
	lc_buf text;
};

static const char *const type_names[LC_ENV_TYPE_COUNT] = {
	[LC_ENV_UNKNOWN] = "unknown", [LC_ENV_ROUTING] = "routing", [LC_ENV_MESSAGE] = "message",
	[LC_ENV_STATUS] = "status", [LC_ENV_ACK] = "ack", [LC_ENV_ERROR] = "error",
	[LC_ENV_TYPING] = "typing",
};

const char *
lc_env_type_name(lc_env_type t)
{
	return (unsigned)t < LC_ENV_TYPE_COUNT ? type_names[t] : "unknown";
}

const char *
lc_env_from_name(lc_env_from f)
{
	switch (f) {
	case LC_FROM_CUSTOMER: return "customer";
	case LC_FROM_AGENT:    return "agent";
	case LC_FROM_SYSTEM:   return "system";
	case LC_FROM_OTHER:    return "other";
	default:               return "none";
	}
}

static lc_env_type
type_parse(const char *s)
{
	for (int t = 1; t < LC_ENV_TYPE_COUNT; t++)
		if (strcmp(s, type_names[t]) == 0)
			return (lc_env_type)t;
	return LC_ENV_UNKNOWN;
}

static lc_env_from
from_parse(const char *s)
{
	if (strcmp(s, "customer") == 0)
		return LC_FROM_CUSTOMER;
	if (strcmp(s, "agent") == 0)
		return LC_FROM_AGENT;
	if (strcmp(s, "system") == 0)
		return LC_FROM_SYSTEM;
	return LC_FROM_OTHER;
}

/* ---- filling an envelope from a cJSON object ------------------------------------------ */

/* A string field: set it, or count a wrong type (null counts as absent). */
static bool
field_str(const cJSON *c, lc_bytes *dst, uint32_t bit, lc_envelope *env)
{
	if (cJSON_IsString(c) && c->valuestring != NULL) {
		*dst = lc_bytes_str(c->valuestring);
		env->present |= bit;
		return true;
	}
	if (!cJSON_IsNull(c))
		env->wrong_types++;
	return false;
}

/* A number field within [lo, hi]; anything else counts as a wrong type. */
static bool
field_num(const cJSON *c, double lo, double hi, double *dst, uint32_t bit, lc_envelope *env)
{
	if (cJSON_IsNumber(c) && isfinite(c->valuedouble) && c->valuedouble >= lo &&
	    c->valuedouble <= hi) {
		*dst = c->valuedouble;
		env->present |= bit;
		return true;
	}
	if (!cJSON_IsNull(c))
		env->wrong_types++;
	return false;
}

static void
field_from(const cJSON *c, lc_envelope *env)
{
	if (!cJSON_IsObject(c)) {
		if (!cJSON_IsNull(c))
			env->wrong_types++;
		return;
	}
	env->present |= LC_ENVF_FROM;
	env->from = LC_FROM_OTHER;
	for (const cJSON *f = c->child; f != NULL; f = f->next) {
		if (f->string == NULL)
			continue;
		if (strcmp(f->string, "type") == 0) {
			if (field_str(f, &env->from_type, 0, env))
				env->from = from_parse(f->valuestring);
		} else if (strcmp(f->string, "id") == 0) {
			field_str(f, &env->from_id, 0, env);
		}
	}
}

/* Copy the text into the capped buffer, cutting at a UTF-8 character boundary. */
static lc_status
field_text(const cJSON *c, lc_buf *text, lc_envelope *env)
{
	size_t n;
	lc_status rc;

	if (!cJSON_IsString(c) || c->valuestring == NULL) {
		if (!cJSON_IsNull(c))
			env->wrong_types++;
		return LC_OK;
	}
	n = strlen(c->valuestring);
	if (n > LC_ENV_TEXT_MAX) {
		n = LC_ENV_TEXT_MAX;
		while (n > 0 && ((uint8_t)c->valuestring[n] & 0xc0) == 0x80)
			n--;
		env->text_truncated = true;
	}
	lc_buf_reset(text);
	rc = lc_buf_append(text, c->valuestring, n);
	if (rc != LC_OK)
		return rc;
	env->text = lc_buf_bytes(text);
	env->present |= LC_ENVF_TEXT;
	return LC_OK;
}

static void
field_timestamp(const cJSON *c, lc_envelope *env)
{
	double v;

	/* +-2^62 ms: far beyond any date, and safely inside int64_t */
	if (field_num(c, -4.6e18, 4.6e18, &v, LC_ENVF_TIMESTAMP, env))
		env->timestamp_ms = (int64_t)v;
}

static void
field_code(const cJSON *c, lc_envelope *env)
{
	double v;

	if (field_num(c, -1e9, 1e9, &v, LC_ENVF_CODE, env))
		env->code = (int)v;
}

/* One pass over the object's members: a frame has few, and lookups by name would rescan. */
static lc_status
envelope_fill(const cJSON *obj, lc_buf *text, lc_envelope *env)
{
	lc_status rc = LC_OK;

	memset(env, 0, sizeof(*env));
	for (const cJSON *c = obj->child; c != NULL && rc == LC_OK; c = c->next) {
		const char *k = c->string;

		if (k == NULL)
			continue;
		if (strcmp(k, "type") == 0) {
			if (field_str(c, &env->type_name, LC_ENVF_TYPE, env))
				env->type = type_parse(c->valuestring);
		} else if (strcmp(k, "conversationId") == 0) {
			field_str(c, &env->conversation_id, LC_ENVF_CONVERSATION, env);
		} else if (strcmp(k, "messageId") == 0) {
			field_str(c, &env->message_id, LC_ENVF_MESSAGE_ID, env);
		} else if (strcmp(k, "from") == 0) {
			field_from(c, env);
		} else if (strcmp(k, "text") == 0) {
			rc = field_text(c, text, env);
		} else if (strcmp(k, "timestamp") == 0) {
			field_timestamp(c, env);
		} else if (strcmp(k, "status") == 0) {
			field_str(c, &env->status, LC_ENVF_STATUS, env);
		} else if (strcmp(k, "skill") == 0) {
			field_str(c, &env->skill, LC_ENVF_SKILL, env);
		} else if (strcmp(k, "queue") == 0) {
			field_str(c, &env->queue, LC_ENVF_QUEUE, env);
		} else if (strcmp(k, "code") == 0) {
			field_code(c, env);
		} else if (strcmp(k, "retryAfter") == 0) {
			field_num(c, 0, 1e9, &env->retry_after_s, LC_ENVF_RETRY_AFTER, env);
		}
	}
	return rc;
}

/* The JSON value filling all of data..data+len, or NULL: cJSON alone accepts trailing bytes. */
static cJSON *
parse_whole(const void *data, size_t len)
{
	const char *end = NULL, *stop = (const char *)data + len;
	cJSON *j = cJSON_ParseWithLengthOpts(data, len, &end, 0);

	while (j != NULL && end < stop && (*end == ' ' || *end == '\t' || *end == '\r' ||
	    *end == '\n'))
		end++;
	if (j != NULL && end != stop) {
		cJSON_Delete(j);
		j = NULL;
	}
	return j;
}

/* ---- the stream parser ------------------------------------------------------------------ */

lc_status
lc_json_parser_new(lc_json_parser **out, lc_err *err)
{
	lc_json_parser *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (p == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory making a JSON parser");
	lc_buf_init(&p->text, LC_ENV_TEXT_MAX);
	*out = p;
	return LC_OK;
}

void
lc_json_parser_free(lc_json_parser *p)
{
	if (p == NULL)
		return;
	cJSON_Delete(p->root);
	lc_buf_free(&p->text);
	free(p);
}

lc_status
lc_json_envelope_parse(lc_json_parser *p, const void *data, size_t len, lc_envelope *env)
{
	memset(env, 0, sizeof(*env));
	cJSON_Delete(p->root);
	p->root = NULL;
	if (len > LC_FRAME_MAX)
		return LC_ETOOBIG;
	if (data == NULL || len == 0)
		return LC_EPARSE;
	p->root = parse_whole(data, len);
	if (p->root == NULL || !cJSON_IsObject(p->root))
		return LC_EPARSE;
	return envelope_fill(p->root, &p->text, env);
}

/* ---- builders ------------------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if it is not one. */
static size_t
utf8_valid(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	size_t len;
	uint32_t cp;

	if (c < 0xc2 || c > 0xf4)
		return 0;
	len = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (n < len)
		return 0;
	cp = c & (0x3f >> (len - 1));
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp < 0xe000))
		return 0;
	return len;
}

static lc_status
escape_into(lc_buf *out, const uint8_t *s, size_t n)
{
	lc_status rc = lc_buf_append(out, "\"", 1);
	size_t i = 0;

	while (i < n && rc == LC_OK) {
		size_t j = i, k;
		char esc[8];

		while (j < n && s[j] >= 0x20 && s[j] < 0x80 && s[j] != '"' && s[j] != '\\')
			j++;
		rc = lc_buf_append(out, s + i, j - i);
		if (rc != LC_OK || j == n) {
			i = j;
			break;
		}
		if (s[j] >= 0x80) {
			k = utf8_valid(s + j, n - j);
			rc = k ? lc_buf_append(out, s + j, k) : lc_buf_append(out, "\\ufffd", 6);
			i = j + (k ? k : 1);
			continue;
		}
		switch (s[j]) {
		case '"':  rc = lc_buf_append(out, "\\\"", 2); break;
		case '\\': rc = lc_buf_append(out, "\\\\", 2); break;
		case '\n': rc = lc_buf_append(out, "\\n", 2); break;
		case '\r': rc = lc_buf_append(out, "\\r", 2); break;
		case '\t': rc = lc_buf_append(out, "\\t", 2); break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", s[j]);
			rc = lc_buf_append(out, esc, 6);
		}
		i = j + 1;
	}
	if (rc == LC_OK)
		rc = lc_buf_append(out, "\"", 1);
	return rc;
}

/* Undo a partial append so a failed build leaves out as it was. */
static lc_status
build_end(lc_buf *out, size_t old_len, lc_status rc)
{
	if (rc != LC_OK && out->ptr != NULL) {
		out->len = old_len;
		out->ptr[old_len] = 0;
	}
	return rc;
}

lc_status
lc_json_append_string(lc_buf *out, lc_bytes s)
{
	size_t old = out->len;

	return build_end(out, old, escape_into(out, s.ptr, s.len));
}

lc_status
lc_json_build_message(lc_buf *out, lc_bytes conversation_id, lc_bytes message_id, lc_bytes text,
    int64_t timestamp_ms)
{
	size_t old = out->len;
	lc_status rc = lc_buf_append_str(out, "{\"type\":\"message\",\"conversationId\":");

	if (rc == LC_OK)
		rc = escape_into(out, conversation_id.ptr, conversation_id.len);
	if (rc == LC_OK)
		rc = lc_buf_append_str(out, ",\"messageId\":");
	if (rc == LC_OK)
		rc = escape_into(out, message_id.ptr, message_id.len);
	if (rc == LC_OK)
		rc = lc_buf_append_str(out, ",\"text\":");
	if (rc == LC_OK)
		rc = escape_into(out, text.ptr, text.len);
	if (rc == LC_OK)
		rc = lc_buf_printf(out, ",\"timestamp\":%lld}", (long long)timestamp_ms);
	return build_end(out, old, rc);
}

lc_status
lc_json_build_typing(lc_buf *out, lc_bytes conversation_id, int64_t timestamp_ms)
{
	size_t old = out->len;
	lc_status rc = lc_buf_append_str(out, "{\"type\":\"typing\",\"conversationId\":");

	if (rc == LC_OK)
		rc = escape_into(out, conversation_id.ptr, conversation_id.len);
	if (rc == LC_OK)
		rc = lc_buf_printf(out, ",\"timestamp\":%lld}", (long long)timestamp_ms);
	return build_end(out, old, rc);
}

/* ---- REST bodies ------------------------------------------------------------------------------ */

lc_status
lc_json_doc_parse(const void *data, size_t len, lc_json_doc **out, lc_err *err)
{
	lc_json_doc *d;

	*out = NULL;
	if (len > LC_JSON_DOC_MAX)
		return lc_err_set(err, LC_ETOOBIG, "JSON body of %zu bytes is over the %zu-byte limit",
		    len, LC_JSON_DOC_MAX);
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory reading a JSON body");
	lc_buf_init(&d->text, LC_ENV_TEXT_MAX);
	d->root = data != NULL && len > 0 ? parse_whole(data, len) : NULL;
	if (d->root == NULL) {
		lc_json_doc_free(d);
		return lc_err_set(err, LC_EPARSE, "response body is not valid JSON (%zu bytes)", len);
	}
	*out = d;
	return LC_OK;
}

/* Wipe string values before freeing: a token response holds a live secret. */
static void
wipe_strings(cJSON *c)
{
	for (; c != NULL; c = c->next) {
		if (cJSON_IsString(c) && c->valuestring != NULL)
			explicit_bzero(c->valuestring, strlen(c->valuestring));
		wipe_strings(c->child);
	}
}

void
lc_json_doc_free(lc_json_doc *d)
{
	if (d == NULL)
		return;
	wipe_strings(d->root);
	cJSON_Delete(d->root);
	lc_buf_free(&d->text);
	free(d);
}

/* The item at a dotted key path, or NULL. */
static const cJSON *
doc_find(const lc_json_doc *d, const char *key)
{
	char seg[KEY_PATH_MAX];
	const cJSON *c = d->root;

	while (c != NULL && *key) {
		const char *dot = strchr(key, '.');
		size_t n = dot ? (size_t)(dot - key) : strlen(key);

		if (n >= sizeof(seg) || !cJSON_IsObject(c))
			return NULL;
		memcpy(seg, key, n);
		seg[n] = 0;
		c = cJSON_GetObjectItemCaseSensitive(c, seg);
		key += n + (dot != NULL);
	}
	return c;
}

lc_status
lc_json_doc_string(const lc_json_doc *d, const char *key, lc_bytes *out)
{
	const cJSON *c = doc_find(d, key);

	*out = LC_BYTES_NULL;
	if (c == NULL || cJSON_IsNull(c))
		return LC_ENOTFOUND;
	if (!cJSON_IsString(c) || c->valuestring == NULL)
		return LC_EPARSE;
	*out = lc_bytes_str(c->valuestring);
	return LC_OK;
}

lc_status
lc_json_doc_number(const lc_json_doc *d, const char *key, double *out)
{
	const cJSON *c = doc_find(d, key);

	*out = 0;
	if (c == NULL || cJSON_IsNull(c))
		return LC_ENOTFOUND;
	if (!cJSON_IsNumber(c) || !isfinite(c->valuedouble))
		return LC_EPARSE;
	*out = c->valuedouble;
	return LC_OK;
}

lc_status
lc_json_doc_next(lc_json_doc *d, const char *key, lc_envelope *env, size_t *skipped)
{
	lc_status rc;

	memset(env, 0, sizeof(*env));
	if (!d->iterating || strcmp(d->cursor_key, key) != 0) {
		const cJSON *arr = doc_find(d, key);

		if (!cJSON_IsArray(arr) || strlen(key) >= sizeof(d->cursor_key))
			return LC_ENOTFOUND;
		snprintf(d->cursor_key, sizeof(d->cursor_key), "%s", key);
		d->cursor = arr->child;
		d->iterating = true;
	}
	while (d->cursor != NULL && !cJSON_IsObject(d->cursor)) {
		if (skipped != NULL)
			(*skipped)++;
		d->cursor = d->cursor->next;
	}
	if (d->cursor == NULL)
		return LC_DONE;
	rc = envelope_fill(d->cursor, &d->text, env);
	if (rc == LC_OK && !(env->present & LC_ENVF_TYPE))
		env->type = LC_ENV_MESSAGE;
	d->cursor = d->cursor->next;
	return rc;
}
