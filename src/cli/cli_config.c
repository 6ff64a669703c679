/* `check -c FILE`: a config file's settings for the domain, merged under the command line's. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli/check.h"
#include "cli/cli.h"
#include "config/config_file.h"
#include "engine/opts.h"

/* Command-line values win; arrays are appended to the config's (copies owned by cli). */
static int
merge(struct dp_cli *cli, const struct dp_check_opts *fo)
{
	struct dp_check_opts *o = &cli->opts;
	struct dp_endpoint_spec *nv;

	if (o->trust_anchor == NULL)
		o->trust_anchor = fo->trust_anchor;
	if (o->root_hints == NULL)
		o->root_hints = fo->root_hints;
	if (o->ca_file == NULL)
		o->ca_file = fo->ca_file;
#define KEEP(flag, field)                                                                          \
	do {                                                                                       \
		if (!cli->flag)                                                                    \
			o->field = fo->field;                                                      \
	} while (0)
	KEEP(set_rrsig_warn, rrsig_warn);
	KEEP(set_rrsig_crit, rrsig_crit);
	KEEP(set_cert_warn, cert_warn);
	KEEP(set_cert_crit, cert_crit);
	KEEP(set_serial_lag_warn, serial_lag_warn);
	KEEP(set_serial_lag_crit, serial_lag_crit);
	KEEP(set_cds_grace, cds_grace);
	KEEP(set_timeout, timeout_s);
#undef KEEP
	o->serial_grace = fo->serial_grace;
	if (o->step_timeout_ms == DP_DEFAULT_STEP_MS)
		o->step_timeout_ms = fo->step_timeout_ms;
	o->unsigned_ok = o->unsigned_ok || fo->unsigned_ok;
	if (o->ip_families == 0)
		o->ip_families = fo->ip_families;
	o->caa_required = o->caa_required || fo->caa_required;
	if (fo->ntlsa > 0) {
		nv = realloc(o->tlsa, (o->ntlsa + fo->ntlsa) * sizeof(*nv));
		if (nv == NULL)
			return DP_ENOMEM;
		memcpy(nv + o->ntlsa, fo->tlsa, fo->ntlsa * sizeof(*nv));
		o->tlsa = nv;
		o->ntlsa += fo->ntlsa;
	}
	for (size_t i = 0; i < fo->nresolvers; i++) {
		if (dp_strv_push(&o->resolvers, &o->nresolvers, fo->resolvers[i]) != 0)
			return DP_ENOMEM;
	}
	for (size_t i = 0; i < fo->nexpected_ns; i++) {
		if (dp_strv_push(&o->expected_ns, &o->nexpected_ns, fo->expected_ns[i]) != 0)
			return DP_ENOMEM;
	}
	return 0;
}

int
dp_config_apply_to_cli(const char *path, struct dp_cli *cli, struct dp_err *err)
{
	const struct dp_config_domain *d;
	struct dp_check_opts fo;
	int rc;

	dp_config_free(cli->file);
	cli->file = NULL;
	rc = dp_config_load(path, &cli->file, err);
	if (rc != 0)
		return rc;
	d = dp_config_find(cli->file, cli->opts.domain);
	dp_config_domain_opts(cli->file, d, cli->opts.domain, &fo);
	if (merge(cli, &fo) != 0)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	if (d != NULL && cli->only == NULL && cli->skip == NULL && (d->only || d->skip)) {
		cli->only = d->only ? dp_strdup(d->only) : NULL;
		cli->skip = d->skip ? dp_strdup(d->skip) : NULL;
		if ((d->only && !cli->only) || (d->skip && !cli->skip))
			return dp_err_set(err, DP_ENOMEM, "out of memory");
	}
	if (cli->opts.rrsig_crit > cli->opts.rrsig_warn ||
	    cli->opts.cert_crit > cli->opts.cert_warn)
		return dp_err_set(err, DP_EINVAL,
		                  "%s: a critical threshold is longer than its "
		                  "warning threshold (with the command line's)",
		                  path);
	return 0;
}
