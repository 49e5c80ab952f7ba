/* SPDX-License-Identifier: MIT */
/* an_sentiment: VADER-exact and chat-tuned sentiment of one message. */
#ifndef AN_SENTIMENT_H
#define AN_SENTIMENT_H

#include <stddef.h>

#include "lc_err.h"

/*
 * Caps on one message, so scoring never allocates: text past the first
 * AN_SENTIMENT_MAX_BYTES (cut at the last whitespace before it) and tokens
 * past AN_SENTIMENT_MAX_TOKENS are ignored. Chat lines are far shorter.
 */
#define AN_SENTIMENT_MAX_BYTES  2048
#define AN_SENTIMENT_MAX_TOKENS 512

typedef enum an_mode {
	AN_MODE_CHAT = 0,   /* default: tuned for customer-service chat */
	AN_MODE_VADER = 1,  /* cjhutto/vaderSentiment at 44fc044, quirks included */
} an_mode;

typedef enum an_label {
	AN_NEGATIVE = -1,
	AN_NEUTRAL = 0,
	AN_POSITIVE = 1,
} an_label;

typedef struct an_sentiment {
	double neg, neu, pos;   /* VADER proportions, rounded as VADER prints them (3 places) */
	double compound;        /* -1..1, rounded to 4 places */
	an_label label;         /* compound >= 0.05 positive, <= -0.05 negative */
} an_sentiment;

/* Lexicons and rules, immutable once loaded: share one across threads. */
typedef struct an_lexicon an_lexicon;

/* The lexicons built into the binary (VADER's, MIT, see analyzer/data/). */
lc_status an_lexicon_load_default(an_lexicon **out, lc_err *err) LC_MUST_CHECK;
/* Lexicon files in VADER's formats; emoji_path may be NULL (no emoji). */
lc_status an_lexicon_load_files(const char *lexicon_path, const char *emoji_path,
    an_lexicon **out, lc_err *err) LC_MUST_CHECK;
void an_lexicon_free(an_lexicon *lx);   /* accepts NULL */

/*
 * Score text (UTF-8; invalid bytes are tolerated, never read past len).
 * Thread-safe for a shared lx; uses about 30 KiB of stack and no heap.
 */
void an_sentiment_score(const an_lexicon *lx, an_mode mode, const char *text, size_t len,
    an_sentiment *out);

const char *an_label_name(an_label l);   /* "positive", "neutral", "negative" */

#endif
