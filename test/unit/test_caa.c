/* Unit tests of the CAA rdata parser (RFC 8659 §4), with hostile inputs. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns/caa.h"

/* Build a CAA rdata: flags, tag, value. */
static size_t
rdata(uint8_t *buf, uint8_t flags, const char *tag, const char *value)
{
	size_t tl = strlen(tag);
	size_t vl = strlen(value);

	buf[0] = flags;
	buf[1] = (uint8_t)tl;
	memcpy(buf + 2, tag, tl);
	memcpy(buf + 2 + tl, value, vl);
	return 2 + tl + vl;
}

static int
parse(uint8_t flags, const char *tag, const char *value, struct dp_caa *c, struct dp_err *err)
{
	static uint8_t buf[1024];
	size_t n = rdata(buf, flags, tag, value);

	return dp_caa_parse(buf, n, c, err);
}

static void
test_valid(void **state)
{
	struct dp_caa c;
	struct dp_err err = {0};

	(void)state;
	assert_int_equal(parse(0, "issue", "letsencrypt.org", &c, &err), 0);
	assert_int_equal(c.kind, DP_CAA_ISSUE);
	assert_string_equal(c.issuer, "letsencrypt.org");
	assert_string_equal(c.warning, "");
	assert_int_equal(parse(0, "issue", ";", &c, &err), 0);
	assert_string_equal(c.issuer, "");
	assert_int_equal(parse(0, "issue", "", &c, &err), 0);
	assert_string_equal(c.issuer, "");
	assert_int_equal(
	    parse(0, "ISSUEWILD", " ca.example.net ; account=230123 ; policy=ev", &c, &err), 0);
	assert_int_equal(c.kind, DP_CAA_ISSUEWILD);
	assert_string_equal(c.issuer, "ca.example.net");
	assert_int_equal(c.nparams, 2);
	assert_string_equal(dp_caa_kind_str(c.kind), "issuewild");
	assert_int_equal(parse(0, "issue", "ca.example.net; validationmethods=dns-01", &c, &err),
	                 0);
	assert_int_equal(parse(0, "iodef", "mailto:security@glitter.kr", &c, &err), 0);
	assert_int_equal(c.kind, DP_CAA_IODEF);
	assert_int_equal(parse(0, "iodef", "https://iodef.example.com/", &c, &err), 0);
	assert_int_equal(parse(0, "contactemail", "x@glitter.kr", &c, &err), 0);
	assert_int_equal(c.kind, DP_CAA_OTHER);
	assert_string_equal(c.warning, "");
	assert_int_equal(c.value_len, 12);
	/* Parseable, but worth a warning. */
	assert_int_equal(parse(128, "tbs", "Unknown", &c, &err), 0);
	assert_true(c.critical);
	assert_non_null(strstr(c.warning, "critical"));
	assert_int_equal(parse(1, "issue", "ca.example.net", &c, &err), 0);
	assert_non_null(strstr(c.warning, "value 1"));
	assert_int_equal(parse(2, "issue", "ca.example.net", &c, &err), 0);
	assert_non_null(strstr(c.warning, "reserved"));
	/* RFC 8657 parameters, RFC 9495 issuemail. */
	assert_int_equal(parse(0, "issue", "ca.example; validationmethods=x,; accounturi=u", &c, &err),
	                 0);
	assert_non_null(strstr(c.warning, "validationmethods"));
	assert_non_null(strstr(c.warning, "accounturi"));
	assert_int_equal(parse(0, "issuemail", "ca.example; account=1", &c, &err), 0);
	assert_int_equal(c.kind, DP_CAA_ISSUEMAIL);
	assert_string_equal(c.issuer, "ca.example");
	assert_string_equal(dp_caa_kind_str(DP_CAA_ISSUEVMC), "issuevmc");
	assert_int_equal(parse(0, "abcdefghijklmnop", "x", &c, &err), 0);
	assert_non_null(strstr(c.warning, "15"));
	/* Critical known tags are fine. */
	assert_int_equal(parse(128, "issue", "ca.example.net", &c, &err), 0);
	assert_string_equal(c.warning, "");
}

static void
test_hostile(void **state)
{
	static const struct {
		const char *tag;
		const char *value;
		const char *reason;
	} bad[] = {
	    {"is-sue", "ca.example.net", "tag"},
	    {"issue", "ca..example.net", "not a domain"},
	    {"issue", "-ca.example.net", "not a domain"},
	    {"issue", "ca_x.example.net", "not a domain"},
	    {"issue", "ca.example.net.", "not a domain"},
	    {"issue", "ca.example.net x", "expected ';'"},
	    {"issue", "ca.example.net; =x", "malformed parameter"},
	    {"issue", "ca.example.net; a", "malformed parameter"},
	    {"issue", "ca.example.net; a=b c=d", "expected ';'"},
	    {"issue", "ca.example.net; a=b;", "trailing"},
	    {"issue", "ca.example.net; -a=b", "malformed parameter"},
	    {"issue", "ca.example.net; a=\x01", "expected ';'"},
	    {"issue", "\xc3\xa9.example", "not a domain"},
	    {"iodef", "ftp://x", "not a mailto"},
	    {"iodef", "mailto:", "names no address"},
	    {"iodef", "http://", "no host"},
	    {"iodef", "https:x.example", "no //host"},
	    {"iodef", "mailto:x", "local@domain"},
	    {"iodef", "security@glitter.kr", "not a mailto"},
	    {"iodef", "mailto:a b@c", "percent-encoded"},
	    {"issue", "%%%%%", "no CA may issue"},
	    {"iodef", "", "not a mailto"},
	};
	static const uint8_t short1[] = {0};
	static const uint8_t zero_tag[] = {0, 0, 'x'};
	static const uint8_t over_tag[] = {0, 9, 'i', 's', 's'};
	static const uint8_t nul_tag[] = {0, 3, 'a', 0, 'b'};
	struct dp_caa c;
	struct dp_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (parse(0, bad[i].tag, bad[i].value, &c, &err) == 0)
			fail_msg("accepted %s \"%s\"", bad[i].tag, bad[i].value);
		if (strstr(err.msg, bad[i].reason) == NULL)
			fail_msg("%s \"%s\": reason \"%s\" lacks \"%s\"", bad[i].tag, bad[i].value,
			         err.msg, bad[i].reason);
	}
	assert_int_not_equal(dp_caa_parse(short1, 0, &c, &err), 0);
	assert_int_not_equal(dp_caa_parse(short1, sizeof(short1), &c, &err), 0);
	assert_int_not_equal(dp_caa_parse(zero_tag, sizeof(zero_tag), &c, &err), 0);
	assert_non_null(strstr(err.msg, "tag length is 0"));
	assert_int_not_equal(dp_caa_parse(over_tag, sizeof(over_tag), &c, &err), 0);
	assert_non_null(strstr(err.msg, "past"));
	assert_int_not_equal(dp_caa_parse(nul_tag, sizeof(nul_tag), &c, &err), 0);
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
