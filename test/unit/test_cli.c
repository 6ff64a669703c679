/* Unit tests of `dnsprobe check` argument parsing, --at, --tlsa and --only/--skip selection. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cli.h"
#include "engine/engine.h"

static int
parse(struct dp_cli *cli, struct dp_err *err, int argc, ...)
{
	char *argv[32];
	va_list ap;
	int rc;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	argv[argc] = NULL;
	rc = dp_cli_parse_check(argc, argv, cli, err);
	return rc;
}

static void
test_defaults(void **state)
{
	struct dp_cli cli;
	struct dp_err err = {0};

	(void)state;
	assert_int_equal(parse(&cli, &err, 2, "check", "Glitter.KR."), 0);
	assert_string_equal(cli.opts.domain, "glitter.kr");
	assert_int_equal(cli.opts.rrsig_warn, 72 * 3600);
	assert_int_equal(cli.opts.rrsig_crit, 24 * 3600);
	assert_int_equal(cli.opts.cert_warn, 14 * 86400);
	assert_int_equal(cli.opts.cert_crit, 3 * 86400);
	assert_int_equal(cli.opts.serial_lag_warn, 0);
	assert_int_equal(cli.opts.serial_lag_crit, -1);
	assert_int_equal(cli.output, DP_OUTPUT_TEXT);
	assert_int_equal(cli.opts.ip_families, 0);
	dp_cli_clear(&cli);
}

/* -4 / -6 (SPEC §1): one family; repeating one is fine, both together is not. */
static void
test_families(void **state)
{
	struct dp_cli cli;
	struct dp_err err = {0};
	const char *both[] = {"check", "-4", "-6", "glitter.kr", NULL};
	struct dp_err e2 = {0};
	char *argv[8];

	(void)state;
	assert_int_equal(parse(&cli, &err, 3, "check", "-4", "glitter.kr"), 0);
	assert_int_equal(cli.opts.ip_families, DP_IPV4);
	dp_cli_clear(&cli);
	assert_int_equal(parse(&cli, &err, 4, "check", "-6", "-6", "glitter.kr"), 0);
	assert_int_equal(cli.opts.ip_families, DP_IPV6);
	dp_cli_clear(&cli);
	for (int i = 0; i <= 4; i++)
		argv[i] = (char *)both[i];
	assert_int_not_equal(dp_cli_parse_check(4, argv, &cli, &e2), 0);
	assert_non_null(strstr(e2.msg, "-4 and -6 exclude each other"));
	dp_cli_clear(&cli);
}

static void
test_options(void **state)
{
	struct dp_cli cli;
	struct dp_err err = {0};

	(void)state;
	assert_int_equal(parse(&cli, &err, 17, "check", "-o", "json", "--tlsa", "587:Mail.glitter.kr",
			       "--tlsa", "443:captcha.glitter.kr", "--rrsig-warn", "4d",
			       "--resolver", "::1", "-t", "30", "-vv", "--serial-lag-crit", "5",
			       "glitter.kr"),
			 0);
	assert_int_equal(cli.output, DP_OUTPUT_JSON);
	assert_int_equal(cli.opts.ntlsa, 2);
	assert_int_equal(cli.opts.tlsa[0].port, 587);
	assert_string_equal(cli.opts.tlsa[0].host, "mail.glitter.kr");
	assert_int_equal(cli.opts.rrsig_warn, 4 * 86400);
	assert_true(cli.set_rrsig_warn);
	assert_false(cli.set_rrsig_crit);
	assert_int_equal(cli.opts.nresolvers, 1);
	assert_string_equal(cli.opts.resolvers[0], "::1");
	assert_int_equal(cli.opts.timeout_s, 30);
	assert_int_equal(cli.verbose, 2);
	assert_int_equal(cli.opts.serial_lag_crit, 5);
	dp_cli_clear(&cli);
}

static void
expect_bad(int argc, const char **cargv, const char *needle)
{
	struct dp_cli cli;
	struct dp_err err = {0};
	char *argv[16];

	/* getopt permutes the pointers, never the strings. */
	for (int i = 0; i <= argc; i++)
		argv[i] = (char *)cargv[i];
	assert_int_not_equal(dp_cli_parse_check(argc, argv, &cli, &err), 0);
	if (strstr(err.msg, needle) == NULL)
		fail_msg("error '%s' does not mention '%s'", err.msg, needle);
	dp_cli_clear(&cli);
}

static void
test_bad_arguments(void **state)
{
	const char *a1[] = {"check", NULL};
	const char *a2[] = {"check", "-o", "xml", "glitter.kr", NULL};
	const char *a3[] = {"check", "--tlsa", "70000:mail.glitter.kr", "glitter.kr", NULL};
	const char *a4[] = {"check", "--tlsa", "mail.glitter.kr", "glitter.kr", NULL};
	const char *a5[] = {"check", "--rrsig-warn", "soon", "glitter.kr", NULL};
	const char *a6[] = {"check", "--resolver", "one.one.one.one", "glitter.kr", NULL};
	const char *a7[] = {"check", "glitter..kr", NULL};
	const char *a8[] = {"check", "a.kr", "b.kr", NULL};
	const char *a9[] = {"check", "--bogus", "glitter.kr", NULL};
	const char *a10[] = {"check", "--rrsig-warn", "1h", "--rrsig-crit", "2h", "glitter.kr", NULL};
	const char *a11[] = {"check", "-t", "0", "glitter.kr", NULL};
	const char *a12[] = {"check", "glitter.kr", "-o", NULL};
	const char *a13[] = {"check", "--at", "tomorrow", "glitter.kr", NULL};

	(void)state;
	expect_bad(1, a1, "no domain");
	expect_bad(4, a2, "--output");
	expect_bad(4, a3, "port");
	expect_bad(4, a4, "PORT:HOST");
	expect_bad(4, a5, "--rrsig-warn");
	expect_bad(4, a6, "--resolver");
	expect_bad(2, a7, "empty label");
	expect_bad(3, a8, "more than one");
	expect_bad(3, a9, "unknown option");
	expect_bad(6, a10, "critical threshold");
	expect_bad(4, a11, "--timeout");
	expect_bad(3, a12, "needs a value");
	expect_bad(4, a13, "--at");
}

static void
test_at(void **state)
{
	struct dp_err err = {0};
	int64_t t = 0;

	(void)state;
	assert_int_equal(dp_cli_parse_at("+72h", 1000, &t, &err), 0);
	assert_int_equal(t, 1000 + 72 * 3600);
	assert_int_equal(dp_cli_parse_at("2026-12-01", 0, &t, &err), 0);
	assert_int_equal(t, 1796083200);
	assert_int_equal(dp_cli_parse_at("2026-12-01T12:00:00Z", 0, &t, &err), 0);
	assert_int_equal(t, 1796083200 + 12 * 3600);
	assert_int_not_equal(dp_cli_parse_at("2026-12-01T12:00:00+09:00", 0, &t, &err), 0);
	assert_int_not_equal(dp_cli_parse_at("+", 0, &t, &err), 0);
	assert_int_not_equal(dp_cli_parse_at("2026-13-45", 0, &t, &err), 0);
}

static void
test_selection(void **state)
{
	struct dp_selection sel;
	struct dp_err err = {0};

	(void)state;
	assert_int_equal(dp_selection_parse(&sel, NULL, NULL, &err), 0);
	assert_true(sel.on[0]);
	assert_int_equal(dp_selection_parse(&sel, "dnssec.chain", NULL, &err), 0);
	assert_true(sel.on[0]);
	assert_int_equal(dp_selection_parse(&sel, NULL, "dnssec.chain", &err), 0);
	assert_false(sel.on[0]);
	assert_int_not_equal(dp_selection_parse(&sel, "dnssec.nope", NULL, &err), 0);
	assert_non_null(strstr(err.msg, "dnssec.nope"));
	assert_int_not_equal(dp_selection_parse(&sel, NULL, "dnssec.chain,,caa", &err), 0);
	/* A family selects the ids under it, and only those: ns.hygiene is ns.hygiene.*, never
	 * ns.soa_serial; a part of a label is no family. */
	assert_int_equal(dp_selection_parse(&sel, "ns.hygiene", NULL, &err), 0);
	for (size_t i = 0; dp_engine_check_id(i) != NULL; i++)
		assert_int_equal(sel.on[i], strncmp(dp_engine_check_id(i), "ns.hygiene.", 11) == 0);
	assert_int_equal(dp_selection_parse(&sel, NULL, "ns", &err), 0);
	for (size_t i = 0; dp_engine_check_id(i) != NULL; i++)
		assert_int_equal(sel.on[i], strncmp(dp_engine_check_id(i), "ns.", 3) != 0);
	assert_int_not_equal(dp_selection_parse(&sel, "ns.hyg", NULL, &err), 0);
	assert_int_not_equal(dp_selection_parse(&sel, "dns", NULL, &err), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),	cmocka_unit_test(test_options),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_bad_arguments), cmocka_unit_test(test_at),
		cmocka_unit_test(test_selection),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
