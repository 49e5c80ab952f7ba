/* SPDX-License-Identifier: MIT */
/* Tests for lc_outfile: regular files replaced atomically with the right mode; links, FIFOs and devices written in place. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lc_outfile.h"

static char dir[256];

static void
mk_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/cxtape-outfile-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(dir));
}

static void
rm_dir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(outfile, .init = mk_dir, .fini = rm_dir, .timeout = 30);

static void
path_of(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static size_t
read_all(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, cap - 1, f);
	buf[n] = 0;
	fclose(f);
	return n;
}

/* Nothing but the named files in the directory: no temporary left behind. */
static int
entries(void)
{
	char cmd[400], out[64];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	if (fgets(out, sizeof out, p))
		n = atoi(out);
	pclose(p);
	return n;
}

Test(outfile, a_new_file_is_created_0600_whatever_the_umask)
{
	char p[300], buf[64];
	struct stat sb;
	lc_err err = LC_ERR_INIT;
	mode_t old = umask(022);

	path_of(p, sizeof p, "report.json");
	cr_assert_eq(lc_outfile_write_all(p, "{}\n", 3, &err), LC_OK, "%s", err.msg);
	umask(old);
	cr_assert_eq(stat(p, &sb), 0);
	cr_assert_eq(sb.st_mode & 07777, 0600, "mode %o", sb.st_mode & 07777);
	cr_assert_eq(read_all(p, buf, sizeof buf), 3);
	cr_assert_str_eq(buf, "{}\n");
	cr_assert_eq(entries(), 1);
}

Test(outfile, an_existing_file_keeps_its_mode_and_is_replaced_whole)
{
	char p[300], buf[64];
	struct stat sb;
	lc_outfile *o = NULL;
	lc_err err = LC_ERR_INIT;

	path_of(p, sizeof p, "r.txt");
	cr_assert_eq(lc_outfile_write_all(p, "old\n", 4, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(chmod(p, 0640), 0);
	cr_assert_eq(lc_outfile_open(p, 0, &o, &err), LC_OK, "%s", err.msg);
	fputs("new contents\n", lc_outfile_stream(o));
	fflush(lc_outfile_stream(o));
	/* until the commit, a reader sees the old file whole */
	cr_assert_eq(read_all(p, buf, sizeof buf), 4);
	cr_assert_eq(lc_outfile_commit(o, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(stat(p, &sb), 0);
	cr_assert_eq(sb.st_mode & 07777, 0640, "mode %o", sb.st_mode & 07777);
	read_all(p, buf, sizeof buf);
	cr_assert_str_eq(buf, "new contents\n");
	cr_assert_eq(entries(), 1);
}

Test(outfile, an_abort_leaves_the_old_file_and_no_temporary)
{
	char p[300], buf[64];
	lc_outfile *o = NULL;
	lc_err err = LC_ERR_INIT;

	path_of(p, sizeof p, "r.txt");
	cr_assert_eq(lc_outfile_write_all(p, "old\n", 4, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(lc_outfile_open(p, 0, &o, &err), LC_OK, "%s", err.msg);
	fputs("half a rep", lc_outfile_stream(o));
	lc_outfile_abort(o);
	read_all(p, buf, sizeof buf);
	cr_assert_str_eq(buf, "old\n");
	cr_assert_eq(entries(), 1);
}

Test(outfile, a_symlink_stays_a_link_and_its_target_is_written)
{
	char link[300], target[300], buf[64];
	struct stat sb;
	lc_err err = LC_ERR_INIT;

	path_of(target, sizeof target, "real.html");
	path_of(link, sizeof link, "latest.html");
	cr_assert_eq(lc_outfile_write_all(target, "v1", 2, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(symlink("real.html", link), 0);
	cr_assert_eq(lc_outfile_write_all(link, "v2", 2, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(lstat(link, &sb), 0);
	cr_assert(S_ISLNK(sb.st_mode), "the link was replaced by a file");
	read_all(target, buf, sizeof buf);
	cr_assert_str_eq(buf, "v2");
	/* a dangling link gets its target created */
	cr_assert_eq(unlink(target), 0);
	cr_assert_eq(lc_outfile_write_all(link, "v3", 2, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(lstat(link, &sb), 0);
	cr_assert(S_ISLNK(sb.st_mode));
	read_all(target, buf, sizeof buf);
	cr_assert_str_eq(buf, "v3");
}

static void *
fifo_reader(void *arg)
{
	static char buf[64];

	read_all(arg, buf, sizeof buf);
	return buf;
}

Test(outfile, a_fifo_is_written_into_not_replaced)
{
	char p[300];
	struct stat sb;
	pthread_t th;
	void *got;
	lc_err err = LC_ERR_INIT;

	path_of(p, sizeof p, "pipe");
	cr_assert_eq(mkfifo(p, 0600), 0);
	cr_assert_eq(pthread_create(&th, NULL, fifo_reader, p), 0);
	cr_assert_eq(lc_outfile_write_all(p, "through the pipe\n", 17, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(pthread_join(th, &got), 0);
	cr_assert_str_eq(got, "through the pipe\n");
	cr_assert_eq(stat(p, &sb), 0);
	cr_assert(S_ISFIFO(sb.st_mode), "the FIFO was replaced");
	cr_assert_eq(entries(), 1);
}

Test(outfile, a_character_device_is_written_into_not_replaced)
{
	char p[300];
	struct stat sb;
	lc_err err = LC_ERR_INIT;

	path_of(p, sizeof p, "null");
	if (mknod(p, S_IFCHR | 0666, makedev(1, 3)) != 0)   /* /dev/null's numbers */
		cr_skip_test("mknod needs root (%s): the CI run is root and makes it", strerror(errno));
	cr_assert_eq(lc_outfile_write_all(p, "discarded", 9, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(stat(p, &sb), 0);
	cr_assert(S_ISCHR(sb.st_mode), "the device was replaced by a regular file");
	cr_assert_eq(entries(), 1);
}

Test(outfile, stream_mode_writes_a_regular_file_in_place)
{
	char p[300], buf[64];
	struct stat sb;
	lc_outfile *o = NULL;
	lc_err err = LC_ERR_INIT;

	path_of(p, sizeof p, "findings.jsonl");
	cr_assert_eq(lc_outfile_open(p, LC_OUTFILE_STREAM, &o, &err), LC_OK, "%s", err.msg);
	fputs("{\"kind\":\"sentiment\"}\n", lc_outfile_stream(o));
	fflush(lc_outfile_stream(o));
	/* a user tailing the file sees each line as it is written */
	cr_assert_eq(read_all(p, buf, sizeof buf), 21);
	cr_assert_eq(lc_outfile_commit(o, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(stat(p, &sb), 0);
	cr_assert_eq(sb.st_mode & 07777, 0600);
}

Test(outfile, errors_name_the_path_and_say_what_to_do)
{
	char p[300];
	lc_outfile *o = NULL;
	lc_err err = LC_ERR_INIT;

	path_of(p, sizeof p, "no/such/dir/r.json");
	cr_assert_eq(lc_outfile_open(p, 0, &o, &err), LC_ENOTFOUND);
	cr_assert_null(o);
	cr_assert(strstr(err.msg, "no/such/dir/r.json") != NULL, "%s", err.msg);
	cr_assert(strstr(err.msg, "directory exist") != NULL, "%s", err.msg);
	lc_err_clear(&err);
	cr_assert_eq(lc_outfile_open(dir, 0, &o, &err), LC_EINVAL);
	cr_assert(strstr(err.msg, "is a directory") != NULL, "%s", err.msg);
	lc_err_clear(&err);
	cr_assert_eq(lc_outfile_open("", 0, &o, &err), LC_EINVAL);
}

Test(outfile, a_full_disk_fails_the_commit_and_names_the_path)
{
	char p[300], keep[300], buf[64];
	struct stat sb;
	lc_outfile *o = NULL;
	lc_err err = LC_ERR_INIT;
	static char big[1 << 16];

	/* a device of our own with /dev/full's numbers, so a broken build never replaces the system's */
	path_of(p, sizeof p, "full");
	if (mknod(p, S_IFCHR | 0666, makedev(1, 7)) != 0)
		cr_skip_test("mknod needs root (%s): the CI run is root and makes it", strerror(errno));
	path_of(keep, sizeof keep, "keep.txt");
	cr_assert_eq(lc_outfile_write_all(keep, "kept", 4, &err), LC_OK, "%s", err.msg);
	cr_assert_eq(lc_outfile_open(p, 0, &o, &err), LC_OK, "%s", err.msg);
	fwrite(big, 1, sizeof big, lc_outfile_stream(o));
	cr_assert_eq(lc_outfile_commit(o, &err), LC_ENOSPC, "%s", err.msg);
	cr_assert(strstr(err.msg, p) != NULL, "%s", err.msg);
	cr_assert_eq(stat(p, &sb), 0);
	cr_assert(S_ISCHR(sb.st_mode), "the device was replaced by a regular file");
	read_all(keep, buf, sizeof buf);
	cr_assert_str_eq(buf, "kept");
}
