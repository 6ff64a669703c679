/* JSON report (SPEC §3): one object on stdout, via jansson. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnsprobe/result.h"

/* The headlines (SPEC §2 `cause`): every non-OK result that follows from nothing, worst first,
 * with how many results follow from it. */
static json_t *
causes_json(const struct dp_report *r)
{
	json_t *a = json_array();
	size_t *idx = calloc(r->results.n + 1, sizeof(*idx));

	if (a == NULL || idx == NULL) {
		free(idx);
		return a;
	}
	dp_results_order(&r->results, idx);
	for (size_t k = 0; k < r->results.n; k++) {
		const struct dp_result *x = &r->results.v[idx[k]];

		if (x->status == DP_STATUS_OK || dp_results_cause_of(&r->results, x) != NULL)
			continue;
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:I}", "id", x->id,
						   "subject", x->subject, "status",
						   dp_status_str(x->status), "summary", x->summary,
						   "dependents",
						   (json_int_t)dp_results_dependents(&r->results, x)));
	}
	free(idx);
	return a;
}

json_t *
dp_report_to_json(const struct dp_report *r)
{
	char started[32];
	json_t *o;
	json_t *checks = json_array();
	json_t *timings = json_array();

	dp_time_rfc3339(r->started, started, sizeof(started));
	for (size_t i = 0; checks != NULL && i < r->results.n; i++) {
		const struct dp_result *x = &r->results.v[i];

		json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:O}", "id", x->id, "subject",
				      x->subject, "status", dp_status_str(x->status), "summary",
				      x->summary, "details", x->details);

		if (c != NULL && dp_results_cause_of(&r->results, x) != NULL)
			json_object_set_new(c, "cause", json_pack("{s:s, s:s}", "id", x->cause_id,
								  "subject", x->cause_subject));
		if (c != NULL && x->fix != NULL && json_array_size(x->fix) > 0)
			json_object_set(c, "fix", x->fix);
		json_array_append_new(checks, c);
	}
	for (size_t i = 0; timings != NULL && i < r->ntimings; i++)
		json_array_append_new(timings,
				      json_pack("{s:s, s:f, s:s}", "id", r->timings[i].id,
						"seconds", r->timings[i].seconds, "status",
						dp_status_str(r->timings[i].status)));
	o = json_pack("{s:s, s:s?, s:s, s:o, s:s, s:f, s:o, s:o}", "domain", r->domain,
		      "domain_unicode", r->domain_unicode, "status",
		      dp_status_str(dp_report_status(r)), "causes", causes_json(r), "started",
		      started, "duration_seconds", r->duration, "checks", checks, "timings",
		      timings);
	if (o != NULL && r->domain_unicode == NULL)
		json_object_del(o, "domain_unicode");
	if (o != NULL && r->discovery != NULL)
		json_object_set(o, "discovery", r->discovery);
	return o;
}

int
dp_render_json(FILE *f, const struct dp_report *r, const struct dp_render_opts *opts)
{
	json_t *o = dp_report_to_json(r);
	int rc;

	(void)opts;
	if (o == NULL)
		return DP_ENOMEM;
	rc = json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (rc != 0 || fputc('\n', f) == EOF)
		return DP_EIO;
	return 0;
}

/* "2026-12-02T14:00:00Z" → seconds since the epoch; 0 when it is not that form. */
static int64_t
rfc3339_seconds(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm)) == NULL || *end != '\0')
		return 0;
	return (int64_t)timegm(&tm);
}

/* The status a JSON string names, -1 for anything else. */
static int
status_of(const json_t *v)
{
	return json_is_string(v) ? dp_status_parse(json_string_value(v)) : -1;
}

struct dp_report *
dp_report_from_json(const json_t *o, char *why, size_t whysz)
{
	const char *dom = json_string_value(json_object_get(o, "domain"));
	const json_t *checks = json_object_get(o, "checks");
	const json_t *timings = json_object_get(o, "timings");
	const json_t *disc = json_object_get(o, "discovery");
	struct dp_report *r;
	size_t i;
	json_t *c;

	if (!json_is_object(o) || dom == NULL || !json_is_array(checks)) {
		dp_snprintf(why, whysz, "not a report (no domain or checks)");
		return NULL;
	}
	r = dp_report_new(dom);
	if (r == NULL || dp_report_set_unicode(r, json_string_value(json_object_get(
							o, "domain_unicode"))) != 0)
		goto nomem;
	r->started = rfc3339_seconds(json_string_value(json_object_get(o, "started")));
	r->duration = json_number_value(json_object_get(o, "duration_seconds"));
	json_array_foreach(checks, i, c) {
		const char *id = json_string_value(json_object_get(c, "id"));
		const char *subj = json_string_value(json_object_get(c, "subject"));
		const char *sum = json_string_value(json_object_get(c, "summary"));
		int st = status_of(json_object_get(c, "status"));
		json_t *d = json_object_get(c, "details");
		const json_t *fix = json_object_get(c, "fix");
		const json_t *cause = json_object_get(c, "cause");
		struct dp_result *x;
		size_t k;
		json_t *f;

		if (id == NULL || subj == NULL || st < 0) {
			dp_snprintf(why, whysz, "check %zu of the report has no id, subject or status",
				    i);
			dp_report_free(r);
			return NULL;
		}
		x = dp_results_add(&r->results, id, subj, (enum dp_status)st,
				   json_is_object(d) ? json_incref(d) : NULL, "%s",
				   sum != NULL ? sum : "");
		if (x == NULL)
			goto nomem;
		json_array_foreach(fix, k, f) {
			if (json_is_string(f) && dp_result_add_fix(x, "%s", json_string_value(f)) != 0)
				goto nomem;
		}
		if (json_is_object(cause) &&
		    json_is_string(json_object_get(cause, "id")) &&
		    json_is_string(json_object_get(cause, "subject")) &&
		    dp_result_set_cause(x, json_string_value(json_object_get(cause, "id")),
					json_string_value(json_object_get(cause, "subject"))) != 0)
			goto nomem;
	}
	json_array_foreach(timings, i, c) {
		const char *id = json_string_value(json_object_get(c, "id"));
		int st = status_of(json_object_get(c, "status"));

		if (id != NULL && st >= 0 &&
		    dp_report_add_timing(r, id, json_number_value(json_object_get(c, "seconds")),
					 (enum dp_status)st) != 0)
			goto nomem;
	}
	if (json_is_object(disc))
		r->discovery = json_incref((json_t *)disc);
	/* the claims were resolved when the report was made; resolving again keeps them */
	dp_results_link_causes(&r->results);
	return r;
nomem:
	dp_snprintf(why, whysz, "out of memory");
	dp_report_free(r);
	return NULL;
}
