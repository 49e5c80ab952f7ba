/* SPDX-License-Identifier: MIT */
/* fuzz_text: arbitrary bytes through `cxanalyze text` analysis and JSON output; the JSON must parse. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The program's own formatting code, with its main renamed so libFuzzer's main links. */
int cxanalyze_main(int argc, char **argv);
#define main cxanalyze_main
#include "../../analyzer/cxanalyze.c"
#undef main

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static an_lexicon *lx;
	static an_rules *rules;
	cxa_text t = {.mode = AN_MODE_CHAT, .json = 1};
	an_sentiment sen;
	an_match m[AN_TRIGGERS_MAX];
	size_t n;
	char *copy;
	cJSON *o;

	if (size > CXA_LINE_MAX)
		return 0;   /* the program cuts lines here */
	if (lx == NULL) {
		lc_err err = LC_ERR_INIT;
		if (an_lexicon_load_default(&lx, &err) != LC_OK || an_rules_load_default(&rules, &err) != LC_OK)
			abort();
	}
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	t.lx = lx;
	t.rules = rules;
	lc_buf_init(&t.out, CXA_OUT_MAX);
	an_sentiment_score(lx, AN_MODE_CHAT, copy, size, &sen);
	n = an_escalate_scan(rules, copy, size, m, AN_TRIGGERS_MAX);
	for (size_t i = 0; i < n; i++)
		if (m[i].start >= m[i].end || m[i].end > size)
			abort();
	if (cxa_format_json(&t, copy, size, 0, &sen, m, n) != LC_OK)
		abort();
	o = cJSON_ParseWithLength((const char *)t.out.ptr, t.out.len);
	if (o == NULL || !cJSON_IsString(cJSON_GetObjectItem(o, "text")) ||
	    cJSON_GetArraySize(cJSON_GetObjectItem(o, "escalations")) != (int)n)
		abort();
	cJSON_Delete(o);
	lc_buf_reset(&t.out);
	if (cxa_format_plain(&t, copy, size, &sen, m, n) != LC_OK)
		abort();
	lc_buf_free(&t.out);
	free(copy);
	return 0;
}
