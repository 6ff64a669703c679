/* Command-line parsing of `dnsprobe check` into run options. */
#pragma once

#include "dnsprobe/probe.h"
#include "dnsprobe/result.h"

struct dp_config;

/* Everything `check` was asked to do. Arrays are owned; free with dp_cli_clear. */
struct dp_cli {
	struct dp_check_opts opts;
	enum dp_output output;
	int verbose;
	const char *config; /* -c FILE */
	struct dp_config *file; /* -c FILE loaded (owned; opts may point into it) */
	char *only;
	char *skip;
	bool help;
	/* Which options were given explicitly (they win over the config file). */
	bool set_rrsig_warn, set_rrsig_crit, set_cert_warn, set_cert_crit;
	bool set_serial_lag_warn, set_serial_lag_crit, set_timeout;
};

/* Defaults of SPEC §1: rrsig 72h/24h, cert 14d/3d, lag 0/off, timeout 60 s, step 5 s. */
void dp_cli_defaults(struct dp_check_opts *o);
/* Parse argv (after the word "check"). The domain is normalised into opts.domain. */
int dp_cli_parse_check(int argc, char **argv, struct dp_cli *cli, struct dp_err *err) DP_WUR;
void dp_cli_clear(struct dp_cli *cli);
/* "--tlsa PORT:HOST" into spec. */
int dp_cli_parse_endpoint(const char *s, struct dp_endpoint_spec *spec, struct dp_err *err) DP_WUR;
/* "--at": "+72h" (from now) or an RFC 3339 date/time ("2026-12-01", "2026-12-01T12:00:00Z"). */
int dp_cli_parse_at(const char *s, int64_t now, int64_t *out, struct dp_err *err) DP_WUR;
/* Append a copy of s to a string array. */
int dp_strv_push(char ***v, size_t *n, const char *s) DP_WUR;
void dp_strv_free(char **v, size_t n);
void dp_cli_usage(FILE *f);
