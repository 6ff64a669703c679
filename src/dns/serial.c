/* SOA serial arithmetic (RFC 1982) and the pure comparisons behind ns.soa_serial/ns.delegation. */
#include "config.h"

#include "dns/serial.h"

#define HALF 0x80000000u /* 2^(SERIAL_BITS - 1) */

const char *
dp_serial_order_str(enum dp_serial_order o)
{
	switch (o) {
	case DP_SERIAL_EQUAL:
		return "equal";
	case DP_SERIAL_LESS:
		return "less";
	case DP_SERIAL_GREATER:
		return "greater";
	case DP_SERIAL_UNDEFINED:
		break;
	}
	return "undefined";
}

/* RFC 1982 §3.2: s1 < s2 when (i1 < i2 and i2 - i1 < 2^31) or (i1 > i2 and i1 - i2 > 2^31).
 * Unsigned subtraction is the arithmetic modulo 2^32 that the definition describes. */
enum dp_serial_order
dp_serial_cmp(uint32_t a, uint32_t b)
{
	uint32_t d = b - a;

	if (d == 0)
		return DP_SERIAL_EQUAL;
	if (d == HALF)
		return DP_SERIAL_UNDEFINED;
	return d < HALF ? DP_SERIAL_LESS : DP_SERIAL_GREATER;
}

uint32_t
dp_serial_distance(uint32_t a, uint32_t b)
{
	uint32_t d = b - a;
	uint32_t e = a - b;

	return d < e ? d : e;
}

/* A serial that no other serial of v exceeds, if there is one (RFC 1982 order is not total:
 * serials spread over half the circle or more may have no maximum). */
static bool
find_newest(const uint32_t *v, size_t n, uint32_t *out)
{
	for (size_t i = 0; i < n; i++) {
		bool top = true;

		for (size_t j = 0; top && j < n; j++) {
			enum dp_serial_order o = dp_serial_cmp(v[j], v[i]);

			top = o == DP_SERIAL_EQUAL || o == DP_SERIAL_LESS;
		}
		if (top) {
			*out = v[i];
			return true;
		}
	}
	return false;
}

void
dp_serial_summarise(const uint32_t *v, size_t n, struct dp_serial_summary *out)
{
	*out = (struct dp_serial_summary){.n = n};
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t j = 0; j < n; j++) {
			uint32_t d = dp_serial_distance(v[i], v[j]);

			if (d > out->spread)
				out->spread = d;
			if (j < i && v[j] == v[i])
				seen = true;
		}
		if (!seen)
			out->ndistinct++;
	}
	out->ordered = find_newest(v, n, &out->newest);
}

uint32_t
dp_serial_lag(const struct dp_serial_summary *sum, uint32_t s)
{
	if (!sum->ordered)
		return sum->ndistinct > 1 ? (sum->spread ? sum->spread : 1) : 0;
	switch (dp_serial_cmp(s, sum->newest)) {
	case DP_SERIAL_EQUAL:
	case DP_SERIAL_GREATER:
		return 0;
	case DP_SERIAL_LESS:
		return sum->newest - s;
	case DP_SERIAL_UNDEFINED:
		break;
	}
	return HALF;
}

enum dp_status
dp_serial_lag_status(uint32_t lag, int64_t lag_warn, int64_t lag_crit)
{
	if (lag == 0)
		return DP_STATUS_OK;
	if (lag_crit >= 0 && (int64_t)lag > lag_crit)
		return DP_STATUS_CRITICAL;
	if (lag_warn < 0 || (int64_t)lag > lag_warn)
		return DP_STATUS_WARNING;
	return DP_STATUS_OK;
}

bool
dp_serial_grace_expired(bool disagree, int64_t now, int64_t grace, int64_t *since)
{
	if (!disagree) {
		*since = 0;
		return false;
	}
	/* A clock that went backwards restarts the period rather than hiding it forever. */
	if (*since <= 0 || *since > now)
		*since = now;
	return grace >= 0 && now - *since > grace;
}

bool
dp_addrs_contain(const struct dp_addr *v, size_t n, const struct dp_addr *addr)
{
	for (size_t i = 0; i < n; i++) {
		if (dp_addr_equal(&v[i], addr))
			return true;
	}
	return false;
}

bool
dp_addrs_same_set(const struct dp_addr *a, size_t na, const struct dp_addr *b, size_t nb)
{
	for (size_t i = 0; i < na; i++) {
		if (!dp_addrs_contain(b, nb, &a[i]))
			return false;
	}
	for (size_t i = 0; i < nb; i++) {
		if (!dp_addrs_contain(a, na, &b[i]))
			return false;
	}
	return true;
}
