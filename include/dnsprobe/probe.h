/* The engine↔probe contract: a check is one `const struct dp_probe` in probes/, listed once in
 * probes/registry.c. Probes read the context and append results; they keep no globals. */
#pragma once

#include <string.h>

#include <jansson.h>

#include "dnsprobe/common.h"
#include "dnsprobe/discovery.h"
#include "dns/dns.h"
#include "dnsprobe/result.h"

/* What a probe needs discovery to fetch (the engine fetches the union over selected probes). */
enum dp_need {
	DP_NEED_APEX = 1u << 0,	     /* apex SOA security */
	DP_NEED_NS_ADDRS = 1u << 1,  /* NS names (parent ∪ child) with their addresses */
	DP_NEED_PARENT = 1u << 2,    /* the parent zone, its servers, its NS set and glue */
	DP_NEED_MX_HOSTS = 1u << 3,  /* MX hosts with their addresses */
	DP_NEED_ENDPOINTS = 1u << 4, /* TLS endpoints (25 on each MX + configured) resolved */
	/* Observations the engine starts eagerly for the probe (see struct dp_obs). */
	DP_NEED_SURVEY = 1u << 5, /* the nameserver survey */
	DP_NEED_TLS = 1u << 6,	  /* TLSA RRsets and one TLS session per endpoint × address */
};

/* The run's observations, made once and shared by every check (src/survey/obs.h). */
struct dp_obs;

/* A TLS endpoint given with --tlsa PORT:HOST or in the config. */
struct dp_endpoint_spec {
	uint16_t port;
	char host[256];
};

/* Settings of one domain's run: command-line options or config file, merged. */
struct dp_check_opts {
	char domain[256];
	const char *trust_anchor;
	const char *root_hints;
	const char *ca_file;
	int64_t rrsig_warn; /* seconds */
	int64_t rrsig_crit;
	int64_t cert_warn;
	int64_t cert_crit;
	int64_t serial_lag_warn; /* RFC 1982 distance; 0: any disagreement warns */
	int64_t serial_lag_crit; /* -1: off */
	int64_t serial_grace;	 /* monitor: seconds a disagreement may last; -1: SOA refresh */
	int64_t cds_grace;	 /* seconds a CDS may wait for the parent (0: warn at once) */
	int64_t at;		 /* --at: validate as of this time (epoch seconds); 0: now */
	int timeout_s;		 /* overall budget */
	double started;		 /* dp_now_mono() when the budget began (`check`: the process's start,
				  * so that -t bounds the process); 0: when the run starts */
	int step_timeout_ms;	 /* each network step */
	struct dp_endpoint_spec *tlsa; /* extra DANE endpoints */
	size_t ntlsa;
	char **resolvers; /* --resolver addresses */
	size_t nresolvers;
	char **expected_ns; /* config: expected NS names */
	size_t nexpected_ns;
	unsigned ip_families; /* DP_IPV4 | DP_IPV6 (-4/-6, config ip_families); 0 means both */
	bool unsigned_ok;  /* the domain is configured as unsigned */
	bool caa_required; /* missing CAA → WARNING */
	bool monitor;	   /* running in the monitor (enables cross-run state) */
};

/* What a probe's run gets. Everything is read-only except state. */
struct dp_ctx {
	const struct dp_check_opts *opts;
	struct dp_resolver *resolver;	 /* validates as of now */
	struct dp_resolver *resolver_at; /* validates as of opts->at; NULL without --at */
	const struct dp_discovery *disc;
	struct dp_obs *obs; /* the run's observation store; probes read it through survey/obs.h */
	double deadline; /* dp_now_mono() value after which the probe must stop and report */
	/* Monitor only (NULL in `check`): this probe's own JSON object kept from run to run of
	 * this domain, for state such as "since when" or an MTA-STS body hash per policy id. */
	json_t *state;
};

/* Milliseconds left before ctx->deadline, at least 1 and at most step_timeout_ms. Part of the
 * contract (static inline) so that the layers below the engine can keep a probe's deadline. */
static inline int
dp_ctx_step_ms(const struct dp_ctx *ctx)
{
	double left = (ctx->deadline - dp_now_mono()) * 1000.0;
	int step = ctx->opts->step_timeout_ms > 0 ? ctx->opts->step_timeout_ms : 5000;

	if (left < 1)
		return 1;
	return left < step ? (int)left : step;
}

/* True once the deadline has passed. */
static inline bool
dp_ctx_expired(const struct dp_ctx *ctx)
{
	return dp_now_mono() >= ctx->deadline;
}

/* SPEC §1: what the -t budget left undone is UNKNOWN with this summary phrase, never a finding
 * about a server. */
#define DP_BUDGET_EXHAUSTED "not checked: budget exhausted"
/* Margin under which the deadline counts as reached: poll() and getdns wake a little early. */
#define DP_CUT_SLACK 0.05

/* True when the deadline is (all but) reached: a step that timed out just now was cut short by
 * the budget rather than by its own step timeout, and proves nothing about the server. Static
 * inline, like the other deadline helpers, so that the layers below the engine can use it. */
static inline bool
dp_ctx_cut(const struct dp_ctx *ctx)
{
	return dp_now_mono() >= ctx->deadline - DP_CUT_SLACK;
}

/* Right after a batch of queries: when dp_ctx_cut, every reply of rep[0..n) that did not come
 * gets DP_BUDGET_EXHAUSTED as its error (not one never sent for want of a route: that stays
 * "not checked from here"). Returns how many were marked. */
static inline size_t
dp_ctx_mark_cut(const struct dp_ctx *ctx, struct dp_reply *rep, size_t n)
{
	size_t k = 0;

	if (!dp_ctx_cut(ctx))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (rep[i].answered || rep[i].no_route)
			continue;
		(void)dp_strlcpy(rep[i].error, DP_BUDGET_EXHAUSTED, sizeof(rep[i].error));
		k++;
	}
	return k;
}

/* Is this an answer that was never had because the budget ran out (marked as above)? */
static inline bool
dp_reply_cut(const struct dp_reply *r)
{
	return !r->answered && strcmp(r->error, DP_BUDGET_EXHAUSTED) == 0;
}

struct dp_probe {
	const char *id;	   /* SPEC §2 check id */
	const char *title; /* a few words for the text report and the status page */
	unsigned needs;	   /* enum dp_need bits */
	int timeout_ms;	   /* this check's own budget (capped by the overall one) */
	bool judges_apex;  /* reports a domain that does not exist or is not a zone apex (one) */
	/* The gauges its results carry samples of (dp_result_sample), NULL-terminated; NULL for
	 * none. The exposition has one family per declaration, in registry order. */
	const struct dp_metric *const *metrics;
	/* Append results to out. Return 0, or a DP_E* code with err set when no verdict could be
	 * reached at all (the engine then adds one UNKNOWN result carrying err's message). */
	int (*run)(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err);
};

/* The registry: NULL-terminated, in report order. */
extern const struct dp_probe *const dp_probes[];
const struct dp_probe *dp_probe_find(const char *id);
