/* The check runner: discovery once, then every selected check in its own thread under its own
 * deadline; results merged into one report. A check that overruns is reported, not waited for. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/parallel.h"
#include "engine/engine.h"
#include "mail/tls.h"
#include "survey/obs.h"

static size_t
probe_count(void)
{
	size_t n = 0;

	while (dp_probes[n] != NULL)
		n++;
	return n;
}

const char *
dp_engine_check_id(size_t i)
{
	return i < probe_count() ? dp_probes[i]->id : NULL;
}

const char *
dp_engine_check_title(size_t i)
{
	return i < probe_count() ? dp_probes[i]->title : NULL;
}

#define MAX_METRICS 64
static const struct dp_metric *all_metrics[MAX_METRICS + 1];
static pthread_once_t metrics_once = PTHREAD_ONCE_INIT;

static void
metrics_collect(void)
{
	size_t n = 0;

	for (size_t i = 0; dp_probes[i] != NULL; i++) {
		for (size_t k = 0; dp_probes[i]->metrics != NULL && dp_probes[i]->metrics[k] != NULL;
		     k++) {
			if (n < MAX_METRICS)
				all_metrics[n++] = dp_probes[i]->metrics[k];
		}
	}
	all_metrics[n] = NULL;
}

const struct dp_metric *const *
dp_engine_metrics(void)
{
	(void)pthread_once(&metrics_once, metrics_collect);
	return all_metrics;
}

const struct dp_metric *
dp_engine_metric_find(const char *name)
{
	const struct dp_metric *const *v = dp_engine_metrics();

	for (size_t i = 0; v[i] != NULL; i++) {
		if (strcmp(v[i]->name, name) == 0)
			return v[i];
	}
	return NULL;
}

int
dp_engine_check_find(const char *id)
{
	for (size_t i = 0; dp_probes[i] != NULL; i++) {
		if (strcmp(dp_probes[i]->id, id) == 0)
			return (int)i;
	}
	return -1;
}

/* Split a comma list and mark each id in on[] (value v). An item names one id or a family, the
 * ids under it (SPEC §2's `ns.hygiene` is the five `ns.hygiene.*`; `dnssec` every dnssec.*).
 * Unknown ids are an error. */
static int
mark_ids(bool *on, const char *list, bool v, const char *opt, struct dp_err *err)
{
	const char *p = list;

	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		bool found = false;

		for (size_t i = 0; dp_probes[i] != NULL; i++) {
			const char *id = dp_probes[i]->id;

			if (len > 0 && strncmp(id, p, len) == 0 && (id[len] == '\0' || id[len] == '.')) {
				on[i] = v;
				found = true;
			}
		}
		if (!found)
			return dp_err_set(err, DP_EINVAL, "%s: unknown check id '%.*s'", opt, (int)len,
					  p);
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

int
dp_selection_parse(struct dp_selection *sel, const char *only, const char *skip,
		   struct dp_err *err)
{
	size_t n = probe_count();
	int rc;

	if (n > sizeof(sel->on) / sizeof(sel->on[0]))
		return dp_err_set(err, DP_EINVAL, "too many checks registered");
	for (size_t i = 0; i < n; i++)
		sel->on[i] = only == NULL;
	if (only != NULL) {
		rc = mark_ids(sel->on, only, true, "--only", err);
		if (rc != 0)
			return rc;
	}
	if (skip != NULL)
		return mark_ids(sel->on, skip, false, "--skip", err);
	return 0;
}

int
dp_engine_check_ca(const char *path, struct dp_err *err)
{
	return dp_tls_ca_check(path, err);
}

int
dp_engine_init(struct dp_engine *e, const struct dp_check_opts *o, struct dp_err *err)
{
	struct dp_resolver_opts ro = {
		.trust_anchor = o->trust_anchor,
		.root_hints = o->root_hints,
		.timeout_ms = o->step_timeout_ms > 0 ? o->step_timeout_ms : 5000,
		.families = o->ip_families,
	};
	int rc;

	memset(e, 0, sizeof(*e));
	/* A bad CA file is refused here, at once, rather than by every check that loads it. */
	if (o->ca_file != NULL) {
		rc = dp_tls_ca_check(o->ca_file, err);
		if (rc != 0)
			return rc;
	}
	e->trust = dp_tls_trust_cache_new();
	if (e->trust == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	rc = dp_resolver_new(&ro, &e->resolver, err);
	if (rc != 0)
		dp_engine_clear(e);
	if (rc != 0 || o->at == 0)
		return rc;
	ro.validate_at = o->at;
	rc = dp_resolver_new(&ro, &e->resolver_at, err);
	if (rc != 0)
		dp_engine_clear(e);
	return rc;
}

/* One lock for every engine's `live` count: threads start and end rarely. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t live_cond = PTHREAD_COND_INITIALIZER;

static void
live_add(struct dp_engine *e, int delta)
{
	pthread_mutex_lock(&live_lock);
	if (delta > 0)
		e->live++;
	else if (--e->live == 0)
		pthread_cond_broadcast(&live_cond);
	pthread_mutex_unlock(&live_lock);
}

size_t
dp_engine_live(struct dp_engine *e)
{
	size_t n;

	pthread_mutex_lock(&live_lock);
	n = e->live;
	pthread_mutex_unlock(&live_lock);
	return n;
}

void
dp_engine_clear(struct dp_engine *e)
{
	pthread_mutex_lock(&live_lock);
	while (e->live > 0)
		pthread_cond_wait(&live_cond, &live_lock);
	pthread_mutex_unlock(&live_lock);
	dp_resolver_free(e->resolver);
	dp_resolver_free(e->resolver_at);
	dp_tls_trust_cache_free(e->trust);
	memset(e, 0, sizeof(*e));
}

/* Shared by the engine and the check threads; freed by whoever lets go of it last. */
struct run {
	struct dp_engine *eng; /* outlives the run: dp_engine_clear waits for its threads */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int refs;
	size_t pending;
	struct dp_discovery *disc; /* owned by obs (filled by the discovery thread) */
	struct dp_obs *obs;
	bool disc_done;	 /* the discovery thread has ended (disc_rc, disc_err set) */
	int disc_rc;
	struct dp_err disc_err;
	unsigned needs;
	struct dp_check_opts opts; /* a copy: a late thread may outlive the caller's opts */
	struct job *jobs;
	size_t njobs;
};

struct job {
	struct run *run;
	const struct dp_probe *probe;
	struct dp_ctx ctx;
	struct dp_results results;
	struct dp_err err;
	int rc;
	bool done;
	double seconds;
	json_t *state;
};

static void
run_unref(struct run *r)
{
	bool last;

	pthread_mutex_lock(&r->lock);
	last = --r->refs == 0;
	pthread_mutex_unlock(&r->lock);
	if (!last)
		return;
	for (size_t i = 0; i < r->njobs; i++) {
		dp_results_clear(&r->jobs[i].results);
		json_decref(r->jobs[i].state);
	}
	free(r->jobs);
	if (r->obs != NULL)
		dp_obs_unref(r->obs); /* owns the discovery */
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static void *
job_thread(void *arg)
{
	struct job *j = arg;
	struct run *r = j->run;
	struct dp_engine *e = r->eng;
	double t0 = dp_now_mono();
	int rc = j->probe->run(&j->ctx, &j->results, &j->err);

	pthread_mutex_lock(&r->lock);
	j->rc = rc;
	j->seconds = dp_now_mono() - t0;
	j->done = true;
	r->pending--;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	run_unref(r);
	live_add(e, -1); /* last: after this the engine may be cleared */
	return NULL;
}

static unsigned
selected_needs(const struct dp_selection *sel)
{
	unsigned needs = DP_NEED_APEX;

	for (size_t i = 0; dp_probes[i] != NULL; i++) {
		if (sel->on[i])
			needs |= dp_probes[i]->needs;
	}
	/* The survey needs the nameservers; TLS sessions the endpoints (25 on every MX host). */
	if (needs & DP_NEED_SURVEY)
		needs |= DP_NEED_NS_ADDRS | DP_NEED_PARENT;
	if (needs & DP_NEED_TLS)
		needs |= DP_NEED_MX_HOSTS | DP_NEED_ENDPOINTS;
	return needs;
}

static double
job_deadline(const struct dp_probe *p, double overall)
{
	double own = dp_now_mono() + (p->timeout_ms > 0 ? p->timeout_ms / 1000.0 : 60.0);
	double cap = overall - DP_REPORT_MARGIN;

	return own < cap ? own : cap;
}

struct engine_args {
	struct dp_engine *e;
	const struct dp_selection *sel;
	json_t *state;
	struct run *run;
	double deadline;
};

static void
start_jobs(struct engine_args *a)
{
	struct run *r = a->run;

	for (size_t i = 0; dp_probes[i] != NULL; i++) {
		struct job *j;

		if (!a->sel->on[i])
			continue;
		j = &r->jobs[r->njobs++];
		j->run = r;
		j->probe = dp_probes[i];
		dp_results_init(&j->results);
		j->ctx.opts = &r->opts;
		j->ctx.resolver = a->e->resolver;
		j->ctx.resolver_at = a->e->resolver_at;
		j->ctx.disc = r->disc;
		j->ctx.obs = r->obs;
		j->ctx.deadline = job_deadline(j->probe, a->deadline);
		if (a->state != NULL) {
			j->state = json_object_get(a->state, j->probe->id);
			if (j->state == NULL) {
				j->state = json_object();
				json_object_set(a->state, j->probe->id, j->state);
			} else
				json_incref(j->state);
			j->ctx.state = j->state;
		}
		pthread_mutex_lock(&r->lock);
		r->refs++;
		r->pending++;
		pthread_mutex_unlock(&r->lock);
		live_add(a->e, 1);
		if (dp_spawn(job_thread, j) != 0)
			(void)job_thread(j); /* no thread: run it here */
	}
}

/* Wait on r->cond (r->lock held) while busy(r) holds, at most until the deadline. */
static void
wait_until(struct run *r, bool (*busy)(const struct run *), double deadline)
{
	while (busy(r)) {
		double left = deadline - dp_now_mono();
		struct timespec ts;

		if (left <= 0)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)left;
		ts.tv_nsec += (long)((left - (double)(time_t)left) * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&r->cond, &r->lock, &ts);
	}
}

static bool
jobs_busy(const struct run *r)
{
	return r->pending > 0;
}

static bool
disc_busy(const struct run *r)
{
	return !r->disc_done;
}

/* Wait for every job, or until the overall deadline: the report goes out then. */
static void
wait_jobs(struct run *r, double deadline)
{
	pthread_mutex_lock(&r->lock);
	wait_until(r, jobs_busy, deadline);
	pthread_mutex_unlock(&r->lock);
}

/* Discovery's mail branch is complete and the name exists: the TLS observations start now,
 * while the nameserver branch still runs (issue 16: dataflow, not stages). */
static void
mail_ready(void *arg)
{
	struct run *r = arg;

	dp_obs_start(r->obs, DP_OBS_TLS);
}

static void *
disc_thread(void *arg)
{
	struct run *r = arg;
	struct dp_engine *e = r->eng;
	struct dp_err err = {0};
	int rc = dp_discovery_fill(e->resolver, &r->opts, r->needs, r->disc,
				   (r->needs & DP_NEED_TLS) ? mail_ready : NULL, r, &err);

	pthread_mutex_lock(&r->lock);
	r->disc_rc = rc;
	r->disc_err = err;
	r->disc_done = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	run_unref(r);
	live_add(e, -1);
	return NULL;
}

/* Discovery in its own thread, waited for until the deadline (then no verdict: the budget was
 * spent before any check could start). */
static int
discover(struct dp_engine *e, struct run *r, double deadline, struct dp_err *err)
{
	int rc;

	pthread_mutex_lock(&r->lock);
	r->refs++;
	pthread_mutex_unlock(&r->lock);
	live_add(e, 1);
	if (dp_spawn(disc_thread, r) != 0)
		(void)disc_thread(r);
	pthread_mutex_lock(&r->lock);
	wait_until(r, disc_busy, deadline);
	rc = r->disc_done ? r->disc_rc : DP_ETIMEOUT;
	if (r->disc_done && rc != 0)
		*err = r->disc_err;
	pthread_mutex_unlock(&r->lock);
	if (rc == DP_ETIMEOUT && !r->disc_done)
		return dp_err_set(err, rc, "not checked: budget exhausted during discovery of %s",
				  r->opts.domain);
	return rc;
}

/* Move finished jobs' results into the report; overrunning ones become UNKNOWN results. */
static int
collect(struct run *r, struct dp_report *rep, struct dp_err *err)
{
	int rc = 0;

	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; rc == 0 && i < r->njobs; i++) {
		struct job *j = &r->jobs[i];
		const char *id = j->probe->id;
		struct dp_results tmp;

		dp_results_init(&tmp);
		if (!j->done)
			dp_results_add(&tmp, id, r->opts.domain, DP_STATUS_UNKNOWN, NULL,
				       DP_BUDGET_EXHAUSTED " (%s did not finish within its time budget)",
				       id);
		else if (j->rc != 0)
			dp_results_add(&tmp, id, r->opts.domain, DP_STATUS_UNKNOWN, NULL,
				       "%s could not reach a verdict: %s", id,
				       j->err.msg[0] ? j->err.msg : dp_errcode_str(j->rc));
		else
			rc = dp_results_take(&tmp, &j->results);
		if (rc == 0)
			rc = dp_report_add_check(rep, id, j->probe->title,
						 j->done ? j->seconds : -1, dp_results_worst(&tmp));
		if (rc == 0)
			rc = dp_results_take(&rep->results, &tmp);
		dp_results_clear(&tmp);
	}
	pthread_mutex_unlock(&r->lock);
	return rc != 0 ? dp_err_set(err, rc, "out of memory") : 0;
}

/* SPEC §1: UNKNOWN means no verdict — no network path to the root, or a trust anchor that does
 * not validate the root's own DNSKEY RRset, is such a case (every domain would be judged against
 * it), unlike a domain whose own servers fail (a CRITICAL finding). */
static int
anchor_proven(struct dp_engine *e, const struct dp_check_opts *o, struct dp_err *err)
{
	const char *ta = o->trust_anchor != NULL ? o->trust_anchor : DP_DEFAULT_TRUST_ANCHOR;
	struct dp_lookup l;
	int rc = dp_resolver_lookup(e->resolver, "", DP_RR_DNSKEY, &l, err);

	if (rc != 0)
		return rc;
	if (l.sec == DP_SEC_INDETERMINATE || (!l.havedata && l.sec != DP_SEC_BOGUS))
		rc = dp_err_set(err, DP_EIO, "no answer from the root servers%s%s: %s",
				o->root_hints ? " of " : "", o->root_hints ? o->root_hints : "",
				l.why_bogus ? l.why_bogus : "timeout or no route");
	else if (l.sec != DP_SEC_SECURE)
		rc = dp_err_set(err, DP_EINVAL,
				"the trust anchor %s does not validate the root DNSKEY RRset (%s%s%s)",
				ta, dp_sec_str(l.sec), l.why_bogus ? ": " : "",
				l.why_bogus ? l.why_bogus : "");
	dp_lookup_clear(&l);
	return rc;
}

static void
obs_thread(void *arg, int delta)
{
	live_add(arg, delta);
}

/* The observation store, made before discovery: it owns the discovery the discovery thread fills
 * (and outlives that thread, which holds a reference to the run). */
static int
new_obs(struct engine_args *a, struct dp_err *err)
{
	struct run *r = a->run;
	struct dp_discovery *d = dp_discovery_new(r->opts.domain);
	int rc;

	if (d == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	rc = dp_obs_new(&r->opts, d, a->e->resolver, a->e->resolver_at, a->e->trust,
			a->deadline - DP_REPORT_MARGIN, obs_thread, a->e, &r->obs, err);
	if (rc == 0)
		r->disc = d; /* else freed by dp_obs_new */
	return rc;
}

/* Start, each in its own thread, what the selected checks will read (the TLS observations may
 * have started already, from discovery's mail branch); the checks start right after and block
 * only on what they read. */
static void
start_obs(struct engine_args *a)
{
	struct run *r = a->run;
	unsigned kinds = 0;

	if (r->needs & DP_NEED_SURVEY)
		kinds |= DP_OBS_SURVEY;
	if (r->needs & DP_NEED_TLS)
		kinds |= DP_OBS_TLS;
	dp_obs_start(r->obs, kinds);
}

static struct run *
run_new(const struct dp_check_opts *o)
{
	struct run *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->jobs = calloc(probe_count() + 1, sizeof(*r->jobs));
	if (r->jobs == NULL) {
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	r->refs = 1;
	r->opts = *o;
	return r;
}

/* Drop the checks' state objects left empty (most checks keep none): each configured domain
 * would otherwise hold one per check between runs (about 4 kB at 19 checks). Only those of
 * checks that have finished: one that overran its deadline may yet write to its own. */
static void
state_drop_empty(struct run *r, json_t *state)
{
	if (r == NULL || !json_is_object(state))
		return;
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->njobs; i++) {
		const struct job *j = &r->jobs[i];

		if (j->done && j->state != NULL && json_object_size(j->state) == 0 &&
		    json_object_get(state, j->probe->id) == j->state)
			(void)json_object_del(state, j->probe->id);
	}
	pthread_mutex_unlock(&r->lock);
}

int
dp_engine_run(struct dp_engine *e, const struct dp_check_opts *o, const struct dp_selection *sel,
	      json_t *state, struct dp_report **out, struct dp_err *err)
{
	double t0 = dp_now_mono();
	/* SPEC §1: -t bounds the process, its set-up included */
	double budget_t0 = o->started > 0 && o->started <= t0 ? o->started : t0;
	struct engine_args a = {.e = e, .sel = sel, .state = state};
	struct dp_report *rep = dp_report_new(o->domain);
	char ulabel[1024];
	int rc;

	*out = NULL;
	a.deadline = budget_t0 + (o->timeout_s > 0 ? o->timeout_s : 60) - DP_REPORT_LEAD;
	a.run = run_new(o);
	if (a.run != NULL)
		a.run->eng = e;
	/* SPEC §1: an IDN is shown as A-label and U-label. */
	if (rep != NULL && dp_name_unicode(o->domain, ulabel, sizeof(ulabel)) &&
	    dp_report_set_unicode(rep, ulabel) != 0) {
		dp_report_free(rep);
		rep = NULL;
	}
	if (rep == NULL || a.run == NULL) {
		rc = dp_err_set(err, DP_ENOMEM, "out of memory");
		goto out;
	}
	rep->started = (int64_t)dp_now_wall();
	a.run->needs = selected_needs(sel);
	rc = new_obs(&a, err);
	if (rc != 0)
		goto out;
	rc = discover(e, a.run, a.deadline, err);
	if (rc != 0)
		goto out;
	/* The trust anchor must validate the root's DNSKEY RRset (and the root must answer), or
	 * there is no verdict. Asked after discovery, whose validation has fetched that RRset
	 * already: no round trip on the critical path of a healthy run. */
	rc = anchor_proven(e, o, err);
	if (rc != 0)
		goto out;
	rep->discovery = dp_discovery_to_json(a.run->disc);
	if (a.run->disc->apex_state != DP_APEX_EXISTS) {
		/* A name that does not exist or is not a zone apex: one verdict, no checks (and no
		 * observation: discovery hands nothing over for such a name). */
		dp_obs_cancel(a.run->obs);
		rc = dp_engine_gate(a.run->disc, sel, rep);
		if (rc != 0)
			rc = dp_err_set(err, rc, "out of memory");
	} else {
		start_obs(&a);
		start_jobs(&a);
		wait_jobs(a.run, a.deadline);
		rc = collect(a.run, rep, err);
	}
	/* SPEC §2: one cause, one headline — resolve the checks' cause claims. */
	dp_results_link_causes(&rep->results);
	rep->duration = dp_now_mono() - t0;
out:
	/* No verdict: what discovery started early is not read (it ends by its own deadlines). */
	if (rc != 0 && a.run != NULL)
		dp_obs_cancel(a.run->obs);
	state_drop_empty(a.run, state);
	if (a.run != NULL)
		run_unref(a.run);
	if (rc != 0) {
		dp_report_free(rep);
		return rc;
	}
	*out = rep;
	return 0;
}
