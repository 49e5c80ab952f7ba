/* SPDX-License-Identifier: MIT */
/* Tests for lc_err and lc_buf: every status has a text and an exit code; caps hold. */
#include <criterion/criterion.h>
#include <string.h>

#include "lc_buf.h"
#include "lc_err.h"

Test(err, every_status_has_a_distinct_text)
{
	for (int i = 0; i < LC_STATUS_COUNT; i++) {
		const char *t = lc_strerror((lc_status)i);
		cr_assert_str_neq(t, "unknown status", "status %d has no text", i);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(t, lc_strerror((lc_status)j), "statuses %d and %d share a text", i, j);
	}
	cr_assert_str_eq(lc_strerror(LC_STATUS_COUNT), "unknown status");
	cr_assert_str_eq(lc_strerror((lc_status)-1), "unknown status");
}

Test(err, exit_codes_follow_the_cli_contract)
{
	cr_assert_eq(lc_status_exit_code(LC_OK), 0);
	cr_assert_eq(lc_status_exit_code(LC_EINVAL), 2);
	cr_assert_eq(lc_status_exit_code(LC_ECONFIG), 2);
	cr_assert_eq(lc_status_exit_code(LC_ECORRUPT), 3);
	cr_assert_eq(lc_status_exit_code(LC_EVERSION), 3);
	cr_assert_eq(lc_status_exit_code(LC_ENET), 1);
	cr_assert_eq(lc_status_exit_code(LC_ENOSPC), 1);
}

Test(err, first_error_wins)
{
	lc_err e = LC_ERR_INIT;

	cr_assert_eq(lc_err_set(&e, LC_EIO, "disk %d failed", 3), LC_EIO);
	cr_assert_eq(lc_err_set(&e, LC_EPARSE, "later"), LC_EPARSE);
	cr_assert_eq(e.status, LC_EIO);
	cr_assert_str_eq(lc_err_text(&e), "disk 3 failed");
	lc_err_clear(&e);
	cr_assert_eq(e.status, LC_OK);
	cr_assert_eq(lc_err_set(NULL, LC_EIO, "x"), LC_EIO);
}

Test(buf, append_beyond_cap_fails_and_keeps_contents)
{
	lc_buf b;

	lc_buf_init(&b, 8);
	cr_assert_eq(lc_buf_append_str(&b, "abcde"), LC_OK);
	cr_assert_eq(lc_buf_append_str(&b, "fghi"), LC_ETOOBIG);
	cr_assert_eq(b.len, 5);
	cr_assert_str_eq((char *)b.ptr, "abcde");
	cr_assert_eq(lc_buf_printf(&b, "%d", 123), LC_OK);
	cr_assert_str_eq((char *)b.ptr, "abcde123");
	cr_assert_eq(lc_buf_printf(&b, "x"), LC_ETOOBIG);
	lc_buf_free(&b);
	lc_buf_free(NULL);
}
