/* Unit tests of dnssec.cds's RFC 9615 judge (probes/dsboot.c) over recorded inputs: the
 * signalling name, in-domain names, each signal status and each verdict, hostile names. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probes/dsboot.h"

/* Records as served in the lab: a CDS (tag 48552, ECDSAP256SHA256, SHA-256) and a CDNSKEY. */
static const uint8_t CDS_A[] = {0xbd, 0xa8, 13, 2, 0x0b, 0xc3, 0x11, 0x22, 0x33, 0x44};
static const uint8_t CDS_B[] = {0x12, 0x34, 13, 2, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01};
static const uint8_t KEY_A[] = {0x01, 0x01, 3, 13, 0x9f, 0x67, 0xe8, 0xa2, 0x55, 0x01};
static const uint8_t KEY_B[] = {0x01, 0x01, 3, 13, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60};

static void
set1(struct dp_dsboot_set *s, const uint8_t *rd, size_t len)
{
	s->rd[s->n] = rd;
	s->len[s->n] = len;
	s->n++;
}

/* The apex sets every case starts from: CDS_A and KEY_A. */
static struct dp_dsboot_set apex_cds, apex_key;

/* A judge for glitter.kr with the NS names given (NULL-terminated). */
static void
setup(struct dp_dsboot *b, const char *const *names)
{
	memset(b, 0, sizeof(*b));
	memset(&apex_cds, 0, sizeof(apex_cds));
	memset(&apex_key, 0, sizeof(apex_key));
	set1(&apex_cds, CDS_A, sizeof(CDS_A));
	set1(&apex_key, KEY_A, sizeof(KEY_A));
	b->zone = "glitter.kr";
	b->cds = &apex_cds;
	b->cdnskey = &apex_key;
	for (; *names != NULL; names++)
		b->ns[b->nns++].name = *names;
	dp_dsboot_prepare(b);
}

/* What the resolver said for NS i: secure, the apex's records. */
static void
answer_same(struct dp_dsboot *b, size_t i)
{
	b->ns[i].looked_up = true;
	b->ns[i].sec_cds = DP_SEC_SECURE;
	b->ns[i].sec_cdnskey = DP_SEC_SECURE;
	set1(&b->ns[i].cds, CDS_A, sizeof(CDS_A));
	set1(&b->ns[i].cdnskey, KEY_A, sizeof(KEY_A));
}

static const char *const outside[] = {"ns1.dnshost.example", "ns2.dnshost.example", NULL};

static void
test_signal_name(void **state)
{
	char buf[DP_DSBOOT_NAME_SZ];

	(void)state;
	assert_int_equal(
	    dp_dsboot_signal_name("glitter.kr", "ns1.dnshost.example.", buf, sizeof(buf)),
	    DP_DSBOOT_NS_SAME);
	assert_string_equal(buf, "_dsboot.glitter.kr._signal.ns1.dnshost.example");
	/* RFC 9615 §4.1.1's example: ns3.example.co.uk is in domain */
	assert_int_equal(
	    dp_dsboot_signal_name("example.co.uk", "ns3.example.co.uk", buf, sizeof(buf)),
	    DP_DSBOOT_NS_IN_DOMAIN);
	assert_string_equal(buf, "");
	assert_int_equal(dp_dsboot_signal_name("example.co.uk.", "EXAMPLE.co.UK", buf, sizeof(buf)),
	                 DP_DSBOOT_NS_IN_DOMAIN);
	/* a name that only ends in the same letters is outside */
	assert_int_equal(dp_dsboot_signal_name("glitter.kr", "nsglitter.kr", buf, sizeof(buf)),
	                 DP_DSBOOT_NS_SAME);
	assert_string_equal(buf, "_dsboot.glitter.kr._signal.nsglitter.kr");
	/* too small a buffer is refused, not cut */
	assert_int_equal(dp_dsboot_signal_name("glitter.kr", "ns1.dnshost.example", buf, 20),
	                 DP_DSBOOT_NS_BAD_NAME);
	assert_string_equal(buf, "");
}

/* Hostile: a signalling name over 255 octets, escapes, empty labels, a 64-octet label. */
static void
test_hostile_names(void **state)
{
	char zone[300];
	char ns[300];
	char buf[DP_DSBOOT_NAME_SZ];
	struct dp_dsboot b;
	const char *names[2] = {ns, NULL};

	(void)state;
	/* child of 110 characters, NS of 120: 110 + 120 + 19 = 249 octets, fits */
	memset(zone, 'a', 110);
	memcpy(zone + 60, ".", 1);
	memcpy(zone + 107, ".kr", 4);
	memset(ns, 'b', 120);
	memcpy(ns + 60, ".", 1);
	memcpy(ns + 116, ".net", 5);
	assert_int_equal(strlen(zone) + strlen(ns) + 19, 249);
	assert_int_equal(dp_dsboot_signal_name(zone, ns, buf, sizeof(buf)), DP_DSBOOT_NS_SAME);
	assert_int_equal(strlen(buf) + 2, 249);
	/* 7 more characters in the NS name: 256 octets, refused */
	memset(ns, 'b', 127);
	memcpy(ns + 60, ".", 1);
	memcpy(ns + 120, ".", 1);
	memcpy(ns + 123, ".net", 5);
	assert_int_equal(strlen(zone) + strlen(ns) + 19, 256);
	assert_int_equal(dp_dsboot_signal_name(zone, ns, buf, sizeof(buf)), DP_DSBOOT_NS_BAD_NAME);
	assert_string_equal(buf, "");
	/* … and as the judge sees it: a finding, never a lookup of a cut name */
	memset(&b, 0, sizeof(b));
	b.zone = zone;
	b.cds = &apex_cds;
	b.cdnskey = &apex_key;
	b.ns[0].name = names[0];
	b.nns = 1;
	dp_dsboot_prepare(&b);
	assert_int_equal(b.ns[0].status, DP_DSBOOT_NS_BAD_NAME);
	assert_string_equal(b.ns[0].signal_name, "");
	assert_non_null(strstr(b.ns[0].why, "255 octets"));
	dp_dsboot_judge(&b);
	assert_int_equal(b.verdict, DP_DSBOOT_NO_SIGNAL);
	assert_int_equal(b.status, DP_STATUS_OK);
	/* escapes, empty labels, a 64-octet label, the root */
	assert_int_equal(dp_dsboot_signal_name("glitter.kr", "ns1\\.x.example", buf, sizeof(buf)),
	                 DP_DSBOOT_NS_BAD_NAME);
	assert_int_equal(dp_dsboot_signal_name("glitter.kr", "ns1..example", buf, sizeof(buf)),
	                 DP_DSBOOT_NS_BAD_NAME);
	assert_int_equal(dp_dsboot_signal_name("glitter.kr", ".", buf, sizeof(buf)),
	                 DP_DSBOOT_NS_BAD_NAME);
	assert_int_equal(dp_dsboot_signal_name("", "ns1.example", buf, sizeof(buf)),
	                 DP_DSBOOT_NS_BAD_NAME);
	memset(ns, 'c', 64);
	memcpy(ns + 64, ".example", 9);
	assert_int_equal(dp_dsboot_signal_name("glitter.kr", ns, buf, sizeof(buf)),
	                 DP_DSBOOT_NS_BAD_NAME);
	ns[1] = '.'; /* labels of 1 and 62: fine */
	assert_int_equal(dp_dsboot_signal_name("glitter.kr", ns, buf, sizeof(buf)),
	                 DP_DSBOOT_NS_SAME);
}

static void
test_possible(void **state)
{
	struct dp_dsboot b;
	json_t *j;

	(void)state;
	setup(&b, outside);
	answer_same(&b, 0);
	answer_same(&b, 1);
	/* the same set in another order, with a duplicate, is the same set */
	b.ns[1].cds.n = 0;
	set1(&b.ns[1].cds, CDS_A, sizeof(CDS_A));
	set1(&b.ns[1].cds, CDS_A, sizeof(CDS_A));
	dp_dsboot_judge(&b);
	assert_int_equal(b.verdict, DP_DSBOOT_POSSIBLE);
	assert_int_equal(b.status, DP_STATUS_OK);
	assert_string_equal(dp_dsboot_verdict_str(b.verdict), "possible");
	assert_non_null(strstr(b.summary, "ns1.dnshost.example, ns2.dnshost.example signal"));
	j = dp_dsboot_signal_json(&b);
	assert_int_equal(json_array_size(j), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 1), "status")),
	                    "same");
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(json_array_get(j, 0), "cds"), 0)),
	    "48552 13 2 0BC311223344");
	json_decref(j);
}

/* One signal differs (the dsboot-mismatch lab fault): blocked, naming the NS and the records. */
static void
test_mismatch(void **state)
{
	struct dp_dsboot b;

	(void)state;
	setup(&b, outside);
	answer_same(&b, 0);
	answer_same(&b, 1);
	b.ns[1].cds.rd[0] = CDS_B;
	dp_dsboot_judge(&b);
	assert_int_equal(b.verdict, DP_DSBOOT_BLOCKED);
	assert_int_equal(b.status, DP_STATUS_WARNING);
	assert_int_equal(b.ns[0].status, DP_DSBOOT_NS_SAME);
	assert_int_equal(b.ns[1].status, DP_DSBOOT_NS_DIFFERENT);
	assert_string_equal(b.ns[1].why, "_dsboot.glitter.kr._signal.ns2.dnshost.example differs "
	                                 "from the apex: CDS 4660/13/2 at the signal, 48552/13/2 "
	                                 "at the apex");
	assert_non_null(strstr(b.summary, "blocked at ns2.dnshost.example: "));
	/* a CDNSKEY at the apex and none at the signal differs too (§4.2: empty vs non-empty) */
	setup(&b, outside);
	answer_same(&b, 0);
	answer_same(&b, 1);
	b.ns[0].cdnskey.n = 0;
	dp_dsboot_judge(&b);
	assert_int_equal(b.ns[0].status, DP_DSBOOT_NS_DIFFERENT);
	assert_non_null(strstr(b.ns[0].why, "CDNSKEY none at the signal"));
	assert_int_equal(b.verdict, DP_DSBOOT_BLOCKED);
	/* another key: CDNSKEY differs by key tag */
	setup(&b, outside);
	answer_same(&b, 0);
	answer_same(&b, 1);
	b.ns[0].cdnskey.rd[0] = KEY_B;
	dp_dsboot_judge(&b);
	assert_int_equal(b.ns[0].status, DP_DSBOOT_NS_DIFFERENT);
	assert_null(strstr(b.ns[0].why, "CDS "));
}

/* A signal missing at one NS while another has it: blocked; missing everywhere: no_signal. */
static void
test_missing(void **state)
{
	struct dp_dsboot b;

	(void)state;
	setup(&b, outside);
	answer_same(&b, 0);
	b.ns[1].looked_up = true;
	b.ns[1].sec_cds = DP_SEC_SECURE; /* a validated NODATA/NXDOMAIN */
	b.ns[1].sec_cdnskey = DP_SEC_SECURE;
	dp_dsboot_judge(&b);
	assert_int_equal(b.ns[1].status, DP_DSBOOT_NS_MISSING);
	assert_int_equal(b.verdict, DP_DSBOOT_BLOCKED);
	assert_non_null(strstr(b.summary, "blocked at ns2.dnshost.example: no CDS or CDNSKEY at "
	                                  "_dsboot.glitter.kr._signal.ns2.dnshost.example"));
	setup(&b, outside);
	for (size_t i = 0; i < 2; i++) {
		b.ns[i].looked_up = true;
		b.ns[i].sec_cds = DP_SEC_SECURE;
		b.ns[i].sec_cdnskey = DP_SEC_INSECURE;
	}
	dp_dsboot_judge(&b);
	assert_int_equal(b.verdict, DP_DSBOOT_NO_SIGNAL);
	assert_int_equal(b.status, DP_STATUS_OK);
	assert_non_null(strstr(b.summary, "not set up"));
}

/* Records there but insecure or bogus: blocked (the parent cannot authenticate them). */
static void
test_insecure_bogus(void **state)
{
	struct dp_dsboot b;

	(void)state;
	setup(&b, outside);
	answer_same(&b, 0);
	answer_same(&b, 1);
	b.ns[0].sec_cds = DP_SEC_INSECURE;
	dp_dsboot_judge(&b);
	assert_int_equal(b.ns[0].status, DP_DSBOOT_NS_INSECURE);
	assert_int_equal(b.verdict, DP_DSBOOT_BLOCKED);
	assert_non_null(strstr(b.summary, "blocked at ns1.dnshost.example: "));
	setup(&b, outside);
	answer_same(&b, 0);
	answer_same(&b, 1);
	b.ns[1].sec_cdnskey = DP_SEC_BOGUS;
	b.ns[1].why_bogus = "signature expired";
	dp_dsboot_judge(&b);
	assert_int_equal(b.ns[1].status, DP_DSBOOT_NS_BOGUS);
	assert_non_null(strstr(b.ns[1].why, "signature expired"));
	assert_int_equal(b.verdict, DP_DSBOOT_BLOCKED);
}

/* In-domain names are ignored; in-domain names only: cannot apply. */
static void
test_in_domain(void **state)
{
	static const char *const inside[] = {"ns1.glitter.kr", "ns2.glitter.kr", NULL};
	static const char *const mixed[] = {"ns1.glitter.kr", "ns1.dnshost.example", NULL};
	struct dp_dsboot b;

	(void)state;
	setup(&b, inside);
	dp_dsboot_judge(&b);
	assert_int_equal(b.verdict, DP_DSBOOT_IN_DOMAIN_ONLY);
	assert_int_equal(b.status, DP_STATUS_OK);
	assert_non_null(strstr(b.summary, "every NS (ns1.glitter.kr, ns2.glitter.kr) is inside "
	                                  "glitter.kr"));
	setup(&b, mixed);
	assert_int_equal(b.ns[0].status, DP_DSBOOT_NS_IN_DOMAIN);
	answer_same(&b, 1);
	dp_dsboot_judge(&b);
	assert_int_equal(b.verdict, DP_DSBOOT_POSSIBLE);
	assert_non_null(strstr(b.summary, "ns1.dnshost.example signals"));
	assert_null(strstr(b.summary, "ns1.glitter.kr"));
}

/* Lookups that failed or that the budget ended: unknown, never blocked on their account. */
static void
test_failed(void **state)
{
	struct dp_dsboot b;

	(void)state;
	setup(&b, outside);
	answer_same(&b, 0);
	b.ns[1].looked_up = false;
	b.ns[1].error = "not checked: budget exhausted";
	dp_dsboot_judge(&b);
	assert_int_equal(b.ns[1].status, DP_DSBOOT_NS_FAILED);
	assert_int_equal(b.verdict, DP_DSBOOT_UNKNOWN);
	assert_int_equal(b.status, DP_STATUS_OK);
	assert_non_null(strstr(b.summary, "budget exhausted"));
	/* SERVFAIL (indeterminate) is a failure too */
	setup(&b, outside);
	answer_same(&b, 0);
	answer_same(&b, 1);
	b.ns[0].sec_cds = DP_SEC_INDETERMINATE;
	dp_dsboot_judge(&b);
	assert_int_equal(b.verdict, DP_DSBOOT_UNKNOWN);
	/* … but a different signal elsewhere blocks whatever the failure */
	b.ns[1].cds.rd[0] = CDS_B;
	b.ns[0].status = DP_DSBOOT_NS_SAME; /* judged again from the prepared state */
	b.ns[1].status = DP_DSBOOT_NS_SAME;
	dp_dsboot_judge(&b);
	assert_int_equal(b.verdict, DP_DSBOOT_BLOCKED);
	/* no NS at all */
	memset(&b, 0, sizeof(b));
	b.zone = "glitter.kr";
	b.cds = &apex_cds;
	b.cdnskey = &apex_key;
	dp_dsboot_judge(&b);
	assert_int_equal(b.verdict, DP_DSBOOT_UNKNOWN);
}

/* A too-long signalling name beside a working signal: blocked (that NS cannot signal). */
static void
test_bad_name_blocks(void **state)
{
	char ns[300];
	const char *names[3] = {"ns1.dnshost.example", ns, NULL};
	struct dp_dsboot b;

	(void)state;
	memset(ns, 'x', 250);
	for (size_t i = 60; i < 250; i += 61)
		ns[i] = '.';
	memcpy(ns + 250, ".net", 5);
	setup(&b, names);
	assert_int_equal(b.ns[1].status, DP_DSBOOT_NS_BAD_NAME);
	answer_same(&b, 0);
	dp_dsboot_judge(&b);
	assert_int_equal(b.verdict, DP_DSBOOT_BLOCKED);
	assert_int_equal(b.status, DP_STATUS_WARNING);
	assert_non_null(strstr(b.summary, "cannot be formed"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signal_name),     cmocka_unit_test(test_hostile_names),
	    cmocka_unit_test(test_possible),        cmocka_unit_test(test_mismatch),
	    cmocka_unit_test(test_missing),         cmocka_unit_test(test_insecure_bogus),
	    cmocka_unit_test(test_in_domain),       cmocka_unit_test(test_failed),
	    cmocka_unit_test(test_bad_name_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
