/* Verdicts about the run as a whole (SPEC §1, §2): a name that is not a zone apex (one CRITICAL,
 * the other checks "not checked"), and steps cut short by the -t budget. */
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
	    dp_report_add_timing(rep, judge->id, 0, DP_STATUS_CRITICAL) != 0)
		return DP_ENOMEM;
	for (size_t i = 0; dp_probes[i] != NULL; i++) {
		const char *id = dp_probes[i]->id;

		if (!sel->on[i] || dp_probes[i] == judge)
			continue;
		x = dp_results_add(&rep->results, id, d->domain, DP_STATUS_UNKNOWN,
				   json_pack("{s:b}", "checked", 0), "not checked: %s",
				   d->apex_verdict);
		if (x == NULL || dp_result_set_cause(x, judge->id, d->domain) != 0 ||
		    dp_report_add_timing(rep, id, 0, DP_STATUS_UNKNOWN) != 0)
			return DP_ENOMEM;
	}
	return 0;
}

/* Margin under which the deadline counts as reached: poll() and getdns wake a little early. */
#define DP_CUT_SLACK 0.05

bool
dp_ctx_cut(const struct dp_ctx *ctx)
{
	return dp_now_mono() >= ctx->deadline - DP_CUT_SLACK;
}

size_t
dp_ctx_mark_cut(const struct dp_ctx *ctx, struct dp_reply *rep, size_t n)
{
	size_t k = 0;

	if (!dp_ctx_cut(ctx))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (rep[i].answered)
			continue;
		dp_strlcpy(rep[i].error, DP_BUDGET_EXHAUSTED, sizeof(rep[i].error));
		k++;
	}
	return k;
}

bool
dp_reply_cut(const struct dp_reply *r)
{
	return !r->answered && strcmp(r->error, DP_BUDGET_EXHAUSTED) == 0;
}
