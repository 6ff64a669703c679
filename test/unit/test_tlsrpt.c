/* Unit tests of the TLS-RPT record parser (RFC 8460 §3), with hostile inputs. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mail/tlsrpt.h"

static int
parse(const char *s, struct dp_tlsrpt *t, struct dp_err *err)
{
	return dp_tlsrpt_parse(s, strlen(s), t, err);
}

static void
test_valid(void **state)
{
	struct dp_tlsrpt t;
	struct dp_err err = {0};

	(void)state;
	assert_int_equal(parse("v=TLSRPTv1; rua=mailto:tlsrpt@glitter.kr", &t, &err), 0);
	assert_int_equal(t.nrua, 1);
	assert_int_equal(t.rua[0].scheme, DP_TLSRPT_MAILTO);
	assert_string_equal(t.rua[0].uri, "mailto:tlsrpt@glitter.kr");
	assert_int_equal(parse("v=TLSRPTv1;rua=mailto:a@b.kr , https://r.example.com/v1/tls?x=1;"
	                       " ext=1 ;",
	                       &t, &err),
	                 0);
	assert_int_equal(t.nrua, 2);
	assert_int_equal(t.rua[1].scheme, DP_TLSRPT_HTTPS);
	assert_string_equal(t.rua[1].uri, "https://r.example.com/v1/tls?x=1");
	assert_int_equal(t.nextensions, 1);
	assert_string_equal(dp_tlsrpt_scheme_str(t.rua[1].scheme), "https");
	assert_int_equal(parse("v=TLSRPTv1; rua=MAILTO:a@b.kr%2Cc@d.kr?subject=r", &t, &err), 0);
	/* RFC 8460 §3: the rua field may repeat; the URIs add up. */
	assert_int_equal(parse("v=TLSRPTv1; rua=mailto:a@b.kr; x=1; rua=https://r.kr/", &t, &err), 0);
	assert_int_equal(t.nrua, 2);
	assert_int_equal(t.nrua_fields, 2);
	assert_int_equal(t.rua[1].scheme, DP_TLSRPT_HTTPS);
	assert_int_equal(parse("v=TLSRPTv1; rua=https://[2001:db8::1]:8443/r", &t, &err), 0);
	assert_false(dp_tlsrpt_is_tlsrpt("v=TLSRPTv1", 10)); /* no ';': not a record */
	assert_true(dp_tlsrpt_is_tlsrpt("v=TLSRPTv1;", 11));
	assert_false(dp_tlsrpt_is_tlsrpt("v=TLSRPTv10", 11));
	assert_false(dp_tlsrpt_is_tlsrpt("v=STSv1; id=1", 13));
}

static void
test_hostile(void **state)
{
	static const struct {
		const char *rec;
		const char *reason;
	} bad[] = {
	    {"", "v=TLSRPTv1"},
	    {"v=TLSRPTv1", "begin"},
	    {"v=TLSRPTv1;", "no rua"},
	    {"v=TLSRPTv2; rua=mailto:a@b.kr", "v=TLSRPTv1"},
	    {"rua=mailto:a@b.kr; v=TLSRPTv1", "v=TLSRPTv1"},
	    {"v=TLSRPTv1; rua=ftp://x", "neither mailto: nor https:"},
	    {"v=TLSRPTv1; rua=http://r.example.com/", "neither"},
	    {"v=TLSRPTv1; rua=", "empty rua"},
	    {"v=TLSRPTv1; rua=mailto:a@b.kr,", "empty rua"},
	    {"v=TLSRPTv1; rua=,mailto:a@b.kr", "empty rua"},
	    {"v=TLSRPTv1; rua=MAILTO:a%2Cb@b.kr", "not local@domain"},
	    {"v=TLSRPTv1; rua=mailto:a!b@b.kr", "percent-encoded"},
	    {"v=TLSRPTv1; rua=https://r.kr/a!b", "percent-encoded"},
	    {"v=TLSRPTv1; rua=https://r.kr/%zz", "percent-encoded"},
	    {"v=TLSRPTv1; rua=mailto:a@b.kr?x", "header=value"},
	    {"v=TLSRPTv1; rua=mailto:a@b.kr?x=1=2", "header=value"},
	    {"v=TLSRPTv1; rua=mailto:a..b@b.kr", "dot-atom"},
	    {"v=TLSRPTv1; rua=https://r.kr:44x/", "port"},
	    {"v=TLSRPTv1; rua=mailto:", "malformed"},
	    {"v=TLSRPTv1; rua=mailto:@b.kr", "malformed"},
	    {"v=TLSRPTv1; rua=mailto:a@", "malformed"},
	    {"v=TLSRPTv1; rua=mailto:a@b@c.kr", "malformed"},
	    {"v=TLSRPTv1; rua=mailto:a@b..kr", "malformed"},
	    {"v=TLSRPTv1; rua=https:", "malformed"},
	    {"v=TLSRPTv1; rua=https:/x.kr", "malformed"},
	    {"v=TLSRPTv1; rua=https:///path", "malformed"},
	    {"v=TLSRPTv1; rua=mailto:a b@c.kr", "percent-encoded"},
	    {"v=TLSRPTv1; rua=mailto:a\"b@c.kr", "percent-encoded"},
	    {"v=TLSRPTv1; rua=mailto:a@b.kr\x01", "percent-encoded"},
	    {"v=TLSRPTv1 rua=mailto:a@b.kr", "begin"},
	    {"v=TLSRPTv1;; rua=mailto:a@b.kr", "malformed field"},
	    {"v=TLSRPTv1; rua=mailto:a@b.kr; x", "malformed field"},
	    {"v=TLSRPTv1; rua=mailto:a@b.kr; x=", "malformed field"},
	    {"v=TLSRPTv1; rua=mailto:a@b.kr; _x=1", "malformed field"},
	    {"v=TLSRPTv1; rua=m:a@b.kr", "neither"},
	    {"v=TLSRPTv1; rua=a@b.kr", "neither"},
	};
	struct dp_tlsrpt t;
	struct dp_err err;
	char many[2048] = "v=TLSRPTv1; rua=mailto:a@b.kr";
	char longuri[1024] = "v=TLSRPTv1; rua=mailto:";

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (parse(bad[i].rec, &t, &err) == 0)
			fail_msg("accepted \"%s\"", bad[i].rec);
		if (strstr(err.msg, bad[i].reason) == NULL)
			fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", bad[i].rec, err.msg,
			         bad[i].reason);
	}
	/* More URIs than the cap, and a URI longer than the cap. */
	for (int i = 0; i < DP_TLSRPT_MAX_RUA; i++)
		memcpy(many + strlen(many), ",mailto:a@b.kr", 15);
	assert_int_not_equal(parse(many, &t, &err), 0);
	assert_non_null(strstr(err.msg, "more than"));
	memset(longuri + strlen(longuri), 'a', 600);
	memcpy(longuri + strlen(longuri), "@b.kr", 6);
	assert_int_not_equal(parse(longuri, &t, &err), 0);
	assert_non_null(strstr(err.msg, "longer"));
	/* Embedded NUL inside the given length. */
	assert_int_not_equal(dp_tlsrpt_parse("v=TLSRPTv1; rua=mailto:a@b.kr\0x", 31, &t, &err), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
