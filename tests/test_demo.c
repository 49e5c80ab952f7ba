/* SPDX-License-Identifier: MIT */
/* make demo end to end, at a faster pace: simulator -> recorder -> replay -> the three reports. */
#include <cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	if (b != NULL && fread(b, 1, (size_t)n, f) == (size_t)n)
		b[n] = 0;
	fclose(f);
	return b;
}

Test(demo, records_replays_and_writes_every_report, .timeout = 240)
{
	char dir[] = "/tmp/cxtape-demo-XXXXXX", cmd[1024], path[512];
	const char *src = getenv("CXTAPE_SRC"), *build = getenv("CXTAPE_BUILD");
	char *out, *json, *csv, *html;
	cJSON *r;
	int st;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "cd '%s' && CXTAPE_DEMO_SCALE=0.12 CXTAPE_DEMO_OUT='%s/out' "
	    "sh fixtures/demo.sh '%s' > '%s/demo.log' 2>&1", src ? src : ".", dir, build ? build : "build", dir);
	st = system(cmd);
	snprintf(path, sizeof(path), "%s/demo.log", dir);
	out = slurp(path);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the demo failed:\n%s", out ? out : "");
	cr_assert(strstr(out, "Live findings and replayed findings: identical") != NULL,
	    "live and replayed findings differ:\n%s", out);
	cr_assert(strstr(out, "cxrecord: stopped cleanly") != NULL);

	snprintf(path, sizeof(path), "%s/out/report.json", dir);
	json = slurp(path);
	cr_assert_not_null(json);
	r = cJSON_Parse(json);
	cr_assert_not_null(r);
	cr_assert_str_eq(cJSON_GetObjectItem(r, "schema")->valuestring, "cxtape.report/1");
	cr_assert_geq(cJSON_GetObjectItem(r, "conversations")->valueint, 10, "the four scenarios' chats");
	cr_assert_gt(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "escalations"), "legal")->valueint, 0,
	    "the angry customer turns legal");
	cr_assert_gt(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "connection"), "reconnects")->valueint, 0,
	    "the flapping network reconnects");
	cJSON_Delete(r);

	snprintf(path, sizeof(path), "%s/out/report.csv", dir);
	csv = slurp(path);
	cr_assert(csv != NULL && strncmp(csv, "conversation,agent,", 19) == 0);
	snprintf(path, sizeof(path), "%s/out/report.html", dir);
	html = slurp(path);
	cr_assert(html != NULL && strstr(html, "<h1>SLA report</h1>") != NULL);

	free(out);
	free(json);
	free(csv);
	free(html);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}
