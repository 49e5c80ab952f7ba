/* SPDX-License-Identifier: MIT */
/* Differential test: sentiment (both modes) and escalations of every fixture line match recorded outputs byte for byte. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "an_escalate.h"
#include "an_sentiment.h"

/*
 * fixtures/analyze/text_diff_expected.txt is written by this test with
 * CXTAPE_DIFF_RECORD=1. A change meant to keep results (speed work) must
 * reproduce it byte for byte; only a change meant to alter them (new rules,
 * new fixture lines) rewrites it, and its diff is then reviewed row by row.
 * The sentiment rows still equal those recorded before the speed work; the
 * escalation rows were last rewritten with the rules tuned in session 2, and
 * the synthetic rows (drawn from every fixture's words) whenever a fixture
 * grows. Rows: source, line, field, then the chat-mode and VADER-mode scores
 * (shortest exact %g) and the escalation matches.
 */

#define DIFF_LINE_MAX   8192
#define DIFF_ROW_MAX    (DIFF_LINE_MAX + 4096)
#define DIFF_SYNTH      3000    /* synthetic lines mixed from fixture words */
#define DIFF_WORDS_MAX  20000   /* words collected for the synthetic lines */
#define DIFF_WORD_MAX   48

static const char *const diff_sources[] = {
	"fixtures/sentiment/heldout.tsv",
	"fixtures/sentiment/train.tsv",
	"fixtures/sentiment/vader_examples.tsv",
	"fixtures/sentiment/vader_examples_current_head.tsv",
	"fixtures/sentiment/vader_oracle_extra.tsv",
	"fixtures/escalation/labelled.tsv",
};

typedef struct diff_ctx {
	an_lexicon *lx;
	an_rules *r;
	FILE *rec;      /* recording: write rows here */
	FILE *want;     /* checking: read rows from here */
	size_t rows, mismatches;
	char (*words)[DIFF_WORD_MAX];
	size_t n_words;
} diff_ctx;

/* The shortest %g form of v that reads back as exactly v. */
static void
diff_num(double v, char *buf, size_t cap)
{
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, cap, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

static void
diff_format(const diff_ctx *c, const char *src, size_t line, size_t field, const char *text,
    size_t len, char *row, size_t cap)
{
	an_sentiment sc, sv;
	an_match m[AN_TRIGGERS_MAX];
	size_t n, used;

	an_sentiment_score(c->lx, AN_MODE_CHAT, text, len, &sc);
	an_sentiment_score(c->lx, AN_MODE_VADER, text, len, &sv);
	n = an_escalate_scan(c->r, text, len, m, AN_TRIGGERS_MAX);
	char v[8][32];
	const double vals[8] = {sc.neg, sc.neu, sc.pos, sc.compound, sv.neg, sv.neu, sv.pos, sv.compound};
	for (size_t i = 0; i < 8; i++)
		diff_num(vals[i], v[i], sizeof(v[i]));
	used = (size_t)snprintf(row, cap, "%s:%zu:%zu chat %s %s %s %s %d vader %s %s %s %s %d esc %zu",
	    src, line, field, v[0], v[1], v[2], v[3], (int)sc.label, v[4], v[5], v[6], v[7],
	    (int)sv.label, n);
	for (size_t i = 0; i < n && i < AN_TRIGGERS_MAX && used < cap; i++)
		used += (size_t)snprintf(row + used, cap - used, " %s/%d/%zu-%zu", m[i].trigger,
		    m[i].priority, m[i].start, m[i].end);
	if (used < cap)
		snprintf(row + used, cap - used, "\n");
}

static void
diff_one(diff_ctx *c, const char *src, size_t line, size_t field, const char *text, size_t len)
{
	static char row[DIFF_ROW_MAX], want[DIFF_ROW_MAX];

	diff_format(c, src, line, field, text, len, row, sizeof(row));
	c->rows++;
	if (c->rec) {
		fputs(row, c->rec);
		return;
	}
	if (fgets(want, sizeof(want), c->want) == NULL) {
		cr_expect_fail("expected file ends before %s", row);
		c->mismatches++;
		return;
	}
	if (strcmp(row, want) != 0) {
		c->mismatches++;
		if (c->mismatches <= 20)
			cr_expect_fail("text \"%.*s\"\n got:  %s want: %s", (int)len, text, row, want);
	}
}

static void
diff_collect_words(diff_ctx *c, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && c->n_words < DIFF_WORDS_MAX) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		size_t a = i;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		if (i > a && i - a < DIFF_WORD_MAX) {
			memcpy(c->words[c->n_words], s + a, i - a);
			c->words[c->n_words][i - a] = '\0';
			c->n_words++;
		}
	}
}

static void
diff_file(diff_ctx *c, const char *rel)
{
	static char line[DIFF_LINE_MAX];
	char path[4096];
	const char *root = getenv("CXTAPE_SRC");
	size_t no = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root ? root : ".", rel);
	f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open %s (set CXTAPE_SRC to the repository root)", path);
	while (fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\r\n"), field = 1, a = 0;
		no++;
		diff_one(c, rel, no, 0, line, len);   /* the whole line, tabs and all */
		for (size_t i = 0; i <= len && memchr(line, '\t', len) != NULL; i++) {   /* and each field */
			if (i < len && line[i] != '\t')
				continue;
			diff_one(c, rel, no, field++, line + a, i - a);
			a = i + 1;
		}
		diff_collect_words(c, line, len);
	}
	fclose(f);
}

/* Deterministic lines of 1-14 fixture words, some shouted, with chat punctuation. */
static void
diff_synthetic(diff_ctx *c)
{
	static const char *const seps[] = {" ", " ", " ", ", ", "! ", "? ", "... ", " :) ", "!! ", " - "};
	uint64_t x = 0x9E3779B97F4A7C15u;
	char text[DIFF_LINE_MAX];

	if (c->n_words == 0)
		return;
	for (size_t k = 0; k < DIFF_SYNTH; k++) {
		size_t len = 0;
		x = x * 6364136223846793005u + 1442695040888963407u;
		size_t nw = 1 + (size_t)(x >> 33) % 14;
		for (size_t w = 0; w < nw; w++) {
			x = x * 6364136223846793005u + 1442695040888963407u;
			const char *word = c->words[(x >> 33) % c->n_words];
			const char *sep = seps[(x >> 20) % (sizeof(seps) / sizeof(seps[0]))];
			int upper = (x >> 10) % 9 == 0;
			for (size_t j = 0; word[j] && len < sizeof(text) - 8; j++) {
				char ch = word[j];
				text[len++] = upper && ch >= 'a' && ch <= 'z' ? (char)(ch - 32) : ch;
			}
			for (size_t j = 0; sep[j] && len < sizeof(text) - 8 && w + 1 < nw; j++)
				text[len++] = sep[j];
		}
		diff_one(c, "synthetic", k + 1, 0, text, len);
	}
}

Test(text_diff, every_fixture_line_scores_as_recorded_before_the_speed_work)
{
	lc_err err = LC_ERR_INIT;
	diff_ctx c = {0};
	char path[4096];
	const char *root = getenv("CXTAPE_SRC");
	const char *record = getenv("CXTAPE_DIFF_RECORD");

	cr_assert_eq(an_lexicon_load_default(&c.lx, &err), LC_OK, "%s", lc_err_text(&err));
	cr_assert_eq(an_rules_load_default(&c.r, &err), LC_OK, "%s", lc_err_text(&err));
	c.words = calloc(DIFF_WORDS_MAX, sizeof(*c.words));
	cr_assert_not_null(c.words);
	snprintf(path, sizeof(path), "%s/fixtures/analyze/text_diff_expected.txt", root ? root : ".");
	if (record != NULL && strcmp(record, "1") == 0) {
		c.rec = fopen(path, "w");
		cr_assert_not_null(c.rec, "cannot write %s", path);
	} else {
		c.want = fopen(path, "r");
		cr_assert_not_null(c.want, "cannot open %s (set CXTAPE_SRC to the repository root)", path);
	}
	for (size_t i = 0; i < sizeof(diff_sources) / sizeof(diff_sources[0]); i++)
		diff_file(&c, diff_sources[i]);
	diff_synthetic(&c);
	if (c.want) {
		char extra[64];
		cr_expect_null(fgets(extra, sizeof(extra), c.want), "expected file has more rows than %zu",
		    c.rows);
		fclose(c.want);
	} else {
		fclose(c.rec);
	}
	cr_expect_eq(c.mismatches, 0, "%zu of %zu rows differ", c.mismatches, c.rows);
	cr_expect_gt(c.rows, 5000, "only %zu rows scored", c.rows);
	free(c.words);
	an_lexicon_free(c.lx);
	an_rules_free(c.r);
}
