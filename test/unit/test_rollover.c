/* Unit tests of dnssec.rollover's judge (probes/rollover_judge.c) over synthetic histories:
 * RFC 7583 / RFC 6781 key timing and RFC 7671 §8.1 TLSA timing, by the book and not. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probes/rollover.h"

#define T0   1800000000
#define DTTL 3600  /* DNSKEY TTL */
#define STTL 86400 /* DS TTL */

enum { K1 = 1001, K2 = 1002, Z1 = 2001, Z2 = 2002 };

/* A zone: keys (tag, flags 256/257), the keys signing the DNSKEY RRset and the SOA, the DS. */
static struct dp_ro_obs
zone(const int *keys, const int *ksig, const int *zsig, const int *ds)
{
	struct dp_ro_obs o = {.have_dns = true, .dnskey_ttl = DTTL, .ds_ttl = STTL, .parent = "kr"};

	for (; keys != NULL && *keys; keys++)
		o.keys[o.nkeys++] = (struct dp_ro_key){(uint16_t)*keys, 13, *keys < 2000 ? 257 : 256};
	for (; ksig != NULL && *ksig; ksig++)
		o.dnskey_signers[o.ndnskey_signers++] = (struct dp_ro_signer){(uint16_t)*ksig, 13};
	for (; zsig != NULL && *zsig; zsig++)
		o.soa_signers[o.nsoa_signers++] = (struct dp_ro_signer){(uint16_t)*zsig, 13};
	for (; ds != NULL && *ds; ds++)
		o.ds[o.nds++] = (struct dp_ro_ds){(uint16_t)*ds, 13, 2};
	return o;
}

#define L(...) ((const int[]){__VA_ARGS__, 0})

/* Run the judge; the number of findings with status st (any rule when rule is NULL). */
static size_t
judge(json_t *st, const struct dp_ro_obs *o, int64_t now, enum dp_status want, const char *rule,
      struct dp_ro_verdict *v)
{
	size_t n = 0;

	assert_int_equal(dp_rollover_judge(st, "glitter.kr", o, now, v), 0);
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i].status == want && (rule == NULL || strcmp(v->v[i].rule, rule) == 0))
			n++;
	return n;
}

static size_t
alarms(const struct dp_ro_verdict *v)
{
	size_t n = 0;

	for (size_t i = 0; i < v->n; i++)
		n += v->v[i].status != DP_STATUS_OK;
	return n;
}

static void
test_first_and_steady(void **state)
{
	struct dp_ro_obs o = zone(L(K1, Z1), L(K1), L(Z1), L(K1));
	struct dp_ro_verdict v;
	json_t *st = json_object();

	(void)state;
	assert_int_equal(dp_rollover_judge(NULL, "glitter.kr", &o, T0, &v), 0);
	assert_false(v.first);
	assert_int_equal(v.n, 0);
	judge(st, &o, T0, DP_STATUS_OK, NULL, &v);
	assert_true(v.first);
	assert_int_equal(v.n, 0);
	dp_ro_verdict_clear(&v);
	judge(st, &o, T0 + 60, DP_STATUS_OK, NULL, &v);
	assert_false(v.first);
	assert_int_equal(v.n, 0);
	dp_ro_verdict_clear(&v);
	/* the same sets extend one snapshot */
	assert_int_equal(json_array_size(json_object_get(st, "dns")), 1);
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(st, "dns"), 0), "last_seen")),
			 T0 + 60);
	/* a clock that went backwards starts the history again */
	judge(st, &o, T0 - 10, DP_STATUS_OK, NULL, &v);
	assert_true(v.first);
	dp_ro_verdict_clear(&v);
	json_decref(st);
}

static void
test_zsk_premature(void **state)
{
	struct dp_ro_obs a = zone(L(K1, Z1), L(K1), L(Z1), L(K1));
	struct dp_ro_obs b = zone(L(K1, Z1, Z2), L(K1), L(Z2), L(K1));
	struct dp_ro_verdict v;
	json_t *st = json_object();

	(void)state;
	judge(st, &a, T0, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	assert_int_equal(judge(st, &b, T0 + 60, DP_STATUS_CRITICAL, "zsk-premature", &v), 1);
	assert_non_null(strstr(v.v[0].text, "ZSK 2002 signs the SOA"));
	assert_non_null(strstr(v.v[0].text, "(keys 1001, 2001)"));
	assert_non_null(strstr(v.v[0].text, "RFC 7583 §3.3.1"));
	dp_ro_verdict_clear(&v);
	/* still CRITICAL while the old RRset may be cached, quiet once it is out of every cache */
	assert_int_equal(judge(st, &b, T0 + DTTL, DP_STATUS_CRITICAL, "zsk-premature", &v), 1);
	dp_ro_verdict_clear(&v);
	judge(st, &b, T0 + DTTL + DP_RO_PROPAGATION + 1, DP_STATUS_OK, NULL, &v);
	assert_int_equal(alarms(&v), 0);
	dp_ro_verdict_clear(&v);
	json_decref(st);
}

static void
test_zsk_by_the_book(void **state)
{
	struct dp_ro_obs a = zone(L(K1, Z1), L(K1), L(Z1), L(K1));
	struct dp_ro_obs pre = zone(L(K1, Z1, Z2), L(K1), L(Z1), L(K1));
	struct dp_ro_obs sw = zone(L(K1, Z1, Z2), L(K1), L(Z2), L(K1));
	struct dp_ro_obs dbl = zone(L(K1, Z1, Z2), L(K1), L(Z1, Z2), L(K1));
	struct dp_ro_obs post = zone(L(K1, Z2), L(K1), L(Z2), L(K1));
	struct dp_ro_verdict v;
	json_t *st = json_object();
	json_t *st2 = json_object();

	(void)state;
	judge(st, &a, T0, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	judge(st, &pre, T0 + 60, DP_STATUS_OK, NULL, &v); /* pre-publication */
	assert_int_equal(alarms(&v), 0);
	dp_ro_verdict_clear(&v);
	judge(st, &pre, T0 + 1800, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	/* the switch a DNSKEY TTL + propagation after the last RRset without Z2 */
	judge(st, &sw, T0 + 60 + DTTL + DP_RO_PROPAGATION + 1, DP_STATUS_OK, NULL, &v);
	assert_int_equal(alarms(&v), 0);
	dp_ro_verdict_clear(&v);
	judge(st, &post, T0 + 2 * DTTL + 1000, DP_STATUS_OK, NULL, &v); /* old ZSK removed */
	assert_int_equal(alarms(&v), 0);
	dp_ro_verdict_clear(&v);
	/* double signature: the new ZSK signs at once beside the old one */
	judge(st2, &a, T0, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	judge(st2, &dbl, T0 + 60, DP_STATUS_OK, NULL, &v);
	assert_int_equal(alarms(&v), 0);
	dp_ro_verdict_clear(&v);
	json_decref(st);
	json_decref(st2);
}

static void
test_ksk_withdrawn(void **state)
{
	struct dp_ro_obs a = zone(L(K1, Z1), L(K1), L(Z1), L(K1));
	struct dp_ro_obs dds = zone(L(K1, Z1), L(K1), L(Z1), L(K1, K2));
	struct dp_ro_obs sw = zone(L(K2, Z1), L(K2), L(Z1), L(K1, K2));
	struct dp_ro_obs bare = zone(L(K2, Z1), L(K2), L(Z1), L(K1));
	struct dp_ro_verdict v;
	json_t *st = json_object();

	(void)state;
	/* the new DS appeared together with the swap: resolvers holding the old DS RRset fail */
	judge(st, &a, T0, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	assert_int_equal(judge(st, &sw, T0 + 60, DP_STATUS_CRITICAL, "ksk-withdrawn", &v), 1);
	for (size_t i = 0; i < v.n; i++)
		if (strcmp(v.v[i].rule, "ksk-withdrawn") == 0)
			assert_non_null(strstr(v.v[i].text, "KSK 1001 withdrawn"));
	dp_ro_verdict_clear(&v);
	json_decref(st);
	/* the DS at the parent points only to the withdrawn key */
	st = json_object();
	judge(st, &a, T0, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	assert_int_equal(judge(st, &bare, T0 + 60, DP_STATUS_CRITICAL, "ksk-withdrawn", &v), 1);
	dp_ro_verdict_clear(&v);
	json_decref(st);
	/* double DS by the book: the new DS a DS TTL at the parent before the swap */
	st = json_object();
	judge(st, &dds, T0, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	judge(st, &sw, T0 + STTL + DP_RO_PROPAGATION + 1, DP_STATUS_OK, NULL, &v);
	assert_int_equal(alarms(&v), 0);
	assert_int_equal(v.n, 1); /* the old DS left at the parent: a note */
	assert_string_equal(v.v[0].rule, "stale-ds");
	dp_ro_verdict_clear(&v);
	/* …but the same swap within the DS TTL is too early */
	json_decref(st);
	st = json_object();
	judge(st, &a, T0, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	judge(st, &dds, T0 + 60, DP_STATUS_OK, NULL, &v);
	assert_int_equal(alarms(&v), 0);
	dp_ro_verdict_clear(&v);
	assert_int_equal(judge(st, &sw, T0 + 3600, DP_STATUS_CRITICAL, "ksk-withdrawn", &v), 1);
	dp_ro_verdict_clear(&v);
	json_decref(st);
}

static void
test_ds_early(void **state)
{
	struct dp_ro_obs a = zone(L(K1, Z1), L(K1), L(Z1), L(K1));
	struct dp_ro_obs two = zone(L(K1, K2, Z1), L(K1, K2), L(Z1), L(K1));
	struct dp_ro_obs swapped = zone(L(K1, K2, Z1), L(K1, K2), L(Z1), L(K2));
	struct dp_ro_obs unpub = zone(L(K1, Z1), L(K1), L(Z1), L(K2));
	struct dp_ro_verdict v;
	json_t *st = json_object();

	(void)state;
	/* double-KSK: the DS changed at once after the new KSK appeared */
	judge(st, &a, T0, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	assert_int_equal(judge(st, &swapped, T0 + 60, DP_STATUS_CRITICAL, "ds-early", &v), 1);
	for (size_t i = 0; i < v.n; i++)
		if (strcmp(v.v[i].rule, "ds-early") == 0)
			assert_non_null(strstr(v.v[i].text, "before its key had been published"));
	dp_ro_verdict_clear(&v);
	json_decref(st);
	/* the DS of a key not published at all */
	st = json_object();
	judge(st, &a, T0, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	assert_int_equal(judge(st, &unpub, T0 + 60, DP_STATUS_CRITICAL, "ds-early", &v), 1);
	for (size_t i = 0; i < v.n; i++)
		if (strcmp(v.v[i].rule, "ds-early") == 0)
			assert_non_null(strstr(v.v[i].text, "to a key not published"));
	dp_ro_verdict_clear(&v);
	json_decref(st);
	/* by the book: the new KSK published a DNSKEY TTL before the DS changes */
	st = json_object();
	judge(st, &a, T0, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	judge(st, &two, T0 + 60, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	judge(st, &swapped, T0 + 60 + DTTL + DP_RO_PROPAGATION + 1, DP_STATUS_OK, NULL, &v);
	assert_int_equal(alarms(&v), 0);
	dp_ro_verdict_clear(&v);
	json_decref(st);
}

static struct dp_ro_endpoint
ep(const char *const *tlsa, const char *const *spki)
{
	struct dp_ro_endpoint e = {.have_tlsa = true, .tlsa_ttl = 3600, .have_spki = true};

	dp_strlcpy(e.name, "25:mail.glitter.kr", sizeof(e.name));
	for (; tlsa != NULL && *tlsa; tlsa++)
		dp_strlcpy(e.tlsa[e.ntlsa++], *tlsa, sizeof(e.tlsa[0]));
	for (; spki != NULL && *spki; spki++)
		dp_strlcpy(e.spki[e.nspki++], *spki, sizeof(e.spki[0]));
	return e;
}

#define S(...) ((const char *const[]){__VA_ARGS__, NULL})
#define AA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define BB "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static size_t
tls_run(json_t *st, struct dp_ro_endpoint e, int64_t now, enum dp_status want, const char *rule,
	struct dp_ro_verdict *v)
{
	struct dp_ro_obs o = {.ep = &e, .nep = 1};

	return judge(st, &o, now, want, rule, v);
}

static void
test_tlsa(void **state)
{
	struct dp_ro_verdict v;
	json_t *st = json_object();

	(void)state;
	/* a TLSA record removed while its key is served */
	tls_run(st, ep(S("3 1 1 " AA, "3 1 1 " BB), S(AA)), T0, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	assert_int_equal(tls_run(st, ep(S("3 1 1 " BB), S(AA)), T0 + 60, DP_STATUS_CRITICAL,
				 "tlsa-removed", &v),
			 1);
	assert_string_equal(v.v[0].subject, "25:mail.glitter.kr");
	dp_ro_verdict_clear(&v);
	/* … and it stays while the key is served without its record (not one run only) */
	assert_int_equal(tls_run(st, ep(S("3 1 1 " BB), S(AA)), T0 + 120, DP_STATUS_CRITICAL,
				 "tlsa-removed", &v),
			 1);
	dp_ro_verdict_clear(&v);
	/* … until the server presents the next key */
	tls_run(st, ep(S("3 1 1 " BB), S(BB)), T0 + 180, DP_STATUS_OK, NULL, &v);
	assert_int_equal(alarms(&v), 0);
	dp_ro_verdict_clear(&v);
	json_decref(st);
	/* removing the old key's record once the new key is served is by the book */
	st = json_object();
	tls_run(st, ep(S("3 1 1 " AA, "3 1 1 " BB), S(BB)), T0, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	tls_run(st, ep(S("3 1 1 " BB), S(BB)), T0 + 60, DP_STATUS_OK, NULL, &v);
	assert_int_equal(alarms(&v), 0);
	dp_ro_verdict_clear(&v);
	json_decref(st);
}

static void
test_spki(void **state)
{
	struct dp_ro_verdict v;
	json_t *st = json_object();

	(void)state;
	/* the key changed with no record for it at all */
	tls_run(st, ep(S("3 1 1 " AA), S(AA)), T0, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	assert_int_equal(tls_run(st, ep(S("3 1 1 " AA), S(BB)), T0 + 60, DP_STATUS_CRITICAL,
				 "spki-unannounced", &v),
			 1);
	assert_non_null(strstr(v.v[0].text, "bbbbbbbbbbbbbbbb"));
	dp_ro_verdict_clear(&v);
	json_decref(st);
	/* the record and the key changed together: cached TLSA RRsets lack it */
	st = json_object();
	tls_run(st, ep(S("3 1 1 " AA), S(AA)), T0, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	assert_int_equal(tls_run(st, ep(S("3 1 1 " AA, "3 1 1 " BB), S(BB)), T0 + 60,
				 DP_STATUS_WARNING, "spki-unannounced", &v),
			 1);
	dp_ro_verdict_clear(&v);
	json_decref(st);
	/* by the book: the next key's record a TLSA TTL before the key */
	st = json_object();
	tls_run(st, ep(S("3 1 1 " AA), S(AA)), T0, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	tls_run(st, ep(S("3 1 1 " AA, "3 1 1 " BB), S(AA)), T0 + 60, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	tls_run(st, ep(S("3 1 1 " AA, "3 1 1 " BB), S(BB)), T0 + 60 + 3600 + DP_RO_PROPAGATION + 1,
		DP_STATUS_OK, NULL, &v);
	assert_int_equal(alarms(&v), 0);
	dp_ro_verdict_clear(&v);
	/* records of kinds not judged here (2 1 1): no verdict */
	json_decref(st);
	st = json_object();
	tls_run(st, ep(S("2 1 1 " AA), S(AA)), T0, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	tls_run(st, ep(S("2 1 1 " AA), S(BB)), T0 + 60, DP_STATUS_OK, NULL, &v);
	assert_int_equal(alarms(&v), 0);
	dp_ro_verdict_clear(&v);
	json_decref(st);
}

/* An endpoint serving keys whose SPKI SHA-256 are sha[i] and SHA-512 (first 32 octets) s512[i]. */
static struct dp_ro_endpoint
ep512(const char *const *tlsa, const char *const *sha, const char *const *s512)
{
	struct dp_ro_endpoint e = ep(tlsa, sha);

	for (size_t i = 0; s512 != NULL && s512[i] != NULL && i < e.nspki; i++)
		dp_strlcpy(e.spki512[i], s512[i], sizeof(e.spki512[0]));
	return e;
}

#define CC "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define DD "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"

/* The same rules over SHA-512 records (3 1 2): key A is AA (SHA-256) / CC (SHA-512), key B is
 * BB / DD. */
static void
test_sha512(void **state)
{
	struct dp_ro_verdict v;
	json_t *st = json_object();

	(void)state;
	/* key A's 3 1 2 removed while A is served */
	tls_run(st, ep512(S("3 1 2 " CC, "3 1 2 " DD), S(AA), S(CC)), T0, DP_STATUS_OK, NULL, &v);
	assert_int_equal(alarms(&v), 0);
	dp_ro_verdict_clear(&v);
	assert_int_equal(tls_run(st, ep512(S("3 1 2 " DD), S(AA), S(CC)), T0 + 60,
				 DP_STATUS_CRITICAL, "tlsa-removed", &v),
			 1);
	assert_non_null(strstr(v.v[0].text, "TLSA record 3 1 2 cccccccccccccccc"));
	dp_ro_verdict_clear(&v);
	/* then B served: by the book (its 3 1 2 was there all along) */
	tls_run(st, ep512(S("3 1 2 " DD), S(BB), S(DD)), T0 + 120 + 3600 + DP_RO_PROPAGATION,
		DP_STATUS_OK, NULL, &v);
	assert_int_equal(alarms(&v), 0);
	dp_ro_verdict_clear(&v);
	/* and a key served whose SHA-512 no record has: CRITICAL spki-unannounced */
	assert_int_equal(tls_run(st, ep512(S("3 1 2 " DD), S(AA), S(CC)), T0 + 4100,
				 DP_STATUS_CRITICAL, "spki-unannounced", &v),
			 1);
	dp_ro_verdict_clear(&v);
	json_decref(st);
	/* a 3 1 2 record and an unknown SHA-512 of the served key: no record matches it */
	st = json_object();
	tls_run(st, ep(S("3 1 2 " CC), S(AA)), T0, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	assert_int_equal(tls_run(st, ep(S("3 1 2 " CC), S(AA)), T0 + 60, DP_STATUS_CRITICAL,
				 NULL, &v),
			 0);
	dp_ro_verdict_clear(&v);
	json_decref(st);
}

static void
test_bounded(void **state)
{
	struct dp_ro_verdict v;
	json_t *st = json_object();

	(void)state;
	for (int i = 0; i < DP_RO_SETS + 10; i++) {
		struct dp_ro_obs o = zone(L(K1, Z1), L(K1), L(Z1), L(K1));

		o.keys[o.nkeys++] = (struct dp_ro_key){(uint16_t)(3000 + i), 13, 256};
		judge(st, &o, T0 + 100000 * i, DP_STATUS_OK, NULL, &v);
		dp_ro_verdict_clear(&v);
	}
	assert_int_equal(json_array_size(json_object_get(st, "dns")), DP_RO_SETS);
	json_decref(st);
}

/* dp_ro_since: each set's own since, not the history entry's: a ZSK switch (new DNSKEY set,
 * then new SOA signers) leaves the DS's since where it was. */
static void
test_since(void **state)
{
	struct dp_ro_verdict v;
	json_t *st = json_object();
	struct dp_ro_obs a = zone(L(K1, Z1), L(K1), L(Z1), L(K1));
	struct dp_ro_obs b = zone(L(K1, Z1, Z2), L(K1), L(Z1), L(K1));
	struct dp_ro_obs c = zone(L(K1, Z1, Z2), L(K1), L(Z2), L(K1));
	const json_t *dns;

	(void)state;
	assert_int_equal(dp_ro_since(NULL, "ds"), -1);
	assert_int_equal(dp_ro_since(json_object_get(st, "dns"), "ds"), -1);
	judge(st, &a, T0, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	judge(st, &a, T0 + 60, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	judge(st, &b, T0 + 120, DP_STATUS_OK, NULL, &v);
	dp_ro_verdict_clear(&v);
	judge(st, &c, T0 + 120 + 2 * DTTL, DP_STATUS_OK, NULL, &v);
	assert_int_equal(alarms(&v), 0);
	dp_ro_verdict_clear(&v);
	dns = json_object_get(st, "dns");
	assert_int_equal(json_array_size(dns), 3);
	assert_int_equal(dp_ro_since(dns, "ds"), T0);
	assert_int_equal(dp_ro_since(dns, "dnskey_signers"), T0);
	assert_int_equal(dp_ro_since(dns, "dnskey"), T0 + 120);
	assert_int_equal(dp_ro_since(dns, "soa_signers"), T0 + 120 + 2 * DTTL);
	assert_int_equal(dp_ro_since(dns, "no-such-set"), -1);
	json_decref(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_and_steady), cmocka_unit_test(test_zsk_premature),
	    cmocka_unit_test(test_zsk_by_the_book),  cmocka_unit_test(test_ksk_withdrawn),
	    cmocka_unit_test(test_ds_early),         cmocka_unit_test(test_tlsa),
	    cmocka_unit_test(test_spki),             cmocka_unit_test(test_bounded),
	    cmocka_unit_test(test_since),	     cmocka_unit_test(test_sha512),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
