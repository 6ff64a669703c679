/* The result model: results lists, reports and their ordering (SPEC §2). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsprobe/result.h"

void
dp_results_init(struct dp_results *rs)
{
	memset(rs, 0, sizeof(*rs));
}

static void
samples_free(struct dp_result *r)
{
	for (size_t i = 0; i < r->nsamples; i++) {
		for (size_t k = 0; k < DP_METRIC_LABELS; k++)
			free(r->samples[i].labels[k]);
	}
	free(r->samples);
	r->samples = NULL;
	r->nsamples = 0;
}

static void
result_clear(struct dp_result *r)
{
	samples_free(r);
	free(r->id);
	free(r->subject);
	free(r->summary);
	json_decref(r->details);
}

void
dp_results_clear(struct dp_results *rs)
{
	if (rs == NULL)
		return;
	for (size_t i = 0; i < rs->n; i++)
		result_clear(&rs->v[i]);
	free(rs->v);
	dp_results_init(rs);
}

static int
reserve(struct dp_results *rs, size_t want)
{
	struct dp_result *nv;
	size_t cap = rs->cap ? rs->cap : 8;

	if (want <= rs->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	nv = realloc(rs->v, cap * sizeof(*nv));
	if (nv == NULL)
		return DP_ENOMEM;
	rs->v = nv;
	rs->cap = cap;
	return 0;
}

struct dp_result *
dp_results_add(struct dp_results *rs, const char *id, const char *subject, enum dp_status status,
	       json_t *details, const char *fmt, ...)
{
	struct dp_result r = {.status = status};
	va_list ap;
	int n;

	if (details == NULL)
		details = json_object();
	va_start(ap, fmt);
	n = vasprintf(&r.summary, fmt, ap);
	va_end(ap);
	if (n < 0)
		r.summary = NULL;
	r.id = dp_strdup(id);
	r.subject = dp_strdup(subject != NULL ? subject : "");
	r.details = details;
	if (r.summary == NULL || r.id == NULL || r.subject == NULL || r.details == NULL ||
	    reserve(rs, rs->n + 1) != 0) {
		result_clear(&r);
		return NULL;
	}
	/* Summaries are one line. */
	for (char *p = r.summary; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	}
	rs->v[rs->n] = r;
	return &rs->v[rs->n++];
}

int
dp_result_sample(struct dp_result *r, const struct dp_metric *m, double value, ...)
{
	struct dp_sample smp = {.metric = m, .value = value};
	struct dp_sample *nv;
	va_list ap;
	int rc = 0;

	if (r == NULL)
		return DP_ENOMEM;
	va_start(ap, value);
	for (size_t k = 0; k < DP_METRIC_LABELS && m->labels[k] != NULL; k++) {
		const char *v = va_arg(ap, const char *);

		smp.labels[k] = dp_strdup(v != NULL ? v : "");
		if (smp.labels[k] == NULL)
			rc = DP_ENOMEM;
	}
	va_end(ap);
	nv = rc == 0 ? realloc(r->samples, (r->nsamples + 1) * sizeof(*nv)) : NULL;
	if (nv == NULL) {
		for (size_t k = 0; k < DP_METRIC_LABELS; k++)
			free(smp.labels[k]);
		return DP_ENOMEM;
	}
	nv[r->nsamples++] = smp;
	r->samples = nv;
	return 0;
}

void
dp_results_drop_samples(struct dp_results *rs)
{
	for (size_t i = 0; rs != NULL && i < rs->n; i++)
		samples_free(&rs->v[i]);
}

int
dp_results_take(struct dp_results *dst, struct dp_results *src)
{
	if (src->n == 0)
		return 0;
	if (reserve(dst, dst->n + src->n) != 0)
		return DP_ENOMEM;
	memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
	dst->n += src->n;
	free(src->v);
	dp_results_init(src);
	return 0;
}

enum dp_status
dp_results_worst(const struct dp_results *rs)
{
	enum dp_status w = DP_STATUS_OK;

	for (size_t i = 0; i < rs->n; i++)
		w = dp_status_worst(w, rs->v[i].status);
	return w;
}

void
dp_results_sort(struct dp_results *rs)
{
	/* Stable insertion sort by rank, worst first; lists are short. */
	for (size_t i = 1; i < rs->n; i++) {
		struct dp_result r = rs->v[i];
		size_t j = i;

		while (j > 0 && dp_status_rank(rs->v[j - 1].status) < dp_status_rank(r.status)) {
			rs->v[j] = rs->v[j - 1];
			j--;
		}
		rs->v[j] = r;
	}
}

struct dp_report *
dp_report_new(const char *domain)
{
	struct dp_report *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->domain = dp_strdup(domain);
	if (r->domain == NULL) {
		free(r);
		return NULL;
	}
	dp_results_init(&r->results);
	return r;
}

void
dp_report_free(struct dp_report *r)
{
	if (r == NULL)
		return;
	dp_results_clear(&r->results);
	for (size_t i = 0; i < r->ntimings; i++) {
		free(r->timings[i].id);
		free(r->timings[i].title);
	}
	free(r->timings);
	json_decref(r->discovery);
	free(r->domain);
	free(r);
}

int
dp_report_add_check(struct dp_report *r, const char *id, const char *title, double seconds,
		    enum dp_status status)
{
	struct dp_check_timing *nv = realloc(r->timings, (r->ntimings + 1) * sizeof(*nv));
	struct dp_check_timing *t;

	if (nv == NULL)
		return DP_ENOMEM;
	r->timings = nv;
	t = &nv[r->ntimings];
	t->id = dp_strdup(id);
	t->title = title != NULL ? dp_strdup(title) : NULL;
	if (t->id == NULL || (title != NULL && t->title == NULL)) {
		free(t->id);
		free(t->title);
		return DP_ENOMEM;
	}
	t->seconds = seconds;
	t->status = status;
	r->ntimings++;
	return 0;
}

int
dp_report_add_timing(struct dp_report *r, const char *id, double seconds, enum dp_status status)
{
	return dp_report_add_check(r, id, NULL, seconds, status);
}

const char *
dp_report_title(const struct dp_report *r, const char *id)
{
	for (size_t i = 0; i < r->ntimings; i++) {
		if (strcmp(r->timings[i].id, id) == 0)
			return r->timings[i].title;
	}
	return NULL;
}

enum dp_status
dp_report_status(const struct dp_report *r)
{
	return dp_results_worst(&r->results);
}

const char *
dp_output_str(enum dp_output o)
{
	switch (o) {
	case DP_OUTPUT_NAGIOS:
		return "nagios";
	case DP_OUTPUT_JSON:
		return "json";
	case DP_OUTPUT_TEXT:
		break;
	}
	return "text";
}

int
dp_output_parse(const char *s)
{
	for (int i = 0; i <= 2; i++) {
		if (strcmp(s, dp_output_str((enum dp_output)i)) == 0)
			return i;
	}
	return -1;
}

const char *
dp_result_summary_rest(const struct dp_result *x)
{
	size_t n = strlen(x->subject);

	if (n > 0 && strncmp(x->summary, x->subject, n) == 0 && x->summary[n] == ':' &&
	    x->summary[n + 1] == ' ' && x->summary[n + 2] != '\0')
		return x->summary + n + 2;
	return x->summary;
}
