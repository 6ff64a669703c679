/* Unit tests of the monitor's schedule maths, snapshot "since" carry-over, /healthz and query
 * byte checks. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/http.h"
#include "monitor/monitor.h"

/* 1000 names over a 5-minute interval: in range, deterministic, and flat (every 30 s bucket
 * holds 100 ± 40). */
static void
test_spread(void **state)
{
	int buckets[10] = {0};
	char name[32];

	(void)state;
	for (int i = 0; i < 1000; i++) {
		double o;

		assert_true(dp_snprintf(name, sizeof(name), "b%04d.kr", i));
		o = dp_sched_offset(name, 300);
		assert_true(o >= 0 && o < 300);
		assert_true(o == dp_sched_offset(name, 300));
		buckets[(int)(o / 30)]++;
	}
	for (int i = 0; i < 10; i++) {
		assert_in_range(buckets[i], 60, 140);
	}
	assert_true(dp_sched_offset("glitter.kr", 1) < 1);
	assert_true(dp_sched_offset("glitter.kr", 0) < 1);
}

static void
test_next(void **state)
{
	(void)state;
	/* A run that ends within its slot: next slot. */
	assert_true(dp_sched_next(100, 130, 60) == 160);
	/* A run that overran two slots: the phase is kept, missed slots skipped. */
	assert_true(dp_sched_next(100, 250, 60) == 280);
	assert_true(dp_sched_next(100, 220, 60) == 280);
	assert_true(dp_sched_next(100, 100, 60) == 160);
}

static struct dp_report *
rep(enum dp_status a, enum dp_status b)
{
	struct dp_report *r = dp_report_new("a.kr");

	assert_non_null(dp_results_add(&r->results, "caa", "a.kr", a, NULL, "x"));
	assert_non_null(
	    dp_results_add(&r->results, "ns.soa_serial", "ns1.a.kr/1.2.3.4", b, NULL, "y"));
	return r;
}

static void
test_since(void **state)
{
	struct dp_snap *s1 = dp_snap_new(rep(DP_STATUS_OK, DP_STATUS_OK), NULL, 1000, false);
	struct dp_snap *s2 = dp_snap_new(rep(DP_STATUS_OK, DP_STATUS_CRITICAL), s1, 1300, false);
	struct dp_snap *s3 = dp_snap_new(rep(DP_STATUS_OK, DP_STATUS_CRITICAL), s2, 1600, false);

	(void)state;
	assert_true(s1->since[0] == 1000);
	assert_true(s2->since[0] == 1000); /* unchanged: carried */
	assert_true(s2->since[1] == 1300); /* changed now */
	assert_true(s3->since[1] == 1300);
	assert_true(s3->since[0] == 1000);
	/* A reader's reference keeps a replaced snapshot alive. */
	dp_snap_ref(s1);
	dp_snap_unref(s1);
	assert_int_equal(s1->rep->results.n, 2);
	dp_snap_unref(s1);
	dp_snap_unref(s2);
	dp_snap_unref(s3);
}

/* Snapshots keep only the details the renderer reads. */
static struct dp_report *
prune_report(const char *extra)
{
	struct dp_report *r = dp_report_new("a.kr");

	assert_non_null(dp_results_add(&r->results, "ns.soa_serial", "ns1.a.kr/1.2.3.4",
	                               DP_STATUS_OK,
	                               json_pack("{s:s, s:i, s:{s:b}, s:s?}", "server", "ns1.a.kr",
	                                         "soa_serial", 7, "transport", "udp", 1, "extra",
	                                         extra),
	                               "ok"));
	assert_non_null(dp_results_add(&r->results, "ns.soa_serial", "ns2.a.kr/1.2.3.5",
	                               DP_STATUS_WARNING, json_pack("{s:i}", "soa_serial", 6),
	                               "ns2.a.kr/1.2.3.5: serial 6 behind 7"));
	r->discovery = json_pack("{s:s}", "domain", "a.kr");
	return r;
}

static void
test_prune(void **state)
{
	struct dp_snap *s = dp_snap_new(prune_report(NULL), NULL, 1000, false);
	char why[200];
	json_t *full, *c0;
	char *big;

	(void)state;
	assert_non_null(s);
	assert_null(s->rep->discovery);
	/* The whole report is kept packed for the domain page, so the snapshot keeps no detail and
	 * no OK result's summary (the overview shows failing results' summaries only). */
	assert_int_equal(json_object_size(s->rep->results.v[0].details), 0);
	assert_int_equal(json_object_size(s->rep->results.v[1].details), 0);
	assert_string_equal(s->rep->results.v[0].summary, "");
	assert_string_equal(s->rep->results.v[1].summary, "ns2.a.kr/1.2.3.5: serial 6 behind 7");
	full = dp_zjson_unpack(&s->full, why, sizeof(why));
	c0 = json_array_get(json_object_get(full, "checks"), 0);
	assert_non_null(full);
	assert_true(json_is_object(json_object_get(json_object_get(c0, "details"), "transport")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(full, "discovery"),
	                                                      "domain")),
	                    "a.kr");
	json_decref(full);
	dp_snap_unref(s);
	/* A report too large to pack: the facts behind the gauges stay for the page, the rest goes. */
	big = malloc(DP_ZJSON_MAX + 2);
	assert_non_null(big);
	memset(big, 'x', DP_ZJSON_MAX + 1);
	big[DP_ZJSON_MAX + 1] = '\0';
	s = dp_snap_new(prune_report(big), NULL, 1000, false);
	free(big);
	assert_non_null(s);
	assert_null(s->full.z);
	assert_null(s->rep->discovery);
	assert_int_equal(json_integer_value(json_object_get(s->rep->results.v[0].details, "soa_serial")), 7);
	assert_string_equal(json_string_value(json_object_get(s->rep->results.v[0].details, "server")),
	                    "ns1.a.kr");
	assert_null(json_object_get(s->rep->results.v[0].details, "transport"));
	assert_null(json_object_get(s->rep->results.v[0].details, "extra"));
	assert_string_equal(s->rep->results.v[0].summary, "ok");
	dp_snap_unref(s);
}

/* /healthz (issue 13): judged by runs, never by idle workers. Two domains, intervals 60 s and
 * 300 s, timeouts 30 s and 20 s: a run past timeout + grace is stuck; no finished run for longer
 * than the largest interval + timeout of a domain (300 + 20) + grace means runs are not done. */
static void
test_health(void **state)
{
	struct dp_config_domain cd[2] = {{.interval = 60, .timeout = 30},
	                                 {.interval = 300, .timeout = 20}};
	struct dp_mdomain d[2] = {{.name = "a.kr", .cd = &cd[0]}, {.name = "b.kr", .cd = &cd[1]}};
	char why[256];

	(void)state;
	assert_true(dp_monitor_healthy(d, 2, 1000, 1000, why, sizeof(why)));
	assert_string_equal(why, "");
	/* Idle for the whole bound, nothing running: still healthy just before it. */
	assert_true(dp_monitor_healthy(d, 2, 1000, 1000 + 320 + DP_HEALTH_GRACE, why, sizeof(why)));
	assert_false(
	    dp_monitor_healthy(d, 2, 1000, 1000 + 321 + DP_HEALTH_GRACE, why, sizeof(why)));
	assert_string_equal(why, "no run finished for 331 s (bound 330 s: longest interval + "
	                         "timeout + 10 s)");
	/* b.kr running for 25 s: within 20 s + grace. At 31 s it is stuck, whatever else. */
	d[1].running = true;
	d[1].started = 2000;
	assert_true(dp_monitor_healthy(d, 2, 1990, 2025, why, sizeof(why)));
	assert_false(dp_monitor_healthy(d, 2, 1990, 2031, why, sizeof(why)));
	assert_string_equal(why, "run of b.kr stuck: running for 31 s, past its 30 s deadline "
	                         "(timeout + 10 s)");
	/* No domains (allow_empty): nothing is due, so nothing is late. */
	assert_true(dp_monitor_healthy(d, 0, 0, 1e6, why, sizeof(why)));
}

/* /probe's query bytes: "%00" and other control characters are refused, not cut short. */
static void
test_query_bytes(void **state)
{
	(void)state;
	assert_true(dp_http_bytes_clean("glitter.kr", 10));
	assert_true(dp_http_bytes_clean("", 0));
	assert_false(dp_http_bytes_clean("glitter.kr\0.evil", 16));
	assert_false(dp_http_bytes_clean("a\tb", 3));
	assert_false(dp_http_bytes_clean("a\x7f", 2));
	assert_false(dp_http_bytes_clean("a\r\n", 3));
	assert_true(dp_http_bytes_clean("\xed\x95\x9c.kr", 6)); /* UTF-8 is not control */
}

/* shard: I/N — every name in exactly one shard, about evenly, and going from 2 to 3 shards
 * moves only names to the new shard (about a third). */
static void
test_shard(void **state)
{
	unsigned count[3] = {0, 0, 0};
	unsigned moved = 0;
	char name[32];

	(void)state;
	assert_int_equal(dp_sched_shard("glitter.kr", 1), 0);
	assert_int_equal(dp_sched_shard("glitter.kr", 0), 0);
	assert_int_equal(dp_sched_shard("Glitter.KR.", 7), dp_sched_shard("glitter.kr", 7));
	for (unsigned i = 0; i < 3000; i++) {
		unsigned a, b;

		assert_true(dp_snprintf(name, sizeof(name), "b%04u.kr", i));
		a = dp_sched_shard(name, 2);
		b = dp_sched_shard(name, 3);
		assert_true(a < 2);
		assert_true(b < 3);
		count[a]++;
		if (a != b) {
			assert_int_equal(b, 2);
			moved++;
		}
	}
	assert_true(count[0] > 1350 && count[1] > 1350);
	assert_true(moved > 850 && moved < 1150);
}

/* The raw request target (issue 13): 414 past the cap, 400 for a control byte or space, raw
 * or escaped, in the path or the query. */
static void
test_target(void **state)
{
	char big[DP_HTTP_URI_MAX + 2];

	(void)state;
	assert_int_equal(dp_http_target_status("/metrics", 8), 0);
	assert_int_equal(dp_http_target_status("/probe?target=glitter.kr&check=caa", 34), 0);
	assert_int_equal(dp_http_target_status("/?q=%7e%20%41", 13), 0);
	assert_int_equal(dp_http_target_status("/a%", 3), 0);   /* a lone % is not an escape */
	assert_int_equal(dp_http_target_status("/a%0", 4), 0);
	assert_int_equal(dp_http_target_status("/a%zz", 5), 0);
	assert_int_equal(dp_http_target_status("/a%00", 5), 400);
	assert_int_equal(dp_http_target_status("/a?x=%1F", 8), 400);
	assert_int_equal(dp_http_target_status("/a?x=%1f", 8), 400);
	assert_int_equal(dp_http_target_status("/a?x=%7F", 8), 400);
	assert_int_equal(dp_http_target_status("/a?x=%0d%0a", 11), 400);
	assert_int_equal(dp_http_target_status("/a\tb", 4), 400);
	assert_int_equal(dp_http_target_status("/a b", 4), 400);
	assert_int_equal(dp_http_target_status("/a\x7f", 3), 400);
	assert_int_equal(dp_http_target_status("/a\0b", 4), 400);
	assert_int_equal(dp_http_target_status("/\xed\x95\x9c", 4), 0); /* UTF-8 is not control */
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	assert_int_equal(dp_http_target_status(big, DP_HTTP_URI_MAX), 0);
	assert_int_equal(dp_http_target_status(big, DP_HTTP_URI_MAX + 1), 414);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spread),
	    cmocka_unit_test(test_next),
	    cmocka_unit_test(test_since),
	    cmocka_unit_test(test_prune),
	    cmocka_unit_test(test_health),
	    cmocka_unit_test(test_query_bytes),
	    cmocka_unit_test(test_shard),
	    cmocka_unit_test(test_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
