/* Unit tests of the exposition renderer (escaping, families, values from details), the HTML
 * escaping of the status page, and promtool's verdict on a rendered page. */
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
#include <zlib.h>

#include "engine/engine.h"
#include "out/metrics.h"

static void
test_escape(void **state)
{
	struct dp_sbuf b;

	(void)state;
	dp_sbuf_init(&b, 1024);
	dp_metrics_escape_label(&b, "a\\b\"c\nd");
	assert_string_equal(b.p, "a\\\\b\\\"c\\nd");
	dp_sbuf_clear(&b);
	dp_sbuf_init(&b, 1024);
	dp_html_escape(&b, "<script>alert('x&y')</script>\"");
	assert_string_equal(b.p, "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;&quot;");
	dp_sbuf_clear(&b);
}

static void
test_cap(void **state)
{
	struct dp_sbuf b;

	(void)state;
	dp_sbuf_init(&b, 16);
	dp_sbuf_puts(&b, "0123456789");
	assert_false(b.failed);
	dp_sbuf_printf(&b, "%s", "0123456789");
	assert_true(b.failed);
	dp_sbuf_puts(&b, "x"); /* stays failed */
	assert_true(b.failed);
	dp_sbuf_clear(&b);
}

/* The gauge a check declares under name (the tests read the same declarations as /metrics). */
static const struct dp_metric *
metric(const char *name)
{
	const struct dp_metric *m = dp_engine_metric_find(name);

	assert_non_null(m);
	return m;
}

/* A report like the checks make, with a hostile subject. */
static struct dp_report *
sample_report(void)
{
	struct dp_report *r = dp_report_new("glitter.kr");
	struct dp_result *x;

	assert_non_null(r);
	x = dp_results_add(&r->results, "dnssec.chain", "glitter.kr", DP_STATUS_OK, NULL, "ok");
	assert_int_equal(dp_result_sample(x, metric("dnsprobe_dnssec_secure"), 1, "SOA"), 0);
	assert_int_equal(dp_result_sample(x, metric("dnsprobe_dnssec_secure"), 0, "MX"), 0);
	/* A host's A/AAAA result of dnssec.chain carries no sample. */
	assert_non_null(dp_results_add(&r->results, "dnssec.chain", "mail.glitter.kr",
	                               DP_STATUS_OK, NULL, "ok"));
	x = dp_results_add(&r->results, "ns.soa_serial", "ns1.glitter.kr/127.0.10.1", DP_STATUS_OK,
	                   NULL, "ok");
	assert_int_equal(dp_result_sample(x, metric("dnsprobe_soa_serial"), 2026120101,
	                                  "ns1.glitter.kr", "127.0.10.1"),
	                 0);
	/* A server that gave no serial has no sample. */
	assert_non_null(dp_results_add(&r->results, "ns.soa_serial", "ns\"4\\\n/127.0.10.4",
	                               DP_STATUS_CRITICAL, NULL, "unreachable"));
	x = dp_results_add(&r->results, "dnssec.rrsig_expiry", "ns1.glitter.kr/127.0.10.1",
	                   DP_STATUS_WARNING, NULL, "soon");
	assert_int_equal(dp_result_sample(x, metric("dnsprobe_rrsig_expiry_timestamp_seconds"),
	                                  1800000000, "ns1.glitter.kr", "127.0.10.1", "SOA"),
	                 0);
	x = dp_results_add(&r->results, "dane.tlsa", "25:mail.glitter.kr/127.0.20.1", DP_STATUS_OK,
	                   NULL, "match");
	assert_int_equal(dp_result_sample(x, metric("dnsprobe_tlsa_match"), 1,
	                                  "25:mail.glitter.kr", "127.0.20.1"),
	                 0);
	x = dp_results_add(&r->results, "tls.cert", "25:mail.glitter.kr/127.0.20.1", DP_STATUS_OK,
	                   NULL, "cert");
	assert_int_equal(dp_result_sample(x, metric("dnsprobe_tls_cert_expiry_timestamp_seconds"),
	                                  1900000000, "25:mail.glitter.kr", "127.0.20.1"),
	                 0);
	x = dp_results_add(&r->results, "mta_sts.policy", "glitter.kr", DP_STATUS_OK, NULL,
	                   "policy");
	assert_int_equal(
	    dp_result_sample(x, metric("dnsprobe_mta_sts_policy_valid"), 1, "enforce"), 0);
	assert_int_equal(dp_report_add_timing(r, "dnssec.chain", 0.25, DP_STATUS_OK), 0);
	return r;
}

static char *
render(struct dp_report *r, size_t ndom)
{
	struct dp_metrics_domain d[2] = {
	    {.domain = "glitter.kr",
	     .rep = r,
	     .finished = 1796000000.5,
	     .runs = 3,
	     .limits = {true, 72 * 3600, 24 * 3600, 14 * 86400, 3 * 86400, 300}},
	    {.domain = "other.kr",
	     .rep = r,
	     .finished = 1796000001,
	     .runs = 1,
	     .limits = {true, 48 * 3600, 12 * 3600, 20 * 86400, 5 * 86400, 60}},
	};
	struct dp_metrics_process g = {.start_time = 1796000000,
	                               .reload_ok = true,
	                               .runs_in_progress = 2,
	                               .http_rejected = {[DP_HTTP_REJ_PER_CLIENT] = 24,
	                                                 [DP_HTTP_REJ_TOO_LARGE] = 7}};
	struct dp_sbuf b;
	char *out;

	dp_sbuf_init(&b, 1 << 20);
	assert_int_equal(dp_metrics_render(&b, d, ndom, dp_engine_metrics(), &g), 0);
	out = b.p;
	return out;
}

static void
test_render(void **state)
{
	struct dp_report *r = sample_report();
	char *out = render(r, 1);

	(void)state;
	assert_non_null(strstr(out, "# TYPE dnsprobe_check_status gauge\n"));
	assert_non_null(
	    strstr(out, "dnsprobe_check_status{domain=\"glitter.kr\",check=\"ns.soa_serial\","
	                "subject=\"ns\\\"4\\\\\\n/127.0.10.4\"} 2\n"));
	assert_non_null(
	    strstr(out, "dnsprobe_soa_serial{domain=\"glitter.kr\",server=\"ns1.glitter.kr\","
	                "address=\"127.0.10.1\"} 2026120101\n"));
	/* A server that gave no serial has no sample. */
	assert_null(strstr(out, "dnsprobe_soa_serial{domain=\"glitter.kr\",server=\"ns\\\"4"));
	assert_non_null(
	    strstr(out, "dnsprobe_dnssec_secure{domain=\"glitter.kr\",rrtype=\"SOA\"} 1\n"));
	assert_non_null(
	    strstr(out, "dnsprobe_dnssec_secure{domain=\"glitter.kr\",rrtype=\"MX\"} 0\n"));
	assert_null(strstr(out, "rrtype=\"A\""));
	assert_non_null(strstr(out,
	                       "dnsprobe_rrsig_expiry_timestamp_seconds{domain=\"glitter.kr\","
	                       "server=\"ns1.glitter.kr\",address=\"127.0.10.1\",rrtype=\"SOA\"} "
	                       "1800000000\n"));
	assert_non_null(strstr(out, "dnsprobe_tlsa_match{domain=\"glitter.kr\",endpoint=\"25:mail."
	                            "glitter.kr\",address=\"127.0.20.1\"} 1\n"));
	assert_non_null(strstr(out, "dnsprobe_tls_cert_expiry_timestamp_seconds{endpoint=\"25:mail."
	                            "glitter.kr\",address=\"127.0.20.1\"} 1900000000\n"));
	/* Process series: every reason of the HTTP counter is out, zeros included. */
	assert_non_null(strstr(out, "# TYPE dnsprobe_runs_in_progress gauge\n"
	                            "dnsprobe_runs_in_progress 2\n"));
#define REJ "dnsprobe_http_connections_rejected_total"
	assert_non_null(strstr(out, "# TYPE " REJ " counter\n" REJ "{reason=\"per_client\"} 24\n" REJ
	                            "{reason=\"budget\"} 0\n" REJ "{reason=\"pushed_out\"} 0\n" REJ
	                            "{reason=\"header_timeout\"} 0\n" REJ
	                            "{reason=\"send_timeout\"} 0\n" REJ "{reason=\"too_large\"} 7\n" REJ
	                            "{reason=\"bad_request\"} 0\n"));
#undef REJ
	assert_non_null(strstr(out, "dnsprobe_mta_sts_policy_valid{domain=\"glitter.kr\","
	                            "mode=\"enforce\"} 1\n"));
	assert_non_null(strstr(out, "dnsprobe_check_duration_seconds{domain=\"glitter.kr\","
	                            "check=\"dnssec.chain\"} 0.250000\n"));
	assert_non_null(strstr(out, "dnsprobe_last_run_timestamp_seconds{domain=\"glitter.kr\"} "
	                            "1796000000.500000\n"));
	assert_non_null(strstr(out, "dnsprobe_check_runs_total{domain=\"glitter.kr\"} 3\n"));
	assert_non_null(strstr(out, "dnsprobe_build_info{version=\"" DP_VERSION "\"} 1\n"));
	assert_non_null(strstr(out, "dnsprobe_config_last_reload_successful 1\n"));
	free(out);
	dp_report_free(r);
}

/* Each domain's own thresholds and interval, for the alert rules (dashboards/alerts.yml). */
static void
test_limits(void **state)
{
	struct dp_report *r = sample_report();
	char *out = render(r, 2);

	(void)state;
	assert_non_null(strstr(out, "# TYPE dnsprobe_threshold_seconds gauge\n"));
	assert_non_null(strstr(out, "dnsprobe_threshold_seconds{domain=\"glitter.kr\","
	                            "kind=\"rrsig_warn\"} 259200\n"));
	assert_non_null(strstr(out, "dnsprobe_threshold_seconds{domain=\"glitter.kr\","
	                            "kind=\"cert_crit\"} 259200\n"));
	assert_non_null(strstr(out, "dnsprobe_threshold_seconds{domain=\"other.kr\","
	                            "kind=\"rrsig_crit\"} 43200\n"));
	assert_non_null(strstr(out, "dnsprobe_threshold_seconds{domain=\"other.kr\","
	                            "kind=\"cert_warn\"} 1728000\n"));
	assert_non_null(strstr(out, "dnsprobe_interval_seconds{domain=\"other.kr\"} 60\n"));
	free(out);
	dp_report_free(r);
}

/* Two domains sharing a mail server: one certificate sample per (endpoint, address). */
static void
test_cert_dedup(void **state)
{
	struct dp_report *r = sample_report();
	char *out = render(r, 2);
	const char *p = out;
	int n = 0;

	(void)state;
	while ((p = strstr(p, "dnsprobe_tls_cert_expiry_timestamp_seconds{")) != NULL) {
		n++;
		p++;
	}
	assert_int_equal(n, 1);
	assert_non_null(strstr(out, "dnsprobe_soa_serial{domain=\"other.kr\""));
	free(out);
	dp_report_free(r);
}

static void
test_promtool(void **state)
{
	struct dp_report *r = sample_report();
	char *out = render(r, 2);
	char path[] = "/tmp/dp-metrics.XXXXXX";
	char cmd[128];
	int fd;

	(void)state;
	if (access("/usr/bin/promtool", X_OK) != 0) {
		free(out);
		dp_report_free(r);
		skip();
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, out, strlen(out)), (ssize_t)strlen(out));
	close(fd);
	/* promtool prints lint problems and exits non-zero on any. */
	assert_true(dp_snprintf(cmd, sizeof(cmd), "promtool check metrics <%s", path));
	assert_int_equal(system(cmd), 0);
	unlink(path);
	free(out);
	dp_report_free(r);
}

/* The whole body, read from its start in blocks of at most blk bytes. */
static void
read_all(struct dp_mbody *b, struct dp_sbuf *out, size_t blk)
{
	char buf[65536];
	uint64_t pos = 0;
	ssize_t k;

	assert_true(blk <= sizeof(buf));
	while ((k = dp_metrics_body_read(b, pos, buf, blk)) > 0) {
		dp_sbuf_put(out, buf, (size_t)k);
		pos += (uint64_t)k;
	}
	assert_int_equal(k, 0);
	assert_int_equal(pos, b->len);
}

/* The same body gzip-compressed (pre-compressed parts strung together) inflates to the plain
 * one, byte for byte, with a valid CRC and length (zlib checks both). */
static void
test_gzip(void **state)
{
	struct dp_report *r = sample_report();
	struct dp_metrics_domain d[3] = {
	    {.domain = "glitter.kr", .rep = r, .finished = 1796000000.5, .runs = 3},
	    {.domain = "norun.kr", .runs = 0},
	    {.domain = "other.kr", .rep = r, .finished = 1796000001, .runs = 1},
	};
	struct dp_metrics_process g = {.start_time = 1796000000, .reload_ok = true};
	const struct dp_mpart *parts[3] = {NULL, NULL, NULL};
	struct dp_mpart *p0, *p2;
	struct dp_mbody plain, gz, a_small;
	struct dp_sbuf a, z;
	unsigned char *out;
	z_stream zs;

	(void)state;
	assert_int_equal(dp_metrics_part_new(&d[0], dp_engine_metrics(), &p0), 0);
	assert_int_equal(dp_metrics_part_new(&d[2], dp_engine_metrics(), &p2), 0);
	parts[0] = p0;
	parts[2] = p2;
	assert_int_equal(
	    dp_metrics_body(&plain, parts, d, 3, dp_engine_metrics(), &g, false, 1 << 20), 0);
	assert_int_equal(dp_metrics_body(&gz, parts, d, 3, dp_engine_metrics(), &g, true, 1 << 20),
	                 0);
	/* Over the cap is its own answer (the monitor says so), not a shortage of memory. */
	assert_int_equal(dp_metrics_body(&a_small, parts, d, 3, dp_engine_metrics(), &g, false, 512),
	                 DP_EINVAL);
	assert_int_equal(dp_metrics_body(&a_small, parts, d, 3, dp_engine_metrics(), &g, true, 256),
	                 DP_EINVAL);
	dp_sbuf_init(&a, 1 << 20);
	dp_sbuf_init(&z, 1 << 20);
	read_all(&plain, &a, 65536);
	read_all(&gz, &z, 65536);
	assert_int_equal(a.len, plain.len);
	assert_int_equal(z.len, gz.len);
	assert_true(z.len < a.len);
	/* Read in odd small blocks, and from positions out of order (a seek inflates a piece from
	 * its start), the bodies are the same bytes. */
	for (size_t blk = 1; blk < 40; blk += 13) {
		struct dp_sbuf a2, z2;

		dp_sbuf_init(&a2, 1 << 20);
		dp_sbuf_init(&z2, 1 << 20);
		read_all(&plain, &a2, blk);
		read_all(&gz, &z2, blk);
		assert_int_equal(a2.len, a.len);
		assert_memory_equal(a2.p, a.p, a.len);
		assert_int_equal(z2.len, z.len);
		assert_memory_equal(z2.p, z.p, z.len);
		dp_sbuf_clear(&a2);
		dp_sbuf_clear(&z2);
	}
	for (uint64_t pos = plain.len; pos-- > 0;) {
		char c[3];
		ssize_t k = dp_metrics_body_read(&plain, pos, c, sizeof(c));

		assert_true(k >= 1 && k <= 3);
		assert_memory_equal(c, a.p + pos, (size_t)k);
		if (pos > 5000)
			pos -= 97; /* every byte near the start, a sample after it */
	}
	/* The domain without a run has its counters, nothing else. */
	assert_non_null(strstr(a.p, "dnsprobe_check_runs_total{domain=\"norun.kr\"} 0\n"));
	assert_null(strstr(a.p, "dnsprobe_last_run_timestamp_seconds{domain=\"norun.kr\""));
	out = malloc(a.len + 16);
	assert_non_null(out);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(inflateInit2(&zs, 16 + 15), Z_OK); /* gzip wrapper only */
	zs.next_in = (Bytef *)z.p;
	zs.avail_in = (uInt)z.len;
	zs.next_out = out;
	zs.avail_out = (uInt)(a.len + 16);
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	assert_int_equal(zs.avail_in, 0);
	assert_int_equal(zs.total_out, a.len);
	assert_memory_equal(out, a.p, a.len);
	(void)inflateEnd(&zs);
	free(out);
	dp_sbuf_clear(&a);
	dp_sbuf_clear(&z);
	dp_metrics_body_clear(&plain);
	dp_metrics_body_clear(&gz);
	dp_metrics_part_free(p0);
	dp_metrics_part_free(p2);
	dp_report_free(r);
}

/* Every declared gauge is a dnsprobe_ name, once: SPEC §5's and dnsprobe_rollover_set_since_timestamp_seconds. */
static void
test_declared(void **state)
{
	const struct dp_metric *const *v = dp_engine_metrics();
	size_t n = 0;

	(void)state;
	for (; v[n] != NULL; n++) {
		assert_int_equal(strncmp(v[n]->name, "dnsprobe_", 9), 0);
		assert_ptr_equal(dp_engine_metric_find(v[n]->name), v[n]);
		for (size_t k = 0; k < n; k++)
			assert_string_not_equal(v[k]->name, v[n]->name);
	}
	assert_int_equal(n, 7); /* SPEC §5's six, and dnssec.rollover's since gauge */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape),   cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_render),   cmocka_unit_test(test_cert_dedup),
	    cmocka_unit_test(test_promtool), cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_gzip), cmocka_unit_test(test_declared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
