/* SPDX-License-Identifier: MIT */
/* an_vader_data: embeds analyzer/data/{vader_lexicon,emoji_utf8_lexicon}.txt with .incbin. */
#include "an_vader_data.h"

/*
 * The paths are relative to the repository root, where make runs the
 * compiler. The Makefile names the two files as prerequisites of this
 * object so that editing the data rebuilds it.
 */
__asm__(".pushsection .rodata\n"
	".balign 16\n"
	".global an_vader_lexicon_start\n"
	".hidden an_vader_lexicon_start\n"
	"an_vader_lexicon_start:\n"
	".incbin \"analyzer/data/vader_lexicon.txt\"\n"
	".global an_vader_lexicon_end\n"
	".hidden an_vader_lexicon_end\n"
	"an_vader_lexicon_end:\n"
	".byte 0\n"
	".balign 16\n"
	".global an_vader_emoji_start\n"
	".hidden an_vader_emoji_start\n"
	"an_vader_emoji_start:\n"
	".incbin \"analyzer/data/emoji_utf8_lexicon.txt\"\n"
	".global an_vader_emoji_end\n"
	".hidden an_vader_emoji_end\n"
	"an_vader_emoji_end:\n"
	".byte 0\n"
	".popsection\n");

extern const char an_vader_lexicon_start[], an_vader_lexicon_end[];
extern const char an_vader_emoji_start[], an_vader_emoji_end[];

const char *an_vader_data_lexicon(size_t *len)
{
	*len = (size_t)(an_vader_lexicon_end - an_vader_lexicon_start);
	return an_vader_lexicon_start;
}

const char *an_vader_data_emoji(size_t *len)
{
	*len = (size_t)(an_vader_emoji_end - an_vader_emoji_start);
	return an_vader_emoji_start;
}
