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

/* ---- Wire names ---- */

/* A presentation name ("glitter.kr", "" for the root; no escapes) into canonical wire form
 * (RFC 4034 §6.2: lower case, uncompressed). *outlen gets the length. DP_EINVAL if it is not a
 * name or does not fit. */
int dp_name_to_wire(const char *name, uint8_t *out, size_t outsz, size_t *outlen) DP_WUR;

/* ---- DS digests (RFC 4034 §5.1.4; SHA-256 RFC 4509; SHA-384 RFC 6605) ---- */

#define DP_DS_DIGEST_MAX 64
/* digest = HASH(owner name in canonical wire form || DNSKEY rdata), with OpenSSL EVP. Returns
 * DP_ENOTFOUND for a digest type it cannot compute (GOST, unknown), DP_EINVAL for a bad name. */
int dp_ds_digest(const char *owner, const uint8_t *dnskey, size_t dnskey_len, uint8_t digest_type,
                 uint8_t *out, size_t outsz, size_t *outlen) DP_WUR;
/* True when the DS (tag, algorithm, digest) is the digest of this DNSKEY at owner. */
bool dp_ds_matches(const struct dp_ds *ds, const char *owner, const uint8_t *dnskey,
                   size_t dnskey_len);

/* ---- RFC 8624 algorithm requirement levels ---- */

enum dp_rfc8624 {
	DP_RFC8624_MUST_NOT = 0,
	DP_RFC8624_NOT_RECOMMENDED = 1,
	DP_RFC8624_MAY = 2,
	DP_RFC8624_RECOMMENDED = 3,
	DP_RFC8624_MUST = 4,
	DP_RFC8624_UNLISTED = 5, /* not in the RFC's tables (private or unassigned numbers) */
};
const char *dp_rfc8624_str(enum dp_rfc8624 l); /* "MUST NOT", "NOT RECOMMENDED", ... */
/* RFC 8624 §3.1, column "DNSSEC Signing": the level for signing a zone with algorithm alg. */
enum dp_rfc8624 dp_rfc8624_signing(uint8_t alg);
/* RFC 8624 §3.3, column "DNSSEC Delegation": the level for publishing a DS of this digest type. */
enum dp_rfc8624 dp_rfc8624_ds(uint8_t digest_type);
/* MUST NOT → CRITICAL; NOT RECOMMENDED and unlisted → WARNING; otherwise OK. */
enum dp_status dp_rfc8624_status(enum dp_rfc8624 l);

/* ---- RRSIG fields (RFC 4034 §3.1) ---- */

struct dp_rrsig {
	uint16_t type_covered;
	uint8_t algorithm;
	uint8_t labels;
	uint32_t original_ttl;
	uint32_t expiration; /* as on the wire: seconds modulo 2^32 (RFC 4034 §3.1.5) */
	uint32_t inception;
	uint16_t key_tag;
	char signer[256]; /* presentation, lower case, no trailing dot */
};
/* Parse RRSIG rdata in wire form (the signer's name is never compressed, RFC 4034 §3.1.7). */
int dp_rrsig_parse(const uint8_t *rdata, size_t len, struct dp_rrsig *out) DP_WUR;

/* A 32-bit RRSIG time as seconds since the epoch: the value nearest ref in RFC 1982 serial
 * arithmetic (RFC 4034 §3.1.5), so it survives 2106. */
int64_t dp_rrsig_time(uint32_t t, int64_t ref);

/* Why a signature is or is not fine as of a time. */
enum dp_rrsig_state {
	DP_RRSIG_VALID = 0,             /* valid, expires after the warning threshold */
	DP_RRSIG_EXPIRES_SOON = 1,      /* valid, but within --rrsig-warn */
	DP_RRSIG_EXPIRES_VERY_SOON = 2, /* valid, but within --rrsig-crit */
	DP_RRSIG_EXPIRED = 3,
	DP_RRSIG_NOT_YET_VALID = 4, /* inception in the future */
};
const char *dp_rrsig_state_str(enum dp_rrsig_state s);
/* The state of a signature (inception/expiration in epoch seconds) as of `at`; a signature whose
 * inception is after `now` is not yet valid either (clock or signer skew shows now even when
 * --at looks ahead). *remaining gets expiration − at. */
enum dp_rrsig_state dp_rrsig_judge(int64_t inception, int64_t expiration, int64_t at, int64_t now,
                                   int64_t warn, int64_t crit, int64_t *remaining);
/* VALID → OK, EXPIRES_SOON → WARNING, the rest → CRITICAL. */
enum dp_status dp_rrsig_state_status(enum dp_rrsig_state s);

/* ---- NSEC3 parameters (RFC 5155 §3.2, §4.2) and RFC 9276 ---- */

struct dp_nsec3param {
	uint8_t hash_algorithm;
	uint8_t flags; /* bit 0: opt-out (NSEC3 only) */
	uint16_t iterations;
	uint8_t salt_len;
	const uint8_t *salt; /* points into the rdata given */
};
/* Parse the common head of NSEC3 and NSEC3PARAM rdata. */
int dp_nsec3param_parse(const uint8_t *rdata, size_t len, struct dp_nsec3param *out) DP_WUR;
/* RFC 9276 §3.1: iterations must be 0 and the salt should be empty. OK when both hold, WARNING
 * otherwise, with a phrase naming the values into why (may be NULL). */
/* NSEC rdata (RFC 4034 §4.1): the next owner name as presentation text (lower case, no
 * trailing dot, a byte outside [a-z0-9-_] as \DDD, so "\000.x.glitter.kr") and the type bitmap,
 * pointing into the rdata given and checked (RFC 4034 §4.1.2: windows ascending, 1-32 bytes). */
struct dp_nsec {
	char next[1024];
	const uint8_t *bitmap;
	size_t bitmap_len;
};
int dp_nsec_parse(const uint8_t *rdata, size_t len, struct dp_nsec *out) DP_WUR;
/* True when the bitmap of a parsed NSEC lists type. */
bool dp_nsec_has_type(const struct dp_nsec *n, uint16_t type);
/* RFC 9824 §2: the NXNAME meta-type an online signer's compact denial puts in the bitmap. */
#define DP_RR_NXNAME 128

enum dp_status dp_nsec3_verdict(const struct dp_nsec3param *p, char *why, size_t whysz);
/* Bytes as lower-case hex into buf ("" for none); truncated to fit. */
const char *dp_hex(const uint8_t *p, size_t len, char *buf, size_t bufsz);

/* A random name that should not exist under zone ("dp-1f3a….glitter.kr") into buf. */
int dp_dnssec_random_name(const char *zone, char *buf, size_t bufsz) DP_WUR;

/* ---- Per-server validation (the verdict is getdns_validate_dnssec2's) ---- */

enum dp_validation {
	DP_VALIDATION_SECURE = 0,
	DP_VALIDATION_INSECURE = 1,
	DP_VALIDATION_INDETERMINATE = 2,
	DP_VALIDATION_BOGUS = 3,
	DP_VALIDATION_ERROR = 4, /* getdns returned an error code, no DNSSEC status */
};
/* A getdns_validate_dnssec2 return value (GETDNS_DNSSEC_* or an error) as a dp_validation. */
enum dp_validation dp_validation_from_getdns(uint32_t rc);
/* "secure", "insecure", "indeterminate", "bogus", "error". */
const char *dp_validation_str(enum dp_validation v);

/* What a server served around an RRset getdns found bogus, to say why in words. */
struct dp_bogus_facts {
	bool keyset_bogus;       /* the RRset is the server's DNSKEY RRset, bogus against the DS */
	const uint16_t *ds_tags; /* key tags the trusted DS RRset names */
	size_t nds;
	const uint16_t *key_tags; /* key tags of the DNSKEY RRset the server served */
	size_t nkeys;
	const uint16_t *sig_tags; /* key tags of the RRSIGs over the RRset */
	size_t nsigs;
	bool some_sig_in_time; /* an RRSIG over it is within its validity period */
};
enum dp_bogus_cause {
	DP_BOGUS_NO_KEY_FOR_DS = 0, /* no DNSKEY served has a key tag a DS names */
	DP_BOGUS_KEYSET = 1,        /* a DS names a served key, which does not sign the DNSKEYs */
	DP_BOGUS_UNSIGNED = 2,      /* no RRSIG over the RRset (or its proof of absence) */
	DP_BOGUS_UNKNOWN_KEY = 3,   /* signed only by keys missing from the DNSKEY RRset served */
	DP_BOGUS_TIMES = 4,         /* no RRSIG over it is within its validity period */
	DP_BOGUS_SIGNATURE = 5,     /* a signature by a published key, in time, does not verify */
};
/* The most likely cause: for the DNSKEY RRset NO_KEY_FOR_DS, KEYSET, then TIMES, SIGNATURE; for
 * other RRsets UNSIGNED, UNKNOWN_KEY, TIMES, SIGNATURE. */
enum dp_bogus_cause dp_bogus_cause(const struct dp_bogus_facts *f);
