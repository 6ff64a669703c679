/* Unit tests of the file reader (base/file.c) and the trust anchor / root hints parsers
 * (dns/zonefile.c): every odd file is one clear error naming it, promptly (issue 13). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/file.h"
#include "dns/dns.h"

#define KSK ". 3600 IN DNSKEY 257 3 13 ku4ztRZgeEXiKlPYUofOxfD0dBXoA+a3i2niUb55AuFTC2SRa8nwSojT sCAzFc6uHekP9Wqj3+IW62xRmkq/tw=="
#define DS  ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	dp_strlcpy(dir, "/tmp/dp-test-file.XXXXXX", sizeof(dir));
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	return dp_snprintf(cmd, sizeof(cmd), "rm -rf %s", dir) ? system(cmd) : -1;
}

/* dir/name with the given contents (NULL: none, the file is not created). */
static const char *
file_with(const char *name, const char *text, size_t len)
{
	static char path[128];
	FILE *f;

	assert_true(dp_snprintf(path, sizeof(path), "%s/%s", dir, name));
	if (text == NULL)
		return path;
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	return path;
}

/* dp_file_read of path with cap must fail with exactly "PATH: why". */
static void
refused(const char *path, size_t cap, const char *why)
{
	struct dp_err err = {0};
	char want[256];
	char *buf = (char *)1;
	size_t len = 7;

	assert_int_not_equal(dp_file_read(path, cap, &buf, &len, &err), 0);
	assert_null(buf);
	assert_int_equal(len, 0);
	assert_true(dp_snprintf(want, sizeof(want), "%s: %s", path, why));
	assert_string_equal(err.msg, want);
	assert_int_not_equal(dp_file_check(path, cap, &err), 0);
}

static void
test_good(void **state)
{
	const char *p = file_with("good", "hello\n", 6);
	struct dp_err err = {0};
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(dp_file_read(p, 6, &buf, &len, &err), 0);
	assert_int_equal(len, 6);
	assert_string_equal(buf, "hello\n"); /* NUL-terminated */
	free(buf);
	assert_int_equal(dp_file_check(p, 6, &err), 0);
}

static void
test_empty(void **state)
{
	const char *p = file_with("empty", "", 0);
	struct dp_err err = {0};
	char *buf = NULL;
	size_t len = 1;

	(void)state;
	assert_int_equal(dp_file_read(p, 100, &buf, &len, &err), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
}

static void
test_oversize(void **state)
{
	(void)state;
	refused(file_with("big", "1234567", 7), 6, "larger than 6 bytes");
}

static void
test_missing(void **state)
{
	(void)state;
	refused(file_with("nothere", NULL, 0), 100, "No such file or directory");
}

static void
test_directory(void **state)
{
	(void)state;
	refused(dir, 100, "is a directory, not a regular file");
}

static void
test_devzero(void **state)
{
	(void)state;
	refused("/dev/zero", DP_TRUST_ANCHOR_MAX_BYTES, "is a character device, not a regular file");
}

/* A FIFO without a writer: open() must not block (the test would hang here otherwise). */
static void
test_fifo(void **state)
{
	const char *p = file_with("fifo", NULL, 0);
	double t0 = dp_now_mono();

	(void)state;
	assert_int_equal(mkfifo(p, 0600), 0);
	refused(p, 100, "is a FIFO, not a regular file");
	assert_true(dp_now_mono() - t0 < 1.0);
}

static void
test_anchor(void **state)
{
	const char *text = KSK " ; keytag 20326\n" DS "\n";
	struct dp_zone_rrs z;
	struct dp_err err = {0};

	(void)state;
	assert_int_equal(dp_anchor_parse("ta", text, strlen(text), &z, &err), 0);
	assert_int_equal(z.n, 2);
	assert_int_equal(z.type[0], DP_RR_DNSKEY);
	assert_int_equal(z.type[1], DP_RR_DS);
	assert_non_null(strstr(z.text[1], "20326 8 2"));
	assert_null(strchr(z.text[0], '\n'));
	dp_zone_rrs_free(&z);
	/* Multi-line (parentheses) and $TTL, as zone files have them. */
	text = "$TTL 3600\n$ORIGIN .\n\n@ IN DS ( 20326 8 2 ; comment\n"
	       " E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D )\n"
	       "   IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8E\n";
	assert_int_equal(dp_anchor_parse("ta", text, strlen(text), &z, &err), 0);
	assert_int_equal(z.n, 2);
	assert_true(z.owner_root[1]);
	dp_zone_rrs_free(&z);
}

static void
anchor_refused(const char *text, size_t len, const char *want)
{
	struct dp_zone_rrs z;
	struct dp_err err = {0};

	assert_int_not_equal(dp_anchor_parse("ta", text, len, &z, &err), 0);
	assert_string_equal(err.msg, want);
	assert_int_equal(z.n, 0);
}

static void
test_anchor_bad(void **state)
{
	(void)state;
	anchor_refused("", 0, "trust anchor ta: the file is empty");
	anchor_refused("; only a comment\n", 17, "trust anchor ta: no DS or DNSKEY record in it");
	anchor_refused(". IN NS a.root.\n", 16, "trust anchor ta: record 1 is NS, not DS or DNSKEY");
	anchor_refused("kr. IN DS 1 8 2 AA\n", 19,
	               "trust anchor ta: no DS or DNSKEY record for the root (.)");
	anchor_refused(". IN DS\0 1", 10, "trust anchor ta: contains a NUL byte, not zone-file text");
	anchor_refused(DS "\n. IN DS 20326 8 2 XYZ\n", strlen(DS) + 23,
	               "trust anchor ta:2: not a resource record in zone-file format (RFC 1035 §5)");
	anchor_refused("garbage here\n", 13,
	               "trust anchor ta:1: not a resource record in zone-file format (RFC 1035 §5)");
	anchor_refused(". IN DS ( 1 8 2 AA\n", 19,
	               "trust anchor ta:1: not a resource record in zone-file format (RFC 1035 §5)");
}

static void
test_hints(void **state)
{
	const char *good = ". 3600000 IN NS a.root-servers.lab.\n"
	                   "a.root-servers.lab. 3600000 IN A 127.0.0.2\n"
	                   "a.root-servers.lab. 3600000 IN AAAA ::2\n";
	const char *bad = ". IN NS a.root.\na.root. IN A 127.0.0.2\nx. IN MX 1 y.\n";
	struct dp_err err = {0};

	(void)state;
	assert_int_equal(dp_hints_parse("h", good, strlen(good), &err), 0);
	assert_int_not_equal(dp_hints_parse("h", bad, strlen(bad), &err), 0);
	assert_string_equal(err.msg, "root hints h: record 3 is MX, not a root NS, A or AAAA");
	assert_int_not_equal(dp_hints_parse("h", good, 36, &err), 0); /* NS only */
	assert_string_equal(err.msg, "root hints h: needs NS records for the root (.) and the "
	                             "A/AAAA of their names");
}

/* The resolver reads both files the same way: a directory as hints is refused by name. */
static void
test_resolver_files(void **state)
{
	const char *ta = file_with("root.key", KSK "\n", strlen(KSK) + 1);
	struct dp_resolver_opts o = {.trust_anchor = ta};
	struct dp_resolver *r = NULL;
	struct dp_err err = {0};
	char want[256];

	(void)state;
	assert_int_equal(dp_resolver_check_files(&o, &err), 0);
	o.root_hints = dir;
	assert_int_not_equal(dp_resolver_new(&o, &r, &err), 0);
	assert_null(r);
	assert_true(dp_snprintf(want, sizeof(want), "root hints %s: is a directory, not a regular "
	                                            "file",
	                        dir));
	assert_string_equal(err.msg, want);
	o.root_hints = NULL;
	o.trust_anchor = "/dev/zero";
	assert_int_not_equal(dp_resolver_new(&o, &r, &err), 0);
	assert_string_equal(err.msg,
	                    "trust anchor /dev/zero: is a character device, not a regular file");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),       cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_oversize),   cmocka_unit_test(test_missing),
	    cmocka_unit_test(test_directory),  cmocka_unit_test(test_devzero),
	    cmocka_unit_test(test_fifo),       cmocka_unit_test(test_anchor),
	    cmocka_unit_test(test_anchor_bad), cmocka_unit_test(test_hints),
	    cmocka_unit_test(test_resolver_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
