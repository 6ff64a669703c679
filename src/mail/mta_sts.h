/* MTA-STS (RFC 8461): parsers of the `_mta-sts` TXT record and the policy body, and mx pattern
 * matching. Pure functions over (ptr, len): no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dnsprobe/common.h"

#define DP_STS_ID_MAX      32            /* RFC 8461 §3.1: 1*32(ALPHA / DIGIT) */
#define DP_STS_MAX_AGE_MAX 31557600u     /* RFC 8461 §3.2: about one year */
#define DP_STS_POLICY_CAP  (64u * 1024u) /* body size we fetch at most (RFC 8461 §3.3 leaves it) */

/* True when a joined TXT string is an MTA-STS record candidate: it begins with "v=STSv1" followed
 * by the end, WSP or ';' (RFC 8461 §3.1: other records are discarded before counting). */
bool dp_sts_txt_is_sts(const char *s, size_t len);

/* The `_mta-sts` TXT record (RFC 8461 §3.1). */
struct dp_sts_txt {
	char id[DP_STS_ID_MAX + 1];
	size_t nextensions; /* sts-extension fields seen (tolerated) */
};

/* Parse one joined TXT string strictly per the RFC 8461 §3.1 ABNF (v=STSv1 first, exactly one
 * id, extensions tolerated, field-delim = *WSP ";" *WSP). DP_EPARSE with the reason in err. */
int dp_sts_txt_parse(const char *s, size_t len, struct dp_sts_txt *out, struct dp_err *err) DP_WUR;

enum dp_sts_mode {
	DP_STS_MODE_NONE = 0,
	DP_STS_MODE_TESTING = 1,
	DP_STS_MODE_ENFORCE = 2,
};
const char *dp_sts_mode_str(enum dp_sts_mode m);

/* A parsed policy. mx patterns are lower-case ("mail.example.com", "*.example.net"), owned. */
struct dp_sts_policy {
	enum dp_sts_mode mode;
	uint32_t max_age; /* seconds, 0..DP_STS_MAX_AGE_MAX */
	char **mx;
	size_t nmx;
	size_t nextensions; /* unknown fields, ignored (RFC 8461 §3.2) */
	size_t nlines;
	bool crlf; /* every line ended in CRLF (the RFC's SHOULD); LF alone is accepted */
};

/* Parse a policy body strictly per RFC 8461 §3.2: lines end in CRLF or LF; `version: STSv1`
 * first; `mode` enforce/testing/none, `max_age` 0-31557600 and `version` exactly once; one or
 * more `mx` (none allowed with mode none); unknown fields ignored but must be well-formed.
 * On error (DP_EPARSE, DP_ENOMEM) err names the line; out is left empty. Free with
 * dp_sts_policy_clear. */
int dp_sts_policy_parse(const char *body, size_t len, struct dp_sts_policy *out,
                        struct dp_err *err) DP_WUR;
void dp_sts_policy_clear(struct dp_sts_policy *p);

/* RFC 8461 §4.1: host (any case, trailing dot ignored) matches pattern: equal, or pattern
 * "*.rest" and host is exactly one label followed by ".rest". */
bool dp_sts_mx_match(const char *pattern, const char *host);
/* The first pattern of p that host matches, or -1. */
long dp_sts_policy_match(const struct dp_sts_policy *p, const char *host);

/* Cross-run memory for RFC 8461 §3.1 ("the id must change when the policy does"): state is a JSON
 * object kept between runs holding the id first seen and its body's SHA-256 (hex). Returns true
 * when the same id now comes with another body; *previous (may be NULL) then gets the remembered
 * hash, valid while state lives. A new id replaces what was remembered. */
bool dp_sts_id_stale(json_t *state, const char *id, const char *body_sha256, const char **previous);
