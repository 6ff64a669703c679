/* Causes shared by the checks (SPEC §2 `cause`): which result a finding follows from. */
#pragma once

#include <string.h>

#include "dnsprobe/probe.h"

/* dnssec.chain's result about the apex: the root cause of everything an unsigned (insecure)
 * zone makes fail further down. */
#define DP_CAUSE_CHAIN_ID "dnssec.chain"

/* Is name the domain itself or below it (so in its zone unless delegated away)? */
static inline bool
dp_cause_in_domain(const char *domain, const char *name)
{
	size_t n = strlen(name);
	size_t d = strlen(domain);

	if (n == d)
		return strcmp(name, domain) == 0;
	return n > d && name[n - d - 1] == '.' && strcmp(name + n - d, domain) == 0;
}

/* r (NULL: the add failed) follows from the apex being insecure: claim dnssec.chain's apex
 * result as its cause. The engine drops the claim when that result is OK or absent. */
static inline int
dp_cause_insecure_apex(const struct dp_ctx *ctx, struct dp_result *r)
{
	if (r == NULL)
		return DP_ENOMEM;
	return dp_result_set_cause(r, DP_CAUSE_CHAIN_ID, ctx->disc->domain);
}
