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
		b->over_max = true;
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

/* ---- the families, in exposition order ---- */

/* The families every domain has; the checks' declared gauges follow them (F_CHECKS + i). */
enum {
	F_STATUS,
	F_SINCE,
	F_DURATION,
	F_LAST_RUN,
	F_THRESHOLD, /* from the configuration: per scrape, not in the parts */
	F_INTERVAL,
	F_RUNS,
	F_ERRORS,
	F_CHECKS,
};

static const struct {
	const char *name, *type, *help;
} base_families[F_CHECKS] = {
    [F_STATUS] = {"dnsprobe_check_status", "gauge",
                  "Result status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."},
    [F_SINCE] = {"dnsprobe_check_status_since_timestamp_seconds", "gauge",
                 "Since when the result has had its current status (Unix time)."},
    [F_DURATION] = {"dnsprobe_check_duration_seconds", "gauge",
                    "Duration of the check in the last run."},
    [F_LAST_RUN] = {"dnsprobe_last_run_timestamp_seconds", "gauge",
                    "End of the last completed run (Unix time)."},
    [F_THRESHOLD] = {"dnsprobe_threshold_seconds", "gauge",
                     "Threshold the domain's checks use: rrsig_warn, rrsig_crit, cert_warn, "
                     "cert_crit."},
    [F_INTERVAL] = {"dnsprobe_interval_seconds", "gauge", "How often the domain's checks run."},
    [F_RUNS] = {"dnsprobe_check_runs_total", "counter", "Runs of the domain's checks finished."},
    [F_ERRORS] = {"dnsprobe_run_errors_total", "counter",
                  "Runs that reached no verdict at all (no path to the root, no memory)."},
};

/* The families made from the configuration at each scrape (a reload changes them at once; a
 * run's part does not hold them). */
static bool
per_scrape(size_t f)
{
	return f == F_THRESHOLD || f == F_INTERVAL;
}

static size_t
metric_count(const struct dp_metric *const *metrics)
{
	size_t n = 0;

	while (metrics != NULL && metrics[n] != NULL)
		n++;
	return n;
}

static void
family_header(struct dp_sbuf *b, const struct dp_metric *const *metrics, size_t f)
{
	if (f < F_CHECKS)
		family(b, base_families[f].name, base_families[f].type, base_families[f].help);
	else
		family(b, metrics[f - F_CHECKS]->name, "gauge", metrics[f - F_CHECKS]->help);
}

/* The samples of declared gauge m in one domain's report. */
static void
check_family(struct dp_sbuf *b, const struct dp_metrics_domain *d, const struct dp_metric *m)
{
	const struct dp_results *rs = &d->rep->results;

	for (size_t i = 0; i < rs->n; i++) {
		for (size_t j = 0; j < rs->v[i].nsamples; j++) {
			const struct dp_sample *x = &rs->v[i].samples[j];
			const char *l[2 * (DP_METRIC_LABELS + 1) + 1];
			size_t nl = 0;

			if (x->metric != m)
				continue;
			if (!m->shared) {
				l[nl++] = "domain";
				l[nl++] = d->domain;
			}
			for (size_t k = 0; k < DP_METRIC_LABELS && m->labels[k] != NULL; k++) {
				l[nl++] = m->labels[k];
				l[nl++] = x->labels[k];
			}
			l[nl] = NULL;
			sample(b, m->name, x->value, l);
		}
	}
}

/* Family f's sample lines of one domain. */
static void
domain_family(struct dp_sbuf *b, const struct dp_metrics_domain *d,
              const struct dp_metric *const *metrics, size_t f)
{
	const struct dp_results *rs = d->rep != NULL ? &d->rep->results : NULL;
	const char *dl[] = {"domain", d->domain, NULL};

	switch (f) {
	case F_STATUS:
	case F_SINCE:
		for (size_t i = 0; rs != NULL && i < rs->n; i++) {
			const char *l[] = {"domain",  d->domain,        "check", rs->v[i].id,
			                   "subject", rs->v[i].subject, NULL};
			enum dp_status worst;

			if (!first_of_pair(rs, i, &worst) || (f == F_SINCE && d->since == NULL))
				continue;
			sample(b, base_families[f].name,
			       f == F_SINCE ? d->since[i] : (double)worst, l);
		}
		return;
	case F_DURATION:
		for (size_t i = 0; d->rep != NULL && i < d->rep->ntimings; i++) {
			const struct dp_check_timing *t = &d->rep->timings[i];
			const char *l[] = {"domain", d->domain, "check", t->id, NULL};

			if (t->seconds >= 0)
				sample(b, base_families[f].name, t->seconds, l);
		}
		return;
	case F_LAST_RUN:
		if (d->finished > 0)
			sample(b, base_families[f].name, d->finished, dl);
		return;
	case F_THRESHOLD: {
		const struct dp_metrics_limits *t = &d->limits;
		const char *kinds[] = {"rrsig_warn", "rrsig_crit", "cert_warn", "cert_crit"};
		const int64_t vals[] = {t->rrsig_warn, t->rrsig_crit, t->cert_warn, t->cert_crit};

		for (size_t i = 0; t->set && i < 4; i++) {
			const char *l[] = {"domain", d->domain, "kind", kinds[i], NULL};

			sample(b, base_families[f].name, (double)vals[i], l);
		}
		return;
	}
	case F_INTERVAL:
		if (d->limits.set && d->limits.interval > 0)
			sample(b, base_families[f].name, (double)d->limits.interval, dl);
		return;
	case F_RUNS:
		if (!d->no_counters)
			sample(b, base_families[f].name, (double)d->runs, dl);
		return;
	case F_ERRORS:
		if (!d->no_counters)
			sample(b, base_families[f].name, (double)d->errors, dl);
		return;
	default:
		if (d->rep != NULL)
			check_family(b, d, metrics[f - F_CHECKS]);
		return;
	}
}

/* ---- one domain's part, rendered once per published run ---- */

struct dp_mpart {
	size_t nfam;
	size_t *tlen;         /* family f's text, in bytes */
	/* Only the shared families keep their text (to leave out series another domain has
	 * already given): text[toff[f] .. toff[f] + tlen[f]). Every other family is kept as raw
	 * deflate only, and a plain response inflates it as it is sent. */
	char *text;
	size_t *toff;         /* nfam */
	unsigned char *z;     /* family f as raw deflate, full-flushed: z[zoff[f] .. zoff[f + 1]) */
	size_t *zoff;         /* nfam + 1 */
	uint32_t *crc;        /* crc32 of each family's text */
};

void
dp_metrics_part_free(struct dp_mpart *p)
{
	if (p == NULL)
		return;
	free(p->tlen);
	free(p->text);
	free(p->toff);
	free(p->z);
	free(p->zoff);
	free(p->crc);
	free(p);
}

static bool
family_shared(const struct dp_metric *const *metrics, size_t f)
{
	return f >= F_CHECKS && metrics[f - F_CHECKS]->shared;
}

size_t
dp_metrics_part_bytes(const struct dp_mpart *p)
{
	size_t n = 0;

	if (p == NULL)
		return 0;
	for (size_t f = 0; p->text != NULL && f < p->nfam; f++)
		if (p->toff[f] != SIZE_MAX)
			n += p->tlen[f];
	return n + p->zoff[p->nfam];
}

/* Compress in[0..n) as a self-contained stretch of raw deflate ending on a byte boundary (a
 * full flush: nothing after it refers back), appended to *z. */
static int
deflate_piece(z_stream *zs, const char *in, size_t n, unsigned char **z, size_t *zlen,
              size_t *zcap)
{
	size_t need = deflateBound(zs, (uLong)n) + 16;
	unsigned char *nz;

	if (*zlen + need > *zcap) {
		size_t ncap = *zcap ? *zcap : 1024;

		while (ncap < *zlen + need)
			ncap *= 2;
		nz = realloc(*z, ncap);
		if (nz == NULL)
			return DP_ENOMEM;
		*z = nz;
		*zcap = ncap;
	}
	zs->next_in = (Bytef *)(uintptr_t)in;
	zs->avail_in = (uInt)n;
	zs->next_out = *z + *zlen;
	zs->avail_out = (uInt)(*zcap - *zlen);
	if (deflate(zs, Z_FULL_FLUSH) != Z_OK || zs->avail_in != 0 || zs->avail_out == 0)
		return DP_ELIB;
	*zlen = *zcap - zs->avail_out;
	return 0;
}

/* A part lives until its domain's next run: give back what the buffers' growth left over (the
 * deflate buffer is grown by deflateBound, about the text's size, for a tenth of that in output;
 * the text by doubling): 60 MB of the peak with 10,001 domains configured (bench/README.md). */
/* Keep the shared families' text (t holds every family's, off[f] where f begins), give back the
 * deflate buffer's slack. */
static int
part_keep(struct dp_mpart *p, const struct dp_metric *const *metrics, const char *t,
          const size_t *off)
{
	size_t keep = 0;
	unsigned char *z;

	for (size_t f = 0; f < p->nfam; f++) {
		p->toff[f] = SIZE_MAX;
		if (family_shared(metrics, f)) {
			p->toff[f] = keep;
			keep += p->tlen[f];
		}
	}
	if (keep > 0) {
		p->text = malloc(keep);
		if (p->text == NULL)
			return DP_ENOMEM;
		for (size_t f = 0; f < p->nfam; f++)
			if (p->toff[f] != SIZE_MAX)
				memcpy(p->text + p->toff[f], t + off[f], p->tlen[f]);
	}
	if (p->z != NULL && p->zoff[p->nfam] > 0) {
		z = realloc(p->z, p->zoff[p->nfam]);
		if (z != NULL)
			p->z = z;
	}
	return 0;
}

int
dp_metrics_part_new(const struct dp_metrics_domain *d, const struct dp_metric *const *metrics,
                    struct dp_mpart **out)
{
	struct dp_mpart *p = calloc(1, sizeof(*p));
	struct dp_sbuf text;
	size_t *off = NULL;
	size_t zcap = 0;
	size_t zlen = 0;
	z_stream zs;
	bool zinit = false;
	int rc = DP_ENOMEM;

	*out = NULL;
	if (p == NULL)
		return DP_ENOMEM;
	p->nfam = F_CHECKS + metric_count(metrics);
	dp_sbuf_init(&text, DP_METRICS_PART_MAX);
	off = calloc(p->nfam + 1, sizeof(*off));
	p->tlen = calloc(p->nfam, sizeof(*p->tlen));
	p->toff = calloc(p->nfam, sizeof(*p->toff));
	p->zoff = calloc(p->nfam + 1, sizeof(*p->zoff));
	p->crc = calloc(p->nfam, sizeof(*p->crc));
	if (off == NULL || p->tlen == NULL || p->toff == NULL || p->zoff == NULL || p->crc == NULL)
		goto out;
	for (size_t f = 0; f < p->nfam; f++) {
		off[f] = text.len;
		if (!per_scrape(f))
			domain_family(&text, d, metrics, f);
		p->tlen[f] = text.len - off[f];
	}
	off[p->nfam] = text.len;
	if (text.failed)
		goto out;
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		goto out;
	zinit = true;
	for (size_t f = 0; f < p->nfam; f++) {
		size_t n = p->tlen[f];

		p->zoff[f] = zlen;
		p->crc[f] = (uint32_t)crc32(0L, (const Bytef *)text.p + off[f], (uInt)n);
		if (n > 0) {
			rc = deflate_piece(&zs, text.p + off[f], n, &p->z, &zlen, &zcap);
			if (rc != 0)
				goto out;
		}
	}
	p->zoff[p->nfam] = zlen;
	rc = part_keep(p, metrics, text.p, off);
out:
	if (zinit)
		(void)deflateEnd(&zs);
	dp_sbuf_clear(&text);
	free(off);
	if (rc != 0) {
		dp_metrics_part_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

/* ---- a response body: the parts' pieces, in family order, and what is made per scrape ---- */

/* A stretch of the body: its text and its raw deflate. A NULL text is an offset into the body's
 * own buffers (they may move while it is built); a part's piece has no text, only its length and
 * CRC (a plain response inflates it). */
struct dp_mseg {
	size_t toff, tlen;
	const unsigned char *z;
	size_t zoff, zlen;
	uint32_t crc; /* of the text, for a part's piece */
	bool piece;
};

static bool
seg_add(struct dp_mbody *b, const struct dp_mseg *s)
{
	if (s->tlen == 0)
		return true;
	if (b->nseg == b->capseg) {
		size_t ncap = b->capseg ? 2 * b->capseg : 256;
		struct dp_mseg *nv = realloc(b->seg, ncap * sizeof(*nv));

		if (nv == NULL)
			return false;
		b->seg = nv;
		b->capseg = ncap;
	}
	b->seg[b->nseg++] = *s;
	return true;
}

/* The text made since dyn_mark as one segment (compressed now when gzip is wanted). */
static bool
dyn_flush(struct dp_mbody *b)
{
	struct dp_mseg s = {.toff = b->dyn_mark, .tlen = b->dyn.len - b->dyn_mark};
	size_t zlen = b->zlen;

	if (b->dyn.failed)
		return false;
	if (s.tlen == 0)
		return true;
	b->dyn_mark = b->dyn.len;
	if (b->gzip) {
		s.zoff = b->zlen;
		if (deflate_piece(&b->zs, b->dyn.p + s.toff, s.tlen, &b->zdyn, &zlen, &b->zcap) !=
		    0)
			return false;
		s.zlen = zlen - b->zlen;
		b->zlen = zlen;
	}
	return seg_add(b, &s);
}

static bool
part_piece(struct dp_mbody *b, const struct dp_mpart *p, size_t f)
{
	struct dp_mseg s = {
	    .tlen = p->tlen[f],
	    .z = p->z + p->zoff[f],
	    .zlen = p->zoff[f + 1] - p->zoff[f],
	    .crc = p->crc[f],
	    .piece = true,
	};

	return dyn_flush(b) && seg_add(b, &s);
}

/* A set of sample lines already out (their series, the line up to the value). */
struct lineset {
	struct {
		const char *p;
		size_t len;
	} *v;
	size_t cap; /* a power of two */
};

static uint64_t
fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* True when the series was not in the set (it is now); false when it was, or no memory. */
static bool
lineset_add(struct lineset *ls, const char *p, size_t len)
{
	size_t i = (size_t)fnv(p, len) & (ls->cap - 1);

	while (ls->v[i].p != NULL) {
		if (ls->v[i].len == len && memcmp(ls->v[i].p, p, len) == 0)
			return false;
		i = (i + 1) & (ls->cap - 1);
	}
	ls->v[i].p = p;
	ls->v[i].len = len;
	return true;
}

static bool
part_has_text(const struct dp_mpart *p, size_t f)
{
	return p != NULL && f < p->nfam && p->text != NULL && p->toff[f] != SIZE_MAX;
}

/* A shared family (no domain label): every domain's lines, each series once (the first). */
static bool
shared_family(struct dp_mbody *b, const struct dp_mpart *const *parts, size_t n, size_t f)
{
	struct lineset ls = {0};
	size_t lines = 0;

	for (size_t k = 0; k < n; k++) {
		const struct dp_mpart *p = parts[k];

		for (size_t i = 0; part_has_text(p, f) && i < p->tlen[f]; i++)
			lines += p->text[p->toff[f] + i] == '\n';
	}
	ls.cap = 16;
	while (ls.cap < 2 * lines)
		ls.cap *= 2;
	ls.v = calloc(ls.cap, sizeof(*ls.v));
	if (ls.v == NULL)
		return false;
	for (size_t k = 0; k < n; k++) {
		const struct dp_mpart *p = parts[k];
		const char *q = part_has_text(p, f) ? p->text + p->toff[f] : NULL;
		const char *end = q != NULL ? q + p->tlen[f] : NULL;

		while (q != NULL && q < end) {
			const char *nl = memchr(q, '\n', (size_t)(end - q));
			const char *sp;
			size_t len = nl != NULL ? (size_t)(nl + 1 - q) : (size_t)(end - q);

			/* The series is everything before the last space (the value follows it). */
			for (sp = q + len - 1; sp > q && *sp != ' '; sp--)
				;
			if (lineset_add(&ls, q, (size_t)(sp - q)))
				dp_sbuf_put(&b->dyn, q, len);
			q += len;
		}
	}
	free(ls.v);
	return !b->dyn.failed;
}

const char *const dp_http_reject_names[DP_HTTP_REJ_N] = {
    [DP_HTTP_REJ_PER_CLIENT] = "per_client",
    [DP_HTTP_REJ_BUDGET] = "budget",
    [DP_HTTP_REJ_PUSHED_OUT] = "pushed_out",
    [DP_HTTP_REJ_HEADER_TIMEOUT] = "header_timeout",
    [DP_HTTP_REJ_SEND_TIMEOUT] = "send_timeout",
    [DP_HTTP_REJ_TOO_LARGE] = "too_large",
    [DP_HTTP_REJ_BAD_REQUEST] = "bad_request",
};

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
	family(b, "dnsprobe_runs_in_progress", "gauge",
	       "Scheduled runs of domains' checks started and not yet finished.");
	sample(b, "dnsprobe_runs_in_progress", (double)g->runs_in_progress, NULL);
	family(b, "dnsprobe_http_connections_rejected_total", "counter",
	       "HTTP connections refused at accept or cut, and requests refused by their header "
	       "(400, 413, 414, 431), by reason.");
	for (size_t i = 0; i < DP_HTTP_REJ_N; i++) {
		const char *l[] = {"reason", dp_http_reject_names[i], NULL};

		sample(b, "dnsprobe_http_connections_rejected_total", (double)g->http_rejected[i], l);
	}
	family(b, "process_start_time_seconds", "gauge", "Start time of the process (Unix time).");
	sample(b, "process_start_time_seconds", g->start_time, NULL);
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* Resolve the segments into the iovec list: the plain text, or one gzip member (RFC 1952)
 * whose deflate data is the segments' full-flushed stretches and an empty final block. */
static bool
finish(struct dp_mbody *b)
{
	static const unsigned char gz_header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
	static const unsigned char final_block[2] = {0x03, 0x00};
	size_t niov = b->nseg + (b->gzip ? 3 : 0);
	uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
	uint64_t total = 0;
	size_t k = 0;

	b->iov = calloc(niov + 1, sizeof(*b->iov));
	if (b->iov == NULL)
		return false;
	if (b->gzip)
		b->iov[k++] = (struct dp_iov){gz_header, sizeof(gz_header), 0};
	for (size_t i = 0; i < b->nseg; i++) {
		const struct dp_mseg *s = &b->seg[i];
		const char *t = b->dyn.p + s->toff;

		total += s->tlen;
		if (!b->gzip) {
			b->iov[k++] = s->piece ? (struct dp_iov){s->z, s->tlen, s->zlen}
			                       : (struct dp_iov){t, s->tlen, 0};
			continue;
		}
		b->iov[k++] =
		    (struct dp_iov){s->z != NULL ? s->z : b->zdyn + s->zoff, s->zlen, 0};
		if (s->piece)
			crc = (uint32_t)crc32_combine(crc, s->crc, (z_off_t)s->tlen);
		else
			crc = (uint32_t)crc32(crc, (const Bytef *)t, (uInt)s->tlen);
	}
	if (b->gzip) {
		b->iov[k++] = (struct dp_iov){final_block, sizeof(final_block), 0};
		put_le32(b->trailer, crc);
		put_le32(b->trailer + 4, (uint32_t)total);
		b->iov[k++] = (struct dp_iov){b->trailer, sizeof(b->trailer), 0};
	}
	b->niov = k;
	b->len = 0;
	for (size_t i = 0; i < k; i++)
		b->len += b->iov[i].len;
	return b->len <= b->max;
}

/* Up to max bytes of the segment the reader is on, from where it is (a deflated piece is inflated
 * from its start when the reader enters it). Returns 0 when the piece does not inflate to its
 * length. */
static size_t
seg_read(struct dp_mbody *b, char *buf, size_t max)
{
	const struct dp_iov *v = &b->iov[b->rseg];
	size_t k = v->len - b->rsegoff;

	if (k > max)
		k = max;
	if (v->zlen == 0) {
		memcpy(buf, (const char *)v->base + b->rsegoff, k);
	} else {
		if (b->rsegoff == 0) {
			if (!b->rinit) {
				memset(&b->rz, 0, sizeof(b->rz));
				if (inflateInit2(&b->rz, -15) != Z_OK)
					return 0;
				b->rinit = true;
			} else if (inflateReset(&b->rz) != Z_OK) {
				return 0;
			}
			b->rz.next_in = (Bytef *)(uintptr_t)v->base;
			b->rz.avail_in = (uInt)v->zlen;
		}
		b->rz.next_out = (Bytef *)buf;
		b->rz.avail_out = (uInt)k;
		int zr = inflate(&b->rz, Z_SYNC_FLUSH);

		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return 0;
		k -= b->rz.avail_out;
	}
	b->rsegoff += k;
	b->rpos += k;
	if (b->rsegoff == v->len) {
		b->rseg++;
		b->rsegoff = 0;
	}
	return k;
}

ssize_t
dp_metrics_body_read(struct dp_mbody *b, uint64_t pos, char *buf, size_t max)
{
	size_t n = 0;

	if (pos != b->rpos) { /* not where the last read ended: find the segment again */
		uint64_t at = 0;
		size_t i = 0;

		while (i < b->niov && at + b->iov[i].len <= pos)
			at += b->iov[i++].len;
		b->rseg = i;
		b->rsegoff = 0;
		b->rpos = at;
		while (b->rpos < pos && b->rseg < b->niov) { /* inflate up to pos, dropped */
			char junk[4096];
			uint64_t left = pos - b->rpos;

			if (seg_read(b, junk, left < sizeof(junk) ? (size_t)left : sizeof(junk)) == 0)
				return -1;
		}
	}
	while (n < max && b->rseg < b->niov) {
		size_t k = seg_read(b, buf + n, max - n);

		if (k == 0)
			return -1;
		n += k;
	}
	return (ssize_t)n;
}

void
dp_metrics_body_clear(struct dp_mbody *b)
{
	if (b->rinit)
		(void)inflateEnd(&b->rz);
	if (b->zinit)
		(void)deflateEnd(&b->zs);
	dp_sbuf_clear(&b->dyn);
	free(b->zdyn);
	free(b->seg);
	free(b->iov);
	memset(b, 0, sizeof(*b));
}

int
dp_metrics_body(struct dp_mbody *b, const struct dp_mpart *const *parts,
                const struct dp_metrics_domain *v, size_t n,
                const struct dp_metric *const *metrics, const struct dp_metrics_process *g,
                bool gzip, size_t max)
{
	size_t nfam = F_CHECKS + metric_count(metrics);
	const char *bl[] = {"version", DP_VERSION, NULL};
	bool ok = true;

	memset(b, 0, sizeof(*b));
	b->gzip = gzip;
	b->max = max;
	dp_sbuf_init(&b->dyn, max);
	if (gzip) {
		if (deflateInit2(&b->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 6,
		                 Z_DEFAULT_STRATEGY) != Z_OK)
			return DP_ENOMEM;
		b->zinit = true;
	}
	for (size_t f = 0; ok && f < nfam; f++) {
		family_header(&b->dyn, metrics, f);
		if (f >= F_CHECKS && metrics[f - F_CHECKS]->shared) {
			ok = shared_family(b, parts, n, f);
			continue;
		}
		for (size_t k = 0; ok && k < n; k++) {
			if (per_scrape(f))
				domain_family(&b->dyn, &v[k], metrics, f);
			/* A domain without a published run: its counters only. */
			else if (parts[k] == NULL)
				domain_family(&b->dyn, &(struct dp_metrics_domain){.domain = v[k].domain,
				                                                   .runs = v[k].runs,
				                                                   .errors = v[k].errors,
				                                                   .no_counters =
				                                                       v[k].no_counters},
				              metrics, f);
			else if (parts[k]->nfam == nfam)
				ok = part_piece(b, parts[k], f);
		}
	}
	if (ok) {
		family(&b->dyn, "dnsprobe_build_info", "gauge", "Always 1; the version as a label.");
		sample(&b->dyn, "dnsprobe_build_info", 1, bl);
		if (g != NULL)
			process_families(&b->dyn, g);
		ok = dyn_flush(b) && finish(b);
	}
	if (!ok) {
		/* over the cap (the list finish() made, or the text made per scrape): not a shortage of
		 * memory */
		int rc = (b->iov != NULL && b->len > b->max) || b->dyn.over_max ? DP_EINVAL
		                                                               : DP_ENOMEM;

		dp_metrics_body_clear(b);
		return rc;
	}
	return 0;
}

int
dp_metrics_render(struct dp_sbuf *b, const struct dp_metrics_domain *v, size_t n,
                  const struct dp_metric *const *metrics, const struct dp_metrics_process *g)
{
	struct dp_mpart **parts = calloc(n + 1, sizeof(*parts));
	struct dp_mbody body;
	int rc = parts != NULL ? 0 : DP_ENOMEM;

	for (size_t k = 0; rc == 0 && k < n; k++) {
		if (v[k].rep != NULL)
			rc = dp_metrics_part_new(&v[k], metrics, &parts[k]);
	}
	if (rc == 0)
		rc = dp_metrics_body(&body, (const struct dp_mpart *const *)parts, v, n, metrics, g,
		                     false, b->max);
	if (rc == 0) {
		char buf[16384];
		ssize_t k;

		while ((k = dp_metrics_body_read(&body, body.rpos, buf, sizeof(buf))) > 0)
			dp_sbuf_put(b, buf, (size_t)k);
		if (k < 0)
			rc = DP_ELIB;
		dp_metrics_body_clear(&body);
	}
	for (size_t k = 0; parts != NULL && k < n; k++)
		dp_metrics_part_free(parts[k]);
	free(parts);
	if (rc == 0 && b->failed)
		rc = DP_ENOMEM;
	return rc;
}
