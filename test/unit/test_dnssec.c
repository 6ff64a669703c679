/* Unit tests of the DNSSEC helpers: DS digests (vectors from dnssec-dsfromkey), RFC 8624 tables,
 * RRSIG parsing, time arithmetic and verdicts, NSEC3 parameters and RFC 9276. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <getdns/getdns.h>

#include "dns/dns.h"
#include "dns/dnssec.h"

/* RFC 4034 §5.4 / RFC 4509 §2.3: dskey.example.com. DNSKEY 256 3 5 AQOeiiR0…, key tag 60485. */
static const uint8_t dnskey[] = {
    0x01, 0x00, 0x03, 0x05, 0x01, 0x03, 0x9e, 0x8a, 0x24, 0x74, 0x18, 0xe3, 0x18, 0x90, 0x3b,
    0x21, 0x5a, 0x84, 0x8a, 0xcf, 0xd5, 0xf3, 0x7f, 0x02, 0x6b, 0xd4, 0x06, 0x2d, 0xb2, 0x6c,
    0x77, 0x4c, 0x69, 0x09, 0x68, 0xd5, 0xd5, 0x6d, 0xf8, 0xbf, 0xda, 0x91, 0xe6, 0xf3, 0x6d,
    0x9a, 0x27, 0x98, 0x88, 0xf4, 0x13, 0x33, 0x35, 0x7c, 0x5e, 0x60, 0x29, 0x99, 0x0d, 0x10,
    0xfd, 0xf5, 0x66, 0x30, 0x62, 0xa5, 0x12, 0x76, 0x33, 0x26, 0x98, 0x0a, 0x61, 0x5d, 0xdb,
    0xf1, 0x7a, 0x05, 0xdd, 0xfc, 0xce, 0x7e, 0x5f, 0xb3, 0xab, 0xcc, 0xa0, 0x5a, 0x31, 0xb0,
    0x95, 0x74, 0x52, 0xd4, 0x52, 0x1e, 0x83, 0x87, 0x07, 0x89, 0x06, 0x31, 0x15, 0xbf, 0x97,
    0xf6, 0xc3, 0x08, 0xcc, 0xf5, 0x7c, 0xdc, 0x9c, 0xe7, 0xfe, 0x10, 0xf6, 0xed, 0x1b, 0xd0,
    0xcc, 0x06, 0x60, 0x03, 0x8c, 0x50, 0xdc, 0xdb, 0x0f, 0xeb, 0x96, 0x3c, 0x2f, 0x17};

/* `dnssec-dsfromkey -A -1|-2|-a SHA-384 -f key.txt dskey.example.com` (BIND 9.18). */
static const char *const ds_sha1 = "2bb183af5f22588179a53b0a98631fad1a292118";
static const char *const ds_sha256 =
    "d4b7d520e7bb5f0f67674a0cceb1e3e0614b93c4f9e99b8383f6a1e4469da50a";
static const char *const ds_sha384 = "ab64dbebe13c0b6bae558b78ccab93b836f8ada4cbed2d4484a8715a8"
                                     "19de7b9e846315e70ea5d884b377394bdaf16a3";

static void
test_keytag(void **state)
{
	struct dp_dnskey k;

	(void)state;
	assert_int_equal(dp_dnssec_keytag(dnskey, sizeof(dnskey)), 60485);
	assert_int_equal(dp_dnskey_parse(dnskey, sizeof(dnskey), &k), 0);
	assert_int_equal(k.key_tag, 60485);
	assert_int_equal(k.algorithm, 5);
	assert_int_equal(k.flags, 256);
	assert_int_equal(k.key_bits, 1024); /* RFC 3110: 1-octet exponent 3, 128-octet modulus */
}

static void
check_digest(uint8_t type, const char *owner, const char *want)
{
	uint8_t d[DP_DS_DIGEST_MAX];
	char hex[2 * DP_DS_DIGEST_MAX + 1];
	size_t n = 0;

	assert_int_equal(dp_ds_digest(owner, dnskey, sizeof(dnskey), type, d, sizeof(d), &n), 0);
	assert_string_equal(dp_hex(d, n, hex, sizeof(hex)), want);
}

static void
test_ds_digest(void **state)
{
	uint8_t d[DP_DS_DIGEST_MAX];
	size_t n = 0;

	(void)state;
	check_digest(1, "dskey.example.com", ds_sha1);
	check_digest(2, "dskey.example.com", ds_sha256);
	check_digest(4, "dskey.example.com", ds_sha384);
	/* RFC 4034 §6.2: the owner name is taken in canonical (lower-case) form. */
	check_digest(2, "DSKEY.Example.COM", ds_sha256);
	assert_int_equal(
	    dp_ds_digest("dskey.example.com", dnskey, sizeof(dnskey), 3, d, sizeof(d), &n),
	    DP_ENOTFOUND);
	assert_int_equal(dp_ds_digest("a..b", dnskey, sizeof(dnskey), 2, d, sizeof(d), &n),
	                 DP_EINVAL);
	assert_int_equal(dp_ds_digest("dskey.example.com", dnskey, sizeof(dnskey), 4, d, 32, &n),
	                 DP_EINVAL);
}

static void
test_ds_matches(void **state)
{
	uint8_t rd[4 + 32] = {0xec, 0x45, 5, 2}; /* tag 60485, alg 5, SHA-256 */
	struct dp_ds ds;
	size_t n = 0;

	(void)state;
	assert_int_equal(
	    dp_ds_digest("dskey.example.com", dnskey, sizeof(dnskey), 2, rd + 4, 32, &n), 0);
	assert_int_equal(dp_ds_parse(rd, sizeof(rd), &ds), 0);
	assert_true(dp_ds_matches(&ds, "dskey.example.com", dnskey, sizeof(dnskey)));
	assert_false(dp_ds_matches(&ds, "other.example.com", dnskey, sizeof(dnskey)));
	rd[10] ^= 1;
	assert_false(dp_ds_matches(&ds, "dskey.example.com", dnskey, sizeof(dnskey)));
	rd[10] ^= 1;
	rd[2] = 8; /* another algorithm */
	assert_int_equal(dp_ds_parse(rd, sizeof(rd), &ds), 0);
	assert_false(dp_ds_matches(&ds, "dskey.example.com", dnskey, sizeof(dnskey)));
	assert_int_equal(dp_ds_parse(rd, 4, &ds), DP_EPARSE);
}

static void
test_name_to_wire(void **state)
{
	uint8_t w[256];
	size_t n = 0;
	char l64[80];

	(void)state;
	assert_int_equal(dp_name_to_wire("Glitter.KR", w, sizeof(w), &n), 0);
	assert_int_equal(n, 12);
	assert_memory_equal(w, "\7glitter\2kr\0", 12);
	assert_int_equal(dp_name_to_wire("", w, sizeof(w), &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(dp_name_to_wire("a..b", w, sizeof(w), &n), DP_EINVAL);
	assert_int_equal(dp_name_to_wire("glitter.kr", w, 11, &n), DP_EINVAL);
	memset(l64, 'a', 64);
	l64[64] = '\0';
	assert_int_equal(dp_name_to_wire(l64, w, sizeof(w), &n), DP_EINVAL);
}

static void
test_rfc8624(void **state)
{
	(void)state;
	assert_int_equal(dp_rfc8624_signing(1), DP_RFC8624_MUST_NOT);
	assert_int_equal(dp_rfc8624_signing(3), DP_RFC8624_MUST_NOT);
	assert_int_equal(dp_rfc8624_signing(5), DP_RFC8624_NOT_RECOMMENDED);
	assert_int_equal(dp_rfc8624_signing(6), DP_RFC8624_MUST_NOT);
	assert_int_equal(dp_rfc8624_signing(7), DP_RFC8624_NOT_RECOMMENDED);
	assert_int_equal(dp_rfc8624_signing(8), DP_RFC8624_MUST);
	assert_int_equal(dp_rfc8624_signing(10), DP_RFC8624_NOT_RECOMMENDED);
	assert_int_equal(dp_rfc8624_signing(12), DP_RFC8624_MUST_NOT);
	assert_int_equal(dp_rfc8624_signing(13), DP_RFC8624_MUST);
	assert_int_equal(dp_rfc8624_signing(14), DP_RFC8624_MAY);
	assert_int_equal(dp_rfc8624_signing(15), DP_RFC8624_RECOMMENDED);
	assert_int_equal(dp_rfc8624_signing(16), DP_RFC8624_MAY);
	assert_int_equal(dp_rfc8624_signing(253), DP_RFC8624_UNLISTED);
	assert_int_equal(dp_rfc8624_ds(0), DP_RFC8624_MUST_NOT);
	assert_int_equal(dp_rfc8624_ds(1), DP_RFC8624_MUST_NOT);
	assert_int_equal(dp_rfc8624_ds(2), DP_RFC8624_MUST);
	assert_int_equal(dp_rfc8624_ds(3), DP_RFC8624_MUST_NOT);
	assert_int_equal(dp_rfc8624_ds(4), DP_RFC8624_MAY);
	assert_int_equal(dp_rfc8624_ds(9), DP_RFC8624_UNLISTED);
	assert_int_equal(dp_rfc8624_status(DP_RFC8624_MUST_NOT), DP_STATUS_CRITICAL);
	assert_int_equal(dp_rfc8624_status(DP_RFC8624_NOT_RECOMMENDED), DP_STATUS_WARNING);
	assert_int_equal(dp_rfc8624_status(DP_RFC8624_UNLISTED), DP_STATUS_WARNING);
	assert_int_equal(dp_rfc8624_status(DP_RFC8624_MAY), DP_STATUS_OK);
	assert_int_equal(dp_rfc8624_status(DP_RFC8624_MUST), DP_STATUS_OK);
	assert_string_equal(dp_rfc8624_str(DP_RFC8624_NOT_RECOMMENDED), "NOT RECOMMENDED");
}

/* RRSIG SOA 13 2 3600 exp=0x6b0eefaa inc=0x6ae562aa tag 49695 signer glitter.kr + 4 sig bytes. */
static const uint8_t rrsig[] = {0x00, 0x06, 13,   2,    0x00, 0x00, 0x0e, 0x10, 0x6b,
                                0x0e, 0xef, 0xaa, 0x6a, 0xe5, 0x62, 0xaa, 0xc2, 0x1f,
                                7,    'g',  'l',  'i',  't',  't',  'e',  'r',  2,
                                'k',  'r',  0,    0xde, 0xad, 0xbe, 0xef};

static void
test_rrsig_parse(void **state)
{
	struct dp_rrsig s;
	uint8_t bad[sizeof(rrsig)];

	(void)state;
	assert_int_equal(dp_rrsig_parse(rrsig, sizeof(rrsig), &s), 0);
	assert_int_equal(s.type_covered, 6);
	assert_int_equal(s.algorithm, 13);
	assert_int_equal(s.labels, 2);
	assert_int_equal(s.original_ttl, 3600);
	assert_int_equal(s.expiration, 0x6b0eefaau);
	assert_int_equal(s.inception, 0x6ae562aau);
	assert_int_equal(s.key_tag, 49695);
	assert_string_equal(s.signer, "glitter.kr");
	/* No signature bytes is still a parse (the signer ends at the root label). */
	assert_int_equal(dp_rrsig_parse(rrsig, 30, &s), 0);
	assert_int_equal(dp_rrsig_parse(rrsig, 29, &s), DP_EPARSE); /* no root label */
	assert_int_equal(dp_rrsig_parse(rrsig, 18, &s), DP_EPARSE);
	memcpy(bad, rrsig, sizeof(bad));
	bad[18] = 0xc0; /* a compression pointer: not allowed in RRSIG (RFC 4034 §3.1.7) */
	assert_int_equal(dp_rrsig_parse(bad, sizeof(bad), &s), DP_EPARSE);
	bad[18] = 60; /* label longer than what is left */
	assert_int_equal(dp_rrsig_parse(bad, sizeof(bad), &s), DP_EPARSE);
}

static void
test_rrsig_time(void **state)
{
	(void)state;
	assert_int_equal(dp_rrsig_time(1796141149u, 1796141149), 1796141149);
	assert_int_equal(dp_rrsig_time(1796141149u - 100, 1796141149), 1796141049);
	/* RFC 4034 §3.1.5: past 2106 the 32-bit value wraps; the nearest value is meant. */
	assert_int_equal(dp_rrsig_time(5, 4294967290LL), 4294967301LL);
	assert_int_equal(dp_rrsig_time(4294967290u, 4294967301LL), 4294967290LL);
}

static void
test_rrsig_judge(void **state)
{
	const int64_t now = 1800000000;
	const int64_t h = 3600;
	int64_t rem = 0;

	(void)state;
	assert_int_equal(dp_rrsig_judge(now - h, now + 30 * 24 * h, now, now, 72 * h, 24 * h, &rem),
	                 DP_RRSIG_VALID);
	assert_int_equal(rem, 30 * 24 * h);
	assert_int_equal(dp_rrsig_judge(now - h, now + 36 * h, now, now, 72 * h, 24 * h, &rem),
	                 DP_RRSIG_EXPIRES_SOON);
	assert_int_equal(dp_rrsig_judge(now - h, now + 36 * h, now, now, 72 * h, 48 * h, &rem),
	                 DP_RRSIG_EXPIRES_VERY_SOON);
	assert_int_equal(
	    dp_rrsig_judge(now - 33 * 24 * h, now - 3 * 24 * h, now, now, 72 * h, 24 * h, &rem),
	    DP_RRSIG_EXPIRED);
	assert_int_equal(rem, -3 * 24 * h);
	/* --at +40h: a 36 h signature has expired by then. */
	assert_int_equal(
	    dp_rrsig_judge(now - h, now + 36 * h, now + 40 * h, now, 72 * h, 24 * h, &rem),
	    DP_RRSIG_EXPIRED);
	assert_int_equal(rem, -4 * h);
	/* Expiration is inclusive (RFC 4035 §5.3.1). */
	assert_int_equal(dp_rrsig_judge(now - h, now, now, now, 0, 0, &rem), DP_RRSIG_VALID);
	/* Inception in the future: now, or as of a past --at. */
	assert_int_equal(
	    dp_rrsig_judge(now + 600, now + 30 * 24 * h, now, now, 72 * h, 24 * h, &rem),
	    DP_RRSIG_NOT_YET_VALID);
	assert_int_equal(
	    dp_rrsig_judge(now + 600, now + 30 * 24 * h, now + 40 * h, now, 72 * h, 24 * h, &rem),
	    DP_RRSIG_NOT_YET_VALID);
	assert_int_equal(
	    dp_rrsig_judge(now - h, now + 30 * 24 * h, now - 2 * h, now, 72 * h, 24 * h, &rem),
	    DP_RRSIG_NOT_YET_VALID);
	assert_int_equal(dp_rrsig_state_status(DP_RRSIG_VALID), DP_STATUS_OK);
	assert_int_equal(dp_rrsig_state_status(DP_RRSIG_EXPIRES_SOON), DP_STATUS_WARNING);
	assert_int_equal(dp_rrsig_state_status(DP_RRSIG_EXPIRES_VERY_SOON), DP_STATUS_CRITICAL);
	assert_int_equal(dp_rrsig_state_status(DP_RRSIG_EXPIRED), DP_STATUS_CRITICAL);
	assert_int_equal(dp_rrsig_state_status(DP_RRSIG_NOT_YET_VALID), DP_STATUS_CRITICAL);
	assert_string_equal(dp_rrsig_state_str(DP_RRSIG_NOT_YET_VALID), "not yet valid");
}

static void
test_nsec3(void **state)
{
	/* NSEC3PARAM 1 0 10 d3adb33f (the lab's nsec3-iterations fault); 1 0 0 - ; opt-out NSEC3.
	 */
	const uint8_t salted[] = {1, 0, 0, 10, 4, 0xd3, 0xad, 0xb3, 0x3f};
	const uint8_t plain[] = {1, 0, 0, 0, 0};
	const uint8_t optout[] = {1, 1, 0, 0, 0, 20};
	const uint8_t salt_only[] = {1, 0, 0, 0, 1, 0xab};
	struct dp_nsec3param p;
	char why[256];

	(void)state;
	assert_int_equal(dp_nsec3param_parse(salted, sizeof(salted), &p), 0);
	assert_int_equal(p.iterations, 10);
	assert_int_equal(p.salt_len, 4);
	assert_int_equal(dp_nsec3_verdict(&p, why, sizeof(why)), DP_STATUS_WARNING);
	assert_non_null(strstr(why, "10 extra iterations and salt d3adb33f"));
	assert_int_equal(dp_nsec3param_parse(plain, sizeof(plain), &p), 0);
	assert_int_equal(dp_nsec3_verdict(&p, why, sizeof(why)), DP_STATUS_OK);
	assert_int_equal(dp_nsec3param_parse(optout, sizeof(optout), &p), 0);
	assert_int_equal(p.flags & 1, 1);
	assert_int_equal(dp_nsec3_verdict(&p, NULL, 0), DP_STATUS_OK);
	assert_int_equal(dp_nsec3param_parse(salt_only, sizeof(salt_only), &p), 0);
	assert_int_equal(dp_nsec3_verdict(&p, why, sizeof(why)), DP_STATUS_WARNING);
	assert_non_null(strstr(why, "0 extra iterations and salt ab"));
	assert_int_equal(dp_nsec3param_parse(salted, 8, &p), DP_EPARSE); /* salt cut short */
	assert_int_equal(dp_nsec3param_parse(salted, 4, &p), DP_EPARSE);
}

/* NSEC rdata (RFC 4034 §4.1) as online signers make it: RFC 9824 compact denial and black lies. */
static void
test_nsec(void **state)
{
	/* \000.dp-1.glitter.kr. RRSIG NSEC TYPE128 (NXNAME): window 0, 17 bytes */
	const uint8_t compact[] = {1,    0,   4, 'd', 'p', '-', '1', 7,  'g', 'l', 'i', 't', 't',
	                           'e',  'r', 2, 'K', 'R', 0,   0,   17, 0,   0,   0,   0,   0,
	                           0x03, 0,   0, 0,   0,   0,   0,   0,  0,   0,   0,   0x80};
	/* mail.glitter.kr. A AAAA RRSIG NSEC: window 0, 6 bytes */
	const uint8_t nodata[] = {4, 'm', 'a', 'i', 'l', 7, 'g',  'l', 'i', 't',  't', 'e', 'r',
	                          2, 'k', 'r', 0,   0,   6, 0x40, 0,   0,   0x08, 0,   0x03};
	/* windows out of order (1 then 0); an empty window; a label longer than the rdata */
	const uint8_t unordered[] = {0, 1, 1, 0x40, 0, 1, 0x40};
	const uint8_t empty_window[] = {0, 0, 0};
	const uint8_t long_label[] = {9, 'a', 'b', 0};
	struct dp_nsec n;

	(void)state;
	assert_int_equal(dp_nsec_parse(compact, sizeof(compact), &n), 0);
	assert_string_equal(n.next, "\\000.dp-1.glitter.kr");
	assert_true(dp_nsec_has_type(&n, DP_RR_NXNAME));
	assert_true(dp_nsec_has_type(&n, DP_RR_RRSIG));
	assert_true(dp_nsec_has_type(&n, DP_RR_NSEC));
	assert_false(dp_nsec_has_type(&n, DP_RR_A));
	assert_false(dp_nsec_has_type(&n, DP_RR_CAA)); /* window 1: not there */
	assert_int_equal(dp_nsec_parse(compact, sizeof(compact) - 19, &n), 0); /* no bitmap */
	assert_false(dp_nsec_has_type(&n, DP_RR_NSEC));
	assert_int_equal(dp_nsec_parse(compact, sizeof(compact) - 1, &n), DP_EPARSE);
	assert_int_equal(dp_nsec_parse(nodata, sizeof(nodata), &n), 0);
	assert_string_equal(n.next, "mail.glitter.kr");
	assert_true(dp_nsec_has_type(&n, DP_RR_A));
	assert_true(dp_nsec_has_type(&n, DP_RR_AAAA));
	assert_false(dp_nsec_has_type(&n, DP_RR_NXNAME)); /* beyond the window's 6 bytes */
	assert_false(dp_nsec_has_type(&n, DP_RR_MX));
	assert_int_equal(dp_nsec_parse(unordered, sizeof(unordered), &n), DP_EPARSE);
	assert_int_equal(dp_nsec_parse(empty_window, sizeof(empty_window), &n), DP_EPARSE);
	assert_int_equal(dp_nsec_parse(long_label, sizeof(long_label), &n), DP_EPARSE);
	assert_int_equal(dp_nsec_parse(compact, 0, &n), DP_EPARSE);
}

/* getdns_validate_dnssec2 results as the probe reports them. */
static void
test_validation_from_getdns(void **state)
{
	(void)state;
	assert_int_equal(dp_validation_from_getdns(GETDNS_DNSSEC_SECURE), DP_VALIDATION_SECURE);
	assert_int_equal(dp_validation_from_getdns(GETDNS_DNSSEC_BOGUS), DP_VALIDATION_BOGUS);
	assert_int_equal(dp_validation_from_getdns(GETDNS_DNSSEC_INSECURE), DP_VALIDATION_INSECURE);
	assert_int_equal(dp_validation_from_getdns(GETDNS_DNSSEC_INDETERMINATE),
	                 DP_VALIDATION_INDETERMINATE);
	/* An error code is no DNSSEC status, never "secure". */
	assert_int_equal(dp_validation_from_getdns(GETDNS_RETURN_GENERIC_ERROR),
	                 DP_VALIDATION_ERROR);
	assert_int_equal(dp_validation_from_getdns(GETDNS_RETURN_INVALID_PARAMETER),
	                 DP_VALIDATION_ERROR);
	assert_string_equal(dp_validation_str(DP_VALIDATION_SECURE), "secure");
	assert_string_equal(dp_validation_str(DP_VALIDATION_BOGUS), "bogus");
	assert_string_equal(dp_validation_str(DP_VALIDATION_INDETERMINATE), "indeterminate");
	assert_string_equal(dp_validation_str(DP_VALIDATION_INSECURE), "insecure");
	assert_string_equal(dp_validation_str(DP_VALIDATION_ERROR), "error");
	assert_string_equal(dp_validation_str((enum dp_validation)42), "?");
}

static void
test_bogus_cause(void **state)
{
	const uint16_t ds[] = {58717};
	const uint16_t keys[] = {49695, 58717};
	const uint16_t zsk[] = {49695};
	const uint16_t ksk[] = {58717};
	const uint16_t stray[] = {12345};
	struct dp_bogus_facts f;

	(void)state;
	/* DNSKEY RRset: the DS names no served key (ds-mismatch). */
	f = (struct dp_bogus_facts){.keyset_bogus = true,
	                            .ds_tags = stray,
	                            .nds = 1,
	                            .key_tags = keys,
	                            .nkeys = 2,
	                            .sig_tags = ksk,
	                            .nsigs = 1,
	                            .some_sig_in_time = true};
	assert_int_equal(dp_bogus_cause(&f), DP_BOGUS_NO_KEY_FOR_DS);
	/* No DNSKEY served at all. */
	f.nkeys = 0;
	assert_int_equal(dp_bogus_cause(&f), DP_BOGUS_NO_KEY_FOR_DS);
	/* The DS key is there but only the ZSK signs the DNSKEY RRset. */
	f = (struct dp_bogus_facts){.keyset_bogus = true,
	                            .ds_tags = ds,
	                            .nds = 1,
	                            .key_tags = keys,
	                            .nkeys = 2,
	                            .sig_tags = zsk,
	                            .nsigs = 1,
	                            .some_sig_in_time = true};
	assert_int_equal(dp_bogus_cause(&f), DP_BOGUS_KEYSET);
	f.nsigs = 0;
	assert_int_equal(dp_bogus_cause(&f), DP_BOGUS_KEYSET);
	/* Signed by the DS key, but expired (secondary-expired), or just wrong. */
	f.sig_tags = ksk;
	f.nsigs = 1;
	f.some_sig_in_time = false;
	assert_int_equal(dp_bogus_cause(&f), DP_BOGUS_TIMES);
	f.some_sig_in_time = true;
	assert_int_equal(dp_bogus_cause(&f), DP_BOGUS_SIGNATURE);
	/* Other RRsets, with a DNSKEY RRset that holds. */
	f = (struct dp_bogus_facts){.ds_tags = ds, .nds = 1, .key_tags = keys, .nkeys = 2};
	assert_int_equal(dp_bogus_cause(&f), DP_BOGUS_UNSIGNED);
	f.sig_tags = stray;
	f.nsigs = 1;
	f.some_sig_in_time = true;
	assert_int_equal(dp_bogus_cause(&f), DP_BOGUS_UNKNOWN_KEY);
	f.sig_tags = zsk;
	f.some_sig_in_time = false;
	assert_int_equal(dp_bogus_cause(&f), DP_BOGUS_TIMES);
	f.some_sig_in_time = true;
	assert_int_equal(dp_bogus_cause(&f), DP_BOGUS_SIGNATURE);
	/* One stray key among known ones: the known one's signature is what failed. */
	{
		const uint16_t mixed[] = {12345, 49695};

		f.sig_tags = mixed;
		f.nsigs = 2;
		assert_int_equal(dp_bogus_cause(&f), DP_BOGUS_SIGNATURE);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keytag),
	    cmocka_unit_test(test_ds_digest),
	    cmocka_unit_test(test_ds_matches),
	    cmocka_unit_test(test_name_to_wire),
	    cmocka_unit_test(test_rfc8624),
	    cmocka_unit_test(test_rrsig_parse),
	    cmocka_unit_test(test_rrsig_time),
	    cmocka_unit_test(test_rrsig_judge),
	    cmocka_unit_test(test_nsec3),
	    cmocka_unit_test(test_nsec),
	    cmocka_unit_test(test_validation_from_getdns),
	    cmocka_unit_test(test_bogus_cause),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
