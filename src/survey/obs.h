/* The observations of one run, made once and read by every check that needs them: the
 * nameserver survey, the TLS endpoint list, each endpoint's TLSA RRset and one TLS session per
 * endpoint × address (chain, OpenSSL's DANE verdict, PKIX verdict, expiry), one trust store.
 * Each is computed once in its own thread as soon as its inputs exist, under its own deadline,
 * and then shared read-only; readers block until it is ready or their own deadline passes. */
#pragma once

#include "dnsprobe/probe.h"
#include "survey/endpoints.h"
#include "survey/nssurvey.h"

/* What the engine asks to be observed eagerly (the rest starts on first read). */
enum dp_obs_kind {
	DP_OBS_SURVEY = 1u << 0, /* the nameserver survey */
	DP_OBS_TLS = 1u << 1,	 /* endpoints, TLSA RRsets, TLS sessions, the trust store */
};

struct dp_obs; /* refcounted; threads that observe hold a reference */

/* A new store for one run. It takes ownership of disc (freed with the last reference; it may
 * still be being filled by dp_discovery_fill: DP_OBS_TLS may be started from its mail_ready,
 * and reads only the mail fields that are final by then) and copies opts; the resolvers and the trust cache (NULL: a trust store made for this run) must
 * outlive every thread it starts: on_thread(arg, +1) is called
 * before a thread starts and on_thread(arg, -1) as the last thing it does. An observation's
 * deadline is min(now + its budget, deadline). */
int dp_obs_new(const struct dp_check_opts *opts, struct dp_discovery *disc,
	       struct dp_resolver *resolver, struct dp_resolver *resolver_at,
	       struct dp_tls_trust_cache *trust, double deadline,
	       void (*on_thread)(void *arg, int delta), void *arg, struct dp_obs **out,
	       struct dp_err *err) DP_WUR;
/* The discovery the store owns (read-only for everyone). */
const struct dp_discovery *dp_obs_disc(const struct dp_obs *o);
/* Start the observations of kinds (enum dp_obs_kind bits) now, each in its own thread. */
void dp_obs_start(struct dp_obs *o, unsigned kinds);
/* The run will read nothing (its discovery failed, the name does not exist): no endpoint or
 * session starts from now on; those under way end by their own deadlines. NULL: nothing. */
void dp_obs_cancel(struct dp_obs *o);
void dp_obs_unref(struct dp_obs *o);

/* ---- Reading (probes): each waits until ready or ctx->deadline ---- */

/* The survey (owned by the store). */
int dp_obs_survey(const struct dp_ctx *ctx, const struct dp_nssurvey **out,
		  struct dp_err *err) DP_WUR;
/* The trust store (system roots + --ca-file), loaded once per run (owned by the store). */
int dp_obs_trust(const struct dp_ctx *ctx, const struct dp_tls_trust **out,
		 struct dp_err *err) DP_WUR;
/* The endpoint list, as dp_tls_endpoints gives it: *out is a copy owned by the caller (free()),
 * its strings and hosts point into the store. */
int dp_obs_endpoints(const struct dp_ctx *ctx, struct dp_tls_endpoint **out, size_t *n,
		     struct dp_err *err) DP_WUR;
/* The TLSA RRset of endpoint e (one from dp_obs_endpoints): a shallow copy into *out that
 * points into the store — never dp_tlsa_set_clear it. Returns the fetch's own code. */
int dp_obs_tlsa(const struct dp_ctx *ctx, const struct dp_tls_endpoint *e,
		struct dp_tlsa_set *out, struct dp_err *err) DP_WUR;
/* Fill each job's rc, err and res (a deep copy: dp_tls_res_clear it) from the store's session
 * for (req.port, req.host, addr); a session the store does not have is made here from the
 * job's own req. A session not ready by ctx->deadline gives rc DP_ETIMEOUT. */
void dp_obs_tls_take(const struct dp_ctx *ctx, struct dp_tls_job *jobs, size_t n);
