/* Unit tests of the MTA-STS parsers (TXT record, policy body), mx matching and TXT joining. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mail/mta_sts.h"
#include "dns/txt.h"

static int
txt(const char *s, struct dp_sts_txt *t)
{
	struct dp_err err = {0};

	return dp_sts_txt_parse(s, strlen(s), t, &err);
}

static void
test_txt_valid(void **state)
{
	struct dp_sts_txt t;

	(void)state;
	assert_int_equal(txt("v=STSv1; id=20160831085700Z;", &t), 0);
	assert_string_equal(t.id, "20160831085700Z");
	assert_int_equal(txt("v=STSv1;id=a", &t), 0);
	assert_string_equal(t.id, "a");
	assert_int_equal(txt("v=STSv1 ;\tid=abc ; ", &t), 0);
	assert_int_equal(txt("v=STSv1; ext-1.x=val; id=abc", &t), 0);
	assert_int_equal(t.nextensions, 1);
	assert_int_equal(txt("v=STSv1; id=0123456789abcdef0123456789ABCDEF", &t), 0);
	assert_int_equal(strlen(t.id), 32);
	/* RFC 8461 §3.2: a repeated field keeps its first value; the repeat must be well-formed. */
	assert_int_equal(txt("v=STSv1; id=abc; id=def; v=STSv9", &t), 0);
	assert_string_equal(t.id, "abc");
	assert_int_equal(t.nignored, 2);
	assert_int_equal(t.nextensions, 0);
	assert_int_not_equal(txt("v=STSv1; id=abc; id=d;e", &t), 0);
	assert_int_not_equal(txt("v=STSv1; id=a-b; id=abc", &t), 0); /* the first one decides */
}

static void
test_txt_hostile(void **state)
{
	static const char *const bad[] = {
	    "",
	    "v=STSv1",                                            /* no id */
	    "v=STSv1;",                                           /* no id */
	    "v=STSv2; id=abc",                                    /* version */
	    "V=STSv1; id=abc",                                    /* case-sensitive */
	    "v=STSv1x; id=abc",                                   /* not v=STSv1 */
	    " v=STSv1; id=abc",                                   /* leading space */
	    "id=abc; v=STSv1",                                    /* version not first */
	    "v=STSv1; id=",                                       /* empty id */
	    "v=STSv1; id=0123456789abcdef0123456789ABCDEFx",      /* 33 */
	    "v=STSv1; id=ab-c",                                   /* hyphen */
	    "v=STSv1; id=abc def",                                /* space in value */
	    "v=STSv1 id=abc",                                     /* no ';' */
	    "v=STSv1;; id=abc",                                   /* empty field */
	    "v=STSv1; id=abc;;",                                  /* two delimiters */
	    "v=STSv1; =x; id=abc",                                /* empty ext name */
	    "v=STSv1; -x=y; id=abc",                              /* ext name start */
	    "v=STSv1; x=; id=abc",                                /* empty ext value */
	    "v=STSv1; x=a=b; id=abc",                             /* '=' in ext value */
	    "v=STSv1; x; id=abc",                                 /* no '=' */
	    "v=STSv1; id=abc\x7f",                                /* control */
	    "v=STSv1; id=\xc3\xa9t\xc3\xa9",                      /* non-ASCII */
	    "v=STSv1; abcdefghijabcdefghijabcdefghijabc=1; id=a", /* 33-char name */
	};
	struct dp_sts_txt t;
	struct dp_err err = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (txt(bad[i], &t) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	/* Embedded NUL within the length. */
	assert_int_not_equal(dp_sts_txt_parse("v=STSv1; id=a\0b", 15, &t, &err), 0);
	assert_non_null(strstr(err.msg, "id"));
}

static void
test_is_sts(void **state)
{
	static const struct {
		const char *s;
		enum dp_txt_kind kind;
	} cases[] = {
	    {"v=STSv1;id=1", DP_TXT_RECORD},
	    {"v=STSv1 ;", DP_TXT_RECORD},
	    {"v=STSv1\t \t;", DP_TXT_RECORD},
	    {"v=STSv1", DP_TXT_NEAR}, /* no ';': not a record (RFC 8461 §3.1 ABNF) */
	    {"v=STSv1 id=1", DP_TXT_NEAR},
	    {"v=STSv1,id=1", DP_TXT_NEAR},
	    {"V=STSv1; id=1", DP_TXT_NEAR},
	    {"v=stsv1; id=1", DP_TXT_NEAR},
	    {"  v=STSv1; id=1", DP_TXT_NEAR},
	    {"v=STSv10;", DP_TXT_OTHER},
	    {"v=STSv2; id=1", DP_TXT_OTHER},
	    {"v=spf1 -all", DP_TXT_OTHER},
	    {"v=STS", DP_TXT_OTHER},
	    {"", DP_TXT_OTHER},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].s);
		enum dp_txt_kind k = dp_txt_classify(cases[i].s, n, DP_STS_TXT_VERSION);

		if (k != cases[i].kind)
			fail_msg("\"%s\": %s, not %s", cases[i].s, dp_txt_kind_str(k),
			         dp_txt_kind_str(cases[i].kind));
		assert_int_equal(dp_sts_txt_is_sts(cases[i].s, n), k == DP_TXT_RECORD);
	}
	assert_string_equal(dp_txt_kind_str(DP_TXT_NEAR), "discarded");
	assert_int_equal(dp_txt_classify("v=TLSRPTv1 ;rua=x", 17, "v=TLSRPTv1"), DP_TXT_RECORD);
}

static int
policy(const char *s, struct dp_sts_policy *p, struct dp_err *err)
{
	return dp_sts_policy_parse(s, strlen(s), p, err);
}

static void
test_policy_valid(void **state)
{
	struct dp_sts_policy p;
	struct dp_err err = {0};

	(void)state;
	assert_int_equal(policy("version: STSv1\r\nmode: enforce\r\nmx: mail.glitter.kr\r\n"
	                        "max_age: 604800\r\n",
	                        &p, &err),
	                 0);
	assert_int_equal(p.mode, DP_STS_MODE_ENFORCE);
	assert_int_equal(p.max_age, 604800);
	assert_int_equal(p.nmx, 1);
	assert_string_equal(p.mx[0], "mail.glitter.kr");
	assert_true(p.crlf);
	dp_sts_policy_clear(&p);
	/* LF lines, no final terminator, extra WSP, several mx, upper case mx, extensions. */
	assert_int_equal(policy("version:STSv1\nmode:\ttesting \nmx: *.Example.NET\nmx: a.b\n"
	                        "x-ext: some value here\nmax_age: 0",
	                        &p, &err),
	                 0);
	assert_int_equal(p.mode, DP_STS_MODE_TESTING);
	assert_int_equal(p.max_age, 0);
	assert_int_equal(p.nmx, 2);
	assert_string_equal(p.mx[0], "*.example.net");
	assert_int_equal(p.nextensions, 1);
	assert_false(p.crlf);
	dp_sts_policy_clear(&p);
	/* mode none needs no mx; the maximum max_age. */
	assert_int_equal(policy("version: STSv1\r\nmode: none\r\nmax_age: 31557600\r\n", &p, &err),
	                 0);
	assert_int_equal(p.nmx, 0);
	assert_int_equal(p.max_age, 31557600);
	assert_string_equal(dp_sts_mode_str(p.mode), "none");
	dp_sts_policy_clear(&p);
	/* Any order; repeats of non-mx fields keep the first value (RFC 8461 §3.2). */
	assert_int_equal(policy("max_age: 7\nmode: testing\nmx: a.kr\nversion: STSv1\n"
	                        "mode: enforce\nmax_age: 8\nversion: STSv2\n",
	                        &p, &err),
	                 0);
	assert_int_equal(p.mode, DP_STS_MODE_TESTING);
	assert_int_equal(p.max_age, 7);
	assert_int_equal(p.nignored, 3);
	assert_int_equal(p.nextensions, 0);
	dp_sts_policy_clear(&p);
	/* Extension values may carry UTF-8. */
	assert_int_equal(policy("version: STSv1\nmode: enforce\nmx: a.kr\nmax_age: 1\n"
	                        "note: caf\xc3\xa9\n",
	                        &p, &err),
	                 0);
	dp_sts_policy_clear(&p);
}

static void
test_policy_hostile(void **state)
{
	static const struct {
		const char *body;
		const char *reason;
	} bad[] = {
	    {"", "empty"},
	    {"version: STSv2\nmode: enforce\nmx: a.kr\nmax_age: 1\n", "STSv1"},
	    {"version: STSv1\nmode: Enforce\nmx: a.kr\nmax_age: 1\n", "mode"},
	    {"version: STSv2\nversion: STSv1\nmode: enforce\nmx: a.kr\nmax_age: 1\n", "STSv1"},
	    {"version: STSv1\nmode: enforce\nmode: testing\nmx: a.kr\nmax_age: 1\nmode: \n",
	     "malformed"},
	    {"version: STSv1\nmode: enforce\nmx: a.kr\nmax_age: 1\nnote: \xc3\n", "malformed"},
	    {"version: STSv1\nmode: enforce\nmax_age: 1\n", "no mx"},
	    {"version: STSv1\nmx: a.kr\nmax_age: 1\n", "no mode"},
	    {"version: STSv1\nmode: enforce\nmx: a.kr\n", "no max_age"},
	    {"version: STSv1\nmode: enforce\nmx: a.kr\nmax_age: 31557601\n", "max_age"},
	    {"version: STSv1\nmode: enforce\nmx: a.kr\nmax_age: -1\n", "max_age"},
	    {"version: STSv1\nmode: enforce\nmx: a.kr\nmax_age: 99999999999\n", "max_age"},
	    {"version: STSv1\nmode: enforce\nmx: a.kr\nmax_age: 1 2\n", "max_age"},
	    {"version: STSv1\nmode: enforce\nmx: a.kr\nmax_age: 0x10\n", "max_age"},
	    {"version: STSv1\nmode: enforce\nmx: a.kr\nmax_age: +1\n", "max_age"},
	    {"version: STSv1\nmode: enforce\nmx: a..kr\nmax_age: 1\n", "mx"},
	    {"version: STSv1\nmode: enforce\nmx: a.kr.\nmax_age: 1\n", "mx"},
	    {"version: STSv1\nmode: enforce\nmx: *\nmax_age: 1\n", "mx"},
	    {"version: STSv1\nmode: enforce\nmx: a.*.kr\nmax_age: 1\n", "mx"},
	    {"version: STSv1\nmode: enforce\nmx: **.kr\nmax_age: 1\n", "mx"},
	    {"version: STSv1\nmode: enforce\nmx: -a.kr\nmax_age: 1\n", "mx"},
	    {"version: STSv1\nmode: enforce\nmx: a_b.kr\nmax_age: 1\n", "mx"},
	    {"version: STSv1\nmode: enforce\nmx: a.kr b.kr\nmax_age: 1\n", "mx"},
	    {"version: STSv1\nmode: enforce\nmx:\nmax_age: 1\n", "empty"},
	    {"version: STSv1\n\nmode: enforce\nmx: a.kr\nmax_age: 1\n", "empty"},
	    {"version: STSv1\nmode: enforce\nmx: a.kr\nmax_age: 1\n\n", "empty"},
	    {"version: STSv1\nmode: enforce\nmx: a.kr\nmax_age: 1\r\r\n", "CR"},
	    {"version: STSv1\rmode: enforce\nmx: a.kr\nmax_age: 1\n", "CR"},
	    {"version: STSv1\nmode enforce\nmx: a.kr\nmax_age: 1\n", "no ':'"},
	    {"version: STSv1\n mode: enforce\nmx: a.kr\nmax_age: 1\n", "field name"},
	    {"version: STSv1\nmode: enforce\nmx: a.kr\nmax_age: 1\nx: a\tb\n", "malformed"},
	    {"version: STSv1\nmode: enforce\nmx: a.kr\nmax_age: 1\nx: a\x01\n", "malformed"},
	};
	struct dp_sts_policy p;
	struct dp_err err = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (policy(bad[i].body, &p, &err) == 0)
			fail_msg("accepted policy %zu", i);
		if (strstr(err.msg, bad[i].reason) == NULL)
			fail_msg("policy %zu: reason \"%s\" lacks \"%s\"", i, err.msg,
			         bad[i].reason);
		assert_null(p.mx);
	}
	/* A NUL byte inside the body is not a terminator. */
	assert_int_not_equal(dp_sts_policy_parse("version: STSv1\nmode: enforce\0\nmx: a.kr\n"
	                                         "max_age: 1\n",
	                                         41, &p, &err),
	                     0);
}

static void
test_policy_many_mx(void **state)
{
	size_t n = 5000;
	size_t cap = 64 + n * 16;
	char *body = malloc(cap);
	size_t o;
	struct dp_sts_policy p;
	struct dp_err err = {0};

	(void)state;
	assert_non_null(body);
	o = (size_t)snprintf(body, cap, "version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(body + o, cap - o, "mx: m%zu.kr\r\n", i);
	assert_int_equal(dp_sts_policy_parse(body, o, &p, &err), 0);
	assert_int_equal(p.nmx, n);
	assert_int_equal(dp_sts_policy_match(&p, "m4999.kr"), 4999);
	dp_sts_policy_clear(&p);
	free(body);
}

static void
test_mx_match(void **state)
{
	struct dp_sts_policy p;
	struct dp_err err = {0};

	(void)state;
	assert_true(dp_sts_mx_match("mail.glitter.kr", "mail.glitter.kr"));
	assert_true(dp_sts_mx_match("mail.glitter.kr", "MAIL.Glitter.KR."));
	assert_false(dp_sts_mx_match("mail.glitter.kr", "mail.glitter.kr.evil"));
	assert_false(dp_sts_mx_match("mail.glitter.kr", "xmail.glitter.kr"));
	assert_true(dp_sts_mx_match("*.example.net", "mx1.example.net"));
	assert_true(dp_sts_mx_match("*.example.net", "MX1.EXAMPLE.NET."));
	assert_false(dp_sts_mx_match("*.example.net", "example.net"));
	assert_false(dp_sts_mx_match("*.example.net", "a.b.example.net"));
	assert_false(dp_sts_mx_match("*.example.net", ".example.net"));
	assert_false(dp_sts_mx_match("*.example.net", "a.example.net.org"));
	assert_false(dp_sts_mx_match("*.example.net", "aexample.net"));
	assert_false(dp_sts_mx_match("*", "a"));
	assert_false(dp_sts_mx_match("*.", "a."));
	assert_false(dp_sts_mx_match("", ""));
	assert_false(dp_sts_mx_match("a.kr", ""));
	assert_false(dp_sts_mx_match("a.kr", "."));
	assert_int_equal(policy("version: STSv1\nmode: enforce\nmx: mx.other.example\n"
	                        "mx: *.glitter.kr\nmax_age: 1\n",
	                        &p, &err),
	                 0);
	assert_int_equal(dp_sts_policy_match(&p, "mail.glitter.kr"), 1);
	assert_int_equal(dp_sts_policy_match(&p, "glitter.kr"), -1);
	dp_sts_policy_clear(&p);
}

static void
test_txt_join(void **state)
{
	static const uint8_t two[] = {3, 'a', 'b', 'c', 2, 'd', 'e'};
	static const uint8_t empty_str[] = {0};
	static const uint8_t overrun[] = {5, 'a', 'b'};
	static const uint8_t nul[] = {3, 'a', 0, 'b'};
	char out[16];
	size_t n = 99;
	struct dp_err err = {0};

	(void)state;
	assert_int_equal(dp_txt_join(two, sizeof(two), out, sizeof(out), &n, &err), 0);
	assert_string_equal(out, "abcde");
	assert_int_equal(n, 5);
	assert_int_equal(dp_txt_join(empty_str, sizeof(empty_str), out, sizeof(out), &n, &err), 0);
	assert_string_equal(out, "");
	assert_int_not_equal(dp_txt_join(two, 0, out, sizeof(out), &n, &err), 0);
	assert_int_not_equal(dp_txt_join(overrun, sizeof(overrun), out, sizeof(out), &n, &err), 0);
	assert_int_not_equal(dp_txt_join(nul, sizeof(nul), out, sizeof(out), &n, &err), 0);
	/* Output too small: an error, never a silent truncation. */
	assert_int_not_equal(dp_txt_join(two, sizeof(two), out, 5, &n, &err), 0);
	assert_int_equal(dp_txt_join(two, sizeof(two), out, 6, &n, &err), 0);
}

static void
test_printable(void **state)
{
	char out[16];

	(void)state;
	assert_string_equal(dp_text_printable("ab\x01\\", 4, out, sizeof(out)), "ab\\x01\\x5c");
	assert_string_equal(dp_text_printable("0123456789abcdefghij", 20, out, sizeof(out)),
	                    "0123456789ab...");
	assert_string_equal(dp_text_printable("\xff\xff\xff\xff\xff", 5, out, 8), "\\xff...");
	assert_string_equal(dp_text_printable("", 0, out, sizeof(out)), "");
	assert_true(dp_ldh_domain_valid("a-b.c1", 6));
	assert_false(dp_ldh_domain_valid("a-.b", 4));
	assert_false(dp_ldh_domain_valid("a.-b", 4));
	assert_false(dp_ldh_domain_valid("", 0));
}

static void
test_id_stale(void **state)
{
	json_t *st = json_object();
	const char *prev = "x";

	(void)state;
	assert_false(dp_sts_id_stale(st, "id1", "aaaa", &prev)); /* first sight */
	assert_null(prev);
	assert_false(dp_sts_id_stale(st, "id1", "aaaa", &prev)); /* unchanged */
	assert_string_equal(prev, "aaaa");
	assert_true(dp_sts_id_stale(st, "id1", "bbbb", &prev)); /* body changed, id kept */
	assert_string_equal(prev, "aaaa");
	assert_true(dp_sts_id_stale(st, "id1", "bbbb", NULL));   /* still stale on the next run */
	assert_false(dp_sts_id_stale(st, "id1", "aaaa", NULL));  /* reverted */
	assert_false(dp_sts_id_stale(st, "id2", "bbbb", &prev)); /* id changed: remembered anew */
	assert_null(prev);
	assert_false(dp_sts_id_stale(st, "id2", "bbbb", NULL));
	assert_string_equal(json_string_value(json_object_get(st, "id")), "id2");
	/* Junk in the state (wrong types) is replaced, not trusted. */
	json_object_set_new(st, "id", json_integer(3));
	assert_false(dp_sts_id_stale(st, "id2", "cccc", NULL));
	assert_true(dp_sts_id_stale(st, "id2", "dddd", NULL));
	json_decref(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_txt_valid),      cmocka_unit_test(test_txt_hostile),
	    cmocka_unit_test(test_is_sts),         cmocka_unit_test(test_policy_valid),
	    cmocka_unit_test(test_policy_hostile), cmocka_unit_test(test_policy_many_mx),
	    cmocka_unit_test(test_mx_match),       cmocka_unit_test(test_txt_join),
	    cmocka_unit_test(test_printable),
	    cmocka_unit_test(test_id_stale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
