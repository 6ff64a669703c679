/* SOA serial arithmetic (RFC 1982) and the pure comparisons behind ns.soa_serial/ns.delegation. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsprobe/common.h"
#include "dns/dns.h"

/* RFC 1982 §3.2: how serial a relates to serial b. UNDEFINED when they are exactly 2^31 apart. */
enum dp_serial_order {
	DP_SERIAL_EQUAL = 0,
	DP_SERIAL_LESS = 1,
	DP_SERIAL_GREATER = 2,
	DP_SERIAL_UNDEFINED = 3,
};
const char *dp_serial_order_str(enum dp_serial_order o);

/* Compare two serials with RFC 1982 (SERIAL_BITS = 32) arithmetic. */
enum dp_serial_order dp_serial_cmp(uint32_t a, uint32_t b);

/* The RFC 1982 distance between two serials: the shorter way round the circle, 0 .. 2^31. */
uint32_t dp_serial_distance(uint32_t a, uint32_t b);

/* A set of serials seen from several servers, summarised. */
struct dp_serial_summary {
	size_t n;	   /* serials considered */
	size_t ndistinct;  /* different values */
	uint32_t spread;   /* largest RFC 1982 distance between any two */
	bool ordered;	   /* a newest serial exists (no serial is greater than it) */
	uint32_t newest;   /* valid when ordered */
};

/* Summarise n serials (n may be 0: then everything is 0 and ordered is false). */
void dp_serial_summarise(const uint32_t *v, size_t n, struct dp_serial_summary *out);

/* How far serial s is behind newest (0 when equal or ahead; the distance when their order is
 * undefined or the set has no newest, so that such a mess always counts as lagging). */
uint32_t dp_serial_lag(const struct dp_serial_summary *sum, uint32_t s);

/* The status of a server lagging by lag: 0 → OK; more than lag_warn → WARNING (lag_warn 0: any
 * lag warns); more than lag_crit → CRITICAL (lag_crit < 0: off). */
enum dp_status dp_serial_lag_status(uint32_t lag, int64_t lag_warn, int64_t lag_crit);

/* Monitor grace period. *since holds when the disagreement was first seen (0: none). Updates it
 * for now and returns true when the disagreement has lasted more than grace seconds. */
bool dp_serial_grace_expired(bool disagree, int64_t now, int64_t grace, int64_t *since);

/* True when both lists hold the same set of addresses (order and duplicates ignored). */
bool dp_addrs_same_set(const struct dp_addr *a, size_t na, const struct dp_addr *b, size_t nb);

/* True when addr is one of v[0..n). */
bool dp_addrs_contain(const struct dp_addr *v, size_t n, const struct dp_addr *addr);
