/* The observation store of one run: each observation made once, in its own thread, as soon as
 * its inputs exist, under its own deadline; checks read them (see obs.h). */
#include "config.h"

#include "survey/obs.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/parallel.h"
#include "survey/survey.h"

/* Budgets of the observations (each also capped by the run's deadline). */
#define OBS_SURVEY_S 20.0
#define OBS_TLS_S 30.0

/* One TLS endpoint: its TLSA RRset, and one session per address, made beside the lookup. */
struct obs_ep {
	struct dp_obs *o;
	struct dp_tls_endpoint e;
	bool tlsa_done;
	struct dp_tlsa_set set;
	int set_rc;
	struct dp_err set_err;
	bool sessions_done;
	struct dp_tls_job *jobs; /* one per address of e.resolved */
	size_t njobs;
};

struct dp_obs {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* broadcast whenever anything becomes ready */
	int refs;
	struct dp_check_opts opts;
	struct dp_discovery *disc;
	struct dp_ctx ctx; /* what the observations run with (their own deadline each) */
	double deadline;   /* the run's cap */
	void (*on_thread)(void *arg, int delta);
	void *arg;

	bool sv_started, sv_done;
	struct dp_nssurvey sv;
	int sv_rc;
	struct dp_err sv_err;

	bool tls_started, trust_done, eps_done;
	bool cancelled; /* dp_obs_cancel: no new endpoint, no new session */
	struct dp_tls_trust *trust;
	bool trust_owned; /* made for this run, not the engine's shared one */
	struct dp_tls_trust_cache *trust_cache;
	int trust_rc;
	struct dp_err trust_err;
	struct obs_ep *eps; /* cap entries, allocated at once: pointers stay valid */
	size_t neps, cap;
};

static double
obs_deadline(const struct dp_obs *o, double budget)
{
	double d = dp_now_mono() + budget;

	return d < o->deadline ? d : o->deadline;
}

int
dp_obs_new(const struct dp_check_opts *opts, struct dp_discovery *disc,
	   struct dp_resolver *resolver, struct dp_resolver *resolver_at,
	   struct dp_tls_trust_cache *trust, double deadline,
	   void (*on_thread)(void *arg, int delta), void *arg, struct dp_obs **out,
	   struct dp_err *err)
{
	struct dp_obs *o = calloc(1, sizeof(*o));

	*out = NULL;
	if (o == NULL) {
		dp_discovery_free(disc);
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	}
	pthread_mutex_init(&o->lock, NULL);
	pthread_cond_init(&o->cond, NULL);
	o->refs = 1;
	o->opts = *opts;
	o->disc = disc;
	o->ctx.opts = &o->opts;
	o->ctx.resolver = resolver;
	o->ctx.resolver_at = resolver_at;
	o->ctx.disc = disc;
	o->ctx.deadline = deadline;
	o->deadline = deadline;
	o->on_thread = on_thread;
	o->arg = arg;
	o->trust_cache = trust;
	*out = o;
	return 0;
}

const struct dp_discovery *
dp_obs_disc(const struct dp_obs *o)
{
	return o->disc;
}

static void
obs_free(struct dp_obs *o)
{
	for (size_t i = 0; i < o->neps; i++) {
		dp_tlsa_set_clear(&o->eps[i].set);
		for (size_t j = 0; j < o->eps[i].njobs; j++)
			dp_tls_res_clear(&o->eps[i].jobs[j].res);
		free(o->eps[i].jobs);
	}
	free(o->eps);
	if (o->trust_owned)
		dp_tls_trust_free(o->trust);
	dp_nssurvey_clear(&o->sv);
	dp_discovery_free(o->disc);
	pthread_cond_destroy(&o->cond);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

void
dp_obs_unref(struct dp_obs *o)
{
	bool last;

	if (o == NULL)
		return;
	pthread_mutex_lock(&o->lock);
	last = --o->refs == 0;
	pthread_mutex_unlock(&o->lock);
	if (last)
		obs_free(o);
}

struct start {
	struct dp_obs *o;
	void *(*fn)(struct dp_obs *o, void *x);
	void *x;
};

static void *
thread_main(void *p)
{
	struct start s = *(struct start *)p;
	void (*on_thread)(void *, int) = s.o->on_thread;
	void *arg = s.o->arg;

	free(p);
	(void)s.fn(s.o, s.x);
	dp_tls_thread_done();
	dp_obs_unref(s.o);
	if (on_thread != NULL)
		on_thread(arg, -1); /* last: the engine may go away after this */
	return NULL;
}

/* Run fn(o, x) in a thread holding a reference (the caller holds o->lock or owns o alone). */
static void
spawn(struct dp_obs *o, void *(*fn)(struct dp_obs *o, void *x), void *x)
{
	struct start *s = malloc(sizeof(*s));

	o->refs++;
	if (o->on_thread != NULL)
		o->on_thread(o->arg, 1);
	if (s != NULL) {
		*s = (struct start){.o = o, .fn = fn, .x = x};
		if (dp_spawn(thread_main, s) == 0)
			return;
		free(s);
	}
	/* No thread: the observation is not made; readers see it fail. */
	o->refs--;
	if (o->on_thread != NULL)
		o->on_thread(o->arg, -1);
}

static bool wait_flag(struct dp_obs *o, const bool *flag, double deadline);

/* ---- the survey ---- */

static void *
survey_main(struct dp_obs *o, void *x)
{
	struct dp_ctx c = o->ctx;
	struct dp_nssurvey sv;
	struct dp_err err = {0};
	int rc;

	(void)x;
	c.deadline = obs_deadline(o, OBS_SURVEY_S);
	rc = dp_nssurvey_run(&c, &sv, &err);
	pthread_mutex_lock(&o->lock);
	if (rc == 0)
		o->sv = sv;
	o->sv_rc = rc;
	o->sv_err = err;
	o->sv_done = true;
	pthread_cond_broadcast(&o->cond);
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

/* ---- TLS: trust, endpoints, TLSA, sessions ---- */

/* RFC 6698/7672: a session verifies DANE against the TLSA RRset when it has data that is not
 * bogus (insecure data is used as well, to report what would match). */
static bool
tlsa_usable_for_session(const struct dp_tlsa_set *s)
{
	return s->l.rcode == 0 && s->l.havedata && s->n > 0 &&
	       (s->l.sec == DP_SEC_SECURE || s->l.sec == DP_SEC_INSECURE);
}

/* The join of a session (struct dp_tls_req): once its connection is up, wait for the endpoint's
 * TLSA RRset and the trust store, and hand them to the handshake. */
static int
session_join(void *arg, struct dp_tls_req *req, struct dp_err *err)
{
	struct obs_ep *p = arg;
	struct dp_obs *o = p->o;
	int rc = 0;

	pthread_mutex_lock(&o->lock);
	if (!wait_flag(o, &p->tlsa_done, req->deadline) ||
	    !wait_flag(o, &o->trust_done, req->deadline) || o->cancelled)
		rc = DP_ETIMEOUT;
	else if (o->trust == NULL) {
		rc = o->trust_rc != 0 ? o->trust_rc : DP_ELIB;
		*err = o->trust_err;
	} else {
		bool dane = p->set_rc == 0 && tlsa_usable_for_session(&p->set);

		req->trust = o->trust;
		req->tlsa = dane ? p->set.v : NULL;
		req->ntlsa = dane ? p->set.n : 0;
	}
	pthread_mutex_unlock(&o->lock);
	return rc;
}

struct ep_work {
	struct obs_ep *p;
	struct dp_tls_job *jobs;
	size_t na;
};

static void
ep_work_job(void *arg, size_t i)
{
	struct ep_work *w = arg;
	struct obs_ep *p = w->p;
	struct dp_obs *o = p->o;
	struct dp_resolver *res = o->ctx.resolver_at != NULL ? o->ctx.resolver_at : o->ctx.resolver;
	struct dp_tlsa_set set;
	struct dp_err err = {0};
	int rc;

	if (i == 1) {
		dp_tls_probe_many(w->jobs, w->na);
		return;
	}
	rc = dp_tlsa_set_fetch(res, &p->e, &set, &err);
	pthread_mutex_lock(&o->lock);
	p->set = set;
	p->set_rc = rc;
	p->set_err = err;
	p->tlsa_done = true;
	pthread_cond_broadcast(&o->cond);
	pthread_mutex_unlock(&o->lock);
}

/* The TLSA RRset and the sessions at once: each session joins the lookup (and the trust store)
 * only before its handshake, which needs the records for OpenSSL's DANE (SSL_dane_tlsa_add). */
static void *
endpoint_main(struct dp_obs *o, void *x)
{
	struct obs_ep *p = x;
	double deadline = obs_deadline(o, OBS_TLS_S);
	size_t na = p->e.resolved != NULL ? p->e.resolved->naddrs : 0;
	struct dp_tls_job *jobs = calloc(na + 1, sizeof(*jobs));
	struct ep_work w = {.p = p, .jobs = jobs};

	pthread_mutex_lock(&o->lock);
	if (o->cancelled)
		na = 0;
	pthread_mutex_unlock(&o->lock);
	for (size_t a = 0; jobs != NULL && a < na; a++) {
		jobs[a].ep = &p->e;
		jobs[a].addr = &p->e.resolved->addrs[a];
		/* SNI is the endpoint's own name (tls.cert judges the certificate for it); dane.tlsa
		 * of an alias asks with the TLSA base domain instead (RFC 7671 §7), so it finds no
		 * session here by that name and makes its own. The trust store and the TLSA records
		 * come from session_join. */
		jobs[a].req = (struct dp_tls_req){
		    .host = p->e.host,
		    .alt_name = p->e.from_mx ? o->disc->domain : NULL,
		    .port = p->e.port,
		    .verify_at = o->opts.at,
		    .step_ms = o->opts.step_timeout_ms > 0 ? o->opts.step_timeout_ms : 5000,
		    .deadline = deadline,
		    .join = session_join,
		    .join_arg = p};
	}
	w.na = jobs != NULL ? na : 0;
	dp_parallel_for(w.na > 0 ? 2 : 1, 2, ep_work_job, &w);
	pthread_mutex_lock(&o->lock);
	p->jobs = jobs;
	p->njobs = w.na;
	p->sessions_done = true;
	pthread_cond_broadcast(&o->cond);
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

/* Add an endpoint and start its observations (o->lock held). */
static void
add_endpoint(struct dp_obs *o, const struct dp_tls_endpoint *e)
{
	struct obs_ep *p;

	if (o->neps >= o->cap || o->cancelled)
		return;
	p = &o->eps[o->neps++];
	p->o = o;
	p->e = *e;
	spawn(o, endpoint_main, p);
}

/* Does _PORT._tcp.HOST have a TLSA RRset? (Any answer with data counts.) */
struct extra {
	struct dp_obs *o;
	struct dp_tls_endpoint *v; /* 2 per MX host: 465 then 587 */
	bool *yes;
};

static void
extra_job(void *arg, size_t i)
{
	struct extra *x = arg;
	struct dp_lookup l = {0};
	struct dp_err err;
	char name[300];

	x->yes[i] = false;
	if (!dp_snprintf(name, sizeof(name), "_%u._tcp.%s", x->v[i].port, x->v[i].host) ||
	    dp_resolver_lookup(x->o->ctx.resolver, name, DP_RR_TLSA, &l, &err) != 0)
		return;
	x->yes[i] = l.havedata;
	dp_lookup_clear(&l);
}

static bool
listed(const struct dp_obs *o, uint16_t port, const char *host)
{
	for (size_t i = 0; i < o->neps; i++) {
		if (o->eps[i].e.port == port && strcmp(o->eps[i].e.host, host) == 0)
			return true;
	}
	return false;
}

static void *
trust_main(struct dp_obs *o, void *x)
{
	struct dp_tls_trust *tr = NULL;
	struct dp_err err = {0};
	bool owned = true;
	int rc = dp_tls_trust_cache_get(o->trust_cache, o->opts.ca_file, &tr, &owned, &err);

	(void)x;
	pthread_mutex_lock(&o->lock);
	o->trust = tr;
	o->trust_owned = owned;
	o->trust_rc = rc;
	o->trust_err = err;
	o->trust_done = true;
	pthread_cond_broadcast(&o->cond);
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

/* Every known endpoint at once, and the trust store beside them; meanwhile 465 and 587 of each MX host
 * are looked for (endpoints too when they have TLSA), and started as they are found. */
static void *
tls_main(struct dp_obs *o, void *x)
{
	const struct dp_discovery *d = o->disc;
	struct extra ex = {.o = o};
	size_t n = 2 * d->nmx;

	(void)x;
	pthread_mutex_lock(&o->lock);
	for (size_t i = 0; i < d->nendpoints; i++) {
		const struct dp_endpoint *e = &d->endpoints[i];
		struct dp_tls_endpoint te = {.port = e->port,
					     .host = e->host,
					     .from_mx = e->from_mx,
					     .configured = !e->from_mx,
					     .resolved = e->resolved};

		add_endpoint(o, &te);
	}
	/* The trust store loads beside the endpoints' lookups and connections (they need it only
	 * for their handshakes); discovery's endpoints are all listed before it is ready. */
	spawn(o, trust_main, NULL);
	pthread_cond_broadcast(&o->cond);
	pthread_mutex_unlock(&o->lock);
	ex.v = calloc(n + 1, sizeof(*ex.v));
	ex.yes = calloc(n + 1, sizeof(*ex.yes));
	for (size_t i = 0; ex.v != NULL && ex.yes != NULL && i < d->nmx; i++) {
		ex.v[2 * i] = (struct dp_tls_endpoint){.port = 465, .host = d->mx[i].host.name,
						       .from_mx = true, .resolved = &d->mx[i].host};
		ex.v[2 * i + 1] = ex.v[2 * i];
		ex.v[2 * i + 1].port = 587;
	}
	if (ex.v != NULL && ex.yes != NULL)
		dp_parallel_for(n, 16, extra_job, &ex);
	pthread_mutex_lock(&o->lock);
	for (size_t i = 0; ex.v != NULL && ex.yes != NULL && i < n; i++) {
		if (ex.yes[i] && !listed(o, ex.v[i].port, ex.v[i].host))
			add_endpoint(o, &ex.v[i]);
	}
	o->eps_done = true;
	pthread_cond_broadcast(&o->cond);
	pthread_mutex_unlock(&o->lock);
	free(ex.v);
	free(ex.yes);
	return NULL;
}

static void
start_locked(struct dp_obs *o, unsigned kinds)
{
	if ((kinds & DP_OBS_SURVEY) && !o->sv_started) {
		o->sv_started = true;
		spawn(o, survey_main, NULL);
	}
	if ((kinds & DP_OBS_TLS) && !o->tls_started) {
		o->tls_started = true;
		o->cap = o->disc->nendpoints + 2 * o->disc->nmx;
		o->eps = calloc(o->cap + 1, sizeof(*o->eps));
		if (o->eps == NULL)
			o->cap = 0;
		spawn(o, tls_main, NULL);
	}
}

void
dp_obs_start(struct dp_obs *o, unsigned kinds)
{
	pthread_mutex_lock(&o->lock);
	start_locked(o, kinds);
	pthread_mutex_unlock(&o->lock);
}

void
dp_obs_cancel(struct dp_obs *o)
{
	if (o == NULL)
		return;
	pthread_mutex_lock(&o->lock);
	o->cancelled = true;
	pthread_cond_broadcast(&o->cond);
	pthread_mutex_unlock(&o->lock);
}

/* ---- reading ---- */

/* Wait (o->lock held) while *flag is false, at most until deadline; true when it is set. */
static bool
wait_flag(struct dp_obs *o, const bool *flag, double deadline)
{
	while (!*flag) {
		double left = deadline - dp_now_mono();
		struct timespec ts;

		if (left <= 0)
			return false;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)left;
		ts.tv_nsec += (long)((left - (double)(time_t)left) * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&o->cond, &o->lock, &ts);
	}
	return true;
}

static int
not_ready(struct dp_err *err, const char *what)
{
	return dp_err_set(err, DP_ETIMEOUT, "not checked: budget exhausted waiting for %s", what);
}

int
dp_obs_survey(const struct dp_ctx *ctx, const struct dp_nssurvey **out, struct dp_err *err)
{
	struct dp_obs *o = ctx->obs;
	int rc;

	*out = NULL;
	pthread_mutex_lock(&o->lock);
	start_locked(o, DP_OBS_SURVEY);
	if (!wait_flag(o, &o->sv_done, ctx->deadline))
		rc = not_ready(err, "the nameserver survey");
	else if (o->sv_rc != 0) {
		rc = o->sv_rc;
		*err = o->sv_err;
	} else {
		rc = 0;
		*out = &o->sv;
	}
	pthread_mutex_unlock(&o->lock);
	return rc;
}

int
dp_obs_trust(const struct dp_ctx *ctx, const struct dp_tls_trust **out, struct dp_err *err)
{
	struct dp_obs *o = ctx->obs;
	int rc;

	*out = NULL;
	pthread_mutex_lock(&o->lock);
	start_locked(o, DP_OBS_TLS);
	if (!wait_flag(o, &o->trust_done, ctx->deadline))
		rc = not_ready(err, "the trust store");
	else if (o->trust_rc != 0) {
		rc = o->trust_rc;
		*err = o->trust_err;
	} else {
		rc = 0;
		*out = o->trust;
	}
	pthread_mutex_unlock(&o->lock);
	return rc;
}

int
dp_obs_endpoints(const struct dp_ctx *ctx, struct dp_tls_endpoint **out, size_t *n,
		 struct dp_err *err)
{
	struct dp_obs *o = ctx->obs;
	struct dp_tls_endpoint *v;
	int rc = 0;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&o->lock);
	start_locked(o, DP_OBS_TLS);
	/* Past the deadline the endpoints known so far are what there is; the MX hosts whose 465
	 * and 587 TLSA lookups had not all come back are listed as not checked (SPEC §1: reported,
	 * never dropped). */
	bool done = wait_flag(o, &o->eps_done, ctx->deadline);
	size_t nmx = done ? 0 : o->disc->nmx;

	v = calloc(o->neps + nmx + 1, sizeof(*v));
	if (v == NULL)
		rc = dp_err_set(err, DP_ENOMEM, "out of memory");
	for (size_t i = 0; v != NULL && i < o->neps; i++)
		v[i] = o->eps[i].e;
	for (size_t i = 0; v != NULL && i < nmx; i++)
		v[o->neps + i] = (struct dp_tls_endpoint){
		    .host = o->disc->mx[i].host.name, .from_mx = true, .unchecked = true};
	if (v != NULL)
		*n = o->neps + nmx;
	pthread_mutex_unlock(&o->lock);
	*out = v;
	return rc;
}

static struct obs_ep *
find_ep(struct dp_obs *o, uint16_t port, const char *host)
{
	for (size_t i = 0; i < o->neps; i++) {
		if (o->eps[i].e.port == port && strcmp(o->eps[i].e.host, host) == 0)
			return &o->eps[i];
	}
	return NULL;
}

int
dp_obs_tlsa(const struct dp_ctx *ctx, const struct dp_tls_endpoint *e, struct dp_tlsa_set *out,
	    struct dp_err *err)
{
	struct dp_obs *o = ctx->obs;
	struct obs_ep *p;
	int rc;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&o->lock);
	start_locked(o, DP_OBS_TLS);
	(void)wait_flag(o, &o->trust_done, ctx->deadline);
	p = find_ep(o, e->port, e->host);
	if (p == NULL)
		rc = dp_err_set(err, DP_ENOTFOUND, "no such endpoint %u:%s", e->port, e->host);
	else if (!wait_flag(o, &p->tlsa_done, ctx->deadline))
		rc = not_ready(err, "the TLSA RRset");
	else {
		*out = p->set;
		rc = p->set_rc;
		if (rc != 0)
			*err = p->set_err;
	}
	pthread_mutex_unlock(&o->lock);
	return rc;
}

/* A deep copy of a session's outcome (the reader clears its copy). */
static void
res_copy(const struct dp_tls_res *from, struct dp_tls_res *to)
{
	*to = *from;
	to->leaf.sans = from->leaf.sans != NULL ? json_deep_copy(from->leaf.sans) : NULL;
	to->tlsa_state = NULL;
	to->tlsa_why = NULL;
	if (from->ntlsa == 0)
		return;
	to->tlsa_state = calloc(from->ntlsa, sizeof(*to->tlsa_state));
	to->tlsa_why = calloc(from->ntlsa, sizeof(*to->tlsa_why));
	if (to->tlsa_state == NULL || to->tlsa_why == NULL) {
		free(to->tlsa_state);
		free(to->tlsa_why);
		to->tlsa_state = NULL;
		to->tlsa_why = NULL;
		to->ntlsa = 0;
		return;
	}
	for (size_t i = 0; i < from->ntlsa; i++) {
		if (from->tlsa_state != NULL)
			to->tlsa_state[i] = from->tlsa_state[i];
		if (from->tlsa_why != NULL && from->tlsa_why[i] != NULL)
			to->tlsa_why[i] = dp_strdup(from->tlsa_why[i]);
	}
}

/* Take job j's session from the store (o->lock held); false when the store has none. */
static bool
take_one(struct dp_obs *o, const struct dp_ctx *ctx, struct dp_tls_job *j)
{
	/* By the name asked for (SNI): a session made for another name is not this one. */
	struct obs_ep *p = find_ep(o, j->req.port, j->req.host);

	if (p == NULL)
		return false;
	if (!wait_flag(o, &p->sessions_done, ctx->deadline)) {
		/* Cut by the budget like a session of the reader's own (SPEC §1: UNKNOWN "not checked:
		 * budget exhausted" in every check that reads it, never a finding). */
		memset(&j->res, 0, sizeof(j->res));
		j->rc = 0;
		j->res.cut = true;
		dp_snprintf(j->res.error, sizeof(j->res.error),
			    "no TLS session by the deadline");
		return true;
	}
	for (size_t a = 0; a < p->njobs; a++) {
		if (!dp_addr_equal(p->jobs[a].addr, j->addr))
			continue;
		j->rc = p->jobs[a].rc;
		j->err = p->jobs[a].err;
		res_copy(&p->jobs[a].res, &j->res);
		return true;
	}
	return false;
}

void
dp_obs_tls_take(const struct dp_ctx *ctx, struct dp_tls_job *jobs, size_t n)
{
	struct dp_obs *o = ctx->obs;
	struct dp_tls_job **own = calloc(n + 1, sizeof(*own));
	struct dp_tls_job *mine;
	size_t nown = 0;

	pthread_mutex_lock(&o->lock);
	start_locked(o, DP_OBS_TLS);
	(void)wait_flag(o, &o->eps_done, ctx->deadline);
	for (size_t i = 0; i < n; i++) {
		if (!take_one(o, ctx, &jobs[i]) && own != NULL)
			own[nown++] = &jobs[i];
	}
	pthread_mutex_unlock(&o->lock);
	if (nown == 0 || (mine = calloc(nown, sizeof(*mine))) == NULL) {
		free(own);
		return;
	}
	/* Sessions the store does not make (an endpoint of this check only): made here. */
	for (size_t i = 0; i < nown; i++)
		mine[i] = *own[i];
	dp_tls_probe_many(mine, nown);
	for (size_t i = 0; i < nown; i++)
		*own[i] = mine[i];
	free(mine);
	free(own);
}
