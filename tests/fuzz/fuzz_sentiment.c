/* SPDX-License-Identifier: MIT */
/* fuzz_sentiment: arbitrary bytes (invalid UTF-8, NULs, huge) through VADER and chat modes. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "an_sentiment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const an_sentiment *s)
{
	/* Proportions and compound stay in range whatever the input. */
	if (!(s->compound >= -1 && s->compound <= 1) || !(s->pos >= 0 && s->pos <= 1) ||
	    !(s->neg >= 0 && s->neg <= 1) || !(s->neu >= 0 && s->neu <= 1))
		abort();
	if (s->label < AN_NEGATIVE || s->label > AN_POSITIVE)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static an_lexicon *lx;
	an_sentiment s;

	if (lx == NULL) {
		lc_err err = LC_ERR_INIT;
		if (an_lexicon_load_default(&lx, &err) != LC_OK)
			abort();
	}
	/* An exact-size heap copy, so ASan catches any read past len. */
	char *copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	an_sentiment_score(lx, AN_MODE_VADER, copy, size, &s);
	check(&s);
	an_sentiment_score(lx, AN_MODE_CHAT, copy, size, &s);
	check(&s);
	free(copy);
	return 0;
}
