/* tls.cert: per endpoint and address, the certificate presented is PKIX-valid for the host name
 * (system roots + --ca-file, RFC 5280 and RFC 6125 via OpenSSL) and far enough from its notAfter
 * (--cert-warn, --cert-crit, as of --at). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "survey/endpoints.h"
#include "survey/obs.h"
#include "dnsprobe/probe.h"
#include "probes/causes.h"
#include "probes/judges.h"

#define ID      "tls.cert"
#define SUBJ    320
#define SUMMARY 1024

/* The time certificates are judged at: --at, else now. */
static int64_t
judge_time(const struct dp_ctx *ctx)
{
	return ctx->opts->at != 0 ? ctx->opts->at : (int64_t)dp_now_wall();
}

/* "expires in 4d23h (2026-…Z)", "expired 1d ago (…)" into buf. */
static void
expiry_phrase(const struct dp_cert_info *ci, int64_t at, enum dp_cert_expiry e, char *buf,
              size_t bufsz)
{
	char when[32];
	char left[32];

	dp_time_rfc3339(ci->not_after, when, sizeof(when));
	if (e == DP_CERT_NOT_YET) {
		dp_time_rfc3339(ci->not_before, when, sizeof(when));
		dp_snprintf(buf, bufsz, "not valid before %s", when);
	} else if (e == DP_CERT_EXPIRED) {
		dp_duration_format(at - ci->not_after, left, sizeof(left));
		dp_snprintf(buf, bufsz, "expired %s ago (%s)", left, when);
	} else {
		dp_duration_format(ci->not_after - at, left, sizeof(left));
		dp_snprintf(buf, bufsz, "expires in %s (%s)", left, when);
	}
}

static enum dp_status
verdict(const struct dp_ctx *ctx, const struct dp_tls_job *j, char *sum, size_t sumsz)
{
	const struct dp_check_opts *o = ctx->opts;
	const struct dp_tls_res *r = &j->res;
	int64_t at = judge_time(ctx);
	enum dp_cert_expiry e;
	enum dp_status st;
	char subj[SUBJ];
	char exp[128];
	char thr[32];

	dp_tls_endpoint_name(j->ep, j->addr, subj, sizeof(subj));
	if (j->rc != 0) {
		dp_snprintf(sum, sumsz, "%s: could not check: %s", subj, j->err.msg);
		return DP_STATUS_UNKNOWN;
	}
	if (r->no_route) {
		/* SPEC §1: an address this host has no route to is not checked, never "down". */
		dp_snprintf(sum, sumsz, "%s: not checked from here: %s", subj, r->error);
		return DP_STATUS_UNKNOWN;
	}
	if (r->step != DP_TLS_STEP_DONE && r->cut) {
		dp_snprintf(sum, sumsz, "%s: " DP_BUDGET_EXHAUSTED " (%s at the -t deadline)", subj,
		            r->error);
		return DP_STATUS_UNKNOWN;
	}
	if (r->step != DP_TLS_STEP_DONE || !r->leaf.present) {
		dp_snprintf(sum, sumsz, "%s: no certificate: %s", subj,
		            r->error[0] ? r->error : r->pkix_error);
		return DP_STATUS_CRITICAL;
	}
	e = dp_cert_expiry_judge(r->leaf.not_before, r->leaf.not_after, at, o->cert_warn,
	                         o->cert_crit);
	st = dp_cert_expiry_status(e);
	expiry_phrase(&r->leaf, at, e, exp, sizeof(exp));
	if (e == DP_CERT_EXPIRING || e == DP_CERT_CRITICAL)
		dp_duration_format(e == DP_CERT_EXPIRING ? o->cert_warn : o->cert_crit, thr,
		                   sizeof(thr));
	if (!r->pkix_valid) {
		dp_snprintf(sum, sumsz, "%s: certificate not PKIX-valid for %s: %s; it %s%s", subj,
		            j->ep->host, r->pkix_error, exp, o->at != 0 ? " as of --at" : "");
		return DP_STATUS_CRITICAL;
	}
	if (st != DP_STATUS_OK)
		dp_snprintf(sum, sumsz, "%s: certificate %s%s%s%s%s", subj, exp,
		            o->at != 0 ? " as of --at" : "",
		            e == DP_CERT_EXPIRING ? ", within --cert-warn " : "",
		            e == DP_CERT_CRITICAL ? ", within --cert-crit " : "",
		            e == DP_CERT_EXPIRING || e == DP_CERT_CRITICAL ? thr : "");
	else
		dp_snprintf(sum, sumsz, "%s: certificate PKIX-valid for %s, %s%s", subj,
		            j->ep->host, exp, o->at != 0 ? " as of --at" : "");
	return st;
}

/* No domain label (SPEC §5): one series per (endpoint, address) even when several domains
 * share a mail server. */
static const struct dp_metric m_expiry = {
    .name = "dnsprobe_tls_cert_expiry_timestamp_seconds",
    .help = "Certificate notAfter at this endpoint and address (Unix time).",
    .labels = {"endpoint", "address", NULL},
    .shared = true,
};

static int
address_result(const struct dp_ctx *ctx, const struct dp_tls_job *j, struct dp_results *out)
{
	struct dp_result *res;
	const struct dp_tls_res *r = &j->res;
	bool have = j->rc == 0 && r->step == DP_TLS_STEP_DONE && r->leaf.present;
	int64_t at = judge_time(ctx);
	char subj[SUBJ];
	char ep[SUBJ];
	char sum[SUMMARY];
	enum dp_status st = verdict(ctx, j, sum, sizeof(sum));
	json_t *d;

	d = json_pack("{s:s, s:s, s:b, s:o}", "endpoint",
	              dp_tls_endpoint_name(j->ep, NULL, ep, sizeof(ep)), "address", j->addr->text,
	              "pkix_valid", have && r->pkix_valid, "connection", dp_tls_conn_json(r));
	if (d == NULL)
		return DP_ENOMEM;
	if (!have || !r->pkix_valid)
		json_object_set_new(d, "pkix_error",
		                    json_string(have
		                                    ? r->pkix_error
		                                    : (r->error[0] ? r->error : "no certificate")));
	if (have) {
		json_object_set_new(d, "not_after", json_integer(r->leaf.not_after));
		json_object_set_new(d, "not_before", json_integer(r->leaf.not_before));
		json_object_set_new(d, "remaining_seconds", json_integer(r->leaf.not_after - at));
		/* Nagios perfdata takes the minimum over results. */
		json_object_set_new(d, "cert_min_remaining", json_integer(r->leaf.not_after - at));
		json_object_set_new(d, "expiry",
		                    json_string(dp_cert_expiry_str(dp_cert_expiry_judge(
		                        r->leaf.not_before, r->leaf.not_after, at,
		                        ctx->opts->cert_warn, ctx->opts->cert_crit))));
		json_object_set_new(d, "certificate", dp_cert_info_json(&r->leaf));
	}
	res = dp_results_add(out, ID, dp_tls_endpoint_name(j->ep, j->addr, subj, sizeof(subj)), st,
	                     d, "%s", sum);
	if (res == NULL)
		return DP_ENOMEM;
	/* Exported even when expired or unverified: that is when it matters. */
	return have ? dp_result_sample(res, &m_expiry, (double)r->leaf.not_after,
	                               dp_tls_endpoint_name(j->ep, NULL, ep, sizeof(ep)),
	                               j->addr->text)
	            : 0;
}

static int
no_address_result(const struct dp_tls_endpoint *e, struct dp_results *out)
{
	char subj[SUBJ];
	const char *why = e->resolved != NULL && e->resolved->error != NULL
	                      ? e->resolved->error
	                      : "the host has no address";

	dp_tls_endpoint_name(e, NULL, subj, sizeof(subj));
	return dp_results_add(out, ID, subj, DP_STATUS_CRITICAL,
	                      json_pack("{s:s, s:b}", "endpoint", subj, "pkix_valid", 0), "%s: %s",
	                      subj, why) != NULL
	           ? 0
	           : DP_ENOMEM;
}

static size_t
naddrs(const struct dp_tls_endpoint *e)
{
	return e->resolved != NULL ? e->resolved->naddrs : 0;
}

int
dp_judge_tls_cert(const struct dp_ctx *ctx, const struct dp_tls_obs *obs, struct dp_results *out)
{
	int rc = dp_tls_endpoints_unchecked(ctx, ID, DP_CAUSE_CHAIN_ID, obs->ep, obs->n, out);

	for (size_t i = 0; rc == 0 && i < obs->n; i++) {
		const struct dp_tls_endpoint *e = &obs->ep[i];
		const struct dp_tls_ep_obs *s = &obs->seen[i];

		/* a failed address lookup is reported by dp_tls_endpoints_unchecked */
		if (naddrs(e) == 0 && !e->unchecked && !dp_host_lookup_failed(e->resolved))
			rc = no_address_result(e, out);
		for (size_t a = 0; rc == 0 && a < naddrs(e); a++) {
			struct dp_tls_job none = {.ep = e, .addr = &e->resolved->addrs[a]};

			if (a < s->nsessions) {
				rc = address_result(ctx, &s->sessions[a], out);
				continue;
			}
			none.rc =
			    dp_err_set(&none.err, DP_ENOTFOUND, "no TLS session was observed");
			rc = address_result(ctx, &none, out);
		}
	}
	return rc;
}

/* The observations this check reads — the trust store, the endpoints and one session per
 * endpoint × address (the run's, shared with dane.tlsa and mta_sts.policy) — then the judge. */
static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	struct dp_tls_endpoint *v = NULL;
	const struct dp_tls_trust *tr = NULL;
	struct dp_tls_ep_obs *seen = NULL;
	struct dp_tls_job *jobs = NULL;
	size_t n = 0;
	size_t nj = 0;
	int rc = dp_obs_trust(ctx, &tr, err);

	if (rc == 0)
		rc = dp_obs_endpoints(ctx, &v, &n, err);
	if (rc != 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		nj += naddrs(&v[i]);
	seen = calloc(n + 1, sizeof(*seen));
	jobs = calloc(nj + 1, sizeof(*jobs));
	if (seen == NULL || jobs == NULL) {
		nj = 0;
		rc = dp_err_set(err, DP_ENOMEM, "out of memory");
		goto out;
	}
	nj = 0;
	for (size_t i = 0; i < n; i++) {
		seen[i].sessions = &jobs[nj];
		seen[i].nsessions = naddrs(&v[i]);
		for (size_t a = 0; a < naddrs(&v[i]); a++) {
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
	dp_obs_tls_take(ctx, jobs, nj); /* the run's sessions, shared with dane.tlsa */
	rc = dp_judge_tls_cert(ctx, &(struct dp_tls_obs){.ep = v, .seen = seen, .n = n}, out);
	if (rc != 0)
		rc = dp_err_set(err, rc, "out of memory");
out:
	for (size_t i = 0; i < nj; i++)
		dp_tls_res_clear(&jobs[i].res);
	free(jobs);
	free(seen);
	free(v);
	dp_tls_thread_done();
	return rc;
}

const struct dp_probe dp_probe_tls_cert = {
    .id = ID,
    .title = "TLS certificates",
    .needs = DP_NEED_MX_HOSTS | DP_NEED_ENDPOINTS | DP_NEED_TLS,
    .timeout_ms = 30000,
    .metrics = (const struct dp_metric *const[]){&m_expiry, NULL},
    .run = run,
};
