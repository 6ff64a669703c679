/* JSON report (SPEC §3): one object on stdout, via jansson. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

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
