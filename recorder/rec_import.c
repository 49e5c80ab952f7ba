/* SPDX-License-Identifier: MIT */
/* rec_import: bring archived chats into a tape; the tape redacts them like live capture. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lc_evjson.h"
#include "lc_json.h"
#include "lc_jsonw.h"
#include "rec_capture.h"
#include "rec_import.h"

#define REC_IMPORT_FLUSH_EVERY 4096u   /* keep the tape's queue far from full during a bulk import */

/* Append one event; every few thousand, wait for the writer so the queue never overflows. */
static lc_status
import_put(lc_tape *t, const cx_event *ev, uint64_t *n, lc_err *err)
{
	lc_status rc = lc_tape_append(t, ev, NULL, err);

	if (rc != LC_OK)
		return rc;
	if (n && ++*n % REC_IMPORT_FLUSH_EVERY == 0)
		rc = lc_tape_flush(t, err);
	return rc;
}

static lc_status
envelope_rebuild(const lc_envelope *m, lc_bytes conv, lc_buf *b)
{
	lc_jsonw w;

	lc_jsonw_init(&w, b);
	lc_jsonw_raw(&w, "{\"type\":\"message\",\"conversationId\":");
	lc_jsonw_str(&w, conv);
	if (m->message_id.len) {
		lc_jsonw_raw(&w, ",\"messageId\":");
		lc_jsonw_str(&w, m->message_id);
	}
	if (m->from_type.len || m->from_id.len) {
		lc_jsonw_raw(&w, ",\"from\":{\"type\":");
		lc_jsonw_str(&w, m->from_type);
		lc_jsonw_raw(&w, ",\"id\":");
		lc_jsonw_str(&w, m->from_id);
		lc_jsonw_raw(&w, "}");
	}
	lc_jsonw_raw(&w, ",\"text\":");
	lc_jsonw_str(&w, m->text);
	lc_jsonw_raw(&w, ",\"timestamp\":");
	lc_jsonw_i64(&w, m->timestamp_ms);
	lc_jsonw_raw(&w, "}");
	return lc_jsonw_end(&w);
}

lc_status
rec_import_transcript(lc_tape *t, lc_bytes body, const char *origin, uint64_t *n, lc_err *err)
{
	char convbuf[LC_TAPE_KEY_MAX + 1];
	lc_json_doc *d = NULL;
	lc_envelope m;
	lc_bytes conv;
	lc_buf b;
	lc_status rc;

	lc_buf_init(&b, LC_FRAME_MAX);
	if ((rc = lc_json_doc_parse(body.ptr, body.len, &d, err)) != LC_OK)
		goto out;
	if (lc_json_doc_string(d, "conversationId", &conv) != LC_OK || conv.len == 0 ||
	    conv.len >= sizeof(convbuf)) {
		rc = lc_err_set(err, LC_EPARSE, "%s: a transcript needs a \"conversationId\" string "
		    "(PROTOCOL.md section 4)", origin);
		goto out;
	}
	memcpy(convbuf, conv.ptr, conv.len);   /* the doc's strings move as it is iterated? keep a copy */
	convbuf[conv.len] = 0;
	conv = lc_bytes_make(convbuf, conv.len);
	while ((rc = lc_json_doc_next(d, "messages", &m, NULL)) == LC_OK) {
		cx_event ev;
		lc_buf_reset(&b);
		if ((rc = envelope_rebuild(&m, conv, &b)) != LC_OK) {
			rc = lc_err_set(err, rc, "%s: a message is too large to import", origin);
			goto out;
		}
		memset(&ev, 0, sizeof(ev));
		ev.kind = CX_FRAME_IN;
		ev.flags = CX_F_IMPORTED;
		ev.wall_ns = ev.mono_ns = m.timestamp_ms * 1000000;
		ev.conversation = conv;
		ev.raw = lc_buf_bytes(&b);
		if ((rc = import_put(t, &ev, n, err)) != LC_OK)
			goto out;
	}
	if (rc == LC_DONE)
		rc = LC_OK;
	else if (rc == LC_ENOTFOUND)
		rc = lc_err_set(err, LC_EPARSE, "%s: a transcript needs a \"messages\" array", origin);
out:
	lc_json_doc_free(d);
	lc_buf_free(&b);
	return rc;
}

lc_status
rec_import_evjson(lc_tape *t, lc_bytes text, const char *origin, uint64_t *n, lc_err *err)
{
	lc_evjson_parser *p = NULL;
	const uint8_t *s = text.ptr, *end = text.ptr + text.len;
	lc_status rc;
	unsigned long line = 0;

	if ((rc = lc_evjson_parser_new(&p, err)) != LC_OK)
		return rc;
	while (s < end) {
		const uint8_t *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
		lc_err e2 = LC_ERR_INIT;
		cx_event ev;

		line++;
		if (len > 0 && !(len == 1 && s[0] == '\r')) {
			if ((rc = lc_evjson_parse(p, s, len, &ev, &e2)) != LC_OK) {
				rc = lc_err_set(err, rc, "%s:%lu: %s", origin, line, lc_err_text(&e2));
				break;
			}
			ev.flags |= CX_F_IMPORTED;
			ev.session = LC_BYTES_NULL;   /* into the import's own session */
			if ((rc = import_put(t, &ev, n, err)) != LC_OK)
				break;
		}
		s += len + (nl ? 1 : 0);
	}
	lc_evjson_parser_free(p);
	return rc;
}

static lc_status
read_file(const char *path, lc_buf *b, lc_err *err)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t r;
	lc_status rc = LC_OK;

	if (f == NULL)
		return lc_err_set(err, LC_EPARSE, "cannot read %s: %s", path, strerror(errno));
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0 && rc == LC_OK)
		if (lc_buf_append(b, chunk, r) != LC_OK)
			rc = lc_err_set(err, LC_ETOOBIG, "%s is over %zu bytes; split it", path, b->max);
	if (rc == LC_OK && ferror(f))
		rc = lc_err_set(err, LC_EPARSE, "cannot read %s: %s", path, strerror(errno));
	fclose(f);
	return rc;
}

static bool
looks_like_transcript(lc_bytes text)
{
	lc_json_doc *d = NULL;
	lc_bytes conv;
	bool yes;
	size_t i = 0;

	while (i < text.len && (text.ptr[i] == ' ' || text.ptr[i] == '\n' || text.ptr[i] == '\r' ||
	                        text.ptr[i] == '\t'))
		i++;
	if (i == text.len || text.ptr[i] != '{')
		return false;
	if (lc_json_doc_parse(text.ptr, text.len, &d, NULL) != LC_OK)
		return false;   /* several objects, one per line: JSON lines */
	yes = lc_json_doc_string(d, "conversationId", &conv) == LC_OK;
	lc_json_doc_free(d);
	return yes;
}

lc_status
rec_import_file(lc_tape *t, const char *path, uint64_t *n, lc_err *err)
{
	lc_buf b;
	lc_status rc;

	lc_buf_init(&b, REC_IMPORT_FILE_MAX);
	rc = read_file(path, &b, err);
	if (rc == LC_OK) {
		cx_event ev;
		memset(&ev, 0, sizeof(ev));
		ev.kind = CX_ANNOTATION;
		ev.flags = CX_F_IMPORTED;
		ev.reason = lc_bytes_str("import");
		ev.raw = lc_bytes_str(path);
		ev.wall_ns = rec_now_wall_ns();
		ev.mono_ns = rec_now_mono_ns();
		rc = lc_tape_append(t, &ev, NULL, err);
	}
	if (rc == LC_OK)
		rc = looks_like_transcript(lc_buf_bytes(&b)) ? rec_import_transcript(t, lc_buf_bytes(&b), path, n, err)
		                                             : rec_import_evjson(t, lc_buf_bytes(&b), path, n, err);
	lc_buf_free(&b);
	return rc;
}
