/* The per-domain memory kept across runs and restarts, one JSON file per domain: what the checks
 * remember between runs (ctx->state: MTA-STS body per policy id, first-seen times…) and, per
 * result, its status and since when. Written by the monitor under its state directory after each
 * run and by `check --state FILE`; read back at start. */
#pragma once

#include <jansson.h>

#include "dnsprobe/common.h"
#include "dnsprobe/result.h"

/* Largest state file read back (a domain's memory is a few kB). */
#define DP_STATE_MAX_BYTES (4u << 20)
#define DP_STATE_VERSION 1

/* DIR is a directory this process can write into (the monitor's state_dir, checked by -n and
 * on reload). */
int dp_state_dir_check(const char *dir, struct dp_err *err) DP_WUR;

/* The state directory the monitor uses: cfg_dir if set, else the first entry of systemd's
 * $STATE_DIRECTORY (StateDirectory=), else NULL (no state kept across restarts). buf holds the
 * result when it comes from the environment. */
const char *dp_state_dir_pick(const char *cfg_dir, char *buf, size_t bufsz);

/* PATH = DIR/DOMAIN.json for a domain name fit to be a file name (letters, digits, '-', '_',
 * '.', not starting with '.'); the final dot of DOMAIN is dropped. -1 (with err) otherwise. */
int dp_state_path(const char *dir, const char *domain, char *buf, size_t bufsz,
                  struct dp_err *err) DP_WUR;

/* Read PATH. A file that does not exist is not an error: *state = {} and *since = [] (new
 * references). A file that is not a regular file, too large, not JSON, not our format or for
 * another domain (when domain != NULL) is an error naming the file; *state and *since are then
 * empty too, so the caller can log and go on. */
int dp_state_load(const char *path, const char *domain, json_t **state, json_t **since,
                  struct dp_err *err) DP_WUR;

/* Write PATH atomically (PATH.tmp, fsync, rename; mode 0600): {version, domain, saved, state,
 * since}. state_dump is json_dumps of the checks' memory (taken where the state is not being
 * changed), since is as made by dp_state_since_of. */
int dp_state_save(const char *path, const char *domain, const char *state_dump,
                  const json_t *since, double saved, struct dp_err *err) DP_WUR;

/* [{check, subject, status, since}] for the results of rs with since[i] (wall time). New
 * reference, NULL on no memory. */
json_t *dp_state_since_of(const struct dp_results *rs, const double *since);

/* The saved "since" of (check, subject) if it had the same status, else -1. */
double dp_state_since_find(const json_t *since, const char *check, const char *subject,
                           enum dp_status status);
