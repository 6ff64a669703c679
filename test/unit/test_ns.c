/* Unit tests of the nameserver survey's pure parts: targets, SOA extraction, answer verdicts. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <getdns/getdns_extra.h>

#include "survey/nssurvey.h"

#define SUBJECT_IS(i, want) \
	assert_string_equal(dp_ns_target_subject(&s.v[i], buf, sizeof(buf)), want)
#define PROBLEM_IS(want) assert_string_equal(dp_ns_answer_problem(&t.udp, buf, sizeof(buf)), want)

static struct dp_addr
addr(const char *s)
{
	struct dp_addr a;

	assert_int_equal(dp_addr_parse(s, &a), 0);
	return a;
}

static void
test_targets(void **state)
{
	struct dp_addr a1[2] = {addr("127.0.10.1"), addr("::1")};
	struct dp_addr a2[2] = {addr("127.0.10.2"), addr("127.0.10.2")}; /* listed twice */
	struct dp_addr g2[2] = {addr("127.0.10.12"), addr("127.0.10.12")};
	struct dp_addr g1[1] = {addr("127.0.10.1")};
	struct dp_addr g6[1] = {addr("127.0.10.6")};
	struct dp_ns ns[4];
	struct dp_discovery d;
	struct dp_nssurvey s;
	char buf[64];

	(void)state;
	memset(ns, 0, sizeof(ns));
	memset(&d, 0, sizeof(d));
	ns[0] = (struct dp_ns){.host = {.name = (char *)"ns1.glitter.kr", .addrs = a1, .naddrs = 2},
			       .at_parent = true, .at_child = true, .glue = g1, .nglue = 1};
	ns[1] = (struct dp_ns){.host = {.name = (char *)"ns2.glitter.kr", .addrs = a2, .naddrs = 2},
			       .at_parent = true, .at_child = true, .glue = g2, .nglue = 2};
	ns[2] = (struct dp_ns){.host = {.name = (char *)"ns6.glitter.kr"}, .at_parent = true,
			       .glue = g6, .nglue = 1};
	ns[3] = (struct dp_ns){.host = {.name = (char *)"ns.gone.example",
					.error = (char *)"NXDOMAIN"},
			       .at_child = true};
	d.domain = (char *)"glitter.kr";
	d.ns = ns;
	d.nns = 4;
	assert_int_equal(dp_nssurvey_targets(&d, &s), 0);
	assert_int_equal(s.n, 6);
	/* Sorted by name: a name without any address is still a target, without address. */
	assert_false(s.v[0].has_addr);
	SUBJECT_IS(0, "ns.gone.example");
	/* ns1: both zone addresses (IPv4 first), the v4 one also glue. */
	SUBJECT_IS(1, "ns1.glitter.kr/127.0.10.1");
	assert_true(s.v[1].in_zone && s.v[1].in_glue);
	SUBJECT_IS(2, "ns1.glitter.kr/::1");
	assert_true(s.v[2].in_zone);
	assert_false(s.v[2].in_glue);
	/* ns2: the duplicate A is asked once; the mismatching glue is asked too, as glue only. */
	SUBJECT_IS(3, "ns2.glitter.kr/127.0.10.2");
	assert_false(s.v[3].in_glue);
	SUBJECT_IS(4, "ns2.glitter.kr/127.0.10.12");
	assert_false(s.v[4].in_zone);
	assert_true(s.v[4].in_glue);
	/* ns6: only glue. */
	SUBJECT_IS(5, "ns6.glitter.kr/127.0.10.6");
	assert_true(s.v[5].has_addr);
	dp_nssurvey_clear(&s);
	assert_int_equal(s.n, 0);
	dp_nssurvey_clear(NULL);

	/* No nameservers at all. */
	d.nns = 0;
	assert_int_equal(dp_nssurvey_targets(&d, &s), 0);
	assert_int_equal(s.n, 0);
	dp_nssurvey_clear(&s);
}

static void
test_problem_and_serial(void **state)
{
	struct dp_ns_target t;
	struct dp_ns ns;
	char buf[128];
	uint32_t serial = 0;
	uint32_t refresh = 0;

	(void)state;
	memset(&t, 0, sizeof(t));
	memset(&ns, 0, sizeof(ns));
	ns.host.name = (char *)"ns5.glitter.kr";
	t.ns = &ns;
	t.has_addr = true;
	t.addr = addr("127.0.10.5");

	/* Not answered. */
	PROBLEM_IS("no answer (timeout)");
	dp_strlcpy(t.udp.error, "connection refused", sizeof(t.udp.error));
	assert_string_equal(dp_ns_answer_problem(&t.udp, buf, sizeof(buf)),
			    "no answer (connection refused)");
	assert_false(dp_ns_target_serial(&t, &serial, &refresh));

	/* REFUSED without AA: the lab's lame:ns5. */
	t.udp = (struct dp_ns_answer){.answered = true, .rcode = 5};
	PROBLEM_IS("REFUSED without AA (lame)");
	t.udp.rcode = 2;
	t.udp.aa = true;
	PROBLEM_IS("SERVFAIL");
	t.udp.rcode = 99;
	PROBLEM_IS("RCODE99");
	t.udp.rcode = -1;
	PROBLEM_IS("RCODE-1");

	/* NOERROR with the SOA but no AA (a cache, not an authority): lame, its serial ignored. */
	t.udp = (struct dp_ns_answer){.answered = true, .have_soa = true, .serial = 7};
	PROBLEM_IS("answer without AA (lame)");
	assert_false(dp_ns_target_serial(&t, &serial, &refresh));

	/* AA but no SOA. */
	t.udp = (struct dp_ns_answer){.answered = true, .aa = true};
	PROBLEM_IS("no SOA in the answer");
	/* ... because it was truncated (the hostile-dns "big" mode over UDP): say so. */
	t.udp.tc = true;
	PROBLEM_IS("truncated answer (TC) without the SOA");

	/* Good over UDP: its serial wins over TCP's. */
	t.udp = (struct dp_ns_answer){.answered = true, .aa = true, .have_soa = true, .serial = 10,
				      .refresh = 3600};
	t.tcp = (struct dp_ns_answer){.answered = true, .aa = true, .have_soa = true, .serial = 11};
	assert_null(dp_ns_answer_problem(&t.udp, buf, sizeof(buf)));
	assert_true(dp_ns_target_serial(&t, &serial, &refresh));
	assert_int_equal(serial, 10);
	assert_int_equal(refresh, 3600);
	/* UDP lost: TCP's serial is taken. */
	t.udp = (struct dp_ns_answer){0};
	assert_true(dp_ns_target_serial(&t, &serial, NULL));
	assert_int_equal(serial, 11);
	assert_string_equal(dp_nssurvey_rcode_str(0, buf, sizeof(buf)), "NOERROR");
	assert_string_equal(dp_nssurvey_rcode_str(9, buf, sizeof(buf)), "NOTAUTH");
}

/* A DNS reply in wire form: header, question glitter.kr SOA, then one answer RR. */
static size_t
build_reply(uint8_t *p, const uint8_t *owner, size_t ownerlen, uint16_t type, int rdtrunc)
{
	static const uint8_t hdr[12] = {0x12, 0x34, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0};
	static const uint8_t qname[] = {7, 'g', 'l', 'i', 't', 't', 'e', 'r', 2, 'k', 'r', 0};
	/* mname ns1.glitter.kr (compressed pointer to the question name), rname hostmaster.<same>,
	 * serial 1795375257, refresh 3600, retry 900, expire 1209600, minimum 300 */
	static const uint8_t rdata[] = {3, 'n', 's', '1', 0xc0, 12, 10, 'h', 'o', 's', 't', 'm',
					'a', 's', 't', 'e', 'r', 0xc0, 12, 0x6b, 0x03, 0x40, 0x99,
					0, 0, 0x0e, 0x10, 0, 0, 0x03, 0x84, 0, 0x12, 0x75, 0,
					0, 0, 1, 0x2c};
	size_t n = 0;
	size_t rdlen = sizeof(rdata) - (size_t)rdtrunc;

	memcpy(p + n, hdr, sizeof(hdr));
	n += sizeof(hdr);
	memcpy(p + n, qname, sizeof(qname));
	n += sizeof(qname);
	p[n++] = 0, p[n++] = 6, p[n++] = 0, p[n++] = 1;
	memcpy(p + n, owner, ownerlen);
	n += ownerlen;
	p[n++] = (uint8_t)(type >> 8), p[n++] = (uint8_t)type, p[n++] = 0, p[n++] = 1;
	p[n++] = 0, p[n++] = 0, p[n++] = 0x0e, p[n++] = 0x10;
	p[n++] = (uint8_t)(rdlen >> 8), p[n++] = (uint8_t)rdlen;
	memcpy(p + n, rdata, rdlen);
	return n + rdlen;
}

static void
test_soa(void **state)
{
	static const uint8_t apex[] = {0xc0, 12};
	static const uint8_t other[] = {3, 'w', 'w', 'w', 0xc0, 12};
	uint8_t wire[512];
	getdns_dict *msg = NULL;
	uint32_t serial = 0;
	uint32_t refresh = 0;
	size_t n;

	(void)state;
	n = build_reply(wire, apex, sizeof(apex), DP_RR_SOA, 0);
	assert_int_equal(getdns_wire2msg_dict(wire, n, &msg), GETDNS_RETURN_GOOD);
	assert_true(dp_nssurvey_soa(msg, "glitter.kr", &serial, &refresh));
	assert_int_equal(serial, 1795375257u);
	assert_int_equal(refresh, 3600);
	/* Another zone's SOA is not ours. */
	assert_false(dp_nssurvey_soa(msg, "kr", &serial, &refresh));
	getdns_dict_destroy(msg);

	/* An SOA owned by another name. */
	n = build_reply(wire, other, sizeof(other), DP_RR_SOA, 0);
	assert_int_equal(getdns_wire2msg_dict(wire, n, &msg), GETDNS_RETURN_GOOD);
	assert_false(dp_nssurvey_soa(msg, "glitter.kr", &serial, &refresh));
	getdns_dict_destroy(msg);

	/* A truncated SOA rdata (hostile): either rejected by the parser or without a serial. */
	n = build_reply(wire, apex, sizeof(apex), DP_RR_SOA, 10);
	msg = NULL;
	if (getdns_wire2msg_dict(wire, n, &msg) == GETDNS_RETURN_GOOD) {
		serial = 0;
		(void)dp_nssurvey_soa(msg, "glitter.kr", &serial, &refresh);
		getdns_dict_destroy(msg);
	}

	/* No message, no answer section. */
	assert_false(dp_nssurvey_soa(NULL, "glitter.kr", &serial, &refresh));
}

static void
test_answer_json(void **state)
{
	struct dp_ns_answer a = {0};
	json_t *j;

	(void)state;
	j = dp_ns_answer_json(&a);
	assert_non_null(j);
	assert_false(json_is_true(json_object_get(j, "answered")));
	assert_string_equal(json_string_value(json_object_get(j, "error")), "timeout");
	json_decref(j);
	a = (struct dp_ns_answer){.answered = true, .aa = true, .edns = true, .have_soa = true,
				  .serial = 4000000000u, .rtt = 0.002};
	j = dp_ns_answer_json(&a);
	assert_string_equal(json_string_value(json_object_get(j, "rcode")), "NOERROR");
	assert_true(json_is_true(json_object_get(j, "aa")));
	/* Serials above 2^31 stay positive integers. */
	assert_int_equal(json_integer_value(json_object_get(j, "soa_serial")), 4000000000LL);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_problem_and_serial),
		cmocka_unit_test(test_soa),
		cmocka_unit_test(test_answer_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
