/* Parser of the SMTP TLS Reporting policy record, `_smtp._tls` TXT (RFC 8460 §3). */
#include "config.h"

#include "mail/tlsrpt.h"

#include <string.h>
#include <strings.h>

#include "dns/txt.h"

#define TLSRPT_VERSION "v=TLSRPTv1"

const char *
dp_tlsrpt_scheme_str(enum dp_tlsrpt_scheme s)
{
	return s == DP_TLSRPT_HTTPS ? "https" : "mailto";
}

bool
dp_tlsrpt_is_tlsrpt(const char *s, size_t len)
{
	size_t n = strlen(TLSRPT_VERSION);

	if (len < n || memcmp(s, TLSRPT_VERSION, n) != 0)
		return false;
	return len == n || s[n] == ';' || dp_abnf_wsp((unsigned char)s[n]);
}

/* A URI character we accept in rua (RFC 3986 unreserved / reserved / '%'), minus ',' and ';'
 * which RFC 8460 §3 says must be percent-encoded inside a URI. */
static bool
uri_char(int c)
{
	if (dp_abnf_alpha(c) || dp_abnf_digit(c))
		return true;
	return c != '\0' && strchr("-._~:/?#[]@!$&'()*+=%", c) != NULL;
}

/* An addr-spec for mailto: local "@" domain, the domain a host name (RFC 6068, simplified). */
static bool
mailto_valid(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);
	size_t llen;

	if (at == NULL || at == s)
		return false;
	llen = (size_t)(at - s);
	if (memchr(at + 1, '@', len - llen - 1) != NULL)
		return false;
	return dp_ldh_domain_valid(at + 1, len - llen - 1);
}

/* https://host[:port][/path...]: the authority a host name or bracketed address. */
static bool
https_valid(const char *s, size_t len)
{
	size_t i = 0;
	size_t hlen;

	if (len < 3 || memcmp(s, "//", 2) != 0)
		return false;
	s += 2;
	len -= 2;
	while (i < len && s[i] != '/' && s[i] != ':' && s[i] != '?' && s[i] != '#')
		i++;
	hlen = i;
	if (hlen > 0 && s[0] == '[')
		return memchr(s, ']', len) != NULL;
	return dp_ldh_domain_valid(s, hlen);
}

static int
one_uri(const char *u, size_t len, struct dp_tlsrpt *out, struct dp_err *err)
{
	struct dp_tlsrpt_rua *r;
	char shown[80];
	const char *colon = memchr(u, ':', len);
	size_t slen = colon != NULL ? (size_t)(colon - u) : 0;
	bool ok = false;

	dp_text_printable(u, len, shown, sizeof(shown));
	for (size_t i = 0; i < len; i++) {
		if (!uri_char((unsigned char)u[i]))
			return dp_err_set(err, DP_EPARSE, "rua URI \"%s\" has a bad character",
			                  shown);
	}
	if (out->nrua >= DP_TLSRPT_MAX_RUA)
		return dp_err_set(err, DP_EPARSE, "more than %d rua URIs", DP_TLSRPT_MAX_RUA);
	if (len >= DP_TLSRPT_URI_MAX)
		return dp_err_set(err, DP_EPARSE, "rua URI longer than %d bytes",
		                  DP_TLSRPT_URI_MAX - 1);
	r = &out->rua[out->nrua];
	/* RFC 8460 §3: "mailto:" or "https:"; schemes compare case-insensitively (RFC 3986 §3.1).
	 */
	if (slen == 6 && strncasecmp(u, "mailto", 6) == 0) {
		r->scheme = DP_TLSRPT_MAILTO;
		ok = mailto_valid(colon + 1, len - 7);
	} else if (slen == 5 && strncasecmp(u, "https", 5) == 0) {
		r->scheme = DP_TLSRPT_HTTPS;
		ok = https_valid(colon + 1, len - 6);
	} else {
		return dp_err_set(err, DP_EPARSE,
		                  "rua URI \"%s\" is neither mailto: nor https: (RFC 8460 §3)",
		                  shown);
	}
	if (!ok)
		return dp_err_set(err, DP_EPARSE, "malformed rua URI \"%s\"", shown);
	memcpy(r->uri, u, len);
	r->uri[len] = '\0';
	out->nrua++;
	return 0;
}

/* tlsrpt-rua = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri); v points after "rua=". */
static int
rua_value(const char *v, size_t len, struct dp_tlsrpt *out, struct dp_err *err)
{
	size_t i = 0;
	int rc;

	for (;;) {
		size_t start = i;
		size_t end;

		while (i < len && v[i] != ',')
			i++;
		end = i;
		while (end > start && dp_abnf_wsp((unsigned char)v[end - 1]))
			end--;
		while (start < end && dp_abnf_wsp((unsigned char)v[start]))
			start++;
		if (end == start)
			return dp_err_set(err, DP_EPARSE, "empty rua URI");
		rc = one_uri(v + start, end - start, out, err);
		if (rc != 0)
			return rc;
		if (i >= len)
			return 0;
		i++;
	}
}

/* tlsrpt-ext-name "=" tlsrpt-ext-value, as in RFC 8461's sts-extension. */
static bool
extension_valid(const char *s, size_t len)
{
	const char *eq = memchr(s, '=', len);
	size_t nlen;

	if (eq == NULL)
		return false;
	nlen = (size_t)(eq - s);
	if (nlen == 0 || nlen > 32)
		return false;
	for (size_t i = 0; i < nlen; i++) {
		int c = (unsigned char)s[i];

		if (!dp_abnf_alpha(c) && !dp_abnf_digit(c) &&
		    (i == 0 || (c != '_' && c != '-' && c != '.')))
			return false;
	}
	if (nlen + 1 == len)
		return false;
	for (size_t i = nlen + 1; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c < 0x21 || c > 0x7e || c == ';' || c == '=')
			return false;
	}
	return true;
}

/* The end of the field starting at i: the next ';' with any WSP before it dropped. */
static size_t
field_end(const char *s, size_t len, size_t i, size_t *next)
{
	const char *semi = memchr(s + i, ';', len - i);
	size_t end = semi != NULL ? (size_t)(semi - s) : len;

	*next = end;
	while (end > i && dp_abnf_wsp((unsigned char)s[end - 1]))
		end--;
	return end;
}

int
dp_tlsrpt_parse(const char *s, size_t len, struct dp_tlsrpt *out, struct dp_err *err)
{
	size_t i = strlen(TLSRPT_VERSION);
	bool have_rua = false;
	char shown[80];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!dp_tlsrpt_is_tlsrpt(s, len))
		return dp_err_set(err, DP_EPARSE, "record does not begin with v=TLSRPTv1");
	/* tlsrpt-record = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim] */
	while (i < len) {
		size_t start, end, next;

		while (i < len && dp_abnf_wsp((unsigned char)s[i]))
			i++;
		if (i >= len || s[i] != ';')
			return dp_err_set(err, DP_EPARSE, "expected ';' at offset %zu", i);
		i++;
		while (i < len && dp_abnf_wsp((unsigned char)s[i]))
			i++;
		if (i >= len)
			break;
		start = i;
		end = field_end(s, len, i, &next);
		if (end - start >= 4 && memcmp(s + start, "rua=", 4) == 0) {
			if (have_rua)
				return dp_err_set(err, DP_EPARSE, "more than one rua field");
			rc = rua_value(s + start + 4, end - start - 4, out, err);
			if (rc != 0)
				return rc;
			have_rua = true;
		} else if (extension_valid(s + start, end - start)) {
			out->nextensions++;
		} else {
			return dp_err_set(
			    err, DP_EPARSE, "malformed field \"%s\"",
			    dp_text_printable(s + start, end - start, shown, sizeof(shown)));
		}
		i = next;
	}
	if (!have_rua)
		return dp_err_set(err, DP_EPARSE, "no rua field (RFC 8460 §3: required)");
	return 0;
}
