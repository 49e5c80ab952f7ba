/* SPDX-License-Identifier: MIT */
/*
 * fuzz_sentiment: arbitrary bytes (invalid UTF-8, NULs, huge) through VADER and chat modes;
 * ASCII text must score the same down the fast and the general tokenizer.
 */
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

/*
 * Pure-ASCII text takes a fast tokenizer. A trailing U+00A0 (whitespace to
 * Python: no new token) sends the same text down the general one; the scores
 * must be the same doubles. Under the byte cap only, so the cut is the same.
 */
static void same_on_both_paths(const an_lexicon *lx, const char *text, size_t size)
{
	char *nb;

	if (size > AN_SENTIMENT_MAX_BYTES - 8)
		return;
	for (size_t i = 0; i < size; i++)
		if ((unsigned char)text[i] >= 0x80)
			return;
	if ((nb = malloc(size + 2)) == NULL)
		return;
	memcpy(nb, text, size);
	memcpy(nb + size, "\xc2\xa0", 2);
	for (int m = 0; m < 2; m++) {
		an_sentiment a, b;
		an_sentiment_score(lx, m ? AN_MODE_CHAT : AN_MODE_VADER, text, size, &a);
		an_sentiment_score(lx, m ? AN_MODE_CHAT : AN_MODE_VADER, nb, size + 2, &b);
		if (a.neg != b.neg || a.neu != b.neu || a.pos != b.pos || a.compound != b.compound ||
		    a.label != b.label)
			abort();
	}
	free(nb);
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
	same_on_both_paths(lx, copy, size);
	free(copy);
	return 0;
}
