/* SPDX-License-Identifier: MIT */
/* test_rec_live: cxrecord against cxsim on loopback — every scenario, faults, signals, secrets, live analysis. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "an_engine.h"
#include "an_source.h"
#include "lc_tape.h"
#include "sim_harness.h"
#include "tape_events.h"

typedef struct rec_env {
	char dir[128];
	char tape[192];
	char log[192];
	sim_proc sim;
	bool sim_up;
} rec_env;

/*
 * The running test's environment, so the suite's fini can stop cxsim and a
 * recorder still running when an assertion ended the test early (each test
 * is its own process: this is per test, not shared).
 */
static rec_env *current_env;
static pid_t current_rec;

static void
rec_live_fini(void)
{
	if (current_rec > 0) {
		kill(current_rec, SIGKILL);
		waitpid(current_rec, NULL, 0);
	}
	if (current_env && current_env->sim_up)
		sim_stop(&current_env->sim);
}

TestSuite(rec_live, .fini = rec_live_fini);

static void
scenario_path(const char *name, char *out, size_t n)
{
	const char *src = getenv("CXTAPE_SRC");
	snprintf(out, n, "%s/fixtures/scenarios/%s", src && *src ? src : ".", name);
}

/* A temp dir, the credentials in the environment, and cxsim with the scenario (NULL: none) and extra args. */
static void
env_up(rec_env *e, const char *scenario, const char *const *extra)
{
	const char *args[SIM_HARNESS_ARGS_MAX];
	char scen[512];
	size_t n = 0;

	memset(e, 0, sizeof(*e));
	rec_dir_up("test-rec-live", e->dir, sizeof(e->dir), e->tape, sizeof(e->tape), e->log, sizeof(e->log));
	unsetenv("CXONE_BASE_URL");
	unsetenv("CXONE_USER_ID");
	args[n++] = "--time-scale";
	args[n++] = "0.05";
	if (scenario) {
		scenario_path(scenario, scen, sizeof(scen));
		args[n++] = "--scenario";
		args[n++] = scen;
	}
	for (size_t i = 0; extra && extra[i] && n < SIM_HARNESS_ARGS_MAX - 1; i++)
		args[n++] = extra[i];
	args[n] = NULL;
	cr_assert_eq(sim_start(&e->sim, args), 0, "cxsim did not start");
	e->sim_up = true;
	current_env = e;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (n >= 0 && (b = malloc((size_t)n + 1)) != NULL) {
		if (fread(b, 1, (size_t)n, f) != (size_t)n) {
			free(b);
			b = NULL;
		} else {
			b[n] = 0;
			if (len)
				*len = (size_t)n;
		}
	}
	fclose(f);
	return b;
}

static bool
log_has(const rec_env *e, const char *needle)
{
	char *l = slurp(e->log, NULL);
	bool yes = l && strstr(l, needle);
	free(l);
	return yes;
}

static void
env_down(rec_env *e)
{
	char cmd[256];

	if (e->sim_up)
		sim_stop(&e->sim);
	e->sim_up = false;
	if (current_env == e)
		current_env = NULL;     /* e may live on a stack frame that is about to end */
	cr_assert_not(log_has(e, "AddressSanitizer") || log_has(e, "runtime error:") ||
	              log_has(e, "LeakSanitizer"), "sanitizer report in %s", e->log);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", e->dir);
}

/* Start cxrecord --tape T --base-url SIM ARGS... (stdout and stderr to the log). */
static pid_t
rec_spawn(rec_env *e, const char *const *args, bool with_tape)
{
	const char *argv[64];
	char exe[512];
	size_t n = 0;
	pid_t pid;

	sim_bin_path("cxrecord", exe, sizeof(exe));
	argv[n++] = exe;
	if (with_tape) {
		argv[n++] = "--tape";
		argv[n++] = e->tape;
		argv[n++] = "--base-url";
		argv[n++] = e->sim.base;
	}
	for (size_t i = 0; args && args[i] && n < 62; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		FILE *f = fopen(e->log, "a");

		prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never outlive the test */
		if (f) {
			dup2(fileno(f), 1);
			dup2(fileno(f), 2);
		}
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	cr_assert_gt(pid, 0);
	current_rec = pid;
	return pid;
}

/* Exit status, or -1 after timeout_ms (then the child is killed). */
static int
rec_wait(pid_t pid, unsigned timeout_ms)
{
	uint64_t deadline = sim_now_ms() + timeout_ms;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid && (current_rec = 0) == 0)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (sim_now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			current_rec = 0;
			return -1;
		}
		sim_sleep_ms(20);
	}
}

static int
rec_run(rec_env *e, const char *const *args, unsigned timeout_ms)
{
	return rec_wait(rec_spawn(e, args, true), timeout_ms);
}

static void
tape_verifies(const char *dir)
{
	lc_tape *t = NULL;
	lc_err err = LC_ERR_INIT;
	uint64_t n = 0;

	cr_assert_eq(lc_tape_open_read(dir, &t, &err), LC_OK, "%s", lc_err_text(&err));
	cr_assert_eq(lc_tape_verify(t, &n, &err), LC_OK, "%s", lc_err_text(&err));
	cr_assert_gt(n, 0);
	cr_assert_eq(lc_tape_close(t, NULL), LC_OK);
}

/* /sim/stats "framesSent" total (-1 on failure). */
static long long
sim_frames_sent(const sim_proc *p)
{
	sim_resp r;
	long long n = -1;
	const char *k;

	if (sim_http(p, "GET", "/sim/stats", NULL, NULL, NULL, &r) == 0 && r.status == 200 &&
	    (k = strstr(r.body, "],\"framesSent\":")) != NULL)
		n = atoll(k + 15);
	sim_resp_free(&r);
	return n;
}

/* ------------------------------------------------------------------ the tests */

Test(rec_live, calm_day_puts_both_directions_and_rest_exchanges_on_the_tape_in_order)
{
	const char *args[] = {"--user-id", "agent-7", "--duration", "3", "--auto-reply", "--skill", "billing:5",
	                      "--skill", "shipping", NULL};
	rec_env e;
	tev *v;
	size_t n, opens = 0;
	bool session_note = false, presence = false, routing = false, transcript = false;

	env_up(&e, "calm-day.json", NULL);
	cr_assert_eq(rec_run(&e, args, 20000), 0, "cxrecord failed, see %s", e.log);
	n = tape_load(e.tape, &v);
	cr_assert_gt(count_kind(v, n, CX_FRAME_IN), 10, "customer frames recorded");
	cr_assert_gt(count_kind(v, n, CX_FRAME_OUT), 3, "auto-replies recorded");
	cr_assert_geq(count_kind(v, n, CX_TOKEN_REFRESH), 1);
	for (size_t i = 0; i < n; i++) {
		if (v[i].kind == CX_ANNOTATION && strcmp(v[i].reason, "session") == 0) {
			session_note = strstr(v[i].raw, "\"agent\":\"agent-7\"") && strstr(v[i].raw, "\"site\":\"127.0.0.1\"") &&
			               strstr(v[i].raw, "\"tool\":\"cxrecord ");
			cr_assert_eq(count_kind(v, i, CX_FRAME_IN), 0, "the session note comes first");
		}
		if (v[i].kind == CX_STREAM_OPEN && v[i].status == 101)
			opens++;
		if (i > 0 && v[i].kind != CX_ANNOTATION)
			cr_assert_geq(v[i].mono, v[i - 1].mono - 50000000, "seq order follows capture time");
		if (v[i].kind == CX_HTTP_REQUEST) {
			/* its response comes later with the same exchange and path */
			size_t j = i + 1;
			while (j < n && !(v[j].kind == CX_HTTP_RESPONSE && v[j].exchange == v[i].exchange))
				j++;
			cr_assert_lt(j, n, "request %s %s has its response", v[i].method, v[i].path);
			cr_assert_str_eq(v[j].path, v[i].path);
			presence |= strstr(v[i].path, "/presence/users/agent-7") && strstr(v[i].raw, "available");
			routing |= strstr(v[i].path, "/routing/users/agent-7") && strstr(v[i].raw, "\"availability\":") &&
			           strstr(v[i].raw, "{\"name\":\"billing\",\"proficiency\":5}") &&
			           strstr(v[i].raw, "{\"name\":\"shipping\"}");
			transcript |= strstr(v[i].path, "/transcript?pageSize=100") && v[i].conv[0] && v[j].status == 200;
		}
		if (v[i].kind == CX_FRAME_OUT) {
			cr_assert(strstr(v[i].raw, "\"type\":\"message\"") && strstr(v[i].raw, "\"messageId\":\"m-"));
			cr_assert(v[i].conv[0], "outbound frames carry their conversation");
		}
	}
	cr_assert(session_note, "session annotation with agent, site and tool");
	cr_assert_eq(opens, 1);
	cr_assert(presence && routing && transcript, "presence %d routing %d transcript %d", presence, routing, transcript);
	cr_assert(strcmp(v[n - 1].reason, "recorder stopping") == 0 || count_kind(v, n, CX_STREAM_CLOSE) == 1);
	tevs_free(v, n);
	tape_verifies(e.tape);
	env_down(&e);
}

Test(rec_live, a_dropped_stream_reconnects_with_a_fresh_token_and_the_gap_is_on_the_tape)
{
	const char *args[] = {"--user-id", "agent-7", "--duration", "3", "--reconnect-base", "0.02", NULL};
	char prev_auth[64] = "";
	rec_env e;
	tev *v;
	size_t n, opens = 0, closes = 0;
	bool refresh_between = false, malformed = false;

	env_up(&e, "flapping-network.json", NULL);
	cr_assert_eq(rec_run(&e, args, 20000), 0, "see %s", e.log);
	n = tape_load(e.tape, &v);
	for (size_t i = 0; i < n; i++) {
		if (v[i].kind == CX_STREAM_CLOSE) {
			closes++;
			cr_assert(v[i].reason[0], "a close says why");
			for (size_t j = i + 1; j < n && v[j].kind != CX_STREAM_OPEN; j++)
				refresh_between |= v[j].kind == CX_TOKEN_REFRESH;
		}
		if (v[i].kind == CX_STREAM_OPEN && v[i].status == 101) {
			opens++;
			cr_assert(strncmp(v[i].auth, "Bearer [redacted:", 17) == 0, "auth is a pseudonym: %s", v[i].auth);
			cr_assert_str_neq(v[i].auth, prev_auth, "every connection uses a new token");
			snprintf(prev_auth, sizeof(prev_auth), "%s", v[i].auth);
		}
		if (v[i].kind == CX_FRAME_IN && (v[i].flags & CX_F_MALFORMED))
			malformed |= strstr(v[i].raw, "unterminated") != NULL;
	}
	cr_assert_geq(opens, 3, "two drops and an expiry reconnect (opens %zu)", opens);
	cr_assert_geq(closes, 3);
	cr_assert(refresh_between, "a token refresh sits between a close and the next open");
	cr_assert(malformed, "the malformed frame is kept as received and flagged");
	cr_assert_gt(count_kind(v, n, CX_FRAME_IN), 5, "frames after the reconnects are captured");
	tevs_free(v, n);
	env_down(&e);
}

Test(rec_live, a_rest_429_storm_does_not_stop_frame_capture_and_retry_after_is_honoured)
{
	const char *args[] = {"--user-id", "agent-7", "--duration", "4.5", "--auto-reply", NULL};
	rec_env e;
	tev *v;
	size_t n;
	bool frames_while_waiting = false, waited = false;
	size_t stop_at;

	env_up(&e, "rate-limit-storm.json", NULL);
	cr_assert_eq(rec_run(&e, args, 20000), 0, "see %s", e.log);
	n = tape_load(e.tape, &v);
	/* at the stop, waits are cut short on purpose: look at what happened before it */
	for (stop_at = n; stop_at > 0 && v[stop_at - 1].kind != CX_STREAM_CLOSE; stop_at--)
		;
	for (size_t i = 0; i < stop_at; i++) {
		if (v[i].kind == CX_HTTP_RESPONSE && v[i].status == 429) {
			/* the next request to that path: after its Retry-After, frames recorded meanwhile */
			int64_t ra = (int64_t)(atof(v[i].retry_after) * 1e9);
			size_t j = i + 1, frames = 0;
			cr_assert(v[i].retry_after[0], "the 429's Retry-After header is on the tape");
			while (j < stop_at && !(v[j].kind == CX_HTTP_REQUEST && strcmp(v[j].path, v[i].path) == 0)) {
				frames += v[j].kind == CX_FRAME_IN || v[j].kind == CX_FRAME_OUT;
				j++;
			}
			if (j < stop_at) {
				waited = true;
				cr_assert_geq(v[j].mono - v[i].mono, ra - 50000000, "%s retried %lld ns after a Retry-After "
				              "of %s s", v[i].path, (long long)(v[j].mono - v[i].mono), v[i].retry_after);
				frames_while_waiting |= frames > 0;
			}
		}
	}
	cr_assert(waited, "a REST call was answered 429 and retried");
	cr_assert(frames_while_waiting, "frames were captured while the worker waited");
	tevs_free(v, n);
	env_down(&e);
}

Test(rec_live, a_handshake_refused_with_429_waits_its_retry_after_then_reconnects)
{
	static const char scen[] = "{\"name\":\"shed\",\"faults\":[{\"atMs\":0,\"type\":\"refuseHandshake\","
		"\"count\":1,\"retryAfter\":1},{\"atMs\":100,\"type\":\"drop\"}]}";
	const char *args[] = {"--user-id", "agent-7", "--duration", "2.5", "--reconnect-base", "0.02", NULL};
	char path[128];
	const char *simargs[] = {"--scenario", path, NULL};
	rec_env e;
	tev *v;
	size_t n;
	bool refused = false, reopened = false;

	cr_assert_eq(sim_scenario_tmp(scen, path, sizeof(path)), 0);
	env_up(&e, NULL, simargs);
	cr_assert_eq(rec_run(&e, args, 20000), 0, "see %s", e.log);
	n = tape_load(e.tape, &v);
	for (size_t i = 0; i < n; i++)
		if (v[i].kind == CX_STREAM_OPEN && v[i].status == 429) {
			refused = true;
			cr_assert_str_eq(v[i].retry_after, "1", "the refusal's Retry-After is on the tape");
			for (size_t j = i + 1; j < n && !reopened; j++)
				if (v[j].kind == CX_STREAM_OPEN) {
					reopened = true;
					cr_assert_eq(v[j].status, 101);
					cr_assert_geq(v[j].mono - v[i].mono, 950000000, "reconnected %lld ns after a "
					              "Retry-After of 1 s", (long long)(v[j].mono - v[i].mono));
				}
		}
	cr_assert(refused && reopened, "refused %d reopened %d", refused, reopened);
	tevs_free(v, n);
	unlink(path);
	env_down(&e);
}

Test(rec_live, retries_exhausted_leaves_an_annotation_naming_the_endpoint)
{
	static const char scen[] = "{\"name\":\"storm\",\"conversations\":[{\"customer\":\"c1\",\"skill\":\"s\","
		"\"arriveMs\":0,\"lines\":[{\"delayMs\":500,\"text\":\"hi\"}]}],"
		"\"faults\":[{\"atMs\":0,\"type\":\"rest429\",\"endpoint\":\"presence\",\"count\":50,\"retryAfter\":0}]}";
	const char *args[] = {"--user-id", "agent-7", "--duration", "2", "--rest-retries", "2", NULL};
	char path[128];
	const char *simargs[] = {"--scenario", path, NULL};
	rec_env e;
	tev *v;
	size_t n, hits = 0;

	cr_assert_eq(sim_scenario_tmp(scen, path, sizeof(path)), 0);
	env_up(&e, NULL, simargs);
	cr_assert_eq(rec_run(&e, args, 20000), 0, "see %s", e.log);
	n = tape_load(e.tape, &v);
	for (size_t i = 0; i < n; i++)
		if (v[i].kind == CX_ANNOTATION && strcmp(v[i].reason, "retries_exhausted") == 0) {
			char name[160];   /* the tape holds method and path; the analyzer names the endpoint */
			an_endpoint_name(lc_bytes_str(v[i].method), lc_bytes_str(v[i].path), name, sizeof(name));
			cr_assert_str_eq(name, "PUT /api/v2/presence/users/{id}");
			hits++;
		}
	cr_assert_geq(hits, 1);
	cr_assert(log_has(&e, "still rate limited"));
	tevs_free(v, n);
	unlink(path);
	env_down(&e);
}

Test(rec_live, a_token_expiring_mid_stream_is_replaced_without_losing_frames)
{
	const char *simargs[] = {"--token-ttl", "1.5", NULL};
	const char *args[] = {"--user-id", "agent-7", "--duration", "4", "--reconnect-base", "0.1", NULL};
	rec_env e;
	tev *v;
	size_t n;
	long long sent;
	bool expired = false;

	env_up(&e, "calm-day.json", simargs);
	cr_assert_eq(rec_run(&e, args, 20000), 0, "see %s", e.log);
	sent = sim_frames_sent(&e.sim);
	n = tape_load(e.tape, &v);
	for (size_t i = 0; i < n; i++)
		expired |= v[i].kind == CX_STREAM_CLOSE && strstr(v[i].reason, "token expired");
	cr_assert(expired, "the stream was closed for an expired token");
	cr_assert_geq(count_kind(v, n, CX_TOKEN_REFRESH), 3, "tokens refreshed");
	cr_assert_eq((long long)count_kind(v, n, CX_FRAME_IN), sent, "every frame cxsim sent is on the tape");
	tevs_free(v, n);
	env_down(&e);
}

/* A run of >= 32 hex digits: an access token of cxsim (64 hex) in clear. */
static bool
has_long_hex(const unsigned char *p, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		run = isxdigit(p[i]) ? run + 1 : 0;
		if (run >= 32)
			return true;
	}
	return false;
}

Test(rec_live, no_token_or_client_secret_reaches_data_mdb)
{
	const char *secret = "Zq7-very-secret-913-value";
	const char *simargs[] = {"--client-secret", secret, NULL};
	const char *args[] = {"--user-id", "agent-7", "--duration", "3", "--auto-reply", "--reconnect-base", "0.2", NULL};
	char path[256];
	rec_env e;
	unsigned char *db;
	size_t len = 0;

	env_up(&e, "flapping-network.json", simargs);
	setenv("CXONE_CLIENT_SECRET", secret, 1);
	cr_assert_eq(rec_run(&e, args, 20000), 0, "see %s", e.log);
	snprintf(path, sizeof(path), "%s/data.mdb", e.tape);
	cr_assert_not_null(db = (unsigned char *)slurp(path, &len));
	cr_assert_gt(len, 0);
	cr_assert_null(memmem(db, len, secret, strlen(secret)), "the client secret is in data.mdb");
	cr_assert_not(has_long_hex(db, len), "an access token is in data.mdb in clear");
	cr_assert_not_null(memmem(db, len, "[redacted:", 10), "pseudonyms are there instead");
	free(db);
	cr_assert_not(log_has(&e, secret), "the secret is in the log");
	env_down(&e);
}

Test(rec_live, kill_9_in_the_middle_of_a_burst_leaves_a_tape_that_verifies)
{
	const char *args[] = {"--user-id", "agent-7", NULL};
	rec_env e;
	pid_t pid;
	uint64_t deadline;

	env_up(&e, "burst-100k.json", NULL);
	pid = rec_spawn(&e, args, true);
	deadline = sim_now_ms() + 15000;
	while (sim_frames_sent(&e.sim) < 30000 && sim_now_ms() < deadline)
		sim_sleep_ms(20);
	cr_assert_lt(sim_now_ms(), deadline, "the burst did not start");
	kill(pid, SIGKILL);
	cr_assert_eq(rec_wait(pid, 5000), 128 + SIGKILL);
	tape_verifies(e.tape);
	env_down(&e);
}

Test(rec_live, after_sigterm_every_frame_sent_before_the_signal_is_on_the_tape)
{
	const char *args[] = {"--user-id", "agent-7", NULL};
	rec_env e;
	pid_t pid;
	long long before, after;
	uint64_t deadline;
	tev *v;
	size_t n, in, last;

	env_up(&e, "burst-100k.json", NULL);
	pid = rec_spawn(&e, args, true);
	deadline = sim_now_ms() + 15000;
	while ((before = sim_frames_sent(&e.sim)) < 20000 && sim_now_ms() < deadline)
		sim_sleep_ms(10);
	kill(pid, SIGTERM);
	cr_assert_eq(rec_wait(pid, 15000), 0, "a clean stop exits 0 (see %s)", e.log);
	after = sim_frames_sent(&e.sim);
	n = tape_load(e.tape, &v);
	in = count_kind(v, n, CX_FRAME_IN);
	cr_assert_geq((long long)in, before, "sent before the signal: %lld, on the tape: %zu", before, in);
	cr_assert_leq((long long)in, after);
	last = n;
	while (last > 0 && v[last - 1].kind != CX_STREAM_CLOSE)   /* presence offline comes after the close */
		last--;
	cr_assert_gt(last, 0);
	cr_assert_eq(v[last - 1].close_code, 1000);
	cr_assert_str_eq(v[last - 1].reason, "recorder stopping");
	tevs_free(v, n);
	tape_verifies(e.tape);
	env_down(&e);
}

static void
collect_finding(const an_finding *f, void *ud)
{
	lc_buf *b = ud;
	cr_assert_eq(an_finding_json(f, b), LC_OK);
	cr_assert_eq(lc_buf_append(b, "\n", 1), LC_OK);
}

Test(rec_live, live_findings_equal_the_findings_of_the_finished_tape)
{
	char findings[256], report[256];
	const char *args[] = {"--user-id", "agent-7", "--duration", "3.5", "--auto-reply", "--analyze",
	                      "--findings", findings, "--report", report, NULL};
	lc_tape *t = NULL;
	lc_session_info *si = NULL;
	lc_cursor_opts sel;
	an_engine *eng = NULL;
	an_config cfg;
	size_t ns = 0, len = 0;
	char *live;
	lc_buf replay;
	rec_env e;

	env_up(&e, "angry-customer.json", NULL);
	snprintf(findings, sizeof(findings), "%s/findings.jsonl", e.dir);
	snprintf(report, sizeof(report), "%s/report.json", e.dir);
	cr_assert_eq(rec_run(&e, args, 25000), 0, "see %s", e.log);
	cr_assert_not_null(live = slurp(findings, &len));
	cr_assert(strstr(live, "\"kind\":\"escalation\""), "the angry customer escalates");
	cr_assert(strstr(live, "\"kind\":\"latency_breach\""), "delayed acks breach the SLA");
	lc_buf_init(&replay, 64 << 20);
	an_config_default(&cfg);
	cr_assert_eq(an_engine_new(&cfg, NULL, NULL, collect_finding, &replay, &eng, NULL), LC_OK);
	cr_assert_eq(lc_tape_open_read(e.tape, &t, NULL), LC_OK);
	cr_assert_eq(lc_tape_sessions_list(t, &si, &ns, NULL), LC_OK);
	cr_assert_eq(ns, 1);
	lc_cursor_opts_init(&sel);
	sel.session = si[0].id;
	cr_assert_eq(an_source_feed(t, &sel, eng, NULL, NULL), LC_OK);
	cr_assert_eq(replay.len, len, "live %zu bytes, replay %zu bytes", len, replay.len);
	cr_assert_eq(memcmp(replay.ptr, live, len), 0, "live findings differ from the replay's");
	free(si);
	cr_assert_eq(lc_tape_close(t, NULL), LC_OK);
	an_engine_free(eng);
	lc_buf_free(&replay);
	free(live);
	cr_assert_not_null(live = slurp(report, NULL));
	cr_assert(strstr(live, AN_REPORT_SCHEMA), "the --report is the JSON report");
	free(live);
	env_down(&e);
}

Test(rec_live, help_version_and_unknown_flags_follow_the_cli_contract)
{
	const char *help[] = {"--help", NULL}, *ver[] = {"--version", NULL}, *bad[] = {"--tape", "/tmp/x", "--bogus", NULL};
	const char *secret_flag[] = {"--client-secret", "x", NULL}, *cmd[] = {"frobnicate", NULL};
	rec_env e;

	env_up(&e, NULL, NULL);
	cr_assert_eq(rec_wait(rec_spawn(&e, help, false), 5000), 0);
	cr_assert(log_has(&e, "usage: cxrecord") && log_has(&e, "CXONE_CLIENT_SECRET"));
	cr_assert_eq(rec_wait(rec_spawn(&e, ver, false), 5000), 0);
	cr_assert(log_has(&e, "cxrecord 0."));
	cr_assert_eq(rec_wait(rec_spawn(&e, bad, false), 5000), 2);
	cr_assert(log_has(&e, "unknown option '--bogus'"));
	cr_assert_eq(rec_wait(rec_spawn(&e, secret_flag, false), 5000), 2, "no secret on the command line");
	cr_assert_eq(rec_wait(rec_spawn(&e, cmd, false), 5000), 2);
	env_down(&e);
}

Test(rec_live, bad_credentials_fail_naming_the_client_id_and_never_the_secret)
{
	const char *args[] = {"--user-id", "agent-7", "--duration", "3", NULL};
	rec_env e;

	env_up(&e, NULL, NULL);
	setenv("CXONE_CLIENT_SECRET", "wrong-secret-4711", 1);
	cr_assert_eq(rec_run(&e, args, 10000), 1);
	cr_assert(log_has(&e, "'demo-client'") && log_has(&e, "401"), "see %s", e.log);
	cr_assert_not(log_has(&e, "wrong-secret-4711"));
	unsetenv("CXONE_CLIENT_SECRET");
	cr_assert_eq(rec_run(&e, args, 10000), 2, "a missing secret is a configuration error");
	cr_assert(log_has(&e, "CXONE_CLIENT_SECRET"));
	env_down(&e);
}

Test(rec_live, a_config_file_holding_the_secret_must_be_private)
{
	char cfg[256], line[512];
	const char *args[] = {"--config", cfg, "--user-id", "agent-7", "--duration", "1", NULL};
	rec_env e;
	FILE *f;

	env_up(&e, "calm-day.json", NULL);
	unsetenv("CXONE_CLIENT_SECRET");
	snprintf(cfg, sizeof(cfg), "%s/cxtape.conf", e.dir);
	cr_assert_not_null(f = fopen(cfg, "w"));
	snprintf(line, sizeof(line), "client_id = demo-client\nclient_secret = demo-secret\n");
	fputs(line, f);
	fclose(f);
	chmod(cfg, 0644);
	cr_assert_eq(rec_run(&e, args, 10000), 2);
	cr_assert(log_has(&e, "chmod 600"), "see %s", e.log);
	chmod(cfg, 0600);
	cr_assert_eq(rec_run(&e, args, 10000), 0, "see %s", e.log);
	env_down(&e);
}

Test(rec_live, tls_needs_the_servers_certificate_and_works_with_cacert)
{
	char cert[512], key[512];
	const char *build = getenv("CXTAPE_BUILD");
	const char *simargs[] = {"--tls", "--cert", cert, "--key", key, NULL};
	const char *good[] = {"--user-id", "agent-7", "--duration", "1.5", "--cacert", cert, NULL};
	const char *bad[] = {"--user-id", "agent-7", "--duration", "3", "--max-retries", "0", NULL};
	rec_env e;
	tev *v;
	size_t n;

	snprintf(cert, sizeof(cert), "%s/certs/sim-cert.pem", build && *build ? build : "build");
	snprintf(key, sizeof(key), "%s/certs/sim-key.pem", build && *build ? build : "build");
	env_up(&e, "calm-day.json", simargs);
	cr_assert_eq(rec_run(&e, good, 15000), 0, "see %s", e.log);
	n = tape_load(e.tape, &v);
	cr_assert_geq(count_kind(v, n, CX_STREAM_OPEN), 1);
	cr_assert_gt(count_kind(v, n, CX_FRAME_IN), 0, "frames over wss://");
	tevs_free(v, n);
	cr_assert_eq(rec_run(&e, bad, 15000), 1, "an unverified server is refused");
	cr_assert(log_has(&e, "--cacert"), "the error says what to do (see %s)", e.log);
	env_down(&e);
}

Test(rec_live, max_retries_gives_up_on_a_server_that_is_gone)
{
	const char *args[] = {"--user-id", "agent-7", "--max-retries", "2", "--reconnect-base", "0.05", NULL};
	rec_env e;

	env_up(&e, NULL, NULL);
	cr_assert_eq(sim_stop(&e.sim), 0);
	e.sim_up = false;
	cr_assert_eq(rec_run(&e, args, 15000), 1);
	cr_assert(log_has(&e, "giving up as --max-retries 2 asks"), "see %s", e.log);
	env_down(&e);
}

Test(rec_live, archive_fetches_a_transcript_into_imported_events)
{
	const char *rec[] = {"--user-id", "agent-7", "--duration", "2.5", "--auto-reply", NULL};
	char conv[96] = "";
	const char *arch[] = {"archive", "--tape", NULL, "--base-url", NULL, "--conversation", conv, NULL};
	rec_env e;
	tev *v;
	size_t n, imported = 0;

	env_up(&e, "angry-customer.json", NULL);
	cr_assert_eq(rec_run(&e, rec, 15000), 0, "see %s", e.log);
	n = tape_load(e.tape, &v);
	for (size_t i = 0; i < n && !conv[0]; i++)
		if (v[i].kind == CX_FRAME_IN && v[i].conv[0] && strstr(v[i].raw, "\"type\":\"routing\""))
			snprintf(conv, sizeof(conv), "%s", v[i].conv);
	tevs_free(v, n);
	cr_assert(conv[0]);
	arch[2] = e.tape;
	arch[4] = e.sim.base;
	cr_assert_eq(rec_wait(rec_spawn(&e, arch, false), 15000), 0, "see %s", e.log);
	n = tape_load(e.tape, &v);
	for (size_t i = 0; i < n; i++)
		if ((v[i].flags & CX_F_IMPORTED) && v[i].kind == CX_FRAME_IN) {
			cr_assert_str_eq(v[i].conv, conv);
			cr_assert_eq(v[i].wall, v[i].mono);
			imported++;
		}
	cr_assert_geq(imported, 2, "customer lines and agent replies imported (%zu)", imported);
	tevs_free(v, n);
	env_down(&e);
}

Test(rec_live, shadow_mode_observes_only_and_asks_for_chat_read_alone)
{
	const char *args[] = {"--shadow", "--duration", "2", "--auto-reply", NULL};
	rec_env e;
	tev *v;
	size_t n;

	env_up(&e, "calm-day.json", NULL);
	cr_assert_eq(rec_run(&e, args, 15000), 0, "see %s", e.log);
	n = tape_load(e.tape, &v);
	cr_assert_gt(count_kind(v, n, CX_FRAME_IN), 0, "conversations are still routed and recorded");
	cr_assert_eq(count_kind(v, n, CX_FRAME_OUT), 0, "nothing is sent in shadow mode");
	for (size_t i = 0; i < n; i++) {
		if (v[i].kind == CX_HTTP_REQUEST) {
			cr_assert_str_neq(v[i].method, "PUT", "shadow mode wrote %s", v[i].path);
			if (strstr(v[i].path, "/oauth/token"))
				cr_assert(strstr(v[i].raw, "scope=chat%3Aread") && !strstr(v[i].raw, "write"),
				          "token request: %s", v[i].raw);
		}
	}
	tevs_free(v, n);
	env_down(&e);
}

Test(rec_live, import_reads_transcripts_and_refuses_unreadable_input_with_status_3)
{
	char good[256], bad[256];
	const char *ok_args[] = {"import", "--tape", NULL, good, NULL};
	const char *bad_args[] = {"import", "--tape", NULL, bad, NULL};
	const char *missing[] = {"import", "--tape", NULL, "/nonexistent/file.json", NULL};
	rec_env e;
	FILE *f;
	tev *v;
	size_t n, imported = 0;

	env_up(&e, NULL, NULL);
	snprintf(good, sizeof(good), "%s/t.json", e.dir);
	snprintf(bad, sizeof(bad), "%s/bad.jsonl", e.dir);
	ok_args[2] = bad_args[2] = missing[2] = e.tape;
	cr_assert_not_null(f = fopen(good, "w"));
	fputs("{\"conversationId\":\"c-x\",\"messages\":[{\"messageId\":\"m-1\",\"from\":{\"type\":\"customer\","
	      "\"id\":\"u\"},\"text\":\"hello\",\"timestamp\":1700000000000}],\"nextPageToken\":null}\n", f);
	fclose(f);
	cr_assert_not_null(f = fopen(bad, "w"));
	fputs("{\"kind\":\"frame_in\"\n", f);
	fclose(f);
	cr_assert_eq(rec_wait(rec_spawn(&e, ok_args, false), 10000), 0, "see %s", e.log);
	cr_assert_eq(rec_wait(rec_spawn(&e, bad_args, false), 10000), 3, "bad data is status 3");
	cr_assert(log_has(&e, "bad.jsonl:1"), "the error names file and line");
	cr_assert_eq(rec_wait(rec_spawn(&e, missing, false), 10000), 3);
	n = tape_load(e.tape, &v);
	for (size_t i = 0; i < n; i++)
		if (v[i].kind == CX_FRAME_IN && (v[i].flags & CX_F_IMPORTED)) {
			cr_assert_eq(v[i].wall, 1700000000000LL * 1000000);
			imported++;
		}
	cr_assert_eq(imported, 1);
	tevs_free(v, n);
	env_down(&e);
}

Test(rec_live, pings_keep_a_quiet_stream_open_past_the_idle_timeout)
{
	static const char quiet[] = "{\"name\":\"quiet\",\"faults\":[{\"atMs\":100000,\"type\":\"drop\"}]}";
	char path[128];
	const char *simargs[] = {"--scenario", path, "--idle-timeout", "2", NULL};
	const char *pinging[] = {"--user-id", "agent-7", "--duration", "3.5", "--ping-interval", "1", NULL};
	const char *silent[] = {"--user-id", "agent-7", "--duration", "3.5", "--ping-interval", "60", NULL};
	rec_env e;
	tev *v;
	size_t n;
	bool idle_close = false;

	cr_assert_eq(sim_scenario_tmp(quiet, path, sizeof(path)), 0);
	env_up(&e, NULL, simargs);
	cr_assert_eq(rec_run(&e, pinging, 15000), 0, "see %s", e.log);
	n = tape_load(e.tape, &v);
	for (size_t i = 0; i < n; i++)
		cr_assert_not(v[i].kind == CX_STREAM_CLOSE && strstr(v[i].reason, "idle"), "closed: %s", v[i].reason);
	cr_assert_eq(count_kind(v, n, CX_STREAM_CLOSE), 1, "only the close at the stop");
	tevs_free(v, n);
	/* the control: without pings the same server closes the stream as idle */
	cr_assert_eq(rec_run(&e, silent, 15000), 0, "see %s", e.log);
	n = tape_load(e.tape, &v);
	/* (cxsim's idle close does not always reach the client as a close frame: count closes) */
	for (size_t i = 0; i < n; i++)
		idle_close |= v[i].kind == CX_STREAM_CLOSE && strcmp(v[i].reason, "recorder stopping") != 0;
	cr_assert(idle_close, "without pings the server closes the quiet stream");
	tevs_free(v, n);
	unlink(path);
	env_down(&e);
}

/* A presence 429 with a long Retry-After must not hold up the token a reconnect needs. */
Test(rec_live, a_rest_retry_wait_never_delays_the_stream_reconnect)
{
	char scen[256];
	const char *extra[] = {"--scenario", scen, NULL};
	const char *args[] = {"--user-id", "agent-7", "--duration", "4", "--reconnect-base", "0.02", NULL};
	rec_env e;
	tev *v;
	size_t n, close_at = 0, reopen_at = 0, presence_reqs = 0, presence_retry_at = 0;

	cr_assert_eq(sim_scenario_tmp("{\"name\":\"t\",\"conversations\":[{\"id\":\"c-1\",\"lines\":"
	    "[{\"delayMs\":20000,\"text\":\"hi\"}]}],\"faults\":[{\"atMs\":0,\"type\":\"rest429\","
	    "\"endpoint\":\"presence\",\"count\":1,\"retryAfter\":3},{\"atMs\":6000,\"type\":\"drop\"}]}",
	    scen, sizeof(scen)), 0);
	env_up(&e, NULL, extra);
	cr_assert_eq(rec_run(&e, args, 20000), 0, "see %s", e.log);
	n = tape_load(e.tape, &v);
	for (size_t i = 0; i < n; i++) {
		if (v[i].kind == CX_STREAM_CLOSE && close_at == 0)
			close_at = i + 1;
		if (v[i].kind == CX_STREAM_OPEN && v[i].status == 101 && close_at && !reopen_at)
			reopen_at = i + 1;
		if (v[i].kind == CX_HTTP_REQUEST && strstr(v[i].path, "/presence/") && ++presence_reqs == 2)
			presence_retry_at = i + 1;
	}
	cr_assert(close_at, "the drop closed the stream");
	cr_assert(reopen_at, "the stream came back");
	cr_assert(presence_retry_at, "presence was retried after its Retry-After");
	cr_assert_lt(reopen_at, presence_retry_at, "the reconnect (event %zu) waited for the presence "
	    "retry (event %zu): the token queued behind a Retry-After wait", reopen_at, presence_retry_at);
	tevs_free(v, n);
	env_down(&e);
}

/* Replies still waiting for their --reply-delay when the chat ends are dropped, not sent into a 409. */
static size_t
frames_out_after(const char *reply_delay, size_t *refused)
{
	char scen[256];
	const char *extra[] = {"--scenario", scen, NULL};
	const char *args[] = {"--user-id", "agent-7", "--duration", "2", "--auto-reply", "--reply-delay",
	    reply_delay, NULL};
	rec_env e;
	tev *v;
	size_t n, out;

	cr_assert_eq(sim_scenario_tmp("{\"name\":\"t\",\"conversations\":[{\"id\":\"c-1\",\"lines\":"
	    "[{\"delayMs\":200,\"text\":\"hello\"},{\"delayMs\":200,\"text\":\"anyone?\"}],"
	    "\"endAfterMs\":2000}]}", scen, sizeof(scen)), 0);
	env_up(&e, NULL, extra);
	cr_assert_eq(rec_run(&e, args, 20000), 0, "see %s", e.log);
	n = tape_load(e.tape, &v);
	out = count_kind(v, n, CX_FRAME_OUT);
	*refused = 0;
	for (size_t i = 0; i < n; i++)
		*refused += v[i].kind == CX_FRAME_IN && strstr(v[i].raw, "\"code\":409") != NULL;
	tevs_free(v, n);
	env_down(&e);
	return out;
}

Test(rec_live, replies_not_yet_sent_when_a_chat_ends_are_dropped)
{
	size_t refused;

	/* the chat ends 100 ms (scaled) after its last line: a 1.5 s reply delay never makes it */
	cr_assert_eq(frames_out_after("1500", &refused), 0, "no reply is sent into an ended chat");
	cr_assert_eq(refused, 0);
	cr_assert_gt(frames_out_after("0", &refused), 0, "control: without the delay the replies go out");
}
