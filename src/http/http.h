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
struct MHD_Daemon;
int dp_http_start(struct dp_monitor *m, const struct sockaddr *sa, struct MHD_Daemon **out,
                  struct dp_err *err) DP_WUR;
void dp_http_stop(struct MHD_Daemon *d);
/* The status page for a view, into b. */
void dp_http_status_page(struct dp_sbuf *b, const struct dp_view *v);
