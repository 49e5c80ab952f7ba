/* SPDX-License-Identifier: MIT */
/* an_vader_data: VADER's lexicon files (analyzer/data/, MIT) embedded in the binary. */
#ifndef AN_VADER_DATA_H
#define AN_VADER_DATA_H

#include <stddef.h>

/* The text of vader_lexicon.txt; static storage, *len bytes, not NUL-terminated. */
const char *an_vader_data_lexicon(size_t *len);
/* The text of emoji_utf8_lexicon.txt; static storage, *len bytes, not NUL-terminated. */
const char *an_vader_data_emoji(size_t *len);

#endif
