/* SPDX-License-Identifier: MIT */
/* rec_cli: option parsing and the run of each cxrecord subcommand, wiring the recorder's modules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_engine.h"
#include "lc_cli.h"
#include "lc_config.h"
#include "lc_log.h"
#include "lc_tape.h"
#include "rec_agent.h"
#include "rec_cli.h"
#include "rec_import.h"
#include "rec_live.h"
#include "rec_stream.h"
#include "rec_worker.h"

#define REC_CONVS_ARG_MAX 256   /* --conversation given at most this often */

typedef struct rec_cfg {
	const char *tape, *findings, *report, *format, *config;
	double duration_s;
	bool analyze, auto_reply, shadow;
	long max_retries;
	uint32_t reply_min_ms, reply_max_ms;
	rec_skill skills[REC_SKILLS_MAX];
	size_t n_skills;
	const char *convs[REC_CONVS_ARG_MAX];
	size_t n_convs;
	lc_config *cfg;
	/* resolved from cfg */
	const char *base_url, *user_id, *client_id, *secret, *cacert, *key_file;
	bool insecure;
	long long max_concurrent, rest_retries, sla_ms;
	double ping_s, pong_s, rc_base_s, rc_cap_s, margin_s;
	const char *scopes;
	an_config acfg;            /* the analyzer's settings from the same config */
} rec_cfg;

#define REC_USAGE_RECORD \
	"cxrecord [record] --tape DIR [--base-url URL] [--user-id ID] [--duration S] [--analyze]\n" \
	"                [--findings FILE.jsonl] [--report FILE] [--format text|json|csv]\n" \
	"                [--max-concurrent N] [--skill NAME[:PROFICIENCY]]... [--auto-reply] [--shadow]\n" \
	"                [--reply-delay MS[-MS]]\n" \
	"                [--config FILE] [--cacert FILE] [--insecure] [--max-retries N] [--rest-retries N]\n" \
	"                [--ping-interval S] [--pong-timeout S] [--reconnect-base S] [--reconnect-cap S]\n" \
	"                [--key-file FILE]"
#define REC_USAGE_ARCHIVE \
	"cxrecord archive --tape DIR --conversation ID... [--base-url URL] [--user-id ID] [--config FILE]\n" \
	"                 [--cacert FILE] [--insecure] [--rest-retries N] [--key-file FILE]"
#define REC_USAGE_IMPORT "cxrecord import --tape DIR [--key-file FILE] FILE..."

static const char record_notes[] =
	"Credentials come from CXONE_CLIENT_ID / CXONE_CLIENT_SECRET or a 0600 --config file, never flags.\n"
	"Exit status: 0 ok (also after SIGINT/SIGTERM), 1 runtime failure, 2 usage, 3 bad data.\n";

enum { O_TAPE = 1, O_BASE, O_USER, O_DUR, O_ANALYZE, O_FINDINGS, O_REPORT, O_FORMAT, O_MAXC, O_SKILL,
       O_AUTO, O_SHADOW, O_CONFIG, O_CACERT, O_INSECURE, O_MAXR, O_RESTR, O_PING, O_RCBASE, O_RCCAP,
       O_KEY, O_CONV, O_RDELAY, O_PONG };

#define OPT_TAPE {"tape", O_TAPE, 0, "DIR", false, "the tape (created if missing)"}
#define OPT_BASE {"base-url", O_BASE, 0, "URL", false, "https://SITE.cxone.com, or the simulator " \
	"(default $CXONE_BASE_URL)"}
#define OPT_USER {"user-id", O_USER, 0, "ID", false, "the agent's user id for presence and routing " \
	"($CXONE_USER_ID)"}
#define OPT_CONFIG {"config", O_CONFIG, 0, "FILE", false, "settings, key = value (docs/configuration.md)"}
#define OPT_CACERT {"cacert", O_CACERT, 0, "FILE", false, "CA certificate (PEM) to verify the server with"}
#define OPT_INSECURE {"insecure", O_INSECURE, 0, NULL, false, "do not verify the server's certificate " \
	"(dangerous; warns)"}
#define OPT_RESTR {"rest-retries", O_RESTR, 0, "N", false, "retries of a REST call answered 429 (default 5)"}
#define OPT_KEY {"key-file", O_KEY, 0, "FILE", false, "redaction key (default $CXTAPE_KEY_FILE or " \
	"~/.config/cxtape/redact.key)"}
#define OPT_END {NULL, 0, 0, NULL, false, NULL}

static const lc_cli_opt record_opts[] = {
	OPT_TAPE, OPT_BASE, OPT_USER,
	{"duration", O_DUR, 0, "S", false, "stop after S seconds (default: until SIGINT/SIGTERM)"},
	{"analyze", O_ANALYZE, 0, NULL, false, "run the analyzer live; findings as JSON lines to "
	    "--findings or stdout"},
	{"findings", O_FINDINGS, 0, "FILE.jsonl", false, "with --analyze: write the findings there"},
	{"report", O_REPORT, 0, "FILE", false, "with --analyze: the analyzer's report at exit"},
	{"format", O_FORMAT, 0, "text|json|csv", false, "the report's format (default: from the "
	    "extension .json/.csv/.txt)"},
	{"max-concurrent", O_MAXC, 0, "N", false, "chats at once before presence goes busy (default 4)"},
	{"skill", O_SKILL, 0, "NAME[:P]", true, "a routing skill with proficiency 0-10, at most 32"},
	{"auto-reply", O_AUTO, 0, NULL, false, "answer each customer message with a short line (demos, tests)"},
	{"reply-delay", O_RDELAY, 0, "MS[-MS]", false, "with --auto-reply: wait this long (or a random "
	    "time in the range)"},
	{"shadow", O_SHADOW, 0, NULL, false, "observe only: no presence, routing or messages; asks for "
	    "chat:read only"},
	OPT_CONFIG, OPT_CACERT, OPT_INSECURE,
	{"max-retries", O_MAXR, 0, "N", false, "stream reconnect attempts in a row before giving up "
	    "(default: no limit)"},
	OPT_RESTR,
	{"ping-interval", O_PING, 0, "S", false, "WebSocket ping period (default 20)"},
	{"pong-timeout", O_PONG, 0, "S", false, "no pong or frame this long: the stream is dead, reconnect "
	    "(default max(2 x ping interval, 5); longer than the interval)"},
	{"reconnect-base", O_RCBASE, 0, "S", false, "reconnect backoff base, full jitter (default 2)"},
	{"reconnect-cap", O_RCCAP, 0, "S", false, "reconnect backoff cap (default 60)"},
	OPT_KEY, OPT_END,
};

static const lc_cli_opt archive_opts[] = {
	OPT_TAPE,
	{"conversation", O_CONV, 0, "ID", true, "a conversation whose transcript to fetch, at most 256"},
	OPT_BASE, OPT_USER, OPT_CONFIG, OPT_CACERT, OPT_INSECURE, OPT_RESTR, OPT_KEY, OPT_END,
};

static const lc_cli_opt import_opts[] = {
	OPT_TAPE, OPT_KEY, OPT_END,
};

static int rec_cli_record(lc_cli *a, void *ud);
static int rec_cli_archive(lc_cli *a, void *ud);
static int rec_cli_import(lc_cli *a, void *ud);

/* Subcommands (tmux's cmd_table); record is also taken when the first argument is an option. */
static const lc_cli_cmd rec_cmds[] = {
	{"record", rec_cli_record, "Record the CXone chat stream and every REST exchange into a tape "
	    "(docs/recorder.md).", REC_USAGE_RECORD, record_opts, NULL, record_notes, NULL},
	{"archive", rec_cli_archive, "Fetch finished conversations' transcripts into the tape.",
	    REC_USAGE_ARCHIVE, archive_opts, NULL, record_notes, NULL},
	{"import", rec_cli_import, "Import transcripts (JSON) or JSON lines into the tape.",
	    REC_USAGE_IMPORT, import_opts, "FILE..., at least one", NULL, NULL},
};

const lc_cli_prog rec_cli_prog = {"cxrecord", CXTAPE_VERSION, rec_cmds,
	sizeof(rec_cmds) / sizeof(rec_cmds[0]), &rec_cmds[0], NULL};

static int
parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (*s == 0 || *end != 0 || !(v >= lo && v <= hi))
		return -1;
	*out = v;
	return 0;
}

/* Flags that are config keys go through lc_config so the file, the environment and flags layer. */
static const struct { int opt; const char *key, *flag; } cfg_flags[] = {
	{O_BASE, "base_url", "--base-url"}, {O_USER, "user_id", "--user-id"},
	{O_MAXC, "max_concurrent", "--max-concurrent"}, {O_CACERT, "cacert", "--cacert"},
	{O_RESTR, "rest_retries", "--rest-retries"}, {O_PING, "ping_interval_s", "--ping-interval"},
	{O_RCBASE, "reconnect_base_s", "--reconnect-base"}, {O_RCCAP, "reconnect_cap_s", "--reconnect-cap"},
	{O_KEY, "key_file", "--key-file"}, {O_PONG, "pong_timeout_s", "--pong-timeout"},
};

/* --reply-delay MS or MIN-MAX; -1 when it does not parse. */
static int
parse_delay(const char *arg, rec_cfg *c)
{
	double lo, hi;
	char buf[64], *dash;

	snprintf(buf, sizeof(buf), "%s", arg);
	dash = strchr(buf + 1, '-');
	if (dash)
		*dash = 0;
	if (parse_num(buf, 0, 3600000, &lo) || parse_num(dash ? dash + 1 : buf, lo, 3600000, &hi))
		return -1;
	c->reply_min_ms = (uint32_t)lo;
	c->reply_max_ms = (uint32_t)hi;
	return 0;
}

/* One option into c; -1 to go on, else the exit code. */
static int
parse_one(lc_cli *a, int o, const char *v, rec_cfg *c, const char *vals[], bool *insecure_flag)
{
	lc_err err = LC_ERR_INIT;
	double d;

	switch (o) {
	case O_TAPE: c->tape = v; break;
	case O_DUR:
		if (parse_num(v, 0.001, 1e9, &c->duration_s))
			return lc_cli_usage_error(a, "--duration wants seconds > 0, got '%s'", v);
		break;
	case O_ANALYZE: c->analyze = true; break;
	case O_FINDINGS: c->findings = v; break;
	case O_REPORT: c->report = v; break;
	case O_FORMAT: c->format = v; break;
	case O_SKILL:
		if (c->n_skills >= REC_SKILLS_MAX)
			return lc_cli_usage_error(a, "--skill: at most 32, got more at '%s'", v);
		if (rec_skill_parse(v, &c->skills[c->n_skills++], &err) != LC_OK)
			return lc_cli_usage_error(a, "%s", lc_err_text(&err));
		break;
	case O_AUTO: c->auto_reply = true; break;
	case O_RDELAY:
		if (parse_delay(v, c))
			return lc_cli_usage_error(a, "--reply-delay wants MS or MIN-MAX in ms (0-3600000), got '%s'", v);
		break;
	case O_SHADOW: c->shadow = true; break;
	case O_CONFIG: c->config = v; break;
	case O_INSECURE: *insecure_flag = true; break;
	case O_MAXR:
		if (parse_num(v, 0, 1e9, &d))
			return lc_cli_usage_error(a, "--max-retries wants a count >= 0, got '%s'", v);
		c->max_retries = (long)d;
		break;
	case O_CONV:
		if (c->n_convs >= REC_CONVS_ARG_MAX)
			return lc_cli_usage_error(a, "--conversation: at most 256 per run, got more at '%s'", v);
		c->convs[c->n_convs++] = v;
		break;
	default:
		for (size_t i = 0; i < sizeof(cfg_flags) / sizeof(cfg_flags[0]); i++)
			if (cfg_flags[i].opt == o)
				vals[i] = v;
		break;
	}
	return -1;
}

/* Returns -1 to go on, else the exit code. Flag values wait in vals[] until the config is loaded. */
static int
parse_args(lc_cli *a, rec_cfg *c, const char *vals[], bool *insecure_flag)
{
	const char *v;
	int o, ex = -1;

	while (ex < 0 && lc_cli_next(a, &o, &v))
		ex = parse_one(a, o, v, c, vals, insecure_flag);
	return ex;
}

/* Load the config (file, environment, flags) and read every setting. -1 to go on, else exit code. */
static int
resolve(lc_cli *a, rec_cfg *c, const char *vals[], bool insecure_flag)
{
	lc_err err = LC_ERR_INIT;
	lc_status rc;

	rc = lc_config_load(c->config, &c->cfg, &err);
	if (rc == LC_OK)
		rc = lc_config_check(c->cfg, &err);
	for (size_t i = 0; rc == LC_OK && i < sizeof(cfg_flags) / sizeof(cfg_flags[0]); i++)
		if (vals[i])
			rc = lc_config_set(c->cfg, cfg_flags[i].key, vals[i], cfg_flags[i].flag, &err);
	if (rc == LC_OK && insecure_flag)
		rc = lc_config_set(c->cfg, "insecure", "true", "--insecure", &err);
	if (rc == LC_OK) rc = lc_config_get_bool(c->cfg, "insecure", false, &c->insecure, &err);
	if (rc == LC_OK) rc = lc_config_get_int(c->cfg, "max_concurrent", 4, 1, 1000, &c->max_concurrent, &err);
	if (rc == LC_OK) rc = lc_config_get_int(c->cfg, "rest_retries", 5, 0, 20, &c->rest_retries, &err);
	if (rc == LC_OK) rc = lc_config_get_int(c->cfg, "latency_sla_ms", 2000, 1, 3600000, &c->sla_ms, &err);
	if (rc == LC_OK) rc = lc_config_get_double(c->cfg, "ping_interval_s", 20, 1, 3600, &c->ping_s, &err);
	if (rc == LC_OK) rc = lc_config_get_double(c->cfg, "pong_timeout_s", 0, 0, 86400, &c->pong_s, &err);
	if (rc == LC_OK) rc = lc_config_get_double(c->cfg, "reconnect_base_s", 2, 0.001, 3600, &c->rc_base_s, &err);
	if (rc == LC_OK) rc = lc_config_get_double(c->cfg, "reconnect_cap_s", 60, 0.001, 86400, &c->rc_cap_s, &err);
	if (rc == LC_OK) rc = lc_config_get_double(c->cfg, "token_refresh_margin_s", 60, 0, 3600, &c->margin_s, &err);
	an_config_default(&c->acfg);
	if (rc == LC_OK) rc = an_config_apply(&c->acfg, c->cfg, &err);
	if (rc != LC_OK) {
		fprintf(stderr, "cxrecord: %s\n", lc_err_text(&err));
		return lc_cli_config_exit(rc);
	}
	c->base_url = lc_config_get(c->cfg, "base_url");
	c->user_id = lc_config_get(c->cfg, "user_id");
	c->client_id = lc_config_get(c->cfg, "client_id");
	c->secret = lc_config_get(c->cfg, "client_secret");
	c->cacert = lc_config_get(c->cfg, "cacert");
	c->key_file = lc_config_get(c->cfg, "key_file");
	c->scopes = lc_config_get(c->cfg, "scopes");
	if (c->tape == NULL)
		return lc_cli_usage_error(a, "--tape DIR is required");
	if (c->base_url == NULL)
		return lc_cli_usage_error(a, "no server: give --base-url URL or set CXONE_BASE_URL");
	if (c->insecure)
		lc_warn("*** --insecure: the server's TLS certificate is NOT verified; anyone on the path can "
		        "read the token and the chats. Use --cacert FILE instead. ***");
	return -1;
}

static lc_status
open_tape(const rec_cfg *c, lc_redactor **red, lc_tape **tape, lc_err *err)
{
	lc_tape_opts to;
	lc_status rc;

	if ((rc = lc_redactor_open(c->key_file, 0, red, err)) != LC_OK)
		return rc;
	lc_tape_opts_init(&to);
	to.redactor = *red;
	return lc_tape_open_write(c->tape, &to, tape, err);
}

/* The session annotation the analyzer reads the agent from. */
static void
note_session(rec_capture *cap, const char *agent, const char *site)
{
	lc_buf b;
	cx_event ev;

	lc_buf_init(&b, 4096);
	if (lc_buf_append_str(&b, "{\"agent\":") == LC_OK && lc_json_append_string(&b, lc_bytes_str(agent)) == LC_OK &&
	    lc_buf_append_str(&b, ",\"site\":") == LC_OK && lc_json_append_string(&b, lc_bytes_str(site)) == LC_OK &&
	    lc_buf_append_str(&b, ",\"tool\":\"cxrecord " CXTAPE_VERSION "\"}") == LC_OK) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = CX_ANNOTATION;
		ev.reason = lc_bytes_str("session");
		ev.raw = lc_buf_bytes(&b);
		rec_capture_put(cap, &ev);
	}
	lc_buf_free(&b);
}

static an_format
report_format(const char *path, const char *fmt)
{
	an_format f = AN_FORMAT_TEXT;
	const char *dot = path ? strrchr(path, '.') : NULL;

	if (fmt && an_format_parse(fmt, &f) == LC_OK)
		return f;
	if (dot && strcmp(dot, ".json") == 0)
		return AN_FORMAT_JSON;
	if (dot && strcmp(dot, ".csv") == 0)
		return AN_FORMAT_CSV;
	return AN_FORMAT_TEXT;
}

/* Everything one recording run holds; released in reverse in record_teardown. */
typedef struct rec_run {
	lc_redactor *red;
	lc_tape *tape;
	rec_capture *cap;
	lc_http *http;
	lc_oauth *auth;
	rec_worker *worker;
	rec_stream *stream;
	rec_agent *agent;
	rec_live *live;
	FILE *findings;
	char session[LC_SESSION_ID_MAX];
	char site[256];
	rec_stream_stats sstats;   /* taken before the stream is freed */
	uint64_t worker_refused;
} rec_run;

static lc_status
record_setup(rec_run *r, const rec_cfg *c, lc_err *err)
{
	lc_tls_opts tls = {c->cacert, c->insecure};
	rec_worker_opts wo;
	rec_stream_opts so;
	rec_agent_opts ao;
	an_config acfg;
	lc_status rc;

	lc_url_host(c->base_url, r->site, sizeof(r->site));
	if ((rc = lc_oauth_new(c->client_id, c->secret, c->shadow ? REC_SCOPES_SHADOW
	                       : c->scopes ? c->scopes : REC_SCOPES_AGENT, &r->auth, err)) != LC_OK)
		return rc;
	lc_oauth_set_margin(r->auth, c->margin_s);
	if ((rc = open_tape(c, &r->red, &r->tape, err)) != LC_OK)
		return rc;
	if ((rc = rec_capture_new(r->tape, &r->cap, err)) != LC_OK)
		return rc;
	if ((rc = lc_tape_session_begin(r->tape, c->user_id, r->site, r->session, err)) != LC_OK)
		return rc;
	note_session(r->cap, c->user_id, r->site);
	if ((rc = lc_tape_flush(r->tape, err)) != LC_OK)   /* the follower needs the session committed */
		return rc;
	lc_info("recording session %s into %s", r->session, c->tape);
	if (c->analyze) {
		acfg = c->acfg;
		if (c->findings && (r->findings = fopen(c->findings, "w")) == NULL)
			return lc_err_set(err, LC_EIO, "cannot write --findings %s: %m", c->findings);
		if ((rc = rec_live_start(r->tape, r->session, &acfg, r->findings ? r->findings : stdout,
		                         &r->live, err)) != LC_OK)
			return rc;
	}
	if ((rc = rec_api_http_new(c->base_url, &tls, r->cap, &r->http, err)) != LC_OK)
		return rc;
	rec_stream_opts_init(&so);
	so.base_url = c->base_url;
	so.tls = tls;
	so.ping_s = (unsigned)c->ping_s;
	so.pong_timeout_s = c->pong_s;
	so.backoff_base_ms = (uint32_t)(c->rc_base_s * 1000);
	so.backoff_cap_ms = (uint32_t)(c->rc_cap_s * 1000);
	so.max_retries = c->max_retries;
	so.cap = r->cap;
	so.hooks = (rec_stream_hooks){rec_agent_on_open, rec_agent_on_frame, rec_agent_on_close,
	                              rec_agent_on_sent, NULL, rec_agent_on_dead};
	if ((rc = rec_stream_new(&so, &r->stream, err)) != LC_OK)
		return rc;
	memset(&wo, 0, sizeof(wo));
	wo.api = (lc_oauth_api){r->http, r->auth, (unsigned)c->rest_retries, NULL, NULL, rec_api_scope_for};
	wo.user_id = c->user_id;
	wo.skills = c->skills;
	wo.n_skills = c->n_skills;
	wo.done = rec_stream_job_done;
	wo.ud = r->stream;
	if ((rc = rec_worker_start(&wo, &r->worker, err)) != LC_OK)
		return rc;
	rec_stream_set_worker(r->stream, r->worker);
	memset(&ao, 0, sizeof(ao));
	ao.user_id = c->user_id;
	ao.max_concurrent = (unsigned)c->max_concurrent;
	ao.auto_reply = c->auto_reply;
	ao.reply_min_ms = c->reply_min_ms;
	ao.reply_max_ms = c->reply_max_ms;
	ao.shadow = c->shadow;
	ao.latency_sla_ms = (uint32_t)c->sla_ms;
	if ((rc = rec_agent_new(&ao, r->worker, &r->agent, err)) != LC_OK)
		return rc;
	rec_agent_attach(r->agent, r->stream);
	rec_stream_hooks_ud(r->stream, r->agent);
	return LC_OK;
}

static void
log_summary(rec_run *r)
{
	rec_capture_stats cs;
	rec_stream_stats ss = r->sstats;
	rec_agent_stats as;
	lc_tape_stats ts;

	rec_capture_stats_get(r->cap, &cs);
	lc_tape_stats_get(r->tape, &ts);
	if (r->agent)
		rec_agent_stats_get(r->agent, &as);
	else
		memset(&as, 0, sizeof(as));
	lc_info("session %s: %llu events committed (%llu frames in, %llu out, %llu http), %llu malformed "
	        "frames, %llu stream opens, %llu closes, %llu refused handshakes", r->session,
	        (unsigned long long)ts.committed, (unsigned long long)cs.frames_in,
	        (unsigned long long)cs.frames_out, (unsigned long long)cs.http, (unsigned long long)cs.malformed,
	        (unsigned long long)ss.opens, (unsigned long long)ss.closes,
	        (unsigned long long)ss.refused_handshakes);
	if (as.acked)
		lc_info("agent: %llu chats assigned, %llu ended, %llu replies acked, mean latency %.1f ms, "
		        "max %.1f ms, %llu over the SLA, %llu resent after 429, %llu unsent replies dropped "
		        "when their chat ended", (unsigned long long)as.assigned,
		        (unsigned long long)as.ended, (unsigned long long)as.acked,
		        (double)as.latency_sum_ns / 1e6 / (double)as.acked, (double)as.latency_max_ns / 1e6,
		        (unsigned long long)as.breaches, (unsigned long long)as.resent,
		        (unsigned long long)as.replies_dropped);
	if (cs.refused || ts.dropped || ss.send_refused || r->worker_refused)
		lc_error("NOT KEPT: %llu events refused by the tape, %llu dropped by it, %llu outbound frames "
		         "and %llu REST jobs refused by full queues", (unsigned long long)cs.refused,
		         (unsigned long long)ts.dropped, (unsigned long long)ss.send_refused,
		         (unsigned long long)r->worker_refused);
}

/* Stop in order: presence offline, stream gone, everything durable, analysis drained, tape closed. */
static lc_status
record_teardown(rec_run *r, const rec_cfg *c, lc_status rc, lc_err *err)
{
	rec_job off;
	lc_err e2 = LC_ERR_INIT;
	lc_status st;
	uint64_t lost = 0;

	memset(&off, 0, sizeof(off));
	off.kind = REC_JOB_PRESENCE;
	snprintf(off.arg, sizeof(off.arg), "offline");
	r->worker_refused = r->worker ? rec_worker_refused(r->worker) : 0;
	rec_worker_stop(r->worker, r->worker && !c->shadow && r->stream ? &off : NULL);
	r->worker = NULL;
	if (r->stream)
		rec_stream_stats_get(r->stream, &r->sstats);
	rec_stream_free(r->stream);
	r->stream = NULL;
	if (r->tape) {
		if ((st = lc_tape_flush(r->tape, &e2)) == LC_OK && r->session[0])
			st = lc_tape_session_end(r->tape, &e2);
		if (st == LC_OK)
			st = lc_tape_flush(r->tape, &e2);
		if (st != LC_OK && rc == LC_OK)
			rc = lc_err_set(err, st, "%s", lc_err_text(&e2));
	}
	if (r->live) {
		lc_err e3 = LC_ERR_INIT;
		st = rec_live_finish(r->live, c->report, report_format(c->report, c->format), NULL, &e3);
		if (st != LC_OK && rc == LC_OK)
			rc = lc_err_set(err, st, "%s", lc_err_text(&e3));
	}
	if (r->findings && fclose(r->findings) != 0 && rc == LC_OK)
		rc = lc_err_set(err, LC_EIO, "cannot write --findings %s", c->findings);
	if (r->tape && r->cap) {
		rec_capture_stats cs;
		lc_tape_stats ts;
		log_summary(r);
		rec_capture_stats_get(r->cap, &cs);
		lc_tape_stats_get(r->tape, &ts);
		lost = cs.refused + ts.dropped;
	}
	rec_agent_free(r->agent);
	if (r->tape) {
		lc_err e4 = LC_ERR_INIT;
		if ((st = lc_tape_close(r->tape, &e4)) != LC_OK && rc == LC_OK)
			rc = lc_err_set(err, st, "%s", lc_err_text(&e4));
	}
	rec_capture_free(r->cap);
	lc_http_free(r->http);
	lc_oauth_free(r->auth);
	lc_redactor_free(r->red);
	if (rc == LC_OK && lost)
		rc = lc_err_set(err, LC_EFULL, "%llu events could not be kept (the tape's queue was full: "
		    "the disk did not keep up); see the log above", (unsigned long long)lost);
	return rc;
}

static int
rec_cli_record(lc_cli *a, void *ud)
{
	const volatile sig_atomic_t *stop = ((const rec_cli_ctx *)ud)->stop;
	const char *vals[sizeof(cfg_flags) / sizeof(cfg_flags[0])] = {0};
	rec_cfg c;
	rec_run r;
	lc_err err = LC_ERR_INIT;
	lc_status rc;
	bool insecure = false;
	int ex;

	memset(&c, 0, sizeof(c));
	memset(&r, 0, sizeof(r));
	c.max_retries = -1;
	if ((ex = parse_args(a, &c, vals, &insecure)) >= 0)
		return ex;
	if ((ex = resolve(a, &c, vals, insecure)) >= 0)
		goto out;
	if (c.user_id == NULL && !c.shadow) {
		ex = lc_cli_usage_error(a, "no agent: give --user-id ID or set CXONE_USER_ID (or use --shadow)");
		goto out;
	}
	if (c.user_id == NULL)
		c.user_id = "shadow";
	if ((c.findings || c.report) && !c.analyze) {
		ex = lc_cli_usage_error(a, "--findings and --report need --analyze");
		goto out;
	}
	rc = record_setup(&r, &c, &err);
	if (rc == LC_OK)
		rc = rec_stream_run(r.stream, stop, c.duration_s, &err);
	rc = record_teardown(&r, &c, rc, &err);
	if (rc != LC_OK)
		fprintf(stderr, "cxrecord: %s\n", lc_err_text(&err));
	ex = lc_cli_exit(rc);
out:
	lc_config_free(c.cfg);
	return ex;
}

/* ------------------------------------------------------------------ archive */

static lc_status
archive_page(void *ud, lc_bytes conversation, lc_bytes body)
{
	lc_tape *t = ud;
	lc_err err = LC_ERR_INIT;
	lc_status rc;
	uint64_t n = 0;

	(void)conversation;
	if ((rc = rec_import_transcript(t, body, "transcript page", &n, &err)) != LC_OK)
		lc_error("%s", lc_err_text(&err));
	return rc;
}

static int
rec_cli_archive(lc_cli *a, void *ud)
{
	const volatile sig_atomic_t *stop = ((const rec_cli_ctx *)ud)->stop;
	const char *vals[sizeof(cfg_flags) / sizeof(cfg_flags[0])] = {0};
	lc_tls_opts tls;
	rec_cfg c;
	rec_run r;
	lc_oauth_api api;
	lc_err err = LC_ERR_INIT;
	lc_status rc = LC_OK;
	bool insecure = false;
	int ex;

	memset(&c, 0, sizeof(c));
	memset(&r, 0, sizeof(r));
	if ((ex = parse_args(a, &c, vals, &insecure)) >= 0)
		return ex;
	if ((ex = resolve(a, &c, vals, insecure)) >= 0)
		goto out;
	if (c.n_convs == 0) {
		ex = lc_cli_usage_error(a, "archive needs --conversation ID (one or more)");
		goto out;
	}
	tls = (lc_tls_opts){c.cacert, c.insecure};
	lc_url_host(c.base_url, r.site, sizeof(r.site));
	if ((rc = lc_oauth_new(c.client_id, c.secret, "chat:read", &r.auth, &err)) == LC_OK &&
	    (rc = open_tape(&c, &r.red, &r.tape, &err)) == LC_OK &&
	    (rc = rec_capture_new(r.tape, &r.cap, &err)) == LC_OK &&
	    (rc = lc_tape_session_begin(r.tape, c.user_id, r.site, r.session, &err)) == LC_OK)
		rc = rec_api_http_new(c.base_url, &tls, r.cap, &r.http, &err);
	if (rc == LC_OK)
		note_session(r.cap, c.user_id ? c.user_id : "", r.site);
	api = (lc_oauth_api){r.http, r.auth, (unsigned)c.rest_retries, NULL, NULL, rec_api_scope_for};
	for (size_t i = 0; rc == LC_OK && i < c.n_convs && !*stop; i++) {
		unsigned pages = 0;
		rc = rec_api_transcript(&api, c.convs[i], archive_page, r.tape, &pages, &err);
		if (rc == LC_OK)
			lc_info("conversation %s: %u pages archived", c.convs[i], pages);
	}
	rc = record_teardown(&r, &c, rc, &err);
	if (rc != LC_OK)
		fprintf(stderr, "cxrecord archive: %s\n", lc_err_text(&err));
	ex = lc_cli_exit(rc);
out:
	lc_config_free(c.cfg);
	return ex;
}

/* ------------------------------------------------------------------ import */

static int
rec_cli_import(lc_cli *a, void *ud)
{
	const volatile sig_atomic_t *stop = ((const rec_cli_ctx *)ud)->stop;
	lc_redactor *red = NULL;
	lc_tape *tape = NULL;
	lc_tape_opts to;
	lc_err err = LC_ERR_INIT, e2 = LC_ERR_INIT;
	const char *tapedir = NULL, *key_file = getenv("CXTAPE_KEY_FILE");
	char session[LC_SESSION_ID_MAX];
	lc_status rc, st;
	uint64_t n = 0;
	const char *v;
	int o;

	while (lc_cli_next(a, &o, &v)) {
		if (o == O_TAPE)
			tapedir = v;
		else if (o == O_KEY)
			key_file = v;
	}
	if (tapedir == NULL || a->n_operands == 0)
		return lc_cli_usage_error(a, "import needs --tape DIR and at least one FILE");
	if ((rc = lc_redactor_open(key_file, 0, &red, &err)) == LC_OK) {
		lc_tape_opts_init(&to);
		to.redactor = red;
		rc = lc_tape_open_write(tapedir, &to, &tape, &err);
	}
	if (rc == LC_OK)
		rc = lc_tape_session_begin(tape, NULL, "import", session, &err);
	for (int i = 0; rc == LC_OK && i < a->n_operands && !*stop; i++) {
		uint64_t before = n;
		if ((rc = rec_import_file(tape, a->operands[i], &n, &err)) == LC_OK)
			lc_info("%s: %llu events imported", a->operands[i], (unsigned long long)(n - before));
	}
	if (tape && (st = lc_tape_close(tape, &e2)) != LC_OK && rc == LC_OK)
		rc = lc_err_set(&err, st, "%s", lc_err_text(&e2));
	lc_redactor_free(red);
	if (rc != LC_OK)
		fprintf(stderr, "cxrecord import: %s\n", lc_err_text(&err));
	else
		lc_info("imported %llu events into session %s of %s", (unsigned long long)n, session, tapedir);
	return lc_cli_exit(rc);
}
