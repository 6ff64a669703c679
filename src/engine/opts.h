/* The defaults of every run option, in one table shared by the command line and the config file
 * (SPEC §1 and §4), and the parsers of option values that both of them read. */
#pragma once

#include "dnsprobe/probe.h"

/* SPEC §1 thresholds. */
#define DP_DEFAULT_RRSIG_WARN (72 * 3600)
#define DP_DEFAULT_RRSIG_CRIT (24 * 3600)
#define DP_DEFAULT_CERT_WARN  (14 * 86400)
#define DP_DEFAULT_CERT_CRIT  (3 * 86400)
#define DP_DEFAULT_LAG_WARN   0  /* any disagreement warns */
#define DP_DEFAULT_LAG_CRIT   -1 /* off */
#define DP_DEFAULT_GRACE      -1 /* the zone's SOA refresh */
#define DP_DEFAULT_CDS_GRACE  (2 * 86400) /* a CDS the parent has not picked up (dnssec.cds) */
/* Budgets: `check -t` and the config's `timeout` (the monitor runs many domains at once). */
#define DP_DEFAULT_CHECK_TIMEOUT   60
#define DP_DEFAULT_MONITOR_TIMEOUT 30
#define DP_DEFAULT_STEP_S	   5
#define DP_DEFAULT_STEP_MS	   (DP_DEFAULT_STEP_S * 1000)
/* The monitor's schedule and concurrency. */
#define DP_DEFAULT_INTERVAL 300
#define DP_DEFAULT_PARALLEL 16
#define DP_DEFAULT_PROBES   4
/* The monitor's HTTP connections (issue 13): in all, per client address, and the seconds a
 * request's header may take from accept (or from the previous response on the connection). */
#define DP_DEFAULT_HTTP_CONNECTIONS    64
#define DP_DEFAULT_HTTP_PER_CLIENT     16
#define DP_DEFAULT_HTTP_HEADER_TIMEOUT 10

/* o zeroed, then every field set to its default (the `check` budget). */
void dp_opts_defaults(struct dp_check_opts *o);
/* "PORT:HOST" (--tlsa, config `tlsa`) into spec; the host is normalised. */
int dp_endpoint_parse(const char *s, struct dp_endpoint_spec *spec, struct dp_err *err) DP_WUR;
