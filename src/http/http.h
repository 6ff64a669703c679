/* The monitor's HTTP side (libmicrohttpd): /metrics, /probe, /healthz and the status page. */
#pragma once

#include "monitor/monitor.h"

/* Validate /probe's query: target must be a domain name (normalised into out), check an
 * optional check id. Returns 0 or DP_EINVAL with a reason for the 400 body. */
int dp_http_probe_args(const char *target, const char *check, char *out, size_t outsz,
                       struct dp_selection *sel, struct dp_err *err) DP_WUR;
/* True when none of the len bytes of a decoded query key or value is a control character (NUL
 * included: "%00" must not cut a value short, issue 13). */
bool dp_http_bytes_clean(const char *s, size_t len);
/* True when an Accept-Encoding value (RFC 9110 §12.5.3) accepts gzip: a "gzip" or "x-gzip"
 * coding whose q is not 0. NULL: false. */
bool dp_http_accepts_gzip(const char *v);
/* Request caps (issue 13): the request target (longer: 414) and the header fields, names and
 * values (larger: 431). No endpoint takes a body (413). */
#define DP_HTTP_URI_MAX	   2048
#define DP_HTTP_HEADER_MAX 8192
/* The raw request target, before any decoding: 0 when acceptable, 414 when longer than
 * DP_HTTP_URI_MAX, 400 when it holds a control byte, a space or an escaped control byte
 * (%00-%1F, %7F) anywhere, path or query. */
unsigned dp_http_target_status(const char *raw, size_t len);
struct MHD_Daemon;
int dp_http_start(struct dp_monitor *m, const struct sockaddr *sa, struct MHD_Daemon **out,
                  struct dp_err *err) DP_WUR;
void dp_http_stop(struct MHD_Daemon *d);
/* What the status page shows: ?q=SUBSTRING&state=all|failing|CRITICAL|WARNING|UNKNOWN|OK|pending
 * &page=N&n=PER_PAGE. Parsed from untrusted query values (NULL: absent). */
enum dp_page_state {
	DP_PAGE_ALL = -1,
	DP_PAGE_FAILING = -2, /* anything but OK */
	DP_PAGE_PENDING = -3, /* no run finished yet */
	/* 0..3: exactly that status (enum dp_status) */
};
struct dp_page_query {
	char q[254];	 /* lower-case substring of the domain name; "" for all */
	int state;	 /* enum dp_page_state or an enum dp_status */
	size_t page;	 /* 1-based */
	size_t per_page; /* 1..1000, default 100 */
};
#define DP_PAGE_PER_PAGE 100
#define DP_PAGE_MAX	 1000
int dp_page_query_parse(const char *q, const char *state, const char *page, const char *n,
			struct dp_page_query *out, struct dp_err *err) DP_WUR;
/* The status page for a view, into b: domains worst first, filtered and paged by pq. */
void dp_http_status_page(struct dp_sbuf *b, const struct dp_view *v, const struct dp_page_query *pq);
/* /domain/NAME: the full report of one domain as a page. Returns false (nothing written) when
 * name is not a domain of the view. */
bool dp_http_domain_page(struct dp_sbuf *b, const struct dp_view *v, const char *name);
