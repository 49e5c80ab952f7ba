/* SPDX-License-Identifier: MIT */
/* lc_outfile: output paths: atomic replace for regular files, in-place writes for devices, FIFOs and streams. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lc_outfile.h"

#define OUTFILE_NEW_MODE 0600

struct lc_outfile {
	FILE *f;      /* a stream over fd (fopencookie) that remembers why a write failed */
	int fd;
	int werr;     /* errno of the first failed write, 0 while none */
	int is_stdout;
	char *path;   /* where the output ends up (a link's target, resolved) */
	char *tmp;    /* the temporary file renamed over path at commit, or NULL */
};

static lc_status
io_fail(lc_err *err, const char *what, const char *path, int e)
{
	lc_status st = e == EACCES || e == EPERM || e == EROFS ? LC_EPERM :
	    e == ENOENT || e == ENOTDIR ? LC_ENOTFOUND : e == ENOSPC || e == EDQUOT ? LC_ENOSPC : LC_EIO;

	return lc_err_set(err, st, "cannot %s %s: %s%s", what, path, strerror(e),
	    st == LC_ENOTFOUND ? " (does its directory exist?)" :
	    st == LC_EPERM ? " (choose a path you may write, or fix its permissions)" : "");
}

static void
outfile_free(lc_outfile *o)
{
	free(o->path);
	free(o->tmp);
	free(o);
}

static ssize_t
cookie_write(void *c, const char *buf, size_t n)
{
	lc_outfile *o = c;
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(o->fd, buf + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (o->werr == 0)
				o->werr = w < 0 ? errno : EIO;
			return (ssize_t)done;   /* fopencookie: 0, never negative, on error */
		}
		done += (size_t)w;
	}
	return (ssize_t)n;
}

static int
cookie_close(void *c)
{
	lc_outfile *o = c;
	int rc = close(o->fd);

	if (rc != 0 && o->werr == 0)
		o->werr = errno;
	o->fd = -1;
	return rc;
}

/* Give o a stream over fd; fd is o's from here on, also on failure. */
static lc_status
stream_over(lc_outfile *o, int fd, lc_err *err)
{
	static const cookie_io_functions_t io = {.write = cookie_write, .close = cookie_close};

	o->fd = fd;
	if ((o->f = fopencookie(o, "w", io)) == NULL) {
		close(fd);
		o->fd = -1;
		return lc_err_set(err, LC_ENOMEM, "out of memory opening %s", o->path);
	}
	return LC_OK;
}

/* Open a temporary file beside path with the mode the result must have. */
static lc_status
open_tmp(lc_outfile *o, mode_t mode, lc_err *err)
{
	size_t n = strlen(o->path) + 16;
	int fd;

	if ((o->tmp = malloc(n)) == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory opening %s", o->path);
	snprintf(o->tmp, n, "%s.XXXXXX", o->path);
	if ((fd = mkostemp(o->tmp, O_CLOEXEC)) < 0) {
		lc_status st = io_fail(err, "create a temporary file beside", o->path, errno);

		free(o->tmp);
		o->tmp = NULL;
		return st;
	}
	if (fchmod(fd, mode) != 0) {
		lc_status st = io_fail(err, "set the mode of", o->tmp, errno);

		close(fd);
		unlink(o->tmp);
		return st;
	}
	return stream_over(o, fd, err);
}

/* Open path itself for writing (a device, a FIFO, or a stream), creating it 0600. */
static lc_status
open_in_place(lc_outfile *o, int truncate, lc_err *err)
{
	int fd = open(o->path, O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0), OUTFILE_NEW_MODE);

	if (fd < 0)
		return io_fail(err, "open", o->path, errno);
	return stream_over(o, fd, err);
}

/* Follow a symbolic link to where it points (a dangling link: to the file it names). */
static char *
resolve(const char *path)
{
	char *r = realpath(path, NULL);
	char buf[PATH_MAX];
	ssize_t n;

	if (r != NULL || errno != ENOENT)
		return r;
	if ((n = readlink(path, buf, sizeof(buf) - 1)) < 0)
		return strdup(path);   /* not a link: a new file */
	buf[n] = 0;
	if (buf[0] != '/' && strchr(path, '/') != NULL) {
		const char *slash = strrchr(path, '/');
		size_t dl = (size_t)(slash - path) + 1, len = dl + (size_t)n + 1;

		if ((r = malloc(len)) != NULL) {
			memcpy(r, path, dl);
			memcpy(r + dl, buf, (size_t)n + 1);
		}
		return r;
	}
	return strdup(buf);
}

lc_status
lc_outfile_open(const char *path, unsigned flags, lc_outfile **out, lc_err *err)
{
	lc_outfile *o;
	struct stat sb;
	lc_status st;
	int exists;

	*out = NULL;
	if (path == NULL || *path == 0)
		return lc_err_set(err, LC_EINVAL, "an output path is empty; give a file name or - for stdout");
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return lc_err_set(err, LC_ENOMEM, "out of memory opening %s", path);
	if (strcmp(path, "-") == 0) {
		o->f = stdout;
		o->is_stdout = 1;
		*out = o;
		return LC_OK;
	}
	if ((o->path = resolve(path)) == NULL) {
		st = io_fail(err, "resolve", path, errno);
		outfile_free(o);
		return st;
	}
	exists = stat(o->path, &sb) == 0;
	if (exists && S_ISDIR(sb.st_mode))
		st = lc_err_set(err, LC_EINVAL, "%s is a directory; give a file name inside it", path);
	else if (exists && !S_ISREG(sb.st_mode))
		st = open_in_place(o, 0, err);   /* a device, a FIFO: never replaced */
	else if (flags & LC_OUTFILE_STREAM)
		st = open_in_place(o, 1, err);
	else
		st = open_tmp(o, exists ? sb.st_mode & 07777 : OUTFILE_NEW_MODE, err);
	if (st != LC_OK) {
		outfile_free(o);
		return st;
	}
	*out = o;
	return LC_OK;
}

FILE *
lc_outfile_stream(lc_outfile *o)
{
	return o->f;
}

lc_status
lc_outfile_commit(lc_outfile *o, lc_err *err)
{
	lc_status st = LC_OK;

	if (o->is_stdout) {
		if (fflush(stdout) != 0 || ferror(stdout))
			st = io_fail(err, "write to", "stdout", errno ? errno : EIO);
		free(o);
		return st;
	}
	if (fflush(o->f) == 0 && !ferror(o->f) && o->tmp != NULL && fsync(o->fd) != 0 && o->werr == 0)
		o->werr = errno;
	if (fclose(o->f) != 0 && o->werr == 0)
		o->werr = EIO;
	if (o->werr != 0)
		st = io_fail(err, "write", o->path, o->werr);
	if (o->tmp != NULL) {
		if (st == LC_OK && rename(o->tmp, o->path) != 0)
			st = io_fail(err, "rename a temporary file to", o->path, errno);
		if (st != LC_OK)
			unlink(o->tmp);
	}
	outfile_free(o);
	return st;
}

void
lc_outfile_abort(lc_outfile *o)
{
	if (o == NULL)
		return;
	if (!o->is_stdout) {
		fclose(o->f);
		if (o->tmp != NULL)
			unlink(o->tmp);
	}
	outfile_free(o);
}

lc_status
lc_outfile_write_all(const char *path, const void *p, size_t len, lc_err *err)
{
	lc_outfile *o = NULL;
	lc_status st = lc_outfile_open(path, 0, &o, err);

	if (st != LC_OK)
		return st;
	if (len > 0)
		(void)fwrite(p, 1, len, o->f);   /* a failed write is reported by the commit */
	return lc_outfile_commit(o, err);
}
