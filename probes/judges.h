/* Checks as judges: the verdict logic of a check over recorded observations, with no network,
 * so that unit tests can feed it surveys and sessions (test/unit/test_judges.c). */
#pragma once

#include "dnsprobe/probe.h"
#include "survey/endpoints.h"
#include "survey/nssurvey.h"

/* ns.soa_serial over a survey: per server and one zone result (reads ctx->opts, ctx->disc,
 * ctx->state). Returns 0 or DP_ENOMEM. */
int dp_judge_ns_soa_serial(const struct dp_ctx *ctx, const struct dp_nssurvey *sv,
			   struct dp_results *out) DP_WUR;
/* ns.delegation over the discovery's NS sets and glue and a survey. */
int dp_judge_ns_delegation(const struct dp_ctx *ctx, const struct dp_nssurvey *sv,
			   struct dp_results *out) DP_WUR;

/* What a run observed of one TLS endpoint (survey/obs.h), as the TLS judges read it. Nothing
 * here is owned: it points into the store, the probe's copies or a test's own data. */
struct dp_tls_ep_obs {
	/* The TLSA RRset (dane.tlsa): the lookup's own code (tlsa_err says why), and the set. */
	int tlsa_rc;
	struct dp_err tlsa_err;
	struct dp_tlsa_set tlsa;
	/* One TLS session per address of the endpoint's host, in its order: sessions[a] is the
	 * session with resolved->addrs[a] (its addr, rc, err and res are read). An address at or past
	 * nsessions had no session observed: UNKNOWN, never a finding. */
	const struct dp_tls_job *sessions;
	size_t nsessions;
};

/* The TLS observations of one run: the endpoint list (as dp_obs_endpoints gives it, unchecked
 * entries included) and seen[i], what was observed of ep[i]. */
struct dp_tls_obs {
	const struct dp_tls_endpoint *ep;
	const struct dp_tls_ep_obs *seen;
	size_t n;
};

/* dane.tlsa over the TLSA RRsets and sessions: per endpoint × address, or per endpoint when
 * there is nothing to connect to (reads ctx->opts: at, cert_warn; ctx->disc: domain, apex_sec,
 * the MX lookup). The sessions must have been made with SNI = the TLSA base domain
 * (tlsa.base) and the TLSA RRset when it is usable (RFC 7671 §7). Returns 0 or DP_ENOMEM. */
int dp_judge_dane_tlsa(const struct dp_ctx *ctx, const struct dp_tls_obs *obs,
                       struct dp_results *out) DP_WUR;
/* tls.cert over the sessions (SNI and PKIX name = the endpoint's host; the TLSA fields are not
 * read): per endpoint × address, PKIX validity and expiry as of ctx->opts->at (0: now) against
 * cert_warn and cert_crit. Returns 0 or DP_ENOMEM. */
int dp_judge_tls_cert(const struct dp_ctx *ctx, const struct dp_tls_obs *obs,
                      struct dp_results *out) DP_WUR;
