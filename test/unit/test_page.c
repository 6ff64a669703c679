/* Unit tests of the status pages: query parsing, worst-first order, filter, paging, the grouped
 * failing rows, the domain page, and escaping of what the network put in a summary. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/http.h"
#include "monitor/monitor.h"
#include "out/zjson.h"

static struct dp_report *
report(const char *domain, enum dp_status st, size_t nsubjects)
{
	struct dp_report *r = dp_report_new(domain);

	assert_non_null(r);
	assert_non_null(dp_results_add(&r->results, "dnssec.chain", domain, DP_STATUS_OK,
				       json_pack("{s:s}", "secure", "yes"), "%s: secure", domain));
	for (size_t i = 0; i < nsubjects; i++)
		assert_non_null(dp_results_add(&r->results, "dane.tlsa", "25:mail", st, NULL,
					       "TLSA <b>mismatch</b> on address %zu", i));
	assert_int_equal(dp_report_add_check(r, "dnssec.chain", "DNSSEC chain", 0.1, DP_STATUS_OK), 0);
	return r;
}

struct fixture {
	struct dp_metrics_domain dom[3];
	struct dp_view v;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dom[0] = (struct dp_metrics_domain){.domain = "a.kr", .rep = report("a.kr", DP_STATUS_OK, 1),
					       .finished = 1, .runs = 1};
	f->dom[1] = (struct dp_metrics_domain){.domain = "b.kr", .rep = report("b.kr", DP_STATUS_CRITICAL, 8),
					       .finished = 1, .runs = 1};
	f->dom[2] = (struct dp_metrics_domain){.domain = "c.kr"}; /* pending */
	f->v.dom = f->dom;
	f->v.n = 3;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < 3; i++)
		dp_report_free((struct dp_report *)f->dom[i].rep);
	free(f);
	return 0;
}

static void
test_query_parse(void **state)
{
	struct dp_page_query pq;
	struct dp_err err;

	(void)state;
	assert_int_equal(dp_page_query_parse(NULL, NULL, NULL, NULL, &pq, &err), 0);
	assert_int_equal(pq.state, DP_PAGE_ALL);
	assert_int_equal(pq.page, 1);
	assert_int_equal(pq.per_page, DP_PAGE_PER_PAGE);
	assert_int_equal(dp_page_query_parse("Glitter.KR", "CRITICAL", "3", "10", &pq, &err), 0);
	assert_string_equal(pq.q, "glitter.kr");
	assert_int_equal(pq.state, DP_STATUS_CRITICAL);
	assert_int_equal(pq.page, 3);
	assert_int_equal(pq.per_page, 10);
	assert_int_equal(dp_page_query_parse(NULL, "failing", NULL, NULL, &pq, &err), 0);
	assert_int_equal(pq.state, DP_PAGE_FAILING);
	assert_int_equal(dp_page_query_parse(NULL, "pending", NULL, NULL, &pq, &err), 0);
	assert_int_equal(pq.state, DP_PAGE_PENDING);
	assert_int_not_equal(dp_page_query_parse("<script>", NULL, NULL, NULL, &pq, &err), 0);
	assert_int_not_equal(dp_page_query_parse("a b", NULL, NULL, NULL, &pq, &err), 0);
	assert_int_not_equal(dp_page_query_parse(NULL, "bad", NULL, NULL, &pq, &err), 0);
	assert_int_not_equal(dp_page_query_parse(NULL, NULL, "0", NULL, &pq, &err), 0);
	assert_int_not_equal(dp_page_query_parse(NULL, NULL, "1x", NULL, &pq, &err), 0);
	assert_int_not_equal(dp_page_query_parse(NULL, NULL, NULL, "1001", &pq, &err), 0);
	assert_int_not_equal(dp_page_query_parse(NULL, NULL, NULL, "-1", &pq, &err), 0);
}

static char *
page(struct fixture *f, const char *q, const char *st, const char *pg, const char *n)
{
	struct dp_page_query pq;
	struct dp_err err;
	struct dp_sbuf b;

	assert_int_equal(dp_page_query_parse(q, st, pg, n, &pq, &err), 0);
	dp_sbuf_init(&b, 1 << 20);
	dp_http_status_page(&b, &f->v, &pq);
	assert_false(b.failed);
	return b.p;
}

static void
test_overview(void **state)
{
	struct fixture *f = *state;
	char *p = page(f, NULL, NULL, NULL, NULL);
	char *a = strstr(p, ">a.kr</a></th>"), *b = strstr(p, ">b.kr</a></th>"),
	     *c = strstr(p, ">c.kr</a></th>");

	/* Worst first: b (CRITICAL), then a (OK), then c (no run yet). */
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(b < a && a < c);
	/* Eight failing addresses of one check are one row naming five and "+3 more". */
	assert_non_null(strstr(p, "25:mail, 25:mail, 25:mail, 25:mail, 25:mail +3 more</td>"));
	assert_null(strstr(p, "<b>mismatch</b>")); /* escaped */
	assert_non_null(strstr(p, "TLSA &lt;b&gt;mismatch&lt;/b&gt;"));
	/* Only columns with results: no resolver.agreement column. */
	assert_null(strstr(p, ">resolver.agreement</th>"));
	assert_non_null(strstr(p, ">dane.tlsa</th>"));
	free(p);
}

static void
test_filter_paging(void **state)
{
	struct fixture *f = *state;
	char *p = page(f, "a.", NULL, NULL, NULL);

	assert_non_null(strstr(p, ">a.kr</a></th>"));
	assert_null(strstr(p, ">b.kr</a></th>"));
	free(p);
	p = page(f, NULL, "failing", NULL, NULL);
	assert_non_null(strstr(p, ">b.kr</a></th>"));
	assert_null(strstr(p, ">a.kr</a></th>"));
	assert_null(strstr(p, ">c.kr</a></th>"));
	free(p);
	p = page(f, NULL, "pending", NULL, NULL);
	assert_non_null(strstr(p, ">c.kr</a></th>"));
	assert_null(strstr(p, ">b.kr</a></th>"));
	free(p);
	p = page(f, NULL, NULL, "2", "1");
	assert_non_null(strstr(p, ">a.kr</a></th>"));
	assert_null(strstr(p, ">b.kr</a></th>"));
	assert_non_null(strstr(p, "page 2 of 3"));
	assert_non_null(strstr(p, "page=1\">&larr; previous</a>"));
	assert_non_null(strstr(p, "page=3\">next &rarr;</a>"));
	free(p);
	p = page(f, NULL, NULL, "9", "1"); /* past the end: an empty page, no crash */
	assert_non_null(strstr(p, "no domain matches"));
	free(p);
}

static void
test_domain_page(void **state)
{
	struct fixture *f = *state;
	struct dp_sbuf b;

	dp_sbuf_init(&b, 1 << 20);
	assert_true(dp_http_domain_page(&b, &f->v, "B.KR."));
	assert_non_null(strstr(b.p, "<h1>b.kr &mdash; <span class=\"CRITICAL\">CRITICAL</span></h1>"));
	/* The CRITICAL group comes before the OK one, each result with its details. */
	assert_true(strstr(b.p, "<h2 id=\"dane.tlsa\">") < strstr(b.p, "<h2 id=\"dnssec.chain\">"));
	assert_non_null(strstr(b.p, "&quot;secure&quot;: &quot;yes&quot;"));
	assert_non_null(strstr(b.p, "probe?debug=true&amp;target=b.kr"));
	dp_sbuf_clear(&b);
	dp_sbuf_init(&b, 1 << 20);
	assert_false(dp_http_domain_page(&b, &f->v, "nosuch.kr"));
	assert_false(dp_http_domain_page(&b, &f->v, "bad..name"));
	assert_true(dp_http_domain_page(&b, &f->v, "c.kr"));
	assert_non_null(strstr(b.p, "no run has finished yet"));
	dp_sbuf_clear(&b);
}

/* An unsigned zone: one cause (dnssec.chain), dependents in two other checks. */
static struct dp_report *
unsigned_report(const char *domain)
{
	struct dp_report *r = dp_report_new(domain);
	struct dp_result *x;

	assert_non_null(r);
	assert_non_null(dp_results_add(&r->results, "dnssec.chain", domain, DP_STATUS_CRITICAL, NULL,
				       "%s is insecure: no DS at the parent", domain));
	for (int i = 1; i <= 2; i++) {
		x = dp_results_add(&r->results, "dane.tlsa", i == 1 ? "25:mail/127.0.20.1" : "25:mail/::1",
				   DP_STATUS_CRITICAL, NULL, "DANE unusable: the TLSA RRset is insecure");
		assert_non_null(x);
		assert_int_equal(dp_result_set_cause(x, "dnssec.chain", domain), 0);
	}
	x = dp_results_add(&r->results, "dnssec.denial", domain, DP_STATUS_CRITICAL, NULL,
			   "insecure NXDOMAIN");
	assert_non_null(x);
	assert_int_equal(dp_result_set_cause(x, "dnssec.chain", domain), 0);
	assert_non_null(dp_results_add(&r->results, "caa", domain, DP_STATUS_WARNING, NULL,
				       "no CAA record"));
	dp_results_link_causes(&r->results);
	return r;
}

/* SPEC §2 cause on the pages: the domain page leads with the cause and its dependents, each
 * dependent links to it; the overview has one failing row for the cause (with how many follow)
 * and none for checks whose every failing result follows from it. */
static void
test_causes(void **state)
{
	struct dp_report *rep = unsigned_report("u.kr");
	struct dp_metrics_domain dom = {.domain = "u.kr", .rep = rep, .finished = 1, .runs = 1};
	struct dp_view v = {.dom = &dom, .n = 1};
	struct dp_page_query pq;
	struct dp_sbuf b;
	const char *causes, *chain_h2;

	(void)state;
	dp_sbuf_init(&b, 1 << 20);
	assert_true(dp_http_domain_page(&b, &v, "u.kr"));
	causes = strstr(b.p, "<h2>causes</h2>");
	assert_non_null(causes);
	assert_non_null(strstr(b.p, "<table id=\"cause-0\">"));
	assert_non_null(strstr(b.p, "dnssec.chain u.kr</th><th>u.kr is insecure: no DS at the parent "
				    "&mdash; 3 results follow from it</th>"));
	assert_non_null(strstr(causes, "dane.tlsa 25:mail/::1</td>"));
	chain_h2 = strstr(b.p, "<h2 id=\"dnssec.chain\">");
	assert_non_null(chain_h2);
	assert_true(causes < chain_h2); /* the cause leads */
	assert_non_null(strstr(b.p, "(follows from <a href=\"#cause-0\">dnssec.chain u.kr</a>)"));
	/* caa follows from nothing: not under the cause, no "follows from" */
	assert_null(strstr(causes, "caa u.kr"));
	dp_sbuf_clear(&b);

	dp_sbuf_init(&b, 1 << 20);
	{
		struct dp_err err = {0};

		assert_int_equal(dp_page_query_parse(NULL, "failing", NULL, NULL, &pq, &err), 0);
	}
	dp_http_status_page(&b, &v, &pq);
	assert_non_null(strstr(b.p, "(+3 results following from it)"));
	assert_null(strstr(b.p, "<td>dane.tlsa</td>"));
	assert_null(strstr(b.p, "<td>dnssec.denial</td>"));
	assert_non_null(strstr(b.p, "<td>caa</td>"));
	dp_sbuf_clear(&b);
	dp_report_free(rep);
}

/* SPEC §1: an IDN shows as A-label and U-label on both pages; the link keeps the A-label. */
static void
test_idn(void **state)
{
	struct dp_report *rep = report("xn--3e0b707e.kr", DP_STATUS_OK, 1);
	struct dp_metrics_domain dom = {.domain = "xn--3e0b707e.kr", .rep = rep, .finished = 1,
					.runs = 1};
	struct dp_view v = {.dom = &dom, .n = 1};
	struct dp_page_query pq;
	struct dp_err err = {0};
	struct dp_sbuf b;

	(void)state;
	dp_sbuf_init(&b, 1 << 20);
	assert_true(dp_http_domain_page(&b, &v, "xn--3e0b707e.kr"));
	assert_non_null(strstr(b.p, "<h1>xn--3e0b707e.kr (\xed\x95\x9c\xea\xb5\xad.kr) &mdash;"));
	dp_sbuf_clear(&b);
	dp_sbuf_init(&b, 1 << 20);
	assert_int_equal(dp_page_query_parse(NULL, NULL, NULL, NULL, &pq, &err), 0);
	dp_http_status_page(&b, &v, &pq);
	assert_non_null(strstr(b.p, "<a href=\"domain/xn--3e0b707e.kr\">xn--3e0b707e.kr "
				    "(\xed\x95\x9c\xea\xb5\xad.kr)</a>"));
	dp_sbuf_clear(&b);
	/* an ASCII name is shown once */
	dp_sbuf_init(&b, 1 << 20);
	dom.domain = "a.kr";
	dp_http_status_page(&b, &v, &pq);
	assert_non_null(strstr(b.p, "<a href=\"domain/a.kr\">a.kr</a>"));
	dp_sbuf_clear(&b);
	dp_report_free(rep);
}

/* The recorded lab report of glitter.kr as the monitor keeps it: a snapshot (pruned details,
 * the whole report packed), with a fix line added to one dane.tlsa result. */
static struct dp_snap *
recorded_snap(const char *hostile)
{
	json_error_t e;
	json_t *j = json_load_file(DP_TESTDATA "/glitter-report.json", 0, &e);
	struct dp_report *r;
	char why[200];
	size_t i;
	json_t *c;

	if (j == NULL)
		fail_msg("%s: %s", DP_TESTDATA "/glitter-report.json", e.text);
	json_array_foreach(json_object_get(j, "checks"), i, c) {
		if (strcmp(json_string_value(json_object_get(c, "id")), "dane.tlsa") == 0) {
			json_object_set_new(c, "fix",
					    json_pack("[s]", "_25._tcp.mail.glitter.kr. 3600 IN TLSA "
							     "3 1 1 00ff"));
			if (hostile != NULL)
				json_object_set_new(json_object_get(c, "details"), "banner",
						    json_string(hostile));
			break;
		}
	}
	r = dp_report_from_json(j, why, sizeof(why));
	json_decref(j);
	assert_non_null(r);
	return dp_snap_new(r, NULL, 1000, false);
}

/* Issue 14: /domain/NAME shows the whole last report — details the snapshot prunes (a dane.tlsa
 * result's matched record and connection, the discovery), the fix lines — from the packed copy;
 * the same page over the pruned snapshot alone lacks them (the test would go red). */
static void
test_full_report(void **state)
{
	struct dp_snap *s = recorded_snap(NULL);
	struct dp_metrics_domain dom = {.domain = "glitter.kr", .rep = s->rep, .since = s->since,
					.full = &s->full, .finished = 1000, .runs = 1};
	struct dp_view v = {.dom = &dom, .n = 1};
	struct dp_sbuf b;

	(void)state;
	assert_non_null(s->full.z);
	/* what the snapshot itself keeps: no matched_record, no discovery */
	for (size_t i = 0; i < s->rep->results.n; i++)
		assert_null(json_object_get(s->rep->results.v[i].details, "matched_record"));
	assert_null(s->rep->discovery);
	dp_sbuf_init(&b, 4 << 20);
	assert_true(dp_http_domain_page(&b, &v, "glitter.kr"));
	assert_null(strstr(b.p, "<p class=\"warn\">"));
	assert_non_null(strstr(b.p, "&quot;matched_record&quot;"));
	assert_non_null(strstr(b.p, "&quot;connection&quot;"));
	assert_non_null(strstr(b.p, "<h2 id=\"discovery\">discovery</h2>"));
	assert_non_null(strstr(b.p, "&quot;parent_servers&quot;"));
	assert_non_null(strstr(b.p, "<div class=\"fix\">fix: <code>_25._tcp.mail.glitter.kr. 3600 IN "
				    "TLSA 3 1 1 00ff</code></div>"));
	dp_sbuf_clear(&b);
	/* without the packed copy: a warning, the pruned details, still the fix line */
	dom.full = NULL;
	dp_sbuf_init(&b, 4 << 20);
	assert_true(dp_http_domain_page(&b, &v, "glitter.kr"));
	assert_non_null(strstr(b.p, "<p class=\"warn\">The full report of this run is not available "
				    "(no packed report)"));
	assert_null(strstr(b.p, "&quot;matched_record&quot;"));
	assert_null(strstr(b.p, "<h2 id=\"discovery\">"));
	assert_non_null(strstr(b.p, "<div class=\"fix\">fix: "));
	dp_sbuf_clear(&b);
	dp_snap_unref(s);
}

/* What a server sent, in a detail only the full report has, is escaped on the page. */
static void
test_full_escaped(void **state)
{
	struct dp_snap *s = recorded_snap("220 <script>alert(1)</script> & \"x\"");
	struct dp_metrics_domain dom = {.domain = "glitter.kr", .rep = s->rep, .since = s->since,
					.full = &s->full, .finished = 1000, .runs = 1};
	struct dp_view v = {.dom = &dom, .n = 1};
	struct dp_sbuf b;

	(void)state;
	dp_sbuf_init(&b, 4 << 20);
	assert_true(dp_http_domain_page(&b, &v, "glitter.kr"));
	assert_null(strstr(b.p, "<script>"));
	assert_non_null(strstr(b.p, "220 &lt;script&gt;alert(1)&lt;/script&gt; &amp; "));
	dp_sbuf_clear(&b);
	dp_snap_unref(s);
}

/* A corrupt or foreign packed copy: the page says why and falls back to the pruned details. */
static void
test_full_degraded(void **state)
{
	struct dp_snap *s = recorded_snap(NULL);
	struct dp_zjson bad = s->full;
	struct dp_metrics_domain dom = {.domain = "glitter.kr", .rep = s->rep, .since = s->since,
					.full = &bad, .finished = 1000, .runs = 1};
	struct dp_view v = {.dom = &dom, .n = 1};
	struct dp_report *other = report("glitter.kr", DP_STATUS_OK, 1);
	json_t *oj;
	struct dp_zjson oz;
	struct dp_sbuf b;

	(void)state;
	bad.z = malloc(s->full.zlen);
	memcpy(bad.z, s->full.z, s->full.zlen);
	bad.z[bad.zlen / 3] ^= 0xff;
	dp_sbuf_init(&b, 4 << 20);
	assert_true(dp_http_domain_page(&b, &v, "glitter.kr"));
	assert_non_null(strstr(b.p, "<p class=\"warn\">The full report of this run is not available "
				    "(packed report is corrupt"));
	assert_non_null(strstr(b.p, "<h2 id=\"dane.tlsa\">"));
	dp_sbuf_clear(&b);
	free(bad.z);
	/* a packed report of another run (other results): not shown against this snapshot */
	oj = dp_report_to_json(other);
	assert_int_equal(dp_zjson_pack(oj, &oz), 0);
	dom.full = &oz;
	dp_sbuf_init(&b, 4 << 20);
	assert_true(dp_http_domain_page(&b, &v, "glitter.kr"));
	assert_non_null(strstr(b.p, "(the packed report is not the last run&#39;s)"));
	dp_sbuf_clear(&b);
	dp_zjson_clear(&oz);
	json_decref(oj);
	dp_report_free(other);
	dp_snap_unref(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_query_parse),
	    cmocka_unit_test_setup_teardown(test_overview, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_filter_paging, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_domain_page, setup, teardown),
	    cmocka_unit_test(test_causes),
	    cmocka_unit_test(test_idn),
	    cmocka_unit_test(test_full_report),
	    cmocka_unit_test(test_full_escaped),
	    cmocka_unit_test(test_full_degraded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
