/* SPDX-License-Identifier: MIT */
/* fuzz_rules: arbitrary bytes as an escalation rules file; a set that parses must scan safely. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "an_escalate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const texts[] = {
	"I will call my lawyer asap, get me a manager", "urgent urgent URGENT", "",
	"a b c d e f g h i j k l m n o p q r s t u v w x y z . , ! ? ; :",
	"\xff\xfe\xe2\x80\x99 sue* legal\naction",
};

/* Spans inside the text, counts within the rules' triggers, priorities never rising. */
static void
check_scan(const an_rules *r, const char *t, size_t len)
{
	an_match m[AN_TRIGGERS_MAX];
	size_t n = an_escalate_scan(r, t, len, m, AN_TRIGGERS_MAX);

	if (n > an_rules_trigger_count(r))
		abort();
	for (size_t i = 0; i < n; i++) {
		if (m[i].start >= m[i].end || m[i].end > len || m[i].trigger == NULL)
			abort();
		if (i > 0 && m[i].priority > m[i - 1].priority)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lc_err err = LC_ERR_INIT;
	an_rules *r = NULL;
	char *copy = malloc(size ? size : 1);   /* exact size: ASan sees any over-read */

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (an_rules_parse(copy, size, "fuzz", &r, &err) == LC_OK) {
		for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
			check_scan(r, texts[i], strlen(texts[i]));
		check_scan(r, copy, size);
	} else if (r != NULL || err.status == LC_OK || err.msg[0] == '\0') {
		abort();   /* a failure must say why and leave nothing behind */
	}
	an_rules_free(r);
	free(copy);
	return 0;
}
