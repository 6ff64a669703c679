/* DNSSEC record helpers: key tags (RFC 4034 App. B), DNSKEY and DS rdata fields, names. */
#include "config.h"

#include <string.h>

#include "dnsprobe/dnssec.h"

uint16_t
dp_dnssec_keytag(const uint8_t *rdata, size_t len)
{
	uint32_t ac = 0;

	/* RFC 4034 Appendix B.1: algorithm 1 uses the low bits of the modulus. */
	if (len >= 4 && rdata[3] == 1) {
		if (len < 7)
			return 0;
		return (uint16_t)((rdata[len - 3] << 8) | rdata[len - 2]);
	}
	for (size_t i = 0; i < len; i++)
		ac += (i & 1) ? rdata[i] : (uint32_t)rdata[i] << 8;
	ac += (ac >> 16) & 0xffff;
	return (uint16_t)(ac & 0xffff);
}

/* Size in bits of the public key (RFC 3110 for RSA; fixed curves otherwise). */
static unsigned
key_bits(uint8_t alg, const uint8_t *pk, size_t len)
{
	size_t explen;
	size_t off;

	switch (alg) {
	case 1:
	case 5:
	case 7:
	case 8:
	case 10:
		if (len < 1)
			return 0;
		if (pk[0] != 0) {
			explen = pk[0];
			off = 1;
		} else {
			if (len < 3)
				return 0;
			explen = ((size_t)pk[1] << 8) | pk[2];
			off = 3;
		}
		if (off + explen > len)
			return 0;
		return (unsigned)((len - off - explen) * 8);
	case 13:
	case 15:
		return 256;
	case 14:
		return 384;
	case 16:
		return 456;
	default:
		return 0;
	}
}

int
dp_dnskey_parse(const uint8_t *rdata, size_t len, struct dp_dnskey *out)
{
	if (len < 4)
		return DP_EPARSE;
	memset(out, 0, sizeof(*out));
	out->flags = (uint16_t)((rdata[0] << 8) | rdata[1]);
	out->protocol = rdata[2];
	out->algorithm = rdata[3];
	out->pubkey = rdata + 4;
	out->pubkey_len = len - 4;
	out->key_tag = dp_dnssec_keytag(rdata, len);
	out->key_bits = key_bits(out->algorithm, out->pubkey, out->pubkey_len);
	out->revoked = (out->flags & 0x0080) != 0;
	return 0;
}

int
dp_ds_parse(const uint8_t *rdata, size_t len, struct dp_ds *out)
{
	if (len < 5)
		return DP_EPARSE;
	out->key_tag = (uint16_t)((rdata[0] << 8) | rdata[1]);
	out->algorithm = rdata[2];
	out->digest_type = rdata[3];
	out->digest = rdata + 4;
	out->digest_len = len - 4;
	return 0;
}

const char *
dp_dnssec_alg_name(uint8_t alg)
{
	static const char *const names[] = {
		[1] = "RSAMD5",	     [3] = "DSA",		[5] = "RSASHA1",
		[6] = "DSA-NSEC3-SHA1", [7] = "RSASHA1-NSEC3-SHA1", [8] = "RSASHA256",
		[10] = "RSASHA512",  [12] = "ECC-GOST",		[13] = "ECDSAP256SHA256",
		[14] = "ECDSAP384SHA384", [15] = "ED25519",	[16] = "ED448",
	};

	if (alg < sizeof(names) / sizeof(names[0]))
		return names[alg];
	return NULL;
}

const char *
dp_ds_digest_name(uint8_t type)
{
	switch (type) {
	case 1:
		return "SHA-1";
	case 2:
		return "SHA-256";
	case 3:
		return "GOST R 34.11-94";
	case 4:
		return "SHA-384";
	default:
		return NULL;
	}
}
