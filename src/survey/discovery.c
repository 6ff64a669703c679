/* Discovery: apex, parent zone and its servers, NS names (parent ∪ child) and addresses, MX
 * hosts, TLS endpoints — fetched once per run and shared read-only by the checks. */
#include "config.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parallel.h"
#include "survey/survey.h"

#define DP_NAME_MAX 256

struct disc_run {
	struct dp_resolver *r;
	const struct dp_check_opts *o;
	struct dp_discovery *d;
	/* The mail branch's early hand-over (dp_discovery_fill): called once, when the apex SOA
	 * shows the name exists and the mail branch is complete; whichever of the two ends last
	 * calls it. */
	void (*mail_ready)(void *arg);
	void *arg;
	pthread_mutex_t lock;
	bool apex_done, mail_done, apex_ok, mail_ok;
	size_t mail_gone; /* addresses the mail branch left out for -4/-6 */
};

static pthread_mutex_t notes_lock = PTHREAD_MUTEX_INITIALIZER;

static void
note(struct dp_discovery *d, const char *fmt, ...) DP_PRINTF(2, 3);

static void
note(struct dp_discovery *d, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* The branches of discovery run at once; notes are their one shared field. */
	pthread_mutex_lock(&notes_lock);
	json_array_append_new(d->notes, json_string(buf));
	pthread_mutex_unlock(&notes_lock);
}

static void
host_clear(struct dp_host *h)
{
	free(h->name);
	free(h->addrs);
	free(h->error);
	memset(h, 0, sizeof(*h));
}

void
dp_discovery_free(struct dp_discovery *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->nparent_servers; i++)
		host_clear(&d->parent_servers[i]);
	for (size_t i = 0; i < d->nns; i++) {
		host_clear(&d->ns[i].host);
		free(d->ns[i].glue);
	}
	for (size_t i = 0; i < d->nmx; i++)
		host_clear(&d->mx[i].host);
	for (size_t i = 0; i < d->nendpoints; i++)
		free(d->endpoints[i].host);
	for (size_t i = 0; i < d->nhosts; i++)
		host_clear(&d->hosts[i]);
	free(d->parent_servers);
	free(d->ns);
	free(d->mx);
	free(d->endpoints);
	free(d->hosts);
	free(d->domain);
	free(d->parent);
	free(d->apex_why_bogus);
	free(d->apex_verdict);
	free(d->parent_error);
	free(d->mx_error);
	free(d->child_ns_error);
	json_decref(d->notes);
	free(d);
}

/* Grow *v (of *n items of size sz) by one zeroed item; returns it or NULL. */
static void *
grow(void *pv, size_t *n, size_t sz)
{
	void **v = pv;
	char *nv = realloc(*v, (*n + 1) * sz);

	if (nv == NULL)
		return NULL;
	memset(nv + *n * sz, 0, sz);
	*v = nv;
	return nv + (*n)++ * sz;
}

/* Names of one type's RRs (owner == name) in a message section, via an rdata field. */
static int
collect_names(getdns_dict *msg, const char *section, const char *owner, uint16_t type,
	      const char *field, char ***out, size_t *nout)
{
	getdns_list *l = dp_msg_section(msg, section);

	for (size_t i = 0; i < dp_list_len(l); i++) {
		getdns_dict *rr = dp_list_dict(l, i);
		char o[DP_NAME_MAX];
		char v[DP_NAME_MAX];
		char **slot;

		if (dp_rr_type(rr) != type || dp_rr_owner(rr, o, sizeof(o)) != 0 ||
		    strcmp(o, owner) != 0 || dp_rr_rdata_name(rr, field, v, sizeof(v)) != 0)
			continue;
		slot = grow(out, nout, sizeof(char *));
		if (slot == NULL)
			return DP_ENOMEM;
		*slot = dp_strdup(v);
		if (*slot == NULL)
			return DP_ENOMEM;
	}
	return 0;
}

static void
free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Append the A or AAAA addresses of an answer to h. */
static int
add_addrs(struct dp_host *h, const struct dp_lookup *l, uint16_t type)
{
	for (size_t i = 0; i < l->nrdata; i++) {
		struct dp_addr *a;
		size_t want = type == DP_RR_A ? 4 : 16;

		if (l->rdlen[i] != want)
			continue;
		a = grow(&h->addrs, &h->naddrs, sizeof(*a));
		if (a == NULL)
			return DP_ENOMEM;
		a->family = type == DP_RR_A ? AF_INET : AF_INET6;
		memcpy(&a->u, l->rdata[i], want);
		if (inet_ntop(a->family, &a->u, a->text, sizeof(a->text)) == NULL)
			a->text[0] = '\0';
	}
	return 0;
}

/* One of a host's two lookups (A or AAAA), made in its own job. */
struct addr_job {
	struct dp_resolver *r;
	const char *name;
	struct dp_lookup l[2];
	int rc[2];
	struct dp_err err[2];
};

static const uint16_t addr_types[2] = {DP_RR_A, DP_RR_AAAA};

static void
addr_job(void *arg, size_t t)
{
	struct addr_job *j = arg;

	j->rc[t] = dp_resolver_lookup(j->r, j->name, addr_types[t], &j->l[t], &j->err[t]);
}

/* Resolve one host's A and AAAA through the validating resolver, both at once (neither needs
 * the other); the answers are read in that order, A first, as one after the other would. */
static void
resolve_host(struct dp_resolver *r, struct dp_host *h)
{
	struct addr_job j = {.r = r, .name = h->name};

	dp_parallel_for(2, 2, addr_job, &j);
	for (int t = 0; t < 2; t++) {
		struct dp_lookup *l = &j.l[t];
		enum dp_sec *sec = t == 0 ? &h->sec_a : &h->sec_aaaa;
		bool *failed = t == 0 ? &h->failed_a : &h->failed_aaaa;

		if (j.rc[t] != 0) {
			free(h->error);
			h->error = dp_strdup(j.err[t].msg);
			*failed = true;
			continue;
		}
		*failed = !l->havedata && l->rcode != 0 && l->rcode != 3;
		*sec = l->havedata || l->rcode == 0 ? l->sec : DP_SEC_INDETERMINATE;
		if (l->rcode != 0 && h->error == NULL)
			h->error = dp_asprintf("%s %s: rcode %d%s%s", h->name,
					       t == 0 ? "A" : "AAAA", l->rcode,
					       l->why_bogus ? ", " : "",
					       l->why_bogus ? l->why_bogus : "");
		if (add_addrs(h, l, addr_types[t]) != 0 && h->error == NULL)
			h->error = dp_strdup("out of memory");
		dp_lookup_clear(l);
	}
	if (h->naddrs == 0 && h->error == NULL)
		h->error = dp_asprintf("%s has no A or AAAA record", h->name);
}

struct host_job {
	struct dp_resolver *r;
	struct dp_host **hosts;
};

static void
resolve_job(void *arg, size_t i)
{
	struct host_job *j = arg;

	resolve_host(j->r, j->hosts[i]);
}

/* Resolve a set of hosts concurrently. */
static int
resolve_hosts(struct dp_resolver *r, struct dp_host **hosts, size_t n)
{
	struct host_job j = {.r = r, .hosts = hosts};

	dp_parallel_for(n, 16, resolve_job, &j);
	return 0;
}

static int
lookup(struct disc_run *x, const char *name, uint16_t type, struct dp_lookup *l,
       struct dp_err *err)
{
	return dp_resolver_lookup(x->r, name, type, l, err);
}

static const char *
parent_of(const char *name)
{
	const char *dot = strchr(name, '.');

	return dot != NULL ? dot + 1 : "";
}

const char *
dp_apex_state_str(enum dp_apex_state s)
{
	switch (s) {
	case DP_APEX_NXDOMAIN:
		return "nxdomain";
	case DP_APEX_INSIDE:
		return "inside";
	case DP_APEX_EXISTS:
		break;
	}
	return "exists";
}

/* From the apex SOA answer: NXDOMAIN, or NOERROR without an SOA owned by the name, proven (or
 * unsigned) — never from a failed or bogus lookup, which the checks report themselves. */
static enum dp_apex_state
apex_state_of(const struct dp_discovery *d, struct dp_lookup *l)
{
	char **owners = NULL;
	size_t n = 0;

	if (l->sec != DP_SEC_SECURE && l->sec != DP_SEC_INSECURE)
		return DP_APEX_EXISTS;
	if (l->rcode == 3)
		return DP_APEX_NXDOMAIN;
	if (l->rcode != 0)
		return DP_APEX_EXISTS;
	(void)collect_names(l->msg, "answer", d->domain, DP_RR_SOA, "mname", &owners, &n);
	free_names(owners, n);
	return n > 0 ? DP_APEX_EXISTS : DP_APEX_INSIDE;
}

/* The one line for a name that is not a zone apex (after the parent is known). */
static int
apex_verdict(struct dp_discovery *d)
{
	const char *p = d->parent[0] ? d->parent : ".";

	if (d->apex_state == DP_APEX_NXDOMAIN)
		d->apex_verdict = dp_asprintf("%s does not exist (%s NXDOMAIN from %s)", d->domain,
					      d->apex_sec == DP_SEC_SECURE ? "validated"
									   : "insecure, unvalidated",
					      p);
	else if (d->apex_state == DP_APEX_INSIDE)
		d->apex_verdict = dp_asprintf("%s is not a zone apex: it is inside %s (no SOA of its "
					      "own)",
					      d->domain, p);
	else
		return 0;
	return d->apex_verdict != NULL ? 0 : DP_ENOMEM;
}

/* The apex SOA: its security (and so whether the root is reachable at all). */
static int
find_apex(struct disc_run *x, struct dp_err *err)
{
	struct dp_discovery *d = x->d;
	struct dp_lookup l;
	int rc = lookup(x, d->domain, DP_RR_SOA, &l, err);

	if (rc != 0)
		return rc;
	d->apex_sec = l.sec;
	d->apex_rcode = l.rcode;
	d->apex_havedata = l.havedata;
	/* Read after the branches join (the nameserver branch runs beside this one). */
	d->apex_state = apex_state_of(d, &l);
	if (l.why_bogus != NULL)
		d->apex_why_bogus = dp_strdup(l.why_bogus);
	if (!l.havedata)
		note(d, "%s SOA: no data (rcode %d, %s)", d->domain, l.rcode, dp_sec_str(l.sec));
	dp_lookup_clear(&l);
	return 0;
}

/* The first parent candidate's NS set, asked beside its SOA (the nearest enclosing name is
 * usually the parent zone): saves find_parent_servers a round trip. */
struct first_ns {
	struct disc_run *x;
	const char *cand;
	struct dp_lookup soa, ns;
	int soa_rc, ns_rc;
	struct dp_err soa_err, ns_err;
};

static void
first_job(void *arg, size_t i)
{
	struct first_ns *f = arg;

	if (i == 0)
		f->soa_rc = lookup(f->x, f->cand, DP_RR_SOA, &f->soa, &f->soa_err);
	else
		f->ns_rc = lookup(f->x, f->cand, DP_RR_NS, &f->ns, &f->ns_err);
}

/* The zone the domain's delegation lives in: the nearest enclosing name that owns an SOA. When
 * want_ns, the first candidate's NS lookup is made beside its SOA and, when that candidate is
 * the parent, handed back in *ns (*have_ns true; the caller clears it). */
static int
find_parent(struct disc_run *x, bool want_ns, struct dp_lookup *ns, bool *have_ns,
	    struct dp_err *err)
{
	struct dp_discovery *d = x->d;
	const char *first = parent_of(d->domain);
	struct dp_lookup l;
	const char *cand;
	int rc;

	*have_ns = false;
	for (cand = first; cand[0] != '\0'; cand = parent_of(cand)) {
		char **owners = NULL;
		size_t n = 0;
		bool apex;

		if (cand == first) {
			struct first_ns f = {.x = x, .cand = cand};

			dp_parallel_for(want_ns ? 2 : 1, 2, first_job, &f);
			if (want_ns && f.ns_rc == 0) {
				*ns = f.ns;
				*have_ns = true;
			}
			rc = f.soa_rc;
			if (rc != 0)
				*err = f.soa_err;
			l = f.soa;
		} else
			rc = lookup(x, cand, DP_RR_SOA, &l, err);
		if (rc != 0)
			goto fail;
		apex = l.havedata && l.rcode == 0;
		(void)collect_names(l.msg, "answer", cand, DP_RR_SOA, "mname", &owners, &n);
		dp_lookup_clear(&l);
		apex = apex && n > 0;
		free_names(owners, n);
		if (apex)
			break;
		if (*have_ns) { /* the first candidate is not the parent: not its NS set */
			dp_lookup_clear(ns);
			*have_ns = false;
		}
	}
	d->parent = dp_strdup(cand);
	if (d->parent == NULL) {
		rc = dp_err_set(err, DP_ENOMEM, "out of memory");
		goto fail;
	}
	return 0;
fail:
	if (*have_ns)
		dp_lookup_clear(ns);
	*have_ns = false;
	return rc;
}

/* The parent zone's servers and their addresses; ns is its NS lookup when find_parent made it
 * (taken over and cleared here), else NULL. */
static int
find_parent_servers(struct disc_run *x, struct dp_lookup *ns, struct dp_err *err)
{
	struct dp_discovery *d = x->d;
	struct dp_lookup l;
	char **names = NULL;
	size_t n = 0;
	struct dp_host **hp = NULL;
	int rc;

	if (ns != NULL)
		l = *ns;
	else {
		rc = lookup(x, d->parent, DP_RR_NS, &l, err);
		if (rc != 0)
			return rc;
	}
	rc = collect_names(l.msg, "answer", d->parent, DP_RR_NS, "nsdname", &names, &n);
	dp_lookup_clear(&l);
	if (rc != 0)
		goto out;
	if (n == 0)
		note(d, "the parent zone '%s' has no NS RRset", d->parent[0] ? d->parent : ".");
	d->parent_servers = calloc(n ? n : 1, sizeof(*d->parent_servers));
	hp = calloc(n ? n : 1, sizeof(*hp));
	if (d->parent_servers == NULL || hp == NULL) {
		rc = DP_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		d->parent_servers[i].name = names[i];
		names[i] = NULL;
		hp[i] = &d->parent_servers[i];
	}
	d->nparent_servers = n;
	rc = resolve_hosts(x->r, hp, n);
out:
	free(hp);
	free_names(names, n);
	return rc != 0 ? dp_err_set(err, rc, "out of memory") : 0;
}

static struct dp_ns *
ns_find_or_add(struct dp_discovery *d, const char *name)
{
	struct dp_ns *ns;

	for (size_t i = 0; i < d->nns; i++) {
		if (strcmp(d->ns[i].host.name, name) == 0)
			return &d->ns[i];
	}
	ns = grow(&d->ns, &d->nns, sizeof(*ns));
	if (ns == NULL)
		return NULL;
	ns->host.name = dp_strdup(name);
	if (ns->host.name == NULL) {
		d->nns--;
		return NULL;
	}
	return ns;
}

/* Glue for ns in a referral's additional section. */
static int
take_glue(struct dp_ns *ns, getdns_dict *reply)
{
	getdns_list *add = dp_msg_section(reply, "additional");

	for (size_t i = 0; i < dp_list_len(add); i++) {
		getdns_dict *rr = dp_list_dict(add, i);
		uint16_t t = dp_rr_type(rr);
		char o[DP_NAME_MAX];
		getdns_bindata *b;
		struct dp_addr *a;

		if ((t != DP_RR_A && t != DP_RR_AAAA) || dp_rr_owner(rr, o, sizeof(o)) != 0 ||
		    strcmp(o, ns->host.name) != 0)
			continue;
		b = dp_rr_rdata_bin(rr, t == DP_RR_A ? "ipv4_address" : "ipv6_address");
		if (b == NULL || b->size != (t == DP_RR_A ? 4u : 16u))
			continue;
		a = grow(&ns->glue, &ns->nglue, sizeof(*a));
		if (a == NULL)
			return DP_ENOMEM;
		a->family = t == DP_RR_A ? AF_INET : AF_INET6;
		memcpy(&a->u, b->data, b->size);
		if (inet_ntop(a->family, &a->u, a->text, sizeof(a->text)) == NULL)
			a->text[0] = '\0';
	}
	return 0;
}

/* Ask the parent's servers (RD=0) for the delegation, as `dig NS domain @parent-server`; the
 * first address giving a referral (or an authoritative NS answer) wins. */
static int
parent_delegation(struct disc_run *x, struct dp_err *err)
{
	struct dp_discovery *d = x->d;

	for (size_t s = 0; s < d->nparent_servers; s++) {
		for (size_t a = 0; a < d->parent_servers[s].naddrs; a++) {
			struct dp_query q = {.qname = d->domain, .qtype = DP_RR_NS,
					     .server = &d->parent_servers[s].addrs[a],
					     .transport = DP_TRANSPORT_UDP,
					     .timeout_ms = x->o->step_timeout_ms,
					     .tc_retry = true};
			struct dp_reply rep;
			char **names = NULL;
			size_t n = 0;
			int rc = dp_query_send(&q, &rep, err);

			if (rc != 0)
				return rc;
			if (rep.answered && rep.rcode == 0) {
				rc = collect_names(rep.reply, rep.aa ? "answer" : "authority",
						   d->domain, DP_RR_NS, "nsdname", &names, &n);
			}
			for (size_t i = 0; rc == 0 && i < n; i++) {
				struct dp_ns *ns = ns_find_or_add(d, names[i]);

				if (ns == NULL)
					rc = DP_ENOMEM;
				else {
					ns->at_parent = true;
					rc = take_glue(ns, rep.reply);
				}
			}
			free_names(names, n);
			if (!rep.answered)
				note(d, "parent server %s (%s) did not answer: %s",
				     d->parent_servers[s].name, q.server->text, rep.error);
			dp_reply_clear(&rep);
			if (rc != 0)
				return dp_err_set(err, rc, "out of memory");
			if (n > 0) {
				d->parent_answered = true;
				return 0;
			}
		}
	}
	d->parent_error = dp_asprintf("no server of '%s' gave a delegation for %s",
				      d->parent[0] ? d->parent : ".", d->domain);
	return 0;
}

/* The child's own NS set, from the validating resolver, with each name's addresses when the
 * run needs them: nothing here waits for the parent side (see ns_branch). */
struct child_set {
	struct disc_run *x;
	bool want_addrs;
	char **names;
	size_t n;
	struct dp_host *hosts; /* n, resolved; NULL unless want_addrs */
	int rc;
	struct dp_err err;
};

static int
child_ns(struct child_set *c)
{
	struct disc_run *x = c->x;
	struct dp_discovery *d = x->d;
	struct dp_lookup l;
	struct dp_host **hp;
	int rc = lookup(x, d->domain, DP_RR_NS, &l, &c->err);

	if (rc != 0)
		return rc;
	rc = collect_names(l.msg, "answer", d->domain, DP_RR_NS, "nsdname", &c->names, &c->n);
	if (c->n == 0)
		note(d, "%s NS: no data from the validating resolver (rcode %d, %s)", d->domain,
		     l.rcode, dp_sec_str(l.sec));
	if (c->n == 0 && !l.havedata && l.rcode != 0 && l.rcode != 3) {
		d->child_ns_failed = true;
		d->child_ns_error = dp_asprintf("%s NS: %s%s%s", d->domain,
		                                l.rcode == 2 ? "SERVFAIL" : "lookup failed",
		                                l.why_bogus != NULL ? ", " : "",
		                                l.why_bogus != NULL ? l.why_bogus : "");
	}
	dp_lookup_clear(&l);
	if (rc != 0 || !c->want_addrs || c->n == 0)
		return rc != 0 ? dp_err_set(&c->err, rc, "out of memory") : 0;
	c->hosts = calloc(c->n, sizeof(*c->hosts));
	hp = calloc(c->n, sizeof(*hp));
	for (size_t i = 0; c->hosts != NULL && hp != NULL && i < c->n; i++) {
		c->hosts[i].name = c->names[i]; /* borrowed: the names stay in c->names */
		hp[i] = &c->hosts[i];
	}
	if (c->hosts != NULL && hp != NULL)
		(void)resolve_hosts(x->r, hp, c->n);
	else { /* out of memory: resolved after the merge instead */
		free(c->hosts);
		c->hosts = NULL;
	}
	free(hp);
	return 0;
}

/* After both sides are in: the child's names join the parent's (parent's first, as listed), each
 * with the addresses found for it; *resolved[i] marks d->ns[i] as done. */
static int
child_merge(struct dp_discovery *d, struct child_set *c, bool **resolved)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < c->n; i++) {
		struct dp_ns *ns = ns_find_or_add(d, c->names[i]);
		struct dp_host *h;

		if (ns == NULL) {
			rc = DP_ENOMEM;
			break;
		}
		ns->at_child = true;
		if (c->hosts == NULL)
			continue;
		h = &ns->host;
		free(h->addrs);
		free(h->error);
		h->addrs = c->hosts[i].addrs;
		h->naddrs = c->hosts[i].naddrs;
		h->sec_a = c->hosts[i].sec_a;
		h->sec_aaaa = c->hosts[i].sec_aaaa;
		h->error = c->hosts[i].error;
		h->failed_a = c->hosts[i].failed_a;
		h->failed_aaaa = c->hosts[i].failed_aaaa;
		memset(&c->hosts[i], 0, sizeof(c->hosts[i]));
	}
	*resolved = calloc(d->nns + 1, sizeof(**resolved));
	if (*resolved == NULL)
		return DP_ENOMEM;
	for (size_t i = 0; c->hosts != NULL && i < d->nns; i++) {
		for (size_t k = 0; k < c->n; k++) {
			if (strcmp(d->ns[i].host.name, c->names[k]) == 0)
				(*resolved)[i] = true;
		}
	}
	return rc;
}

static void
child_clear(struct child_set *c)
{
	for (size_t i = 0; c->hosts != NULL && i < c->n; i++) {
		free(c->hosts[i].addrs);
		free(c->hosts[i].error);
	}
	free(c->hosts);
	free_names(c->names, c->n);
}

/* The addresses of every nameserver name not resolved yet (the parent's names the child does
 * not list). */
static int
resolve_ns(struct disc_run *x, const bool *resolved)
{
	struct dp_discovery *d = x->d;
	struct dp_host **hp = calloc(d->nns ? d->nns : 1, sizeof(*hp));
	size_t n = 0;

	if (hp == NULL)
		return DP_ENOMEM;
	for (size_t i = 0; i < d->nns; i++) {
		if (!resolved[i])
			hp[n++] = &d->ns[i].host;
	}
	(void)resolve_hosts(x->r, hp, n);
	free(hp);
	return 0;
}

static int
mx_cmp(const void *a, const void *b)
{
	const struct dp_mx *x = a;
	const struct dp_mx *y = b;

	if (x->preference != y->preference)
		return x->preference < y->preference ? -1 : 1;
	return strcmp(x->host.name, y->host.name);
}

static int
mx_hosts(struct disc_run *x, struct dp_err *err)
{
	struct dp_discovery *d = x->d;
	struct dp_lookup l;
	getdns_list *ans;
	int rc = lookup(x, d->domain, DP_RR_MX, &l, err);

	if (rc != 0)
		return rc;
	/* NXDOMAIN and NOERROR/NODATA are answers (no MX); anything else is a failed lookup */
	if (!l.havedata && l.rcode != 0 && l.rcode != 3) {
		d->mx_failed = true;
		d->mx_error = dp_asprintf("%s MX: %s%s%s", d->domain,
		                          l.rcode == 2 ? "SERVFAIL" : "lookup failed",
		                          l.why_bogus != NULL ? ", " : "",
		                          l.why_bogus != NULL ? l.why_bogus : "");
		note(d, "%s", d->mx_error != NULL ? d->mx_error : "MX lookup failed");
	}
	ans = dp_msg_section(l.msg, "answer");
	for (size_t i = 0; i < dp_list_len(ans); i++) {
		getdns_dict *rr = dp_list_dict(ans, i);
		char o[DP_NAME_MAX];
		char ex[DP_NAME_MAX];
		uint32_t pref = 0;
		struct dp_mx *mx;

		if (dp_rr_type(rr) != DP_RR_MX || dp_rr_owner(rr, o, sizeof(o)) != 0 ||
		    strcmp(o, d->domain) != 0 || dp_rr_rdata_name(rr, "exchange", ex, sizeof(ex)) != 0 ||
		    dp_rr_rdata_int(rr, "preference", &pref) != 0)
			continue;
		/* RFC 7505: a null MX ("0 .") means the domain accepts no mail. */
		if (ex[0] == '\0') {
			note(d, "%s has a null MX (RFC 7505): accepts no mail", d->domain);
			continue;
		}
		mx = grow(&d->mx, &d->nmx, sizeof(*mx));
		if (mx == NULL || (mx->host.name = dp_strdup(ex)) == NULL) {
			dp_lookup_clear(&l);
			return dp_err_set(err, DP_ENOMEM, "out of memory");
		}
		mx->preference = (uint16_t)pref;
	}
	dp_lookup_clear(&l);
	/* RFC 5321 §5.1: senders try the lowest preference first; report them in that order
	 * (nothing points into d->mx yet) */
	if (d->nmx > 1)
		qsort(d->mx, d->nmx, sizeof(*d->mx), mx_cmp);
	return 0;
}

const struct dp_host *
dp_discovery_host(const struct dp_discovery *d, const char *name)
{
	for (size_t i = 0; i < d->nmx; i++) {
		if (strcmp(d->mx[i].host.name, name) == 0)
			return &d->mx[i].host;
	}
	for (size_t i = 0; i < d->nhosts; i++) {
		if (strcmp(d->hosts[i].name, name) == 0)
			return &d->hosts[i];
	}
	return NULL;
}

static int
add_endpoint(struct dp_discovery *d, uint16_t port, const char *host, bool from_mx)
{
	struct dp_endpoint *e;

	for (size_t i = 0; i < d->nendpoints; i++) {
		if (d->endpoints[i].port == port && strcmp(d->endpoints[i].host, host) == 0)
			return 0;
	}
	e = grow(&d->endpoints, &d->nendpoints, sizeof(*e));
	if (e == NULL)
		return DP_ENOMEM;
	e->port = port;
	e->from_mx = from_mx;
	e->host = dp_strdup(host);
	return e->host != NULL ? 0 : DP_ENOMEM;
}

/* Endpoints: 25 on every MX host, then the configured ones; hosts that are not MX hosts are
 * added to d->hosts, to be resolved with the MX hosts (mx_branch). */
static int
endpoints(struct disc_run *x)
{
	struct dp_discovery *d = x->d;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < d->nmx; i++)
		rc = add_endpoint(d, 25, d->mx[i].host.name, true);
	for (size_t i = 0; rc == 0 && i < x->o->ntlsa; i++)
		rc = add_endpoint(d, x->o->tlsa[i].port, x->o->tlsa[i].host, false);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < d->nendpoints; i++) {
		struct dp_host *h;

		if (dp_discovery_host(d, d->endpoints[i].host) != NULL)
			continue;
		h = grow(&d->hosts, &d->nhosts, sizeof(*h));
		if (h == NULL || (h->name = dp_strdup(d->endpoints[i].host)) == NULL)
			return DP_ENOMEM;
	}
	return 0;
}

/* The parent side of the nameserver branch: parent zone, its servers, the delegation. */
static int
parent_side(struct disc_run *x, unsigned needs, struct dp_err *err)
{
	bool want = (needs & (DP_NEED_PARENT | DP_NEED_NS_ADDRS)) != 0;
	struct dp_lookup ns;
	bool have_ns = false;
	int rc = find_parent(x, want, &ns, &have_ns, err);

	if (rc != 0 || !want)
		return rc;
	rc = find_parent_servers(x, have_ns ? &ns : NULL, err);
	if (rc == 0)
		rc = parent_delegation(x, err);
	return rc;
}

struct ns_sides {
	struct disc_run *x;
	unsigned needs;
	int rc;
	struct dp_err err;
	struct child_set child;
};

static void
ns_side_job(void *arg, size_t i)
{
	struct ns_sides *s = arg;

	if (i == 0)
		s->rc = parent_side(s->x, s->needs, &s->err);
	else
		s->child.rc = child_ns(&s->child);
}

/* The nameserver branch: the parent side (parent zone, its servers, the delegation) and the
 * child's NS set with its names' addresses need nothing from each other, so they run at once;
 * then the union of the names, and the addresses of the parent's names the child lacks. The
 * parent's and the child's fields of the discovery are disjoint until the merge. */
static int
ns_branch(struct disc_run *x, unsigned needs, struct dp_err *err)
{
	bool want = (needs & (DP_NEED_PARENT | DP_NEED_NS_ADDRS)) != 0;
	struct ns_sides s = {.x = x, .needs = needs,
			     .child = {.x = x, .want_addrs = (needs & DP_NEED_NS_ADDRS) != 0}};
	bool *resolved = NULL;
	int rc;

	dp_parallel_for(want ? 2 : 1, 2, ns_side_job, &s);
	rc = s.rc;
	if (rc != 0)
		*err = s.err;
	else if (want && s.child.rc != 0) {
		rc = s.child.rc;
		*err = s.child.err;
	}
	if (rc == 0 && want && child_merge(x->d, &s.child, &resolved) != 0)
		rc = dp_err_set(err, DP_ENOMEM, "out of memory");
	if (rc == 0 && (needs & DP_NEED_NS_ADDRS) && resolve_ns(x, resolved) != 0)
		rc = dp_err_set(err, DP_ENOMEM, "out of memory");
	free(resolved);
	child_clear(&s.child);
	return rc;
}

/* The mail branch: MX hosts, the TLS endpoints, then the addresses of the MX hosts and of the
 * other endpoint hosts in one batch (none needs another's). */
static int
mx_branch(struct disc_run *x, unsigned needs, struct dp_err *err)
{
	struct dp_discovery *d = x->d;
	struct dp_host **hp;
	size_t n = 0;
	int rc;

	if (!(needs & (DP_NEED_MX_HOSTS | DP_NEED_ENDPOINTS)))
		return 0;
	rc = mx_hosts(x, err);
	if (rc != 0)
		return rc;
	if ((needs & DP_NEED_ENDPOINTS) && endpoints(x) != 0)
		rc = dp_err_set(err, DP_ENOMEM, "out of memory");
	/* d->hosts no longer grows: pointers into it stay valid */
	hp = calloc(d->nmx + d->nhosts + 1, sizeof(*hp));
	if (hp == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	for (size_t i = 0; i < d->nmx; i++)
		hp[n++] = &d->mx[i].host;
	for (size_t i = 0; i < d->nhosts; i++)
		hp[n++] = &d->hosts[i];
	(void)resolve_hosts(x->r, hp, n);
	free(hp);
	for (size_t i = 0; i < d->nendpoints; i++)
		d->endpoints[i].resolved = dp_discovery_host(d, d->endpoints[i].host);
	return rc;
}

/* Drop from v the addresses of a family the run may not use; return how many went. */
static size_t
keep_family(struct dp_addr *v, size_t *n, int family)
{
	size_t k = 0;
	size_t n0 = *n;

	for (size_t i = 0; i < n0; i++) {
		if (v[i].family == family)
			v[k++] = v[i];
	}
	*n = k;
	return n0 - k;
}

/* The one family a run may use (SPEC §1 -4/-6, config ip_families); 0: both. */
static int
only_family(unsigned fam)
{
	if (fam != DP_IPV4 && fam != DP_IPV6)
		return 0;
	return fam == DP_IPV4 ? AF_INET : AF_INET6;
}

/* A host keeps only the family f; a failed lookup of the family left out is not asked about
 * either. */
static size_t
keep_host_family(struct dp_host *h, int f)
{
	size_t gone = keep_family(h->addrs, &h->naddrs, f);

	if (f == AF_INET)
		h->failed_aaaa = false;
	else
		h->failed_a = false;
	return gone;
}

/* SPEC §1 -4/-6 for the mail branch's hosts (MX hosts, other endpoint hosts): done as the branch
 * ends, before its endpoints are handed over (the TLS sessions start from them). */
static size_t
keep_mail_families(struct dp_discovery *d, unsigned fam)
{
	int f = only_family(fam);
	size_t gone = 0;

	if (f == 0)
		return 0;
	for (size_t i = 0; i < d->nmx; i++)
		gone += keep_host_family(&d->mx[i].host, f);
	for (size_t i = 0; i < d->nhosts; i++)
		gone += keep_host_family(&d->hosts[i], f);
	return gone;
}

/* SPEC §1 -4/-6 (config ip_families): every address the checks would use, glue included so
 * that glue and zone are compared within the same family, keeps only the allowed family (the
 * mail branch's hosts were filtered as it ended: mail_gone of them went). */
static void
keep_families(struct dp_discovery *d, unsigned fam, size_t mail_gone)
{
	int f = only_family(fam);
	size_t gone = mail_gone;

	if (f == 0)
		return;
	for (size_t i = 0; i < d->nns; i++) {
		gone += keep_host_family(&d->ns[i].host, f);
		gone += keep_family(d->ns[i].glue, &d->ns[i].nglue, f);
	}
	for (size_t i = 0; i < d->nparent_servers; i++)
		gone += keep_family(d->parent_servers[i].addrs, &d->parent_servers[i].naddrs, f);
	if (gone > 0)
		note(d, "%zu %s address%s left out (%s)", gone, fam == DP_IPV4 ? "IPv6" : "IPv4",
		     gone == 1 ? "" : "es", fam == DP_IPV4 ? "-4" : "-6");
}

/* One of the two inputs of the mail hand-over is in (apex: the apex SOA; else the mail branch,
 * ok when it ended without error); the second one in calls mail_ready when both are ok and the
 * name exists (SPEC §1: a name that does not exist gets no checks, so nothing starts for it). */
static void
mail_input_done(struct disc_run *x, bool apex, bool ok)
{
	bool fire;

	if (x->mail_ready == NULL)
		return;
	pthread_mutex_lock(&x->lock);
	if (apex) {
		x->apex_done = true;
		x->apex_ok = ok && x->d->apex_state == DP_APEX_EXISTS;
	} else {
		x->mail_done = true;
		x->mail_ok = ok;
	}
	fire = x->apex_done && x->mail_done && x->apex_ok && x->mail_ok;
	pthread_mutex_unlock(&x->lock);
	if (fire)
		x->mail_ready(x->arg);
}

struct branches {
	struct disc_run *x;
	unsigned needs;
	int rc[3];
	struct dp_err err[3];
};

static void
branch_job(void *arg, size_t i)
{
	struct branches *b = arg;

	struct disc_run *x = b->x;

	if (i == 0) {
		b->rc[0] = find_apex(x, &b->err[0]);
		mail_input_done(x, true, b->rc[0] == 0);
	} else if (i == 1)
		b->rc[1] = ns_branch(x, b->needs, &b->err[1]);
	else {
		b->rc[2] = mx_branch(x, b->needs, &b->err[2]);
		/* The mail branch's fields are final from here on: nothing else writes them. */
		x->mail_gone = keep_mail_families(x->d, x->o->ip_families);
		mail_input_done(x, false, b->rc[2] == 0);
	}
}

/* Dataflow, not stages: the apex, the nameserver branch and the mail branch need nothing from
 * each other, so they run at once (they write disjoint fields of the discovery). */
static int
run_steps(struct disc_run *x, unsigned needs, struct dp_err *err)
{
	struct branches b = {.x = x, .needs = needs};

	dp_parallel_for(3, 3, branch_job, &b);
	for (size_t i = 0; i < 3; i++) {
		if (b.rc[i] != 0) {
			*err = b.err[i];
			return b.rc[i];
		}
	}
	/* A name that is not a zone apex: its one line, from the apex and the parent zone. */
	if (apex_verdict(x->d) != 0)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	return 0;
}

struct dp_discovery *
dp_discovery_new(const char *domain)
{
	struct dp_discovery *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->notes = json_array();
	d->domain = dp_strdup(domain);
	if (d->notes == NULL || d->domain == NULL) {
		dp_discovery_free(d);
		return NULL;
	}
	return d;
}

int
dp_discovery_fill(struct dp_resolver *r, const struct dp_check_opts *o, unsigned needs,
		  struct dp_discovery *d, void (*mail_ready)(void *arg), void *arg,
		  struct dp_err *err)
{
	struct disc_run x = {.r = r, .o = o, .d = d, .mail_ready = mail_ready, .arg = arg};
	int rc;

	pthread_mutex_init(&x.lock, NULL);
	rc = run_steps(&x, needs, err);
	pthread_mutex_destroy(&x.lock);
	if (rc != 0)
		return rc;
	keep_families(d, o->ip_families, x.mail_gone);
	return 0;
}

int
dp_discovery_run(struct dp_resolver *r, const struct dp_check_opts *o, unsigned needs,
		 struct dp_discovery **out, struct dp_err *err)
{
	struct dp_discovery *d = dp_discovery_new(o->domain);
	int rc;

	*out = NULL;
	if (d == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	rc = dp_discovery_fill(r, o, needs, d, NULL, NULL, err);
	if (rc != 0) {
		dp_discovery_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

static json_t *
addrs_json(const struct dp_addr *a, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < n; i++)
		json_array_append_new(arr, json_string(a[i].text));
	return arr;
}

static json_t *
host_json(const struct dp_host *h)
{
	json_t *o = json_pack("{s:s, s:o, s:s, s:s}", "name", h->name, "addresses",
			      addrs_json(h->addrs, h->naddrs), "a_security",
			      dp_sec_str(h->sec_a), "aaaa_security", dp_sec_str(h->sec_aaaa));

	if (o != NULL && h->error != NULL)
		json_object_set_new(o, "error", json_string(h->error));
	return o;
}

json_t *
dp_discovery_to_json(const struct dp_discovery *d)
{
	json_t *o = json_object();
	json_t *ps = json_array();
	json_t *ns = json_array();
	json_t *mx = json_array();
	json_t *ep = json_array();

	if (o == NULL || ps == NULL || ns == NULL || mx == NULL || ep == NULL)
		goto fail;
	for (size_t i = 0; i < d->nparent_servers; i++)
		json_array_append_new(ps, host_json(&d->parent_servers[i]));
	for (size_t i = 0; i < d->nns; i++) {
		json_t *h = host_json(&d->ns[i].host);

		json_object_set_new(h, "at_parent", json_boolean(d->ns[i].at_parent));
		json_object_set_new(h, "at_child", json_boolean(d->ns[i].at_child));
		json_object_set_new(h, "glue", addrs_json(d->ns[i].glue, d->ns[i].nglue));
		json_array_append_new(ns, h);
	}
	for (size_t i = 0; i < d->nmx; i++) {
		json_t *h = host_json(&d->mx[i].host);

		json_object_set_new(h, "preference", json_integer(d->mx[i].preference));
		json_array_append_new(mx, h);
	}
	for (size_t i = 0; i < d->nendpoints; i++)
		json_array_append_new(ep, json_sprintf("%u:%s", d->endpoints[i].port,
						       d->endpoints[i].host));
	json_object_set_new(o, "domain", json_string(d->domain));
	json_object_set_new(o, "parent_zone", json_string(d->parent ? d->parent : ""));
	json_object_set_new(o, "apex_security", json_string(dp_sec_str(d->apex_sec)));
	json_object_set_new(o, "apex", json_string(dp_apex_state_str(d->apex_state)));
	if (d->apex_verdict != NULL)
		json_object_set_new(o, "apex_verdict", json_string(d->apex_verdict));
	json_object_set_new(o, "parent_servers", ps);
	json_object_set_new(o, "nameservers", ns);
	json_object_set_new(o, "mx", mx);
	if (d->mx_failed)
		json_object_set_new(o, "mx_error", json_string(d->mx_error ? d->mx_error : ""));
	if (d->child_ns_failed)
		json_object_set_new(o, "ns_error",
		                    json_string(d->child_ns_error ? d->child_ns_error : ""));
	json_object_set_new(o, "endpoints", ep);
	json_object_set(o, "notes", d->notes);
	return o;
fail:
	json_decref(o);
	json_decref(ps);
	json_decref(ns);
	json_decref(mx);
	json_decref(ep);
	return NULL;
}
