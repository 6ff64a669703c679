/* The monitor's status pages: the overview (domains worst first, filtered and paged, so it stays
 * small with 10,000 domains; the failing results grouped per domain and check) and one page per
 * domain with its full report. Everything that came from the network is HTML-escaped. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dns/dns.h"
#include "http/http.h"
#include "out/zjson.h"

static const char *const css =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.1em;margin-top:1.5em}"
    "p.meta{color:#666;margin:0 0 1em}form{margin:0 0 1em}input,select{font:inherit}"
    "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.3em .6em;"
    "text-align:left;vertical-align:top}th{background:#f4f4f4;font-weight:600}"
    "td.s{text-align:center;white-space:nowrap}small{display:block;color:#555;font-size:.8em}"
    ".OK{background:#d9f2d9}.WARNING{background:#fff0c2}.CRITICAL{background:#f8c9c4}"
    ".UNKNOWN{background:#e0e0e8}.none{color:#aaa}.wrap{overflow-x:auto}"
    "th[title]{font-size:.85em}pre{margin:.3em 0;font-size:.85em;white-space:pre-wrap}"
    "nav a{margin-right:.8em}div.fix{font-size:.85em;margin:.2em 0}"
    "p.warn{background:#fff0c2;padding:.4em .6em}";

static const char *const states[] = {"all", "failing", "CRITICAL", "WARNING",
				     "UNKNOWN", "OK",	   "pending"};

int
dp_page_query_parse(const char *q, const char *state, const char *page, const char *n,
		    struct dp_page_query *out, struct dp_err *err)
{
	uint64_t v;

	memset(out, 0, sizeof(*out));
	out->state = DP_PAGE_ALL;
	out->page = 1;
	out->per_page = DP_PAGE_PER_PAGE;
	if (q != NULL) {
		size_t len = strlen(q);

		if (len >= sizeof(out->q))
			return dp_err_set(err, DP_EINVAL, "q: longer than a domain name");
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)q[i];

			/* A filter is part of a name: letters, digits, '-', '.', '_' (A-labels). */
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
				return dp_err_set(err, DP_EINVAL,
						  "q: only letters, digits, '-', '.' and '_'");
			out->q[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
	}
	if (state != NULL && state[0] != '\0') {
		size_t k;

		for (k = 0; k < sizeof(states) / sizeof(states[0]); k++) {
			if (strcmp(state, states[k]) == 0)
				break;
		}
		if (k == sizeof(states) / sizeof(states[0]))
			return dp_err_set(err, DP_EINVAL,
					  "state: all, failing, CRITICAL, WARNING, UNKNOWN, OK or "
					  "pending");
		out->state = k == 0   ? DP_PAGE_ALL
			     : k == 1 ? DP_PAGE_FAILING
			     : k == 6 ? DP_PAGE_PENDING
				      : dp_status_parse(state);
	}
	if (page != NULL) {
		if (dp_parse_u64(page, 1, 1000000, &v) != 0)
			return dp_err_set(err, DP_EINVAL, "page: a number from 1");
		out->page = (size_t)v;
	}
	if (n != NULL) {
		if (dp_parse_u64(n, 1, DP_PAGE_MAX, &v) != 0)
			return dp_err_set(err, DP_EINVAL, "n: a number from 1 to %d", DP_PAGE_MAX);
		out->per_page = (size_t)v;
	}
	return 0;
}

static void
put_time(struct dp_sbuf *b, double t)
{
	char ts[32];

	dp_time_rfc3339((int64_t)t, ts, sizeof(ts));
	dp_sbuf_puts(b, ts);
}

static void
put_head(struct dp_sbuf *b, const char *title, const char *base)
{
	dp_sbuf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			"<meta http-equiv=\"refresh\" content=\"30\"><title>");
	dp_html_escape(b, title);
	dp_sbuf_printf(b, "</title><base href=\"%s\"><style>%s</style></head><body>\n", base, css);
}

/* A domain's worst status as a sort rank: CRITICAL 4 … OK 1, no run yet 0. */
static int
domain_rank(const struct dp_metrics_domain *d)
{
	return d->rep == NULL ? 0 : 1 + dp_status_rank(dp_report_status(d->rep));
}

static bool
matches(const struct dp_metrics_domain *d, const struct dp_page_query *pq)
{
	if (pq->q[0] != '\0' && strstr(d->domain, pq->q) == NULL)
		return false;
	switch (pq->state) {
	case DP_PAGE_ALL:
		return true;
	case DP_PAGE_FAILING:
		return d->rep != NULL && dp_report_status(d->rep) != DP_STATUS_OK;
	case DP_PAGE_PENDING:
		return d->rep == NULL;
	default:
		return d->rep != NULL && (int)dp_report_status(d->rep) == pq->state;
	}
}

/* A matching domain with its sort key, computed once per page (not per comparison). */
struct row {
	size_t i;
	int rank;
	const char *name;
};

static int
cmp_worst(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->rank != y->rank)
		return y->rank - x->rank;
	return strcmp(x->name, y->name);
}

/* Worst status of check id in a domain's run and the latest "since" among its results. */
static bool
cell(const struct dp_metrics_domain *d, const char *id, enum dp_status *st, double *since)
{
	const struct dp_results *rs = &d->rep->results;
	bool any = false;

	*st = DP_STATUS_OK;
	*since = 0;
	for (size_t i = 0; i < rs->n; i++) {
		if (strcmp(rs->v[i].id, id) != 0)
			continue;
		*st = any ? dp_status_worst(*st, rs->v[i].status) : rs->v[i].status;
		if (d->since != NULL && d->since[i] > *since)
			*since = d->since[i];
		any = true;
	}
	return any;
}

/* An IDN is shown in both forms, "A-LABEL (U-LABEL)" (SPEC §1), as text and Nagios do. */
static void
put_domain_name(struct dp_sbuf *b, const char *domain)
{
	char u[1024];

	dp_html_escape(b, domain);
	if (dp_name_unicode(domain, u, sizeof(u)) && strcmp(u, domain) != 0) {
		dp_sbuf_puts(b, " (");
		dp_html_escape(b, u);
		dp_sbuf_puts(b, ")");
	}
}

static void
put_domain_link(struct dp_sbuf *b, const char *domain)
{
	dp_sbuf_puts(b, "<a href=\"domain/");
	dp_html_escape(b, domain);
	dp_sbuf_puts(b, "\">");
	put_domain_name(b, domain);
	dp_sbuf_puts(b, "</a>");
}

static void
domain_row(struct dp_sbuf *b, const struct dp_metrics_domain *d, const bool *col, double now)
{
	dp_sbuf_puts(b, "<tr><th>");
	put_domain_link(b, d->domain);
	dp_sbuf_puts(b, "</th><td class=\"s\">");
	if (d->rep == NULL)
		dp_sbuf_puts(b, "pending");
	else
		put_time(b, d->finished);
	dp_sbuf_puts(b, "</td>");
	for (size_t k = 0; dp_engine_check_id(k) != NULL; k++) {
		enum dp_status st;
		double since;

		if (!col[k])
			continue;
		if (d->rep == NULL || !cell(d, dp_engine_check_id(k), &st, &since)) {
			dp_sbuf_puts(b, "<td class=\"s none\">&ndash;</td>");
			continue;
		}
		dp_sbuf_printf(b, "<td class=\"s %s\"", dp_status_str(st));
		if (since > 0) {
			char dur[32];

			dp_duration_format((int64_t)(now - since), dur, sizeof(dur));
			dp_sbuf_puts(b, " title=\"since ");
			put_time(b, since);
			dp_sbuf_printf(b, "\">%s<small>for %s</small></td>", dp_status_str(st),
				       dur);
		} else {
			dp_sbuf_printf(b, ">%s</td>", dp_status_str(st));
		}
	}
	dp_sbuf_puts(b, "</tr>\n");
}

/* One row per (domain, check) with a non-OK result: its worst status, the subjects (at most
 * five named), the worst result's summary and since when. A cause that hits every address of a
 * host is one row, not one per address; a check whose every failing result follows from a cause
 * (SPEC §2 `cause`) has no row of its own: the cause's row says how many follow from it. */
static size_t
failing_rows(struct dp_sbuf *b, const struct dp_metrics_domain *d)
{
	const struct dp_results *rs = d->rep != NULL ? &d->rep->results : NULL;
	size_t rows = 0;

	for (size_t k = 0; rs != NULL && dp_engine_check_id(k) != NULL; k++) {
		const char *id = dp_engine_check_id(k);
		const struct dp_result *worst = NULL;
		size_t nbad = 0, worst_i = 0, nfollow = 0, ndep = 0;

		for (size_t i = 0; i < rs->n; i++) {
			const struct dp_result *r = &rs->v[i];

			if (strcmp(r->id, id) != 0 || r->status == DP_STATUS_OK)
				continue;
			nbad++;
			if (dp_results_cause_of(rs, r) != NULL)
				nfollow++;
			else
				ndep += dp_results_dependents(rs, r);
			if (worst == NULL || dp_status_rank(r->status) > dp_status_rank(worst->status)) {
				worst = r;
				worst_i = i;
			}
		}
		if (worst == NULL || nfollow == nbad)
			continue;
		rows++;
		dp_sbuf_puts(b, "<tr><td>");
		put_domain_link(b, d->domain);
		dp_sbuf_puts(b, "</td><td>");
		dp_html_escape(b, id);
		dp_sbuf_puts(b, "</td><td>");
		for (size_t i = 0, shown = 0; i < rs->n; i++) {
			if (strcmp(rs->v[i].id, id) != 0 || rs->v[i].status == DP_STATUS_OK)
				continue;
			if (shown == 5) {
				dp_sbuf_printf(b, " +%zu more", nbad - shown);
				break;
			}
			if (shown++ > 0)
				dp_sbuf_puts(b, ", ");
			dp_html_escape(b, rs->v[i].subject);
		}
		dp_sbuf_printf(b, "</td><td class=\"s %s\">%s</td><td class=\"s\">",
			       dp_status_str(worst->status), dp_status_str(worst->status));
		if (d->since != NULL)
			put_time(b, d->since[worst_i]);
		dp_sbuf_puts(b, "</td><td>");
		dp_html_escape(b, worst->summary != NULL ? worst->summary : "");
		if (ndep > 0)
			dp_sbuf_printf(b, " <small>(+%zu result%s following from it)</small>", ndep,
				       ndep == 1 ? "" : "s");
		dp_sbuf_puts(b, "</td></tr>\n");
	}
	return rows;
}

static void
page_link(struct dp_sbuf *b, const struct dp_page_query *pq, size_t page, const char *text)
{
	dp_sbuf_printf(b, "<a href=\"./?q=%s&amp;state=%s&amp;n=%zu&amp;page=%zu\">%s</a>", pq->q,
		       pq->state == DP_PAGE_ALL	       ? "all"
		       : pq->state == DP_PAGE_FAILING ? "failing"
		       : pq->state == DP_PAGE_PENDING ? "pending"
						      : dp_status_str((enum dp_status)pq->state),
		       pq->per_page, page, text);
}

static void
filter_form(struct dp_sbuf *b, const struct dp_page_query *pq)
{
	dp_sbuf_puts(b, "<form method=\"get\" action=\"./\"><input type=\"search\" name=\"q\" "
			"placeholder=\"filter domains\" value=\"");
	dp_html_escape(b, pq->q);
	dp_sbuf_puts(b, "\"> <select name=\"state\">");
	for (size_t k = 0; k < sizeof(states) / sizeof(states[0]); k++) {
		int v = k == 0 ? DP_PAGE_ALL
			: k == 1 ? DP_PAGE_FAILING
			: k == 6 ? DP_PAGE_PENDING
				 : dp_status_parse(states[k]);

		dp_sbuf_printf(b, "<option%s>%s</option>", v == pq->state ? " selected" : "",
			       states[k]);
	}
	dp_sbuf_printf(b, "</select> <input type=\"hidden\" name=\"n\" value=\"%zu\"> "
			  "<button>show</button></form>\n",
		       pq->per_page);
}

void
dp_http_status_page(struct dp_sbuf *b, const struct dp_view *v, const struct dp_page_query *pq)
{
	struct row *idx = malloc((v->n > 0 ? v->n : 1) * sizeof(*idx));
	size_t nmatch = 0, first, last, failing = 0, pages;
	bool col[64] = {false};
	double now = dp_now_wall();

	if (idx == NULL) {
		b->failed = true;
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		if (matches(&v->dom[i], pq))
			idx[nmatch++] = (struct row){i, domain_rank(&v->dom[i]), v->dom[i].domain};
	}
	/* Worst first, then by name. */
	qsort(idx, nmatch, sizeof(*idx), cmp_worst);
	pages = nmatch == 0 ? 1 : (nmatch + pq->per_page - 1) / pq->per_page;
	first = (pq->page - 1) * pq->per_page;
	if (first > nmatch)
		first = nmatch;
	last = first + pq->per_page < nmatch ? first + pq->per_page : nmatch;
	/* Columns: the checks with a result in some domain of this page. */
	for (size_t i = first; i < last; i++) {
		const struct dp_metrics_domain *d = &v->dom[idx[i].i];

		for (size_t k = 0; d->rep != NULL && dp_engine_check_id(k) != NULL && k < 64; k++) {
			for (size_t r = 0; !col[k] && r < d->rep->results.n; r++)
				col[k] = strcmp(d->rep->results.v[r].id, dp_engine_check_id(k)) == 0;
		}
	}
	put_head(b, "dnsprobe", "./");
	dp_sbuf_printf(b, "<h1>dnsprobe</h1><p class=\"meta\">%zu domains (%zu shown: %zu–%zu of "
			  "%zu matching) &middot; version %s &middot; page made at ",
		       v->n, last - first, nmatch > 0 ? first + 1 : 0, last, nmatch, DP_VERSION);
	put_time(b, now);
	dp_sbuf_puts(b, " &middot; <a href=\"metrics\">metrics</a></p>\n");
	filter_form(b, pq);
	dp_sbuf_puts(b, "<div class=\"wrap\"><table><thead><tr><th>domain</th><th>last run</th>");
	for (size_t k = 0; dp_engine_check_id(k) != NULL && k < 64; k++) {
		if (!col[k])
			continue;
		dp_sbuf_puts(b, "<th title=\"");
		dp_html_escape(b, dp_engine_check_title(k));
		dp_sbuf_puts(b, "\">");
		dp_html_escape(b, dp_engine_check_id(k));
		dp_sbuf_puts(b, "</th>");
	}
	dp_sbuf_puts(b, "</tr></thead><tbody>\n");
	for (size_t i = first; i < last; i++)
		domain_row(b, &v->dom[idx[i].i], col, now);
	if (last == first)
		dp_sbuf_puts(b, "<tr><td colspan=\"2\">no domain matches</td></tr>\n");
	dp_sbuf_puts(b, "</tbody></table></div>\n<nav>");
	if (pq->page > 1)
		page_link(b, pq, pq->page - 1, "&larr; previous");
	dp_sbuf_printf(b, "page %zu of %zu ", pq->page, pages);
	if (pq->page < pages)
		page_link(b, pq, pq->page + 1, "next &rarr;");
	dp_sbuf_puts(b, "</nav>\n<h2>Failing on this page</h2>\n<table><thead><tr><th>domain</th>"
			"<th>check</th><th>subjects</th><th>state</th><th>since</th><th>summary</th>"
			"</tr></thead><tbody>\n");
	for (size_t i = first; i < last; i++)
		failing += failing_rows(b, &v->dom[idx[i].i]);
	if (failing == 0)
		dp_sbuf_puts(b, "<tr><td colspan=\"6\">nothing is failing</td></tr>\n");
	dp_sbuf_puts(b, "</tbody></table>\n</body></html>\n");
	free(idx);
}

/* The anchor of a cause on the domain page: "cause-" and its index in the results. */
static void
cause_anchor(struct dp_sbuf *b, const struct dp_results *rs, const struct dp_result *c)
{
	dp_sbuf_printf(b, "cause-%zu", (size_t)(c - rs->v));
}

/* " (follows from ID SUBJECT)", linked to the cause, for a result that follows from one. */
static void
follows(struct dp_sbuf *b, const struct dp_results *rs, const struct dp_result *r)
{
	const struct dp_result *c = dp_results_cause_of(rs, r);

	if (c == NULL)
		return;
	dp_sbuf_puts(b, " <small>(follows from <a href=\"#");
	cause_anchor(b, rs, c);
	dp_sbuf_puts(b, "\">");
	dp_html_escape(b, c->id);
	dp_sbuf_puts(b, " ");
	dp_html_escape(b, c->subject);
	dp_sbuf_puts(b, "</a>)</small>");
}

/* The domain page's lead (SPEC §2, "one cause, one headline"): every failing result that others
 * follow from, worst first, with the results that follow from it listed under it. */
static void
causes_section(struct dp_sbuf *b, const struct dp_results *rs)
{
	size_t *idx = calloc(rs->n + 1, sizeof(*idx));
	bool any = false;

	if (idx == NULL)
		return;
	dp_results_order(rs, idx);
	for (size_t n = 0; n < rs->n; n++) {
		const struct dp_result *c = &rs->v[idx[n]];
		size_t ndep;

		if (c->status == DP_STATUS_OK || dp_results_cause_of(rs, c) != NULL ||
		    (ndep = dp_results_dependents(rs, c)) == 0)
			continue;
		if (!any)
			dp_sbuf_puts(b, "<h2>causes</h2>\n");
		any = true;
		dp_sbuf_puts(b, "<table id=\"");
		cause_anchor(b, rs, c);
		dp_sbuf_printf(b, "\"><thead><tr><th class=\"s %s\">%s</th><th>",
			       dp_status_str(c->status), dp_status_str(c->status));
		dp_html_escape(b, c->id);
		dp_sbuf_puts(b, " ");
		dp_html_escape(b, c->subject);
		dp_sbuf_puts(b, "</th><th>");
		dp_html_escape(b, c->summary != NULL ? c->summary : "");
		dp_sbuf_printf(b, " &mdash; %zu result%s follow%s from it</th></tr></thead><tbody>\n",
			       ndep, ndep == 1 ? "" : "s", ndep == 1 ? "s" : "");
		for (size_t m = 0; m < rs->n; m++) {
			const struct dp_result *r = &rs->v[idx[m]];

			if (dp_results_cause_of(rs, r) != c)
				continue;
			dp_sbuf_printf(b, "<tr><td class=\"s %s\">%s</td><td>",
				       dp_status_str(r->status), dp_status_str(r->status));
			dp_html_escape(b, r->id);
			dp_sbuf_puts(b, " ");
			dp_html_escape(b, r->subject);
			dp_sbuf_puts(b, "</td><td>");
			dp_html_escape(b, r->summary != NULL ? r->summary : "");
			dp_sbuf_puts(b, "</td></tr>\n");
		}
		dp_sbuf_puts(b, "</tbody></table>\n");
	}
	free(idx);
}

/* One check's results on the domain page, worst first, each with its details. */
static void
check_section(struct dp_sbuf *b, const struct dp_metrics_domain *d, size_t k)
{
	const struct dp_results *rs = &d->rep->results;
	const char *id = dp_engine_check_id(k);
	bool any = false;

	for (size_t i = 0; i < rs->n && !any; i++)
		any = strcmp(rs->v[i].id, id) == 0;
	if (!any)
		return;
	dp_sbuf_puts(b, "<h2 id=\"");
	dp_html_escape(b, id);
	dp_sbuf_puts(b, "\">");
	dp_html_escape(b, id);
	dp_sbuf_puts(b, " &mdash; ");
	dp_html_escape(b, dp_engine_check_title(k));
	dp_sbuf_puts(b, "</h2>\n<table><thead><tr><th>state</th><th>subject</th><th>summary</th>"
			"<th>since</th></tr></thead><tbody>\n");
	for (int rank = 3; rank >= 0; rank--) {
		for (size_t i = 0; i < rs->n; i++) {
			const struct dp_result *r = &rs->v[i];
			char *js;

			if (strcmp(r->id, id) != 0 || dp_status_rank(r->status) != rank)
				continue;
			dp_sbuf_printf(b, "<tr><td class=\"s %s\">%s</td><td>",
				       dp_status_str(r->status), dp_status_str(r->status));
			dp_html_escape(b, r->subject);
			dp_sbuf_puts(b, "</td><td>");
			dp_html_escape(b, r->summary != NULL ? r->summary : "");
			follows(b, rs, r);
			/* ready-to-paste zone-file lines, as the text report prints them */
			for (size_t f = 0; f < json_array_size(r->fix); f++) {
				dp_sbuf_puts(b, "<div class=\"fix\">fix: <code>");
				dp_html_escape(b, json_string_value(json_array_get(r->fix, f)));
				dp_sbuf_puts(b, "</code></div>");
			}
			js = r->details != NULL && json_object_size(r->details) > 0
				 ? json_dumps(r->details, JSON_INDENT(1) | JSON_SORT_KEYS)
				 : NULL;
			if (js != NULL) {
				dp_sbuf_puts(b, "<details><summary>details</summary><pre>");
				dp_html_escape(b, js);
				dp_sbuf_puts(b, "</pre></details>");
				free(js);
			}
			dp_sbuf_puts(b, "</td><td class=\"s\">");
			if (d->since != NULL)
				put_time(b, d->since[i]);
			dp_sbuf_puts(b, "</td></tr>\n");
		}
	}
	dp_sbuf_puts(b, "</tbody></table>\n");
}

/* The discovery section: what the run found before the checks (the text report's -v part). */
static void
discovery_section(struct dp_sbuf *b, const json_t *disc)
{
	char *js;

	if (!json_is_object(disc) || json_object_size(disc) == 0)
		return;
	js = json_dumps(disc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	if (js == NULL)
		return;
	dp_sbuf_puts(b, "<h2 id=\"discovery\">discovery</h2>\n<details><summary>what the run "
			"found before the checks (nameservers, addresses, MX, endpoints)</summary>"
			"<pre>");
	dp_html_escape(b, js);
	dp_sbuf_puts(b, "</pre></details>\n");
	free(js);
}

/* The domain's whole last report from its packed copy, with since per result when the two lists
 * agree; NULL (why set) when there is none or it cannot be read. */
static struct dp_report *
full_report(const struct dp_metrics_domain *d, char *why, size_t whysz)
{
	json_t *j = dp_zjson_unpack(d->full, why, whysz);
	struct dp_report *r = j != NULL ? dp_report_from_json(j, why, whysz) : NULL;

	json_decref(j);
	if (r != NULL && (r->results.n != d->rep->results.n ||
			  strcmp(r->domain, d->rep->domain) != 0)) {
		dp_snprintf(why, whysz, "the packed report is not the last run's");
		dp_report_free(r);
		r = NULL;
	}
	return r;
}

bool
dp_http_domain_page(struct dp_sbuf *b, const struct dp_view *v, const char *name)
{
	const struct dp_metrics_domain *d = NULL;
	struct dp_metrics_domain fd;
	struct dp_report *full = NULL;
	char why[300] = "";
	char norm[256];
	struct dp_err e;

	if (dp_name_normalise(name, norm, sizeof(norm), true, &e) != 0)
		return false;
	for (size_t i = 0; i < v->n && d == NULL; i++) {
		if (strcmp(v->dom[i].domain, norm) == 0)
			d = &v->dom[i];
	}
	if (d == NULL)
		return false;
	put_head(b, norm, "../");
	dp_sbuf_puts(b, "<nav><a href=\"./\">&larr; all domains</a></nav>\n<h1>");
	put_domain_name(b, norm);
	if (d->rep == NULL) {
		dp_sbuf_puts(b, " &mdash; pending</h1><p class=\"meta\">no run has finished yet</p>\n"
				"</body></html>\n");
		return true;
	}
	dp_sbuf_printf(b, " &mdash; <span class=\"%s\">%s</span></h1><p class=\"meta\">last run ",
		       dp_status_str(dp_report_status(d->rep)),
		       dp_status_str(dp_report_status(d->rep)));
	put_time(b, d->finished);
	dp_sbuf_printf(b, " (%.2f s) &middot; %llu runs, %llu without a verdict &middot; ",
		       d->rep->duration, (unsigned long long)d->runs,
		       (unsigned long long)d->errors);
	dp_sbuf_puts(b, "<a href=\"probe?debug=true&amp;target=");
	dp_html_escape(b, norm);
	dp_sbuf_puts(b, "\">run now with every detail</a> &middot; <a href=\"metrics\">metrics</a>"
			"</p>\n<nav>");
	for (size_t k = 0; dp_engine_check_id(k) != NULL; k++) {
		enum dp_status st;
		double since;

		if (!cell(d, dp_engine_check_id(k), &st, &since))
			continue;
		dp_sbuf_printf(b, "<a class=\"%s\" href=\"domain/", dp_status_str(st));
		dp_html_escape(b, norm);
		dp_sbuf_puts(b, "#");
		dp_html_escape(b, dp_engine_check_id(k));
		dp_sbuf_puts(b, "\">");
		dp_html_escape(b, dp_engine_check_id(k));
		dp_sbuf_puts(b, "</a>");
	}
	dp_sbuf_puts(b, "</nav>\n");
	/* The whole report, every detail, from the packed copy the snapshot keeps; without it the
	 * details the metrics read, and a warning that says so. */
	full = d->full != NULL ? full_report(d, why, sizeof(why)) : NULL;
	if (full == NULL && why[0] == '\0')
		dp_strlcpy(why, "no packed report", sizeof(why));
	if (full != NULL) {
		fd = *d;
		fd.rep = full;
		d = &fd;
	} else {
		dp_sbuf_puts(b, "<p class=\"warn\">The full report of this run is not available (");
		dp_html_escape(b, why);
		dp_sbuf_puts(b, "): only what the snapshot keeps is shown; <em>run now with every "
				"detail</em> above shows them all.</p>\n");
	}
	causes_section(b, &d->rep->results);
	/* Groups in the report's order, worst check first (like the text report). */
	for (int rank = 3; rank >= 0; rank--) {
		for (size_t k = 0; dp_engine_check_id(k) != NULL; k++) {
			enum dp_status st;
			double since;

			if (cell(d, dp_engine_check_id(k), &st, &since) && dp_status_rank(st) == rank)
				check_section(b, d, k);
		}
	}
	discovery_section(b, d->rep->discovery);
	dp_sbuf_puts(b, "</body></html>\n");
	dp_report_free(full);
	return true;
}
