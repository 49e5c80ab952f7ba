/* SPDX-License-Identifier: MIT */
/* lc_map: open-addressing hash map (linear probing, tombstones) with an insertion-order list. */
#include <stdlib.h>
#include <string.h>

#include "lc_map.h"

typedef struct map_entry {
	char *key;          /* NULL: removed (a hole in insertion order) */
	size_t klen;
	uint64_t hash;
	void *value;
} map_entry;

/* slots[] hold 1 + index into entries[]; 0 empty, SIZE_MAX tombstone. */
struct lc_map {
	size_t *slots;
	size_t nslots;           /* power of two */
	map_entry *entries;
	size_t nentries, centries;
	size_t live;
	size_t max;
};

#define TOMB SIZE_MAX

static uint64_t
map_hash(const void *key, size_t len)
{
	const uint8_t *p = key;
	uint64_t h = 1469598103934665603ull;   /* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

lc_status
lc_map_new(size_t max_entries, lc_map **out)
{
	lc_map *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return LC_ENOMEM;
	m->nslots = 16;
	m->slots = calloc(m->nslots, sizeof(size_t));
	if (m->slots == NULL) {
		free(m);
		return LC_ENOMEM;
	}
	m->max = max_entries;
	*out = m;
	return LC_OK;
}

void
lc_map_free(lc_map *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nentries; i++)
		free(m->entries[i].key);
	free(m->entries);
	free(m->slots);
	free(m);
}

/* Slot index holding key, or the first free slot for it when absent (*found = 0). */
static size_t
map_find(const lc_map *m, const void *key, size_t klen, uint64_t h, int *found)
{
	size_t mask = m->nslots - 1, i = (size_t)h & mask, first_free = SIZE_MAX;

	for (;;) {
		size_t s = m->slots[i];

		if (s == 0) {
			*found = 0;
			return first_free != SIZE_MAX ? first_free : i;
		}
		if (s == TOMB) {
			if (first_free == SIZE_MAX)
				first_free = i;
		} else {
			const map_entry *e = &m->entries[s - 1];

			if (e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0) {
				*found = 1;
				return i;
			}
		}
		i = (i + 1) & mask;
	}
}

/* Rebuild the slot table at a size that keeps the load under one half, compacting entries. */
static lc_status
map_rehash(lc_map *m)
{
	size_t n = 16, j = 0;
	size_t *slots;

	while (n < (m->live + 1) * 2)
		n *= 2;
	slots = calloc(n, sizeof(size_t));
	if (slots == NULL)
		return LC_ENOMEM;
	for (size_t i = 0; i < m->nentries; i++)
		if (m->entries[i].key != NULL)
			m->entries[j++] = m->entries[i];
	m->nentries = j;
	free(m->slots);
	m->slots = slots;
	m->nslots = n;
	for (size_t i = 0; i < m->nentries; i++) {
		size_t k = (size_t)m->entries[i].hash & (n - 1);

		while (slots[k] != 0)
			k = (k + 1) & (n - 1);
		slots[k] = i + 1;
	}
	return LC_OK;
}

void *
lc_map_get(const lc_map *m, const void *key, size_t klen)
{
	int found;
	size_t i = map_find(m, key, klen, map_hash(key, klen), &found);

	return found ? m->entries[m->slots[i] - 1].value : NULL;
}

lc_status
lc_map_put(lc_map *m, const void *key, size_t klen, void *value)
{
	uint64_t h = map_hash(key, klen);
	int found;
	size_t i = map_find(m, key, klen, h, &found);
	map_entry *e;
	lc_status rc;

	if (found) {
		m->entries[m->slots[i] - 1].value = value;
		return LC_OK;
	}
	if (m->live >= m->max)
		return LC_EFULL;
	if ((m->nentries + 1) * 2 > m->nslots || m->nentries == m->centries) {
		/* Grow the entry array unless compacting its holes frees half of it. */
		if (m->nentries == m->centries && m->live * 2 >= m->centries) {
			size_t nc = m->centries ? m->centries * 2 : 16;
			map_entry *ne = realloc(m->entries, nc * sizeof(*ne));

			if (ne == NULL)
				return LC_ENOMEM;
			m->entries = ne;
			m->centries = nc;
		}
		if ((rc = map_rehash(m)) != LC_OK)
			return rc;
		i = map_find(m, key, klen, h, &found);
	}
	e = &m->entries[m->nentries];
	e->key = malloc(klen + 1);
	if (e->key == NULL)
		return LC_ENOMEM;
	memcpy(e->key, key, klen);
	e->key[klen] = '\0';
	e->klen = klen;
	e->hash = h;
	e->value = value;
	m->slots[i] = ++m->nentries;
	m->live++;
	return LC_OK;
}

void *
lc_map_del(lc_map *m, const void *key, size_t klen)
{
	int found;
	size_t i = map_find(m, key, klen, map_hash(key, klen), &found);
	map_entry *e;
	void *v;

	if (!found)
		return NULL;
	e = &m->entries[m->slots[i] - 1];
	v = e->value;
	free(e->key);
	e->key = NULL;
	m->slots[i] = TOMB;
	m->live--;
	return v;
}

size_t
lc_map_count(const lc_map *m)
{
	return m->live;
}

int
lc_map_next(const lc_map *m, size_t *it, const char **key, size_t *klen, void **value)
{
	while (*it < m->nentries) {
		const map_entry *e = &m->entries[(*it)++];

		if (e->key == NULL)
			continue;
		if (key)
			*key = e->key;
		if (klen)
			*klen = e->klen;
		if (value)
			*value = e->value;
		return 1;
	}
	return 0;
}
