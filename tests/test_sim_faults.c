/* SPDX-License-Identifier: MIT */
/* test_sim_faults: each scenario fault of cxsim, determinism by seed, and scenario ends. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>

#include "sim_harness.h"

static sim_proc sim;
static char scen_path[64];

static void
start_with(const char *json, const char *extra1, const char *extra2)
{
	const char *args[] = {"--scenario", scen_path, extra1, extra2, NULL};

	cr_assert_eq(sim_scenario_tmp(json, scen_path, sizeof(scen_path)), 0);
	cr_assert_eq(sim_start(&sim, args), 0, "cxsim did not start");
}

static void
finish(void)
{
	unlink(scen_path);
	cr_assert_eq(sim_stop(&sim), 0, "cxsim did not exit 0 (log: %s)", sim.log);
}

static sim_ws *
connect_ok(char *tok, size_t toklen)
{
	sim_ws *w;

	cr_assert_eq(sim_token(&sim, NULL, tok, toklen), 0);
	w = sim_ws_open(&sim, tok, 5000);
	cr_assert(w->established, "handshake failed: HTTP %d", w->http_status);
	return w;
}

#define ONE_CONV "\"conversations\":[{\"id\":\"c-f1\",\"arriveMs\":0,\"endAfterMs\":100," \
                 "\"lines\":[{\"delayMs\":50,\"text\":\"one\"},{\"delayMs\":50,\"text\":\"two\"}]}]"

Test(sim_faults, drop_closes_stream_without_close_frame_and_requeues_conversation)
{
	char tok[128], *f;
	sim_ws *w;

	start_with("{\"name\":\"d\",\"conversations\":[{\"id\":\"c-d1\",\"arriveMs\":0,\"lines\":["
	           "{\"delayMs\":1000,\"text\":\"after the drop\"}]}],\"faults\":[{\"atMs\":200,\"type\":\"drop\"}]}",
	           NULL, NULL);
	w = connect_ok(tok, sizeof(tok));
	free(sim_ws_recv_match(w, "\"type\":\"routing\"", 2000));
	cr_assert(sim_ws_wait_closed(w, 3000));
	cr_assert_eq(w->close_code, 0, "a drop sends no close frame");
	sim_ws_close(w);
	w = connect_ok(tok, sizeof(tok));
	f = sim_ws_recv(w, 2000);
	cr_assert_not_null(f);
	cr_assert(strstr(f, "\"type\":\"routing\"") && strstr(f, "c-d1"), "re-routed after reconnect: %s", f);
	free(f);
	f = sim_ws_recv_match(w, "after the drop", 3000);
	cr_assert_not_null(f, "the conversation goes on on the new stream");
	free(f);
	sim_ws_close(w);
	finish();
}

Test(sim_faults, malformed_sends_a_frame_that_is_not_json)
{
	char tok[128], *f;
	sim_ws *w;
	bool seen = false;

	start_with("{\"name\":\"m\",\"faults\":[{\"atMs\":100,\"type\":\"malformed\"}]}", NULL, NULL);
	w = connect_ok(tok, sizeof(tok));
	while (!seen && (f = sim_ws_recv(w, 2000)) != NULL) {
		cJSON *j = cJSON_Parse(f);
		seen = j == NULL;
		cJSON_Delete(j);
		free(f);
	}
	cr_assert(seen, "no malformed frame arrived");
	cr_assert(!w->closed, "the stream stays open");
	sim_ws_close(w);
	finish();
}

Test(sim_faults, refuse_handshake_answers_429_with_retry_after_then_accepts)
{
	char tok[128];
	sim_ws *w;

	start_with("{\"name\":\"r\",\"faults\":[{\"atMs\":0,\"type\":\"refuseHandshake\",\"count\":2,"
	           "\"retryAfter\":3}]}", NULL, NULL);
	w = connect_ok(tok, sizeof(tok));   /* the first connection starts the scenario */
	sim_ws_close(w);
	sim_sleep_ms(100);
	for (int i = 0; i < 2; i++) {
		w = sim_ws_open(&sim, tok, 5000);
		cr_assert_eq(w->http_status, 429, "attempt %d", i);
		cr_assert_str_eq(w->retry_after, "3");
		sim_ws_close(w);
	}
	w = sim_ws_open(&sim, tok, 5000);
	cr_assert(w->established, "the third attempt is accepted");
	sim_ws_close(w);
	finish();
}

Test(sim_faults, rest429_answers_n_calls_with_retry_after_on_its_endpoint_only)
{
	char tok[128];
	sim_resp r;
	sim_ws *w;

	start_with("{\"name\":\"s\",\"faults\":[{\"atMs\":0,\"type\":\"rest429\",\"endpoint\":\"presence\","
	           "\"count\":2,\"retryAfter\":4}]}", NULL, NULL);
	w = connect_ok(tok, sizeof(tok));
	sim_ws_recv(w, 300);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(sim_http(&sim, "PUT", "/api/v2/routing/users/a", tok, NULL,
		                      "{\"availability\":0.5,\"skills\":[]}", &r), 0);
		cr_assert_eq(r.status, 200, "routing is not limited");
		sim_resp_free(&r);
		cr_assert_eq(sim_http(&sim, "PUT", "/api/v2/presence/users/a", tok, NULL,
		                      "{\"status\":{\"statusName\":\"available\"}}", &r), 0);
		cr_assert_eq(r.status, i < 2 ? 429 : 200, "call %d", i);
		if (i < 2)
			cr_assert_str_eq(r.retry_after, "4");
		sim_resp_free(&r);
	}
	sim_ws_close(w);
	finish();
}

Test(sim_faults, revoke_token_closes_stream_and_refuses_rest)
{
	char tok[128], fresh[128];
	sim_resp r;
	sim_ws *w;

	start_with("{\"name\":\"v\",\"faults\":[{\"atMs\":300,\"type\":\"revokeToken\"}]}", NULL, NULL);
	w = connect_ok(tok, sizeof(tok));
	cr_assert(sim_ws_wait_closed(w, 3000));
	cr_assert_eq(w->close_code, 1008);
	sim_ws_close(w);
	cr_assert_eq(sim_http(&sim, "GET", "/api/v2/presence/users/a", tok, NULL, NULL, &r), 0);
	cr_assert_eq(r.status, 401);
	cr_assert(strstr(r.body, "revoked") != NULL, "%s", r.body);
	sim_resp_free(&r);
	cr_assert_eq(sim_token(&sim, NULL, fresh, sizeof(fresh)), 0);
	w = sim_ws_open(&sim, fresh, 5000);
	cr_assert(w->established, "a fresh token works");
	sim_ws_close(w);
	finish();
}

Test(sim_faults, expire_token_closes_stream_mid_conversation)
{
	char tok[128];
	sim_ws *w;

	start_with("{\"name\":\"e\",\"faults\":[{\"atMs\":300,\"type\":\"expireToken\"}]}", NULL, NULL);
	w = connect_ok(tok, sizeof(tok));
	cr_assert(sim_ws_wait_closed(w, 3000));
	cr_assert_eq(w->close_code, 1008);
	sim_ws_close(w);
	w = sim_ws_open(&sim, tok, 5000);
	cr_assert_eq(w->http_status, 401, "the expired token is refused at the handshake");
	sim_ws_close(w);
	finish();
}

Test(sim_faults, delay_acks_pushes_ack_past_the_2000ms_sla)
{
	char tok[128], *f;
	struct timespec ts;
	double sent_ms, ack_ms;
	cJSON *j;
	sim_ws *w;

	start_with("{\"name\":\"a\"," ONE_CONV ",\"faults\":[{\"atMs\":0,\"type\":\"delayAcks\","
	           "\"durationMs\":60000,\"delayMs\":2100}]}", NULL, NULL);
	w = connect_ok(tok, sizeof(tok));
	free(sim_ws_recv_match(w, "\"type\":\"routing\"", 2000));
	clock_gettime(CLOCK_REALTIME, &ts);
	sent_ms = (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
	cr_assert_eq(sim_ws_send(w, "{\"type\":\"message\",\"conversationId\":\"c-f1\",\"messageId\":\"m-slow\","
	                            "\"text\":\"hi\"}"), 0);
	f = sim_ws_recv_match(w, "\"type\":\"ack\"", 5000);
	cr_assert_not_null(f);
	j = cJSON_Parse(f);
	ack_ms = cJSON_GetObjectItem(j, "timestamp")->valuedouble;
	cr_assert_geq(ack_ms - sent_ms, 2000.0, "ack stamped %.0f ms after the send", ack_ms - sent_ms);
	cJSON_Delete(j);
	free(f);
	sim_ws_close(w);
	finish();
}

Test(sim_faults, idle_fault_sends_nothing_for_its_duration_then_resumes)
{
	char tok[128], *f;
	sim_ws *w;

	start_with("{\"name\":\"i\",\"conversations\":[{\"id\":\"c-i\",\"arriveMs\":0,\"lines\":["
	           "{\"delayMs\":300,\"text\":\"during the silence\"}]}],"
	           "\"faults\":[{\"atMs\":100,\"type\":\"idle\",\"durationMs\":1500}]}", NULL, NULL);
	w = connect_ok(tok, sizeof(tok));
	free(sim_ws_recv_match(w, "\"type\":\"routing\"", 2000));
	f = sim_ws_recv(w, 1000);
	cr_assert_null(f, "a frame arrived during the silence: %s", f ? f : "");
	f = sim_ws_recv_match(w, "during the silence", 3000);
	cr_assert_not_null(f, "the held frame arrives after the silence");
	free(f);
	sim_ws_close(w);
	finish();
}

Test(sim_faults, burst_delivers_exactly_n_frames)
{
	char tok[128];
	sim_ws *w;
	sim_resp r;

	start_with("{\"name\":\"b\",\"faults\":[{\"atMs\":100,\"type\":\"burst\",\"count\":5000}]}", NULL, NULL);
	w = connect_ok(tok, sizeof(tok));
	w->count_only = true;
	{
		uint64_t until = sim_now_ms() + 10000;
		while (w->count < 5000 && sim_now_ms() < until && !w->closed)
			lws_service(w->ctx, 0);
	}
	cr_assert_eq(w->count, 5000);
	cr_assert_eq(sim_http(&sim, "GET", "/sim/stats", NULL, NULL, NULL, &r), 0);
	cr_assert(strstr(r.body, "\"framesSent\":5000,") != NULL, "%s", r.body);
	sim_resp_free(&r);
	sim_ws_close(w);
	finish();
}

/* Frames of one run with the timestamps cut out, joined by newlines. */
static char *
run_frames(const char *seed)
{
	char tok[128], *f, *all = calloc(1, 1);
	size_t len = 0;
	sim_ws *w;

	start_with("{\"name\":\"g\",\"generate\":{\"count\":3,\"everyMs\":50,\"lines\":[2,4],"
	           "\"delayMs\":[10,40],\"endAfterMs\":20,\"skills\":[\"billing\",\"shipping\"]}}",
	           "--seed", seed);
	w = connect_ok(tok, sizeof(tok));
	while ((f = sim_ws_recv(w, 700)) != NULL) {
		char *ts = strstr(f, ",\"timestamp\":");
		if (ts)
			*ts = 0;
		all = realloc(all, len + strlen(f) + 2);
		cr_assert_not_null(all);
		len += (size_t)sprintf(all + len, "%s\n", f);
		free(f);
	}
	sim_ws_close(w);
	finish();
	return all;
}

Test(sim_faults, same_seed_gives_same_frames_other_seed_differs)
{
	char *a = run_frames("42"), *b = run_frames("42"), *c = run_frames("43");

	cr_assert_gt(strlen(a), 100);
	cr_assert(strstr(a, "\"status\":\"ended\"") != NULL);
	cr_assert_str_eq(a, b);
	cr_assert_str_neq(a, c);
	free(a);
	free(b);
	free(c);
}

Test(sim_faults, exit_after_scenario_exits_0_once_all_scenarios_ended)
{
	char tok[128], second[64], *f;
	int ended = 0;
	sim_ws *w;
	const char *args[] = {"--scenario", scen_path, "--scenario", second, "--exit-after-scenario", NULL};

	cr_assert_eq(sim_scenario_tmp("{\"name\":\"x1\"," ONE_CONV "}", scen_path, sizeof(scen_path)), 0);
	cr_assert_eq(sim_scenario_tmp("{\"name\":\"x2\",\"conversations\":[{\"id\":\"c-x2\",\"lines\":["
	                              "{\"delayMs\":80,\"text\":\"two\"}],\"endAfterMs\":50}]}", second,
	                              sizeof(second)), 0);
	cr_assert_eq(sim_start(&sim, args), 0);
	w = connect_ok(tok, sizeof(tok));
	while ((f = sim_ws_recv(w, 3000)) != NULL) {
		ended += strstr(f, "\"status\":\"ended\"") != NULL;
		free(f);
	}
	cr_assert_eq(ended, 2, "both scenarios' conversations ended");
	sim_ws_close(w);
	cr_assert_eq(sim_wait(&sim, 5000), 0, "cxsim exits 0 by itself");
	unlink(scen_path);
	unlink(second);
}
