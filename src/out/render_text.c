/* Text report (SPEC §3): grouped by check, worst first; colour only on a terminal. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsprobe/result.h"

static const char *
tag(enum dp_status s)
{
	switch (s) {
	case DP_STATUS_OK:
		return "OK  ";
	case DP_STATUS_WARNING:
		return "WARN";
	case DP_STATUS_CRITICAL:
		return "CRIT";
	case DP_STATUS_UNKNOWN:
		break;
	}
	return "UNKN";
}

static const char *
colour(enum dp_status s)
{
	switch (s) {
	case DP_STATUS_OK:
		return "\033[32m";
	case DP_STATUS_WARNING:
		return "\033[33m";
	case DP_STATUS_CRITICAL:
		return "\033[31m";
	case DP_STATUS_UNKNOWN:
		break;
	}
	return "\033[35m";
}

/* Print a JSON value readably: scalars inline, objects and arrays as indented lines. */
static void
put_value(FILE *f, const json_t *v, int indent);

static void
put_scalar(FILE *f, const json_t *v)
{
	char *s;

	if (json_is_string(v)) {
		fputs(json_string_value(v), f);
		return;
	}
	s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	fputs(s != NULL ? s : "?", f);
	free(s);
}

static bool
is_flat(const json_t *v)
{
	size_t i;
	const json_t *x;

	if (!json_is_array(v))
		return !json_is_object(v);
	json_array_foreach(v, i, x)
	{
		if (json_is_object(x) || json_is_array(x))
			return false;
	}
	return true;
}

static void
put_value(FILE *f, const json_t *v, int indent)
{
	const char *k;
	const json_t *x;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x)
		{
			fprintf(f, "\n%*s%s:", indent, "", k);
			if (is_flat(x)) {
				fputc(' ', f);
				put_value(f, x, indent + 2);
			} else
				put_value(f, x, indent + 2);
		}
	} else if (json_is_array(v) && is_flat(v)) {
		json_array_foreach(v, i, x)
		{
			if (i > 0)
				fputs(", ", f);
			put_scalar(f, x);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			fprintf(f, "\n%*s-", indent, "");
			if (json_is_object(x))
				put_value(f, x, indent + 2);
			else {
				fputc(' ', f);
				put_value(f, x, indent + 2);
			}
		}
	} else
		put_scalar(f, v);
}

static void
count(const struct dp_report *r, size_t n[4])
{
	memset(n, 0, 4 * sizeof(n[0]));
	for (size_t i = 0; i < r->results.n; i++)
		n[r->results.v[i].status & 3]++;
}

/* A group's sort key: its worst result that follows from nothing leads (so the group holding
 * the cause comes before those that follow from it), then its worst result of all. */
static int
group_key(const struct dp_report *r, const char *id)
{
	int lead = -1;
	int worst = -1;

	for (size_t i = 0; i < r->results.n; i++) {
		const struct dp_result *x = &r->results.v[i];
		int rank = dp_status_rank(x->status);

		if (strcmp(x->id, id) != 0)
			continue;
		if (rank > worst)
			worst = rank;
		if (rank > lead && dp_results_cause_of(&r->results, x) == NULL)
			lead = rank;
	}
	return (lead + 1) * 8 + worst + 1;
}

/* Check ids in report order, worst group first (stable). */
static size_t
group_order(const struct dp_report *r, const char **ids, size_t max)
{
	int keys[64];
	size_t n = 0;

	for (size_t i = 0; i < r->ntimings && n < max && n < 64; i++) {
		ids[n] = r->timings[i].id;
		keys[n++] = group_key(r, r->timings[i].id);
	}
	for (size_t i = 1; i < n; i++) {
		const char *id = ids[i];
		int k = keys[i];
		size_t j = i;

		while (j > 0 && keys[j - 1] < k) {
			ids[j] = ids[j - 1];
			keys[j] = keys[j - 1];
			j--;
		}
		ids[j] = id;
		keys[j] = k;
	}
	return n;
}

/* "  [CRIT] subject: summary", and " (follows from ID SUBJECT)" for a dependent. */
static void
put_line(FILE *f, const struct dp_report *r, const struct dp_result *x,
	 const struct dp_render_opts *o)
{
	fprintf(f, "  %s[%s]%s %s: %s", o->colour ? colour(x->status) : "", tag(x->status),
		o->colour ? "\033[0m" : "", x->subject, dp_result_summary_rest(x));
	if (dp_results_cause_of(&r->results, x) != NULL)
		fprintf(f, " (follows from %s %s)", x->cause_id, x->cause_subject);
}

/* The causes first (SPEC §2): each result others follow from, with how many do. */
static void
put_causes(FILE *f, const struct dp_report *r, const struct dp_render_opts *o)
{
	size_t *idx = calloc(r->results.n + 1, sizeof(*idx));
	bool any = false;

	if (idx == NULL)
		return;
	dp_results_order(&r->results, idx);
	for (size_t k = 0; k < r->results.n; k++) {
		const struct dp_result *x = &r->results.v[idx[k]];
		size_t deps = dp_results_dependents(&r->results, x);

		if (deps == 0)
			continue;
		if (!any)
			fputs("\ncause:\n", f);
		any = true;
		fprintf(f, "  %s[%s]%s %s %s: %s — %zu result%s follow%s from it\n",
			o->colour ? colour(x->status) : "", tag(x->status),
			o->colour ? "\033[0m" : "", x->id, x->subject, dp_result_summary_rest(x),
			deps, deps == 1 ? "" : "s", deps == 1 ? "s" : "");
	}
	free(idx);
}

static void
put_group(FILE *f, const struct dp_report *r, const char *id, const size_t *order,
	  const struct dp_render_opts *o)
{
	const char *title = dp_report_title(r, id);
	size_t have = 0;

	for (size_t i = 0; i < r->results.n; i++)
		have += strcmp(r->results.v[i].id, id) == 0;
	if (have == 0)
		return; /* a check with nothing to say, e.g. resolver.agreement without --resolver */
	fprintf(f, "\n%s%s%s%s%s\n", o->colour ? "\033[1m" : "", id, title ? " — " : "",
		title ? title : "", o->colour ? "\033[0m" : "");
	/* Worst first within the group, causes before what follows from them. */
	for (size_t k = 0; k < r->results.n; k++) {
		const struct dp_result *x = &r->results.v[order[k]];

		if (strcmp(x->id, id) != 0)
			continue;
		put_line(f, r, x, o);
		if (o->verbose > 0 && json_object_size(x->details) > 0)
			put_value(f, x->details, 6);
		fputc('\n', f);
		/* ready-to-paste zone-file lines, one a line under the finding */
		for (size_t f2 = 0; f2 < json_array_size(x->fix); f2++)
			fprintf(f, "         fix: %s\n", json_string_value(json_array_get(x->fix, f2)));
	}
}

int
dp_render_text(FILE *f, const struct dp_report *r, const struct dp_render_opts *o)
{
	const char *ids[64];
	size_t n[4];
	size_t ng = group_order(r, ids, 64);
	enum dp_status s = dp_report_status(r);
	size_t *order = calloc(r->results.n + 1, sizeof(*order));
	char dom[600];

	if (order == NULL)
		return DP_ENOMEM;
	dp_results_order(&r->results, order);
	count(r, n);
	fprintf(f, "dnsprobe: %s — %s%s%s (%zu critical, %zu warning, %zu unknown, %zu ok) in %.2fs\n",
		dp_report_domain_display(r, dom, sizeof(dom)), o->colour ? colour(s) : "", dp_status_str(s), o->colour ? "\033[0m" : "",
		n[DP_STATUS_CRITICAL], n[DP_STATUS_WARNING], n[DP_STATUS_UNKNOWN], n[DP_STATUS_OK],
		r->duration);
	put_causes(f, r, o);
	for (size_t i = 0; i < ng; i++)
		put_group(f, r, ids[i], order, o);
	free(order);
	if (o->verbose > 0 && r->discovery != NULL) {
		fputs("\ndiscovery:", f);
		put_value(f, r->discovery, 2);
		fputc('\n', f);
	}
	return ferror(f) ? DP_EIO : 0;
}
