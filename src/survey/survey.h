/* Discovery of one domain (NS names with addresses, parent, MX hosts, TLS endpoints), run once
 * per run by the engine; the result type is the contract's struct dp_discovery. */
#pragma once

#include "dnsprobe/probe.h"

/* Run discovery for o->domain, fetching what `needs` (enum dp_need bits) asks for. A domain
 * that cannot be resolved still yields a discovery with notes; errors mean no verdict. */
int dp_discovery_run(struct dp_resolver *r, const struct dp_check_opts *o, unsigned needs,
		     struct dp_discovery **out, struct dp_err *err) DP_WUR;
void dp_discovery_free(struct dp_discovery *d);
