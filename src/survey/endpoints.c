/* The TLS endpoints of a run, their TLSA RRsets, and concurrent connections to each address. */
#include "config.h"

#include "survey/endpoints.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parallel.h"

/* Connections made at once, at most. */
#define TLS_PARALLEL 16

static bool
have(const struct dp_tls_endpoint *v, size_t n, uint16_t port, const char *host)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].port == port && strcmp(v[i].host, host) == 0)
			return true;
	}
	return false;
}

/* Does _PORT._tcp.HOST have a TLSA RRset? (Any answer with data counts.) */
static bool
tlsa_exists(struct dp_resolver *r, uint16_t port, const char *host)
{
	struct dp_lookup l = {0};
	struct dp_err err;
	char name[300];
	bool yes;

	if (!dp_snprintf(name, sizeof(name), "_%u._tcp.%s", port, host) ||
	    dp_resolver_lookup(r, name, DP_RR_TLSA, &l, &err) != 0)
		return false;
	yes = l.havedata;
	dp_lookup_clear(&l);
	return yes;
}

int
dp_tls_endpoints(const struct dp_ctx *ctx, struct dp_tls_endpoint **out, size_t *n,
                 struct dp_err *err)
{
	static const uint16_t extra_ports[] = {465, 587};
	const struct dp_discovery *d = ctx->disc;
	size_t cap = d->nendpoints + 2 * d->nmx + 1;
	struct dp_tls_endpoint *v = calloc(cap, sizeof(*v));
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (v == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	for (size_t i = 0; i < d->nendpoints; i++) {
		const struct dp_endpoint *e = &d->endpoints[i];

		v[k++] = (struct dp_tls_endpoint){.port = e->port,
		                                  .host = e->host,
		                                  .from_mx = e->from_mx,
		                                  .configured = !e->from_mx,
		                                  .resolved = e->resolved};
	}
	for (size_t i = 0; i < d->nmx; i++) {
		if (dp_ctx_expired(ctx)) {
			v[k++] = (struct dp_tls_endpoint){
			    .host = d->mx[i].host.name, .from_mx = true, .unchecked = true};
			continue;
		}
		for (size_t p = 0; p < 2; p++) {
			const char *h = d->mx[i].host.name;

			if (have(v, k, extra_ports[p], h) ||
			    !tlsa_exists(ctx->resolver, extra_ports[p], h))
				continue;
			v[k++] = (struct dp_tls_endpoint){.port = extra_ports[p],
			                                  .host = h,
			                                  .from_mx = true,
			                                  .resolved = &d->mx[i].host};
		}
	}
	*out = v;
	*n = k;
	return 0;
}

bool
dp_host_lookup_failed(const struct dp_host *h)
{
	return h != NULL && (h->failed_a || h->failed_aaaa);
}

/* One UNKNOWN result that follows from a failed lookup: the result of check cause_id about the
 * domain (dnssec.chain's apex result) is its cause when that result fails too. */
static int
lookup_unknown(const struct dp_ctx *ctx, const char *id, const char *cause_id, const char *subj,
               const char *sum, struct dp_results *out)
{
	struct dp_result *r = dp_results_add(out, id, subj, DP_STATUS_UNKNOWN, NULL, "%s", sum);

	if (r == NULL)
		return DP_ENOMEM;
	return cause_id != NULL ? dp_result_set_cause(r, cause_id, ctx->disc->domain) : 0;
}

int
dp_tls_endpoints_unchecked(const struct dp_ctx *ctx, const char *id, const char *cause_id,
                           const struct dp_tls_endpoint *v, size_t n, struct dp_results *out)
{
	const struct dp_discovery *d = ctx->disc;
	char subj[300], sum[768];
	int rc = 0;

	if (d->mx_failed) {
		dp_snprintf(subj, sizeof(subj), "MX of %s", d->domain);
		dp_snprintf(sum, sizeof(sum),
		            "%s: not checked: the MX lookup failed (%s), so which hosts take the "
		            "mail of %s is unknown",
		            subj, d->mx_error != NULL ? d->mx_error : "no answer", d->domain);
		rc = lookup_unknown(ctx, id, cause_id, subj, sum, out);
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct dp_host *h = v[i].resolved;

		if (v[i].unchecked) {
			dp_snprintf(subj, sizeof(subj), "465,587:%s", v[i].host);
			if (dp_results_add(out, id, subj, DP_STATUS_UNKNOWN, NULL,
			                   "%s: " DP_BUDGET_EXHAUSTED " (whether ports 465 and 587 of "
			                   "MX %s have TLSA records was not looked up)",
			                   subj, v[i].host) == NULL)
				rc = DP_ENOMEM;
			continue;
		}
		for (int f = 0; rc == 0 && h != NULL && f < 2; f++) {
			if (!(f == 0 ? h->failed_a : h->failed_aaaa))
				continue;
			dp_snprintf(subj, sizeof(subj), "%u:%s/%s", v[i].port, v[i].host,
			            f == 0 ? "IPv4" : "IPv6");
			dp_snprintf(sum, sizeof(sum),
			            "%s: not checked: the address lookup failed (%s): the host's %s "
			            "addresses are unknown",
			            subj, h->error != NULL ? h->error : "no answer",
			            f == 0 ? "IPv4" : "IPv6");
			rc = lookup_unknown(ctx, id, cause_id, subj, sum, out);
		}
	}
	return rc;
}

char *
dp_tls_endpoint_name(const struct dp_tls_endpoint *e, const struct dp_addr *addr, char *buf,
                     size_t bufsz)
{
	if (addr != NULL)
		(void)dp_snprintf(buf, bufsz, "%u:%s/%s", e->port, e->host, addr->text);
	else
		(void)dp_snprintf(buf, bufsz, "%u:%s", e->port, e->host);
	return buf;
}

/* The host's CNAME target into buf when every link of the expansion validated (RFC 7671 §7:
 * "secure" expansion), else "". Asks A, and AAAA when A has no data; answers are cached. */
static int
secure_cname(struct dp_resolver *r, const char *host, char *buf, size_t bufsz, struct dp_err *err)
{
	static const uint16_t types[2] = {DP_RR_A, DP_RR_AAAA};

	buf[0] = '\0';
	for (size_t t = 0; t < 2; t++) {
		struct dp_lookup l = {0};
		int rc = dp_resolver_lookup(r, host, types[t], &l, err);

		if (rc != 0)
			return rc;
		if (l.canonname != NULL && l.sec == DP_SEC_SECURE)
			dp_strlcpy(buf, l.canonname, bufsz);
		rc = l.havedata || l.canonname != NULL;
		dp_lookup_clear(&l);
		if (rc)
			break;
	}
	return 0;
}

static int
fetch_at(struct dp_resolver *r, const struct dp_tls_endpoint *e, const char *base,
         struct dp_tlsa_set *out, struct dp_err *err)
{
	dp_lookup_clear(&out->l);
	dp_strlcpy(out->base, base, sizeof(out->base));
	/* RFC 6698 §3: the TLSA owner name is _PORT._tcp.BASE. */
	(void)dp_snprintf(out->name, sizeof(out->name), "_%u._tcp.%s", e->port, base);
	return dp_resolver_lookup(r, out->name, DP_RR_TLSA, &out->l, err);
}

int
dp_tlsa_set_fetch(struct dp_resolver *r, const struct dp_tls_endpoint *e, struct dp_tlsa_set *out,
                  struct dp_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = secure_cname(r, e->host, out->cname, sizeof(out->cname), err);
	if (rc != 0)
		return rc;
	/* RFC 7671 §7 / RFC 7672 §2.2.2: with a secure CNAME, the fully expanded name is the
	 * first TLSA base domain; when nothing is published there, the original name is. */
	if (out->cname[0] != '\0') {
		rc = fetch_at(r, e, out->cname, out, err);
		if (rc != 0)
			return rc;
	}
	if (out->cname[0] == '\0' || (!out->l.havedata && out->l.sec != DP_SEC_BOGUS))
		rc = fetch_at(r, e, e->host, out, err);
	if (rc != 0 || out->l.nrdata == 0)
		return rc;
	out->v = calloc(out->l.nrdata, sizeof(*out->v));
	if (out->v == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	for (size_t i = 0; i < out->l.nrdata; i++) {
		struct dp_err perr;

		if (dp_tlsa_parse(out->l.rdata[i], out->l.rdlen[i], &out->v[out->n], &perr) == 0)
			out->n++;
		else
			out->malformed++;
	}
	return 0;
}

void
dp_tlsa_set_clear(struct dp_tlsa_set *s)
{
	if (s == NULL)
		return;
	dp_lookup_clear(&s->l);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static void
probe_job(void *arg, size_t i)
{
	struct dp_tls_job *j = (struct dp_tls_job *)arg + i;

	j->req.addr = j->addr;
	j->rc = dp_tls_probe(&j->req, &j->res, &j->err);
}

void
dp_tls_probe_many(struct dp_tls_job *jobs, size_t n)
{
	dp_parallel_for(n, TLS_PARALLEL, probe_job, jobs);
}

json_t *
dp_cert_info_json(const struct dp_cert_info *ci)
{
	char nb[32];
	char na[32];

	if (!ci->present)
		return json_null();
	dp_time_rfc3339(ci->not_before, nb, sizeof(nb));
	dp_time_rfc3339(ci->not_after, na, sizeof(na));
	return json_pack("{s:s, s:s, s:I, s:s, s:I, s:s, s:s, s:s?, s:s?, s:O?, s:i}", "subject",
	                 ci->subject, "issuer", ci->issuer, "not_before",
	                 (json_int_t)ci->not_before, "not_before_time", nb, "not_after",
	                 (json_int_t)ci->not_after, "not_after_time", na, "spki_sha256",
	                 ci->spki_sha256, "spki_sha512", ci->spki_sha512[0] ? ci->spki_sha512 : NULL,
	                 "issuer_spki_sha256",
	                 ci->issuer_spki_sha256[0] ? ci->issuer_spki_sha256 : NULL, "sans",
	                 ci->sans, "chain_length", ci->chain_len);
}

json_t *
dp_tls_conn_json(const struct dp_tls_res *r)
{
	json_t *o = json_pack("{s:s, s:b, s:f}", "step", dp_tls_step_str(r->step), "timed_out",
	                      r->timed_out, "connect_seconds", r->connect_seconds);

	if (o == NULL)
		return NULL;
	if (r->error[0] != '\0')
		json_object_set_new(o, "error", json_string(r->error));
	if (r->greeting[0] != '\0') { /* SMTP */
		json_object_set_new(o, "greeting", json_string(r->greeting));
		if (r->step >= DP_TLS_STEP_EHLO)
			json_object_set_new(o, "starttls_offered",
			                    json_boolean(r->starttls_offered));
	}
	if (r->step == DP_TLS_STEP_DONE) {
		json_object_set_new(o, "handshake_seconds", json_real(r->handshake_seconds));
		json_object_set_new(o, "total_seconds", json_real(r->total_seconds));
		json_object_set_new(o, "protocol", json_string(r->protocol));
		json_object_set_new(o, "cipher", json_string(r->cipher));
	}
	return o;
}
