/* SPDX-License-Identifier: MIT */
/* rec_pace: reconnect backoff with full jitter and the outbound token bucket. */
#include "rec_pace.h"

uint64_t
rec_rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void
rec_backoff_init(rec_backoff *b, uint32_t base_ms, uint32_t cap_ms, uint64_t seed)
{
	b->base_ms = base_ms ? base_ms : 1;
	b->cap_ms = cap_ms < b->base_ms ? b->base_ms : cap_ms;
	b->attempt = 0;
	b->rng = seed;
}

uint32_t
rec_backoff_ceiling_ms(const rec_backoff *b)
{
	uint64_t c = b->base_ms;

	/* stop doubling once past the cap: no overflow however many attempts */
	for (uint32_t i = 0; i < b->attempt && c < b->cap_ms; i++)
		c *= 2;
	return c > b->cap_ms ? b->cap_ms : (uint32_t)c;
}

uint32_t
rec_backoff_next_ms(rec_backoff *b)
{
	uint64_t ceil = rec_backoff_ceiling_ms(b);
	uint32_t d = (uint32_t)(rec_rng_next(&b->rng) % (ceil + 1));

	if (b->attempt < UINT32_MAX)
		b->attempt++;
	return d;
}

void
rec_bucket_init(rec_bucket *b, double rate, double burst, int64_t now_ns)
{
	b->rate = rate > 0 ? rate : 10;
	b->burst = burst >= 1 ? burst : 1;
	b->tokens = b->burst;
	b->last_ns = now_ns;
}

bool
rec_bucket_take(rec_bucket *b, int64_t now_ns, int64_t *wait_ns)
{
	if (now_ns > b->last_ns) {
		b->tokens += (double)(now_ns - b->last_ns) / 1e9 * b->rate;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		b->last_ns = now_ns;
	}
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		return true;
	}
	if (wait_ns)
		*wait_ns = (int64_t)((1.0 - b->tokens) / b->rate * 1e9) + 1;
	return false;
}
