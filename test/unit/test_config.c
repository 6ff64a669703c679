/* Unit tests of the monitor's config parser: values, inheritance, and every error path with its
 * FILE:LINE: KEY message. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/check.h"
#include "cli/cli.h"
#include "config/config_file.h"

static struct dp_config *
ok_parse(const char *yaml)
{
	struct dp_config *c = NULL;
	struct dp_err err = {0};
	int rc = dp_config_parse("t.yml", yaml, strlen(yaml), &c, &err);

	if (rc != 0)
		fail_msg("unexpected error: %s", err.msg);
	return c;
}

/* The parse must fail with exactly this message. */
static void
bad(const char *yaml, const char *want)
{
	struct dp_config *c = NULL;
	struct dp_err err = {0};

	assert_int_not_equal(dp_config_parse("t.yml", yaml, strlen(yaml), &c, &err), 0);
	assert_null(c);
	assert_string_equal(err.msg, want);
}

static void
test_defaults(void **state)
{
	struct dp_config *c = ok_parse("");

	(void)state;
	assert_int_equal(c->interval, 300);
	assert_int_equal(c->timeout, 30);
	assert_int_equal(c->max_parallel, 16);
	assert_int_equal(c->probe_concurrency, 4);
	assert_int_equal(c->thr.rrsig_warn, 72 * 3600);
	assert_int_equal(c->thr.serial_lag_crit, -1);
	assert_false(c->allow_any_target);
	assert_int_equal(c->ndomains, 0);
	dp_config_free(c);
}

static void
test_values(void **state)
{
	struct dp_config *c =
	    ok_parse("listen: '[::1]:9999'\ninterval: 1m\ntimeout: 20s\nstep_timeout: 2s\n"
	             "resolvers: [1.1.1.1, '::1']\nallow_any_target: yes\nmax_parallel: 3\n"
	             "thresholds: {rrsig_warn: 4d, cert_crit: 1d, serial_lag_crit: 5}\n"
	             "domains:\n"
	             "  - name: Glitter.KR.\n"
	             "    tlsa: ['587:mail.glitter.kr', '443:Captcha.glitter.kr']\n"
	             "    nameservers: [ns1.glitter.kr, ns2.glitter.kr]\n"
	             "    interval: 10s\n    unsigned: true\n    caa_required: on\n"
	             "    only: dnssec.chain,caa\n"
	             "    thresholds: {serial_grace: 30m, serial_lag_crit: off}\n"
	             "  - name: example.org\n");
	const struct dp_config_domain *d;
	struct dp_check_opts o;

	(void)state;
	assert_int_equal(c->listen_addr.ss_family, AF_INET6);
	assert_int_equal(c->interval, 60);
	assert_int_equal(c->nresolvers, 2);
	assert_true(c->allow_any_target);
	assert_int_equal(c->max_parallel, 3);
	assert_int_equal(c->ndomains, 2);
	d = dp_config_find(c, "glitter.kr");
	assert_non_null(d);
	assert_int_equal(d->interval, 10);
	assert_int_equal(d->ntlsa, 2);
	assert_int_equal(d->tlsa[1].port, 443);
	assert_string_equal(d->tlsa[1].host, "captcha.glitter.kr");
	assert_true(d->unsigned_ok);
	assert_true(d->caa_required);
	assert_string_equal(d->only, "dnssec.chain,caa");
	/* Globals are inherited, overrides win. */
	assert_int_equal(d->thr.rrsig_warn, 4 * 86400);
	assert_int_equal(d->thr.serial_grace, 1800);
	assert_int_equal(d->thr.serial_lag_crit, -1);
	dp_config_domain_opts(c, d, d->name, &o);
	assert_int_equal(o.timeout_s, 20);
	assert_int_equal(o.step_timeout_ms, 2000);
	assert_int_equal(o.nexpected_ns, 2);
	d = dp_config_find(c, "example.org");
	assert_int_equal(d->interval, 60);
	assert_int_equal(d->thr.serial_lag_crit, 5);
	assert_null(dp_config_find(c, "nope.kr"));
	dp_config_free(c);
}

/* ip_families: global, inherited, overridden; both families mean "no limit" (0). */
static void
test_families(void **state)
{
	struct dp_config *c = ok_parse("ip_families: [ipv4]\ndomains:\n  - name: a.kr\n"
	                               "  - name: b.kr\n    ip_families: [ipv6, ipv4]\n"
	                               "  - name: c.kr\n    ip_families: [ipv6]\n");
	struct dp_check_opts o;

	(void)state;
	assert_int_equal(c->ip_families, DP_IPV4);
	dp_config_domain_opts(c, dp_config_find(c, "a.kr"), "a.kr", &o);
	assert_int_equal(o.ip_families, DP_IPV4);
	dp_config_domain_opts(c, dp_config_find(c, "b.kr"), "b.kr", &o);
	assert_int_equal(o.ip_families, 0);
	dp_config_domain_opts(c, dp_config_find(c, "c.kr"), "c.kr", &o);
	assert_int_equal(o.ip_families, DP_IPV6);
	dp_config_domain_opts(c, NULL, "x.kr", &o);
	assert_int_equal(o.ip_families, DP_IPV4);
	dp_config_free(c);
}

static void
test_errors(void **state)
{
	(void)state;
	bad("interval: 5m\nintervall: 3m\n", "t.yml:2: intervall: unknown key");
	bad("domains:\n  - name: a.kr\n    colour: red\n",
	    "t.yml:3: domains[0].colour: unknown key");
	bad("thresholds: {rrsig_wrn: 1d}\n", "t.yml:1: thresholds.rrsig_wrn: unknown key");
	bad("interval: 5x\n", "t.yml:1: interval: '5x' is not a duration (like 30s, 5m, 72h, 14d)");
	bad("timeout: 2h\n", "t.yml:1: timeout: '2h' is out of range (1s to 1h)");
	bad("domains:\n  - name: 'bad name!'\n",
	    "t.yml:2: domains[0].name: 'bad name!' is not a domain name");
	bad("domains:\n  - name: a.kr\n  - name: A.KR.\n",
	    "t.yml:3: domains[1].name: 'a.kr' is listed twice");
	bad("listen: 1.2.3:99\n", "t.yml:1: listen: '1.2.3' is not an IP address");
	bad("listen: 127.0.0.1\n",
	    "t.yml:1: listen: '127.0.0.1' is not ADDRESS:PORT (port 1-65535)");
	bad("listen: 127.0.0.1:70000\n",
	    "t.yml:1: listen: '127.0.0.1:70000' is not ADDRESS:PORT (port 1-65535)");
	bad("domains:\n  - name: a.kr\n    tlsa: ['x:y']\n",
	    "t.yml:3: domains[0].tlsa: 'x:y': port must be 1-65535");
	bad("domains:\n  - name: a.kr\n    tlsa: ['443']\n",
	    "t.yml:3: domains[0].tlsa: '443' is not PORT:HOST");
	bad("domains:\n  - name: a.kr\n    unsigned: maybe\n",
	    "t.yml:3: domains[0].unsigned: 'maybe' is not true or false");
	bad("domains:\n  - tlsa: []\n", "t.yml:2: domains[0]: no name given");
	bad("domains: [a.kr]\n", "t.yml:1: domains[0]: must be a mapping of settings");
	bad("interval: 5m\ninterval: 3m\n", "t.yml:2: interval: duplicate key (first on line 1)");
	bad("resolvers: [1.1.1.x]\n", "t.yml:1: resolvers: '1.1.1.x' is not an IP address");
	bad("max_parallel: 0\n", "t.yml:1: max_parallel: '0' is not a whole number from 1 to 256");
	bad("log_level: loud\n", "t.yml:1: log_level: 'loud' is not error, warn, info or debug");
	bad("thresholds: {rrsig_warn: 1d, rrsig_crit: 2d}\n",
	    "t.yml:1: thresholds: rrsig_crit is longer than rrsig_warn");
	bad("domains:\n  - name: a.kr\n    only: dnssec.nope\n",
	    "t.yml:3: domains[0].only: --only: unknown check id 'dnssec.nope'");
	bad("- a\n- b\n", "t.yml:1: the file must be a mapping of settings");
	bad("interval: &x 1m\ntimeout: *x\n", "t.yml:2: aliases are not supported");
	bad("ip_families: [ipv5]\n", "t.yml:1: ip_families: 'ipv5' is not ipv4 or ipv6");
	bad("ip_families: ipv4\n", "t.yml:1: ip_families: must be a list");
	bad("domains:\n  - name: a.kr\n    ip_families: [ipv6, ipv6]\n",
	    "t.yml:3: domains[0].ip_families: 'ipv6' is listed twice");
	bad("interval: '5m\n",
	    "t.yml:2: found unexpected end of stream while scanning a quoted scalar");
}

static void
test_oversized(void **state)
{
	size_t len = DP_CONFIG_MAX_BYTES + 1;
	char *buf = malloc(len);
	struct dp_config *c = NULL;
	struct dp_err err = {0};

	(void)state;
	assert_non_null(buf);
	memset(buf, '#', len);
	assert_int_equal(dp_config_parse("big.yml", buf, len, &c, &err), DP_EINVAL);
	assert_string_equal(err.msg, "big.yml: larger than 8388608 bytes");
	assert_int_equal(dp_config_parse("nul.yml", "a\0b", 3, &c, &err), DP_EINVAL);
	assert_string_equal(err.msg, "nul.yml: contains a NUL byte");
	free(buf);
}

/* check -c FILE: the domain's settings from the file, the command line winning. */
static void
test_apply_to_cli(void **state)
{
	char path[] = "/tmp/dp-test-config.XXXXXX";
	int fd = mkstemp(path);
	const char *y = "ca_file: /x/ca.pem\ntimeout: 40s\n"
	                "thresholds: {rrsig_warn: 5d, cert_warn: 20d}\n"
	                "domains:\n  - name: glitter.kr\n    tlsa: ['587:mail.glitter.kr']\n"
	                "    skip: caa\n    thresholds: {rrsig_crit: 2d}\n";
	char a0[] = "check", a1[] = "--rrsig-warn", a2[] = "4d", a3[] = "--tlsa";
	char a4[] = "443:www.glitter.kr", a5[] = "glitter.kr";
	char *argv[] = {a0, a1, a2, a3, a4, a5, NULL};
	struct dp_cli cli;
	struct dp_err err = {0};

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, y, strlen(y)), (ssize_t)strlen(y));
	close(fd);
	assert_int_equal(dp_cli_parse_check(6, argv, &cli, &err), 0);
	assert_int_equal(dp_config_apply_to_cli(path, &cli, &err), 0);
	assert_int_equal(cli.opts.rrsig_warn, 4 * 86400); /* command line wins */
	assert_int_equal(cli.opts.rrsig_crit, 2 * 86400); /* the domain's */
	assert_int_equal(cli.opts.cert_warn, 20 * 86400); /* global */
	assert_int_equal(cli.opts.timeout_s, 40);
	assert_string_equal(cli.opts.ca_file, "/x/ca.pem");
	assert_int_equal(cli.opts.ntlsa, 2);
	assert_string_equal(cli.skip, "caa");
	dp_cli_clear(&cli);
	unlink(path);
	assert_int_equal(dp_cli_parse_check(6, argv, &cli, &err), 0);
	assert_int_not_equal(dp_config_apply_to_cli(path, &cli, &err), 0);
	assert_non_null(strstr(err.msg, "No such file"));
	dp_cli_clear(&cli);
}

static void
test_print(void **state)
{
	struct dp_config *c = ok_parse("domains:\n  - name: a.kr\n    interval: 90s\n"
	                               "    tlsa: ['25:mx.a.kr']\n");
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct dp_config *again = NULL;
	struct dp_err err = {0};

	(void)state;
	assert_non_null(f);
	assert_int_equal(dp_config_print(f, c), 0);
	fclose(f);
	assert_non_null(
	    strstr(out, "  - name: a.kr\n    interval: 90s\n    tlsa: [\"25:mx.a.kr\"]\n"));
	/* What is printed parses back to the same settings. */
	assert_int_equal(dp_config_parse("p.yml", out, len, &again, &err), 0);
	assert_int_equal(again->domains[0].interval, 90);
	assert_int_equal(again->interval, c->interval);
	free(out);
	dp_config_free(again);
	dp_config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),     cmocka_unit_test(test_values), cmocka_unit_test(test_families),
	    cmocka_unit_test(test_errors),       cmocka_unit_test(test_oversized),
	    cmocka_unit_test(test_apply_to_cli), cmocka_unit_test(test_print),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
