/* Nagios output per the monitoring-plugins guidelines: a status line with perfdata, then one
 * line per result (long output), worst first. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsprobe/result.h"

#define MAX_PROBLEMS 3

/* Print s with '|' replaced: a pipe starts perfdata in the plugin output format. */
static void
put_safe(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		fputc(*s == '|' ? '/' : *s, f);
}

/* min (want_max false) or max over results of an integer details key; false if none has it. */
static bool
fold_detail(const struct dp_report *r, const char *key, bool want_max, json_int_t *out)
{
	bool any = false;

	for (size_t i = 0; i < r->results.n; i++) {
		json_t *v = json_object_get(r->results.v[i].details, key);
		json_int_t x;

		if (!json_is_integer(v))
			continue;
		x = json_integer_value(v);
		if (!any || (want_max ? x > *out : x < *out))
			*out = x;
		any = true;
	}
	return any;
}

static void
put_perfdata(FILE *f, const struct dp_report *r)
{
	json_int_t v = 0;
	size_t crit = 0;
	size_t warn = 0;

	for (size_t i = 0; i < r->results.n; i++) {
		crit += r->results.v[i].status == DP_STATUS_CRITICAL;
		warn += r->results.v[i].status == DP_STATUS_WARNING;
	}
	if (fold_detail(r, "rrsig_min_remaining", false, &v))
		fprintf(f, " rrsig_min_remaining=%llds", (long long)v);
	if (fold_detail(r, "soa_serial_spread", true, &v))
		fprintf(f, " soa_serial_spread=%lld;;;0", (long long)v);
	if (fold_detail(r, "cert_min_remaining", false, &v))
		fprintf(f, " cert_min_remaining=%llds", (long long)v);
	fprintf(f, " checks_critical=%zu;;;0 checks_warning=%zu;;;0 check_duration=%.3fs;;;0", crit,
		warn, r->duration);
}

/* Checks that said something (resolver.agreement without --resolver says nothing). */
static size_t
checks_with_results(const struct dp_report *r)
{
	size_t n = 0;

	for (size_t t = 0; t < r->ntimings; t++) {
		for (size_t i = 0; i < r->results.n; i++) {
			if (strcmp(r->results.v[i].id, r->timings[t].id) == 0) {
				n++;
				break;
			}
		}
	}
	return n;
}

/* Index of the worst-ranked result of check id (the first of them), and how many of its results
 * are not OK; results that follow from a cause are left to their cause's entry (SPEC §2). */
static size_t
check_worst(const struct dp_report *r, const char *id, size_t *bad)
{
	size_t best = SIZE_MAX;

	*bad = 0;
	for (size_t i = 0; i < r->results.n; i++) {
		const struct dp_result *x = &r->results.v[i];

		if (strcmp(x->id, id) != 0 || x->status == DP_STATUS_OK ||
		    dp_results_cause_of(&r->results, x) != NULL)
			continue;
		(*bad)++;
		if (best == SIZE_MAX ||
		    dp_status_rank(x->status) > dp_status_rank(r->results.v[best].status))
			best = i;
	}
	return best;
}

/* Status line: one entry per failing check, worst checks first, at most MAX_PROBLEMS of them,
 * each naming its worst result (monitoring-plugins: the first line is what pagers show). */
static void
put_status_line(FILE *f, const struct dp_report *r)
{
	enum dp_status s = dp_report_status(r);
	size_t shown = 0;
	size_t failing = 0;
	char dom[600];

	fprintf(f, "DNSPROBE %s - %s: ", dp_status_str(s),
		dp_report_domain_display(r, dom, sizeof(dom)));
	for (int rank = 3; rank >= 1; rank--) {
		for (size_t t = 0; t < r->ntimings; t++) {
			size_t bad;
			size_t deps;
			size_t w = check_worst(r, r->timings[t].id, &bad);
			const struct dp_result *x;

			if (w == SIZE_MAX || dp_status_rank(r->results.v[w].status) != rank)
				continue;
			failing++;
			if (shown >= MAX_PROBLEMS)
				continue;
			x = &r->results.v[w];
			if (shown++ > 0)
				fputs("; ", f);
			fprintf(f, "%s %s: ", x->id, x->subject);
			put_safe(f, dp_result_summary_rest(x));
			deps = dp_results_dependents(&r->results, x);
			if (deps > 0)
				fprintf(f, " (+%zu result%s following from it)", deps,
					deps == 1 ? "" : "s");
			if (bad > 1)
				fprintf(f, " (+%zu more)", bad - 1);
		}
	}
	if (failing > shown)
		fprintf(f, "; and %zu more checks", failing - shown);
	if (failing == 0)
		fprintf(f, "all %zu checks OK (%zu results)", checks_with_results(r), r->results.n);
	fputs(" |", f);
	put_perfdata(f, r);
	fputc('\n', f);
}

int
dp_render_nagios(FILE *f, const struct dp_report *r, const struct dp_render_opts *o)
{
	size_t *order = calloc(r->results.n + 1, sizeof(*order));

	(void)o;
	if (order == NULL)
		return DP_ENOMEM;
	put_status_line(f, r);
	/* Worst first; within a status, causes before what follows from them. */
	dp_results_order(&r->results, order);
	for (size_t k = 0; k < r->results.n; k++) {
		const struct dp_result *x = &r->results.v[order[k]];

		fprintf(f, "[%s] %s %s: ", dp_status_str(x->status), x->id, x->subject);
		put_safe(f, dp_result_summary_rest(x));
		if (dp_results_cause_of(&r->results, x) != NULL) {
			fprintf(f, " (follows from %s ", x->cause_id);
			put_safe(f, x->cause_subject);
			fputc(')', f);
		}
		fputc('\n', f);
	}
	free(order);
	return ferror(f) ? DP_EIO : 0;
}
