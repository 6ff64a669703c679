/* Parser of CAA records (RFC 8659 §4): the rdata layout and the issue, issuewild, iodef values. */
#include "config.h"

#include "dns/caa.h"

#include <string.h>
#include <strings.h>

#include "dns/txt.h"
#include "dns/uri.h"

/* RFC 8659 §4.2: an issue value that does not match the grammar forbids issuance. */
#define NO_ISSUE " (CAs read it as \"no CA may issue\", RFC 8659 §4.2)"

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
	case DP_CAA_ISSUEMAIL:
		return "issuemail";
	case DP_CAA_ISSUEVMC:
		return "issuevmc";
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

/* One parameter's spans in the value. */
struct param {
	const char *tag, *val;
	size_t tlen, vlen;
};

/* parameter = tag *WSP "=" *WSP value; value = *(%x21-3A / %x3C-7E). Returns the index after
 * the parameter, or 0 on a syntax error (a parameter never starts at index 0). */
static size_t
parameter(const char *s, size_t len, size_t i, struct param *pm)
{
	size_t start = i;

	while (i < len && (dp_abnf_alpha((unsigned char)s[i]) ||
	                   dp_abnf_digit((unsigned char)s[i]) || s[i] == '-'))
		i++;
	if (!label_valid(s + start, i - start))
		return 0;
	pm->tag = s + start;
	pm->tlen = i - start;
	i = skip_wsp(s, len, i);
	if (i >= len || s[i] != '=')
		return 0;
	i = skip_wsp(s, len, i + 1);
	pm->val = s + i;
	while (i < len && (unsigned char)s[i] >= 0x21 && (unsigned char)s[i] <= 0x7e && s[i] != ';')
		i++;
	pm->vlen = (size_t)(s + i - pm->val);
	return i;
}

static void add_warning(struct dp_caa *c, const char *w);

/* validationmethods = label *("," label), label = 1*(ALPHA / DIGIT / "-") (RFC 8657 §4). */
static bool
methods_valid(const char *v, size_t len)
{
	size_t run = 0;

	for (size_t i = 0; i < len; i++) {
		if (v[i] == ',') {
			if (run == 0)
				return false;
			run = 0;
		} else if (dp_abnf_alpha((unsigned char)v[i]) ||
		           dp_abnf_digit((unsigned char)v[i]) || v[i] == '-') {
			run++;
		} else {
			return false;
		}
	}
	return run > 0;
}

/* RFC 8657: accounturi (§3) is a URI, validationmethods (§4) a list of method labels; either
 * given twice leaves nothing a CA can satisfy. Problems are warnings: the value still parses. */
static void
acme_param(struct dp_caa *c, const struct param *pm, unsigned *seen)
{
	bool uri = pm->tlen == 10 && strncasecmp(pm->tag, "accounturi", 10) == 0;
	bool methods = pm->tlen == 17 && strncasecmp(pm->tag, "validationmethods", 17) == 0;
	unsigned bit = uri ? 1u : 2u;
	const char *colon;

	if (!uri && !methods)
		return;
	if (*seen & bit)
		add_warning(c, uri ? "accounturi given twice: no account can satisfy it (RFC 8657)"
		                   : "validationmethods given twice: no CA can satisfy it (RFC 8657)");
	*seen |= bit;
	colon = memchr(pm->val, ':', pm->vlen);
	if (uri && (colon == NULL || colon == pm->val || !dp_abnf_alpha((unsigned char)pm->val[0])))
		add_warning(c, "accounturi is not a URI (RFC 8657 §3)");
	if (methods && !methods_valid(pm->val, pm->vlen))
		add_warning(c, "validationmethods is not a comma-separated list of methods "
		               "(RFC 8657 §4)");
}

/* issue-value = *WSP [issuer-domain-name *WSP] [";" *WSP [parameters *WSP]] (RFC 8659 §4.2) */
static int
issue_value(struct dp_caa *c, struct dp_err *err)
{
	const char *s = (const char *)c->value;
	size_t len = c->value_len;
	size_t i = skip_wsp(s, len, 0);
	size_t start = i;
	unsigned seen = 0;
	char shown[80];

	while (i < len && s[i] != ';' && !dp_abnf_wsp((unsigned char)s[i]))
		i++;
	if (i > start) {
		if (!issuer_valid(s + start, i - start))
			return dp_err_set(
			    err, DP_EPARSE, "%s issuer \"%s\" is not a domain name%s", c->tag,
			    dp_text_printable(s + start, i - start, shown, sizeof(shown)), NO_ISSUE);
		memcpy(c->issuer, s + start, i - start);
		c->issuer[i - start] = '\0';
	}
	i = skip_wsp(s, len, i);
	if (i == len)
		return 0;
	if (s[i] != ';')
		return dp_err_set(err, DP_EPARSE,
		                  "%s value \"%s\": expected ';' after the issuer%s", c->tag,
		                  dp_text_printable(s, len, shown, sizeof(shown)), NO_ISSUE);
	i = skip_wsp(s, len, i + 1);
	/* parameters = (parameter *WSP ";" *WSP parameters) / parameter */
	while (i < len) {
		struct param pm;
		size_t next = parameter(s, len, i, &pm);
		const char *what = NULL;

		if (next == 0)
			what = "malformed parameter";
		else
			i = skip_wsp(s, len, next);
		if (what == NULL && i < len && s[i] != ';')
			what = "expected ';'";
		if (what == NULL && i < len && skip_wsp(s, len, i + 1) == len)
			what = "trailing ';' after a parameter";
		if (what != NULL)
			return dp_err_set(err, DP_EPARSE, "%s value \"%s\": %s%s", c->tag,
			                  dp_text_printable(s, len, shown, sizeof(shown)), what,
			                  NO_ISSUE);
		c->nparams++;
		acme_param(c, &pm, &seen);
		if (i < len)
			i = skip_wsp(s, len, i + 1);
	}
	return 0;
}

/* iodef takes a URL: mailto: an address, http: or https: a web service (RFC 8659 §4.4, RFC 6546):
 * the URL must be well-formed, with an address or a host, not only a known scheme. */
static int
iodef_value(struct dp_caa *c, struct dp_err *err)
{
	const char *s = (const char *)c->value;
	enum dp_uri_scheme sch = dp_uri_scheme_of(s, c->value_len);
	const char *why = NULL;
	char shown[80];

	dp_text_printable(s, c->value_len, shown, sizeof(shown));
	if (sch == DP_URI_OTHER)
		return dp_err_set(err, DP_EPARSE,
		                  "iodef \"%s\" is not a mailto:, http: or https: URL", shown);
	if (!dp_uri_valid(s, c->value_len, 0, &why))
		return dp_err_set(err, DP_EPARSE, "iodef \"%s\" is not a valid %s: URL: %s", shown,
		                  dp_uri_scheme_str(sch), why);
	return 0;
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
	/* RFC 8659 §4.1: reserved bits MUST be zero and are ignored by readers, but flags 1 is the
	 * old bit-order mistake, and some CAs (Let's Encrypt's Boulder) read it as critical. */
	if ((out->flags & 0x01) != 0)
		add_warning(out, "flag bit 7 (value 1) set: RFC 8659 §4.1 reserves it, but some CAs "
		                 "read it as the critical bit (128)");
	else if ((out->flags & (uint8_t)~DP_CAA_FLAG_CRITICAL) != 0)
		add_warning(out, "reserved flag bits set (RFC 8659 §4.1: must be zero)");
	if (tlen > 15)
		add_warning(out, "tag longer than 15 characters (RFC 6844 §5.1 limit; "
		                 "some parsers refuse it)");
	/* RFC 8659 §4.1: tags match case-insensitively. */
	if (strcasecmp(out->tag, "issue") == 0)
		out->kind = DP_CAA_ISSUE;
	else if (strcasecmp(out->tag, "issuewild") == 0)
		out->kind = DP_CAA_ISSUEWILD;
	else if (strcasecmp(out->tag, "iodef") == 0)
		out->kind = DP_CAA_IODEF;
	else if (strcasecmp(out->tag, "issuemail") == 0)
		out->kind = DP_CAA_ISSUEMAIL; /* RFC 9495 §3: the issue-value grammar */
	else if (strcasecmp(out->tag, "issuevmc") == 0)
		out->kind = DP_CAA_ISSUEVMC; /* CA/B Forum VMC requirements: likewise */
	else if (out->critical)
		add_warning(out, "unknown tag marked critical: CAs must refuse to issue");
	if (out->kind != DP_CAA_IODEF && out->kind != DP_CAA_OTHER)
		return issue_value(out, err);
	if (out->kind == DP_CAA_IODEF)
		return iodef_value(out, err);
	return 0;
}
