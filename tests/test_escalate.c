/* SPDX-License-Identifier: MIT */
/* Tests for an_escalate: default phrasings, guards, all-trigger reports, spans, rules files, F1. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "an_escalate.h"

static an_rules *
load_default(void)
{
	lc_err err = LC_ERR_INIT;
	an_rules *r = NULL;

	cr_assert_eq(an_rules_load_default(&r, &err), LC_OK, "%s", lc_err_text(&err));
	cr_assert_not_null(r);
	return r;
}

/* The triggers that fire in text, comma-joined in report order ("" for none). */
static void
fired(const an_rules *r, const char *text, char *buf, size_t cap)
{
	an_match m[AN_TRIGGERS_MAX];
	size_t n = an_escalate_scan(r, text, strlen(text), m, AN_TRIGGERS_MAX);

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		strncat(buf, i ? "," : "", cap - strlen(buf) - 1);
		strncat(buf, m[i].trigger, cap - strlen(buf) - 1);
	}
}

static void
expect(const an_rules *r, const char *text, const char *want)
{
	char got[256];

	fired(r, text, got, sizeof(got));
	cr_expect_str_eq(got, want, "\"%s\": fired [%s], expected [%s]", text, got, want);
}

Test(escalate, default_rules_declare_legal_complaint_urgent)
{
	an_rules *r = load_default();

	cr_assert_eq(an_rules_trigger_count(r), 3);
	cr_expect_str_eq(an_rules_trigger_name(r, 0), "legal");
	cr_expect_str_eq(an_rules_trigger_name(r, 1), "complaint");
	cr_expect_str_eq(an_rules_trigger_name(r, 2), "urgent");
	cr_expect_null(an_rules_trigger_name(r, 3));
	an_rules_free(r);
}

Test(escalate, each_default_legal_phrasing_fires)
{
	static const char *const texts[] = {
		"I will call my lawyer", "talk to an attorney", "my solicitor will write",
		"I am going to sue you", "we are suing", "see you in court", "taking this to court",
		"I'm reporting you to the regulator", "writing to the ombudsman", "I will take legal action",
		"legal action follows", "a lawsuit is coming", "small claims it is", "Lawyers are involved",
	};
	an_rules *r = load_default();

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		expect(r, texts[i], "legal");
	an_rules_free(r);
}

Test(escalate, each_default_complaint_phrasing_fires)
{
	static const char *const texts[] = {
		"get me a supervisor", "I want your manager", "speak to the team leader",
		"put me through to someone in charge", "who is in charge here", "I want to make a complaint",
		"I am not satisfied", "please escalate this", "your team lead please", "Managers only",
	};
	an_rules *r = load_default();

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		expect(r, texts[i], "complaint");
	an_rules_free(r);
}

Test(escalate, each_default_urgent_phrasing_fires)
{
	static const char *const texts[] = {
		"this is urgent", "it's an emergency", "reply asap", "block the card immediately",
		"I need it right now", "there is fraud on my account", "my account was hacked",
		"URGENT!!!", "help me urgently", "as soon as possible please", "unauthorized charges again",
	};
	an_rules *r = load_default();

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		expect(r, texts[i], "urgent");
	an_rules_free(r);
}

Test(escalate, guards_keep_hard_negatives_quiet)
{
	static const char *const texts[] = {
		"my manager asked me to contact you", "My manager approved the order",
		"I need to change my legal name", "is there an urgent delivery option",
		"this is not urgent", "it isn't urgent at all", "It's not an emergency",
		"update my emergency contact", "Sue from billing said hi", "Thanks, Sue was great",
		"I'm a lawyer and cannot log in", "I'm at work right now", "the password manager crashed",
		"no complaints, thanks", "do you have fraud protection", "pursue the refund please",
		"the pressure regulator is missing", "I was charged immediately after signing up",
	};
	an_rules *r = load_default();

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		expect(r, texts[i], "");
	an_rules_free(r);
}

Test(escalate, phrasing_families_beyond_the_keywords_fire)
{
	an_rules *r = load_default();

	expect(r, "that's a breach of the Consumer Rights Act", "legal");
	expect(r, "I'm reporting this GDPR breach to the ICO", "legal");
	expect(r, "you are legally obliged to refund me", "legal");
	expect(r, "my solictor will call", "legal");
	expect(r, "I want to complain about the engineer", "complaint");
	expect(r, "I'll be leaving a one star review", "complaint");
	expect(r, "I'll raise a chargeback with my bank", "complaint");
	expect(r, "I'm going to the press", "complaint");
	expect(r, "can someone with more authority look at this", "complaint");
	expect(r, "I have no heating and a newborn", "urgent");
	expect(r, "there's a gas smell in the hall", "urgent");
	expect(r, "my phone was stolen", "urgent");
	expect(r, "it needs to be sorted today or I lose my deposit", "urgent");
	expect(r, "I'm locked out and the baby is inside", "urgent");
	an_rules_free(r);
}

Test(escalate, guards_keep_new_hard_negatives_quiet)
{
	static const char *const texts[] = {
		"I hold power of attorney for my mum", "I was sued by a landlord years ago",
		"I'll be in court for jury service", "are you legally required to keep this",
		"my previous complaint was resolved", "please escalate my thanks to her",
		"my urgent order arrived", "ASAP isn't necessary", "if it were urgent I would call",
		"do you have my address on record", "I left a five star review on Trustpilot",
		"I don't want to complain", "can't wait to try it", "no need to put it in writing",
		"the flooding last winter is fixed", "is there a number for a gas leak",
	};
	an_rules *r = load_default();

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		expect(r, texts[i], "");
	an_rules_free(r);
}

Test(escalate, every_trigger_is_reported_highest_priority_first)
{
	an_rules *r = load_default();
	const char *t = "This is urgent: get me a manager or my lawyer will hear of it";
	an_match m[AN_TRIGGERS_MAX];
	size_t n = an_escalate_scan(r, t, strlen(t), m, AN_TRIGGERS_MAX);

	cr_assert_eq(n, 3);
	cr_expect_str_eq(m[0].trigger, "legal");
	cr_expect_str_eq(m[1].trigger, "complaint");
	cr_expect_str_eq(m[2].trigger, "urgent");
	cr_expect_gt(m[0].priority, m[1].priority);
	cr_expect_gt(m[1].priority, m[2].priority);
	an_rules_free(r);
}

Test(escalate, complaint_filed_is_reported_as_legal_and_complaint)
{
	an_rules *r = load_default();

	expect(r, "I have a complaint filed with you", "legal,complaint");
	an_rules_free(r);
}

Test(escalate, spans_are_exact_byte_offsets_of_the_first_match)
{
	an_rules *r = load_default();
	const char *t = "I will call my lawyer asap, my LAWYER!";
	an_match m[4];
	size_t n = an_escalate_scan(r, t, strlen(t), m, 4);

	cr_assert_eq(n, 2);
	cr_expect_str_eq(m[0].trigger, "legal");
	cr_expect_eq(m[0].start, 12);
	cr_expect_eq(m[0].end, 21);
	cr_expect_str_eq(m[1].trigger, "urgent");
	cr_expect_eq(m[1].start, 22);
	cr_expect_eq(m[1].end, 26);
	/* Multi-byte text before the match: offsets count bytes. */
	t = "caf\xc3\xa9 \xe2\x80\x94 see you in court";
	n = an_escalate_scan(r, t, strlen(t), m, 4);
	cr_assert_eq(n, 1);
	cr_expect_eq(m[0].start, 18);
	cr_expect_eq(m[0].end, 26);
	cr_expect_eq(memcmp(t + m[0].start, "in court", 8), 0);
	an_rules_free(r);
}

Test(escalate, matches_whole_words_only_and_ignore_case)
{
	an_rules *r = load_default();

	expect(r, "PURSUE it", "");
	expect(r, "emergencyroom", "");
	expect(r, "nonurgent", "");
	expect(r, "SUPERVISORS!", "complaint");
	expect(r, "I\xe2\x80\x99m going to SUE", "legal");
	an_rules_free(r);
}

Test(escalate, phrases_do_not_cross_punctuation)
{
	an_rules *r = load_default();

	expect(r, "that is legal. action movies are fun", "");
	expect(r, "that is legal action", "legal");
	an_rules_free(r);
}

Test(escalate, max_limits_what_is_written_not_the_count)
{
	an_rules *r = load_default();
	const char *t = "urgent, get a supervisor, my attorney says so";
	an_match m[2] = {{NULL, 0, 0, 0}, {"sentinel", -7, 9, 9}};

	cr_expect_eq(an_escalate_scan(r, t, strlen(t), m, 1), 3);
	cr_expect_str_eq(m[0].trigger, "legal");
	cr_expect_str_eq(m[1].trigger, "sentinel");
	cr_expect_eq(an_escalate_scan(r, t, strlen(t), NULL, 0), 3);
	an_rules_free(r);
}

Test(escalate, a_trigger_far_into_a_long_message_is_found)
{
	an_rules *r = load_default();
	size_t words = 20000, len = 0;
	char *t = malloc(words * 5 + 64);
	an_match m[1];

	cr_assert_not_null(t);
	for (size_t i = 0; i < words; i++)
		len += (size_t)sprintf(t + len, "%s ", i % 2 ? "blah" : "my");
	len += (size_t)sprintf(t + len, "manager asked, then my solicitor");
	cr_assert_eq(an_escalate_scan(r, t, len, m, 1), 1);
	cr_expect_str_eq(m[0].trigger, "legal");
	cr_expect_eq(memcmp(t + m[0].start, "my solicitor", 12), 0);
	free(t);
	an_rules_free(r);
}

Test(escalate, user_trigger_from_a_file_joins_the_defaults)
{
	char path[] = "/tmp/cxtape-rules-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "# mine\ninclude default\ntrigger cancel 25\n"
	    "phrase cancel \"cancel my account\" \"clos* my account\"\nguard not-after \"don t\"\n";
	lc_err err = LC_ERR_INIT;
	an_rules *r = NULL;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cr_assert_eq(an_rules_load_file(path, &r, &err), LC_OK, "%s", lc_err_text(&err));
	unlink(path);
	cr_expect_eq(an_rules_trigger_count(r), 4);
	expect(r, "Cancel my account or I call my lawyer, manager!", "legal,cancel,complaint");
	expect(r, "I am closing my account", "cancel");
	expect(r, "don't close my account", "");
	an_rules_free(r);
}

static an_rules *
parse_rules(const char *text)
{
	lc_err err = LC_ERR_INIT;
	an_rules *r = NULL;

	cr_assert_eq(an_rules_parse(text, strlen(text), "test.rules", &r, &err), LC_OK, "%s",
	    lc_err_text(&err));
	return r;
}

/*
 * Words are cut and hashed 8 bytes at a time: a word of every length from 1 to
 * 24 must match as a whole word, in any case, at the end of the text, before
 * any separator, and not as part of a longer word. A stem of every length
 * matches the words it starts and no word shorter than it.
 */
Test(escalate, words_of_every_length_match_across_chunk_boundaries)
{
	static const char seps[] = " .,!?;:\n-/'\"(";
	char rules[4096], word[32], text[128], stem_word[40];
	size_t len = 0;
	an_rules *r;

	len += (size_t)snprintf(rules + len, sizeof(rules) - len, "trigger w 1\ntrigger s 2\n");
	for (size_t n = 1; n <= 24; n++) {
		for (size_t k = 0; k < n; k++)
			word[k] = (char)('a' + (n + k) % 26);
		word[n] = '\0';
		len += (size_t)snprintf(rules + len, sizeof(rules) - len, "phrase w \"%s\"\n", word);
		len += (size_t)snprintf(rules + len, sizeof(rules) - len, "phrase s \"q%s*\"\n", word);
	}
	r = parse_rules(rules);
	for (size_t n = 1; n <= 24; n++) {
		char upper[32];
		for (size_t k = 0; k < n; k++) {
			word[k] = (char)('a' + (n + k) % 26);
			upper[k] = (char)(word[k] - 32);
		}
		word[n] = upper[n] = '\0';
		snprintf(text, sizeof(text), "x %s", word);
		expect(r, text, "w");
		snprintf(text, sizeof(text), "%s", upper);
		expect(r, text, "w");
		for (const char *c = seps; *c; c++) {
			snprintf(text, sizeof(text), "ok%c%s%cok", *c, word, *c);
			expect(r, text, "w");
		}
		snprintf(text, sizeof(text), "%sz and z%s and %s9", word, word, word);
		expect(r, text, "");
		/* The stem q<word>*: the word itself, longer words, not shorter ones. */
		snprintf(stem_word, sizeof(stem_word), "Q%sxyz", word);
		expect(r, stem_word, "s");
		snprintf(text, sizeof(text), "a q%s", word);
		expect(r, text, "s");
		stem_word[n] = '\0';   /* q and n - 1 bytes of the word: one short */
		expect(r, stem_word, "");
	}
	an_rules_free(r);
}

/* Bytes >= 0x80 are word bytes, except the curly quotes U+2018 and U+2019, which separate. */
Test(escalate, multibyte_letters_join_words_and_curly_quotes_split_them)
{
	an_rules *r = parse_rules("trigger t 1\nphrase t \"caf\xc3\xa9 cr\xc3\xa8me\" \"won t\" "
	    "\"dash\xe2\x80\x94word\"\n");

	expect(r, "the CAF\xc3\xa9 cr\xc3\xa8me", "t");
	expect(r, "the caf\xc3\xa9" "cr\xc3\xa8me", "");
	expect(r, "I won\xe2\x80\x99t", "t");
	expect(r, "I \xe2\x80\x98won\xe2\x80\x99t\xe2\x80\x99", "t");
	expect(r, "a dash\xe2\x80\x94word here", "t");       /* an em dash is part of the word */
	expect(r, "a dash\xe2\x80\x94words here", "");
	expect(r, "a dash\xe2\x80\x99word here", "");        /* a quote is not */
	an_rules_free(r);
}

/*
 * Long texts are cut in windows: guards that look back, and phrases that look
 * ahead, must see the same words wherever the window boundary falls.
 */
Test(escalate, guards_and_phrases_see_across_the_scan_window)
{
	an_rules *r = parse_rules("trigger t 1\nphrase t \"big deal here now\"\n"
	    "guard not-after 8 \"no*\"\nguard not-before 8 \"ok\"\n");

	static const char *const cases[][2] = {
		{"big deal here now", "t"},
		{"nope x x x x x x x big deal here now", ""},
		{"nope x x x x x x x x big deal here now", "t"},
		{"big deal here now x x x x x x x ok", ""},
		{"big deal here now x x x x x x x x ok", "t"},
		{"big deal here, now", ""},
	};

	/* Every start position up to 300 words in, with 200 words after: windows slide past each. */
	for (size_t pad = 0; pad < 300; pad++)
		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			char *text = malloc(pad * 2 + 64 + 400);
			size_t len = 0;
			cr_assert_not_null(text);
			for (size_t i = 0; i < pad; i++)
				len += (size_t)sprintf(text + len, "a ");
			len += (size_t)sprintf(text + len, "%s", cases[c][0]);
			for (size_t i = 0; i < 200; i++)
				len += (size_t)sprintf(text + len, " b");
			expect(r, text, cases[c][1]);
			free(text);
		}
	an_rules_free(r);
}

static void
expect_parse_error(const char *text, const char *want_prefix, const char *want_part)
{
	lc_err err = LC_ERR_INIT;
	an_rules *r = (an_rules *)1;

	cr_expect_eq(an_rules_parse(text, strlen(text), "my.rules", &r, &err), LC_ECONFIG, "%s", text);
	cr_expect_null(r);
	cr_expect_eq(strncmp(lc_err_text(&err), want_prefix, strlen(want_prefix)), 0,
	    "\"%s\" does not start with %s", lc_err_text(&err), want_prefix);
	cr_expect_not_null(strstr(lc_err_text(&err), want_part), "\"%s\" lacks \"%s\"",
	    lc_err_text(&err), want_part);
}

Test(escalate, parse_errors_name_the_file_and_line)
{
	expect_parse_error("trigger a 1\nphrase b \"x\"\n", "my.rules:2:", "unknown trigger \"b\"");
	expect_parse_error("# c\n\nguard not-after \"x\"\n", "my.rules:3:", "guard before any phrase");
	expect_parse_error("trigger a 1\nphrase a \"open\n", "my.rules:2:", "unterminated quote");
	expect_parse_error("trigger a 1\ntrigger a 2\n", "my.rules:2:", "already declared (line 1");
	expect_parse_error("trigger a 1001\n", "my.rules:1:", "priority");
	expect_parse_error("trigger Big 1\n", "my.rules:1:", "lowercase");
	expect_parse_error("trigger a 1\nphrase a \"su*e\"\n", "my.rules:2:", "* may only end a word");
	expect_parse_error("trigger a 1\nphrase a \"1 2 3 4 5 6 7 8 9\"\n", "my.rules:2:", "more than 8 words");
	expect_parse_error("trigger a 1\nphrase a \"a.b\"\n", "my.rules:2:", "only words");
	expect_parse_error("trigger a 1\nphrase a \"  \"\n", "my.rules:2:", "empty phrase");
	expect_parse_error("trigger a 1\nphrase a bare\n", "my.rules:2:", "double quotes");
	expect_parse_error("trigger a 1\nphrase a \"x\"\nguard not-after 9 \"y\"\n", "my.rules:3:", "1 to 8");
	expect_parse_error("trigger a 1\nphrase a \"x\"\nguard sideways \"y\"\n", "my.rules:3:", "unknown guard");
	expect_parse_error("\n\n\nfrobnicate\n", "my.rules:4:", "unknown keyword \"frobnicate\"");
	expect_parse_error("include default\ninclude default\n", "my.rules:2:", "already included");
	expect_parse_error("include default\ntrigger legal 3\n", "my.rules:2:", "default rules");
}

Test(escalate, missing_rules_file_is_a_config_error_naming_the_path)
{
	lc_err err = LC_ERR_INIT;
	an_rules *r = NULL;

	cr_expect_eq(an_rules_load_file("/nonexistent/x.rules", &r, &err), LC_ECONFIG);
	cr_expect_null(r);
	cr_expect_not_null(strstr(lc_err_text(&err), "/nonexistent/x.rules"));
}

Test(escalate, empty_rules_fire_nothing_and_free_accepts_null)
{
	lc_err err = LC_ERR_INIT;
	an_rules *r = NULL;
	an_match m[1];

	cr_assert_eq(an_rules_parse("", 0, "empty", &r, &err), LC_OK);
	cr_expect_eq(an_escalate_scan(r, "urgent lawyer", 13, m, 1), 0);
	an_rules_free(r);
	an_rules_free(NULL);
}

Test(escalate, arbitrary_bytes_never_yield_spans_outside_the_text)
{
	an_rules *r = load_default();
	unsigned seed = 12345;
	char buf[128];
	an_match m[AN_TRIGGERS_MAX];
	static const char *const words[] = {"lawyer", "\xff", "my", "\xe2\x80", "urgent", "\0", ".",
	    "\xe2\x80\x99", "manager", " ", "SUE", "\xc3"};

	for (int round = 0; round < 2000; round++) {
		size_t len = 0, n;
		while (len < sizeof(buf) - 16) {
			const char *w;
			seed = seed * 1103515245u + 12345u;
			w = words[(seed >> 16) % 12];
			memcpy(buf + len, w, w[0] ? strlen(w) : 1);
			len += w[0] ? strlen(w) : 1;
		}
		n = an_escalate_scan(r, buf, len, m, AN_TRIGGERS_MAX);
		cr_assert_leq(n, 3);
		for (size_t k = 0; k < n; k++)
			cr_assert(m[k].start < m[k].end && m[k].end <= len);
	}
	an_rules_free(r);
}

typedef struct worker {
	const an_rules *r;
	int mismatches;
} worker;

static const char *const thread_texts[] = {
	"I will call my lawyer asap", "my manager asked me to call", "get me a supervisor now",
	"this is urgent and I am not satisfied", "see you in court, and fraud!", "thanks, all good",
};

static void *
worker_run(void *arg)
{
	worker *w = arg;
	an_match want[6][AN_TRIGGERS_MAX], got[AN_TRIGGERS_MAX];
	size_t nwant[6];

	for (int i = 0; i < 6; i++)
		nwant[i] = an_escalate_scan(w->r, thread_texts[i], strlen(thread_texts[i]), want[i],
		    AN_TRIGGERS_MAX);
	for (int round = 0; round < 20000; round++) {
		int i = round % 6;
		size_t n = an_escalate_scan(w->r, thread_texts[i], strlen(thread_texts[i]), got,
		    AN_TRIGGERS_MAX);
		if (n != nwant[i] || memcmp(got, want[i], n * sizeof(got[0])) != 0)
			w->mismatches++;
	}
	return NULL;
}

Test(escalate, threads_share_one_rules_set)
{
	an_rules *r = load_default();
	pthread_t th[4];
	worker w[4];

	for (int i = 0; i < 4; i++) {
		w[i] = (worker){r, 0};
		cr_assert_eq(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		cr_expect_eq(w[i].mismatches, 0, "thread %d saw %d different answers", i, w[i].mismatches);
	}
	an_rules_free(r);
}

/* ---- the labelled, development and blind test sets: per-trigger and overall F1 ---- */

/*
 * Floors for the development set (fixtures/escalation/heldout.tsv), each a little under what the
 * default rules score on it since they were tuned on it (legal 1.000, complaint 0.970, urgent
 * 0.923, overall 0.968). When the file was still held out the rules scored 0.825, 0.539, 0.462
 * and 0.624 on it (on its old, broader complaint labels).
 */
#define DEV_FLOOR_LEGAL     0.95
#define DEV_FLOOR_COMPLAINT 0.92
#define DEV_FLOOR_URGENT    0.87
#define DEV_FLOOR_OVERALL   0.92

typedef struct counts {
	char name[32];
	int tp, fp, fn;
} counts;

static int
has_label(const char *labels, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = labels; *p;) {
		size_t k = strcspn(p, ",");
		if (k == n && strncmp(p, name, n) == 0)
			return 1;
		p += k + (p[k] == ',');
	}
	return 0;
}

static double
f1(int tp, int fp, int fn)
{
	return tp + fp + fn == 0 ? 1.0 : 2.0 * tp / (2.0 * tp + fp + fn);
}

/*
 * Scores the default rules on one labelled file (path under CXTAPE_SRC) into c[3], one counts per
 * trigger; returns the number of scored lines. With show_misses, each line whose fired triggers
 * differ from its labels goes to stderr.
 */
static int
score_file(const an_rules *r, const char *rel, counts c[3], int show_misses)
{
	const char *src = getenv("CXTAPE_SRC");
	char path[4096], line[2048];
	int lines = 0;
	FILE *fp_in;

	snprintf(path, sizeof(path), "%s/%s", src ? src : ".", rel);
	fp_in = fopen(path, "r");
	cr_assert_not_null(fp_in, "cannot open %s (set CXTAPE_SRC to the repo root)", path);
	while (fgets(line, sizeof(line), fp_in)) {
		char *tab = strchr(line, '\t'), got[256];
		int miss = 0;
		if (line[0] == '#' || tab == NULL)
			continue;
		*tab = '\0';
		tab[1 + strcspn(tab + 1, "\r\n")] = '\0';
		fired(r, tab + 1, got, sizeof(got));
		lines++;
		for (int k = 0; k < 3; k++) {
			int want = has_label(line, c[k].name), have = has_label(got, c[k].name);
			c[k].tp += want && have;
			c[k].fp += !want && have;
			c[k].fn += want && !have;
			miss |= want != have;
		}
		if (show_misses && miss)
			fprintf(stderr, "  miss: labelled [%s] fired [%s]: %s\n", line, got, tab + 1);
	}
	fclose(fp_in);
	return lines;
}

/*
 * Score one set with the default rules and hold each trigger's F1 and the overall F1 to
 * floors {legal, complaint, urgent, overall}; print the figures (and the misses when asked)
 * under `label`. At least min_lines labelled lines must be read.
 */
static void
check_set(const char *rel, const char *label, const double floor_of[4], int min_lines,
    int show_misses)
{
	an_rules *r = load_default();
	counts c[3] = {{"legal", 0, 0, 0}, {"complaint", 0, 0, 0}, {"urgent", 0, 0, 0}};
	int lines, tp = 0, fp = 0, fn = 0;

	lines = score_file(r, rel, c, show_misses);
	cr_assert_geq(lines, min_lines, "%s has only %d lines", rel, lines);
	for (int k = 0; k < 3; k++) {
		double f = f1(c[k].tp, c[k].fp, c[k].fn);
		fprintf(stderr, "%s F1 %-9s %.4f (tp %d fp %d fn %d)\n", label, c[k].name, f, c[k].tp,
		    c[k].fp, c[k].fn);
		cr_expect_geq(f, floor_of[k], "%s %s F1 %.4f is under %.2f", label, c[k].name, f,
		    floor_of[k]);
		tp += c[k].tp;
		fp += c[k].fp;
		fn += c[k].fn;
	}
	fprintf(stderr, "%s F1 overall   %.4f over %d lines\n", label, f1(tp, fp, fn), lines);
	cr_expect_geq(f1(tp, fp, fn), floor_of[3], "%s overall F1 %.4f is under %.2f", label,
	    f1(tp, fp, fn), floor_of[3]);
	an_rules_free(r);
}

Test(escalate, labelled_set_scores_f1_of_at_least_0_95)
{
	static const double floor_of[4] = {0.95, 0.95, 0.95, 0.95};

	check_set("fixtures/escalation/labelled.tsv", "escalation", floor_of, 300, 1);
}

/*
 * The development set (fixtures/escalation/heldout.tsv) was written blind and first used as a
 * held-out set; relabelled to the labelling guide of test.tsv, it is now used for tuning together
 * with labelled.tsv, so its F1 is no longer an honest figure for unseen chat (test.tsv gives
 * that). The floors sit just under today's scores (see docs/escalation-rules.md);
 * they catch a rules change that undoes the tuning, and must not be met by editing the set.
 */
Test(escalate, dev_set_scores_f1_above_its_floor)
{
	static const double floor_of[4] = {DEV_FLOOR_LEGAL, DEV_FLOOR_COMPLAINT, DEV_FLOOR_URGENT,
	    DEV_FLOOR_OVERALL};

	check_set("fixtures/escalation/heldout.tsv", "dev", floor_of, 150, 1);
}

/*
 * Floors for the blind test set, each about 0.05 under what the default rules scored the one time
 * they were run on it, after the rules had been tuned and committed: legal 0.872, complaint 0.765,
 * urgent 0.745, overall 0.795 (see docs/escalation-rules.md).
 */
#define BLIND_FLOOR_LEGAL     0.82
#define BLIND_FLOOR_COMPLAINT 0.71
#define BLIND_FLOOR_URGENT    0.69
#define BLIND_FLOOR_OVERALL   0.74

/*
 * The blind test set (fixtures/escalation/test.tsv) was written without reading the rules, the
 * tests or the other sets, with the labelling guide in its header. It is never used for tuning,
 * so its F1 is the honest figure for unseen chat; the test prints the figures but not the misses
 * (reading them to adjust the rules would spend the set). A rules change that lowers it below a
 * floor has made unseen chat worse.
 */
Test(escalate, blind_test_set_scores_f1_above_its_floor)
{
	static const double floor_of[4] = {BLIND_FLOOR_LEGAL, BLIND_FLOOR_COMPLAINT,
	    BLIND_FLOOR_URGENT, BLIND_FLOOR_OVERALL};

	check_set("fixtures/escalation/test.tsv", "blind", floor_of, 250, 0);
}
