/* SPDX-License-Identifier: MIT */
/* bench_sentiment: messages per second of VADER and chat modes over >= 1,000 distinct chat lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "an_sentiment.h"

#define BENCH_MESSAGES  1000000
#define BENCH_LINES_MAX 4096
#define BENCH_LINE_MAX  256

static const char *const prefixes[] = {"", "hi, ", "ok so ", "Hello. ", "um ", "Right, "};
static const char *const suffixes[] = {"", " thanks", " order 48213", "!!", " :)", " asap"};

typedef struct bench_lines {
	char text[BENCH_LINES_MAX][BENCH_LINE_MAX];
	size_t len[BENCH_LINES_MAX];
	size_t n;
} bench_lines;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The corpus texts (third column) of one fixture file. */
static size_t read_corpus(const char *name, char base[][BENCH_LINE_MAX], size_t n, size_t cap)
{
	const char *src = getenv("CXTAPE_SRC");
	char path[4096], row[1024];

	snprintf(path, sizeof(path), "%s/fixtures/sentiment/%s", src ? src : ".", name);
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "bench_sentiment: cannot open %s; run from the repository root\n", path);
		return n;
	}
	while (n < cap && fgets(row, sizeof(row), f)) {
		char *t = strchr(row, '\t');
		t = t ? strchr(t + 1, '\t') : NULL;
		if (row[0] == '#' || t == NULL)
			continue;
		t[strcspn(t, "\n")] = 0;
		snprintf(base[n++], BENCH_LINE_MAX, "%s", t + 1);
	}
	fclose(f);
	return n;
}

/* Corpus lines crossed with chat prefixes and suffixes: distinct, realistic variants. */
static void make_lines(bench_lines *bl)
{
	static char base[512][BENCH_LINE_MAX];
	size_t nb = read_corpus("train.tsv", base, 0, 512);

	nb = read_corpus("heldout.tsv", base, nb, 512);
	bl->n = 0;
	for (size_t p = 0; p < 6 && bl->n < BENCH_LINES_MAX; p++)
		for (size_t b = 0; b < nb && bl->n < BENCH_LINES_MAX; b++) {
			size_t s = (b + p) % 6;
			int k = snprintf(bl->text[bl->n], BENCH_LINE_MAX, "%s%s%s", prefixes[p], base[b],
			    suffixes[s]);
			if (k > 0 && k < BENCH_LINE_MAX)
				bl->len[bl->n++] = (size_t)k;
		}
}

static void run(const an_lexicon *lx, an_mode mode, const bench_lines *bl)
{
	double sum = 0, t0 = now_s();
	size_t bytes = 0;

	for (size_t i = 0; i < BENCH_MESSAGES; i++) {
		size_t k = i % bl->n;
		an_sentiment s;
		an_sentiment_score(lx, mode, bl->text[k], bl->len[k], &s);
		sum += s.compound;
		bytes += bl->len[k];
	}
	double dt = now_s() - t0;
	printf("sentiment %-5s: %8.0f msgs/s  %6.1f ns/msg  %6.1f MB/s  (%d msgs, %zu distinct, "
	    "mean %.0f bytes, checksum %.4f)\n", mode == AN_MODE_VADER ? "vader" : "chat",
	    BENCH_MESSAGES / dt, dt * 1e9 / BENCH_MESSAGES, (double)bytes / dt / 1e6, BENCH_MESSAGES,
	    bl->n, (double)bytes / BENCH_MESSAGES, sum);
}

int main(void)
{
	static bench_lines bl;
	an_lexicon *lx = NULL;
	lc_err err = LC_ERR_INIT;
	double t0 = now_s();

	if (an_lexicon_load_default(&lx, &err) != LC_OK) {
		fprintf(stderr, "bench_sentiment: %s\n", lc_err_text(&err));
		return 1;
	}
	printf("sentiment lexicon load: %.2f ms\n", (now_s() - t0) * 1e3);
	make_lines(&bl);
	if (bl.n < 1000) {
		fprintf(stderr, "bench_sentiment: only %zu distinct lines (need 1000); is CXTAPE_SRC set?\n",
		    bl.n);
		an_lexicon_free(lx);
		return 1;
	}
	run(lx, AN_MODE_VADER, &bl);
	run(lx, AN_MODE_CHAT, &bl);
	an_lexicon_free(lx);
	return 0;
}
