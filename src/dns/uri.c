/* Report URI syntax: RFC 6068 mailto: and RFC 3986 http(s): (see uri.h). */
#include "config.h"

#include "dns/uri.h"

#include <string.h>
#include <strings.h>

#include "dns/txt.h"

#define DECODE_CAP 512 /* longest addr-spec we decode; report URIs are capped below that */

const char *
dp_uri_scheme_str(enum dp_uri_scheme s)
{
	switch (s) {
	case DP_URI_MAILTO:
		return "mailto";
	case DP_URI_HTTP:
		return "http";
	case DP_URI_HTTPS:
		return "https";
	case DP_URI_OTHER:
		break;
	}
	return "other";
}

enum dp_uri_scheme
dp_uri_scheme_of(const char *u, size_t len)
{
	const char *colon = memchr(u, ':', len);
	size_t n = colon != NULL ? (size_t)(colon - u) : 0;

	if (n == 6 && strncasecmp(u, "mailto", 6) == 0)
		return DP_URI_MAILTO;
	if (n == 5 && strncasecmp(u, "https", 5) == 0)
		return DP_URI_HTTPS;
	if (n == 4 && strncasecmp(u, "http", 4) == 0)
		return DP_URI_HTTP;
	return DP_URI_OTHER;
}

static int
hexval(int c)
{
	if (dp_abnf_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* pct-encoded = "%" HEXDIG HEXDIG at s[i]; the decoded byte, or -1. */
static int
pct_at(const char *s, size_t len, size_t i)
{
	if (s[i] != '%' || i + 2 >= len)
		return -1;
	if (hexval((unsigned char)s[i + 1]) < 0 || hexval((unsigned char)s[i + 2]) < 0)
		return -1;
	return hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]);
}

static bool
unreserved(int c)
{
	return dp_abnf_alpha(c) || dp_abnf_digit(c) || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

/* A raw character of class cls (a string of allowed punctuation), minus the ones RFC 8460 §3
 * wants encoded when flags ask for it. */
static bool
raw_ok(int c, const char *cls, unsigned flags)
{
	if (unreserved(c))
		return true;
	if ((flags & DP_URI_ENCODED_BANG_COMMA) && (c == '!' || c == ',' || c == ';'))
		return false;
	return c != '\0' && strchr(cls, c) != NULL;
}

/* Every byte of s[0..len) is a raw cls character or a well-formed percent-escape. */
static bool
chars_ok(const char *s, size_t len, const char *cls, unsigned flags)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (pct_at(s, len, i) < 0)
				return false;
			i += 2;
		} else if (!raw_ok((unsigned char)s[i], cls, flags)) {
			return false;
		}
	}
	return true;
}

/* Percent-decode s[0..len) into out (cap bytes); the decoded length, or -1 if it overflows or
 * holds a NUL. The caller has checked the escapes. */
static long
decode(const char *s, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			c = pct_at(s, len, i);
			i += 2;
		}
		if (c <= 0 || o >= cap)
			return -1;
		out[o++] = (char)c;
	}
	return (long)o;
}

/* RFC 5322 §3.2.3 atext. */
static bool
atext(int c)
{
	return dp_abnf_alpha(c) || dp_abnf_digit(c) ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* local-part = dot-atom-text / quoted-string (RFC 6068 §2, RFC 5322 §3.4.1), decoded. */
static bool
local_part_ok(const char *s, size_t len)
{
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		for (size_t i = 1; i + 1 < len; i++) {
			int c = (unsigned char)s[i];

			if (c == '\\' && i + 2 < len) {
				i++; /* quoted-pair */
				continue;
			}
			if (c == '"' || c == '\\' || (c < 0x20 && c != '\t') || c > 0x7e)
				return false;
		}
		return true;
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (i == 0 || i + 1 == len || s[i - 1] == '.')
				return false;
		} else if (!atext((unsigned char)s[i])) {
			return false;
		}
	}
	return len > 0;
}

/* One addr-spec in URI form: local "@" domain, both percent-decoded. */
static bool
addr_spec_ok(const char *s, size_t len, unsigned flags, const char **why)
{
	char dec[DECODE_CAP];
	const char *at;
	long n;

	*why = "address is not local@domain";
	if (!chars_ok(s, len, "!$&'*+=@", flags)) {
		*why = "address has a character that must be percent-encoded";
		return false;
	}
	n = decode(s, len, dec, sizeof(dec));
	if (n <= 0)
		return false;
	at = memrchr(dec, '@', (size_t)n);
	if (at == NULL || at == dec)
		return false;
	if (!local_part_ok(dec, (size_t)(at - dec))) {
		*why = "local part is neither a dot-atom nor a quoted string";
		return false;
	}
	if (!dp_ldh_domain_valid(at + 1, (size_t)(dec + n - at - 1))) {
		*why = "mail domain is not a host name";
		return false;
	}
	return true;
}

/* to = addr-spec *("," addr-spec); a "%2C" separates addresses as well. */
static bool
mailto_to_ok(const char *s, size_t len, unsigned flags, const char **why)
{
	size_t start = 0;
	size_t i = 0;

	if (len == 0) {
		*why = "mailto: names no address";
		return false;
	}
	for (;;) {
		size_t sep = 0;

		if (i < len && s[i] == ',')
			sep = 1;
		else if (i + 3 <= len && s[i] == '%' && s[i + 1] == '2' &&
		         (s[i + 2] == 'C' || s[i + 2] == 'c'))
			sep = 3;
		if (i < len && sep == 0) {
			i++;
			continue;
		}
		if (!addr_spec_ok(s + start, i - start, flags, why))
			return false;
		if (i >= len)
			return true;
		i += sep;
		start = i;
	}
}

/* hfields = "?" hfield *("&" hfield); hfield = hfname "=" hfvalue; s points after the "?". */
static bool
hfields_ok(const char *s, size_t len, unsigned flags, const char **why)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		const char *eq;

		if (i < len && s[i] != '&')
			continue;
		eq = memchr(s + start, '=', i - start);
		if (eq == NULL || memchr(eq + 1, '=', (size_t)(s + i - eq - 1)) != NULL ||
		    !chars_ok(s + start, i - start, "!$'()*+,;:@=", flags)) {
			*why = "malformed ?header=value part";
			return false;
		}
		start = i + 1;
	}
	return true;
}

static bool
mailto_ok(const char *s, size_t len, unsigned flags, const char **why)
{
	const char *q = memchr(s, '?', len);
	size_t tlen = q != NULL ? (size_t)(q - s) : len;

	if (!mailto_to_ok(s, tlen, flags, why))
		return false;
	return q == NULL || hfields_ok(q + 1, len - tlen - 1, flags, why);
}

/* host = IP-literal / reg-name: "[...]" of hex digits, ':' and '.', or an LDH host name
 * (a final dot allowed, RFC 3986 §3.2.2). */
static bool
host_ok(const char *s, size_t len)
{
	if (len >= 2 && s[0] == '[') {
		if (s[len - 1] != ']' || len == 2)
			return false;
		for (size_t i = 1; i + 1 < len; i++) {
			if (hexval((unsigned char)s[i]) < 0 && s[i] != ':' && s[i] != '.')
				return false;
		}
		return true;
	}
	if (len > 1 && s[len - 1] == '.')
		len--;
	return dp_ldh_domain_valid(s, len);
}

/* authority = [userinfo "@"] host [":" port] */
static bool
authority_ok(const char *s, size_t len, unsigned flags, const char **why)
{
	const char *at = memrchr(s, '@', len);
	const char *colon;
	size_t hlen;

	*why = "no host name after //";
	if (at != NULL) {
		if (!chars_ok(s, (size_t)(at - s), "!$&'()*+,;=:", flags))
			return false;
		len -= (size_t)(at + 1 - s);
		s = at + 1;
	}
	colon = memrchr(s, ':', len);
	if (colon != NULL && memchr(colon, ']', (size_t)(s + len - colon)) != NULL)
		colon = NULL; /* the ':' of an IPv6 literal */
	hlen = colon != NULL ? (size_t)(colon - s) : len;
	if (!host_ok(s, hlen))
		return false;
	for (size_t i = hlen + 1; colon != NULL && i < len; i++) {
		if (!dp_abnf_digit((unsigned char)s[i]) || len - hlen - 1 > 5) {
			*why = "port is not a number";
			return false;
		}
	}
	return true;
}

/* "//" authority path-abempty ["?" query] ["#" fragment]; s points after "http(s):". */
static bool
http_ok(const char *s, size_t len, unsigned flags, const char **why)
{
	size_t i = 2;
	const char *hash;

	if (len < 2 || s[0] != '/' || s[1] != '/') {
		*why = "no //host after the scheme";
		return false;
	}
	while (i < len && s[i] != '/' && s[i] != '?' && s[i] != '#')
		i++;
	if (!authority_ok(s + 2, i - 2, flags, why))
		return false;
	hash = memchr(s + i, '#', len - i);
	if (!chars_ok(s + i, (size_t)((hash != NULL ? hash : s + len) - (s + i)),
	              "!$&'()*+,;=:@/?", flags) ||
	    (hash != NULL &&
	     !chars_ok(hash + 1, (size_t)(s + len - hash - 1), "!$&'()*+,;=:@/?", flags))) {
		*why = "a character in the path, query or fragment must be percent-encoded";
		return false;
	}
	return true;
}

bool
dp_uri_valid(const char *u, size_t len, unsigned flags, const char **why)
{
	enum dp_uri_scheme sch = dp_uri_scheme_of(u, len);
	const char *dummy;
	size_t off;

	if (why == NULL)
		why = &dummy;
	*why = "not a mailto:, http: or https: URI";
	if (sch == DP_URI_OTHER)
		return false;
	off = strlen(dp_uri_scheme_str(sch)) + 1;
	if (sch == DP_URI_MAILTO)
		return mailto_ok(u + off, len - off, flags, why);
	return http_ok(u + off, len - off, flags, why);
}
