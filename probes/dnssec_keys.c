/* dnssec.keys: the DS RRset at the parent's own servers against the child's DNSKEY RRset (digests
 * recomputed, the matching key must sign the DNSKEY RRset), and RFC 8624 algorithm tables. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dnssec.h"
#include "survey/nssurvey.h"
#include "dnsprobe/probe.h"
#include "dns/srvval.h"
#include "probes/causes.h"

#define ID       "dnssec.keys"
#define MAX_KEYS 32

/* A key of the child's DNSKEY RRset and what signs with it. */
struct key {
	struct dp_dnskey k;
	const uint8_t *rdata;
	size_t rdlen;
	bool signs_dnskey; /* an RRSIG over DNSKEY carries its tag and algorithm */
	bool signs_soa;    /* an RRSIG over the SOA does (zone data) */
};

struct dsrec {
	struct dp_ds d;
	int key;       /* index of the DNSKEY whose digest it is, -1: none */
	bool rollover; /* does not work, but the child's CDS/CDNSKEY asks for it */
};

struct keys_run {
	const struct dp_ctx *ctx;
	struct key keys[MAX_KEYS];
	size_t nkeys;
	struct dsrec ds[MAX_KEYS];
	size_t nds;
	const char *ds_from; /* "name/address" of the parent server the DS came from */
	uint32_t ds_ttl;     /* the DS RRset's TTL there */
	char ds_from_buf[320];
	char key_from[320];     /* the child server the DNSKEY RRset came from */
	size_t key_answered;    /* child server addresses that answered the DNSKEY question */
	size_t key_asked;
	json_t *parent_servers; /* [{server, address, answered, ds}] */
	json_t *problems;       /* strings, worst first is not required */
	json_t *notes; /* strings: what is fine but worth saying (a rollover in progress) */
	struct dp_lookup cds, cdnskey; /* the child's CDS/CDNSKEY, validated (asked when needed) */
	bool asked_cds;
	enum dp_status status;
	bool follows_apex; /* the worst problem is the zone being unsigned (dnssec.chain says so) */
	char first[512]; /* the phrase of the worst problem */
	enum dp_status first_status;
};

static void problem(struct keys_run *x, enum dp_status st, const char *fmt, ...) DP_PRINTF(3, 4);

static void
problem(struct keys_run *x, enum dp_status st, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(x->problems, json_string(buf));
	if (dp_status_rank(st) > dp_status_rank(x->first_status) || x->first[0] == '\0') {
		dp_strlcpy(x->first, buf, sizeof(x->first));
		x->first_status = st;
	}
	x->status = dp_status_worst(x->status, st);
}

/* Send the queries; answers truncated over UDP are asked again over TCP (RFC 7766 §5), each
 * query within its own budget and all in parallel. */
static int
send_all(struct dp_query *q, struct dp_reply *rep, size_t n, struct dp_err *err)
{
	for (size_t i = 0; i < n; i++)
		q[i].tc_retry = true;
	return dp_query_send_many(q, rep, n, err);
}

/* The RR dicts of type at owner in the answer section of an answered reply. */
static size_t
answer_rrs(const struct dp_reply *r, const char *owner, uint16_t type, getdns_dict **v, size_t max)
{
	return r->answered ? dp_srvval_answer_rrs(r->reply, owner, type, v, max) : 0;
}

/* Take the DS RRset from the first parent server that answers it authoritatively. */
static void
take_ds(struct keys_run *x, const char *const *names, const struct dp_query *q,
        const struct dp_reply *rep, size_t n)
{
	const char *zone = x->ctx->disc->domain;

	for (size_t i = 0; i < n; i++) {
		getdns_dict *rrs[MAX_KEYS];
		size_t nrr = answer_rrs(&rep[i], zone, DP_RR_DS, rrs, MAX_KEYS);
		bool good = rep[i].answered && rep[i].aa && rep[i].rcode == 0;

		json_array_append_new(x->parent_servers,
		                      json_pack("{s:s, s:s, s:b, s:b, s:I}", "server", names[i],
		                                "address", q[i].server->text, "answered",
		                                rep[i].answered, "aa", rep[i].aa, "ds",
		                                (json_int_t)nrr));
		if (!good || x->ds_from != NULL)
			continue;
		dp_snprintf(x->ds_from_buf, sizeof(x->ds_from_buf), "%s/%s", names[i],
		            q[i].server->text);
		x->ds_from = x->ds_from_buf;
		x->ds_ttl = nrr > 0 ? dp_rr_ttl(rrs[0]) : 0;
		for (size_t j = 0; j < nrr; j++) {
			getdns_bindata *raw = dp_rr_rdata_raw(rrs[j]);

			/* The digest points into the reply, which outlives the run's judging. */
			if (raw != NULL && dp_ds_parse(raw->data, raw->size, &x->ds[x->nds].d) == 0)
				x->ds[x->nds++].key = -1;
		}
	}
}

/* Key tags and algorithms of the RRSIGs over type at owner in the answer section. */
static void
mark_signers(struct keys_run *x, const struct dp_reply *r, uint16_t type, bool dnskey)
{
	getdns_dict *rrs[MAX_KEYS];
	size_t n = answer_rrs(r, x->ctx->disc->domain, DP_RR_RRSIG, rrs, MAX_KEYS);

	for (size_t i = 0; i < n; i++) {
		getdns_bindata *raw = dp_rr_rdata_raw(rrs[i]);
		struct dp_rrsig s;

		if (raw == NULL || dp_rrsig_parse(raw->data, raw->size, &s) != 0 ||
		    s.type_covered != type)
			continue;
		for (size_t k = 0; k < x->nkeys; k++) {
			if (x->keys[k].k.key_tag != s.key_tag ||
			    x->keys[k].k.algorithm != s.algorithm)
				continue;
			if (dnskey)
				x->keys[k].signs_dnskey = true;
			else
				x->keys[k].signs_soa = true;
		}
	}
}

/* Take the DNSKEY RRset (and who signs it and the SOA) from the first child server that
 * answers authoritatively; rep holds DNSKEY then SOA per target. */
static void
take_keys(struct keys_run *x, const struct dp_nssurvey *sv, const size_t *tix,
          const struct dp_reply *rep, size_t ntargets)
{
	const char *zone = x->ctx->disc->domain;

	for (size_t i = 0; i < ntargets; i++) {
		const struct dp_reply *r = &rep[2 * i];
		getdns_dict *rrs[MAX_KEYS];
		size_t nrr = answer_rrs(r, zone, DP_RR_DNSKEY, rrs, MAX_KEYS);

		x->key_asked++;
		x->key_answered += r->answered;
		if (!r->answered || !r->aa || r->rcode != 0 || nrr == 0)
			continue;
		dp_ns_target_subject(&sv->v[tix[i]], x->key_from, sizeof(x->key_from));
		for (size_t j = 0; j < nrr; j++) {
			getdns_bindata *raw = dp_rr_rdata_raw(rrs[j]);
			struct key *k = &x->keys[x->nkeys];

			if (raw == NULL || dp_dnskey_parse(raw->data, raw->size, &k->k) != 0)
				continue;
			k->rdata = raw->data;
			k->rdlen = raw->size;
			x->nkeys++;
		}
		mark_signers(x, r, DP_RR_DNSKEY, true);
		mark_signers(x, &rep[2 * i + 1], DP_RR_SOA, false);
		return;
	}
}

static const char *
alg_name(uint8_t alg, char *buf, size_t bufsz)
{
	const char *n = dp_dnssec_alg_name(alg);

	if (n != NULL)
		return n;
	dp_snprintf(buf, bufsz, "algorithm %u", alg);
	return buf;
}

/* Why a DS does not lead to a key that signs the DNSKEY RRset, or NULL when it does. */
static const char *
ds_problem(const struct keys_run *x, const struct dsrec *d, char *buf, size_t bufsz)
{
	const struct key *k = d->key >= 0 ? &x->keys[d->key] : NULL;
	bool same_tag = false;

	for (size_t i = 0; i < x->nkeys; i++)
		same_tag |= x->keys[i].k.key_tag == d->d.key_tag &&
		            x->keys[i].k.algorithm == d->d.algorithm;
	if (k == NULL && d->d.digest_type != 1 && d->d.digest_type != 2 && d->d.digest_type != 4)
		dp_snprintf(buf, bufsz, "digest type %u cannot be recomputed here",
		            d->d.digest_type);
	else if (k == NULL && same_tag)
		dp_snprintf(buf, bufsz,
		            "its digest matches no DNSKEY (DNSKEY %u has another digest)",
		            d->d.key_tag);
	else if (k == NULL)
		dp_snprintf(buf, bufsz, "no DNSKEY with key tag %u and algorithm %u is published",
		            d->d.key_tag, d->d.algorithm);
	else if (k->k.revoked)
		dp_snprintf(buf, bufsz, "DNSKEY %u is revoked (RFC 5011)", k->k.key_tag);
	else if (!(k->k.flags & 0x0100))
		dp_snprintf(buf, bufsz, "DNSKEY %u is not a zone key", k->k.key_tag);
	else if (!k->signs_dnskey)
		dp_snprintf(buf, bufsz, "DNSKEY %u does not sign the DNSKEY RRset", k->k.key_tag);
	else
		return NULL;
	return buf;
}

/* The child's CDS and CDNSKEY RRsets through the validating resolver, once. */
static void
ask_cds(struct keys_run *x)
{
	struct dp_err err = {0};

	if (x->asked_cds)
		return;
	x->asked_cds = true;
	if (dp_resolver_lookup(x->ctx->resolver, x->ctx->disc->domain, DP_RR_CDS, &x->cds, &err) !=
	    0)
		memset(&x->cds, 0, sizeof(x->cds));
	if (dp_resolver_lookup(x->ctx->resolver, x->ctx->disc->domain, DP_RR_CDNSKEY, &x->cdnskey,
	                       &err) != 0)
		memset(&x->cdnskey, 0, sizeof(x->cdnskey));
}

/* Does the child's validated CDS or CDNSKEY RRset (RFC 7344 §3, §4.1: what the child wants in
 * the parent's DS RRset) ask for this DS? */
static bool
child_asks(struct keys_run *x, const struct dp_ds *ds)
{
	const struct dp_lookup *c = &x->cds;
	const struct dp_lookup *k = &x->cdnskey;

	ask_cds(x);
	for (size_t i = 0; c->sec == DP_SEC_SECURE && c->havedata && i < c->nrdata; i++) {
		struct dp_ds d;

		if (dp_ds_parse(c->rdata[i], c->rdlen[i], &d) == 0 && d.key_tag == ds->key_tag &&
		    d.algorithm == ds->algorithm && d.digest_type == ds->digest_type &&
		    d.digest_len == ds->digest_len &&
		    memcmp(d.digest, ds->digest, d.digest_len) == 0)
			return true;
	}
	for (size_t i = 0; k->sec == DP_SEC_SECURE && k->havedata && i < k->nrdata; i++) {
		if (dp_ds_matches(ds, x->ctx->disc->domain, k->rdata[i], k->rdlen[i]))
			return true;
	}
	return false;
}

/* RFC 4035 §5.2: a DS authenticates the child's DNSKEY RRset only through a key it digests
 * that signs that RRset. A DS that does not, while another does, is stale (WARNING) unless the
 * child's signed CDS/CDNSKEY asks for it: then it is a KSK rollover in progress by the book
 * (the double-DS method, RFC 6781 §4.1.2 and RFC 7583 §3.3.2: the next KSK's DS goes to the
 * parent before the key goes into the DNSKEY RRset, the old one stays until the old key's
 * DNSKEY RRset has expired from caches) and a note. Returns how many DS records work. */
static size_t
judge_ds(struct keys_run *x)
{
	const char *zone = x->ctx->disc->domain;
	size_t working = 0;
	char why[256];

	for (size_t i = 0; i < x->nds; i++) {
		for (size_t k = 0; k < x->nkeys && x->ds[i].key < 0; k++) {
			if (dp_ds_matches(&x->ds[i].d, zone, x->keys[k].rdata, x->keys[k].rdlen))
				x->ds[i].key = (int)k;
		}
		working += ds_problem(x, &x->ds[i], why, sizeof(why)) == NULL;
	}
	for (size_t i = 0; i < x->nds; i++) {
		if (ds_problem(x, &x->ds[i], why, sizeof(why)) == NULL)
			continue;
		if (working > 0 && child_asks(x, &x->ds[i].d)) {
			x->ds[i].rollover = true;
			json_array_append_new(
			    x->notes,
			    json_sprintf(
			        "DS %u/%u/%u at %s: %s, but the zone's signed CDS/CDNSKEY "
			        "asks for it: a KSK rollover in progress (double DS, RFC 6781 "
			        "§4.1.2)",
			        x->ds[i].d.key_tag, x->ds[i].d.algorithm, x->ds[i].d.digest_type,
			        x->ds_from, why));
		} else if (working > 0)
			problem(x, DP_STATUS_WARNING,
			        "stale DS %u/%u/%u at %s: %s (another DS works)",
			        x->ds[i].d.key_tag, x->ds[i].d.algorithm, x->ds[i].d.digest_type,
			        x->ds_from, why);
		else
			problem(x, DP_STATUS_CRITICAL, "DS %u/%u/%u at %s: %s", x->ds[i].d.key_tag,
			        x->ds[i].d.algorithm, x->ds[i].d.digest_type, x->ds_from, why);
	}
	if (x->nds > 0 && working == 0)
		problem(
		    x, DP_STATUS_CRITICAL,
		    "no DS at %s leads to a key that signs the DNSKEY RRset: the chain of trust "
		    "is broken",
		    x->ds_from);
	return working;
}

/* RFC 8624 §3.1 (signing algorithms) and §3.3 (DS digest types). */
static void
judge_algorithms(struct keys_run *x)
{
	char b[32];

	for (size_t i = 0; i < x->nkeys; i++) {
		enum dp_rfc8624 l = dp_rfc8624_signing(x->keys[i].k.algorithm);
		bool seen = false;

		for (size_t j = 0; j < i; j++)
			seen |= x->keys[j].k.algorithm == x->keys[i].k.algorithm;
		if (!seen && dp_rfc8624_status(l) != DP_STATUS_OK)
			problem(x, dp_rfc8624_status(l),
			        "DNSKEY %u uses %s, %s for signing by RFC 8624 §3.1",
			        x->keys[i].k.key_tag,
			        alg_name(x->keys[i].k.algorithm, b, sizeof(b)), dp_rfc8624_str(l));
	}
	for (size_t i = 0; i < x->nds; i++) {
		enum dp_rfc8624 l = dp_rfc8624_ds(x->ds[i].d.digest_type);
		const char *dn = dp_ds_digest_name(x->ds[i].d.digest_type);

		if (dp_rfc8624_status(l) != DP_STATUS_OK)
			problem(x, dp_rfc8624_status(l),
			        "DS %u at %s uses digest type %u (%s), %s for DS records by RFC "
			        "8624 §3.3",
			        x->ds[i].d.key_tag, x->ds_from, x->ds[i].d.digest_type,
			        dn != NULL ? dn : "unknown", dp_rfc8624_str(l));
	}
}

/* No DS, no keys, or neither: an unsigned zone, an island of security, or keys gone. */
static bool
judge_presence(struct keys_run *x)
{
	const char *zone = x->ctx->disc->domain;
	bool uok = x->ctx->opts->unsigned_ok;

	if (x->ds_from == NULL && dp_ctx_cut(x->ctx)) {
		problem(x, DP_STATUS_UNKNOWN,
		        "DS at the parent zone '%s': " DP_BUDGET_EXHAUSTED " (no parent server had "
		        "answered by the run's deadline)",
		        x->ctx->disc->parent);
		return false;
	}
	if (x->ds_from == NULL) {
		problem(x, DP_STATUS_CRITICAL,
		        "no server of the parent zone '%s' answered for the DS",
		        x->ctx->disc->parent);
		return false;
	}
	if (x->key_from[0] == '\0' && x->key_answered == 0 && dp_ctx_cut(x->ctx)) {
		problem(x, DP_STATUS_UNKNOWN,
		        "DNSKEY of %s: " DP_BUDGET_EXHAUSTED " (no nameserver address had answered "
		        "by the run's deadline)",
		        zone);
		return false;
	}
	if (x->key_from[0] == '\0' && x->key_answered == 0) {
		/* silence is not "no DNSKEY": the servers' state is ns.soa_serial's finding */
		problem(x, DP_STATUS_UNKNOWN,
		        "not judged: no nameserver address of %s answered the DNSKEY question (%zu "
		        "asked); %s has %zu DS",
		        zone, x->key_asked, x->ds_from, x->nds);
		return false;
	}
	if (x->key_from[0] == '\0' && x->nds == 0) {
		problem(x, uok ? DP_STATUS_OK : DP_STATUS_CRITICAL,
		        "%s has no DS at %s and no DNSKEY: the zone is unsigned%s", zone,
		        x->ds_from, uok ? ", as configured" : "");
		x->follows_apex = x->ctx->disc->apex_sec == DP_SEC_INSECURE;
		return false;
	}
	if (x->key_from[0] == '\0') {
		problem(x, DP_STATUS_CRITICAL,
		        "%s publishes no DNSKEY at any server, but %s has %zu DS", zone, x->ds_from,
		        x->nds);
		return false;
	}
	if (x->nds == 0) {
		problem(x, uok ? DP_STATUS_WARNING : DP_STATUS_CRITICAL,
		        "%s publishes DNSKEYs but %s has no DS: the zone is signed but insecure",
		        zone, x->ds_from);
		judge_algorithms(x);
		return false;
	}
	return true;
}

static const char *
role(const struct key *k)
{
	if (k->signs_dnskey && k->signs_soa)
		return "CSK";
	return (k->k.flags & 1) ? "KSK" : "ZSK";
}

static json_t *
keys_json(const struct keys_run *x)
{
	json_t *arr = json_array();
	char b[32];

	for (size_t i = 0; arr != NULL && i < x->nkeys; i++) {
		const struct key *k = &x->keys[i];
		enum dp_rfc8624 l = dp_rfc8624_signing(k->k.algorithm);

		json_array_append_new(
		    arr,
		    json_pack("{s:i, s:i, s:s, s:b, s:b, s:i, s:s, s:i, s:b, s:b, s:s}", "key_tag",
		              k->k.key_tag, "flags", k->k.flags, "role", role(k), "sep",
		              k->k.flags & 1, "revoked", k->k.revoked, "algorithm", k->k.algorithm,
		              "algorithm_name", alg_name(k->k.algorithm, b, sizeof(b)), "key_bits",
		              k->k.key_bits, "signs_dnskey", k->signs_dnskey, "signs_zone",
		              k->signs_soa, "rfc8624", dp_rfc8624_str(l)));
	}
	return arr;
}

static json_t *
ds_json(const struct keys_run *x)
{
	json_t *arr = json_array();
	char b[32];
	char hex[2 * DP_DS_DIGEST_MAX + 1];
	char why[256];

	for (size_t i = 0; arr != NULL && i < x->nds; i++) {
		const struct dsrec *d = &x->ds[i];
		const char *dn = dp_ds_digest_name(d->d.digest_type);
		const char *p = ds_problem(x, d, why, sizeof(why));
		json_t *o = json_pack(
		    "{s:i, s:i, s:s, s:i, s:s, s:s, s:b, s:s}", "key_tag", d->d.key_tag,
		    "algorithm", d->d.algorithm, "algorithm_name",
		    alg_name(d->d.algorithm, b, sizeof(b)), "digest_type", d->d.digest_type,
		    "digest_name", dn != NULL ? dn : "unknown", "digest",
		    dp_hex(d->d.digest, d->d.digest_len, hex, sizeof(hex)), "works", p == NULL,
		    "rfc8624", dp_rfc8624_str(dp_rfc8624_ds(d->d.digest_type)));

		if (o != NULL)
			json_object_set_new(o, "matched_key",
			                    d->key >= 0 ? json_integer(x->keys[d->key].k.key_tag)
			                                : json_null());
		if (o != NULL && p != NULL)
			json_object_set_new(o, "problem", json_string(p));
		if (o != NULL && p != NULL)
			json_object_set_new(o, "requested_by_cds", json_boolean(d->rollover));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* Key tags of the keys in one role, for the details. */
static json_t *
tags(const struct keys_run *x, const char *want)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < x->nkeys; i++) {
		if (strcmp(role(&x->keys[i]), want) == 0)
			json_array_append_new(arr, json_integer(x->keys[i].k.key_tag));
	}
	return arr;
}

/* The one line when nothing is wrong: which DS works through which key. */
static void
ok_summary(const struct keys_run *x, char *buf, size_t bufsz)
{
	char b[32];
	size_t len;

	buf[0] = '\0';
	for (size_t i = 0; i < x->nds; i++) {
		const struct key *k = x->ds[i].key >= 0 ? &x->keys[x->ds[i].key] : NULL;

		if (k == NULL)
			continue;
		len = strlen(buf);
		dp_snprintf(buf + len, bufsz - len, "%sDS %u at %s matches %s %u (%s, %u bits)",
		            len ? "; " : "", x->ds[i].d.key_tag, x->ds_from, role(k), k->k.key_tag,
		            alg_name(k->k.algorithm, b, sizeof(b)), k->k.key_bits);
	}
	len = strlen(buf);
	dp_snprintf(buf + len, bufsz - len, ", which signs the DNSKEY RRset; %zu DNSKEYs",
	            x->nkeys);
	if (json_array_size(x->notes) > 0) {
		len = strlen(buf);
		dp_snprintf(buf + len, bufsz - len, "; note: %s",
		            json_string_value(json_array_get(x->notes, 0)));
	}
}

/* Queries: DS at every parent server address; DNSKEY and SOA at every child server address. */
static size_t
build_queries(const struct dp_ctx *ctx, const struct dp_nssurvey *sv, struct dp_query *q,
              const char **names, size_t *tix, size_t *nparent)
{
	const struct dp_discovery *d = ctx->disc;
	struct dp_query base = {.qname = d->domain,
	                        .transport = DP_TRANSPORT_UDP,
	                        .dnssec_ok = true,
	                        .cd = true,
	                        .timeout_ms = dp_ctx_step_ms(ctx),
	                        .deadline = ctx->deadline};
	size_t n = 0;
	size_t nt = 0;

	for (size_t s = 0; s < d->nparent_servers; s++) {
		for (size_t a = 0; a < d->parent_servers[s].naddrs; a++) {
			names[n] = d->parent_servers[s].name;
			q[n] = base;
			q[n].qtype = DP_RR_DS;
			q[n++].server = &d->parent_servers[s].addrs[a];
		}
	}
	*nparent = n;
	for (size_t i = 0; i < sv->n; i++) {
		if (!sv->v[i].has_addr)
			continue;
		tix[nt++] = i;
		for (int t = 0; t < 2; t++) {
			q[n] = base;
			q[n].qtype = t == 0 ? DP_RR_DNSKEY : DP_RR_SOA;
			q[n++].server = &sv->v[i].addr;
		}
	}
	return n;
}

/* "48552 13 2 0BC3…" (zone-file DS rdata, digest in upper-case hex) into buf. */
static const char *
ds_text(uint16_t tag, uint8_t alg, uint8_t dt, const uint8_t *digest, size_t len, char *buf,
        size_t bufsz)
{
	char hex[2 * DP_DS_DIGEST_MAX + 1];

	dp_hex(digest, len, hex, sizeof(hex));
	for (char *c = hex; *c != '\0'; c++) {
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	}
	dp_snprintf(buf, bufsz, "%u %u %u %s", tag, alg, dt, hex);
	return buf;
}

/* Issue 15 item 5: the DS RRset the parent should hold, as zone-file lines. A stale DS beside
 * working ones: the working ones (to keep; the rest goes). No DS works: a SHA-256 DS (RFC 8624
 * §3.3: MUST) for every SEP key that signs the DNSKEY RRset, computed here. Nothing when every DS
 * works, or when a DS that does not work is a rollover the CDS asks for. */
static int
add_fix(const struct keys_run *x, struct dp_result *r, size_t working)
{
	const char *zone = x->ctx->disc->domain;
	uint32_t ttl = x->ds_ttl > 0 ? x->ds_ttl : 86400;
	bool stale = false;
	char t[2 * DP_DS_DIGEST_MAX + 32];
	int rc = 0;

	for (size_t i = 0; i < x->nds; i++) {
		char why[256];

		stale |= ds_problem(x, &x->ds[i], why, sizeof(why)) != NULL && !x->ds[i].rollover;
	}
	if (!stale)
		return 0;
	for (size_t i = 0; rc == 0 && working > 0 && i < x->nds; i++) {
		const struct dsrec *d = &x->ds[i];
		char why[256];

		if (ds_problem(x, d, why, sizeof(why)) == NULL || d->rollover)
			rc = dp_result_add_fix(r, "%s. %u IN DS %s", zone, ttl,
			                       ds_text(d->d.key_tag, d->d.algorithm, d->d.digest_type,
			                               d->d.digest, d->d.digest_len, t, sizeof(t)));
	}
	for (size_t k = 0; rc == 0 && working == 0 && k < x->nkeys; k++) {
		const struct key *key = &x->keys[k];
		uint8_t dg[DP_DS_DIGEST_MAX];
		size_t dl = 0;

		if (!key->signs_dnskey || !(key->k.flags & 1) || key->k.revoked ||
		    dp_ds_digest(zone, key->rdata, key->rdlen, 2, dg, sizeof(dg), &dl) != 0)
			continue;
		rc = dp_result_add_fix(r, "%s. %u IN DS %s", zone, ttl,
		                       ds_text(key->k.key_tag, key->k.algorithm, 2, dg, dl, t,
		                               sizeof(t)));
	}
	return rc;
}

static int
add_result(struct keys_run *x, struct dp_results *out, size_t working)
{
	const struct dp_ctx *ctx = x->ctx;
	char sum[1024];
	size_t np = json_array_size(x->problems);
	struct dp_result *res;
	json_t *d;

	if (np == 0)
		ok_summary(x, sum, sizeof(sum));
	else
		dp_snprintf(sum, sizeof(sum), "%s%s", x->first,
		            np > 1 ? " (and more problems in details)" : "");
	d = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:O, s:O, s:O}", "parent_zone",
	              ctx->disc->parent ? ctx->disc->parent : "", "ds_source",
	              x->ds_from ? x->ds_from : "", "dnskey_source", x->key_from, "ds", ds_json(x),
	              "dnskeys", keys_json(x), "ksk_key_tags", tags(x, "KSK"), "zsk_key_tags",
	              tags(x, "ZSK"), "csk_key_tags", tags(x, "CSK"), "parent_servers",
	              x->parent_servers, "problems", x->problems, "notes", x->notes);
	res = dp_results_add(out, ID, ctx->disc->domain, x->status, d, "%s", sum);
	if (res == NULL)
		return DP_ENOMEM;
	if (x->follows_apex && dp_cause_insecure_apex(ctx, res) != 0)
		return DP_ENOMEM;
	return x->nds > 0 && x->nkeys > 0 ? add_fix(x, res, working) : 0;
}

static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	struct keys_run x = {.ctx = ctx,
	                     .parent_servers = json_array(),
	                     .problems = json_array(),
	                     .notes = json_array()};
	struct dp_query *q = NULL;
	struct dp_reply *rep = NULL;
	const char **names = NULL;
	size_t *tix = NULL;
	size_t nparent = 0;
	size_t n = 0;
	size_t working = 0;
	size_t cap;
	struct dp_nssurvey sv;
	int rc = dp_nssurvey_targets(ctx->disc, &sv);

	if (rc != 0)
		goto out;
	cap = sv.n * 2 + 1;
	for (size_t s = 0; s < ctx->disc->nparent_servers; s++)
		cap += ctx->disc->parent_servers[s].naddrs;
	q = calloc(cap, sizeof(*q));
	rep = calloc(cap, sizeof(*rep));
	names = calloc(cap, sizeof(*names));
	tix = calloc(sv.n + 1, sizeof(*tix));
	rc = DP_ENOMEM;
	if (q == NULL || rep == NULL || names == NULL || tix == NULL)
		goto out;
	n = build_queries(ctx, &sv, q, names, tix, &nparent);
	rc = send_all(q, rep, n, err);
	if (rc != 0)
		goto out;
	(void)dp_ctx_mark_cut(ctx, rep, n);
	take_ds(&x, names, q, rep, nparent);
	take_keys(&x, &sv, tix, rep + nparent, (n - nparent) / 2);
	if (judge_presence(&x)) {
		working = judge_ds(&x);
		judge_algorithms(&x);
	}
	rc = add_result(&x, out, working);
out:
	for (size_t i = 0; rep != NULL && i < n; i++)
		dp_reply_clear(&rep[i]);
	free(q);
	free(rep);
	free(names);
	free(tix);
	dp_nssurvey_clear(&sv);
	json_decref(x.parent_servers);
	json_decref(x.problems);
	json_decref(x.notes);
	if (x.asked_cds) {
		dp_lookup_clear(&x.cds);
		dp_lookup_clear(&x.cdnskey);
	}
	if (rc == DP_ENOMEM)
		return dp_err_set(err, rc, "out of memory");
	return rc;
}

const struct dp_probe dp_probe_dnssec_keys = {
    .id = ID,
    .title = "DS and DNSKEY, algorithms",
    .needs = DP_NEED_NS_ADDRS | DP_NEED_PARENT,
    .timeout_ms = 20000,
    .run = run,
};
