/* The monitor's private interfaces: schedule maths, snapshots, the state HTTP handlers read. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>

#include "config/config_file.h"
#include "engine/engine.h"
#include "out/metrics.h"
#include "out/zjson.h"

/* ---- schedule maths (pure; unit-tested) ---- */

/* FNV-1a 64 of a string. */
uint64_t dp_sched_hash(const char *s);
/* Offset of a domain's first run within its interval: deterministic, spread by name hash, in
 * [0, interval). */
double dp_sched_offset(const char *name, int64_t interval);
/* Next start after a run due at `due` ended at `now`: due + k*interval, the first one after now
 * (missed slots are skipped, the phase is kept). */
double dp_sched_next(double due, double now, int64_t interval);
/* The shard of n (0 … n-1) a domain name belongs to: jump consistent hash over FNV-1a of the
 * name (case-insensitive, without a final dot); 0 when n <= 1. */
unsigned dp_sched_shard(const char *name, unsigned n);

/* ---- snapshots ---- */

/* One domain's latest finished run. Immutable once published; freed when the last reader
 * lets go (dp_snap_unref). */
struct dp_snap {
	atomic_int refs;
	struct dp_report *rep; /* never NULL */
	double *since;         /* per result of rep: wall time since which it has this status */
	struct dp_mpart *part; /* its lines of /metrics; NULL until rendered (or no memory) */
	struct dp_zjson full;  /* the whole report before pruning, packed (empty: not kept) */
	double finished;       /* wall clock */
	uint64_t runs;
	uint64_t errors;
};

struct dp_snap *dp_snap_ref(struct dp_snap *s);
void dp_snap_unref(struct dp_snap *s);
/* A snapshot of rep (taken over) with "since" carried from prev where (check, subject) kept
 * its status; logs one line per change. NULL on no memory (rep is then freed). */
struct dp_snap *dp_snap_new(struct dp_report *rep, const struct dp_snap *prev, double now,
                            bool log_changes);
/* The same, for a domain's first run after a start: where saved (a state file's "since" list,
 * may be NULL) has the result with the same status, its time is kept and no change is logged. */
struct dp_snap *dp_snap_new_saved(struct dp_report *rep, const struct dp_snap *prev,
                                  const json_t *saved, double now, bool log_changes);
/* Render s's part of /metrics (runs and errors set first), before it is published; the
 * results' samples are dropped. Returns 0 or DP_ENOMEM (s->part is then NULL). */
int dp_snap_render(struct dp_snap *s, const struct dp_metric *const *metrics) DP_WUR;

/* ---- the monitor, as the HTTP side sees it ---- */

/* One configuration generation with the engine built for it; runs hold a reference. */
struct dp_gen {
	atomic_int refs;
	struct dp_gen *next; /* on the reaper's list, once unreferenced */
	struct dp_config *cfg;
	struct dp_engine eng;
};
void dp_gen_unref(struct dp_gen *g);

struct dp_mdomain {
	char name[256];
	const struct dp_config_domain *cd; /* in the current generation */
	json_t *state;                     /* per-check memory across runs (owned) */
	json_t *since_saved; /* "since" read back from the state file, for the first run (owned) */
	struct dp_snap *snap;              /* latest; NULL before the first run */
	double due;                        /* monotonic */
	double started;                    /* monotonic start of the run in progress */
	bool running;
	uint64_t runs, errors;
	uint64_t probe_runs, probe_errors; /* /probe requests for this domain since start */
};

struct dp_monitor {
	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t cond;
	struct dp_gen *gen;
	struct dp_mdomain *dom;
	size_t ndom;
	bool stop;
	unsigned active;   /* runs in progress */
	double last_finish; /* monotonic end of the latest run, or the start of the monitor */
	double start_time; /* wall */
	bool reload_ok;
	double reload_success_time;
	char state_dir[4096]; /* where each domain's state file lives; "" when none */
	atomic_uint probes; /* /probe requests in progress */
	atomic_ulong probe_rejected;
};

/* A consistent view for one HTTP response: snapshot references and the generation. */
struct dp_view {
	struct dp_gen *gen;
	struct dp_metrics_domain *dom;
	struct dp_snap **snaps;
	const struct dp_mpart **parts; /* each snapshot's part of /metrics (NULL: none) */
	size_t n;
	struct dp_metrics_process proc;
	bool alive;      /* /healthz: runs are finishing and none is stuck */
	char why[256];   /* the reason when not alive */
};
int dp_monitor_view(struct dp_monitor *m, struct dp_view *v) DP_WUR;
void dp_view_clear(struct dp_view *v);

/* /healthz's judgement (pure; unit-tested): a run going on for longer than its domain's timeout
 * plus DP_HEALTH_GRACE is stuck; no run finished for longer than the largest interval + timeout
 * of a domain plus DP_HEALTH_GRACE means the scheduler is not getting runs done. False with
 * the reason in why. */
#define DP_HEALTH_GRACE 10.0
bool dp_monitor_healthy(const struct dp_mdomain *dom, size_t n, double last_finish, double now,
                        char *why, size_t whysz);

/* /probe's counters for one target: runs and runs without a verdict since the monitor started
 * (configured domains only; known is false for other targets, whose counters are not exported). */
struct dp_probe_count {
	bool known;
	uint64_t runs, errors;
};
/* /probe: one run now for target (not touching the schedule or its state), within budget seconds
 * of wall time when budget > 0 (the scrape's timeout; else the domain's `timeout`); lim gets the
 * thresholds and interval the run used. */
int dp_monitor_probe(struct dp_monitor *m, const char *target, const struct dp_selection *sel,
                     double budget, struct dp_report **out, struct dp_probe_count *cnt,
                     struct dp_metrics_limits *lim, struct dp_err *err) DP_WUR;

/* The HTTP front end, given by the caller (src/cli/main.c passes src/http's), so that the
 * monitor never includes the layer above it. start returns 0 or DP_E* with err set. */
struct MHD_Daemon;
struct dp_monitor_http {
	int (*start)(struct dp_monitor *m, const struct sockaddr *sa, struct MHD_Daemon **out,
		     struct dp_err *err);
	void (*stop)(struct MHD_Daemon *d);
};
/* argv[0] is "monitor"; returns the process exit code. */
int dp_monitor_main(int argc, char **argv, const struct dp_monitor_http *http);
