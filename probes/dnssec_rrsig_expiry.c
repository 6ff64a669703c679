/* dnssec.rrsig_expiry: every authoritative server address asked directly (RD=0, DO=1) for the
 * apex RRsets, a denial and the TLSA RRsets; the RRSIG times read as served, per address, and
 * every answer validated by getdns (getdns_validate_dnssec2) against that same server's DNSKEY
 * RRset and the zone's DS RRset as libunbound validated it from the root. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parallel.h"
#include "dns/dnssec.h"
#include "dns/srvval.h"
#include "survey/nssurvey.h"
#include "dnsprobe/probe.h"
#include "probes/causes.h"

#define ID            "dnssec.rrsig_expiry"
#define SUBJ          320
#define MAX_TLSA      8
#define MAX_QUESTIONS (6 + 1 + MAX_TLSA)
#define MAX_TYPES     32
#define MAX_TAGS      8
#define MAX_KEYS      DP_SRVVAL_MAX_KEYS

static const uint16_t apex_types[] = {DP_RR_SOA, DP_RR_NS,  DP_RR_DNSKEY,
                                      DP_RR_MX,  DP_RR_TXT, DP_RR_CAA};
#define NAPEX (sizeof(apex_types) / sizeof(apex_types[0]))

struct question {
	char name[300];
	uint16_t type;
	const char *label; /* key in details.validation: the type's name, "denial" */
};

/* The earliest-expiring signature seen over one RR type at one server. */
struct earliest {
	uint16_t type;
	int64_t expiration;
	int64_t inception;
	uint16_t key_tag;
	char owner[256];
};

/* The key tags of every RRSIG over one RR type at one server, and whether one is in its
 * validity period as of the judging time (to say why getdns found something bogus). */
struct sigset {
	uint16_t type;
	uint16_t tags[MAX_TAGS];
	size_t ntags;
	bool in_time;
};

/* What one server address served, reduced. */
struct tally {
	struct earliest v[MAX_TYPES];
	size_t n;
	size_t nsigs;
	size_t answered;
	size_t unrouted; /* queries not sent: no route from this host to the address */
	size_t ncut; /* questions left unanswered when the budget ran out */
	enum dp_rrsig_state worst; /* of the signatures judged */
	struct earliest worst_sig; /* the signature behind worst */
	int64_t min_remaining;
	json_t *problems; /* array of strings: failed queries */
	enum dp_status problem_status;
	json_t *unsigned_rrsets; /* array of "owner TYPE" served without RRSIG */
	struct sigset sigs[MAX_TYPES];
	size_t nsigsets;
	/* Per-server validation (only when the zone has a secure DS). */
	json_t *validation; /* {label: "secure"|"bogus"|...}; NULL when not validated */
	char bogus[512];    /* the first bogus RRset, in words ("" when none) */
	size_t nbogus;
	char unvalidated[256]; /* the first indeterminate/insecure/error RRset ("" when none) */
	char skipped[128]; /* why this server's answers were not validated ("" when they were) */
};

/* The instant the check judges at (--at, else now). */
static int64_t
judge_time(const struct dp_ctx *ctx)
{
	return ctx->opts->at != 0 ? ctx->opts->at : (int64_t)dp_now_wall();
}

static bool
in_zone(const char *name, const char *zone)
{
	size_t n = strlen(name);
	size_t z = strlen(zone);

	if (z == 0 || strcmp(name, zone) == 0)
		return true;
	return n > z && name[n - z - 1] == '.' && strcmp(name + n - z, zone) == 0;
}

/* The apex types, one random name (its denial brings NSEC/NSEC3 and their signatures), and the
 * TLSA names of the endpoints this zone serves. */
static size_t
questions(const struct dp_ctx *ctx, struct question *q)
{
	const struct dp_discovery *d = ctx->disc;
	size_t n = 0;
	size_t ntlsa = 0;

	for (size_t i = 0; i < NAPEX; i++) {
		dp_strlcpy(q[n].name, d->domain, sizeof(q[n].name));
		q[n].label = dp_rrtype_name(apex_types[i]);
		q[n++].type = apex_types[i];
	}
	if (dp_dnssec_random_name(d->domain, q[n].name, sizeof(q[n].name)) == 0) {
		q[n].label = "denial";
		q[n++].type = DP_RR_A;
	}
	for (size_t i = 0; i < d->nendpoints && ntlsa < MAX_TLSA; i++) {
		if (!in_zone(d->endpoints[i].host, d->domain) ||
		    !dp_snprintf(q[n].name, sizeof(q[n].name), "_%u._tcp.%s", d->endpoints[i].port,
		                 d->endpoints[i].host))
			continue;
		q[n].label = "TLSA";
		q[n++].type = DP_RR_TLSA;
		ntlsa++;
	}
	return n;
}

static void problem(struct tally *t, enum dp_status st, const char *fmt, ...) DP_PRINTF(3, 4);

static void
problem(struct tally *t, enum dp_status st, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(t->problems, json_string(buf));
	t->problem_status = dp_status_worst(t->problem_status, st);
}

static struct earliest *
slot(struct tally *t, uint16_t type)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i].type == type)
			return &t->v[i];
	}
	if (t->n >= MAX_TYPES)
		return NULL;
	memset(&t->v[t->n], 0, sizeof(t->v[t->n]));
	t->v[t->n].type = type;
	t->v[t->n].expiration = INT64_MAX;
	return &t->v[t->n++];
}

static struct sigset *
sigset_of(struct tally *t, uint16_t type)
{
	for (size_t i = 0; i < t->nsigsets; i++) {
		if (t->sigs[i].type == type)
			return &t->sigs[i];
	}
	if (t->nsigsets >= MAX_TYPES)
		return NULL;
	memset(&t->sigs[t->nsigsets], 0, sizeof(t->sigs[0]));
	t->sigs[t->nsigsets].type = type;
	return &t->sigs[t->nsigsets++];
}

/* Judge one signature and fold it into the tally. */
static void
take_sig(const struct dp_ctx *ctx, struct tally *t, const struct dp_rrsig *s, const char *owner)
{
	int64_t now = (int64_t)dp_now_wall();
	struct earliest e = {.type = s->type_covered,
	                     .key_tag = s->key_tag,
	                     .expiration = dp_rrsig_time(s->expiration, now),
	                     .inception = dp_rrsig_time(s->inception, now)};
	int64_t rem = 0;
	enum dp_rrsig_state st = dp_rrsig_judge(e.inception, e.expiration, judge_time(ctx), now,
	                                        ctx->opts->rrsig_warn, ctx->opts->rrsig_crit, &rem);
	struct earliest *slotp = slot(t, s->type_covered);
	struct sigset *ss = sigset_of(t, s->type_covered);

	if (ss != NULL) {
		bool seen = false;

		for (size_t i = 0; i < ss->ntags; i++)
			seen = seen || ss->tags[i] == s->key_tag;
		if (!seen && ss->ntags < MAX_TAGS)
			ss->tags[ss->ntags++] = s->key_tag;
		if (st != DP_RRSIG_EXPIRED && st != DP_RRSIG_NOT_YET_VALID)
			ss->in_time = true;
	}
	dp_strlcpy(e.owner, owner, sizeof(e.owner));
	t->nsigs++;
	if (slotp != NULL && e.expiration < slotp->expiration)
		*slotp = e;
	if (t->nsigs == 1 || rem < t->min_remaining)
		t->min_remaining = rem;
	/* The worst state wins; among equals, the earliest expiration. */
	if (t->nsigs == 1 || st > t->worst ||
	    (st == t->worst && e.expiration < t->worst_sig.expiration)) {
		t->worst = st;
		t->worst_sig = e;
	}
}

/* What an RRSIG covers: (owner, type covered), sorted so that a lookup is a binary search. */
struct sigkey {
	char owner[256];
	uint16_t type;
};

static int
sigkey_cmp(const void *pa, const void *pb)
{
	const struct sigkey *x = pa;
	const struct sigkey *y = pb;
	int c = strcmp(x->owner, y->owner);

	return c != 0 ? c : (x->type > y->type) - (x->type < y->type);
}

/* The (owner, covered type) of every RRSIG of the section, sorted: one pass and one sort, so
 * that checking every RRset of a large answer costs n log n, not n² (64 KiB answers). Returns
 * NULL (and *n 0) on no memory; the caller frees. */
static struct sigkey *
sigkeys(getdns_list *sec, size_t *n)
{
	size_t len = dp_list_len(sec);
	struct sigkey *v = calloc(len + 1, sizeof(*v));

	*n = 0;
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		getdns_dict *rr = dp_list_dict(sec, i);
		uint32_t covered = 0;

		if (dp_rr_type(rr) != DP_RR_RRSIG ||
		    dp_rr_owner(rr, v[*n].owner, sizeof(v[*n].owner)) != 0 ||
		    dp_rr_rdata_int(rr, "type_covered", &covered) != 0)
			continue;
		v[(*n)++].type = (uint16_t)covered;
	}
	qsort(v, *n, sizeof(*v), sigkey_cmp);
	return v;
}

/* True when the section holds an RRSIG over type at owner. */
static bool
has_sig(const struct sigkey *keys, size_t n, const char *owner, uint16_t type)
{
	struct sigkey k = {.type = type};

	dp_strlcpy(k.owner, owner, sizeof(k.owner));
	return keys != NULL && bsearch(&k, keys, n, sizeof(*keys), sigkey_cmp) != NULL;
}

/* Every RRSIG by the zone in one section; every RRset of the zone there without one. */
static void
take_section(const struct dp_ctx *ctx, struct tally *t, getdns_list *sec)
{
	const char *zone = ctx->disc->domain;
	size_t nkeys = 0;
	struct sigkey *keys = sigkeys(sec, &nkeys);

	for (size_t i = 0; i < dp_list_len(sec); i++) {
		getdns_dict *rr = dp_list_dict(sec, i);
		getdns_bindata *raw = dp_rr_rdata_raw(rr);
		uint16_t type = dp_rr_type(rr);
		struct dp_rrsig s;
		char owner[256];
		char tn[16];

		if (dp_rr_owner(rr, owner, sizeof(owner)) != 0 || !in_zone(owner, zone))
			continue;
		if (type != DP_RR_RRSIG) {
			/* RFC 4035 §3.1.1: with DO set, an authoritative server includes the
			 * RRSIGs of every RRset it returns (the NS of a delegation excepted). */
			if ((type != DP_RR_NS || strcmp(owner, zone) == 0) &&
			    !has_sig(keys, nkeys, owner, type))
				json_array_append_new(
				    t->unsigned_rrsets,
				    json_sprintf("%s %s", owner,
				                 dp_rrtype_str(type, tn, sizeof(tn))));
			continue;
		}
		if (raw == NULL || dp_rrsig_parse(raw->data, raw->size, &s) != 0 ||
		    strcmp(s.signer, zone) != 0)
			continue;
		take_sig(ctx, t, &s, owner);
	}
	free(keys);
}

static void
take_reply(const struct dp_ctx *ctx, struct tally *t, const struct question *q,
           const struct dp_reply *r)
{
	char tn[16];
	char rc[16];

	dp_rrtype_str(q->type, tn, sizeof(tn));
	if (r->no_route) {
		/* SPEC §1: not checked from here, which says nothing about the server */
		t->unrouted++;
		problem(t, DP_STATUS_UNKNOWN, "%s %s: %s", q->name, tn, r->error);
		return;
	}
	if (dp_reply_cut(r)) {
		t->ncut++;
		problem(t, DP_STATUS_UNKNOWN, "%s %s: " DP_BUDGET_EXHAUSTED, q->name, tn);
		return;
	}
	if (!r->answered) {
		problem(t, DP_STATUS_CRITICAL, "%s %s: no answer (%s)", q->name, tn,
		        r->error[0] ? r->error : "timeout");
		return;
	}
	t->answered++;
	if (!r->aa || (r->rcode != 0 && r->rcode != 3)) {
		problem(t, DP_STATUS_CRITICAL, "%s %s: %s%s", q->name, tn,
		        dp_nssurvey_rcode_str(r->rcode, rc, sizeof(rc)),
		        r->aa ? "" : " without AA (not authoritative)");
		return;
	}
	take_section(ctx, t, dp_msg_section(r->reply, "answer"));
	take_section(ctx, t, dp_msg_section(r->reply, "authority"));
}

/* ---- Per-server validation by getdns ---- */

static const char *
tags_str(const uint16_t *tags, size_t n, char *buf, size_t bufsz)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < bufsz; i++) {
		dp_snprintf(buf + len, bufsz - len, "%s%u", i ? ", " : "", tags[i]);
		len = strlen(buf);
	}
	return n > 0 ? buf : "none";
}

/* "glitter.kr SOA does not validate against the DS at kr: ..." into t->bogus. */
static void
describe_bogus(const struct dp_ctx *ctx, struct tally *t, const struct dp_ds_anchor *a,
               const struct question *q, bool present, bool keyset_bogus, const uint16_t *keys,
               size_t nkeys)
{
	const struct sigset *ss = NULL;
	const char *parent = ctx->disc->parent[0] ? ctx->disc->parent : "the root";
	struct dp_bogus_facts f = {.keyset_bogus = keyset_bogus,
	                           .ds_tags = a->tags,
	                           .nds = a->ntags,
	                           .key_tags = keys,
	                           .nkeys = nkeys};
	char what[400];
	char why[256];
	char k1[128];
	char k2[128];
	char tn[16];

	dp_rrtype_str(q->type, tn, sizeof(tn));
	if (present)
		dp_snprintf(what, sizeof(what), "%s %s", q->name, tn);
	else
		dp_snprintf(what, sizeof(what), "the denial of %s %s", q->name, tn);
	for (size_t i = 0; i < t->nsigsets; i++) {
		const struct sigset *c = &t->sigs[i];

		if ((present && c->type == q->type) ||
		    (!present && (c->type == DP_RR_NSEC || c->type == DP_RR_NSEC3)))
			ss = c;
	}
	if (ss != NULL) {
		f.sig_tags = ss->tags;
		f.nsigs = ss->ntags;
		f.some_sig_in_time = ss->in_time;
	}
	switch (dp_bogus_cause(&f)) {
	case DP_BOGUS_NO_KEY_FOR_DS:
		dp_snprintf(why, sizeof(why),
		            "no DNSKEY served has the key tag of a DS (DS %s; "
		            "DNSKEY %s)",
		            tags_str(a->tags, a->ntags, k1, sizeof(k1)),
		            tags_str(keys, nkeys, k2, sizeof(k2)));
		break;
	case DP_BOGUS_KEYSET:
		dp_snprintf(why, sizeof(why),
		            "the DNSKEY RRset served is not signed by a key the DS names (DS %s; "
		            "RRSIG by %s)",
		            tags_str(a->tags, a->ntags, k1, sizeof(k1)),
		            tags_str(f.sig_tags, f.nsigs, k2, sizeof(k2)));
		break;
	case DP_BOGUS_UNSIGNED:
		dp_snprintf(why, sizeof(why), "no RRSIG over it");
		break;
	case DP_BOGUS_UNKNOWN_KEY:
		dp_snprintf(why, sizeof(why),
		            "signed by key %s, which is not in the DNSKEY RRset served (keys %s)",
		            tags_str(f.sig_tags, f.nsigs, k1, sizeof(k1)),
		            tags_str(keys, nkeys, k2, sizeof(k2)));
		break;
	case DP_BOGUS_TIMES:
		dp_snprintf(why, sizeof(why),
		            "no RRSIG over it (key %s) is in its validity period%s",
		            tags_str(f.sig_tags, f.nsigs, k1, sizeof(k1)),
		            ctx->opts->at != 0 ? " as of --at" : "");
		break;
	case DP_BOGUS_SIGNATURE:
		dp_snprintf(why, sizeof(why), "the RRSIG by key %s does not verify",
		            tags_str(f.sig_tags, f.nsigs, k1, sizeof(k1)));
		break;
	}
	dp_snprintf(t->bogus, sizeof(t->bogus), "%s does not validate against the DS at %s: %s",
	            what, parent, why);
}

/* Validate every usable answer of one server; fills t->validation, t->bogus, t->unvalidated. */
static void
validate_target(const struct dp_ctx *ctx, struct tally *t, const struct dp_ds_anchor *a,
                const struct question *qs, size_t nq, const struct dp_reply *rep)
{
	const char *zone = ctx->disc->domain;
	time_t at = (time_t)judge_time(ctx);
	uint16_t keys[MAX_KEYS];
	size_t nkeys = 0;
	getdns_list *support = NULL;
	enum dp_validation keyset = DP_VALIDATION_INDETERMINATE;

	for (size_t j = 0; j < nq; j++) {
		const struct dp_reply *r = &rep[j];

		if (qs[j].type != DP_RR_DNSKEY || strcmp(qs[j].name, zone) != 0 || support != NULL)
			continue;
		/* Without this server's DNSKEY answer there is nothing to validate with (the
		 * failed query is already among the problems). */
		if (!r->answered || !r->aa || r->rcode != 0) {
			dp_strlcpy(t->skipped, "no usable DNSKEY answer from this server",
			           sizeof(t->skipped));
			return;
		}
		support = dp_srvval_keyset(r, zone, keys, MAX_KEYS, &nkeys);
	}
	t->validation = json_object();
	if (t->validation == NULL || support == NULL)
		goto out;
	/* The DNSKEY RRset first: whether it holds decides how the others are explained. */
	for (size_t pass = 0; pass < 2; pass++) {
		for (size_t j = 0; j < nq; j++) {
			const struct dp_reply *r = &rep[j];
			bool is_keyset =
			    qs[j].type == DP_RR_DNSKEY && strcmp(qs[j].name, zone) == 0;
			json_t *prev = json_object_get(t->validation, qs[j].label);
			enum dp_validation v;
			bool present;
			char tn[16];

			if (is_keyset != (pass == 0) || !r->answered || !r->aa ||
			    (r->rcode != 0 && r->rcode != 3))
				continue;
			v = dp_srvval_reply(r->reply, support, a->ds, at);
			if (is_keyset)
				keyset = v;
			/* Several TLSA names share one key: the worst of them is kept. */
			if (prev == NULL || strcmp(json_string_value(prev), "bogus") != 0)
				json_object_set_new(t->validation, qs[j].label,
				                    json_string(dp_validation_str(v)));
			if (v == DP_VALIDATION_SECURE)
				continue;
			present = r->rcode == 0 &&
			          dp_srvval_answers(r->reply, qs[j].name, qs[j].type);
			if (v == DP_VALIDATION_BOGUS) {
				if (t->nbogus++ == 0)
					describe_bogus(ctx, t, a, &qs[j], present,
					               keyset == DP_VALIDATION_BOGUS, keys, nkeys);
			} else if (t->unvalidated[0] == '\0') {
				dp_snprintf(
				    t->unvalidated, sizeof(t->unvalidated),
				    "%s %s could not be validated against the DS at %s (%s)",
				    qs[j].name, dp_rrtype_str(qs[j].type, tn, sizeof(tn)),
				    ctx->disc->parent[0] ? ctx->disc->parent : "the root",
				    dp_validation_str(v));
			}
		}
	}
out:
	getdns_list_destroy(support);
}

/* "2026-12-31T16:02:39Z (in 29d23h)" or "(3d ago)" into buf. */
static const char *
when(int64_t t, int64_t at, char *buf, size_t bufsz)
{
	char ts[40];
	char d[32];

	dp_time_rfc3339(t, ts, sizeof(ts));
	dp_duration_format(t >= at ? t - at : at - t, d, sizeof(d));
	dp_snprintf(buf, bufsz, "%s (%s%s%s)", ts, t >= at ? "in " : "", d, t >= at ? "" : " ago");
	return buf;
}

/* The phrase for the tally's worst signature, into buf. */
static void
sig_phrase(const struct dp_ctx *ctx, const struct tally *t, char *buf, size_t bufsz)
{
	const struct earliest *e = &t->worst_sig;
	int64_t at = judge_time(ctx);
	char tn[16];
	char w[96];
	char w2[96];

	dp_rrtype_str(e->type, tn, sizeof(tn));
	switch (t->worst) {
	case DP_RRSIG_NOT_YET_VALID:
		dp_snprintf(buf, bufsz, "RRSIG %s %s (key %u) has its inception in the future: %s",
		            e->owner, tn, e->key_tag, when(e->inception, at, w, sizeof(w)));
		break;
	case DP_RRSIG_EXPIRED:
		dp_snprintf(buf, bufsz, "RRSIG %s %s (key %u) expired %s", e->owner, tn, e->key_tag,
		            when(e->expiration, at, w, sizeof(w)));
		break;
	case DP_RRSIG_EXPIRES_VERY_SOON:
	case DP_RRSIG_EXPIRES_SOON:
		dp_duration_format(t->worst == DP_RRSIG_EXPIRES_SOON ? ctx->opts->rrsig_warn
		                                                     : ctx->opts->rrsig_crit,
		                   w2, sizeof(w2));
		dp_snprintf(buf, bufsz, "RRSIG %s %s (key %u) expires %s, within %s", e->owner, tn,
		            e->key_tag, when(e->expiration, at, w, sizeof(w)), w2);
		break;
	case DP_RRSIG_VALID:
		dp_snprintf(buf, bufsz, "earliest RRSIG expiration %s (%s %s, key %u)",
		            when(e->expiration, at, w, sizeof(w)), e->owner, tn, e->key_tag);
		break;
	}
}

/* Status and one-line summary of one server address. */
static enum dp_status
verdict(const struct dp_ctx *ctx, const struct dp_ns_target *tg, const struct tally *t, char *sum,
        size_t sumsz)
{
	char subj[SUBJ];
	char p[512];
	size_t nuns = json_array_size(t->unsigned_rrsets);
	enum dp_status st;
	const char *as_of = ctx->opts->at != 0 ? " as of --at" : "";

	dp_ns_target_subject(tg, subj, sizeof(subj));
	if (!tg->has_addr) {
		dp_snprintf(sum, sumsz, "%s has no address: %s", subj,
		            tg->ns->host.error ? tg->ns->host.error : "no A or AAAA record");
		return DP_STATUS_CRITICAL;
	}
	if (t->answered == 0 && t->unrouted > 0 && t->problem_status == DP_STATUS_UNKNOWN) {
		dp_snprintf(sum, sumsz, "%s not checked from here: %s", subj,
		            json_string_value(json_array_get(t->problems, 0)));
		return DP_STATUS_UNKNOWN;
	}
	if (t->answered == 0 && t->ncut > 0) {
		dp_snprintf(sum, sumsz, "%s " DP_BUDGET_EXHAUSTED " (no answer before the -t deadline)",
		            subj);
		return DP_STATUS_UNKNOWN;
	}
	if (t->answered == 0) {
		dp_snprintf(sum, sumsz, "%s unreachable: %s", subj,
		            json_string_value(json_array_get(t->problems, 0)));
		return DP_STATUS_CRITICAL;
	}
	if (t->nsigs == 0) {
		bool unsigned_zone = ctx->disc->apex_sec == DP_SEC_INSECURE;

		st = unsigned_zone && ctx->opts->unsigned_ok ? DP_STATUS_OK : DP_STATUS_CRITICAL;
		dp_snprintf(sum, sumsz, "%s serves no RRSIG at all%s%s", subj,
		            unsigned_zone ? " (the zone is unsigned)" : "",
		            st == DP_STATUS_OK ? ", as configured" : "");
		return dp_status_worst(st, t->problem_status);
	}
	sig_phrase(ctx, t, p, sizeof(p));
	st = dp_rrsig_state_status(t->worst);
	dp_snprintf(sum, sumsz, "%s: %s%s", subj, p, as_of);
	if (nuns > 0) {
		size_t len = strlen(sum);

		dp_snprintf(sum + len, sumsz - len, "; %s served without RRSIG%s",
		            json_string_value(json_array_get(t->unsigned_rrsets, 0)),
		            nuns > 1 ? " (and more)" : "");
		st = DP_STATUS_CRITICAL;
	}
	if (json_array_size(t->problems) > 0) {
		size_t len = strlen(sum);

		dp_snprintf(sum + len, sumsz - len, "; %s%s",
		            json_string_value(json_array_get(t->problems, 0)),
		            json_array_size(t->problems) > 1 ? " (and more)" : "");
	}
	return dp_status_worst(st, t->problem_status);
}

static const struct dp_metric m_expiry = {
    .name = "dnsprobe_rrsig_expiry_timestamp_seconds",
    .help = "Earliest RRSIG expiration seen at this server address, per RRset type (Unix time).",
    .labels = {"server", "address", "rrtype", NULL},
};

/* One sample per RRset type: the earliest expiration this server address gave. */
static int
tally_samples(struct dp_result *res, const struct dp_ns_target *tg, const struct tally *t)
{
	char tn[16];

	if (res == NULL)
		return DP_ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		if (dp_result_sample(res, &m_expiry, (double)t->v[i].expiration, tg->ns->host.name,
		                     tg->has_addr ? tg->addr.text : "",
		                     dp_rrtype_str(t->v[i].type, tn, sizeof(tn))) != 0)
			return DP_ENOMEM;
	}
	return 0;
}

static json_t *
tally_json(const struct dp_ctx *ctx, const struct dp_ns_target *tg, const struct tally *t)
{
	json_t *exp = json_object();
	json_t *sets = json_object();
	json_t *o;
	char tn[16];

	for (size_t i = 0; i < t->n; i++) {
		const struct earliest *e = &t->v[i];

		dp_rrtype_str(e->type, tn, sizeof(tn));
		json_object_set_new(exp, tn, json_integer(e->expiration));
		json_object_set_new(sets, tn,
		                    json_pack("{s:s, s:I, s:I, s:i, s:I}", "owner", e->owner,
		                              "expiration", (json_int_t)e->expiration, "inception",
		                              (json_int_t)e->inception, "key_tag", e->key_tag,
		                              "remaining_seconds",
		                              (json_int_t)(e->expiration - judge_time(ctx))));
	}
	o = json_pack("{s:s, s:s, s:o, s:o, s:I, s:I, s:I, s:O, s:O}", "server", tg->ns->host.name,
	              "address", tg->has_addr ? tg->addr.text : "", "rrsig_expiry", exp, "rrsets",
	              sets, "evaluated_at", (json_int_t)judge_time(ctx), "signatures_checked",
	              (json_int_t)t->nsigs, "queries_answered", (json_int_t)t->answered,
	              "unsigned_rrsets", t->unsigned_rrsets, "problems", t->problems);
	if (o != NULL && t->validation != NULL)
		json_object_set(o, "validation", t->validation);
	if (o != NULL && t->nsigs > 0) {
		const struct earliest *e = &t->v[0];

		for (size_t i = 1; i < t->n; i++) {
			if (t->v[i].expiration < e->expiration)
				e = &t->v[i];
		}
		json_object_set_new(o, "state", json_string(dp_rrsig_state_str(t->worst)));
		json_object_set_new(o, "earliest_expiration", json_integer(e->expiration));
		json_object_set_new(o, "earliest_rrtype",
		                    json_string(dp_rrtype_str(e->type, tn, sizeof(tn))));
		json_object_set_new(o, "earliest_key_tag", json_integer(e->key_tag));
		json_object_set_new(o, "remaining_seconds", json_integer(t->min_remaining));
		json_object_set_new(o, "rrsig_min_remaining", json_integer(t->min_remaining));
	}
	return o;
}

/* Send the queries q[0..n) and put each reply at rep[slot[k]]; truncated UDP answers are asked
 * again over TCP (RFC 7766 §5) by each query itself, in parallel and inside its own budget. */
static int
send_mapped(struct dp_query *q, const size_t *slot, size_t n, struct dp_reply *rep,
            struct dp_err *err)
{
	struct dp_reply *tmp = calloc(n + 1, sizeof(*tmp));
	int rc;

	if (tmp == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	for (size_t k = 0; k < n; k++)
		q[k].tc_retry = true;
	rc = dp_query_send_many(q, tmp, n, err);
	for (size_t k = 0; k < n; k++)
		rep[slot[k]] = tmp[k];
	free(tmp);
	return rc;
}

/* Ask every question of every target with an address, all at once; rep[i * nq + j] answers
 * question j at target i (left unanswered for a target without address). */
static int
ask(const struct dp_ctx *ctx, const struct dp_nssurvey *sv, const struct question *qs, size_t nq,
    struct dp_reply *rep, struct dp_err *err)
{
	struct dp_query *q = calloc(sv->n * nq + 1, sizeof(*q));
	size_t *slot = calloc(sv->n * nq + 1, sizeof(*slot));
	size_t n = 0;
	int rc;

	if (q == NULL || slot == NULL) {
		free(q);
		free(slot);
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < sv->n; i++) {
		for (size_t j = 0; j < nq && sv->v[i].has_addr; j++) {
			slot[n] = i * nq + j;
			q[n++] = (struct dp_query){.qname = qs[j].name,
			                           .qtype = qs[j].type,
			                           .server = &sv->v[i].addr,
			                           .transport = DP_TRANSPORT_UDP,
			                           .rd = false,
			                           .dnssec_ok = true,
			                           .cd = true,
			                           .timeout_ms = dp_ctx_step_ms(ctx),
			                           .deadline = ctx->deadline};
		}
	}
	rc = send_mapped(q, slot, n, rep, err);
	if (rc == 0)
		(void)dp_ctx_mark_cut(ctx, rep, sv->n * nq);
	free(q);
	free(slot);
	return rc;
}

/* Fold the validation into the status and summary: a bogus answer is CRITICAL and leads the
 * summary unless the RRSIG times alone already made it CRITICAL; an answer that could not be
 * validated against a secure DS warns. */
static enum dp_status
add_validation(const struct tally *t, const char *subj, enum dp_status st, char *sum, size_t sumsz)
{
	size_t len = strlen(sum);
	size_t slen = strlen(subj);

	if (t->nbogus > 0) {
		char more[48] = "";

		if (t->nbogus > 1)
			dp_snprintf(more, sizeof(more), " (and %zu more answer%s)", t->nbogus - 1,
			            t->nbogus > 2 ? "s" : "");
		if (st != DP_STATUS_CRITICAL && strncmp(sum, subj, slen) == 0 &&
		    strncmp(sum + slen, ": ", 2) == 0) {
			char rest[1024];

			dp_strlcpy(rest, sum + slen + 2, sizeof(rest));
			dp_snprintf(sum, sumsz, "%s: %s%s; %s", subj, t->bogus, more, rest);
		} else {
			dp_snprintf(sum + len, sumsz - len, "; %s%s", t->bogus, more);
		}
		return DP_STATUS_CRITICAL;
	}
	if (t->unvalidated[0] != '\0') {
		dp_snprintf(sum + len, sumsz - len, "; %s", t->unvalidated);
		return dp_status_worst(st, DP_STATUS_WARNING);
	}
	return st;
}

static int
target_result(const struct dp_ctx *ctx, const struct dp_ds_anchor *a, const struct dp_ns_target *tg,
              const struct question *qs, size_t nq, const struct dp_reply *rep,
              struct dp_results *out)
{
	struct tally t = {.problems = json_array(), .unsigned_rrsets = json_array()};
	char subj[SUBJ];
	char sum[1024];
	enum dp_status st;
	struct dp_result *res;
	json_t *d;
	int rc = 0;

	for (size_t j = 0; tg->has_addr && j < nq; j++)
		take_reply(ctx, &t, &qs[j], &rep[j]);
	if (tg->has_addr && t.answered > 0 && a->ds != NULL)
		validate_target(ctx, &t, a, qs, nq, rep);
	dp_ns_target_subject(tg, subj, sizeof(subj));
	st = verdict(ctx, tg, &t, sum, sizeof(sum));
	if (tg->has_addr && t.answered > 0)
		st = add_validation(&t, subj, st, sum, sizeof(sum));
	d = tally_json(ctx, tg, &t);
	if (d != NULL && a->ds == NULL)
		json_object_set_new(d, "validation_skipped", json_string(a->why));
	else if (d != NULL && t.skipped[0] != '\0')
		json_object_set_new(d, "validation_skipped", json_string(t.skipped));
	res = dp_results_add(out, ID, subj, st, d, "%s", sum);
	if (tally_samples(res, tg, &t) != 0)
		rc = DP_ENOMEM;
	else if (tg->has_addr && t.answered > 0 && t.nsigs == 0 &&
	         ctx->disc->apex_sec == DP_SEC_INSECURE)
		rc = dp_cause_insecure_apex(ctx, res); /* unsigned: no signature to expire */
	json_decref(t.problems);
	json_decref(t.unsigned_rrsets);
	json_decref(t.validation);
	return rc;
}

/* The questions to every server (job 0) and the secure DS to validate their answers against
 * (job 1: a validated lookup) need nothing from each other: a silent server's step timeout is
 * not followed by the DS lookup's round trips. */
struct ask_job {
	const struct dp_ctx *ctx;
	const struct dp_nssurvey *sv;
	const struct question *qs;
	size_t nq;
	struct dp_reply *rep;
	struct dp_ds_anchor *a;
	int rc;
	struct dp_err err;
};

static void
ask_job(void *arg, size_t i)
{
	struct ask_job *j = arg;

	if (i == 0)
		j->rc = ask(j->ctx, j->sv, j->qs, j->nq, j->rep, &j->err);
	else /* as of --at when given, like the signatures */
		dp_ds_anchor_get(j->ctx->resolver_at != NULL ? j->ctx->resolver_at : j->ctx->resolver,
		                 j->ctx->disc->domain, j->a);
}

static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	struct ask_job j;
	struct question qs[MAX_QUESTIONS];
	size_t nq = questions(ctx, qs);
	struct dp_reply *rep = NULL;
	struct dp_ds_anchor a = {0};
	struct dp_nssurvey sv;
	int rc = dp_nssurvey_targets(ctx->disc, &sv);

	if (rc != 0)
		return dp_err_set(err, rc, "out of memory");
	if (sv.n == 0) {
		rc = dp_results_add(out, ID, ctx->disc->domain, DP_STATUS_CRITICAL, NULL,
		                    "no nameserver of %s found (neither at the parent nor in the "
		                    "zone)",
		                    ctx->disc->domain) != NULL
		         ? 0
		         : DP_ENOMEM;
		goto out;
	}
	rep = calloc(sv.n * nq, sizeof(*rep));
	if (rep == NULL) {
		rc = DP_ENOMEM;
		goto out;
	}
	j = (struct ask_job){.ctx = ctx, .sv = &sv, .qs = qs, .nq = nq, .rep = rep, .a = &a};
	dp_parallel_for(2, 2, ask_job, &j);
	rc = j.rc;
	if (rc != 0) {
		*err = j.err;
		goto out_asked;
	}
	for (size_t i = 0; rc == 0 && i < sv.n; i++)
		rc = target_result(ctx, &a, &sv.v[i], qs, nq, &rep[i * nq], out);
out_asked:
	for (size_t i = 0; i < sv.n * nq; i++)
		dp_reply_clear(&rep[i]);
out:
	dp_ds_anchor_clear(&a);
	free(rep);
	dp_nssurvey_clear(&sv);
	if (rc == DP_ENOMEM)
		return dp_err_set(err, rc, "out of memory");
	return rc;
}

const struct dp_probe dp_probe_dnssec_rrsig_expiry = {
    .id = ID,
    .title = "RRSIG expiry per server",
    .needs = DP_NEED_NS_ADDRS | DP_NEED_PARENT | DP_NEED_ENDPOINTS,
    .timeout_ms = 20000,
    .metrics = (const struct dp_metric *const[]){&m_expiry, NULL},
    .run = run,
};
