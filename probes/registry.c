/* The registry of checks, in report order. Adding a check adds one line here. */
#include "config.h"

#include <string.h>

#include "dnsprobe/probe.h"

extern const struct dp_probe dp_probe_dnssec_chain;
extern const struct dp_probe dp_probe_ns_soa_serial;
extern const struct dp_probe dp_probe_ns_delegation;

const struct dp_probe *const dp_probes[] = {
	&dp_probe_dnssec_chain,
	&dp_probe_ns_soa_serial,
	&dp_probe_ns_delegation,
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
