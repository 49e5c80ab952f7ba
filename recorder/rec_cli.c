/* SPDX-License-Identifier: MIT */
/* rec_cli: option parsing and the run of each cxrecord subcommand, wiring the recorder's modules. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_engine.h"
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

const char rec_cli_usage[] =
	"usage: cxrecord --tape DIR [--base-url URL] [--user-id ID] [--duration S] [--analyze]\n"
	"                [--findings FILE.jsonl] [--report FILE] [--format text|json|csv]\n"
	"                [--max-concurrent N] [--skill NAME[:PROFICIENCY]]... [--auto-reply] [--shadow]\n"
	"                [--reply-delay MS[-MS]]\n"
	"                [--config FILE] [--cacert FILE] [--insecure] [--max-retries N] [--rest-retries N]\n"
	"                [--ping-interval S] [--reconnect-base S] [--reconnect-cap S] [--key-file FILE]\n"
	"       cxrecord archive --tape DIR --conversation ID... [--base-url URL] [--config FILE] [--cacert FILE]\n"
	"       cxrecord import  --tape DIR FILE...\n"
	"       cxrecord --help | --version\n";

static const char help_text[] =
	"\nRecord the CXone chat stream and every REST exchange into a tape (see docs/recorder.md).\n"
	"Credentials come from CXONE_CLIENT_ID / CXONE_CLIENT_SECRET or a 0600 --config file, never flags.\n"
	"  --tape DIR              the tape (created if missing)\n"
	"  --base-url URL          https://SITE.cxone.com, or the simulator (default $CXONE_BASE_URL)\n"
	"  --user-id ID            the agent's user id for presence and routing ($CXONE_USER_ID)\n"
	"  --duration S            stop after S seconds (default: until SIGINT/SIGTERM)\n"
	"  --analyze               run the analyzer live; findings as JSON lines to --findings or stdout\n"
	"  --report FILE           with --analyze: the analyzer's report at exit (format from --format\n"
	"                          or the extension .json/.csv/.txt)\n"
	"  --max-concurrent N      chats at once before presence goes busy (default 4)\n"
	"  --skill NAME[:P]        a routing skill with proficiency 0-10 (repeat)\n"
	"  --auto-reply            answer each customer message with a short line (demos, tests)\n"
	"  --reply-delay MS[-MS]   with --auto-reply: wait this long (or a random time in the range)\n"
	"  --shadow                observe only: no presence, routing or messages; asks for chat:read only\n"
	"  --cacert FILE           CA certificate (PEM) to verify the server with\n"
	"  --insecure              do not verify the server's certificate (dangerous; warns)\n"
	"  --max-retries N         stream reconnect attempts in a row before giving up (default: no limit)\n"
	"  --rest-retries N        retries of a REST call answered 429 (default 5)\n"
	"  --ping-interval S       WebSocket ping period (default 20)\n"
	"  --reconnect-base S, --reconnect-cap S   backoff with full jitter (default 2 and 60)\n"
	"  --key-file FILE         redaction key (default $CXTAPE_KEY_FILE or ~/.config/cxtape/redact.key)\n"
	"Exit status: 0 ok (also after SIGINT/SIGTERM), 1 runtime failure, 2 usage, 3 bad data.\n";

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
	double ping_s, rc_base_s, rc_cap_s, margin_s;
	const char *scopes;
} rec_cfg;

static int
usage_error(const char *fmt, const char *arg)
{
	fputs("cxrecord: ", stderr);
	fprintf(stderr, fmt, arg ? arg : "");
	fputs("\n", stderr);
	fputs(rec_cli_usage, stderr);
	return 2;
}

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

enum { O_TAPE = 256, O_BASE, O_USER, O_DUR, O_ANALYZE, O_FINDINGS, O_REPORT, O_FORMAT, O_MAXC, O_SKILL,
       O_AUTO, O_SHADOW, O_CONFIG, O_CACERT, O_INSECURE, O_MAXR, O_RESTR, O_PING, O_RCBASE, O_RCCAP,
       O_KEY, O_CONV, O_HELP, O_VERSION, O_RDELAY };

static const struct option longopts[] = {
	{"tape", required_argument, NULL, O_TAPE}, {"base-url", required_argument, NULL, O_BASE},
	{"user-id", required_argument, NULL, O_USER}, {"duration", required_argument, NULL, O_DUR},
	{"analyze", no_argument, NULL, O_ANALYZE}, {"findings", required_argument, NULL, O_FINDINGS},
	{"report", required_argument, NULL, O_REPORT}, {"format", required_argument, NULL, O_FORMAT},
	{"max-concurrent", required_argument, NULL, O_MAXC}, {"skill", required_argument, NULL, O_SKILL},
	{"auto-reply", no_argument, NULL, O_AUTO}, {"shadow", no_argument, NULL, O_SHADOW},
	{"config", required_argument, NULL, O_CONFIG}, {"cacert", required_argument, NULL, O_CACERT},
	{"insecure", no_argument, NULL, O_INSECURE}, {"max-retries", required_argument, NULL, O_MAXR},
	{"rest-retries", required_argument, NULL, O_RESTR}, {"ping-interval", required_argument, NULL, O_PING},
	{"reconnect-base", required_argument, NULL, O_RCBASE},
	{"reconnect-cap", required_argument, NULL, O_RCCAP}, {"key-file", required_argument, NULL, O_KEY},
	{"conversation", required_argument, NULL, O_CONV}, {"help", no_argument, NULL, O_HELP},
	{"version", no_argument, NULL, O_VERSION}, {"reply-delay", required_argument, NULL, O_RDELAY},
	{NULL, 0, NULL, 0},
};

/* Flags that are config keys go through lc_config so the file, the environment and flags layer. */
static const struct { int opt; const char *key; } cfg_flags[] = {
	{O_BASE, "base_url"}, {O_USER, "user_id"}, {O_MAXC, "max_concurrent"}, {O_CACERT, "cacert"},
	{O_RESTR, "rest_retries"}, {O_PING, "ping_interval_s"}, {O_RCBASE, "reconnect_base_s"},
	{O_RCCAP, "reconnect_cap_s"}, {O_KEY, "key_file"},
};

/* Returns -1 to go on, else the exit code. Flag values wait in vals[] until the config is loaded. */
static int
parse_args(int argc, char **argv, rec_cfg *c, const char *vals[], bool *insecure_flag)
{
	lc_err err = LC_ERR_INIT;
	int o;
	double d;

	opterr = 0;
	optind = 1;
	while ((o = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (o) {
		case O_TAPE: c->tape = optarg; break;
		case O_DUR:
			if (parse_num(optarg, 0.001, 1e9, &c->duration_s))
				return usage_error("--duration wants seconds > 0, got '%s'", optarg);
			break;
		case O_ANALYZE: c->analyze = true; break;
		case O_FINDINGS: c->findings = optarg; break;
		case O_REPORT: c->report = optarg; break;
		case O_FORMAT: c->format = optarg; break;
		case O_SKILL:
			if (c->n_skills >= REC_SKILLS_MAX)
				return usage_error("--skill: at most 32, got more at '%s'", optarg);
			if (rec_skill_parse(optarg, &c->skills[c->n_skills++], &err) != LC_OK)
				return usage_error("%s", lc_err_text(&err));
			break;
		case O_AUTO: c->auto_reply = true; break;
		case O_RDELAY: {
			double lo, hi;
			char buf[64], *dash;

			snprintf(buf, sizeof(buf), "%s", optarg);
			dash = strchr(buf + 1, '-');
			if (dash)
				*dash = 0;
			if (parse_num(buf, 0, 3600000, &lo) || parse_num(dash ? dash + 1 : buf, lo, 3600000, &hi))
				return usage_error("--reply-delay wants MS or MIN-MAX in ms (0-3600000), got '%s'", optarg);
			c->reply_min_ms = (uint32_t)lo;
			c->reply_max_ms = (uint32_t)hi;
			break;
		}
		case O_SHADOW: c->shadow = true; break;
		case O_CONFIG: c->config = optarg; break;
		case O_INSECURE: *insecure_flag = true; break;
		case O_MAXR:
			if (parse_num(optarg, 0, 1e9, &d))
				return usage_error("--max-retries wants a count >= 0, got '%s'", optarg);
			c->max_retries = (long)d;
			break;
		case O_CONV:
			if (c->n_convs >= REC_CONVS_ARG_MAX)
				return usage_error("--conversation: at most 256 per run, got more at '%s'", optarg);
			c->convs[c->n_convs++] = optarg;
			break;
		case O_HELP:
			fputs(rec_cli_usage, stdout);
			fputs(help_text, stdout);
			return 0;
		case O_VERSION:
			printf("cxrecord %s\n", CXTAPE_VERSION);
			return 0;
		case ':':
			return usage_error("%s needs a value", argv[optind - 1]);
		case '?':
			return usage_error("unknown option '%s'", argv[optind - 1]);
		default:
			for (size_t i = 0; i < sizeof(cfg_flags) / sizeof(cfg_flags[0]); i++)
				if (cfg_flags[i].opt == o)
					vals[i] = optarg;
			break;
		}
	}
	return -1;
}

/* Load the config (file, environment, flags) and read every setting. -1 to go on, else exit code. */
static int
resolve(rec_cfg *c, const char *vals[], bool insecure_flag)
{
	lc_err err = LC_ERR_INIT;
	lc_status rc;
	char origin[32];

	rc = lc_config_load(c->config, &c->cfg, &err);
	for (size_t i = 0; rc == LC_OK && i < sizeof(cfg_flags) / sizeof(cfg_flags[0]); i++)
		if (vals[i]) {
			snprintf(origin, sizeof(origin), "--%s", longopts[cfg_flags[i].opt - O_TAPE].name);
			rc = lc_config_set(c->cfg, cfg_flags[i].key, vals[i], origin, &err);
		}
	if (rc == LC_OK && insecure_flag)
		rc = lc_config_set(c->cfg, "insecure", "true", "--insecure", &err);
	if (rc == LC_OK) rc = lc_config_get_bool(c->cfg, "insecure", false, &c->insecure, &err);
	if (rc == LC_OK) rc = lc_config_get_int(c->cfg, "max_concurrent", 4, 1, 1000, &c->max_concurrent, &err);
	if (rc == LC_OK) rc = lc_config_get_int(c->cfg, "rest_retries", 5, 0, 20, &c->rest_retries, &err);
	if (rc == LC_OK) rc = lc_config_get_int(c->cfg, "sla_latency_ms", 2000, 1, 3600000, &c->sla_ms, &err);
	if (rc == LC_OK) rc = lc_config_get_double(c->cfg, "ping_interval_s", 20, 1, 3600, &c->ping_s, &err);
	if (rc == LC_OK) rc = lc_config_get_double(c->cfg, "reconnect_base_s", 2, 0.001, 3600, &c->rc_base_s, &err);
	if (rc == LC_OK) rc = lc_config_get_double(c->cfg, "reconnect_cap_s", 60, 0.001, 86400, &c->rc_cap_s, &err);
	if (rc == LC_OK) rc = lc_config_get_double(c->cfg, "token_refresh_margin_s", 60, 0, 3600, &c->margin_s, &err);
	if (rc != LC_OK) {
		fprintf(stderr, "cxrecord: %s\n", lc_err_text(&err));
		return lc_status_exit_code(rc) == 1 ? 2 : lc_status_exit_code(rc);
	}
	c->base_url = lc_config_get(c->cfg, "base_url");
	c->user_id = lc_config_get(c->cfg, "user_id");
	c->client_id = lc_config_get(c->cfg, "client_id");
	c->secret = lc_config_get(c->cfg, "client_secret");
	c->cacert = lc_config_get(c->cfg, "cacert");
	c->key_file = lc_config_get(c->cfg, "key_file");
	c->scopes = lc_config_get(c->cfg, "scopes");
	if (c->tape == NULL)
		return usage_error("--tape DIR is required%s", "");
	if (c->base_url == NULL)
		return usage_error("no server: give --base-url URL or set CXONE_BASE_URL%s", "");
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
		an_config_default(&acfg);
		acfg.latency_sla_ms = (uint32_t)c->sla_ms;
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
	so.backoff_base_ms = (uint32_t)(c->rc_base_s * 1000);
	so.backoff_cap_ms = (uint32_t)(c->rc_cap_s * 1000);
	so.max_retries = c->max_retries;
	so.cap = r->cap;
	so.hooks = (rec_stream_hooks){rec_agent_on_open, rec_agent_on_frame, rec_agent_on_close,
	                              rec_agent_on_sent, NULL};
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

int
rec_cli_record(int argc, char **argv, const volatile sig_atomic_t *stop)
{
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
	if ((ex = parse_args(argc, argv, &c, vals, &insecure)) >= 0)
		return ex;
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (c.n_convs)
		return usage_error("--conversation belongs to 'cxrecord archive'%s", "");
	if ((ex = resolve(&c, vals, insecure)) >= 0)
		goto out;
	if (c.user_id == NULL && !c.shadow) {
		ex = usage_error("no agent: give --user-id ID or set CXONE_USER_ID (or use --shadow)%s", "");
		goto out;
	}
	if (c.user_id == NULL)
		c.user_id = "shadow";
	if ((c.findings || c.report) && !c.analyze) {
		ex = usage_error("--findings and --report need --analyze%s", "");
		goto out;
	}
	rc = record_setup(&r, &c, &err);
	if (rc == LC_OK)
		rc = rec_stream_run(r.stream, stop, c.duration_s, &err);
	rc = record_teardown(&r, &c, rc, &err);
	if (rc != LC_OK)
		fprintf(stderr, "cxrecord: %s\n", lc_err_text(&err));
	ex = lc_status_exit_code(rc);
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

int
rec_cli_archive(int argc, char **argv, const volatile sig_atomic_t *stop)
{
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
	if ((ex = parse_args(argc, argv, &c, vals, &insecure)) >= 0)
		return ex;
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if ((ex = resolve(&c, vals, insecure)) >= 0)
		goto out;
	if (c.n_convs == 0) {
		ex = usage_error("archive needs --conversation ID (one or more)%s", "");
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
	ex = lc_status_exit_code(rc);
out:
	lc_config_free(c.cfg);
	return ex;
}

/* ------------------------------------------------------------------ import */

int
rec_cli_import(int argc, char **argv, const volatile sig_atomic_t *stop)
{
	lc_redactor *red = NULL;
	lc_tape *tape = NULL;
	lc_tape_opts to;
	lc_err err = LC_ERR_INIT, e2 = LC_ERR_INIT;
	const char *tapedir = NULL, *key_file = getenv("CXTAPE_KEY_FILE");
	char session[LC_SESSION_ID_MAX];
	lc_status rc, st;
	uint64_t n = 0;
	int o;

	opterr = 0;
	optind = 1;
	while ((o = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (o == O_TAPE)
			tapedir = optarg;
		else if (o == O_KEY)
			key_file = optarg;
		else if (o == O_HELP)
			return fputs(rec_cli_usage, stdout), 0;
		else if (o == ':')
			return usage_error("%s needs a value", argv[optind - 1]);
		else
			return usage_error("import: unknown or misplaced option '%s'", argv[optind - 1]);
	}
	if (tapedir == NULL || optind >= argc)
		return usage_error("import needs --tape DIR and at least one FILE%s", "");
	if ((rc = lc_redactor_open(key_file, 0, &red, &err)) == LC_OK) {
		lc_tape_opts_init(&to);
		to.redactor = red;
		rc = lc_tape_open_write(tapedir, &to, &tape, &err);
	}
	if (rc == LC_OK)
		rc = lc_tape_session_begin(tape, NULL, "import", session, &err);
	for (int i = optind; rc == LC_OK && i < argc && !*stop; i++) {
		uint64_t before = n;
		if ((rc = rec_import_file(tape, argv[i], &n, &err)) == LC_OK)
			lc_info("%s: %llu events imported", argv[i], (unsigned long long)(n - before));
	}
	if (tape && (st = lc_tape_close(tape, &e2)) != LC_OK && rc == LC_OK)
		rc = lc_err_set(&err, st, "%s", lc_err_text(&e2));
	lc_redactor_free(red);
	if (rc != LC_OK)
		fprintf(stderr, "cxrecord import: %s\n", lc_err_text(&err));
	else
		lc_info("imported %llu events into session %s of %s", (unsigned long long)n, session, tapedir);
	return lc_status_exit_code(rc);
}
