/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: arbitrary frames through the engine into the HTML report; no tape byte may become markup. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "an_engine.h"
#include "an_html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static an_lexicon *lx;
static an_rules *rules;

/*
 * Input: records separated by '\n'. Byte 0 picks the event kind, byte 1 the
 * time step and the HTTP status; the rest is the payload, and also the path,
 * reason and Retry-After value, so ids, skills, states, endpoint names and
 * close reasons all reach the page.
 */
static void
feed(an_engine *e, const uint8_t *p, size_t n, uint64_t seq, int64_t *now)
{
	cx_event ev;
	cx_header h;
	size_t body = n - 2;

	memset(&ev, 0, sizeof(ev));
	ev.kind = (cx_kind)(1 + p[0] % CX_KIND_MAX);
	*now += (int64_t)p[1] * 11000000;
	ev.seq = seq;
	ev.wall_ns = 1698765432000000000LL + *now;
	ev.mono_ns = *now + 1;
	ev.session = lc_bytes_str("s-1");
	ev.raw = lc_bytes_make(p + 2, body);
	ev.exchange = 1 + p[1] % 3;
	ev.method = lc_bytes_str("GET");
	ev.path = lc_bytes_make(p + 2, body < 60 ? body : 60);
	ev.reason = lc_bytes_make(p + 2, body < 30 ? body : 30);
	ev.status = (uint16_t)(p[1] % 3 == 0 ? 429 : p[1] % 3 == 1 ? 200 : 101);
	ev.close_code = p[1];
	h.name = lc_bytes_str("Retry-After");
	h.value = lc_bytes_make(p + 2, body < 6 ? body : 6);
	ev.headers = &h;
	ev.n_headers = 1;
	(void)an_engine_feed(e, &ev);
}

static size_t
count(const char *s, const char *needle)
{
	size_t n = 0;

	for (; (s = strstr(s, needle)) != NULL; s += strlen(needle))
		n++;
	return n;
}

/* The elements the page is made of: a '<' that opens anything else came from the tape. */
static const char *const page_tags[] = {"html", "head", "meta", "title", "style", "body", "header",
    "h1", "h2", "h3", "p", "time", "nav", "a", "main", "section", "div", "small", "abbr", "span",
    "figure", "figcaption", "svg", "desc", "rect", "line", "text", "g", "circle", "path",
    "polyline", "table", "thead", "tbody", "tr", "th", "td", "caption", "label", "input", "code",
    "dl", "dt", "dd", "article", "mark", "footer", "script"};

static int
known_tag(const uint8_t *s, size_t n)
{
	size_t k = 0;

	if (n > 0 && s[0] == '/')
		s++, n--;
	while (k < n && ((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9')))
		k++;
	if (k == 0 || k >= n || (s[k] != ' ' && s[k] != '>' && s[k] != '/' && s[k] != '\n'))
		return 0;
	for (size_t i = 0; i < sizeof(page_tags) / sizeof(page_tags[0]); i++)
		if (strlen(page_tags[i]) == k && memcmp(page_tags[i], s, k) == 0)
			return 1;
	return 0;
}

/*
 * Before the page's own script (its last element): no control character but
 * '\n', and every '<' opens one of the page's own elements (or the doctype).
 * Then the element counts agree.
 */
static void
check(const lc_buf *b)
{
	const uint8_t *s = b->ptr;
	const char *script = strstr((const char *)s, "<script>");
	size_t end = script ? (size_t)(script - (const char *)s) : 0;

	if (script == NULL)
		abort();
	for (size_t i = 0; i < end; i++) {
		if (s[i] < 0x20 && s[i] != '\n')
			abort();
		if (s[i] == '<' && !(i == 0 && memcmp(s, "<!DOCTYPE html>", 15) == 0) &&
		    !known_tag(s + i + 1, end - i - 1))
			abort();
	}
	if (count((const char *)s, "<script") != 1 || strstr((const char *)s, "<img") != NULL ||
	    count((const char *)s, "<svg") != count((const char *)s, "</svg>") ||
	    count((const char *)s, "<tr") != count((const char *)s, "</tr>"))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	an_config cfg;
	an_engine *e = NULL;
	lc_buf b;
	size_t i = 0;
	uint64_t seq = 0;
	int64_t now = 0;

	if (lx == NULL && (an_lexicon_load_default(&lx, NULL) != LC_OK ||
	    an_rules_load_default(&rules, NULL) != LC_OK))
		abort();
	an_config_default(&cfg);
	cfg.max_pending = 64;
	cfg.max_conversations = 64;
	if (an_engine_new(&cfg, lx, rules, NULL, NULL, &e, NULL) != LC_OK)
		abort();
	while (i < size) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t n = nl ? (size_t)(nl - (data + i)) : size - i;

		if (n >= 2)
			feed(e, data + i, n, ++seq, &now);
		i += n + 1;
	}
	if (an_engine_finish(e) != LC_OK)
		abort();
	lc_buf_init(&b, (size_t)16 << 20);
	if (an_report_html(e, NULL, &b, NULL) != LC_OK)
		abort();
	check(&b);
	lc_buf_free(&b);
	an_engine_free(e);
	return 0;
}
