/* SPDX-License-Identifier: MIT */
/* rpl_transcript: QA playback lines, coloured by sentiment and badged by escalation trigger. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rpl_transcript.h"

#define C_RESET "\033[0m"
#define C_DIM   "\033[2m"
#define C_RED   "\033[31m"
#define C_GREEN "\033[32m"
#define C_BADGE "\033[1;97;41m"
#define C_NOTE  "\033[33m"

struct rpl_transcript {
	bool colour;
	bool saw_sent;                 /* a frame_out message was shown: skip agent echoes */
	const an_engine *e;            /* borrowed: scores what no finding scored */
};

lc_status
rpl_transcript_new(bool colour, const an_engine *e, rpl_transcript **out, lc_err *err)
{
	rpl_transcript *tr = calloc(1, sizeof *tr);

	*out = NULL;
	if (tr == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory for a transcript");
	tr->colour = colour;
	tr->e = e;
	*out = tr;
	return LC_OK;
}

void
rpl_transcript_free(rpl_transcript *tr)
{
	free(tr);
}

static lc_status
put(lc_buf *out, bool on, const char *code)
{
	return on ? lc_buf_append_str(out, code) : LC_OK;
}

/* Text with control characters (ESC, CR, ...) replaced, so a message cannot drive the terminal. */
static lc_status
put_safe(lc_buf *out, lc_bytes s)
{
	size_t mark = out->len;
	lc_status rc = lc_buf_append(out, s.ptr, s.len);

	for (size_t i = mark; rc == LC_OK && i < out->len; i++)
		if (out->ptr[i] < 0x20 || out->ptr[i] == 0x7f)
			out->ptr[i] = '?';
	return rc;
}

static lc_status
put_time(lc_buf *out, bool colour, int64_t wall_ns)
{
	time_t s = (time_t)(wall_ns / 1000000000LL);
	struct tm tm;
	lc_status rc;

	if (gmtime_r(&s, &tm) == NULL)
		memset(&tm, 0, sizeof tm);
	rc = put(out, colour, C_DIM);
	if (rc == LC_OK)
		rc = lc_buf_printf(out, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
		    (int)(wall_ns % 1000000000LL / 1000000));
	if (rc == LC_OK)
		rc = put(out, colour, C_RESET);
	return rc;
}

/* The badges of a customer's message: the engine's matches (all of them, past its cap too). */
static lc_status
put_badges(rpl_transcript *tr, const an_prep *prep, lc_buf *out)
{
	an_match all[AN_TRIGGERS_MAX];
	const an_match *m = prep->matches;
	size_t n = prep->n_matches;
	lc_status rc = LC_OK;

	if (n == AN_PREP_MATCHES) {
		n = an_engine_scan(tr->e, prep->env.text, all, AN_TRIGGERS_MAX);
		n = n < AN_TRIGGERS_MAX ? n : AN_TRIGGERS_MAX;
		m = all;
	}
	for (size_t i = 0; rc == LC_OK && i < n; i++) {
		char up[64];
		size_t k;

		for (k = 0; m[i].trigger[k] && k < sizeof up - 1; k++)
			up[k] = (char)(m[i].trigger[k] >= 'a' && m[i].trigger[k] <= 'z' ?
			    m[i].trigger[k] - 32 : m[i].trigger[k]);
		up[k] = 0;
		rc = tr->colour ? lc_buf_printf(out, " " C_BADGE " %s " C_RESET, up) :
		    lc_buf_printf(out, " [%s]", up);
	}
	return rc;
}

/* The sender column: from.type as written (control characters replaced), else by direction. */
static void
sender_name(const cx_event *ev, const lc_envelope *env, char *out, size_t cap)
{
	size_t n = 0;

	if (env->from_type.len == 0) {
		snprintf(out, cap, "%s", ev->kind == CX_FRAME_OUT ? "agent" : "?");
		return;
	}
	for (; n < env->from_type.len && n < cap - 1; n++)
		out[n] = env->from_type.ptr[n] < 0x20 || env->from_type.ptr[n] == 0x7f ? '?' :
		    (char)env->from_type.ptr[n];
	out[n] = 0;
}

static lc_status
put_message(rpl_transcript *tr, const cx_event *ev, const an_prep *prep, lc_buf *out)
{
	const lc_envelope *env = &prep->env;
	an_sentiment s;
	const char *tone;
	char who[16];
	lc_status rc;

	/* The engine's score when it scored the message (the findings carry it), else the same scoring. */
	if (prep->has_sentiment)
		s = prep->sentiment;
	else
		an_engine_score(tr->e, env->text, &s);
	tone = s.label == AN_POSITIVE ? C_GREEN : s.label == AN_NEGATIVE ? C_RED : NULL;
	sender_name(ev, env, who, sizeof who);
	rc = put_time(out, tr->colour, ev->wall_ns);
	if (rc == LC_OK)
		rc = lc_buf_append_str(out, "  ");
	if (rc == LC_OK)
		rc = put_safe(out, env->conversation_id.len ? env->conversation_id : ev->conversation);
	if (rc == LC_OK)
		rc = lc_buf_printf(out, "  %-8s ", who);
	if (rc == LC_OK)
		rc = put(out, tr->colour && tone != NULL, tone);
	if (rc == LC_OK)
		rc = put_safe(out, env->text);
	if (rc == LC_OK)
		rc = put(out, tr->colour && tone != NULL, C_RESET);
	if (rc == LC_OK)
		rc = lc_buf_printf(out, "  (%s %+.2f)", an_label_name(s.label), s.compound);
	if (rc == LC_OK && env->from == LC_FROM_CUSTOMER)
		rc = put_badges(tr, prep, out);
	if (rc == LC_OK)
		rc = lc_buf_append(out, "\n", 1);
	return rc;
}

static lc_status
put_system(rpl_transcript *tr, const cx_event *ev, const lc_envelope *env, lc_buf *out)
{
	lc_status rc = put_time(out, tr->colour, ev->wall_ns);

	if (rc == LC_OK)
		rc = lc_buf_append_str(out, "  ");
	if (rc == LC_OK)
		rc = put_safe(out, env->conversation_id);
	if (rc == LC_OK)
		rc = put(out, tr->colour, C_DIM);
	if (rc == LC_OK && env->type == LC_ENV_ROUTING) {
		rc = lc_buf_append_str(out, "  -- routed to this agent, skill ");
		if (rc == LC_OK)
			rc = put_safe(out, env->skill.len ? env->skill : lc_bytes_str("(none)"));
	} else if (rc == LC_OK) {
		rc = lc_buf_append_str(out, "  -- status ");
		if (rc == LC_OK)
			rc = put_safe(out, env->status);
	}
	if (rc == LC_OK)
		rc = put(out, tr->colour, C_RESET);
	if (rc == LC_OK)
		rc = lc_buf_append(out, "\n", 1);
	return rc;
}

lc_status
rpl_transcript_event(rpl_transcript *tr, const cx_event *ev, const an_prep *prep, lc_buf *out)
{
	const lc_envelope *env = &prep->env;

	if ((ev->kind != CX_FRAME_IN && ev->kind != CX_FRAME_OUT) || (ev->flags & CX_F_BINARY))
		return LC_OK;
	if (prep->parse_rc != LC_OK)
		return LC_OK;   /* a malformed frame is a finding, not a transcript line */
	switch (env->type) {
	case LC_ENV_MESSAGE:
		if (ev->kind == CX_FRAME_OUT)
			tr->saw_sent = true;
		else if (env->from == LC_FROM_AGENT && tr->saw_sent)
			return LC_OK;     /* the echo of what the agent sent */
		return put_message(tr, ev, prep, out);
	case LC_ENV_ROUTING:
	case LC_ENV_STATUS:
		return put_system(tr, ev, env, out);
	default:
		return LC_OK;
	}
}

lc_status
rpl_transcript_finding(rpl_transcript *tr, const an_finding *f, lc_buf *out)
{
	lc_status rc;

	if (f->kind == AN_F_SENTIMENT || f->kind == AN_F_ESCALATION)
		return LC_OK;     /* shown on the message line already */
	rc = lc_buf_append_str(out, "             ");
	if (rc == LC_OK)
		rc = put(out, tr->colour, C_NOTE);
	if (rc == LC_OK)
		rc = lc_buf_printf(out, "! %s", an_finding_kind_name(f->kind));
	if (rc == LC_OK && f->value_ms)
		rc = lc_buf_printf(out, " %lld ms", (long long)f->value_ms);
	if (rc == LC_OK && f->limit_ms)
		rc = lc_buf_printf(out, " (limit %lld ms)", (long long)f->limit_ms);
	if (rc == LC_OK && f->status)
		rc = lc_buf_printf(out, " status %d", f->status);
	if (rc == LC_OK && f->endpoint.len) {
		rc = lc_buf_append_str(out, " ");
		if (rc == LC_OK)
			rc = put_safe(out, f->endpoint);
	}
	if (rc == LC_OK && f->reason.len) {
		rc = lc_buf_append_str(out, ": ");
		if (rc == LC_OK)
			rc = put_safe(out, f->reason);
	}
	if (rc == LC_OK)
		rc = put(out, tr->colour, C_RESET);
	if (rc == LC_OK)
		rc = lc_buf_append(out, "\n", 1);
	return rc;
}
