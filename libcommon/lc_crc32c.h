/* SPDX-License-Identifier: MIT */
/* lc_crc32c: CRC-32C (Castagnoli), the checksum every tape record carries. */
#ifndef LC_CRC32C_H
#define LC_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * CRC-32C of n bytes, continuing from crc (start with 0). Uses the SSE4.2
 * crc32 instruction when the CPU has it, else a table; both give the same
 * value (the iSCSI/ext4 CRC: crc32c("123456789") == 0xe3069283).
 */
uint32_t lc_crc32c(uint32_t crc, const void *p, size_t n);

/* The portable table version, always available (tests compare the two). */
uint32_t lc_crc32c_sw(uint32_t crc, const void *p, size_t n);

#endif
