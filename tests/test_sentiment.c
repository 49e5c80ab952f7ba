/* SPDX-License-Identifier: MIT */
/* Tests for an_sentiment: VADER mode matches the reference oracle; chat mode meets its accuracy bar. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "an_sentiment.h"

static an_lexicon *lex;

static void setup(void)
{
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(an_lexicon_load_default(&lex, &err), LC_OK, "%s", lc_err_text(&err));
}

static void teardown(void)
{
	an_lexicon_free(lex);
	lex = NULL;
}

static FILE *open_fixture(const char *name)
{
	const char *src = getenv("CXTAPE_SRC");
	char path[4096];

	snprintf(path, sizeof(path), "%s/fixtures/sentiment/%s", src ? src : ".", name);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open %s (set CXTAPE_SRC to the repository root)", path);
	return f;
}

static an_sentiment score(an_mode mode, const char *text)
{
	an_sentiment s;

	an_sentiment_score(lex, mode, text, strlen(text), &s);
	return s;
}

/* Every row of an oracle TSV (sentence, neg, neu, pos, compound as Python prints them). */
static size_t check_oracle(const char *name)
{
	FILE *f = open_fixture(name);
	char *line = NULL;
	size_t cap = 0, rows = 0, lineno = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (lineno == 1)
			continue;   /* header */
		if (line[n - 1] == '\n')
			line[--n] = 0;
		char *f1 = strchr(line, '\t');
		cr_assert_not_null(f1, "%s:%zu: no tab", name, lineno);
		*f1++ = 0;
		double want[4];
		char *p = f1;
		for (int k = 0; k < 4; k++) {
			char *end;
			want[k] = strtod(p, &end);
			cr_assert_neq(end, p, "%s:%zu: bad number", name, lineno);
			p = end + (*end == '\t');
		}
		an_sentiment s;
		an_sentiment_score(lex, AN_MODE_VADER, line, strlen(line), &s);
		/* Exact double equality: the value Python prints round-trips to one double. */
		cr_expect(s.neg == want[0] && s.neu == want[1] && s.pos == want[2] &&
		    s.compound == want[3],
		    "%s:%zu: \"%s\": got neg %.17g neu %.17g pos %.17g compound %.17g, "
		    "want %g %g %g %g", name, lineno, line, s.neg, s.neu, s.pos, s.compound,
		    want[0], want[1], want[2], want[3]);
		rows++;
	}
	free(line);
	fclose(f);
	return rows;
}

TestSuite(sentiment, .init = setup, .fini = teardown);

Test(sentiment, vader_mode_matches_every_row_of_the_current_head_oracle)
{
	cr_assert_eq(check_oracle("vader_examples_current_head.tsv"), 43);
}

Test(sentiment, vader_mode_matches_the_reference_on_the_corpus_and_rule_stress_lines)
{
	cr_assert_geq(check_oracle("vader_oracle_extra.tsv"), 700);
}

Test(sentiment, vader_mode_follows_head_where_the_readme_is_out_of_date)
{
	/* README shows 0.0/0.637/0.363 (pre-2018 tokenizer); HEAD prints 0.0/0.678/0.322. */
	an_sentiment s = score(AN_MODE_VADER, "At least it isn't a horrible book.");

	cr_assert_eq(s.neu, 0.678);
	cr_assert_eq(s.pos, 0.322);
	cr_assert_eq(s.compound, 0.431);
}

typedef struct corpus_acc {
	size_t n, ok_chat, ok_vader;
} corpus_acc;

/*
 * Pure-ASCII text takes a fast tokenizer; anything else the general one. A
 * trailing U+00A0 (whitespace to Python, so no token) sends the same text down
 * the general path: both must give the same doubles, in both modes.
 */
static int same_both_paths(const char *text, char *why, size_t cap)
{
	size_t n = strlen(text);
	char *nb = malloc(n + 3);

	cr_assert_not_null(nb);
	memcpy(nb, text, n);
	memcpy(nb + n, "\xc2\xa0", 3);
	for (int m = 0; m < 2; m++) {
		an_mode mode = m ? AN_MODE_CHAT : AN_MODE_VADER;
		an_sentiment a = score(mode, text), b = score(mode, nb);
		if (a.neg != b.neg || a.neu != b.neu || a.pos != b.pos || a.compound != b.compound ||
		    a.label != b.label) {
			snprintf(why, cap, "%s: \"%s\": ascii %.4f/%.3f/%.3f/%.3f, general %.4f/%.3f/%.3f/%.3f",
			    m ? "chat" : "vader", text, a.compound, a.neg, a.neu, a.pos, b.compound, b.neg,
			    b.neu, b.pos);
			free(nb);
			return 0;
		}
	}
	free(nb);
	return 1;
}

static size_t check_paths_on(const char *name, int column)
{
	FILE *f = open_fixture(name);
	char *line = NULL, why[1024];
	size_t cap = 0, rows = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, f)) > 0) {
		char *t = line;
		int ascii = 1;
		if (line[n - 1] == '\n')
			line[--n] = 0;
		if (line[0] == '#' || n == 0)
			continue;
		for (int c = 0; c < column && t != NULL; c++)
			if ((t = strchr(t, '\t')) != NULL)
				t++;
		if (t == NULL)
			continue;
		char *end = strchr(t, '\t');
		if (end != NULL)
			*end = 0;
		for (const char *p = t; *p; p++)
			ascii &= (unsigned char)*p < 0x80;
		if (!ascii)
			continue;
		cr_expect(same_both_paths(t, why, sizeof(why)), "%s: %s", name, why);
		rows++;
	}
	free(line);
	fclose(f);
	return rows;
}

Test(sentiment, ascii_fast_path_agrees_with_the_general_path)
{
	static const char *const stress[] = {
		"", "   ", "!!!", "?", "'", "a", "A", "OK", "ok.", "no!", ":)", ":-(", "<3", "(great)",
		"'great'", "\"GREAT\"!!", "...good...", "don't", "DON'T", "isn't good", "can't stand it",
		"3rd time", "2nd", "21st", "11th", "100", "4417!", "x\ty\nz\rw\vq\fr\x1c" "s\x1dt\x1eu\x1fv",
		"VERY GOOD but bad", "Great, another error.", "thanks for nothing!!!?", "not bad at all",
		"kind of good", "the shit", "kiss of death", "to die for", "broken heart", "yeah right",
		"I waited 3 hours", "waiting for over two hours", "a!b?c'd", "-good-", "--", "'n't",
		"Helloooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooo world",
		"GOOD GOOD good", "no no no", "never so good", "without doubt good", "at least good",
	};
	char why[1024];
	char *big = malloc(2048);

	cr_assert_not_null(big);
	for (size_t i = 0; i < sizeof(stress) / sizeof(stress[0]); i++)
		cr_expect(same_both_paths(stress[i], why, sizeof(why)), "%s", why);
	/* More tokens than are scored, and a text right at the byte cap. */
	size_t len = 0;
	while (len + 7 < 2040)
		len += (size_t)sprintf(big + len, "%s ", len % 3 ? "good" : "NO!");
	cr_expect(same_both_paths(big, why, sizeof(why)), "%s", why);
	free(big);
	size_t rows = check_paths_on("vader_oracle_extra.tsv", 0) +
	    check_paths_on("vader_examples_current_head.tsv", 0) + check_paths_on("train.tsv", 2) +
	    check_paths_on("heldout.tsv", 2);
	cr_assert_geq(rows, 800, "only %zu ASCII lines compared", rows);
}

static an_label parse_label(const char *s)
{
	if (strcmp(s, "positive") == 0)
		return AN_POSITIVE;
	if (strcmp(s, "negative") == 0)
		return AN_NEGATIVE;
	cr_assert_str_eq(s, "neutral", "unknown corpus label '%s'", s);
	return AN_NEUTRAL;
}

static corpus_acc corpus_accuracy(const char *name)
{
	FILE *f = open_fixture(name);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	corpus_acc acc = {0, 0, 0};

	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (line[n - 1] == '\n')
			line[--n] = 0;
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		cr_assert(t1 && t2, "%s: malformed row '%s'", name, line);
		*t1 = 0;
		an_label want = parse_label(line);
		acc.n++;
		acc.ok_chat += score(AN_MODE_CHAT, t2 + 1).label == want;
		acc.ok_vader += score(AN_MODE_VADER, t2 + 1).label == want;
	}
	free(line);
	fclose(f);
	return acc;
}

Test(sentiment, chat_mode_reaches_085_three_class_accuracy_on_the_heldout_third)
{
	corpus_acc a = corpus_accuracy("heldout.tsv");
	double chat = (double)a.ok_chat / (double)a.n, vader = (double)a.ok_vader / (double)a.n;

	printf("sentiment held-out accuracy (%zu lines): chat %.3f, vader %.3f\n", a.n, chat, vader);
	cr_assert_geq(a.n, 100);
	cr_assert_geq(chat, 0.85, "chat held-out accuracy %.3f below 0.85", chat);
}

Test(sentiment, corpus_has_300_lines_roughly_balanced_and_train_accuracy_is_reported)
{
	corpus_acc tr = corpus_accuracy("train.tsv"), ho = corpus_accuracy("heldout.tsv");

	printf("sentiment train accuracy (%zu lines): chat %.3f, vader %.3f\n", tr.n,
	    (double)tr.ok_chat / (double)tr.n, (double)tr.ok_vader / (double)tr.n);
	cr_assert_geq(tr.n + ho.n, 300);
	cr_assert_geq(tr.n, 2 * ho.n - 10, "train should be about two thirds");
}

Test(sentiment, chat_keeps_refund_and_cancellation_requests_neutral)
{
	cr_assert_eq(score(AN_MODE_VADER, "I'd like a refund for order 123").label, AN_POSITIVE);
	cr_assert_eq(score(AN_MODE_CHAT, "I'd like a refund for order 123").label, AN_NEUTRAL);
	cr_assert_eq(score(AN_MODE_CHAT, "Please cancel my subscription").label, AN_NEUTRAL);
	cr_assert_eq(score(AN_MODE_CHAT, "Can you help me with a refund?").label, AN_NEUTRAL);
}

Test(sentiment, chat_scores_waiting_repetition_and_service_failures_negative)
{
	static const char *const lines[] = {
		"waiting for two hours now", "I have been waiting for 45 minutes",
		"this is the third time I'm asking", "I told you three times",
		"still not working", "it still doesn't load", "I was billed twice",
		"the agent hung up on me", "my parcel never arrived", "I'm fed up",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		cr_expect_eq(score(AN_MODE_VADER, lines[i]).label, AN_NEUTRAL,
		    "VADER already sees \"%s\" as non-neutral; pick a harder line", lines[i]);
		cr_expect_eq(score(AN_MODE_CHAT, lines[i]).label, AN_NEGATIVE, "\"%s\"", lines[i]);
	}
}

Test(sentiment, chat_reads_sarcasm_and_thanks_for_nothing)
{
	cr_assert_eq(score(AN_MODE_VADER, "Thanks for nothing").label, AN_POSITIVE);
	cr_assert_eq(score(AN_MODE_CHAT, "Thanks for nothing").label, AN_NEGATIVE);
	cr_assert_eq(score(AN_MODE_CHAT, "great, another error").label, AN_NEGATIVE);
	cr_assert_eq(score(AN_MODE_CHAT, "Oh great, it crashed").label, AN_NEGATIVE);
	cr_assert_eq(score(AN_MODE_CHAT, "wow thanks for the help. not.").label, AN_NEGATIVE);
	/* ...but genuine praise stays positive. */
	cr_assert_eq(score(AN_MODE_CHAT, "Great, thanks, that fixed it!").label, AN_POSITIVE);
	cr_assert_eq(score(AN_MODE_CHAT, "Great, the refund arrived").label, AN_POSITIVE);
}

Test(sentiment, chat_negation_by_a_lexicon_negator_still_applies)
{
	cr_assert_eq(score(AN_MODE_CHAT, "Nobody is helpful here").label, AN_NEGATIVE);
}

Test(sentiment, empty_and_blank_text_score_zero_and_neutral)
{
	static const char *const blanks[] = {"", "   ", "\t\n", "\xc2\xa0\xe3\x80\x80"};

	for (int m = 0; m < 2; m++) {
		for (size_t i = 0; i < sizeof(blanks) / sizeof(blanks[0]); i++) {
			an_sentiment s = score((an_mode)m, blanks[i]);
			cr_assert(s.neg == 0 && s.neu == 0 && s.pos == 0 && s.compound == 0);
			cr_assert_eq(s.label, AN_NEUTRAL);
		}
		an_sentiment s;
		an_sentiment_score(lex, (an_mode)m, NULL, 0, &s);
		cr_assert_eq(s.label, AN_NEUTRAL);
	}
}

Test(sentiment, text_is_read_only_up_to_len_and_nul_bytes_are_ordinary)
{
	/* "good" followed by bytes past len that would make it negative if read. */
	char buf[] = {'g', 'o', 'o', 'd', ' ', 'b', 'a', 'd'};
	an_sentiment s;

	an_sentiment_score(lex, AN_MODE_VADER, buf, 4, &s);
	cr_assert_eq(s.compound, 0.4404);
	/* NUL is not whitespace: "bad\0" is one unknown token, as in Python. */
	an_sentiment_score(lex, AN_MODE_VADER, "bad\0 good", 9, &s);
	cr_assert_eq(s.compound, 0.4404);
	cr_assert_eq(s.neu, 0.256);
}

Test(sentiment, invalid_utf8_is_tolerated)
{
	static const char bad[] = "great \xff\xfe\xc3 service \xe2\x82 \xf0\x9f\x98";
	an_sentiment s;

	for (int m = 0; m < 2; m++) {
		an_sentiment_score(lex, (an_mode)m, bad, sizeof(bad) - 1, &s);
		cr_assert_eq(s.label, AN_POSITIVE);
	}
}

Test(sentiment, long_messages_are_capped_without_reading_past_the_cap)
{
	size_t n = 5 * 200000;
	char *big = malloc(n);

	cr_assert_not_null(big);
	for (size_t i = 0; i < n; i += 5)
		memcpy(big + i, i < AN_SENTIMENT_MAX_BYTES / 2 ? "bad  " : "good ", 5);
	an_sentiment s;
	an_sentiment_score(lex, AN_MODE_CHAT, big, n, &s);
	cr_assert_eq(s.label, AN_NEGATIVE, "only the first %d bytes count", AN_SENTIMENT_MAX_BYTES);
	free(big);
}

Test(sentiment, emoji_are_looked_up_per_code_point)
{
	/* U+1F618 becomes "face blowing a kiss"; with a skin-tone modifier (a second
	 * code point, its own entry) the description of the tone is appended. */
	an_sentiment a = score(AN_MODE_VADER, "\xf0\x9f\x98\x98");
	an_sentiment b = score(AN_MODE_VADER, "\xf0\x9f\x98\x98\xf0\x9f\x8f\xbd");

	cr_assert_eq(a.compound, 0.4215);
	cr_assert_eq(a.pos, 0.483);
	cr_assert_eq(b.compound, 0.4215);
	cr_assert_eq(b.pos, 0.318);
}

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/cxtape-lexXXXXXX");
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

Test(sentiment, lexicon_files_keep_the_last_duplicate_like_a_python_dict)
{
	char *p = write_temp("zorp\t-2.0\t0.5\t[]\nzorp\t3.0\t0.5\t[]\n");
	an_lexicon *lx = NULL;
	lc_err err = LC_ERR_INIT;
	an_sentiment s;

	cr_assert_eq(an_lexicon_load_files(p, NULL, &lx, &err), LC_OK, "%s", lc_err_text(&err));
	an_sentiment_score(lx, AN_MODE_VADER, "zorp", 4, &s);
	cr_assert_eq(s.label, AN_POSITIVE);
	an_lexicon_free(lx);
	unlink(p);
	free(p);
}

Test(sentiment, a_malformed_lexicon_line_is_reported_with_its_number)
{
	char *p = write_temp("good\t1.9\nbroken line without tab\n");
	an_lexicon *lx = NULL;
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(an_lexicon_load_files(p, NULL, &lx, &err), LC_EPARSE);
	cr_assert_null(lx);
	cr_assert(strstr(lc_err_text(&err), "line 2") != NULL, "%s", lc_err_text(&err));
	unlink(p);
	free(p);
	lc_err e2 = LC_ERR_INIT;
	cr_assert_eq(an_lexicon_load_files("/nonexistent/lexicon.txt", NULL, &lx, &e2), LC_ENOTFOUND);
}

typedef struct thread_arg {
	const an_lexicon *lx;
	double sum;
} thread_arg;

static void *score_many(void *p)
{
	thread_arg *a = p;
	static const char *const lines[] = {
		"great service, thanks!", "still not working", "I'd like a refund", "VERY BAD movie!",
	};

	for (int i = 0; i < 2000; i++) {
		an_sentiment s;
		const char *t = lines[i % 4];
		an_sentiment_score(a->lx, (an_mode)(i & 1), t, strlen(t), &s);
		a->sum += s.compound;
	}
	return NULL;
}

Test(sentiment, one_lexicon_is_shared_by_threads_with_identical_results)
{
	thread_arg a[3] = {{lex, 0}, {lex, 0}, {lex, 0}};
	pthread_t th[2];

	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, score_many, &a[i]), 0);
	score_many(&a[2]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	cr_assert_eq(a[0].sum, a[2].sum);
	cr_assert_eq(a[1].sum, a[2].sum);
}

Test(sentiment, labels_have_names)
{
	cr_assert_str_eq(an_label_name(AN_POSITIVE), "positive");
	cr_assert_str_eq(an_label_name(AN_NEUTRAL), "neutral");
	cr_assert_str_eq(an_label_name(AN_NEGATIVE), "negative");
}
