/* SPDX-License-Identifier: MIT */
/* lc_crc32c: CRC-32C with the SSE4.2 instruction when present, slicing-by-8 tables otherwise. */
#include <pthread.h>
#include <string.h>

#include "lc_crc32c.h"

#define CRC32C_POLY 0x82f63b78u   /* reflected Castagnoli polynomial */

static uint32_t crc_table[8][256];   /* written once under pthread_once, then read-only */
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void
crc_table_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
}

uint32_t
lc_crc32c_sw(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *s = p;

	pthread_once(&crc_once, crc_table_init);
	crc = ~crc;
	while (n >= 8) {
		uint32_t lo = crc ^ ((uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 |
		    (uint32_t)s[3] << 24);
		crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
		    crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
		    crc_table[3][s[4]] ^ crc_table[2][s[5]] ^ crc_table[1][s[6]] ^ crc_table[0][s[7]];
		s += 8;
		n -= 8;
	}
	while (n--)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *s++) & 0xff];
	return ~crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>

__attribute__((target("sse4.2"))) static uint32_t
crc32c_hw(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *s = p;
	uint64_t c = ~crc;

	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);   /* unaligned-safe; compiles to one load */
		c = _mm_crc32_u64(c, w);
		s += 8;
		n -= 8;
	}
	uint32_t c32 = (uint32_t)c;
	while (n--)
		c32 = _mm_crc32_u8(c32, *s++);
	return ~c32;
}

uint32_t
lc_crc32c(uint32_t crc, const void *p, size_t n)
{
	/* __builtin_cpu_supports reads state the runtime set up before main: no global of ours. */
	if (__builtin_cpu_supports("sse4.2"))
		return crc32c_hw(crc, p, n);
	return lc_crc32c_sw(crc, p, n);
}
#else
uint32_t
lc_crc32c(uint32_t crc, const void *p, size_t n)
{
	return lc_crc32c_sw(crc, p, n);
}
#endif
