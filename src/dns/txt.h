/* TXT rdata and untrusted text helpers shared by the MTA-STS, TLS-RPT and CAA checks. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "dnsprobe/common.h"

/* Join the character-strings of one TXT RR's wire rdata (RFC 1035 §3.3.14: a sequence of
 * <length><bytes>) into one string without separators, as RFC 8461 §3.1 and RFC 8460 §3 ask
 * (RFC 7208 §3.3 style). out (outsz bytes) is always terminated; *outlen gets the length.
 * DP_EPARSE: malformed rdata, a NUL byte, or longer than outsz - 1. */
int dp_txt_join(const uint8_t *rdata, size_t len, char *out, size_t outsz, size_t *outlen,
                struct dp_err *err) DP_WUR;

/* Copy untrusted bytes into out as printable ASCII: bytes outside 0x20-0x7e and '\\' become
 * "\\xNN". Truncates (with a trailing "...") to fit outsz; out is always terminated. Returns out.
 * Safe to hand to JSON and to one-line summaries. */
char *dp_text_printable(const void *data, size_t len, char *out, size_t outsz);

/* How a joined TXT string stands to a versioned record such as "v=STSv1" (RFC 8461 §3.1) or
 * "v=TLSRPTv1" (RFC 8460 §3). */
enum dp_txt_kind {
	DP_TXT_OTHER = 0,  /* another record (SPF, "v=STSv2", ...): ignored */
	DP_TXT_NEAR = 1,   /* meant as one (the version in any case, maybe after WSP), but it does not
	                    * begin with VERSION *WSP ";": senders discard it before counting */
	DP_TXT_RECORD = 2, /* begins with VERSION *WSP ";": a record that counts */
};
const char *dp_txt_kind_str(enum dp_txt_kind k);

/* Classify s[0..len) against version (e.g. "v=STSv1"). Both RFCs discard records that do not
 * "begin with" VERSION ";"; their ABNF allows WSP before the ';' (field-delim = *WSP ";" *WSP),
 * and such a record counts here (RFC 8461 erratum 6285 notes the conflict; mox reads it so). A
 * bare VERSION (no ';') is not a record: the ABNF needs 1*(delim field) after it. */
enum dp_txt_kind dp_txt_classify(const char *s, size_t len, const char *version);

/* ABNF helpers (RFC 5234 core rules) used by the record parsers. */
static inline int
dp_abnf_alpha(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static inline int
dp_abnf_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline int
dp_abnf_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* A host name in LDH form (RFC 5321 §4.1.2 Domain): labels of letters, digits and inner hyphens,
 * 1-63 bytes each, at most 253 bytes, no trailing dot. */
bool dp_ldh_domain_valid(const char *s, size_t len);
