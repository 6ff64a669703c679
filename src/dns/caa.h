/* CAA (RFC 8659): parser of one CAA rdata and of the issue/issuewild/iodef values. Pure. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsprobe/common.h"

#define DP_CAA_FLAG_CRITICAL 0x80 /* RFC 8659 §4.1: Issuer Critical Flag, bit 0 */

enum dp_caa_kind {
	DP_CAA_OTHER = 0, /* a tag this parser does not know (contactemail, issuemail, ...) */
	DP_CAA_ISSUE = 1,
	DP_CAA_ISSUEWILD = 2,
	DP_CAA_IODEF = 3,
	DP_CAA_ISSUEMAIL = 4, /* RFC 9495: S/MIME issuance, issue-value grammar */
	DP_CAA_ISSUEVMC = 5,  /* CA/B Forum VMC (BIMI) issuance, issue-value grammar */
};
const char *dp_caa_kind_str(enum dp_caa_kind k);

/* One CAA record. value points into the rdata given to dp_caa_parse (not owned). */
struct dp_caa {
	uint8_t flags;
	bool critical;
	char tag[256]; /* as published (tags compare case-insensitively) */
	enum dp_caa_kind kind;
	const uint8_t *value;
	size_t value_len;
	/* issue / issuewild / issuemail / issuevmc: the issuer domain, "" when the value names none (RFC 8659 §4.2:
	 * "no CA may issue"), and how many parameters followed. */
	char issuer[254];
	size_t nparams;
	/* Problems that do not make the record unparseable (reserved flag bits set, a tag longer
	 * than 15, an unknown critical tag), for a WARNING; "" when none. */
	char warning[160];
};

/* Parse one CAA rdata (RFC 8659 §4.1: flags, tag length, tag, value; tags match in any case) and
 * the value's syntax for issue, issuewild (§4.2, §4.3; and issuemail, issuevmc, which share it)
 * and iodef (§4.4: a well-formed mailto: address or http(s): URL with a host). RFC 8657
 * accounturi/validationmethods problems, reserved flag bits and long tags are warnings.
 * DP_EPARSE with the reason in err. */
int dp_caa_parse(const uint8_t *rdata, size_t len, struct dp_caa *out, struct dp_err *err) DP_WUR;
