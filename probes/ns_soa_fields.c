/* ns.hygiene.soa_fields: the SOA's mname, rname and timers are the same at every nameserver address
 * (Zonemaster CONSISTENCY02-06: a server that differs serves another copy of the zone → WARNING
 * naming it), and the timers follow RFC 1912 §2.2 (contradictions → WARNING, values outside the
 * advised ranges → notes; Zonemaster ZONE02-ZONE06). The serial is ns.soa_serial's. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "survey/hygiene.h"
#include "dnsprobe/probe.h"
#include "probes/causes.h"

#define ID "ns.hygiene.soa_fields"

/* What each target gave: its SOA when it answered authoritatively. */
struct seen {
	bool have;
	struct dp_soa_fields soa;
	char why[300]; /* not compared: why (when !have) */
	bool silent;   /* the server answered nothing: ns.soa_serial's finding is the cause */
};

static json_t *
soa_json(const struct dp_soa_fields *s)
{
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "mname", s->mname, "rname",
			 s->rname, "serial", (json_int_t)s->serial, "refresh", (json_int_t)s->refresh,
			 "retry", (json_int_t)s->retry, "expire", (json_int_t)s->expire, "minimum",
			 (json_int_t)s->minimum);
}

/* "mname M, rname R, refresh 3600, retry 900, expire 1209600, minimum 300" into buf. */
static void
soa_text(const struct dp_soa_fields *s, char *buf, size_t bufsz)
{
	dp_snprintf(buf, bufsz, "mname %s, rname %s, refresh %u, retry %u, expire %u, minimum %u",
		    s->mname, s->rname, s->refresh, s->retry, s->expire, s->minimum);
}

/* The differing fields of s against ref, with both values: "rname a (others b), …". */
static void
diff_text(const struct dp_soa_fields *s, const struct dp_soa_fields *ref, char *buf, size_t bufsz)
{
	size_t l;

	buf[0] = '\0';
#define ONE(cond, fmt, a, b)                                                                      \
	do {                                                                                      \
		if (cond) {                                                                       \
			l = strlen(buf);                                                          \
			dp_snprintf(buf + l, bufsz - l, "%s" fmt, l > 0 ? ", " : "", a, b);       \
		}                                                                                 \
	} while (0)
	ONE(strcmp(s->mname, ref->mname) != 0, "mname %s (others %s)", s->mname, ref->mname);
	ONE(strcmp(s->rname, ref->rname) != 0, "rname %s (others %s)", s->rname, ref->rname);
	ONE(s->refresh != ref->refresh, "refresh %u (others %u)", s->refresh, ref->refresh);
	ONE(s->retry != ref->retry, "retry %u (others %u)", s->retry, ref->retry);
	ONE(s->expire != ref->expire, "expire %u (others %u)", s->expire, ref->expire);
	ONE(s->minimum != ref->minimum, "minimum %u (others %u)", s->minimum, ref->minimum);
#undef ONE
}

/* The SOA most targets agree on (ties: the first in target order); -1 when none has one. */
static ssize_t
reference(const struct seen *v, size_t n)
{
	ssize_t best = -1;
	size_t bestn = 0;
	char tmp[8];

	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		if (!v[i].have)
			continue;
		for (size_t j = 0; j < n; j++)
			k += v[j].have && dp_hyg_soa_diff(&v[i].soa, &v[j].soa, tmp, sizeof(tmp)) == 0;
		if (k > bestn) {
			bestn = k;
			best = (ssize_t)i;
		}
	}
	return best;
}

static void
observe(const struct dp_ctx *ctx, const struct dp_ns_target *t, const struct dp_reply *r,
	struct seen *s)
{
	char rc[16];

	memset(s, 0, sizeof(*s));
	if (dp_hyg_unchecked(r, dp_ctx_cut(ctx), s->why, sizeof(s->why)) != NULL) {
		s->silent = dp_hyg_unreached(r);
		return;
	}
	if (!r->aa || r->rcode != 0) {
		/* lame or refusing: ns.delegation's and ns.soa_serial's finding */
		dp_snprintf(s->why, sizeof(s->why), "not compared: %s%s, no authoritative SOA",
			    dp_nssurvey_rcode_str(r->rcode, rc, sizeof(rc)),
			    r->aa ? "" : " without AA");
		return;
	}
	s->have = dp_hyg_soa_read(r->reply, ctx->disc->domain, &s->soa);
	if (!s->have)
		dp_snprintf(s->why, sizeof(s->why), "not compared: no SOA in the answer");
	(void)t;
}

/* One target's result; ref (the SOA most agree on) is non-NULL whenever s has an SOA. */
static int
target_result(const struct dp_ns_target *t, const struct seen *s, const struct seen *ref,
	      size_t nsame, size_t nhave, struct dp_results *out)
{
	char subj[320];
	char diff[600];
	char notes[1024];
	enum dp_status st;
	json_t *d = dp_hyg_target_json(t);

	dp_ns_target_subject(t, subj, sizeof(subj));
	if (!s->have) {
		struct dp_result *r =
		    dp_results_add(out, ID, subj, DP_STATUS_UNKNOWN, d, "%s: %s", subj, s->why);

		if (r == NULL)
			return DP_ENOMEM;
		return s->silent ? dp_cause_server_silent(r, subj) : 0;
	}
	if (d != NULL)
		json_object_set_new(d, "soa", soa_json(&s->soa));
	diff_text(&s->soa, &ref->soa, diff, sizeof(diff));
	if (diff[0] == '\0')
		return dp_results_add(out, ID, subj, DP_STATUS_OK, d,
				      "%s: serves the same SOA fields as %zu of %zu addresses", subj,
				      nsame, nhave) != NULL
			   ? 0
			   : DP_ENOMEM;
	/* another copy of the zone: its own timers judged too */
	st = dp_status_worst(DP_STATUS_WARNING, dp_hyg_soa_timers(&s->soa, notes, sizeof(notes)));
	if (d != NULL) {
		json_object_set_new(d, "differs_from", soa_json(&ref->soa));
		if (notes[0] != '\0')
			json_object_set_new(d, "timers", json_string(notes));
	}
	return dp_results_add(out, ID, subj, st, d, "%s: serves different SOA fields: %s%s%s", subj,
			      diff, notes[0] ? "; its timers: " : "", notes) != NULL
		   ? 0
		   : DP_ENOMEM;
}

/* Zonemaster ZONE01: the primary named in the SOA (RFC 1035 §3.3.13, RFC 1996 §2.1: where
 * NOTIFY comes from and dynamic updates go). Not among the NS names is common (a hidden primary)
 * and "." says no primary is named (RFC 1035 leaves it a name): notes only. Appends to notes. */
static bool
mname_note(const struct dp_ctx *ctx, const struct dp_soa_fields *soa, char *notes, size_t sz)
{
	size_t l = strlen(notes);
	bool in_ns = false;

	for (size_t i = 0; i < ctx->disc->nns; i++)
		in_ns = in_ns || (ctx->disc->ns[i].host.name != NULL &&
				  strcmp(ctx->disc->ns[i].host.name, soa->mname) == 0);
	if (soa->mname[0] == '\0')
		dp_snprintf(notes + l, sz - l, "%smname is \".\": no primary named", l ? ", " : "");
	else if (!in_ns && ctx->disc->nns > 0)
		dp_snprintf(notes + l, sz - l,
			    "%smname %s is not among the NS names (a hidden primary?)", l ? ", " : "",
			    soa->mname);
	return in_ns;
}

static int
zone_result(const struct dp_ctx *ctx, const struct dp_nssurvey *sv, const struct seen *v,
	    ssize_t ref, size_t nsame, size_t nhave, enum dp_status worst, struct dp_results *out)
{
	char notes[1024];
	char text[700];
	char who[1024] = "";
	enum dp_status st;
	bool in_ns;
	json_t *d;

	if (ref < 0)
		return dp_results_add(out, ID, ctx->disc->domain, DP_STATUS_UNKNOWN, NULL,
				      "not checked: no nameserver address of %s gave its SOA",
				      ctx->disc->domain) != NULL
			   ? 0
			   : DP_ENOMEM;
	st = dp_status_worst(worst, dp_hyg_soa_timers(&v[ref].soa, notes, sizeof(notes)));
	in_ns = mname_note(ctx, &v[ref].soa, notes, sizeof(notes));
	soa_text(&v[ref].soa, text, sizeof(text));
	for (size_t i = 0; i < sv->n; i++) {
		char tmp[8];
		char subj[320];
		size_t l = strlen(who);

		if (!v[i].have || dp_hyg_soa_diff(&v[i].soa, &v[ref].soa, tmp, sizeof(tmp)) == 0)
			continue;
		dp_snprintf(who + l, sizeof(who) - l, "%s%s", l > 0 ? ", " : "",
			    dp_ns_target_subject(&sv->v[i], subj, sizeof(subj)));
	}
	d = json_pack("{s:o, s:I, s:I, s:b}", "soa", soa_json(&v[ref].soa), "addresses_same",
		      (json_int_t)nsame, "addresses_compared", (json_int_t)nhave, "mname_in_ns",
		      in_ns);
	if (d != NULL && notes[0] != '\0')
		json_object_set_new(d, "timers", json_string(notes));
	if (who[0] != '\0')
		return dp_results_add(out, ID, ctx->disc->domain, st, d,
				      "%zu of %zu addresses serve %s; different at %s%s%s", nsame,
				      nhave, text, who, notes[0] ? "; timers: " : "", notes) != NULL
			   ? 0
			   : DP_ENOMEM;
	return dp_results_add(out, ID, ctx->disc->domain, st, d,
			      "all %zu addresses serve the same SOA fields: %s%s%s", nhave, text,
			      notes[0] ? (st == DP_STATUS_OK ? "; note: " : "; ") : "", notes) != NULL
		   ? 0
		   : DP_ENOMEM;
}

static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	static const struct dp_query qs[1] = {{.qtype = DP_RR_SOA, .transport = DP_TRANSPORT_UDP}};
	struct dp_nssurvey sv;
	struct dp_reply *rep = NULL;
	struct dp_results mine;
	struct seen *v = NULL;
	size_t nhave = 0;
	size_t nsame = 0;
	ssize_t ref;
	char tmp[8];
	enum dp_status worst;
	int rc = dp_nssurvey_targets(ctx->disc, &sv);

	if (rc != 0)
		return dp_err_set(err, rc, "out of memory");
	dp_results_init(&mine);
	v = calloc(sv.n + 1, sizeof(*v));
	if (v == NULL) {
		rc = dp_err_set(err, DP_ENOMEM, "out of memory");
		goto out;
	}
	rc = dp_hyg_ask(ctx, &sv, qs, 1, &rep, err);
	if (rc != 0)
		goto out;
	for (size_t i = 0; i < sv.n; i++) {
		if (sv.v[i].has_addr)
			observe(ctx, &sv.v[i], &rep[i], &v[i]);
		nhave += v[i].have;
	}
	ref = reference(v, sv.n);
	for (size_t i = 0; ref >= 0 && i < sv.n; i++)
		nsame += v[i].have && dp_hyg_soa_diff(&v[i].soa, &v[ref].soa, tmp, sizeof(tmp)) == 0;
	for (size_t i = 0; rc == 0 && i < sv.n; i++) {
		if (sv.v[i].has_addr)
			rc = target_result(&sv.v[i], &v[i], ref >= 0 ? &v[ref] : NULL, nsame, nhave,
					   &mine);
	}
	/* an address not checked says nothing about the others' agreement */
	worst = dp_results_worst(&mine);
	if (worst == DP_STATUS_UNKNOWN)
		worst = DP_STATUS_OK;
	if (rc == 0)
		rc = zone_result(ctx, &sv, v, ref, nsame, nhave, worst, out);
	if (rc == 0)
		rc = dp_results_take(out, &mine);
out:
	dp_results_clear(&mine);
	free(v);
	dp_hyg_replies_free(rep, sv.n);
	dp_nssurvey_clear(&sv);
	return rc != 0 && err->code == 0 ? dp_err_set(err, rc, "out of memory") : rc;
}

const struct dp_probe dp_probe_ns_soa_fields = {
	.id = ID,
	.title = "SOA fields and timers",
	.needs = DP_NEED_NS_ADDRS | DP_NEED_PARENT,
	.timeout_ms = 15000,
	.run = run,
};
