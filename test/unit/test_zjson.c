/* Unit tests of packed JSON (src/out/zjson.c) and of dp_report_from_json, the report back from
 * its JSON (src/out/render_json.c), over a recorded lab report. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnsprobe/result.h"
#include "out/zjson.h"

static json_t *
recorded(void)
{
	json_error_t e;
	json_t *j = json_load_file(DP_TESTDATA "/glitter-report.json", 0, &e);

	if (j == NULL)
		fail_msg("%s: %s", DP_TESTDATA "/glitter-report.json", e.text);
	return j;
}

/* The recorded glitter.kr report packs to about a tenth and unpacks to the same value. */
static void
test_round_trip(void **state)
{
	json_t *j = recorded();
	struct dp_zjson z;
	char why[200];
	json_t *back;
	char *txt = json_dumps(j, JSON_COMPACT);

	(void)state;
	assert_int_equal(dp_zjson_pack(j, &z), 0);
	assert_non_null(z.z);
	assert_int_equal(z.rawlen, strlen(txt));
	assert_true(z.zlen < z.rawlen / 5);
	back = dp_zjson_unpack(&z, why, sizeof(why));
	assert_non_null(back);
	assert_true(json_equal(back, j));
	json_decref(back);
	dp_zjson_clear(&z);
	assert_null(z.z);
	assert_null(dp_zjson_unpack(&z, why, sizeof(why)));
	assert_string_equal(why, "no packed report");
	assert_null(dp_zjson_unpack(NULL, why, sizeof(why)));
	free(txt);
	json_decref(j);
}

/* Corrupt, truncated or lying packed data is refused with a reason, never read past. */
static void
test_corrupt(void **state)
{
	json_t *j = recorded();
	struct dp_zjson z, bad;
	char why[200];

	(void)state;
	assert_int_equal(dp_zjson_pack(j, &z), 0);
	/* a flipped byte in the middle of the stream */
	bad = z;
	bad.z = malloc(z.zlen);
	memcpy(bad.z, z.z, z.zlen);
	bad.z[z.zlen / 2] ^= 0x5a;
	assert_null(dp_zjson_unpack(&bad, why, sizeof(why)));
	assert_non_null(strstr(why, "corrupt"));
	/* truncated */
	memcpy(bad.z, z.z, z.zlen);
	bad.zlen = z.zlen / 2;
	assert_null(dp_zjson_unpack(&bad, why, sizeof(why)));
	assert_non_null(strstr(why, "corrupt"));
	/* a recorded length that is not the stream's */
	bad.zlen = z.zlen;
	bad.rawlen = z.rawlen - 1;
	assert_null(dp_zjson_unpack(&bad, why, sizeof(why)));
	bad.rawlen = z.rawlen + 1;
	assert_null(dp_zjson_unpack(&bad, why, sizeof(why)));
	assert_non_null(strstr(why, "length differs"));
	/* a length over the cap is refused before any allocation */
	bad.rawlen = DP_ZJSON_MAX + 1;
	assert_null(dp_zjson_unpack(&bad, why, sizeof(why)));
	assert_non_null(strstr(why, "limit"));
	free(bad.z);
	dp_zjson_clear(&z);
	json_decref(j);
}

/* A value whose text is over DP_ZJSON_MAX is not packed. */
static void
test_cap(void **state)
{
	size_t n = DP_ZJSON_MAX + 16;
	char *big = malloc(n + 1);
	json_t *v;
	struct dp_zjson z;

	(void)state;
	memset(big, 'x', n);
	big[n] = '\0';
	v = json_pack("{s:s}", "x", big);
	assert_int_equal(dp_zjson_pack(v, &z), DP_EINVAL);
	assert_null(z.z);
	json_decref(v);
	free(big);
}

/* dp_report_from_json gives back what the renderers read: the results in order with status,
 * summary, details, fix and cause, the timings and the discovery. */
static void
test_report_back(void **state)
{
	json_t *j = recorded();
	json_t *checks = json_object_get(j, "checks");
	struct dp_report *r;
	json_t *again;
	char why[200] = "";

	(void)state;
	/* a fix line and a cause, as a failing run would have */
	json_object_set_new(json_array_get(checks, 1), "fix",
			    json_pack("[s]", "_25._tcp.mail.glitter.kr. 3600 IN TLSA 3 1 1 ab"));
	json_object_set_new(json_array_get(checks, 2), "cause",
			    json_pack("{s:O, s:O}", "id",
				      json_object_get(json_array_get(checks, 1), "id"), "subject",
				      json_object_get(json_array_get(checks, 1), "subject")));
	json_object_set_new(json_array_get(checks, 1), "status", json_string("CRITICAL"));
	json_object_set_new(json_array_get(checks, 2), "status", json_string("CRITICAL"));
	r = dp_report_from_json(j, why, sizeof(why));
	assert_non_null(r);
	assert_string_equal(r->domain, "glitter.kr");
	assert_int_equal(r->results.n, json_array_size(checks));
	assert_true(r->started > 1700000000);
	assert_non_null(r->discovery);
	assert_int_equal(r->ntimings, json_array_size(json_object_get(j, "timings")));
	assert_string_equal(json_string_value(json_array_get(r->results.v[1].fix, 0)),
			    "_25._tcp.mail.glitter.kr. 3600 IN TLSA 3 1 1 ab");
	assert_ptr_equal(dp_results_cause_of(&r->results, &r->results.v[2]), &r->results.v[1]);
	/* and to JSON again: the same checks */
	again = dp_report_to_json(r);
	assert_true(json_equal(json_object_get(again, "checks"), checks));
	assert_true(json_equal(json_object_get(again, "discovery"), json_object_get(j, "discovery")));
	json_decref(again);
	dp_report_free(r);
	/* not a report */
	json_object_del(j, "checks");
	assert_null(dp_report_from_json(j, why, sizeof(why)));
	assert_non_null(strstr(why, "not a report"));
	assert_null(dp_report_from_json(NULL, why, sizeof(why)));
	json_object_set_new(j, "checks", json_pack("[{s:s}]", "id", "caa"));
	assert_null(dp_report_from_json(j, why, sizeof(why)));
	assert_non_null(strstr(why, "no id, subject or status"));
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_corrupt),
	    cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_report_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
