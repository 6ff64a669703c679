/* ns.delegation: the parent's NS set and glue match the zone's NS set and addresses, and every
 * server answers authoritatively (AA) over UDP and TCP; lame or unreachable servers are named. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "survey/nssurvey.h"
#include "survey/obs.h"
#include "probes/judges.h"
#include "dnsprobe/probe.h"
#include "probes/causes.h"
#include "dns/serial.h"
#include "base/parallel.h"

#define ID "ns.delegation"
#define SUBJ 320
#define NAMEMAX 256
/* Parent server addresses asked for the delegation, at most. */
#define MAXPARENT 64

static const char *
zone_name(const char *z)
{
	return z[0] != '\0' ? z : ".";
}

/* ---- the NS sets: parent vs child (RFC 1034 §4.2.2: they should be the same) ---- */

/* The NS names (owner = zone) in one section of a referral. */
static json_t *
referral_names(getdns_dict *reply, const char *section, const char *zone)
{
	getdns_list *l = dp_msg_section(reply, section);
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < dp_list_len(l); i++) {
		getdns_dict *rr = dp_list_dict(l, i);
		char o[NAMEMAX];
		char v[NAMEMAX];

		if (dp_rr_type(rr) == DP_RR_NS && dp_rr_owner(rr, o, sizeof(o)) == 0 &&
		    strcmp(o, zone) == 0 && dp_rr_rdata_name(rr, "nsdname", v, sizeof(v)) == 0)
			json_array_append_new(arr, json_string(v));
	}
	return arr;
}

static bool
names_contain(json_t *arr, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		if (strcmp(json_string_value(v), name) == 0)
			return true;
	}
	return false;
}

/* The discovery's parent NS set (at_parent names) as a JSON array. */
static json_t *
disc_names(const struct dp_discovery *d, bool parent)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < d->nns; i++) {
		if (parent ? d->ns[i].at_parent : d->ns[i].at_child)
			json_array_append_new(arr, json_string(d->ns[i].host.name));
	}
	return arr;
}

static bool
same_names(json_t *a, json_t *b)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) {
		if (!names_contain(b, json_string_value(v)))
			return false;
	}
	json_array_foreach(b, i, v) {
		if (!names_contain(a, json_string_value(v)))
			return false;
	}
	return true;
}

/* The delegation asked (RD=0) of every address of every parent server, all at once. */
struct parents {
	struct dp_query q[MAXPARENT];
	struct dp_reply rep[MAXPARENT];
	const char *names[MAXPARENT];
	size_t n;
	int rc; /* dp_query_send_many's: nonzero means nobody was asked */
	struct dp_err err;
};

static void
ask_parents(const struct dp_ctx *ctx, struct parents *pa)
{
	const struct dp_discovery *d = ctx->disc;

	pa->n = 0;
	for (size_t s = 0; s < d->nparent_servers; s++) {
		for (size_t a = 0; a < d->parent_servers[s].naddrs && pa->n < MAXPARENT; a++) {
			pa->names[pa->n] = d->parent_servers[s].name;
			pa->q[pa->n++] = (struct dp_query){.qname = d->domain, .qtype = DP_RR_NS,
							   .server = &d->parent_servers[s].addrs[a],
							   .transport = DP_TRANSPORT_UDP,
							   .timeout_ms = dp_ctx_step_ms(ctx),
							   .deadline = ctx->deadline};
		}
	}
	pa->rc = dp_query_send_many(pa->q, pa->rep, pa->n, &pa->err);
	if (pa->rc == 0)
		(void)dp_ctx_mark_cut(ctx, pa->rep, pa->n);
}

static void
parents_clear(struct parents *pa)
{
	for (size_t i = 0; pa != NULL && i < pa->n; i++)
		dp_reply_clear(&pa->rep[i]);
}

/* What each parent server said: one that gives another NS set, or none, is named. Problems go
 * into why. */
static json_t *
parent_servers(const struct dp_ctx *ctx, const struct parents *pa, json_t *want, char *why,
	       size_t whysz, char *cut, size_t cutsz)
{
	const struct dp_discovery *d = ctx->disc;
	json_t *arr = json_array();

	if (arr == NULL || pa->rc != 0) {
		dp_append(why, whysz, "; ", "the parent's servers could not be asked: %s",
			  pa->err.msg);
		return arr;
	}
	for (size_t i = 0; i < pa->n; i++) {
		const struct dp_reply *rep = &pa->rep[i];
		json_t *got = NULL;
		const char *problem = NULL;

		if (dp_reply_cut(rep)) {
			/* SPEC §1: the budget ended the wait; nothing is known of this server. */
			dp_append(cut, cutsz, "; ", "parent server %s/%s " DP_BUDGET_EXHAUSTED,
				  pa->names[i], pa->q[i].server->text);
			problem = DP_BUDGET_EXHAUSTED;
		} else if (!rep->answered)
			problem = "did not answer";
		else if (rep->rcode != 0)
			problem = "refused or failed the query";
		else {
			got = referral_names(rep->reply, rep->aa ? "answer" : "authority",
					     d->domain);
			if (json_array_size(got) == 0)
				problem = "gave no delegation";
			else if (!same_names(got, want))
				problem = "gives a different NS set";
		}
		if (problem != NULL && !dp_reply_cut(rep))
			dp_append(why, whysz, "; ", "parent server %s/%s %s", pa->names[i],
				  pa->q[i].server->text, problem);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:o*, s:s*}", "server",
						     pa->names[i], "address", pa->q[i].server->text,
						     "answered", rep->answered, "ns", got,
						     "problem", problem));
	}
	return arr;
}

static int
nsset_result(const struct dp_ctx *ctx, const struct parents *pa, struct dp_results *out)
{
	const struct dp_discovery *d = ctx->disc;
	const char *pz = zone_name(d->parent ? d->parent : "");
	json_t *parent = disc_names(d, true);
	json_t *child = disc_names(d, false);
	json_t *only_p = json_array();
	json_t *only_c = json_array();
	json_t *ps;
	enum dp_status st = DP_STATUS_OK;
	char why[1536] = "";
	char cut[768] = "";
	char ok[512];
	bool follows = false;
	struct dp_result *res;

	/* a failed lookup of the zone's NS RRset is not an empty one: nothing to compare */
	for (size_t i = 0; !d->child_ns_failed && i < d->nns; i++) {
		const struct dp_ns *ns = &d->ns[i];

		if (ns->at_parent && !ns->at_child) {
			json_array_append_new(only_p, json_string(ns->host.name));
			dp_append(why, sizeof(why), "; ",
				  "%s lists %s, which the zone's NS RRset does not", pz,
				  ns->host.name);
		} else if (ns->at_child && !ns->at_parent) {
			json_array_append_new(only_c, json_string(ns->host.name));
			dp_append(why, sizeof(why), "; ", "the zone's NS RRset lists %s, which the "
				  "delegation at %s does not", ns->host.name, pz);
		}
	}
	if (why[0] != '\0')
		st = DP_STATUS_WARNING;
	ps = parent_servers(ctx, pa, parent, why, sizeof(why), cut, sizeof(cut));
	if (st == DP_STATUS_OK && why[0] != '\0')
		st = DP_STATUS_WARNING;
	if (st == DP_STATUS_OK && cut[0] != '\0') {
		dp_strlcpy(why, cut, sizeof(why));
		st = DP_STATUS_UNKNOWN;
	}
	if (!d->parent_answered) {
		dp_snprintf(why, sizeof(why), "%s",
			    d->parent_error ? d->parent_error : "the parent gave no delegation");
		st = DP_STATUS_CRITICAL;
	} else if (d->child_ns_failed && st != DP_STATUS_WARNING) {
		dp_snprintf(why, sizeof(why),
			    "the delegation at %s lists %zu nameservers; not compared with the "
			    "zone's: its NS lookup failed (%s)",
			    pz, json_array_size(parent),
			    d->child_ns_error ? d->child_ns_error : "no answer");
		st = DP_STATUS_UNKNOWN;
		follows = true;
	} else if (json_array_size(child) == 0) {
		dp_append(why, sizeof(why), "; ", "the zone's own NS RRset could not be had");
		st = DP_STATUS_CRITICAL;
	}
	dp_snprintf(ok, sizeof(ok), "the delegation at %s and the zone list the same %zu "
		    "nameservers", pz, json_array_size(parent));
	res = dp_results_add(out, ID, d->domain, st,
			     json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "parent_zone", pz,
				       "parent_ns", parent, "child_ns", child, "only_at_parent",
				       only_p, "only_at_child", only_c, "parent_servers", ps),
			     "%s", st == DP_STATUS_OK ? ok : why);
	if (res == NULL)
		return DP_ENOMEM;
	return follows ? dp_result_set_cause(res, DP_CAUSE_CHAIN_ID, d->domain) : 0;
}

/* ---- glue (RFC 9471: in-domain names need glue, and it must match the zone) ---- */

static bool
in_domain(const char *name, const char *zone)
{
	size_t ln = strlen(name);
	size_t lz = strlen(zone);

	if (lz == 0 || strcmp(name, zone) == 0)
		return true;
	return ln > lz && name[ln - lz - 1] == '.' && strcmp(name + ln - lz, zone) == 0;
}

static json_t *
addrs_json(const struct dp_addr *a, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < n; i++)
		json_array_append_new(arr, json_string(a[i].text));
	return arr;
}

static void
addrs_text(const struct dp_addr *a, size_t n, char *buf, size_t bufsz)
{
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		dp_append(buf, bufsz, ", ", "%s", a[i].text);
	if (n == 0)
		dp_snprintf(buf, bufsz, "none");
}

static int
glue_result(const struct dp_ctx *ctx, const struct dp_ns *ns, struct dp_results *out)
{
	const struct dp_discovery *d = ctx->disc;
	const char *pz = zone_name(d->parent ? d->parent : "");
	bool need = in_domain(ns->host.name, d->domain);
	enum dp_status st = DP_STATUS_OK;
	char g[512];
	char z[512];
	char sum[1280];

	if (!ns->at_parent || (!need && ns->nglue == 0))
		return 0;
	addrs_text(ns->glue, ns->nglue, g, sizeof(g));
	addrs_text(ns->host.addrs, ns->host.naddrs, z, sizeof(z));
	if ((ns->host.failed_a || ns->host.failed_aaaa) && ns->nglue > 0) {
		/* A failed lookup is unknown, not a disagreement: glue is not compared. */
		st = DP_STATUS_UNKNOWN;
		dp_snprintf(sum, sizeof(sum), "glue for %s at %s is %s; not compared: the %s "
			    "lookup of the name failed (%s)", ns->host.name, pz, g,
			    ns->host.failed_a && ns->host.failed_aaaa ? "A and AAAA"
			    : ns->host.failed_a			      ? "A"
								      : "AAAA",
			    ns->host.error ? ns->host.error : "no answer");
	} else if (need && ns->nglue == 0) {
		st = DP_STATUS_WARNING;
		dp_snprintf(sum, sizeof(sum), "%s gives no glue for %s, which is inside the zone "
			    "(RFC 9471); the zone says %s", pz, ns->host.name, z);
	} else if (ns->host.naddrs == 0) {
		st = DP_STATUS_WARNING;
		dp_snprintf(sum, sizeof(sum), "glue for %s at %s is %s, but the name has no "
			    "address in DNS (%s)", ns->host.name, pz, g,
			    ns->host.error ? ns->host.error : "no A or AAAA");
	} else if (!dp_addrs_same_set(ns->glue, ns->nglue, ns->host.addrs, ns->host.naddrs)) {
		st = DP_STATUS_WARNING;
		dp_snprintf(sum, sizeof(sum), "glue for %s at %s is %s, but the zone says %s",
			    ns->host.name, pz, g, z);
	} else
		dp_snprintf(sum, sizeof(sum), "glue for %s at %s matches the zone: %s",
			    ns->host.name, pz, g);
	return dp_results_add(out, ID, ns->host.name, st,
			      json_pack("{s:s, s:o, s:o, s:b}", "server", ns->host.name, "glue",
					addrs_json(ns->glue, ns->nglue), "zone_addresses",
					addrs_json(ns->host.addrs, ns->host.naddrs),
					"glue_required", need),
			      "%s", sum) != NULL
		       ? 0
		       : DP_ENOMEM;
}

/* ---- every server address: AA over UDP and TCP (RFC 7766 §5: TCP is required) ---- */

static enum dp_status
server_status(const struct dp_ns_target *t, char *sum, size_t sumsz)
{
	char subj[SUBJ];
	char wu[300];
	char wt[300];
	const char *pu = dp_ns_answer_problem(&t->udp, wu, sizeof(wu));
	const char *pt = dp_ns_answer_problem(&t->tcp, wt, sizeof(wt));

	dp_ns_target_subject(t, subj, sizeof(subj));
	if (!t->has_addr) {
		dp_snprintf(sum, sumsz, "%s has no address: %s", subj,
			    t->ns->host.error ? t->ns->host.error : "no A or AAAA record");
		return DP_STATUS_CRITICAL;
	}
	if (dp_ns_target_no_route(t)) {
		/* SPEC §1: no route from this host says nothing about the server. */
		dp_snprintf(sum, sumsz, "%s not checked from here: %s", subj, t->udp.error);
		return DP_STATUS_UNKNOWN;
	}
	if (dp_ns_target_cut(t)) {
		dp_snprintf(sum, sumsz, "%s " DP_BUDGET_EXHAUSTED " (no answer over %s before the -t "
			    "deadline)", subj, t->udp.cut ? (t->tcp.cut ? "UDP or TCP" : "UDP") : "TCP");
		return DP_STATUS_UNKNOWN;
	}
	if (!t->udp.answered && !t->tcp.answered) {
		dp_snprintf(sum, sumsz, "%s unreachable: no answer over UDP or TCP (%s)", subj,
			    t->udp.error[0] ? t->udp.error : "timeout");
		return DP_STATUS_CRITICAL;
	}
	if (pu != NULL && pt != NULL && strcmp(pu, pt) == 0) {
		dp_snprintf(sum, sumsz, "%s: %s over UDP and TCP", subj, pu);
		return DP_STATUS_CRITICAL;
	}
	if (pu != NULL || pt != NULL) {
		dp_snprintf(sum, sumsz, "%s:", subj);
		if (pu != NULL)
			dp_append(sum, sumsz, " ", "over UDP %s", pu);
		if (pt != NULL)
			dp_append(sum, sumsz, pu ? "; " : " ", "over TCP %s%s", pt,
				  t->tcp.answered ? "" : " (RFC 7766 §5 requires TCP)");
		return DP_STATUS_CRITICAL;
	}
	if (!t->udp.edns) {
		/* RFC 6891: DNSSEC answers need EDNS; a server that drops OPT breaks them. */
		dp_snprintf(sum, sumsz, "%s answers authoritatively but without EDNS (RFC 6891)",
			    subj);
		return DP_STATUS_WARNING;
	}
	dp_snprintf(sum, sumsz, "%s answers authoritatively over UDP (%.1f ms) and TCP (%.1f ms)%s",
		    subj, t->udp.rtt * 1000.0, t->tcp.rtt * 1000.0,
		    t->in_zone ? "" : " (address from the parent's glue only)");
	return DP_STATUS_OK;
}

static int
server_result(const struct dp_ns_target *t, struct dp_results *out)
{
	char subj[SUBJ];
	char sum[1024];
	enum dp_status st = server_status(t, sum, sizeof(sum));
	json_t *d = json_pack("{s:s, s:s, s:b, s:b, s:b, s:b}", "server", t->ns->host.name,
			      "address", t->has_addr ? t->addr.text : "", "address_in_zone",
			      t->in_zone, "address_in_glue", t->in_glue, "at_parent",
			      t->ns->at_parent, "at_child", t->ns->at_child);

	if (d != NULL && t->has_addr) {
		bool lame = (t->udp.answered && !t->udp.aa) || (t->tcp.answered && !t->tcp.aa);

		json_object_set_new(d, "aa", json_boolean(t->udp.aa));
		json_object_set_new(d, "lame", json_boolean(lame));
		json_object_set_new(d, "edns", json_boolean(t->udp.edns));
		json_object_set_new(d, "udp_ok",
				    json_boolean(t->udp.answered && !t->udp.rcode && t->udp.aa));
		json_object_set_new(d, "tcp_ok",
				    json_boolean(t->tcp.answered && !t->tcp.rcode && t->tcp.aa));
		if (t->udp.answered)
			json_object_set_new(d, "rtt_seconds", json_real(t->udp.rtt));
		json_object_set_new(d, "transport",
				    json_pack("{s:o, s:o}", "udp", dp_ns_answer_json(&t->udp),
					      "tcp", dp_ns_answer_json(&t->tcp)));
	}
	return dp_results_add(out, ID, dp_ns_target_subject(t, subj, sizeof(subj)), st, d, "%s",
			      sum) != NULL
		       ? 0
		       : DP_ENOMEM;
}

static int
judge(const struct dp_ctx *ctx, const struct dp_nssurvey *sv, const struct parents *pa,
      struct dp_results *out)
{
	int rc = nsset_result(ctx, pa, out);

	for (size_t i = 0; rc == 0 && i < ctx->disc->nns; i++)
		rc = glue_result(ctx, &ctx->disc->ns[i], out);
	for (size_t i = 0; rc == 0 && i < sv->n; i++)
		rc = server_result(&sv->v[i], out);
	return rc;
}

/* The judge: results over the discovery and a survey (probes/judges.h); the parent's servers
 * are asked here (none in a recorded discovery without parent server addresses). */
int
dp_judge_ns_delegation(const struct dp_ctx *ctx, const struct dp_nssurvey *sv,
		       struct dp_results *out)
{
	struct parents *pa = calloc(1, sizeof(*pa));
	int rc;

	if (pa == NULL)
		return DP_ENOMEM;
	ask_parents(ctx, pa);
	rc = judge(ctx, sv, pa, out);
	parents_clear(pa);
	free(pa);
	return rc;
}

struct waits {
	const struct dp_ctx *ctx;
	const struct dp_nssurvey *sv;
	int rc;
	struct dp_err err;
	struct parents *pa;
};

static void
wait_job(void *arg, size_t i)
{
	struct waits *w = arg;

	if (i == 0)
		w->rc = dp_obs_survey(w->ctx, &w->sv, &w->err);
	else
		ask_parents(w->ctx, w->pa);
}

/* The parent's servers are asked while the survey is awaited, not after it: a silent child
 * server (the survey waits one step timeout for it) and the parent's round trip overlap. */
static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	struct waits w = {.ctx = ctx, .pa = calloc(1, sizeof(*w.pa))};
	int rc;

	if (w.pa == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	dp_parallel_for(2, 2, wait_job, &w);
	rc = w.rc;
	if (rc != 0)
		*err = w.err;
	else {
		rc = judge(ctx, w.sv, w.pa, out);
		if (rc != 0)
			rc = dp_err_set(err, rc, "out of memory");
	}
	parents_clear(w.pa);
	free(w.pa);
	return rc;
}

const struct dp_probe dp_probe_ns_delegation = {
	.id = ID,
	.title = "Delegation and lame servers",
	.needs = DP_NEED_NS_ADDRS | DP_NEED_PARENT | DP_NEED_SURVEY,
	.timeout_ms = 20000,
	.run = run,
};
