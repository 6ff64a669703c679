/* resolver.agreement: each --resolver asked directly (RD=1, DO=1) for the apex RRsets and the TLSA
 * RRsets must give the data libunbound validates from the root, with the AD bit set. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/parallel.h"
#include "dnsprobe/probe.h"

#define ID       "resolver.agreement"
#define MAX_TLSA 4
#define MAX_Q    (4 + MAX_TLSA)
#define MAX_RRS  64

static const uint16_t apex_types[] = {DP_RR_SOA, DP_RR_NS, DP_RR_DNSKEY, DP_RR_MX};
#define NAPEX (sizeof(apex_types) / sizeof(apex_types[0]))

/* One question and the reference answer (validated from the root, as of now). */
struct ref {
	char name[300];
	uint16_t type;
	struct dp_lookup l;
	int rc;
	struct dp_err err;
};

struct refs {
	struct dp_resolver *r;
	struct ref *v;
};

static void
lookup_one(void *arg, size_t i)
{
	struct refs *b = arg;

	b->v[i].rc = dp_resolver_lookup(b->r, b->v[i].name, b->v[i].type, &b->v[i].l, &b->v[i].err);
}

static bool
in_zone(const char *name, const char *zone)
{
	size_t n = strlen(name);
	size_t z = strlen(zone);

	return z == 0 || strcmp(name, zone) == 0 ||
	       (n > z && name[n - z - 1] == '.' && strcmp(name + n - z, zone) == 0);
}

static size_t
questions(const struct dp_ctx *ctx, struct ref *v)
{
	const struct dp_discovery *d = ctx->disc;
	size_t n = 0;

	for (size_t i = 0; i < NAPEX; i++) {
		dp_strlcpy(v[n].name, d->domain, sizeof(v[n].name));
		v[n++].type = apex_types[i];
	}
	for (size_t i = 0; i < d->nendpoints && n < MAX_Q; i++) {
		if (in_zone(d->endpoints[i].host, d->domain) &&
		    dp_snprintf(v[n].name, sizeof(v[n].name), "_%u._tcp.%s", d->endpoints[i].port,
		                d->endpoints[i].host))
			v[n++].type = DP_RR_TLSA;
	}
	return n;
}

/* An RR's data made comparable: its presentation form without owner, TTL, class and type;
 * names folded to lower case for types that carry names (RFC 4343), and the SOA serial left
 * out (a cache may hold the previous version within the TTL). Presentation form because getdns
 * and libunbound hand over rdata with names in different (compressed or not) wire forms. */
struct rd {
	char b[1024];
	size_t len;
};

static void
canon(uint16_t type, getdns_dict *rr, struct rd *out)
{
	char *text = dp_rr_text(rr);
	const char *p = text;
	size_t o = 0;
	int field = 0;

	out->len = 0;
	out->b[0] = '\0';
	if (text == NULL)
		return;
	/* Fields: owner, TTL, class, type, then the rdata; the SOA serial is rdata field 3. */
	while (*p != '\0' && o + 1 < sizeof(out->b)) {
		bool space = *p == ' ' || *p == '\t';

		if (space && p[1] != ' ' && p[1] != '\t')
			field++;
		if (field >= 4 && !(type == DP_RR_SOA && field == 6)) {
			char c = space ? ' ' : *p;

			out->b[o++] = (type == DP_RR_SOA || type == DP_RR_NS || type == DP_RR_MX)
			                  ? (char)tolower((unsigned char)c)
			                  : c;
		}
		p++;
	}
	out->b[o] = '\0';
	out->len = o;
	free(text);
}

static int
rd_cmp(const void *pa, const void *pb)
{
	const struct rd *a = pa;
	const struct rd *b = pb;

	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->b, b->b, a->len);
}

/* The RRset (owner name, type) of a message's answer section as canonical data, sorted. */
static size_t
answer_set(getdns_dict *msg, const struct ref *q, struct rd *v)
{
	getdns_list *ans = dp_msg_section(msg, "answer");
	size_t n = 0;

	for (size_t i = 0; i < dp_list_len(ans) && n < MAX_RRS; i++) {
		getdns_dict *rr = dp_list_dict(ans, i);
		char o[256];

		if (dp_rr_type(rr) == q->type && dp_rr_owner(rr, o, sizeof(o)) == 0 &&
		    strcmp(o, q->name) == 0)
			canon(q->type, rr, &v[n++]);
	}
	qsort(v, n, sizeof(*v), rd_cmp);
	return n;
}

/* The two canonical sets live on the heap: as _Thread_local statics (132 kB) they were part of
 * the static TLS block that glibc zeroes in every thread the process creates, dnsprobe's
 * short-lived worker threads included — the largest single CPU cost of a busy monitor. */
static bool
same_data(const struct dp_reply *r, const struct ref *q, size_t *nres, size_t *nref)
{
	struct rd *a = calloc(2 * MAX_RRS, sizeof(*a));
	struct rd *b = a != NULL ? a + MAX_RRS : NULL;
	bool same = true;

	*nres = *nref = 0;
	if (a == NULL)
		return false;
	*nres = answer_set(r->reply, q, a);
	*nref = answer_set(q->l.msg, q, b);
	same = *nres == *nref;
	for (size_t i = 0; same && i < *nres; i++)
		same = rd_cmp(&a[i], &b[i]) == 0;
	free(a);
	return same;
}

static const char *
rcode_str(int rcode)
{
	static const char *const n[] = {"NOERROR",  "FORMERR", "SERVFAIL",
	                                "NXDOMAIN", "NOTIMP",  "REFUSED"};

	return rcode >= 0 && rcode < 6 ? n[rcode] : "rcode?";
}

/* Judge one resolver's answer to one question against the reference; phrase into why. */
static enum dp_status
judge(const struct dp_reply *r, const struct ref *q, json_t *o, char *why, size_t whysz)
{
	char tn[16];
	size_t nres = 0;
	size_t nref = 0;
	bool secure = q->rc == 0 && q->l.sec == DP_SEC_SECURE;
	bool settled = q->rc == 0 && (secure || q->l.sec == DP_SEC_INSECURE);
	bool same;

	dp_rrtype_str(q->type, tn, sizeof(tn));
	json_object_set_new(o, "reference_security",
	                    json_string(q->rc == 0 ? dp_sec_str(q->l.sec) : "error"));
	json_object_set_new(o, "reference_rcode", json_string(rcode_str(q->l.rcode)));
	if (!r->answered) {
		dp_snprintf(why, whysz, "no answer for %s %s (%s)", q->name, tn,
		            r->error[0] ? r->error : "timeout");
		/* the run's deadline ended the wait: nothing is known about the resolver */
		return dp_reply_cut(r) ? DP_STATUS_UNKNOWN : DP_STATUS_WARNING;
	}
	same = same_data(r, q, &nres, &nref);
	json_object_set_new(o, "rcode", json_string(rcode_str(r->rcode)));
	json_object_set_new(o, "ad", json_boolean(r->ad));
	json_object_set_new(o, "records", json_integer((json_int_t)nres));
	json_object_set_new(o, "reference_records", json_integer((json_int_t)nref));
	json_object_set_new(o, "same_data", json_boolean(same));
	if (r->rcode == 2 && settled) {
		/* Its users cannot resolve what validates (or is insecure) from the root. */
		dp_snprintf(why, whysz, "SERVFAIL for %s %s, which validates %s from the root",
		            q->name, tn, dp_sec_str(q->l.sec));
		return DP_STATUS_CRITICAL;
	}
	if (!settled) {
		if (r->rcode == 2 || r->rcode == q->l.rcode)
			return DP_STATUS_OK; /* both fail alike (bogus: dnssec.chain says why) */
		dp_snprintf(why, whysz, "%s %s: %s%s, though validation from the root gives %s",
		            q->name, tn, rcode_str(r->rcode), r->ad ? " with AD" : "",
		            q->rc == 0 ? dp_sec_str(q->l.sec) : "no answer");
		return DP_STATUS_WARNING;
	}
	if (r->rcode != q->l.rcode || !same) {
		dp_snprintf(why, whysz,
		            "%s %s differs: %s with %zu records, from the root %s with %zu",
		            q->name, tn, rcode_str(r->rcode), nres, rcode_str(q->l.rcode), nref);
		return DP_STATUS_WARNING;
	}
	if (secure != r->ad) {
		dp_snprintf(why, whysz,
		            "%s %s without AD, though it validates secure from the root", q->name,
		            tn);
		if (!secure)
			dp_snprintf(why, whysz,
			            "%s %s with AD, though it is insecure from the root", q->name,
			            tn);
		return DP_STATUS_WARNING;
	}
	return DP_STATUS_OK;
}

static int
resolver_result(const struct dp_ctx *ctx, const char *addr, const struct ref *refs, size_t nq,
                const struct dp_reply *rep, struct dp_results *out)
{
	json_t *sets = json_object();
	enum dp_status worst = DP_STATUS_OK;
	size_t answered = 0;
	char first[600] = "";
	char why[600];
	char key[320];
	char tn[16];
	size_t nbad = 0;

	for (size_t j = 0; j < nq; j++) {
		json_t *o = json_object();
		enum dp_status st;

		why[0] = '\0';
		st = judge(&rep[j], &refs[j], o, why, sizeof(why));
		answered += rep[j].answered;
		dp_rrtype_str(refs[j].type, tn, sizeof(tn));
		if (strcmp(refs[j].name, ctx->disc->domain) == 0)
			dp_strlcpy(key, tn, sizeof(key));
		else
			dp_snprintf(key, sizeof(key), "%s %s", refs[j].name, tn);
		if (st != DP_STATUS_OK) {
			json_object_set_new(o, "problem", json_string(why));
			if (nbad++ == 0 || dp_status_rank(st) > dp_status_rank(worst))
				dp_strlcpy(first, why, sizeof(first));
		}
		json_object_set_new(sets, key, o);
		worst = dp_status_worst(worst, st);
	}
	if (answered == 0) {
		dp_snprintf(first, sizeof(first), "resolver %s did not answer (%s)", addr,
		            rep[0].error[0] ? rep[0].error : "timeout");
		worst = dp_reply_cut(&rep[0]) ? DP_STATUS_UNKNOWN : DP_STATUS_WARNING;
	} else if (nbad == 0) {
		dp_snprintf(first, sizeof(first),
		            "resolver %s gives the same %zu RRsets as validation from the root, AD "
		            "set on the secure ones",
		            addr, nq);
	} else {
		size_t len = strlen(first);

		if (nbad > 1)
			dp_snprintf(first + len, sizeof(first) - len, " (and %zu more)", nbad - 1);
	}
	if (dp_results_add(out, ID, addr, worst,
	                   json_pack("{s:s, s:b, s:o}", "resolver", addr, "answered", answered > 0,
	                             "rrsets", sets),
	                   "%s%s%s", answered > 0 && nbad > 0 ? addr : "",
	                   answered > 0 && nbad > 0 ? ": " : "", first) == NULL)
		return DP_ENOMEM;
	return 0;
}

static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	size_t nr = ctx->opts->nresolvers;
	struct ref refs[MAX_Q];
	size_t nq;
	struct refs b = {.r = ctx->resolver, .v = refs};
	struct dp_addr *addrs = NULL;
	struct dp_query *q = NULL;
	struct dp_reply *rep = NULL;
	int rc = 0;

	if (nr == 0)
		return 0; /* only with --resolver */
	memset(refs, 0, sizeof(refs));
	nq = questions(ctx, refs);
	/* The reference: validated from the root as of now (not --at: resolvers answer now). */
	dp_parallel_for(nq, nq, lookup_one, &b);
	addrs = calloc(nr, sizeof(*addrs));
	q = calloc(nr * nq, sizeof(*q));
	rep = calloc(nr * nq, sizeof(*rep));
	if (addrs == NULL || q == NULL || rep == NULL) {
		rc = dp_err_set(err, DP_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nr; i++) {
		if (dp_addr_parse(ctx->opts->resolvers[i], &addrs[i]) != 0) {
			rc = dp_err_set(err, DP_EINVAL, "--resolver %s is not an address",
			                ctx->opts->resolvers[i]);
			goto out;
		}
		for (size_t j = 0; j < nq; j++)
			q[i * nq + j] = (struct dp_query){.qname = refs[j].name,
			                                  .qtype = refs[j].type,
			                                  .server = &addrs[i],
			                                  .transport = DP_TRANSPORT_UDP,
			                                  .rd = true,
			                                  .dnssec_ok = true,
			                                  .timeout_ms = dp_ctx_step_ms(ctx),
			                                  .deadline = ctx->deadline};
	}
	/* RFC 7766 §5: a truncated answer is asked again over TCP, within each query's budget. */
	for (size_t i = 0; i < nr * nq; i++)
		q[i].tc_retry = true;
	rc = dp_query_send_many(q, rep, nr * nq, err);
	if (rc == 0)
		(void)dp_ctx_mark_cut(ctx, rep, nr * nq);
	for (size_t i = 0; rc == 0 && i < nr; i++) {
		rc = resolver_result(ctx, addrs[i].text, refs, nq, &rep[i * nq], out);
		if (rc != 0)
			rc = dp_err_set(err, rc, "out of memory");
	}
out:
	for (size_t i = 0; rep != NULL && i < nr * nq; i++)
		dp_reply_clear(&rep[i]);
	for (size_t j = 0; j < nq; j++)
		dp_lookup_clear(&refs[j].l);
	free(addrs);
	free(q);
	free(rep);
	return rc;
}

const struct dp_probe dp_probe_resolver_agreement = {
    .id = ID,
    .title = "Resolver agreement",
    .needs = DP_NEED_APEX | DP_NEED_ENDPOINTS,
    .timeout_ms = 20000,
    .run = run,
};
