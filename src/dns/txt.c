/* TXT rdata joining and printable copies of untrusted text (see txt.h). */
#include "config.h"

#include "dns/txt.h"

#include <string.h>
#include <strings.h>

int
dp_txt_join(const uint8_t *rdata, size_t len, char *out, size_t outsz, size_t *outlen,
            struct dp_err *err)
{
	size_t o = 0;
	size_t i = 0;

	if (outsz == 0)
		return dp_err_set(err, DP_EINVAL, "no room for the TXT string");
	out[0] = '\0';
	if (outlen != NULL)
		*outlen = 0;
	if (len == 0)
		return dp_err_set(err, DP_EPARSE, "empty TXT rdata");
	while (i < len) {
		size_t n = rdata[i++];

		if (n > len - i)
			return dp_err_set(err, DP_EPARSE, "TXT string runs past the rdata");
		if (memchr(rdata + i, '\0', n) != NULL)
			return dp_err_set(err, DP_EPARSE, "TXT string contains a NUL byte");
		if (n >= outsz - o)
			return dp_err_set(err, DP_EPARSE, "TXT record longer than %zu bytes",
			                  outsz - 1);
		memcpy(out + o, rdata + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return 0;
}

char *
dp_text_printable(const void *data, size_t len, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = data;
	size_t o = 0;

	if (outsz == 0)
		return out;
	for (size_t i = 0; i < len; i++) {
		bool plain = p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\';
		size_t need = plain ? 1 : 4;

		if (o + need + 1 > outsz) {
			/* Make room for "..." and stop. */
			while (o > 0 && o + 4 > outsz)
				o--;
			if (o + 4 <= outsz) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (plain) {
			out[o++] = (char)p[i];
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 15];
		}
	}
	out[o] = '\0';
	return out;
}

bool
dp_ldh_domain_valid(const char *s, size_t len)
{
	size_t label = 0;

	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '.') {
			/* Empty label, or one ending in a hyphen. */
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!dp_abnf_alpha(c) && !dp_abnf_digit(c) && c != '-')
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && s[len - 1] != '-';
}

const char *
dp_txt_kind_str(enum dp_txt_kind k)
{
	switch (k) {
	case DP_TXT_NEAR:
		return "discarded";
	case DP_TXT_RECORD:
		return "record";
	case DP_TXT_OTHER:
		break;
	}
	return "other";
}

enum dp_txt_kind
dp_txt_classify(const char *s, size_t len, const char *version)
{
	size_t n = strlen(version);
	size_t i = 0;

	if (len >= n && memcmp(s, version, n) == 0) {
		i = n;
		while (i < len && dp_abnf_wsp((unsigned char)s[i]))
			i++;
		if (i < len && s[i] == ';')
			return DP_TXT_RECORD;
	}
	/* Near misses: leading WSP, another case, no ';' after the version. */
	i = 0;
	while (i < len && dp_abnf_wsp((unsigned char)s[i]))
		i++;
	if (len - i < n || strncasecmp(s + i, version, n) != 0)
		return DP_TXT_OTHER;
	i += n;
	if (i < len && (dp_abnf_alpha((unsigned char)s[i]) || dp_abnf_digit((unsigned char)s[i])))
		return DP_TXT_OTHER; /* "v=STSv10": another version */
	return DP_TXT_NEAR;
}
