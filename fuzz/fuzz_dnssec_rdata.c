/* Fuzz target: a DNS reply (wire form) through getdns and our DNSSEC rdata parsers (RRSIG, NSEC,
 * NSEC3/NSEC3PARAM, DNSKEY, DS, DS digest matching); the raw input through each parser too. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include <getdns/getdns_extra.h>

#include "dns/dns.h"
#include "dns/dnssec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
parse_all(const uint8_t *p, size_t len, const uint8_t *dnskey, size_t dnskey_len)
{
	struct dp_rrsig s;
	struct dp_nsec3param n3;
	struct dp_nsec nsec;
	struct dp_dnskey k;
	struct dp_ds ds;
	char why[600];
	int64_t rem = 0;

	if (dp_rrsig_parse(p, len, &s) == 0)
		(void)dp_rrsig_judge(dp_rrsig_time(s.inception, 1796141149),
		                     dp_rrsig_time(s.expiration, 1796141149), 1796141149,
		                     1796141149, 259200, 86400, &rem);
	if (dp_nsec3param_parse(p, len, &n3) == 0)
		(void)dp_nsec3_verdict(&n3, why, sizeof(why));
	if (dp_nsec_parse(p, len, &nsec) == 0)
		(void)dp_nsec_has_type(&nsec, DP_RR_NXNAME);
	if (dp_dnskey_parse(p, len, &k) == 0 && k.revoked)
		(void)dp_dnssec_alg_name(k.algorithm);
	if (dp_ds_parse(p, len, &ds) == 0 && dnskey != NULL)
		(void)dp_ds_matches(&ds, "glitter.kr", dnskey, dnskey_len);
}

static void
walk(getdns_list *sec)
{
	getdns_bindata *key = NULL;

	for (size_t i = 0; i < dp_list_len(sec); i++) {
		getdns_bindata *raw = dp_rr_rdata_raw(dp_list_dict(sec, i));

		if (raw != NULL && dp_rr_type(dp_list_dict(sec, i)) == DP_RR_DNSKEY)
			key = raw;
	}
	for (size_t i = 0; i < dp_list_len(sec); i++) {
		getdns_bindata *raw = dp_rr_rdata_raw(dp_list_dict(sec, i));

		if (raw != NULL)
			parse_all(raw->data, raw->size, key ? key->data : NULL,
			          key ? key->size : 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	getdns_dict *msg = NULL;

	parse_all(data, size, data, size);
	if (dp_msg_parse(data, size, &msg) != 0)
		return 0;
	walk(dp_msg_section(msg, "answer"));
	walk(dp_msg_section(msg, "authority"));
	walk(dp_msg_section(msg, "additional"));
	getdns_dict_destroy(msg);
	return 0;
}
