/* A bounded parallel-for over independent jobs (network steps that mostly wait), on a process-wide
 * set of worker threads that are kept for the next call instead of being created and destroyed
 * each time (thread creation, stack mapping and its TLB shootdowns were the largest CPU cost of a
 * busy monitor once the reaper no longer spun). */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "base/parallel.h"

#define DP_PARALLEL_DEFAULT 16
#define DP_PARALLEL_MAX	    64
/* Idle workers kept for reuse; a worker that finds more idle ones than this exits. */
#define DP_POOL_IDLE_MAX 96

struct pfor {
	size_t n;
	size_t next; /* next index to take (under pool.lock) */
	void (*fn)(void *arg, size_t i);
	void *arg;
	size_t wanted;	/* helpers still wanted; while > 0 the call is in pool.queue */
	size_t active;	/* helpers working on it now */
	bool queued;
	struct pfor *qnext;
	pthread_cond_t done; /* signalled when active drops to 0 */
};

/* A task of dp_spawn: run once by a worker. */
struct task {
	void *(*fn)(void *);
	void *arg;
	struct task *next;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t work; /* idle workers wait here */
	struct pfor *head, *tail;
	struct task *tasks, *tasks_tail;
	size_t idle;
	size_t woken; /* signals sent to idle workers that have not woken yet */
	size_t total;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER};

static void
dequeue(struct pfor *f)
{
	struct pfor *prev = NULL;

	if (!f->queued)
		return;
	for (struct pfor *k = pool.head; k != NULL; prev = k, k = k->qnext) {
		if (k != f)
			continue;
		if (prev != NULL)
			prev->qnext = k->qnext;
		else
			pool.head = k->qnext;
		if (pool.tail == k)
			pool.tail = prev;
		break;
	}
	f->qnext = NULL;
	f->queued = false;
}

/* Take and run f's jobs until none is left; pool.lock held on entry and on return. */
static void
drain(struct pfor *f)
{
	while (f->next < f->n) {
		size_t i = f->next++;

		pthread_mutex_unlock(&pool.lock);
		f->fn(f->arg, i);
		pthread_mutex_lock(&pool.lock);
	}
}

static void *
worker(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&pool.lock);
	for (;;) {
		struct pfor *f = pool.head;
		struct task *t = pool.tasks;

		if (t != NULL) {
			pool.tasks = t->next;
			if (pool.tasks == NULL)
				pool.tasks_tail = NULL;
			pthread_mutex_unlock(&pool.lock);
			(void)t->fn(t->arg);
			free(t);
			pthread_mutex_lock(&pool.lock);
			continue;
		}
		if (f == NULL) {
			if (pool.idle >= DP_POOL_IDLE_MAX)
				break;
			pool.idle++;
			pthread_cond_wait(&pool.work, &pool.lock);
			pool.idle--;
			if (pool.woken > 0)
				pool.woken--;
			continue;
		}
		if (--f->wanted == 0 || f->next >= f->n)
			dequeue(f);
		f->active++;
		drain(f);
		if (--f->active == 0)
			pthread_cond_signal(&f->done);
	}
	pool.total--;
	pthread_mutex_unlock(&pool.lock);
	return NULL;
}

/* pool.lock held: wake idle workers for want helpers, start threads for the rest; returns how
 * many were woken or started. */
static size_t
recruit(size_t want)
{
	size_t avail = pool.idle > pool.woken ? pool.idle - pool.woken : 0;
	size_t wake = want < avail ? want : avail;

	for (size_t i = 0; i < wake; i++)
		pthread_cond_signal(&pool.work);
	pool.woken += wake;
	for (size_t i = wake; i < want; i++) {
		pthread_attr_t at;
		pthread_t th;
		int rc;

		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&th, &at, worker, NULL);
		pthread_attr_destroy(&at);
		if (rc != 0)
			return i; /* the caller works through the jobs itself */
		pool.total++;
	}
	return want;
}

void
dp_parallel_for(size_t n, size_t max_threads, void (*fn)(void *arg, size_t i), void *arg)
{
	struct pfor f = {.n = n, .fn = fn, .arg = arg};
	size_t want = max_threads == 0 ? DP_PARALLEL_DEFAULT : max_threads;

	if (want > DP_PARALLEL_MAX)
		want = DP_PARALLEL_MAX;
	if (want > n)
		want = n;
	if (n <= 1 || want <= 1) {
		for (size_t i = 0; i < n; i++)
			fn(arg, i);
		return;
	}
	pthread_cond_init(&f.done, NULL);
	pthread_mutex_lock(&pool.lock);
	/* the caller is one of the want threads: it takes jobs too, so the call finishes even
	 * when no helper comes (and a job may itself call dp_parallel_for) */
	f.wanted = want - 1;
	f.queued = true;
	if (pool.tail != NULL)
		pool.tail->qnext = &f;
	else
		pool.head = &f;
	pool.tail = &f;
	(void)recruit(want - 1);
	drain(&f);
	dequeue(&f);
	while (f.active > 0)
		pthread_cond_wait(&f.done, &pool.lock);
	pthread_mutex_unlock(&pool.lock);
	pthread_cond_destroy(&f.done);
}

int
dp_spawn(void *(*fn)(void *), void *arg)
{
	struct task *t = malloc(sizeof(*t));

	if (t == NULL)
		return -1;
	*t = (struct task){.fn = fn, .arg = arg};
	pthread_mutex_lock(&pool.lock);
	if (pool.tasks_tail != NULL)
		pool.tasks_tail->next = t;
	else
		pool.tasks = t;
	pool.tasks_tail = t;
	if (recruit(1) == 0 && pool.total == 0) {
		/* no worker at all, and none could be started: the caller runs it */
		struct task **pp = &pool.tasks;

		pool.tasks_tail = NULL;
		while (*pp != NULL && *pp != t) {
			pool.tasks_tail = *pp;
			pp = &(*pp)->next;
		}
		if (*pp == t)
			*pp = t->next;
		if (t->next != NULL) {
			for (struct task *k = t->next; k != NULL; k = k->next)
				pool.tasks_tail = k;
		}
		pthread_mutex_unlock(&pool.lock);
		free(t);
		return -1;
	}
	pthread_mutex_unlock(&pool.lock);
	return 0;
}
