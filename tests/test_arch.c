/* SPDX-License-Identifier: MIT */
/* Tests for tests/check_arch.sh: the tree passes it, and each kind of planted violation fails it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char root[256];       /* a copy of the product's folders */
static char out_path[300];   /* what the last check printed */

static const char *
src_dir(void)
{
	const char *s = getenv("CXTAPE_SRC");

	return s && *s ? s : ".";
}

static void
copy_tree(void)
{
	char cmd[1024];
	const char *tmp = getenv("TMPDIR");

	snprintf(root, sizeof root, "%s/cxtape-arch-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(root));
	snprintf(cmd, sizeof cmd, "cd '%s' && cp -R libcommon analyzer recorder replayer fixtures tests '%s'/",
	    src_dir(), root);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(out_path, sizeof out_path, "%s/check.out", root);
}

static void
drop_tree(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(arch, .init = copy_tree, .fini = drop_tree);

/* Run the check on the copy; its exit status, its output kept in out (NUL-terminated). */
static int
check(char *out, size_t cap)
{
	char cmd[1024];
	FILE *f;
	size_t n;
	int st;

	snprintf(cmd, sizeof cmd, "sh '%s/tests/check_arch.sh' '%s' > '%s' 2>&1", root, root, out_path);
	st = system(cmd);
	cr_assert(WIFEXITED(st), "%s", cmd);
	f = fopen(out_path, "r");
	cr_assert_not_null(f);
	n = fread(out, 1, cap - 1, f);
	out[n] = 0;
	fclose(f);
	return WEXITSTATUS(st);
}

/* Append one line to a file of the copy. */
static void
plant(const char *file, const char *line)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", root, file);
	f = fopen(path, "a");
	cr_assert_not_null(f, "%s", path);
	fprintf(f, "%s\n", line);
	cr_assert_eq(fclose(f), 0);
}

Test(arch, the_tree_follows_the_layers_and_the_library_owners)
{
	char out[8192];

	cr_assert_eq(check(out, sizeof out), 0, "%s", out);
	cr_assert(strstr(out, "files follow the layers") != NULL, "%s", out);
}

Test(arch, a_third_party_header_outside_its_owner_fails)
{
	static const char *const planted[][2] = {
		{"analyzer/an_engine.c", "#include <lmdb.h>"},
		{"replayer/rpl_play.c", "#include <msgpack.h>"},
		{"recorder/rec_agent.c", "#include <curl/curl.h>"},
		{"analyzer/an_report.c", "#include <libwebsockets.h>"},
		{"replayer/rpl_select.c", "#  include <cjson/cJSON.h>"},
		{"libcommon/lc_buf.c", "#include <openssl/evp.h>"},
	};
	char out[8192], want[256];

	for (size_t i = 0; i < sizeof planted / sizeof planted[0]; i++)
		plant(planted[i][0], planted[i][1]);
	cr_assert_eq(check(out, sizeof out), 1, "%s", out);
	for (size_t i = 0; i < sizeof planted / sizeof planted[0]; i++) {
		snprintf(want, sizeof want, "%s:", planted[i][0]);
		cr_expect(strstr(out, want) != NULL, "no complaint about %s in:\n%s", planted[i][0], out);
	}
}

Test(arch, an_include_pointing_up_the_layers_fails)
{
	static const char *const planted[][2] = {
		{"libcommon/lc_buf.c", "#include \"an_engine.h\""},      /* libcommon -> analyzer */
		{"analyzer/an_report.c", "#include \"rpl_play.h\""},     /* analyzer -> replayer */
		{"replayer/rpl_export.c", "#include \"rec_stream.h\""},  /* replayer -> recorder */
		{"libcommon/lc_err.c", "#include \"rec_cli.h\""},        /* libcommon -> recorder */
		{"analyzer/an_engine.c", "#include \"an_source.h\""},    /* analysis core -> tape source */
	};
	char out[8192], want[256];

	for (size_t i = 0; i < sizeof planted / sizeof planted[0]; i++)
		plant(planted[i][0], planted[i][1]);
	cr_assert_eq(check(out, sizeof out), 1, "%s", out);
	for (size_t i = 0; i < sizeof planted / sizeof planted[0]; i++) {
		snprintf(want, sizeof want, "%s:", planted[i][0]);
		cr_expect(strstr(out, want) != NULL, "no complaint about %s in:\n%s", planted[i][0], out);
	}
}

Test(arch, a_product_program_including_the_simulator_fails)
{
	char out[8192];

	plant("replayer/cxreplay.c", "#include \"sim_scenario.h\"");
	cr_assert_eq(check(out, sizeof out), 1, "%s", out);
	cr_assert(strstr(out, "replayer/cxreplay.c:") != NULL, "%s", out);
}
