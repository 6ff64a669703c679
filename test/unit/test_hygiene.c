/* Unit tests of the nameserver hygiene judges: SOA timers and differences, AXFR, recursion,
 * EDNS compliance cases, address diversity, and what counts as "not checked". */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "survey/hygiene.h"

static struct dp_soa_fields
lab_soa(void)
{
	struct dp_soa_fields s = {.mname = "ns1.glitter.kr",
				  .rname = "hostmaster.glitter.kr",
				  .serial = 1795375257u,
				  .refresh = 3600,
				  .retry = 900,
				  .expire = 1209600,
				  .minimum = 300};
	return s;
}

static void
test_soa_timers(void **state)
{
	struct dp_soa_fields s = lab_soa();
	char notes[1024];

	(void)state;
	/* the lab's SOA is inside every advised range */
	assert_int_equal(dp_hyg_soa_timers(&s, notes, sizeof(notes)), DP_STATUS_OK);
	assert_string_equal(notes, "");
	/* the range bounds themselves are fine */
	s.refresh = 1200;
	s.retry = 600;
	s.expire = 604800;
	s.minimum = 86400;
	assert_int_equal(dp_hyg_soa_timers(&s, notes, sizeof(notes)), DP_STATUS_OK);
	assert_string_equal(notes, "");
	s.refresh = 43200;
	s.expire = 2419200;
	assert_int_equal(dp_hyg_soa_timers(&s, notes, sizeof(notes)), DP_STATUS_OK);
	assert_string_equal(notes, "");
	/* outside the ranges: notes on an OK verdict */
	s = lab_soa();
	s.refresh = 86400;
	s.minimum = 172800;
	assert_int_equal(dp_hyg_soa_timers(&s, notes, sizeof(notes)), DP_STATUS_OK);
	assert_non_null(strstr(notes, "refresh 86400 outside RFC 1912's 1200-43200"));
	assert_non_null(strstr(notes, "minimum (negative TTL) 172800 outside"));
	s = lab_soa();
	s.minimum = 299;
	assert_int_equal(dp_hyg_soa_timers(&s, notes, sizeof(notes)), DP_STATUS_OK);
	assert_non_null(strstr(notes, "minimum (negative TTL) 299"));
	/* contradictions: WARNING, said first */
	s = lab_soa();
	s.retry = 3600;
	assert_int_equal(dp_hyg_soa_timers(&s, notes, sizeof(notes)), DP_STATUS_WARNING);
	assert_non_null(strstr(notes, "retry 3600 is not below refresh 3600"));
	s = lab_soa();
	s.refresh = 86400;
	s.retry = 7200;
	s.expire = 3600;
	s.minimum = 172800;
	assert_int_equal(dp_hyg_soa_timers(&s, notes, sizeof(notes)), DP_STATUS_WARNING);
	assert_int_equal(strncmp(notes, "expire 3600 is below refresh 86400", 34), 0);
	assert_non_null(strstr(notes, "expire 3600 outside the advised 604800-2419200"));
}

static void
test_soa_diff(void **state)
{
	struct dp_soa_fields a = lab_soa();
	struct dp_soa_fields b = lab_soa();
	char buf[128];

	(void)state;
	assert_int_equal(dp_hyg_soa_diff(&a, &b, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* the serial is ns.soa_serial's business */
	b.serial++;
	assert_int_equal(dp_hyg_soa_diff(&a, &b, buf, sizeof(buf)), 0);
	dp_strlcpy(b.rname, "admin.glitter.kr", sizeof(b.rname));
	b.refresh = 86400;
	b.minimum = 60;
	assert_int_equal(dp_hyg_soa_diff(&a, &b, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "rname, refresh, minimum");
	b = lab_soa();
	dp_strlcpy(b.mname, "ns2.glitter.kr", sizeof(b.mname));
	b.retry = 1;
	b.expire = 2;
	assert_int_equal(dp_hyg_soa_diff(&a, &b, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "mname, retry, expire");
}

static void
test_axfr(void **state)
{
	struct dp_axfr_seen s = {.answered = true, .rcode = 0, .soa_first = true, .nanswer = 83};
	char sum[256];

	(void)state;
	assert_int_equal(dp_hyg_axfr_judge(&s, sum, sizeof(sum)), DP_STATUS_WARNING);
	assert_string_equal(sum, "zone transfer open: AXFR answered to us (first message: 83 "
				 "records, starting with the SOA)");
	s.rcode = 5;
	s.soa_first = false;
	s.nanswer = 0;
	assert_int_equal(dp_hyg_axfr_judge(&s, sum, sizeof(sum)), DP_STATUS_OK);
	assert_string_equal(sum, "zone transfer refused (REFUSED)");
	s.rcode = 9;
	assert_int_equal(dp_hyg_axfr_judge(&s, sum, sizeof(sum)), DP_STATUS_OK);
	assert_string_equal(sum, "zone transfer refused (NOTAUTH)");
	/* NOERROR that does not start with the SOA is no transfer */
	s.rcode = 0;
	s.nanswer = 1;
	assert_int_equal(dp_hyg_axfr_judge(&s, sum, sizeof(sum)), DP_STATUS_OK);
	/* silence over TCP while the SOA over TCP was answered: closed */
	s.answered = false;
	assert_int_equal(dp_hyg_axfr_judge(&s, sum, sizeof(sum)), DP_STATUS_OK);
	/* a REFUSED reply whose answer section oddly starts with the SOA is still refused */
	s = (struct dp_axfr_seen){.answered = true, .rcode = 5, .soa_first = true, .nanswer = 1};
	assert_int_equal(dp_hyg_axfr_judge(&s, sum, sizeof(sum)), DP_STATUS_OK);
}

static void
test_recursion(void **state)
{
	struct dp_recursion_seen s = {.answered = true, .rcode = 3, .ra = true};
	char sum[256];

	(void)state;
	assert_int_equal(dp_hyg_recursion_judge(&s, sum, sizeof(sum)), DP_STATUS_WARNING);
	assert_string_equal(sum, "recursion offered: dnsprobe-recursion-test.invalid answered "
				 "recursively (NXDOMAIN, RA set)");
	/* data without AA: resolved */
	s.rcode = 0;
	s.nanswer = 1;
	assert_int_equal(dp_hyg_recursion_judge(&s, sum, sizeof(sum)), DP_STATUS_WARNING);
	/* an upward referral (NOERROR, no answer) is no recursion, RA or not */
	s.nanswer = 0;
	assert_int_equal(dp_hyg_recursion_judge(&s, sum, sizeof(sum)), DP_STATUS_OK);
	/* RA set but refused: a misleading flag, not recursion */
	s.rcode = 5;
	assert_int_equal(dp_hyg_recursion_judge(&s, sum, sizeof(sum)), DP_STATUS_OK);
	assert_string_equal(sum, "no recursive answer (REFUSED), though RA is set");
	/* NXDOMAIN with AA: the server's own data (it serves .invalid), not recursion */
	s = (struct dp_recursion_seen){.answered = true, .rcode = 3, .ra = true, .aa = true};
	assert_int_equal(dp_hyg_recursion_judge(&s, sum, sizeof(sum)), DP_STATUS_OK);
	/* no RA: whatever the rcode, not offered */
	s = (struct dp_recursion_seen){.answered = true, .rcode = 3};
	assert_int_equal(dp_hyg_recursion_judge(&s, sum, sizeof(sum)), DP_STATUS_OK);
	s.rcode = 5;
	assert_int_equal(dp_hyg_recursion_judge(&s, sum, sizeof(sum)), DP_STATUS_OK);
	assert_string_equal(sum, "no recursion: REFUSED for dnsprobe-recursion-test.invalid, RA clear");
	/* a silent server (its SOA was answered: the caller checks) offers nothing */
	s.answered = false;
	assert_int_equal(dp_hyg_recursion_judge(&s, sum, sizeof(sum)), DP_STATUS_OK);
}

static void
test_edns_queries(void **state)
{
	struct dp_query q;

	(void)state;
	q = dp_hyg_edns_query(DP_EDNS_PLAIN);
	assert_int_equal(q.qtype, DP_RR_SOA);
	assert_false(q.rd);
	assert_int_equal(q.edns_version, 0);
	assert_int_equal(q.edns_option, 0);
	assert_false(q.dnssec_ok);
	q = dp_hyg_edns_query(DP_EDNS_V1);
	assert_int_equal(q.edns_version, 1);
	assert_int_equal(q.edns_option, 0);
	q = dp_hyg_edns_query(DP_EDNS_OPT);
	assert_int_equal(q.edns_version, 0);
	assert_int_equal(q.edns_option, DP_HYG_UNKNOWN_OPTION);
	q = dp_hyg_edns_query(DP_EDNS_V1OPT);
	assert_int_equal(q.edns_version, 1);
	assert_int_equal(q.edns_option, DP_HYG_UNKNOWN_OPTION);
	q = dp_hyg_edns_query(DP_EDNS_DO);
	assert_true(q.dnssec_ok);
	assert_int_equal(q.edns_flags, 0);
	q = dp_hyg_edns_query(DP_EDNS_FLAGS);
	assert_int_equal(q.edns_flags, DP_HYG_UNKNOWN_FLAG);
	assert_false(q.dnssec_ok);
	assert_false(q.edns_none);
	q = dp_hyg_edns_query(DP_EDNS_NONE);
	assert_true(q.edns_none);
	assert_string_equal(dp_edns_case_str(DP_EDNS_FLAGS), "ednsflags");
	assert_string_equal(dp_edns_case_str(DP_EDNS_NONE), "dns");
	assert_string_equal(dp_edns_case_str(DP_EDNS_V1OPT), "edns1opt");
	assert_string_equal(dp_edns_case_str(DP_EDNS_DO), "do");
}

static void
test_edns_judge(void **state)
{
	/* what BIND answers */
	struct dp_edns_seen ok0 = {.answered = true, .aa = true, .opt = true, .have_soa = true};
	struct dp_edns_seen badvers = {.answered = true, .ext_rcode = 16, .opt = true};
	struct dp_edns_seen s;
	char why[256];

	(void)state;
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_PLAIN, &ok0, why, sizeof(why)), DP_STATUS_OK);
	assert_string_equal(why, "");
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_OPT, &ok0, why, sizeof(why)), DP_STATUS_OK);
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_V1, &badvers, why, sizeof(why)), DP_STATUS_OK);
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_V1OPT, &badvers, why, sizeof(why)), DP_STATUS_OK);
	s = ok0;
	s.do_bit = true;
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_DO, &s, why, sizeof(why)), DP_STATUS_OK);

	/* the edns-broken fault's answers */
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_V1, &ok0, why, sizeof(why)), DP_STATUS_WARNING);
	assert_string_equal(why, "edns1: NOERROR with the SOA instead of BADVERS");
	s = ok0;
	s.option_echoed = true;
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_OPT, &s, why, sizeof(why)), DP_STATUS_WARNING);
	assert_string_equal(why, "ednsopt: echoed the unknown option 100");
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_V1OPT, &s, why, sizeof(why)), DP_STATUS_WARNING);
	assert_string_equal(why, "edns1opt: NOERROR with the SOA instead of BADVERS; edns1opt: "
				 "echoed the unknown option 100");
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_DO, &ok0, why, sizeof(why)), DP_STATUS_WARNING);
	assert_string_equal(why, "do: DO bit not copied into the answer (RFC 3225 §3)");

	/* the unknown flag: ignored by BIND, echoed by the edns-broken stand-in */
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_FLAGS, &ok0, why, sizeof(why)), DP_STATUS_OK);
	s = ok0;
	s.z = DP_HYG_UNKNOWN_FLAG;
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_FLAGS, &s, why, sizeof(why)), DP_STATUS_WARNING);
	assert_string_equal(why, "ednsflags: must-be-zero EDNS flags 0x0080 in the answer (echoed)");
	/* no EDNS asked: an answer without OPT is right, one with OPT is not */
	s = (struct dp_edns_seen){.answered = true, .aa = true, .have_soa = true};
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_NONE, &s, why, sizeof(why)), DP_STATUS_OK);
	s.opt = true;
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_NONE, &s, why, sizeof(why)), DP_STATUS_WARNING);
	assert_string_equal(why, "dns: an OPT record in the answer to a query without EDNS");
	s = (struct dp_edns_seen){.answered = true, .ext_rcode = 1};
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_NONE, &s, why, sizeof(why)), DP_STATUS_WARNING);

	/* BADVERS that still carries the answer; an answer in another EDNS version */
	s = badvers;
	s.have_soa = true;
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_V1, &s, why, sizeof(why)), DP_STATUS_WARNING);
	assert_string_equal(why, "edns1: BADVERS with an answer");
	s = ok0;
	s.version = 1;
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_PLAIN, &s, why, sizeof(why)), DP_STATUS_WARNING);
	assert_string_equal(why, "edns: answered with EDNS version 1");

	/* no EDNS at all: FORMERR, or an answer without OPT */
	s = (struct dp_edns_seen){.answered = true, .ext_rcode = 1};
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_PLAIN, &s, why, sizeof(why)), DP_STATUS_WARNING);
	assert_string_equal(why, "edns: FORMERR (no EDNS support)");
	s = (struct dp_edns_seen){.answered = true, .aa = true, .have_soa = true};
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_PLAIN, &s, why, sizeof(why)), DP_STATUS_WARNING);
	assert_string_equal(why, "edns: NOERROR without an OPT record");

	/* dropped while the control was answered: a failure (ednscomp counts timeouts) */
	s = (struct dp_edns_seen){.answered = false, .error = "timeout"};
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_V1, &s, why, sizeof(why)), DP_STATUS_WARNING);
	assert_string_equal(why, "edns1: no answer (timeout), BADVERS expected");
	/* REFUSED to an EDNS question */
	s = ok0;
	s.ext_rcode = 5;
	s.have_soa = false;
	assert_int_equal(dp_hyg_edns_judge(DP_EDNS_OPT, &s, why, sizeof(why)), DP_STATUS_WARNING);
	assert_string_equal(why, "ednsopt: REFUSED without the SOA");
}

static void
test_edns_read(void **state)
{
	struct dp_reply r = {.answered = true,
			     .rcode = 0,
			     .ext_rcode = 16,
			     .edns = true,
			     .edns_do = true,
			     .edns_options = {10, DP_HYG_UNKNOWN_OPTION},
			     .edns_noptions = 2};
	struct dp_edns_seen s;

	(void)state;
	dp_hyg_edns_read(&r, "glitter.kr", &s);
	assert_true(s.answered);
	assert_int_equal(s.ext_rcode, 16);
	assert_true(s.opt);
	assert_true(s.do_bit);
	assert_true(s.option_echoed);
	assert_false(s.have_soa); /* no message */
	r.edns_noptions = 1;	  /* only the cookie came back */
	dp_hyg_edns_read(&r, "glitter.kr", &s);
	assert_false(s.option_echoed);
	r = (struct dp_reply){.answered = false, .error = "timeout"};
	dp_hyg_edns_read(&r, "glitter.kr", &s);
	assert_false(s.answered);
	assert_string_equal(s.error, "timeout");
}

static struct dp_addr
addr(const char *s)
{
	struct dp_addr a;

	assert_int_equal(dp_addr_parse(s, &a), 0);
	return a;
}

static void
test_diversity(void **state)
{
	struct dp_addr lab[7] = {addr("127.0.10.1"), addr("::1"),	 addr("127.0.10.2"),
				 addr("127.0.10.3"), addr("127.0.10.4"), addr("127.0.10.5"),
				 addr("127.0.10.3")}; /* listed twice */
	struct dp_addr wide[4] = {addr("192.0.2.1"), addr("198.51.100.1"), addr("2001:db8:1::1"),
				  addr("3fff:2::1")};
	/* two /24s of one /16, two /48s of one /32: one network operator, likely */
	struct dp_addr one_op[4] = {addr("192.0.2.1"), addr("192.0.3.1"), addr("2001:db8:1::1"),
				    addr("2001:db8:2::1")};
	struct dp_addr v4[2] = {addr("192.0.2.1"), addr("192.0.2.200")};
	struct dp_addr v6[2] = {addr("2001:db8:1::1"), addr("2001:db8:1:ffff::2")};
	struct dp_diversity d;
	char notes[512];

	(void)state;
	dp_hyg_diversity(lab, 7, true, &d, notes, sizeof(notes));
	assert_int_equal(d.nv4, 5);
	assert_int_equal(d.nv6, 1);
	assert_int_equal(d.nprefix4, 1);
	assert_int_equal(d.nprefix6, 1);
	assert_string_equal(d.prefix4, "127.0.10.0/24");
	assert_string_equal(notes, "all 5 IPv4 addresses in one /24 (127.0.10.0/24); a single IPv6 "
				   "address (in ::/48)");
	dp_hyg_diversity(wide, 4, true, &d, notes, sizeof(notes));
	assert_int_equal(d.nprefix4, 2);
	assert_int_equal(d.nprefix6, 2);
	assert_int_equal(d.nwide4, 2);
	assert_int_equal(d.nwide6, 2);
	assert_string_equal(notes, "");
	dp_hyg_diversity(one_op, 4, true, &d, notes, sizeof(notes));
	assert_int_equal(d.nprefix4, 2);
	assert_int_equal(d.nwide4, 1);
	assert_string_equal(d.wide4, "192.0.0.0/16");
	assert_string_equal(d.wide6, "2001:db8::/32");
	assert_string_equal(notes, "all 2 IPv4 addresses in one /16 (192.0.0.0/16), likely one network "
				   "operator; all 2 IPv6 addresses in one /32 (2001:db8::/32), likely one "
				   "network operator");
	dp_hyg_diversity(v4, 2, true, &d, notes, sizeof(notes));
	assert_string_equal(notes, "all 2 IPv4 addresses in one /24 (192.0.2.0/24); only IPv4 "
				   "nameserver addresses");
	/* under -4 the missing family is our choice, not the zone's */
	dp_hyg_diversity(v4, 2, false, &d, notes, sizeof(notes));
	assert_string_equal(notes, "all 2 IPv4 addresses in one /24 (192.0.2.0/24)");
	dp_hyg_diversity(v6, 2, true, &d, notes, sizeof(notes));
	assert_string_equal(d.prefix6, "2001:db8:1::/48");
	assert_string_equal(notes, "all 2 IPv6 addresses in one /48 (2001:db8:1::/48); only IPv6 "
				   "nameserver addresses");
	dp_hyg_diversity(v6, 0, true, &d, notes, sizeof(notes));
	assert_string_equal(notes, "");
}

static void
test_unchecked(void **state)
{
	struct dp_reply r = {.no_route = true, .error = "no route to 2001:db8::53 from here"};
	char buf[256];

	(void)state;
	assert_non_null(dp_hyg_unchecked(&r, false, buf, sizeof(buf)));
	assert_string_equal(buf, "not checked from here: no route to 2001:db8::53 from here");
	r = (struct dp_reply){.answered = false, .error = "timeout"};
	assert_non_null(dp_hyg_unchecked(&r, true, buf, sizeof(buf)));
	assert_string_equal(buf, "not checked: budget exhausted");
	assert_non_null(dp_hyg_unchecked(&r, false, buf, sizeof(buf)));
	assert_string_equal(buf, "not checked: no answer to the SOA question either (timeout)");
	/* silent, not cut: ns.soa_serial's finding is the cause */
	assert_true(dp_hyg_unreached(&r));
	/* a reply the run's deadline cut (dp_ctx_mark_cut) is "budget exhausted", not silence */
	dp_strlcpy(r.error, DP_BUDGET_EXHAUSTED, sizeof(r.error));
	assert_non_null(dp_hyg_unchecked(&r, false, buf, sizeof(buf)));
	assert_string_equal(buf, "not checked: budget exhausted");
	assert_false(dp_hyg_unreached(&r));
	r = (struct dp_reply){.no_route = true, .error = "no route"};
	assert_false(dp_hyg_unreached(&r));
	r = (struct dp_reply){.answered = true, .rcode = 5};
	assert_null(dp_hyg_unchecked(&r, true, buf, sizeof(buf)));
	assert_false(dp_hyg_unreached(&r));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_soa_timers),  cmocka_unit_test(test_soa_diff),
		cmocka_unit_test(test_axfr),	    cmocka_unit_test(test_recursion),
		cmocka_unit_test(test_edns_queries), cmocka_unit_test(test_edns_judge),
		cmocka_unit_test(test_edns_read),   cmocka_unit_test(test_diversity),
		cmocka_unit_test(test_unchecked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
