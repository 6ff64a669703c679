/* The monitor's YAML config (SPEC §4): libcyaml loads it, a libyaml pre-scan gives every key's
 * line, then values are checked one by one; errors read "FILE:LINE: KEY: reason". */
#include "config.h"

#include "config/config_file.h"
#include "config/config_scan.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cyaml/cyaml.h>

#include "base/file.h"
#include "engine/engine.h"
#include "engine/opts.h"
#include "engine/statefile.h"


/* ---- raw form, as libcyaml loads it (every scalar a string; checked later) ---- */

struct raw_thr {
	char *rrsig_warn, *rrsig_crit, *cert_warn, *cert_crit;
	char *serial_lag_warn, *serial_lag_crit, *serial_grace, *cds_grace;
};

struct raw_domain {
	char *name;
	char **tlsa;
	unsigned tlsa_count;
	char **nameservers;
	unsigned nameservers_count;
	char *interval;
	char *timeout;
	char *is_unsigned;
	char *caa_required;
	char **ip_families;
	unsigned ip_families_count;
	char *only;
	char *skip;
	struct raw_thr *thresholds;
};

struct raw_config {
	char *listen;
	char *interval;
	char *timeout;
	char *step_timeout;
	char *trust_anchor;
	char *root_hints;
	char *ca_file;
	char *state_dir;
	char **resolvers;
	unsigned resolvers_count;
	char **ip_families;
	unsigned ip_families_count;
	struct raw_thr *thresholds;
	char *allow_any_target;
	char *allow_empty;
	char *max_parallel;
	char *probe_concurrency;
	char *shard;
	char *http_max_connections;
	char *http_max_per_client;
	char *http_header_timeout;
	char *log_level;
	struct raw_domain *domains;
	unsigned domains_count;
};

static const cyaml_schema_value_t str_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 0, 1024),
};

/* Optional string fields, spelled out so that every key name is greppable (test/doc). */
#define OPT  CYAML_FLAG_OPTIONAL
#define SMAX 4096

static const cyaml_schema_field_t thr_fields[] = {
    CYAML_FIELD_STRING_PTR("rrsig_warn", OPT, struct raw_thr, rrsig_warn, 0, SMAX),
    CYAML_FIELD_STRING_PTR("rrsig_crit", OPT, struct raw_thr, rrsig_crit, 0, SMAX),
    CYAML_FIELD_STRING_PTR("cert_warn", OPT, struct raw_thr, cert_warn, 0, SMAX),
    CYAML_FIELD_STRING_PTR("cert_crit", OPT, struct raw_thr, cert_crit, 0, SMAX),
    CYAML_FIELD_STRING_PTR("serial_lag_warn", OPT, struct raw_thr, serial_lag_warn, 0, SMAX),
    CYAML_FIELD_STRING_PTR("serial_lag_crit", OPT, struct raw_thr, serial_lag_crit, 0, SMAX),
    CYAML_FIELD_STRING_PTR("serial_grace", OPT, struct raw_thr, serial_grace, 0, SMAX),
    CYAML_FIELD_STRING_PTR("cds_grace", OPT, struct raw_thr, cds_grace, 0, SMAX),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t domain_fields[] = {
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_DEFAULT, struct raw_domain, name, 1, 1024),
    CYAML_FIELD_SEQUENCE("tlsa", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_domain, tlsa,
                         &str_entry, 0, 64),
    CYAML_FIELD_SEQUENCE("nameservers", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_domain,
                         nameservers, &str_entry, 0, 64),
    CYAML_FIELD_STRING_PTR("interval", OPT, struct raw_domain, interval, 0, SMAX),
    CYAML_FIELD_STRING_PTR("timeout", OPT, struct raw_domain, timeout, 0, SMAX),
    CYAML_FIELD_STRING_PTR("unsigned", OPT, struct raw_domain, is_unsigned, 0, SMAX),
    CYAML_FIELD_STRING_PTR("caa_required", OPT, struct raw_domain, caa_required, 0, SMAX),
    CYAML_FIELD_SEQUENCE("ip_families", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                         struct raw_domain, ip_families, &str_entry, 0, 2),
    CYAML_FIELD_STRING_PTR("only", OPT, struct raw_domain, only, 0, SMAX),
    CYAML_FIELD_STRING_PTR("skip", OPT, struct raw_domain, skip, 0, SMAX),
    CYAML_FIELD_MAPPING_PTR("thresholds", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                            struct raw_domain, thresholds, thr_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t domain_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_domain, domain_fields),
};

static const cyaml_schema_field_t top_fields[] = {
    CYAML_FIELD_STRING_PTR("listen", OPT, struct raw_config, listen, 0, SMAX),
    CYAML_FIELD_STRING_PTR("interval", OPT, struct raw_config, interval, 0, SMAX),
    CYAML_FIELD_STRING_PTR("timeout", OPT, struct raw_config, timeout, 0, SMAX),
    CYAML_FIELD_STRING_PTR("step_timeout", OPT, struct raw_config, step_timeout, 0, SMAX),
    CYAML_FIELD_STRING_PTR("trust_anchor", OPT, struct raw_config, trust_anchor, 0, SMAX),
    CYAML_FIELD_STRING_PTR("root_hints", OPT, struct raw_config, root_hints, 0, SMAX),
    CYAML_FIELD_STRING_PTR("ca_file", OPT, struct raw_config, ca_file, 0, SMAX),
    CYAML_FIELD_STRING_PTR("state_dir", OPT, struct raw_config, state_dir, 0, SMAX),
    CYAML_FIELD_SEQUENCE("resolvers", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_config,
                         resolvers, &str_entry, 0, 16),
    CYAML_FIELD_SEQUENCE("ip_families", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                         struct raw_config, ip_families, &str_entry, 0, 2),
    CYAML_FIELD_MAPPING_PTR("thresholds", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                            struct raw_config, thresholds, thr_fields),
    CYAML_FIELD_STRING_PTR("allow_any_target", OPT, struct raw_config, allow_any_target, 0, SMAX),
    CYAML_FIELD_STRING_PTR("allow_empty", OPT, struct raw_config, allow_empty, 0, SMAX),
    CYAML_FIELD_STRING_PTR("max_parallel", OPT, struct raw_config, max_parallel, 0, SMAX),
    CYAML_FIELD_STRING_PTR("probe_concurrency", OPT, struct raw_config, probe_concurrency, 0, SMAX),
    CYAML_FIELD_STRING_PTR("shard", OPT, struct raw_config, shard, 0, SMAX),
    CYAML_FIELD_STRING_PTR("http_max_connections", OPT, struct raw_config, http_max_connections, 0,
                           SMAX),
    CYAML_FIELD_STRING_PTR("http_max_per_client", OPT, struct raw_config, http_max_per_client, 0,
                           SMAX),
    CYAML_FIELD_STRING_PTR("http_header_timeout", OPT, struct raw_config, http_header_timeout, 0,
                           SMAX),
    CYAML_FIELD_STRING_PTR("log_level", OPT, struct raw_config, log_level, 0, SMAX),
    CYAML_FIELD_SEQUENCE("domains", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_config,
                         domains, &domain_entry, 0, DP_CONFIG_MAX_DOMAINS),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t top_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_config, top_fields),
};

/* ---- libcyaml errors: keep the message and the innermost backtrace line ---- */

struct cylog {
	char msg[256];
	unsigned line;
	char field[64];
};

static void
cy_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
	struct cylog *l = ctx;
	char buf[256];
	const char *p;
	size_t n;

	if (level < CYAML_LOG_ERROR || vsnprintf(buf, sizeof(buf), fmt, args) < 0)
		return;
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	p = strstr(buf, "(line: ");
	if (p != NULL) {
		const char *q = strchr(buf, '\'');
		unsigned long v = strtoul(p + 7, NULL, 10);

		if (l->line == 0 || v > l->line) {
			l->line = (unsigned)v;
			l->field[0] = '\0';
			if (q != NULL && strchr(q + 1, '\'') != NULL)
				dp_snprintf(l->field, sizeof(l->field), "%.*s",
				            (int)(strchr(q + 1, '\'') - q - 1), q + 1);
		}
		return;
	}
	if (l->msg[0] == '\0' && strstr(buf, "Backtrace") == NULL) {
		p = strncmp(buf, "Load: ", 6) == 0 ? buf + 6 : buf;
		dp_strlcpy(l->msg, p, sizeof(l->msg));
	}
}

/* ---- value checks ---- */

struct ctx {
	const char *name;
	struct dp_cfgscan *scan;
	struct dp_err *err;
};

static int
bad(const struct ctx *c, const char *path, const char *fmt, const char *val)
{
	char why[300];

	dp_snprintf(why, sizeof(why), fmt, val);
	return dp_err_set(c->err, DP_EINVAL, "%s:%u: %s: %s", c->name,
	                  dp_cfgscan_line(c->scan, path), path, why);
}

static int
get_dur(const struct ctx *c, const char *path, const char *v, int64_t min, int64_t max,
        int64_t *out)
{
	struct dp_err e = {0};
	char lim[64], lim2[32];

	if (v == NULL)
		return 0;
	if (dp_duration_parse(v, out, &e) != 0)
		return bad(c, path, "'%s' is not a duration (like 30s, 5m, 72h, 14d)", v);
	if (*out < min || *out > max) {
		dp_config_format_duration(min, lim, sizeof(lim));
		dp_config_format_duration(max, lim2, sizeof(lim2));
		dp_snprintf(lim + strlen(lim), sizeof(lim) - strlen(lim), " to %s", lim2);
		return dp_err_set(c->err, DP_EINVAL, "%s:%u: %s: '%s' is out of range (%s)",
		                  c->name, dp_cfgscan_line(c->scan, path), path, v, lim);
	}
	return 0;
}

static int
get_uint(const struct ctx *c, const char *path, const char *v, uint64_t min, uint64_t max,
         int64_t *out)
{
	uint64_t n;

	if (v == NULL)
		return 0;
	if (dp_parse_u64(v, min, max, &n) != 0) {
		char why[96];

		dp_snprintf(why, sizeof(why),
		            "'%%s' is not a whole number from %" PRIu64 " to %" PRIu64, min, max);
		return bad(c, path, why, v);
	}
	*out = (int64_t)n;
	return 0;
}

static bool
in_list(const char *const *l, const char *k)
{
	for (; *l != NULL; l++) {
		if (strcmp(*l, k) == 0)
			return true;
	}
	return false;
}

/* YAML 1.1 booleans as people write them. */
static int
get_bool(const struct ctx *c, const char *path, const char *v, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "True", "Yes", "On", "TRUE", NULL};
	static const char *const no[] = {"false", "no", "off", "False", "No", "Off", "FALSE", NULL};

	if (v == NULL)
		return 0;
	if (in_list(yes, v))
		*out = true;
	else if (in_list(no, v))
		*out = false;
	else
		return bad(c, path, "'%s' is not true or false", v);
	return 0;
}

static int
get_str(const char *v, char **out)
{
	if (v == NULL)
		return 0;
	*out = dp_strdup(v);
	return *out == NULL ? DP_ENOMEM : 0;
}

static int
get_thr(const struct ctx *c, const char *prefix, const struct raw_thr *r,
        struct dp_config_thresholds *t)
{
	char p[128];
	int rc = 0;

	if (r == NULL)
		return 0;
#define THR_DUR(f, bit)                                                                            \
	do {                                                                                       \
		dp_snprintf(p, sizeof(p), "%sthresholds." #f, prefix);                             \
		if (rc == 0 && r->f != NULL) {                                                     \
			rc = get_dur(c, p, r->f, 0, (int64_t)3650 * 86400, &t->f);                 \
			t->set |= bit;                                                             \
		}                                                                                  \
	} while (0)
	THR_DUR(rrsig_warn, DP_THR_RRSIG_WARN);
	THR_DUR(rrsig_crit, DP_THR_RRSIG_CRIT);
	THR_DUR(cert_warn, DP_THR_CERT_WARN);
	THR_DUR(cert_crit, DP_THR_CERT_CRIT);
	THR_DUR(cds_grace, DP_THR_CDS_GRACE);
#undef THR_DUR
	dp_snprintf(p, sizeof(p), "%sthresholds.serial_lag_warn", prefix);
	if (rc == 0 && r->serial_lag_warn != NULL) {
		rc = get_uint(c, p, r->serial_lag_warn, 0, UINT32_MAX / 2, &t->serial_lag_warn);
		t->set |= DP_THR_LAG_WARN;
	}
	dp_snprintf(p, sizeof(p), "%sthresholds.serial_lag_crit", prefix);
	if (rc == 0 && r->serial_lag_crit != NULL) {
		if (strcmp(r->serial_lag_crit, "off") == 0)
			t->serial_lag_crit = -1;
		else
			rc = get_uint(c, p, r->serial_lag_crit, 0, UINT32_MAX / 2,
			              &t->serial_lag_crit);
		t->set |= DP_THR_LAG_CRIT;
	}
	dp_snprintf(p, sizeof(p), "%sthresholds.serial_grace", prefix);
	if (rc == 0 && r->serial_grace != NULL) {
		if (strcmp(r->serial_grace, "refresh") == 0)
			t->serial_grace = -1;
		else
			rc = get_dur(c, p, r->serial_grace, 0, (int64_t)30 * 86400,
			             &t->serial_grace);
		t->set |= DP_THR_GRACE;
	}
	return rc;
}

static int
check_thr(const struct ctx *c, const char *prefix, const struct dp_config_thresholds *t)
{
	char p[128];

	dp_snprintf(p, sizeof(p), "%sthresholds", prefix);
	if (t->rrsig_crit > t->rrsig_warn)
		return dp_err_set(c->err, DP_EINVAL,
		                  "%s:%u: %s: rrsig_crit is longer than "
		                  "rrsig_warn",
		                  c->name, dp_cfgscan_line(c->scan, p), p);
	if (t->cert_crit > t->cert_warn)
		return dp_err_set(c->err, DP_EINVAL,
		                  "%s:%u: %s: cert_crit is longer than "
		                  "cert_warn",
		                  c->name, dp_cfgscan_line(c->scan, p), p);
	return 0;
}

static int
get_selection(const struct ctx *c, const char *path, const char *only, const char *skip)
{
	struct dp_selection sel;
	struct dp_err e = {0};

	if ((only != NULL || skip != NULL) && dp_selection_parse(&sel, only, skip, &e) != 0)
		return bad(c, path, "%s", e.msg);
	return 0;
}

/* ip_families: [ipv4], [ipv6] or [ipv4, ipv6] (SPEC §1 -4/-6); absent (or an empty list, which
 * libcyaml does not tell from absent) leaves *out as it is. */
static int
get_families(const struct ctx *c, const char *key, char **v, unsigned n, unsigned *out)
{
	unsigned fam = 0;

	if (v == NULL)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned f;

		if (strcmp(v[i], "ipv4") == 0)
			f = DP_IPV4;
		else if (strcmp(v[i], "ipv6") == 0)
			f = DP_IPV6;
		else
			return bad(c, key, "'%s' is not ipv4 or ipv6", v[i]);
		if (fam & f)
			return bad(c, key, "'%s' is listed twice", v[i]);
		fam |= f;
	}
	if (fam == 0)
		return bad(c, key, "%s", "list ipv4, ipv6 or both");
	*out = fam == (DP_IPV4 | DP_IPV6) ? 0 : fam;
	return 0;
}

static int
get_domain(const struct ctx *c, struct dp_config *cfg, size_t i, const struct raw_domain *r)
{
	struct dp_config_domain *d = &cfg->domains[i];
	char pre[64], p[96];
	struct dp_err e = {0};
	int rc;

	dp_snprintf(pre, sizeof(pre), "domains[%zu].", i);
	dp_snprintf(p, sizeof(p), "%sname", pre);
	if (dp_name_from_input(r->name, d->name, sizeof(d->name), &e) != 0 ||
	    d->name[0] == '\0')
		return bad(c, p, "'%s' is not a domain name", r->name);
	for (size_t j = 0; j < i; j++) {
		if (strcmp(cfg->domains[j].name, d->name) == 0)
			return bad(c, p, "'%s' is listed twice", d->name);
	}
	d->interval = cfg->interval;
	d->timeout = cfg->timeout;
	d->thr = cfg->thr;
	d->thr.set = 0;
	dp_snprintf(p, sizeof(p), "%sinterval", pre);
	rc = get_dur(c, p, r->interval, 1, 7 * 86400, &d->interval);
	d->interval_set = r->interval != NULL;
	dp_snprintf(p, sizeof(p), "%stimeout", pre);
	if (rc == 0)
		rc = get_dur(c, p, r->timeout, 1, 3600, &d->timeout);
	d->timeout_set = r->timeout != NULL;
	if (rc == 0)
		rc = get_thr(c, pre, r->thresholds, &d->thr);
	if (rc == 0)
		rc = check_thr(c, pre, &d->thr);
	if (rc != 0)
		return rc;
	dp_snprintf(p, sizeof(p), "%sip_families", pre);
	d->ip_families = cfg->ip_families;
	d->ip_families_set = r->ip_families != NULL;
	rc = get_families(c, p, r->ip_families, r->ip_families_count, &d->ip_families);
	if (rc != 0)
		return rc;
	dp_snprintf(p, sizeof(p), "%sunsigned", pre);
	rc = get_bool(c, p, r->is_unsigned, &d->unsigned_ok);
	dp_snprintf(p, sizeof(p), "%scaa_required", pre);
	if (rc == 0)
		rc = get_bool(c, p, r->caa_required, &d->caa_required);
	if (rc != 0)
		return rc;
	dp_snprintf(p, sizeof(p), "%sonly", pre);
	rc = get_selection(c, p, r->only, NULL);
	dp_snprintf(p, sizeof(p), "%sskip", pre);
	if (rc == 0)
		rc = get_selection(c, p, NULL, r->skip);
	if (rc == 0 && (get_str(r->only, &d->only) != 0 || get_str(r->skip, &d->skip) != 0))
		rc = dp_err_set(c->err, DP_ENOMEM, "out of memory");
	if (rc != 0)
		return rc;
	if (r->tlsa_count > 0) {
		d->tlsa = calloc(r->tlsa_count, sizeof(*d->tlsa));
		if (d->tlsa == NULL)
			return dp_err_set(c->err, DP_ENOMEM, "out of memory");
	}
	dp_snprintf(p, sizeof(p), "%stlsa", pre);
	for (unsigned k = 0; k < r->tlsa_count; k++) {
		if (dp_endpoint_parse(r->tlsa[k], &d->tlsa[d->ntlsa], &e) != 0)
			return bad(c, p, "%s", e.msg);
		d->ntlsa++;
	}
	dp_snprintf(p, sizeof(p), "%snameservers", pre);
	for (unsigned k = 0; k < r->nameservers_count; k++) {
		char ns[256];

		if (dp_name_normalise(r->nameservers[k], ns, sizeof(ns), true, &e) != 0 ||
		    ns[0] == '\0')
			return bad(c, p, "'%s' is not a host name", r->nameservers[k]);
		if (dp_strv_push(&d->nameservers, &d->nnameservers, ns) != 0)
			return dp_err_set(c->err, DP_ENOMEM, "out of memory");
	}
	return 0;
}

/* shard: I/N — this monitor runs the domains of shard I out of N (0 <= I < N). */
static int
get_shard(const struct ctx *c, const char *v, unsigned *idx, unsigned *n)
{
	static const char why[] =
	    "'%s' is not I/N: two whole numbers, 1 <= N <= " DP_SHARDS_MAX_STR ", 0 <= I < N";
	char a[24];
	const char *slash;
	uint64_t i, m;

	if (v == NULL)
		return 0;
	slash = strchr(v, '/');
	if (slash == NULL || (size_t)(slash - v) >= sizeof(a))
		return bad(c, "shard", why, v);
	memcpy(a, v, (size_t)(slash - v));
	a[slash - v] = '\0';
	if (dp_parse_u64(a, 0, DP_SHARDS_MAX - 1, &i) != 0 ||
	    dp_parse_u64(slash + 1, 1, DP_SHARDS_MAX, &m) != 0 || i >= m)
		return bad(c, "shard", why, v);
	*idx = (unsigned)i;
	*n = (unsigned)m;
	return 0;
}

/* The HTTP connection budget (issue 13). A connection is a thread, hence the upper bound; an
 * eighth of them (dp_http_reserve) is kept for clients that hold none, so one client's share and
 * the /probe runs (each holds its connection for the whole run) must leave that much free. */
static int
get_http(const struct ctx *c, const struct raw_config *r, struct dp_config *cfg)
{
	int64_t v = cfg->http_max_connections;
	const char *k;
	unsigned room;
	int rc = get_uint(c, "http_max_connections", r->http_max_connections, 16, 1024, &v);

	if (rc != 0)
		return rc;
	cfg->http_max_connections = (unsigned)v;
	room = cfg->http_max_connections - dp_config_http_reserve(cfg->http_max_connections);
	v = cfg->http_max_per_client;
	rc = get_uint(c, "http_max_per_client", r->http_max_per_client, 1, 1024, &v);
	if (rc != 0)
		return rc;
	cfg->http_max_per_client = (unsigned)v;
	if (cfg->http_max_per_client > room) {
		k = r->http_max_per_client != NULL ? "http_max_per_client" : "http_max_connections";
		return dp_err_set(c->err, DP_EINVAL,
		                  "%s:%u: %s: http_max_per_client %u leaves no room for other clients: "
		                  "at most %u with http_max_connections %u",
		                  c->name, dp_cfgscan_line(c->scan, k), k, cfg->http_max_per_client,
		                  room, cfg->http_max_connections);
	}
	if (cfg->probe_concurrency > room / 2) {
		k = r->probe_concurrency != NULL ? "probe_concurrency" : "http_max_connections";
		return dp_err_set(c->err, DP_EINVAL,
		                  "%s:%u: %s: probe_concurrency %u may hold at most half of the HTTP "
		                  "connections not kept in reserve: at most %u with "
		                  "http_max_connections %u",
		                  c->name, dp_cfgscan_line(c->scan, k), k, cfg->probe_concurrency,
		                  room / 2, cfg->http_max_connections);
	}
	return get_dur(c, "http_header_timeout", r->http_header_timeout, 1, 300,
	               &cfg->http_header_timeout);
}

static int
get_globals(const struct ctx *c, const struct raw_config *r, struct dp_config *cfg)
{
	int64_t v;
	int rc = 0;

	if (r->listen != NULL) {
		struct dp_err e = {0};

		free(cfg->listen);
		cfg->listen = dp_strdup(r->listen);
		if (cfg->listen == NULL)
			return dp_err_set(c->err, DP_ENOMEM, "out of memory");
		if (dp_config_parse_listen(r->listen, &cfg->listen_addr, &cfg->listen_len, &e) != 0)
			return bad(c, "listen", "%s", e.msg);
	}
	rc = get_dur(c, "interval", r->interval, 1, 7 * 86400, &cfg->interval);
	if (rc == 0)
		rc = get_dur(c, "timeout", r->timeout, 1, 3600, &cfg->timeout);
	if (rc == 0)
		rc = get_dur(c, "step_timeout", r->step_timeout, 1, 600, &cfg->step_timeout);
	if (rc == 0) {
		v = cfg->max_parallel;
		rc = get_uint(c, "max_parallel", r->max_parallel, 1, 256, &v);
		cfg->max_parallel = (unsigned)v;
	}
	if (rc == 0) {
		v = cfg->probe_concurrency;
		rc = get_uint(c, "probe_concurrency", r->probe_concurrency, 1, 64, &v);
		cfg->probe_concurrency = (unsigned)v;
	}
	if (rc == 0)
		rc = get_shard(c, r->shard, &cfg->shard_index, &cfg->shard_count);
	if (rc == 0)
		rc = get_http(c, r, cfg);
	if (rc == 0)
		rc = get_thr(c, "", r->thresholds, &cfg->thr);
	if (rc == 0)
		rc = check_thr(c, "", &cfg->thr);
	if (rc == 0 && r->log_level != NULL && strcmp(r->log_level, "error") != 0 &&
	    strcmp(r->log_level, "warn") != 0 && strcmp(r->log_level, "info") != 0 &&
	    strcmp(r->log_level, "debug") != 0)
		rc = bad(c, "log_level", "'%s' is not error, warn, info or debug", r->log_level);
	if (rc != 0)
		return rc;
	rc = get_bool(c, "allow_any_target", r->allow_any_target, &cfg->allow_any_target);
	if (rc == 0)
		rc = get_bool(c, "allow_empty", r->allow_empty, &cfg->allow_empty);
	if (rc == 0)
		rc = get_families(c, "ip_families", r->ip_families, r->ip_families_count,
		                  &cfg->ip_families);
	if (rc != 0)
		return rc;
	for (unsigned i = 0; i < r->resolvers_count; i++) {
		struct dp_addr a;

		if (dp_addr_parse(r->resolvers[i], &a) != 0)
			return bad(c, "resolvers", "'%s' is not an IP address", r->resolvers[i]);
		if (dp_strv_push(&cfg->resolvers, &cfg->nresolvers, a.text) != 0)
			return dp_err_set(c->err, DP_ENOMEM, "out of memory");
	}
	if (get_str(r->trust_anchor, &cfg->trust_anchor) != 0 ||
	    get_str(r->root_hints, &cfg->root_hints) != 0 ||
	    get_str(r->ca_file, &cfg->ca_file) != 0 || get_str(r->state_dir, &cfg->state_dir) != 0 ||
	    get_str(r->log_level, &cfg->log_level) != 0)
		return dp_err_set(c->err, DP_ENOMEM, "out of memory");
	return 0;
}

static int
convert(const struct ctx *c, const struct raw_config *r, struct dp_config *cfg)
{
	int rc = get_globals(c, r, cfg);

	cfg->line.trust_anchor = dp_cfgscan_line(c->scan, "trust_anchor");
	cfg->line.root_hints = dp_cfgscan_line(c->scan, "root_hints");
	cfg->line.ca_file = dp_cfgscan_line(c->scan, "ca_file");
	cfg->line.state_dir = dp_cfgscan_line(c->scan, "state_dir");
	cfg->line.domains = dp_cfgscan_line(c->scan, "domains");
	if (rc != 0 || r->domains_count == 0)
		return rc;
	cfg->domains = calloc(r->domains_count, sizeof(*cfg->domains));
	if (cfg->domains == NULL)
		return dp_err_set(c->err, DP_ENOMEM, "out of memory");
	for (unsigned i = 0; i < r->domains_count; i++) {
		cfg->ndomains = i + 1;
		rc = get_domain(c, cfg, i, &r->domains[i]);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
dp_config_defaults(struct dp_config **out, struct dp_err *err)
{
	struct dp_config *c = calloc(1, sizeof(*c));
	struct dp_check_opts o;

	*out = NULL;
	if (c == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	dp_opts_defaults(&o);
	c->interval = DP_DEFAULT_INTERVAL;
	c->timeout = DP_DEFAULT_MONITOR_TIMEOUT;
	c->step_timeout = DP_DEFAULT_STEP_S;
	c->max_parallel = DP_DEFAULT_PARALLEL;
	c->probe_concurrency = DP_DEFAULT_PROBES;
	c->shard_index = 0;
	c->shard_count = 1;
	c->http_max_connections = DP_DEFAULT_HTTP_CONNECTIONS;
	c->http_max_per_client = DP_DEFAULT_HTTP_PER_CLIENT;
	c->http_header_timeout = DP_DEFAULT_HTTP_HEADER_TIMEOUT;
	c->thr.rrsig_warn = o.rrsig_warn;
	c->thr.rrsig_crit = o.rrsig_crit;
	c->thr.cert_warn = o.cert_warn;
	c->thr.cert_crit = o.cert_crit;
	c->thr.serial_lag_warn = o.serial_lag_warn;
	c->thr.serial_lag_crit = o.serial_lag_crit;
	c->thr.serial_grace = o.serial_grace;
	c->thr.cds_grace = o.cds_grace;
	c->listen = dp_asprintf("127.0.0.1:%d", DP_DEFAULT_PORT);
	if (c->listen == NULL ||
	    dp_config_parse_listen(c->listen, &c->listen_addr, &c->listen_len, err) != 0) {
		dp_config_free(c);
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	}
	*out = c;
	return 0;
}

int
dp_config_parse(const char *name, const char *buf, size_t len, struct dp_config **out,
                struct dp_err *err)
{
	struct dp_cfgscan scan = {0};
	struct cylog log = {0};
	cyaml_config_t cy = {
	    .log_fn = cy_log,
	    .log_ctx = &log,
	    .mem_fn = cyaml_mem,
	    .log_level = CYAML_LOG_ERROR,
	    .flags = CYAML_CFG_NO_ALIAS,
	};
	struct raw_config *raw = NULL;
	struct dp_config *cfg = NULL;
	struct ctx c = {.name = name, .scan = &scan, .err = err};
	cyaml_err_t ce;
	int rc;

	*out = NULL;
	if (len > DP_CONFIG_MAX_BYTES)
		return dp_err_set(err, DP_EINVAL, "%s: larger than %u bytes", name,
		                  DP_CONFIG_MAX_BYTES);
	if (memchr(buf, '\0', len) != NULL)
		return dp_err_set(err, DP_EINVAL, "%s: contains a NUL byte", name);
	rc = dp_cfgscan_run(&scan, buf, len, name, err);
	if (rc != 0)
		goto out;
	rc = dp_config_defaults(&cfg, err);
	if (rc != 0)
		goto out;
	if (scan.n > 0) {
		ce = cyaml_load_data((const uint8_t *)buf, len, &cy, &top_schema,
		                     (cyaml_data_t **)&raw, NULL);
		if (ce != CYAML_OK) {
			rc = dp_err_set(err, DP_EINVAL, "%s:%u: %s: %s", name,
			                log.line ? log.line : scan.last_line,
			                log.field[0] ? log.field : "(top)",
			                log.msg[0] ? log.msg : cyaml_strerror(ce));
			goto out;
		}
		rc = convert(&c, raw, cfg);
		if (rc != 0)
			goto out;
	}
	cfg->path = dp_strdup(name);
	if (cfg->path == NULL)
		rc = dp_err_set(err, DP_ENOMEM, "out of memory");
out:
	if (raw != NULL)
		cyaml_free(&cy, &top_schema, raw, 0);
	free(scan.keys);
	if (rc != 0) {
		dp_config_free(cfg);
		return rc;
	}
	*out = cfg;
	return 0;
}

int
dp_config_load(const char *path, struct dp_config **out, struct dp_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	/* Non-blocking open, a regular file, at most DP_CONFIG_MAX_BYTES (base/file.h). */
	rc = dp_file_read(path, DP_CONFIG_MAX_BYTES, &buf, &len, err);
	if (rc == 0)
		rc = dp_config_parse(path, buf, len, out, err);
	free(buf);
	return rc;
}

/* "FILE:LINE: KEY: reason" (or "FILE: KEY: reason" for a key not in the file). */
static int
file_err(const struct dp_config *c, unsigned line, const char *key, const struct dp_err *e,
         struct dp_err *err)
{
	if (line > 0)
		return dp_err_set(err, e->code, "%s:%u: %s: %s", c->path, line, key, e->msg);
	return dp_err_set(err, e->code, "%s: %s: %s", c->path, key, e->msg);
}

int
dp_config_check(const struct dp_config *c, struct dp_err *err)
{
	struct dp_resolver_opts ro = {.trust_anchor = c->trust_anchor};
	struct dp_err e = {0};
	const char *path = c->path != NULL ? c->path : "-";

	if (dp_resolver_check_files(&ro, &e) != 0)
		return file_err(c, c->line.trust_anchor, "trust_anchor", &e, err);
	ro.root_hints = c->root_hints;
	if (c->root_hints != NULL && dp_resolver_check_files(&ro, &e) != 0)
		return file_err(c, c->line.root_hints, "root_hints", &e, err);
	if (c->ca_file != NULL && dp_engine_check_ca(c->ca_file, &e) != 0)
		return file_err(c, c->line.ca_file, "ca_file", &e, err);
	if (c->state_dir != NULL && dp_state_dir_check(c->state_dir, &e) != 0)
		return file_err(c, c->line.state_dir, "state_dir", &e, err);
	if (c->ndomains > 0 || c->allow_empty)
		return 0;
	if (c->line.domains > 0)
		return dp_err_set(err, DP_EINVAL,
		                  "%s:%u: domains: no domains to monitor (allow_empty: true "
		                  "allows that)",
		                  path, c->line.domains);
	return dp_err_set(err, DP_EINVAL,
	                  "%s: no domains to monitor (no domains key; allow_empty: true allows "
	                  "that)",
	                  path);
}

void
dp_config_free(struct dp_config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->ndomains; i++) {
		free(c->domains[i].tlsa);
		dp_strv_free(c->domains[i].nameservers, c->domains[i].nnameservers);
		free(c->domains[i].only);
		free(c->domains[i].skip);
	}
	free(c->domains);
	dp_strv_free(c->resolvers, c->nresolvers);
	free(c->path);
	free(c->listen);
	free(c->trust_anchor);
	free(c->root_hints);
	free(c->ca_file);
	free(c->state_dir);
	free(c->log_level);
	free(c);
}

const struct dp_config_domain *
dp_config_find(const struct dp_config *c, const char *name)
{
	for (size_t i = 0; i < c->ndomains; i++) {
		if (strcmp(c->domains[i].name, name) == 0)
			return &c->domains[i];
	}
	return NULL;
}

void
dp_config_domain_opts(const struct dp_config *c, const struct dp_config_domain *d, const char *name,
                      struct dp_check_opts *o)
{
	const struct dp_config_thresholds *t = d != NULL ? &d->thr : &c->thr;

	dp_opts_defaults(o);
	dp_strlcpy(o->domain, d != NULL ? d->name : name, sizeof(o->domain));
	o->trust_anchor = c->trust_anchor;
	o->root_hints = c->root_hints;
	o->ca_file = c->ca_file;
	o->rrsig_warn = t->rrsig_warn;
	o->rrsig_crit = t->rrsig_crit;
	o->cert_warn = t->cert_warn;
	o->cert_crit = t->cert_crit;
	o->serial_lag_warn = t->serial_lag_warn;
	o->serial_lag_crit = t->serial_lag_crit;
	o->serial_grace = t->serial_grace;
	o->cds_grace = t->cds_grace;
	o->timeout_s = (int)(d != NULL ? d->timeout : c->timeout);
	o->step_timeout_ms = (int)(c->step_timeout * 1000);
	o->resolvers = c->resolvers;
	o->nresolvers = c->nresolvers;
	if (d != NULL) {
		o->tlsa = d->tlsa;
		o->ntlsa = d->ntlsa;
		o->expected_ns = d->nameservers;
		o->nexpected_ns = d->nnameservers;
		o->unsigned_ok = d->unsigned_ok;
		o->caa_required = d->caa_required;
	}
	o->ip_families = d != NULL ? d->ip_families : c->ip_families;
}

int
dp_config_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
                       struct dp_err *err)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	uint64_t port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (colon == NULL || dp_parse_u64(colon + 1, 1, 65535, &port) != 0)
		return dp_err_set(err, DP_EINVAL, "'%s' is not ADDRESS:PORT (port 1-65535)", s);
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return dp_err_set(err, DP_EINVAL, "'%s': address too long", s);
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (hl == 0 || strcmp(host, "*") == 0)
		dp_strlcpy(host, "0.0.0.0", sizeof(host));
	if (strchr(host, ':') != NULL) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return dp_err_set(err, DP_EINVAL, "'%s' is not an IPv6 address", host);
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return 0;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

	if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
		return dp_err_set(err, DP_EINVAL, "'%s' is not an IP address", host);
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	*len = sizeof(*a4);
	return 0;
}

void
dp_config_format_duration(int64_t s, char *buf, size_t bufsz)
{
	static const struct {
		int64_t secs;
		char unit;
	} units[] = {{7 * 86400, 'w'}, {86400, 'd'}, {3600, 'h'}, {60, 'm'}};

	for (size_t i = 0; s > 0 && i < sizeof(units) / sizeof(units[0]); i++) {
		if (s % units[i].secs == 0) {
			dp_snprintf(buf, bufsz, "%" PRId64 "%c", s / units[i].secs, units[i].unit);
			return;
		}
	}
	dp_snprintf(buf, bufsz, "%" PRId64 "s", s);
}
