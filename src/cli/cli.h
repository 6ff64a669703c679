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
	const char *state;  /* --state FILE */
	struct dp_config *file; /* -c FILE loaded (owned; opts may point into it) */
	char *only;
	char *skip;
	bool help;
	bool version; /* -V */
	/* Which options were given explicitly (they win over the config file). */
	bool set_rrsig_warn, set_rrsig_crit, set_cert_warn, set_cert_crit;
	bool set_serial_lag_warn, set_serial_lag_crit, set_cds_grace, set_timeout;
};

/* Parse argv (after the word "check"). The domain is normalised into opts.domain. */
int dp_cli_parse_check(int argc, char **argv, struct dp_cli *cli, struct dp_err *err) DP_WUR;
void dp_cli_clear(struct dp_cli *cli);
/* "--at": "+72h" (from now) or an RFC 3339 date/time ("2026-12-01", "2026-12-01T12:00:00Z"). */
int dp_cli_parse_at(const char *s, int64_t now, int64_t *out, struct dp_err *err) DP_WUR;
void dp_cli_usage(FILE *f);
