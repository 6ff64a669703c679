/* SMTP TLS Reporting (RFC 8460 §3): parser of the `_smtp._tls` TXT record. Pure, no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "dnsprobe/common.h"

#define DP_TLSRPT_MAX_RUA 8
#define DP_TLSRPT_URI_MAX 512

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
	size_t nextensions; /* tlsrpt-extension fields (tolerated) */
};

/* True when a joined TXT string begins with "v=TLSRPTv1" followed by the end, WSP or ';'
 * (RFC 8460 §3: other records are ignored before counting). */
bool dp_tlsrpt_is_tlsrpt(const char *s, size_t len);

/* Parse one joined TXT string strictly per the RFC 8460 §3 ABNF: v=TLSRPTv1 first, exactly one
 * rua= with 1..DP_TLSRPT_MAX_RUA comma-separated mailto: or https: URIs, extensions tolerated.
 * DP_EPARSE with the reason in err. */
int dp_tlsrpt_parse(const char *s, size_t len, struct dp_tlsrpt *out, struct dp_err *err) DP_WUR;
