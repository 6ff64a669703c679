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
