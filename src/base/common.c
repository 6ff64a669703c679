/* Shared basics: error reports, statuses, key=value logging, bounded strings, durations, time. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dnsprobe/common.h"

static enum dp_log_level log_level = DP_LOG_WARN;

const char *
dp_errcode_str(int code)
{
	switch (code) {
	case 0:
		return "ok";
	case DP_ENOMEM:
		return "out of memory";
	case DP_EINVAL:
		return "invalid argument";
	case DP_EIO:
		return "input/output error";
	case DP_ETIMEOUT:
		return "timeout";
	case DP_ELIB:
		return "library error";
	case DP_EPARSE:
		return "malformed data";
	case DP_ENOTFOUND:
		return "not found";
	default:
		return "unknown error";
	}
}

int
dp_err_set(struct dp_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	if (vsnprintf(err->msg, sizeof(err->msg), fmt, ap) < 0)
		dp_strlcpy(err->msg, dp_errcode_str(code), sizeof(err->msg));
	va_end(ap);
	return code;
}

const char *
dp_status_str(enum dp_status s)
{
	switch (s) {
	case DP_STATUS_OK:
		return "OK";
	case DP_STATUS_WARNING:
		return "WARNING";
	case DP_STATUS_CRITICAL:
		return "CRITICAL";
	case DP_STATUS_UNKNOWN:
		break;
	}
	return "UNKNOWN";
}

int
dp_status_parse(const char *s)
{
	for (int i = 0; i <= 3; i++) {
		if (strcmp(s, dp_status_str((enum dp_status)i)) == 0)
			return i;
	}
	return -1;
}

int
dp_status_rank(enum dp_status s)
{
	/* monitoring-plugins order: CRITICAL > WARNING > UNKNOWN > OK */
	switch (s) {
	case DP_STATUS_OK:
		return 0;
	case DP_STATUS_UNKNOWN:
		return 1;
	case DP_STATUS_WARNING:
		return 2;
	case DP_STATUS_CRITICAL:
		return 3;
	}
	return 1;
}

enum dp_status
dp_status_worst(enum dp_status a, enum dp_status b)
{
	return dp_status_rank(a) >= dp_status_rank(b) ? a : b;
}

const char *
dp_log_level_str(enum dp_log_level l)
{
	static const char *const n[] = {"error", "warn", "info", "debug"};

	return (unsigned)l < 4 ? n[l] : "debug";
}

void
dp_log_set_level(enum dp_log_level l)
{
	log_level = l;
}

void
dp_fput_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static bool on_journal;
static pthread_once_t journal_once = PTHREAD_ONCE_INIT;

/* systemd sets JOURNAL_STREAM=DEV:INODE for a service whose stderr is the journal; a process
 * whose stderr was redirected since (a pipe, a file) must not prefix (sd_journal_stream_fd(3)). */
static void
journal_detect(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (js == NULL || fstat(STDERR_FILENO, &st) != 0)
		return;
	dev = strtoull(js, &end, 10);
	if (end == js || *end != ':')
		return;
	js = end + 1;
	ino = strtoull(js, &end, 10);
	if (end == js || *end != '\0')
		return;
	on_journal = (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

const char *
dp_log_prefix(enum dp_log_level l)
{
	static const char *const p[] = {"<3>", "<4>", "<6>", "<7>"};

	(void)pthread_once(&journal_once, journal_detect);
	if (!on_journal || (unsigned)l > DP_LOG_DEBUG)
		return "";
	return p[l];
}

static void
vlog(enum dp_log_level l, const char *group, const char *errstr, const char *fmt, va_list ap)
{
	char msg[1024];
	char ts[32];

	if (l > log_level)
		return;
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		dp_strlcpy(msg, "(unprintable)", sizeof(msg));
	dp_time_rfc3339((int64_t)time(NULL), ts, sizeof(ts));
	flockfile(stderr);
	fprintf(stderr, "%sts=%s level=%s group=%s msg=", dp_log_prefix(l), ts, dp_log_level_str(l),
		group);
	dp_fput_quoted(stderr, msg);
	if (errstr != NULL) {
		fputs(" err=", stderr);
		dp_fput_quoted(stderr, errstr);
	}
	fputc('\n', stderr);
	funlockfile(stderr);
}

void
dp_log(enum dp_log_level l, const char *group, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(l, group, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
dp_log_errno(enum dp_log_level l, const char *group, const char *fmt, ...)
{
	int saved = errno;
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vlog(l, group, strerror_r(saved, buf, sizeof(buf)), fmt, ap);
	va_end(ap);
	errno = saved;
}

bool
dp_strlcpy(char *dst, const char *src, size_t dstsz)
{
	size_t len = strlen(src);

	if (dstsz == 0)
		return false;
	if (len >= dstsz) {
		memcpy(dst, src, dstsz - 1);
		dst[dstsz - 1] = '\0';
		return false;
	}
	memcpy(dst, src, len + 1);
	return true;
}

bool
dp_snprintf(char *dst, size_t dstsz, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, dstsz, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < dstsz;
}

void
dp_append(char *buf, size_t bufsz, const char *sep, const char *fmt, ...)
{
	size_t len = strlen(buf);
	size_t seplen = strlen(sep);
	va_list ap;

	if (len > 0 && len + seplen < bufsz) {
		memcpy(buf + len, sep, seplen + 1);
		len += seplen;
	}
	va_start(ap, fmt);
	if (len < bufsz)
		(void)vsnprintf(buf + len, bufsz - len, fmt, ap);
	va_end(ap);
}

char *
dp_asprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

char *
dp_strdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static int64_t
unit_seconds(char u)
{
	switch (u) {
	case 's':
		return 1;
	case 'm':
		return 60;
	case 'h':
		return 3600;
	case 'd':
		return 86400;
	case 'w':
		return 7 * 86400;
	default:
		return 0;
	}
}

int
dp_duration_parse(const char *s, int64_t *seconds, struct dp_err *err)
{
	const char *p = s;
	int64_t total = 0;

	if (s == NULL || *s == '\0')
		return dp_err_set(err, DP_EINVAL, "empty duration");
	while (*p != '\0') {
		char *end;
		unsigned long long v;
		int64_t mult;

		if (*p < '0' || *p > '9')
			return dp_err_set(err, DP_EINVAL, "'%s' is not a duration (like 30s, 5m, 72h, 14d)", s);
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno != 0 || v > INT32_MAX)
			return dp_err_set(err, DP_EINVAL, "'%s': duration out of range", s);
		mult = *end == '\0' && p == s ? 1 : unit_seconds(*end);
		if (mult == 0)
			return dp_err_set(err, DP_EINVAL, "'%s': unknown unit '%c' (s, m, h, d, w)", s,
					  *end);
		total += (int64_t)v * mult;
		if (total > (int64_t)100 * 365 * 86400)
			return dp_err_set(err, DP_EINVAL, "'%s': duration out of range", s);
		p = *end == '\0' ? end : end + 1;
	}
	*seconds = total;
	return 0;
}

void
dp_duration_format(int64_t s, char *buf, size_t bufsz)
{
	const char *neg = s < 0 ? "-" : "";
	int64_t a = s < 0 ? -s : s;

	if (a >= 86400)
		dp_snprintf(buf, bufsz, "%s%" PRId64 "d%" PRId64 "h", neg, a / 86400,
			    (a % 86400) / 3600);
	else if (a >= 3600)
		dp_snprintf(buf, bufsz, "%s%" PRId64 "h%" PRId64 "m", neg, a / 3600, (a % 3600) / 60);
	else if (a >= 60)
		dp_snprintf(buf, bufsz, "%s%" PRId64 "m%" PRId64 "s", neg, a / 60, a % 60);
	else
		dp_snprintf(buf, bufsz, "%s%" PRId64 "s", neg, a);
}

int
dp_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return DP_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return DP_EINVAL;
	*out = v;
	return 0;
}

double
dp_now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
dp_now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
dp_time_rfc3339(int64_t t, char *buf, size_t bufsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		dp_strlcpy(buf, "1970-01-01T00:00:00Z", bufsz);
}

int
dp_strv_push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (nv == NULL)
		return DP_ENOMEM;
	*v = nv;
	nv[*n] = dp_strdup(s);
	if (nv[*n] == NULL)
		return DP_ENOMEM;
	(*n)++;
	return 0;
}

void
dp_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
