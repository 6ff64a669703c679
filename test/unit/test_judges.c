/* Unit tests of checks as judges: ns.soa_serial and ns.delegation over recorded observations
 * (a discovery and a nameserver survey built here), no network. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probes/judges.h"
#include "survey/endpoints.h"

/* A recorded world: two nameservers, ns1 at 127.0.10.1 (glue too), ns2 at 127.0.10.2. */
struct world {
	struct dp_check_opts opts;
	struct dp_discovery disc;
	struct dp_ns ns[2];
	struct dp_addr addr[2];
	struct dp_addr glue[2];
	struct dp_nssurvey sv;
	struct dp_ns_target t[2];
	struct dp_ctx ctx;
	struct dp_results out;
};

static void
good_answer(struct dp_ns_answer *a, uint32_t serial)
{
	memset(a, 0, sizeof(*a));
	a->answered = true;
	a->aa = true;
	a->edns = true;
	a->have_soa = true;
	a->serial = serial;
	a->refresh = 3600;
	a->rtt = 0.001;
}

static void
world_init(struct world *w)
{
	static char n1[] = "ns1.glitter.kr";
	static char n2[] = "ns2.glitter.kr";
	static char dom[] = "glitter.kr";
	static char par[] = "kr";

	memset(w, 0, sizeof(*w));
	dp_snprintf(w->opts.domain, sizeof(w->opts.domain), "glitter.kr");
	w->opts.serial_lag_crit = -1;
	w->opts.serial_grace = -1;
	w->opts.step_timeout_ms = 5000;
	assert_int_equal(dp_addr_parse("127.0.10.1", &w->addr[0]), 0);
	assert_int_equal(dp_addr_parse("127.0.10.2", &w->addr[1]), 0);
	w->glue[0] = w->addr[0];
	w->glue[1] = w->addr[1];
	for (int i = 0; i < 2; i++) {
		w->ns[i].host.name = i == 0 ? n1 : n2;
		w->ns[i].host.addrs = &w->addr[i];
		w->ns[i].host.naddrs = 1;
		w->ns[i].host.sec_a = DP_SEC_SECURE;
		w->ns[i].at_parent = true;
		w->ns[i].at_child = true;
		w->ns[i].glue = &w->glue[i];
		w->ns[i].nglue = 1;
		w->t[i].ns = &w->ns[i];
		w->t[i].has_addr = true;
		w->t[i].addr = w->addr[i];
		w->t[i].in_zone = true;
		w->t[i].in_glue = true;
		good_answer(&w->t[i].udp, 2026120101);
		good_answer(&w->t[i].tcp, 2026120101);
	}
	w->disc.domain = dom;
	w->disc.parent = par;
	w->disc.parent_answered = true;
	w->disc.apex_sec = DP_SEC_SECURE;
	w->disc.apex_havedata = true;
	w->disc.ns = w->ns;
	w->disc.nns = 2;
	w->sv.v = w->t;
	w->sv.n = 2;
	w->ctx.opts = &w->opts;
	w->ctx.disc = &w->disc;
	w->ctx.deadline = dp_now_mono() + 10;
	dp_results_init(&w->out);
}

/* The result of check id about subject (exact), or fail. */
static const struct dp_result *
result_of(const struct world *w, const char *id, const char *subject)
{
	for (size_t i = 0; i < w->out.n; i++) {
		if (strcmp(w->out.v[i].id, id) == 0 && strcmp(w->out.v[i].subject, subject) == 0)
			return &w->out.v[i];
	}
	fail_msg("no %s result about %s", id, subject);
	return NULL;
}

static void
test_serial_agree(void **state)
{
	struct world w;

	(void)state;
	world_init(&w);
	assert_int_equal(dp_judge_ns_soa_serial(&w.ctx, &w.sv, &w.out), 0);
	assert_int_equal(result_of(&w, "ns.soa_serial", "glitter.kr")->status, DP_STATUS_OK);
	assert_int_equal(result_of(&w, "ns.soa_serial", "ns2.glitter.kr/127.0.10.2")->status,
			 DP_STATUS_OK);
	assert_int_equal(dp_results_worst(&w.out), DP_STATUS_OK);
	dp_results_clear(&w.out);
}

static void
test_serial_lagging(void **state)
{
	struct world w;
	const struct dp_result *r;

	(void)state;
	world_init(&w);
	good_answer(&w.t[1].udp, 2026120100);
	good_answer(&w.t[1].tcp, 2026120100);
	assert_int_equal(dp_judge_ns_soa_serial(&w.ctx, &w.sv, &w.out), 0);
	r = result_of(&w, "ns.soa_serial", "ns2.glitter.kr/127.0.10.2");
	assert_int_equal(r->status, DP_STATUS_WARNING);
	assert_non_null(strstr(r->summary, "1 behind the newest 2026120101"));
	assert_int_equal(result_of(&w, "ns.soa_serial", "ns1.glitter.kr/127.0.10.1")->status,
			 DP_STATUS_OK);
	dp_results_clear(&w.out);
}

static void
test_serial_unreachable_names_address(void **state)
{
	struct world w;
	const struct dp_result *r;

	(void)state;
	world_init(&w);
	memset(&w.t[1].udp, 0, sizeof(w.t[1].udp));
	memset(&w.t[1].tcp, 0, sizeof(w.t[1].tcp));
	dp_snprintf(w.t[1].udp.error, sizeof(w.t[1].udp.error), "connection refused");
	dp_snprintf(w.t[1].tcp.error, sizeof(w.t[1].tcp.error), "connection refused");
	assert_int_equal(dp_judge_ns_soa_serial(&w.ctx, &w.sv, &w.out), 0);
	r = result_of(&w, "ns.soa_serial", "ns2.glitter.kr/127.0.10.2");
	assert_int_equal(r->status, DP_STATUS_CRITICAL);
	assert_non_null(strstr(r->summary, "127.0.10.2 unreachable"));
	assert_non_null(strstr(r->summary, "connection refused"));
	/* The other server's verdict does not change. */
	assert_int_equal(result_of(&w, "ns.soa_serial", "ns1.glitter.kr/127.0.10.1")->status,
			 DP_STATUS_OK);
	dp_results_clear(&w.out);
}

static void
test_delegation_healthy(void **state)
{
	struct world w;

	(void)state;
	world_init(&w);
	assert_int_equal(dp_judge_ns_delegation(&w.ctx, &w.sv, &w.out), 0);
	assert_int_equal(result_of(&w, "ns.delegation", "ns1.glitter.kr")->status, DP_STATUS_OK);
	assert_int_equal(result_of(&w, "ns.delegation", "ns2.glitter.kr/127.0.10.2")->status,
			 DP_STATUS_OK);
	dp_results_clear(&w.out);
}

static void
test_delegation_glue_mismatch(void **state)
{
	struct world w;
	const struct dp_result *r;

	(void)state;
	world_init(&w);
	assert_int_equal(dp_addr_parse("127.0.10.11", &w.glue[0]), 0);
	assert_int_equal(dp_judge_ns_delegation(&w.ctx, &w.sv, &w.out), 0);
	r = result_of(&w, "ns.delegation", "ns1.glitter.kr");
	assert_int_equal(r->status, DP_STATUS_WARNING);
	assert_non_null(strstr(r->summary, "but the zone says"));
	dp_results_clear(&w.out);
}

/* A timed-out A lookup is unknown: it is not read as the glue disagreeing with the zone. */
static void
test_delegation_failed_lookup_is_unknown(void **state)
{
	struct world w;
	const struct dp_result *r;
	char why[] = "ns1.glitter.kr A: rcode 2";

	(void)state;
	world_init(&w);
	w.ns[0].host.naddrs = 0;
	w.ns[0].host.failed_a = true;
	w.ns[0].host.error = why;
	assert_int_equal(dp_judge_ns_delegation(&w.ctx, &w.sv, &w.out), 0);
	r = result_of(&w, "ns.delegation", "ns1.glitter.kr");
	assert_int_equal(r->status, DP_STATUS_UNKNOWN);
	assert_non_null(strstr(r->summary, "not compared"));
	assert_null(strstr(r->summary, "but the zone says"));
	dp_results_clear(&w.out);
}

static void
test_delegation_lame(void **state)
{
	struct world w;
	const struct dp_result *r;

	(void)state;
	world_init(&w);
	w.t[1].udp.aa = false;
	w.t[1].udp.rcode = 5;
	w.t[1].tcp.aa = false;
	w.t[1].tcp.rcode = 5;
	assert_int_equal(dp_judge_ns_delegation(&w.ctx, &w.sv, &w.out), 0);
	r = result_of(&w, "ns.delegation", "ns2.glitter.kr/127.0.10.2");
	assert_int_equal(r->status, DP_STATUS_CRITICAL);
	assert_non_null(strstr(r->summary, "REFUSED"));
	dp_results_clear(&w.out);
}

/* The zone's NS lookup failed: at_child is unknown, so the NS sets are not compared (no name is
 * said to be missing from the zone's NS RRset). */
static void
test_delegation_ns_lookup_failed(void **state)
{
	struct world w;
	const struct dp_result *r;
	char why[] = "glitter.kr NS: SERVFAIL, no answer within 2000 ms";

	(void)state;
	world_init(&w);
	w.ns[0].at_child = w.ns[1].at_child = false;
	w.disc.child_ns_failed = true;
	w.disc.child_ns_error = why;
	assert_int_equal(dp_judge_ns_delegation(&w.ctx, &w.sv, &w.out), 0);
	r = result_of(&w, "ns.delegation", "glitter.kr");
	assert_int_equal(r->status, DP_STATUS_UNKNOWN);
	assert_non_null(strstr(r->summary, "not compared with the zone's: its NS lookup failed "
					   "(glitter.kr NS: SERVFAIL"));
	assert_null(strstr(r->summary, "does not"));
	assert_non_null(r->cause_id);
	assert_string_equal(r->cause_id, "dnssec.chain");
	dp_results_clear(&w.out);
	/* the same with a lookup that succeeded and was empty: the zone has no NS RRset (CRITICAL) */
	world_init(&w);
	w.ns[0].at_child = w.ns[1].at_child = false;
	assert_int_equal(dp_judge_ns_delegation(&w.ctx, &w.sv, &w.out), 0);
	assert_int_equal(result_of(&w, "ns.delegation", "glitter.kr")->status, DP_STATUS_CRITICAL);
	dp_results_clear(&w.out);
}

/* Endpoints never dropped: a failed MX lookup is one UNKNOWN "MX of DOMAIN"; an MX host whose A
 * lookup failed gets "25:HOST/IPv4" UNKNOWN beside its IPv6 address. */
static void
test_endpoints_unknown(void **state)
{
	struct world w;
	struct dp_host h = {0};
	struct dp_addr a6;
	char hn[] = "mail.glitter.kr";
	char herr[] = "mail.glitter.kr A: rcode 2, no answer within 2000 ms";
	char mxerr[] = "glitter.kr MX: SERVFAIL, no answer within 2000 ms";
	struct dp_tls_endpoint v[1];
	const struct dp_result *r;

	(void)state;
	world_init(&w);
	assert_int_equal(dp_addr_parse("::1", &a6), 0);
	h.name = hn;
	h.addrs = &a6;
	h.naddrs = 1;
	h.failed_a = true;
	h.error = herr;
	v[0] = (struct dp_tls_endpoint){.port = 25, .host = hn, .from_mx = true, .resolved = &h};
	assert_int_equal(dp_tls_endpoints_unchecked(&w.ctx, "dane.tlsa", "dnssec.chain", v, 1, &w.out), 0);
	assert_int_equal(w.out.n, 1);
	r = result_of(&w, "dane.tlsa", "25:mail.glitter.kr/IPv4");
	assert_int_equal(r->status, DP_STATUS_UNKNOWN);
	assert_non_null(strstr(r->summary, "not checked: the address lookup failed (mail.glitter.kr A"));
	assert_true(dp_host_lookup_failed(&h));
	dp_results_clear(&w.out);

	world_init(&w);
	w.disc.mx_failed = true;
	w.disc.mx_error = mxerr;
	assert_int_equal(dp_tls_endpoints_unchecked(&w.ctx, "tls.cert", "dnssec.chain", NULL, 0, &w.out), 0);
	r = result_of(&w, "tls.cert", "MX of glitter.kr");
	assert_int_equal(r->status, DP_STATUS_UNKNOWN);
	assert_non_null(strstr(r->summary, "the MX lookup failed (glitter.kr MX: SERVFAIL"));
	assert_string_equal(r->cause_id, "dnssec.chain");
	dp_results_clear(&w.out);

	/* nothing failed: nothing reported */
	world_init(&w);
	h.failed_a = false;
	assert_false(dp_host_lookup_failed(&h));
	assert_int_equal(dp_tls_endpoints_unchecked(&w.ctx, "dane.tlsa", "dnssec.chain", v, 1, &w.out), 0);
	assert_int_equal(w.out.n, 0);
	dp_results_clear(&w.out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_serial_agree),
	    cmocka_unit_test(test_serial_lagging),
	    cmocka_unit_test(test_serial_unreachable_names_address),
	    cmocka_unit_test(test_delegation_healthy),
	    cmocka_unit_test(test_delegation_glue_mismatch),
	    cmocka_unit_test(test_delegation_failed_lookup_is_unknown),
	    cmocka_unit_test(test_delegation_ns_lookup_failed),
	    cmocka_unit_test(test_endpoints_unknown),
	    cmocka_unit_test(test_delegation_lame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
