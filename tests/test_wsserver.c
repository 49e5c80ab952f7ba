/* SPDX-License-Identifier: MIT */
/* Tests for lc_wsserver: port 0, HTTP replies and bodies, body cap, timers, stop from another thread. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "lc_http.h"
#include "lc_wsserver.h"

typedef struct fx {
	lc_wss *s;
	pthread_t th;
	lc_status run_rc;
	int timer_fired, woken;
	atomic_bool quit;            /* set by the test thread before lc_wss_cancel */
	char seen[512];              /* "METHOD URI body_over len body" of the last request */
} fx;

static void
on_http(void *ud, lc_wss_conn *c, const lc_wss_request *rq)
{
	fx *f = ud;
	char body[600];

	snprintf(f->seen, sizeof(f->seen), "%s %s %d %zu %s", rq->method, rq->uri, rq->body_over,
	         rq->body.len, rq->body.ptr ? (const char *)rq->body.ptr : "");
	if (rq->body_over) {
		lc_wss_http_reply(c, 413, "application/json", NULL, "{}", 2, true);
		return;
	}
	if (strcmp(rq->uri, "/silent") == 0)
		return;   /* no reply: the server answers 500 */
	snprintf(body, sizeof(body), "{\"echo\":\"%s\"}", f->seen);
	lc_wss_http_reply(c, strcmp(rq->uri, "/limited") == 0 ? 429 : 200, "application/json",
	                  "retry-after:7\n", body, strlen(body), false);
}

static void
on_timer(void *ud)
{
	((fx *)ud)->timer_fired++;
}

static void
on_woken(void *ud)
{
	fx *f = ud;

	f->woken++;   /* lws may wake the loop for its own reasons too: the flag says why */
	if (atomic_load(&f->quit))
		lc_wss_stop(f->s);
}

static void *
serve(void *ud)
{
	fx *f = ud;

	f->run_rc = lc_wss_run(f->s, NULL);
	return NULL;
}

static void
fx_up(fx *f)
{
	lc_wss_opts o = {.host = "127.0.0.1", .port = 0, .name = "test", .body_max = 64};
	lc_wss_handlers h = {.http = on_http, .woken = on_woken};
	lc_err err = LC_ERR_INIT;
	lc_wss_timer *t;

	memset(f, 0, sizeof(*f));
	cr_assert_eq(lc_wss_open(&o, &h, f, &f->s, &err), LC_OK, "%s", lc_err_text(&err));
	cr_assert_gt(lc_wss_port(f->s), 0);
	t = lc_wss_timer_new(f->s, on_timer, f);
	cr_assert_not_null(t);
	lc_wss_timer_in(t, 1000);
	cr_assert_eq(pthread_create(&f->th, NULL, serve, f), 0);
}

static void
fx_down(fx *f)
{
	atomic_store(&f->quit, true);
	lc_wss_cancel(f->s);   /* from this thread: the loop wakes, on_woken stops it */
	cr_assert_eq(pthread_join(f->th, NULL), 0);
	cr_assert_eq(f->run_rc, LC_OK);
	cr_assert_geq(f->woken, 1);
	lc_wss_close(f->s);
}

static int
call(fx *f, const char *method, const char *path, const char *body, lc_http_resp *r)
{
	char base[64];
	lc_http *h = NULL;
	lc_http_req rq = {.method = method, .path = path, .body = lc_bytes_str(body)};
	lc_err err = LC_ERR_INIT;

	snprintf(base, sizeof(base), "http://127.0.0.1:%d", lc_wss_port(f->s));
	cr_assert_eq(lc_http_new(base, NULL, NULL, NULL, &h, &err), LC_OK, "%s", lc_err_text(&err));
	cr_assert_eq(lc_http_call(h, &rq, r, &err), LC_OK, "%s", lc_err_text(&err));
	lc_http_free(h);
	return r->status;
}

Test(wsserver, answers_http_on_a_kernel_chosen_port_with_body_and_headers)
{
	lc_http_resp r;
	fx f;

	fx_up(&f);
	cr_assert_eq(call(&f, "POST", "/api/x?q=1", "hello", &r), 200);
	cr_assert_str_eq((const char *)r.body.ptr, "{\"echo\":\"POST /api/x 0 5 hello\"}");
	lc_http_resp_free(&r);
	cr_assert_eq(call(&f, "GET", "/limited", "", &r), 429);
	cr_assert_eq(r.retry_after_s, 7);
	lc_http_resp_free(&r);
	cr_assert_eq(call(&f, "GET", "/silent", "", &r), 500);
	lc_http_resp_free(&r);
	fx_down(&f);
	cr_assert_geq(f.timer_fired, 1);
}

Test(wsserver, a_body_over_the_cap_is_flagged_not_kept)
{
	char big[200];
	lc_http_resp r;
	fx f;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	fx_up(&f);
	cr_assert_eq(call(&f, "PUT", "/up", big, &r), 413);
	cr_assert_eq(strncmp(f.seen, "PUT /up 1 ", 10), 0, "%s", f.seen);
	lc_http_resp_free(&r);
	fx_down(&f);
}

/* The second open, in a child: 0 when it failed as it should, with the port named. */
static int
open_busy_port(int port)
{
	lc_wss_opts o = {.host = "127.0.0.1", .port = port};
	lc_wss *b = NULL;
	lc_err err = LC_ERR_INIT;

	if (lc_wss_open(&o, NULL, NULL, &b, &err) != LC_ENET || b != NULL)
		return 1;
	return strstr(lc_err_text(&err), "cannot listen on 127.0.0.1:") != NULL ? 0 : 2;
}

Test(wsserver, a_busy_port_is_an_error_naming_it)
{
	lc_wss_opts o = {.host = "127.0.0.1", .port = 0};
	lc_wss *a = NULL;
	lc_err err = LC_ERR_INIT;
	pid_t pid;
	int st = 0;

	lc_wss_log_errors_only();
	cr_assert_eq(lc_wss_open(&o, NULL, NULL, &a, &err), LC_OK, "%s", lc_err_text(&err));
	/*
	 * libwebsockets 4.1 leaks 72 bytes inside lws_create_context when the bind fails, so the
	 * failing open runs in a child that leaves with _exit (no leak check of the library's loss).
	 */
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(open_busy_port(lc_wss_port(a)));
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the second open on a busy port: status %d", st);
	lc_wss_close(a);
}
