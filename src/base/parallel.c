/* A bounded parallel-for over independent jobs (network steps that mostly wait). */
#include "config.h"

#include <pthread.h>

#include "base/parallel.h"

#define DP_PARALLEL_DEFAULT 16
#define DP_PARALLEL_MAX	    64

struct pfor {
	size_t n;
	size_t next;
	void (*fn)(void *arg, size_t i);
	void *arg;
	pthread_mutex_t lock;
};

static void *
pfor_worker(void *p)
{
	struct pfor *f = p;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&f->lock);
		i = f->next++;
		pthread_mutex_unlock(&f->lock);
		if (i >= f->n)
			return NULL;
		f->fn(f->arg, i);
	}
}

void
dp_parallel_for(size_t n, size_t max_threads, void (*fn)(void *arg, size_t i), void *arg)
{
	struct pfor f = {.n = n, .fn = fn, .arg = arg};
	pthread_t th[DP_PARALLEL_MAX];
	size_t want = max_threads == 0 ? DP_PARALLEL_DEFAULT : max_threads;
	size_t started = 0;

	if (want > DP_PARALLEL_MAX)
		want = DP_PARALLEL_MAX;
	if (want > n)
		want = n;
	if (n == 1) {
		fn(arg, 0);
		return;
	}
	pthread_mutex_init(&f.lock, NULL);
	for (; started < want; started++) {
		if (pthread_create(&th[started], NULL, pfor_worker, &f) != 0)
			break;
	}
	if (started == 0)
		(void)pfor_worker(&f);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&f.lock);
}
