/* Run-option defaults (one table for the CLI and the config) and shared option-value parsers. */
#include "config.h"

#include <string.h>

#include "engine/opts.h"

void
dp_opts_defaults(struct dp_check_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->rrsig_warn = DP_DEFAULT_RRSIG_WARN;
	o->rrsig_crit = DP_DEFAULT_RRSIG_CRIT;
	o->cert_warn = DP_DEFAULT_CERT_WARN;
	o->cert_crit = DP_DEFAULT_CERT_CRIT;
	o->serial_lag_warn = DP_DEFAULT_LAG_WARN;
	o->serial_lag_crit = DP_DEFAULT_LAG_CRIT;
	o->serial_grace = DP_DEFAULT_GRACE;
	o->cds_grace = DP_DEFAULT_CDS_GRACE;
	o->timeout_s = DP_DEFAULT_CHECK_TIMEOUT;
	o->step_timeout_ms = DP_DEFAULT_STEP_MS;
}

int
dp_endpoint_parse(const char *s, struct dp_endpoint_spec *spec, struct dp_err *err)
{
	const char *colon = strchr(s, ':');
	char port[8];
	uint64_t p;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(port) || colon == s)
		return dp_err_set(err, DP_EINVAL, "'%s' is not PORT:HOST", s);
	memcpy(port, s, (size_t)(colon - s));
	port[colon - s] = '\0';
	if (dp_parse_u64(port, 1, 65535, &p) != 0)
		return dp_err_set(err, DP_EINVAL, "'%s': port must be 1-65535", s);
	spec->port = (uint16_t)p;
	return dp_name_from_input(colon + 1, spec->host, sizeof(spec->host), err);
}
