/* SPDX-License-Identifier: MIT */
/* bench_sim: frames/s that cxsim's burst delivers to a minimal lws client over loopback ws:// and wss://. */
#include "../sim_harness.h"

#define BENCH_FRAMES 100000u

/* One run: start cxsim with the 100k burst, connect, count frames; frames/s or -1. */
static double
bench_once(bool tls)
{
	const char *src = getenv("CXTAPE_SRC"), *build = getenv("CXTAPE_BUILD");
	char scen[600], cert[600], key[600], tok[128];
	const char *plain[] = {"--scenario", scen, "--idle-timeout", "0", NULL};
	const char *secure[] = {"--scenario", scen, "--idle-timeout", "0", "--tls", "--cert", cert, "--key", key, NULL};
	double rate = -1;
	sim_proc sim;
	sim_ws *w;

	snprintf(scen, sizeof(scen), "%s/fixtures/scenarios/burst-100k.json", src ? src : ".");
	snprintf(cert, sizeof(cert), "%s/certs/sim-cert.pem", build ? build : "build");
	snprintf(key, sizeof(key), "%s/certs/sim-key.pem", build ? build : "build");
	if (sim_start(&sim, tls ? secure : plain) != 0) {
		fprintf(stderr, "bench_sim: cxsim did not start\n");
		return -1;
	}
	if (sim_token(&sim, NULL, tok, sizeof(tok)) == 0 && (w = sim_ws_open(&sim, tok, 5000)) != NULL) {
		uint64_t until = sim_now_ms() + 60000;
		w->count_only = true;
		while (w->established && w->count < BENCH_FRAMES && !w->closed && sim_now_ms() < until)
			lws_service(w->ctx, 0);
		if (w->count == BENCH_FRAMES && w->last_ms > w->first_ms)
			rate = (double)(BENCH_FRAMES - 1) * 1000.0 / (double)(w->last_ms - w->first_ms);
		else
			fprintf(stderr, "bench_sim: got %llu of %u frames\n", (unsigned long long)w->count, BENCH_FRAMES);
		sim_ws_close(w);
	}
	sim_stop(&sim);
	return rate;
}

int
main(void)
{
	int status = 0;

	for (int t = 0; t < 2; t++) {
		double best = -1;
		for (int i = 0; i < 3; i++) {
			double r = bench_once(t == 1);
			if (r > best)
				best = r;
		}
		if (best < 0)
			status = 1;
		printf("bench_sim: cxsim burst over %s: %.0f frames/s (best of 3, %u frames, loopback)%s\n",
		       t ? "wss://" : "ws:// ", best, BENCH_FRAMES,
		       t == 0 && best >= 0 && best < 100000 ? "  [below the 100k/s target]" : "");
	}
	return status;
}
