/* SPDX-License-Identifier: MIT */
/* test_sim_peer: an independent Python client shaped like the tutorial completes scenarios against cxsim. */
#include <criterion/criterion.h>

#include "sim_harness.h"

/* Run the peer against a fresh cxsim; its output goes to out (caller-sized). Returns its exit status. */
static int
run_peer(const char *const *sim_args, const char *expect, char *out, size_t outlen)
{
	const char *src = getenv("CXTAPE_SRC");
	char cmd[1024];
	sim_proc sim;
	FILE *p;
	size_t n;
	int st;

	cr_assert_eq(sim_start(&sim, sim_args), 0, "cxsim did not start");
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/tests/peer/tutorial_client.py %s --expect %s "
	         "--timeout 60 2>&1", src ? src : ".", sim.base, expect);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, outlen - 1, p);
	out[n] = 0;
	st = pclose(p);
	cr_assert_eq(sim_stop(&sim), 0, "cxsim did not exit 0 (log: %s)", sim.log);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(sim_peer, tutorial_shaped_python_client_completes_calm_day, .timeout = 90)
{
	const char *src = getenv("CXTAPE_SRC");
	char scen[600], out[1 << 16];
	const char *args[] = {"--scenario", scen, "--time-scale", "0.05", NULL};

	snprintf(scen, sizeof(scen), "%s/fixtures/scenarios/calm-day.json", src ? src : ".");
	cr_assert_eq(run_peer(args, "12", out, sizeof(out)), 0, "peer failed:\n%s", out);
	cr_assert(strstr(out, "PEER OK conversations=12") != NULL, "%s", out);
}

Test(sim_peer, tutorial_shaped_python_client_survives_the_angry_customer, .timeout = 90)
{
	const char *src = getenv("CXTAPE_SRC");
	char scen[600], out[1 << 16];
	const char *args[] = {"--scenario", scen, "--time-scale", "0.05", NULL};
	const char *t;
	int tm = 0;

	snprintf(scen, sizeof(scen), "%s/fixtures/scenarios/angry-customer.json", src ? src : ".");
	cr_assert_eq(run_peer(args, "1", out, sizeof(out)), 0, "peer failed:\n%s", out);
	t = strstr(out, "transcript_messages=");
	cr_assert_not_null(t, "%s", out);
	sscanf(t, "transcript_messages=%d", &tm);
	cr_assert_eq(tm, 6, "the transcript holds the six customer lines: %s", out);
	cr_assert(strstr(out, "ESCALATION TRIGGERED") != NULL, "%s", out);
}
