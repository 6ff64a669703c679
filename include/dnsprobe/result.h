/* The result model (SPEC §2): one report per domain run, holding results of every check. */
#pragma once

#include <stdio.h>

#include <jansson.h>

#include "dnsprobe/common.h"

/* At most this many labels besides "domain" on a check's gauge. */
#define DP_METRIC_LABELS 3

/* A gauge a check exports (SPEC §5), declared by the check (struct dp_probe.metrics): the
 * exposition knows no check, only these declarations and the samples results carry. */
struct dp_metric {
	const char *name; /* dnsprobe_…, unique over all checks */
	const char *help; /* the HELP text, one line */
	/* label names after "domain" (which comes first unless shared), NULL-terminated */
	const char *labels[DP_METRIC_LABELS + 1];
	/* No domain label: one series per label set however many domains report it (the first
	 * domain's value in configuration order), e.g. a certificate of a shared mail server. */
	bool shared;
};

/* One typed value of a declared gauge, carried by the result it belongs to. */
struct dp_sample {
	const struct dp_metric *metric; /* static, declared by the check */
	double value;
	char *labels[DP_METRIC_LABELS]; /* values in metric->labels order (owned) */
};

/* One finding. All strings are owned by the result; details is an owned JSON object. */
struct dp_result {
	char *id;      /* check id (SPEC §2), one of the registry's */
	char *subject; /* what it is about: zone, "ns1.glitter.kr/127.0.10.1", "25:mail.glitter.kr" */
	enum dp_status status;
	char *summary;	/* one line naming the culprit */
	json_t *details; /* machine-readable facts (object, never NULL) */
	struct dp_sample *samples; /* gauge values for the exposition (owned); may be NULL */
	size_t nsamples;
	/* SPEC §2 `cause`: the id and subject of the result this one follows from, or NULL. A probe
	 * states it as a claim (dp_result_set_cause); dp_results_link_causes keeps it only when that
	 * result is in the run and not OK, and points it at the root of a chain of causes. */
	char *cause_id;
	char *cause_subject;
	/* Ready-to-paste fix: zone-file lines (strings) that put right what the finding is about,
	 * when the check knows them (a TLSA record for the served key, the DS records to keep); an
	 * owned array, NULL when there is none. JSON "fix", text lines under the finding. */
	json_t *fix;
};

/* A list of results, the output of one check (and, merged, of a run). */
struct dp_results {
	struct dp_result *v;
	size_t n;
	size_t cap;
};

void dp_results_init(struct dp_results *rs);
/* Frees every result and the array; rs is left empty and reusable. NULL ok. */
void dp_results_clear(struct dp_results *rs);

/* Append a result. Copies id/subject/summary; takes ownership of details (a new empty object if
 * NULL; details is released even on failure). Returns the new result (owned by rs) or NULL on no
 * memory. The summary is printf-formatted. */
struct dp_result *dp_results_add(struct dp_results *rs, const char *id, const char *subject,
				 enum dp_status status, json_t *details, const char *fmt, ...)
	DP_PRINTF(6, 7);

/* Append a sample of metric m to r: value, then one const char * per label of m (NULL is an
 * empty value). Returns 0, or DP_ENOMEM (also when r is NULL, so that a failed dp_results_add
 * can be passed straight in). */
int dp_result_sample(struct dp_result *r, const struct dp_metric *m, double value, ...) DP_WUR;
/* Free every result's samples (once the exposition has been rendered from them). */
void dp_results_drop_samples(struct dp_results *rs);
/* Say that r follows from the result (id, subject). Copies both; DP_ENOMEM on no memory. */
int dp_result_set_cause(struct dp_result *r, const char *id, const char *subject) DP_WUR;
/* Resolve every cause claim in rs: a claim naming a result that is absent, OK, or the result
 * itself is dropped; a claim naming a result that itself follows from another is pointed at the
 * root (cycles are cut). Pure; run once after all checks. */
void dp_results_link_causes(struct dp_results *rs);
/* The result r's cause points at (NULL when it has none or the cause is not in rs). */
const struct dp_result *dp_results_cause_of(const struct dp_results *rs, const struct dp_result *r);
/* How many results of rs follow from r. */
size_t dp_results_dependents(const struct dp_results *rs, const struct dp_result *r);
/* Render order (SPEC §2, "one cause, one headline"): indices of rs into idx (rs->n of them),
 * worst first; within a status, results that follow from nothing lead, then those that follow
 * from a cause; the original order is kept otherwise. */
void dp_results_order(const struct dp_results *rs, size_t *idx);
/* Append one printf-formatted zone-file line to r's fix (r may be NULL: DP_ENOMEM, so that a
 * failed dp_results_add can be passed in). */
int dp_result_add_fix(struct dp_result *r, const char *fmt, ...) DP_PRINTF(2, 3) DP_WUR;

/* The summary without a leading "SUBJECT: " copy, for lines that already start with the subject
 * (points into x->summary). */
const char *dp_result_summary_rest(const struct dp_result *x);
/* Move every result of src to the end of dst; src is left empty. */
int dp_results_take(struct dp_results *dst, struct dp_results *src) DP_WUR;

/* Worst status over all results, in the monitoring-plugins order; OK when empty. */
enum dp_status dp_results_worst(const struct dp_results *rs);

/* Sort worst first (stable: check order, then subject order kept within a status). */
void dp_results_sort(struct dp_results *rs);

/* Per-check timing, for check_duration and dnsprobe_check_duration_seconds. */
struct dp_check_timing {
	char *id;
	char *title; /* the check's title, carried so renderers need not ask the registry; may be NULL */
	double seconds;
	enum dp_status status; /* worst of that check's results */
};

/* One run of the checks over one domain. Everything lives here and is freed together. */
struct dp_report {
	char *domain;	      /* the A-label form (ASCII) */
	char *domain_unicode; /* the U-label form when the domain is an IDN, else NULL */
	int64_t started;  /* wall clock, seconds since epoch */
	double duration;  /* seconds */
	struct dp_results results;
	struct dp_check_timing *timings;
	size_t ntimings;
	json_t *discovery; /* what discovery found (object), for -v and JSON; may be NULL */
	/* Set by dp_report_compact: every result's and timing's string then lies in this one
	 * block, or is domain, or a static "" (none may be freed or replaced on its own). */
	char *strings;
};

struct dp_report *dp_report_new(const char *domain);
/* Record the U-label form of r->domain (NULL or equal to it: none). DP_ENOMEM on no memory. */
int dp_report_set_unicode(struct dp_report *r, const char *ulabel) DP_WUR;
/* "glitter.kr", or "xn--…kr (글리터.kr)" for an IDN, into buf. */
const char *dp_report_domain_display(const struct dp_report *r, char *buf, size_t bufsz);
void dp_report_free(struct dp_report *r);
/* For a report kept a long time (the monitor's snapshots): its results' and timings' strings
 * moved into one block (a result's subject equal to the domain and an id equal to a check's
 * are not copied again), the results array cut to its length. Samples are left as they are.
 * Nothing changes on no memory. The report must not be added to afterwards. */
void dp_report_compact(struct dp_report *r);
int dp_report_add_timing(struct dp_report *r, const char *id, double seconds,
			 enum dp_status status) DP_WUR;
/* The same with the check's title (copied; NULL for none). */
int dp_report_add_check(struct dp_report *r, const char *id, const char *title, double seconds,
			enum dp_status status) DP_WUR;
/* The title of check id in r, or NULL. */
const char *dp_report_title(const struct dp_report *r, const char *id);
enum dp_status dp_report_status(const struct dp_report *r);

/* Renderers (SPEC §3). Each writes to f. */
enum dp_output {
	DP_OUTPUT_TEXT = 0,
	DP_OUTPUT_NAGIOS = 1,
	DP_OUTPUT_JSON = 2,
};
const char *dp_output_str(enum dp_output o);
int dp_output_parse(const char *s); /* -1 when unknown */

/* The thresholds and budget a run used, for Nagios perfdata warn/crit/max (seconds; the serial
 * lags are RFC 1982 distances, crit -1 when off). */
struct dp_render_limits {
	bool set; /* false: perfdata without thresholds */
	int64_t rrsig_warn, rrsig_crit, cert_warn, cert_crit;
	int64_t serial_lag_warn, serial_lag_crit;
	int timeout_s;
};

struct dp_render_opts {
	int verbose;  /* -v count */
	bool colour;  /* ANSI colour (text, on a terminal only) */
	struct dp_render_limits limits;
};

int dp_render_text(FILE *f, const struct dp_report *r, const struct dp_render_opts *o) DP_WUR;
int dp_render_nagios(FILE *f, const struct dp_report *r, const struct dp_render_opts *o) DP_WUR;
int dp_render_json(FILE *f, const struct dp_report *r, const struct dp_render_opts *o) DP_WUR;
/* The report as a JSON object (new reference), as dp_render_json prints it. */
json_t *dp_report_to_json(const struct dp_report *r);
/* The report back from that object (what the renderers and the status page read: results with
 * details, fix and cause, timings, discovery), or NULL with why set when o is not one. */
struct dp_report *dp_report_from_json(const json_t *o, char *why, size_t whysz);
