/* dnssec.rollover: key, DS, TLSA and certificate-key changes followed across runs (the check's
 * state: the monitor's state_dir or `check --state FILE`) and judged against RFC 7583 / RFC 6781
 * timing and RFC 7671 §8.1 (probes/rollover.h holds the judge). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dnssec.h"
#include "dnsprobe/probe.h"
#include "dns/srvval.h"
#include "probes/rollover.h"
#include "survey/nssurvey.h"
#include "survey/obs.h"

#define ID "dnssec.rollover"

/* The RR dicts of type at owner in the answer section of an answered reply. */
static size_t
answer_rrs(const struct dp_reply *r, const char *owner, uint16_t type, getdns_dict **v, size_t max)
{
	return r->answered ? dp_srvval_answer_rrs(r->reply, owner, type, v, max) : 0;
}

static bool
good(const struct dp_reply *r)
{
	return r->answered && r->aa && r->rcode == 0;
}

/* Signers (tag/alg) of the RRSIGs over type in the reply. */
static size_t
signers(const struct dp_reply *r, const char *zone, uint16_t type, struct dp_ro_signer *v)
{
	getdns_dict *rrs[DP_RO_MAX];
	size_t n = answer_rrs(r, zone, DP_RR_RRSIG, rrs, DP_RO_MAX);
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		getdns_bindata *raw = dp_rr_rdata_raw(rrs[i]);
		struct dp_rrsig s;

		if (raw == NULL || dp_rrsig_parse(raw->data, raw->size, &s) != 0 ||
		    s.type_covered != type)
			continue;
		v[k].tag = s.key_tag;
		v[k++].alg = s.algorithm;
	}
	return k;
}

/* DS from the first parent server that answers authoritatively; DNSKEY and SOA (with their
 * RRSIGs) from the first child server that does. dnssec.keys asks the same questions: the obs
 * store holds no DNSKEY or DS observation to share. */
static int
observe_dns(const struct dp_ctx *ctx, struct dp_ro_obs *o, struct dp_err *err)
{
	const struct dp_discovery *d = ctx->disc;
	struct dp_query base = {.qname = d->domain,
				.transport = DP_TRANSPORT_UDP,
				.dnssec_ok = true,
				.cd = true,
				.tc_retry = true,
				.timeout_ms = dp_ctx_step_ms(ctx),
				.deadline = ctx->deadline};
	struct dp_nssurvey sv;
	struct dp_query *q = NULL;
	struct dp_reply *rep = NULL;
	size_t n = 0, np, cap;
	bool have_ds = false, have_keys = false;
	int rc = dp_nssurvey_targets(d, &sv);

	if (rc != 0)
		return dp_err_set(err, rc, "out of memory");
	cap = 2 * sv.n + 1;
	for (size_t s = 0; s < d->nparent_servers; s++)
		cap += d->parent_servers[s].naddrs;
	q = calloc(cap, sizeof(*q));
	rep = calloc(cap, sizeof(*rep));
	if (q == NULL || rep == NULL) {
		rc = dp_err_set(err, DP_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t s = 0; s < d->nparent_servers; s++) {
		for (size_t a = 0; a < d->parent_servers[s].naddrs; a++) {
			q[n] = base;
			q[n].qtype = DP_RR_DS;
			q[n++].server = &d->parent_servers[s].addrs[a];
		}
	}
	np = n;
	for (size_t i = 0; i < sv.n; i++) {
		if (!sv.v[i].has_addr)
			continue;
		for (int t = 0; t < 2; t++) {
			q[n] = base;
			q[n].qtype = t == 0 ? DP_RR_DNSKEY : DP_RR_SOA;
			q[n++].server = &sv.v[i].addr;
		}
	}
	rc = dp_query_send_many(q, rep, n, err);
	if (rc != 0)
		goto out;
	for (size_t i = 0; i < np && !have_ds; i++) {
		getdns_dict *rrs[DP_RO_MAX];
		size_t nrr;

		if (!good(&rep[i]))
			continue;
		have_ds = true;
		nrr = answer_rrs(&rep[i], d->domain, DP_RR_DS, rrs, DP_RO_MAX);
		o->ds_ttl = nrr > 0 ? dp_rr_ttl(rrs[0]) : 0;
		for (size_t k = 0; k < nrr; k++) {
			getdns_bindata *raw = dp_rr_rdata_raw(rrs[k]);
			struct dp_ds ds;

			if (raw == NULL || dp_ds_parse(raw->data, raw->size, &ds) != 0)
				continue;
			o->ds[o->nds++] = (struct dp_ro_ds){ds.key_tag, ds.algorithm, ds.digest_type};
		}
	}
	for (size_t i = np; i + 1 < n && !have_keys; i += 2) {
		getdns_dict *rrs[DP_RO_MAX];
		size_t nrr = answer_rrs(&rep[i], d->domain, DP_RR_DNSKEY, rrs, DP_RO_MAX);

		if (!good(&rep[i]) || nrr == 0 || !good(&rep[i + 1]))
			continue;
		have_keys = true;
		o->dnskey_ttl = dp_rr_ttl(rrs[0]);
		for (size_t k = 0; k < nrr; k++) {
			getdns_bindata *raw = dp_rr_rdata_raw(rrs[k]);
			struct dp_dnskey key;

			if (raw == NULL || dp_dnskey_parse(raw->data, raw->size, &key) != 0)
				continue;
			o->keys[o->nkeys++] =
				(struct dp_ro_key){key.key_tag, key.algorithm, key.flags};
		}
		o->ndnskey_signers = signers(&rep[i], d->domain, DP_RR_DNSKEY, o->dnskey_signers);
		o->nsoa_signers = signers(&rep[i + 1], d->domain, DP_RR_SOA, o->soa_signers);
	}
	/* a zone without DNSKEY (unsigned) is an observation too, once the parent answered */
	o->have_dns = have_ds && (have_keys || d->apex_sec != DP_SEC_SECURE);
out:
	for (size_t i = 0; rep != NULL && i < n; i++)
		dp_reply_clear(&rep[i]);
	free(q);
	free(rep);
	dp_nssurvey_clear(&sv);
	return rc;
}

static void
hex(const uint8_t *p, size_t n, char *buf, size_t bufsz)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 3 <= bufsz; i++)
		k += (size_t)snprintf(buf + k, bufsz - k, "%02x", p[i]);
	buf[k] = '\0';
}

/* Each endpoint's validated TLSA RRset and the keys its addresses present, from the run's
 * observations (the same ones dane.tlsa and tls.cert judge). */
static int
observe_tls(const struct dp_ctx *ctx, struct dp_ro_obs *o, struct dp_err *err)
{
	struct dp_tls_endpoint *v = NULL;
	const struct dp_tls_trust *tr = NULL;
	struct dp_tls_job *jobs = NULL;
	size_t n = 0, nj = 0;
	int rc = dp_obs_trust(ctx, &tr, err);

	if (rc == 0)
		rc = dp_obs_endpoints(ctx, &v, &n, err);
	if (rc != 0)
		return rc;
	o->ep = calloc(n + 1, sizeof(*o->ep));
	for (size_t i = 0; i < n; i++)
		nj += v[i].resolved != NULL ? v[i].resolved->naddrs : 0;
	jobs = calloc(nj + 1, sizeof(*jobs));
	if (o->ep == NULL || jobs == NULL) {
		rc = dp_err_set(err, DP_ENOMEM, "out of memory");
		goto out;
	}
	nj = 0;
	for (size_t i = 0; i < n; i++) {
		struct dp_ro_endpoint *e = &o->ep[o->nep];
		struct dp_tlsa_set set;
		struct dp_err e2 = {0};

		if (v[i].unchecked)
			continue;
		o->nep++;
		dp_snprintf(e->name, sizeof(e->name), "%u:%s", v[i].port, v[i].host);
		if (dp_obs_tlsa(ctx, &v[i], &set, &e2) == 0 && set.l.sec == DP_SEC_SECURE &&
		    (set.l.rcode == 0 || set.l.rcode == 3)) {
			e->have_tlsa = true;
			e->tlsa_ttl = set.l.ttl;
			for (size_t k = 0; k < set.n && e->ntlsa < DP_RO_MAX; k++) {
				char h[65];

				hex(set.v[k].data, set.v[k].len, h, sizeof(h));
				dp_snprintf(e->tlsa[e->ntlsa++], sizeof(e->tlsa[0]), "%u %u %u %s",
					    set.v[k].usage, set.v[k].selector, set.v[k].mtype, h);
			}
		}
		for (size_t a = 0; v[i].resolved != NULL && a < v[i].resolved->naddrs; a++) {
			jobs[nj].ep = &v[i];
			jobs[nj].addr = &v[i].resolved->addrs[a];
			jobs[nj++].req = (struct dp_tls_req){.host = v[i].host,
							     .port = v[i].port,
							     .trust = tr,
							     .verify_at = ctx->opts->at,
							     .step_ms = dp_ctx_step_ms(ctx),
							     .deadline = ctx->deadline};
		}
	}
	dp_obs_tls_take(ctx, jobs, nj);
	for (size_t k = 0; k < nj; k++) {
		const struct dp_cert_info *c = &jobs[k].res.leaf;
		char name[300];
		struct dp_ro_endpoint *e = NULL;

		dp_snprintf(name, sizeof(name), "%u:%s", jobs[k].ep->port, jobs[k].ep->host);
		for (size_t i = 0; i < o->nep && e == NULL; i++)
			if (strcmp(o->ep[i].name, name) == 0)
				e = &o->ep[i];
		if (e != NULL && jobs[k].rc == 0 && c->present && c->spki_sha256[0] != '\0') {
			bool dup = false;

			for (size_t i = 0; i < e->nspki; i++)
				dup = dup || strcmp(e->spki[i], c->spki_sha256) == 0;
			if (!dup && e->nspki < DP_RO_MAX) {
				dp_strlcpy(e->spki512[e->nspki], c->spki_sha512,
					   sizeof(e->spki512[0]));
				dp_strlcpy(e->spki[e->nspki++], c->spki_sha256, sizeof(e->spki[0]));
			}
			e->have_spki = true;
		}
		dp_tls_res_clear(&jobs[k].res);
	}
out:
	free(jobs);
	free(v);
	return rc;
}

static const struct dp_metric m_since = {
    .name = "dnsprobe_rollover_set_since_timestamp_seconds",
    .help = "Since when this set (DNSKEY, DS, key tags signing, TLSA, served SPKIs) has been "
	    "unchanged, as far back as dnssec.rollover's kept history goes (Unix time).",
    .labels = {"set", "subject", NULL},
};

/* The since samples of this run's sets: the zone's four DNS sets (when they were had) and each
 * endpoint's TLSA RRset and served keys (when seen this run). */
static int
since_samples(struct dp_result *r, const struct dp_ctx *ctx, const struct dp_ro_obs *o)
{
	static const char *const dns[] = {"dnskey", "ds", "dnskey_signers", "soa_signers", NULL};
	const json_t *tls = json_object_get(ctx->state, "tls");
	int64_t t;

	for (size_t i = 0; o->have_dns && dns[i] != NULL; i++)
		if ((t = dp_ro_since(json_object_get(ctx->state, "dns"), dns[i])) > 0 &&
		    dp_result_sample(r, &m_since, (double)t, dns[i], ctx->disc->domain) != 0)
			return DP_ENOMEM;
	for (size_t i = 0; i < o->nep; i++) {
		const json_t *h = json_object_get(tls, o->ep[i].name);

		if (o->ep[i].have_tlsa &&
		    (t = dp_ro_since(json_object_get(h, "tlsa"), "tlsa")) > 0 &&
		    dp_result_sample(r, &m_since, (double)t, "tlsa", o->ep[i].name) != 0)
			return DP_ENOMEM;
		if (o->ep[i].have_spki &&
		    (t = dp_ro_since(json_object_get(h, "spki"), "spki")) > 0 &&
		    dp_result_sample(r, &m_since, (double)t, "spki", o->ep[i].name) != 0)
			return DP_ENOMEM;
	}
	return 0;
}

static json_t *
findings_json(const struct dp_ro_verdict *v)
{
	json_t *a = json_array();

	for (size_t i = 0; i < v->n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s}", "rule", v->v[i].rule,
						   "subject", v->v[i].subject, "status",
						   dp_status_str(v->v[i].status), "text",
						   v->v[i].text));
	return a;
}

static int
report(const struct dp_ctx *ctx, const struct dp_ro_obs *o, const struct dp_ro_verdict *v,
       struct dp_results *out)
{
	const char *dom = ctx->disc->domain;
	json_t *st = ctx->state;
	enum dp_status zs = DP_STATUS_OK;
	const struct dp_ro_finding *first = NULL;
	size_t nz = 0;
	struct dp_result *r;
	json_t *d;
	char sum[1024];

	for (size_t i = 0; i < v->n; i++) {
		const struct dp_ro_finding *f = &v->v[i];

		if (strcmp(f->subject, dom) != 0) {
			if (dp_results_add(out, ID, f->subject, f->status,
					   json_pack("{s:s}", "rule", f->rule), "%s", f->text) == NULL)
				return DP_ENOMEM;
			continue;
		}
		nz++;
		if (first == NULL || dp_status_rank(f->status) > dp_status_rank(first->status))
			first = f;
		zs = dp_status_worst(zs, f->status);
	}
	if (v->first)
		dp_snprintf(sum, sizeof(sum), "first observation; history starts now (%zu keys, "
			    "%zu DS, %zu endpoints recorded)", o->nkeys, o->nds, o->nep);
	else if (first != NULL && first->status != DP_STATUS_OK)
		dp_snprintf(sum, sizeof(sum), "%s%s", first->text,
			    nz > 1 ? " (and more in details)" : "");
	else
		dp_snprintf(sum, sizeof(sum), "no premature rollover step: %zu keys, %zu DS, %zu "
			    "endpoints followed over %zu DNS sets kept%s%s", o->nkeys, o->nds, o->nep,
			    json_array_size(json_object_get(st, "dns")), first ? "; note: " : "",
			    first ? first->text : "");
	if (!o->have_dns && !v->first)
		dp_snprintf(sum + strlen(sum), sizeof(sum) - strlen(sum),
			    "; the DNSKEY/DS RRsets could not be had this run (not recorded)");
	d = json_pack("{s:b, s:b, s:i, s:o, s:O*}", "first_observation", v->first, "dns_observed",
		      o->have_dns, "propagation_seconds", DP_RO_PROPAGATION, "findings",
		      findings_json(v), "history", json_object_get(st, "dns"));
	r = dp_results_add(out, ID, dom, zs, d, "%s", sum);
	return r == NULL ? DP_ENOMEM : since_samples(r, ctx, o);
}

static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	struct dp_ro_obs o = {.parent = ctx->disc->parent};
	struct dp_ro_verdict v = {0};
	int rc;

	if (ctx->state == NULL) {
		/* SPEC §2: the rules need memory; without it there is nothing to judge, and saying
		 * so is not a finding about the zone */
		return dp_results_add(out, ID, ctx->disc->domain, DP_STATUS_OK,
				      json_pack("{s:b}", "memory", false),
				      "not followed: no memory across runs (`check --state FILE`, or "
				      "the monitor's scheduled runs)") == NULL
			       ? dp_err_set(err, DP_ENOMEM, "out of memory")
			       : 0;
	}
	rc = observe_dns(ctx, &o, err);
	if (rc == 0)
		rc = observe_tls(ctx, &o, err);
	if (rc == 0)
		rc = dp_rollover_judge(ctx->state, ctx->disc->domain, &o, (int64_t)dp_now_wall(),
				       &v);
	if (rc == 0)
		rc = report(ctx, &o, &v, out);
	if (rc == DP_ENOMEM)
		dp_err_set(err, rc, "out of memory");
	free(o.ep);
	dp_ro_verdict_clear(&v);
	dp_tls_thread_done();
	return rc;
}

const struct dp_probe dp_probe_dnssec_rollover = {
    .id = ID,
    .title = "rollovers followed over time",
    .needs = DP_NEED_NS_ADDRS | DP_NEED_PARENT | DP_NEED_MX_HOSTS | DP_NEED_ENDPOINTS | DP_NEED_TLS,
    .timeout_ms = 30000,
    .metrics = (const struct dp_metric *const[]){&m_since, NULL},
    .run = run,
};
