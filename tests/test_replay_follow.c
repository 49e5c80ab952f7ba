/* SPDX-License-Identifier: MIT */
/* test_replay_follow: `cxreplay play --follow` on a tape still being written — appends reach its output; SIGTERM/SIGINT stop it with 0. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lc_tape.h"
#include "sim_harness.h"
#include "test_replay_fixture.h"

#define WAIT_MS 15000u          /* the most any step may take on a loaded machine */

/*
 * The processes the running test started, so the suite's fini stops them when an
 * assertion ended the test early (each test is its own process).
 */
static pid_t kids[4];
static sim_proc *cur_sim;

static void
follow_fini(void)
{
	for (size_t i = 0; i < sizeof kids / sizeof kids[0]; i++)
		if (kids[i] > 0) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
			kids[i] = 0;
		}
	if (cur_sim != NULL)
		sim_stop(cur_sim);
	cur_sim = NULL;
}

TestSuite(replay_follow, .fini = follow_fini, .timeout = 90);

/* Start $CXTAPE_BIN/prog with argv (argv[0] is replaced), stdin /dev/null, stdout and stderr to files. */
static pid_t
spawn(const char *prog, const char **argv, const char *out_path, const char *err_path)
{
	char exe[512];
	pid_t pid;

	sim_bin_path(prog, exe, sizeof exe);
	argv[0] = exe;
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int er = open(err_path, O_WRONLY | O_CREAT | O_APPEND, 0644);

		prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never outlive the test */
		if (in < 0 || out < 0 || er < 0)
			_exit(126);
		dup2(in, 0);
		dup2(out, 1);
		dup2(er, 2);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	for (size_t i = 0; i < sizeof kids / sizeof kids[0]; i++)
		if (kids[i] == 0) {
			kids[i] = pid;
			return pid;
		}
	cr_assert_fail("more children than the test keeps track of");
	return pid;
}

static void
forget(pid_t pid)
{
	for (size_t i = 0; i < sizeof kids / sizeof kids[0]; i++)
		if (kids[i] == pid)
			kids[i] = 0;
}

/* Exit status (128 + signal when killed), or -1 after timeout_ms (then the child is killed). */
static int
child_wait(pid_t pid, unsigned timeout_ms)
{
	uint64_t deadline = sim_now_ms() + timeout_ms;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			forget(pid);
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		if (sim_now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			forget(pid);
			return -1;
		}
		sim_sleep_ms(10);
	}
}

/* True while pid has not exited (the child is not reaped: child_wait still gets its status). */
static bool
alive(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof si);
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == 0;
}

/* The whole file, NUL-terminated ("" when it does not exist yet). Caller frees. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[8192];

	if (f != NULL) {
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
			if (len + n + 1 > cap) {
				cap = (len + n + 1) * 2;
				b = realloc(b, cap);
				cr_assert_not_null(b);
			}
			memcpy(b + len, chunk, n);
			len += n;
		}
		fclose(f);
	}
	if (b == NULL) {
		b = calloc(1, 1);
		cr_assert_not_null(b);
	}
	b[len] = '\0';
	return b;
}

static bool
file_has(const char *path, const char *needle)
{
	char *s = slurp(path);
	bool yes = strstr(s, needle) != NULL;

	free(s);
	return yes;
}

/* The largest "seq" of the complete findings lines in path, 0 when there is none. */
static uint64_t
findings_max_seq(const char *path)
{
	char *s = slurp(path), *end = strrchr(s, '\n');
	uint64_t max = 0;

	if (end != NULL)
		end[1] = '\0';          /* a line still being written is not counted */
	else
		s[0] = '\0';
	for (char *p = s; (p = strstr(p, "\"seq\":")) != NULL; p += 6) {
		uint64_t v = strtoull(p + 6, NULL, 10);
		if (v > max)
			max = v;
	}
	free(s);
	return max;
}

/*
 * The output is whole JSON lines of findings: not empty, ends with a newline,
 * each line a finding object. Returns the number of lines.
 */
static size_t
assert_whole_findings_lines(const char *path)
{
	char *s = slurp(path), *save = NULL;
	size_t n = 0, len = strlen(s);

	cr_assert_gt(len, 0, "%s is empty", path);
	cr_assert_eq(s[len - 1], '\n', "%s ends in a partial line", path);
	for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++)
		cr_assert(strncmp(l, "{\"kind\":\"", 9) == 0 && l[strlen(l) - 1] == '}',
		    "%s: not a finding line: %s", path, l);
	free(s);
	return n;
}

/* The largest seq on the tape now (a fresh reader: what is committed), 0 if it cannot be read yet. */
static uint64_t
tape_max_seq(const char *dir)
{
	lc_tape *t = NULL;
	lc_cursor *c = NULL;
	lc_cursor_opts all;
	const cx_event *ev;
	uint64_t max = 0;

	if (lc_tape_open_read(dir, &t, NULL) != LC_OK)
		return 0;
	lc_cursor_opts_init(&all);
	if (lc_cursor_open(t, &all, &c, NULL) == LC_OK) {
		while (lc_cursor_next(c, &ev, NULL) == LC_OK)
			if (ev->seq > max)
				max = ev->seq;
		lc_cursor_close(c);
	}
	cr_assert_eq(lc_tape_close(t, NULL), LC_OK);
	return max;
}

/*
 * Wait (up to WAIT_MS, and while pid lives) for max_seq(path) to exceed `above`;
 * returns max_seq(path) read once more after the wait.
 */
static uint64_t
wait_seq_past(uint64_t (*max_seq)(const char *), const char *path, uint64_t above, pid_t pid)
{
	uint64_t deadline = sim_now_ms() + WAIT_MS;

	while (max_seq(path) <= above && sim_now_ms() < deadline && alive(pid))
		sim_sleep_ms(20);
	return max_seq(path);
}

static void
rm_rf(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", dir);
}

static void
assert_no_sanitizer_report(const char *log)
{
	cr_expect_not(file_has(log, "AddressSanitizer") || file_has(log, "runtime error:") ||
	    file_has(log, "LeakSanitizer"), "sanitizer report in %s", log);
}

/*
 * cxrecord records cxsim's endless calm day while cxreplay --follow --speed max
 * replays the same tape: a finding for an event committed after the replay was
 * already writing output shows up, and SIGTERM ends the replay with 0 and whole
 * findings lines.
 */
Test(replay_follow, live_recording_reaches_the_replay_and_sigterm_stops_it)
{
	char dir[] = "/tmp/test-replay-follow-XXXXXX";
	char tape[128], key[128], findings[128], rec_log[128], rpl_out[128], rpl_log[128];
	const char *sim_args[] = {"--time-scale", "0.05", NULL};
	const char *rec_argv[] = {NULL, "--tape", tape, "--base-url", NULL, "--user-id", "agent-7",
	    "--skill", "billing:5", "--skill", "shipping", "--auto-reply", NULL};
	const char *rpl_argv[] = {NULL, "play", "--tape", tape, "--follow", "--speed", "max",
	    "--findings", findings, NULL};
	sim_proc sim;
	pid_t rec, rpl;
	uint64_t seen_before;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(tape, sizeof tape, "%s/tape", dir);
	snprintf(key, sizeof key, "%s/redact.key", dir);
	snprintf(findings, sizeof findings, "%s/findings.jsonl", dir);
	snprintf(rec_log, sizeof rec_log, "%s/cxrecord.log", dir);
	snprintf(rpl_out, sizeof rpl_out, "%s/cxreplay.out", dir);
	snprintf(rpl_log, sizeof rpl_log, "%s/cxreplay.log", dir);
	setenv("CXTAPE_KEY_FILE", key, 1);
	setenv("CXONE_CLIENT_ID", "demo-client", 1);
	setenv("CXONE_CLIENT_SECRET", "demo-secret", 1);
	unsetenv("CXONE_BASE_URL");
	unsetenv("CXONE_USER_ID");

	cr_assert_eq(sim_start(&sim, sim_args), 0, "cxsim did not start");
	cur_sim = &sim;
	rec_argv[4] = sim.base;
	rec = spawn("cxrecord", rec_argv, rec_log, rec_log);

	/* the recorder has committed something: the tape opens for reading */
	cr_assert_gt(wait_seq_past(tape_max_seq, tape, 0, rec), 0,
	    "no event committed within %u ms (see %s)", WAIT_MS, rec_log);

	rpl = spawn("cxreplay", rpl_argv, rpl_out, rpl_log);
	/* the replay is running: it wrote findings */
	cr_assert_gt(wait_seq_past(findings_max_seq, findings, 0, rpl), 0,
	    "no findings within %u ms (see %s)", WAIT_MS, rpl_log);

	/*
	 * Everything committed by now has seq <= seen_before; a finding for a later
	 * seq is for an event the recorder appended while the replay was running.
	 */
	seen_before = tape_max_seq(tape);
	cr_assert_gt(seen_before, 0);
	cr_assert_gt(wait_seq_past(findings_max_seq, findings, seen_before, rpl), seen_before,
	    "no finding past seq %llu within %u ms: --follow did not pick up appends (see %s)",
	    (unsigned long long)seen_before, WAIT_MS, rpl_log);
	cr_assert(alive(rpl), "the replay ended on its own although it follows a live tape");

	cr_assert_eq(kill(rpl, SIGTERM), 0);
	cr_assert_eq(child_wait(rpl, 5000), 0, "SIGTERM: cxreplay must stop cleanly with 0 (see %s)",
	    rpl_log);
	cr_expect_gt(assert_whole_findings_lines(findings), 0);
	assert_no_sanitizer_report(rpl_log);

	cr_assert_eq(kill(rec, SIGTERM), 0);
	cr_expect_eq(child_wait(rec, 10000), 0, "cxrecord did not stop cleanly (see %s)", rec_log);
	cur_sim = NULL;
	cr_expect_eq(sim_stop(&sim), 0, "cxsim did not stop cleanly (see %s)", sim.log);
	assert_no_sanitizer_report(rec_log);
	rm_rf(dir);
}

static void
add_message(lc_tape *t, int64_t at_ms, const char *conv, const char *id, const char *text)
{
	char raw[512];

	snprintf(raw, sizeof raw, "{\"type\":\"message\",\"conversationId\":\"%s\",\"messageId\":\"%s\","
	    "\"from\":{\"type\":\"customer\",\"id\":\"cu-1\"},\"text\":\"%s\"}", conv, id, text);
	rfx_add(t, CX_FRAME_IN, at_ms, conv, raw);
}

/*
 * A writer in this process appends to the tape while cxreplay --follow
 * --transcript replays it: a message appended after the replay showed the first
 * one reaches both the transcript and the findings, and SIGINT ends the replay
 * with 0.
 */
Test(replay_follow, appended_message_reaches_transcript_and_findings_and_sigint_stops_it)
{
	rfx f;
	char findings[400], transcript[400], rpl_log[400], sid[LC_SESSION_ID_MAX];
	const char *rpl_argv[] = {NULL, "play", "--tape", f.dir, "--follow", "--speed", "max",
	    "--transcript", "--findings", findings, NULL};
	lc_err err = LC_ERR_INIT;
	lc_tape *w;
	pid_t rpl;
	uint64_t deadline;
	char *s;

	rfx_init(&f);
	snprintf(findings, sizeof findings, "%s/findings.jsonl", f.root);
	snprintf(transcript, sizeof transcript, "%s/transcript.txt", f.root);
	snprintf(rpl_log, sizeof rpl_log, "%s/cxreplay.log", f.root);
	w = rfx_open_write(&f, f.dir);
	cr_assert_eq(lc_tape_session_begin(w, "agent-7", "sim", sid, &err), LC_OK, "%s", err.msg);
	rfx_add(w, CX_STREAM_OPEN, 0, "", "");
	rfx_add(w, CX_FRAME_IN, 10, "c-1",
	    "{\"type\":\"routing\",\"conversationId\":\"c-1\",\"skill\":\"billing\"}");
	add_message(w, 20, "c-1", "m-1", "Hello, where is my parcel?");
	cr_assert_eq(lc_tape_flush(w, &err), LC_OK, "%s", err.msg);

	rpl = spawn("cxreplay", rpl_argv, transcript, rpl_log);
	deadline = sim_now_ms() + WAIT_MS;
	while (!(file_has(transcript, "where is my parcel") && findings_max_seq(findings) > 0) &&
	    sim_now_ms() < deadline && alive(rpl))
		sim_sleep_ms(20);
	cr_assert(file_has(transcript, "where is my parcel"), "the first message was not replayed "
	    "within %u ms (see %s)", WAIT_MS, rpl_log);
	cr_assert_not(file_has(transcript, "solicitor"));

	/* appended now, while the replay waits at the end of the tape */
	add_message(w, 900, "c-1", "m-2", "This is taking forever, I will call my solicitor");
	cr_assert_eq(lc_tape_flush(w, &err), LC_OK, "%s", err.msg);
	deadline = sim_now_ms() + WAIT_MS;
	while (!(file_has(transcript, "[LEGAL]") && file_has(findings, "\"kind\":\"escalation\"")) &&
	    sim_now_ms() < deadline && alive(rpl))
		sim_sleep_ms(20);
	s = slurp(transcript);
	cr_assert_not_null(strstr(s, "I will call my solicitor"), "the appended message is not in "
	    "the transcript within %u ms:\n%s", WAIT_MS, s);
	cr_assert_not_null(strstr(s, "[LEGAL]"), "%s", s);
	free(s);
	s = slurp(findings);
	cr_assert_not_null(strstr(s, "\"kind\":\"escalation\""), "no escalation finding:\n%s", s);
	cr_assert_not_null(strstr(s, "\"message_id\":\"m-2\""), "%s", s);
	free(s);
	cr_assert(alive(rpl), "the replay ended on its own although it follows");

	cr_assert_eq(kill(rpl, SIGINT), 0);
	cr_assert_eq(child_wait(rpl, 5000), 0, "SIGINT: cxreplay must stop cleanly with 0 (see %s)",
	    rpl_log);
	cr_expect_geq(assert_whole_findings_lines(findings), 3, "two sentiments and an escalation");
	assert_no_sanitizer_report(rpl_log);
	cr_assert_eq(lc_tape_close(w, &err), LC_OK, "%s", err.msg);
	rfx_done(&f);
}
