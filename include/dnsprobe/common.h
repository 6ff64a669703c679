/* Shared basics of dnsprobe: error reports, statuses, logging, small helpers. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define DP_WUR __attribute__((warn_unused_result))
#define DP_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Error codes: functions return 0 or one of these (negative). An error means dnsprobe could not
 * reach a verdict; a broken zone is a finding (a CRITICAL result), never an error. */
enum dp_errcode {
	DP_OK_CODE = 0,
	DP_ENOMEM = -1,
	DP_EINVAL = -2,	  /* bad argument or input */
	DP_EIO = -3,	  /* file or socket error */
	DP_ETIMEOUT = -4, /* deadline passed */
	DP_ELIB = -5,	  /* a library call failed */
	DP_EPARSE = -6,	  /* malformed data */
	DP_ENOTFOUND = -7,
};
const char *dp_errcode_str(int code);

/* Address families a run may use (-4/-6, config ip_families); 0 means both. */
#define DP_IPV4 1u
#define DP_IPV6 2u

/* The human reason for a failure, written at the failure site. */
struct dp_err {
	int code;
	char msg[512];
};

/* Set err (may be NULL) and return code. */
int dp_err_set(struct dp_err *err, int code, const char *fmt, ...) DP_PRINTF(3, 4);

/* Check status, in numeric form as exported (SPEC §5): 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
enum dp_status {
	DP_STATUS_OK = 0,
	DP_STATUS_WARNING = 1,
	DP_STATUS_CRITICAL = 2,
	DP_STATUS_UNKNOWN = 3,
};
const char *dp_status_str(enum dp_status s);
/* Parse "OK", "WARNING", ...; returns -1 when unknown. */
int dp_status_parse(const char *s);
/* Severity rank in the monitoring-plugins order CRITICAL > WARNING > UNKNOWN > OK. */
int dp_status_rank(enum dp_status s);
/* The worse of a and b in that order. */
enum dp_status dp_status_worst(enum dp_status a, enum dp_status b);

enum dp_log_level {
	DP_LOG_ERROR = 0,
	DP_LOG_WARN = 1,
	DP_LOG_INFO = 2,
	DP_LOG_DEBUG = 3,
};
const char *dp_log_level_str(enum dp_log_level l);
/* Messages above this level are dropped; default DP_LOG_WARN. */
void dp_log_set_level(enum dp_log_level l);
/* One key=value line to stderr: ts=… level=… group=… msg="…". Never clobbers errno. fmt gives the
 * message text (quoted and escaped by dp_log) — put extra key=value pairs through dp_logkv. */
void dp_log(enum dp_log_level l, const char *group, const char *fmt, ...) DP_PRINTF(3, 4);
/* "<3>", "<4>", "<6>", "<7>" (sd-daemon(3) priority prefixes for error, warn, info, debug) when
 * stderr is the systemd journal (JOURNAL_STREAM names stderr's device:inode), else "". Every log
 * line starts with it, so `journalctl -p err` shows errors. */
const char *dp_log_prefix(enum dp_log_level l);
/* Like dp_log, with err=strerror(errno) appended. */
void dp_log_errno(enum dp_log_level l, const char *group, const char *fmt, ...) DP_PRINTF(3, 4);

/* Bounded string helpers (no strcpy/strcat/sprintf in this tree). */
/* Copy src into dst of size dstsz; returns false when truncated (dst always terminated). */
bool dp_strlcpy(char *dst, const char *src, size_t dstsz);
/* snprintf that returns false on error or truncation. */
bool dp_snprintf(char *dst, size_t dstsz, const char *fmt, ...) DP_PRINTF(3, 4);
/* Append sep (unless buf is empty) and a formatted phrase to buf, truncating at bufsz: the
 * joiner of "; "-separated summaries. */
void dp_append(char *buf, size_t bufsz, const char *sep, const char *fmt, ...) DP_PRINTF(4, 5);
/* Allocating printf; returns NULL on failure. Caller frees. */
char *dp_asprintf(const char *fmt, ...) DP_PRINTF(1, 2);
/* strdup that aborts on no memory is not allowed; this returns NULL. */
char *dp_strdup(const char *s);

/* Append a copy of s to a string array (*v of *n entries, owned). */
int dp_strv_push(char ***v, size_t *n, const char *s) DP_WUR;
void dp_strv_free(char **v, size_t n);

/* Write s double-quoted with '"', '\\', newline (\n) and other control characters escaped:
 * the quoting of dp_log values, also valid as a YAML 1.2 double-quoted scalar (§5.7). */
void dp_fput_quoted(FILE *f, const char *s);

/* Durations: "30s", "5m", "72h", "14d", "1h30m", plain seconds "90". Returns 0 or DP_EINVAL. */
int dp_duration_parse(const char *s, int64_t *seconds, struct dp_err *err) DP_WUR;
/* Format seconds as a compact duration ("3d4h", "45s") into buf. */
void dp_duration_format(int64_t seconds, char *buf, size_t bufsz);

/* Parse an unsigned decimal in [min,max]; strtoull with end and range checks. */
int dp_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out) DP_WUR;

/* Monotonic clock in seconds, and wall clock. */
double dp_now_mono(void);
double dp_now_wall(void);
/* RFC 3339 UTC "2026-11-22T17:14:00Z" into buf (>= 32 bytes). */
void dp_time_rfc3339(int64_t t, char *buf, size_t bufsz);
