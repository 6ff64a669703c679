/* Private engine interfaces: discovery and the check runner (used by check and monitor). */
#pragma once

#include "dnsprobe/probe.h"
#include "survey/survey.h"


/* The checks this build has, in report order: id and title of check i, NULL past the end. The
 * layers above the engine (monitor, http) learn of checks here, not from the registry. */
const char *dp_engine_check_id(size_t i);
const char *dp_engine_check_title(size_t i);
/* Index of check id, or -1 when there is no such check. */
int dp_engine_check_find(const char *id);
/* Every gauge the checks declare (struct dp_probe.metrics), in registry order, NULL-terminated:
 * what the exposition renders its check families from. */
const struct dp_metric *const *dp_engine_metrics(void);
/* The declared gauge called name, or NULL. */
const struct dp_metric *dp_engine_metric_find(const char *name);

/* Which probes a run includes: --only / --skip lists (comma-separated ids; NULL for none). */
struct dp_selection {
	bool on[64]; /* indexed like dp_probes[] */
};
int dp_selection_parse(struct dp_selection *sel, const char *only, const char *skip,
		       struct dp_err *err) DP_WUR;

/* Seconds a run may take past its timeout_s: none — the report goes out at the run's deadline
 * (checks' deadlines end DP_REPORT_MARGIN before it; issue 16: -t is a wall-clock limit), so a
 * run given timeout_s takes at most timeout_s. Kept for the callers that budget with it. */
#define DP_OVERRUN_GRACE 0.0
/* The run's deadline is DP_REPORT_LEAD seconds before its budget ends (`check`'s -t watchdog
 * fires 0.25 s before it, and the report must be out by then), and the checks' deadlines end
 * DP_REPORT_MARGIN seconds before the run's, so that a step cut short by the budget is still
 * reported as such ("not checked: budget exhausted", SPEC §1) for every server and endpoint. */
#define DP_REPORT_LEAD	 0.4
#define DP_REPORT_MARGIN 0.3

/* Resolvers shared by runs (the monitor keeps them across runs). A check that overruns its
 * deadline is left running detached; `live` counts such threads so that dp_engine_clear can wait
 * for them before the resolvers (and the caller's options they read) go away. */
struct dp_engine {
	struct dp_resolver *resolver;
	struct dp_resolver *resolver_at; /* NULL without --at */
	struct dp_tls_trust_cache *trust; /* the TLS trust store, made once for every run */
	size_t live;			 /* check threads still running (under the engine lock) */
};
int dp_engine_init(struct dp_engine *e, const struct dp_check_opts *o, struct dp_err *err) DP_WUR;
/* The check dp_engine_init makes of a CA file (read under its cap, PEM certificates in it), for
 * config validation: errors read "CA file PATH: reason". */
int dp_engine_check_ca(const char *path, struct dp_err *err) DP_WUR;
/* Waits until every check thread started on e has ended, then frees the resolvers. The options
 * and config a run was given must stay valid until then. */
void dp_engine_clear(struct dp_engine *e);
/* Threads started on e that are still running (checks or observations past their deadline). */
size_t dp_engine_live(struct dp_engine *e);

/* A domain that does not exist or a name that is not a zone apex (d->apex_state): one CRITICAL
 * saying so from the check that judges the apex, and an UNKNOWN "not checked" that follows from
 * it for every other selected check (gate.c). */
int dp_engine_gate(const struct dp_discovery *d, const struct dp_selection *sel,
		   struct dp_report *rep) DP_WUR;

/* Per-probe state kept across runs by the monitor: an object keyed by check id (NULL in
 * `check`). */
int dp_engine_run(struct dp_engine *e, const struct dp_check_opts *o,
		  const struct dp_selection *sel, json_t *state, struct dp_report **out,
		  struct dp_err *err) DP_WUR;
