/* SPDX-License-Identifier: MIT */
/* test_sim_scenario: the scenario parser — shipped files load, bad files get errors naming the field. */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "sim_scenario.h"

static sim_scenario *
parse_ok(const char *json)
{
	sim_scenario *sc = NULL;
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(sim_scenario_parse(json, strlen(json), "t.json", &sc, &err), LC_OK, "%s", lc_err_text(&err));
	return sc;
}

static void
parse_fails(const char *json, const char *needle)
{
	sim_scenario *sc = NULL;
	lc_err err = LC_ERR_INIT;

	cr_assert_neq(sim_scenario_parse(json, strlen(json), "t.json", &sc, &err), LC_OK, "accepted %s", json);
	cr_assert_null(sc);
	cr_assert(strstr(lc_err_text(&err), needle) != NULL, "error \"%s\" lacks \"%s\"", lc_err_text(&err), needle);
}

Test(sim_scenario, every_shipped_scenario_parses)
{
	const char *src = getenv("CXTAPE_SRC");
	char pat[600];
	glob_t g;

	snprintf(pat, sizeof(pat), "%s/fixtures/scenarios/*.json", src ? src : ".");
	cr_assert_eq(glob(pat, 0, NULL, &g), 0);
	cr_assert_geq(g.gl_pathc, 5);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		sim_scenario *sc = NULL;
		lc_err err = LC_ERR_INIT;
		cr_expect_eq(sim_scenario_load(g.gl_pathv[i], &sc, &err), LC_OK, "%s", lc_err_text(&err));
		sim_scenario_free(sc);
	}
	globfree(&g);
}

Test(sim_scenario, defaults_fill_what_the_file_leaves_out)
{
	sim_scenario *sc = parse_ok("{\"conversations\":[{\"lines\":[{\"text\":\"hi\"}]}]}");

	cr_assert_str_eq(sc->name, "t.json");
	cr_assert_eq(sc->concurrency, 3);
	cr_assert_float_eq(sc->time_scale, 1.0, 1e-9);
	cr_assert_float_eq(sc->rate_per_s, 10.0, 1e-9);
	cr_assert_float_eq(sc->burst, 20.0, 1e-9);
	cr_assert_str_eq(sc->convs[0].customer, "cust-001");
	cr_assert_str_eq(sc->convs[0].skill, "billing");
	cr_assert_str_eq(sc->convs[0].queue, "q-billing");
	cr_assert_eq(sc->convs[0].lines[0].delay_ms, 1000);
	sim_scenario_free(sc);
}

Test(sim_scenario, faults_parse_with_their_fields)
{
	sim_scenario *sc = parse_ok("{\"faults\":[{\"atMs\":5,\"type\":\"rest429\",\"endpoint\":\"routing\","
	                            "\"count\":3,\"retryAfter\":7},{\"atMs\":9,\"type\":\"burst\"}]}");

	cr_assert_eq(sc->n_faults, 2);
	cr_assert_eq(sc->faults[0].kind, SIM_FAULT_REST_429);
	cr_assert_str_eq(sc->faults[0].endpoint, "routing");
	cr_assert_eq(sc->faults[0].count, 3);
	cr_assert_eq(sc->faults[0].retry_after_s, 7);
	cr_assert_eq(sc->faults[1].kind, SIM_FAULT_BURST);
	cr_assert_eq(sc->faults[1].count, 100000, "a burst defaults to 100k frames");
	sim_scenario_free(sc);
}

Test(sim_scenario, bad_files_are_refused_with_the_field_named)
{
	parse_fails("{\"conversations\":[{\"lines\":[{\"delayMs\":5}]}]}", "conversations[0].lines[0].text");
	parse_fails("{\"conversations\":[{\"arriveMs\":-1}]}", "arriveMs");
	parse_fails("{\"faults\":[{\"type\":\"earthquake\"}]}", "earthquake");
	parse_fails("{\"faults\":[{\"type\":\"rest429\",\"endpoint\":\"billing\"}]}", "endpoint");
	parse_fails("{\"timeScale\":0}", "timeScale");
	parse_fails("{\"generate\":{\"lines\":[5,2]}}", "lines");
	parse_fails("{\"rateLimit\":{\"rate\":0,\"burst\":1}}", "rateLimit");
	parse_fails("[1]", "object");
	parse_fails("{\"name\":", "not valid JSON");
}

Test(sim_scenario, materialize_is_deterministic_in_seed_and_cycle)
{
	sim_scenario *sc = parse_ok("{\"conversations\":[{\"id\":\"c-fixed\",\"arriveMs\":10}],"
	                            "\"generate\":{\"count\":4,\"everyMs\":100,\"skills\":[\"shipping\"]}}");
	sim_conv_spec *a, *b, *c;
	size_t na, nb, nc;
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(sim_scenario_materialize(sc, 7, 0, &a, &na, &err), LC_OK);
	cr_assert_eq(sim_scenario_materialize(sc, 7, 0, &b, &nb, &err), LC_OK);
	cr_assert_eq(sim_scenario_materialize(sc, 7, 1, &c, &nc, &err), LC_OK);
	cr_assert_eq(na, 5);
	cr_assert_eq(a[0].arrive_ms, 0, "sorted by arrival: generated #0 arrives at 0");
	cr_assert_str_eq(a[1].id, "c-fixed", "explicit ids kept in cycle 0");
	for (size_t i = 0; i < na; i++) {
		cr_assert_str_eq(a[i].id, b[i].id);
		cr_assert_eq(a[i].n_lines, b[i].n_lines);
		for (size_t k = 0; k < a[i].n_lines; k++)
			cr_assert_str_eq(a[i].lines[k].text, b[i].lines[k].text);
		cr_assert_str_neq(a[i].id, c[i].id, "a new cycle has fresh ids");
	}
	sim_conv_specs_free(a, na);
	sim_conv_specs_free(b, nb);
	sim_conv_specs_free(c, nc);
	sim_scenario_free(sc);
}

Test(sim_scenario, builtin_calm_day_repeats_with_billing_and_shipping)
{
	sim_scenario *sc = parse_ok(sim_scenario_default_json);

	cr_assert(sc->repeat);
	cr_assert_eq(sc->gen.n_skills, 2);
	cr_assert_str_eq(sc->gen.skills[0], "billing");
	cr_assert_str_eq(sc->gen.skills[1], "shipping");
	sim_scenario_free(sc);
}
