/* Internationalised domain names (IDNA2008 via libidn2): U-label input to the A-label form every
 * query uses, and back for display (SPEC §1: reports show both forms). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "dns/dns.h"

/* Does some label of the normalised name start with the ACE prefix "xn--" (RFC 5890 §2.3.2.1)? */
static bool
has_alabel(const char *name)
{
	const char *p = name;

	while (*p != '\0') {
		if (strncmp(p, "xn--", 4) == 0)
			return true;
		p = strchr(p, '.');
		if (p == NULL)
			break;
		p++;
	}
	return false;
}

static bool
non_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80)
			return true;
	}
	return false;
}

/* The U-label form of a normalised A-label name into out; 0, or an idn2 error code. An A-label
 * must come back unchanged from its U-label (RFC 5891 §5.4), so a made-up "xn--" is refused. */
static int
to_unicode(const char *alabel, char *out, size_t outsz)
{
	char *u = NULL;
	char *again = NULL;
	int r = idn2_to_unicode_8z8z(alabel, &u, 0);

	if (r == IDN2_OK)
		r = idn2_to_ascii_8z(u, &again, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (r == IDN2_OK && strcmp(again, alabel) != 0)
		r = IDN2_ALABEL_ROUNDTRIP_FAILED;
	if (r == IDN2_OK && !dp_strlcpy(out, u, outsz))
		r = IDN2_TOO_BIG_DOMAIN;
	idn2_free(u);
	idn2_free(again);
	return r;
}

int
dp_name_from_input(const char *in, char *out, size_t outsz, struct dp_err *err)
{
	char *ascii = NULL;
	char u[1024];
	int rc;
	int r;

	if (non_ascii(in)) {
		/* UTF-8 in, NFC-normalised, UTS 46 non-transitional mapping (ß stays ß). */
		r = idn2_to_ascii_8z(in, &ascii, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
		if (r != IDN2_OK)
			return dp_err_set(err, DP_EINVAL,
					  "not a valid internationalised domain name (IDNA2008): %s",
					  idn2_strerror(r));
	}
	rc = dp_name_normalise(ascii != NULL ? ascii : in, out, outsz, true, err);
	idn2_free(ascii);
	if (rc != 0 || !has_alabel(out))
		return rc;
	r = to_unicode(out, u, sizeof(u));
	if (r != IDN2_OK)
		return dp_err_set(err, DP_EINVAL, "'%s' holds an invalid A-label (IDNA2008): %s", out,
				  idn2_strerror(r));
	return 0;
}

bool
dp_name_unicode(const char *alabel, char *out, size_t outsz)
{
	return has_alabel(alabel) && to_unicode(alabel, out, outsz) == IDN2_OK;
}
