/* SPDX-License-Identifier: MIT */
/* an_escalate: the escalation rules parser and a token-level phrase matcher (no regex). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_bytes.h"
#include "an_escalate.h"

/*
 * How it works (docs/escalation-rules.md has the user's view):
 * text is cut once into words (ASCII letters and digits, lowercased; bytes
 * >= 0x80 belong to words; everything else separates, and . , ! ? ; : and
 * newlines also close a clause). A hash table maps each phrase's first word
 * (or its stem, for `word*`) to the phrases starting with it, so a word that
 * starts no phrase costs one probe. Remaining phrase words and the guards are
 * compared in place against the words around the match, inside its clause.
 * Words are cut 8 bytes at a time (an_bytes.h) into a window on the stack
 * that slides along a long text: a scan allocates nothing and only reads the
 * rules, so threads may share one an_rules.
 */

/* Caps: every table of a rules set is bounded. */
#define AN_RULES_FILE_MAX    ((size_t)1 << 20)   /* one rules file */
#define AN_TRIGGER_NAME_MAX  32                  /* bytes in a trigger name */
#define AN_PRIORITY_MAX      1000
#define AN_WORD_MAX          48                  /* bytes in one rule word */
#define AN_PHRASE_WORDS_MAX  8                   /* words in a phrase or guard sequence */
#define AN_GUARD_WINDOW_MAX  8                   /* N of not-after/not-before */
#define AN_LINE_ITEMS_MAX    512                 /* items on one rules line */
#define AN_POOL_MAX          ((size_t)1 << 20)   /* bytes of all rule words */
#define AN_WORDS_MAX         ((size_t)1 << 18)
#define AN_SEQS_MAX          ((size_t)1 << 16)
#define AN_GUARDS_MAX        ((size_t)1 << 14)
#define AN_PHRASES_MAX       ((size_t)1 << 16)

/* Words a scan keeps around the current one: look-behind + look-ahead + 1 must fit, with room. */
#define AN_TOKBUF            128
#define AN_LOOK_BEHIND       (AN_GUARD_WINDOW_MAX + AN_PHRASE_WORDS_MAX)
#define AN_LOOK_AHEAD        (2 * AN_PHRASE_WORDS_MAX + AN_GUARD_WINDOW_MAX)
_Static_assert(2 * (AN_LOOK_BEHIND + AN_LOOK_AHEAD + 1) <= AN_TOKBUF, "scan window too small for the caps");
_Static_assert(AN_TRIGGERS_MAX <= 64, "fired triggers are a 64-bit mask");

#define AN_FILTER_BITS       4096   /* a one-hash Bloom filter in front of the table */
#define AN_AMASK_BITS        256    /* and one per guard, of its anchor words */


typedef struct an_word {
	uint64_t c0;         /* the first (up to) 8 lowercase bytes, little-endian, zero-padded */
	uint32_t hash;       /* of the lowercase bytes: a cheap first test for exact words */
	uint32_t off;        /* bytes in pool, lowercase */
	uint8_t len;
	uint8_t stem;        /* `word*`: matches any word starting with these bytes */
} an_word;

typedef struct an_seq {
	uint32_t word;       /* first of n consecutive words */
	uint32_t n;
} an_seq;

enum { AN_G_NOT_AFTER, AN_G_NOT_BEFORE, AN_G_NOT_NAME };

typedef struct an_guard {
	int kind;
	uint32_t window;
	uint32_t seq, nseq;  /* consecutive sequences */
	uint64_t amask[AN_AMASK_BITS / 64];   /* a one-hash Bloom filter of the anchor words' keys */
	unsigned astem_keys; /* bit k: some anchor is a stem keyed by its first k bytes (1..4) */
} an_guard;

typedef struct an_group {   /* the phrases of one `phrase` line share its guards */
	uint32_t guard, nguard;
} an_group;

typedef struct an_phrase {
	an_seq words;
	uint32_t trigger;
	uint32_t group;
} an_phrase;

typedef struct an_trigger {
	char name[AN_TRIGGER_NAME_MAX + 1];
	int priority;
	unsigned line;
} an_trigger;

typedef struct an_cand {    /* a phrase, and what the first bytes of the word after its first must be */
	uint32_t phrase;
	uint32_t has_next;      /* the phrase has a second word: next_c0/next_mask apply */
	uint64_t next_c0;       /* the second word's c0 */
	uint64_t next_mask;     /* its bytes in c0: a word (or stem) matches only if these agree */
} an_cand;

typedef struct an_entry {   /* hash slot: the phrases starting with one word; count 0 = empty */
	uint32_t hash;
	uint32_t word;
	uint32_t first, count;  /* range of rules->cand */
} an_entry;

struct an_rules {
	an_trigger trig[AN_TRIGGERS_MAX];
	size_t ntrig;
	uint8_t *pool;
	size_t npool, cpool;
	an_word *words;
	size_t nwords, cwords;
	an_seq *seqs;
	size_t nseqs, cseqs;
	an_guard *guards;
	size_t nguards, cguards;
	an_group *groups;
	size_t ngroups, cgroups;
	an_phrase *phrases;
	size_t nphrases, cphrases;
	an_cand *cand;          /* phrases grouped by first word */
	an_entry *table;
	size_t tmask;
	uint64_t filter[AN_FILTER_BITS / 64];   /* bit (hash >> 20) set for every table key */
	unsigned stem_keys;     /* bit k: some first-word stem is keyed by its first k bytes (1..4) */
	uint8_t cls[256];       /* byte classes for the scanner (AN_C_*) */
};

/* ---- bytes and words ---------------------------------------------------- */

static inline uint8_t
an_lower(uint8_t c)
{
	return (uint8_t)(c - 'A') < 26 ? (uint8_t)(c + 32) : c;
}

static inline int
an_is_ascii_word(uint8_t c)
{
	return (uint8_t)((c | 0x20) - 'a') < 26 || (uint8_t)(c - '0') < 10;
}

/* Typographic quotes (U+2018, U+2019) separate words like ' does: "don’t" is "don t". */
static inline int
an_is_curly_quote(const uint8_t *s, size_t i, size_t n)
{
	return s[i] == 0xe2 && i + 2 < n && s[i + 1] == 0x80 && (s[i + 2] == 0x98 || s[i + 2] == 0x99);
}

static inline int
an_is_word_at(const uint8_t *s, size_t i, size_t n)
{
	return an_is_ascii_word(s[i]) || (s[i] >= 0x80 && !an_is_curly_quote(s, i, n));
}

static inline int
an_is_clause_break(uint8_t c)
{
	return c == '.' || c == ',' || c == '!' || c == '?' || c == ';' || c == ':' || c == '\n';
}

static inline int
an_is_sentence_end(uint8_t c)
{
	return c == '.' || c == '!' || c == '?' || c == '\n';
}

/* The first (up to) 8 bytes of p[0..n), lowercased, as an_word's c0. */
static inline uint64_t
an_chunk0_lower(const uint8_t *p, size_t n)
{
	uint64_t c = 0;

	for (size_t k = 0; k < 8 && k < n; k++)
		c |= (uint64_t)an_lower(p[k]) << (8 * k);
	return c;
}

/* Hash of p[0..n) lowercased (an_bytes.h's word hash): what rules words are keyed by. */
static uint32_t
an_hash_lower(const uint8_t *p, size_t n)
{
	uint64_t h = 0;

	for (size_t i = 0; i < n; i += 8)
		h = an_hash_chunk(h, an_chunk0_lower(p + i, n - i));
	return an_hash_end(h, n);
}

/* ---- the scanner: words of the text in a sliding window ------------------ */

/* Byte classes, tabulated per rules set from the predicates above (one source of truth). */
enum { AN_C_WORD, AN_C_HIGH, AN_C_E2, AN_C_SEP, AN_C_BREAK, AN_C_END };

static void
an_classes_fill(uint8_t *cls)
{
	for (unsigned c = 0; c < 256; c++) {
		uint8_t b = (uint8_t)c;
		cls[c] = an_is_ascii_word(b) ? AN_C_WORD : b == 0xe2 ? AN_C_E2 : b >= 0x80 ? AN_C_HIGH
		    : an_is_sentence_end(b) ? AN_C_END : an_is_clause_break(b) ? AN_C_BREAK : AN_C_SEP;
	}
}

#define AN_STEM_KEY 4   /* stems are hashed by their first (up to) 4 bytes */

typedef struct an_tok {
	size_t start, end;
	uint64_t c0;         /* the first (up to) 8 bytes, lowercased, zero-padded (an_word's c0) */
	uint32_t hash;
	uint32_t clause;     /* words of one clause share this number */
	uint8_t sent_first;  /* first word of a sentence */
} an_tok;

/*
 * Words are cut ahead into tok[] in batches; when the scan nears the end of
 * the batch, the window slides: the last AN_LOOK_BEHIND words before the
 * current one move to the front and more are cut behind them.
 */
typedef struct an_scanner {
	const uint8_t *cls;
	const uint8_t *s;
	size_t len, pos;     /* text, and where cutting resumes */
	size_t ntok;         /* words in tok[] */
	uint32_t clause;
	int sent_start;
	int ended;           /* every word of the text has been cut */
	an_tok tok[AN_TOKBUF];
} an_scanner;

/*
 * Which bytes of x are word bytes (ASCII letters and digits, bytes >= 0x80):
 * 0x80 in each such byte. *alpha gets the same for the letters.
 */
static inline uint64_t
an_word_bytes(uint64_t x, uint64_t *alpha)
{
	uint64_t hi = x & AN_HIGH, y = x & ~AN_HIGH;
	uint64_t a = an_bytes_in(y | 0x20 * AN_ONES, 'a', 'z') & ~hi;
	uint64_t d = an_bytes_in(y, '0', '9') & ~hi;

	*alpha = a;
	return a | d | hi;
}

/* Does x hold a byte 0xe2 (the lead byte of a curly quote)? */
static inline int
an_has_e2(uint64_t x)
{
	uint64_t v = x ^ 0xe2 * AN_ONES;

	return ((v - AN_ONES) & ~v & AN_HIGH) != 0;
}

/*
 * The word starting at s[i]: its end; its hash and first chunk into t. Eight
 * bytes at a time; a chunk holding 0xe2 takes the byte loop, which knows quotes.
 */
static inline size_t
an_cut_word(const uint8_t *cls, const uint8_t *s, size_t i, size_t n, an_tok *t)
{
	size_t start = i;
	uint64_t h = 0;

	for (;;) {
		uint64_t x = an_load8_at(s, i, n), alpha, stop;
		if (an_has_e2(x))
			goto bytewise;
		stop = ~an_word_bytes(x, &alpha) & AN_HIGH;
		x |= alpha >> 2;   /* ASCII letters to lowercase */
		if (stop != 0) {
			size_t k = (size_t)__builtin_ctzll(stop) / 8;
			x &= an_low_bytes(k);
			if (k > 0)
				h = an_hash_chunk(h, x);
			if (i == start)
				t->c0 = x;
			i += k;
			break;
		}
		h = an_hash_chunk(h, x);
		if (i == start)
			t->c0 = x;
		if ((i += 8) == n)
			break;
	}
	t->hash = an_hash_end(h, i - start);
	return i;
bytewise:
	for (; i < n; i++) {
		uint8_t k = cls[s[i]];
		if (k != AN_C_WORD && k != AN_C_HIGH && !(k == AN_C_E2 && !an_is_curly_quote(s, i, n)))
			break;
	}
	t->hash = an_hash_lower(s + start, i - start);
	t->c0 = an_chunk0_lower(s + start, i - start);
	return i;
}

/* Cut words into tok[] until it is full or the text ends. */
static void
an_fill(an_scanner *sc)
{
	const uint8_t *s = sc->s, *cls = sc->cls;
	size_t i = sc->pos, n = sc->len;
	uint32_t clause = sc->clause;
	int sent = sc->sent_start;

	while (sc->ntok < AN_TOKBUF) {
		size_t start;
		an_tok *t;

		for (;; i++) {   /* separators */
			uint8_t k;
			if (i >= n) {
				sc->ended = 1;
				goto out;
			}
			k = cls[s[i]];
			if (k < AN_C_E2 || (k == AN_C_E2 && !an_is_curly_quote(s, i, n)))
				break;
			if (k == AN_C_E2)
				i += 2;   /* a curly quote: three bytes */
			else if (k >= AN_C_BREAK) {
				clause++;
				sent |= k == AN_C_END;
			}
		}
		start = i;
		t = &sc->tok[sc->ntok++];
		i = an_cut_word(cls, s, i, n, t);
		t->start = start;
		t->end = i;
		t->clause = clause;
		t->sent_first = (uint8_t)sent;
		sent = 0;
	}
out:
	sc->pos = i;
	sc->clause = clause;
	sc->sent_start = sent;
}

/*
 * Make sure words i .. i + AN_LOOK_AHEAD are cut (or the text has ended);
 * returns the new index of word i, which moves when the window slides.
 */
static size_t
an_window(an_scanner *sc, size_t i)
{
	size_t drop;

	if (sc->ended || i + AN_LOOK_AHEAD < sc->ntok)
		return i;
	drop = i > AN_LOOK_BEHIND ? i - AN_LOOK_BEHIND : 0;
	memmove(sc->tok, sc->tok + drop, (sc->ntok - drop) * sizeof(sc->tok[0]));
	sc->ntok -= drop;
	an_fill(sc);
	return i - drop;
}

/* Is word t Capitalised, like a name? */
static inline int
an_tok_title(const uint8_t *s, const an_tok *t)
{
	return (uint8_t)(s[t->start] - 'A') < 26 && t->end - t->start >= 2 &&
	    (uint8_t)(s[t->start + 1] - 'a') < 26;
}

/* Word idx of the window; NULL past the end of the text. */
static inline const an_tok *
an_tok_get(const an_scanner *sc, size_t idx)
{
	return idx < sc->ntok ? &sc->tok[idx] : NULL;
}

/* Hash of the first k (<= 4) bytes of word t, lowercased: the key of a stem that long. */
static inline uint32_t
an_tok_prefix_hash(const an_tok *t, size_t k)
{
	return an_hash_end(an_hash_chunk(0, t->c0 & an_low_bytes(k)), k);
}

static inline int
an_word_eq(const an_rules *r, const an_word *w, const uint8_t *s, const an_tok *t)
{
	size_t tl = t->end - t->start;
	const uint8_t *p = r->pool + w->off;

	if (w->stem ? tl < w->len : (t->hash != w->hash || tl != w->len))
		return 0;
	/* The first 8 bytes in one compare (a stem compares only its own length of them). */
	if ((w->len < 8 ? t->c0 & an_low_bytes(w->len) : t->c0) != w->c0)
		return 0;
	for (size_t k = 8; k < w->len; k++)
		if (an_lower(s[t->start + k]) != p[k])
			return 0;
	return 1;
}

/* Do the n words of seq stand at word `at`, all inside `clause`? */
static inline int
an_seq_at(const an_rules *r, const an_scanner *sc, const an_seq *seq, size_t at, uint32_t clause)
{
	for (uint32_t j = 0; j < seq->n; j++) {
		const an_tok *t = an_tok_get(sc, at + j);
		if (t == NULL || t->clause != clause || !an_word_eq(r, &r->words[seq->word + j], sc->s, t))
			return 0;
	}
	return 1;
}

static inline int
an_amask_has(const uint64_t *m, uint32_t h)
{
	uint32_t b = (h >> 8) % AN_AMASK_BITS;

	return (m[b / 64] >> (b % 64)) & 1;
}

/* Might some anchor of g equal word t? No means none can; yes is checked word by word. */
static inline int
an_anchor_may(const an_guard *g, const an_tok *t)
{
	size_t tl = t->end - t->start;
	unsigned keys;

	if (an_amask_has(g->amask, t->hash))
		return 1;
	keys = g->astem_keys & ((2u << (tl < AN_STEM_KEY ? tl : AN_STEM_KEY)) - 2);
	for (; keys != 0; keys &= keys - 1)
		if (an_amask_has(g->amask, an_tok_prefix_hash(t, (size_t)__builtin_ctz(keys))))
			return 1;
	return 0;
}

/*
 * Does guard g drop the match of n words starting at word i? Window positions
 * go outwards from the match; the word next to the match side of a sequence
 * (its last word for not-after, its first for not-before) is tested first.
 */
static int
an_guard_blocks(const an_rules *r, const an_guard *g, const an_scanner *sc, size_t i, size_t n)
{
	const an_tok *first = &sc->tok[i];
	uint32_t clause = first->clause;
	int after = g->kind == AN_G_NOT_AFTER;

	if (g->kind == AN_G_NOT_NAME)
		return an_tok_title(sc->s, first) && !first->sent_first;
	for (uint32_t w = 0; w < g->window; w++) {
		const an_tok *near;
		if (after && i < w + 1)
			break;
		near = an_tok_get(sc, after ? i - 1 - w : i + n + w);
		if (near == NULL || near->clause != clause)
			break;   /* clauses only get further away */
		if (!an_anchor_may(g, near))
			continue;   /* no anchor can equal this word */
		for (uint32_t q = 0; q < g->nseq; q++) {
			const an_seq *seq = &r->seqs[g->seq + q];
			const an_word *anchor = &r->words[seq->word + (after ? seq->n - 1 : 0)];
			if (!an_word_eq(r, anchor, sc->s, near))
				continue;
			if (seq->n == 1)
				return 1;
			if (after && i < w + seq->n)
				continue;
			if (an_seq_at(r, sc, seq, after ? i - w - seq->n : i + n + w, clause))
				return 1;
		}
	}
	return 0;
}

/* Length in words of phrase p matched at word i, or 0. */
static size_t
an_phrase_match(const an_rules *r, const an_phrase *p, const an_scanner *sc, size_t i)
{
	const an_group *grp = &r->groups[p->group];
	an_seq rest = {p->words.word + 1, p->words.n - 1};

	if (!an_seq_at(r, sc, &rest, i + 1, sc->tok[i].clause))
		return 0;
	for (uint32_t k = 0; k < grp->nguard; k++)
		if (an_guard_blocks(r, &r->guards[grp->guard + k], sc, i, p->words.n))
			return 0;
	return p->words.n;
}

typedef struct an_fired {
	uint64_t mask;
	size_t start[AN_TRIGGERS_MAX], end[AN_TRIGGERS_MAX];
} an_fired;

/* Try the phrases of table entry e at word i; record each trigger's first (longest) span. */
static void
an_entry_try(const an_rules *r, const an_entry *e, const an_scanner *sc, size_t i, an_fired *f)
{
	size_t start = sc->tok[i].start;
	int has_next = i + 1 < sc->ntok;
	uint64_t next = has_next ? sc->tok[i + 1].c0 : 0;

	for (uint32_t k = 0; k < e->count; k++) {
		const an_cand *c = &r->cand[e->first + k];
		const an_phrase *p = &r->phrases[c->phrase];
		uint64_t bit = (uint64_t)1 << p->trigger;
		size_t n, end;

		if (c->has_next && (!has_next || (next & c->next_mask) != c->next_c0))
			continue;   /* the next word cannot be the phrase's second */
		if ((f->mask & bit) && f->start[p->trigger] < start)
			continue;   /* this trigger already fired earlier in the text */
		n = an_phrase_match(r, p, sc, i);
		if (n == 0)
			continue;
		end = sc->tok[i + n - 1].end;
		if (!(f->mask & bit) || end > f->end[p->trigger]) {
			f->mask |= bit;
			f->start[p->trigger] = start;
			f->end[p->trigger] = end;
		}
	}
}

static inline int
an_filter_has(const an_rules *r, uint32_t h)
{
	uint32_t bit = (h >> 20) % AN_FILTER_BITS;

	return (r->filter[bit / 64] >> (bit % 64)) & 1;
}

/* Probe for entries of hash h, exact words or stems, whose word matches word i. */
static inline void
an_probe(const an_rules *r, uint32_t h, int stem, const an_scanner *sc, size_t i, an_fired *f)
{
	if (!an_filter_has(r, h))
		return;
	for (size_t slot = h & r->tmask;; slot = (slot + 1) & r->tmask) {
		const an_entry *e = &r->table[slot];
		const an_word *w = &r->words[e->word];
		if (e->count == 0)
			return;
		if (e->hash == h && w->stem == stem && an_word_eq(r, w, sc->s, &sc->tok[i]))
			an_entry_try(r, e, sc, i, f);
	}
}

static void
an_scan_word(const an_rules *r, const an_scanner *sc, size_t i, an_fired *f)
{
	const an_tok *t = &sc->tok[i];
	size_t tl = t->end - t->start;
	/* Prefix lengths k (1..4, at most the word's) that some stem is keyed by. */
	unsigned keys = r->stem_keys & ((2u << (tl < AN_STEM_KEY ? tl : AN_STEM_KEY)) - 2);
	/*
	 * Most words start no phrase: test the word and its 4-byte stem key (the
	 * only stem length of the default rules) in the filter without a branch
	 * between them, so the usual word costs one branch that is rarely taken.
	 */
	unsigned maybe = (unsigned)an_filter_has(r, t->hash) |
	    ((unsigned)an_filter_has(r, an_tok_prefix_hash(t, AN_STEM_KEY)) & keys >> AN_STEM_KEY) |
	    ((keys & ((1u << AN_STEM_KEY) - 1)) != 0);

	if (!maybe)
		return;
	an_probe(r, t->hash, 0, sc, i, f);
	for (; keys != 0; keys &= keys - 1)
		an_probe(r, an_tok_prefix_hash(t, (size_t)__builtin_ctz(keys)), 1, sc, i, f);
}

size_t
an_escalate_scan(const an_rules *r, const char *text, size_t len, an_match *out, size_t max)
{
	an_scanner sc;   /* not zeroed as a whole: tok[] is written before it is read */
	an_fired f;      /* start/end are read only where mask says they were written */
	uint64_t all;
	size_t order[AN_TRIGGERS_MAX], nfired = 0;

	if (r == NULL || text == NULL || r->nphrases == 0)
		return 0;
	sc.cls = r->cls;
	sc.s = (const uint8_t *)text;
	sc.len = len;
	sc.pos = 0;
	sc.ntok = 0;
	sc.clause = 0;
	sc.sent_start = 1;
	sc.ended = 0;
	an_fill(&sc);
	f.mask = 0;
	all = r->ntrig == 64 ? ~(uint64_t)0 : ((uint64_t)1 << r->ntrig) - 1;
	for (size_t i = 0; f.mask != all;) {
		/* Words up to `limit` have their look-ahead cut already: no window check each. */
		size_t limit = sc.ended ? sc.ntok : sc.ntok > AN_LOOK_AHEAD ? sc.ntok - AN_LOOK_AHEAD : 0;
		for (; i < limit && f.mask != all; i++)
			an_scan_word(r, &sc, i, &f);
		if (sc.ended || f.mask == all)
			break;
		i = an_window(&sc, i);
	}
	/* Order fired triggers by priority (highest first), then by position. */
	for (size_t t = 0; t < r->ntrig; t++) {
		size_t j;
		if (!(f.mask & ((uint64_t)1 << t)))
			continue;
		for (j = nfired; j > 0; j--) {
			size_t o = order[j - 1];
			if (r->trig[o].priority > r->trig[t].priority ||
			    (r->trig[o].priority == r->trig[t].priority && f.start[o] <= f.start[t]))
				break;
			order[j] = o;
		}
		order[j] = t;
		nfired++;
	}
	for (size_t k = 0; k < nfired && k < max; k++) {
		size_t t = order[k];
		out[k] = (an_match){r->trig[t].name, r->trig[t].priority, f.start[t], f.end[t]};
	}
	return nfired;
}

size_t
an_rules_trigger_count(const an_rules *r)
{
	return r ? r->ntrig : 0;
}

const char *
an_rules_trigger_name(const an_rules *r, size_t i)
{
	return r && i < r->ntrig ? r->trig[i].name : NULL;
}

/* ---- building a rules set ------------------------------------------------ */

/* Make room for one more element of size sz in *p (count n, capacity *cap, cap max). */
static lc_status
an_grow(void **p, size_t *cap, size_t n, size_t sz, size_t max)
{
	size_t ncap;
	void *np;

	if (n < *cap)
		return LC_OK;
	if (n >= max)
		return LC_ETOOBIG;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > max)
		ncap = max;
	np = realloc(*p, ncap * sz);
	if (np == NULL)
		return LC_ENOMEM;
	*p = np;
	*cap = ncap;
	return LC_OK;
}

#define AN_PUSH(r, arr, cnt, capv, max) \
	an_grow((void **)&(r)->arr, &(r)->capv, (r)->cnt, sizeof(*(r)->arr), (max))

void
an_rules_free(an_rules *r)
{
	if (r == NULL)
		return;
	free(r->pool);
	free(r->words);
	free(r->seqs);
	free(r->guards);
	free(r->groups);
	free(r->phrases);
	free(r->cand);
	free(r->table);
	free(r);
}

typedef struct an_item {   /* one item of a rules line: a bare word or a "quoted" string */
	const char *p;
	size_t n;
	int quoted;
} an_item;

typedef struct an_parser {
	an_rules *r;
	const char *name;    /* for messages: file name */
	unsigned line;
	int builtin;         /* parsing the built-in rules: no include */
	int included;        /* `include default` seen */
	int have_group;      /* a `phrase` line came before: guards attach to it */
	lc_err *err;
} an_parser;

static lc_status an_parse_text(an_parser *ps, const char *text, size_t len);

/* A rules error: "FILE:LINE: message", LC_ECONFIG. Quoted excerpts are clipped to 64 bytes. */
static lc_status an_syntax(an_parser *ps, const char *fmt, ...) LC_PRINTF(2, 3);
static lc_status
an_syntax(an_parser *ps, const char *fmt, ...)
{
	char msg[LC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return lc_err_set(ps->err, LC_ECONFIG, "%s:%u: %s", ps->name, ps->line, msg);
}

#define AN_CLIP(n) ((int)((n) > 64 ? 64 : (n)))

static lc_status
an_cap(an_parser *ps, lc_status rc, const char *what)
{
	if (rc == LC_ENOMEM)
		return lc_err_set(ps->err, rc, "%s:%u: out of memory loading rules", ps->name, ps->line);
	return lc_err_set(ps->err, LC_ECONFIG, "%s:%u: too many %s (cap reached); split the rules or "
	    "use fewer", ps->name, ps->line, what);
}

static int
an_item_is(const an_item *it, const char *s)
{
	return !it->quoted && it->n == strlen(s) && memcmp(it->p, s, it->n) == 0;
}

/* Words of a quoted phrase into rules->words; *seq gets where they went. */
static lc_status
an_parse_words(an_parser *ps, const an_item *it, an_seq *seq)
{
	an_rules *r = ps->r;
	const uint8_t *s = (const uint8_t *)it->p;
	size_t i = 0, n = it->n;
	lc_status rc;

	seq->word = (uint32_t)r->nwords;
	seq->n = 0;
	while (i < n) {
		size_t start;
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '-' || s[i] == '\'') {
			i++;
			continue;
		}
		if (an_is_curly_quote(s, i, n)) {
			i += 3;
			continue;
		}
		if (!an_is_word_at(s, i, n))
			return an_syntax(ps, "phrase \"%.*s\": only words, spaces, - ' and a * ending a word "
			    "may appear in a phrase", AN_CLIP(n), it->p);
		start = i;
		while (i < n && an_is_word_at(s, i, n))
			i++;
		if (i - start > AN_WORD_MAX)
			return an_syntax(ps, "word in \"%.*s\" is over 48 bytes; shorten it", AN_CLIP(n), it->p);
		if (seq->n == AN_PHRASE_WORDS_MAX)
			return an_syntax(ps, "\"%.*s\" has more than 8 words; shorten it", AN_CLIP(n), it->p);
		if ((rc = AN_PUSH(r, words, nwords, cwords, AN_WORDS_MAX)) != LC_OK)
			return an_cap(ps, rc, "words");
		if (r->npool + (i - start) > r->cpool) {
			size_t ncap = r->cpool ? r->cpool * 2 : 1024;
			uint8_t *np;
			if (r->npool + (i - start) > AN_POOL_MAX)
				return an_cap(ps, LC_ETOOBIG, "word bytes");
			ncap = ncap > AN_POOL_MAX ? AN_POOL_MAX : ncap;
			if ((np = realloc(r->pool, ncap)) == NULL)
				return an_cap(ps, LC_ENOMEM, "");
			r->pool = np;
			r->cpool = ncap;
		}
		r->words[r->nwords] = (an_word){an_chunk0_lower(s + start, i - start),
		    an_hash_lower(s + start, i - start), (uint32_t)r->npool, (uint8_t)(i - start), 0};
		for (size_t k = start; k < i; k++)
			r->pool[r->npool++] = an_lower(s[k]);
		if (i < n && s[i] == '*') {
			r->words[r->nwords].stem = 1;
			i++;
			if (i < n && s[i] != ' ' && s[i] != '\t')
				return an_syntax(ps, "in \"%.*s\", * may only end a word", AN_CLIP(n), it->p);
		}
		r->nwords++;
		seq->n++;
	}
	if (seq->n == 0)
		return an_syntax(ps, "empty phrase \"%.*s\"; give at least one word", AN_CLIP(n), it->p);
	return LC_OK;
}

static long
an_parse_uint(const an_item *it, long max)
{
	long v = 0;

	if (it->quoted || it->n == 0 || it->n > 6)
		return -1;
	for (size_t i = 0; i < it->n; i++) {
		if ((uint8_t)(it->p[i] - '0') >= 10)
			return -1;
		v = v * 10 + (it->p[i] - '0');
	}
	return v <= max ? v : -1;
}

static lc_status
an_do_trigger(an_parser *ps, const an_item *it, size_t n)
{
	an_rules *r = ps->r;
	long prio;

	if (n != 3 || it[1].quoted || it[2].quoted)
		return an_syntax(ps, "usage: trigger NAME PRIORITY, e.g. trigger legal 30");
	if (it[1].n == 0 || it[1].n > AN_TRIGGER_NAME_MAX)
		return an_syntax(ps, "trigger name \"%.*s\" must be 1 to 32 characters", AN_CLIP(it[1].n), it[1].p);
	for (size_t k = 0; k < it[1].n; k++) {
		char c = it[1].p[k];
		if (!(an_is_ascii_word((uint8_t)c) && (uint8_t)(c - 'A') >= 26) && c != '_' && c != '-')
			return an_syntax(ps, "trigger name \"%.*s\": use lowercase letters, digits, _ and -",
			    AN_CLIP(it[1].n), it[1].p);
	}
	if ((prio = an_parse_uint(&it[2], AN_PRIORITY_MAX)) < 0)
		return an_syntax(ps, "priority \"%.*s\" must be a whole number from 0 to 1000",
		    AN_CLIP(it[2].n), it[2].p);
	for (size_t t = 0; t < r->ntrig; t++)
		if (strlen(r->trig[t].name) == it[1].n && memcmp(r->trig[t].name, it[1].p, it[1].n) == 0)
			return lc_err_set(ps->err, LC_ECONFIG, "%s:%u: trigger %s is already declared "
			    "(line %u%s); declare each trigger once", ps->name, ps->line, r->trig[t].name,
			    r->trig[t].line, ps->included && !ps->builtin ? " or in the default rules" : "");
	if (r->ntrig == AN_TRIGGERS_MAX)
		return an_cap(ps, LC_ETOOBIG, "triggers (64)");
	memcpy(r->trig[r->ntrig].name, it[1].p, it[1].n);
	r->trig[r->ntrig].name[it[1].n] = '\0';
	r->trig[r->ntrig].priority = (int)prio;
	r->trig[r->ntrig].line = ps->line;
	r->ntrig++;
	return LC_OK;
}

static lc_status
an_do_phrase(an_parser *ps, const an_item *it, size_t n)
{
	an_rules *r = ps->r;
	size_t t;
	lc_status rc;

	if (n < 3 || it[1].quoted)
		return an_syntax(ps, "usage: phrase TRIGGER \"words\" ..., e.g. phrase legal \"my lawyer\"");
	for (t = 0; t < r->ntrig; t++)
		if (strlen(r->trig[t].name) == it[1].n && memcmp(r->trig[t].name, it[1].p, it[1].n) == 0)
			break;
	if (t == r->ntrig)
		return an_syntax(ps, "unknown trigger \"%.*s\"; declare it first: trigger NAME PRIORITY",
		    AN_CLIP(it[1].n), it[1].p);
	if ((rc = AN_PUSH(r, groups, ngroups, cgroups, AN_PHRASES_MAX)) != LC_OK)
		return an_cap(ps, rc, "phrase lines");
	r->groups[r->ngroups++] = (an_group){(uint32_t)r->nguards, 0};
	ps->have_group = 1;
	for (size_t k = 2; k < n; k++) {
		an_seq seq;
		if (!it[k].quoted)
			return an_syntax(ps, "put the phrase %.*s in double quotes", AN_CLIP(it[k].n), it[k].p);
		if ((rc = an_parse_words(ps, &it[k], &seq)) != LC_OK)
			return rc;
		if ((rc = AN_PUSH(r, phrases, nphrases, cphrases, AN_PHRASES_MAX)) != LC_OK)
			return an_cap(ps, rc, "phrases");
		r->phrases[r->nphrases++] = (an_phrase){seq, (uint32_t)t, (uint32_t)(r->ngroups - 1)};
	}
	return LC_OK;
}

static lc_status
an_do_guard(an_parser *ps, const an_item *it, size_t n)
{
	an_rules *r = ps->r;
	an_guard g = {0};
	size_t k = 2;
	lc_status rc;

	if (!ps->have_group)
		return an_syntax(ps, "guard before any phrase line; a guard applies to the phrase "
		    "line above it");
	if (n >= 2 && an_item_is(&it[1], "not-name")) {
		if (n != 2)
			return an_syntax(ps, "not-name takes no arguments");
		g.kind = AN_G_NOT_NAME;
	} else if (n >= 2 && (an_item_is(&it[1], "not-after") || an_item_is(&it[1], "not-before"))) {
		long w = 1;
		g.kind = an_item_is(&it[1], "not-after") ? AN_G_NOT_AFTER : AN_G_NOT_BEFORE;
		if (k < n && !it[k].quoted && (w = an_parse_uint(&it[k++], AN_GUARD_WINDOW_MAX)) < 1)
			return an_syntax(ps, "guard window \"%.*s\" must be a number from 1 to 8",
			    AN_CLIP(it[k - 1].n), it[k - 1].p);
		if (k == n)
			return an_syntax(ps, "guard needs at least one \"words\" sequence");
		g.window = (uint32_t)w;
		g.seq = (uint32_t)r->nseqs;
		for (; k < n; k++) {
			an_seq seq;
			if (!it[k].quoted)
				return an_syntax(ps, "put the guard words %.*s in double quotes", AN_CLIP(it[k].n), it[k].p);
			if ((rc = an_parse_words(ps, &it[k], &seq)) != LC_OK)
				return rc;
			if ((rc = AN_PUSH(r, seqs, nseqs, cseqs, AN_SEQS_MAX)) != LC_OK)
				return an_cap(ps, rc, "guard sequences");
			r->seqs[r->nseqs++] = seq;
			g.nseq++;
		}
	} else {
		return an_syntax(ps, "unknown guard \"%.*s\"; use not-after, not-before or not-name",
		    AN_CLIP(n >= 2 ? it[1].n : 0), n >= 2 ? it[1].p : "");
	}
	for (uint32_t q = 0; q < g.nseq && g.kind != AN_G_NOT_NAME; q++) {
		const an_seq *seq = &r->seqs[g.seq + q];
		const an_word *anchor = &r->words[seq->word + (g.kind == AN_G_NOT_AFTER ? seq->n - 1 : 0)];
		/* Exact anchors by their hash, stems by the hash of their first (up to) 4 bytes. */
		size_t klen = anchor->stem && anchor->len > AN_STEM_KEY ? AN_STEM_KEY : anchor->len;
		uint32_t b = (an_hash_lower(r->pool + anchor->off, klen) >> 8) % AN_AMASK_BITS;
		g.amask[b / 64] |= (uint64_t)1 << (b % 64);
		if (anchor->stem)
			g.astem_keys |= 1u << klen;
	}
	if ((rc = AN_PUSH(r, guards, nguards, cguards, AN_GUARDS_MAX)) != LC_OK)
		return an_cap(ps, rc, "guards");
	r->guards[r->nguards++] = g;
	r->groups[r->ngroups - 1].nguard++;
	return LC_OK;
}

/* Built-in rules: analyzer/rules/default.rules, embedded by the assembler (path from the repo root). */
__asm__(".pushsection .rodata\n"
	".balign 16\n"
	"an_rules_default_text:\n"
	".incbin \"analyzer/rules/default.rules\"\n"
	"an_rules_default_text_end:\n"
	".byte 0\n"
	".popsection\n");
extern const char an_rules_default_text[] __attribute__((visibility("hidden")));
extern const char an_rules_default_text_end[] __attribute__((visibility("hidden")));

static lc_status
an_do_include(an_parser *ps, const an_item *it, size_t n)
{
	lc_status rc;
	an_parser sub = *ps;

	if (n != 2 || !an_item_is(&it[1], "default"))
		return an_syntax(ps, "usage: include default");
	if (ps->builtin || ps->included)
		return an_syntax(ps, "the default rules are already included");
	ps->included = 1;
	sub.name = "default.rules (built in)";
	sub.line = 0;
	sub.builtin = 1;
	sub.have_group = 0;
	rc = an_parse_text(&sub, an_rules_default_text,
	    (size_t)(an_rules_default_text_end - an_rules_default_text));
	ps->have_group = 0;   /* guards below the include do not reach into the defaults */
	return rc;
}

/* Cut one line into items; comments start with # outside quotes. */
static lc_status
an_split_line(an_parser *ps, const char *s, size_t len, an_item *items, size_t *nitems)
{
	size_t i = 0, n = 0;

	while (i < len) {
		size_t start;
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
			i++;
			continue;
		}
		if (s[i] == '#')
			break;
		if (n == AN_LINE_ITEMS_MAX)
			return an_syntax(ps, "more than 512 items on one line; split it");
		if (s[i] == '"') {
			start = ++i;
			while (i < len && s[i] != '"')
				i++;
			if (i == len)
				return an_syntax(ps, "unterminated quote: %.*s; close it with \"",
				    AN_CLIP(len - start + 1), s + start - 1);
			items[n++] = (an_item){s + start, i - start, 1};
			i++;
		} else {
			start = i;
			while (i < len && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '"' && s[i] != '#')
				i++;
			items[n++] = (an_item){s + start, i - start, 0};
		}
	}
	*nitems = n;
	return LC_OK;
}

static lc_status
an_parse_line(an_parser *ps, const char *s, size_t len)
{
	an_item items[AN_LINE_ITEMS_MAX];
	size_t n = 0;
	lc_status rc;

	if (memchr(s, '\0', len) != NULL)
		return an_syntax(ps, "NUL byte in the rules; is this a text file?");
	if ((rc = an_split_line(ps, s, len, items, &n)) != LC_OK || n == 0)
		return rc;
	if (an_item_is(&items[0], "trigger"))
		return an_do_trigger(ps, items, n);
	if (an_item_is(&items[0], "phrase"))
		return an_do_phrase(ps, items, n);
	if (an_item_is(&items[0], "guard"))
		return an_do_guard(ps, items, n);
	if (an_item_is(&items[0], "include"))
		return an_do_include(ps, items, n);
	return an_syntax(ps, "unknown keyword \"%.*s\"; use trigger, phrase, guard or include",
	    AN_CLIP(items[0].n), items[0].p);
}

static lc_status
an_parse_text(an_parser *ps, const char *text, size_t len)
{
	size_t i = 0;
	lc_status rc = LC_OK;

	while (i < len && rc == LC_OK) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		ps->line++;
		rc = an_parse_line(ps, text + i, end - i);
		i = end + 1;
	}
	return rc;
}

typedef struct an_key {   /* sort key: a phrase by its first word */
	const uint8_t *p;
	uint32_t len, stem, phrase;
} an_key;

static int
an_key_cmp(const void *a, const void *b)
{
	const an_key *x = a, *y = b;
	int c;

	if (x->stem != y->stem)
		return x->stem < y->stem ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if ((c = memcmp(x->p, y->p, x->len)) != 0)
		return c;
	return x->phrase < y->phrase ? -1 : x->phrase > y->phrase;
}

static int
an_key_same_word(const an_key *x, const an_key *y)
{
	return x->stem == y->stem && x->len == y->len && memcmp(x->p, y->p, x->len) == 0;
}

static void
an_table_insert(an_rules *r, const an_entry *e)
{
	size_t slot = e->hash & r->tmask;

	while (r->table[slot].count != 0)
		slot = (slot + 1) & r->tmask;
	r->table[slot] = *e;
}

/* Index phrases by first word: sorted order, then one hash entry per distinct word. */
static lc_status
an_rules_index(an_rules *r, lc_err *err)
{
	an_key *keys = NULL;
	size_t tsize = 16, i = 0, klen;
	lc_status rc = LC_OK;

	keys = calloc(r->nphrases ? r->nphrases : 1, sizeof(*keys));
	r->cand = calloc(r->nphrases ? r->nphrases : 1, sizeof(*r->cand));
	while (tsize < 2 * r->nphrases)
		tsize *= 2;
	r->table = calloc(tsize, sizeof(*r->table));
	if (keys == NULL || r->cand == NULL || r->table == NULL) {
		rc = lc_err_set(err, LC_ENOMEM, "out of memory indexing %zu rule phrases", r->nphrases);
		goto out;
	}
	r->tmask = tsize - 1;
	an_classes_fill(r->cls);
	for (size_t k = 0; k < r->nphrases; k++) {
		const an_word *w = &r->words[r->phrases[k].words.word];
		keys[k] = (an_key){r->pool + w->off, w->len, w->stem, (uint32_t)k};
	}
	qsort(keys, r->nphrases, sizeof(*keys), an_key_cmp);
	while (i < r->nphrases) {
		size_t j = i;
		an_entry e;
		while (j < r->nphrases && an_key_same_word(&keys[i], &keys[j]))
			j++;
		for (size_t k = i; k < j; k++) {
			const an_seq *ws = &r->phrases[keys[k].phrase].words;
			const an_word *second = ws->n > 1 ? &r->words[ws->word + 1] : NULL;
			r->cand[k] = (an_cand){keys[k].phrase, second != NULL, second ? second->c0 : 0,
			    second == NULL ? 0 : second->len < 8 ? an_low_bytes(second->len) : ~(uint64_t)0};
		}
		/* Exact words are keyed by their hash, stems by the hash of their first (up to) 4 bytes. */
		klen = keys[i].stem && keys[i].len > AN_STEM_KEY ? AN_STEM_KEY : keys[i].len;
		e = (an_entry){an_hash_lower(keys[i].p, klen), r->phrases[keys[i].phrase].words.word,
		    (uint32_t)i, (uint32_t)(j - i)};
		an_table_insert(r, &e);
		r->filter[((e.hash >> 20) % AN_FILTER_BITS) / 64] |= (uint64_t)1 << (((e.hash >> 20) % AN_FILTER_BITS) % 64);
		if (keys[i].stem)
			r->stem_keys |= 1u << klen;
		i = j;
	}
out:
	free(keys);
	return rc;
}

/* Parse and index rules text; builtin marks the embedded default rules (no include). */
static lc_status
an_rules_build(const char *text, size_t len, const char *name, int builtin, an_rules **out,
    lc_err *err)
{
	an_rules *r = NULL;
	an_parser ps;
	lc_status rc;

	*out = NULL;
	if (text == NULL && len != 0)
		return lc_err_set(err, LC_EINVAL, "no rules text given");
	if (len > AN_RULES_FILE_MAX)
		return lc_err_set(err, LC_ECONFIG, "%s: rules are over the %zu-byte cap; split or "
		    "shorten them", name, AN_RULES_FILE_MAX);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory loading rules");
	ps = (an_parser){.r = r, .name = name, .builtin = builtin, .err = err};
	rc = an_parse_text(&ps, text ? text : "", len);
	if (rc == LC_OK)
		rc = an_rules_index(r, err);
	if (rc != LC_OK) {
		an_rules_free(r);
		r = NULL;
	}
	*out = r;
	return rc;
}

lc_status
an_rules_parse(const char *text, size_t len, const char *name, an_rules **out, lc_err *err)
{
	return an_rules_build(text, len, name ? name : "rules", 0, out, err);
}

lc_status
an_rules_load_default(an_rules **out, lc_err *err)
{
	return an_rules_build(an_rules_default_text,
	    (size_t)(an_rules_default_text_end - an_rules_default_text), "default.rules (built in)", 1,
	    out, err);
}

lc_status
an_rules_load_file(const char *path, an_rules **out, lc_err *err)
{
	FILE *fp = NULL;
	char *text = NULL;
	size_t len = 0;
	lc_status rc = LC_OK;

	*out = NULL;
	if ((fp = fopen(path, "rb")) == NULL) {
		rc = lc_err_set(err, LC_ECONFIG, "cannot open rules file %s: %s; check the path",
		    path, strerror(errno));
		goto out;
	}
	if ((text = malloc(AN_RULES_FILE_MAX + 1)) == NULL) {
		rc = lc_err_set(err, LC_ENOMEM, "out of memory reading %s", path);
		goto out;
	}
	len = fread(text, 1, AN_RULES_FILE_MAX + 1, fp);
	if (ferror(fp)) {
		rc = lc_err_set(err, LC_ECONFIG, "cannot read rules file %s: %s", path, strerror(errno));
		goto out;
	}
	rc = an_rules_parse(text, len, path, out, err);
out:
	free(text);
	if (fp != NULL)
		fclose(fp);
	return rc;
}
