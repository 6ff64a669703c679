/* Our own Prometheus text exposition (format 0.0.4) renderer and the growable buffer it fills. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsprobe/result.h"

/* A growable text buffer with a cap fixed at creation; once it fails, it stays failed. */
struct dp_sbuf {
	char *p; /* NUL-terminated while !failed */
	size_t len;
	size_t cap;
	size_t max;
	bool failed;
};

void dp_sbuf_init(struct dp_sbuf *b, size_t max);
void dp_sbuf_clear(struct dp_sbuf *b);
void dp_sbuf_put(struct dp_sbuf *b, const char *s, size_t n);
void dp_sbuf_puts(struct dp_sbuf *b, const char *s);
void dp_sbuf_printf(struct dp_sbuf *b, const char *fmt, ...) DP_PRINTF(2, 3);

/* Label value escaping of the exposition format: '\\' → "\\\\", '"' → "\\\"", LF → "\\n". */
void dp_metrics_escape_label(struct dp_sbuf *b, const char *s);
/* HTML text and attribute escaping: & < > " ' (for the status page). */
void dp_html_escape(struct dp_sbuf *b, const char *s);

/* True for the detail keys the renderer reads; the monitor keeps only those in its snapshots
 * (a full report's details are ten times larger). */
bool dp_metrics_detail_used(const char *key);

/* A domain's configured thresholds and interval in seconds, exported as dnsprobe_threshold_seconds
 * and dnsprobe_interval_seconds so that alert rules compare with the domain's own values. */
struct dp_metrics_limits {
	bool set; /* false: nothing exported */
	int64_t rrsig_warn, rrsig_crit, cert_warn, cert_crit;
	int64_t interval;
};

/* One domain's latest run as the renderer sees it (everything borrowed). */
struct dp_metrics_domain {
	const char *domain;
	const struct dp_report *rep; /* NULL: no run finished yet */
	const double *since;         /* per result of rep, wall seconds; NULL: unknown */
	double finished;             /* wall clock at the end of the last run; 0: none */
	uint64_t runs;               /* runs finished */
	uint64_t errors;             /* runs that reached no verdict */
	bool no_counters;            /* leave this domain out of the counter families */
	struct dp_metrics_limits limits;
};

/* Process-wide series; NULL in /probe output. */
struct dp_metrics_process {
	double start_time;
	bool reload_ok;
	double reload_success_time;
	size_t ndomains;
	uint64_t probe_rejected; /* /probe requests refused for lack of a slot */
};

/* Render every family (HELP, TYPE, samples) over the n domains. Returns 0, or DP_ENOMEM when
 * the buffer's cap was reached. */
int dp_metrics_render(struct dp_sbuf *b, const struct dp_metrics_domain *v, size_t n,
                      const struct dp_metrics_process *g) DP_WUR;
