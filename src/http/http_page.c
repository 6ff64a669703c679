/* The monitor's status page: domains × checks with state and since when, then every failing
 * result with its summary. Everything that came from the network is HTML-escaped. */
#include "config.h"

#include <string.h>

#include "http/http.h"

static const char *const css =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.1em;margin-top:1.5em}"
    "p.meta{color:#666;margin:0 0 1em}"
    "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.3em .6em;"
    "text-align:left;vertical-align:top}th{background:#f4f4f4;font-weight:600}"
    "td.s{text-align:center;white-space:nowrap}small{display:block;color:#555;font-size:.8em}"
    ".OK{background:#d9f2d9}.WARNING{background:#fff0c2}.CRITICAL{background:#f8c9c4}"
    ".UNKNOWN{background:#e0e0e8}.none{color:#aaa}.wrap{overflow-x:auto}"
    "th[title]{font-size:.85em}";

static void
put_time(struct dp_sbuf *b, double t)
{
	char ts[32];

	dp_time_rfc3339((int64_t)t, ts, sizeof(ts));
	dp_sbuf_puts(b, ts);
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

static void
domain_row(struct dp_sbuf *b, const struct dp_metrics_domain *d, double now)
{
	dp_sbuf_puts(b, "<tr><th>");
	dp_html_escape(b, d->domain);
	dp_sbuf_puts(b, "</th><td class=\"s\">");
	if (d->rep == NULL)
		dp_sbuf_puts(b, "pending");
	else
		put_time(b, d->finished);
	dp_sbuf_puts(b, "</td>");
	for (size_t k = 0; dp_engine_check_id(k) != NULL; k++) {
		enum dp_status st;
		double since;

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

static void
failing_rows(struct dp_sbuf *b, const struct dp_metrics_domain *d, size_t *count)
{
	const struct dp_results *rs = d->rep != NULL ? &d->rep->results : NULL;

	for (size_t i = 0; rs != NULL && i < rs->n; i++) {
		const struct dp_result *r = &rs->v[i];

		if (r->status == DP_STATUS_OK)
			continue;
		(*count)++;
		dp_sbuf_puts(b, "<tr><td>");
		dp_html_escape(b, d->domain);
		dp_sbuf_puts(b, "</td><td>");
		dp_html_escape(b, r->id);
		dp_sbuf_puts(b, "</td><td>");
		dp_html_escape(b, r->subject);
		dp_sbuf_printf(b, "</td><td class=\"s %s\">%s</td><td class=\"s\">",
		               dp_status_str(r->status), dp_status_str(r->status));
		if (d->since != NULL)
			put_time(b, d->since[i]);
		dp_sbuf_puts(b, "</td><td>");
		dp_html_escape(b, r->summary != NULL ? r->summary : "");
		dp_sbuf_puts(b, "</td></tr>\n");
	}
}

void
dp_http_status_page(struct dp_sbuf *b, const struct dp_view *v)
{
	size_t failing = 0;
	double now = dp_now_wall();

	dp_sbuf_printf(b,
	               "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	               "<meta http-equiv=\"refresh\" content=\"30\"><title>dnsprobe</title>"
	               "<style>%s</style></head><body>\n<h1>dnsprobe</h1><p class=\"meta\">"
	               "%zu domains &middot; version %s &middot; page made at ",
	               css, v->n, DP_VERSION);
	put_time(b, now);
	dp_sbuf_puts(
	    b,
	    " &middot; <a href=\"metrics\">metrics</a></p>\n<div class=\"wrap\"><table><thead><tr>"
	    "<th>domain</th><th>last run</th>");
	for (size_t k = 0; dp_engine_check_id(k) != NULL; k++) {
		dp_sbuf_puts(b, "<th title=\"");
		dp_html_escape(b, dp_engine_check_title(k));
		dp_sbuf_puts(b, "\">");
		dp_html_escape(b, dp_engine_check_id(k));
		dp_sbuf_puts(b, "</th>");
	}
	dp_sbuf_puts(b, "</tr></thead><tbody>\n");
	for (size_t i = 0; i < v->n; i++)
		domain_row(b, &v->dom[i], now);
	dp_sbuf_puts(b,
	             "</tbody></table></div>\n<h2>Failing</h2>\n<table><thead><tr><th>domain</th>"
	             "<th>check</th><th>subject</th><th>state</th><th>since</th><th>summary</th>"
	             "</tr></thead><tbody>\n");
	for (size_t i = 0; i < v->n; i++)
		failing_rows(b, &v->dom[i], &failing);
	if (failing == 0)
		dp_sbuf_puts(b, "<tr><td colspan=\"6\">nothing is failing</td></tr>\n");
	dp_sbuf_puts(b, "</tbody></table>\n</body></html>\n");
}
