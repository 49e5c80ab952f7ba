/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: arbitrary frames and HTTP exchanges through the analyzer engine; its report must be JSON. */
#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "an_engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static an_lexicon *lx;
static an_rules *rules;

static void
on_finding(const an_finding *f, void *ud)
{
	lc_buf *b = ud;

	cJSON *j;

	lc_buf_reset(b);
	if (an_finding_json(f, b) != LC_OK)
		return;
	j = cJSON_ParseWithLength((const char *)b->ptr, b->len);
	if (j == NULL)
		abort();        /* a finding that is not JSON */
	cJSON_Delete(j);
}

/*
 * Input: records separated by '\n'. A record's first byte picks the event
 * kind and its second the time step; the rest is the raw payload (or, for
 * HTTP, "METHOD PATH" / status digits and a Retry-After value).
 */
static void
feed_one(an_engine *e, const uint8_t *p, size_t n, uint64_t seq, int64_t *now)
{
	cx_event ev;
	cx_header h;

	if (n < 2)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = (cx_kind)(1 + p[0] % CX_KIND_MAX);
	*now += (int64_t)p[1] * 7000000;
	ev.seq = seq;
	ev.wall_ns = 1698765432000000000LL + *now;
	ev.mono_ns = (p[0] & 0x80) ? 0 : *now;
	ev.session = lc_bytes_str((p[1] & 1) ? "s-a" : "s-b");
	ev.raw = lc_bytes_make(p + 2, n - 2);
	ev.exchange = p[1] % 5;
	ev.method = lc_bytes_str("PUT");
	ev.path = lc_bytes_make(p + 2, n - 2 > 40 ? 40 : n - 2);
	ev.status = (uint16_t)((p[1] % 4) == 0 ? 429 : (p[1] % 4) == 1 ? 200 : 100 + p[1]);
	h.name = lc_bytes_str("Retry-After");
	h.value = lc_bytes_make(p + 2, n - 2 > 8 ? 8 : n - 2);
	ev.headers = &h;
	ev.n_headers = 1;
	ev.reason = lc_bytes_make(p + 2, n - 2 > 16 ? 16 : n - 2);
	ev.flags = (p[0] & 0x40) ? CX_F_IMPORTED : 0;
	(void)an_engine_feed(e, &ev);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	an_config cfg;
	an_engine *e = NULL;
	lc_buf b, fb;
	size_t i = 0;
	uint64_t seq = 0;
	int64_t now = 0;

	if (lx == NULL && (an_lexicon_load_default(&lx, NULL) != LC_OK ||
	    an_rules_load_default(&rules, NULL) != LC_OK))
		abort();
	an_config_default(&cfg);
	cfg.max_pending = 64;
	cfg.max_conversations = 64;
	cfg.trend_points = 8;
	lc_buf_init(&fb, 1 << 20);
	if (an_engine_new(&cfg, lx, rules, on_finding, &fb, &e, NULL) != LC_OK)
		abort();
	while (i < size) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t n = nl ? (size_t)(nl - (data + i)) : size - i;

		feed_one(e, data + i, n, ++seq, &now);
		i += n + 1;
	}
	if (an_engine_finish(e) != LC_OK)
		abort();
	lc_buf_init(&b, 1 << 26);
	if (an_engine_report(e, AN_FORMAT_JSON, &b) == LC_OK) {
		cJSON *j = cJSON_ParseWithLength((const char *)b.ptr, b.len);

		if (j == NULL)
			abort();        /* the report must always be valid JSON */
		cJSON_Delete(j);
	}
	lc_buf_reset(&b);
	(void)an_engine_report(e, AN_FORMAT_CSV, &b);
	lc_buf_reset(&b);
	(void)an_engine_report(e, AN_FORMAT_TEXT, &b);
	lc_buf_free(&b);
	lc_buf_free(&fb);
	an_engine_free(e);
	return 0;
}
