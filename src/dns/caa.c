/* Parser of CAA records (RFC 8659 §4): the rdata layout and the issue, issuewild, iodef values. */
#include "config.h"

#include "dns/caa.h"

#include <string.h>
#include <strings.h>

#include "dns/txt.h"

const char *
dp_caa_kind_str(enum dp_caa_kind k)
{
	switch (k) {
	case DP_CAA_ISSUE:
		return "issue";
	case DP_CAA_ISSUEWILD:
		return "issuewild";
	case DP_CAA_IODEF:
		return "iodef";
	case DP_CAA_OTHER:
		break;
	}
	return "other";
}

/* RFC 8659 §4.2 label / tag: (ALPHA / DIGIT) *( *("-") (ALPHA / DIGIT)). */
static bool
label_valid(const char *s, size_t len)
{
	if (len == 0 || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (!dp_abnf_alpha(c) && !dp_abnf_digit(c) && (c != '-' || i == 0))
			return false;
	}
	return true;
}

/* issuer-domain-name = label *("." label) */
static bool
issuer_valid(const char *s, size_t len)
{
	size_t start = 0;

	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (!label_valid(s + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return true;
}

static size_t
skip_wsp(const char *s, size_t len, size_t i)
{
	while (i < len && dp_abnf_wsp((unsigned char)s[i]))
		i++;
	return i;
}

/* parameter = tag *WSP "=" *WSP value; value = *(%x21-3A / %x3C-7E). Returns the index after
 * the parameter, or 0 on a syntax error (a parameter never starts at index 0). */
static size_t
parameter(const char *s, size_t len, size_t i)
{
	size_t start = i;

	while (i < len && (dp_abnf_alpha((unsigned char)s[i]) ||
	                   dp_abnf_digit((unsigned char)s[i]) || s[i] == '-'))
		i++;
	if (!label_valid(s + start, i - start))
		return 0;
	i = skip_wsp(s, len, i);
	if (i >= len || s[i] != '=')
		return 0;
	i = skip_wsp(s, len, i + 1);
	while (i < len && (unsigned char)s[i] >= 0x21 && (unsigned char)s[i] <= 0x7e && s[i] != ';')
		i++;
	return i;
}

/* issue-value = *WSP [issuer-domain-name *WSP] [";" *WSP [parameters *WSP]] (RFC 8659 §4.2) */
static int
issue_value(struct dp_caa *c, struct dp_err *err)
{
	const char *s = (const char *)c->value;
	size_t len = c->value_len;
	size_t i = skip_wsp(s, len, 0);
	size_t start = i;
	char shown[80];

	while (i < len && s[i] != ';' && !dp_abnf_wsp((unsigned char)s[i]))
		i++;
	if (i > start) {
		if (!issuer_valid(s + start, i - start))
			return dp_err_set(
			    err, DP_EPARSE, "%s issuer \"%s\" is not a domain name", c->tag,
			    dp_text_printable(s + start, i - start, shown, sizeof(shown)));
		memcpy(c->issuer, s + start, i - start);
		c->issuer[i - start] = '\0';
	}
	i = skip_wsp(s, len, i);
	if (i == len)
		return 0;
	if (s[i] != ';')
		return dp_err_set(err, DP_EPARSE, "%s value \"%s\": expected ';' after the issuer",
		                  c->tag, dp_text_printable(s, len, shown, sizeof(shown)));
	i = skip_wsp(s, len, i + 1);
	/* parameters = (parameter *WSP ";" *WSP parameters) / parameter */
	while (i < len) {
		size_t next = parameter(s, len, i);

		if (next == 0)
			return dp_err_set(err, DP_EPARSE, "%s value \"%s\": malformed parameter",
			                  c->tag, dp_text_printable(s, len, shown, sizeof(shown)));
		c->nparams++;
		i = skip_wsp(s, len, next);
		if (i == len)
			break;
		if (s[i] != ';')
			return dp_err_set(err, DP_EPARSE, "%s value \"%s\": expected ';'", c->tag,
			                  dp_text_printable(s, len, shown, sizeof(shown)));
		i = skip_wsp(s, len, i + 1);
		if (i == len)
			return dp_err_set(err, DP_EPARSE, "%s value \"%s\": trailing ';'", c->tag,
			                  dp_text_printable(s, len, shown, sizeof(shown)));
	}
	return 0;
}

/* iodef: a URL with scheme mailto:, http: or https: (RFC 8659 §4.4). */
static int
iodef_value(struct dp_caa *c, struct dp_err *err)
{
	const char *s = (const char *)c->value;
	size_t len = c->value_len;
	char shown[80];
	size_t slen = 0;

	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return dp_err_set(err, DP_EPARSE, "iodef \"%s\" is not a URL",
			                  dp_text_printable(s, len, shown, sizeof(shown)));
	}
	while (slen < len && s[slen] != ':')
		slen++;
	if (slen < len && slen + 1 < len &&
	    ((slen == 6 && strncasecmp(s, "mailto", 6) == 0) ||
	     (slen == 5 && strncasecmp(s, "https", 5) == 0) ||
	     (slen == 4 && strncasecmp(s, "http", 4) == 0)))
		return 0;
	return dp_err_set(err, DP_EPARSE, "iodef \"%s\" is not a mailto:, http: or https: URL",
	                  dp_text_printable(s, len, shown, sizeof(shown)));
}

static void
add_warning(struct dp_caa *c, const char *w)
{
	size_t n = strlen(c->warning);

	dp_snprintf(c->warning + n, sizeof(c->warning) - n, "%s%s", n ? "; " : "", w);
}

int
dp_caa_parse(const uint8_t *rdata, size_t len, struct dp_caa *out, struct dp_err *err)
{
	size_t tlen;

	memset(out, 0, sizeof(*out));
	if (len < 2)
		return dp_err_set(err, DP_EPARSE, "CAA rdata of %zu bytes is too short", len);
	out->flags = rdata[0];
	out->critical = (rdata[0] & DP_CAA_FLAG_CRITICAL) != 0;
	tlen = rdata[1];
	if (tlen == 0)
		return dp_err_set(err, DP_EPARSE,
		                  "CAA tag length is 0 (RFC 8659 §4.1: at least 1)");
	if (tlen > len - 2)
		return dp_err_set(err, DP_EPARSE, "CAA tag runs past the rdata");
	for (size_t i = 0; i < tlen; i++) {
		if (!dp_abnf_alpha(rdata[2 + i]) && !dp_abnf_digit(rdata[2 + i]))
			return dp_err_set(err, DP_EPARSE,
			                  "CAA tag has a character other than a letter or digit");
	}
	memcpy(out->tag, rdata + 2, tlen);
	out->tag[tlen] = '\0';
	out->value = rdata + 2 + tlen;
	out->value_len = len - 2 - tlen;
	if ((out->flags & (uint8_t)~DP_CAA_FLAG_CRITICAL) != 0)
		add_warning(out, "reserved flag bits set (RFC 8659 §4.1: must be zero)");
	if (tlen > 15)
		add_warning(out, "tag longer than 15 characters");
	/* RFC 8659 §4.1: tags match case-insensitively. */
	if (strcasecmp(out->tag, "issue") == 0)
		out->kind = DP_CAA_ISSUE;
	else if (strcasecmp(out->tag, "issuewild") == 0)
		out->kind = DP_CAA_ISSUEWILD;
	else if (strcasecmp(out->tag, "iodef") == 0)
		out->kind = DP_CAA_IODEF;
	else if (out->critical)
		add_warning(out, "unknown tag marked critical: CAs must refuse to issue");
	if (out->kind == DP_CAA_ISSUE || out->kind == DP_CAA_ISSUEWILD)
		return issue_value(out, err);
	if (out->kind == DP_CAA_IODEF)
		return iodef_value(out, err);
	return 0;
}
