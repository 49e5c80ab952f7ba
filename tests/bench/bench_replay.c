/* SPDX-License-Identifier: MIT */
/* bench_replay: max-speed replay into the analyzer (events/s, peak RSS) and timing fidelity at 1x and 10x. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lc_redact.h"
#include "lc_tape.h"
#include "rpl_play.h"

/*
 * Env: CXTAPE_BENCH_REPLAY_EVENTS (default 1000000; 10000000 for the 10M run),
 * CXTAPE_BENCH_FIDELITY_S (recorded span of the fidelity tape, default 120 s;
 * the 1x run takes that long), CXTAPE_BENCH_DIR (default /tmp).
 */

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
env_long(const char *name, long def)
{
	const char *v = getenv(name);
	return v && *v ? atol(v) : def;
}

/* A chat: customer message, agent reply, ack, round robin over 1000 conversations; step_ns apart. */
static int
make_tape(const char *dir, long n, int64_t step_ns)
{
	static const char key[] = "bench-replay-key-0123456789abcdef";
	lc_redactor *red = NULL;
	lc_tape_opts o;
	lc_tape *t = NULL;
	lc_err err = LC_ERR_INIT;
	char conv[32], raw[512];
	int64_t t0 = 1698765432000000000LL;

	if (lc_redactor_from_key(key, strlen(key), 0, &red, &err) != LC_OK)
		goto bad;
	lc_tape_opts_init(&o);
	o.redactor = red;
	if (lc_tape_open_write(dir, &o, &t, &err) != LC_OK)
		goto bad;
	for (long i = 0; i < n; i++) {
		long c = i / 3 % 1000, m = i / 3;
		cx_event ev = {.wall_ns = t0 + i * step_ns, .mono_ns = i * step_ns};
		snprintf(conv, sizeof conv, "c-%ld", c);
		switch (i % 3) {
		case 0:
			ev.kind = CX_FRAME_IN;
			snprintf(raw, sizeof raw, "{\"type\":\"message\",\"conversationId\":\"%s\",\"messageId\":"
			    "\"m-%ld\",\"from\":{\"type\":\"customer\",\"id\":\"cu-%ld\"},\"text\":\"I need help "
			    "with my billing, the invoice was charged twice\"}", conv, m, c);
			break;
		case 1:
			ev.kind = CX_FRAME_OUT;
			snprintf(raw, sizeof raw, "{\"type\":\"message\",\"conversationId\":\"%s\",\"messageId\":"
			    "\"a-%ld\",\"text\":\"Thanks, I am fixing that for you now\"}", conv, m);
			break;
		default:
			ev.kind = CX_FRAME_IN;
			snprintf(raw, sizeof raw, "{\"type\":\"ack\",\"messageId\":\"a-%ld\"}", m);
			break;
		}
		ev.conversation = lc_bytes_str(conv);
		ev.raw = lc_bytes_str(raw);
		while (lc_tape_append(t, &ev, NULL, &err) == LC_EFULL) {
			lc_err_clear(&err);
			if (lc_tape_flush(t, &err) != LC_OK)
				goto bad;
		}
	}
	if (lc_tape_close(t, &err) != LC_OK)
		goto bad;
	lc_redactor_free(red);
	return 0;
bad:
	fprintf(stderr, "bench_replay: making the tape failed: %s\n", lc_err_text(&err));
	return 1;
}

/* Replay in a child (so its peak RSS is the replay's alone); prints one line. */
/* Anonymous memory now (kB): the LMDB map's file pages count in RSS but are reclaimable cache. */
static long
rss_anon_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "RssAnon: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static int
replay(const char *dir, double speed, const char *label)
{
	pid_t pid;
	struct rusage ru;
	int st;

	fflush(stdout);
	pid = fork();

	if (pid == 0) {
		lc_tape *t = NULL;
		lc_err err = LC_ERR_INIT;
		lc_cursor_opts sel;
		rpl_play_opts o = {0};
		rpl_play_stats s;
		FILE *null = fopen("/dev/null", "w");
		double t0;
		char fid[256];

		lc_cursor_opts_init(&sel);
		o.sel = &sel;
		o.speed = speed;
		o.findings = null;
		if (lc_tape_open_read(dir, &t, &err) != LC_OK)
			_exit(1);
		t0 = now_s();
		if (rpl_play_run(t, &o, &s, &err) != LC_OK) {
			fprintf(stderr, "bench_replay: %s\n", lc_err_text(&err));
			_exit(1);
		}
		t0 = now_s() - t0;
		rpl_play_fidelity_line(&s, fid, sizeof fid);
		printf("%s: %llu events in %.2f s = %.0f events/s, %llu findings, anon RSS at end "
		    "%.1f MB%s%s\n", label, (unsigned long long)s.events, t0, (double)s.events / t0,
		    (unsigned long long)s.findings, rss_anon_kb() / 1024.0, speed ? "; " : "",
		    speed ? fid : "");
		fflush(stdout);
		if (lc_tape_close(t, NULL) != LC_OK)
			_exit(1);
		_exit(0);
	}
	if (pid < 0 || wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 1;
	printf("%s: peak RSS %.1f MB (LMDB file pages included)\n", label, (double)ru.ru_maxrss / 1024.0);
	return 0;
}

int
main(void)
{
	long n = env_long("CXTAPE_BENCH_REPLAY_EVENTS", 1000000);
	long span_s = env_long("CXTAPE_BENCH_FIDELITY_S", 120);
	const char *base = getenv("CXTAPE_BENCH_DIR");
	char root[256], big[300], fid[300], cmd[400];
	int rc = 0;

	snprintf(root, sizeof root, "%s/cxreplay-bench-XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(root) == NULL)
		return 1;
	snprintf(big, sizeof big, "%s/big", root);
	snprintf(fid, sizeof fid, "%s/fid", root);
	printf("bench_replay: %ld-event tape (CXTAPE_BENCH_REPLAY_EVENTS), fidelity tape %ld s "
	    "(CXTAPE_BENCH_FIDELITY_S)\n", n, span_s);
	rc |= make_tape(big, n, 1000000);                 /* 1 ms apart */
	if (rc == 0)
		rc |= replay(big, 0, "max speed");
	/* 2000 events over span_s: a message every ~60 ms at 1x, like a busy agent */
	if (rc == 0)
		rc |= make_tape(fid, 2000, span_s * 1000000000LL / 2000);
	if (rc == 0)
		rc |= replay(fid, 10, "10x");
	if (rc == 0)
		rc |= replay(fid, 1, "1x");
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
