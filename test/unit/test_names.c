/* Unit tests of domain-name normalisation, wire names, RR type names, addresses and key tags. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "dns/dns.h"
#include "dns/dnssec.h"

static void
test_normalise(void **state)
{
	char out[256];
	char long_label[80];
	char long_name[300];
	struct dp_err err = {0};

	(void)state;
	assert_int_equal(dp_name_normalise("Glitter.KR.", out, sizeof(out), true, &err), 0);
	assert_string_equal(out, "glitter.kr");
	assert_int_equal(dp_name_normalise("_25._tcp.mail.glitter.kr", out, sizeof(out), true, &err), 0);
	assert_int_equal(dp_name_normalise(".", out, sizeof(out), true, &err), 0);
	assert_string_equal(out, "");
	assert_int_not_equal(dp_name_normalise("", out, sizeof(out), true, &err), 0);
	assert_int_not_equal(dp_name_normalise("a..b", out, sizeof(out), true, &err), 0);
	assert_int_not_equal(dp_name_normalise("a b.kr", out, sizeof(out), true, &err), 0);
	assert_int_not_equal(dp_name_normalise("a/b.kr", out, sizeof(out), true, &err), 0);
	assert_int_equal(dp_name_normalise("a/b.kr", out, sizeof(out), false, &err), 0);
	assert_int_not_equal(dp_name_normalise("caf\xc3\xa9.kr", out, sizeof(out), false, &err), 0);
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	assert_int_not_equal(dp_name_normalise(long_label, out, sizeof(out), true, &err), 0);
	for (int i = 0; i < 299; i++)
		long_name[i] = (i % 2) ? '.' : 'a';
	long_name[299] = '\0';
	assert_int_not_equal(dp_name_normalise(long_name, out, sizeof(out), true, &err), 0);
	/* Too small an output buffer is an error, not a truncation. */
	assert_int_not_equal(dp_name_normalise("glitter.kr", out, 5, true, &err), 0);
}

/* Which hosts are the domain's own (dnssec.chain, dane.tlsa: third-party MX hosts). */
static void
test_in_domain(void **state)
{
	(void)state;
	assert_true(dp_name_in_domain("glitter.kr", "glitter.kr"));
	assert_true(dp_name_in_domain("mail.glitter.kr", "glitter.kr"));
	assert_true(dp_name_in_domain("a.b.glitter.kr", "glitter.kr"));
	assert_false(dp_name_in_domain("mx1.mailhost.example", "glitter.kr"));
	assert_false(dp_name_in_domain("notglitter.kr", "glitter.kr"));
	assert_false(dp_name_in_domain("kr", "glitter.kr"));
	assert_true(dp_name_in_domain("anything.example", ""));
}

static void
test_wire(void **state)
{
	static const uint8_t w1[] = {4, 'M', 'a', 'i', 'l', 7, 'g', 'l', 'i', 't', 't', 'e', 'r', 2, 'k', 'r', 0};
	static const uint8_t root[] = {0};
	static const uint8_t bad_len[] = {9, 'a', 'b', 0};
	static const uint8_t no_end[] = {1, 'a'};
	static const uint8_t dot[] = {3, 'a', '.', 'b', 0};
	char out[256];

	(void)state;
	assert_int_equal(dp_name_from_wire(w1, sizeof(w1), out, sizeof(out)), 0);
	assert_string_equal(out, "mail.glitter.kr");
	assert_int_equal(dp_name_from_wire(root, sizeof(root), out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_not_equal(dp_name_from_wire(bad_len, sizeof(bad_len), out, sizeof(out)), 0);
	assert_int_not_equal(dp_name_from_wire(no_end, sizeof(no_end), out, sizeof(out)), 0);
	assert_int_equal(dp_name_from_wire(dot, sizeof(dot), out, sizeof(out)), 0);
	assert_string_equal(out, "a\\046b");
	assert_int_not_equal(dp_name_from_wire(w1, sizeof(w1), out, 8), 0);
}

static void
test_types_and_addrs(void **state)
{
	char buf[16];
	struct dp_addr a;
	struct dp_addr b;

	(void)state;
	assert_string_equal(dp_rrtype_str(DP_RR_TLSA, buf, sizeof(buf)), "TLSA");
	assert_string_equal(dp_rrtype_str(65280, buf, sizeof(buf)), "TYPE65280");
	assert_int_equal(dp_rrtype_parse("caa"), DP_RR_CAA);
	assert_int_equal(dp_rrtype_parse("TYPE52"), 52);
	assert_int_equal(dp_rrtype_parse("TYPE70000"), -1);
	assert_int_equal(dp_rrtype_parse("WKS?"), -1);
	assert_int_equal(dp_addr_parse("127.0.10.3", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(dp_addr_parse("0:0::0001", &b), 0);
	assert_string_equal(b.text, "::1");
	assert_false(dp_addr_equal(&a, &b));
	assert_int_equal(dp_addr_parse("::1", &a), 0);
	assert_true(dp_addr_equal(&a, &b));
	assert_int_not_equal(dp_addr_parse("127.0.10", &a), 0);
	assert_int_not_equal(dp_addr_parse("mail.glitter.kr", &a), 0);
}

/* Decode base64 test data (OpenSSL), returning the length. */
static size_t
b64(const char *in, uint8_t *out)
{
	int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)strlen(in));
	size_t pad = 0;

	assert_true(n > 0);
	for (const char *p = in + strlen(in); p > in && p[-1] == '='; p--)
		pad++;
	return (size_t)n - pad;
}

/* Key tags computed by BIND's dnssec-keygen (in the key file names) for two generated keys. */
static void
test_keytag(void **state)
{
	static const char rsa[] =
		"AwEAAaYSc8wl/O+RSIUIcG97dFmEmfYoXAkwdRRgcco5so7r/kmXl+B/UM3T4DSo8l+6RS5Uw799/KbalUGz"
		"58h/4x9o3PAqKnCC9hAhZXj9+SE00dgtOJDBHgk4eHQ0rH9jnXroCh+PLA3sY6LtcYeQmrOxH5tJEDOdIBBF"
		"aHpPoaGmf7MxMNlklczRNRBrqKD5fV8HLo9DuIf0cpwRKaN+ByM2JuHoZPYjBQhPb9ONHljBP/ieBrgGR2Sv"
		"j8/CqeAScWdBy6SBVMr1PGZBwBoEO7ZumnT3LdMoACZ4kMq1H2dshPzbM0z2i0wG6y/6jFPJ+MvLyMdTlpB5"
		"rHVes4JdVx0=";
	static const char ec[] = "qVEg0iuyeZ/uBrrs5ZoNHojQ8/zd0wKNDa91ZEf1TSFuo8ZQo1OAhEFTE5m3+t4S"
				 "mtXVoqnFGmVMdpz94YxiFw==";
	uint8_t rdata[600];
	struct dp_dnskey k;
	size_t n;

	(void)state;
	/* DNSKEY 256 3 8 <rsa>: key tag 3648, RSA-2048 */
	rdata[0] = 0x01;
	rdata[1] = 0x00;
	rdata[2] = 3;
	rdata[3] = 8;
	n = b64(rsa, rdata + 4);
	assert_int_equal(dp_dnskey_parse(rdata, n + 4, &k), 0);
	assert_int_equal(k.flags, 256);
	assert_int_equal(k.algorithm, 8);
	assert_int_equal(k.key_tag, 3648);
	assert_int_equal(k.key_bits, 2048);
	/* DNSKEY 257 3 13 <ec>: key tag 10762, P-256 */
	rdata[1] = 0x01;
	rdata[3] = 13;
	n = b64(ec, rdata + 4);
	assert_int_equal(n, 64);
	assert_int_equal(dp_dnskey_parse(rdata, n + 4, &k), 0);
	assert_int_equal(k.flags, 257);
	assert_int_equal(k.key_tag, 10762);
	assert_int_equal(k.key_bits, 256);
	assert_int_not_equal(dp_dnskey_parse(rdata, 3, &k), 0);
	assert_string_equal(dp_dnssec_alg_name(13), "ECDSAP256SHA256");
	assert_null(dp_dnssec_alg_name(200));
}

/* A reply for glitter.kr SOA with one answer (name compressed to the question), an OPT RR. */
static const uint8_t soa_reply[] = {
	0x3a, 0x76, 0x85, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	0x07, 'g', 'l', 'i', 't', 't', 'e', 'r', 0x02, 'k', 'r', 0x00, 0x00, 0x06, 0x00, 0x01,
	/* answer: c00c SOA IN ttl rdlength 31 */
	0xc0, 0x0c, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x1f,
	0x03, 'n', 's', '1', 0xc0, 0x0c,		/* mname ns1.glitter.kr */
	0x02, 'h', 'm', 0xc0, 0x0c,			/* rname hm.glitter.kr */
	0, 0, 0, 1, 0, 0, 0x0e, 0x10, 0, 0, 0x03, 0x84, 0, 0x12, 0x75, 0, 0, 0, 0x01, 0x2c,
	/* OPT */
	0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,
};

static void
test_wellformed(void **state)
{
	uint8_t m[sizeof(soa_reply)];

	(void)state;
	assert_true(dp_msg_wellformed(soa_reply, sizeof(soa_reply)));
	/* truncated anywhere → rejected */
	for (size_t n = 0; n < sizeof(soa_reply); n++)
		assert_false(dp_msg_wellformed(soa_reply, n));
	/* more answers claimed than present (the getdns 1.6 over-read seen by fuzz_dnssec_rdata) */
	memcpy(m, soa_reply, sizeof(m));
	m[6] = 0x26;
	assert_false(dp_msg_wellformed(m, sizeof(m)));
	/* RDLENGTH larger than the message */
	memcpy(m, soa_reply, sizeof(m));
	m[39] = 0xff;
	assert_false(dp_msg_wellformed(m, sizeof(m)));
	/* a compression pointer pointing forward, or at itself */
	memcpy(m, soa_reply, sizeof(m));
	m[29] = 0x30;
	assert_false(dp_msg_wellformed(m, sizeof(m)));
	m[29] = 0x1c;
	assert_false(dp_msg_wellformed(m, sizeof(m)));
	/* SOA rdata one octet short of its 20 fixed octets (RDLENGTH says so) */
	memcpy(m, soa_reply, sizeof(m));
	m[39] = 0x1e;
	assert_false(dp_msg_wellformed(m, sizeof(m)));
	/* an extended label type */
	memcpy(m, soa_reply, sizeof(m));
	m[40] = 0x43;
	assert_false(dp_msg_wellformed(m, sizeof(m)));
}

/* IDNA2008 input (libidn2): U-labels become A-labels, A-labels must round-trip, and bad input
 * says why. Cases: RFC 5890/5891 rules, UTS 46 non-transitional mapping. */
static void
test_idn(void **state)
{
	static const struct {
		const char *in;
		const char *out; /* NULL: rejected */
		const char *unicode; /* U-label form shown, NULL when plain ASCII */
	} cases[] = {
		{"\xea\xb8\x80\xeb\xa6\xac\xed\x84\xb0.kr", "xn--bj0bj5t93s.kr",
		 "\xea\xb8\x80\xeb\xa6\xac\xed\x84\xb0.kr"}, /* 글리터.kr */
		{"\xea\xb8\x80\xeb\xa6\xac\xed\x84\xb0.kr.", "xn--bj0bj5t93s.kr",
		 "\xea\xb8\x80\xeb\xa6\xac\xed\x84\xb0.kr"}, /* trailing dot */
		{"XN--BJ0BJ5T93S.KR", "xn--bj0bj5t93s.kr",
		 "\xea\xb8\x80\xeb\xa6\xac\xed\x84\xb0.kr"}, /* A-label given, upper case */
		{"mail.\xea\xb8\x80\xeb\xa6\xac\xed\x84\xb0.kr", "mail.xn--bj0bj5t93s.kr",
		 "mail.\xea\xb8\x80\xeb\xa6\xac\xed\x84\xb0.kr"},
		{"b\xc3\xbc" "cher.de", "xn--bcher-kva.de", "b\xc3\xbc" "cher.de"}, /* bücher.de */
		/* UTS 46 non-transitional: ß stays ß (IDNA2008), not "ss" (IDNA2003) */
		{"fa\xc3\x9f.de", "xn--fa-hia.de", "fa\xc3\x9f.de"},
		/* NFC input: u + combining diaeresis is ü */
		{"bu\xcc\x88" "cher.de", "xn--bcher-kva.de", "b\xc3\xbc" "cher.de"},
		{"glitter.kr", "glitter.kr", NULL},
		{"xn--zz.kr", NULL, NULL},		   /* not Punycode */
		{"xn--bcher-kva.de", "xn--bcher-kva.de", "b\xc3\xbc" "cher.de"},
		{"\xff\xfe.kr", NULL, NULL},		   /* not UTF-8 */
		{"a\xe2\x80\x90" "b.kr", NULL, NULL},	   /* U+2010 HYPHEN is DISALLOWED */
		{"\xe2\x98\x83.kr", NULL, NULL},	   /* U+2603 snowman: not in IDNA2008 */
		{"", NULL, NULL},
	};
	char out[256];
	char u[512];
	struct dp_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = dp_name_from_input(cases[i].in, out, sizeof(out), &err);

		if (cases[i].out == NULL) {
			assert_int_equal(rc, DP_EINVAL);
			assert_true(err.msg[0] != '\0');
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(out, cases[i].out);
		if (cases[i].unicode == NULL) {
			assert_false(dp_name_unicode(out, u, sizeof(u)));
		} else {
			assert_true(dp_name_unicode(out, u, sizeof(u)));
			assert_string_equal(u, cases[i].unicode);
		}
	}
	/* The reason names IDNA2008. */
	assert_int_equal(dp_name_from_input("a\xe2\x80\x90" "b.kr", out, sizeof(out), &err), DP_EINVAL);
	assert_non_null(strstr(err.msg, "IDNA2008"));
	/* A U-label form that does not fit is not shown rather than cut. */
	assert_false(dp_name_unicode("xn--bj0bj5t93s.kr", u, 4));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_idn),
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_in_domain),
		cmocka_unit_test(test_types_and_addrs),
		cmocka_unit_test(test_keytag),
		cmocka_unit_test(test_wellformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
