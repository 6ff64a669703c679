/* Prometheus text exposition 0.0.4 of the latest runs (SPEC §5): one family at a time, HELP and
 * TYPE first, label values escaped, values taken from the results' details. */
#include "config.h"

#include "out/metrics.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
dp_sbuf_init(struct dp_sbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
dp_sbuf_clear(struct dp_sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static bool
grow(struct dp_sbuf *b, size_t n)
{
	size_t ncap;
	char *np;

	if (b->failed)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	if (b->len + n + 1 > b->max) {
		b->failed = true;
		return false;
	}
	ncap = b->cap ? b->cap : 4096;
	while (ncap < b->len + n + 1)
		ncap *= 2;
	if (ncap > b->max)
		ncap = b->max;
	np = realloc(b->p, ncap);
	if (np == NULL) {
		b->failed = true;
		return false;
	}
	b->p = np;
	b->cap = ncap;
	return true;
}

void
dp_sbuf_put(struct dp_sbuf *b, const char *s, size_t n)
{
	if (!grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
dp_sbuf_puts(struct dp_sbuf *b, const char *s)
{
	dp_sbuf_put(b, s, strlen(s));
}

void
dp_sbuf_printf(struct dp_sbuf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		dp_sbuf_put(b, small, (size_t)n);
		return;
	}
	if (!grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
dp_metrics_escape_label(struct dp_sbuf *b, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *rep = *s == '\\'   ? "\\\\"
		                  : *s == '"'  ? "\\\""
		                  : *s == '\n' ? "\\n"
		                               : NULL;

		if (rep == NULL)
			continue;
		dp_sbuf_put(b, run, (size_t)(s - run));
		dp_sbuf_puts(b, rep);
		run = s + 1;
	}
	dp_sbuf_put(b, run, (size_t)(s - run));
}

void
dp_html_escape(struct dp_sbuf *b, const char *s)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *rep = NULL;

		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		dp_sbuf_put(b, run, (size_t)(s - run));
		dp_sbuf_puts(b, rep);
		run = s + 1;
	}
	dp_sbuf_put(b, run, (size_t)(s - run));
}

bool
dp_metrics_detail_used(const char *key)
{
	static const char *const used[] = {
	    "server", "address",    "endpoint",  "soa_serial",   "rrsig_expiry", "dnssec_secure",
	    "secure", "tlsa_match", "not_after", "policy_valid", "mode",         NULL};

	for (size_t i = 0; used[i] != NULL; i++) {
		if (strcmp(used[i], key) == 0)
			return true;
	}
	return false;
}

/* ---- samples ---- */

static void
family(struct dp_sbuf *b, const char *name, const char *type, const char *help)
{
	dp_sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{k1="v1",k2="v2",...} value — labels as NULL-terminated key, value pairs. */
static void
sample(struct dp_sbuf *b, const char *name, double value, const char *const *labels)
{
	dp_sbuf_puts(b, name);
	for (size_t i = 0; labels != NULL && labels[i] != NULL; i += 2) {
		dp_sbuf_puts(b, i == 0 ? "{" : ",");
		dp_sbuf_puts(b, labels[i]);
		dp_sbuf_puts(b, "=\"");
		dp_metrics_escape_label(b, labels[i + 1] != NULL ? labels[i + 1] : "");
		dp_sbuf_puts(b, "\"");
	}
	if (labels != NULL && labels[0] != NULL)
		dp_sbuf_puts(b, "}");
	if (isnan(value))
		dp_sbuf_puts(b, " NaN\n");
	else if (value == floor(value) && fabs(value) < 9e15)
		dp_sbuf_printf(b, " %" PRId64 "\n", (int64_t)value);
	else
		dp_sbuf_printf(b, " %.6f\n", value);
}

static const char *
dstr(const json_t *d, const char *key)
{
	const char *s = json_string_value(json_object_get(d, key));

	return s != NULL ? s : "";
}

/* A detail as a number: integers, reals and booleans (1/0); false when absent or null. */
static bool
dnum(const json_t *d, const char *key, double *out)
{
	const json_t *v = json_object_get(d, key);

	if (json_is_integer(v))
		*out = (double)json_integer_value(v);
	else if (json_is_real(v))
		*out = json_real_value(v);
	else if (json_is_boolean(v))
		*out = json_is_true(v) ? 1 : 0;
	else
		return false;
	return true;
}

/* Worst status and first index of results with the same (check, subject) as result i; false
 * when an earlier result had that pair (its sample is already out). */
static bool
first_of_pair(const struct dp_results *rs, size_t i, enum dp_status *worst)
{
	const struct dp_result *r = &rs->v[i];

	*worst = r->status;
	for (size_t j = 0; j < rs->n; j++) {
		const struct dp_result *o = &rs->v[j];

		if (j == i || strcmp(o->id, r->id) != 0 || strcmp(o->subject, r->subject) != 0)
			continue;
		if (j < i)
			return false;
		*worst = dp_status_worst(*worst, o->status);
	}
	return true;
}

static void
status_family(struct dp_sbuf *b, const struct dp_metrics_domain *v, size_t n, bool since)
{
	const char *name =
	    since ? "dnsprobe_check_status_since_timestamp_seconds" : "dnsprobe_check_status";

	if (since)
		family(b, name, "gauge",
		       "Since when the result has had its current status (Unix time).");
	else
		family(b, name, "gauge", "Result status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.");
	for (size_t k = 0; k < n; k++) {
		const struct dp_results *rs = v[k].rep != NULL ? &v[k].rep->results : NULL;

		for (size_t i = 0; rs != NULL && i < rs->n; i++) {
			const char *l[] = {"domain",  v[k].domain,      "check", rs->v[i].id,
			                   "subject", rs->v[i].subject, NULL};
			enum dp_status worst;

			if (!first_of_pair(rs, i, &worst) || (since && v[k].since == NULL))
				continue;
			sample(b, name, since ? v[k].since[i] : (double)worst, l);
		}
	}
}

static void
run_families(struct dp_sbuf *b, const struct dp_metrics_domain *v, size_t n)
{
	family(b, "dnsprobe_check_duration_seconds", "gauge",
	       "Duration of the check in the last run.");
	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; v[k].rep != NULL && i < v[k].rep->ntimings; i++) {
			const struct dp_check_timing *t = &v[k].rep->timings[i];
			const char *l[] = {"domain", v[k].domain, "check", t->id, NULL};

			if (t->seconds >= 0)
				sample(b, "dnsprobe_check_duration_seconds", t->seconds, l);
		}
	}
	family(b, "dnsprobe_last_run_timestamp_seconds", "gauge",
	       "End of the last completed run (Unix time).");
	for (size_t k = 0; k < n; k++) {
		const char *l[] = {"domain", v[k].domain, NULL};

		if (v[k].finished > 0)
			sample(b, "dnsprobe_last_run_timestamp_seconds", v[k].finished, l);
	}
}

/* The thresholds the checks judged with (SPEC §1 defaults or the config's per-domain values). */
static void
limit_families(struct dp_sbuf *b, const struct dp_metrics_domain *v, size_t n)
{
	family(b, "dnsprobe_threshold_seconds", "gauge",
	       "Threshold the domain's checks use: rrsig_warn, rrsig_crit, cert_warn, cert_crit.");
	for (size_t k = 0; k < n; k++) {
		const struct dp_metrics_limits *t = &v[k].limits;
		const char *kinds[] = {"rrsig_warn", "rrsig_crit", "cert_warn", "cert_crit"};
		const int64_t vals[] = {t->rrsig_warn, t->rrsig_crit, t->cert_warn, t->cert_crit};

		for (size_t i = 0; t->set && i < 4; i++) {
			const char *l[] = {"domain", v[k].domain, "kind", kinds[i], NULL};

			sample(b, "dnsprobe_threshold_seconds", (double)vals[i], l);
		}
	}
	family(b, "dnsprobe_interval_seconds", "gauge", "How often the domain's checks run.");
	for (size_t k = 0; k < n; k++) {
		const char *l[] = {"domain", v[k].domain, NULL};

		if (v[k].limits.set && v[k].limits.interval > 0)
			sample(b, "dnsprobe_interval_seconds", (double)v[k].limits.interval, l);
	}
}

static void
counter_families(struct dp_sbuf *b, const struct dp_metrics_domain *v, size_t n)
{
	family(b, "dnsprobe_check_runs_total", "counter", "Runs of the domain's checks finished.");
	for (size_t k = 0; k < n; k++) {
		const char *l[] = {"domain", v[k].domain, NULL};

		if (!v[k].no_counters)
			sample(b, "dnsprobe_check_runs_total", (double)v[k].runs, l);
	}
	family(b, "dnsprobe_run_errors_total", "counter",
	       "Runs that reached no verdict at all (no path to the root, no memory).");
	for (size_t k = 0; k < n; k++) {
		const char *l[] = {"domain", v[k].domain, NULL};

		if (!v[k].no_counters)
			sample(b, "dnsprobe_run_errors_total", (double)v[k].errors, l);
	}
}

/* Every result of check id in every domain: fn(b, domain, result, its details). */
typedef void (*detail_fn)(struct dp_sbuf *b, const char *domain, const struct dp_result *r,
                          const json_t *d, void *arg);

static void
each_detail(const struct dp_metrics_domain *v, size_t n, const char *id, detail_fn fn,
            struct dp_sbuf *b, void *arg)
{
	for (size_t k = 0; k < n; k++) {
		const struct dp_results *rs = v[k].rep != NULL ? &v[k].rep->results : NULL;

		for (size_t i = 0; rs != NULL && i < rs->n; i++) {
			if (strcmp(rs->v[i].id, id) == 0 && rs->v[i].details != NULL)
				fn(b, v[k].domain, &rs->v[i], rs->v[i].details, arg);
		}
	}
}

static void
rrsig_one(struct dp_sbuf *b, const char *domain, const struct dp_result *r, const json_t *d,
          void *arg)
{
	const json_t *exp = json_object_get(d, "rrsig_expiry");
	const char *type;
	const json_t *t;

	(void)r;
	(void)arg;
	json_object_foreach((json_t *)exp, type, t)
	{
		const char *l[] = {"domain",          domain,    "server",
		                   dstr(d, "server"), "address", dstr(d, "address"),
		                   "rrtype",          type,      NULL};

		if (json_is_integer(t))
			sample(b, "dnsprobe_rrsig_expiry_timestamp_seconds",
			       (double)json_integer_value(t), l);
	}
}

static void
serial_one(struct dp_sbuf *b, const char *domain, const struct dp_result *r, const json_t *d,
           void *arg)
{
	const char *l[] = {"domain",           domain, "server", dstr(d, "server"), "address",
	                   dstr(d, "address"), NULL};
	double v;

	(void)r;
	(void)arg;
	if (json_object_get(d, "server") != NULL && dnum(d, "soa_serial", &v))
		sample(b, "dnsprobe_soa_serial", v, l);
}

static void
secure_one(struct dp_sbuf *b, const char *domain, const struct dp_result *r, const json_t *d,
           void *arg)
{
	const json_t *sec = json_object_get(d, "dnssec_secure");
	const char *type;
	const json_t *t;

	(void)arg;
	/* The apex RRsets only (SPEC §5: domain, rrtype); the MX and service hosts' A/AAAA are
	 * results of their own, with their status in dnsprobe_check_status. */
	if (strcmp(r->subject, domain) != 0)
		return;
	if (sec == NULL)
		sec = json_object_get(d, "secure");
	json_object_foreach((json_t *)sec, type, t)
	{
		const char *l[] = {"domain", domain, "rrtype", type, NULL};

		if (json_is_integer(t) || json_is_boolean(t))
			sample(b, "dnsprobe_dnssec_secure",
			       json_is_integer(t) ? (json_integer_value(t) != 0) : json_is_true(t),
			       l);
	}
}

static void
tlsa_one(struct dp_sbuf *b, const char *domain, const struct dp_result *r, const json_t *d,
         void *arg)
{
	const char *l[] = {"domain",           domain, "endpoint", dstr(d, "endpoint"), "address",
	                   dstr(d, "address"), NULL};
	double v;

	(void)r;
	(void)arg;
	if (json_object_get(d, "address") != NULL && dnum(d, "tlsa_match", &v))
		sample(b, "dnsprobe_tlsa_match", v != 0, l);
}

/* Certificates have no domain label (SPEC §5): one sample per (endpoint, address) even when
 * several domains share a mail server. */
struct seen {
	char **v;
	size_t n, cap;
};

static bool
seen_add(struct seen *s, const char *key)
{
	char **nv;

	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->v[i], key) == 0)
			return false;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		nv = realloc(s->v, s->cap * sizeof(*nv));
		if (nv == NULL)
			return false;
		s->v = nv;
	}
	s->v[s->n] = dp_asprintf("%s", key);
	if (s->v[s->n] == NULL)
		return false;
	s->n++;
	return true;
}

static void
cert_one(struct dp_sbuf *b, const char *domain, const struct dp_result *r, const json_t *d,
         void *arg)
{
	const char *l[] = {"endpoint", dstr(d, "endpoint"), "address", dstr(d, "address"), NULL};
	char key[600];
	double v;

	(void)r;
	(void)domain;
	if (!dnum(d, "not_after", &v))
		return;
	dp_snprintf(key, sizeof(key), "%s\n%s", l[1], l[3]);
	if (seen_add(arg, key))
		sample(b, "dnsprobe_tls_cert_expiry_timestamp_seconds", v, l);
}

static void
sts_one(struct dp_sbuf *b, const char *domain, const struct dp_result *r, const json_t *d,
        void *arg)
{
	const char *mode = dstr(d, "mode");
	const char *l[] = {"domain", domain, "mode", mode[0] ? mode : "unknown", NULL};
	double v;

	(void)r;
	(void)arg;
	if (dnum(d, "policy_valid", &v))
		sample(b, "dnsprobe_mta_sts_policy_valid", v != 0, l);
}

static void
detail_families(struct dp_sbuf *b, const struct dp_metrics_domain *v, size_t n)
{
	struct seen seen = {0};

	family(
	    b, "dnsprobe_rrsig_expiry_timestamp_seconds", "gauge",
	    "Earliest RRSIG expiration seen at this server address, per RRset type (Unix time).");
	each_detail(v, n, "dnssec.rrsig_expiry", rrsig_one, b, NULL);
	family(b, "dnsprobe_soa_serial", "gauge", "SOA serial each nameserver address gave.");
	each_detail(v, n, "ns.soa_serial", serial_one, b, NULL);
	family(b, "dnsprobe_dnssec_secure", "gauge",
	       "1 when the apex RRset validated secure from the root.");
	each_detail(v, n, "dnssec.chain", secure_one, b, NULL);
	family(b, "dnsprobe_tlsa_match", "gauge",
	       "1 when a usable TLSA record matched the endpoint at this address.");
	each_detail(v, n, "dane.tlsa", tlsa_one, b, NULL);
	family(b, "dnsprobe_tls_cert_expiry_timestamp_seconds", "gauge",
	       "Certificate notAfter at this endpoint and address (Unix time).");
	each_detail(v, n, "tls.cert", cert_one, b, &seen);
	family(b, "dnsprobe_mta_sts_policy_valid", "gauge",
	       "1 when the MTA-STS policy checks pass.");
	each_detail(v, n, "mta_sts.policy", sts_one, b, NULL);
	for (size_t i = 0; i < seen.n; i++)
		free(seen.v[i]);
	free(seen.v);
}

static void
process_families(struct dp_sbuf *b, const struct dp_metrics_process *g)
{
	family(b, "dnsprobe_config_last_reload_successful", "gauge",
	       "1 when the last configuration (re)load succeeded.");
	sample(b, "dnsprobe_config_last_reload_successful", g->reload_ok, NULL);
	family(b, "dnsprobe_config_last_reload_success_timestamp_seconds", "gauge",
	       "Time of the last successful configuration load (Unix time).");
	sample(b, "dnsprobe_config_last_reload_success_timestamp_seconds", g->reload_success_time,
	       NULL);
	family(b, "dnsprobe_domains", "gauge", "Domains in the configuration.");
	sample(b, "dnsprobe_domains", (double)g->ndomains, NULL);
	family(b, "dnsprobe_probe_rejected_total", "counter",
	       "/probe requests refused because every probe slot was busy.");
	sample(b, "dnsprobe_probe_rejected_total", (double)g->probe_rejected, NULL);
	family(b, "process_start_time_seconds", "gauge", "Start time of the process (Unix time).");
	sample(b, "process_start_time_seconds", g->start_time, NULL);
}

int
dp_metrics_render(struct dp_sbuf *b, const struct dp_metrics_domain *v, size_t n,
                  const struct dp_metrics_process *g)
{
	const char *bl[] = {"version", DP_VERSION, NULL};

	status_family(b, v, n, false);
	status_family(b, v, n, true);
	run_families(b, v, n);
	limit_families(b, v, n);
	counter_families(b, v, n);
	detail_families(b, v, n);
	family(b, "dnsprobe_build_info", "gauge", "Always 1; the version as a label.");
	sample(b, "dnsprobe_build_info", 1, bl);
	if (g != NULL)
		process_families(b, g);
	return b->failed ? DP_ENOMEM : 0;
}
