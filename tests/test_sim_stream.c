/* SPDX-License-Identifier: MIT */
/* test_sim_stream: cxsim's chat stream — handshake auth, routing, acks/echoes, errors, rate limit, idle close. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>

#include "sim_harness.h"

/* One quick conversation, so tests see routing, customer lines and the end within a second. */
static const char quick_json[] =
	"{\"name\":\"quick\",\"concurrency\":2,\"conversations\":["
	"{\"id\":\"c-q1\",\"customer\":\"cust-1\",\"skill\":\"billing\",\"arriveMs\":0,\"endAfterMs\":400,"
	"\"lines\":[{\"delayMs\":100,\"text\":\"hello\"},{\"delayMs\":100,\"text\":\"my bill is wrong\"},"
	"{\"delayMs\":100,\"text\":\"thanks\"}]},"
	"{\"id\":\"c-q2\",\"customer\":\"cust-2\",\"skill\":\"shipping\",\"arriveMs\":0,\"endAfterMs\":60000,"
	"\"lines\":[{\"delayMs\":60000,\"text\":\"later\"}]}]}";

static sim_proc sim;
static char scen_path[64];

static void
start_with(const char *json, const char *const *more)
{
	const char *args[16] = {"--scenario", scen_path, NULL};
	size_t n = 2;

	cr_assert_eq(sim_scenario_tmp(json, scen_path, sizeof(scen_path)), 0);
	for (size_t i = 0; more && more[i] && n < 15; i++)
		args[n++] = more[i];
	args[n] = NULL;
	cr_assert_eq(sim_start(&sim, args), 0, "cxsim did not start");
}

static void
start_quick(void)
{
	const char *more[] = {"--token-ttl", "2", "--idle-timeout", "1", NULL};
	start_with(quick_json, more);
}

static void
stop(void)
{
	unlink(scen_path);
	cr_assert_eq(sim_stop(&sim), 0, "cxsim did not exit 0 (log: %s)", sim.log);
}

TestSuite(sim_stream, .init = start_quick, .fini = stop);

static sim_ws *
connect_ok(const char *scope)
{
	char tok[128];
	sim_ws *w;

	cr_assert_eq(sim_token(&sim, scope, tok, sizeof(tok)), 0);
	w = sim_ws_open(&sim, tok, 5000);
	cr_assert_not_null(w);
	cr_assert(w->established, "handshake failed: HTTP %d", w->http_status);
	return w;
}

Test(sim_stream, handshake_without_or_with_bad_token_is_401)
{
	sim_ws *w = sim_ws_open(&sim, NULL, 5000);
	cr_assert(w->failed && !w->established);
	cr_assert_eq(w->http_status, 401);
	sim_ws_close(w);
	w = sim_ws_open(&sim, "not-a-token", 5000);
	cr_assert_eq(w->http_status, 401);
	sim_ws_close(w);
}

Test(sim_stream, handshake_without_chat_read_is_403)
{
	char tok[128];
	sim_ws *w;

	cr_assert_eq(sim_token(&sim, "presence:write", tok, sizeof(tok)), 0);
	w = sim_ws_open(&sim, tok, 5000);
	cr_assert_eq(w->http_status, 403);
	sim_ws_close(w);
}

Test(sim_stream, handshake_with_expired_token_is_401)
{
	char tok[128];
	sim_ws *w;

	cr_assert_eq(sim_token(&sim, NULL, tok, sizeof(tok)), 0);
	sim_sleep_ms(2200);   /* --token-ttl 2 */
	w = sim_ws_open(&sim, tok, 5000);
	cr_assert_eq(w->http_status, 401);
	sim_ws_close(w);
}

Test(sim_stream, wrong_path_upgrade_is_404)
{
	char tok[128];
	sim_ws *w;

	cr_assert_eq(sim_token(&sim, NULL, tok, sizeof(tok)), 0);
	w = sim_ws_open_path(&sim, tok, "/api/v2/chat/other", 5000);
	cr_assert_eq(w->http_status, 404);
	sim_ws_close(w);
}

Test(sim_stream, connected_agent_gets_routing_then_customer_lines_then_ended)
{
	sim_ws *w = connect_ok(NULL);
	char *f = sim_ws_recv(w, 3000);

	cr_assert_not_null(f);
	cr_assert(strstr(f, "\"type\":\"routing\"") && strstr(f, "\"conversationId\":\"c-q1\""), "%s", f);
	cr_assert(strstr(f, "\"skill\":\"billing\"") != NULL, "%s", f);
	free(f);
	f = sim_ws_recv_match(w, "\"text\":\"hello\"", 3000);
	cr_assert_not_null(f);
	cr_assert(strstr(f, "\"from\":{\"type\":\"customer\",\"id\":\"cust-1\"}") != NULL, "%s", f);
	free(f);
	f = sim_ws_recv_match(w, "\"type\":\"status\"", 3000);
	cr_assert_not_null(f);
	cr_assert(strstr(f, "\"conversationId\":\"c-q1\"") && strstr(f, "\"status\":\"ended\""), "%s", f);
	free(f);
	sim_ws_close(w);
}

Test(sim_stream, agent_message_gets_ack_and_echo_with_server_timestamp)
{
	sim_ws *w = connect_ok(NULL);
	char *f = sim_ws_recv_match(w, "\"type\":\"routing\"", 3000);
	cJSON *j;

	cr_assert_not_null(f);
	free(f);
	cr_assert_eq(sim_ws_send(w, "{\"type\":\"message\",\"conversationId\":\"c-q1\",\"messageId\":\"m-agent-1\","
	                            "\"text\":\"How can I help?\",\"timestamp\":1}"), 0);
	f = sim_ws_recv_match(w, "\"type\":\"ack\"", 3000);
	cr_assert_not_null(f);
	j = cJSON_Parse(f);
	cr_assert_str_eq(cJSON_GetObjectItem(j, "messageId")->valuestring, "m-agent-1");
	cr_assert_gt(cJSON_GetObjectItem(j, "timestamp")->valuedouble, 1e12, "server's own wall-clock ms");
	cJSON_Delete(j);
	free(f);
	f = sim_ws_recv_match(w, "\"m-agent-1\"", 3000);
	cr_assert_not_null(f);
	cr_assert(strstr(f, "\"type\":\"message\"") && strstr(f, "\"from\":{\"type\":\"agent\""), "%s", f);
	cr_assert(strstr(f, "\"timestamp\":1}") == NULL, "the echo carries the server's timestamp: %s", f);
	free(f);
	sim_ws_close(w);
}

Test(sim_stream, bad_envelopes_get_error_400_and_stream_goes_on)
{
	static const char *const bad[] = {
		"{not json", "[1,2]", "{\"no\":\"type\"}", "{\"type\":\"dance\"}",
		"{\"type\":\"message\",\"conversationId\":\"c-q1\"}",
		"{\"type\":\"message\",\"conversationId\":\"c-q1\",\"messageId\":\"m-1\",\"text\":7}",
	};
	sim_ws *w = connect_ok(NULL);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *f;
		cr_assert_eq(sim_ws_send(w, bad[i]), 0);
		f = sim_ws_recv_match(w, "\"type\":\"error\"", 3000);
		cr_assert_not_null(f, "no error for %s", bad[i]);
		cr_assert(strstr(f, "\"code\":400") != NULL, "%s -> %s", bad[i], f);
		free(f);
	}
	cr_assert_eq(sim_ws_send(w, "{\"type\":\"typing\",\"conversationId\":\"c-q1\"}"), 0);
	cr_assert_eq(sim_ws_send(w, "{\"type\":\"message\",\"conversationId\":\"c-none\",\"messageId\":\"m-x\","
	                            "\"text\":\"hi\"}"), 0);
	{
		char *f = sim_ws_recv_match(w, "\"type\":\"error\"", 3000);
		cr_assert_not_null(f);
		cr_assert(strstr(f, "\"code\":404") != NULL, "typing is accepted silently, unknown conv is 404: %s", f);
		free(f);
	}
	sim_ws_close(w);
}

Test(sim_stream, sending_without_chat_write_is_refused_with_403_frame)
{
	sim_ws *w = connect_ok("chat:read");
	char *f;

	cr_assert_eq(sim_ws_send(w, "{\"type\":\"message\",\"conversationId\":\"c-q1\",\"messageId\":\"m-1\","
	                            "\"text\":\"hi\"}"), 0);
	f = sim_ws_recv_match(w, "\"type\":\"error\"", 3000);
	cr_assert_not_null(f);
	cr_assert(strstr(f, "\"code\":403") != NULL, "%s", f);
	free(f);
	sim_ws_close(w);
}

Test(sim_stream, token_bucket_answers_429_with_retry_after)
{
	sim_ws *w = connect_ok(NULL);
	int acks = 0, limited = 0;
	char msg[200], *f;

	for (int i = 0; i < 30; i++) {
		snprintf(msg, sizeof(msg), "{\"type\":\"message\",\"conversationId\":\"c-q1\",\"messageId\":\"m-%d\","
		         "\"text\":\"spam %d\"}", i, i);
		cr_assert_eq(sim_ws_send(w, msg), 0);
	}
	while ((f = sim_ws_recv(w, 1000)) != NULL) {
		if (strstr(f, "\"type\":\"ack\""))
			acks++;
		if (strstr(f, "\"code\":429")) {
			limited++;
			cr_assert(strstr(f, "\"retryAfter\":1") != NULL, "%s", f);
		}
		free(f);
		if (acks + limited == 30)
			break;
	}
	/* bucket: burst 20, 10/s; 30 sent in well under a second */
	cr_assert_geq(acks, 20);
	cr_assert_lt(acks, 30);
	cr_assert_eq(acks + limited, 30);
	sim_ws_close(w);
}

Test(sim_stream, silent_connection_is_closed_after_idle_timeout)
{
	sim_ws *w = connect_ok(NULL);

	cr_assert(sim_ws_wait_closed(w, 4000), "not closed after --idle-timeout 1");
	cr_assert_eq(w->close_code, 1001);
	sim_ws_close(w);
}

Test(sim_stream, pinging_connection_stays_open_past_idle_timeout)
{
	sim_ws *w = connect_ok(NULL);
	/* 1.4 s: well past --idle-timeout 1, and short of --token-ttl 2 even when fetching the token
	 * and connecting took a while on a loaded machine (the token's clock started before ours) */
	uint64_t until = sim_now_ms() + 1400;

	while (sim_now_ms() < until && !w->closed) {
		cr_assert_eq(sim_ws_ping(w), 0);
		free(sim_ws_recv(w, 200));
	}
	cr_assert(!w->closed || w->close_code == 1008, "closed (code %d) despite pings every 200 ms",
	    w->close_code);
	sim_ws_close(w);
}

Test(sim_stream, open_stream_closes_when_its_token_expires)
{
	sim_ws *w = connect_ok(NULL);
	uint64_t until = sim_now_ms() + 4000;

	while (sim_now_ms() < until && !w->closed) {
		sim_ws_ping(w);
		free(sim_ws_recv(w, 200));
	}
	cr_assert(w->closed);
	cr_assert_eq(w->close_code, 1008, "token expiry closes with policy violation");
	sim_ws_close(w);
}

Test(sim_stream, transcript_holds_both_sides_and_paginates)
{
	sim_ws *w = connect_ok(NULL);
	char tok[128], path[256], *f;
	const char *page = NULL;
	int total = 0, agent = 0, pages = 0;
	char next[32] = "";

	free(sim_ws_recv_match(w, "\"type\":\"routing\"", 3000));
	cr_assert_eq(sim_ws_send(w, "{\"type\":\"message\",\"conversationId\":\"c-q1\",\"messageId\":\"m-agent-1\","
	                            "\"text\":\"Let me check that bill.\"}"), 0);
	f = sim_ws_recv_match(w, "\"status\":\"ended\"", 3000);
	cr_assert_not_null(f);
	free(f);
	cr_assert_eq(sim_token(&sim, NULL, tok, sizeof(tok)), 0);
	do {
		sim_resp r;
		cJSON *j, *m;
		snprintf(path, sizeof(path), "/api/v2/chat/conversations/c-q1/transcript?pageSize=2%s%s",
		         next[0] ? "&pageToken=" : "", next);
		cr_assert_eq(sim_http(&sim, "GET", path, tok, NULL, NULL, &r), 0);
		cr_assert_eq(r.status, 200, "%s", r.body);
		j = cJSON_Parse(r.body);
		cr_assert_not_null(j);
		cJSON_ArrayForEach(m, cJSON_GetObjectItem(j, "messages")) {
			total++;
			if (strcmp(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "from"), "type")->valuestring, "agent") == 0)
				agent++;
			cr_assert_not_null(cJSON_GetObjectItem(m, "messageId"));
			cr_assert_not_null(cJSON_GetObjectItem(m, "timestamp"));
		}
		page = cJSON_IsString(cJSON_GetObjectItem(j, "nextPageToken"))
		       ? cJSON_GetObjectItem(j, "nextPageToken")->valuestring : NULL;
		snprintf(next, sizeof(next), "%s", page ? page : "");
		cJSON_Delete(j);
		sim_resp_free(&r);
		pages++;
	} while (next[0] && pages < 10);
	cr_assert_eq(total, 4, "3 customer lines + 1 agent message");
	cr_assert_eq(agent, 1);
	cr_assert_eq(pages, 2);
	{
		sim_resp r;
		cr_assert_eq(sim_http(&sim, "GET", "/api/v2/chat/conversations/c-q1/transcript?pageToken=zz", tok,
		                      NULL, NULL, &r), 0);
		cr_assert_eq(r.status, 400);
		sim_resp_free(&r);
	}
	sim_ws_close(w);
}

Test(sim_stream, busy_agent_gets_no_new_assignments_until_available)
{
	char tok[128], *f;
	sim_resp r;
	sim_ws *w;

	cr_assert_eq(sim_token(&sim, NULL, tok, sizeof(tok)), 0);
	cr_assert_eq(sim_http(&sim, "PUT", "/api/v2/presence/users/agent-9", tok, NULL,
	                      "{\"status\":{\"statusName\":\"busy\"}}", &r), 0);
	cr_assert_eq(r.status, 200);
	sim_resp_free(&r);
	w = sim_ws_open(&sim, tok, 5000);
	cr_assert(w->established);
	f = sim_ws_recv(w, 800);
	cr_assert_null(f, "a busy agent got a frame: %s", f ? f : "");
	cr_assert_eq(sim_http(&sim, "PUT", "/api/v2/presence/users/agent-9", tok, NULL,
	                      "{\"status\":{\"statusName\":\"available\"}}", &r), 0);
	sim_resp_free(&r);
	f = sim_ws_recv(w, 3000);
	cr_assert_not_null(f);
	cr_assert(strstr(f, "\"type\":\"routing\"") != NULL, "%s", f);
	free(f);
	sim_ws_close(w);
}

Test(sim_stream, stats_count_frames_sent_per_connection)
{
	sim_ws *w = connect_ok(NULL);
	char *f, needle[64];
	uint64_t got = 0;
	sim_resp r;

	while ((f = sim_ws_recv(w, 1500)) != NULL) {
		got++;
		int ended = strstr(f, "\"status\":\"ended\"") != NULL;
		free(f);
		if (ended)
			break;
	}
	cr_assert_geq(got, 5);
	cr_assert_eq(sim_http(&sim, "GET", "/sim/stats", NULL, NULL, NULL, &r), 0);
	snprintf(needle, sizeof(needle), "\"framesSent\":%llu,", (unsigned long long)got);
	cr_assert(strstr(r.body, needle) != NULL, "got %llu frames, stats say %s", (unsigned long long)got, r.body);
	sim_resp_free(&r);
	sim_ws_close(w);
}
