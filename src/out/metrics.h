/* Our own Prometheus text exposition (format 0.0.4) renderer and the growable buffer it fills. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <zlib.h>

#include "dnsprobe/result.h"

struct dp_zjson; /* out/zjson.h */

/* A growable text buffer with a cap fixed at creation; once it fails, it stays failed. */
struct dp_sbuf {
	char *p; /* NUL-terminated while !failed */
	size_t len;
	size_t cap;
	size_t max;
	bool failed;
	bool over_max; /* it failed because the text would have passed max (not for memory) */
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
	/* the run's whole report, packed (src/out/zjson.h), for the domain page: rep holds only
	 * the details the metrics read; NULL or empty when not kept */
	const struct dp_zjson *full;
	double finished;             /* wall clock at the end of the last run; 0: none */
	uint64_t runs;               /* runs finished */
	uint64_t errors;             /* runs that reached no verdict */
	bool no_counters;            /* leave this domain out of the counter families */
	struct dp_metrics_limits limits;
};

/* Why the HTTP side refused or cut a connection, or refused a request by its header alone
 * (dnsprobe_http_connections_rejected_total{reason}; the names are dp_http_reject_names). */
enum dp_http_reject {
	DP_HTTP_REJ_PER_CLIENT,     /* refused at accept: the client holds http_max_per_client */
	DP_HTTP_REJ_BUDGET,         /* refused at accept: only the reserve is left, not for it */
	DP_HTTP_REJ_PUSHED_OUT,     /* a waiting connection cut to make room in the reserve */
	DP_HTTP_REJ_HEADER_TIMEOUT, /* cut: no complete header within http_header_timeout */
	DP_HTTP_REJ_SEND_TIMEOUT,   /* cut: the response still not taken after 30 s */
	DP_HTTP_REJ_TOO_LARGE,      /* answered 413, 414 or 431 */
	DP_HTTP_REJ_BAD_REQUEST,    /* answered 400: a control byte in the request target */
	DP_HTTP_REJ_N
};
extern const char *const dp_http_reject_names[DP_HTTP_REJ_N];

/* Process-wide series; NULL in /probe output. */
struct dp_metrics_process {
	double start_time;
	bool reload_ok;
	double reload_success_time;
	size_t ndomains;
	uint64_t probe_rejected; /* /probe requests refused for lack of a slot */
	unsigned runs_in_progress; /* scheduled runs started and not yet finished */
	uint64_t http_rejected[DP_HTTP_REJ_N]; /* by enum dp_http_reject */
};

/* The exposition (SPEC §5) is made of families in a fixed order: the status, duration and
 * run families of every domain, then one family per gauge the checks declare (metrics, from
 * dp_engine_metrics(), passed in since renderers do not know the checks), then build and
 * process series. A family's lines are grouped, so each domain's lines of each family are
 * rendered once per published run (a part) and a response only strings the parts together. */

/* One domain's lines of every family, as text and as raw deflate (each family full-flushed,
 * so that gzip responses are built without compressing again). Immutable once made. */
struct dp_mpart;
#define DP_METRICS_PART_MAX (16u * 1024 * 1024)
int dp_metrics_part_new(const struct dp_metrics_domain *d, const struct dp_metric *const *metrics,
                        struct dp_mpart **out) DP_WUR;
void dp_metrics_part_free(struct dp_mpart *p);
/* Bytes held (text and compressed). */
size_t dp_metrics_part_bytes(const struct dp_mpart *p);

/* A stretch of a body: len bytes at base, or, when zlen > 0, zlen bytes of raw deflate at base
 * that inflate to len bytes (a part's piece in a plain response). */
struct dp_iov {
	const void *base;
	size_t len;
	size_t zlen;
};

/* A response body: iov[0..niov) borrows from the parts (which must outlive it) and from its
 * own buffers. With gzip, one gzip member (RFC 1952). Read it with dp_metrics_body_read. */
struct dp_mbody {
	struct dp_iov *iov;
	size_t niov;
	size_t len; /* bytes in all */
	/* private */
	size_t rseg, rsegoff; /* where the reader is: segment, offset in it, offset in the body */
	uint64_t rpos;
	z_stream rz; /* inflating the segment the reader is on (plain responses) */
	bool rinit;
	bool gzip;
	size_t max;
	struct dp_sbuf dyn; /* text made for this response (headers, shared families, process) */
	size_t dyn_mark;
	unsigned char *zdyn; /* dyn's stretches compressed */
	size_t zlen, zcap;
	z_stream zs;
	bool zinit;
	struct dp_mseg *seg;
	size_t nseg, capseg;
	unsigned char trailer[8];
};

/* The body over n domains: parts[k] is v[k]'s part, or NULL when v[k] has no run yet (then its
 * counters are rendered from v[k]). g NULL: no process series (/probe). Returns 0, DP_EINVAL when
 * the body would exceed max bytes, or DP_ENOMEM. */
int dp_metrics_body(struct dp_mbody *b, const struct dp_mpart *const *parts,
                    const struct dp_metrics_domain *v, size_t n,
                    const struct dp_metric *const *metrics, const struct dp_metrics_process *g,
                    bool gzip, size_t max) DP_WUR;
void dp_metrics_body_clear(struct dp_mbody *b);
/* Up to max bytes of b from pos (reads in order are cheapest; another pos seeks). Returns the
 * bytes written, 0 at the end, -1 when a piece does not inflate (never, unless memory is bad). */
ssize_t dp_metrics_body_read(struct dp_mbody *b, uint64_t pos, char *buf, size_t max) DP_WUR;

/* The whole exposition over n domains into b (parts made and dropped on the way): /probe and
 * the tests. Returns 0, or DP_ENOMEM when the buffer's cap was reached. */
int dp_metrics_render(struct dp_sbuf *b, const struct dp_metrics_domain *v, size_t n,
                      const struct dp_metric *const *metrics, const struct dp_metrics_process *g)
	DP_WUR;
