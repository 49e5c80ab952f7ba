/* SPDX-License-Identifier: MIT */
/* bench_common: redaction throughput and chat-envelope parse rate on realistic frames. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lc_json.h"
#include "lc_redact.h"

#define BENCH_SECONDS 0.5

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* This thread's CPU seconds: on a shared machine, time others take is not counted. */
static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const clean_frames[] = {
	"{\"type\":\"message\",\"conversationId\":\"c-8f2a\",\"messageId\":\"m-1001\",\"from\":"
	"{\"type\":\"customer\",\"id\":\"cust-001\"},\"text\":\"I need help with my billing, "
	"the invoice from March was charged twice\",\"timestamp\":1698765432000}",
	"{\"type\":\"routing\",\"conversationId\":\"c-8f2a\",\"skill\":\"billing\",\"queue\":"
	"\"q-7\",\"timestamp\":1698765431000}",
	"{\"type\":\"ack\",\"messageId\":\"m-1002\",\"timestamp\":1698765433120}",
	"{\"type\":\"status\",\"conversationId\":\"c-8f2a\",\"status\":\"ended\",\"timestamp\":"
	"1698765499000}",
};

static const char *const secret_frames[] = {
	"{\"type\":\"message\",\"conversationId\":\"c-8f2a\",\"messageId\":\"m-1003\",\"from\":"
	"{\"type\":\"customer\",\"id\":\"cust-001\"},\"text\":\"my card is 4111 1111 1111 1111, "
	"please refund\",\"timestamp\":1698765432000}",
	"{\"access_token\":\"eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.x9Zq\",\"expires_in\":3600,"
	"\"token_type\":\"Bearer\"}",
};

static int
bench_redact(const lc_redactor *r, const char *const *frames, size_t nf, const char *label)
{
	lc_redact_scratch s;
	cx_event in, out;
	size_t n = 0, bytes = 0;
	double t0, dt;
	int rc = 0;

	lc_redact_scratch_init(&s);
	memset(&in, 0, sizeof(in));
	in.kind = CX_FRAME_IN;
	t0 = now_s();
	do {
		for (int k = 0; k < 1000; k++, n++) {
			in.raw = lc_bytes_str(frames[n % nf]);
			bytes += in.raw.len;
			if (lc_redact_event(r, &in, &out, &s) != LC_OK)
				rc = 1;
		}
		dt = now_s() - t0;
	} while (dt < BENCH_SECONDS);
	printf("redact %-22s %10.0f frames/s  %7.1f MB/s  (%zu frames, %.2f s)\n", label,
	    (double)n / dt, (double)bytes / dt / 1e6, n, dt);
	lc_redact_scratch_free(&s);
	return rc;
}

/* Realistic stream frames, one of each kind the analyzer sees most (PROTOCOL.md section 2). */
static const struct {
	const char *label;
	const char *frame;
} parse_frames[] = {
	{"message with text", "{\"type\":\"message\",\"conversationId\":\"c-8f2a91d0\",\"messageId\":"
	    "\"m-1001\",\"from\":{\"type\":\"customer\",\"id\":\"cust-001\"},\"text\":\"I need help "
	    "with my billing, the invoice from March was charged twice and nobody answered my "
	    "email\",\"timestamp\":1698765432000}"},
	{"message, escapes", "{\"type\":\"message\",\"conversationId\":\"c-8f2a91d0\",\"messageId\":"
	    "\"m-1004\",\"from\":{\"type\":\"agent\",\"id\":\"a-17\"},\"text\":\"Caf\\u00e9 says "
	    "\\\"sorry\\\" \\ud83d\\ude00\\nWe refunded it.\",\"timestamp\":1698765435000}"},
	{"ack", "{\"type\":\"ack\",\"messageId\":\"m-1002\",\"timestamp\":1698765433120}"},
	{"routing", "{\"type\":\"routing\",\"conversationId\":\"c-8f2a91d0\",\"skill\":\"billing\","
	    "\"queue\":\"q-7\",\"timestamp\":1698765431000}"},
	{"error", "{\"type\":\"error\",\"code\":429,\"retryAfter\":2.5,\"messageId\":\"m-1003\"}"},
	{"status", "{\"type\":\"status\",\"conversationId\":\"c-8f2a91d0\",\"status\":\"ended\","
	    "\"timestamp\":1698765499000}"},
};

typedef lc_status (*parse_fn)(lc_json_parser *, const void *, size_t, lc_envelope *);

#define PARSE_ROUNDS 10          /* best of: other work on a shared machine only slows a round */

/* CPU seconds per frame for one frame parsed over and over: the best of PARSE_ROUNDS rounds. */
static double
parse_rate(parse_fn fn, const char *f, size_t *bad)
{
	lc_json_parser *p = NULL;
	lc_envelope env;
	size_t len = strlen(f);
	double best = 0;

	if (lc_json_parser_new(&p, NULL) != LC_OK) {
		(*bad)++;
		return 0;
	}
	for (int r = 0; r < PARSE_ROUNDS; r++) {
		size_t n = 0;
		double t0 = cpu_s(), dt;

		do {
			for (int k = 0; k < 10000; k++, n++)
				if (fn(p, f, len, &env) != LC_OK)
					(*bad)++;
			dt = cpu_s() - t0;
		} while (dt < BENCH_SECONDS / 20);
		if (r == 0 || dt / (double)n < best)
			best = dt / (double)n;
	}
	lc_json_parser_free(p);
	return best;
}

static int
bench_parse(void)
{
	size_t nf = sizeof(parse_frames) / sizeof(parse_frames[0]), bad = 0;
	double sum_old = 0, sum_new = 0;

	printf("parse envelope (CPU us/frame, best of %d) cJSON (old)  one-pass (new)  speed-up\n",
	    PARSE_ROUNDS);
	for (size_t i = 0; i < nf; i++) {
		double o = parse_rate(lc_json_envelope_parse_reference, parse_frames[i].frame, &bad);
		double n = parse_rate(lc_json_envelope_parse, parse_frames[i].frame, &bad);

		sum_old += o;
		sum_new += n;
		printf("  %-28s %10.3f %14.3f %8.1fx  (%zu bytes)\n", parse_frames[i].label, o * 1e6,
		    n * 1e6, o / n, strlen(parse_frames[i].frame));
	}
	printf("  %-28s %10.3f %14.3f %8.1fx  -> %.2fM frames/s new\n", "mean", sum_old / (double)nf * 1e6,
	    sum_new / (double)nf * 1e6, sum_old / sum_new, (double)nf / sum_new / 1e6);
	if (bad)
		fprintf(stderr, "bench: %zu frames failed to parse\n", bad);
	return bad != 0;
}

int
main(void)
{
	static const char key[] = "bench-key-0123456789abcdef-bench";
	lc_redactor *r = NULL;
	lc_err err = LC_ERR_INIT;
	int rc = 0;

	if (lc_redactor_from_key(key, sizeof(key) - 1, 0, &r, &err) != LC_OK) {
		fprintf(stderr, "bench: %s\n", lc_err_text(&err));
		return 1;
	}
	rc |= bench_redact(r, clean_frames, 4, "no secrets");
	rc |= bench_redact(r, secret_frames, 2, "card or token");
	lc_redactor_free(r);
	rc |= bench_parse();
	return rc;
}
