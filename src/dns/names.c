/* Domain names, RR type names, addresses and getdns message helpers shared by probes. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <getdns/getdns_extra.h>

#include "dns/dns.h"

static const struct {
	uint16_t type;
	const char *name;
} rrtypes[] = {
	{DP_RR_A, "A"},		{DP_RR_NS, "NS"},	  {DP_RR_SOA, "SOA"},
	{DP_RR_MX, "MX"},	{DP_RR_TXT, "TXT"},	  {DP_RR_AAAA, "AAAA"},
	{DP_RR_DS, "DS"},	{DP_RR_RRSIG, "RRSIG"},	  {DP_RR_NSEC, "NSEC"},
	{DP_RR_DNSKEY, "DNSKEY"}, {DP_RR_NSEC3, "NSEC3"}, {DP_RR_NSEC3PARAM, "NSEC3PARAM"},
	{DP_RR_TLSA, "TLSA"},	{DP_RR_CAA, "CAA"},	  {5, "CNAME"},
	{12, "PTR"},		{33, "SRV"},		  {59, "CDS"},
	{60, "CDNSKEY"},	{41, "OPT"},
};

const char *
dp_rrtype_name(uint16_t type)
{
	for (size_t i = 0; i < sizeof(rrtypes) / sizeof(rrtypes[0]); i++) {
		if (rrtypes[i].type == type)
			return rrtypes[i].name;
	}
	return NULL;
}

const char *
dp_rrtype_str(uint16_t type, char *buf, size_t bufsz)
{
	const char *n = dp_rrtype_name(type);

	if (n != NULL)
		dp_strlcpy(buf, n, bufsz);
	else
		dp_snprintf(buf, bufsz, "TYPE%u", (unsigned)type);
	return buf;
}

int
dp_rrtype_parse(const char *s)
{
	uint64_t v;

	for (size_t i = 0; i < sizeof(rrtypes) / sizeof(rrtypes[0]); i++) {
		if (strcasecmp(rrtypes[i].name, s) == 0)
			return rrtypes[i].type;
	}
	if (strncasecmp(s, "TYPE", 4) == 0 && dp_parse_u64(s + 4, 0, 65535, &v) == 0)
		return (int)v;
	return -1;
}

int
dp_addr_parse(const char *s, struct dp_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &out->u.v4) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, s, &out->u.v6) == 1)
		out->family = AF_INET6;
	else
		return DP_EINVAL;
	/* Canonical text form, so "::0001" and "::1" compare and print alike. */
	if (inet_ntop(out->family, &out->u, out->text, sizeof(out->text)) == NULL)
		return DP_EINVAL;
	return 0;
}

bool
dp_addr_equal(const struct dp_addr *a, const struct dp_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return memcmp(&a->u.v4, &b->u.v4, sizeof(a->u.v4)) == 0;
	return memcmp(&a->u.v6, &b->u.v6, sizeof(a->u.v6)) == 0;
}

const char *
dp_sec_str(enum dp_sec s)
{
	switch (s) {
	case DP_SEC_SECURE:
		return "secure";
	case DP_SEC_INSECURE:
		return "insecure";
	case DP_SEC_BOGUS:
		return "bogus";
	case DP_SEC_INDETERMINATE:
		break;
	}
	return "indeterminate";
}

const char *
dp_transport_str(enum dp_transport t)
{
	return t == DP_TRANSPORT_TCP ? "tcp" : "udp";
}

static bool
label_char_ok(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_';
}

/* Check one label of a host-style name: LDH and '_', or a lone '*'. */
static bool
hostname_label_ok(const char *l, size_t len)
{
	if (len == 1 && l[0] == '*')
		return true;
	for (size_t i = 0; i < len; i++) {
		if (!label_char_ok((unsigned char)l[i]))
			return false;
	}
	return true;
}

int
dp_name_normalise(const char *in, char *out, size_t outsz, bool hostname, struct dp_err *err)
{
	size_t len = strlen(in);
	size_t start = 0;

	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0) {
		if (strcmp(in, ".") == 0 && outsz > 0) {
			out[0] = '\0';
			return 0;
		}
		return dp_err_set(err, DP_EINVAL, "empty domain name");
	}
	if (len > 253 || len + 1 > outsz)
		return dp_err_set(err, DP_EINVAL, "domain name too long (%zu characters)", len);
	for (size_t i = 0; i <= len; i++) {
		if (i < len && in[i] != '.') {
			if ((unsigned char)in[i] <= ' ' || (unsigned char)in[i] >= 0x7f)
				return dp_err_set(err, DP_EINVAL,
						  "domain name has a control or non-ASCII byte");
			continue;
		}
		if (i == start)
			return dp_err_set(err, DP_EINVAL, "domain name has an empty label");
		if (i - start > 63)
			return dp_err_set(err, DP_EINVAL, "label longer than 63 octets");
		if (hostname && !hostname_label_ok(in + start, i - start))
			return dp_err_set(err, DP_EINVAL, "'%.*s' is not a valid host name label",
					  (int)(i - start), in + start);
		start = i + 1;
	}
	for (size_t i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[len] = '\0';
	return 0;
}

bool
dp_name_in_domain(const char *name, const char *domain)
{
	size_t n = strlen(name);
	size_t d = strlen(domain);

	if (d == 0 || strcmp(name, domain) == 0)
		return true;
	return n > d && name[n - d - 1] == '.' && strcmp(name + n - d, domain) == 0;
}

int
dp_name_from_wire(const uint8_t *wire, size_t len, char *out, size_t outsz)
{
	size_t o = 0;
	size_t i = 0;

	while (i < len && wire[i] != 0) {
		size_t l = wire[i];

		if (l > 63 || i + 1 + l > len)
			return DP_EPARSE;
		if (o > 0) {
			if (o + 1 >= outsz)
				return DP_EPARSE;
			out[o++] = '.';
		}
		for (size_t j = 0; j < l; j++) {
			unsigned char c = wire[i + 1 + j];

			/* Escape what presentation format cannot show bare (RFC 4343 §2.1). */
			if (c == '.' || c == '\\' || c <= ' ' || c >= 0x7f) {
				if (o + 4 >= outsz)
					return DP_EPARSE;
				dp_snprintf(out + o, outsz - o, "\\%03u", c);
				o += 4;
			} else {
				if (o + 1 >= outsz)
					return DP_EPARSE;
				out[o++] = (char)tolower(c);
			}
		}
		i += 1 + l;
	}
	if (i >= len || o >= outsz)
		return DP_EPARSE;
	out[o] = '\0';
	return 0;
}

getdns_list *
dp_msg_section(getdns_dict *msg, const char *section)
{
	getdns_list *l = NULL;

	if (msg == NULL || getdns_dict_get_list(msg, section, &l) != GETDNS_RETURN_GOOD)
		return NULL;
	return l;
}

int
dp_rr_owner(getdns_dict *rr, char *buf, size_t bufsz)
{
	getdns_bindata *name = NULL;

	if (getdns_dict_get_bindata(rr, "name", &name) != GETDNS_RETURN_GOOD)
		return DP_EPARSE;
	return dp_name_from_wire(name->data, name->size, buf, bufsz);
}

uint16_t
dp_rr_type(getdns_dict *rr)
{
	uint32_t t = 0;

	if (getdns_dict_get_int(rr, "type", &t) != GETDNS_RETURN_GOOD)
		return 0;
	return (uint16_t)t;
}

uint32_t
dp_rr_ttl(getdns_dict *rr)
{
	uint32_t t = 0;

	(void)getdns_dict_get_int(rr, "ttl", &t);
	return t;
}

char *
dp_rr_text(getdns_dict *rr)
{
	char *s = NULL;
	char *nl;

	if (getdns_rr_dict2str(rr, &s) != GETDNS_RETURN_GOOD)
		return NULL;
	nl = strchr(s, '\n');
	if (nl != NULL)
		*nl = '\0';
	return s;
}

size_t
dp_list_len(getdns_list *l)
{
	size_t n = 0;

	if (l == NULL || getdns_list_get_length(l, &n) != GETDNS_RETURN_GOOD)
		return 0;
	return n;
}

getdns_dict *
dp_list_dict(getdns_list *l, size_t i)
{
	getdns_dict *d = NULL;

	if (l == NULL || getdns_list_get_dict(l, i, &d) != GETDNS_RETURN_GOOD)
		return NULL;
	return d;
}

static getdns_dict *
rdata_of(getdns_dict *rr)
{
	getdns_dict *rd = NULL;

	if (rr == NULL || getdns_dict_get_dict(rr, "rdata", &rd) != GETDNS_RETURN_GOOD)
		return NULL;
	return rd;
}

int
dp_rr_rdata_name(getdns_dict *rr, const char *field, char *buf, size_t bufsz)
{
	getdns_bindata *b = dp_rr_rdata_bin(rr, field);

	if (b == NULL)
		return DP_ENOTFOUND;
	return dp_name_from_wire(b->data, b->size, buf, bufsz);
}

int
dp_rr_rdata_int(getdns_dict *rr, const char *field, uint32_t *out)
{
	getdns_dict *rd = rdata_of(rr);

	if (rd == NULL || getdns_dict_get_int(rd, field, out) != GETDNS_RETURN_GOOD)
		return DP_ENOTFOUND;
	return 0;
}

getdns_bindata *
dp_rr_rdata_bin(getdns_dict *rr, const char *field)
{
	getdns_dict *rd = rdata_of(rr);
	getdns_bindata *b = NULL;

	if (rd == NULL || getdns_dict_get_bindata(rd, field, &b) != GETDNS_RETURN_GOOD)
		return NULL;
	return b;
}

getdns_bindata *
dp_rr_rdata_raw(getdns_dict *rr)
{
	return dp_rr_rdata_bin(rr, "rdata_raw");
}

/* Slack after a copied message: getdns_wire2msg_dict (1.6) reads past the end of malformed
 * replies — 41 octets on a 60-octet reply (fuzz/corpus/ns_soa), a memcpy of a whole bogus
 * RDLENGTH (65294 octets) and reads starting past the end (fuzz_dnssec_rdata). Messages are now
 * checked structurally first (dp_msg_wellformed); the padding stays as a second line. */
#define DP_MSG_PAD (65536 + 64)

/* One (possibly compressed) name at *off, which must end inside [0, end); pointers must point
 * backwards (RFC 1035 §4.1.4) to a label inside the message; at most 255 octets expanded. */
static bool
wire_name_ok(const uint8_t *w, size_t len, size_t *off, size_t end)
{
	size_t p = *off;
	size_t total = 0;
	bool jumped = false;
	int hops = 0;

	for (;;) {
		uint8_t c;

		if (p >= (jumped ? len : end))
			return false;
		c = w[p];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (p + 1 >= (jumped ? len : end))
				return false;
			target = ((size_t)(c & 0x3f) << 8) | w[p + 1];
			if (!jumped)
				*off = p + 2;
			if (target >= p || ++hops > 64)
				return false;
			p = target;
			jumped = true;
			continue;
		}
		if ((c & 0xc0) != 0)
			return false; /* RFC 6891 §5: extended label types are obsolete */
		total += (size_t)c + 1;
		if (total > 255)
			return false;
		if (c == 0) {
			if (!jumped)
				*off = p + 1;
			return true;
		}
		p += (size_t)c + 1;
	}
}

/* Names inside rdata of the types that carry them (RFC 1035 §3.3, RFC 4034 §3.1 and §4.1,
 * RFC 2782): each must end inside the rdata. Other types are opaque octets here. */
static bool
wire_rdata_ok(const uint8_t *w, size_t len, uint16_t type, size_t off, size_t end)
{
	switch (type) {
	case 2: /* NS */
	case 5: /* CNAME */
	case 12: /* PTR */
	case 39: /* DNAME */
		return wire_name_ok(w, len, &off, end) && off == end;
	case 6: /* SOA */
		return wire_name_ok(w, len, &off, end) && wire_name_ok(w, len, &off, end) &&
		       off + 20 == end;
	case 15: /* MX */
		off += 2;
		return off <= end && wire_name_ok(w, len, &off, end) && off == end;
	case 33: /* SRV */
		off += 6;
		return off <= end && wire_name_ok(w, len, &off, end) && off == end;
	case 24: /* SIG */
	case 46: /* RRSIG */
		off += 18;
		return off <= end && wire_name_ok(w, len, &off, end);
	case 47: /* NSEC */
		return wire_name_ok(w, len, &off, end);
	default:
		return true;
	}
}

bool
dp_msg_wellformed(const uint8_t *w, size_t len)
{
	size_t off = 12;
	unsigned counts[4];

	if (len < 12 || len > 65535)
		return false;
	for (int i = 0; i < 4; i++)
		counts[i] = ((unsigned)w[4 + 2 * i] << 8) | w[5 + 2 * i];
	for (unsigned q = 0; q < counts[0]; q++) {
		if (!wire_name_ok(w, len, &off, len) || off + 4 > len)
			return false;
		off += 4;
	}
	for (unsigned r = 0; r < counts[1] + counts[2] + counts[3]; r++) {
		uint16_t type;
		size_t rdlen;

		if (!wire_name_ok(w, len, &off, len) || off + 10 > len)
			return false;
		type = (uint16_t)((w[off] << 8) | w[off + 1]);
		rdlen = ((size_t)w[off + 8] << 8) | w[off + 9];
		off += 10;
		if (off + rdlen > len || !wire_rdata_ok(w, len, type, off, off + rdlen))
			return false;
		off += rdlen;
	}
	return true;
}

int
dp_msg_parse(const uint8_t *wire, size_t len, getdns_dict **out)
{
	uint8_t *copy;
	getdns_return_t r;

	*out = NULL;
	/* getdns 1.6 trusts counts and lengths it should check: walk the structure first. */
	if (!dp_msg_wellformed(wire, len))
		return DP_EPARSE;
	copy = calloc(1, len + DP_MSG_PAD);
	if (copy == NULL)
		return DP_ENOMEM;
	memcpy(copy, wire, len);
	r = getdns_wire2msg_dict(copy, len, out);
	free(copy);
	if (r != GETDNS_RETURN_GOOD) {
		*out = NULL;
		return DP_EPARSE;
	}
	return 0;
}
