/* SPDX-License-Identifier: MIT */
/* an_engine: feed events in tape order; SLA, response times, rate limits, connection health. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "an_engine_int.h"

/* ---------------------------------------------------------------- time */

int64_t
an_tp_diff_ms(an_tp a, an_tp b)
{
	int64_t d;

	if (a.sess != 0 && a.sess == b.sess && a.mono != 0 && b.mono != 0)
		d = b.mono - a.mono;
	else
		d = b.wall - a.wall;
	return d > 0 ? d / 1000000 : 0;
}

static int64_t
tp_diff_us(an_tp a, an_tp b)
{
	int64_t d;

	if (a.sess != 0 && a.sess == b.sess && a.mono != 0 && b.mono != 0)
		d = b.mono - a.mono;
	else
		d = b.wall - a.wall;
	return d > 0 ? d / 1000 : 0;
}

/* ---------------------------------------------------------------- small helpers */

#define AN_MS_MAX 1e12          /* ~31 years: any duration from a frame is clamped to this */

/* A duration in ms from untrusted text or JSON: NaN and negatives are 0, huge values clamped. */
static int64_t
ms_clamp(double ms)
{
	if (!(ms > 0))
		return 0;
	if (ms > AN_MS_MAX)
		ms = AN_MS_MAX;
	return (int64_t)llround(ms);
}

static void
metric_init(an_metric *m, uint32_t threshold_ms)
{
	lc_hist_init(&m->hist);
	m->within = m->breaches = 0;
	m->threshold_ms = threshold_ms;
}

/* Record a duration; returns true when it breaches the threshold. */
static bool
metric_add(an_metric *m, int64_t us, lc_status *rc)
{
	bool breach = us > (int64_t)m->threshold_ms * 1000;

	if (lc_hist_add(&m->hist, (uint64_t)us) != LC_OK)
		*rc = LC_ENOMEM;
	if (breach)
		m->breaches++;
	else
		m->within++;
	return breach;
}

static void
copy_id(char *dst, size_t cap, lc_bytes b)
{
	size_t n = b.len < cap - 1 ? b.len : cap - 1;

	if (n)
		memcpy(dst, b.ptr, n);
	dst[n] = '\0';
}

static void
emit(an_engine *e, an_finding *f)
{
	if (e->cb != NULL)
		e->cb(f, e->ud);
	for (uint32_t i = 0; i < e->n_sinks; i++)
		if (e->sinks[i].finding != NULL)
			e->sinks[i].finding(f, e->sinks[i].ud);
}

static void
finding_init(an_finding *f, an_finding_kind kind, const cx_event *ev)
{
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	if (ev != NULL) {
		f->seq = ev->seq;
		f->wall_ns = ev->wall_ns;
		f->session = ev->session;
		f->conversation = ev->conversation;
	}
}

static lc_bytes
conv_bytes(const an_conv *c)
{
	return c ? lc_bytes_str(c->id) : LC_BYTES_NULL;
}

/* ---------------------------------------------------------------- config */

void
an_config_default(an_config *c)
{
	c->mode = AN_MODE_CHAT;
	c->latency_sla_ms = 2000;
	c->first_response_sla_ms = 60000;
	c->response_sla_ms = 60000;
	c->bucket_rate = 10.0;
	c->bucket_burst = 20.0;
	c->sentiment_findings = true;
	c->max_conversations = 100000;
	c->max_pending = 65536;
	c->trend_points = 200;
}

static lc_status
parse_u32(const char *key, const char *v, uint32_t lo, uint32_t hi, uint32_t *out, lc_err *err)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (*v == '\0' || *end != '\0' || n < lo || n > hi)
		return lc_err_set(err, LC_ECONFIG, "%s = '%s': expected a whole number from %u to %u",
		    key, v, lo, hi);
	*out = (uint32_t)n;
	return LC_OK;
}

static lc_status
parse_pos_double(const char *key, const char *v, double *out, lc_err *err)
{
	char *end;
	double d = strtod(v, &end);

	if (*v == '\0' || *end != '\0' || !(d > 0) || d > 1e9)
		return lc_err_set(err, LC_ECONFIG, "%s = '%s': expected a positive number", key, v);
	*out = d;
	return LC_OK;
}

lc_status
an_config_set(an_config *c, const char *key, const char *v, lc_err *err)
{
	if (strcmp(key, "sentiment_mode") == 0) {
		if (strcmp(v, "chat") == 0)
			c->mode = AN_MODE_CHAT;
		else if (strcmp(v, "vader") == 0)
			c->mode = AN_MODE_VADER;
		else
			return lc_err_set(err, LC_ECONFIG, "sentiment_mode = '%s': expected chat or vader", v);
		return LC_OK;
	}
	if (strcmp(key, "latency_sla_ms") == 0)
		return parse_u32(key, v, 1, 86400000, &c->latency_sla_ms, err);
	if (strcmp(key, "first_response_sla_ms") == 0)
		return parse_u32(key, v, 1, 86400000, &c->first_response_sla_ms, err);
	if (strcmp(key, "response_sla_ms") == 0)
		return parse_u32(key, v, 1, 86400000, &c->response_sla_ms, err);
	if (strcmp(key, "bucket_rate") == 0)
		return parse_pos_double(key, v, &c->bucket_rate, err);
	if (strcmp(key, "bucket_burst") == 0)
		return parse_pos_double(key, v, &c->bucket_burst, err);
	if (strcmp(key, "max_conversations") == 0)
		return parse_u32(key, v, 1, 100000000, &c->max_conversations, err);
	if (strcmp(key, "max_pending") == 0)
		return parse_u32(key, v, 1, 100000000, &c->max_pending, err);
	if (strcmp(key, "trend_points") == 0)
		return parse_u32(key, v, 2, 100000, &c->trend_points, err);
	if (strcmp(key, "sentiment_findings") == 0) {
		if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
			c->sentiment_findings = true;
		else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
			c->sentiment_findings = false;
		else
			return lc_err_set(err, LC_ECONFIG, "sentiment_findings = '%s': expected true or false", v);
		return LC_OK;
	}
	return lc_err_set(err, LC_ECONFIG, "unknown analyzer setting '%s' (see docs/analyzer.md)", key);
}

static lc_status
apply_one(void *ud, const char *key, const char *value, const char *origin, lc_err *err)
{
	lc_err sub = LC_ERR_INIT;
	lc_status rc = an_config_set(ud, key, value, &sub);

	return rc == LC_OK ? LC_OK : lc_err_set(err, rc, "%s: %s", origin, lc_err_text(&sub));
}

lc_status
an_config_apply(an_config *c, const lc_config *cfg, lc_err *err)
{
	return lc_config_each(cfg, lc_config_analyzer_keys(), apply_one, c, err);
}

lc_status
an_config_load(an_config *c, const char *path, lc_err *err)
{
	lc_config *cfg = NULL;
	lc_err sub = LC_ERR_INIT;
	lc_status rc = lc_config_new(&cfg, &sub);

	if (rc == LC_OK)
		rc = lc_config_load_file(cfg, path, &sub);
	if (rc == LC_OK)
		rc = lc_config_check(cfg, &sub);
	if (rc == LC_OK)
		rc = an_config_apply(c, cfg, &sub);
	lc_config_free(cfg);
	if (rc == LC_OK || rc == LC_ENOMEM)
		return rc == LC_OK ? LC_OK : lc_err_set(err, rc, "%s", lc_err_text(&sub));
	return lc_err_set(err, LC_ECONFIG, "%s", lc_err_text(&sub));
}

/* ---------------------------------------------------------------- lifecycle */

lc_status
an_engine_new(const an_config *cfg, const an_lexicon *lx, const an_rules *rules,
    an_finding_cb cb, void *ud, an_engine **out, lc_err *err)
{
	an_engine *e = calloc(1, sizeof(*e));
	lc_status rc = LC_ENOMEM;

	if (e == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory creating the analyzer");
	e->cfg = *cfg;
	e->cb = cb;
	e->ud = ud;
	e->lx = lx;
	e->rules = rules;
	if (lx == NULL && (rc = an_lexicon_load_default(&e->own_lx, err)) != LC_OK)
		goto fail;
	if (rules == NULL && (rc = an_rules_load_default(&e->own_rules, err)) != LC_OK)
		goto fail;
	if (lx == NULL)
		e->lx = e->own_lx;
	if (rules == NULL)
		e->rules = e->own_rules;
	rc = LC_ENOMEM;
	if (lc_json_parser_new(&e->parser, err) != LC_OK ||
	    lc_map_new(AN_MAX_SESSIONS, &e->sessions) != LC_OK ||
	    lc_map_new(AN_MAX_SESSIONS, &e->session_agent) != LC_OK ||
	    lc_map_new(cfg->max_conversations, &e->conv_map) != LC_OK ||
	    lc_map_new(AN_MAX_AGENTS, &e->agent_map) != LC_OK ||
	    lc_map_new(cfg->max_pending, &e->pending) != LC_OK ||
	    lc_map_new(AN_MAX_EXCHANGES, &e->exchanges) != LC_OK)
		goto fail;
	e->agents = calloc(16, sizeof(*e->agents));
	if (e->agents == NULL)
		goto fail;
	e->c_agents = 16;
	e->n_agents = 1;
	snprintf(e->agents[0].id, sizeof(e->agents[0].id), "unknown");
	metric_init(&e->agents[0].latency, cfg->latency_sla_ms);
	metric_init(&e->agents[0].first_response, cfg->first_response_sla_ms);
	metric_init(&e->agents[0].response, cfg->response_sla_ms);
	metric_init(&e->latency, cfg->latency_sla_ms);
	metric_init(&e->first_response, cfg->first_response_sla_ms);
	metric_init(&e->response, cfg->response_sla_ms);
	lc_hist_init(&e->reconnect_hist);
	e->lat_stride = 1;
	snprintf(e->stream_rl.name, sizeof(e->stream_rl.name), "stream");
	snprintf(e->handshake.name, sizeof(e->handshake.name), "handshake");
	lc_buf_init(&e->scratch, LC_FRAME_MAX);
	*out = e;
	return LC_OK;
fail:
	an_engine_free(e);
	return lc_err_set(err, rc, "out of memory creating the analyzer");
}

static void
free_map_values(lc_map *m)
{
	size_t it = 0;
	void *v;

	if (m == NULL)
		return;
	while (lc_map_next(m, &it, NULL, NULL, &v))
		free(v);
	lc_map_free(m);
}

void
an_engine_free(an_engine *e)
{
	if (e == NULL)
		return;
	for (uint32_t i = 0; i < e->n_convs; i++) {
		free(e->convs[i]->trend);
		free(e->convs[i]);
	}
	free(e->convs);
	for (uint32_t i = 0; i < e->n_agents; i++) {
		lc_hist_free(&e->agents[i].latency.hist);
		lc_hist_free(&e->agents[i].first_response.hist);
		lc_hist_free(&e->agents[i].response.hist);
	}
	free(e->agents);
	lc_hist_free(&e->latency.hist);
	lc_hist_free(&e->first_response.hist);
	lc_hist_free(&e->response.hist);
	lc_hist_free(&e->reconnect_hist);
	lc_map_free(e->sessions);
	lc_map_free(e->session_agent);
	lc_map_free(e->conv_map);
	lc_map_free(e->agent_map);
	free_map_values(e->pending);
	free_map_values(e->exchanges);
	lc_json_parser_free(e->parser);
	an_lexicon_free(e->own_lx);
	an_rules_free(e->own_rules);
	lc_buf_free(&e->scratch);
	free(e);
}

/* ---------------------------------------------------------------- lookups */

static uint32_t
session_index(an_engine *e, lc_bytes id)
{
	void *v;

	if (id.len == 0)
		return 0;
	v = lc_map_get(e->sessions, id.ptr, id.len);
	if (v != NULL)
		return (uint32_t)(uintptr_t)v;
	if (lc_map_put(e->sessions, id.ptr, id.len, (void *)(uintptr_t)(e->n_sessions + 1)) != LC_OK) {
		e->caps_hit++;
		return 0;
	}
	return ++e->n_sessions;
}

static uint32_t
agent_index(an_engine *e, lc_bytes id, lc_status *rc)
{
	void *v;
	an_agent *a;

	if (id.len == 0)
		return 0;
	v = lc_map_get(e->agent_map, id.ptr, id.len);
	if (v != NULL)
		return (uint32_t)(uintptr_t)v;
	if (e->n_agents == e->c_agents) {
		an_agent *na = realloc(e->agents, 2 * e->c_agents * sizeof(*na));

		if (na == NULL) {
			*rc = LC_ENOMEM;
			return 0;
		}
		e->agents = na;
		e->c_agents *= 2;
	}
	if (lc_map_put(e->agent_map, id.ptr, id.len, (void *)(uintptr_t)e->n_agents) != LC_OK) {
		e->caps_hit++;
		return 0;
	}
	a = &e->agents[e->n_agents];
	memset(a, 0, sizeof(*a));
	copy_id(a->id, sizeof(a->id), id);
	metric_init(&a->latency, e->cfg.latency_sla_ms);
	metric_init(&a->first_response, e->cfg.first_response_sla_ms);
	metric_init(&a->response, e->cfg.response_sla_ms);
	return e->n_agents++;
}

/* The conversation named id, created on first sight (NULL: no id, or over the cap). */
static an_conv *
conv_get(an_engine *e, lc_bytes id, const cx_event *ev, an_tp at, lc_status *rc)
{
	an_conv *c;

	if (id.len == 0)
		return NULL;
	if (id.len >= AN_ID_MAX)
		id.len = AN_ID_MAX - 1;
	c = lc_map_get(e->conv_map, id.ptr, id.len);
	if (c != NULL)
		return c;
	if (e->n_convs == e->c_convs) {
		uint32_t nc = e->c_convs ? 2 * e->c_convs : 64;
		an_conv **n = realloc(e->convs, nc * sizeof(*n));

		if (n == NULL) {
			*rc = LC_ENOMEM;
			return NULL;
		}
		e->convs = n;
		e->c_convs = nc;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		*rc = LC_ENOMEM;
		return NULL;
	}
	if (lc_map_put(e->conv_map, id.ptr, id.len, c) != LC_OK) {
		free(c);
		e->caps_hit++;
		return NULL;
	}
	copy_id(c->id, sizeof(c->id), id);
	snprintf(c->state, sizeof(c->state), "active");
	c->start = c->end = at;
	c->first_seq = ev->seq;
	c->first_response_ms = -1;
	c->agent = e->cur_agent;
	c->trend_stride = 1;
	c->index = e->n_convs + 1;
	e->agents[c->agent].conversations++;
	e->convs[e->n_convs++] = c;
	return c;
}

static uint32_t
trigger_index(an_engine *e, const char *name)
{
	for (uint32_t i = 0; i < e->n_triggers; i++)
		if (strcmp(e->trigger_names[i], name) == 0)
			return i;
	if (e->n_triggers == AN_MAX_TRIGGERS)
		return AN_MAX_TRIGGERS - 1;     /* the last slot collects the overflow */
	snprintf(e->trigger_names[e->n_triggers], sizeof(e->trigger_names[0]), "%s", name);
	return e->n_triggers++;
}

void
an_endpoint_name(lc_bytes method, lc_bytes path, char *out, size_t cap)
{
	static const char *const collections[] = {"users", "conversations", "sessions", "messages"};
	size_t o = 0, i = 0, plen = path.len;
	bool fold = false;

	for (size_t k = 0; k < path.len; k++)
		if (path.ptr[k] == '?' || path.ptr[k] == '#') {
			plen = k;
			break;
		}
	o = (size_t)snprintf(out, cap, "%.*s ", (int)(method.len > 16 ? 16 : method.len),
	    method.ptr ? (const char *)method.ptr : "");
	while (i < plen && o + 1 < cap) {
		size_t j = i + 1;

		while (j < plen && path.ptr[j] != '/')
			j++;
		/* segment is path[i+1 .. j) when path[i] == '/' */
		if (path.ptr[i] == '/') {
			const char *seg = (const char *)path.ptr + i + 1;
			size_t slen = j - i - 1;
			int n;

			if (fold && slen > 0)
				n = snprintf(out + o, cap - o, "/{id}");
			else
				n = snprintf(out + o, cap - o, "/%.*s", (int)slen, seg);
			o += (size_t)n < cap - o ? (size_t)n : cap - o - 1;
			fold = false;
			for (size_t c = 0; c < sizeof(collections) / sizeof(collections[0]); c++)
				if (slen == strlen(collections[c]) && memcmp(seg, collections[c], slen) == 0)
					fold = true;
		} else {
			int n = snprintf(out + o, cap - o, "%.*s", (int)(j - i), (const char *)path.ptr + i);
			o += (size_t)n < cap - o ? (size_t)n : cap - o - 1;
		}
		i = j;
	}
}

static an_endpoint *
endpoint_get(an_engine *e, const char *name)
{
	for (uint32_t i = 0; i < e->n_endpoints; i++)
		if (strcmp(e->endpoints[i].name, name) == 0)
			return &e->endpoints[i];
	if (e->n_endpoints == AN_MAX_ENDPOINTS) {
		e->caps_hit++;
		return &e->endpoints[AN_MAX_ENDPOINTS - 1];
	}
	snprintf(e->endpoints[e->n_endpoints].name, sizeof(e->endpoints[0].name), "%s", name);
	return &e->endpoints[e->n_endpoints++];
}

/* The value of a header (case-insensitive name), or empty. */
static lc_bytes
header_value(const cx_event *ev, const char *name)
{
	size_t n = strlen(name);

	for (uint32_t i = 0; i < ev->n_headers; i++)
		if (ev->headers[i].name.len == n &&
		    strncasecmp((const char *)ev->headers[i].name.ptr, name, n) == 0)
			return ev->headers[i].value;
	return LC_BYTES_NULL;
}

/* Retry-After in ms (delta-seconds form); -1 when absent or not a number. */
static int64_t
retry_after_ms(lc_bytes v)
{
	char buf[32];
	char *end;
	double s;

	if (v.len == 0 || v.len >= sizeof(buf))
		return -1;
	memcpy(buf, v.ptr, v.len);
	buf[v.len] = '\0';
	s = strtod(buf, &end);
	if (end == buf || !(s >= 0))
		return -1;
	return ms_clamp(s * 1000.0);
}

/* ---------------------------------------------------------------- rate-limit chains */

/* A 429 opens (or extends) a chain; the client's next attempt is measured against it. */
static void
chain_open(an_endpoint *ep, an_tp at, int64_t asked_ms)
{
	ep->status_429++;
	ep->chain_open = true;
	ep->chain_at = at;
	ep->chain_asked_ms = asked_ms;
	ep->chain_len++;
}

/* The client tried again at `at`: honoured or violated. */
static void
chain_retry(an_engine *e, an_endpoint *ep, const cx_event *ev, an_tp at, lc_bytes conv)
{
	int64_t waited;
	an_finding f;

	if (!ep->chain_open)
		return;
	waited = an_tp_diff_ms(ep->chain_at, at);
	ep->chain_open = false;
	if (ep->chain_asked_ms < 0 || waited >= ep->chain_asked_ms) {
		ep->honoured++;
		return;
	}
	ep->violated++;
	finding_init(&f, AN_F_RETRY_AFTER_VIOLATED, ev);
	f.endpoint = lc_bytes_str(ep->name);
	f.conversation = conv;
	f.value_ms = waited;
	f.limit_ms = ep->chain_asked_ms;
	emit(e, &f);
}

static void
chain_exhausted(an_engine *e, an_endpoint *ep, const cx_event *ev)
{
	an_finding f;

	if (!ep->chain_open && ep->chain_len == 0)
		return;
	ep->exhausted++;
	ep->chain_open = false;
	finding_init(&f, AN_F_RETRIES_EXHAUSTED, ev);
	f.endpoint = lc_bytes_str(ep->name);
	f.status = 429;
	f.value_ms = ep->chain_len;
	f.limit_ms = ep->chain_asked_ms;
	ep->chain_len = 0;
	emit(e, &f);
}

/* ---------------------------------------------------------------- messages */

static void
trend_add(an_engine *e, an_conv *c, an_tp at, double compound, lc_env_from from, lc_status *rc)
{
	uint32_t cap = e->cfg.trend_points;

	if (c->trend_skip + 1 < c->trend_stride) {
		c->trend_skip++;
		return;
	}
	c->trend_skip = 0;
	if (c->trend == NULL) {
		c->trend = calloc(cap, sizeof(*c->trend));
		if (c->trend == NULL) {
			*rc = LC_ENOMEM;
			return;
		}
	}
	if (c->n_trend == cap) {
		/* Full: keep every other point and sample half as often from now on. */
		for (uint32_t i = 0; i < cap / 2; i++)
			c->trend[i] = c->trend[2 * i];
		c->n_trend = cap / 2;
		c->trend_stride *= 2;
	}
	c->trend[c->n_trend++] = (an_trend_pt){an_tp_diff_ms(c->start, at), (float)compound, (int8_t)from};
}

static void
score_message(an_engine *e, const cx_event *ev, an_conv *c, an_tp at, const an_prep *prep,
    lc_status *rc)
{
	const lc_envelope *env = &prep->env;
	const an_match *m = prep->matches;
	size_t n = prep->n_matches;
	an_match mine[AN_PREP_MATCHES];
	an_finding f;
	an_sentiment s;

	if (!prep->has_triggers && env->from == LC_FROM_CUSTOMER) {
		n = an_escalate_scan(e->rules, (const char *)env->text.ptr, env->text.len, mine,
		    AN_PREP_MATCHES);
		n = n < AN_PREP_MATCHES ? n : AN_PREP_MATCHES;
		m = mine;
	}

	if (prep->has_sentiment)
		s = prep->sentiment;
	else
		an_sentiment_score(e->lx, e->cfg.mode, (const char *)env->text.ptr, env->text.len, &s);
	e->sentiment_count[s.label + 1]++;
	e->compound_sum += s.compound;
	if (c != NULL) {
		if (c->n_sent == 0)
			c->compound_first = c->compound_min = (float)s.compound;
		if (s.compound < c->compound_min)
			c->compound_min = (float)s.compound;
		c->compound_last = (float)s.compound;
		c->compound_sum += s.compound;
		c->n_sent++;
		trend_add(e, c, at, s.compound, env->from, rc);
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t t = trigger_index(e, m[i].trigger);

		e->trigger_total[t]++;
		if (c != NULL) {
			c->triggers[t]++;
			e->agents[c->agent].escalations++;
		}
	}
	if (e->cfg.sentiment_findings) {
		finding_init(&f, AN_F_SENTIMENT, ev);
		f.conversation = conv_bytes(c);
		f.message_id = env->message_id;
		f.from = lc_bytes_str(lc_env_from_name(env->from));
		f.text = env->text;
		f.sentiment = s;
		emit(e, &f);
	}
	if (n > 0) {
		finding_init(&f, AN_F_ESCALATION, ev);
		f.conversation = conv_bytes(c);
		f.message_id = env->message_id;
		f.from = lc_bytes_str(lc_env_from_name(env->from));
		f.text = env->text;
		f.sentiment = s;
		f.matches = m;
		f.n_matches = n;
		emit(e, &f);
	}
}

static void
customer_message(an_engine *e, an_conv *c, an_tp at)
{
	e->msgs_customer++;
	if (c == NULL)
		return;
	c->n_customer++;
	if (!c->waiting) {
		c->waiting = true;
		c->wait_since = at;
	}
}

/* An agent reply: closes the customer's wait (response time, first response). */
static void
agent_reply(an_engine *e, const cx_event *ev, an_conv *c, an_tp at, lc_status *rc)
{
	an_agent *a;
	an_finding f;
	int64_t us;

	e->msgs_agent++;
	if (c == NULL)
		return;
	a = &e->agents[c->agent];
	c->n_agent++;
	a->messages++;
	if (!c->waiting)
		return;
	c->waiting = false;
	us = tp_diff_us(c->wait_since, at);
	if (c->first_response_ms < 0) {
		c->first_response_ms = us / 1000;
		metric_add(&a->first_response, us, rc);
		if (metric_add(&e->first_response, us, rc)) {
			finding_init(&f, AN_F_FIRST_RESPONSE_BREACH, ev);
			f.conversation = conv_bytes(c);
			f.value_ms = us / 1000;
			f.limit_ms = e->cfg.first_response_sla_ms;
			emit(e, &f);
		}
	}
	c->responses++;
	c->response_sum_ms += us / 1000;
	if (us / 1000 > c->response_max_ms)
		c->response_max_ms = us / 1000;
	metric_add(&a->response, us, rc);
	if (metric_add(&e->response, us, rc)) {
		c->response_breaches++;
		finding_init(&f, AN_F_RESPONSE_BREACH, ev);
		f.conversation = conv_bytes(c);
		f.value_ms = us / 1000;
		f.limit_ms = e->cfg.response_sla_ms;
		emit(e, &f);
	}
}

/* Keep a bounded, decimated series of latencies (see an_engine_int.h). */
static void
lat_series_add(an_engine *e, an_tp at, int64_t us)
{
	if (e->lat_skip + 1 < e->lat_stride) {
		e->lat_skip++;
		return;
	}
	e->lat_skip = 0;
	if (e->n_lat == AN_LAT_POINTS) {
		for (uint32_t i = 0; i < AN_LAT_POINTS / 2; i++)
			e->lat_series[i] = e->lat_series[2 * i];
		e->n_lat = AN_LAT_POINTS / 2;
		e->lat_stride *= 2;
	}
	e->lat_series[e->n_lat++] = (an_lat_pt){at.wall, us};
}

/* An ack (or the agent's own echo) for message_id: delivery latency. */
static void
delivered(an_engine *e, const cx_event *ev, lc_bytes message_id, an_tp at, lc_status *rc)
{
	an_pending *p;
	an_conv *c;
	an_finding f;
	int64_t us;

	if (message_id.len == 0)
		return;
	p = lc_map_del(e->pending, message_id.ptr, message_id.len);
	if (p == NULL)
		return;         /* already delivered (ack and echo both arrive) or not ours */
	c = p->conv ? e->convs[p->conv - 1] : NULL;
	us = tp_diff_us(p->sent, at);
	free(p);
	lat_series_add(e, at, us);
	if (c != NULL) {
		c->acked++;
		c->latency_sum_ms += us / 1000;
		if (us / 1000 > c->latency_max_ms)
			c->latency_max_ms = us / 1000;
		metric_add(&e->agents[c->agent].latency, us, rc);
	}
	if (metric_add(&e->latency, us, rc)) {
		if (c != NULL)
			c->latency_breaches++;
		finding_init(&f, AN_F_LATENCY_BREACH, ev);
		f.conversation = conv_bytes(c);
		f.message_id = message_id;
		f.value_ms = us / 1000;
		f.limit_ms = e->cfg.latency_sla_ms;
		emit(e, &f);
	}
}

/* The token-bucket model of outbound sends: would this send have been held? */
static void
bucket_model(an_engine *e, const cx_event *ev, an_conv *c, lc_bytes message_id, an_tp at)
{
	an_finding f;

	e->model_sends++;
	if (!e->bucket_started) {
		e->bucket_started = true;
		e->bucket_tokens = e->cfg.bucket_burst;
	} else {
		e->bucket_tokens += (double)tp_diff_us(e->bucket_last, at) / 1e6 * e->cfg.bucket_rate;
		if (e->bucket_tokens > e->cfg.bucket_burst)
			e->bucket_tokens = e->cfg.bucket_burst;
	}
	e->bucket_last = at;
	if (e->bucket_tokens >= 1.0) {
		e->bucket_tokens -= 1.0;
		return;
	}
	e->model_throttled++;
	finding_init(&f, AN_F_WOULD_THROTTLE, ev);
	f.conversation = conv_bytes(c);
	f.message_id = message_id;
	emit(e, &f);
}

/* ---------------------------------------------------------------- frames */

static void
frame_in(an_engine *e, const cx_event *ev, const an_prep *prep, an_tp at, lc_status *rc)
{
	const lc_envelope *env = &prep->env;
	an_conv *c;
	an_finding f;
	lc_bytes cid;

	e->frames_in++;
	if (prep->parse_rc != LC_OK) {   /* binary frames are not parsed: LC_EPARSE */
		e->malformed++;
		finding_init(&f, AN_F_MALFORMED, ev);
		f.value_ms = (int64_t)ev->raw.len;
		emit(e, &f);
		return;
	}
	cid = env->conversation_id.len ? env->conversation_id : ev->conversation;
	c = conv_get(e, cid, ev, at, rc);
	if (c != NULL)
		c->end = at;
	switch (env->type) {
	case LC_ENV_ROUTING:
		if (c != NULL && env->skill.len)
			copy_id(c->skill, sizeof(c->skill), env->skill);
		break;
	case LC_ENV_MESSAGE:
		if (env->from == LC_FROM_CUSTOMER) {
			customer_message(e, c, at);
			score_message(e, ev, c, at, prep, rc);
		} else if (env->from == LC_FROM_AGENT) {
			/* The echo of our own message: a delivery receipt. Imported transcripts
			 * have no frame_out, so there the echo is the agent's reply. */
			delivered(e, ev, env->message_id, at, rc);
			if (ev->flags & CX_F_IMPORTED) {
				agent_reply(e, ev, c, at, rc);
				score_message(e, ev, c, at, prep, rc);
			}
		} else {
			e->msgs_system++;
			if (c != NULL)
				c->n_system++;
		}
		break;
	case LC_ENV_ACK:
		delivered(e, ev, env->message_id, at, rc);
		break;
	case LC_ENV_STATUS:
		if (c != NULL && env->status.len)
			copy_id(c->state, sizeof(c->state), env->status);
		break;
	case LC_ENV_ERROR:
		if (env->code == 429) {
			an_pending *p = env->message_id.len ?
			    lc_map_get(e->pending, env->message_id.ptr, env->message_id.len) : NULL;
			int64_t asked = env->present & LC_ENVF_RETRY_AFTER ?
			    ms_clamp(env->retry_after_s * 1000.0) : -1;

			e->stream_rl.status_429++;
			if (p != NULL) {
				p->refused = true;
				p->refused_at = at;
				p->asked_ms = asked;
			}
			finding_init(&f, AN_F_RATE_LIMITED, ev);
			f.endpoint = lc_bytes_str("stream");
			f.conversation = conv_bytes(c);
			f.message_id = env->message_id;
			f.status = 429;
			f.limit_ms = asked;
			emit(e, &f);
		} else {
			/* The server refused the message (e.g. 409, the conversation ended): it will
			 * never be acked, and it is not "unacked" either. */
			if (env->message_id.len) {
				an_pending *p = lc_map_del(e->pending, env->message_id.ptr, env->message_id.len);

				if (p != NULL) {
					e->rejected++;
					free(p);
				}
			}
			e->protocol_errors++;
			finding_init(&f, AN_F_PROTOCOL_ERROR, ev);
			f.conversation = conv_bytes(c);
			f.message_id = env->message_id;
			f.status = env->code;
			f.reason = env->text;
			emit(e, &f);
		}
		break;
	default:
		break;
	}
}

static void
frame_out(an_engine *e, const cx_event *ev, const an_prep *prep, an_tp at, lc_status *rc)
{
	const lc_envelope *env = &prep->env;
	an_pending *p;
	an_conv *c;
	lc_bytes cid;

	e->frames_out++;
	if (prep->parse_rc != LC_OK || env->type != LC_ENV_MESSAGE)
		return;         /* typing and the like: nothing to measure */
	cid = env->conversation_id.len ? env->conversation_id : ev->conversation;
	c = conv_get(e, cid, ev, at, rc);
	if (c != NULL)
		c->end = at;
	bucket_model(e, ev, c, env->message_id, at);
	e->latency_sends++;
	p = env->message_id.len ? lc_map_get(e->pending, env->message_id.ptr, env->message_id.len) : NULL;
	if (p != NULL && p->refused) {
		/* A resend after a 429 error frame: was Retry-After honoured? */
		e->stream_rl.chain_open = true;
		e->stream_rl.chain_at = p->refused_at;
		e->stream_rl.chain_asked_ms = p->asked_ms;
		chain_retry(e, &e->stream_rl, ev, at, conv_bytes(c));
		p->refused = false;
		p->sent = at;
		return;         /* a retry is not a new reply */
	}
	if (p == NULL && env->message_id.len) {
		p = calloc(1, sizeof(*p));
		if (p == NULL) {
			*rc = LC_ENOMEM;
			return;
		}
		if (lc_map_put(e->pending, env->message_id.ptr, env->message_id.len, p) != LC_OK) {
			free(p);
			p = NULL;
			e->untracked++;
		}
	}
	if (p != NULL) {
		p->sent = at;
		p->seq = ev->seq;
		p->conv = c != NULL ? c->index : 0;
	}
	agent_reply(e, ev, c, at, rc);
	score_message(e, ev, c, at, prep, rc);
}

/* ---------------------------------------------------------------- HTTP and the stream */

static void
http_request(an_engine *e, const cx_event *ev, an_tp at, lc_status *rc)
{
	char name[160];
	an_endpoint *ep;
	an_exchange *x;
	uint64_t key = ev->exchange;

	e->http_requests++;
	an_endpoint_name(ev->method, ev->path, name, sizeof(name));
	ep = endpoint_get(e, name);
	ep->requests++;
	chain_retry(e, ep, ev, at, ev->conversation);
	if (key == 0)
		return;
	x = malloc(sizeof(*x));
	if (x == NULL) {
		*rc = LC_ENOMEM;
		return;
	}
	x->endpoint = (uint32_t)(ep - e->endpoints);
	x->at = at;
	free(lc_map_del(e->exchanges, &key, sizeof(key)));
	if (lc_map_put(e->exchanges, &key, sizeof(key), x) != LC_OK) {
		free(x);
		e->caps_hit++;
	}
}

static void
http_response(an_engine *e, const cx_event *ev, an_tp at)
{
	uint64_t key = ev->exchange;
	an_exchange *x = key ? lc_map_del(e->exchanges, &key, sizeof(key)) : NULL;
	an_endpoint *ep;
	an_finding f;

	e->http_responses++;
	if (x == NULL)
		return;
	ep = &e->endpoints[x->endpoint];
	free(x);
	if (ev->status >= 200 && ev->status < 300) {
		ep->ok++;
		if (ep->chain_len > 0)
			ep->recovered++;
		ep->chain_len = 0;
	} else if (ev->status >= 500) {
		ep->status_5xx++;
	} else if (ev->status >= 400) {
		ep->status_4xx++;
	}
	if (ev->status == 429) {
		int64_t asked = retry_after_ms(header_value(ev, "Retry-After"));

		chain_open(ep, at, asked);
		finding_init(&f, AN_F_RATE_LIMITED, ev);
		f.endpoint = lc_bytes_str(ep->name);
		f.status = 429;
		f.limit_ms = asked;
		emit(e, &f);
	} else if (ev->status == 401 || ev->status == 403) {
		e->auth_failures++;
		finding_init(&f, AN_F_AUTH_FAILURE, ev);
		f.endpoint = lc_bytes_str(ep->name);
		f.status = ev->status;
		emit(e, &f);
	}
}

static void
stream_open(an_engine *e, const cx_event *ev, an_tp at, lc_status *rc)
{
	an_finding f;

	if (e->handshake_chain) {
		e->handshake.chain_open = true;
		e->handshake.chain_at = e->handshake_at;
		e->handshake.chain_asked_ms = e->handshake_asked_ms;
		e->handshake_chain = false;
		chain_retry(e, &e->handshake, ev, at, LC_BYTES_NULL);
	}
	if (ev->status != 0 && ev->status != 101) {
		finding_init(&f, AN_F_HANDSHAKE_REFUSED, ev);
		f.endpoint = lc_bytes_str("handshake");
		f.status = ev->status;
		f.reason = ev->reason;
		if (ev->status == 429) {
			f.limit_ms = retry_after_ms(header_value(ev, "Retry-After"));
			e->handshake.status_429++;
			e->handshake_chain = true;
			e->handshake_at = at;
			e->handshake_asked_ms = f.limit_ms;
		} else if (ev->status == 401 || ev->status == 403) {
			e->auth_failures++;
		}
		emit(e, &f);
		return;
	}
	e->connects++;
	if (e->disconnected) {
		int64_t us = tp_diff_us(e->disconnected_at, at);

		e->disconnected = false;
		e->reconnects++;
		if (lc_hist_add(&e->reconnect_hist, (uint64_t)us) != LC_OK)
			*rc = LC_ENOMEM;
		finding_init(&f, AN_F_RECONNECT, ev);
		f.endpoint = lc_bytes_str("stream");
		f.value_ms = us / 1000;
		emit(e, &f);
	}
}

static bool
mentions_idle(lc_bytes reason)
{
	for (size_t i = 0; i + 4 <= reason.len; i++)
		if (strncasecmp((const char *)reason.ptr + i, "idle", 4) == 0)
			return true;
	return false;
}

static void
stream_close(an_engine *e, const cx_event *ev, an_tp at)
{
	an_finding f;

	e->disconnects++;
	if (mentions_idle(ev->reason))
		e->idle_closes++;
	if (!e->disconnected) {
		e->disconnected = true;
		e->disconnected_at = at;
	}
	finding_init(&f, AN_F_DISCONNECT, ev);
	f.endpoint = lc_bytes_str("stream");
	f.status = ev->close_code;
	f.reason = ev->reason;
	emit(e, &f);
}

static void
annotation(an_engine *e, const cx_event *ev, lc_status *rc)
{
	an_finding f;
	lc_json_doc *d = NULL;
	lc_bytes v;

	if (lc_bytes_eq_str(ev->reason, "session")) {
		/* {"agent":"…", …}: the session's agent, for per-agent figures */
		if (lc_json_doc_parse(ev->raw.ptr, ev->raw.len, &d, NULL) == LC_OK &&
		    lc_json_doc_string(d, "agent", &v) == LC_OK) {
			e->cur_agent = agent_index(e, v, rc);
			if (ev->session.len &&
			    lc_map_put(e->session_agent, ev->session.ptr, ev->session.len,
			        (void *)(uintptr_t)e->cur_agent) != LC_OK)
				e->caps_hit++;
		}
		lc_json_doc_free(d);
	} else if (lc_bytes_eq_str(ev->reason, "retries_exhausted")) {
		char name[160];
		an_endpoint *ep;

		if (ev->method.len || ev->path.len)
			an_endpoint_name(ev->method, ev->path, name, sizeof(name));
		else
			copy_id(name, sizeof(name), ev->raw);   /* older tapes: raw holds the name */
		ep = endpoint_get(e, name);
		chain_exhausted(e, ep, ev);
	} else if (lc_bytes_eq_str(ev->reason, "ack_timeout")) {
		finding_init(&f, AN_F_UNACKED, ev);
		emit(e, &f);
	}
}

static void
gap(an_engine *e, const cx_event *ev)
{
	an_finding f;
	lc_json_doc *d = NULL;
	double ms = 0;

	e->gaps++;
	if (lc_json_doc_parse(ev->raw.ptr, ev->raw.len, &d, NULL) == LC_OK &&
	    lc_json_doc_number(d, "duration_ms", &ms) == LC_OK)
		e->gap_ms += ms_clamp(ms);
	lc_json_doc_free(d);
	finding_init(&f, AN_F_GAP, ev);
	f.value_ms = ms_clamp(ms);
	f.reason = ev->reason;
	emit(e, &f);
}

/* ---------------------------------------------------------------- feed */

lc_status
an_engine_set_session_agent(an_engine *e, const char *session, const char *agent)
{
	lc_status rc = LC_OK;
	uint32_t a;

	if (session == NULL || agent == NULL || *session == '\0' || *agent == '\0')
		return LC_OK;
	a = agent_index(e, lc_bytes_str(agent), &rc);
	if (rc != LC_OK)
		return rc;
	if (lc_map_put(e->session_agent, session, strlen(session), (void *)(uintptr_t)a) != LC_OK)
		e->caps_hit++;
	return LC_OK;
}

_Static_assert(AN_PREP_MATCHES == AN_MAX_TRIGGERS, "a preparation keeps every trigger the engine counts");

void
an_engine_prepare(const an_engine *e, lc_json_parser *parser, const cx_event *ev, unsigned what,
    an_prep *out)
{
	const lc_envelope *env = &out->env;
	size_t n;

	out->scored = false;
	out->has_sentiment = false;
	out->has_triggers = false;
	out->n_matches = 0;
	if (ev->kind != CX_FRAME_IN && ev->kind != CX_FRAME_OUT) {
		out->parse_rc = LC_EINVAL;
		return;
	}
	if (ev->kind == CX_FRAME_IN && (ev->flags & CX_F_BINARY)) {
		out->parse_rc = LC_EPARSE;
		return;
	}
	out->parse_rc = lc_json_envelope_parse(parser, ev->raw.ptr, ev->raw.len, &out->env);
	if (out->parse_rc != LC_OK || env->type != LC_ENV_MESSAGE)
		return;
	/* Scored: what the customer says, what the agent sends, and an imported transcript's
	 * agent lines (they have no frame_out). The echo of a live agent message is not. */
	if (ev->kind == CX_FRAME_IN && env->from != LC_FROM_CUSTOMER &&
	    !(env->from == LC_FROM_AGENT && (ev->flags & CX_F_IMPORTED)))
		return;
	out->scored = true;
	if (what & AN_PREP_SENTIMENT) {
		an_sentiment_score(e->lx, e->cfg.mode, (const char *)env->text.ptr, env->text.len,
		    &out->sentiment);
		out->has_sentiment = true;
	}
	if (env->from != LC_FROM_CUSTOMER || !(what & AN_PREP_TRIGGERS))
		return;
	n = an_escalate_scan(e->rules, (const char *)env->text.ptr, env->text.len, out->matches,
	    AN_PREP_MATCHES);
	out->n_matches = n < AN_PREP_MATCHES ? n : AN_PREP_MATCHES;
	out->has_triggers = true;
}

lc_status
an_engine_feed(an_engine *e, const cx_event *ev)
{
	if (e->finished)
		return LC_ECLOSED;
	an_engine_prepare(e, e->parser, ev, AN_PREP_ALL, &e->prep);
	return an_engine_feed_prepared(e, ev, &e->prep);
}

lc_status
an_engine_add_sink(an_engine *e, const an_sink *s)
{
	if (e->n_sinks == AN_SINKS_MAX)
		return LC_ETOOBIG;
	e->sinks[e->n_sinks++] = *s;
	if (s->event != NULL)
		e->n_event_sinks++;
	return LC_OK;
}

void
an_engine_score(const an_engine *e, lc_bytes text, an_sentiment *out)
{
	an_sentiment_score(e->lx, e->cfg.mode, (const char *)text.ptr, text.len, out);
}

size_t
an_engine_scan(const an_engine *e, lc_bytes text, an_match *out, size_t max)
{
	return an_escalate_scan(e->rules, (const char *)text.ptr, text.len, out, max);
}

/*
 * Show ev to the sinks with its preparation complete (a pipe's reader leaves
 * the sentiment to this thread), then hand back the preparation the engine
 * uses, so a message is scored once for the findings and every sink.
 */
static lc_status
sinks_event(an_engine *e, const cx_event *ev, const an_prep **prep)
{
	lc_status rc = LC_OK;

	const an_prep *p = *prep;

	if (p->scored && (!p->has_sentiment || (!p->has_triggers && p->env.from == LC_FROM_CUSTOMER))) {
		an_prep *q = &e->sink_prep;

		*q = *p;
		if (!q->has_sentiment)
			an_engine_score(e, q->env.text, &q->sentiment);
		if (!q->has_triggers && q->env.from == LC_FROM_CUSTOMER) {
			size_t n = an_engine_scan(e, q->env.text, q->matches, AN_PREP_MATCHES);

			q->n_matches = n < AN_PREP_MATCHES ? n : AN_PREP_MATCHES;
		}
		q->has_sentiment = q->has_triggers = true;
		*prep = q;
	}
	for (uint32_t i = 0; rc == LC_OK && i < e->n_sinks; i++)
		if (e->sinks[i].event != NULL)
			rc = e->sinks[i].event(e->sinks[i].ud, ev, *prep);
	return rc;
}

lc_status
an_engine_feed_prepared(an_engine *e, const cx_event *ev, const an_prep *prep)
{
	lc_status rc = LC_OK;
	an_tp at;
	an_finding f;
	void *sa;

	if (e->finished)
		return LC_ECLOSED;
	if (e->n_event_sinks > 0 && (rc = sinks_event(e, ev, &prep)) != LC_OK)
		return rc;
	at.wall = ev->wall_ns;
	at.mono = ev->mono_ns;
	at.sess = session_index(e, ev->session);
	if (ev->session.len && (sa = lc_map_get(e->session_agent, ev->session.ptr, ev->session.len)))
		e->cur_agent = (uint32_t)(uintptr_t)sa;
	/* The range is the chat's: an annotation is stamped when it was written (an import's, years
	 * after the chat), so it does not stretch the report's time range. */
	if (ev->kind != CX_ANNOTATION) {
		if (!e->have_range || ev->wall_ns < e->first_wall)
			e->first_wall = ev->wall_ns;
		if (!e->have_range || ev->wall_ns > e->last_wall)
			e->last_wall = ev->wall_ns;
		e->have_range = true;
	}
	e->events++;
	switch (ev->kind) {
	case CX_FRAME_IN:
		frame_in(e, ev, prep, at, &rc);
		break;
	case CX_FRAME_OUT:
		frame_out(e, ev, prep, at, &rc);
		break;
	case CX_HTTP_REQUEST:
		http_request(e, ev, at, &rc);
		break;
	case CX_HTTP_RESPONSE:
		http_response(e, ev, at);
		break;
	case CX_STREAM_OPEN:
		stream_open(e, ev, at, &rc);
		break;
	case CX_STREAM_CLOSE:
		stream_close(e, ev, at);
		break;
	case CX_TOKEN_REFRESH:
		e->token_refreshes++;
		finding_init(&f, AN_F_TOKEN_REFRESH, ev);
		emit(e, &f);
		break;
	case CX_GAP:
		gap(e, ev);
		break;
	case CX_ANNOTATION:
		annotation(e, ev, &rc);
		break;
	}
	return rc;
}

lc_status
an_engine_finish(an_engine *e)
{
	size_t it = 0;
	const char *key;
	size_t klen;
	void *v;
	an_finding f;

	if (e->finished)
		return LC_OK;
	e->finished = true;
	/* Messages never acked, in the order they were sent. */
	while (lc_map_next(e->pending, &it, &key, &klen, &v)) {
		an_pending *p = v;
		an_conv *c = p->conv ? e->convs[p->conv - 1] : NULL;

		if (p->refused) {
			/* refused with a 429 error frame and never sent again */
			e->stream_rl.exhausted++;
			continue;
		}
		e->unacked++;
		finding_init(&f, AN_F_UNACKED, NULL);
		f.seq = p->seq;
		f.wall_ns = p->sent.wall;
		f.conversation = conv_bytes(c);
		f.message_id = lc_bytes_make(key, klen);
		f.limit_ms = e->cfg.latency_sla_ms;
		emit(e, &f);
	}
	for (uint32_t i = 0; i < e->n_endpoints; i++)
		if (e->endpoints[i].chain_len > 0)
			chain_exhausted(e, &e->endpoints[i], NULL);
	return LC_OK;
}
