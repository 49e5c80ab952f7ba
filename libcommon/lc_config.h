/* SPDX-License-Identifier: MIT */
/* lc_config: settings from a key = value file and the CXONE_* environment, with typed getters. */
#ifndef LC_CONFIG_H
#define LC_CONFIG_H

#include <stdbool.h>

#include "lc_err.h"

/*
 * Precedence, lowest first: the file, then the environment (CXONE_<KEY> in
 * upper case: CXONE_BASE_URL, CXONE_CLIENT_ID, CXONE_CLIENT_SECRET,
 * CXONE_USER_ID, ...), then lc_config_set (command-line flags).
 * docs/configuration.md lists the keys. Lookups return strings borrowed from
 * the config, valid until lc_config_free or the next set of the same key.
 */
typedef struct lc_config lc_config;

#define LC_CONFIG_FILE_MAX   ((size_t)1 << 20)   /* a config file: 1 MiB */
#define LC_CONFIG_ENTRIES_MAX 256
#define LC_CONFIG_KEY_MAX    64

/* *out: caller frees with lc_config_free. */
lc_status lc_config_new(lc_config **out, lc_err *err) LC_MUST_CHECK;
void lc_config_free(lc_config *c);   /* accepts NULL; wipes values first */

/*
 * Read FILE: '#' comments, blank lines, `key = value`; a value may be quoted
 * ("..." with \" \\ \n \t escapes, or '...' taken literally); unquoted, " #"
 * starts a comment. Errors name FILE:LINE (LC_ECONFIG). A file holding
 * client_secret that group or others can access is refused: LC_EPERM,
 * "config FILE holds client_secret and is readable by others; run chmod 600 FILE".
 */
lc_status lc_config_load_file(lc_config *c, const char *path, lc_err *err) LC_MUST_CHECK;
/* Take CXONE_<KEY> for every key in the documented list (lc_config_known_keys). */
lc_status lc_config_load_env(lc_config *c, lc_err *err) LC_MUST_CHECK;
/* The usual start-up: a new config, the file (when path is not NULL), then the environment. */
lc_status lc_config_load(const char *path, lc_config **out, lc_err *err) LC_MUST_CHECK;

/* Set key (a flag's value); origin names where it came from, e.g. "--base-url". */
lc_status lc_config_set(lc_config *c, const char *key, const char *value,
    const char *origin, lc_err *err) LC_MUST_CHECK;

/* The value, or NULL when unset. Borrowed. */
const char *lc_config_get(const lc_config *c, const char *key);
/* Where the value came from ("FILE:LINE", "$CXONE_BASE_URL", "--flag"), or NULL. Borrowed. */
const char *lc_config_origin(const lc_config *c, const char *key);

/*
 * Typed getters: *out = def when the key is unset; LC_ECONFIG with a message
 * naming the key, its origin and the accepted range when the value does not
 * parse or is out of [lo, hi]. Booleans: true/false, yes/no, on/off, 1/0.
 */
lc_status lc_config_get_int(const lc_config *c, const char *key, long long def, long long lo,
    long long hi, long long *out, lc_err *err) LC_MUST_CHECK;
lc_status lc_config_get_double(const lc_config *c, const char *key, double def, double lo,
    double hi, double *out, lc_err *err) LC_MUST_CHECK;
lc_status lc_config_get_bool(const lc_config *c, const char *key, bool def, bool *out,
    lc_err *err) LC_MUST_CHECK;

/* The connection keys, NULL-terminated: the environment is read for these (CXONE_<KEY>). */
const char *const *lc_config_known_keys(void);
/* The analyzer's keys, NULL-terminated (an_config_apply reads them; no environment). */
const char *const *lc_config_analyzer_keys(void);

/*
 * One name per setting across all programs. A renamed key is still accepted
 * (in a file, from lc_config_set, and as CXONE_<OLD> in the environment):
 * it is stored under its new name and a warning on stderr names the new one.
 * Returns the new name of old, or NULL when old is not a renamed key.
 */
const char *lc_config_renamed(const char *old);

/*
 * LC_ECONFIG naming the key and where it came from for a key that no program
 * reads (a typo): every program calls this after loading, so one file serves
 * cxrecord, cxreplay and cxanalyze alike.
 */
lc_status lc_config_check(const lc_config *c, lc_err *err) LC_MUST_CHECK;

/* Calls fn for every key set in c that is in keys (NULL-terminated), in the order first set. */
typedef lc_status (*lc_config_fn)(void *ud, const char *key, const char *value, const char *origin,
    lc_err *err);
lc_status lc_config_each(const lc_config *c, const char *const *keys, lc_config_fn fn, void *ud,
    lc_err *err) LC_MUST_CHECK;

#endif
