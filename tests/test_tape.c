/* SPDX-License-Identifier: MIT */
/* Tests for lc_tape: order, sessions, indexes, time seek, crashes, growth, locking, secrets, interop. */
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lc_record.h"
#include "lc_redact.h"
#include "lc_tape.h"

static const char KEY[] = "test-key-0123456789abcdef-test-key";

typedef struct fx {
	char dir[256];
	lc_redactor *red;
} fx;

static void
fx_init(fx *f)
{
	lc_err err = LC_ERR_INIT;
	const char *tmp = getenv("TMPDIR");

	snprintf(f->dir, sizeof f->dir, "%s/cxtape-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(f->dir));
	strcat(f->dir, "/tape");   /* not there yet: open_write must create it */
	cr_assert_eq(lc_redactor_from_key(KEY, strlen(KEY), 0, &f->red, &err), LC_OK, "%s", err.msg);
}

static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(p);
}

static void
fx_done(fx *f)
{
	char *slash = strrchr(f->dir, '/');

	*slash = 0;
	nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	lc_redactor_free(f->red);
}

static lc_tape *
open_w(fx *f, lc_tape_opts *o)
{
	lc_tape_opts def;
	lc_tape *t = NULL;
	lc_err err = LC_ERR_INIT;

	if (o == NULL) {
		lc_tape_opts_init(&def);
		o = &def;
	}
	o->redactor = f->red;
	cr_assert_eq(lc_tape_open_write(f->dir, o, &t, &err), LC_OK, "%s", err.msg);
	return t;
}

static lc_tape *
open_r(fx *f)
{
	lc_tape *t = NULL;
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(lc_tape_open_read(f->dir, &t, &err), LC_OK, "%s", err.msg);
	return t;
}

static void
close_ok(lc_tape *t)
{
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(lc_tape_close(t, &err), LC_OK, "%s", err.msg);
}

/* A realistic chat frame of about 260 bytes. */
static cx_event
frame(cx_kind kind, int i, char *buf, size_t cap, const char *conv)
{
	cx_event e;

	memset(&e, 0, sizeof e);
	snprintf(buf, cap, "{\"type\":\"message\",\"conversationId\":\"%s\",\"messageId\":\"m-%08d\","
	    "\"from\":\"customer\",\"text\":\"Hello, my order %d has not arrived yet, can you help?\","
	    "\"timestamp\":\"2024-06-10T06:00:%02d.000Z\"}", conv ? conv : "none", i, i, i % 60);
	e.kind = kind;
	e.wall_ns = 1718000000000000000LL + (int64_t)i * 1000000;
	e.mono_ns = 5000000000LL + (int64_t)i * 1000000;
	e.conversation = conv ? lc_bytes_str(conv) : LC_BYTES_NULL;
	e.raw = lc_bytes_str(buf);
	return e;
}

static void
append_ok(lc_tape *t, const cx_event *e, uint64_t *seq)
{
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(lc_tape_append(t, e, seq, &err), LC_OK, "%s", err.msg);
}

static void
flush_ok(lc_tape *t)
{
	lc_err err = LC_ERR_INIT;

	cr_assert_eq(lc_tape_flush(t, &err), LC_OK, "%s", err.msg);
}

static void
verify_ok(lc_tape *t, uint64_t want_events)
{
	lc_err err = LC_ERR_INIT;
	uint64_t n = 0;

	cr_assert_eq(lc_tape_verify(t, &n, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(n, want_events);
}

/* ---- order and round trip ---------------------------------------------------- */

Test(tape, events_of_every_kind_come_back_in_order_with_all_fields)
{
	fx f;
	lc_tape *t;
	lc_cursor *c;
	const cx_event *ev;
	lc_err err = LC_ERR_INIT;
	char buf[512], sid[LC_SESSION_ID_MAX];
	cx_header h[2] = {{lc_bytes_str("Content-Type"), lc_bytes_str("application/json")},
	    {lc_bytes_str("Retry-After"), lc_bytes_str("3")}};
	static uint8_t big[200000];
	int n = 0;

	fx_init(&f);
	t = open_w(&f, NULL);
	cr_assert_eq(lc_tape_session_begin(t, "agent-7", "eu-west", sid, &err), LC_OK);
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 31);
	for (int k = 1; k <= CX_KIND_MAX; k++) {
		cx_event e = frame((cx_kind)k, k, buf, sizeof buf, k % 2 ? "c-1" : NULL);
		uint64_t seq = 0;
		e.flags = CX_F_BINARY;
		e.exchange = (uint64_t)k;
		e.method = lc_bytes_str("POST");
		e.path = lc_bytes_str("/api/v2/things");
		e.status = 201;
		e.close_code = 1001;
		e.reason = lc_bytes_str("because");
		e.n_headers = 2;
		e.headers = h;
		if (k == CX_GAP)
			e.raw = LC_BYTES_NULL;
		if (k == CX_FRAME_OUT)
			e.raw = lc_bytes_make(big, sizeof big);
		append_ok(t, &e, &seq);
		cr_assert_eq(seq, (uint64_t)k);
	}
	close_ok(t);

	t = open_r(&f);
	cr_assert_eq(lc_cursor_open(t, NULL, &c, &err), LC_OK);
	while (lc_cursor_next(c, &ev, &err) == LC_OK) {
		n++;
		cr_assert_eq(ev->seq, (uint64_t)n);
		cr_assert_eq(ev->kind, (cx_kind)n);
		cr_assert(lc_bytes_eq_str(ev->session, sid), "the open session's id is filled in");
		cr_assert_eq(ev->wall_ns, 1718000000000000000LL + (int64_t)n * 1000000);
		cr_assert_eq(ev->exchange, (uint64_t)n);
		cr_assert(lc_bytes_eq_str(ev->method, "POST") && lc_bytes_eq_str(ev->reason, "because"));
		cr_assert_eq(ev->status, 201);
		cr_assert_eq(ev->close_code, 1001);
		cr_assert_eq(ev->n_headers, 2);
		cr_assert(lc_bytes_eq_str(ev->headers[1].name, "Retry-After"));
		cr_assert(lc_bytes_eq_str(ev->conversation, n % 2 ? "c-1" : ""));
		if (n == CX_GAP)
			cr_assert_eq(ev->raw.len, 0);
		else if (n == CX_FRAME_OUT)
			cr_assert(ev->raw.len == sizeof big && memcmp(ev->raw.ptr, big, sizeof big) == 0);
		else
			cr_assert(ev->raw.len > 150 && ev->raw.ptr[0] == '{', "seq %d raw %zu", n, ev->raw.len);
		cr_assert(lc_cursor_record(c).len > ev->raw.len);
	}
	cr_assert_eq(err.status, LC_OK, "%s", err.msg);
	cr_assert_eq(n, CX_KIND_MAX);
	lc_cursor_close(c);
	verify_ok(t, CX_KIND_MAX);
	close_ok(t);
	fx_done(&f);
}

Test(tape, sessions_have_summaries_and_a_session_cursor_returns_only_its_events)
{
	fx f;
	lc_tape *t;
	lc_err err = LC_ERR_INIT;
	char buf[512], a[LC_SESSION_ID_MAX], b[LC_SESSION_ID_MAX];
	lc_session_info *list = NULL, si;
	size_t n = 0;
	lc_cursor_opts co;
	lc_cursor *c;
	const cx_event *ev;
	uint64_t want[] = {1, 2, 3, 4, 5, 11}, got = 0;

	fx_init(&f);
	t = open_w(&f, NULL);
	cr_assert_eq(lc_tape_session_begin(t, "alice", "site-1", a, &err), LC_OK);
	for (int i = 0; i < 5; i++) {
		cx_event e = frame(i % 2 ? CX_FRAME_OUT : CX_FRAME_IN, i, buf, sizeof buf, "c");
		append_ok(t, &e, NULL);
	}
	cr_assert_eq(lc_tape_session_begin(t, "bob", NULL, b, &err), LC_OK, "ends alice's");
	cr_assert_str_neq(a, b);
	for (int i = 5; i < 10; i++) {
		cx_event e = frame(CX_HTTP_REQUEST, i, buf, sizeof buf, NULL);
		append_ok(t, &e, NULL);
	}
	{   /* an event carrying an explicit session id (an import, say) joins that session */
		cx_event e = frame(CX_ANNOTATION, 10, buf, sizeof buf, NULL);
		e.session = lc_bytes_str(a);
		append_ok(t, &e, NULL);
	}
	flush_ok(t);
	cr_assert_eq(lc_tape_session_get(t, b, &si, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(si.state, LC_SESSION_RECORDING);
	close_ok(t);

	t = open_r(&f);
	cr_assert_eq(lc_tape_sessions_list(t, &list, &n, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(n, 2);
	if (strcmp(list[0].id, a) != 0) {   /* ids sort by start second, then at random */
		lc_session_info tmp = list[0];
		list[0] = list[1];
		list[1] = tmp;
	}
	cr_assert_str_eq(list[0].id, a);
	cr_assert_str_eq(list[0].agent, "alice");
	cr_assert_str_eq(list[0].site, "site-1");
	cr_assert_eq(list[0].state, LC_SESSION_CLOSED);
	cr_assert_eq(list[0].n_events, 6);
	cr_assert_eq(list[0].n_frames_in, 3);
	cr_assert_eq(list[0].n_frames_out, 2);
	cr_assert_eq(list[0].first_seq, 1);
	cr_assert_eq(list[0].last_seq, 11);
	cr_assert_str_eq(list[1].agent, "bob");
	cr_assert_eq(list[1].state, LC_SESSION_CLOSED, "close ends the open session");
	cr_assert_eq(list[1].n_http, 5);
	cr_assert(list[1].end_wall_ns >= list[1].start_wall_ns);
	free(list);

	lc_cursor_opts_init(&co);
	co.session = a;
	cr_assert_eq(lc_cursor_open(t, &co, &c, &err), LC_OK);
	while (lc_cursor_next(c, &ev, &err) == LC_OK) {
		cr_assert_lt(got, 6);
		cr_assert_eq(ev->seq, want[got]);
		got++;
	}
	cr_assert_eq(got, 6);
	lc_cursor_close(c);
	co.session = "s-none";
	cr_assert_eq(lc_cursor_open(t, &co, &c, &err), LC_OK);
	cr_assert_eq(lc_cursor_next(c, &ev, &err), LC_ENOTFOUND);
	lc_cursor_close(c);
	verify_ok(t, 11);
	close_ok(t);
	fx_done(&f);
}

Test(tape, conversation_cursor_uses_the_index_and_keeps_seq_order)
{
	fx f;
	lc_tape *t;
	lc_err err = LC_ERR_INIT;
	char buf[512];
	const char *convs[] = {"conv-a", "conv-b", "conv-c"};
	lc_cursor_opts co;
	lc_cursor *c;
	const cx_event *ev;
	uint64_t prev = 0, n = 0;

	fx_init(&f);
	t = open_w(&f, NULL);
	for (int i = 0; i < 3000; i++) {
		cx_event e = frame(CX_FRAME_IN, i, buf, sizeof buf, i % 7 == 0 ? NULL : convs[i % 3]);
		append_ok(t, &e, NULL);
	}
	flush_ok(t);
	/* read through the writing handle, as a recorder would */
	lc_cursor_opts_init(&co);
	co.conversation = "conv-b";
	cr_assert_eq(lc_cursor_open(t, &co, &c, &err), LC_OK);
	while (lc_cursor_next(c, &ev, &err) == LC_OK) {
		cr_assert(lc_bytes_eq_str(ev->conversation, "conv-b"));
		cr_assert_gt(ev->seq, prev);
		cr_assert_eq((ev->seq - 1) % 3, 1);
		prev = ev->seq;
		n++;
	}
	cr_assert_eq(err.status, LC_OK, "%s", err.msg);
	{
		uint64_t want = 0;
		for (int i = 0; i < 3000; i++)
			want += i % 3 == 1 && i % 7 != 0;
		cr_assert_eq(n, want);
	}
	lc_cursor_close(c);
	verify_ok(t, 3000);
	close_ok(t);
	fx_done(&f);
}

/* ---- time seek ----------------------------------------------------------------- */

Test(tape, time_range_returns_exactly_the_events_in_range_despite_clock_disorder)
{
	fx f;
	lc_tape *t;
	lc_err err = LC_ERR_INIT;
	char buf[512];
	enum { N = 2000 };
	static int64_t wall[N + 1];
	unsigned seed = 12345;

	fx_init(&f);
	t = open_w(&f, NULL);
	for (int i = 1; i <= N; i++) {
		cx_event e = frame(CX_FRAME_IN, i, buf, sizeof buf, NULL);
		/* producers on several threads: timestamps up to 3 us out of seq order */
		wall[i] = 1000000 + (int64_t)i * 1000 + (int64_t)(rand_r(&seed) % 6001) - 3000;
		e.wall_ns = wall[i];
		append_ok(t, &e, NULL);
	}
	close_ok(t);
	t = open_r(&f);
	for (int round = 0; round < 60; round++) {
		int64_t from = 1000000 + (int64_t)(rand_r(&seed) % (N * 1000 + 20000)) - 10000;
		int64_t to = from + (int64_t)(rand_r(&seed) % 300000);
		lc_cursor_opts co;
		lc_cursor *c;
		const cx_event *ev;
		int next_i = 1;

		if (round == 0)
			to = from;   /* an empty range */
		lc_cursor_opts_init(&co);
		co.from_ns = from;
		co.to_ns = to;
		cr_assert_eq(lc_cursor_open(t, &co, &c, &err), LC_OK);
		while (lc_cursor_next(c, &ev, &err) == LC_OK) {
			while (next_i <= N && !(wall[next_i] >= from && wall[next_i] < to))
				next_i++;
			cr_assert_eq(ev->seq, (uint64_t)next_i, "range [%ld,%ld)", (long)from, (long)to);
			next_i++;
		}
		cr_assert_eq(err.status, LC_OK, "%s", err.msg);
		while (next_i <= N && !(wall[next_i] >= from && wall[next_i] < to))
			next_i++;
		cr_assert_gt(next_i, N, "event %d in range was missed", next_i);
		lc_cursor_close(c);
	}
	{
		lc_tape_meta m;
		cr_assert_eq(lc_tape_meta_get(t, &m, &err), LC_OK, "%s", err.msg);
		cr_assert(m.wall_skew_ns > 0 && m.wall_skew_ns <= 7000, "skew %ld", (long)m.wall_skew_ns);
		cr_assert_eq(m.schema, LC_RECORD_SCHEMA);
		cr_assert_eq(m.last_seq, N);
		cr_assert(strstr(m.creator, "cxtape") != NULL);
	}
	close_ok(t);
	fx_done(&f);
}

/* ---- crashes -------------------------------------------------------------------- */

/* Child: append forever, reporting the committed seq after each flush on fd. */
static void __attribute__((noreturn))
crash_child(fx *f, int fd)
{
	lc_tape_opts o;
	lc_tape *t = NULL;
	lc_err err = LC_ERR_INIT;
	char buf[512];
	lc_tape_stats st;

	lc_tape_opts_init(&o);
	o.redactor = f->red;
	o.batch_ms = 1;
	o.batch_events = 64;
	if (lc_tape_open_write(f->dir, &o, &t, &err) != LC_OK ||
	    lc_tape_session_begin(t, "crash", NULL, NULL, &err) != LC_OK)
		_exit(2);
	for (int i = 0;; i++) {
		cx_event e = frame(CX_FRAME_IN, i, buf, sizeof buf, i % 2 ? "c-odd" : "c-even");
		if (lc_tape_append(t, &e, NULL, &err) != LC_OK)
			_exit(3);
		if (i % 50 == 49) {
			if (lc_tape_flush(t, &err) != LC_OK)
				_exit(4);
			lc_tape_stats_get(t, &st);
			if (write(fd, &st.last_seq, sizeof st.last_seq) != sizeof st.last_seq)
				_exit(5);
		}
	}
}

Test(tape, reopen_after_kill_keeps_every_committed_batch_and_marks_interrupted, .timeout = 60)
{
	fx f;
	unsigned seed = 777;
	uint64_t total_sessions = 0;

	fx_init(&f);
	for (int round = 0; round < 20; round++) {
		int p[2];
		uint64_t acked = 0, v;
		pid_t pid;
		lc_tape *t;
		lc_session_info *list;
		size_t n;
		lc_err err = LC_ERR_INIT;
		lc_tape_meta m;

		cr_assert_eq(pipe(p), 0);
		pid = fork();
		cr_assert_neq(pid, -1);
		if (pid == 0) {
			close(p[0]);
			crash_child(&f, p[1]);
		}
		close(p[1]);
		/* wait for a first durable batch, then kill at a random moment mid-stream */
		cr_assert_eq(read(p[0], &acked, sizeof acked), (ssize_t)sizeof acked, "child failed");
		usleep((useconds_t)(rand_r(&seed) % 30000));
		kill(pid, SIGKILL);
		while (read(p[0], &v, sizeof v) == (ssize_t)sizeof v)
			acked = v;
		close(p[0]);
		waitpid(pid, NULL, 0);
		total_sessions++;

		t = open_w(&f, NULL);
		cr_assert_eq(lc_tape_meta_get(t, &m, &err), LC_OK, "%s", err.msg);
		cr_assert_geq(m.last_seq, acked, "round %d: seq %lu was acknowledged, tape ends at %lu",
		    round, (unsigned long)acked, (unsigned long)m.last_seq);
		verify_ok(t, m.last_seq);   /* decodes, checksums, contiguous, index, summaries */
		cr_assert_eq(lc_tape_sessions_list(t, &list, &n, &err), LC_OK, "%s", err.msg);
		cr_assert_eq(n, total_sessions);
		for (size_t i = 0; i < n; i++)
			cr_assert_eq(list[i].state, LC_SESSION_INTERRUPTED, "round %d session %zu is %s",
			    round, i, lc_session_state_name(list[i].state));
		free(list);
		close_ok(t);
	}
	fx_done(&f);
}

/* ---- growth, full disk ---------------------------------------------------------- */

Test(tape, map_grows_past_a_tiny_initial_size_without_losing_a_batch)
{
	fx f;
	lc_tape_opts o;
	lc_tape *t;
	lc_tape_stats st;
	char buf[512];

	fx_init(&f);
	lc_tape_opts_init(&o);
	o.map_size = 64 << 10;   /* 64 KiB: full after a few hundred events */
	t = open_w(&f, &o);
	for (int i = 0; i < 20000; i++) {
		cx_event e = frame(CX_FRAME_IN, i, buf, sizeof buf, i % 3 ? "c-x" : "c-y");
		append_ok(t, &e, NULL);
	}
	flush_ok(t);
	lc_tape_stats_get(t, &st);
	cr_assert_geq(st.map_resizes, 5, "map grew %lu times", (unsigned long)st.map_resizes);
	cr_assert_eq(st.committed, 20000);
	cr_assert_eq(st.dropped, 0);
	close_ok(t);
	t = open_r(&f);
	verify_ok(t, 20000);
	close_ok(t);
	fx_done(&f);
}

Test(tape, a_full_disk_poisons_the_handle_with_a_clear_error_and_keeps_the_tape, .timeout = 60)
{
	fx f;
	pid_t pid;
	int status;
	lc_tape *t;
	uint64_t n = 0;
	lc_err err = LC_ERR_INIT;

	fx_init(&f);
	t = open_w(&f, NULL);   /* create the tape first, then fill the "disk" in a child */
	close_ok(t);
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = {4 << 20, 4 << 20};   /* files may not pass 4 MiB: EFBIG */
		char buf[512];
		lc_tape_opts o;
		lc_status rc = LC_OK;
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		lc_tape_opts_init(&o);
		o.redactor = f.red;
		if (lc_tape_open_write(f.dir, &o, &t, &err) != LC_OK)
			_exit(10);
		for (int i = 0; i < 200000 && rc == LC_OK; i++) {
			cx_event e = frame(CX_FRAME_IN, i, buf, sizeof buf, "c");
			rc = lc_tape_append(t, &e, NULL, &err);
			if (rc == LC_EFULL) {
				usleep(1000);
				lc_err_clear(&err);
				rc = LC_OK;
			}
			if (rc == LC_OK && i % 1000 == 999)
				rc = lc_tape_flush(t, &err);
		}
		if (rc != LC_ECLOSED && rc != LC_ENOSPC)
			_exit(11);
		if (!strstr(err.msg, "disk full writing tape") || !strstr(err.msg, "events not saved") ||
		    !strstr(err.msg, "free space")) {
			fprintf(stderr, "unexpected message: %s\n", err.msg);
			_exit(12);
		}
		lc_err_clear(&err);
		{
			cx_event e = frame(CX_FRAME_IN, 0, buf, sizeof buf, "c");
			if (lc_tape_append(t, &e, NULL, &err) != LC_ECLOSED)
				_exit(13);   /* poisoned: refuses further use */
		}
		lc_err_clear(&err);
		_exit(lc_tape_close(t, &err) == LC_ECLOSED ? 0 : 14);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d",
	    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	t = open_r(&f);
	cr_assert_eq(lc_tape_verify(t, &n, &err), LC_OK, "the tape stays intact: %s", err.msg);
	cr_assert_gt(n, 1000, "what was committed before the disk filled is there");
	close_ok(t);
	fx_done(&f);
}

/* ---- secrets, corruption ---------------------------------------------------------- */

static uint8_t *
file_read(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *p;
	long n;

	cr_assert_not_null(fp, "%s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	cr_assert_eq(fread(p, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return p;
}

static const uint8_t *
mem_find(const uint8_t *hay, size_t n, const char *needle)
{
	return memmem(hay, n, needle, strlen(needle));
}

Test(tape, no_secret_bytes_reach_data_mdb)
{
	fx f;
	lc_tape *t;
	char path[300];
	uint8_t *data;
	size_t len;
	const char *secrets[] = {"eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.Zq9", "sEcReT-access-7781",
	    "client-secret-value-99", "refresh-RT-4455"};
	cx_header h[1] = {{lc_bytes_str("Authorization"),
	    lc_bytes_str("Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.Zq9")}};
	cx_event e;
	lc_tape_stats st;

	fx_init(&f);
	t = open_w(&f, NULL);
	memset(&e, 0, sizeof e);
	e.kind = CX_HTTP_REQUEST;
	e.method = lc_bytes_str("POST");
	e.path = lc_bytes_str("/auth/token?access_token=sEcReT-access-7781&x=1");
	e.raw = lc_bytes_str("grant_type=client_credentials&client_secret=client-secret-value-99");
	e.n_headers = 1;
	e.headers = h;
	append_ok(t, &e, NULL);
	memset(&e, 0, sizeof e);
	e.kind = CX_TOKEN_REFRESH;
	e.raw = lc_bytes_str("{\"access_token\":\"sEcReT-access-7781\",\"refresh_token\":"
	    "\"refresh-RT-4455\",\"expires_in\":3600}");
	append_ok(t, &e, NULL);
	memset(&e, 0, sizeof e);
	e.kind = CX_FRAME_OUT;
	e.raw = lc_bytes_str("{\"type\":\"auth\",\"token\":\"Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.Zq9\"}");
	append_ok(t, &e, NULL);
	lc_tape_stats_get(t, &st);
	close_ok(t);

	snprintf(path, sizeof path, "%s/data.mdb", f.dir);
	data = file_read(path, &len);
	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		cr_assert_null(mem_find(data, len, secrets[i]), "secret %zu is in data.mdb", i);
	cr_assert_not_null(mem_find(data, len, "[redacted:"), "pseudonyms are written instead");
	cr_assert_not_null(mem_find(data, len, "client_credentials"), "the rest is kept");
	free(data);
	fx_done(&f);
}

Test(tape, a_corrupted_record_is_reported_with_its_seq_not_a_crash)
{
	fx f;
	lc_tape *t;
	char path[300], buf[512];
	uint8_t *data;
	size_t len;
	const uint8_t *hit;
	FILE *fp;
	lc_cursor *c;
	const cx_event *ev;
	lc_err err = LC_ERR_INIT;
	uint64_t n = 0;

	fx_init(&f);
	t = open_w(&f, NULL);
	for (int i = 1; i <= 50; i++) {
		cx_event e = frame(CX_FRAME_IN, i, buf, sizeof buf, "c");
		if (i == 37)
			e.raw = lc_bytes_str("{\"text\":\"MARKER-SEQ-37 in the middle of the tape\"}");
		append_ok(t, &e, NULL);
	}
	close_ok(t);
	snprintf(path, sizeof path, "%s/data.mdb", f.dir);
	data = file_read(path, &len);
	hit = mem_find(data, len, "MARKER-SEQ-37");
	cr_assert_not_null(hit);
	fp = fopen(path, "r+b");
	fseek(fp, (long)(hit - data) + 7, SEEK_SET);
	fputc('X', fp);   /* what a bad disk block or a stray write would do */
	fclose(fp);
	free(data);

	t = open_r(&f);
	cr_assert_eq(lc_cursor_open(t, NULL, &c, &err), LC_OK);
	while (lc_cursor_next(c, &ev, &err) == LC_OK)
		n++;
	cr_assert_eq(n, 36, "the 36 good records before it are read");
	cr_assert_eq(err.status, LC_ECORRUPT);
	cr_assert(strstr(err.msg, "seq 37") && strstr(err.msg, "checksum"), "%s", err.msg);
	lc_cursor_close(c);
	lc_err_clear(&err);
	cr_assert_eq(lc_tape_verify(t, &n, &err), LC_ECORRUPT);
	cr_assert(strstr(err.msg, "seq 37") != NULL, "%s", err.msg);
	close_ok(t);
	fx_done(&f);
}

/* ---- concurrency, locking, queue ---------------------------------------------------- */

Test(tape, a_reader_follows_events_a_concurrent_writer_commits, .timeout = 60)
{
	fx f;
	int go[2];
	pid_t pid;
	lc_tape *t;
	lc_cursor *c;
	const cx_event *ev;
	lc_err err = LC_ERR_INIT;
	uint64_t next = 1;
	int dones = 0;
	char byte;

	fx_init(&f);
	cr_assert_eq(pipe(go), 0);
	pid = fork();
	if (pid == 0) {
		lc_tape_opts o;
		char buf[512];
		close(go[0]);
		lc_tape_opts_init(&o);
		o.redactor = f.red;
		o.batch_ms = 2;
		if (lc_tape_open_write(f.dir, &o, &t, &err) != LC_OK)
			_exit(2);
		if (write(go[1], "x", 1) != 1)
			_exit(3);
		for (int i = 0; i < 3000; i++) {
			cx_event e = frame(CX_FRAME_IN, i, buf, sizeof buf, "c");
			if (lc_tape_append(t, &e, NULL, &err) != LC_OK)
				_exit(4);
			if (i % 100 == 99)
				usleep(2000);   /* commits trickle in while the parent reads */
		}
		_exit(lc_tape_close(t, &err) == LC_OK ? 0 : 5);
	}
	close(go[1]);
	cr_assert_eq(read(go[0], &byte, 1), 1, "writer did not start");
	close(go[0]);
	t = open_r(&f);
	cr_assert_eq(lc_cursor_open(t, NULL, &c, &err), LC_OK);
	while (next <= 3000) {
		lc_status rc = lc_cursor_next(c, &ev, &err);
		if (rc == LC_DONE) {
			dones++;
			usleep(1000);
			continue;
		}
		cr_assert_eq(rc, LC_OK, "%s", err.msg);
		cr_assert_eq(ev->seq, next, "no seq skipped or repeated across renewals");
		next++;
	}
	cr_assert_gt(dones, 0, "the reader caught up with the writer at least once");
	lc_cursor_close(c);
	{
		int status;
		waitpid(pid, &status, 0);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	close_ok(t);
	fx_done(&f);
}

Test(tape, a_second_writer_is_refused_naming_the_pid)
{
	fx f;
	lc_tape *t, *t2 = NULL;
	lc_tape_opts o;
	lc_err err = LC_ERR_INIT;
	char want[64];

	fx_init(&f);
	t = open_w(&f, NULL);
	lc_tape_opts_init(&o);
	o.redactor = f.red;
	cr_assert_eq(lc_tape_open_write(f.dir, &o, &t2, &err), LC_ELOCKED);
	cr_assert_null(t2);
	snprintf(want, sizeof want, "being recorded by pid %ld", (long)getpid());
	cr_assert(strstr(err.msg, want) != NULL, "%s", err.msg);
	cr_assert(strstr(err.msg, "use --tape for another directory") != NULL, "%s", err.msg);
	close_ok(t);
	t = open_w(&f, NULL);   /* free again once closed */
	close_ok(t);
	fx_done(&f);
}

Test(tape, a_full_queue_refuses_and_counts_instead_of_waiting)
{
	fx f;
	lc_tape_opts o;
	lc_tape *t;
	lc_tape_stats st;
	char buf[512];
	uint64_t ok = 0, full = 0;
	lc_cursor *c;
	const cx_event *ev;
	lc_err err = LC_ERR_INIT;
	uint64_t n = 0;

	fx_init(&f);
	lc_tape_opts_init(&o);
	o.queue_events = 16;
	o.batch_ms = 2000;   /* the writer sits on its batch: the queue must fill */
	t = open_w(&f, &o);
	for (int i = 0; i < 200; i++) {
		cx_event e = frame(CX_FRAME_IN, i, buf, sizeof buf, NULL);
		lc_err e2 = LC_ERR_INIT;
		lc_status rc = lc_tape_append(t, &e, NULL, &e2);
		if (rc == LC_OK)
			ok++;
		else if (rc == LC_EFULL && strstr(e2.msg, "queue is full"))
			full++;
		else
			cr_assert_fail("unexpected %s", e2.msg);
	}
	cr_assert_gt(full, 0);
	lc_tape_stats_get(t, &st);
	cr_assert_eq(st.dropped, full);
	cr_assert_eq(st.appended, ok);
	flush_ok(t);
	lc_tape_stats_get(t, &st);
	cr_assert_eq(st.committed, ok, "every accepted event is committed");
	cr_assert_eq(lc_cursor_open(t, NULL, &c, &err), LC_OK);
	while (lc_cursor_next(c, &ev, &err) == LC_OK)
		cr_assert_eq(ev->seq, ++n, "refused events take no seq");
	cr_assert_eq(n, ok);
	lc_cursor_close(c);
	close_ok(t);
	fx_done(&f);
}

/* ---- format, tools, interop ----------------------------------------------------------- */

static int
run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(tape, a_newer_schema_version_is_refused_naming_both_versions)
{
	fx f;
	lc_tape *t = NULL;
	lc_tape_opts o;
	lc_err err = LC_ERR_INIT;
	char cmd[1024];

	fx_init(&f);
	t = open_w(&f, NULL);
	close_ok(t);
	/* a newer cxtape wrote schema_version 9 (msgpack fixint 0x09) */
	snprintf(cmd, sizeof cmd, "printf 'schema_version\\n\\\\09\\n' | mdb_load -T -s meta %s",
	    f.dir);
	cr_assert_eq(run(cmd), 0, "%s", cmd);
	t = NULL;
	cr_assert_eq(lc_tape_open_read(f.dir, &t, &err), LC_EVERSION);
	cr_assert_null(t);
	cr_assert(strstr(err.msg, "schema version 9") && strstr(err.msg, "schema version 1"), "%s",
	    err.msg);
	lc_err_clear(&err);
	lc_tape_opts_init(&o);
	o.redactor = f.red;
	cr_assert_eq(lc_tape_open_write(f.dir, &o, &t, &err), LC_EVERSION, "%s", err.msg);
	fx_done(&f);
}

Test(tape, mdb_stat_lists_the_named_databases)
{
	fx f;
	lc_tape *t;
	char cmd[512], out[8192];
	FILE *p;
	size_t n;
	char buf[512];

	fx_init(&f);
	t = open_w(&f, NULL);
	{
		cx_event e = frame(CX_FRAME_IN, 1, buf, sizeof buf, "c");
		append_ok(t, &e, NULL);
	}
	close_ok(t);
	snprintf(cmd, sizeof cmd, "mdb_stat -a %s 2>&1", f.dir);
	p = popen(cmd, "r");
	n = fread(out, 1, sizeof out - 1, p);
	out[n] = 0;
	cr_assert_eq(pclose(p), 0, "%s", out);
	cr_assert(strstr(out, "Status of events"), "%s", out);
	cr_assert(strstr(out, "Status of sessions"), "%s", out);
	cr_assert(strstr(out, "Status of by_conversation"), "%s", out);
	cr_assert(strstr(out, "Status of meta"), "%s", out);
	fx_done(&f);
}

Test(tape, python_msgpack_decodes_every_record)
{
	fx f;
	lc_tape *t;
	char buf[512], cmd[2048], exp[300], dump[300], sid[LC_SESSION_ID_MAX];
	const char *src = getenv("CXTAPE_SRC");
	FILE *fp;
	lc_err err = LC_ERR_INIT;
	static uint8_t bin[3000];

	fx_init(&f);
	snprintf(exp, sizeof exp, "%.200s/../expected.txt", f.dir);
	snprintf(dump, sizeof dump, "%.200s/../dump.txt", f.dir);
	t = open_w(&f, NULL);
	cr_assert_eq(lc_tape_session_begin(t, "py", NULL, sid, &err), LC_OK);
	fp = fopen(exp, "w");
	for (size_t i = 0; i < sizeof bin; i++)
		bin[i] = (uint8_t)(i * 13);   /* every byte value, backslashes and newlines too */
	for (int i = 1; i <= 300; i++) {
		const char *conv = i % 4 ? "conv-py" : NULL;
		cx_event e = frame((cx_kind)(1 + i % CX_KIND_MAX), i, buf, sizeof buf, conv);
		cx_header h[1] = {{lc_bytes_str("X-N"), lc_bytes_str("1")}};
		if (i % 10 == 0)
			e.raw = lc_bytes_make(bin, (size_t)i * 9);
		if (i % 10 == 5)
			e.raw = LC_BYTES_NULL;
		if (i % 3 == 0) {
			e.n_headers = 1;
			e.headers = h;
		}
		e.wall_ns = i % 7 ? e.wall_ns : -(int64_t)i;
		append_ok(t, &e, NULL);
		fprintf(fp, "%d %d %lld %s %s ", i, (int)e.kind, (long long)e.wall_ns, sid,
		    conv ? conv : "-");
		for (size_t k = 0; k < e.raw.len; k++)
			fprintf(fp, "%02x", e.raw.ptr[k]);
		fprintf(fp, "%s %u\n", e.raw.len ? "" : "-", e.n_headers);
	}
	fclose(fp);
	close_ok(t);
	snprintf(cmd, sizeof cmd, "mdb_dump -s events %s > %s && /usr/bin/python3 "
	    "%s/tests/tape_interop.py %s %s > /dev/null", f.dir, dump, src ? src : ".", dump, exp);
	cr_assert_eq(run(cmd), 0, "%s", cmd);
	fx_done(&f);
}
