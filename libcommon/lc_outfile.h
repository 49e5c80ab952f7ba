/* SPDX-License-Identifier: MIT */
/* lc_outfile: open an output path the way its target wants: replace a regular file atomically, write into anything else. */
#ifndef LC_OUTFILE_H
#define LC_OUTFILE_H

#include <stdio.h>

#include "lc_err.h"

/*
 * Every file a cxtape program writes (reports, findings, transcripts,
 * exports) goes through here, so every output path behaves alike:
 *
 * - "-" is standard output;
 * - a regular file, new or existing, is written to a temporary file beside
 *   it and renamed over it at lc_outfile_commit: a reader never sees half a
 *   report, and a failed run leaves the old file as it was. A new file is
 *   created 0600 (it can hold message text, like the tape); an existing one
 *   keeps its mode. A user who wants a wider mode creates the file first or
 *   changes it after;
 * - a symbolic link is followed and its target treated as above, so the link
 *   stays a link;
 * - a character device, a FIFO or a socket is opened and written in place,
 *   never replaced (`-o /dev/null`, `-o >(gzip)`, a named pipe);
 * - LC_OUTFILE_STREAM asks for in-place writing of a regular file too (the
 *   findings of a running recorder, which a user tails while they grow); a
 *   new file is still created 0600.
 */
enum {
	LC_OUTFILE_STREAM = 1 << 0,
};

typedef struct lc_outfile lc_outfile;

/*
 * Open path for writing. *out: close with lc_outfile_commit (keeps what was
 * written) or lc_outfile_abort (drops it where it can: a temporary file is
 * removed, a target written in place keeps what reached it).
 * LC_EINVAL for an empty path, LC_EPERM / LC_ENOTFOUND / LC_EIO with the
 * path and what to do.
 */
lc_status lc_outfile_open(const char *path, unsigned flags, lc_outfile **out, lc_err *err)
    LC_MUST_CHECK;

/* The stream to write to; valid until commit or abort. */
FILE *lc_outfile_stream(lc_outfile *o);

/*
 * Flush, sync a regular file, and rename a temporary file into place; then
 * free o. A write error seen at any point (the stream's error flag, a full
 * disk) fails here with the path named, and the old file stays as it was.
 */
lc_status lc_outfile_commit(lc_outfile *o, lc_err *err) LC_MUST_CHECK;

/* Drop what was written where possible and free o. Accepts NULL. */
void lc_outfile_abort(lc_outfile *o);

/* Open, write len bytes of p, commit: the whole of an output at once. */
lc_status lc_outfile_write_all(const char *path, const void *p, size_t len, lc_err *err)
    LC_MUST_CHECK;

#endif
