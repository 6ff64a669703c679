/* DNSSEC record helpers: key tags (RFC 4034 App. B), DNSKEY, DS, RRSIG and NSEC3 rdata fields,
 * DS digests, RFC 8624 tables, RRSIG time verdicts, RFC 9276. */
#include "config.h"

#include "dns/dnssec.h"

#include <ctype.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/evp.h>

#include "dns/dns.h"

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
	    [1] = "RSAMD5",
	    [3] = "DSA",
	    [5] = "RSASHA1",
	    [6] = "DSA-NSEC3-SHA1",
	    [7] = "RSASHA1-NSEC3-SHA1",
	    [8] = "RSASHA256",
	    [10] = "RSASHA512",
	    [12] = "ECC-GOST",
	    [13] = "ECDSAP256SHA256",
	    [14] = "ECDSAP384SHA384",
	    [15] = "ED25519",
	    [16] = "ED448",
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

int
dp_name_to_wire(const char *name, uint8_t *out, size_t outsz, size_t *outlen)
{
	size_t o = 0;
	const char *p = name;

	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t l = dot != NULL ? (size_t)(dot - p) : strlen(p);

		if (l == 0 || l > 63 || o + 1 + l + 1 > outsz)
			return DP_EINVAL;
		out[o++] = (uint8_t)l;
		for (size_t i = 0; i < l; i++)
			out[o++] = (uint8_t)tolower((unsigned char)p[i]);
		p += l;
		if (*p == '.')
			p++;
	}
	if (o + 1 > outsz || o + 1 > 255)
		return DP_EINVAL;
	out[o++] = 0;
	*outlen = o;
	return 0;
}

int
dp_ds_digest(const char *owner, const uint8_t *dnskey, size_t dnskey_len, uint8_t digest_type,
             uint8_t *out, size_t outsz, size_t *outlen)
{
	const EVP_MD *md = NULL;
	uint8_t wire[256];
	size_t wlen = 0;
	unsigned int dlen = 0;
	EVP_MD_CTX *c;
	int ok;

	switch (digest_type) {
	case 1:
		md = EVP_sha1();
		break;
	case 2:
		md = EVP_sha256();
		break;
	case 4:
		md = EVP_sha384();
		break;
	default:
		return DP_ENOTFOUND;
	}
	if (dp_name_to_wire(owner, wire, sizeof(wire), &wlen) != 0)
		return DP_EINVAL;
	if (outsz < (size_t)EVP_MD_get_size(md))
		return DP_EINVAL;
	c = EVP_MD_CTX_new();
	if (c == NULL)
		return DP_ENOMEM;
	/* RFC 4034 §5.1.4: digest = digest_algorithm(DNSKEY owner name | DNSKEY RDATA). */
	ok = EVP_DigestInit_ex(c, md, NULL) == 1 && EVP_DigestUpdate(c, wire, wlen) == 1 &&
	     EVP_DigestUpdate(c, dnskey, dnskey_len) == 1 && EVP_DigestFinal_ex(c, out, &dlen) == 1;
	EVP_MD_CTX_free(c);
	if (!ok)
		return DP_ELIB;
	*outlen = dlen;
	return 0;
}

bool
dp_ds_matches(const struct dp_ds *ds, const char *owner, const uint8_t *dnskey, size_t dnskey_len)
{
	uint8_t d[DP_DS_DIGEST_MAX];
	size_t dlen = 0;

	if (dnskey_len < 4 || ds->algorithm != dnskey[3] ||
	    ds->key_tag != dp_dnssec_keytag(dnskey, dnskey_len))
		return false;
	if (dp_ds_digest(owner, dnskey, dnskey_len, ds->digest_type, d, sizeof(d), &dlen) != 0)
		return false;
	return dlen == ds->digest_len && memcmp(d, ds->digest, dlen) == 0;
}

const char *
dp_rfc8624_str(enum dp_rfc8624 l)
{
	static const char *const n[] = {"MUST NOT", "NOT RECOMMENDED", "MAY", "RECOMMENDED",
	                                "MUST",     "not listed"};

	return (unsigned)l < sizeof(n) / sizeof(n[0]) ? n[l] : "?";
}

enum dp_rfc8624
dp_rfc8624_signing(uint8_t alg)
{
	/* RFC 8624 §3.1, "DNSSEC Signing" column. */
	switch (alg) {
	case 1:  /* RSAMD5 */
	case 3:  /* DSA */
	case 6:  /* DSA-NSEC3-SHA1 */
	case 12: /* ECC-GOST */
		return DP_RFC8624_MUST_NOT;
	case 5:  /* RSASHA1 */
	case 7:  /* RSASHA1-NSEC3-SHA1 */
	case 10: /* RSASHA512 */
		return DP_RFC8624_NOT_RECOMMENDED;
	case 14: /* ECDSAP384SHA384 */
	case 16: /* ED448 */
		return DP_RFC8624_MAY;
	case 15: /* ED25519 */
		return DP_RFC8624_RECOMMENDED;
	case 8:  /* RSASHA256 */
	case 13: /* ECDSAP256SHA256 */
		return DP_RFC8624_MUST;
	default:
		return DP_RFC8624_UNLISTED;
	}
}

enum dp_rfc8624
dp_rfc8624_ds(uint8_t digest_type)
{
	/* RFC 8624 §3.3, "DNSSEC Delegation" column. */
	switch (digest_type) {
	case 0: /* NULL (CDS only) */
	case 1: /* SHA-1 */
	case 3: /* GOST R 34.11-94 */
		return DP_RFC8624_MUST_NOT;
	case 2: /* SHA-256 */
		return DP_RFC8624_MUST;
	case 4: /* SHA-384 */
		return DP_RFC8624_MAY;
	default:
		return DP_RFC8624_UNLISTED;
	}
}

enum dp_status
dp_rfc8624_status(enum dp_rfc8624 l)
{
	switch (l) {
	case DP_RFC8624_MUST_NOT:
		return DP_STATUS_CRITICAL;
	case DP_RFC8624_NOT_RECOMMENDED:
	case DP_RFC8624_UNLISTED:
		return DP_STATUS_WARNING;
	case DP_RFC8624_MAY:
	case DP_RFC8624_RECOMMENDED:
	case DP_RFC8624_MUST:
		break;
	}
	return DP_STATUS_OK;
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int
dp_rrsig_parse(const uint8_t *rdata, size_t len, struct dp_rrsig *out)
{
	size_t i = 18;

	/* RFC 4034 §3.1: type(2) alg(1) labels(1) ttl(4) expiration(4) inception(4) tag(2). */
	if (len < 19)
		return DP_EPARSE;
	memset(out, 0, sizeof(*out));
	out->type_covered = (uint16_t)((rdata[0] << 8) | rdata[1]);
	out->algorithm = rdata[2];
	out->labels = rdata[3];
	out->original_ttl = get32(rdata + 4);
	out->expiration = get32(rdata + 8);
	out->inception = get32(rdata + 12);
	out->key_tag = (uint16_t)((rdata[16] << 8) | rdata[17]);
	/* The signer's name ends at its root label; the signature follows. */
	while (i < len && rdata[i] != 0) {
		if (rdata[i] > 63)
			return DP_EPARSE;
		i += 1u + rdata[i];
	}
	if (i >= len)
		return DP_EPARSE;
	return dp_name_from_wire(rdata + 18, i + 1 - 18, out->signer, sizeof(out->signer));
}

int64_t
dp_rrsig_time(uint32_t t, int64_t ref)
{
	/* RFC 4034 §3.1.5: the nearest value to ref that is congruent to t modulo 2^32. */
	uint32_t d = t - (uint32_t)ref;

	return ref + (int64_t)(int32_t)d;
}

const char *
dp_rrsig_state_str(enum dp_rrsig_state s)
{
	static const char *const n[] = {"valid", "expires soon", "expires very soon", "expired",
	                                "not yet valid"};

	return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

enum dp_rrsig_state
dp_rrsig_judge(int64_t inception, int64_t expiration, int64_t at, int64_t now, int64_t warn,
               int64_t crit, int64_t *remaining)
{
	*remaining = expiration - at;
	/* RFC 4035 §5.3.1: valid only between inception and expiration, both inclusive. */
	if (inception > at || inception > now)
		return DP_RRSIG_NOT_YET_VALID;
	if (expiration < at)
		return DP_RRSIG_EXPIRED;
	if (*remaining < crit)
		return DP_RRSIG_EXPIRES_VERY_SOON;
	if (*remaining < warn)
		return DP_RRSIG_EXPIRES_SOON;
	return DP_RRSIG_VALID;
}

enum dp_status
dp_rrsig_state_status(enum dp_rrsig_state s)
{
	switch (s) {
	case DP_RRSIG_VALID:
		return DP_STATUS_OK;
	case DP_RRSIG_EXPIRES_SOON:
		return DP_STATUS_WARNING;
	case DP_RRSIG_EXPIRES_VERY_SOON:
	case DP_RRSIG_EXPIRED:
	case DP_RRSIG_NOT_YET_VALID:
		break;
	}
	return DP_STATUS_CRITICAL;
}

int
dp_nsec3param_parse(const uint8_t *rdata, size_t len, struct dp_nsec3param *out)
{
	/* RFC 5155 §3.2 / §4.2: hash alg(1) flags(1) iterations(2) salt length(1) salt. */
	if (len < 5 || (size_t)5 + rdata[4] > len)
		return DP_EPARSE;
	out->hash_algorithm = rdata[0];
	out->flags = rdata[1];
	out->iterations = (uint16_t)((rdata[2] << 8) | rdata[3]);
	out->salt_len = rdata[4];
	out->salt = rdata + 5;
	return 0;
}

/* The uncompressed wire name at p[0..len) as text into buf; returns its wire length, 0 when it
 * is not a valid name or does not fit. */
static size_t
wire_name_text(const uint8_t *p, size_t len, char *buf, size_t bufsz)
{
	size_t i = 0;
	size_t o = 0;

	for (;;) {
		size_t l;

		if (i >= len || i >= 255)
			return 0;
		l = p[i++];
		if (l == 0)
			break;
		if (l > 63 || i + l > len)
			return 0;
		if (o > 0 && o + 1 < bufsz)
			buf[o++] = '.';
		for (size_t k = 0; k < l; k++) {
			unsigned char c = p[i + k];

			if (c >= 'A' && c <= 'Z')
				c = (unsigned char)(c - 'A' + 'a');
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			    c == '_') {
				if (o + 1 >= bufsz)
					return 0;
				buf[o++] = (char)c;
			} else {
				if (o + 4 >= bufsz)
					return 0;
				dp_snprintf(buf + o, bufsz - o, "\\%03u", c);
				o += 4;
			}
		}
		i += l;
	}
	if (o == 0 && bufsz > 1)
		buf[o++] = '.'; /* the root */
	buf[o] = '\0';
	return i;
}

int
dp_nsec_parse(const uint8_t *rdata, size_t len, struct dp_nsec *out)
{
	size_t n = wire_name_text(rdata, len, out->next, sizeof(out->next));
	int last = -1;

	if (n == 0)
		return DP_EPARSE;
	out->bitmap = rdata + n;
	out->bitmap_len = len - n;
	for (size_t i = n; i < len;) {
		if (i + 2 > len || (int)rdata[i] <= last || rdata[i + 1] == 0 ||
		    rdata[i + 1] > 32 || i + 2 + rdata[i + 1] > len)
			return DP_EPARSE;
		last = rdata[i];
		i += 2 + (size_t)rdata[i + 1];
	}
	return 0;
}

bool
dp_nsec_has_type(const struct dp_nsec *n, uint16_t type)
{
	const uint8_t *b = n->bitmap;
	size_t len = n->bitmap_len;
	size_t byte = (type & 0xff) / 8;

	for (size_t i = 0; i + 2 <= len && i + 2 + b[i + 1] <= len; i += 2 + (size_t)b[i + 1]) {
		if (b[i] == (type >> 8))
			return byte < b[i + 1] && (b[i + 2 + byte] & (0x80 >> (type & 7))) != 0;
	}
	return false;
}

const char *
dp_hex(const uint8_t *p, size_t len, char *buf, size_t bufsz)
{
	static const char digits[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < len && o + 2 < bufsz; i++) {
		buf[o++] = digits[p[i] >> 4];
		buf[o++] = digits[p[i] & 15];
	}
	if (bufsz > 0)
		buf[o] = '\0';
	return buf;
}

enum dp_status
dp_nsec3_verdict(const struct dp_nsec3param *p, char *why, size_t whysz)
{
	char salt[2 * 255 + 1];

	/* RFC 9276 §3.1: "an iterations count of 0 MUST be used"; operators SHOULD NOT use a salt
	 * ("SHOULD NOT use a salt by indicating a zero-length salt value instead"). */
	if (p->iterations == 0 && p->salt_len == 0) {
		if (why != NULL)
			dp_snprintf(why, whysz, "NSEC3 with 0 extra iterations and no salt");
		return DP_STATUS_OK;
	}
	if (why != NULL)
		dp_snprintf(
		    why, whysz,
		    "NSEC3 with %u extra iterations and salt %s (RFC 9276: use 0 iterations "
		    "and no salt)",
		    p->iterations,
		    p->salt_len ? dp_hex(p->salt, p->salt_len, salt, sizeof(salt)) : "-");
	return DP_STATUS_WARNING;
}

int
dp_dnssec_random_name(const char *zone, char *buf, size_t bufsz)
{
	uint8_t r[8];
	char hex[17];

	/* A fresh label each run: a cached or pre-computed answer cannot stand in for a proof. */
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return DP_EIO;
	dp_hex(r, sizeof(r), hex, sizeof(hex));
	if (!dp_snprintf(buf, bufsz, "dp-%s%s%s", hex, zone[0] ? "." : "", zone))
		return DP_EINVAL;
	return 0;
}

enum dp_validation
dp_validation_from_getdns(uint32_t rc)
{
	switch (rc) {
	case GETDNS_DNSSEC_SECURE:
		return DP_VALIDATION_SECURE;
	case GETDNS_DNSSEC_INSECURE:
		return DP_VALIDATION_INSECURE;
	case GETDNS_DNSSEC_INDETERMINATE:
		return DP_VALIDATION_INDETERMINATE;
	case GETDNS_DNSSEC_BOGUS:
		return DP_VALIDATION_BOGUS;
	default:
		return DP_VALIDATION_ERROR;
	}
}

const char *
dp_validation_str(enum dp_validation v)
{
	static const char *const n[] = {"secure", "insecure", "indeterminate", "bogus", "error"};

	return (unsigned)v < sizeof(n) / sizeof(n[0]) ? n[v] : "?";
}

static bool
has_tag(const uint16_t *tags, size_t n, uint16_t tag)
{
	for (size_t i = 0; i < n; i++) {
		if (tags[i] == tag)
			return true;
	}
	return false;
}

enum dp_bogus_cause
dp_bogus_cause(const struct dp_bogus_facts *f)
{
	bool known = false;
	bool by_ds_key = false;

	if (f->keyset_bogus) {
		/* The RRset described is the DNSKEY RRset: a key the DS names must be there and
		 * sign it. */
		for (size_t i = 0; i < f->nds; i++) {
			known = known || has_tag(f->key_tags, f->nkeys, f->ds_tags[i]);
			by_ds_key = by_ds_key || has_tag(f->sig_tags, f->nsigs, f->ds_tags[i]);
		}
		if (!known)
			return DP_BOGUS_NO_KEY_FOR_DS;
		if (!by_ds_key)
			return DP_BOGUS_KEYSET;
	} else {
		if (f->nsigs == 0)
			return DP_BOGUS_UNSIGNED;
		for (size_t i = 0; i < f->nsigs; i++)
			known = known || has_tag(f->key_tags, f->nkeys, f->sig_tags[i]);
		if (!known)
			return DP_BOGUS_UNKNOWN_KEY;
	}
	if (!f->some_sig_in_time)
		return DP_BOGUS_TIMES;
	return DP_BOGUS_SIGNATURE;
}
