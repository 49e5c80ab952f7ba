/* SPDX-License-Identifier: MIT */
/* rec_worker: the REST worker thread — OAuth, presence, routing, transcripts — off the stream's loop. */
#ifndef REC_WORKER_H
#define REC_WORKER_H

#include "rec_api.h"

typedef enum rec_job_kind {
	REC_JOB_TOKEN = 1,    /* a fresh token for the stream (forced refresh) */
	REC_JOB_PRESENCE,     /* arg: status name */
	REC_JOB_ROUTING,      /* availability; skills from the options */
	REC_JOB_TRANSCRIPT,   /* arg: conversation id; every page onto the tape */
} rec_job_kind;

typedef struct rec_job {
	rec_job_kind kind;
	char arg[REC_NAME_MAX];
	double availability;
} rec_job;

/* What a finished job hands back; everything borrowed for the callback only. */
typedef struct rec_job_done {
	const rec_job *job;
	lc_status status;
	const char *message;      /* the error text when status != LC_OK */
	const char *token;        /* REC_JOB_TOKEN on success (a secret: copy, never log) */
} rec_job_done;

/* Called on the worker thread after every job; it must only queue and wake (lws_cancel_service). */
typedef void (*rec_done_fn)(void *ud, const rec_job_done *d);

#define REC_WORKER_QUEUE_MAX 1024u

typedef struct rec_worker_opts {
	lc_oauth_api api;              /* http and auth become the worker's (wait is set by the worker) */
	const char *user_id;      /* copied */
	const rec_skill *skills;  /* copied */
	size_t n_skills;
	rec_done_fn done;         /* may be NULL */
	void *ud;
} rec_worker_opts;

typedef struct rec_worker rec_worker;

/* Start the thread. *out: caller ends it with rec_worker_stop. */
lc_status rec_worker_start(const rec_worker_opts *o, rec_worker **out, lc_err *err) LC_MUST_CHECK;

/* Queue a job (thread-safe); a token job goes to the head and is never queued twice. LC_EFULL when REC_WORKER_QUEUE_MAX wait: counted and logged. */
lc_status rec_worker_submit(rec_worker *w, const rec_job *job) LC_MUST_CHECK;

/* Jobs refused because the queue was full. */
uint64_t rec_worker_refused(rec_worker *w);

/*
 * Stop: 429 waits end at once (those calls fail), the jobs already queued
 * still run, then `last` (may be NULL: e.g. presence offline) with no
 * waiting, then the thread is joined and freed. Accepts NULL.
 */
void rec_worker_stop(rec_worker *w, const rec_job *last);

#endif
