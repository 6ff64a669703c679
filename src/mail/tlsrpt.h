/* SMTP TLS Reporting (RFC 8460 §3): parser of the `_smtp._tls` TXT record. Pure, no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "dnsprobe/common.h"

#define DP_TLSRPT_MAX_RUA 8
#define DP_TLSRPT_URI_MAX 512
#define DP_TLSRPT_VERSION "v=TLSRPTv1" /* RFC 8460 §3 tlsrpt-version, case-sensitive */

enum dp_tlsrpt_scheme {
	DP_TLSRPT_MAILTO = 0,
	DP_TLSRPT_HTTPS = 1,
};
const char *dp_tlsrpt_scheme_str(enum dp_tlsrpt_scheme s);

struct dp_tlsrpt_rua {
	enum dp_tlsrpt_scheme scheme;
	char uri[DP_TLSRPT_URI_MAX];
};

struct dp_tlsrpt {
	struct dp_tlsrpt_rua rua[DP_TLSRPT_MAX_RUA];
	size_t nrua;
	size_t nrua_fields; /* rua= fields: usually 1; RFC 8460 §3 lets the field repeat */
	size_t nextensions; /* tlsrpt-extension fields (tolerated) */
};

/* True when a joined TXT string is a TLS-RPT record that counts: it begins with "v=TLSRPTv1"
 * *WSP ";" (RFC 8460 §3: other records are discarded before counting; a bare "v=TLSRPTv1" is
 * not a record). dp_txt_classify(s, len, DP_TLSRPT_VERSION) also tells near misses apart. */
bool dp_tlsrpt_is_tlsrpt(const char *s, size_t len);

/* Parse one joined TXT string strictly per the RFC 8460 §3 ABNF: v=TLSRPTv1 first, one or more
 * rua= fields (the field may repeat: tlsrpt-field is repeated without limit) with, together,
 * 1..DP_TLSRPT_MAX_RUA comma-separated URIs, each a mailto: (RFC 6068, with ?hfields) or https:
 * URI with ',' '!' ';' percent-encoded; extensions tolerated. DP_EPARSE with the reason in err. */
int dp_tlsrpt_parse(const char *s, size_t len, struct dp_tlsrpt *out, struct dp_err *err) DP_WUR;
