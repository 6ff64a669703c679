/* The registry of checks, in report order. Adding a check adds one line here. */
#include "config.h"

#include <string.h>

#include "dnsprobe/probe.h"

extern const struct dp_probe dp_probe_dnssec_chain;
extern const struct dp_probe dp_probe_dnssec_denial;
extern const struct dp_probe dp_probe_dnssec_rrsig_expiry;
extern const struct dp_probe dp_probe_dnssec_keys;
extern const struct dp_probe dp_probe_dnssec_cds;
extern const struct dp_probe dp_probe_dnssec_rollover;
extern const struct dp_probe dp_probe_ns_soa_serial;
extern const struct dp_probe dp_probe_ns_delegation;
extern const struct dp_probe dp_probe_ns_zone_transfer;
extern const struct dp_probe dp_probe_ns_recursion;
extern const struct dp_probe dp_probe_ns_edns;
extern const struct dp_probe dp_probe_ns_soa_fields;
extern const struct dp_probe dp_probe_ns_diversity;
extern const struct dp_probe dp_probe_dane_tlsa;
extern const struct dp_probe dp_probe_tls_cert;
extern const struct dp_probe dp_probe_mta_sts_policy;
extern const struct dp_probe dp_probe_tls_rpt;
extern const struct dp_probe dp_probe_caa;
extern const struct dp_probe dp_probe_resolver_agreement;

const struct dp_probe *const dp_probes[] = {
	&dp_probe_dnssec_chain,
	&dp_probe_dnssec_denial,
	&dp_probe_dnssec_rrsig_expiry,
	&dp_probe_dnssec_keys,
	&dp_probe_dnssec_cds,
	&dp_probe_dnssec_rollover,
	&dp_probe_ns_soa_serial,
	&dp_probe_ns_delegation,
	&dp_probe_ns_zone_transfer,
	&dp_probe_ns_recursion,
	&dp_probe_ns_edns,
	&dp_probe_ns_soa_fields,
	&dp_probe_ns_diversity,
	&dp_probe_dane_tlsa,
	&dp_probe_tls_cert,
	&dp_probe_mta_sts_policy,
	&dp_probe_tls_rpt,
	&dp_probe_caa,
	&dp_probe_resolver_agreement,
	NULL,
};

const struct dp_probe *
dp_probe_find(const char *id)
{
	for (size_t i = 0; dp_probes[i] != NULL; i++) {
		if (strcmp(dp_probes[i]->id, id) == 0)
			return dp_probes[i];
	}
	return NULL;
}
