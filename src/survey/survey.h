/* Discovery of one domain (NS names with addresses, parent, MX hosts, TLS endpoints), run once
 * per run by the engine; the result type is the contract's struct dp_discovery. */
#pragma once

#include "dnsprobe/probe.h"

/* Run discovery for o->domain, fetching what `needs` (enum dp_need bits) asks for. A domain
 * that cannot be resolved still yields a discovery with notes; errors mean no verdict. */
int dp_discovery_run(struct dp_resolver *r, const struct dp_check_opts *o, unsigned needs,
		     struct dp_discovery **out, struct dp_err *err) DP_WUR;
/* The same in steps, for a caller that starts work from the mail branch before the rest ends: a
 * new, empty discovery of domain (NULL: no memory), filled by dp_discovery_fill. mail_ready (may
 * be NULL) is called at most once, from one of discovery's threads while the rest still runs,
 * when the apex SOA shows that the name exists and the mail branch (MX hosts, endpoints, their
 * addresses, -4/-6 applied) is complete: from then on d's mail fields (mx, nmx, endpoints,
 * nendpoints, hosts, nhosts, mx_failed, mx_error) and domain are final and may be read by other
 * threads while discovery fills the rest; nothing else of d may be read before it returns. On
 * error d is left partly filled, still the caller's to free (after every reader is done). */
struct dp_discovery *dp_discovery_new(const char *domain);
int dp_discovery_fill(struct dp_resolver *r, const struct dp_check_opts *o, unsigned needs,
		      struct dp_discovery *d, void (*mail_ready)(void *arg), void *arg,
		      struct dp_err *err) DP_WUR;
void dp_discovery_free(struct dp_discovery *d);
