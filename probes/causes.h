/* Causes shared by the checks (SPEC §2 `cause`): which result a finding follows from. */
#pragma once

#include "dnsprobe/probe.h"

/* dnssec.chain's result about the apex: the root cause of everything an unsigned (insecure)
 * zone makes fail further down. */
#define DP_CAUSE_CHAIN_ID "dnssec.chain"

/* ns.soa_serial's result about one server address: the cause of the hygiene checks' "not
 * checked" for an address that answered nothing (down, silent). */
#define DP_CAUSE_SOA_SERIAL_ID "ns.soa_serial"

/* r (NULL: the add failed) could not check the address subject because the server did not
 * answer: claim ns.soa_serial's result for that address (CRITICAL "unreachable") as its cause. */
static inline int
dp_cause_server_silent(struct dp_result *r, const char *subject)
{
	if (r == NULL)
		return DP_ENOMEM;
	return dp_result_set_cause(r, DP_CAUSE_SOA_SERIAL_ID, subject);
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
