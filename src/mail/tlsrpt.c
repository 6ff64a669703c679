/* Parser of the SMTP TLS Reporting policy record, `_smtp._tls` TXT (RFC 8460 §3). */
#include "config.h"

#include "mail/tlsrpt.h"

#include <string.h>
#include <strings.h>

#include "dns/txt.h"
#include "dns/uri.h"

#define TLSRPT_VERSION DP_TLSRPT_VERSION

const char *
dp_tlsrpt_scheme_str(enum dp_tlsrpt_scheme s)
{
	return s == DP_TLSRPT_HTTPS ? "https" : "mailto";
}

bool
dp_tlsrpt_is_tlsrpt(const char *s, size_t len)
{
	return dp_txt_classify(s, len, TLSRPT_VERSION) == DP_TXT_RECORD;
}

/* tlsrpt-uri = URI, "mailto:" (RFC 6068) or "https:" (RFC 3986); ',', '!' and ';' MUST be
 * percent-encoded (RFC 8460 §3). */
static int
one_uri(const char *u, size_t len, struct dp_tlsrpt *out, struct dp_err *err)
{
	enum dp_uri_scheme sch = dp_uri_scheme_of(u, len);
	const char *why = NULL;
	char shown[80];

	dp_text_printable(u, len, shown, sizeof(shown));
	if (sch != DP_URI_MAILTO && sch != DP_URI_HTTPS)
		return dp_err_set(err, DP_EPARSE,
		                  "rua URI \"%s\" is neither mailto: nor https: (RFC 8460 §3)", shown);
	if (out->nrua >= DP_TLSRPT_MAX_RUA)
		return dp_err_set(err, DP_EPARSE, "more than %d rua URIs", DP_TLSRPT_MAX_RUA);
	if (len >= DP_TLSRPT_URI_MAX)
		return dp_err_set(err, DP_EPARSE, "rua URI longer than %d bytes",
		                  DP_TLSRPT_URI_MAX - 1);
	if (!dp_uri_valid(u, len, DP_URI_ENCODED_BANG_COMMA, &why))
		return dp_err_set(err, DP_EPARSE, "malformed rua URI \"%s\": %s", shown, why);
	out->rua[out->nrua].scheme = sch == DP_URI_HTTPS ? DP_TLSRPT_HTTPS : DP_TLSRPT_MAILTO;
	memcpy(out->rua[out->nrua].uri, u, len);
	out->rua[out->nrua].uri[len] = '\0';
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
	char shown[80];
	int rc;

	memset(out, 0, sizeof(*out));
	if (!dp_tlsrpt_is_tlsrpt(s, len))
		return dp_err_set(err, DP_EPARSE, "record does not begin with \"v=TLSRPTv1;\"");
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
			/* tlsrpt-field = tlsrpt-rua / tlsrpt-extension may repeat: a second rua
			 * field is grammatical, and RFC 8460 §3 has no "first one wins" rule
			 * (unlike RFC 8461 §3.2), so its URIs join the first field's. */
			rc = rua_value(s + start + 4, end - start - 4, out, err);
			if (rc != 0)
				return rc;
			out->nrua_fields++;
		} else if (extension_valid(s + start, end - start)) {
			out->nextensions++;
		} else {
			return dp_err_set(
			    err, DP_EPARSE, "malformed field \"%s\"",
			    dp_text_printable(s + start, end - start, shown, sizeof(shown)));
		}
		i = next;
	}
	if (out->nrua_fields == 0)
		return dp_err_set(err, DP_EPARSE, "no rua field (RFC 8460 §3: required)");
	return 0;
}
