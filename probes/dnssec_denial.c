/* dnssec.denial: a random name under the domain must get a validated NXDOMAIN; the proof's kind
 * (NSEC or NSEC3) and NSEC3 parameters are reported and held against RFC 9276. */
#include "config.h"

#include <string.h>

#include "dns/dnssec.h"
#include "base/parallel.h"
#include "dnsprobe/probe.h"
#include "probes/causes.h"

#define ID "dnssec.denial"

struct item {
	char name[300];
	uint16_t type;
	struct dp_lookup l;
	int rc;
	struct dp_err err;
};

struct batch {
	struct dp_resolver *r;
	struct item *items;
};

static void
lookup_one(void *arg, size_t i)
{
	struct batch *b = arg;

	b->items[i].rc = dp_resolver_lookup(b->r, b->items[i].name, b->items[i].type,
	                                    &b->items[i].l, &b->items[i].err);
}

/* What the proof in the authority section is made of. */
struct proof {
	const char *kind; /* "NSEC", "NSEC3" or "none" */
	size_t nrecords;
	bool have_nsec3;
	struct dp_nsec3param p; /* of the first NSEC3 (salt points into the message) */
	bool opt_out;           /* some NSEC3 has the opt-out flag (RFC 5155 §3.1.2.1) */
};

static void
read_proof(getdns_dict *msg, struct proof *pr)
{
	getdns_list *auth = dp_msg_section(msg, "authority");

	memset(pr, 0, sizeof(*pr));
	pr->kind = "none";
	for (size_t i = 0; i < dp_list_len(auth); i++) {
		getdns_dict *rr = dp_list_dict(auth, i);
		getdns_bindata *raw = dp_rr_rdata_raw(rr);
		struct dp_nsec3param p;

		if (dp_rr_type(rr) == DP_RR_NSEC) {
			pr->kind = "NSEC";
			pr->nrecords++;
		}
		if (dp_rr_type(rr) != DP_RR_NSEC3 || raw == NULL ||
		    dp_nsec3param_parse(raw->data, raw->size, &p) != 0)
			continue;
		pr->kind = "NSEC3";
		pr->nrecords++;
		pr->opt_out |= (p.flags & 1) != 0;
		if (!pr->have_nsec3)
			pr->p = p;
		pr->have_nsec3 = true;
	}
}

static json_t *
nsec3_json(const struct dp_nsec3param *p)
{
	char salt[2 * 255 + 1];
	return json_pack("{s:i, s:i, s:s, s:i}", "hash_algorithm", p->hash_algorithm, "iterations",
	                 p->iterations, "salt", dp_hex(p->salt, p->salt_len, salt, sizeof(salt)),
	                 "salt_length", p->salt_len);
}

/* NSEC3PARAM at the apex (validated), when there is one. */
static bool
read_nsec3param(const struct item *it, struct dp_nsec3param *p)
{
	return it->rc == 0 && it->l.nrdata > 0 &&
	       dp_nsec3param_parse(it->l.rdata[0], it->l.rdlen[0], p) == 0;
}

static const char *
rcode_str(int rcode)
{
	static const char *const n[] = {"NOERROR",  "FORMERR", "SERVFAIL",
	                                "NXDOMAIN", "NOTIMP",  "REFUSED"};

	return rcode >= 0 && rcode < 6 ? n[rcode] : "rcode?";
}

/* Status and summary from the denial lookup alone: validated NXDOMAIN or not. */
static enum dp_status
denial_status(const struct dp_ctx *ctx, const struct item *q, const struct proof *pr, char *sum,
              size_t sumsz)
{
	const struct dp_lookup *l = &q->l;

	switch (l->sec) {
	case DP_SEC_BOGUS:
		dp_snprintf(sum, sumsz, "the denial for %s is bogus: %s", q->name,
		            l->why_bogus ? l->why_bogus : "validation failed");
		return DP_STATUS_CRITICAL;
	case DP_SEC_INSECURE:
		dp_snprintf(sum, sumsz, "%s for %s is insecure (no validated proof)%s",
		            rcode_str(l->rcode), q->name,
		            ctx->opts->unsigned_ok ? ", as configured (unsigned)" : "");
		return ctx->opts->unsigned_ok ? DP_STATUS_OK : DP_STATUS_CRITICAL;
	case DP_SEC_INDETERMINATE:
		dp_snprintf(sum, sumsz, "%s for %s: no validated answer%s%s", rcode_str(l->rcode),
		            q->name, l->why_bogus ? ": " : "", l->why_bogus ? l->why_bogus : "");
		return DP_STATUS_CRITICAL;
	case DP_SEC_SECURE:
		break;
	}
	if (l->rcode == 3)
		dp_snprintf(sum, sumsz, "%s: validated NXDOMAIN, proven by %s", q->name, pr->kind);
	else if (l->rcode == 0)
		/* A wildcard (RFC 4035 §5.3.4) or an empty non-terminal: its proof validated. */
		dp_snprintf(sum, sumsz,
		            "%s: validated NOERROR%s (a wildcard answers), proven by %s", q->name,
		            l->havedata ? "" : " without data", pr->kind);
	else {
		dp_snprintf(sum, sumsz, "%s: %s", q->name, rcode_str(l->rcode));
		return DP_STATUS_CRITICAL;
	}
	return DP_STATUS_OK;
}

static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	struct item items[2];
	struct batch b = {.r = ctx->resolver_at != NULL ? ctx->resolver_at : ctx->resolver,
	                  .items = items};
	struct dp_nsec3param param;
	struct proof pr;
	char sum[768];
	char why[600];
	enum dp_status st;
	struct dp_result *res;
	json_t *d;
	int rc;

	memset(items, 0, sizeof(items));
	rc = dp_dnssec_random_name(ctx->disc->domain, items[0].name, sizeof(items[0].name));
	if (rc != 0)
		return dp_err_set(err, rc, "no random name under %s", ctx->disc->domain);
	items[0].type = DP_RR_A;
	dp_strlcpy(items[1].name, ctx->disc->domain, sizeof(items[1].name));
	items[1].type = DP_RR_NSEC3PARAM;
	dp_parallel_for(2, 2, lookup_one, &b);
	if (items[0].rc != 0) {
		rc = dp_err_set(err, items[0].rc, "%s", items[0].err.msg);
		goto out;
	}
	read_proof(items[0].l.msg, &pr);
	st = denial_status(ctx, &items[0], &pr, sum, sizeof(sum));
	d = json_pack("{s:s, s:s, s:s, s:i, s:s, s:I, s:I}", "qname", items[0].name, "rcode",
	              rcode_str(items[0].l.rcode), "security", dp_sec_str(items[0].l.sec), "secure",
	              items[0].l.sec == DP_SEC_SECURE, "denial", pr.kind, "proof_records",
	              (json_int_t)pr.nrecords, "validated_at",
	              (json_int_t)(ctx->opts->at ? ctx->opts->at : (int64_t)dp_now_wall()));
	if (d != NULL && items[0].l.why_bogus != NULL)
		json_object_set_new(d, "why_bogus", json_string(items[0].l.why_bogus));
	if (d != NULL && read_nsec3param(&items[1], &param))
		json_object_set_new(d, "nsec3param", nsec3_json(&param));
	if (pr.have_nsec3) {
		enum dp_status s3 = dp_nsec3_verdict(&pr.p, why, sizeof(why));
		size_t len = strlen(sum);

		json_object_set_new(d, "nsec3", nsec3_json(&pr.p));
		json_object_set_new(json_object_get(d, "nsec3"), "opt_out",
		                    json_boolean(pr.opt_out));
		dp_snprintf(sum + len, sizeof(sum) - len, "; %s%s", why,
		            pr.opt_out ? "; opt-out in use" : "");
		st = dp_status_worst(st, s3);
	}
	res = dp_results_add(out, ID, ctx->disc->domain, st, d, "%s", sum);
	rc = res != NULL ? 0 : DP_ENOMEM;
	if (rc == 0 && items[0].l.sec == DP_SEC_INSECURE && ctx->disc->apex_sec == DP_SEC_INSECURE)
		rc = dp_cause_insecure_apex(ctx, res);
	if (rc != 0)
		dp_err_set(err, rc, "out of memory");
out:
	dp_lookup_clear(&items[0].l);
	dp_lookup_clear(&items[1].l);
	return rc;
}

const struct dp_probe dp_probe_dnssec_denial = {
    .id = ID,
    .title = "DNSSEC denial of existence",
    .needs = DP_NEED_APEX,
    .timeout_ms = 15000,
    .run = run,
};
