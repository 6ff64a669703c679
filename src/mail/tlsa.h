/* TLSA records (RFC 6698 §2.1) and certificate expiry verdicts: pure functions, no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsprobe/common.h"

/* TLSA fields (RFC 7218 acronyms). */
enum dp_tlsa_usage {
	DP_TLSA_PKIX_TA = 0,
	DP_TLSA_PKIX_EE = 1,
	DP_TLSA_DANE_TA = 2,
	DP_TLSA_DANE_EE = 3,
};
const char *dp_tlsa_usage_str(unsigned usage); /* "DANE-EE", "usage 7" → "unknown" */

/* One TLSA record; data points into the rdata it was parsed from (not owned). */
struct dp_tlsa {
	uint8_t usage;
	uint8_t selector;
	uint8_t mtype;
	const uint8_t *data;
	size_t len;
};

/* Parse TLSA rdata (wire form): 3 octets then the association data (at least one octet).
 * DP_EPARSE with the reason in err when shorter. */
int dp_tlsa_parse(const uint8_t *rdata, size_t len, struct dp_tlsa *out, struct dp_err *err) DP_WUR;

/* Why a record cannot be used to authenticate a server, or NULL when it can. On SMTP (smtp
 * true) PKIX-TA(0) and PKIX-EE(1) are unusable (RFC 7672 §3.1.3); anywhere, unknown usages,
 * selectors or matching types, and digests of the wrong length (RFC 7671 §4, RFC 6698 §2.1). */
const char *dp_tlsa_unusable(const struct dp_tlsa *t, bool smtp);

/* True on the ports where RFC 7672 (SMTP) rules apply: 25, 465 and 587. */
bool dp_tlsa_port_is_smtp(uint16_t port);

/* "3 1 1 0a1b2c3d…" into buf: the fields and at most maxhex hex digits of the data ("…" when
 * cut; all of it when maxhex is 0). Returns buf. */
char *dp_tlsa_text(const struct dp_tlsa *t, size_t maxhex, char *buf, size_t bufsz);

/* A certificate's validity as of `at` (seconds since the epoch) against the thresholds. */
enum dp_cert_expiry {
	DP_CERT_VALID = 0,    /* more than warn seconds left */
	DP_CERT_EXPIRING = 1, /* within warn */
	DP_CERT_CRITICAL = 2, /* within crit */
	DP_CERT_EXPIRED = 3,  /* at > notAfter */
	DP_CERT_NOT_YET = 4,  /* at < notBefore */
};
const char *dp_cert_expiry_str(enum dp_cert_expiry e);
enum dp_cert_expiry dp_cert_expiry_judge(int64_t not_before, int64_t not_after, int64_t at,
                                         int64_t warn, int64_t crit);
/* The check status for a verdict: VALID → OK, EXPIRING → WARNING, the rest → CRITICAL. */
enum dp_status dp_cert_expiry_status(enum dp_cert_expiry e);
