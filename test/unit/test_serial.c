/* Unit tests of RFC 1982 serial arithmetic, summaries, lag thresholds, grace, address sets. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns/serial.h"

static void
test_cmp(void **state)
{
	(void)state;
	assert_int_equal(dp_serial_cmp(1, 1), DP_SERIAL_EQUAL);
	assert_int_equal(dp_serial_cmp(1, 2), DP_SERIAL_LESS);
	assert_int_equal(dp_serial_cmp(2, 1), DP_SERIAL_GREATER);
	/* RFC 1982 §3.2 wrap-around: 4294967295 + 1 = 0, so 0 is greater than 4294967295. */
	assert_int_equal(dp_serial_cmp(UINT32_MAX, 0), DP_SERIAL_LESS);
	assert_int_equal(dp_serial_cmp(0, UINT32_MAX), DP_SERIAL_GREATER);
	assert_int_equal(dp_serial_cmp(4294967200u, 100), DP_SERIAL_LESS);
	/* Largest step that still increases: 2^31 - 1. */
	assert_int_equal(dp_serial_cmp(0, 0x7fffffffu), DP_SERIAL_LESS);
	assert_int_equal(dp_serial_cmp(0x7fffffffu, 0), DP_SERIAL_GREATER);
	/* Exactly 2^31 apart: undefined both ways. */
	assert_int_equal(dp_serial_cmp(0, 0x80000000u), DP_SERIAL_UNDEFINED);
	assert_int_equal(dp_serial_cmp(0x80000000u, 0), DP_SERIAL_UNDEFINED);
	assert_int_equal(dp_serial_cmp(5, 0x80000005u), DP_SERIAL_UNDEFINED);
	/* Just past half the circle the order flips. */
	assert_int_equal(dp_serial_cmp(0, 0x80000001u), DP_SERIAL_GREATER);
	/* Date-style serials. */
	assert_int_equal(dp_serial_cmp(2026112201u, 2026112202u), DP_SERIAL_LESS);
	assert_string_equal(dp_serial_order_str(DP_SERIAL_UNDEFINED), "undefined");
	assert_string_equal(dp_serial_order_str(DP_SERIAL_LESS), "less");
}

static void
test_distance(void **state)
{
	(void)state;
	assert_int_equal(dp_serial_distance(7, 7), 0);
	assert_int_equal(dp_serial_distance(1, 11), 10);
	assert_int_equal(dp_serial_distance(11, 1), 10);
	assert_int_equal(dp_serial_distance(UINT32_MAX, 0), 1);
	assert_int_equal(dp_serial_distance(0, UINT32_MAX), 1);
	assert_int_equal(dp_serial_distance(4294967290u, 5), 11);
	assert_int_equal(dp_serial_distance(0, 0x80000000u), 0x80000000u);
	assert_int_equal(dp_serial_distance(0, 0x80000001u), 0x7fffffffu);
}

static void
test_summarise(void **state)
{
	struct dp_serial_summary s;
	const uint32_t same[] = {1795375257u, 1795375257u, 1795375257u, 1795375257u, 1795375257u};
	const uint32_t stale[] = {1795375300u, 1795375300u, 1795375257u, 1795375300u, 1795375300u};
	const uint32_t wrap[] = {4294967290u, 3, 3, 4294967295u};
	const uint32_t circle[] = {0, 0x40000000u, 0x80000000u, 0xc0000000u};

	(void)state;
	dp_serial_summarise(same, 5, &s);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.ndistinct, 1);
	assert_int_equal(s.spread, 0);
	assert_true(s.ordered);
	assert_int_equal(s.newest, 1795375257u);
	assert_int_equal(dp_serial_lag(&s, 1795375257u), 0);

	dp_serial_summarise(stale, 5, &s);
	assert_int_equal(s.ndistinct, 2);
	assert_int_equal(s.spread, 43);
	assert_true(s.ordered);
	assert_int_equal(s.newest, 1795375300u);
	assert_int_equal(dp_serial_lag(&s, 1795375257u), 43);
	assert_int_equal(dp_serial_lag(&s, 1795375300u), 0);

	/* Across the wrap: 3 is newer than 4294967290 by 9. */
	dp_serial_summarise(wrap, 4, &s);
	assert_int_equal(s.ndistinct, 3);
	assert_true(s.ordered);
	assert_int_equal(s.newest, 3);
	assert_int_equal(s.spread, 9);
	assert_int_equal(dp_serial_lag(&s, 4294967290u), 9);
	assert_int_equal(dp_serial_lag(&s, 4294967295u), 4);

	/* Serials all round the circle have no newest: every one counts as lagging. */
	dp_serial_summarise(circle, 4, &s);
	assert_false(s.ordered);
	assert_int_equal(s.spread, 0x80000000u);
	assert_int_equal(dp_serial_lag(&s, 0), 0x80000000u);

	/* Nothing to summarise. */
	dp_serial_summarise(NULL, 0, &s);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.ndistinct, 0);
	assert_false(s.ordered);

	/* A single server. */
	dp_serial_summarise(same, 1, &s);
	assert_true(s.ordered);
	assert_int_equal(s.spread, 0);
}

static void
test_lag_status(void **state)
{
	(void)state;
	/* Defaults: lag_warn 0 (any disagreement warns), lag_crit off. */
	assert_int_equal(dp_serial_lag_status(0, 0, -1), DP_STATUS_OK);
	assert_int_equal(dp_serial_lag_status(1, 0, -1), DP_STATUS_WARNING);
	assert_int_equal(dp_serial_lag_status(0x80000000u, 0, -1), DP_STATUS_WARNING);
	/* Tolerance: up to lag_warn is fine. */
	assert_int_equal(dp_serial_lag_status(5, 5, -1), DP_STATUS_OK);
	assert_int_equal(dp_serial_lag_status(6, 5, -1), DP_STATUS_WARNING);
	/* --serial-lag-crit N: more than N behind is critical. */
	assert_int_equal(dp_serial_lag_status(10, 0, 10), DP_STATUS_WARNING);
	assert_int_equal(dp_serial_lag_status(11, 0, 10), DP_STATUS_CRITICAL);
	assert_int_equal(dp_serial_lag_status(1, 0, 0), DP_STATUS_CRITICAL);
	assert_int_equal(dp_serial_lag_status(0, 0, 0), DP_STATUS_OK);
	assert_int_equal(dp_serial_lag_status(UINT32_MAX, 0, 4294967294LL), DP_STATUS_CRITICAL);
}

static void
test_grace(void **state)
{
	int64_t since = 0;

	(void)state;
	/* Agreement keeps since at 0. */
	assert_false(dp_serial_grace_expired(false, 1000, 3600, &since));
	assert_int_equal(since, 0);
	/* First disagreement starts the clock. */
	assert_false(dp_serial_grace_expired(true, 1000, 3600, &since));
	assert_int_equal(since, 1000);
	assert_false(dp_serial_grace_expired(true, 4600, 3600, &since));
	assert_int_equal(since, 1000);
	assert_true(dp_serial_grace_expired(true, 4601, 3600, &since));
	/* Agreement resets. */
	assert_false(dp_serial_grace_expired(false, 5000, 3600, &since));
	assert_int_equal(since, 0);
	/* A since in the future (clock stepped back, bad state) restarts rather than hides. */
	since = 999999;
	assert_false(dp_serial_grace_expired(true, 5000, 3600, &since));
	assert_int_equal(since, 5000);
	/* Negative (hostile) state value restarts too. */
	since = -42;
	assert_false(dp_serial_grace_expired(true, 5000, 0, &since));
	assert_int_equal(since, 5000);
	assert_true(dp_serial_grace_expired(true, 5001, 0, &since));
	/* No limit. */
	assert_false(dp_serial_grace_expired(true, 1000000, -1, &since));
}

static void
test_addr_sets(void **state)
{
	struct dp_addr a[3];
	struct dp_addr b[3];

	(void)state;
	assert_int_equal(dp_addr_parse("127.0.10.2", &a[0]), 0);
	assert_int_equal(dp_addr_parse("::1", &a[1]), 0);
	assert_int_equal(dp_addr_parse("::1", &b[0]), 0);
	assert_int_equal(dp_addr_parse("127.0.10.2", &b[1]), 0);
	assert_int_equal(dp_addr_parse("127.0.10.12", &b[2]), 0);
	assert_true(dp_addrs_same_set(a, 2, b, 2));
	assert_false(dp_addrs_same_set(a, 2, b, 3));
	assert_false(dp_addrs_same_set(a, 1, &b[2], 1));
	assert_true(dp_addrs_same_set(NULL, 0, NULL, 0));
	assert_false(dp_addrs_same_set(a, 1, NULL, 0));
	/* Duplicates do not matter. */
	a[2] = a[0];
	assert_true(dp_addrs_same_set(a, 3, b, 2));
	assert_true(dp_addrs_contain(b, 3, &a[1]));
	assert_false(dp_addrs_contain(b, 2, &b[2]));
	assert_false(dp_addrs_contain(NULL, 0, &b[2]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmp),	     cmocka_unit_test(test_distance),
		cmocka_unit_test(test_summarise),    cmocka_unit_test(test_lag_status),
		cmocka_unit_test(test_grace),	     cmocka_unit_test(test_addr_sets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
