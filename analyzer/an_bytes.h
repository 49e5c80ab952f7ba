/* SPDX-License-Identifier: MIT */
/*
 * an_bytes: eight bytes at a time. A word hash built from 8-byte chunks and
 * byte-class masks computed on a uint64_t (SWAR), shared by the sentiment
 * tokenizer and the escalation scanner. Header-only: every function inlines.
 */
#ifndef AN_BYTES_H
#define AN_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define AN_ONES 0x0101010101010101ull
#define AN_HIGH 0x8080808080808080ull   /* bit 7 of every byte: where the masks below answer */

/* Up to 8 bytes of p as a little-endian word; bytes past avail read as 0. */
static inline uint64_t
an_load8(const void *p, size_t avail)
{
	const uint8_t *b = p;
	uint64_t x = 0;

	if (avail >= 8) {
		memcpy(&x, b, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		x = __builtin_bswap64(x);
#endif
		return x;
	}
	for (size_t k = 0; k < avail; k++)
		x |= (uint64_t)b[k] << (8 * k);
	return x;
}

/*
 * The bytes of text[i..n) as an_load8 reads them (at most 8; 0 past n), but
 * without a byte loop near the end when the text has 8 bytes or more: the last
 * 8 bytes, shifted down.
 */
static inline uint64_t
an_load8_at(const void *text, size_t i, size_t n)
{
	if (n - i >= 8 || n < 8)
		return an_load8((const uint8_t *)text + i, n - i);
	return an_load8((const uint8_t *)text + n - 8, 8) >> (8 * (8 - (n - i)));
}

/* Stores the 8 bytes of x (little-endian) at p. */
static inline void
an_store8(void *p, uint64_t x)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	memcpy(p, &x, 8);
}

/*
 * Bit 7 set in each byte of x that lies in [lo, hi], for bytes below 0x80
 * (1 <= lo <= hi <= 0x7f): no byte's sum carries into the next.
 */
static inline uint64_t
an_bytes_in(uint64_t x, unsigned lo, unsigned hi)
{
	return (x + (0x80 - lo) * AN_ONES) & ~(x + (0x7f - hi) * AN_ONES) & AN_HIGH;
}

/* The low k bytes of a word (k < 8). */
static inline uint64_t
an_low_bytes(size_t k)
{
	return ((uint64_t)1 << (8 * k)) - 1;
}

/*
 * Word hashes: bytes taken 8 at a time (little-endian, the last chunk
 * zero-padded), each chunk mixed in by a multiply, then the length. A caller
 * that has the chunks already (a tokenizer) gets the same value as
 * an_hash_bytes over the same bytes.
 */
#define AN_HASH_K1 0x9e3779b97f4a7c15ull
#define AN_HASH_K2 0xc2b2ae3d27d4eb4full

static inline uint64_t
an_hash_chunk(uint64_t h, uint64_t chunk)
{
	return (((h << 29) | (h >> 35)) ^ chunk) * AN_HASH_K1;
}

static inline uint32_t
an_hash_end(uint64_t h, size_t n)
{
	return (uint32_t)(((h ^ n) * AN_HASH_K2) >> 32);
}

static inline uint32_t
an_hash_bytes(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0;

	for (size_t i = 0; i < n; i += 8)
		h = an_hash_chunk(h, an_load8(b + i, n - i));
	return an_hash_end(h, n);
}

#endif
