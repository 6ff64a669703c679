/* `dnsprobe monitor` (SPEC §4): config generations, the scheduler's worker pool, snapshots,
 * SIGHUP reload and SIGTERM/SIGINT shutdown through a signalfd (no work in signal handlers). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "engine/statefile.h"
#include "monitor/monitor.h"

#define MAX_WORKERS 256
#define DP_STR2(x)  #x
#define DP_STR(x)   DP_STR2(x)
/* How long SIGTERM waits for runs in flight before leaving them behind (issue 8: "within a
 * second"). */
#define STOP_GRACE 1.0

/*
 * A run's memory is spread over glibc's arenas; give it back now and then, not after every run:
 * malloc_trim walks every arena under its lock, and once per run it cost a saturated monitor
 * 10-25 % of its CPU per run (bench/README.md (h)) for no lower peak RSS. One worker trims at most
 * every DP_TRIM_EVERY seconds.
 */
#define DP_TRIM_EVERY 30.0

static _Atomic double last_trim;

static void
trim_maybe(void)
{
	double now = dp_now_mono();
	double last = atomic_load(&last_trim);

	if (now - last < DP_TRIM_EVERY ||
	    !atomic_compare_exchange_strong(&last_trim, &last, now))
		return;
	(void)malloc_trim(0);
}

static const struct option long_opts[] = {
    {"config", required_argument, NULL, 'c'}, {"listen", required_argument, NULL, 'l'},
    {"check-config", no_argument, NULL, 'n'}, {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
};

struct args {
	const char *config;
	const char *listen;
	bool check_only;
	int verbose;
	bool help;
};

/* ---- generations ---- */

/* Generations whose last reference went are freed by the reaper thread, never by whoever let
 * go of them (a worker, an HTTP handler, a reload holding the monitor lock): freeing one waits
 * for the check threads still running on it, and a hung check must stall nothing else. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct dp_gen *list; /* waiting to be freed */
	bool started;
	bool stop;
	pthread_t th;
} reaper = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void
gen_free(struct dp_gen *g)
{
	dp_engine_clear(&g->eng);
	dp_config_free(g->cfg);
	free(g);
}

void
dp_gen_unref(struct dp_gen *g)
{
	if (g == NULL || atomic_fetch_sub(&g->refs, 1) != 1)
		return;
	pthread_mutex_lock(&reaper.lock);
	if (!reaper.started) { /* no monitor running (start-up failed, or a test) */
		pthread_mutex_unlock(&reaper.lock);
		gen_free(g);
		return;
	}
	g->next = reaper.list;
	reaper.list = g;
	pthread_cond_signal(&reaper.cond);
	pthread_mutex_unlock(&reaper.lock);
}

static void *
reaper_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&reaper.lock);
	for (;;) {
		struct dp_gen *g = reaper.list;

		if (g == NULL && reaper.stop)
			break;
		if (g == NULL) {
			pthread_cond_wait(&reaper.cond, &reaper.lock);
			continue;
		}
		reaper.list = NULL;
		pthread_mutex_unlock(&reaper.lock);
		while (g != NULL) {
			struct dp_gen *next = g->next;

			gen_free(g);
			g = next;
		}
		pthread_mutex_lock(&reaper.lock);
	}
	pthread_mutex_unlock(&reaper.lock);
	return NULL;
}

static int
reaper_start(void)
{
	int rc;

	pthread_mutex_lock(&reaper.lock);
	reaper.stop = false;
	rc = pthread_create(&reaper.th, NULL, reaper_main, NULL);
	reaper.started = rc == 0;
	pthread_mutex_unlock(&reaper.lock);
	return rc == 0 ? 0 : DP_ENOMEM;
}

/* Free what is waiting and stop the reaper; later unrefs free at once. */
static void
reaper_stop(void)
{
	pthread_mutex_lock(&reaper.lock);
	if (!reaper.started) {
		pthread_mutex_unlock(&reaper.lock);
		return;
	}
	reaper.stop = true;
	pthread_cond_signal(&reaper.cond);
	pthread_mutex_unlock(&reaper.lock);
	(void)pthread_join(reaper.th, NULL);
	pthread_mutex_lock(&reaper.lock);
	reaper.started = false;
	pthread_mutex_unlock(&reaper.lock);
}

static struct dp_gen *
gen_ref(struct dp_gen *g)
{
	atomic_fetch_add(&g->refs, 1);
	return g;
}

/* A generation for cfg (taken over, freed on failure). */
static struct dp_gen *
gen_new(struct dp_config *cfg, struct dp_err *err)
{
	struct dp_gen *g = calloc(1, sizeof(*g));
	struct dp_check_opts o;

	if (g == NULL) {
		dp_config_free(cfg);
		dp_err_set(err, DP_ENOMEM, "out of memory");
		return NULL;
	}
	atomic_init(&g->refs, 1);
	g->cfg = cfg;
	dp_config_domain_opts(cfg, NULL, "", &o);
	if (dp_engine_init(&g->eng, &o, err) != 0) {
		dp_config_free(cfg);
		free(g);
		return NULL;
	}
	return g;
}

static enum dp_log_level
level_of(const struct dp_config *c)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};

	for (int i = 0; c->log_level != NULL && i < 4; i++) {
		if (strcmp(c->log_level, names[i]) == 0)
			return (enum dp_log_level)i;
	}
	return DP_LOG_INFO;
}

/* ---- the domain table ---- */

/* What dnsprobe_threshold_seconds and dnsprobe_interval_seconds export for a domain: its own
 * settings (cd, globals merged in) or, for a /probe of an unconfigured domain, the globals. */
static void
limits_of(const struct dp_config *c, const struct dp_config_domain *cd,
          struct dp_metrics_limits *l)
{
	const struct dp_config_thresholds *t = cd != NULL ? &cd->thr : &c->thr;

	l->set = true;
	l->rrsig_warn = t->rrsig_warn;
	l->rrsig_crit = t->rrsig_crit;
	l->cert_warn = t->cert_warn;
	l->cert_crit = t->cert_crit;
	l->interval = cd != NULL ? cd->interval : c->interval;
}

static struct dp_mdomain *
find_dom(struct dp_mdomain *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	}
	return NULL;
}

static void
mdomain_clear(struct dp_mdomain *d)
{
	json_decref(d->state);
	json_decref(d->since_saved);
	dp_snap_unref(d->snap);
	memset(d, 0, sizeof(*d));
}

/* A new domain's memory from its state file (none: empty). A bad file is logged and left for
 * the next save to replace. */
static void
state_read(const struct dp_monitor *m, struct dp_mdomain *d)
{
	char path[4400];
	struct dp_err err = {0};

	if (m->state_dir[0] == '\0' ||
	    dp_state_path(m->state_dir, d->name, path, sizeof(path), &err) != 0 ||
	    dp_state_load(path, d->name, &d->state, &d->since_saved, &err) != 0) {
		if (err.msg[0] != '\0')
			dp_log(DP_LOG_WARN, "statefile", "%s: starting without its saved state: %s",
			       d->name, err.msg);
		json_decref(d->since_saved);
		d->since_saved = NULL;
		if (d->state == NULL)
			d->state = json_object();
	}
}

/* Install g as the current generation: the table is rebuilt from its domains, keeping state,
 * snapshot and schedule of every domain that stays. Called with m->lock held. */
static int
install_gen(struct dp_monitor *m, struct dp_gen *g)
{
	const struct dp_config *c = g->cfg;
	struct dp_mdomain *nv = calloc(c->ndomains + 1, sizeof(*nv));
	double now = dp_now_mono();
	size_t n = 0;

	if (nv == NULL)
		return DP_ENOMEM;
	{
		const char *sd = dp_state_dir_pick(c->state_dir, m->state_dir, sizeof(m->state_dir));

		if (sd == NULL)
			m->state_dir[0] = '\0';
		else if (sd != m->state_dir)
			dp_strlcpy(m->state_dir, sd, sizeof(m->state_dir));
	}
	for (size_t i = 0; i < c->ndomains; i++) {
		const struct dp_config_domain *cd = &c->domains[i];
		struct dp_mdomain *old;

		/* shard: I/N — the other monitors run the rest. */
		if (c->shard_count > 1 && dp_sched_shard(cd->name, c->shard_count) != c->shard_index)
			continue;
		old = find_dom(m->dom, m->ndom, cd->name);
		if (old != NULL) {
			nv[n] = *old;
			memset(old, 0, sizeof(*old));
		} else {
			dp_strlcpy(nv[n].name, cd->name, sizeof(nv[n].name));
			nv[n].due = now + dp_sched_offset(cd->name, cd->interval);
			state_read(m, &nv[n]);
		}
		nv[n++].cd = cd;
	}
	for (size_t i = 0; i < m->ndom; i++)
		mdomain_clear(&m->dom[i]);
	free(m->dom);
	if (m->ndom == 0) /* /healthz: nothing was due until now */
		m->last_finish = now;
	m->dom = nv;
	m->ndom = n;
	dp_gen_unref(m->gen); /* freed by the reaper, not here under the lock */
	m->gen = g;
	return 0;
}

/* ---- runs ---- */

/* No verdict for the whole run: every selected check reports UNKNOWN with the reason. */
static struct dp_report *
error_report(const char *domain, const struct dp_selection *sel, const char *why)
{
	struct dp_report *rep = dp_report_new(domain);

	if (rep == NULL)
		return NULL;
	rep->started = (int64_t)dp_now_wall();
	for (size_t i = 0; dp_engine_check_id(i) != NULL; i++) {
		if (sel->on[i])
			(void)dp_results_add(&rep->results, dp_engine_check_id(i), domain,
			                     DP_STATUS_UNKNOWN, NULL, "no verdict: %s", why);
	}
	return rep;
}

static int
domain_selection(const struct dp_config_domain *cd, struct dp_selection *sel, struct dp_err *err)
{
	return dp_selection_parse(sel, cd != NULL ? cd->only : NULL, cd != NULL ? cd->skip : NULL,
	                          err);
}

/* One run of a domain, outside the lock. Returns the report (never NULL unless no memory). */
static struct dp_report *
run_domain(struct dp_gen *g, const struct dp_config_domain *cd, json_t *state, bool *failed)
{
	struct dp_check_opts o;
	struct dp_selection sel;
	struct dp_err err = {0};
	struct dp_report *rep = NULL;

	dp_config_domain_opts(g->cfg, cd, cd->name, &o);
	o.monitor = true;
	*failed = false;
	if (domain_selection(cd, &sel, &err) == 0 &&
	    dp_engine_run(&g->eng, &o, &sel, state, &rep, &err) == 0)
		return rep;
	*failed = true;
	dp_log(DP_LOG_ERROR, "run", "%s: no verdict: %s", cd->name, err.msg);
	if (domain_selection(cd, &sel, NULL) != 0 &&
	    dp_selection_parse(&sel, NULL, NULL, NULL) != 0)
		memset(&sel, 0, sizeof(sel));
	return error_report(cd->name, &sel, err.msg);
}

/* The due domain to run next (earliest first), or NULL; *wait gets the seconds to sleep. */
static struct dp_mdomain *
pick(struct dp_monitor *m, double now, double *wait)
{
	struct dp_mdomain *best = NULL;

	*wait = 1.0;
	if (m->active >= m->gen->cfg->max_parallel)
		return NULL;
	for (size_t i = 0; i < m->ndom; i++) {
		struct dp_mdomain *d = &m->dom[i];

		if (d->running)
			continue;
		if (d->due <= now && (best == NULL || d->due < best->due))
			best = d;
		else if (d->due > now && d->due - now < *wait)
			*wait = d->due - now;
	}
	return best;
}

/* The snapshot of a finished run, made outside the lock: "since" carried from prev (the
 * domain's snapshot when the run started: one run of a domain at a time, so still its latest),
 * and its part of /metrics rendered once here rather than on every scrape. NULL on no memory. */
static struct dp_snap *
snap_make(struct dp_report *rep, struct dp_snap *prev, const json_t *saved, uint64_t runs,
          uint64_t errors)
{
	struct dp_snap *s;

	if (rep == NULL)
		return NULL;
	/* The first run after a start: since kept from the state file where the status is the same. */
	s = dp_snap_new_saved(rep, prev, prev == NULL ? saved : NULL, dp_now_wall(), true);
	if (s == NULL)
		return NULL;
	s->runs = runs;
	s->errors = errors;
	if (dp_snap_render(s, dp_engine_metrics()) != 0)
		dp_log(DP_LOG_ERROR, "run", "%s: no memory for its metrics", rep->domain);
	return s;
}

/* Swap s in (under the lock); returns what the caller frees after unlocking. */
static struct dp_snap *
publish(struct dp_monitor *m, const char *name, double due, struct dp_snap *s, bool failed)
{
	struct dp_mdomain *d = find_dom(m->dom, m->ndom, name);
	struct dp_snap *old;

	if (d == NULL) /* removed by a reload while it ran */
		return s;
	d->running = false;
	m->last_finish = dp_now_mono();
	d->due = dp_sched_next(due, m->last_finish, d->cd->interval);
	d->runs++;
	d->errors += failed;
	if (s == NULL)
		return NULL;
	/* The saved "since" list served the domain's first run after a start (snap_make). */
	json_decref(d->since_saved);
	d->since_saved = NULL;
	old = d->snap;
	d->snap = s;
	return old;
}

/* What a run leaves to be written to its state file, taken under the lock and written outside. */
struct state_save {
	char path[4400];
	char domain[256];
	char *dump;          /* the checks' memory (json_dumps) */
	struct dp_snap *snap; /* for the "since" list */
};

static void
state_take(struct dp_monitor *m, const char *name, json_t *state, struct state_save *sv)
{
	struct dp_mdomain *d = find_dom(m->dom, m->ndom, name);
	struct dp_err err = {0};

	memset(sv, 0, sizeof(*sv));
	if (m->state_dir[0] == '\0' || d == NULL || d->snap == NULL)
		return;
	if (dp_state_path(m->state_dir, name, sv->path, sizeof(sv->path), &err) != 0) {
		dp_log(DP_LOG_WARN, "statefile", "%s: not saved: %s", name, err.msg);
		return;
	}
	dp_strlcpy(sv->domain, name, sizeof(sv->domain));
	sv->dump = json_dumps(state, JSON_COMPACT); /* the run is over: nothing changes it now */
	sv->snap = dp_snap_ref(d->snap);
}

static void
state_write(struct state_save *sv)
{
	struct dp_err err = {0};
	json_t *since;

	if (sv->snap == NULL)
		return;
	since = dp_state_since_of(&sv->snap->rep->results, sv->snap->since);
	if (sv->dump == NULL || since == NULL)
		dp_log(DP_LOG_WARN, "statefile", "%s: not saved: out of memory", sv->domain);
	else if (dp_state_save(sv->path, sv->domain, sv->dump, since, sv->snap->finished, &err) != 0)
		dp_log(DP_LOG_WARN, "statefile", "%s: not saved: %s", sv->domain, err.msg);
	json_decref(since);
	free(sv->dump);
	dp_snap_unref(sv->snap);
}

static void
cond_wait_for(struct dp_monitor *m, double seconds)
{
	struct timespec ts;
	long ns;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns = ts.tv_nsec + (long)((seconds - (double)(time_t)seconds) * 1e9);
	ts.tv_sec += (time_t)seconds + ns / 1000000000L;
	ts.tv_nsec = ns % 1000000000L;
	(void)pthread_cond_timedwait(&m->cond, &m->lock, &ts);
}

/* Runs yield the CPU to serving: a worker (and every thread it starts, which inherits its nice
 * value) runs DP_RUN_NICE steps below the process, so a scrape of /metrics is not queued behind
 * a saturated monitor's runs. Linux keeps a nice value per thread. */
#define DP_RUN_NICE 10

static void
lower_priority(void)
{
	id_t tid = (id_t)gettid();
	int cur;

	errno = 0;
	cur = getpriority(PRIO_PROCESS, tid);
	if (errno == 0 && setpriority(PRIO_PROCESS, tid, cur + DP_RUN_NICE > 19 ? 19 : cur + DP_RUN_NICE) != 0)
		dp_log_errno(DP_LOG_WARN, "monitor", "cannot lower a worker's CPU priority");
}

static void *
worker(void *arg)
{
	struct dp_monitor *m = arg;

	lower_priority();
	pthread_mutex_lock(&m->lock);
	while (!m->stop) {
		double wait;
		struct dp_mdomain *d = pick(m, dp_now_mono(), &wait);
		struct dp_gen *g;
		const struct dp_config_domain *cd;
		json_t *state;
		char name[256];
		double due;
		bool failed;
		struct dp_report *rep;
		struct dp_snap *prev, *s;
		uint64_t runs, errors;
		json_t *saved;
		struct state_save sv;

		if (d == NULL) {
			cond_wait_for(m, wait);
			continue;
		}
		d->running = true;
		d->started = dp_now_mono();
		m->active++;
		g = gen_ref(m->gen);
		cd = d->cd;
		state = json_incref(d->state);
		due = d->due;
		prev = dp_snap_ref(d->snap);
		saved = prev == NULL ? json_incref(d->since_saved) : NULL;
		runs = d->runs;
		errors = d->errors;
		dp_strlcpy(name, d->name, sizeof(name));
		pthread_mutex_unlock(&m->lock);
		rep = run_domain(g, cd, state, &failed);
		s = snap_make(rep, prev, saved, runs + 1, errors + failed);
		dp_snap_unref(prev);
		json_decref(saved);
		pthread_mutex_lock(&m->lock);
		s = publish(m, name, due, s, failed);
		m->active--;
		pthread_cond_broadcast(&m->cond);
		state_take(m, name, state, &sv);
		pthread_mutex_unlock(&m->lock);
		dp_snap_unref(s); /* the one replaced, freed outside the lock */
		state_write(&sv);
		json_decref(state);
		dp_gen_unref(g);
		trim_maybe();
		pthread_mutex_lock(&m->lock);
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

/* ---- the view HTTP handlers read ---- */

bool
dp_monitor_healthy(const struct dp_mdomain *dom, size_t n, double last_finish, double now,
                   char *why, size_t whysz)
{
	double bound = 0;

	why[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		double limit = (double)dom[i].cd->timeout + DP_HEALTH_GRACE;
		double span = (double)(dom[i].cd->interval + dom[i].cd->timeout);

		if (dom[i].running && now - dom[i].started > limit) {
			dp_snprintf(why, whysz,
			            "run of %s stuck: running for %.0f s, past its %.0f s deadline "
			            "(timeout + %.0f s)",
			            dom[i].name, now - dom[i].started, limit, DP_HEALTH_GRACE);
			return false;
		}
		if (span > bound)
			bound = span;
	}
	if (n > 0 && now - last_finish > bound + DP_HEALTH_GRACE) {
		dp_snprintf(why, whysz,
		            "no run finished for %.0f s (bound %.0f s: longest interval + timeout + "
		            "%.0f s)",
		            now - last_finish, bound + DP_HEALTH_GRACE, DP_HEALTH_GRACE);
		return false;
	}
	return true;
}

int
dp_monitor_view(struct dp_monitor *m, struct dp_view *v)
{
	memset(v, 0, sizeof(*v));
	pthread_mutex_lock(&m->lock);
	v->dom = calloc(m->ndom + 1, sizeof(*v->dom));
	v->snaps = calloc(m->ndom + 1, sizeof(*v->snaps));
	v->parts = calloc(m->ndom + 1, sizeof(*v->parts));
	if (v->dom == NULL || v->snaps == NULL || v->parts == NULL) {
		pthread_mutex_unlock(&m->lock);
		dp_view_clear(v);
		return DP_ENOMEM;
	}
	v->gen = gen_ref(m->gen);
	v->n = m->ndom;
	for (size_t i = 0; i < m->ndom; i++) {
		struct dp_snap *s = dp_snap_ref(m->dom[i].snap);

		v->snaps[i] = s;
		v->parts[i] = s != NULL ? s->part : NULL;
		v->dom[i].domain = m->dom[i].cd->name; /* lives as long as v->gen */
		v->dom[i].rep = s != NULL ? s->rep : NULL;
		v->dom[i].since = s != NULL ? s->since : NULL;
		v->dom[i].full = s != NULL ? &s->full : NULL;
		v->dom[i].finished = s != NULL ? s->finished : 0;
		v->dom[i].runs = s != NULL ? s->runs : 0;
		v->dom[i].errors = s != NULL ? s->errors : 0;
		limits_of(m->gen->cfg, m->dom[i].cd, &v->dom[i].limits);
	}
	v->proc.start_time = m->start_time;
	v->proc.reload_ok = m->reload_ok;
	v->proc.reload_success_time = m->reload_success_time;
	v->proc.ndomains = m->ndom;
	v->proc.probe_rejected = atomic_load(&m->probe_rejected);
	v->proc.runs_in_progress = m->active;
	/* Judged from what runs do, not from workers being awake: an idle worker proves nothing. */
	v->alive = !m->stop && dp_monitor_healthy(m->dom, m->ndom, m->last_finish, dp_now_mono(),
	                                          v->why, sizeof(v->why));
	if (m->stop)
		dp_strlcpy(v->why, "stopping", sizeof(v->why));
	pthread_mutex_unlock(&m->lock);
	return 0;
}

void
dp_view_clear(struct dp_view *v)
{
	for (size_t i = 0; v->snaps != NULL && i < v->n; i++)
		dp_snap_unref(v->snaps[i]);
	free(v->snaps);
	free(v->parts);
	free(v->dom);
	dp_gen_unref(v->gen);
	memset(v, 0, sizeof(*v));
}

/* Count a /probe run of a configured domain; fills cnt. */
static void
probe_count(struct dp_monitor *m, const char *target, bool failed, struct dp_probe_count *cnt)
{
	struct dp_mdomain *d;

	pthread_mutex_lock(&m->lock);
	d = find_dom(m->dom, m->ndom, target);
	cnt->known = d != NULL;
	if (d != NULL) {
		d->probe_runs++;
		d->probe_errors += failed;
		cnt->runs = d->probe_runs;
		cnt->errors = d->probe_errors;
	}
	pthread_mutex_unlock(&m->lock);
}

int
dp_monitor_probe(struct dp_monitor *m, const char *target, const struct dp_selection *sel,
                 double budget, struct dp_report **out, struct dp_probe_count *cnt,
                 struct dp_metrics_limits *lim, struct dp_err *err)
{
	const struct dp_config_domain *cd;
	struct dp_selection dsel;
	struct dp_check_opts o;
	struct dp_gen *g;
	int rc;

	pthread_mutex_lock(&m->lock);
	g = gen_ref(m->gen);
	pthread_mutex_unlock(&m->lock);
	cd = dp_config_find(g->cfg, target);
	if (cd == NULL && !g->cfg->allow_any_target) {
		dp_gen_unref(g);
		return dp_err_set(err, DP_ENOTFOUND,
		                  "%s is not a configured domain (allow_any_target is off)",
		                  target);
	}
	dp_config_domain_opts(g->cfg, cd, target, &o);
	limits_of(g->cfg, cd, lim);
	/* The run must end before the scraper gives up: its budget, less the engine's grace (none) for
	 * overrunning checks, bounds the run (at least 1 s). */
	if (budget > 0 && budget - DP_OVERRUN_GRACE < o.timeout_s)
		o.timeout_s = budget - DP_OVERRUN_GRACE >= 1 ? (int)(budget - DP_OVERRUN_GRACE) : 1;
	rc = sel == NULL ? domain_selection(cd, &dsel, err) : 0;
	if (rc == 0)
		rc = dp_engine_run(&g->eng, &o, sel != NULL ? sel : &dsel, NULL, out, err);
	dp_gen_unref(g);
	probe_count(m, target, rc != 0, cnt);
	return rc;
}

/* ---- command line, reload, main loop ---- */

static int
parse_args(int argc, char **argv, struct args *a, struct dp_err *err)
{
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:l:nvh", long_opts, NULL)) != -1) {
		if (c == ':')
			return dp_err_set(err, DP_EINVAL, "option %s needs a value",
			                  argv[optind - 1]);
		if (c == 'c')
			a->config = optarg;
		else if (c == 'l')
			a->listen = optarg;
		else if (c == 'n')
			a->check_only = true;
		else if (c == 'v')
			a->verbose++;
		else if (c == 'h')
			a->help = true;
		else
			return dp_err_set(err, DP_EINVAL, "unknown option '%s'", argv[optind - 1]);
	}
	if (optind != argc)
		return dp_err_set(err, DP_EINVAL, "unexpected argument '%s'", argv[optind]);
	if (a->check_only && a->config == NULL)
		return dp_err_set(err, DP_EINVAL, "-n needs -c FILE");
	return 0;
}

/* The configuration to run: the file (or defaults), with --listen applied. */
static int
load(const struct args *a, struct dp_config **out, struct dp_err *err)
{
	int rc =
	    a->config != NULL ? dp_config_load(a->config, out, err) : dp_config_defaults(out, err);
	struct dp_err e = {0};
	char *l;

	/* The files it names, and at least one domain (unless allow_empty): a reload must never
	 * empty the monitor or hand its runs a trust anchor that is not there. */
	if (rc == 0 && a->config != NULL && dp_config_check(*out, err) != 0) {
		dp_config_free(*out);
		*out = NULL;
		return DP_EINVAL;
	}
	if (rc != 0 || a->listen == NULL)
		return rc;
	l = dp_strdup(a->listen);
	if (l == NULL ||
	    dp_config_parse_listen(l, &(*out)->listen_addr, &(*out)->listen_len, &e) != 0) {
		free(l);
		dp_config_free(*out);
		*out = NULL;
		return dp_err_set(err, DP_EINVAL, "--listen: %s", e.msg[0] ? e.msg : "no memory");
	}
	free((*out)->listen);
	(*out)->listen = l;
	return 0;
}

struct pool {
	pthread_t th[MAX_WORKERS];
	size_t n;
};

static void
pool_grow(struct dp_monitor *m, struct pool *p, unsigned want)
{
	while (p->n < want && p->n < MAX_WORKERS) {
		if (pthread_create(&p->th[p->n], NULL, worker, m) != 0) {
			dp_log_errno(DP_LOG_ERROR, "monitor", "cannot start a worker thread");
			return;
		}
		p->n++;
	}
}

static void
reload(struct dp_monitor *m, struct pool *p, const struct args *a)
{
	struct dp_config *cfg = NULL;
	struct dp_err err = {0};
	struct dp_gen *g = NULL;
	int rc = load(a, &cfg, &err);

	if (rc == 0 && cfg->listen_len == m->gen->cfg->listen_len &&
	    memcmp(&cfg->listen_addr, &m->gen->cfg->listen_addr, cfg->listen_len) != 0)
		dp_log(DP_LOG_WARN, "config", "listen changed to %s: takes effect at restart",
		       cfg->listen);
	if (rc == 0 && (cfg->http_max_connections != m->gen->cfg->http_max_connections ||
	                cfg->http_max_per_client != m->gen->cfg->http_max_per_client ||
	                cfg->http_header_timeout != m->gen->cfg->http_header_timeout))
		dp_log(DP_LOG_WARN, "config",
		       "http_max_connections, http_max_per_client or http_header_timeout changed: "
		       "takes effect at restart");
	if (rc == 0) {
		dp_log_set_level(level_of(cfg));
		g = gen_new(cfg, &err);
	}
	pthread_mutex_lock(&m->lock);
	rc = g != NULL ? install_gen(m, g) : DP_EINVAL;
	m->reload_ok = rc == 0;
	if (rc == 0)
		m->reload_success_time = dp_now_wall();
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	if (rc != 0) {
		if (g != NULL)
			dp_gen_unref(g);
		dp_log(DP_LOG_ERROR, "config", "reload failed, keeping the old configuration: %s",
		       err.msg[0] ? err.msg : "out of memory");
		return;
	}
	pool_grow(m, p, g->cfg->max_parallel);
	dp_log(DP_LOG_INFO, "config", "reloaded %s: %zu domains (shard %u/%u)",
	       a->config ? a->config : "-", g->cfg->ndomains, g->cfg->shard_index,
	       g->cfg->shard_count);
}

static int
signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* Blocked before any thread starts, so every thread inherits the mask. */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

/* Wait for every worker up to the stop grace; false when some are still running. */
static bool
pool_join(struct pool *p)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)STOP_GRACE;
	for (size_t i = 0; i < p->n; i++) {
		if (pthread_timedjoin_np(p->th[i], NULL, &ts) != 0)
			return false;
	}
	return true;
}

static void
monitor_free(struct dp_monitor *m)
{
	for (size_t i = 0; i < m->ndom; i++)
		mdomain_clear(&m->dom[i]);
	free(m->dom);
	dp_gen_unref(m->gen);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
}

static void
monitor_init(struct dp_monitor *m)
{
	pthread_condattr_t ca;

	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cond, &ca);
	pthread_condattr_destroy(&ca);
	m->start_time = dp_now_wall();
	m->last_finish = dp_now_mono();
}

/* Signals until SIGTERM or SIGINT; SIGHUP reloads. */
static void
serve(struct dp_monitor *m, struct pool *p, const struct args *a, int sfd)
{
	for (;;) {
		struct pollfd pfd = {.fd = sfd, .events = POLLIN};
		struct signalfd_siginfo si;

		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			reload(m, p, a);
			continue;
		}
		dp_log(DP_LOG_INFO, "monitor", "signal %u: stopping", si.ssi_signo);
		return;
	}
}

static int
run_monitor(const struct args *a, struct dp_config *cfg, const struct dp_monitor_http *http)
{
	static struct dp_monitor mon; /* reachable when runs are left behind at exit */
	static struct pool pool;
	struct dp_monitor *m = &mon;
	struct MHD_Daemon *httpd = NULL;
	struct dp_err err = {0};
	struct dp_gen *g;
	int sfd = signals_open();

	if (sfd < 0) {
		dp_config_free(cfg);
		dp_log_errno(DP_LOG_ERROR, "monitor", "signalfd");
		return 3;
	}
	dp_log_set_level(level_of(cfg));
	/* Many short-lived threads would otherwise each grow an arena of their own (RSS). */
	(void)mallopt(M_ARENA_MAX, 4);
	monitor_init(m);
	if (reaper_start() != 0) {
		dp_config_free(cfg);
		monitor_free(m);
		close(sfd);
		dp_log_errno(DP_LOG_ERROR, "monitor", "cannot start the reaper thread");
		return 3;
	}
	g = gen_new(cfg, &err);
	if (g == NULL || install_gen(m, g) != 0 ||
	    http->start(m, (const struct sockaddr *)&g->cfg->listen_addr, &httpd, &err) != 0) {
		dp_log(DP_LOG_ERROR, "monitor", "%s", err.msg[0] ? err.msg : "out of memory");
		if (m->gen == NULL)
			dp_gen_unref(g);
		monitor_free(m);
		reaper_stop();
		close(sfd);
		return 3;
	}
	m->reload_ok = true;
	m->reload_success_time = dp_now_wall();
	pool_grow(m, &pool, g->cfg->max_parallel);
	dp_log(DP_LOG_INFO, "monitor", "listening on %s, %zu domains (shard %u/%u: %zu)",
	       g->cfg->listen, g->cfg->ndomains, g->cfg->shard_index, g->cfg->shard_count, m->ndom);
	serve(m, &pool, a, sfd);
	close(sfd);
	pthread_mutex_lock(&m->lock);
	m->stop = true;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	if (atomic_load(&m->probes) > 0 || !pool_join(&pool)) {
		dp_log(DP_LOG_WARN, "monitor", "runs still in flight after %.0f s: left behind",
		       STOP_GRACE);
		fflush(NULL);
		_exit(0);
	}
	http->stop(httpd);
	monitor_free(m);
	reaper_stop();
	dp_log(DP_LOG_INFO, "monitor", "stopped");
	return 0;
}

int
dp_monitor_main(int argc, char **argv, const struct dp_monitor_http *http)
{
	struct dp_config *cfg = NULL;
	struct dp_err err = {0};
	struct args a;

	if (parse_args(argc, argv, &a, &err) != 0) {
		fprintf(stderr, "%sdnsprobe monitor: %s\n", dp_log_prefix(DP_LOG_ERROR), err.msg);
		return 3;
	}
	if (a.help) {
		fputs("usage: dnsprobe monitor [-c FILE] [-l ADDR:PORT]\n"
		      "       dnsprobe monitor -n [-v] -c FILE\n"
		      "\n"
		      "  -c, --config FILE        the YAML configuration (dnsprobe.yml(5))\n"
		      "  -l, --listen ADDR:PORT   HTTP address, overriding `listen` (default "
		      "127.0.0.1:" DP_STR(DP_DEFAULT_PORT) ")\n"
		                                           "  -n, --check-config       check the "
		                                           "file and exit (0 valid, 3 not)\n"
		                                           "  -v, --verbose            with -n: "
		                                           "print the file back canonically\n"
		                                           "  -h, --help               this text\n"
		                                           "\n"
		                                           "SIGHUP reloads the file, SIGTERM or "
		                                           "SIGINT stops. HTTP: /metrics, "
		                                           "/probe?target=DOMAIN, /healthz, /.\n",
		      stdout);
		return 0;
	}
	if (load(&a, &cfg, &err) != 0) {
		fprintf(stderr, "%sdnsprobe monitor: %s\n", dp_log_prefix(DP_LOG_ERROR), err.msg);
		return 3;
	}
	if (!a.check_only)
		return run_monitor(&a, cfg, http);
	if (a.verbose > 0 && dp_config_print(stdout, cfg) != 0) {
		dp_config_free(cfg);
		return 3;
	}
	dp_config_free(cfg);
	return 0;
}
