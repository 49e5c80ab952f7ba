/* SPDX-License-Identifier: MIT */
/* lc_map: a string-keyed hash map (open addressing) owning copies of its keys. */
#ifndef LC_MAP_H
#define LC_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "lc_err.h"

typedef struct lc_map lc_map;

/*
 * A map from byte-string keys to pointers. Keys are copied; values are
 * borrowed (the caller owns what they point to). max_entries is the cap: an
 * insert past it fails with LC_EFULL, so untrusted input cannot grow it
 * without bound. Iteration order is insertion order (deterministic).
 */
lc_status lc_map_new(size_t max_entries, lc_map **out) LC_MUST_CHECK;
void lc_map_free(lc_map *m);   /* accepts NULL; does not free values */

/* The value for key, or NULL. */
void *lc_map_get(const lc_map *m, const void *key, size_t klen);
/* Insert or replace. */
lc_status lc_map_put(lc_map *m, const void *key, size_t klen, void *value) LC_MUST_CHECK;
/* Remove key; returns its value or NULL. The slot in insertion order is dropped. */
void *lc_map_del(lc_map *m, const void *key, size_t klen);
size_t lc_map_count(const lc_map *m);

/*
 * Visit entries in insertion order: *it starts at 0; returns 0 at the end.
 * The key is borrowed from the map (valid until the entry is removed).
 */
int lc_map_next(const lc_map *m, size_t *it, const char **key, size_t *klen, void **value);

#endif
