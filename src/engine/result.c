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
	free(r->cause_id);
	free(r->cause_subject);
	json_decref(r->details);
	json_decref(r->fix);
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
dp_result_add_fix(struct dp_result *r, const char *fmt, ...)
{
	va_list ap;
	char *line = NULL;
	int n;

	if (r == NULL)
		return DP_ENOMEM;
	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return DP_ENOMEM;
	if (r->fix == NULL)
		r->fix = json_array();
	n = r->fix != NULL ? json_array_append_new(r->fix, json_string(line)) : -1;
	free(line);
	return n == 0 ? 0 : DP_ENOMEM;
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

int
dp_result_set_cause(struct dp_result *r, const char *id, const char *subject)
{
	char *i = dp_strdup(id);
	char *s = dp_strdup(subject != NULL ? subject : "");

	if (i == NULL || s == NULL) {
		free(i);
		free(s);
		return DP_ENOMEM;
	}
	free(r->cause_id);
	free(r->cause_subject);
	r->cause_id = i;
	r->cause_subject = s;
	return 0;
}

static void
cause_drop(struct dp_result *r)
{
	free(r->cause_id);
	free(r->cause_subject);
	r->cause_id = NULL;
	r->cause_subject = NULL;
}

/* Index of the result (id, subject) in rs, or rs->n. */
static size_t
find_result(const struct dp_results *rs, const char *id, const char *subject)
{
	for (size_t i = 0; i < rs->n; i++) {
		if (strcmp(rs->v[i].id, id) == 0 && strcmp(rs->v[i].subject, subject) == 0)
			return i;
	}
	return rs->n;
}

/* Follow r's claim to the root: the first result on the chain that follows from nothing (or
 * whose claim is void). Returns its index, or rs->n when r's own claim is void. */
static size_t
cause_root(const struct dp_results *rs, size_t self)
{
	size_t at = self;

	/* A chain longer than the list is a cycle. */
	for (size_t hops = 0; hops <= rs->n; hops++) {
		const struct dp_result *x = &rs->v[at];
		size_t next;

		if (x->cause_id == NULL)
			return at == self ? rs->n : at;
		next = find_result(rs, x->cause_id, x->cause_subject);
		if (next == self)
			return rs->n; /* a cycle: nobody in it is the cause */
		if (next == rs->n || rs->v[next].status == DP_STATUS_OK)
			return at == self ? rs->n : at;
		at = next;
	}
	return rs->n;
}

void
dp_results_link_causes(struct dp_results *rs)
{
	size_t *root = calloc(rs->n + 1, sizeof(*root));

	if (root == NULL) {
		/* No memory to resolve claims: drop them all rather than print dangling ones. */
		for (size_t i = 0; i < rs->n; i++)
			cause_drop(&rs->v[i]);
		return;
	}
	/* Resolve every claim against the list as it stands, then rewrite. */
	for (size_t i = 0; i < rs->n; i++)
		root[i] = rs->v[i].cause_id != NULL ? cause_root(rs, i) : rs->n;
	for (size_t i = 0; i < rs->n; i++) {
		const struct dp_result *c = root[i] < rs->n ? &rs->v[root[i]] : NULL;

		if (rs->v[i].cause_id == NULL)
			continue;
		if (c == NULL || c->status == DP_STATUS_OK) {
			cause_drop(&rs->v[i]);
			continue;
		}
		if (strcmp(c->id, rs->v[i].cause_id) != 0 ||
		    strcmp(c->subject, rs->v[i].cause_subject) != 0) {
			char *id = dp_strdup(c->id);
			char *subj = dp_strdup(c->subject);

			cause_drop(&rs->v[i]);
			if (id != NULL && subj != NULL) {
				rs->v[i].cause_id = id;
				rs->v[i].cause_subject = subj;
			} else {
				free(id);
				free(subj);
			}
		}
	}
	free(root);
}

const struct dp_result *
dp_results_cause_of(const struct dp_results *rs, const struct dp_result *r)
{
	size_t i;

	if (r->cause_id == NULL)
		return NULL;
	i = find_result(rs, r->cause_id, r->cause_subject);
	return i < rs->n ? &rs->v[i] : NULL;
}

size_t
dp_results_dependents(const struct dp_results *rs, const struct dp_result *r)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->n; i++) {
		const struct dp_result *x = &rs->v[i];

		n += x->cause_id != NULL && strcmp(x->cause_id, r->id) == 0 &&
		     strcmp(x->cause_subject, r->subject) == 0;
	}
	return n;
}

void
dp_results_order(const struct dp_results *rs, size_t *idx)
{
	size_t n = 0;

	for (int rank = 3; rank >= 0; rank--) {
		for (int dep = 0; dep < 2; dep++) {
			for (size_t i = 0; i < rs->n; i++) {
				const struct dp_result *x = &rs->v[i];

				if (dp_status_rank(x->status) == rank &&
				    (dp_results_cause_of(rs, x) != NULL) == (dep == 1))
					idx[n++] = i;
			}
		}
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

static char compact_empty[1];

/* Where string s of a result goes in the block (or, count, how many bytes it takes there, in
 * *need): NULL stays NULL, "" is compact_empty, the domain and a check's id are shared. */
static char *
compact_place(struct dp_report *r, const char *s, bool share, char *block, size_t *at)
{
	size_t n;

	if (s == NULL)
		return NULL;
	if (*s == '\0')
		return compact_empty;
	if (share && strcmp(s, r->domain) == 0)
		return r->domain;
	for (size_t j = 0; share && j < r->ntimings; j++) {
		if (strcmp(r->timings[j].id, s) == 0)
			return r->timings[j].id;
	}
	n = strlen(s) + 1;
	if (block != NULL)
		memcpy(block + *at, s, n);
	*at += n;
	return block != NULL ? block + *at - n : NULL;
}

/* Move *sp into the block. */
static void
compact_move(struct dp_report *r, char **sp, bool share, char *block, size_t *at)
{
	char *n = compact_place(r, *sp, share, block, at);

	free(*sp);
	*sp = n;
}

void
dp_report_compact(struct dp_report *r)
{
	size_t need = 0;
	size_t at = 0;
	char *block;

	if (r == NULL || r->strings != NULL)
		return;
	for (size_t j = 0; j < r->ntimings; j++) {
		(void)compact_place(r, r->timings[j].id, false, NULL, &need);
		(void)compact_place(r, r->timings[j].title, false, NULL, &need);
	}
	for (size_t i = 0; i < r->results.n; i++) {
		const struct dp_result *x = &r->results.v[i];

		(void)compact_place(r, x->id, true, NULL, &need);
		(void)compact_place(r, x->subject, true, NULL, &need);
		(void)compact_place(r, x->summary, true, NULL, &need);
		(void)compact_place(r, x->cause_id, true, NULL, &need);
		(void)compact_place(r, x->cause_subject, true, NULL, &need);
	}
	block = malloc(need > 0 ? need : 1);
	if (block == NULL)
		return;
	/* the checks' ids first: the results' ids are then shared with them */
	for (size_t j = 0; j < r->ntimings; j++) {
		compact_move(r, &r->timings[j].id, false, block, &at);
		compact_move(r, &r->timings[j].title, false, block, &at);
	}
	for (size_t i = 0; i < r->results.n; i++) {
		struct dp_result *x = &r->results.v[i];

		compact_move(r, &x->id, true, block, &at);
		compact_move(r, &x->subject, true, block, &at);
		compact_move(r, &x->summary, true, block, &at);
		compact_move(r, &x->cause_id, true, block, &at);
		compact_move(r, &x->cause_subject, true, block, &at);
	}
	r->strings = block;
	if (r->results.n > 0 && r->results.n < r->results.cap) {
		struct dp_result *v = realloc(r->results.v, r->results.n * sizeof(*v));

		if (v != NULL) {
			r->results.v = v;
			r->results.cap = r->results.n;
		}
	}
}

void
dp_report_free(struct dp_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; r->strings != NULL && i < r->results.n; i++) {
		struct dp_result *x = &r->results.v[i];

		x->id = x->subject = x->summary = x->cause_id = x->cause_subject = NULL;
	}
	for (size_t j = 0; r->strings != NULL && j < r->ntimings; j++)
		r->timings[j].id = r->timings[j].title = NULL;
	free(r->strings);
	dp_results_clear(&r->results);
	for (size_t i = 0; i < r->ntimings; i++) {
		free(r->timings[i].id);
		free(r->timings[i].title);
	}
	free(r->timings);
	json_decref(r->discovery);
	free(r->domain);
	free(r->domain_unicode);
	free(r);
}

int
dp_report_set_unicode(struct dp_report *r, const char *ulabel)
{
	char *u;

	if (ulabel == NULL || strcmp(ulabel, r->domain) == 0)
		return 0;
	u = dp_strdup(ulabel);
	if (u == NULL)
		return DP_ENOMEM;
	free(r->domain_unicode);
	r->domain_unicode = u;
	return 0;
}

const char *
dp_report_domain_display(const struct dp_report *r, char *buf, size_t bufsz)
{
	if (r->domain_unicode == NULL)
		(void)dp_snprintf(buf, bufsz, "%s", r->domain);
	else
		(void)dp_snprintf(buf, bufsz, "%s (%s)", r->domain, r->domain_unicode);
	return buf;
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
