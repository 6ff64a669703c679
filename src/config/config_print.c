/* The config printed back canonically (`monitor -n -v`) and applied to `check -c FILE`. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_file.h"

static void
put_dur(FILE *f, const char *indent, const char *key, int64_t v)
{
	char buf[32];

	dp_config_format_duration(v, buf, sizeof(buf));
	fprintf(f, "%s%s: %s\n", indent, key, buf);
}

static void
put_thr(FILE *f, const char *indent, const struct dp_config_thresholds *t, bool all)
{
	char in2[16];

	if (!all && t->set == 0)
		return;
	fprintf(f, "%sthresholds:\n", indent);
	dp_snprintf(in2, sizeof(in2), "%s  ", indent);
	if (all || (t->set & DP_THR_RRSIG_WARN))
		put_dur(f, in2, "rrsig_warn", t->rrsig_warn);
	if (all || (t->set & DP_THR_RRSIG_CRIT))
		put_dur(f, in2, "rrsig_crit", t->rrsig_crit);
	if (all || (t->set & DP_THR_CERT_WARN))
		put_dur(f, in2, "cert_warn", t->cert_warn);
	if (all || (t->set & DP_THR_CERT_CRIT))
		put_dur(f, in2, "cert_crit", t->cert_crit);
	if (all || (t->set & DP_THR_LAG_WARN))
		fprintf(f, "%sserial_lag_warn: %" PRId64 "\n", in2, t->serial_lag_warn);
	if ((all || (t->set & DP_THR_LAG_CRIT)) && t->serial_lag_crit < 0)
		fprintf(f, "%sserial_lag_crit: off\n", in2);
	else if (all || (t->set & DP_THR_LAG_CRIT))
		fprintf(f, "%sserial_lag_crit: %" PRId64 "\n", in2, t->serial_lag_crit);
	if ((all || (t->set & DP_THR_GRACE)) && t->serial_grace < 0)
		fprintf(f, "%sserial_grace: refresh\n", in2);
	else if (all || (t->set & DP_THR_GRACE))
		put_dur(f, in2, "serial_grace", t->serial_grace);
	if (all || (t->set & DP_THR_CDS_GRACE))
		put_dur(f, in2, "cds_grace", t->cds_grace);
}

/* ip_families, when it limits the run to one family (or always, both spelled out) */
static void
put_families(FILE *f, const char *ind, unsigned fam, bool always)
{
	if (fam == DP_IPV4 || fam == DP_IPV6)
		fprintf(f, "%sip_families: [%s]\n", ind, fam == DP_IPV4 ? "ipv4" : "ipv6");
	else if (always)
		fprintf(f, "%sip_families: [ipv4, ipv6]\n", ind);
}

static void
put_domain(FILE *f, const struct dp_config_domain *d)
{
	fprintf(f, "  - name: %s\n", d->name);
	if (d->interval_set)
		put_dur(f, "    ", "interval", d->interval);
	if (d->timeout_set)
		put_dur(f, "    ", "timeout", d->timeout);
	if (d->ntlsa > 0) {
		fputs("    tlsa:", f);
		for (size_t i = 0; i < d->ntlsa; i++)
			fprintf(f, "%s\"%u:%s\"", i ? ", " : " [", d->tlsa[i].port,
			        d->tlsa[i].host);
		fputs("]\n", f);
	}
	if (d->nnameservers > 0) {
		fputs("    nameservers:", f);
		for (size_t i = 0; i < d->nnameservers; i++)
			fprintf(f, "%s%s", i ? ", " : " [", d->nameservers[i]);
		fputs("]\n", f);
	}
	if (d->ip_families_set)
		put_families(f, "    ", d->ip_families, true);
	if (d->unsigned_ok)
		fputs("    unsigned: true\n", f);
	if (d->caa_required)
		fputs("    caa_required: true\n", f);
	if (d->only != NULL)
		fprintf(f, "    only: %s\n", d->only);
	if (d->skip != NULL)
		fprintf(f, "    skip: %s\n", d->skip);
	put_thr(f, "    ", &d->thr, false);
}

static void
put_path(FILE *f, const char *key, const char *v)
{
	if (v == NULL)
		return;
	fprintf(f, "%s: ", key);
	dp_fput_quoted(f, v); /* a YAML double-quoted scalar */
	fputc('\n', f);
}

int
dp_config_print(FILE *f, const struct dp_config *c)
{
	put_path(f, "listen", c->listen);
	put_dur(f, "", "interval", c->interval);
	put_dur(f, "", "timeout", c->timeout);
	put_dur(f, "", "step_timeout", c->step_timeout);
	put_path(f, "trust_anchor", c->trust_anchor ? c->trust_anchor : DP_DEFAULT_TRUST_ANCHOR);
	put_path(f, "root_hints", c->root_hints);
	put_path(f, "ca_file", c->ca_file);
	put_path(f, "state_dir", c->state_dir);
	if (c->nresolvers > 0) {
		fputs("resolvers:", f);
		for (size_t i = 0; i < c->nresolvers; i++)
			fprintf(f, "%s\"%s\"", i ? ", " : " [", c->resolvers[i]);
		fputs("]\n", f);
	}
	put_families(f, "", c->ip_families, false);
	put_thr(f, "", &c->thr, true);
	fprintf(f, "allow_any_target: %s\n", c->allow_any_target ? "true" : "false");
	fprintf(f, "allow_empty: %s\n", c->allow_empty ? "true" : "false");
	fprintf(f, "max_parallel: %u\n", c->max_parallel);
	fprintf(f, "probe_concurrency: %u\n", c->probe_concurrency);
	if (c->shard_count > 1)
		fprintf(f, "shard: %u/%u\n", c->shard_index, c->shard_count);
	fprintf(f, "http_max_connections: %u\n", c->http_max_connections);
	fprintf(f, "http_max_per_client: %u\n", c->http_max_per_client);
	put_dur(f, "", "http_header_timeout", c->http_header_timeout);
	fprintf(f, "log_level: %s\n", c->log_level ? c->log_level : "info");
	fprintf(f, "domains:%s\n", c->ndomains == 0 ? " []" : "");
	for (size_t i = 0; i < c->ndomains; i++)
		put_domain(f, &c->domains[i]);
	return ferror(f) ? DP_EIO : 0;
}
