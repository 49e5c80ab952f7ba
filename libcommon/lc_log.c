/* SPDX-License-Identifier: MIT */
/* lc_log: levelled logging to stderr, one write per line. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lc_log.h"

/* Frozen after lc_log_init, before threads start. */
static const char *log_prog = "cxtape";
static lc_log_level log_level = LC_LOG_INFO;

static const char *const level_name[] = {"error", "warn", "info", "debug"};

int
lc_log_level_parse(const char *s)
{
	for (int i = 0; i <= LC_LOG_DEBUG; i++)
		if (s != NULL && strcmp(s, level_name[i]) == 0)
			return i;
	return -1;
}

void
lc_log_init(const char *prog, lc_log_level level)
{
	const char *env = getenv("CXTAPE_LOG");
	int l = lc_log_level_parse(env);

	if (prog != NULL)
		log_prog = prog;
	log_level = l >= 0 ? (lc_log_level)l : level;
}

lc_log_level
lc_log_level_get(void)
{
	return log_level;
}

void
lc_log(lc_log_level level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n, m;

	if (level > log_level)
		return;
	n = snprintf(line, sizeof(line), "%s: %s: ", log_prog, level_name[level]);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}
