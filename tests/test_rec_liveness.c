/* SPDX-License-Identifier: MIT */
/* test_rec_liveness: a stream peer that goes silent without closing is found dead within the pong timeout. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "sim_harness.h"
#include "tape_events.h"

/*
 * The dead peer is a proxy of the test's own between cxrecord and cxsim
 * (cxsim keeps answering OAuth and presence): in PX_SILENT_FIRST mode the
 * first stream connection passes its handshake answer on and then goes
 * silent — it reads the recorder's pings and answers nothing, writes nothing,
 * and never closes. PX_CHATTY_FIRST is the same peer still sending frames
 * (it ignores pings but is alive). Every later connection is forwarded as it is.
 * cxsim runs a scenario with no chats: on a forwarded stream only pongs come.
 */
#define PX_CONNS_MAX 64
#define PX_CHUNK 65536
#define PX_CHATTY_NS 300000000  /* the chatty peer sends a frame this often */
#define LV_SLACK_S 5.0          /* a loaded 2-core machine: generous on every upper bound */

typedef enum px_mode { PX_FORWARD, PX_SILENT_FIRST, PX_CHATTY_FIRST } px_mode;

struct proxy;

typedef struct px_conn {
	struct proxy *px;
	int c, u;                   /* the recorder's side, cxsim's side */
	pthread_t th;
} px_conn;

typedef struct proxy {
	int lfd, port, up_port;
	px_mode mode;
	pthread_t th;
	atomic_bool stop;
	atomic_int streams;             /* stream handshakes seen */
	atomic_llong silent_at_ns;      /* CLOCK_MONOTONIC when the silent stream went quiet; 0: not yet */
	atomic_ullong swallowed;        /* bytes the silent peer read from the recorder (its pings) */
	px_conn conns[PX_CONNS_MAX];
	int n;                          /* written by the accept thread only */
} proxy;

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);   /* the recorder's mono_ns clock */
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Wait for any of the fds to be readable, 100 ms at a time; false once the proxy stops. */
static bool
px_wait(proxy *px, struct pollfd *pf, int n)
{
	while (!atomic_load(&px->stop))
		if (poll(pf, (nfds_t)n, 100) > 0)
			return true;
	return false;
}

static bool
px_send(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Copy both ways until a side closes or the proxy stops. */
static void
px_forward(proxy *px, int c, int u, char *buf)
{
	struct pollfd pf[2] = {{c, POLLIN, 0}, {u, POLLIN, 0}};

	while (px_wait(px, pf, 2)) {
		for (int i = 0; i < 2; i++) {
			ssize_t r;

			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = recv(pf[i].fd, buf, PX_CHUNK, 0);
			if (r <= 0 || !px_send(pf[1 - i].fd, buf, (size_t)r))
				return;
		}
	}
}

/* A server's text frame (unmasked, payload under 126 bytes): a typing envelope. Its size. */
static size_t
px_typing_frame(char *out)
{
	static const char env[] = "{\"type\":\"typing\",\"conversationId\":\"c-chatty\",\"timestamp\":1}";

	out[0] = (char)0x81;
	out[1] = (char)(sizeof(env) - 1);
	memcpy(out + 2, env, sizeof(env) - 1);
	return sizeof(env) + 1;
}

/*
 * Pass the handshake answer on and drop cxsim; then read everything and
 * answer nothing: no pong ever. A chatty peer still sends a frame every
 * PX_CHATTY_NS, a silent one nothing.
 */
static void
px_go_silent(proxy *px, int c, int u, char *buf, bool chatty)
{
	struct pollfd pu = {u, POLLIN, 0}, pc = {c, POLLIN, 0};
	size_t have = 0;
	char *end = NULL, frame[128];
	size_t flen = px_typing_frame(frame);
	int64_t next;

	while (end == NULL && have < PX_CHUNK - 1 && px_wait(px, &pu, 1)) {
		ssize_t r = recv(u, buf + have, PX_CHUNK - 1 - have, 0);
		if (r <= 0)
			return;
		have += (size_t)r;
		buf[have] = 0;
		end = strstr(buf, "\r\n\r\n");
	}
	if (end == NULL || !px_send(c, buf, (size_t)(end + 4 - buf)))
		return;
	atomic_store(&px->silent_at_ns, next = mono_ns());
	shutdown(u, SHUT_RDWR);
	while (!atomic_load(&px->stop)) {
		ssize_t r;

		if (chatty && mono_ns() >= next) {
			if (!px_send(c, frame, flen))
				return;
			next += PX_CHATTY_NS;
		}
		if (poll(&pc, 1, 50) <= 0)
			continue;
		if ((r = recv(c, buf, PX_CHUNK, 0)) <= 0)
			return;
		atomic_fetch_add(&px->swallowed, (unsigned long long)r);
	}
}

static void *
px_pump(void *arg)
{
	px_conn *k = arg;
	proxy *px = k->px;
	struct pollfd pc = {k->c, POLLIN, 0};
	char *buf = malloc(PX_CHUNK);
	ssize_t r;

	if (buf && px_wait(px, &pc, 1) && (r = recv(k->c, buf, PX_CHUNK, 0)) > 0 &&
	    px_send(k->u, buf, (size_t)r)) {
		bool stream = r > 23 && strncmp(buf, "GET /api/v2/chat/stream", 23) == 0;
		int nth = stream ? atomic_fetch_add(&px->streams, 1) : -1;

		if (nth == 0 && px->mode != PX_FORWARD)
			px_go_silent(px, k->c, k->u, buf, px->mode == PX_CHATTY_FIRST);
		else
			px_forward(px, k->c, k->u, buf);
	}
	free(buf);
	close(k->c);
	close(k->u);
	return NULL;
}

static int
px_dial(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void *
px_accept(void *arg)
{
	proxy *px = arg;
	struct pollfd pf = {px->lfd, POLLIN, 0};

	while (px->n < PX_CONNS_MAX && px_wait(px, &pf, 1)) {
		px_conn *k = &px->conns[px->n];
		int c = accept4(px->lfd, NULL, NULL, SOCK_CLOEXEC), u;

		if (c < 0)
			continue;
		if ((u = px_dial(px->up_port)) < 0) {
			close(c);
			continue;
		}
		k->px = px;
		k->c = c;
		k->u = u;
		if (pthread_create(&k->th, NULL, px_pump, k) != 0) {
			close(c);
			close(u);
			continue;
		}
		px->n++;
	}
	return NULL;
}

/* Listen on 127.0.0.1:0 in front of cxsim's port. */
static void
px_start(proxy *px, int up_port, px_mode mode)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	socklen_t al = sizeof(a);

	memset(px, 0, sizeof(*px));
	px->up_port = up_port;
	px->mode = mode;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_geq(px->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
	cr_assert_eq(bind(px->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(px->lfd, 16), 0);
	cr_assert_eq(getsockname(px->lfd, (struct sockaddr *)&a, &al), 0);
	px->port = ntohs(a.sin_port);
	cr_assert_eq(pthread_create(&px->th, NULL, px_accept, px), 0);
}

static void
px_stop(proxy *px)
{
	atomic_store(&px->stop, true);
	pthread_join(px->th, NULL);
	for (int i = 0; i < px->n; i++)
		pthread_join(px->conns[i].th, NULL);
	close(px->lfd);
}

/* ------------------------------------------------------------------ a recording through the proxy */

typedef struct lv_run {
	char dir[64], tape[96], log[96], base[64], scenario[64];
	sim_proc sim;
	proxy px;
	tev *ev;
	size_t n;
} lv_run;

/* Run cxrecord (args after --tape/--base-url) to its end; its exit status. */
static int
lv_record(lv_run *r, const char *const *args)
{
	const char *argv[40];
	char exe[512];
	size_t n = 0;
	uint64_t deadline = sim_now_ms() + 60000;
	pid_t pid;
	int st;

	sim_bin_path("cxrecord", exe, sizeof(exe));
	argv[n++] = exe;
	argv[n++] = "--tape";
	argv[n++] = r->tape;
	argv[n++] = "--base-url";
	argv[n++] = r->base;
	for (size_t i = 0; args[i] && n < 39; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	cr_assert_geq(pid = fork(), 0);
	if (pid == 0) {
		int fd = open(r->log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never outlive the test */
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (sim_now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		sim_sleep_ms(20);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A temp dir, credentials, cxsim, the proxy in front of it; then cxrecord through the proxy. */
static void
lv_up(lv_run *r, px_mode mode)
{
	static const char quiet[] = "{\"name\":\"quiet\",\"faults\":[{\"atMs\":600000,\"type\":\"drop\"}]}";
	const char *simargs[] = {"--scenario", r->scenario, NULL};

	memset(r, 0, sizeof(*r));
	cr_assert_eq(sim_scenario_tmp(quiet, r->scenario, sizeof(r->scenario)), 0);
	rec_dir_up("test-rec-liveness", r->dir, sizeof(r->dir), r->tape, sizeof(r->tape), r->log, sizeof(r->log));
	unsetenv("CXONE_PONG_TIMEOUT_S");
	cr_assert_eq(sim_start(&r->sim, simargs), 0, "cxsim did not start");
	px_start(&r->px, r->sim.port, mode);
	snprintf(r->base, sizeof(r->base), "http://127.0.0.1:%d", r->px.port);
}

static void
lv_down(lv_run *r)
{
	char cmd[128];

	px_stop(&r->px);
	cr_assert_eq(sim_stop(&r->sim), 0);
	tevs_free(r->ev, r->n);
	unlink(r->scenario);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", r->dir);
}

/* Index of the first event at or after `from` of kind k (and, when reason, with that reason); n if none. */
static size_t
lv_find(const lv_run *r, size_t from, cx_kind k, const char *reason)
{
	for (size_t i = from; i < r->n; i++)
		if (r->ev[i].kind == k && (reason == NULL || strcmp(r->ev[i].reason, reason) == 0) &&
		    (k != CX_STREAM_OPEN || r->ev[i].status == 101))
			return i;
	return r->n;
}

/* The first presence PUT at or after `from` whose body says status; n if none. */
static size_t
lv_presence(const lv_run *r, size_t from, const char *status)
{
	char want[48];

	snprintf(want, sizeof(want), "\"%s\"", status);
	for (size_t i = from; i < r->n; i++)
		if (r->ev[i].kind == CX_HTTP_REQUEST && strcmp(r->ev[i].method, "PUT") == 0 &&
		    strncmp(r->ev[i].path, "/api/v2/presence/", 17) == 0 && strstr(r->ev[i].raw, want))
			return i;
	return r->n;
}

static double
since_silence_s(const lv_run *r, size_t i)
{
	return (double)(r->ev[i].mono - atomic_load(&r->px.silent_at_ns)) / 1e9;
}

/*
 * The checks common to a silent peer: the dead stream is found after the pong
 * timeout (not before), the gap and the close name it, and a new stream is
 * open within the bound. Returns the gap's index.
 */
static size_t
lv_assert_dead_and_back(const lv_run *r, double timeout_s)
{
	char why[64];
	size_t g, c, o;
	long long gap_ms = -1;

	snprintf(why, sizeof(why), "no pong within %g s", timeout_s);
	cr_assert_gt(atomic_load(&r->px.silent_at_ns), 0, "the proxy never saw a stream handshake");
	cr_assert_gt(atomic_load(&r->px.swallowed), 0, "the recorder's pings reach the silent peer");
	g = lv_find(r, 0, CX_GAP, why);
	cr_assert_lt(g, r->n, "a gap '%s' is on the tape (log: %s)", why, r->log);
	cr_assert_eq(sscanf(r->ev[g].raw, "{\"duration_ms\":%lld", &gap_ms), 1, "gap body: %s", r->ev[g].raw);
	cr_assert_geq(gap_ms, (long long)(timeout_s * 1000) - 100, "gap body: %s", r->ev[g].raw);
	cr_assert_geq(since_silence_s(r, g), timeout_s - 0.5, "found dead after %.2f s: before the timeout",
	              since_silence_s(r, g));
	cr_assert_leq(since_silence_s(r, g), timeout_s + LV_SLACK_S, "found dead only after %.2f s",
	              since_silence_s(r, g));
	c = lv_find(r, g, CX_STREAM_CLOSE, why);
	cr_assert_lt(c, r->n, "the close after the gap names the reason");
	cr_assert_eq(r->ev[c].close_code, 1006);
	o = lv_find(r, c, CX_STREAM_OPEN, NULL);
	cr_assert_lt(o, r->n, "a new stream opens after the dead one (log: %s)", r->log);
	cr_assert_leq(since_silence_s(r, o), timeout_s + LV_SLACK_S, "reconnected only %.2f s after the "
	              "peer went silent", since_silence_s(r, o));
	cr_assert_geq(atomic_load(&r->px.streams), 2);
	return g;
}

static unsigned long long
lv_count(const char *json, const char *key)
{
	const char *k = strstr(json, key);

	cr_assert_not_null(k, "%s not in %s", key, json);
	return strtoull(k + strlen(key), NULL, 10);
}

/* cxanalyze's connection section of the tape: gaps, disconnects, reconnects. */
static void
lv_connection(const lv_run *r, unsigned long long *gaps, unsigned long long *disconnects,
    unsigned long long *reconnects)
{
	char exe[512], out[128], cmd[1024];
	char *body = NULL, *p;
	size_t len = 0;
	FILE *f;

	sim_bin_path("cxanalyze", exe, sizeof(exe));
	snprintf(out, sizeof(out), "%s/report.json", r->dir);
	snprintf(cmd, sizeof(cmd), "'%s' report --tape '%s' --format json -o '%s' 2>>'%s'", exe, r->tape, out, r->log);
	cr_assert_eq(system(cmd), 0, "cxanalyze report failed (log: %s)", r->log);
	cr_assert_not_null(f = fopen(out, "r"));
	cr_assert_eq(getdelim(&body, &len, 0, f) > 0, true);
	fclose(f);
	cr_assert_not_null(p = strstr(body, "\"connection\":{"), "%s", body);
	*disconnects = lv_count(p, "\"disconnects\":");
	*gaps = lv_count(p, "\"gaps\":");
	*reconnects = lv_count(p, "\"reconnects\":");
	free(body);
}

/* ------------------------------------------------------------------ the tests */

Test(rec_liveness, a_silent_peer_is_closed_within_the_pong_timeout_presence_goes_away_and_it_reconnects)
{
	const char *args[] = {"--user-id", "agent-7", "--ping-interval", "1", "--pong-timeout", "3",
	                      "--reconnect-base", "0.2", "--reconnect-cap", "0.5", "--duration", "10", NULL};
	unsigned long long gaps = 0, disconnects = 0, reconnects = 0;
	lv_run r;
	size_t g, away;

	lv_up(&r, PX_SILENT_FIRST);
	cr_assert_eq(lv_record(&r, args), 0, "see %s", r.log);
	r.n = tape_load(r.tape, &r.ev);
	g = lv_assert_dead_and_back(&r, 3);
	cr_assert_lt(lv_presence(&r, 0, "available"), g, "presence was available before");
	away = lv_presence(&r, g, "away");
	cr_assert_lt(away, r.n, "presence goes away once the stream is found dead");
	cr_assert_lt(lv_presence(&r, away, "available"), r.n, "and available again on the new stream");
	lv_connection(&r, &gaps, &disconnects, &reconnects);
	cr_assert_eq(gaps, 1, "the analyzer counts the dead stream's gap");
	cr_assert_geq(disconnects, 2, "the dead stream's close and the stop (%llu)", disconnects);
	cr_assert_geq(reconnects, 1, "and the stream that followed it");
	lv_down(&r);
}

Test(rec_liveness, shadow_mode_leaves_a_silent_peer_after_the_default_timeout_and_writes_no_presence)
{
	const char *args[] = {"--shadow", "--ping-interval", "1", "--reconnect-base", "0.2",
	                      "--reconnect-cap", "0.5", "--duration", "12", NULL};
	lv_run r;

	lv_up(&r, PX_SILENT_FIRST);
	cr_assert_eq(lv_record(&r, args), 0, "see %s", r.log);
	r.n = tape_load(r.tape, &r.ev);
	lv_assert_dead_and_back(&r, 5);   /* max(2 x 1 s, the 5 s floor) */
	for (size_t i = 0; i < r.n; i++)
		cr_assert_not(r.ev[i].kind == CX_HTTP_REQUEST && strcmp(r.ev[i].method, "PUT") == 0,
		              "shadow mode wrote %s", r.ev[i].path);
	lv_down(&r);
}

Test(rec_liveness, a_peer_that_answers_pings_is_never_closed_for_liveness)
{
	const char *args[] = {"--user-id", "agent-7", "--ping-interval", "1", "--pong-timeout", "3",
	                      "--duration", "6", NULL};
	lv_run r;
	size_t c;

	lv_up(&r, PX_FORWARD);
	cr_assert_eq(lv_record(&r, args), 0, "see %s", r.log);
	r.n = tape_load(r.tape, &r.ev);
	cr_assert_eq(lv_find(&r, 0, CX_GAP, NULL), r.n, "no gap: %s", r.ev[lv_find(&r, 0, CX_GAP, NULL) % r.n].reason);
	c = lv_find(&r, 0, CX_STREAM_CLOSE, NULL);
	cr_assert_lt(c, r.n);
	cr_assert_str_eq(r.ev[c].reason, "recorder stopping", "the only close is the stop's");
	cr_assert_eq(lv_find(&r, c + 1, CX_STREAM_CLOSE, NULL), r.n);
	cr_assert_eq(lv_presence(&r, 0, "away"), r.n);
	cr_assert_eq(atomic_load(&r.px.streams), 1, "one stream for the whole run");
	lv_down(&r);
}

Test(rec_liveness, a_pong_timeout_not_longer_than_the_ping_interval_is_a_configuration_error)
{
	const char *args[] = {"--user-id", "agent-7", "--ping-interval", "5", "--duration", "1", NULL};
	char *log = NULL;
	size_t len = 0;
	lv_run r;
	FILE *f;

	lv_up(&r, PX_FORWARD);
	setenv("CXONE_PONG_TIMEOUT_S", "5", 1);   /* the key, through the environment */
	cr_assert_eq(lv_record(&r, args), 2, "see %s", r.log);
	unsetenv("CXONE_PONG_TIMEOUT_S");
	cr_assert_not_null(f = fopen(r.log, "r"));
	cr_assert_eq(getdelim(&log, &len, 0, f) > 0, true);
	fclose(f);
	cr_assert_not_null(strstr(log, "pong timeout (5 s"), "%s", log);
	cr_assert_eq(atomic_load(&r.px.streams), 0, "refused before any connection");
	free(log);
	lv_down(&r);
}

Test(rec_liveness, a_peer_that_ignores_pings_but_keeps_sending_frames_is_alive)
{
	const char *args[] = {"--user-id", "agent-7", "--ping-interval", "1", "--pong-timeout", "2",
	                      "--duration", "6", NULL};
	size_t frames = 0;
	lv_run r;

	lv_up(&r, PX_CHATTY_FIRST);
	cr_assert_eq(lv_record(&r, args), 0, "see %s", r.log);
	r.n = tape_load(r.tape, &r.ev);
	for (size_t i = 0; i < r.n; i++)
		frames += r.ev[i].kind == CX_FRAME_IN && strstr(r.ev[i].raw, "c-chatty") != NULL;
	cr_assert_geq(frames, 10, "the peer's frames are on the tape (%zu)", frames);
	cr_assert_gt(atomic_load(&r.px.swallowed), 0, "its pings reached the peer, which never answered");
	cr_assert_eq(lv_find(&r, 0, CX_GAP, NULL), r.n, "frames are a sign of life: no gap");
	cr_assert_eq(atomic_load(&r.px.streams), 1, "one stream for the whole run");
	lv_down(&r);
}
