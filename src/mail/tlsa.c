/* TLSA rdata, record usability under RFC 7671/7672, and certificate expiry verdicts. */
#include "config.h"

#include "mail/tlsa.h"

#include <string.h>

#include "dns/dnssec.h"

const char *
dp_tlsa_usage_str(unsigned usage)
{
	switch (usage) {
	case DP_TLSA_PKIX_TA:
		return "PKIX-TA";
	case DP_TLSA_PKIX_EE:
		return "PKIX-EE";
	case DP_TLSA_DANE_TA:
		return "DANE-TA";
	case DP_TLSA_DANE_EE:
		return "DANE-EE";
	default:
		return "unknown";
	}
}

int
dp_tlsa_parse(const uint8_t *rdata, size_t len, struct dp_tlsa *out, struct dp_err *err)
{
	memset(out, 0, sizeof(*out));
	/* RFC 6698 §2.1: usage, selector, matching type, then the certificate association data. */
	if (len < 4)
		return dp_err_set(err, DP_EPARSE, "TLSA rdata of %zu octets (at least 4)", len);
	out->usage = rdata[0];
	out->selector = rdata[1];
	out->mtype = rdata[2];
	out->data = rdata + 3;
	out->len = len - 3;
	return 0;
}

bool
dp_tlsa_port_is_smtp(uint16_t port)
{
	return port == 25 || port == 465 || port == 587;
}

const char *
dp_tlsa_unusable(const struct dp_tlsa *t, bool smtp)
{
	if (t->usage > DP_TLSA_DANE_EE)
		return "unknown certificate usage (RFC 7671 §4)";
	if (smtp && t->usage <= DP_TLSA_PKIX_EE)
		return "PKIX-TA and PKIX-EE are not usable for SMTP (RFC 7672 §3.1.3)";
	if (t->selector > 1)
		return "unknown selector (RFC 7671 §4)";
	if (t->mtype > 2)
		return "unknown matching type (RFC 7671 §4)";
	if (t->mtype == 1 && t->len != 32)
		return "SHA2-256 data is not 32 octets (RFC 6698 §2.1.3)";
	if (t->mtype == 2 && t->len != 64)
		return "SHA2-512 data is not 64 octets (RFC 6698 §2.1.3)";
	return NULL;
}

char *
dp_tlsa_text(const struct dp_tlsa *t, size_t maxhex, char *buf, size_t bufsz)
{
	char hex[160];
	size_t want = maxhex == 0 || maxhex > 2 * t->len ? 2 * t->len : maxhex;
	bool cut = want < 2 * t->len;

	if (want > 128) { /* a Full(0) record is a whole certificate: show its start */
		want = 128;
		cut = true;
	}
	dp_hex(t->data, (want + 1) / 2, hex, sizeof(hex));
	hex[want] = '\0';
	(void)dp_snprintf(buf, bufsz, "%u %u %u %s%s", t->usage, t->selector, t->mtype, hex,
	                  cut ? "..." : "");
	return buf;
}

const char *
dp_cert_expiry_str(enum dp_cert_expiry e)
{
	switch (e) {
	case DP_CERT_VALID:
		return "valid";
	case DP_CERT_EXPIRING:
		return "expiring";
	case DP_CERT_CRITICAL:
		return "expiring soon";
	case DP_CERT_EXPIRED:
		return "expired";
	case DP_CERT_NOT_YET:
		return "not yet valid";
	}
	return "?";
}

enum dp_cert_expiry
dp_cert_expiry_judge(int64_t not_before, int64_t not_after, int64_t at, int64_t warn, int64_t crit)
{
	/* RFC 5280 §4.1.2.5: the validity period includes both notBefore and notAfter. */
	if (at > not_after)
		return DP_CERT_EXPIRED;
	if (at < not_before)
		return DP_CERT_NOT_YET;
	if (not_after - at < crit)
		return DP_CERT_CRITICAL;
	if (not_after - at < warn)
		return DP_CERT_EXPIRING;
	return DP_CERT_VALID;
}

enum dp_status
dp_cert_expiry_status(enum dp_cert_expiry e)
{
	switch (e) {
	case DP_CERT_VALID:
		return DP_STATUS_OK;
	case DP_CERT_EXPIRING:
		return DP_STATUS_WARNING;
	default:
		return DP_STATUS_CRITICAL;
	}
}
