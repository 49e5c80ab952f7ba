/* SPDX-License-Identifier: MIT */
/* rec_worker: a bounded job queue and one thread doing the blocking REST calls and their waits. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lc_log.h"
#include "rec_worker.h"

struct rec_worker {
	rec_worker_opts o;
	char user[REC_NAME_MAX];
	rec_skill skills[REC_SKILLS_MAX];
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	rec_job *ring;            /* REC_WORKER_QUEUE_MAX slots */
	size_t head, count;
	bool stopping, token_queued;
	rec_job last;
	bool have_last;
	atomic_uint_fast64_t refused;
};

static void run_job(rec_worker *w, const rec_job *job);

/* Take the queued token job, if any (tokens sit at the head of the ring). Called locked. */
static bool
take_token_job(rec_worker *w, rec_job *job)
{
	if (!w->token_queued || w->count == 0 || w->ring[w->head].kind != REC_JOB_TOKEN)
		return false;
	*job = w->ring[w->head];
	w->head = (w->head + 1) % REC_WORKER_QUEUE_MAX;
	w->count--;
	w->token_queued = false;
	return true;
}

/*
 * The api's wait (a job sitting out a Retry-After): a timed wait on the
 * condition, cut short by a stop. A token the stream asks for meanwhile is
 * fetched at once — the HTTP handle is idle during the wait — so a 429 storm
 * on presence or routing never holds up a reconnect.
 */
static bool
worker_wait(void *ud, double seconds)
{
	rec_worker *w = ud;
	struct timespec ts;
	rec_job job;
	bool stopped;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)seconds;
	ts.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->mu);
	for (;;) {
		if (w->stopping)
			break;
		if (take_token_job(w, &job)) {
			pthread_mutex_unlock(&w->mu);
			run_job(w, &job);
			pthread_mutex_lock(&w->mu);
			continue;
		}
		if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) != 0)
			break;          /* the deadline passed */
	}
	stopped = w->stopping;
	pthread_mutex_unlock(&w->mu);
	return !stopped;
}

static void
run_job(rec_worker *w, const rec_job *job)
{
	char token[LC_OAUTH_TOKEN_MAX] = "";
	lc_err err = LC_ERR_INIT;
	rec_job_done d;
	lc_status rc = LC_OK;
	unsigned pages = 0;

	switch (job->kind) {
	case REC_JOB_TOKEN:
		rc = lc_oauth_api_token(&w->o.api, true, token, sizeof(token), &err);
		break;
	case REC_JOB_PRESENCE:
		rc = rec_api_presence(&w->o.api, w->user, job->arg, &err);
		break;
	case REC_JOB_ROUTING:
		rc = rec_api_routing(&w->o.api, w->user, job->availability, w->skills, w->o.n_skills, &err);
		break;
	case REC_JOB_TRANSCRIPT:
		rc = rec_api_transcript(&w->o.api, job->arg, NULL, NULL, &pages, &err);
		if (rc == LC_OK)
			lc_info("conversation %s archived (%u transcript pages)", job->arg, pages);
		break;
	}
	if (rc != LC_OK && job->kind != REC_JOB_TOKEN)
		lc_error("%s", lc_err_text(&err));
	if (w->o.done) {
		d.job = job;
		d.status = rc;
		d.message = rc ? lc_err_text(&err) : NULL;
		d.token = rc ? NULL : token;
		w->o.done(w->o.ud, &d);
	}
	explicit_bzero(token, sizeof(token));
}

static void *
worker_main(void *arg)
{
	rec_worker *w = arg;
	rec_job job;

	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (w->count == 0 && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->count == 0) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		job = w->ring[w->head];
		w->head = (w->head + 1) % REC_WORKER_QUEUE_MAX;
		w->count--;
		if (job.kind == REC_JOB_TOKEN)
			w->token_queued = false;
		pthread_mutex_unlock(&w->mu);
		run_job(w, &job);
	}
	if (w->have_last) {
		w->o.api.max_retries = 0;
		run_job(w, &w->last);
	}
	return NULL;
}

lc_status
rec_worker_start(const rec_worker_opts *o, rec_worker **out, lc_err *err)
{
	rec_worker *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;

	*out = NULL;
	if (w == NULL || (w->ring = calloc(REC_WORKER_QUEUE_MAX, sizeof(rec_job))) == NULL) {
		free(w);
		return lc_err_set(err, LC_ENOMEM, "out of memory starting the REST worker");
	}
	w->o = *o;
	snprintf(w->user, sizeof(w->user), "%s", o->user_id ? o->user_id : "");
	if (w->o.n_skills > REC_SKILLS_MAX)
		w->o.n_skills = REC_SKILLS_MAX;
	if (w->o.n_skills)
		memcpy(w->skills, o->skills, w->o.n_skills * sizeof(rec_skill));
	w->o.skills = w->skills;
	w->o.api.wait = worker_wait;
	w->o.api.wait_ud = w;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		free(w->ring);
		free(w);
		return lc_err_set(err, LC_ENOMEM, "cannot start the REST worker thread");
	}
	*out = w;
	return LC_OK;
}

lc_status
rec_worker_submit(rec_worker *w, const rec_job *job)
{
	lc_status rc = LC_OK;

	pthread_mutex_lock(&w->mu);
	if (job->kind == REC_JOB_TOKEN && w->token_queued) {
		pthread_mutex_unlock(&w->mu);
		return LC_OK;   /* one fresh token serves every waiter */
	}
	if (w->count >= REC_WORKER_QUEUE_MAX) {
		rc = LC_EFULL;
	} else if (job->kind == REC_JOB_TOKEN) {
		/* the stream waits on it to reconnect: ahead of presence, routing and transcripts */
		w->head = (w->head + REC_WORKER_QUEUE_MAX - 1) % REC_WORKER_QUEUE_MAX;
		w->ring[w->head] = *job;
		w->count++;
		w->token_queued = true;
		pthread_cond_broadcast(&w->cv);
	} else {
		w->ring[(w->head + w->count) % REC_WORKER_QUEUE_MAX] = *job;
		w->count++;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	if (rc) {
		uint64_t n = atomic_fetch_add(&w->refused, 1) + 1;
		lc_error("the REST worker queue is full (%u jobs): a job was not run (%llu so far); "
		         "the server is answering too slowly", REC_WORKER_QUEUE_MAX, (unsigned long long)n);
	}
	return rc;
}

uint64_t
rec_worker_refused(rec_worker *w)
{
	return atomic_load(&w->refused);
}

void
rec_worker_stop(rec_worker *w, const rec_job *last)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	if (last) {
		w->last = *last;
		w->have_last = true;
	}
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w->ring);
	free(w);
}
