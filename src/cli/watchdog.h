/* The process-level wall-clock limit of `dnsprobe check -t` (SPEC §1): a watchdog thread. */
#pragma once

#include <pthread.h>
#include <stdbool.h>

#include "dnsprobe/common.h"

/* When the deadline passes before the report is out, fire(arg) prints an UNKNOWN result ("not
 * checked: budget exhausted") and the process exits 3 at once; when the report is out but the
 * cleanup still waits (on checks that overran), the process exits with the report's status. The
 * engine's own deadlines keep this the exception; this is the guarantee. */
struct dp_watchdog {
	pthread_t th;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	double deadline; /* dp_now_mono() */
	int state;       /* enum in watchdog.c */
	int status;      /* exit status once the report is out */
	void (*fire)(void *arg);
	void *arg;
	bool started;
};

/* Start watching; fire and arg must stay valid until dp_watchdog_stop. */
int dp_watchdog_start(struct dp_watchdog *w, double deadline, void (*fire)(void *arg), void *arg,
		      struct dp_err *err) DP_WUR;
/* Before the main thread writes its report: when the watchdog has fired, this never returns
 * (the watchdog is printing its result and exits the process). */
void dp_watchdog_claim(struct dp_watchdog *w);
/* The report is written and flushed; status is the exit code to use if the deadline passes
 * during cleanup. */
void dp_watchdog_done(struct dp_watchdog *w, int status);
/* Stop the thread and release it (a never-started watchdog is fine). */
void dp_watchdog_stop(struct dp_watchdog *w);
