/* SPDX-License-Identifier: MIT */
/* Tests for lc_config: file syntax, environment precedence, secret-file permissions, typed getters. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lc_config.h"

static char *
write_file(const char *text, mode_t mode)
{
	char tmpl[] = "/tmp/cxtape-config-XXXXXX";
	int fd = mkstemp(tmpl);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cr_assert_eq(chmod(tmpl, mode), 0);
	return strdup(tmpl);
}

static void
clear_env(void)
{
	for (const char *const *k = lc_config_known_keys(); *k; k++) {
		char name[96] = "CXONE_";
		for (size_t i = 0; (*k)[i]; i++)
			name[6 + i] = (char)((*k)[i] >= 'a' && (*k)[i] <= 'z' ? (*k)[i] - 32 : (*k)[i]);
		unsetenv(name);
	}
}

Test(config, file_syntax_comments_blanks_spaces_and_quotes)
{
	char *path = write_file(
	    "# cxtape settings\n"
	    "\n"
	    "base_url = https://example.cxone.com   # inline comment\n"
	    "client_id=demo-client\r\n"
	    "  scopes = \"chat:read chat:write\"  \n"
	    "user_id = 'agent # 7'\n"
	    "cacert = \"/etc/a \\\"b\\\".pem\"\n"
	    "fragment = http://x/#anchor\n"
	    "empty =\n"
	    "user_id = agent-8\n", 0644);
	lc_config *c = NULL;
	lc_err err = LC_ERR_INIT;
	char origin[512];

	clear_env();
	cr_assert_eq(lc_config_load(path, &c, &err), LC_OK, "%s", lc_err_text(&err));
	cr_assert_str_eq(lc_config_get(c, "base_url"), "https://example.cxone.com");
	cr_assert_str_eq(lc_config_get(c, "client_id"), "demo-client");
	cr_assert_str_eq(lc_config_get(c, "scopes"), "chat:read chat:write");
	cr_assert_str_eq(lc_config_get(c, "cacert"), "/etc/a \"b\".pem");
	cr_assert_str_eq(lc_config_get(c, "fragment"), "http://x/#anchor");
	cr_assert_str_eq(lc_config_get(c, "empty"), "");
	cr_assert_str_eq(lc_config_get(c, "user_id"), "agent-8", "the later line wins");
	cr_assert_null(lc_config_get(c, "client_secret"));
	snprintf(origin, sizeof(origin), "%s:10", path);
	cr_assert_str_eq(lc_config_origin(c, "user_id"), origin);
	lc_config_free(c);
	unlink(path);
	free(path);
}

Test(config, single_quotes_are_literal)
{
	char *path = write_file("user_id = 'a \\n # b'\n", 0600);
	lc_config *c = NULL;

	clear_env();
	cr_assert_eq(lc_config_load(path, &c, NULL), LC_OK);
	cr_assert_str_eq(lc_config_get(c, "user_id"), "a \\n # b");
	lc_config_free(c);
	unlink(path);
	free(path);
}

Test(config, errors_name_the_file_and_line)
{
	static const struct {
		const char *text, *needle;
	} bad[] = {
		{"base_url = x\nthis line has no equals\n", ":2: expected"},
		{"# ok\n\nuser_id = \"open\n", ":3: the quoted value has no closing quote"},
		{"Base_URL = x\n", ":1: bad key"},
		{"user_id = \"a\" b\n", ":1: text after the closing quote"},
		{" = value\n", ":1: bad key"},
	};

	clear_env();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *path = write_file(bad[i].text, 0600);
		lc_config *c = NULL;
		lc_err err = LC_ERR_INIT;
		char want[512];

		cr_assert_eq(lc_config_load(path, &c, &err), LC_ECONFIG, "case %zu", i);
		cr_assert_null(c);
		snprintf(want, sizeof(want), "%s%s", path, bad[i].needle);
		cr_assert(strstr(err.msg, want) != NULL, "case %zu: %s (want %s)", i, err.msg, want);
		unlink(path);
		free(path);
	}
}

Test(config, environment_overrides_the_file_and_flags_override_both)
{
	char *path = write_file("base_url = http://file\nclient_id = file-id\n", 0600);
	lc_config *c = NULL;
	lc_err err = LC_ERR_INIT;

	clear_env();
	setenv("CXONE_BASE_URL", "http://env", 1);
	setenv("CXONE_USER_ID", "env-user", 1);
	cr_assert_eq(lc_config_load(path, &c, &err), LC_OK, "%s", lc_err_text(&err));
	cr_assert_str_eq(lc_config_get(c, "base_url"), "http://env");
	cr_assert_str_eq(lc_config_origin(c, "base_url"), "$CXONE_BASE_URL");
	cr_assert_str_eq(lc_config_get(c, "client_id"), "file-id");
	cr_assert_str_eq(lc_config_get(c, "user_id"), "env-user");
	cr_assert_eq(lc_config_set(c, "base_url", "http://flag", "--base-url", &err), LC_OK);
	cr_assert_str_eq(lc_config_get(c, "base_url"), "http://flag");
	cr_assert_str_eq(lc_config_origin(c, "base_url"), "--base-url");
	clear_env();
	lc_config_free(c);
	unlink(path);
	free(path);
}

Test(config, secret_in_a_readable_file_is_refused)
{
	char *path = write_file("client_id = x\nclient_secret = s3cret\n", 0640);
	lc_config *c = NULL;
	lc_err err = LC_ERR_INIT;
	char want[600];

	clear_env();
	cr_assert_eq(lc_config_load(path, &c, &err), LC_EPERM);
	cr_assert_null(c);
	snprintf(want, sizeof(want), "config %s holds client_secret and is readable by others; "
	    "run chmod 600 %s", path, path);
	cr_assert_str_eq(err.msg, want);
	cr_assert_null(strstr(err.msg, "s3cret"));
	cr_assert_eq(chmod(path, 0600), 0);
	cr_assert_eq(lc_config_load(path, &c, NULL), LC_OK);
	cr_assert_str_eq(lc_config_get(c, "client_secret"), "s3cret");
	lc_config_free(c);
	unlink(path);
	free(path);
}

Test(config, readable_file_without_secret_is_fine_and_env_secret_is_taken)
{
	char *path = write_file("client_id = x\n", 0644);
	lc_config *c = NULL;

	clear_env();
	setenv("CXONE_CLIENT_SECRET", "from-env", 1);
	cr_assert_eq(lc_config_load(path, &c, NULL), LC_OK);
	cr_assert_str_eq(lc_config_get(c, "client_secret"), "from-env");
	clear_env();
	lc_config_free(c);
	unlink(path);
	free(path);
}

Test(config, missing_file_is_notfound_with_its_name)
{
	lc_config *c = NULL;
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(lc_config_load("/nonexistent/cxtape.conf", &c, &err), LC_ENOTFOUND);
	cr_assert(strstr(err.msg, "/nonexistent/cxtape.conf") != NULL, "%s", err.msg);
}

Test(config, typed_getters_check_type_and_range)
{
	lc_config *c = NULL;
	lc_err err = LC_ERR_INIT;
	long long i;
	double d;
	bool b;

	cr_assert_eq(lc_config_new(&c, NULL), LC_OK);
	cr_assert_eq(lc_config_set(c, "max_concurrent", "4", "--max-concurrent", NULL), LC_OK);
	cr_assert_eq(lc_config_set(c, "rest_retries", "99", "file:3", NULL), LC_OK);
	cr_assert_eq(lc_config_set(c, "ping_interval_s", "2.5", NULL, NULL), LC_OK);
	cr_assert_eq(lc_config_set(c, "insecure", "Yes", NULL, NULL), LC_OK);
	cr_assert_eq(lc_config_set(c, "log_level", "maybe", NULL, NULL), LC_OK);
	cr_assert_eq(lc_config_set(c, "sla_latency_ms", "12abc", NULL, NULL), LC_OK);

	cr_assert_eq(lc_config_get_int(c, "max_concurrent", 1, 1, 100, &i, NULL), LC_OK);
	cr_assert_eq(i, 4);
	cr_assert_eq(lc_config_get_int(c, "unset", 7, 1, 100, &i, NULL), LC_OK);
	cr_assert_eq(i, 7);
	cr_assert_eq(lc_config_get_int(c, "rest_retries", 5, 0, 20, &i, &err), LC_ECONFIG);
	cr_assert_str_eq(err.msg, "rest_retries = \"99\" (file:3) must be a whole number from 0 to 20");
	cr_assert_eq(lc_config_get_int(c, "sla_latency_ms", 0, 0, 100000, &i, NULL), LC_ECONFIG);
	cr_assert_eq(lc_config_get_double(c, "ping_interval_s", 20, 0.1, 60, &d, NULL), LC_OK);
	cr_assert_float_eq(d, 2.5, 1e-12);
	cr_assert_eq(lc_config_get_double(c, "ping_interval_s", 20, 5, 60, &d, NULL), LC_ECONFIG);
	cr_assert_eq(lc_config_get_bool(c, "insecure", false, &b, NULL), LC_OK);
	cr_assert(b);
	cr_assert_eq(lc_config_get_bool(c, "unset", true, &b, NULL), LC_OK);
	cr_assert(b);
	lc_err_clear(&err);
	cr_assert_eq(lc_config_get_bool(c, "log_level", false, &b, &err), LC_ECONFIG);
	cr_assert(strstr(err.msg, "must be true or false") != NULL, "%s", err.msg);
	cr_assert_eq(lc_config_set(c, "Bad Key", "x", "--x", &err), LC_ECONFIG);
	lc_config_free(c);
	lc_config_free(NULL);
}

Test(config, too_many_settings_is_toobig)
{
	lc_config *c = NULL;
	char k[32];
	lc_status rc = LC_OK;

	cr_assert_eq(lc_config_new(&c, NULL), LC_OK);
	for (int i = 0; i <= LC_CONFIG_ENTRIES_MAX && rc == LC_OK; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		rc = lc_config_set(c, k, "v", NULL, NULL);
	}
	cr_assert_eq(rc, LC_ETOOBIG);
	lc_config_free(c);
}

/* ---- one grammar, one name per setting, across the programs ---------------------------------- */

/* Everything fn wrote to stderr, into buf. */
static void
capture_stderr(void (*fn)(void *), void *ud, char *buf, size_t cap)
{
	FILE *f = tmpfile();
	int save = dup(2);
	size_t n;

	cr_assert_not_null(f);
	dup2(fileno(f), 2);
	fn(ud);
	fflush(stderr);
	dup2(save, 2);
	close(save);
	rewind(f);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = 0;
	fclose(f);
}

static lc_status load_rc;

static void
load_into(void *ud)
{
	void **a = ud;
	load_rc = lc_config_load_file(a[0], a[1], NULL);
}

Test(config, old_name_warns_naming_the_new_one_and_still_works)
{
	char *path = write_file("sla_latency_ms = 1500\n", 0600);
	lc_config *c = NULL;
	char err[1024];
	long long v;
	void *args[2];

	clear_env();
	cr_assert_eq(lc_config_new(&c, NULL), LC_OK);
	args[0] = c;
	args[1] = path;
	capture_stderr(load_into, args, err, sizeof err);
	cr_assert_eq(load_rc, LC_OK);
	cr_assert(strstr(err, "'sla_latency_ms' is now called 'latency_sla_ms'") != NULL, "%s", err);
	cr_assert(strstr(err, ":1") != NULL, "the warning names the line: %s", err);
	cr_assert_eq(lc_config_get_int(c, "latency_sla_ms", 2000, 1, 3600000, &v, NULL), LC_OK);
	cr_assert_eq(v, 1500);
	cr_assert_str_eq(lc_config_get(c, "sla_latency_ms"), "1500", "the old name reads the same setting");
	cr_assert_eq(lc_config_check(c, NULL), LC_OK);
	lc_config_free(c);
	unlink(path);
	free(path);
}

Test(config, new_name_works_without_a_warning_and_typos_are_refused)
{
	char *path = write_file("latency_sla_ms = 900\nsentiment_mode = vader\nlatency_sla_mss = 1\n", 0600);
	lc_config *c = NULL;
	lc_err e = LC_ERR_INIT;
	char err[1024];
	long long v;
	void *args[2];

	cr_assert_eq(lc_config_new(&c, NULL), LC_OK);
	args[0] = c;
	args[1] = path;
	capture_stderr(load_into, args, err, sizeof err);
	cr_assert_eq(load_rc, LC_OK);
	cr_assert_str_eq(err, "");
	cr_assert_eq(lc_config_get_int(c, "latency_sla_ms", 2000, 1, 3600000, &v, NULL), LC_OK);
	cr_assert_eq(v, 900);
	cr_assert_eq(lc_config_check(c, &e), LC_ECONFIG);
	cr_assert(strstr(e.msg, ":3: unknown setting 'latency_sla_mss'") != NULL, "%s", e.msg);
	lc_config_free(c);
	unlink(path);
	free(path);
}

Test(config, old_environment_name_warns_and_the_new_one_wins)
{
	lc_config *c = NULL;
	long long v;

	clear_env();
	setenv("CXONE_SLA_LATENCY_MS", "1200", 1);
	cr_assert_eq(lc_config_load(NULL, &c, NULL), LC_OK);
	cr_assert_eq(lc_config_get_int(c, "latency_sla_ms", 2000, 1, 3600000, &v, NULL), LC_OK);
	cr_assert_eq(v, 1200);
	lc_config_free(c);
	setenv("CXONE_LATENCY_SLA_MS", "1300", 1);
	cr_assert_eq(lc_config_load(NULL, &c, NULL), LC_OK);
	cr_assert_eq(lc_config_get_int(c, "latency_sla_ms", 2000, 1, 3600000, &v, NULL), LC_OK);
	cr_assert_eq(v, 1300);
	lc_config_free(c);
	unsetenv("CXONE_SLA_LATENCY_MS");
	unsetenv("CXONE_LATENCY_SLA_MS");
}

/* Run a program of the build with its stderr in out; returns the exit status. */
static int
run_prog(const char *args, char *out, size_t cap)
{
	const char *bin = getenv("CXTAPE_BIN");
	char cmd[2048];
	size_t n;
	FILE *p;
	int st;

	cr_assert_not_null(bin, "run with CXTAPE_BIN (tests/run.sh sets it)");
	snprintf(cmd, sizeof cmd, "%s/%s 2>&1 >/dev/null", bin, args);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, cap - 1, p);
	out[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * One file of connection and analyzer settings, given to every program. Each
 * stops on a missing tape right after the settings, and says so in its own
 * words (`reached`): that line shows the file was read and accepted.
 */
Test(config, one_file_serves_cxrecord_cxreplay_and_cxanalyze)
{
	static const char body[] =
	    "base_url = http://127.0.0.1:1\nclient_id = demo-client\nclient_secret = demo-secret\n"
	    "rest_retries = 2\nsentiment_mode = vader\nbucket_rate = 5\n%s = %s\n";
	static const struct { const char *args, *reached; } progs[] = {
		{"cxanalyze report --tape /nonexistent/cxtape --config %s", "no tape at /nonexistent/cxtape"},
		{"cxreplay play --tape /nonexistent/cxtape --speed max --config %s", "no tape at /nonexistent/cxtape"},
		{"cxrecord --config %s", "--tape DIR is required"},
	};
	char text[512], args[1024], out[4096];

	clear_env();
	for (size_t i = 0; i < sizeof progs / sizeof progs[0]; i++) {
		char *path;

		snprintf(text, sizeof text, body, "sla_latency_ms", "1500");
		path = write_file(text, 0600);
		snprintf(args, sizeof args, progs[i].args, path);
		run_prog(args, out, sizeof out);
		cr_expect(strstr(out, progs[i].reached) != NULL, "%s: %s", args, out);
		cr_expect(strstr(out, "unknown") == NULL, "%s: %s", args, out);
		cr_expect(strstr(out, "now called 'latency_sla_ms'") != NULL, "%s: %s", args, out);
		unlink(path);
		free(path);

		snprintf(text, sizeof text, body, "latency_sla_ms", "0");
		path = write_file(text, 0600);
		snprintf(args, sizeof args, progs[i].args, path);
		cr_expect_eq(run_prog(args, out, sizeof out), 2, "%s: %s", args, out);
		cr_expect(strstr(out, "latency_sla_ms") != NULL, "the new name is read: %s: %s", args, out);
		cr_expect(strstr(out, progs[i].reached) == NULL, "%s: %s", args, out);
		unlink(path);
		free(path);
	}
}
