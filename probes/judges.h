/* Checks as judges: the verdict logic of a check over recorded observations, with no network,
 * so that unit tests can feed it surveys and sessions (test/unit/test_judges.c). */
#pragma once

#include "dnsprobe/probe.h"
#include "survey/nssurvey.h"

/* ns.soa_serial over a survey: per server and one zone result (reads ctx->opts, ctx->disc,
 * ctx->state). Returns 0 or DP_ENOMEM. */
int dp_judge_ns_soa_serial(const struct dp_ctx *ctx, const struct dp_nssurvey *sv,
			   struct dp_results *out) DP_WUR;
/* ns.delegation over the discovery's NS sets and glue and a survey. */
int dp_judge_ns_delegation(const struct dp_ctx *ctx, const struct dp_nssurvey *sv,
			   struct dp_results *out) DP_WUR;
