/* SPDX-License-Identifier: MIT */
/* an_sentiment: VADER (cjhutto/vaderSentiment 44fc044) in C, and a chat-tuned mode on top of it. */
#include "an_sentiment.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_bytes.h"
#include "an_vader_case.h"
#include "an_vader_chat.h"
#include "an_vader_data.h"
#include "lc_utf8.h"

/* Caps on what a lexicon may hold: a hostile file is an error, not an allocation. */
#define AN_LEX_FILE_MAX   (32u << 20)   /* bytes in one lexicon file */
#define AN_LEX_WORDS_MAX  (1u << 20)    /* distinct words */
#define AN_KEY_MAX        255           /* bytes in one lexicon key */
#define AN_TEXT_CAP       (4 * AN_SENTIMENT_MAX_BYTES)   /* after emoji expansion */

/* VADER's constants (vaderSentiment.py l.26-31). */
#define B_INCR   0.293
#define B_DECR  (-0.293)
#define C_INCR   0.733
#define N_SCALAR (-0.74)

/* Per-mode view of a word. */
#define F_LEX     1u   /* in the lexicon: val is its valence */
#define F_BOOST   2u   /* booster/dampener: boost is its value */
#define F_NEGATE  4u   /* in VADER's NEGATE list */

/* Word classes for chat phrase slots. */
#define C_NUM   1u
#define C_ORD   2u
#define C_TIME  4u
#define C_NEG   8u
#define C_SARC  16u   /* sarcasm-prone opener ("great, another error") */

/* Words VADER's rules compare tokens with. */
enum an_wid {
	W_NONE = 0, W_THE, W_SHIT, W_BOMB, W_BAD, W_ASS, W_BUS, W_STOP, W_YEAH, W_RIGHT,
	W_KISS, W_OF, W_DEATH, W_TO, W_DIE, W_FOR, W_BEATING, W_HEART, W_BROKEN, W_JUST,
	W_ENOUGH, W_KIND, W_SORT, W_NO, W_OR, W_NOR, W_NEVER, W_SO, W_THIS, W_WITHOUT,
	W_DOUBT, W_LEAST, W_AT, W_VERY, W_BUT, W_COUNT
};

static const char *const an_wid_text[W_COUNT] = {
	"", "the", "shit", "bomb", "bad", "ass", "bus", "stop", "yeah", "right",
	"kiss", "of", "death", "to", "die", "for", "beating", "heart", "broken", "just",
	"enough", "kind", "sort", "no", "or", "nor", "never", "so", "this", "without",
	"doubt", "least", "at", "very", "but",
};

static const char *const an_negate[] = {
	"aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt",
	"ain't", "aren't", "can't", "couldn't", "daren't", "didn't", "doesn't",
	"dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither",
	"don't", "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't",
	"neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing", "nowhere",
	"oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent",
	"oughtn't", "shan't", "shouldn't", "uh-uh", "wasn't", "weren't",
	"without", "wont", "wouldnt", "won't", "wouldn't", "rarely", "seldom", "despite",
};

typedef struct an_booster {
	const char *word;
	double val;
} an_booster;

/* Single-token entries of BOOSTER_DICT; its bigrams are handled by the idiom check. */
static const an_booster an_boosters[] = {
	{"absolutely", B_INCR}, {"amazingly", B_INCR}, {"awfully", B_INCR},
	{"completely", B_INCR}, {"considerable", B_INCR}, {"considerably", B_INCR},
	{"decidedly", B_INCR}, {"deeply", B_INCR}, {"effing", B_INCR}, {"enormous", B_INCR},
	{"enormously", B_INCR}, {"entirely", B_INCR}, {"especially", B_INCR},
	{"exceptional", B_INCR}, {"exceptionally", B_INCR}, {"extreme", B_INCR},
	{"extremely", B_INCR}, {"fabulously", B_INCR}, {"flipping", B_INCR}, {"flippin", B_INCR},
	{"frackin", B_INCR}, {"fracking", B_INCR}, {"fricking", B_INCR}, {"frickin", B_INCR},
	{"frigging", B_INCR}, {"friggin", B_INCR}, {"fully", B_INCR}, {"fuckin", B_INCR},
	{"fucking", B_INCR}, {"fuggin", B_INCR}, {"fugging", B_INCR}, {"greatly", B_INCR},
	{"hella", B_INCR}, {"highly", B_INCR}, {"hugely", B_INCR}, {"incredible", B_INCR},
	{"incredibly", B_INCR}, {"intensely", B_INCR}, {"major", B_INCR}, {"majorly", B_INCR},
	{"more", B_INCR}, {"most", B_INCR}, {"particularly", B_INCR}, {"purely", B_INCR},
	{"quite", B_INCR}, {"really", B_INCR}, {"remarkably", B_INCR}, {"so", B_INCR},
	{"substantially", B_INCR}, {"thoroughly", B_INCR}, {"total", B_INCR},
	{"totally", B_INCR}, {"tremendous", B_INCR}, {"tremendously", B_INCR}, {"uber", B_INCR},
	{"unbelievably", B_INCR}, {"unusually", B_INCR}, {"utter", B_INCR}, {"utterly", B_INCR},
	{"very", B_INCR},
	{"almost", B_DECR}, {"barely", B_DECR}, {"hardly", B_DECR}, {"kinda", B_DECR},
	{"kindof", B_DECR}, {"kind-of", B_DECR}, {"less", B_DECR}, {"little", B_DECR},
	{"marginal", B_DECR}, {"marginally", B_DECR}, {"occasional", B_DECR},
	{"occasionally", B_DECR}, {"partly", B_DECR}, {"scarce", B_DECR}, {"scarcely", B_DECR},
	{"slight", B_DECR}, {"slightly", B_DECR}, {"somewhat", B_DECR}, {"sorta", B_DECR},
	{"sortof", B_DECR}, {"sort-of", B_DECR},
};

#define AN_KEY_INLINE 16

/* One cache line per word: the probe compares short keys without leaving it. */
typedef struct an_word {
	char ks[AN_KEY_INLINE];   /* first bytes of the key, zero-padded */
	const char *key;   /* borrowed from the lexicon text or a literal */
	double val[2];     /* valence per an_mode, when F_LEX */
	double boost;      /* booster value, when F_BOOST */
	uint32_t head_lo;  /* chat phrases starting with this word: lx->heads[head_lo..+head_n] */
	uint16_t key_len;
	uint16_t head_n;
	uint16_t flags[2]; /* F_* per an_mode */
	uint8_t id;        /* enum an_wid */
	uint8_t cls;       /* C_* classes (chat phrases) */
} an_word;

#define AN_SLOT_ALTS_MAX 32

typedef struct an_slot {
	uint32_t alt[AN_SLOT_ALTS_MAX];   /* word indexes + 1 */
	uint8_t n_alt, cls, any;
} an_slot;

typedef struct an_phrase {
	an_slot slot[AN_PHRASE_WORDS_MAX];
	uint8_t n;
	double val;
} an_phrase;

typedef struct an_emoji {
	uint32_t cp;
	uint32_t order;    /* file order: the last duplicate wins */
	const char *desc;
	size_t desc_len;
} an_emoji;

struct an_lexicon {
	an_word *words;
	size_t n_words, cap_words;
	uint64_t *slots;   /* open addressing: hash << 32 | (word index + 1), 0 empty */
	size_t n_slots;    /* a power of two */
	an_emoji *emoji;
	size_t n_emoji;
	an_phrase *phrases;
	size_t n_phrases;
	uint16_t *heads;   /* phrase indexes grouped by first word */
	size_t n_heads;
	uint16_t cls_heads[4][64];   /* phrases whose first slot is a class, per class bit */
	uint8_t cls_heads_n[4];
	char *lex_text;    /* owned copies of file contents (NULL when embedded) */
	char *emoji_text;
};

/* ------------------------------------------------------------------------ */
/* Hash table of words                                                       */

static uint32_t an_hash(const char *s, size_t n)
{
	return an_hash_bytes(s, n);
}

/* an_hash of s[0..n) where 8 bytes past s + n are readable (scoring's padded buffer). */
static inline uint32_t an_hash_padded(const char *s, size_t n)
{
	uint64_t h = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		h = an_hash_chunk(h, an_load8(s + i, 8));
	if (i < n)
		h = an_hash_chunk(h, an_load8(s + i, 8) & an_low_bytes(n - i));
	return an_hash_end(h, n);
}

/*
 * Index + 1 of the word, or 0. padded: s has AN_KEY_INLINE readable bytes
 * whatever n is (scoring's buffers do), so a short key compares in two
 * 8-byte loads rather than byte by byte.
 */
static inline uint32_t an_lex_find_at(const an_lexicon *lx, const char *s, size_t n, uint32_t h,
    int padded)
{
	size_t mask = lx->n_slots - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		uint64_t e = lx->slots[i];
		if (e == 0)
			return 0;
		if ((uint32_t)(e >> 32) != h)
			continue;
		const an_word *w = &lx->words[(uint32_t)e - 1];
		if (w->key_len != n)
			continue;
		if (n > AN_KEY_INLINE) {
			if (memcmp(w->key, s, n) == 0)
				return (uint32_t)e;
			continue;
		}
		if (padded) {
			uint64_t m0 = n >= 8 ? ~(uint64_t)0 : an_low_bytes(n);
			uint64_t m1 = n >= 16 ? ~(uint64_t)0 : n > 8 ? an_low_bytes(n - 8) : 0;
			if ((((an_load8(s, 8) & m0) ^ an_load8(w->ks, 8)) |
			    ((an_load8(s + 8, 8) & m1) ^ an_load8(w->ks + 8, 8))) == 0)
				return (uint32_t)e;
			continue;
		}
		unsigned diff = 0;   /* short keys: compare inline, no call */
		for (size_t k = 0; k < n; k++)
			diff |= (unsigned char)(w->ks[k] ^ s[k]);
		if (diff == 0)
			return (uint32_t)e;
	}
}

static uint32_t an_lex_find(const an_lexicon *lx, const char *s, size_t n, uint32_t h)
{
	return an_lex_find_at(lx, s, n, h, 0);
}

static lc_status an_lex_grow(an_lexicon *lx, lc_err *err)
{
	size_t ncap = lx->cap_words ? lx->cap_words * 2 : 8192;
	size_t nslots = ncap * 4;   /* at most a quarter full: a miss ends in about one probe */
	an_word *nw;
	uint64_t *ns;

	if (lx->cap_words >= AN_LEX_WORDS_MAX)
		return lc_err_set(err, LC_ETOOBIG, "lexicon has more than %u words; split it or trim it",
		    AN_LEX_WORDS_MAX);
	nw = realloc(lx->words, ncap * sizeof(*nw));
	if (nw == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory loading the sentiment lexicon");
	lx->words = nw;
	ns = calloc(nslots, sizeof(*ns));
	if (ns == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory loading the sentiment lexicon");
	for (size_t i = 0; i < lx->n_words; i++) {
		uint32_t h = an_hash(lx->words[i].key, lx->words[i].key_len);
		size_t j = h & (nslots - 1);
		while (ns[j] != 0)
			j = (j + 1) & (nslots - 1);
		ns[j] = (uint64_t)h << 32 | ((uint32_t)i + 1);
	}
	free(lx->slots);
	lx->slots = ns;
	lx->n_slots = nslots;
	lx->cap_words = ncap;
	return LC_OK;
}

/* Find or add a word; *wi receives its index + 1. key must outlive lx. */
static lc_status an_lex_put(an_lexicon *lx, const char *key, size_t n, uint32_t *wi, lc_err *err)
{
	uint32_t h = an_hash(key, n);
	lc_status rc;

	if (n > AN_KEY_MAX)
		return lc_err_set(err, LC_ETOOBIG, "lexicon key of %zu bytes (max %d); shorten it",
		    n, AN_KEY_MAX);
	*wi = lx->n_slots ? an_lex_find(lx, key, n, h) : 0;
	if (*wi)
		return LC_OK;
	if (lx->n_words == lx->cap_words) {
		rc = an_lex_grow(lx, err);
		if (rc)
			return rc;
	}
	an_word *w = &lx->words[lx->n_words];
	memset(w, 0, sizeof(*w));
	w->key = key;
	w->key_len = (uint16_t)n;
	memcpy(w->ks, key, n < AN_KEY_INLINE ? n : AN_KEY_INLINE);
	size_t j = h & (lx->n_slots - 1);
	while (lx->slots[j] != 0)
		j = (j + 1) & (lx->n_slots - 1);
	lx->slots[j] = (uint64_t)h << 32 | (uint32_t)++lx->n_words;
	*wi = (uint32_t)lx->n_words;
	return LC_OK;
}

static lc_status an_lex_put_str(an_lexicon *lx, const char *s, uint32_t *wi, lc_err *err)
{
	return an_lex_put(lx, s, strlen(s), wi, err);
}

/* ------------------------------------------------------------------------ */
/* UTF-8 and Python character classes                                        */

/* Decode one code point; an invalid byte decodes as U+FFFD of length 1. */
static uint32_t an_utf8_next(const unsigned char *s, size_t n, size_t *adv)
{
	uint32_t c;

	*adv = lc_utf8_decode(s, n, &c);
	if (*adv == 0) {
		*adv = 1;
		return 0xFFFD;
	}
	return c;
}

static int an_in_ranges(const an_cp_range *r, size_t n, uint32_t c)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c < r[mid].lo)
			hi = mid;
		else if (c > r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/* ASCII classes: Python isspace(), string.punctuation, upper and lower case letters. */
#define CC_SPACE 1u
#define CC_PUNCT 2u
#define CC_UPPER 4u
#define CC_LOWER 8u
#define AN_CC_OF(c) ((c) == 32 || ((c) >= 9 && (c) <= 13) || ((c) >= 28 && (c) <= 31) ? CC_SPACE \
	: ((c) >= 33 && (c) <= 47) || ((c) >= 58 && (c) <= 64) || ((c) >= 91 && (c) <= 96) || \
	  ((c) >= 123 && (c) <= 126) ? CC_PUNCT \
	: (c) >= 'A' && (c) <= 'Z' ? CC_UPPER : (c) >= 'a' && (c) <= 'z' ? CC_LOWER : 0u)
#define AN_ROW8(f, r) f(r), f(r + 1), f(r + 2), f(r + 3), f(r + 4), f(r + 5), f(r + 6), f(r + 7)
#define AN_ROWS128(f) AN_ROW8(f, 0), AN_ROW8(f, 8), AN_ROW8(f, 16), AN_ROW8(f, 24), \
	AN_ROW8(f, 32), AN_ROW8(f, 40), AN_ROW8(f, 48), AN_ROW8(f, 56), AN_ROW8(f, 64), \
	AN_ROW8(f, 72), AN_ROW8(f, 80), AN_ROW8(f, 88), AN_ROW8(f, 96), AN_ROW8(f, 104), \
	AN_ROW8(f, 112), AN_ROW8(f, 120)
static const uint8_t an_cc[128] = { AN_ROWS128(AN_CC_OF) };

/*
 * an_cc and lower-casing in one load for the ASCII tokenizer: the lowered
 * byte in bits 0-7, classes above; bytes >= 0x80 are CCL_HIGH.
 */
#define CCL_SPACE (CC_SPACE << 8)
#define CCL_PUNCT (CC_PUNCT << 8)
#define CCL_UPPER (CC_UPPER << 8)
#define CCL_LOWER (CC_LOWER << 8)
#define CCL_HIGH  (16u << 8)
#define CCL_(c) (AN_CC_OF(c) << 8 | (AN_CC_OF(c) == CC_UPPER ? (c) + 32u : (c)))
#define CCL_HIGH_(c) CCL_HIGH
static const uint16_t an_cc_low[256] = { AN_ROWS128(CCL_), AN_ROWS128(CCL_HIGH_) };

/* Python str.isspace() for one code point. */
static int an_is_space(uint32_t c)
{
	if (c < 0x80)
		return an_cc[c] & CC_SPACE;
	return an_in_ranges(an_case_space, an_case_space_count, c);
}

/* string.punctuation */
static int an_is_punct(unsigned char c)
{
	return c < 0x80 && (an_cc[c] & CC_PUNCT);
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                   */

static int an_py_strip_char(unsigned char c)
{
	/* Lexicon lines: Python strip() of ASCII whitespace is all that matters here. */
	return c == ' ' || (c >= 9 && c <= 13) || (c >= 0x1C && c <= 0x1F);
}

/* Next line of text[*pos..n): [*a, *b) after strip(); returns 0 at the end. */
static int an_next_line(const char *text, size_t n, size_t *pos, size_t *a, size_t *b)
{
	size_t p = *pos, e;

	if (p >= n)
		return 0;
	e = p;
	while (e < n && text[e] != '\n')
		e++;
	*pos = e + 1;
	while (p < e && an_py_strip_char((unsigned char)text[p]))
		p++;
	while (e > p && an_py_strip_char((unsigned char)text[e - 1]))
		e--;
	*a = p;
	*b = e;
	return 1;
}

static lc_status an_parse_lexicon(an_lexicon *lx, const char *text, size_t n, const char *name,
    lc_err *err)
{
	size_t pos = 0, a, b, line = 0;
	lc_status rc;

	while (an_next_line(text, n, &pos, &a, &b)) {
		line++;
		if (a == b)
			continue;
		const char *t1 = memchr(text + a, '\t', b - a);
		if (t1 == NULL)
			return lc_err_set(err, LC_EPARSE, "%s line %zu: expected TOKEN<TAB>MEAN; fix the line",
			    name, line);
		const char *f2 = t1 + 1, *e2 = memchr(f2, '\t', (size_t)(text + b - f2));
		if (e2 == NULL)
			e2 = text + b;
		char num[64], *end;
		size_t nl = (size_t)(e2 - f2);
		if (nl == 0 || nl >= sizeof(num))
			return lc_err_set(err, LC_EPARSE, "%s line %zu: bad valence; use a number like -1.5",
			    name, line);
		memcpy(num, f2, nl);
		num[nl] = 0;
		errno = 0;
		double v = strtod(num, &end);
		if (*end != 0 || errno != 0 || !isfinite(v))
			return lc_err_set(err, LC_EPARSE, "%s line %zu: bad valence '%s'; use a number like -1.5",
			    name, line, num);
		uint32_t wi;
		rc = an_lex_put(lx, text + a, (size_t)(t1 - (text + a)), &wi, err);
		if (rc)
			return rc;
		/* A Python dict keeps the last duplicate. */
		lx->words[wi - 1].flags[AN_MODE_VADER] |= F_LEX;
		lx->words[wi - 1].val[AN_MODE_VADER] = v;
	}
	return LC_OK;
}

static int an_emoji_cmp(const void *pa, const void *pb)
{
	const an_emoji *a = pa, *b = pb;

	if (a->cp != b->cp)
		return a->cp < b->cp ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

static lc_status an_parse_emoji(an_lexicon *lx, const char *text, size_t n, const char *name,
    lc_err *err)
{
	size_t pos = 0, a, b, line = 0, cap = 0, k = 0;

	while (an_next_line(text, n, &pos, &a, &b))
		cap++;
	lx->emoji = calloc(cap ? cap : 1, sizeof(*lx->emoji));
	if (lx->emoji == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory loading the emoji lexicon");
	pos = 0;
	while (an_next_line(text, n, &pos, &a, &b)) {
		line++;
		if (a == b)
			continue;
		const char *t1 = memchr(text + a, '\t', b - a);
		if (t1 == NULL)
			return lc_err_set(err, LC_EPARSE, "%s line %zu: expected EMOJI<TAB>DESCRIPTION; fix the line",
			    name, line);
		size_t adv, klen = (size_t)(t1 - (text + a));
		if (klen == 0)
			continue;
		uint32_t cp = an_utf8_next((const unsigned char *)text + a, klen, &adv);
		/* Lookup is per code point, so multi-code-point keys never match (VADER quirk). */
		if (adv != klen || cp == 0xFFFD)
			continue;
		const char *d = t1 + 1, *de = memchr(d, '\t', (size_t)(text + b - d));
		lx->emoji[k].cp = cp;
		lx->emoji[k].order = (uint32_t)k;
		lx->emoji[k].desc = d;
		lx->emoji[k].desc_len = (size_t)((de ? de : text + b) - d);
		k++;
	}
	qsort(lx->emoji, k, sizeof(*lx->emoji), an_emoji_cmp);
	size_t m = 0;
	for (size_t i = 0; i < k; i++) {
		if (i + 1 < k && lx->emoji[i + 1].cp == lx->emoji[i].cp)
			continue;
		lx->emoji[m++] = lx->emoji[i];
	}
	lx->n_emoji = m;
	return LC_OK;
}

static lc_status an_add_vader_rules(an_lexicon *lx, lc_err *err)
{
	uint32_t wi;
	lc_status rc = LC_OK;

	for (size_t i = 1; i < W_COUNT && !rc; i++) {
		rc = an_lex_put_str(lx, an_wid_text[i], &wi, err);
		if (!rc)
			lx->words[wi - 1].id = (uint8_t)i;
	}
	for (size_t i = 0; i < sizeof(an_negate) / sizeof(an_negate[0]) && !rc; i++) {
		rc = an_lex_put_str(lx, an_negate[i], &wi, err);
		if (!rc)
			lx->words[wi - 1].flags[AN_MODE_VADER] |= F_NEGATE;
	}
	for (size_t i = 0; i < sizeof(an_boosters) / sizeof(an_boosters[0]) && !rc; i++) {
		rc = an_lex_put_str(lx, an_boosters[i].word, &wi, err);
		if (!rc) {
			lx->words[wi - 1].flags[AN_MODE_VADER] |= F_BOOST;
			lx->words[wi - 1].boost = an_boosters[i].val;
		}
	}
	return rc;
}

static lc_status an_add_class(an_lexicon *lx, const char *const *words, uint8_t cls, lc_err *err)
{
	uint32_t wi;
	lc_status rc = LC_OK;

	for (size_t i = 0; words[i] && !rc; i++) {
		rc = an_lex_put_str(lx, words[i], &wi, err);
		if (!rc)
			lx->words[wi - 1].cls |= cls;
	}
	return rc;
}

static lc_status an_parse_slot(an_lexicon *lx, const char *s, an_slot *slot, lc_err *err)
{
	lc_status rc = LC_OK;

	memset(slot, 0, sizeof(*slot));
	if (strcmp(s, "*") == 0) {
		slot->any = 1;
		return LC_OK;
	}
	if (s[0] == '#') {
		slot->cls = strcmp(s, "#num") == 0 ? C_NUM : strcmp(s, "#ord") == 0 ? C_ORD :
		    strcmp(s, "#time") == 0 ? C_TIME : strcmp(s, "#neg") == 0 ? C_NEG : 0;
		if (slot->cls == 0)
			return lc_err_set(err, LC_EINTERNAL, "chat phrase class '%s' unknown", s);
		return LC_OK;
	}
	while (*s && !rc) {
		const char *bar = strchr(s, '|');
		size_t len = bar ? (size_t)(bar - s) : strlen(s);
		if (slot->n_alt == sizeof(slot->alt) / sizeof(slot->alt[0]))
			return lc_err_set(err, LC_EINTERNAL, "chat phrase slot '%s' has too many words", s);
		rc = an_lex_put(lx, s, len, &slot->alt[slot->n_alt++], err);
		s += len + (bar != NULL);
	}
	return rc;
}

static int an_cls_bit(uint8_t cls)
{
	return cls == C_NUM ? 0 : cls == C_ORD ? 1 : cls == C_TIME ? 2 : 3;
}

/* Group phrase indexes by their first word so scoring looks only at candidates. */
static lc_status an_index_phrases(an_lexicon *lx, lc_err *err)
{
	size_t total = 0;

	for (size_t p = 0; p < lx->n_phrases; p++) {
		const an_slot *s = &lx->phrases[p].slot[0];
		if (s->cls) {
			int b = an_cls_bit(s->cls);
			if (lx->cls_heads_n[b] == 64)
				return lc_err_set(err, LC_EINTERNAL, "too many chat phrases start with a class");
			lx->cls_heads[b][lx->cls_heads_n[b]++] = (uint16_t)p;
			continue;
		}
		if (s->any)
			return lc_err_set(err, LC_EINTERNAL, "chat phrase %zu starts with '*'", p);
		for (size_t a = 0; a < s->n_alt; a++)
			lx->words[s->alt[a] - 1].head_n++;
		total += s->n_alt;
	}
	lx->heads = calloc(total ? total : 1, sizeof(*lx->heads));
	if (lx->heads == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory loading the chat phrases");
	size_t off = 0;
	for (size_t i = 0; i < lx->n_words; i++) {
		lx->words[i].head_lo = (uint32_t)off;
		off += lx->words[i].head_n;
		lx->words[i].head_n = 0;
	}
	for (size_t p = 0; p < lx->n_phrases; p++) {
		const an_slot *s = &lx->phrases[p].slot[0];
		for (size_t a = 0; a < s->n_alt; a++) {
			an_word *w = &lx->words[s->alt[a] - 1];
			lx->heads[w->head_lo + w->head_n++] = (uint16_t)p;
		}
	}
	lx->n_heads = total;
	return LC_OK;
}

static lc_status an_add_chat(an_lexicon *lx, lc_err *err)
{
	lc_status rc = LC_OK;
	uint32_t wi;

	/* Chat starts as a copy of VADER; words the chat tables add start out neutral. */
	for (size_t i = 0; i < lx->n_words; i++) {
		lx->words[i].flags[AN_MODE_CHAT] = lx->words[i].flags[AN_MODE_VADER];
		lx->words[i].val[AN_MODE_CHAT] = lx->words[i].val[AN_MODE_VADER];
	}
	for (size_t i = 0; an_chat_negators[i] && !rc; i++) {
		rc = an_lex_put_str(lx, an_chat_negators[i], &wi, err);
		if (!rc)
			lx->words[wi - 1].flags[AN_MODE_CHAT] |= F_NEGATE;
	}
	for (size_t i = 0; i < an_chat_words_count && !rc; i++) {
		rc = an_lex_put_str(lx, an_chat_words[i].word, &wi, err);
		if (rc)
			break;
		an_word *wd = &lx->words[wi - 1];
		if (an_chat_words[i].val == AN_CHAT_NOT_LEX) {
			wd->flags[AN_MODE_CHAT] &= (uint16_t)~F_LEX;
		} else {
			wd->flags[AN_MODE_CHAT] |= F_LEX;
			wd->val[AN_MODE_CHAT] = an_chat_words[i].val;
		}
	}
	if (!rc)
		rc = an_add_class(lx, an_chat_sarcasm, C_SARC, err);
	if (!rc)
		rc = an_add_class(lx, an_chat_class_num, C_NUM, err);
	if (!rc)
		rc = an_add_class(lx, an_chat_class_ord, C_ORD, err);
	if (!rc)
		rc = an_add_class(lx, an_chat_class_time, C_TIME, err);
	if (rc)
		return rc;
	lx->phrases = calloc(an_chat_phrases_count ? an_chat_phrases_count : 1, sizeof(*lx->phrases));
	if (lx->phrases == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory loading the chat phrases");
	for (size_t p = 0; p < an_chat_phrases_count && !rc; p++) {
		an_phrase *ph = &lx->phrases[p];
		ph->val = an_chat_phrases[p].val;
		for (size_t s = 0; s < AN_PHRASE_WORDS_MAX && an_chat_phrases[p].slot[s] && !rc; s++)
			rc = an_parse_slot(lx, an_chat_phrases[p].slot[s], &ph->slot[ph->n++], err);
		lx->n_phrases++;
	}
	for (size_t i = 0; i < lx->n_words && !rc; i++) {
		an_word *w = &lx->words[i];
		if ((w->flags[AN_MODE_CHAT] & F_NEGATE) || memmem(w->key, w->key_len, "n't", 3))
			w->cls |= C_NEG;
	}
	if (!rc)
		rc = an_index_phrases(lx, err);
	return rc;
}

/* Everything after the lexicon text: VADER's rule words, the chat overlay. */
static lc_status an_lexicon_finish(an_lexicon *lx, lc_err *err)
{
	lc_status rc = an_add_vader_rules(lx, err);

	if (!rc)
		rc = an_add_chat(lx, err);
	return rc;
}

static lc_status an_lexicon_new(an_lexicon **out, lc_err *err)
{
	lc_status rc;

	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory loading the sentiment lexicon");
	rc = an_lex_grow(*out, err);
	if (rc) {
		an_lexicon_free(*out);
		*out = NULL;
	}
	return rc;
}

lc_status an_lexicon_load_default(an_lexicon **out, lc_err *err)
{
	an_lexicon *lx = NULL;
	size_t ln, en;
	const char *lt = an_vader_data_lexicon(&ln), *et = an_vader_data_emoji(&en);
	lc_status rc;

	*out = NULL;
	rc = an_lexicon_new(&lx, err);
	if (rc)
		goto out;
	rc = an_parse_lexicon(lx, lt, ln, "built-in vader_lexicon.txt", err);
	if (rc)
		goto out;
	rc = an_parse_emoji(lx, et, en, "built-in emoji_utf8_lexicon.txt", err);
	if (rc)
		goto out;
	rc = an_lexicon_finish(lx, err);
out:
	if (rc)
		an_lexicon_free(lx);
	else
		*out = lx;
	return rc;
}

static lc_status an_read_file(const char *path, char **text, size_t *len, lc_err *err)
{
	FILE *f = fopen(path, "rb");
	lc_status rc = LC_OK;
	size_t cap = 1 << 16, n = 0;
	char *buf = NULL;

	*text = NULL;
	if (f == NULL)
		return lc_err_set(err, errno == ENOENT ? LC_ENOTFOUND : LC_EPERM,
		    "cannot open lexicon %s: %s; check the path", path, strerror(errno));
	for (;;) {
		if (n == cap || buf == NULL) {
			if (buf)
				cap *= 2;
			if (cap > AN_LEX_FILE_MAX + 1)
				cap = AN_LEX_FILE_MAX + 1;
			char *nb = realloc(buf, cap);
			if (nb == NULL) {
				rc = lc_err_set(err, LC_ENOMEM, "out of memory reading lexicon %s", path);
				goto out;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > AN_LEX_FILE_MAX) {
			rc = lc_err_set(err, LC_ETOOBIG, "lexicon %s is over %u bytes; trim it",
			    path, AN_LEX_FILE_MAX);
			goto out;
		}
		if (got == 0)
			break;
	}
	if (ferror(f))
		rc = lc_err_set(err, LC_EIO, "cannot read lexicon %s; check the file", path);
out:
	fclose(f);
	if (rc) {
		free(buf);
	} else {
		*text = buf;
		*len = n;
	}
	return rc;
}

lc_status an_lexicon_load_files(const char *lexicon_path, const char *emoji_path,
    an_lexicon **out, lc_err *err)
{
	an_lexicon *lx = NULL;
	size_t ln = 0, en = 0;
	lc_status rc;

	*out = NULL;
	if (lexicon_path == NULL)
		return lc_err_set(err, LC_EINVAL, "no lexicon path given; pass a vader_lexicon.txt");
	rc = an_lexicon_new(&lx, err);
	if (rc)
		goto out;
	rc = an_read_file(lexicon_path, &lx->lex_text, &ln, err);
	if (rc)
		goto out;
	rc = an_parse_lexicon(lx, lx->lex_text, ln, lexicon_path, err);
	if (rc)
		goto out;
	if (emoji_path) {
		rc = an_read_file(emoji_path, &lx->emoji_text, &en, err);
		if (rc)
			goto out;
	}
	rc = an_parse_emoji(lx, lx->emoji_text ? lx->emoji_text : "", en,
	    emoji_path ? emoji_path : "(none)", err);
	if (rc)
		goto out;
	rc = an_lexicon_finish(lx, err);
out:
	if (rc)
		an_lexicon_free(lx);
	else
		*out = lx;
	return rc;
}

void an_lexicon_free(an_lexicon *lx)
{
	if (lx == NULL)
		return;
	free(lx->words);
	free(lx->slots);
	free(lx->emoji);
	free(lx->phrases);
	free(lx->heads);
	free(lx->lex_text);
	free(lx->emoji_text);
	free(lx);
}

const char *an_label_name(an_label l)
{
	switch (l) {
	case AN_POSITIVE: return "positive";
	case AN_NEGATIVE: return "negative";
	case AN_NEUTRAL: return "neutral";
	}
	return "neutral";
}

/* ------------------------------------------------------------------------ */
/* Scoring                                                                   */

#define T_UPPER  1u   /* Python token.isupper() */
#define T_NEG    2u   /* negated(): NEGATE list or contains "n't" */
#define T_NUM    4u   /* all digits (chat classes) */
#define T_ORD    8u   /* 1st, 2nd, 3rd, 4th... */

typedef struct an_tok {
	uint32_t wi;       /* word index + 1, 0 when not in the table */
	uint16_t off, len; /* lowered token in work->lower */
	uint16_t wf;       /* the word's F_* flags in this mode, 0 when not in the table */
	uint8_t id, flags;
} an_tok;

typedef struct an_work {
	const an_lexicon *lx;
	an_mode mode;
	int cap_diff;
	size_t n;
	an_tok tok[AN_SENTIMENT_MAX_TOKENS];
	double sent[AN_SENTIMENT_MAX_TOKENS];
	char lower[AN_TEXT_CAP + AN_KEY_INLINE];   /* padded: an_lex_find_at reads 16 bytes */
	char text[AN_TEXT_CAP];
} an_work;

static unsigned an_tflags(const an_work *w, size_t i)
{
	return w->tok[i].wf;
}

static int an_is_lex(const an_work *w, size_t i)
{
	return (an_tflags(w, i) & F_LEX) != 0;
}

static int an_id(const an_work *w, size_t i)
{
	return w->tok[i].id;
}

static const an_emoji *an_emoji_find(const an_lexicon *lx, uint32_t cp)
{
	size_t lo = 0, hi = lx->n_emoji;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cp < lx->emoji[mid].cp)
			hi = mid;
		else if (cp > lx->emoji[mid].cp)
			lo = mid + 1;
		else
			return &lx->emoji[mid];
	}
	return NULL;
}

/* Replace emoji by their descriptions (VADER l.245-259) into w->text; returns its length. */
static size_t an_expand_emoji(an_work *w, const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0, adv;
	int prev_space = 1;

	while (i < len) {
		uint32_t c = an_utf8_next(s + i, len - i, &adv);
		const an_emoji *e = c >= 0x80 ? an_emoji_find(w->lx, c) : NULL;
		if (e) {
			if (o + 1 + e->desc_len > sizeof(w->text))
				break;
			if (!prev_space)
				w->text[o++] = ' ';
			memcpy(w->text + o, e->desc, e->desc_len);
			o += e->desc_len;
			prev_space = 0;
		} else {
			if (o + adv > sizeof(w->text))
				break;
			memcpy(w->text + o, s + i, adv);
			o += adv;
			prev_space = c == ' ';
		}
		i += adv;
	}
	return o;
}

/* Lower-case as Python's lower() does for anything that can match a key; also isupper(). */
static size_t an_lower(const unsigned char *s, size_t n, char *out, int *is_upper, int *apos)
{
	size_t i = 0, o = 0, adv;
	unsigned seen = 0;
	int cased = 0, broken = 0;

	while (i < n) {
		unsigned char c = s[i];
		if (c < 0x80) {
			unsigned cc = an_cc[c];
			seen |= cc;
			c = (unsigned char)(c + ((cc & CC_UPPER) ? 32 : 0));
			*apos |= c == '\'';
			out[o++] = (char)c;
			i++;
			continue;
		}
		uint32_t cp = an_utf8_next(s + i, n - i, &adv);
		if (an_in_ranges(an_case_breaker, an_case_breaker_count, cp))
			broken = 1;
		else if (an_in_ranges(an_case_upper, an_case_upper_count, cp))
			cased = 1;
		if (cp == 0x212A) {            /* KELVIN SIGN lowers to ASCII 'k' */
			out[o++] = 'k';
		} else if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) {   /* Latin-1 capitals */
			out[o++] = (char)0xC3;
			out[o++] = (char)(0x80 | ((cp + 32) & 0x3F));
		} else {
			memcpy(out + o, s + i, adv);
			o += adv;
		}
		i += adv;
	}
	cased |= (seen & CC_UPPER) != 0;
	broken |= (seen & CC_LOWER) != 0;
	*is_upper = cased && !broken;
	return o;
}

/* Classes of a token beyond the table: digits, ordinals like 3rd. */
static uint8_t an_tok_shape(const char *s, size_t n)
{
	size_t d = 0;

	while (d < n && s[d] >= '0' && s[d] <= '9')
		d++;
	if (d == 0)
		return 0;
	if (d == n)
		return T_NUM;
	if (n - d == 2 && (memcmp(s + d, "st", 2) == 0 || memcmp(s + d, "nd", 2) == 0 ||
	    memcmp(s + d, "rd", 2) == 0 || memcmp(s + d, "th", 2) == 0))
		return T_ORD;
	return 0;
}

/*
 * One whitespace-separated token s[0..n) with cps code points: strip
 * string.punctuation, keep the original when 2 or fewer code points remain
 * (VADER l.177-191); chat mode keeps the stripped word unless that leaves
 * nothing or the original itself is a lexicon entry (an emoticon).
 */
/*
 * Finish token w->tok[w->n], lowered at w->lower[lo..lo+ln); hk is the hash of
 * what is looked up first (an_key_hash): the stripped word when stripped_cps > 2,
 * else the whole token:
 * lead/trail bytes of string.punctuation, stripped_cps code points between.
 * VADER keeps the original when 2 or fewer code points remain (l.177-191);
 * so does chat when the original is a lexicon entry (an emoticon), but
 * "ok." becomes "ok" and "no!" "no".
 */
static inline void an_token_finish(an_work *w, size_t lo, size_t ln, uint32_t hk, size_t lead,
    size_t trail, size_t stripped_cps, int up, int apos)
{
	an_tok *t = &w->tok[w->n];
	const char *out = w->lower + lo;
	size_t ta = 0, tn = ln;

	if (stripped_cps > 2) {
		/* Both modes: a word with punctuation around it is looked up stripped (hk is its hash). */
		ta = lead;
		tn = ln - lead - trail;
		t->wi = an_lex_find_at(w->lx, out + ta, tn, hk, 1);
	} else {
		t->wi = an_lex_find_at(w->lx, out, ln, hk, 1);
		if (w->mode == AN_MODE_CHAT && stripped_cps > 0 && (lead || trail) &&
		    !(t->wi && (w->lx->words[t->wi - 1].flags[AN_MODE_CHAT] & F_LEX))) {
			ta = lead;
			tn = ln - lead - trail;
			t->wi = an_lex_find_at(w->lx, out + ta, tn, an_hash_padded(out + ta, tn), 1);
		}
	}
	t->off = (uint16_t)(lo + ta);
	t->len = (uint16_t)tn;
	t->flags = up ? T_UPPER : 0;
	t->id = 0;
	t->wf = 0;
	if (t->wi) {
		const an_word *wd = &w->lx->words[t->wi - 1];
		t->id = wd->id;
		t->wf = wd->flags[w->mode];
		if (wd->flags[w->mode] & F_NEGATE)
			t->flags |= T_NEG;
	}
	if (apos && !(t->flags & T_NEG) && tn >= 3 && memmem(out + ta, tn, "n't", 3))
		t->flags |= T_NEG;
	if (w->mode == AN_MODE_CHAT && tn > 0 && (unsigned char)(out[ta] - '0') < 10)
		t->flags |= an_tok_shape(out + ta, tn);   /* digits first: a number or an ordinal */
	w->n++;
}

/* The hash an_token_finish wants: of the stripped word when stripped_cps > 2, else the whole. */
static inline uint32_t an_key_hash(const char *out, size_t ln, size_t lead, size_t trail,
    size_t stripped_cps)
{
	if (stripped_cps > 2)
		return an_hash_padded(out + lead, ln - lead - trail);
	return an_hash_padded(out, ln);
}

/* One whitespace-separated token s[0..n) of cps code points, any bytes. */
static void an_add_token(an_work *w, const char *s, size_t n, size_t cps, size_t *lo)
{
	size_t a = 0, b = n;
	int up, apos = 0;

	if (w->n == AN_SENTIMENT_MAX_TOKENS)
		return;
	while (a < b && an_is_punct((unsigned char)s[a]))
		a++;
	while (b > a && an_is_punct((unsigned char)s[b - 1]))
		b--;
	char *out = w->lower + *lo;
	size_t ln = an_lower((const unsigned char *)s, n, out, &up, &apos);
	size_t stripped = cps - a - (n - b);
	an_token_finish(w, *lo, ln, an_key_hash(out, ln, a, n - b, stripped), a, n - b, stripped, up,
	    apos);
	*lo += ln;
}

/*
 * The common case, pure-ASCII text: split and lower in one pass, one table
 * load a byte; hash each token afterwards, 8 bytes at a time; look at
 * punctuation ('!', '?', '\'', what strip() removes) only in the tokens that
 * have some. Returns 0, having done nothing useful, at the first non-ASCII
 * byte: the caller then takes the general path.
 */
static int an_tokenize_ascii(an_work *w, const char *text, size_t len, size_t *ep, size_t *qm)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, lo = 0, e = 0, q = 0;

	w->n = 0;
	while (i < len) {
		unsigned v = an_cc_low[s[i]];
		if (v & CCL_HIGH)
			return 0;
		if (v & CCL_SPACE) {
			i++;
			continue;
		}
		size_t start = i;
		unsigned seen = 0;
		char *out = w->lower + lo;   /* padded: 8 bytes past any token are there */
		for (; i < len; i++) {
			v = an_cc_low[s[i]];
			if (v & (CCL_SPACE | CCL_HIGH))
				break;
			seen |= v;
			out[i - start] = (char)v;
		}
		if (v & CCL_HIGH && i < len)
			return 0;
		size_t n = i - start, lead = 0, last = n;
		int apos = 0;
		if (seen & CCL_PUNCT) {
			for (size_t k = 0; k < n; k++) {
				e += out[k] == '!';
				q += out[k] == '?';
				apos |= out[k] == '\'';
			}
			while (lead < n && (an_cc_low[(unsigned char)out[lead]] & CCL_PUNCT))
				lead++;
			if (lead == n)
				last = n;   /* all punctuation */
			else
				while (an_cc_low[(unsigned char)out[last - 1]] & CCL_PUNCT)
					last--;
		}
		if (w->n == AN_SENTIMENT_MAX_TOKENS)
			continue;
		int up = (seen & CCL_UPPER) && !(seen & CCL_LOWER);
		an_token_finish(w, lo, n, an_key_hash(out, n, lead, n - last, last - lead), lead, n - last,
		    last - lead, up, apos);
		lo += n;
	}
	*ep = e;
	*qm = q;
	return 1;
}

/* Split on Python whitespace into tokens; text is w->text or the caller's ASCII. */
static void an_tokenize(an_work *w, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, lo = 0, adv;

	w->n = 0;
	while (i < len) {
		uint32_t c = s[i] < 0x80 ? (adv = 1, s[i]) : an_utf8_next(s + i, len - i, &adv);
		if (an_is_space(c)) {
			i += adv;
			continue;
		}
		size_t start = i, cps = 0;
		while (i < len) {
			if (s[i] < 0x80) {
				if (an_cc[s[i]] & CC_SPACE)
					break;
				i++;
				cps++;
				continue;
			}
			c = an_utf8_next(s + i, len - i, &adv);
			if (an_is_space(c))
				break;
			i += adv;
			cps++;
		}
		an_add_token(w, text + start, i - start, cps, &lo);
	}
}

static int an_cap_differential(const an_work *w)
{
	size_t up = 0;

	for (size_t i = 0; i < w->n; i++)
		up += (w->tok[i].flags & T_UPPER) != 0;
	return w->n - up > 0 && w->n - up < w->n;
}

static double an_scalar_inc_dec(const an_work *w, size_t j, double valence)
{
	double s = 0.0;

	if (an_tflags(w, j) & F_BOOST) {
		s = w->lx->words[w->tok[j].wi - 1].boost;
		if (valence < 0)
			s *= -1;
		if ((w->tok[j].flags & T_UPPER) && w->cap_diff)
			s = valence > 0 ? s + C_INCR : s - C_INCR;
	}
	return s;
}

static int an_so_this(const an_work *w, size_t j)
{
	return an_id(w, j) == W_SO || an_id(w, j) == W_THIS;
}

static double an_negation_check(const an_work *w, double v, size_t k, size_t i)
{
	if (k == 0) {
		if (w->tok[i - 1].flags & T_NEG)
			v *= N_SCALAR;
	} else if (k == 1) {
		if (an_id(w, i - 2) == W_NEVER && an_so_this(w, i - 1))
			v *= 1.25;
		else if (an_id(w, i - 2) == W_WITHOUT && an_id(w, i - 1) == W_DOUBT)
			;
		else if (w->tok[i - 2].flags & T_NEG)
			v *= N_SCALAR;
	} else {
		/* VADER's operator precedence: (never and so/this) or (i-1 is so/this). */
		if ((an_id(w, i - 3) == W_NEVER && an_so_this(w, i - 2)) || an_so_this(w, i - 1))
			v *= 1.25;
		else if (an_id(w, i - 3) == W_WITHOUT &&
		    (an_id(w, i - 2) == W_DOUBT || an_id(w, i - 1) == W_DOUBT))
			;
		else if (w->tok[i - 3].flags & T_NEG)
			v *= N_SCALAR;
	}
	return v;
}

/* SPECIAL_CASES bigrams and trigrams by word id; returns 1 and *v on a hit. */
static int an_special2(int a, int b, double *v)
{
	if (a == W_THE && b == W_SHIT) *v = 3;
	else if (a == W_THE && b == W_BOMB) *v = 3;
	else if (a == W_BAD && b == W_ASS) *v = 1.5;
	else if (a == W_BUS && b == W_STOP) *v = 0.0;
	else if (a == W_YEAH && b == W_RIGHT) *v = -2;
	else if (a == W_BEATING && b == W_HEART) *v = 3.1;
	else if (a == W_BROKEN && b == W_HEART) *v = -2.9;
	else return 0;
	return 1;
}

static int an_special3(int a, int b, int c, double *v)
{
	if (a == W_KISS && b == W_OF && c == W_DEATH) *v = -1.5;
	else if (a == W_TO && b == W_DIE && c == W_FOR) *v = 3;
	else return 0;
	return 1;
}

static int an_booster2(int a, int b)
{
	return (a == W_JUST && b == W_ENOUGH) || (a == W_KIND && b == W_OF) ||
	    (a == W_SORT && b == W_OF);
}

/* Word ids that start, and that end, some SPECIAL_CASES entry or booster bigram. */
#define AN_WBIT(id) ((uint64_t)1 << (id))
#define AN_IDIOM_FIRST (AN_WBIT(W_THE) | AN_WBIT(W_BAD) | AN_WBIT(W_BUS) | AN_WBIT(W_YEAH) | \
	AN_WBIT(W_BEATING) | AN_WBIT(W_BROKEN) | AN_WBIT(W_KISS) | AN_WBIT(W_TO) | AN_WBIT(W_JUST) | \
	AN_WBIT(W_KIND) | AN_WBIT(W_SORT))
#define AN_IDIOM_LAST (AN_WBIT(W_SHIT) | AN_WBIT(W_BOMB) | AN_WBIT(W_ASS) | AN_WBIT(W_STOP) | \
	AN_WBIT(W_RIGHT) | AN_WBIT(W_HEART) | AN_WBIT(W_DEATH) | AN_WBIT(W_FOR) | AN_WBIT(W_ENOUGH) | \
	AN_WBIT(W_OF))
_Static_assert(W_COUNT <= 64, "word ids are bits of a uint64_t");

static double an_idioms_check(const an_work *w, double v, size_t i)
{
	int z = an_id(w, i), o = an_id(w, i - 1), t = an_id(w, i - 2), h = an_id(w, i - 3);
	int n1 = w->n - 1 > i ? an_id(w, i + 1) : W_NONE, n2 = w->n - 1 > i + 1 ? an_id(w, i + 2) : W_NONE;
	uint64_t ids = AN_WBIT(z) | AN_WBIT(o) | AN_WBIT(t) | AN_WBIT(h) | AN_WBIT(n1) | AN_WBIT(n2);
	double s;

	/* Every idiom below needs a word that starts one and a word that ends one in this window. */
	if (!(ids & AN_IDIOM_FIRST) || !(ids & AN_IDIOM_LAST))
		return v;
	if (an_special2(o, z, &s) || an_special3(t, o, z, &s) || an_special2(t, o, &s) ||
	    an_special3(h, t, o, &s) || an_special2(h, t, &s))
		v = s;
	if (w->n - 1 > i && an_special2(z, an_id(w, i + 1), &s))
		v = s;
	if (w->n - 1 > i + 1 && an_special3(z, an_id(w, i + 1), an_id(w, i + 2), &s))
		v = s;
	if (an_booster2(h, t))
		v += B_DECR;
	if (an_booster2(t, o))
		v += B_DECR;
	return v;
}

static double an_least_check(const an_work *w, double v, size_t i)
{
	if (i > 1 && !an_is_lex(w, i - 1) && an_id(w, i - 1) == W_LEAST) {
		if (an_id(w, i - 2) != W_AT && an_id(w, i - 2) != W_VERY)
			v *= N_SCALAR;
	} else if (i > 0 && !an_is_lex(w, i - 1) && an_id(w, i - 1) == W_LEAST) {
		v *= N_SCALAR;
	}
	return v;
}

/* sentiment_valence (VADER l.284-325) for a token known to be in the lexicon. */
static double an_valence(const an_work *w, size_t i)
{
	double lexv = w->lx->words[w->tok[i].wi - 1].val[w->mode], v = lexv;

	if (an_id(w, i) == W_NO && i != w->n - 1 && an_is_lex(w, i + 1))
		v = 0.0;
	if ((i > 0 && an_id(w, i - 1) == W_NO) || (i > 1 && an_id(w, i - 2) == W_NO) ||
	    (i > 2 && an_id(w, i - 3) == W_NO && (an_id(w, i - 1) == W_OR || an_id(w, i - 1) == W_NOR)))
		v = lexv * N_SCALAR;
	if ((w->tok[i].flags & T_UPPER) && w->cap_diff)
		v = v > 0 ? v + C_INCR : v - C_INCR;
	for (size_t k = 0; k < 3; k++) {
		/* Chat: a negator that is itself a lexicon word ("nobody") still negates. */
		if (i > k && (!an_is_lex(w, i - (k + 1)) ||
		    (w->mode == AN_MODE_CHAT && (w->tok[i - (k + 1)].flags & T_NEG)))) {
			double s = an_scalar_inc_dec(w, i - (k + 1), v);
			if (k == 1 && s != 0)
				s = s * 0.95;
			if (k == 2 && s != 0)
				s = s * 0.9;
			v = v + s;
			v = an_negation_check(w, v, k, i);
			if (k == 2)
				v = an_idioms_check(w, v, i);
		}
	}
	return an_least_check(w, v, i);
}

static void an_valences(an_work *w)
{
	for (size_t i = 0; i < w->n; i++) {
		double v = 0;
		if (an_tflags(w, i) & F_BOOST)
			v = 0;
		else if (i < w->n - 1 && an_id(w, i) == W_KIND && an_id(w, i + 1) == W_OF)
			v = 0;
		else if (an_is_lex(w, i))
			v = an_valence(w, i);
		w->sent[i] = v;
	}
}

/* _but_check, with VADER's value-based index lookup (l.338-352). */
static void an_but_check_vader(an_work *w)
{
	size_t bi = 0;

	while (bi < w->n && w->tok[bi].id != W_BUT)
		bi++;
	if (bi == w->n)
		return;
	for (size_t j = 0; j < w->n; j++) {
		double val = w->sent[j];
		size_t si = 0;
		while (w->sent[si] != val)
			si++;
		if (si < bi)
			w->sent[si] = val * 0.5;
		else if (si > bi)
			w->sent[si] = val * 1.5;
	}
}

/* Chat mode: "but" by position, as VADER means it. */
static void an_but_check_chat(an_work *w)
{
	size_t bi = 0;

	while (bi < w->n && w->tok[bi].id != W_BUT)
		bi++;
	if (bi == w->n)
		return;
	for (size_t j = 0; j < w->n; j++) {
		if (j < bi)
			w->sent[j] *= 0.5;
		else if (j > bi)
			w->sent[j] *= 1.5;
	}
}

static int an_slot_match(const an_work *w, const an_slot *s, size_t i)
{
	const an_tok *t = &w->tok[i];

	if (s->any)
		return 1;
	if (s->cls) {
		uint8_t cls = t->wi ? w->lx->words[t->wi - 1].cls : 0;
		if (t->flags & T_NUM)
			cls |= C_NUM;
		if (t->flags & T_ORD)
			cls |= C_ORD;
		if (t->flags & T_NEG)
			cls |= C_NEG;
		return (cls & s->cls) != 0;
	}
	for (size_t a = 0; a < s->n_alt; a++)
		if (s->alt[a] == t->wi)
			return 1;
	return 0;
}

/* Does phrase p stand at token i? Its first slot matched already: p came from i's heads. */
static int an_phrase_match(const an_work *w, const an_phrase *p, size_t i)
{
	if (i + p->n > w->n)
		return 0;
	for (size_t k = 1; k < p->n; k++)
		if (!an_slot_match(w, &p->slot[k], i + k))
			return 0;
	return 1;
}

/* The phrase (first in table order, longest first in practice) starting at token i, or NULL. */
static const an_phrase *an_phrase_at(const an_work *w, size_t i)
{
	const an_lexicon *lx = w->lx;
	const an_tok *t = &w->tok[i];
	const an_phrase *best = NULL;
	size_t best_idx = SIZE_MAX;

	if (t->wi == 0 && !(t->flags & (T_NUM | T_ORD | T_NEG)))
		return NULL;
	if (t->wi) {
		const an_word *wd = &lx->words[t->wi - 1];
		for (size_t h = 0; h < wd->head_n; h++) {
			size_t p = lx->heads[wd->head_lo + h];
			if (p < best_idx && an_phrase_match(w, &lx->phrases[p], i)) {
				best = &lx->phrases[p];
				best_idx = p;
			}
		}
	}
	uint8_t cls = (t->wi ? lx->words[t->wi - 1].cls : 0) | ((t->flags & T_NUM) ? C_NUM : 0) |
	    ((t->flags & T_ORD) ? C_ORD : 0) | ((t->flags & T_NEG) ? C_NEG : 0);
	for (int b = 0; b < 4 && cls; b++) {
		if (!(cls & (1u << b)))
			continue;
		for (size_t h = 0; h < lx->cls_heads_n[b]; h++) {
			size_t p = lx->cls_heads[b][h];
			if (p < best_idx && an_phrase_match(w, &lx->phrases[p], i)) {
				best = &lx->phrases[p];
				best_idx = p;
			}
		}
	}
	return best;
}

static void an_apply_phrases(an_work *w)
{
	for (size_t i = 0; i < w->n;) {
		const an_phrase *p = an_phrase_at(w, i);
		if (p == NULL) {
			i++;
			continue;
		}
		w->sent[i] = p->val;
		for (size_t k = 1; k < p->n; k++)
			w->sent[i + k] = 0;
		i += p->n;
	}
}

static int an_tok_is(const an_work *w, size_t i, const char *s, size_t n)
{
	return w->tok[i].len == n && memcmp(w->lower + w->tok[i].off, s, n) == 0;
}

/* "wow, thanks for the help. not.": a closing "not" reverses the praise before it. */
static void an_chat_closing_not(an_work *w)
{
	if (w->n < 3 || !an_tok_is(w, w->n - 1, "not", 3))
		return;
	for (size_t i = 0; i < w->n - 1; i++)
		if (w->sent[i] > 0)
			w->sent[i] *= N_SCALAR;
}

/*
 * "Great, another error" / "Fantastic, now I've lost all my data": praise
 * in the first two tokens followed by nothing but negative words is sarcasm.
 */
static void an_chat_flip_sarcasm(an_work *w)
{
	size_t lim = w->n < 2 ? w->n : 2;
	int opener = 0, pos = 0;
	double neg = 0;

	for (size_t i = 0; i < lim; i++)
		if (w->tok[i].wi && (w->lx->words[w->tok[i].wi - 1].cls & C_SARC) && w->sent[i] > 0)
			opener = 1;
	if (!opener)
		return;
	for (size_t i = 0; i < w->n; i++) {
		if (i < lim && w->tok[i].wi && (w->lx->words[w->tok[i].wi - 1].cls & C_SARC))
			continue;
		if (w->sent[i] > 0)
			pos = 1;
		else
			neg += w->sent[i];
	}
	if (pos || neg >= 0)
		return;
	for (size_t i = 0; i < lim; i++)
		if (w->tok[i].wi && (w->lx->words[w->tok[i].wi - 1].cls & C_SARC) && w->sent[i] > 0)
			w->sent[i] = -w->sent[i];
}

/* Python round(x, nd) for nd 3 or 4: correctly rounded, ties to even on the exact binary value. */
static double an_py_round(double x, int nd)
{
	double scale = nd == 3 ? 1e3 : 1e4;
	double y = x * scale, fl, frac, r;

	/* floor(y) without a libm call: |y| <= 1e4 here (scores are within [-1, 1]), exact in int64. */
	if (!(fabs(y) < 1e15))
		return x;   /* NaN or out of range: never a score; left as it is */
	fl = (double)(int64_t)y;
	if (fl > y)
		fl -= 1;
	frac = y - fl;

	if (fabs(frac - 0.5) > 1e-6) {
		r = fl + (double)(frac >= 0.5);   /* frac < 0.5 ? fl : fl + 1, without a branch */
	} else {
		/* Too close to a tie for the fast path: let printf round the exact value. */
		char buf[64];
		snprintf(buf, sizeof(buf), "%.*f", nd, x);
		return strtod(buf, NULL);
	}
	/* r / scale has x's sign already unless r is 0, which takes x's sign (-0.0). */
	return copysign(r / scale, x);
}

/* '!' and '?' counts of the text. */
static void an_scan(const char *text, size_t len, size_t *ep, size_t *qm)
{
	size_t e = 0, q = 0;

	for (size_t i = 0; i < len; i++) {
		e += text[i] == '!';
		q += text[i] == '?';
	}
	*ep = e;
	*qm = q;
}

/* _punctuation_emphasis (VADER l.435-465). */
static double an_punct_amplifier(size_t ep, size_t qm)
{
	double amp;

	if (ep > 4)
		ep = 4;
	amp = (double)ep * 0.292;
	if (qm > 1)
		amp += qm <= 3 ? (double)qm * 0.18 : 0.96;
	return amp;
}

/* score_valence (VADER l.482-518). */
static void an_score_valence(const an_work *w, double amp, an_sentiment *out)
{
	double sum = 0, pos = 0, neg = 0;
	size_t neu = 0;

	memset(out, 0, sizeof(*out));
	if (w->n == 0)
		return;
	for (size_t i = 0; i < w->n; i++)
		sum += w->sent[i];
	if (sum > 0)
		sum += amp;
	else if (sum < 0)
		sum -= amp;
	double compound = sum / sqrt(sum * sum + 15);
	if (compound < -1.0)
		compound = -1.0;
	else if (compound > 1.0)
		compound = 1.0;
	for (size_t i = 0; i < w->n; i++) {
		double s = w->sent[i];
		if (s > 0)
			pos += s + 1;
		if (s < 0)
			neg += s - 1;
		if (s == 0)
			neu++;
	}
	if (pos > fabs(neg))
		pos += amp;
	else if (pos < fabs(neg))
		neg -= amp;
	double total = pos + fabs(neg) + (double)neu;
	out->pos = an_py_round(fabs(pos / total), 3);
	out->neg = an_py_round(fabs(neg / total), 3);
	out->neu = an_py_round(fabs((double)neu / total), 3);
	out->compound = an_py_round(compound, 4);
	out->label = out->compound >= 0.05 ? AN_POSITIVE : out->compound <= -0.05 ? AN_NEGATIVE :
	    AN_NEUTRAL;
}

/* Where to cut an over-long message: at the last ASCII whitespace before the cap. */
static size_t an_cap_len(const char *text, size_t len)
{
	size_t n = AN_SENTIMENT_MAX_BYTES;

	if (len <= n)
		return len;
	while (n > 0 && !an_py_strip_char((unsigned char)text[n]))
		n--;
	if (n == 0) {
		n = AN_SENTIMENT_MAX_BYTES;
		while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
			n--;
	}
	return n;
}

void an_sentiment_score(const an_lexicon *lx, an_mode mode, const char *text, size_t len,
    an_sentiment *out)
{
	an_work w;
	size_t ep, qm;

	memset(out, 0, sizeof(*out));
	if (lx == NULL || (text == NULL && len > 0))
		return;
	w.lx = lx;
	w.mode = mode == AN_MODE_VADER ? AN_MODE_VADER : AN_MODE_CHAT;
	len = text ? an_cap_len(text, len) : 0;
	if (!an_tokenize_ascii(&w, text, len, &ep, &qm)) {
		len = an_expand_emoji(&w, text, len);
		an_scan(w.text, len, &ep, &qm);   /* after expansion: descriptions may hold '!' */
		an_tokenize(&w, w.text, len);
	}
	w.cap_diff = an_cap_differential(&w);
	an_valences(&w);
	if (w.mode == AN_MODE_CHAT) {
		an_apply_phrases(&w);
		an_chat_closing_not(&w);
		an_chat_flip_sarcasm(&w);
		an_but_check_chat(&w);
	} else {
		an_but_check_vader(&w);
	}
	an_score_valence(&w, an_punct_amplifier(ep, qm), out);
}
