/* The apex gate (SPEC §2): a name that does not exist or is not a zone apex gets one CRITICAL
 * and every other selected check a "not checked" that follows from it. */
#include "config.h"

#include <string.h>

#include "engine/engine.h"

/* The check that reports the apex verdict: the selected one that judges the apex, else the first
 * selected one, so that the verdict is never lost to --only/--skip. */
static const struct dp_probe *
gate_judge(const struct dp_selection *sel)
{
	const struct dp_probe *first = NULL;

	for (size_t i = 0; dp_probes[i] != NULL; i++) {
		if (!sel->on[i])
			continue;
		if (dp_probes[i]->judges_apex)
			return dp_probes[i];
		if (first == NULL)
			first = dp_probes[i];
	}
	return first;
}

static json_t *
gate_details(const struct dp_discovery *d)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "apex", dp_apex_state_str(d->apex_state),
			 "enclosing_zone", d->parent[0] ? d->parent : ".", "security",
			 dp_sec_str(d->apex_sec), "soa_rcode",
			 d->apex_rcode == 3 ? "NXDOMAIN" : "NOERROR");
}

int
dp_engine_gate(const struct dp_discovery *d, const struct dp_selection *sel,
	       struct dp_report *rep)
{
	const struct dp_probe *judge = gate_judge(sel);
	struct dp_result *x;

	if (judge == NULL)
		return 0;
	if (dp_results_add(&rep->results, judge->id, d->domain, DP_STATUS_CRITICAL,
			   gate_details(d), "%s", d->apex_verdict) == NULL ||
	    dp_report_add_check(rep, judge->id, judge->title, 0, DP_STATUS_CRITICAL) != 0)
		return DP_ENOMEM;
	for (size_t i = 0; dp_probes[i] != NULL; i++) {
		const char *id = dp_probes[i]->id;

		if (!sel->on[i] || dp_probes[i] == judge)
			continue;
		x = dp_results_add(&rep->results, id, d->domain, DP_STATUS_UNKNOWN,
				   json_pack("{s:b}", "checked", 0), "not checked: %s",
				   d->apex_verdict);
		if (x == NULL || dp_result_set_cause(x, judge->id, d->domain) != 0 ||
		    dp_report_add_check(rep, id, dp_probes[i]->title, 0, DP_STATUS_UNKNOWN) != 0)
			return DP_ENOMEM;
	}
	return 0;
}
