/* SPDX-License-Identifier: MIT */
/* Tests for lc_map: lookups, replacement, removal, cap, insertion order, churn. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "lc_map.h"

Test(map, put_get_replace_delete)
{
	lc_map *m;
	int a = 1, b = 2;

	cr_assert_eq(lc_map_new(100, &m), LC_OK);
	cr_assert_eq(lc_map_put(m, "k1", 2, &a), LC_OK);
	cr_assert_eq(lc_map_get(m, "k1", 2), &a);
	cr_assert_null(lc_map_get(m, "k2", 2));
	cr_assert_null(lc_map_get(m, "k", 1));
	cr_assert_eq(lc_map_put(m, "k1", 2, &b), LC_OK);
	cr_assert_eq(lc_map_get(m, "k1", 2), &b);
	cr_assert_eq(lc_map_count(m), 1);
	cr_assert_eq(lc_map_del(m, "k1", 2), &b);
	cr_assert_null(lc_map_get(m, "k1", 2));
	cr_assert_eq(lc_map_count(m), 0);
	lc_map_free(m);
}

Test(map, cap_refuses_new_keys_but_allows_replacing)
{
	lc_map *m;
	int v;

	cr_assert_eq(lc_map_new(2, &m), LC_OK);
	cr_assert_eq(lc_map_put(m, "a", 1, &v), LC_OK);
	cr_assert_eq(lc_map_put(m, "b", 1, &v), LC_OK);
	cr_assert_eq(lc_map_put(m, "c", 1, &v), LC_EFULL);
	cr_assert_eq(lc_map_put(m, "a", 1, NULL), LC_OK);
	lc_map_free(m);
}

Test(map, iteration_follows_insertion_order_after_churn)
{
	lc_map *m;
	char k[32];
	size_t it = 0, klen, n = 0;
	const char *key;
	void *val;

	cr_assert_eq(lc_map_new(1u << 20, &m), LC_OK);
	/* Many inserts and deletes: tombstones must not degrade or break lookups. */
	for (int i = 0; i < 100000; i++) {
		int len = snprintf(k, sizeof(k), "m-%d", i);
		cr_assert_eq(lc_map_put(m, k, (size_t)len, (void *)(intptr_t)(i + 1)), LC_OK);
		if (i >= 10) {
			len = snprintf(k, sizeof(k), "m-%d", i - 10);
			cr_assert_eq(lc_map_del(m, k, (size_t)len), (void *)(intptr_t)(i - 9));
		}
	}
	cr_assert_eq(lc_map_count(m), 10);
	while (lc_map_next(m, &it, &key, &klen, &val)) {
		snprintf(k, sizeof(k), "m-%zu", 99990 + n);
		cr_assert_str_eq(key, k);
		cr_assert_eq((intptr_t)val, (intptr_t)(99991 + n));
		n++;
	}
	cr_assert_eq(n, 10);
	lc_map_free(m);
	lc_map_free(NULL);
}
