/* Unit tests of the result model and the three renderers (text, Nagios, JSON) on built reports. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "dnsprobe/result.h"

/* A report of three checks: one OK, one WARNING, one CRITICAL with a '|' in its summary. */
static struct dp_report *
sample(void)
{
	struct dp_report *r = dp_report_new("glitter.kr");

	assert_non_null(r);
	r->started = 1764604800; /* 2025-12-01T16:00:00Z */
	r->duration = 1.25;
	assert_non_null(dp_results_add(&r->results, "caa", "glitter.kr", DP_STATUS_OK, NULL,
				       "CAA allows %s", "letsencrypt.org"));
	assert_non_null(dp_results_add(&r->results, "ns.soa_serial", "ns3.glitter.kr/127.0.10.3",
				       DP_STATUS_WARNING,
				       json_pack("{s:i, s:i}", "soa_serial", 2026112201,
						 "soa_serial_spread", 3),
				       "ns3.glitter.kr/127.0.10.3: serial 2026112201 behind 2026112204"));
	assert_int_equal(dp_report_add_timing(r, "resolver.agreement", 0.0, DP_STATUS_OK), 0);
	assert_non_null(dp_results_add(&r->results, "dnssec.chain", "glitter.kr",
				       DP_STATUS_CRITICAL, json_pack("{s:i}", "rrsig_min_remaining", 7200),
				       "SOA bogus | signature expired"));
	assert_int_equal(dp_report_add_timing(r, "caa", 0.01, DP_STATUS_OK), 0);
	assert_int_equal(dp_report_add_timing(r, "ns.soa_serial", 0.02, DP_STATUS_WARNING), 0);
	assert_int_equal(dp_report_add_timing(r, "dnssec.chain", 0.5, DP_STATUS_CRITICAL), 0);
	return r;
}

/* Render r with fn into a NUL-terminated heap string. */
static char *
render(int (*fn)(FILE *, const struct dp_report *, const struct dp_render_opts *),
       const struct dp_report *r, int verbose)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct dp_render_opts o = {.verbose = verbose, .colour = false};

	assert_non_null(f);
	assert_int_equal(fn(f, r, &o), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
test_worst_order(void **state)
{
	(void)state;
	/* monitoring-plugins order: CRITICAL > WARNING > UNKNOWN > OK */
	assert_int_equal(dp_status_worst(DP_STATUS_OK, DP_STATUS_UNKNOWN), DP_STATUS_UNKNOWN);
	assert_int_equal(dp_status_worst(DP_STATUS_UNKNOWN, DP_STATUS_WARNING), DP_STATUS_WARNING);
	assert_int_equal(dp_status_worst(DP_STATUS_CRITICAL, DP_STATUS_WARNING), DP_STATUS_CRITICAL);
	assert_int_equal(dp_status_worst(DP_STATUS_CRITICAL, DP_STATUS_UNKNOWN), DP_STATUS_CRITICAL);
	assert_string_equal(dp_status_str(DP_STATUS_UNKNOWN), "UNKNOWN");
}

static void
test_results_worst_and_sort(void **state)
{
	struct dp_results rs;

	(void)state;
	dp_results_init(&rs);
	assert_int_equal(dp_results_worst(&rs), DP_STATUS_OK);
	assert_non_null(dp_results_add(&rs, "a", "1", DP_STATUS_OK, NULL, "one"));
	assert_non_null(dp_results_add(&rs, "a", "2", DP_STATUS_UNKNOWN, NULL, "two"));
	assert_non_null(dp_results_add(&rs, "b", "3", DP_STATUS_WARNING, NULL, "three"));
	assert_non_null(dp_results_add(&rs, "b", "4", DP_STATUS_OK, NULL, "four"));
	assert_non_null(dp_results_add(&rs, "c", "5", DP_STATUS_WARNING, NULL, "five %d", 5));
	assert_int_equal(dp_results_worst(&rs), DP_STATUS_WARNING);
	dp_results_sort(&rs);
	/* worst first, stable within a status */
	assert_string_equal(rs.v[0].subject, "3");
	assert_string_equal(rs.v[1].subject, "5");
	assert_string_equal(rs.v[1].summary, "five 5");
	assert_string_equal(rs.v[2].subject, "2");
	assert_string_equal(rs.v[3].subject, "1");
	assert_string_equal(rs.v[4].subject, "4");
	assert_true(json_is_object(rs.v[0].details));
	dp_results_clear(&rs);
	assert_int_equal(rs.n, 0);
	dp_results_clear(NULL);
}

static void
test_results_take(void **state)
{
	struct dp_results a;
	struct dp_results b;

	(void)state;
	dp_results_init(&a);
	dp_results_init(&b);
	assert_non_null(dp_results_add(&a, "x", "1", DP_STATUS_OK, NULL, "a1"));
	for (int i = 0; i < 100; i++)
		assert_non_null(dp_results_add(&b, "y", "s", DP_STATUS_CRITICAL, NULL, "b%d", i));
	assert_int_equal(dp_results_take(&a, &b), 0);
	assert_int_equal(a.n, 101);
	assert_int_equal(b.n, 0);
	assert_string_equal(a.v[100].summary, "b99");
	assert_int_equal(dp_results_worst(&a), DP_STATUS_CRITICAL);
	dp_results_clear(&a);
	dp_results_clear(&b);
}

static void
test_json(void **state)
{
	struct dp_report *r = sample();
	char *out = render(dp_render_json, r, 0);
	json_error_t e;
	json_t *j = json_loads(out, 0, &e);
	json_t *checks;

	(void)state;
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "domain")), "glitter.kr");
	assert_string_equal(json_string_value(json_object_get(j, "status")), "CRITICAL");
	assert_string_equal(json_string_value(json_object_get(j, "started")),
			    "2025-12-01T16:00:00Z");
	assert_true(json_real_value(json_object_get(j, "duration_seconds")) > 1.2);
	checks = json_object_get(j, "checks");
	assert_int_equal(json_array_size(checks), 3);
	for (size_t i = 0; i < 3; i++) {
		json_t *c = json_array_get(checks, i);

		assert_non_null(json_object_get(c, "id"));
		assert_non_null(json_object_get(c, "subject"));
		assert_non_null(json_object_get(c, "status"));
		assert_non_null(json_object_get(c, "summary"));
		assert_true(json_is_object(json_object_get(c, "details")));
	}
	json_decref(j);
	free(out);
	dp_report_free(r);
}

static void
test_nagios(void **state)
{
	struct dp_report *r = sample();
	char *out = render(dp_render_nagios, r, 0);
	char *nl = strchr(out, '\n');
	char *bar;

	(void)state;
	assert_non_null(nl);
	*nl = '\0';
	/* status line: "DNSPROBE STATE - domain: worst problem | perfdata" */
	assert_true(strncmp(out, "DNSPROBE CRITICAL - glitter.kr: dnssec.chain glitter.kr: ", 57) == 0);
	assert_true(strlen(out) < 200);
	bar = strchr(out, '|');
	assert_non_null(bar);
	/* the summary's own '|' must not start the perfdata early */
	assert_null(strchr(bar + 1, '|'));
	assert_non_null(strstr(out, "SOA bogus / signature expired"));
	/* critical before warning on the status line */
	assert_true(strstr(out, "dnssec.chain ") < strstr(out, "ns.soa_serial "));
	assert_non_null(strstr(out, "; ns.soa_serial ns3.glitter.kr/127.0.10.3: serial 2026112201"));
	/* without thresholds (no options given): value, UOM and min only; what does not fit the
	 * status line follows the long output */
	assert_non_null(strstr(bar, " rrsig_min_remaining=7200s"));
	*nl = '\n';
	assert_non_null(strstr(out, " soa_serial_spread=3;;;0"));
	assert_non_null(strstr(out, " check_duration=1.250s;;;0"));
	assert_non_null(strstr(out, " checks_critical=1;;0;0 checks_warning=1;0;;0"));
	/* long output: one line per result, worst first */
	assert_true(strncmp(nl + 1, "[CRITICAL] dnssec.chain glitter.kr: ", 36) == 0);
	assert_non_null(strstr(nl + 1, "\n[OK] caa glitter.kr: CAA allows letsencrypt.org | "
					"soa_serial_spread=3;;;0 "));
	assert_non_null(strstr(nl + 1, "\n[WARNING] ns.soa_serial ns3.glitter.kr/127.0.10.3: "));

	free(out);
	dp_report_free(r);
}

/* Issue 15 item 5: ready-to-paste zone-file lines in the long output, one "fix:" line under
 * the finding, with '|' and line breaks defused, and the perfdata still after the last line. */
static void
test_nagios_fix(void **state)
{
	struct dp_report *r = sample();
	char *out;
	char *w, *c;

	(void)state;
	for (size_t i = 0; i < r->results.n; i++) {
		struct dp_result *x = &r->results.v[i];

		if (strcmp(x->id, "ns.soa_serial") == 0)
			assert_int_equal(dp_result_add_fix(x, "glitter.kr. 3600 IN TLSA 3 1 1 ab|cd\nxx"), 0);
		if (strcmp(x->id, "caa") == 0) {
			assert_int_equal(dp_result_add_fix(x, "glitter.kr. IN CAA 0 issue \"a\""), 0);
			assert_int_equal(dp_result_add_fix(x, "glitter.kr. IN CAA 0 iodef \"b\""), 0);
		}
	}
	out = render(dp_render_nagios, r, 0);
	w = strstr(out, "\n[WARNING] ns.soa_serial ");
	assert_non_null(w);
	c = strstr(w + 1, "\n");
	assert_non_null(c);
	{
		const char *want = "\n    fix: glitter.kr. 3600 IN TLSA 3 1 1 ab/cd xx\n";

		assert_true(strncmp(c, want, strlen(want)) == 0);
	}
	/* the last result's fix lines come before the perfdata that ends the long output */
	assert_non_null(strstr(out, "\n[OK] caa glitter.kr: CAA allows letsencrypt.org\n"
				    "    fix: glitter.kr. IN CAA 0 issue \"a\"\n"
				    "    fix: glitter.kr. IN CAA 0 iodef \"b\" | soa_serial_spread=3;;;0 "));
	/* only the status line and the last line carry a '|' */
	c = strchr(out, '\n');
	assert_non_null(c);
	assert_true(strchr(c + 1, '|') == strstr(c + 1, " | soa_serial_spread") + 1);
	free(out);
	dp_report_free(r);
}

/* Render r as Nagios output with these thresholds (not inlined: gcc 12 takes the memstream's
 * buffer for a dangling local). */
__attribute__((noinline)) static char *
render_limits(const struct dp_report *r, const struct dp_render_limits *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct dp_render_opts o = {.limits = *t};

	assert_non_null(f);
	assert_int_equal(dp_render_nagios(f, r, &o), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* Issue 14: the rotated certificate's summary (two SHA-256 digests) makes a status line under
 * 200 bytes with 8-character digests, and thresholds fill perfdata's warn and crit. */
static void
test_nagios_short_line(void **state)
{
	struct dp_report *r = dp_report_new("glitter.kr");
	struct dp_render_limits t = {.set = true,
				     .rrsig_warn = 259200,
				  .rrsig_crit = 86400,
				  .cert_warn = 1209600,
				  .cert_crit = 259200,
				  .serial_lag_warn = 0,
				  .serial_lag_crit = 5,
				  .timeout_s = 50};
	const char *digest = "34b6bc687cde52500f24601bec04643401cd27d3d60d0dee3296336a1a4f71a0";
	char *out;
	char *nl;
	char *last;

	(void)state;
	r->duration = 0.438;
	for (int k = 1; k <= 2; k++) {
		assert_non_null(dp_results_add(
		    &r->results, "dane.tlsa", k == 1 ? "25:mail.glitter.kr/127.0.20.1" : "25:mail.glitter.kr/::1",
		    DP_STATUS_CRITICAL, NULL,
		    "no TLSA record at _25._tcp.mail.glitter.kr matches the certificate presented (SPKI "
		    "SHA-256 %s; records 3 1 1 aed25170e2e57d02...): no matching DANE TLSA records",
		    digest));
	}
	assert_non_null(dp_results_add(&r->results, "dnssec.rrsig_expiry", "ns1.glitter.kr/127.0.10.1",
				       DP_STATUS_OK, json_pack("{s:i}", "rrsig_min_remaining", 2591989),
				       "ok"));
	assert_non_null(dp_results_add(&r->results, "ns.soa_serial", "glitter.kr", DP_STATUS_WARNING,
				       json_pack("{s:i}", "soa_serial_spread", 1), "ns3 lags 1"));
	assert_non_null(dp_results_add(&r->results, "tls.cert", "25:mail.glitter.kr/127.0.20.1",
				       DP_STATUS_OK, json_pack("{s:i}", "cert_min_remaining", 34297464),
				       "ok"));
	assert_int_equal(dp_report_add_timing(r, "dane.tlsa", 0.1, DP_STATUS_CRITICAL), 0);
	assert_int_equal(dp_report_add_timing(r, "ns.soa_serial", 0.1, DP_STATUS_WARNING), 0);
	out = render_limits(r, &t);
	nl = strchr(out, '\n');
	assert_non_null(nl);
	*nl = '\0';
	assert_true(strlen(out) < 200);
	assert_true(strncmp(out, "DNSPROBE CRITICAL - glitter.kr: dane.tlsa 25:mail.glitter.kr/127.0.20.1: "
				 "no TLSA record", 86) == 0);
	assert_non_null(strstr(out, "(SPKI SHA-256 34b6bc68...; records 3"));
	assert_non_null(strstr(out, "... (+1 more)"));
	assert_null(strstr(out, digest));
	assert_null(strstr(out, "aed25170e2e5"));
	/* perfdata: the first items on the status line, the rest after the long output's last
	 * line (Nagios plugin API), together all six with their thresholds */
	*nl = '\n';
	assert_non_null(strstr(out, "rrsig_min_remaining=2591989s;259200:;86400:"));
	assert_non_null(strstr(out, "\n[CRITICAL] dane.tlsa 25:mail.glitter.kr/::1: no TLSA record at "
				    "_25._tcp.mail.glitter.kr matches the certificate presented (SPKI "
				    "SHA-256 34b6bc687cde52500f24601bec04643401cd27d3d60d0dee3296336a1a4f71a0"));
	assert_non_null(strstr(out, "soa_serial_spread=1;0;5;0"));
	assert_non_null(strstr(out, "cert_min_remaining=34297464s;1209600:;259200:"));
	assert_non_null(strstr(out, "checks_critical=2;;0;0"));
	assert_non_null(strstr(out, "checks_warning=1;0;;0"));
	assert_non_null(strstr(out, "check_duration=0.438s;;;0;50\n"));
	last = strrchr(out, '\n');
	*last = '\0';
	last = strrchr(out, '\n');
	assert_non_null(last);
	/* the last long-output line carries the rest after a '|' */
	assert_true(strncmp(last + 1, "[OK] tls.cert ", 14) == 0);
	assert_non_null(strstr(last, ": ok | "));
	assert_non_null(strstr(last, "check_duration=0.438s;;;0;50"));
	free(out);
	dp_report_free(r);
}

/* A cut summary ends on a UTF-8 character boundary, with "...". */
static void
test_nagios_cut_utf8(void **state)
{
	struct dp_report *r = dp_report_new("xn--9d0bm53a3xbzui.kr");
	const char *sum;
	char *out;
	char *nl;

	(void)state;
	assert_non_null(dp_results_add(&r->results, "caa", "xn--9d0bm53a3xbzui.kr",
				       DP_STATUS_WARNING, NULL,
				       "%s", "글리터글리터글리터글리터글리터글리터글리터글리터글리터글리터"
				       "글리터글리터글리터글리터글리터글리터글리터글리터글리터글리터"));
	assert_int_equal(dp_report_add_timing(r, "caa", 0.1, DP_STATUS_WARNING), 0);
	out = render(dp_render_nagios, r, 0);
	nl = strchr(out, '\n');
	*nl = '\0';
	assert_true(strlen(out) < 200);
	assert_string_equal(out + strlen(out) - 3, "...");
	/* every byte before "..." completes a character: 글 is 3 bytes */
	sum = strstr(out, "caa xn--9d0bm53a3xbzui.kr: ") + strlen("caa xn--9d0bm53a3xbzui.kr: ");
	assert_int_equal((strlen(sum) - 3) % 3, 0);
	free(out);
	dp_report_free(r);
}

static void
test_nagios_all_ok(void **state)
{
	struct dp_report *r = dp_report_new("glitter.kr");
	char *out;

	(void)state;
	assert_non_null(dp_results_add(&r->results, "caa", "glitter.kr", DP_STATUS_OK, NULL, "ok"));
	assert_int_equal(dp_report_add_timing(r, "caa", 0.01, DP_STATUS_OK), 0);
	/* a check that ran and said nothing is not counted */
	assert_int_equal(dp_report_add_timing(r, "resolver.agreement", 0.0, DP_STATUS_OK), 0);
	out = render(dp_render_nagios, r, 0);
	assert_true(strncmp(out, "DNSPROBE OK - glitter.kr: all 1 checks OK (1 results) |", 55) == 0);
	free(out);
	dp_report_free(r);
}

static void
test_nagios_grouped(void **state)
{
	struct dp_report *r = dp_report_new("glitter.kr");
	const char *ids[] = {"a.one", "b.two", "c.three", "d.four"};
	char *out;
	char *nl;

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		for (int k = 0; k < 3; k++)
			assert_non_null(dp_results_add(&r->results, ids[i], "s", k == 1 ?
						       DP_STATUS_CRITICAL : DP_STATUS_WARNING,
						       NULL, "%s problem %d", ids[i], k));
		assert_int_equal(dp_report_add_timing(r, ids[i], 0.1, DP_STATUS_CRITICAL), 0);
	}
	out = render(dp_render_nagios, r, 0);
	nl = strchr(out, '\n');
	*nl = '\0';
	/* one entry per check naming its worst result, as many as fit */
	assert_non_null(strstr(out, "a.one s: a.one problem 1 (+2 more); b.two s: b.two problem 1"));
	assert_null(strstr(out, "problem 0"));
	assert_null(strstr(out, "d.four problem"));
	assert_non_null(strstr(out, "; c.three s: c.three problem 1 (+2 more); and 1 more checks |"));
	assert_non_null(strstr(out, "| checks_critical=4;;0;0"));
	assert_true(strlen(out) < 200);
	free(out);
	dp_report_free(r);
}

static void
test_text(void **state)
{
	struct dp_report *r = sample();
	char *out = render(dp_render_text, r, 0);
	char *v;

	(void)state;
	assert_non_null(strstr(out, "glitter.kr — CRITICAL (1 critical, 1 warning, 0 unknown, 1 ok)"));
	/* groups worst first, no colour when not asked */
	assert_true(strstr(out, "\ndnssec.chain") < strstr(out, "\nns.soa_serial"));
	assert_true(strstr(out, "\nns.soa_serial") < strstr(out, "\ncaa"));
	assert_non_null(strstr(out, "[CRIT] glitter.kr: SOA bogus | signature expired"));
	assert_null(strchr(out, '\033'));
	/* a summary that repeats the subject is not shown twice */
	assert_non_null(strstr(out, "[WARN] ns3.glitter.kr/127.0.10.3: serial 2026112201 behind"));
	/* a check without results gets no group */
	assert_null(strstr(out, "resolver.agreement"));
	/* details only with -v */
	assert_null(strstr(out, "soa_serial:"));
	v = render(dp_render_text, r, 1);
	assert_non_null(strstr(v, "soa_serial: 2026112201"));
	free(v);
	free(out);
	dp_report_free(r);
}

/* A result's ready-to-paste fix: JSON "fix" (only where there is one), text lines under it. */
static void
test_fix(void **state)
{
	struct dp_report *r = sample();
	struct dp_result *x;
	json_error_t e;
	json_t *j;
	json_t *checks;
	char *out;

	(void)state;
	x = dp_results_add(&r->results, "dane.tlsa", "25:mail.glitter.kr/127.0.20.1",
			   DP_STATUS_CRITICAL, NULL, "no TLSA record matches");
	assert_int_equal(dp_result_add_fix(x, "_25._tcp.mail.glitter.kr. %u IN TLSA 3 1 1 %s", 3600,
					   "9f2c"),
			 0);
	assert_int_equal(dp_result_add_fix(x, "%s", "second line"), 0);
	assert_int_equal(dp_result_add_fix(NULL, "%s", "x"), DP_ENOMEM);
	assert_int_equal(dp_report_add_timing(r, "dane.tlsa", 0.1, DP_STATUS_CRITICAL), 0);
	out = render(dp_render_json, r, 0);
	j = json_loads(out, 0, &e);
	assert_non_null(j);
	checks = json_object_get(j, "checks");
	assert_null(json_object_get(json_array_get(checks, 0), "fix"));
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(json_array_get(checks, 3), "fix"), 0)),
	    "_25._tcp.mail.glitter.kr. 3600 IN TLSA 3 1 1 9f2c");
	assert_int_equal(json_array_size(json_object_get(json_array_get(checks, 3), "fix")), 2);
	json_decref(j);
	free(out);
	out = render(dp_render_text, r, 0);
	assert_non_null(strstr(out, "no TLSA record matches\n         fix: _25._tcp.mail.glitter.kr. "
				    "3600 IN TLSA 3 1 1 9f2c\n         fix: second line\n"));
	free(out);
	dp_report_free(r);
}

static void
test_output_names(void **state)
{
	(void)state;
	assert_int_equal(dp_output_parse("text"), DP_OUTPUT_TEXT);
	assert_int_equal(dp_output_parse("nagios"), DP_OUTPUT_NAGIOS);
	assert_int_equal(dp_output_parse("json"), DP_OUTPUT_JSON);
	assert_int_equal(dp_output_parse("xml"), -1);
	assert_int_equal(dp_output_parse(""), -1);
	assert_string_equal(dp_output_str(DP_OUTPUT_JSON), "json");
}

/* Add a result that claims (cid, csubj) as its cause (cid NULL: none). */
static struct dp_result *
add_c(struct dp_results *rs, const char *id, const char *subj, enum dp_status st, const char *cid,
      const char *csubj)
{
	struct dp_result *x = dp_results_add(rs, id, subj, st, NULL, "%s %s", id, subj);

	assert_non_null(x);
	if (cid != NULL)
		assert_int_equal(dp_result_set_cause(x, cid, csubj), 0);
	return x;
}

static const char *
cause_id(const struct dp_results *rs, size_t i)
{
	const struct dp_result *c = dp_results_cause_of(rs, &rs->v[i]);

	return c != NULL ? c->id : "-";
}

/* SPEC §2 cause: claims resolve to the root; void claims (absent, OK, self, cycles) go. */
static void
test_cause_link(void **state)
{
	struct dp_results rs;

	(void)state;
	dp_results_init(&rs);
	add_c(&rs, "dnssec.chain", "glitter.kr", DP_STATUS_CRITICAL, NULL, NULL);		  /* 0 */
	add_c(&rs, "dane.tlsa", "25:mail", DP_STATUS_CRITICAL, "dnssec.chain", "glitter.kr");	  /* 1 */
	add_c(&rs, "tls.cert", "25:mail", DP_STATUS_WARNING, "dane.tlsa", "25:mail");		  /* 2 */
	add_c(&rs, "dnssec.keys", "glitter.kr", DP_STATUS_CRITICAL, "dnssec.chain", "nowhere"); /* 3 */
	add_c(&rs, "caa", "glitter.kr", DP_STATUS_OK, NULL, NULL);				  /* 4 */
	add_c(&rs, "tls_rpt", "glitter.kr", DP_STATUS_WARNING, "caa", "glitter.kr");		  /* 5 */
	add_c(&rs, "ns.hygiene", "x", DP_STATUS_CRITICAL, "ns.hygiene", "x");			  /* 6 */
	add_c(&rs, "h", "1", DP_STATUS_CRITICAL, "i", "1");					  /* 7 */
	add_c(&rs, "i", "1", DP_STATUS_CRITICAL, "h", "1");					  /* 8 */
	add_c(&rs, "j", "1", DP_STATUS_UNKNOWN, "h", "1");					  /* 9 */
	add_c(&rs, "k", "1", DP_STATUS_UNKNOWN, "dnssec.chain", "glitter.kr");		  /* 10 */
	dp_results_link_causes(&rs);
	assert_string_equal(cause_id(&rs, 0), "-");
	assert_string_equal(cause_id(&rs, 1), "dnssec.chain");
	/* a chain of claims points at its root */
	assert_string_equal(cause_id(&rs, 2), "dnssec.chain");
	assert_string_equal(rs.v[2].cause_subject, "glitter.kr");
	assert_string_equal(cause_id(&rs, 3), "-"); /* no such result */
	assert_null(rs.v[3].cause_id);
	assert_string_equal(cause_id(&rs, 5), "-"); /* the claimed cause is OK */
	assert_null(rs.v[5].cause_id);
	assert_null(rs.v[6].cause_id); /* itself */
	assert_null(rs.v[7].cause_id); /* a cycle */
	assert_null(rs.v[8].cause_id);
	assert_null(rs.v[9].cause_id); /* claims into a cycle */
	assert_string_equal(cause_id(&rs, 10), "dnssec.chain");
	assert_int_equal(dp_results_dependents(&rs, &rs.v[0]), 3);
	assert_int_equal(dp_results_dependents(&rs, &rs.v[1]), 0);
	/* linking twice changes nothing */
	dp_results_link_causes(&rs);
	assert_int_equal(dp_results_dependents(&rs, &rs.v[0]), 3);
	dp_results_clear(&rs);
}

/* A compacted report renders the same in every output, and frees without a leak or a double
 * free (under the sanitizers); its strings lie in one block, shared where they repeat. */
static void
test_compact(void **state)
{
	struct dp_report *r = sample();
	struct dp_result *x;
	char *before[3], *after[3];

	(void)state;
	x = dp_results_add(&r->results, "dnssec.chain", "ns1.glitter.kr/127.0.10.1",
	                   DP_STATUS_WARNING, NULL, "follows");
	assert_non_null(x);
	assert_int_equal(dp_result_set_cause(x, "dnssec.chain", "glitter.kr"), 0);
	assert_non_null(dp_results_add(&r->results, "caa", "", DP_STATUS_OK, NULL, "%s", ""));
	assert_int_equal(dp_report_add_check(r, "tls.cert", "Certificates", 0.1, DP_STATUS_OK), 0);
	dp_results_link_causes(&r->results);
	before[0] = render(dp_render_text, r, 1);
	before[1] = render(dp_render_nagios, r, 1);
	before[2] = render(dp_render_json, r, 1);
	dp_report_compact(r);
	assert_non_null(r->strings);
	assert_int_equal(r->results.cap, r->results.n);
	assert_ptr_equal(r->results.v[0].subject, r->domain);
	assert_ptr_equal(r->results.v[0].id, r->timings[1].id); /* "caa" */
	assert_string_equal(dp_report_title(r, "tls.cert"), "Certificates");
	after[0] = render(dp_render_text, r, 1);
	after[1] = render(dp_render_nagios, r, 1);
	after[2] = render(dp_render_json, r, 1);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(after[i], before[i]);
		free(before[i]);
		free(after[i]);
	}
	dp_report_compact(r); /* twice: nothing */
	dp_report_free(r);
	dp_report_compact(NULL);
}

/* Render order: worst first; within a status, what follows from nothing leads. */
static void
test_cause_order(void **state)
{
	struct dp_results rs;
	size_t idx[6];
	static const size_t want[6] = {2, 0, 4, 3, 5, 1};

	(void)state;
	dp_results_init(&rs);
	add_c(&rs, "dnssec.denial", "glitter.kr", DP_STATUS_CRITICAL, "dnssec.chain", "glitter.kr");
	add_c(&rs, "caa", "glitter.kr", DP_STATUS_OK, NULL, NULL);
	add_c(&rs, "dnssec.chain", "glitter.kr", DP_STATUS_CRITICAL, NULL, NULL);
	add_c(&rs, "ns.soa_serial", "glitter.kr", DP_STATUS_WARNING, NULL, NULL);
	add_c(&rs, "dane.tlsa", "25:mail", DP_STATUS_CRITICAL, "dnssec.chain", "glitter.kr");
	add_c(&rs, "tls.cert", "25:mail", DP_STATUS_UNKNOWN, NULL, NULL);
	dp_results_link_causes(&rs);
	dp_results_order(&rs, idx);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(idx[i], want[i]);
	dp_results_clear(&rs);
}

/* An unsigned zone in all three renderers: the cause leads, dependents say what they follow. */
static struct dp_report *
unsigned_sample(void)
{
	struct dp_report *r = dp_report_new("xn--bj0bj5t93s.kr");

	assert_non_null(r);
	assert_int_equal(dp_report_set_unicode(r, "\xea\xb8\x80\xeb\xa6\xac\xed\x84\xb0.kr"), 0);
	r->started = 1764604800;
	add_c(&r->results, "dnssec.denial", "xn--bj0bj5t93s.kr", DP_STATUS_CRITICAL, "dnssec.chain",
	      "xn--bj0bj5t93s.kr");
	add_c(&r->results, "ns.soa_serial", "xn--bj0bj5t93s.kr", DP_STATUS_OK, NULL, NULL);
	add_c(&r->results, "dane.tlsa", "25:mail/127.0.20.1", DP_STATUS_CRITICAL, "dnssec.chain",
	      "xn--bj0bj5t93s.kr");
	add_c(&r->results, "dnssec.chain", "xn--bj0bj5t93s.kr", DP_STATUS_CRITICAL, NULL, NULL);
	assert_int_equal(dp_report_add_check(r, "dnssec.denial", "DNSSEC denial of existence", 0.1,
					     DP_STATUS_CRITICAL),
			 0);
	assert_int_equal(dp_report_add_check(r, "ns.soa_serial", "SOA serial agreement", 0.1,
					     DP_STATUS_OK),
			 0);
	assert_int_equal(dp_report_add_check(r, "dane.tlsa", "DANE TLSA", 0.1,
					     DP_STATUS_CRITICAL),
			 0);
	assert_int_equal(dp_report_add_check(r, "dnssec.chain", "DNSSEC chain of trust", 0.1,
					     DP_STATUS_CRITICAL),
			 0);
	dp_results_link_causes(&r->results);
	return r;
}

static void
test_cause_render(void **state)
{
	struct dp_report *r = unsigned_sample();
	char *text = render(dp_render_text, r, 0);
	char *nag = render(dp_render_nagios, r, 0);
	char *js = render(dp_render_json, r, 0);
	json_error_t jerr;
	json_t *o = json_loads(js, 0, &jerr);
	const char *first;
	char *line1;

	(void)state;
	/* text: both forms of the name, the cause section first, its group before the others */
	assert_non_null(strstr(text, "dnsprobe: xn--bj0bj5t93s.kr (\xea\xb8\x80\xeb\xa6\xac\xed\x84\xb0.kr)"));
	first = strstr(text, "\ncause:\n  [CRIT] dnssec.chain xn--bj0bj5t93s.kr: dnssec.chain "
			     "xn--bj0bj5t93s.kr — 2 results follow from it\n");
	assert_non_null(first);
	assert_true(strstr(text, "\ndnssec.chain — DNSSEC chain of trust\n") <
		    strstr(text, "\ndnssec.denial — DNSSEC denial of existence\n"));
	assert_non_null(strstr(text, "\ndnssec.denial — "));
	assert_non_null(strstr(text, "[CRIT] 25:mail/127.0.20.1: dane.tlsa 25:mail/127.0.20.1 "
				     "(follows from dnssec.chain xn--bj0bj5t93s.kr)"));
	/* Nagios: the first line names the cause only, counting what follows from it */
	assert_non_null(strstr(nag, "DNSPROBE CRITICAL - xn--bj0bj5t93s.kr (\xea\xb8\x80\xeb\xa6\xac\xed\x84\xb0.kr): "
				    "dnssec.chain xn--bj0bj5t93s.kr: dnssec.chain xn--bj0bj5t93s.kr "
				    "(+2 results following from it) |"));
	line1 = strndup(nag, (size_t)(strchr(nag, '\n') - nag));
	assert_non_null(line1);
	assert_null(strstr(line1, "dane.tlsa"));
	assert_null(strstr(line1, "dnssec.denial"));
	free(line1);
	/* long output: the cause first, then the dependents marked */
	assert_true(strstr(nag, "\n[CRITICAL] dnssec.chain") < strstr(nag, "\n[CRITICAL] dnssec.denial"));
	assert_non_null(strstr(nag, "[CRITICAL] dane.tlsa 25:mail/127.0.20.1: dane.tlsa "
				    "25:mail/127.0.20.1 (follows from dnssec.chain xn--bj0bj5t93s.kr)\n"));
	/* JSON: both forms, the causes array leads, each dependent carries its cause */
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "domain")), "xn--bj0bj5t93s.kr");
	assert_string_equal(json_string_value(json_object_get(o, "domain_unicode")),
			    "\xea\xb8\x80\xeb\xa6\xac\xed\x84\xb0.kr");
	assert_int_equal(json_array_size(json_object_get(o, "causes")), 1);
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(o, "causes"), 0), "id")),
			    "dnssec.chain");
	assert_int_equal(json_integer_value(json_object_get(
				 json_array_get(json_object_get(o, "causes"), 0), "dependents")),
			 2);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(json_array_get(json_object_get(o, "checks"), 0),
						"cause"),
				"id")),
			    "dnssec.chain");
	assert_null(json_object_get(json_array_get(json_object_get(o, "checks"), 1), "cause"));
	json_decref(o);
	free(js);
	free(nag);
	free(text);
	dp_report_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worst_order),   cmocka_unit_test(test_results_worst_and_sort),
		cmocka_unit_test(test_results_take),  cmocka_unit_test(test_json),
		cmocka_unit_test(test_nagios), cmocka_unit_test(test_nagios_fix),	      cmocka_unit_test(test_nagios_all_ok),
		cmocka_unit_test(test_nagios_grouped),
		cmocka_unit_test(test_nagios_short_line),
		cmocka_unit_test(test_nagios_cut_utf8),
		cmocka_unit_test(test_text),	      cmocka_unit_test(test_output_names),
		cmocka_unit_test(test_cause_link),    cmocka_unit_test(test_cause_order),
		cmocka_unit_test(test_cause_render),
		cmocka_unit_test(test_fix),
		cmocka_unit_test(test_compact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
