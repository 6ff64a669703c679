/* Command-line parsing of `dnsprobe check` (SPEC §1): getopt_long, one line and exit 3 on error. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "config/config_file.h"
#include "engine/opts.h"

enum {
	OPT_CA_FILE = 256,
	OPT_TLSA,
	OPT_RESOLVER,
	OPT_AT,
	OPT_RRSIG_WARN,
	OPT_RRSIG_CRIT,
	OPT_CERT_WARN,
	OPT_CERT_CRIT,
	OPT_LAG_WARN,
	OPT_LAG_CRIT,
	OPT_CDS_GRACE,
	OPT_ONLY,
	OPT_SKIP,
	OPT_STEP_TIMEOUT,
	OPT_UNSIGNED,
	OPT_STATE,
};

static const struct option long_opts[] = {
	{"config", required_argument, NULL, 'c'},
	{"trust-anchor", required_argument, NULL, 'a'},
	{"root-hints", required_argument, NULL, 'r'},
	{"ca-file", required_argument, NULL, OPT_CA_FILE},
	{"tlsa", required_argument, NULL, OPT_TLSA},
	{"resolver", required_argument, NULL, OPT_RESOLVER},
	{"at", required_argument, NULL, OPT_AT},
	{"output", required_argument, NULL, 'o'},
	{"rrsig-warn", required_argument, NULL, OPT_RRSIG_WARN},
	{"rrsig-crit", required_argument, NULL, OPT_RRSIG_CRIT},
	{"cert-warn", required_argument, NULL, OPT_CERT_WARN},
	{"cert-crit", required_argument, NULL, OPT_CERT_CRIT},
	{"serial-lag-warn", required_argument, NULL, OPT_LAG_WARN},
	{"serial-lag-crit", required_argument, NULL, OPT_LAG_CRIT},
	{"cds-grace", required_argument, NULL, OPT_CDS_GRACE},
	{"timeout", required_argument, NULL, 't'},
	{"step-timeout", required_argument, NULL, OPT_STEP_TIMEOUT},
	{"only", required_argument, NULL, OPT_ONLY},
	{"skip", required_argument, NULL, OPT_SKIP},
	{"unsigned", no_argument, NULL, OPT_UNSIGNED},
	{"state", required_argument, NULL, OPT_STATE},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

void
dp_cli_usage(FILE *f)
{
	fputs("usage: dnsprobe check [OPTIONS] DOMAIN\n"
	      "       dnsprobe monitor [-c FILE] [-l ADDR:PORT]\n"
	      "       dnsprobe monitor -n [-v] -c FILE\n"
	      "       dnsprobe version\n"
	      "\n"
	      "check options:\n"
	      "  -c, --config FILE        defaults and this domain's settings from FILE\n"
	      "  -a, --trust-anchor FILE  root trust anchor (DS/DNSKEY RRs); default " DP_DEFAULT_TRUST_ANCHOR "\n"
	      "  -r, --root-hints FILE    root hints zone file; default built-in IANA hints\n"
	      "      --ca-file FILE       extra PEM CAs trusted for PKIX checks\n"
	      "      --tlsa PORT:HOST     extra DANE endpoint (repeatable); 25 on every MX is implied\n"
	      "      --resolver ADDR      also compare with this validating resolver (repeatable)\n"
	      "      --at TIME            validate as of +DURATION or an RFC 3339 date\n"
	      "  -o, --output FORMAT      text, nagios or json (default text)\n"
	      "      --rrsig-warn DUR     warn when a signature expires within DUR (72h)\n"
	      "      --rrsig-crit DUR     critical within DUR (24h)\n"
	      "      --cert-warn DUR      warn when a certificate expires within DUR (14d)\n"
	      "      --cert-crit DUR      critical within DUR (3d)\n"
	      "      --serial-lag-warn N  SOA serial distance that warns (0: any disagreement)\n"
	      "      --serial-lag-crit N  SOA serial distance that is critical (off)\n"
	      "      --cds-grace DUR      warn when the parent has not picked up a CDS for DUR (2d)\n"
	      "  -t, --timeout SECONDS    wall-clock limit of the whole run (60); what is not done\n"
	      "                           by then is UNKNOWN (\"not checked: budget exhausted\")\n"
	      "      --step-timeout DUR   budget of each network step (5s)\n"
	      "      --only ID[,ID]       run only these checks\n"
	      "      --skip ID[,ID]       skip these checks\n"
	      "      --state FILE         the checks' memory across runs, as the monitor keeps it\n"
	      "                           (read, then written back; created if missing)\n"
	      "  -4 / -6                  use only IPv4 / only IPv6 addresses\n"
	      "      --unsigned           the domain is meant to be unsigned (config: unsigned)\n"
	      "  -v, --verbose            more detail (repeatable)\n"
	      "  -V, --version            the version, like `dnsprobe version` (exit 3)\n"
	      "  -h, --help               this text (exit 3, as monitoring plugins do)\n"
	      "\n"
	      "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n",
	      f);
}

int
dp_cli_parse_at(const char *s, int64_t now, int64_t *out, struct dp_err *err)
{
	struct tm tm;
	const char *end;
	int64_t d;

	if (s[0] == '+') {
		if (dp_duration_parse(s + 1, &d, err) != 0)
			return dp_err_set(err, DP_EINVAL, "--at: '%s' is not +DURATION", s);
		*out = now + d;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d", &tm);
	}
	/* RFC 3339: only UTC ("Z") is accepted, to keep the meaning unambiguous. */
	if (end == NULL || (*end != '\0' && strcmp(end, "Z") != 0))
		return dp_err_set(err, DP_EINVAL,
				  "--at: '%s' is neither +DURATION nor an RFC 3339 UTC date", s);
	*out = (int64_t)timegm(&tm);
	return 0;
}

static int
parse_dur(const char *opt, const char *v, int64_t *out, bool *set, struct dp_err *err)
{
	struct dp_err e = {0};

	if (dp_duration_parse(v, out, &e) != 0)
		return dp_err_set(err, DP_EINVAL, "%s: %s", opt, e.msg);
	*set = true;
	return 0;
}

static int
parse_lag(const char *opt, const char *v, int64_t *out, bool *set, struct dp_err *err)
{
	uint64_t n;

	if (dp_parse_u64(v, 0, UINT32_MAX / 2, &n) != 0)
		return dp_err_set(err, DP_EINVAL, "%s: '%s' is not a serial distance (0-%u)", opt,
				  v, UINT32_MAX / 2);
	*out = (int64_t)n;
	*set = true;
	return 0;
}

static int
parse_one(int c, const char *arg, struct dp_cli *cli, struct dp_err *err)
{
	struct dp_check_opts *o = &cli->opts;
	struct dp_endpoint_spec spec;
	uint64_t n;
	int64_t d;
	bool dummy;
	int rc = 0;

	switch (c) {
	case 'c':
		cli->config = arg;
		break;
	case 'a':
		o->trust_anchor = arg;
		break;
	case 'r':
		o->root_hints = arg;
		break;
	case OPT_CA_FILE:
		o->ca_file = arg;
		break;
	case OPT_STATE:
		cli->state = arg;
		break;
	case OPT_TLSA: {
		struct dp_endpoint_spec *nv;

		struct dp_err e = {0};

		rc = dp_endpoint_parse(arg, &spec, &e);
		if (rc != 0)
			return dp_err_set(err, rc, "--tlsa: %s", e.msg);
		nv = realloc(o->tlsa, (o->ntlsa + 1) * sizeof(*nv));
		if (nv == NULL)
			return dp_err_set(err, DP_ENOMEM, "out of memory");
		o->tlsa = nv;
		nv[o->ntlsa++] = spec;
		break;
	}
	case OPT_RESOLVER: {
		struct dp_addr a;

		if (dp_addr_parse(arg, &a) != 0)
			return dp_err_set(err, DP_EINVAL, "--resolver: '%s' is not an IP address",
					  arg);
		rc = dp_strv_push(&o->resolvers, &o->nresolvers, a.text);
		break;
	}
	case OPT_AT:
		rc = dp_cli_parse_at(arg, (int64_t)dp_now_wall(), &o->at, err);
		break;
	case 'o':
		if (dp_output_parse(arg) < 0)
			return dp_err_set(err, DP_EINVAL,
					  "--output: '%s' is not text, nagios or json", arg);
		cli->output = (enum dp_output)dp_output_parse(arg);
		break;
	case OPT_RRSIG_WARN:
		rc = parse_dur("--rrsig-warn", arg, &o->rrsig_warn, &cli->set_rrsig_warn, err);
		break;
	case OPT_RRSIG_CRIT:
		rc = parse_dur("--rrsig-crit", arg, &o->rrsig_crit, &cli->set_rrsig_crit, err);
		break;
	case OPT_CERT_WARN:
		rc = parse_dur("--cert-warn", arg, &o->cert_warn, &cli->set_cert_warn, err);
		break;
	case OPT_CERT_CRIT:
		rc = parse_dur("--cert-crit", arg, &o->cert_crit, &cli->set_cert_crit, err);
		break;
	case OPT_LAG_WARN:
		rc = parse_lag("--serial-lag-warn", arg, &o->serial_lag_warn,
			       &cli->set_serial_lag_warn, err);
		break;
	case OPT_LAG_CRIT:
		rc = parse_lag("--serial-lag-crit", arg, &o->serial_lag_crit,
			       &cli->set_serial_lag_crit, err);
		break;
	case OPT_CDS_GRACE:
		rc = parse_dur("--cds-grace", arg, &o->cds_grace, &cli->set_cds_grace, err);
		break;
	case 't':
		if (dp_parse_u64(arg, 1, 86400, &n) != 0)
			return dp_err_set(err, DP_EINVAL, "--timeout: '%s' is not 1-86400 seconds",
					  arg);
		o->timeout_s = (int)n;
		cli->set_timeout = true;
		break;
	case OPT_STEP_TIMEOUT:
		rc = parse_dur("--step-timeout", arg, &d, &dummy, err);
		if (rc == 0 && (d < 1 || d > 600))
			rc = dp_err_set(err, DP_EINVAL, "--step-timeout: 1s to 10m");
		o->step_timeout_ms = (int)(d * 1000);
		break;
	case OPT_ONLY:
		free(cli->only);
		cli->only = dp_strdup(arg);
		break;
	case OPT_SKIP:
		free(cli->skip);
		cli->skip = dp_strdup(arg);
		break;
	case '4':
	case '6':
		/* SPEC §1: only IPv4 / only IPv6 addresses, as `dig -4` / `dig -6` */
		if (o->ip_families != 0 && o->ip_families != (c == '4' ? DP_IPV4 : DP_IPV6))
			return dp_err_set(err, DP_EINVAL, "-4 and -6 exclude each other");
		o->ip_families = c == '4' ? DP_IPV4 : DP_IPV6;
		break;
	case OPT_UNSIGNED:
		o->unsigned_ok = true;
		break;
	case 'v':
		cli->verbose++;
		break;
	case 'h':
		cli->help = true;
		break;
	case 'V':
		cli->version = true;
		break;
	default:
		return dp_err_set(err, DP_EINVAL, "unknown option (see dnsprobe check --help)");
	}
	if (rc == DP_ENOMEM)
		return dp_err_set(err, rc, "out of memory");
	return rc;
}

int
dp_cli_parse_check(int argc, char **argv, struct dp_cli *cli, struct dp_err *err)
{
	struct dp_err e = {0};
	int c;
	int rc;

	memset(cli, 0, sizeof(*cli));
	dp_opts_defaults(&cli->opts);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:a:r:o:t:vhV46", long_opts, NULL)) != -1) {
		if (c == ':')
			return dp_err_set(err, DP_EINVAL, "option %s needs a value",
					  argv[optind - 1]);
		if (c == '?')
			return dp_err_set(err, DP_EINVAL, "unknown option '%s'", argv[optind - 1]);
		rc = parse_one(c, optarg, cli, err);
		if (rc != 0)
			return rc;
	}
	if (cli->help || cli->version)
		return 0;
	if (optind + 1 != argc)
		return dp_err_set(err, DP_EINVAL,
				  optind == argc ? "no domain given (dnsprobe check DOMAIN)"
						 : "more than one domain given");
	if (cli->opts.rrsig_crit > cli->opts.rrsig_warn || cli->opts.cert_crit > cli->opts.cert_warn)
		return dp_err_set(err, DP_EINVAL, "a critical threshold is longer than its warning "
						  "threshold");
	rc = dp_name_from_input(argv[optind], cli->opts.domain, sizeof(cli->opts.domain), &e);
	if (rc != 0)
		return dp_err_set(err, rc, "'%s': %s", argv[optind], e.msg);
	if (cli->opts.domain[0] == '\0')
		return dp_err_set(err, DP_EINVAL, "the root zone is not a domain to check");
	return 0;
}

void
dp_cli_clear(struct dp_cli *cli)
{
	free(cli->opts.tlsa);
	dp_strv_free(cli->opts.resolvers, cli->opts.nresolvers);
	dp_strv_free(cli->opts.expected_ns, cli->opts.nexpected_ns);
	free(cli->only);
	free(cli->skip);
	dp_config_free(cli->file);
	memset(cli, 0, sizeof(*cli));
}
