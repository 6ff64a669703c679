/* Unit tests of the resolver's deadlines (dns/resolver.c): a lookup ends by its deadline, also
 * when libunbound can no longer cancel it because its answer is being delivered (issue 16).
 * libunbound's ub_resolve_async and ub_cancel are wrapped at link time (-Wl,--wrap): no query
 * leaves the process, and the test decides what the cancel says and when the answer comes. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <unbound.h>

#include "dns/dns.h"

#define DS ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"

int __wrap_ub_resolve_async(struct ub_ctx *ctx, const char *name, int rrtype, int rrclass,
			    void *mydata, ub_callback_type callback, int *async_id);
int __wrap_ub_cancel(struct ub_ctx *ctx, int async_id);

/* The last query "sent": its callback and argument, to deliver an answer late. */
static ub_callback_type sent_cb;
static void *sent_arg;
static int cancel_rc;  /* what ub_cancel returns: UB_NOERROR or UB_NOID */
static int ncancel;

int
__wrap_ub_resolve_async(struct ub_ctx *ctx, const char *name, int rrtype, int rrclass,
			void *mydata, ub_callback_type callback, int *async_id)
{
	(void)ctx;
	(void)name;
	(void)rrtype;
	(void)rrclass;
	sent_cb = callback;
	sent_arg = mydata;
	*async_id = 1;
	return 0; /* and no answer, ever, unless the test delivers one */
}

int
__wrap_ub_cancel(struct ub_ctx *ctx, int async_id)
{
	(void)ctx;
	(void)async_id;
	ncancel++;
	return cancel_rc;
}

static char ta[64];

static struct dp_resolver *
resolver(void)
{
	struct dp_resolver_opts o = {.trust_anchor = ta, .timeout_ms = 10000};
	struct dp_resolver *r = NULL;
	struct dp_err err = {0};

	assert_int_equal(dp_resolver_new(&o, &r, &err), 0);
	sent_cb = NULL;
	sent_arg = NULL;
	return r;
}

/* One lookup with a deadline 200 ms away: it must end by then (plus scheduling slack), as a
 * SERVFAIL cut by the deadline, whatever the cancel says. */
static void
lookup_by_deadline(struct dp_resolver *r)
{
	struct dp_lookup l;
	struct dp_err err = {0};
	double t0 = dp_now_mono();

	ncancel = 0;
	assert_int_equal(dp_resolver_lookup_by(r, "glitter.kr", DP_RR_SOA, t0 + 0.2, &l, &err), 0);
	assert_true(dp_now_mono() - t0 < 1.0);
	assert_int_equal(ncancel, 1);
	assert_int_equal(l.rcode, 2);
	assert_int_equal(l.sec, DP_SEC_INDETERMINATE);
	assert_true(l.cut);
	assert_non_null(l.why_bogus);
	assert_string_equal(l.why_bogus, "no answer before the deadline");
	dp_lookup_clear(&l);
}

/* Cancelled in time: libunbound never calls back. */
static void
test_cancelled(void **state)
{
	struct dp_resolver *r = resolver();

	(void)state;
	cancel_rc = UB_NOERROR;
	lookup_by_deadline(r);
	dp_resolver_free(r);
}

/* Too late to cancel, and the callback comes after the lookup returned: the lookup did not
 * wait for it (it waited 5 s more, then failed, before), and the late answer is freed by the
 * callback (ASan and valgrind see no leak and no use after free). */
static void
test_answer_after_deadline(void **state)
{
	struct dp_resolver *r = resolver();
	struct ub_result *res = calloc(1, sizeof(*res));

	(void)state;
	assert_non_null(res);
	cancel_rc = UB_NOID;
	lookup_by_deadline(r);
	assert_non_null(sent_cb);
	sent_cb(sent_arg, 0, res);
	dp_resolver_free(r);
}

/* Too late to cancel, and the resolver is freed before the callback ever comes (libunbound
 * calls no callback when its context is deleted): the lookup's state is freed with it. */
static void
test_freed_before_answer(void **state)
{
	struct dp_resolver *r = resolver();

	(void)state;
	cancel_rc = UB_NOID;
	lookup_by_deadline(r);
	lookup_by_deadline(r);
	dp_resolver_free(r);
}

static int
setup(void **state)
{
	FILE *f;
	int fd;

	(void)state;
	dp_strlcpy(ta, "/tmp/dp-test-resolver.XXXXXX", sizeof(ta));
	fd = mkstemp(ta);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "%s\n", DS);
	return fclose(f) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	return unlink(ta);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cancelled),
	    cmocka_unit_test(test_answer_after_deadline),
	    cmocka_unit_test(test_freed_before_answer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
