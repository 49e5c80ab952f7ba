/* SPDX-License-Identifier: MIT */
/* test_sim_rest: cxsim's OAuth and REST endpoints, status codes and scopes, over libcurl. */
#include <criterion/criterion.h>

#include "sim_harness.h"

static sim_proc sim;

static void
start_default(void)
{
	const char *args[] = {"--token-ttl", "1", NULL};
	cr_assert_eq(sim_start(&sim, args), 0, "cxsim did not start");
}

static void
stop(void)
{
	cr_assert_eq(sim_stop(&sim), 0, "cxsim did not exit 0 on SIGTERM (log: %s)", sim.log);
}

TestSuite(sim_rest, .init = start_default, .fini = stop);

static long
token_status(const char *body)
{
	sim_resp r;
	long st;

	cr_assert_eq(sim_http(&sim, "POST", "/api/v2/oauth/token", NULL, "application/x-www-form-urlencoded",
	                      body, &r), 0);
	st = r.status;
	sim_resp_free(&r);
	return st;
}

Test(sim_rest, oauth_issues_bearer_token_with_configured_expiry)
{
	sim_resp r;

	cr_assert_eq(sim_http(&sim, "POST", "/api/v2/oauth/token", NULL, "application/x-www-form-urlencoded",
	                      "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret"
	                      "&scope=chat:read%20chat:write", &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "\"expires_in\":1,") != NULL, "%s", r.body);
	cr_assert(strstr(r.body, "\"token_type\":\"Bearer\"") != NULL, "%s", r.body);
	cr_assert(strstr(r.body, "\"scope\":\"chat:read chat:write\"") != NULL, "%s", r.body);
	sim_resp_free(&r);
}

Test(sim_rest, oauth_tokens_are_random_and_distinct)
{
	char a[128], b[128];

	cr_assert_eq(sim_token(&sim, NULL, a, sizeof(a)), 0);
	cr_assert_eq(sim_token(&sim, NULL, b, sizeof(b)), 0);
	cr_assert_eq(strlen(a), 64);
	cr_assert_str_neq(a, b);
}

Test(sim_rest, oauth_refuses_bad_secret_and_unknown_client_with_401)
{
	cr_assert_eq(token_status("grant_type=client_credentials&client_id=demo-client&client_secret=nope"), 401);
	cr_assert_eq(token_status("grant_type=client_credentials&client_id=who&client_secret=demo-secret"), 401);
}

Test(sim_rest, oauth_refuses_bad_grant_type_and_malformed_scope_with_400)
{
	cr_assert_eq(token_status("grant_type=password&client_id=demo-client&client_secret=demo-secret"), 400);
	cr_assert_eq(token_status("client_id=demo-client&client_secret=demo-secret"), 400);
	cr_assert_eq(token_status("grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret"
	                          "&scope=chat:read,chat:write"), 400);
	cr_assert_eq(token_status("grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret"
	                          "&scope=chat:admin"), 400);
}

Test(sim_rest, presence_put_is_stored_and_read_back)
{
	char tok[128];
	sim_resp r;

	cr_assert_eq(sim_token(&sim, "presence:read presence:write", tok, sizeof(tok)), 0);
	cr_assert_eq(sim_http(&sim, "PUT", "/api/v2/presence/users/agent-7", tok, NULL,
	                      "{\"status\":{\"statusName\":\"away\"}}", &r), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	sim_resp_free(&r);
	cr_assert_eq(sim_http(&sim, "GET", "/api/v2/presence/users/agent-7", tok, NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "\"statusName\":\"away\"") != NULL, "%s", r.body);
	sim_resp_free(&r);
}

Test(sim_rest, presence_rejects_unknown_status_and_bad_json_with_json_400)
{
	char tok[128];
	sim_resp r;

	cr_assert_eq(sim_token(&sim, NULL, tok, sizeof(tok)), 0);
	cr_assert_eq(sim_http(&sim, "PUT", "/api/v2/presence/users/agent-1", tok, NULL,
	                      "{\"status\":{\"statusName\":\"sleeping\"}}", &r), 0);
	cr_assert_eq(r.status, 400);
	sim_resp_free(&r);
	cr_assert_eq(sim_http(&sim, "PUT", "/api/v2/presence/users/agent-1", tok, NULL, "{\"status\":", &r), 0);
	cr_assert_eq(r.status, 400);
	cr_assert(strstr(r.body, "\"error\":\"bad_request\"") != NULL, "%s", r.body);
	sim_resp_free(&r);
}

Test(sim_rest, presence_write_needs_its_scope_403)
{
	char tok[128];
	sim_resp r;

	/* the tutorial's scope list: presence:read but no presence:write */
	cr_assert_eq(sim_token(&sim, "chat:read chat:write presence:read routing:read routing:write", tok,
	                       sizeof(tok)), 0);
	cr_assert_eq(sim_http(&sim, "PUT", "/api/v2/presence/users/agent-1", tok, NULL,
	                      "{\"status\":{\"statusName\":\"available\"}}", &r), 0);
	cr_assert_eq(r.status, 403);
	cr_assert(strstr(r.body, "presence:write") != NULL, "%s", r.body);
	sim_resp_free(&r);
}

Test(sim_rest, routing_validates_availability_and_skills)
{
	static const struct { const char *body; long status; } cases[] = {
		{"{\"availability\":0.85,\"skills\":[{\"name\":\"billing\",\"proficiency\":5}]}", 200},
		{"{\"availability\":0,\"skills\":[]}", 200},
		{"{\"availability\":1.5,\"skills\":[]}", 400},
		{"{\"availability\":-0.1,\"skills\":[]}", 400},
		{"{\"availability\":\"0.5\",\"skills\":[]}", 400},
		{"{\"availability\":0.5}", 400},
		{"{\"availability\":0.5,\"skills\":{\"name\":\"billing\"}}", 400},
		{"{\"availability\":0.5,\"skills\":[{\"proficiency\":5}]}", 400},
		{"{\"availability\":0.5,\"skills\":[{\"name\":\"\"}]}", 400},
		{"{\"availability\":0.5,\"skills\":[{\"name\":\"x\",\"proficiency\":11}]}", 400},
	};
	char tok[128];

	cr_assert_eq(sim_token(&sim, NULL, tok, sizeof(tok)), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sim_resp r;
		cr_assert_eq(sim_http(&sim, "PUT", "/api/v2/routing/users/agent-1", tok, NULL, cases[i].body, &r), 0);
		cr_expect_eq(r.status, cases[i].status, "%s -> %ld %s", cases[i].body, r.status, r.body);
		sim_resp_free(&r);
	}
}

Test(sim_rest, missing_unknown_and_expired_tokens_are_401)
{
	char tok[128];
	sim_resp r;

	cr_assert_eq(sim_http(&sim, "PUT", "/api/v2/presence/users/a", NULL, NULL,
	                      "{\"status\":{\"statusName\":\"busy\"}}", &r), 0);
	cr_assert_eq(r.status, 401);
	sim_resp_free(&r);
	cr_assert_eq(sim_http(&sim, "PUT", "/api/v2/presence/users/a", "0123456789abcdef", NULL,
	                      "{\"status\":{\"statusName\":\"busy\"}}", &r), 0);
	cr_assert_eq(r.status, 401);
	sim_resp_free(&r);
	cr_assert_eq(sim_token(&sim, NULL, tok, sizeof(tok)), 0);
	cr_assert_eq(sim_http(&sim, "GET", "/api/v2/chat/conversations/c-1/transcript", tok, NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 404, "a fresh token passes auth (then 404)");
	sim_resp_free(&r);
	sim_sleep_ms(1300);   /* --token-ttl 1 */
	cr_assert_eq(sim_http(&sim, "GET", "/api/v2/chat/conversations/c-1/transcript", tok, NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 401);
	cr_assert(strstr(r.body, "expired") != NULL, "%s", r.body);
	sim_resp_free(&r);
}

Test(sim_rest, unknown_paths_are_404_and_wrong_methods_405_with_allow)
{
	sim_resp r;

	cr_assert_eq(sim_http(&sim, "GET", "/api/v2/nothing", NULL, NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 404);
	cr_assert(strstr(r.body, "\"error\"") != NULL);
	sim_resp_free(&r);
	cr_assert_eq(sim_http(&sim, "GET", "/api/v2/oauth/token", NULL, NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 405);
	cr_assert_str_eq(r.allow, "POST");
	sim_resp_free(&r);
	cr_assert_eq(sim_http(&sim, "DELETE", "/api/v2/presence/users/a", NULL, NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 405);
	sim_resp_free(&r);
	cr_assert_eq(sim_http(&sim, "POST", "/api/v2/chat/conversations/c-1/transcript", NULL, NULL, "{}", &r), 0);
	cr_assert_eq(r.status, 405);
	sim_resp_free(&r);
}

Test(sim_rest, oversized_body_is_refused_and_server_survives)
{
	size_t n = 200 * 1024;
	char *big = malloc(n + 1);
	sim_resp r;

	cr_assert_not_null(big);
	memset(big, 'x', n);
	big[n] = 0;
	cr_assert_eq(sim_http(&sim, "PUT", "/api/v2/presence/users/a", "t", NULL, big, &r), 0);
	cr_assert_eq(r.status, 413);
	sim_resp_free(&r);
	free(big);
	cr_assert_eq(sim_http(&sim, "GET", "/sim/stats", NULL, NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 200);
	sim_resp_free(&r);
}

Test(sim_rest, hostile_bodies_never_crash_the_server)
{
	static const char *const bodies[] = {
		"", "null", "[]", "\"x\"", "{\"status\":null}", "{\"status\":{\"statusName\":7}}",
		"{\"availability\":1e999,\"skills\":[]}", "\xff\xfe\x00", "{{{{{{{{{{{{{{{{{{{{",
	};
	char tok[128];

	cr_assert_eq(sim_token(&sim, NULL, tok, sizeof(tok)), 0);
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		sim_resp r;
		cr_assert_eq(sim_http(&sim, "PUT", "/api/v2/presence/users/a", tok, NULL, bodies[i], &r), 0);
		cr_expect_eq(r.status, 400, "body %zu -> %ld", i, r.status);
		sim_resp_free(&r);
		cr_assert_eq(sim_http(&sim, "PUT", "/api/v2/routing/users/a", tok, NULL, bodies[i], &r), 0);
		cr_expect_eq(r.status, 400, "body %zu -> %ld", i, r.status);
		sim_resp_free(&r);
	}
	cr_assert_eq(sim_token(&sim, "x y z %%%", tok, sizeof(tok)), 400);
}

Test(sim_rest, stats_need_no_auth_and_report_scenarios)
{
	sim_resp r;

	cr_assert_eq(sim_http(&sim, "GET", "/sim/stats", NULL, NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "\"name\":\"calm-day\"") != NULL, "%s", r.body);
	cr_assert(strstr(r.body, "\"started\":false") != NULL, "%s", r.body);
	sim_resp_free(&r);
}

Test(sim_cli, unknown_flag_is_usage_error_2)
{
	char exe[512], cmd[700];

	sim_bin_path("cxsim", exe, sizeof(exe));
	snprintf(cmd, sizeof(cmd), "%s --no-such-flag 2>/dev/null", exe);
	cr_assert_eq(WEXITSTATUS(system(cmd)), 2);
	snprintf(cmd, sizeof(cmd), "%s --help | grep -q -- --scenario", exe);
	cr_assert_eq(WEXITSTATUS(system(cmd)), 0);
	snprintf(cmd, sizeof(cmd), "%s --version | grep -q '^cxsim '", exe);
	cr_assert_eq(WEXITSTATUS(system(cmd)), 0);
	snprintf(cmd, sizeof(cmd), "%s --tls 2>/dev/null", exe);
	cr_assert_eq(WEXITSTATUS(system(cmd)), 2);
}

Test(sim_cli, bad_scenario_file_is_reported_not_served)
{
	char exe[512], cmd[700];

	sim_bin_path("cxsim", exe, sizeof(exe));
	snprintf(cmd, sizeof(cmd), "%s --listen 127.0.0.1:0 --scenario /nonexistent.json 2>&1 | grep -q 'cannot open scenario'", exe);
	cr_assert_eq(WEXITSTATUS(system(cmd)), 0);
}

Test(sim_cli, tls_mode_serves_https)
{
	char cert[600], key[600];
	const char *build = getenv("CXTAPE_BUILD");
	sim_proc tls;
	sim_resp r;

	snprintf(cert, sizeof(cert), "%s/certs/sim-cert.pem", build ? build : "build");
	snprintf(key, sizeof(key), "%s/certs/sim-key.pem", build ? build : "build");
	{
		const char *args[] = {"--tls", "--cert", cert, "--key", key, NULL};
		cr_assert_eq(sim_start(&tls, args), 0, "cxsim --tls did not start");
	}
	cr_assert(strncmp(tls.base, "https://", 8) == 0);
	cr_assert_eq(sim_http(&tls, "GET", "/sim/stats", NULL, NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 200);
	sim_resp_free(&r);
	cr_assert_eq(sim_stop(&tls), 0);
}
