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

static int
bench_parse(const char *const *frames, size_t nf)
{
	lc_json_parser *p = NULL;
	lc_envelope env;
	lc_err err = LC_ERR_INIT;
	size_t n = 0, bad = 0;
	double t0, dt;

	if (lc_json_parser_new(&p, &err) != LC_OK) {
		fprintf(stderr, "bench: %s\n", lc_err_text(&err));
		return 1;
	}
	t0 = now_s();
	do {
		for (int k = 0; k < 1000; k++, n++) {
			const char *f = frames[n % nf];
			if (lc_json_envelope_parse(p, f, strlen(f), &env) != LC_OK)
				bad++;
		}
		dt = now_s() - t0;
	} while (dt < BENCH_SECONDS);
	printf("parse envelope              %10.0f frames/s  %7.3f us/frame  (%zu frames, %.2f s)\n",
	    (double)n / dt, dt / (double)n * 1e6, n, dt);
	lc_json_parser_free(p);
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
	rc |= bench_parse(clean_frames, 4);
	return rc;
}
