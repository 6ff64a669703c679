/* The monitor's HTTP side (libmicrohttpd): /metrics and / from snapshots only, /probe runs a
 * check now under a concurrency bound, /healthz; GET and HEAD only. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <microhttpd.h>

#include "http/http.h"

#define MAX_CONNECTIONS    64
#define CONNECTION_TIMEOUT 60 /* seconds idle; a /probe runs inside the handler */
#define BODY_MAX           (64u * 1024 * 1024)
#define CT_METRICS         "text/plain; version=0.0.4; charset=utf-8"
#define CT_TEXT            "text/plain; charset=utf-8"
#define CT_HTML            "text/html; charset=utf-8"

int
dp_http_probe_args(const char *target, const char *check, char *out, size_t outsz,
                   struct dp_selection *sel, struct dp_err *err)
{
	struct dp_err e = {0};

	if (target == NULL || target[0] == '\0')
		return dp_err_set(err, DP_EINVAL, "missing target: use /probe?target=DOMAIN");
	if (strlen(target) > 254)
		return dp_err_set(err, DP_EINVAL, "target is longer than a domain name can be");
	if (dp_name_from_input(target, out, outsz, &e) != 0)
		return dp_err_set(err, DP_EINVAL, "target is not a domain name: %s", e.msg);
	if (out[0] == '\0')
		return dp_err_set(err, DP_EINVAL, "target: the root zone is not a domain to check");
	if (check == NULL)
		return 0;
	if (strlen(check) > 64 || dp_engine_check_find(check) < 0)
		return dp_err_set(err, DP_EINVAL, "check: not a check id (see docs/checks.md)");
	return dp_selection_parse(sel, check, NULL, err);
}

bool
dp_http_bytes_clean(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/* Every GET argument, with its decoded length: a key or value holding a control byte. */
static enum MHD_Result
arg_clean(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
          const char *value, size_t value_size)
{
	const char **bad = cls;

	(void)kind;
	if (dp_http_bytes_clean(key, key_size) &&
	    (value == NULL || dp_http_bytes_clean(value, value_size)))
		return MHD_YES;
	*bad = key;
	return MHD_NO;
}

/* Is the parameter list p[0..n) (after a coding, from its first ';') a q of zero? */
static bool
q_zero(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j;

		while (i < n && (p[i] == ';' || p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i + 1 < n && (p[i] == 'q' || p[i] == 'Q') && p[i + 1] == '=') {
			i += 2;
			if (i >= n || p[i] != '0')
				return false;
			for (j = i + 1; j < n && (p[j] == '0' || p[j] == '.'); j++)
				;
			/* "0", "0.", "0.0"…: zero; "0.5": not. */
			return j >= n || p[j] == ';' || p[j] == ' ' || p[j] == '\t';
		}
		while (i < n && p[i] != ';')
			i++;
	}
	return false;
}

bool
dp_http_accepts_gzip(const char *v)
{
	while (v != NULL && *v != '\0') {
		size_t len = strcspn(v, ",");
		size_t s = 0;
		size_t e;

		while (s < len && (v[s] == ' ' || v[s] == '\t'))
			s++;
		e = s;
		while (e < len && v[e] != ';' && v[e] != ' ' && v[e] != '\t')
			e++;
		if (((e - s == 4 && strncasecmp(v + s, "gzip", 4) == 0) ||
		     (e - s == 6 && strncasecmp(v + s, "x-gzip", 6) == 0)) &&
		    !q_zero(v + e, len - e))
			return true;
		v += len;
		if (*v == ',')
			v++;
	}
	return false;
}

/* Queue body (taken over, may be NULL for an empty one) with a status and content type. */
static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE || status == MHD_HTTP_TOO_MANY_REQUESTS)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "5");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
reply_text(struct MHD_Connection *c, unsigned status, const char *msg)
{
	char *body = dp_asprintf("%s\n", msg);

	return reply(c, status, CT_TEXT, body, body != NULL ? strlen(body) : 0);
}

static enum MHD_Result
reply_sbuf(struct MHD_Connection *c, const char *type, struct dp_sbuf *b)
{
	size_t len = b->len;
	char *p = b->p;

	if (b->failed) {
		dp_sbuf_clear(b);
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "response too large");
	}
	b->p = NULL;
	dp_sbuf_clear(b);
	return reply(c, MHD_HTTP_OK, type, p, len);
}

/* A /metrics response: the snapshots it strings together stay referenced until it is sent. */
struct scrape {
	struct dp_view view;
	struct dp_mbody body;
};

static void
scrape_free(void *cls)
{
	struct scrape *s = cls;

	dp_metrics_body_clear(&s->body);
	dp_view_clear(&s->view); /* a generation let go here is freed by the monitor's reaper */
	free(s);
}

/* /metrics: the parts every published run rendered, strung together (no copy, no rendering of
 * results here), gzip-compressed when the client accepts it. */
static enum MHD_Result
h_metrics(struct dp_monitor *m, struct MHD_Connection *c)
{
	const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                             MHD_HTTP_HEADER_ACCEPT_ENCODING);
	bool gz = dp_http_accepts_gzip(ae);
	struct scrape *s = calloc(1, sizeof(*s));
	struct MHD_IoVec *iov = NULL;
	struct MHD_Response *r = NULL;
	enum MHD_Result ret;

	if (s == NULL)
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	if (dp_monitor_view(m, &s->view) != 0) {
		free(s);
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	if (dp_metrics_body(&s->body, s->view.parts, s->view.dom, s->view.n, dp_engine_metrics(),
	                    &s->view.proc, gz, BODY_MAX) != 0 ||
	    s->body.niov > UINT_MAX) {
		dp_view_clear(&s->view);
		free(s);
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	iov = calloc(s->body.niov + 1, sizeof(*iov));
	if (iov != NULL) {
		for (size_t i = 0; i < s->body.niov; i++)
			iov[i] = (struct MHD_IoVec){s->body.iov[i].base, s->body.iov[i].len};
		r = MHD_create_response_from_iovec(iov, (unsigned)s->body.niov, scrape_free, s);
	}
	free(iov); /* libmicrohttpd keeps its own copy */
	if (r == NULL) {
		scrape_free(s);
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CT_METRICS);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
h_status(struct dp_monitor *m, struct MHD_Connection *c)
{
	struct dp_page_query pq;
	struct dp_err err = {0};
	struct dp_view v;
	struct dp_sbuf b;

	if (dp_page_query_parse(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q"),
	                        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state"),
	                        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "page"),
	                        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "n"), &pq,
	                        &err) != 0)
		return reply_text(c, MHD_HTTP_BAD_REQUEST, err.msg);
	if (dp_monitor_view(m, &v) != 0)
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	dp_sbuf_init(&b, BODY_MAX);
	dp_http_status_page(&b, &v, &pq);
	dp_view_clear(&v);
	return reply_sbuf(c, CT_HTML, &b);
}

static enum MHD_Result
h_domain(struct dp_monitor *m, struct MHD_Connection *c, const char *name)
{
	struct dp_view v;
	struct dp_sbuf b;
	bool found;

	if (dp_monitor_view(m, &v) != 0)
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	dp_sbuf_init(&b, BODY_MAX);
	found = dp_http_domain_page(&b, &v, name);
	dp_view_clear(&v);
	if (!found) {
		dp_sbuf_clear(&b);
		return reply_text(c, MHD_HTTP_NOT_FOUND, "not a configured domain");
	}
	return reply_sbuf(c, CT_HTML, &b);
}

static enum MHD_Result
h_healthz(struct dp_monitor *m, struct MHD_Connection *c)
{
	struct dp_view v;
	char why[sizeof(v.why) + 16];
	bool alive;

	if (dp_monitor_view(m, &v) != 0)
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	alive = v.alive;
	dp_snprintf(why, sizeof(why), "unhealthy: %s", v.why);
	dp_view_clear(&v);
	if (!alive)
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, why);
	return reply_text(c, MHD_HTTP_OK, "ok");
}

/* blackbox_exporter's two series (its names, so dashboards and alerts made for it work):
 * probe_success 1 when the run reached a verdict and the domain is OK or WARNING (no CRITICAL, no
 * UNKNOWN result), probe_duration_seconds the wall time of the run. */
static void
probe_series(struct dp_sbuf *b, bool success, double seconds)
{
	dp_sbuf_printf(b,
	               "# HELP probe_success 1 when the run reached a verdict and no result is "
	               "CRITICAL or UNKNOWN.\n# TYPE probe_success gauge\nprobe_success %d\n"
	               "# HELP probe_duration_seconds Wall time of the probe's run.\n"
	               "# TYPE probe_duration_seconds gauge\nprobe_duration_seconds %.6f\n",
	               success ? 1 : 0, seconds);
}

/* &debug=true: what blackbox_exporter users read when a probe fails — the run's report with
 * every detail (the text report at -vv), then the metrics a scrape would have received. */
static enum MHD_Result
probe_debug(struct MHD_Connection *c, const char *target, const struct dp_report *rep,
            const char *why, struct dp_sbuf *metrics)
{
	struct dp_render_opts ro = {.verbose = 2, .colour = false};
	struct dp_sbuf b;
	char *txt = NULL;
	size_t len = 0;
	FILE *f;

	dp_sbuf_init(&b, BODY_MAX);
	dp_sbuf_printf(&b, "Probe of %s:\n", target);
	if (why != NULL)
		dp_sbuf_printf(&b, "no verdict: %s\n", why);
	f = rep != NULL ? open_memstream(&txt, &len) : NULL;
	if (f != NULL) {
		(void)!dp_render_text(f, rep, &ro);
		fclose(f);
		dp_sbuf_puts(&b, "\nReport:\n");
		dp_sbuf_put(&b, txt, len);
	}
	free(txt);
	dp_sbuf_puts(&b, "\n\nMetrics that would have been returned:\n");
	if (metrics->p != NULL)
		dp_sbuf_put(&b, metrics->p, metrics->len);
	return reply_sbuf(c, CT_TEXT, &b);
}

static enum MHD_Result
probe_run(struct dp_monitor *m, struct MHD_Connection *c, const char *target,
          const struct dp_selection *sel, double budget, bool debug)
{
	struct dp_report *rep = NULL;
	struct dp_err err = {0};
	struct dp_metrics_domain d = {.domain = target};
	struct dp_probe_count cnt = {0};
	struct dp_sbuf b;
	double t0 = dp_now_mono();
	int rc = dp_monitor_probe(m, target, sel, budget, &rep, &cnt, &d.limits, &err);
	enum dp_status st;
	enum MHD_Result ret;

	if (rc == DP_ENOTFOUND)
		return reply_text(c, MHD_HTTP_FORBIDDEN, err.msg);
	dp_sbuf_init(&b, BODY_MAX);
	if (rc != 0) {
		/* No verdict: probe_success 0 (as blackbox_exporter reports a failed probe), the
		 * reason in the log and in &debug=true. */
		dp_log(DP_LOG_ERROR, "probe", "%s: %s", target, err.msg);
		probe_series(&b, false, dp_now_mono() - t0);
		ret = debug ? probe_debug(c, target, NULL, err.msg, &b) : reply_sbuf(c, CT_METRICS, &b);
		if (debug)
			dp_sbuf_clear(&b);
		return ret;
	}
	/* Counters count this target's /probe runs since the monitor started (configured domains;
	 * for other targets they are left out, since a count restarting at 1 means nothing). */
	d.rep = rep;
	d.finished = dp_now_wall();
	d.runs = cnt.runs;
	d.errors = cnt.errors;
	d.no_counters = !cnt.known;
	(void)!dp_metrics_render(&b, &d, 1, dp_engine_metrics(), NULL);
	st = dp_report_status(rep);
	probe_series(&b, st == DP_STATUS_OK || st == DP_STATUS_WARNING, dp_now_mono() - t0);
	if (debug) {
		ret = probe_debug(c, target, rep, NULL, &b);
		dp_sbuf_clear(&b);
	} else {
		ret = reply_sbuf(c, CT_METRICS, &b);
	}
	dp_report_free(rep);
	return ret;
}

/* X-Prometheus-Scrape-Timeout-Seconds: Prometheus's scrape timeout, so the run ends before the
 * scraper gives up (less an offset for the response, as blackbox_exporter's timeout_offset).
 * Returns 0 (budget 0 when absent) or DP_EINVAL for a value that is not a positive number. */
static int
scrape_budget(struct MHD_Connection *c, double *budget)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                            "X-Prometheus-Scrape-Timeout-Seconds");
	char *end;
	double v;

	*budget = 0;
	if (h == NULL)
		return 0;
	errno = 0;
	v = strtod(h, &end);
	if (end == h || *end != '\0' || errno != 0 || !(v > 0) || v > 86400)
		return DP_EINVAL;
	*budget = v - 0.5 > 0.5 ? v - 0.5 : 0.5;
	return 0;
}

static enum MHD_Result
h_probe(struct dp_monitor *m, struct MHD_Connection *c)
{
	const char *target = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "target");
	const char *check = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "check");
	const char *dbg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "debug");
	struct dp_selection sel;
	struct dp_err err = {0};
	const char *bad = NULL;
	char name[256];
	unsigned limit;
	double budget;
	bool debug = false;
	enum MHD_Result ret;

	(void)MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, arg_clean, &bad);
	if (bad != NULL)
		return reply_text(c, MHD_HTTP_BAD_REQUEST,
		                  "a query parameter holds a control character (such as %00)");
	if (dp_http_probe_args(target, check, name, sizeof(name), &sel, &err) != 0)
		return reply_text(c, MHD_HTTP_BAD_REQUEST, err.msg);
	if (dbg != NULL) {
		if (strcmp(dbg, "true") != 0 && strcmp(dbg, "false") != 0)
			return reply_text(c, MHD_HTTP_BAD_REQUEST, "debug: true or false");
		debug = strcmp(dbg, "true") == 0;
	}
	if (scrape_budget(c, &budget) != 0)
		return reply_text(c, MHD_HTTP_BAD_REQUEST,
		                  "X-Prometheus-Scrape-Timeout-Seconds: not a positive number");
	pthread_mutex_lock(&m->lock);
	limit = m->gen->cfg->probe_concurrency;
	pthread_mutex_unlock(&m->lock);
	if (atomic_fetch_add(&m->probes, 1) >= limit) {
		atomic_fetch_sub(&m->probes, 1);
		atomic_fetch_add(&m->probe_rejected, 1);
		/* RFC 6585 §4: the caller sent more concurrent requests than we serve. */
		return reply_text(c, MHD_HTTP_TOO_MANY_REQUESTS,
		                  "every /probe slot is busy (probe_concurrency); retry later");
	}
	ret = probe_run(m, c, name, check != NULL ? &sel : NULL, budget, debug);
	atomic_fetch_sub(&m->probes, 1);
	return ret;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
        const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	static int marker;
	struct dp_monitor *m = cls;

	(void)version;
	(void)upload;
	if (*con_cls == NULL) { /* headers only so far */
		*con_cls = &marker;
		return MHD_YES;
	}
	if (*upload_size != 0) { /* a body is not expected: discard it */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD");
	if (strcmp(url, "/metrics") == 0)
		return h_metrics(m, c);
	if (strcmp(url, "/probe") == 0)
		return h_probe(m, c);
	if (strcmp(url, "/healthz") == 0)
		return h_healthz(m, c);
	if (strcmp(url, "/") == 0)
		return h_status(m, c);
	if (strncmp(url, "/domain/", 8) == 0)
		return h_domain(m, c, url + 8);
	return reply_text(c, MHD_HTTP_NOT_FOUND,
	                  "not found: try /, /domain/NAME, /metrics, /probe?target=, /healthz");
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	(void)cls;
	if (vsnprintf(buf, sizeof(buf), fmt, ap) < 0)
		return;
	buf[strcspn(buf, "\n")] = '\0';
	dp_log(DP_LOG_WARN, "http", "%s", buf);
}

int
dp_http_start(struct dp_monitor *m, const struct sockaddr *sa, struct MHD_Daemon **out,
              struct dp_err *err)
{
	unsigned flags =
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (sa->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	*out = MHD_start_daemon(
	    flags, 0, NULL, NULL, handler, m, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT, MHD_OPTION_END);
	if (*out == NULL)
		return dp_err_set(err, DP_EIO, "cannot listen on %s (address in use?)",
		                  m->gen->cfg->listen);
	return 0;
}

void
dp_http_stop(struct MHD_Daemon *d)
{
	if (d != NULL)
		MHD_stop_daemon(d);
}
