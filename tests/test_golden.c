/* SPDX-License-Identifier: MIT */
/* Golden outputs: findings, reports, transcripts and exports of three tapes through the CLI, byte for byte. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lc_crc32c.h"
#include "lc_evjson.h"
#include "test_replay_fixture.h"

/*
 * What a user gets from a tape must not change when the code behind it is
 * reorganised. Each case runs one command line of cxreplay or cxanalyze on
 * one of three tapes and compares every file it writes with the one under
 * fixtures/golden/TAPE/, byte for byte:
 *
 *   demo   the tape `make demo` recorded (four cxsim scenarios, live), kept as
 *          fixtures/golden/demo.jsonl and loaded back event by event;
 *   chat   the small hand-made chat of test_replay_fixture.h;
 *   mixed  the chat plus 6,000 events of every shape (binary, malformed,
 *          escaped, imported, a 1 MiB frame: rfx_make_mixed).
 *
 * Session ids are made from the clock when the test writes a tape, so they
 * are masked on both sides ("s-<masked>"); nothing else is. An expected file
 * over GOLDEN_INLINE_MAX is kept as its size and CRC32C (NAME.crc) rather
 * than committed whole; the output that differed is left in the build's
 * test-output folder to diff by hand.
 *
 * CXTAPE_GOLDEN_UPDATE=1 rewrites the expected files from this build: do it
 * only for a change that is meant to change the output, and say so in the
 * commit.
 */

#define GOLDEN_INLINE_MAX ((size_t)512 << 10)
#define GOLDEN_FILE_MAX ((size_t)64 << 20)
#define GOLDEN_CMD_MAX 8192

typedef struct golden_case {
	const char *name;   /* expected file, and the output the command writes */
	const char *cmd;    /* %B bin dir, %T tape, %O output, %C vader config file */
	const char *name2;  /* a second output the same command writes to %O2, or NULL */
	int status;         /* the exit status it must give */
} golden_case;

static const golden_case cases[] = {
	{"findings.jsonl", "%B/cxreplay play --tape %T --speed max --findings %O", NULL, 0},
	{"play.txt", "%B/cxreplay play --tape %T --speed max --findings /dev/null --report %O --format text", NULL, 0},
	{"play.json", "%B/cxreplay play --tape %T --speed max --findings /dev/null --report %O --format json", NULL, 0},
	{"play.csv", "%B/cxreplay play --tape %T --speed max --findings /dev/null --report %O --format csv", NULL, 0},
	{"play.html", "%B/cxreplay play --tape %T --speed max --findings /dev/null --report %O --format html", NULL, 0},
	{"transcript.txt", "%B/cxreplay play --tape %T --speed max --transcript > %O", NULL, 0},
	{"transcript+report.txt",
	    "%B/cxreplay play --tape %T --speed max --transcript --findings %O2 --report %O3 --format html > %O",
	    "transcript+report.findings.jsonl", 0},
	{"report.txt", "%B/cxanalyze report --tape %T --format text -o %O", NULL, 0},
	{"report.json", "%B/cxanalyze report --tape %T --format json -o %O", NULL, 0},
	{"report.csv", "%B/cxanalyze report --tape %T --format csv -o %O", NULL, 0},
	{"report.html", "%B/cxanalyze report --tape %T --format html -o %O", NULL, 0},
	{"vader-report.json", "%B/cxanalyze report --tape %T --mode vader --format json -o %O", NULL, 0},
	{"vader-findings.jsonl", "%B/cxreplay play --tape %T --speed max --config %C --findings %O", NULL, 0},
	{"export.jsonl", "%B/cxreplay export --tape %T --format jsonl -o %O", NULL, 0},
	{"export.har", "%B/cxreplay export --tape %T --format har -o %O", NULL, 0},
};

/* Selections, on the demo tape only (its conversation ids are fixed). */
static const golden_case demo_cases[] = {
	{"conv-findings.jsonl",
	    "%B/cxreplay play --tape %T --speed max --conversation c-angry-0001 --findings %O", NULL, 0},
	{"conv-report.json",
	    "%B/cxanalyze report --tape %T --conversation c-angry-0001 --format json -o %O", NULL, 0},
	{"conv-transcript.txt",
	    "%B/cxreplay play --tape %T --speed max --conversation c-angry-0001 --transcript > %O", NULL, 0},
};

static rfx fx;
static char out_dir[512];   /* where the outputs of this run are kept */
static char vader_conf[400];

static const char *
env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

/* Load an evjson export into a new tape at dir, keeping every event's session. */
static void
load_jsonl(const char *path, const char *dir)
{
	lc_tape *t = rfx_open_write(&fx, dir);
	lc_evjson_parser *p = NULL;
	lc_err err = LC_ERR_INIT;
	FILE *f = fopen(path, "rb");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(lc_evjson_parser_new(&p, &err), LC_OK, "%s", err.msg);
	while ((n = getline(&line, &cap, f)) > 0) {
		cx_event ev;

		lineno++;
		cr_assert_eq(lc_evjson_parse(p, line, (size_t)n, &ev, &err), LC_OK, "%s:%lu: %s", path,
		    lineno, err.msg);
		while (lc_tape_append(t, &ev, NULL, &err) == LC_EFULL) {
			lc_err_clear(&err);
			cr_assert_eq(lc_tape_flush(t, &err), LC_OK, "%s", err.msg);
		}
		cr_assert_eq(err.status, LC_OK, "%s", err.msg);
	}
	cr_assert_gt(lineno, 400, "%s: only %lu events", path, lineno);
	free(line);
	fclose(f);
	lc_evjson_parser_free(p);
	cr_assert_eq(lc_tape_close(t, &err), LC_OK, "%s", err.msg);
}

static void
make_tapes(void)
{
	char path[600], dir[600];
	lc_tape *t;
	lc_err err = LC_ERR_INIT;
	FILE *f;

	rfx_init(&fx);
	snprintf(path, sizeof path, "%s/fixtures/golden/demo.jsonl", env_or("CXTAPE_SRC", "."));
	snprintf(dir, sizeof dir, "%s/demo", fx.root);
	load_jsonl(path, dir);
	snprintf(dir, sizeof dir, "%s/chat", fx.root);
	t = rfx_open_write(&fx, dir);
	rfx_chat(t);
	cr_assert_eq(lc_tape_close(t, &err), LC_OK, "%s", err.msg);
	snprintf(dir, sizeof dir, "%s/mixed", fx.root);
	rfx_make_mixed(&fx, dir);

	snprintf(vader_conf, sizeof vader_conf, "%s/vader.conf", fx.root);
	f = fopen(vader_conf, "w");
	cr_assert_not_null(f);
	fputs("sentiment_mode = vader\n", f);
	cr_assert_eq(fclose(f), 0);

	snprintf(out_dir, sizeof out_dir, "%s/test-output/golden", env_or("CXTAPE_BUILD", "build"));
	snprintf(path, sizeof path, "mkdir -p '%s'", out_dir);
	cr_assert_eq(system(path), 0);
}

static void
drop_tapes(void)
{
	rfx_done(&fx);
}

TestSuite(golden, .init = make_tapes, .fini = drop_tapes, .timeout = 180);

/* Expand a case's command: every placeholder once or more, into out. */
static void
expand(const char *tmpl, const char *tape, const char *o1, const char *o2, const char *o3, char *out,
    size_t cap)
{
	const char *bin = env_or("CXTAPE_BIN", "build/bin");
	size_t k = 0;

	for (const char *s = tmpl; *s; s++) {
		const char *sub = NULL;
		size_t skip = 1;

		if (s[0] == '%') {
			switch (s[1]) {
			case 'B': sub = bin; break;
			case 'T': sub = tape; break;
			case 'C': sub = vader_conf; break;
			case 'O':
				sub = s[2] == '2' ? o2 : s[2] == '3' ? o3 : o1;
				skip = s[2] == '2' || s[2] == '3' ? 2 : 1;
				break;
			default: break;
			}
		}
		if (sub) {
			size_t n = strlen(sub);

			cr_assert_lt(k + n, cap);
			memcpy(out + k, sub, n);
			k += n;
			s += skip;
		} else {
			cr_assert_lt(k + 1, cap);
			out[k++] = *s;
		}
	}
	out[k] = 0;
}

/* The whole of a file, NUL-terminated; *len its size. Caller frees. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	size_t n = 0, cap = 1 << 16;

	if (f == NULL)
		return NULL;
	b = malloc(cap + 1);
	cr_assert_not_null(b);
	for (;;) {
		size_t r = fread(b + n, 1, cap - n, f);

		n += r;
		if (n < cap)
			break;
		cr_assert_lt(cap, GOLDEN_FILE_MAX, "%s is over %zu bytes", path, GOLDEN_FILE_MAX);
		cap *= 2;
		b = realloc(b, cap + 1);
		cr_assert_not_null(b);
	}
	fclose(f);
	b[n] = 0;
	*len = n;
	return b;
}

static int
is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int
is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* Mask session ids "s-YYYYMMDDTHHMMSSZ-xxxxxxxx" (27 bytes) in place; returns the new length. */
static size_t
mask_sessions(char *b, size_t n)
{
	static const char mask[] = "s-<masked>";
	size_t r = 0, w = 0;

	while (r < n) {
		if (r + 27 <= n && b[r] == 's' && b[r + 1] == '-' && is_digits(b + r + 2, 8) &&
		    b[r + 10] == 'T' && is_digits(b + r + 11, 6) && b[r + 17] == 'Z' && b[r + 18] == '-' &&
		    is_hex(b + r + 19, 8)) {
			memcpy(b + w, mask, sizeof mask - 1);
			w += sizeof mask - 1;
			r += 27;
		} else {
			b[w++] = b[r++];
		}
	}
	b[w] = 0;
	return w;
}

static void
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(p, 1, n, f), n);
	cr_assert_eq(fclose(f), 0, "%s", path);
}

/* Compare (or, when updating, store) one output of a case. */
static void
check_output(const char *tape_name, const char *name, const char *got_path)
{
	char exp_path[1400], crc_path[1420], keep[1400];
	size_t got_len = 0, exp_len = 0;
	char *got = slurp(got_path, &got_len);
	char *exp;
	int update = getenv("CXTAPE_GOLDEN_UPDATE") != NULL;

	cr_assert_not_null(got, "%s/%s: the command wrote no %s", tape_name, name, got_path);
	got_len = mask_sessions(got, got_len);
	snprintf(exp_path, sizeof exp_path, "%s/fixtures/golden/%s/%s", env_or("CXTAPE_SRC", "."),
	    tape_name, name);
	snprintf(crc_path, sizeof crc_path, "%s.crc", exp_path);
	if (update) {
		char crc[64];

		remove(exp_path);
		remove(crc_path);
		if (got_len > GOLDEN_INLINE_MAX) {
			int k = snprintf(crc, sizeof crc, "%zu %08x\n", got_len, lc_crc32c(0, got, got_len));

			write_file(crc_path, crc, (size_t)k);
		} else {
			write_file(exp_path, got, got_len);
		}
		free(got);
		return;
	}
	snprintf(keep, sizeof keep, "%s/%s.%s", out_dir, tape_name, name);
	write_file(keep, got, got_len);
	if ((exp = slurp(exp_path, &exp_len)) != NULL) {
		size_t i = 0;

		while (i < got_len && i < exp_len && got[i] == exp[i])
			i++;
		cr_expect(i == got_len && i == exp_len,
		    "%s/%s differs from %s at byte %zu (%zu vs %zu bytes); this run's output: %s", tape_name,
		    name, exp_path, i, got_len, exp_len, keep);
	} else if ((exp = slurp(crc_path, &exp_len)) != NULL) {
		char want[64], have[64];

		snprintf(want, sizeof want, "%s", exp);
		snprintf(have, sizeof have, "%zu %08x\n", got_len, lc_crc32c(0, got, got_len));
		cr_expect_str_eq(have, want, "%s/%s: size and CRC32C differ from %s; this run's output: %s",
		    tape_name, name, crc_path, keep);
	} else {
		cr_expect_fail("%s/%s: no expected file %s (make one with CXTAPE_GOLDEN_UPDATE=1)",
		    tape_name, name, exp_path);
	}
	free(exp);
	free(got);
}

static void
run_case(const char *tape_name, const golden_case *c)
{
	char tape[600], o1[1024], o2[1024], o3[1024], cmd[GOLDEN_CMD_MAX], dir[700];
	int st;

	snprintf(tape, sizeof tape, "%s/%s", fx.root, tape_name);
	snprintf(dir, sizeof dir, "%s/out-%s", fx.root, tape_name);
	mkdir(dir, 0700);
	snprintf(o1, sizeof o1, "%s/%s", dir, c->name);
	snprintf(o2, sizeof o2, "%s/%s", dir, c->name2 ? c->name2 : "unused2");
	snprintf(o3, sizeof o3, "%s/%s.html", dir, c->name);
	expand(c->cmd, tape, o1, o2, o3, cmd, sizeof cmd);
	strncat(cmd, " 2>/dev/null", sizeof cmd - strlen(cmd) - 1);
	st = system(cmd);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == c->status, "%s/%s: `%s` exited %d, want %d",
	    tape_name, c->name, cmd, WIFEXITED(st) ? WEXITSTATUS(st) : -1, c->status);
	check_output(tape_name, c->name, o1);
	if (c->name2) {
		char n3[300];

		check_output(tape_name, c->name2, o2);
		snprintf(n3, sizeof n3, "%s.html", c->name);
		check_output(tape_name, n3, o3);
	}
}

static void
run_all(const char *tape_name, const golden_case *cs, size_t n)
{
	char dir[700];

	if (getenv("CXTAPE_GOLDEN_UPDATE")) {
		snprintf(dir, sizeof dir, "mkdir -p '%s/fixtures/golden/%s'", env_or("CXTAPE_SRC", "."),
		    tape_name);
		cr_assert_eq(system(dir), 0);
	}
	for (size_t i = 0; i < n; i++)
		run_case(tape_name, &cs[i]);
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

Test(golden, demo_tape_outputs_are_unchanged)
{
	run_all("demo", cases, N_OF(cases));
	run_all("demo", demo_cases, N_OF(demo_cases));
}

Test(golden, chat_tape_outputs_are_unchanged)
{
	run_all("chat", cases, N_OF(cases));
}

Test(golden, mixed_tape_outputs_are_unchanged)
{
	run_all("mixed", cases, N_OF(cases));
}

/* The masking must hide session ids and nothing else, or the comparison would prove little. */
Test(golden, session_masking_touches_only_session_ids)
{
	char b[] = "x s-20231031T151712Z-0a1b2c3d y s-2023103XT151712Z-0a1b2c3d z s-20231031T151712Z-0A1B2C3D";
	size_t n = mask_sessions(b, strlen(b));

	cr_assert_str_eq(b, "x s-<masked> y s-2023103XT151712Z-0a1b2c3d z s-20231031T151712Z-0A1B2C3D");
	cr_assert_eq(n, strlen(b));
}
