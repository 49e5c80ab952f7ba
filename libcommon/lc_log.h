/* SPDX-License-Identifier: MIT */
/* lc_log: levelled logging to stderr. Never pass a secret: log pseudonyms or lengths. */
#ifndef LC_LOG_H
#define LC_LOG_H

#include "lc_err.h"

typedef enum lc_log_level {
	LC_LOG_ERROR = 0,
	LC_LOG_WARN,
	LC_LOG_INFO,
	LC_LOG_DEBUG,
} lc_log_level;

/*
 * Configuration frozen at start-up (call before any thread starts): the
 * program name prefixed to each line and the most verbose level shown.
 * Defaults: "cxtape", LC_LOG_INFO; CXTAPE_LOG=error|warn|info|debug overrides.
 */
void lc_log_init(const char *prog, lc_log_level level);
lc_log_level lc_log_level_get(void);
/* Parse "error", "warn", "info", "debug"; -1 if none of those. */
int lc_log_level_parse(const char *s);

/* One line: "PROG: LEVEL: message\n", written with one write(2) so lines never interleave. */
void lc_log(lc_log_level level, const char *fmt, ...) LC_PRINTF(2, 3);

#define lc_error(...) lc_log(LC_LOG_ERROR, __VA_ARGS__)
#define lc_warn(...)  lc_log(LC_LOG_WARN, __VA_ARGS__)
#define lc_info(...)  lc_log(LC_LOG_INFO, __VA_ARGS__)
#define lc_debug(...) lc_log(LC_LOG_DEBUG, __VA_ARGS__)

#endif
