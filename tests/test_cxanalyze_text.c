/* SPDX-License-Identifier: MIT */
/* Tests for the cxanalyze program: help, version, usage errors, `text` plain and JSON output. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUN_OUT_MAX ((size_t)4 << 20)

typedef struct run {
	char *out;      /* stdout, NUL-terminated */
	size_t len;
	char err[4096]; /* the start of stderr */
	int status;     /* exit status, or -1 when it did not exit normally */
} run;

/* Write input (may be NULL) to a temp file and run `cxanalyze ARGS < input`. */
static void
run_cxanalyze(run *r, const char *args, const char *input, size_t input_len)
{
	const char *bin = getenv("CXTAPE_BIN");
	char in_path[] = "/tmp/cxanalyze-in-XXXXXX", err_path[] = "/tmp/cxanalyze-err-XXXXXX";
	char cmd[8192];
	int in_fd = mkstemp(in_path), err_fd = mkstemp(err_path), ws;
	FILE *p, *ef;
	size_t n;

	cr_assert_not_null(bin, "CXTAPE_BIN is not set: run through make check");
	cr_assert(in_fd >= 0 && err_fd >= 0);
	if (input != NULL)
		cr_assert_eq(write(in_fd, input, input_len), (ssize_t)input_len);
	close(in_fd);
	close(err_fd);
	snprintf(cmd, sizeof(cmd), "'%s/cxanalyze' %s < %s 2> %s", bin, args, in_path, err_path);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	r->out = malloc(RUN_OUT_MAX + 1);
	cr_assert_not_null(r->out);
	r->len = 0;
	while ((n = fread(r->out + r->len, 1, RUN_OUT_MAX - r->len, p)) > 0)
		r->len += n;
	r->out[r->len] = '\0';
	ws = pclose(p);
	r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
	ef = fopen(err_path, "r");
	cr_assert_not_null(ef);
	n = fread(r->err, 1, sizeof(r->err) - 1, ef);
	r->err[n] = '\0';
	fclose(ef);
	cr_expect(strstr(r->err, "Sanitizer") == NULL && strstr(r->err, "runtime error") == NULL,
	    "cxanalyze %s: sanitizer report: %s", args, r->err);
	unlink(in_path);
	unlink(err_path);
}

static void
run_free(run *r)
{
	free(r->out);
}

Test(cxanalyze, help_prints_usage_and_exits_0)
{
	run r;

	run_cxanalyze(&r, "--help", NULL, 0);
	cr_expect_eq(r.status, 0);
	cr_expect_not_null(strstr(r.out, "usage: cxanalyze"));
	cr_expect_not_null(strstr(r.out, "cxanalyze text [--mode chat|vader] [--json]"));
	run_free(&r);
	run_cxanalyze(&r, "text --help", NULL, 0);
	cr_expect_eq(r.status, 0);
	cr_expect_not_null(strstr(r.out, "--rules FILE"));
	run_free(&r);
}

Test(cxanalyze, version_prints_the_release)
{
	run r;

	run_cxanalyze(&r, "--version", NULL, 0);
	cr_expect_eq(r.status, 0);
	cr_expect_str_eq(r.out, "cxanalyze " CXTAPE_VERSION "\n");
	run_free(&r);
	run_cxanalyze(&r, "text --version", NULL, 0);
	cr_expect_str_eq(r.out, "cxanalyze " CXTAPE_VERSION "\n");
	run_free(&r);
}

Test(cxanalyze, usage_errors_exit_2_with_a_usage_line)
{
	static const char *const bad[] = {
		"--frobnicate", "text --frobnicate", "text --mode loud hi", "text --rules", "nosuchcommand", "",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run r;
		run_cxanalyze(&r, bad[i], NULL, 0);
		cr_expect_eq(r.status, 2, "'%s' exited %d", bad[i], r.status);
		cr_expect_not_null(strstr(r.err, "usage:"), "'%s' printed no usage line: %s", bad[i], r.err);
		cr_expect_eq(r.len, 0, "'%s' printed to stdout", bad[i]);
		run_free(&r);
	}
}

Test(cxanalyze, report_on_a_missing_tape_says_how_to_make_one)
{
	run r;

	run_cxanalyze(&r, "report --tape /tmp/cxtape-no-such-tape", NULL, 0);
	cr_expect_eq(r.status, 1);
	cr_expect_not_null(strstr(r.err, "no tape at /tmp/cxtape-no-such-tape"), "%s", r.err);
	run_free(&r);
}

/* Check one JSON record's shape; returns the parsed object (caller frees). */
static cJSON *
check_record(const char *line, const char *want_text)
{
	cJSON *o = cJSON_Parse(line), *s, *e;
	static const char *const nums[] = {"compound", "pos", "neu", "neg"};

	cr_assert_not_null(o, "not JSON: %s", line);
	cr_assert(cJSON_IsString(cJSON_GetObjectItem(o, "text")), "no text: %s", line);
	if (want_text)
		cr_expect_str_eq(cJSON_GetObjectItem(o, "text")->valuestring, want_text);
	s = cJSON_GetObjectItem(o, "sentiment");
	cr_assert(cJSON_IsObject(s), "no sentiment: %s", line);
	cr_assert(cJSON_IsString(cJSON_GetObjectItem(s, "label")));
	cr_expect(strcmp(cJSON_GetObjectItem(s, "label")->valuestring, "positive") == 0 ||
	    strcmp(cJSON_GetObjectItem(s, "label")->valuestring, "neutral") == 0 ||
	    strcmp(cJSON_GetObjectItem(s, "label")->valuestring, "negative") == 0);
	for (size_t i = 0; i < 4; i++)
		cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(s, nums[i])), "no %s: %s", nums[i], line);
	e = cJSON_GetObjectItem(o, "escalations");
	cr_assert(cJSON_IsArray(e), "no escalations: %s", line);
	return o;
}

Test(cxanalyze, json_reports_sentiment_and_every_escalation_with_spans)
{
	run r;
	cJSON *o, *e, *m0, *m1;

	run_cxanalyze(&r, "text --json 'I will call my lawyer asap'", NULL, 0);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(r.out[r.len - 1], '\n');
	o = check_record(r.out, "I will call my lawyer asap");
	e = cJSON_GetObjectItem(o, "escalations");
	cr_assert_eq(cJSON_GetArraySize(e), 2);
	m0 = cJSON_GetArrayItem(e, 0);
	m1 = cJSON_GetArrayItem(e, 1);
	cr_expect_str_eq(cJSON_GetObjectItem(m0, "trigger")->valuestring, "legal");
	cr_expect_str_eq(cJSON_GetObjectItem(m0, "match")->valuestring, "my lawyer");
	cr_expect_eq(cJSON_GetObjectItem(m0, "start")->valueint, 12);
	cr_expect_eq(cJSON_GetObjectItem(m0, "end")->valueint, 21);
	cr_expect_str_eq(cJSON_GetObjectItem(m1, "trigger")->valuestring, "urgent");
	cr_expect_str_eq(cJSON_GetObjectItem(m1, "match")->valuestring, "asap");
	cJSON_Delete(o);
	run_free(&r);
}

Test(cxanalyze, numbers_print_as_python_prints_them)
{
	run r;

	run_cxanalyze(&r, "text --json --mode vader 'ok'", NULL, 0);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	/* Never a long tail of digits: every number has at most 4 decimals, and 0 is 0.0. */
	for (const char *p = r.out; (p = strpbrk(p, "0123456789")) != NULL;) {
		size_t digits = strspn(p, "0123456789.-");
		const char *dot = memchr(p, '.', digits);
		if (dot != NULL)
			cr_expect_leq(digits - (size_t)(dot - p) - 1, 4, "long number in %s", r.out);
		p += digits;
	}
	cr_expect_not_null(strstr(r.out, "\"neg\":0.0"), "%s", r.out);
	run_free(&r);
}

Test(cxanalyze, stdin_gives_one_record_per_line_even_for_invalid_utf8)
{
	static const char input[] = "thanks, that was great\n"
	    "\xff\xfe\xc3 bad bytes \x01 \"quoted\" \\ see you in court\r\n"
	    "\n"
	    "my manager asked me to call";
	run r;
	char *save = NULL, *line;
	int n = 0;

	run_cxanalyze(&r, "text --json", input, sizeof(input) - 1);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	for (line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		cJSON *o = check_record(line, NULL);
		cJSON *e = cJSON_GetObjectItem(o, "escalations");
		if (n == 1) {
			cr_expect_eq(cJSON_GetArraySize(e), 1);
			cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(e, 0), "match")->valuestring,
			    "in court");
			cr_expect_not_null(strstr(cJSON_GetObjectItem(o, "text")->valuestring, "\xef\xbf\xbd"));
		} else {
			cr_expect_eq(cJSON_GetArraySize(e), 0, "line %d: %s", n, line);
		}
		cJSON_Delete(o);
	}
	cr_expect_eq(n, 4);
	run_free(&r);
}

Test(cxanalyze, plain_output_has_label_compound_triggers_and_text)
{
	run r;
	const char *in = "get me a supervisor NOW, this is urgent\nall good\n";

	run_cxanalyze(&r, "text", in, strlen(in));
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_not_null(strstr(r.out, "complaint(\"supervisor\")@9-19 urgent(\"urgent\")@33-39\t"
	    "get me a supervisor NOW, this is urgent\n"), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "\t-\tall good\n"), "%s", r.out);
	run_free(&r);
}

Test(cxanalyze, a_line_over_the_cap_is_cut_with_a_warning)
{
	size_t big = (size_t)100 << 10;
	char *input = malloc(big + 32);
	run r;
	cJSON *o;

	cr_assert_not_null(input);
	memset(input, 'a', big);
	memcpy(input + big, " lawyer\nok\n", 11);
	run_cxanalyze(&r, "text --json", input, big + 11);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_not_null(strstr(r.err, "line 1 is over the"), "%s", r.err);
	o = cJSON_Parse(r.out);
	cr_assert_not_null(o);
	cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(o, "truncated")));
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(o, "escalations")), 0);
	cJSON_Delete(o);
	cr_expect_not_null(strstr(r.out, "\n{\"text\":\"ok\""));
	free(input);
	run_free(&r);
}

Test(cxanalyze, rules_file_adds_user_triggers_and_bad_rules_exit_2)
{
	char path[] = "/tmp/cxanalyze-rules-XXXXXX";
	const char *good = "include default\ntrigger churn 15\nphrase churn \"cancel my account\"\n";
	const char *bad = "trigger churn 15\nphrase churn cancel\n";
	char args[256];
	int fd = mkstemp(path);
	run r;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, good, strlen(good)), (ssize_t)strlen(good));
	close(fd);
	snprintf(args, sizeof(args), "text --json --rules %s 'cancel my account now, I want a manager'", path);
	run_cxanalyze(&r, args, NULL, 0);
	cr_expect_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_not_null(strstr(r.out, "\"trigger\":\"complaint\""), "%s", r.out);
	cr_expect_not_null(strstr(r.out, "\"trigger\":\"churn\",\"match\":\"cancel my account\",\"start\":0"),
	    "%s", r.out);
	cr_expect_lt(strstr(r.out, "complaint"), strstr(r.out, "churn"), "priority order: %s", r.out);
	run_free(&r);

	fd = open(path, O_WRONLY | O_TRUNC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
	close(fd);
	run_cxanalyze(&r, args, NULL, 0);
	cr_expect_eq(r.status, 2);
	cr_expect_not_null(strstr(r.err, ":2: put the phrase cancel in double quotes"), "%s", r.err);
	run_free(&r);
	unlink(path);
}
