/* Unit tests of the per-domain state file (engine/statefile.c): names, round trip, the "since"
 * list, and every bad file one clear error naming it, with an empty memory to go on with. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/statefile.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	dp_strlcpy(dir, "/tmp/dp-test-state.XXXXXX", sizeof(dir));
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_path(void **state)
{
	char buf[256];
	struct dp_err err = {0};

	(void)state;
	assert_int_equal(dp_state_path("/var/lib/dnsprobe", "glitter.kr.", buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "/var/lib/dnsprobe/glitter.kr.json");
	assert_int_equal(dp_state_path("/d", "xn--bj0bj5t93s.kr", buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "/d/xn--bj0bj5t93s.kr.json");
	assert_int_not_equal(dp_state_path("/d", "../etc/passwd", buf, sizeof(buf), &err), 0);
	assert_non_null(strstr(err.msg, "../etc/passwd"));
	assert_int_not_equal(dp_state_path("/d", "a/b", buf, sizeof(buf), &err), 0);
	assert_int_not_equal(dp_state_path("/d", ".", buf, sizeof(buf), &err), 0);
	assert_int_not_equal(dp_state_path("/d", "", buf, sizeof(buf), &err), 0);
	assert_int_not_equal(dp_state_path("/d", "glitter.kr", buf, 8, &err), 0); /* too long */
}

static void
test_roundtrip(void **state)
{
	char path[128];
	struct dp_err err = {0};
	json_t *st = NULL, *since = NULL;
	struct dp_results rs;
	double t[2] = {1000.5, 2000.25};

	(void)state;
	snprintf(path, sizeof(path), "%s/glitter.kr.json", dir);
	/* No file yet: empty memory, no error. */
	assert_int_equal(dp_state_load(path, "glitter.kr", &st, &since, &err), 0);
	assert_true(json_is_object(st) && json_object_size(st) == 0);
	assert_true(json_is_array(since) && json_array_size(since) == 0);
	json_decref(st);
	json_decref(since);

	dp_results_init(&rs);
	assert_non_null(dp_results_add(&rs, "mta_sts.policy", "glitter.kr", DP_STATUS_WARNING, NULL,
	                               "policy body changed"));
	assert_non_null(dp_results_add(&rs, "ns.soa_serial", "ns3.glitter.kr/127.0.10.3",
	                               DP_STATUS_CRITICAL, NULL, "behind"));
	since = dp_state_since_of(&rs, t);
	assert_non_null(since);
	assert_int_equal(dp_state_save(path, "glitter.kr",
	                               "{\"mta_sts.policy\":{\"id\":\"1\",\"body_sha256\":\"ab\"}}",
	                               since, 3000, &err),
	                 0);
	json_decref(since);
	dp_results_clear(&rs);
	{
		struct stat sb;
		char tmp[160];

		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		assert_int_not_equal(access(tmp, F_OK), 0); /* renamed into place */
	}
	assert_int_equal(dp_state_load(path, "glitter.kr.", &st, &since, &err), 0);
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(st, "mta_sts.policy"), "body_sha256")),
	                    "ab");
	/* Same status: the saved time; another status or another subject: none. */
	assert_true(dp_state_since_find(since, "mta_sts.policy", "glitter.kr", DP_STATUS_WARNING) ==
	            1000.5);
	assert_true(dp_state_since_find(since, "mta_sts.policy", "glitter.kr", DP_STATUS_OK) < 0);
	assert_true(dp_state_since_find(since, "ns.soa_serial", "ns3.glitter.kr/127.0.10.3",
	                                DP_STATUS_CRITICAL) == 2000.25);
	assert_true(dp_state_since_find(since, "ns.soa_serial", "ns4.glitter.kr/127.0.10.4",
	                                DP_STATUS_CRITICAL) < 0);
	json_decref(st);
	json_decref(since);
	/* Another domain's file is refused, naming both. */
	assert_int_not_equal(dp_state_load(path, "example.kr", &st, &since, &err), 0);
	assert_non_null(strstr(err.msg, "glitter.kr"));
	assert_non_null(strstr(err.msg, "example.kr"));
	assert_true(json_is_object(st) && json_is_array(since)); /* empty, to go on with */
	json_decref(st);
	json_decref(since);
}

static void
test_bad_files(void **state)
{
	static const char *const bad[] = {
	    "",                                   /* empty */
	    "{\"version\": 1",                    /* truncated */
	    "[1, 2, 3]",                          /* not an object */
	    "{\"version\": 2, \"domain\": \"a.kr\", \"state\": {}, \"since\": []}", /* version */
	    "{\"version\": 1, \"domain\": \"a.kr\", \"state\": [], \"since\": []}", /* state */
	    "{\"version\": 1, \"domain\": \"a.kr\", \"state\": {}}",               /* no since */
	    "{\"version\": 1, \"version\": 1, \"domain\": \"a.kr\", \"state\": {}, \"since\": []}",
	};
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/a.kr.json", dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dp_err err = {0};
		json_t *st = NULL, *since = NULL;

		put(path, bad[i]);
		assert_int_not_equal(dp_state_load(path, "a.kr", &st, &since, &err), 0);
		assert_non_null(strstr(err.msg, path));
		assert_true(json_is_object(st) && json_object_size(st) == 0);
		assert_true(json_is_array(since));
		json_decref(st);
		json_decref(since);
	}
	{ /* a directory where the file should be, and /dev/zero */
		struct dp_err err = {0};
		json_t *st = NULL, *since = NULL;
		char d2[128];

		snprintf(d2, sizeof(d2), "%s/dir.json", dir);
		assert_int_equal(mkdir(d2, 0700), 0);
		assert_int_not_equal(dp_state_load(d2, NULL, &st, &since, &err), 0);
		assert_non_null(strstr(err.msg, d2));
		json_decref(st);
		json_decref(since);
		assert_int_not_equal(dp_state_load("/dev/zero", NULL, &st, &since, &err), 0);
		json_decref(st);
		json_decref(since);
		assert_int_not_equal(dp_state_dir_check(path, &err), 0); /* a file */
		assert_non_null(strstr(err.msg, "not a directory"));
		assert_int_equal(dp_state_dir_check(dir, &err), 0);
		assert_int_not_equal(dp_state_dir_check("/nonexistent-dir", &err), 0);
	}
}

static void
test_dir_pick(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(dp_state_dir_pick("/etc/x", buf, sizeof(buf)), "/etc/x");
	setenv("STATE_DIRECTORY", "/var/lib/dnsprobe:/var/lib/other", 1);
	assert_string_equal(dp_state_dir_pick(NULL, buf, sizeof(buf)), "/var/lib/dnsprobe");
	unsetenv("STATE_DIRECTORY");
	assert_null(dp_state_dir_pick(NULL, buf, sizeof(buf)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_bad_files),
	    cmocka_unit_test(test_dir_pick),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
