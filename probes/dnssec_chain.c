/* dnssec.chain: the apex RRsets and the addresses of MX and service hosts validate from the root
 * (libunbound); details show every zone cut's DS and DNSKEY key tags, like `delv +vtrace`. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/dnssec.h"
#include "base/parallel.h"
#include "dnsprobe/probe.h"
#include "probes/causes.h"

#define ID "dnssec.chain"

static const uint16_t apex_types[] = {DP_RR_SOA, DP_RR_NS, DP_RR_DNSKEY, DP_RR_MX, DP_RR_TXT,
				      DP_RR_CAA};
#define NAPEX (sizeof(apex_types) / sizeof(apex_types[0]))

/* One validated lookup to do, and what came back. */
struct item {
	const char *name;
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
	struct item *it = &b->items[i];

	it->rc = dp_resolver_lookup(b->r, it->name, it->type, &it->l, &it->err);
}

/* The resolver that answers "as of when": --at's when given. */
static struct dp_resolver *
validator(const struct dp_ctx *ctx)
{
	return ctx->resolver_at != NULL ? ctx->resolver_at : ctx->resolver;
}

/* Status of one RRset's security: secure → OK; insecure → CRITICAL unless configured unsigned;
 * bogus or unresolvable → CRITICAL. */
static enum dp_status
sec_status(const struct dp_ctx *ctx, const struct item *it)
{
	if (it->rc != 0)
		return DP_STATUS_UNKNOWN;
	switch (it->l.sec) {
	case DP_SEC_SECURE:
		return DP_STATUS_OK;
	case DP_SEC_INSECURE:
		return ctx->opts->unsigned_ok ? DP_STATUS_OK : DP_STATUS_CRITICAL;
	case DP_SEC_BOGUS:
	case DP_SEC_INDETERMINATE:
		break;
	}
	return DP_STATUS_CRITICAL;
}

static const char *
rcode_str(int rcode)
{
	static const char *const n[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					"NOTIMP",  "REFUSED"};

	return rcode >= 0 && rcode < 6 ? n[rcode] : "rcode?";
}

static json_t *
item_json(const struct item *it)
{
	json_t *o = json_pack("{s:s, s:s, s:b, s:i}", "security", dp_sec_str(it->l.sec), "rcode",
			      rcode_str(it->l.rcode), "data", it->l.havedata, "secure",
			      it->l.sec == DP_SEC_SECURE);

	if (o != NULL && it->l.why_bogus != NULL)
		json_object_set_new(o, "why_bogus", json_string(it->l.why_bogus));
	if (o != NULL && it->rc != 0)
		json_object_set_new(o, "error", json_string(it->err.msg));
	return o;
}

/* A phrase for what is wrong with one RRset, into buf. */
static void
describe(const struct dp_ctx *ctx, const struct item *it, char *buf, size_t bufsz)
{
	char t[16];

	dp_rrtype_str(it->type, t, sizeof(t));
	if (it->rc != 0)
		dp_snprintf(buf, bufsz, "%s %s: lookup failed: %s", it->name, t, it->err.msg);
	else if (it->l.sec == DP_SEC_BOGUS)
		dp_snprintf(buf, bufsz, "%s %s is bogus: %s", it->name, t,
			    it->l.why_bogus ? it->l.why_bogus : "validation failed");
	else if (it->l.sec == DP_SEC_INSECURE)
		dp_snprintf(buf, bufsz, "%s %s is insecure (no chain of trust from the root)%s",
			    it->name, t, ctx->opts->unsigned_ok ? " as configured" : "");
	else
		dp_snprintf(buf, bufsz, "%s %s could not be resolved (%s)%s%s", it->name, t,
			    rcode_str(it->l.rcode), it->l.why_bogus ? ": " : "",
			    it->l.why_bogus ? it->l.why_bogus : "");
}

static json_t *
keys_json(const struct dp_lookup *l, bool ds)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < l->nrdata; i++) {
		struct dp_dnskey k;
		struct dp_ds d;
		const char *an;

		if (ds && dp_ds_parse(l->rdata[i], l->rdlen[i], &d) == 0) {
			an = dp_dnssec_alg_name(d.algorithm);
			json_array_append_new(arr, json_pack("{s:i, s:i, s:s, s:i}", "key_tag",
							     d.key_tag, "algorithm", d.algorithm,
							     "algorithm_name", an ? an : "?",
							     "digest_type", d.digest_type));
		} else if (!ds && dp_dnskey_parse(l->rdata[i], l->rdlen[i], &k) == 0) {
			an = dp_dnssec_alg_name(k.algorithm);
			json_array_append_new(
				arr, json_pack("{s:i, s:i, s:i, s:s, s:s}", "key_tag", k.key_tag,
					       "flags", k.flags, "algorithm", k.algorithm,
					       "algorithm_name", an ? an : "?", "role",
					       (k.flags & 1) ? "KSK" : "ZSK"));
		}
	}
	return arr;
}

/* The chain from the root to the domain: every zone cut's DS (from its parent) and DNSKEY. */
static json_t *
chain_json(const struct dp_ctx *ctx)
{
	const char *d = ctx->opts->domain;
	const char *names[128];
	size_t n = 0;
	json_t *chain = json_array();
	struct item *items;
	struct batch b;

	/* Every suffix of the domain, root first. */
	names[n++] = "";
	for (const char *p = d + strlen(d); p > d && n < 127; p--) {
		if (p[-1] == '.')
			names[n++] = p;
	}
	names[n++] = d;
	items = calloc(2 * n, sizeof(*items));
	if (chain == NULL || items == NULL) {
		free(items);
		return chain;
	}
	for (size_t i = 0; i < n; i++) {
		items[2 * i] = (struct item){.name = names[i], .type = DP_RR_DNSKEY};
		items[2 * i + 1] = (struct item){.name = names[i], .type = DP_RR_DS};
	}
	b = (struct batch){.r = validator(ctx), .items = items};
	dp_parallel_for(2 * n, 8, lookup_one, &b);
	for (size_t i = 0; i < n; i++) {
		struct item *k = &items[2 * i];
		struct item *ds = &items[2 * i + 1];

		/* A zone cut owns a DNSKEY RRset (signed) or a DS at its parent. */
		if (k->rc == 0 && (k->l.havedata || (ds->rc == 0 && ds->l.havedata)))
			json_array_append_new(
				chain, json_pack("{s:s, s:s, s:o, s:o}", "zone",
						 names[i][0] ? names[i] : ".", "security",
						 dp_sec_str(k->l.sec), "ds",
						 i == 0 ? json_string("trust anchor")
							: keys_json(&ds->l, true),
						 "dnskey", keys_json(&k->l, false)));
	}
	for (size_t i = 0; i < 2 * n; i++)
		dp_lookup_clear(&items[i].l);
	free(items);
	return chain;
}

/* SPEC §5: the apex RRsets only; the MX and service hosts' A/AAAA are results of their own,
 * with their status in dnsprobe_check_status. */
static const struct dp_metric m_secure = {
    .name = "dnsprobe_dnssec_secure",
    .help = "1 when the apex RRset validated secure from the root.",
    .labels = {"rrtype", NULL},
};

static int
apex_result(const struct dp_ctx *ctx, struct dp_results *out)
{
	struct item items[NAPEX];
	bool sec[NAPEX];
	struct dp_result *res;
	struct batch b = {.r = validator(ctx), .items = items};
	json_t *rrsets = json_object();
	json_t *secure = json_object();
	enum dp_status worst = DP_STATUS_OK;
	char summary[1024] = "";
	size_t bad = 0;

	memset(items, 0, sizeof(items));
	for (size_t i = 0; i < NAPEX; i++) {
		items[i].name = ctx->opts->domain;
		items[i].type = apex_types[i];
	}
	dp_parallel_for(NAPEX, NAPEX, lookup_one, &b);
	for (size_t i = 0; i < NAPEX; i++) {
		enum dp_status s = sec_status(ctx, &items[i]);
		const char *t = dp_rrtype_name(items[i].type);

		json_object_set_new(rrsets, t, item_json(&items[i]));
		sec[i] = items[i].l.sec == DP_SEC_SECURE;
		json_object_set_new(secure, t, json_integer(sec[i]));
		if (s != DP_STATUS_OK && bad++ == 0)
			describe(ctx, &items[i], summary, sizeof(summary));
		worst = dp_status_worst(worst, s);
	}
	if (bad == 0)
		dp_snprintf(summary, sizeof(summary),
			    "%s SOA, NS, DNSKEY, MX, TXT and CAA validate %s from the root",
			    ctx->opts->domain,
			    items[0].l.sec == DP_SEC_SECURE ? "secure" : "as insecure (unsigned)");
	else if (bad > 1) {
		size_t len = strlen(summary);

		dp_snprintf(summary + len, sizeof(summary) - len, " (and %zu more RRsets)",
			    bad - 1);
	}
	for (size_t i = 0; i < NAPEX; i++)
		dp_lookup_clear(&items[i].l);
	res = dp_results_add(out, ID, ctx->opts->domain, worst,
			     json_pack("{s:o, s:o, s:o, s:I}", "rrsets", rrsets, "dnssec_secure",
				       secure, "chain", chain_json(ctx), "validated_at",
				       (json_int_t)(ctx->opts->at ? ctx->opts->at
								  : (int64_t)dp_now_wall())),
			     "%s", summary);
	for (size_t i = 0; i < NAPEX; i++) {
		if (dp_result_sample(res, &m_secure, sec[i], dp_rrtype_name(apex_types[i])) != 0)
			return DP_ENOMEM;
	}
	return 0;
}

/* Hosts whose addresses must validate: MX hosts and the service endpoints' hosts. */
static size_t
host_names(const struct dp_discovery *d, const char **names, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nmx && n < max; i++)
		names[n++] = d->mx[i].host.name;
	for (size_t i = 0; i < d->nhosts && n < max; i++)
		names[n++] = d->hosts[i].name;
	return n;
}

/* A host outside the domain (a provider's MX, a CDN) lives in someone else's zone: when that
 * zone is not signed its A/AAAA are insecure, which is no break in *this* domain's chain; DANE
 * simply does not apply to it (RFC 7672 §2.2.2). Bogus stays CRITICAL: senders that validate
 * cannot reach it. */
static enum dp_status
host_sec_status(const struct dp_ctx *ctx, const char *name, const struct item *it)
{
	if (it->rc == 0 && it->l.sec == DP_SEC_INSECURE && !dp_name_in_domain(name, ctx->opts->domain))
		return DP_STATUS_OK;
	return sec_status(ctx, it);
}

static int
host_results(const struct dp_ctx *ctx, struct dp_results *out)
{
	const char *names[64];
	size_t n = host_names(ctx->disc, names, 64);
	struct item *items = calloc(2 * n + 1, sizeof(*items));
	struct batch b = {.r = validator(ctx), .items = items};
	int rc = 0;

	if (items == NULL)
		return DP_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		items[2 * i] = (struct item){.name = names[i], .type = DP_RR_A};
		items[2 * i + 1] = (struct item){.name = names[i], .type = DP_RR_AAAA};
	}
	dp_parallel_for(2 * n, 8, lookup_one, &b);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct item *a = &items[2 * i];
		struct item *aaaa = &items[2 * i + 1];
		enum dp_status s = DP_STATUS_OK;
		struct dp_result *res;
		char summary[512];

		/* An absent AAAA (or A) is fine when its denial validates like the rest. */
		s = dp_status_worst(host_sec_status(ctx, names[i], a),
				    host_sec_status(ctx, names[i], aaaa));
		if (s == DP_STATUS_OK && a->l.sec != DP_SEC_SECURE &&
		    !dp_name_in_domain(names[i], ctx->opts->domain))
			dp_snprintf(summary, sizeof(summary),
				    "%s A/AAAA are insecure: outside %s, in a zone that is not "
				    "signed; not part of this domain's chain, and DANE does not "
				    "apply to that host (RFC 7672 §2.2.2)",
				    names[i], ctx->opts->domain);
		else if (s == DP_STATUS_OK)
			dp_snprintf(summary, sizeof(summary), "%s A/AAAA validate %s", names[i],
				    a->l.sec == DP_SEC_SECURE ? "secure" : "insecure (as configured)");
		else
			describe(ctx, host_sec_status(ctx, names[i], a) != DP_STATUS_OK ? a : aaaa,
				 summary, sizeof(summary));
		res = dp_results_add(out, ID, names[i], s,
				     json_pack("{s:o, s:o, s:{s:i, s:i}, s:b}", "A", item_json(a),
					       "AAAA", item_json(aaaa), "dnssec_secure", "A",
					       a->l.sec == DP_SEC_SECURE, "AAAA",
					       aaaa->l.sec == DP_SEC_SECURE, "in_domain",
					       dp_name_in_domain(names[i], ctx->opts->domain)),
				     "%s", summary);
		if (res == NULL)
			rc = DP_ENOMEM;
		else if (s != DP_STATUS_OK && ctx->disc->apex_sec == DP_SEC_INSECURE &&
			 a->l.sec != DP_SEC_BOGUS && aaaa->l.sec != DP_SEC_BOGUS &&
			 dp_name_in_domain(names[i], ctx->disc->domain))
			rc = dp_cause_insecure_apex(ctx, res);
	}
	for (size_t i = 0; i < 2 * n; i++)
		dp_lookup_clear(&items[i].l);
	free(items);
	return rc;
}

static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	int rc = apex_result(ctx, out);

	if (rc == 0)
		rc = host_results(ctx, out);
	if (rc != 0)
		return dp_err_set(err, rc, "out of memory");
	return 0;
}

const struct dp_probe dp_probe_dnssec_chain = {
	.id = ID,
	.title = "DNSSEC chain of trust",
	.needs = DP_NEED_APEX | DP_NEED_MX_HOSTS | DP_NEED_ENDPOINTS,
	.timeout_ms = 30000,
	.judges_apex = true,
	.metrics = (const struct dp_metric *const[]){&m_secure, NULL},
	.run = run,
};
