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

/* Check ids in report order, worst group first. */
static size_t
group_order(const struct dp_report *r, const char **ids, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->ntimings && n < max; i++)
		ids[n++] = r->timings[i].id;
	for (size_t i = 1; i < n; i++) {
		const char *id = ids[i];
		enum dp_status s = DP_STATUS_OK;
		size_t j = i;

		for (size_t k = 0; k < r->ntimings; k++) {
			if (strcmp(r->timings[k].id, id) == 0)
				s = r->timings[k].status;
		}
		while (j > 0) {
			enum dp_status p = DP_STATUS_OK;

			for (size_t k = 0; k < r->ntimings; k++) {
				if (strcmp(r->timings[k].id, ids[j - 1]) == 0)
					p = r->timings[k].status;
			}
			if (dp_status_rank(p) >= dp_status_rank(s))
				break;
			ids[j] = ids[j - 1];
			j--;
		}
		ids[j] = id;
	}
	return n;
}

static void
put_group(FILE *f, const struct dp_report *r, const char *id, const struct dp_render_opts *o)
{
	const char *title = dp_report_title(r, id);
	size_t have = 0;

	for (size_t i = 0; i < r->results.n; i++)
		have += strcmp(r->results.v[i].id, id) == 0;
	if (have == 0)
		return; /* a check with nothing to say, e.g. resolver.agreement without --resolver */
	fprintf(f, "\n%s%s%s%s%s\n", o->colour ? "\033[1m" : "", id, title ? " — " : "",
		title ? title : "", o->colour ? "\033[0m" : "");
	/* Worst first within the group, keeping the check's order otherwise. */
	for (int rank = 3; rank >= 0; rank--) {
		for (size_t i = 0; i < r->results.n; i++) {
			const struct dp_result *x = &r->results.v[i];

			if (strcmp(x->id, id) != 0 || dp_status_rank(x->status) != rank)
				continue;
			fprintf(f, "  %s[%s]%s %s: %s", o->colour ? colour(x->status) : "",
				tag(x->status), o->colour ? "\033[0m" : "", x->subject, dp_result_summary_rest(x));
			if (o->verbose > 0 && json_object_size(x->details) > 0)
				put_value(f, x->details, 6);
			fputc('\n', f);
		}
	}
}

int
dp_render_text(FILE *f, const struct dp_report *r, const struct dp_render_opts *o)
{
	const char *ids[64];
	size_t n[4];
	size_t ng = group_order(r, ids, 64);
	enum dp_status s = dp_report_status(r);

	count(r, n);
	fprintf(f, "dnsprobe: %s — %s%s%s (%zu critical, %zu warning, %zu unknown, %zu ok) in %.2fs\n",
		r->domain, o->colour ? colour(s) : "", dp_status_str(s), o->colour ? "\033[0m" : "",
		n[DP_STATUS_CRITICAL], n[DP_STATUS_WARNING], n[DP_STATUS_UNKNOWN], n[DP_STATUS_OK],
		r->duration);
	for (size_t i = 0; i < ng; i++)
		put_group(f, r, ids[i], o);
	if (o->verbose > 0 && r->discovery != NULL) {
		fputs("\ndiscovery:", f);
		put_value(f, r->discovery, 2);
		fputc('\n', f);
	}
	return ferror(f) ? DP_EIO : 0;
}
