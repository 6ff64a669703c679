/* DNSSEC record helpers shared by the DNSSEC checks: key tags, DNSKEY/DS/RRSIG fields, algorithm
 * names. Parsing of wire rdata only; validation itself is libunbound's and getdns's job. */
#pragma once

#include "dnsprobe/common.h"

struct dp_dnskey {
	uint16_t flags; /* 256 ZSK, 257 KSK (SEP bit) */
	uint8_t protocol;
	uint8_t algorithm;
	uint16_t key_tag;
	const uint8_t *pubkey; /* points into the rdata given */
	size_t pubkey_len;
	unsigned key_bits; /* size of the key in bits (RSA modulus, EC curve), 0 if unknown */
	bool revoked;
};

struct dp_ds {
	uint16_t key_tag;
	uint8_t algorithm;
	uint8_t digest_type;
	const uint8_t *digest; /* points into the rdata given */
	size_t digest_len;
};

/* RFC 4034 Appendix B key tag over DNSKEY rdata. */
uint16_t dp_dnssec_keytag(const uint8_t *rdata, size_t len);
int dp_dnskey_parse(const uint8_t *rdata, size_t len, struct dp_dnskey *out) DP_WUR;
int dp_ds_parse(const uint8_t *rdata, size_t len, struct dp_ds *out) DP_WUR;

/* IANA mnemonic of a DNSSEC algorithm ("ECDSAP256SHA256") or NULL; and of a DS digest type. */
const char *dp_dnssec_alg_name(uint8_t alg);
const char *dp_ds_digest_name(uint8_t type);
