/* Status-page benchmark: a synthetic view of N domains (default 10,000) with a lab-sized report
 * each (44 results over 11 checks, a few failing), and the time to render the overview (first
 * page, a filtered page, a late page) and one domain's page, as the HTTP handler does.
 * `page_bench N REPORT.json`: also the whole-report copy each snapshot keeps for the domain
 * page, over a recorded report (test/unit/data/glitter-report.json). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <malloc.h>

#include "http/http.h"
#include "monitor/monitor.h"
#include "out/zjson.h"

/* CPU time of the process: the machine is shared, so wall time measures the neighbours. */
static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b);

/* The whole-report copy a snapshot keeps for /domain/NAME (issue 14), over a recorded report:
 * its JSON and packed sizes, the CPU to pack it (once per domain run), the heap one snapshot
 * then holds, and the CPU to render the full domain page from it. */
static void
full_report_bench(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	char why[200];
	double t[7];
	struct dp_snap *snaps[100];
	size_t before, after;
	char *txt;

	if (j == NULL) {
		fprintf(stderr, "page_bench: %s: %s\n", path, e.text);
		exit(1);
	}
	txt = json_dumps(j, JSON_COMPACT);
	for (int i = 0; i < 7; i++) {
		struct dp_report *r = dp_report_from_json(j, why, sizeof(why));
		double t0;
		json_t *w;
		struct dp_zjson z;

		if (r == NULL) {
			fprintf(stderr, "page_bench: %s: %s\n", path, why);
			exit(1);
		}
		t0 = cpu_now();
		w = dp_report_to_json(r);
		if (dp_zjson_pack(w, &z) != 0)
			exit(1);
		t[i] = cpu_now() - t0;
		if (i == 0)
			printf("# whole report (%s): compact JSON %zu bytes, packed %zu bytes (%.1f %%)\n",
			       path, strlen(txt), z.zlen, 100.0 * (double)z.zlen / (double)strlen(txt));
		json_decref(w);
		dp_zjson_clear(&z);
		dp_report_free(r);
	}
	qsort(t, 7, sizeof(t[0]), cmp_d);
	printf("pack once per run (to JSON + zlib): %6.2f ms CPU\n", t[3] * 1e3);
	before = mallinfo2().uordblks;
	for (int i = 0; i < 100; i++)
		snaps[i] = dp_snap_new(dp_report_from_json(j, why, sizeof(why)), NULL, 1000, false);
	after = mallinfo2().uordblks;
	printf("heap per snapshot (pruned report + packed copy): %zu bytes; at 10,000 domains "
	       "%.0f MB\n", (after - before) / 100, (double)(after - before) / 100 * 1e4 / 1e6);
	for (int i = 0; i < 7; i++) {
		struct dp_metrics_domain d = {.domain = snaps[0]->rep->domain, .rep = snaps[0]->rep,
					      .since = snaps[0]->since, .full = &snaps[0]->full,
					      .finished = 1000, .runs = 1};
		struct dp_view v = {.dom = &d, .n = 1};
		struct dp_sbuf b;
		double t0 = cpu_now();

		dp_sbuf_init(&b, 64u << 20);
		(void)dp_http_domain_page(&b, &v, d.domain);
		t[i] = cpu_now() - t0;
		if (i == 0)
			printf("# full domain page: %zu bytes\n", b.len);
		dp_sbuf_clear(&b);
	}
	qsort(t, 7, sizeof(t[0]), cmp_d);
	printf("full domain page (unpack + render): %6.2f ms CPU\n", t[3] * 1e3);
	for (int i = 0; i < 100; i++)
		dp_snap_unref(snaps[i]);
	free(txt);
	json_decref(j);
}

static double render_once(const struct dp_view *v, const char *q, const char *st, const char *pg,
			  size_t *bytes);

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The CPU ms, median of 7 renders (the machine is shared: one render is noise). */
static double
render(const struct dp_view *v, const char *q, const char *st, const char *pg, size_t *bytes)
{
	double t[7];

	for (int i = 0; i < 7; i++)
		t[i] = render_once(v, q, st, pg, bytes);
	qsort(t, 7, sizeof(t[0]), cmp_d);
	return t[3];
}

static double
render_once(const struct dp_view *v, const char *q, const char *st, const char *pg, size_t *bytes)
{
	struct dp_page_query pq;
	struct dp_err err;
	struct dp_sbuf b;
	double t0 = cpu_now(), t;

	if (dp_page_query_parse(q, st, pg, NULL, &pq, &err) != 0) {
		fprintf(stderr, "page_bench: %s\n", err.msg);
		exit(1);
	}
	dp_sbuf_init(&b, 64u << 20);
	dp_http_status_page(&b, v, &pq);
	t = cpu_now() - t0;
	*bytes = b.len;
	dp_sbuf_clear(&b);
	return t;
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000, bytes;
	static const char *const ids[] = {"dnssec.chain", "dnssec.denial", "dnssec.rrsig_expiry",
					  "dnssec.keys",  "ns.soa_serial", "ns.delegation",
					  "dane.tlsa",	  "tls.cert",	   "mta_sts.policy",
					  "tls_rpt",	  "caa"};
	struct dp_metrics_domain *dom = calloc(n, sizeof(*dom));
	char (*names)[32] = calloc(n, sizeof(*names));
	struct dp_view v = {.dom = dom, .n = n};
	struct dp_sbuf b;
	double t;

	if (dom == NULL || names == NULL || n == 0)
		return 1;
	for (size_t i = 0; i < n; i++) {
		struct dp_report *r;

		snprintf(names[i], sizeof(names[i]), "b%05zu.kr", i);
		r = dp_report_new(names[i]);
		for (size_t k = 0; k < 44; k++) {
			enum dp_status st = (i % 50 == 0 && k % 11 == 6) ? DP_STATUS_CRITICAL
					    : (i % 7 == 0 && k % 11 == 4) ? DP_STATUS_WARNING
									  : DP_STATUS_OK;

			dp_results_add(&r->results, ids[k % 11], names[i], st,
				       json_pack("{s:i}", "serial", (int)k), "%s result %zu", ids[k % 11], k);
		}
		dom[i] = (struct dp_metrics_domain){.domain = names[i], .rep = r, .finished = 1, .runs = 1};
	}
	printf("# %zu domains, 44 results each; CPU ms, median of 7 renders\n", n);
	t = render(&v, NULL, NULL, NULL, &bytes);
	printf("overview, page 1 of 100 rows:   %8.2f ms  %8zu bytes\n", t * 1e3, bytes);
	t = render(&v, "b0999", NULL, NULL, &bytes);
	printf("overview, filtered (q=b0999):   %8.2f ms  %8zu bytes\n", t * 1e3, bytes);
	t = render(&v, NULL, "failing", "5", &bytes);
	printf("overview, failing, page 5:      %8.2f ms  %8zu bytes\n", t * 1e3, bytes);
	t = render(&v, NULL, NULL, "100", &bytes);
	printf("overview, last page:            %8.2f ms  %8zu bytes\n", t * 1e3, bytes);
	dp_sbuf_init(&b, 64u << 20);
	t = cpu_now();
	(void)dp_http_domain_page(&b, &v, names[n / 2]);
	t = cpu_now() - t;
	printf("domain page (%s):         %8.2f ms  %8zu bytes\n", names[n / 2], t * 1e3, b.len);
	dp_sbuf_clear(&b);
	if (argc > 2)
		full_report_bench(argv[2]);
	for (size_t i = 0; i < n; i++)
		dp_report_free((struct dp_report *)dom[i].rep);
	free(dom);
	free(names);
	return 0;
}
