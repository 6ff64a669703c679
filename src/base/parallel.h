/* Run n independent jobs on a bounded pool of threads and wait for all of them. */
#pragma once

#include <stddef.h>

/* Calls fn(arg, i) for every i in [0, n), at most max_threads at once (0: a default of 16), the
 * calling thread being one of them. Jobs must not depend on each other's order; a job may call
 * dp_parallel_for itself. The helper threads are process-wide workers kept idle between calls
 * (at most 96 idle; more are started when none is free). Falls back to running inline when no
 * thread can be started. */
void dp_parallel_for(size_t n, size_t max_threads, void (*fn)(void *arg, size_t i), void *arg);

/* Run fn(arg) once on one of those workers (an idle one, or a new thread), not waiting for it:
 * for the detached threads of checks and observations, without creating and destroying a thread
 * each time. 0 when handed over; -1 when no thread can run it (the caller runs it itself). */
int dp_spawn(void *(*fn)(void *), void *arg);
