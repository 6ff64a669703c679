/* `check -t`: a thread that ends the process at the deadline, whatever the run is doing. */
#include "config.h"

#include "cli/watchdog.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
	WD_RUNNING, /* the run is going; nothing written yet */
	WD_WRITING, /* the main thread is writing its report */
	WD_DONE,    /* the report is out; cleanup */
	WD_FIRED,   /* the watchdog owns stdout */
	WD_STOP,    /* the main thread is finished: the thread ends */
};

static void *
wd_thread(void *arg)
{
	struct dp_watchdog *w = arg;
	struct timespec ts;
	double left;

	pthread_mutex_lock(&w->lock);
	while (w->state != WD_STOP && (left = w->deadline - dp_now_mono()) > 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += (time_t)left;
		ts.tv_nsec += (long)((left - (double)(time_t)left) * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&w->cond, &w->lock, &ts);
	}
	/* A report being written is memory-bound: let it finish rather than interleave. */
	while (w->state == WD_WRITING)
		pthread_cond_wait(&w->cond, &w->lock);
	if (w->state == WD_STOP) {
		pthread_mutex_unlock(&w->lock);
		return NULL;
	}
	if (w->state == WD_DONE) {
		/* Only the cleanup is late (checks that overran keep their threads): leave. */
		fflush(stdout);
		_exit(w->status);
	}
	w->state = WD_FIRED;
	pthread_mutex_unlock(&w->lock);
	w->fire(w->arg);
	fflush(stdout);
	fflush(stderr);
	_exit(DP_STATUS_UNKNOWN);
}

int
dp_watchdog_start(struct dp_watchdog *w, double deadline, void (*fire)(void *arg), void *arg,
		  struct dp_err *err)
{
	pthread_condattr_t ca;
	int rc;

	memset(w, 0, sizeof(*w));
	w->deadline = deadline;
	w->fire = fire;
	w->arg = arg;
	w->state = WD_RUNNING;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	rc = pthread_create(&w->th, NULL, wd_thread, w);
	if (rc != 0) {
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		return dp_err_set(err, DP_ENOMEM, "cannot start the -t watchdog: %s", strerror(rc));
	}
	w->started = true;
	return 0;
}

void
dp_watchdog_claim(struct dp_watchdog *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->lock);
	if (w->state == WD_FIRED) {
		pthread_mutex_unlock(&w->lock);
		for (;;)
			pause(); /* the watchdog writes its result and calls _exit */
	}
	w->state = WD_WRITING;
	pthread_mutex_unlock(&w->lock);
}

void
dp_watchdog_done(struct dp_watchdog *w, int status)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->lock);
	w->state = WD_DONE;
	w->status = status;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void
dp_watchdog_stop(struct dp_watchdog *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->lock);
	w->state = WD_STOP;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->th, NULL);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	w->started = false;
}
