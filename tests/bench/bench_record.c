/* SPDX-License-Identifier: MIT */
/* bench_record: cxrecord's durable capture rate on cxsim's 100k burst beside a bare lws client, and RSS over a soak. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lc_tape.h"
#include "../sim_harness.h"

#define BURST 100000u

static void
tape_close(lc_tape *t)
{
	if (lc_tape_close(t, NULL) != LC_OK)
		fprintf(stderr, "closing a tape failed\n");
}

static void
scenario_path(const char *name, char *out, size_t n)
{
	const char *src = getenv("CXTAPE_SRC");
	snprintf(out, n, "%s/fixtures/scenarios/%s", src && *src ? src : ".", name);
}

static int
start_sim(sim_proc *sim, const char *scenario, const char *scale)
{
	char scen[512];
	const char *args[] = {"--scenario", scen, "--time-scale", scale, NULL};

	scenario_path(scenario, scen, sizeof(scen));
	return sim_start(sim, args);
}

/* The bare client: count frames of the burst, nothing else. Frames per second, or -1. */
static double
bare_rate(void)
{
	sim_proc sim;
	char tok[128];
	sim_ws *w;
	uint64_t deadline;
	double rate = -1;

	if (start_sim(&sim, "burst-100k.json", "0.05") != 0 || sim_token(&sim, NULL, tok, sizeof(tok)) != 0)
		return -1;
	w = sim_ws_open(&sim, tok, 5000);
	if (w && w->established) {
		w->count_only = true;
		deadline = sim_now_ms() + 60000;
		while (w->count < BURST && !w->closed && sim_now_ms() < deadline)
			lws_service(w->ctx, 0);
		if (w->count >= BURST && w->last_ms > w->first_ms)
			rate = (double)(w->count - 1) * 1000.0 / (double)(w->last_ms - w->first_ms);
		printf("bare lws client: %llu frames in %llu ms\n", (unsigned long long)w->count,
		       (unsigned long long)(w->last_ms - w->first_ms));
	}
	sim_ws_close(w);
	sim_stop(&sim);
	return rate;
}

static pid_t
spawn_recorder(const sim_proc *sim, const char *tape, const char *log, const char *const *extra)
{
	const char *argv[32];
	char exe[512];
	size_t n = 0;
	pid_t pid;

	sim_bin_path("cxrecord", exe, sizeof(exe));
	argv[n++] = exe;
	argv[n++] = "--tape";
	argv[n++] = tape;
	argv[n++] = "--base-url";
	argv[n++] = sim->base;
	argv[n++] = "--user-id";
	argv[n++] = "bench-agent";
	for (size_t i = 0; extra && extra[i] && n < 30; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	if ((pid = fork()) == 0) {
		FILE *f = fopen(log, "w");
		if (f)
			dup2(fileno(f), 2);
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

static int
stop_recorder(pid_t pid)
{
	int st = 0;

	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* First burst frame's capture time and the number of burst frames committed now. */
static int
scan_burst(const char *tape, int64_t *first_mono, uint64_t *frames)
{
	lc_tape *t = NULL;
	lc_cursor *c = NULL;
	const cx_event *ev;
	lc_status rc;

	*frames = 0;
	*first_mono = 0;
	if (lc_tape_open_read(tape, &t, NULL) != LC_OK)
		return -1;
	if (lc_cursor_open(t, NULL, &c, NULL) != LC_OK) {
		tape_close(t);
		return -1;
	}
	while ((rc = lc_cursor_next(c, &ev, NULL)) == LC_OK)
		if (ev->kind == CX_FRAME_IN && memmem(ev->raw.ptr, ev->raw.len, "c-burst-", 8)) {
			if ((*frames)++ == 0)
				*first_mono = ev->mono_ns;
		}
	lc_cursor_close(c);
	tape_close(t);
	return rc == LC_DONE ? 0 : -1;
}

/* The recorder on the same burst: frames per second from first capture to all committed. */
static double
recorder_rate(const char *dir, uint64_t *lost)
{
	char tape[256], log[256];
	sim_proc sim;
	lc_tape *t = NULL;
	lc_tape_meta meta;
	uint64_t deadline, frames = 0;
	int64_t first = 0, done_ns = 0;
	double rate = -1;
	pid_t pid;

	snprintf(tape, sizeof(tape), "%s/burst-tape", dir);
	snprintf(log, sizeof(log), "%s/burst.log", dir);
	if (start_sim(&sim, "burst-100k.json", "0.05") != 0)
		return -1;
	pid = spawn_recorder(&sim, tape, log, NULL);
	deadline = sim_now_ms() + 60000;
	/* poll what is committed (durable) until the whole burst is in */
	while (sim_now_ms() < deadline) {
		if (t == NULL && lc_tape_open_read(tape, &t, NULL) != LC_OK)
			t = NULL;
		if (t && lc_tape_meta_get(t, &meta, NULL) == LC_OK && meta.last_seq >= BURST) {
			struct timespec ts;
			tape_close(t);
			t = NULL;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			if (scan_burst(tape, &first, &frames) == 0 && frames >= BURST) {
				done_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
				break;
			}
		}
		sim_sleep_ms(2);
	}
	if (t)
		tape_close(t);
	printf("recorder exit status after SIGTERM: %d (log %s)\n", stop_recorder(pid), log);
	if (scan_burst(tape, &first, &frames) == 0)
		*lost = frames >= BURST ? 0 : BURST - frames;
	if (done_ns > first && first > 0)
		rate = (double)BURST * 1e9 / (double)(done_ns - first);
	printf("recorder: %llu burst frames durable on the tape in %.1f ms\n", (unsigned long long)frames,
	       (double)(done_ns - first) / 1e6);
	sim_stop(&sim);
	return rate;
}

static long
rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* A steady run (calm day at 50x with auto-replies): RSS sampled ten times. */
static int
soak(const char *dir, unsigned seconds)
{
	const char *extra[] = {"--auto-reply", "--analyze", "--findings", "/dev/null", NULL};
	char tape[256], log[256];
	long samples[10], first, last;
	sim_proc sim;
	pid_t pid;

	snprintf(tape, sizeof(tape), "%s/soak-tape", dir);
	snprintf(log, sizeof(log), "%s/soak.log", dir);
	if (start_sim(&sim, "calm-day.json", "0.02") != 0)
		return -1;
	pid = spawn_recorder(&sim, tape, log, extra);
	printf("soak: %u s (CXTAPE_BENCH_SOAK_S), RSS of cxrecord in kB:", seconds);
	for (int i = 0; i < 10; i++) {
		sim_sleep_ms(seconds * 100);
		samples[i] = rss_kb(pid);
		printf(" %ld", samples[i]);
		fflush(stdout);
	}
	printf("\n");
	stop_recorder(pid);
	sim_stop(&sim);
	first = samples[2];   /* after warm-up: maps, caches, the first conversations */
	last = samples[9];
	printf("soak: RSS from sample 3 to 10: %+ld kB (%+.1f%%) -> %s\n", last - first,
	       first > 0 ? 100.0 * (double)(last - first) / (double)first : 0.0,
	       last - first <= first / 10 ? "flat" : "GROWING");
	return 0;
}

int
main(void)
{
	char dir[] = "/tmp/bench-record-XXXXXX", cmd[128], key[160];
	const char *soak_env = getenv("CXTAPE_BENCH_SOAK_S");
	unsigned soak_s = soak_env && atoi(soak_env) > 0 ? (unsigned)atoi(soak_env) : 30;
	uint64_t lost = BURST;
	double bare, rec;
	int rc = 0;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(key, sizeof(key), "%s/redact.key", dir);
	setenv("CXTAPE_KEY_FILE", key, 1);
	setenv("CXONE_CLIENT_ID", "demo-client", 1);
	setenv("CXONE_CLIENT_SECRET", "demo-secret", 1);
	setenv("CXTAPE_LOG", "warn", 1);
	bare = bare_rate();
	rec = recorder_rate(dir, &lost);
	printf("bare lws client:  %.0f frames/s\n", bare);
	printf("cxrecord durable: %.0f frames/s, %llu of %u lost\n", rec, (unsigned long long)lost, BURST);
	if (bare > 0 && rec > 0)
		printf("cxrecord / bare:  %.1f%% (target >= 90%%; and >= 80000 frames/s: %s)\n", 100.0 * rec / bare,
		       rec >= 80000 ? "met" : "NOT met");
	if (lost != 0 || rec <= 0)
		rc = 1;
	if (soak(dir, soak_s) != 0)
		rc = 1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return rc;
}
