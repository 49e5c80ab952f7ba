/* SPDX-License-Identifier: MIT */
/* event_assert: Criterion assertions that two cx_events are equal field by field (header-only). */
#ifndef EVENT_ASSERT_H
#define EVENT_ASSERT_H

#include <criterion/criterion.h>
#include <string.h>

#include "lc_event.h"

static inline void
ev_assert_bytes_eq(lc_bytes a, lc_bytes b, const char *what, uint64_t seq)
{
	cr_assert_eq(a.len, b.len, "seq %llu: %s: length %zu vs %zu", (unsigned long long)seq, what,
	    a.len, b.len);
	if (a.len)
		cr_assert(memcmp(a.ptr, b.ptr, a.len) == 0, "seq %llu: %s differs", (unsigned long long)seq,
		    what);
}

/* Every field of cx_event: when a field is added to it, add it here once. */
static inline void
ev_assert_event_eq(const cx_event *a, const cx_event *b)
{
	uint64_t s = a->seq;

	cr_assert_eq(a->seq, b->seq);
	cr_assert_eq(a->kind, b->kind, "seq %llu: kind", (unsigned long long)s);
	cr_assert_eq(a->flags, b->flags, "seq %llu: flags", (unsigned long long)s);
	cr_assert_eq(a->wall_ns, b->wall_ns, "seq %llu: wall_ns", (unsigned long long)s);
	cr_assert_eq(a->mono_ns, b->mono_ns, "seq %llu: mono_ns", (unsigned long long)s);
	ev_assert_bytes_eq(a->session, b->session, "session", s);
	ev_assert_bytes_eq(a->conversation, b->conversation, "conversation", s);
	ev_assert_bytes_eq(a->raw, b->raw, "raw", s);
	cr_assert_eq(a->exchange, b->exchange, "seq %llu: exchange", (unsigned long long)s);
	ev_assert_bytes_eq(a->method, b->method, "method", s);
	ev_assert_bytes_eq(a->path, b->path, "path", s);
	cr_assert_eq(a->status, b->status, "seq %llu: status", (unsigned long long)s);
	cr_assert_eq(a->close_code, b->close_code, "seq %llu: close_code", (unsigned long long)s);
	ev_assert_bytes_eq(a->reason, b->reason, "reason", s);
	cr_assert_eq(a->n_headers, b->n_headers, "seq %llu: n_headers", (unsigned long long)s);
	for (uint32_t i = 0; i < a->n_headers; i++) {
		ev_assert_bytes_eq(a->headers[i].name, b->headers[i].name, "header name", s);
		ev_assert_bytes_eq(a->headers[i].value, b->headers[i].value, "header value", s);
	}
}

#endif
