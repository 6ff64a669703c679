/* Run n independent jobs on a bounded pool of threads and wait for all of them. */
#pragma once

#include <stddef.h>

/* Calls fn(arg, i) for every i in [0, n), at most max_threads at once (0: a default of 16).
 * Jobs must not depend on each other's order. Falls back to running inline when no thread can
 * be started. */
void dp_parallel_for(size_t n, size_t max_threads, void (*fn)(void *arg, size_t i), void *arg);
