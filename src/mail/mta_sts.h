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
#define DP_STS_TXT_VERSION "v=STSv1"      /* RFC 8461 §3.1 sts-version, case-sensitive */

/* True when a joined TXT string is an MTA-STS record that counts: it begins with "v=STSv1" *WSP
 * ";" (RFC 8461 §3.1: other records are discarded before counting; a bare "v=STSv1" is not a
 * record). dp_txt_classify(s, len, DP_STS_TXT_VERSION) also tells near misses apart. */
bool dp_sts_txt_is_sts(const char *s, size_t len);

/* The `_mta-sts` TXT record (RFC 8461 §3.1). */
struct dp_sts_txt {
	char id[DP_STS_ID_MAX + 1];
	size_t nextensions; /* sts-extension fields seen (tolerated) */
	size_t nignored;    /* repeated fields ignored (a second id, a second v) */
};

/* Parse one joined TXT string strictly per the RFC 8461 §3.1 ABNF (v=STSv1 first, an id,
 * extensions tolerated, field-delim = *WSP ";" *WSP). A repeated id keeps its first value
 * (RFC 8461 §3.2: "all entries except for the first SHALL be ignored"; mox applies that to the
 * TXT record as well), the later ones must still be well-formed fields. DP_EPARSE with the
 * reason in err. */
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
	size_t nignored;    /* repeats of version, mode or max_age, ignored (RFC 8461 §3.2) */
	size_t nlines;
	bool crlf; /* every line ended in CRLF (the RFC's SHOULD); LF alone is accepted */
};

/* Parse a policy body strictly per the RFC 8461 §3.2 ABNF: lines end in CRLF or LF (the last
 * terminator optional, no empty line, no other CR); fields in any order (sts-policy-record is a
 * sequence of sts-policy-field, none of them required first); `version: STSv1`, `mode`
 * enforce/testing/none and `max_age` 0-31557600 (1 to 10 digits) each required, the first of
 * each deciding and later repeats ignored (§3.2: "all entries except for the first SHALL be
 * ignored") though they must be well-formed lines; one or more `mx` ("*." Domain or Domain, none
 * needed with mode none); names and keywords case-sensitive (RFC 7405 %s); unknown fields
 * ignored but well-formed (UTF-8 allowed in their values).
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
