/* ns.hygiene.edns: EDNS compliance (RFC 6891) of every nameserver address, ISC ednscomp's cases for the
 * zone's SOA over UDP: plain EDNS, version 1 (BADVERS), an unknown option (ignored, not echoed),
 * both, DO=1 (copied back, RFC 3225), an unknown flag (not echoed) and no EDNS at all (no OPT
 * back); any case answered otherwise → WARNING naming the server,
 * the address and the case (Zonemaster NAMESERVER02, 10, 11, 14). */
#include "config.h"

#include <string.h>

#include "survey/hygiene.h"
#include "dnsprobe/probe.h"
#include "probes/causes.h"

#define ID "ns.hygiene.edns"

static json_t *
case_json(enum dp_edns_case c, const struct dp_edns_seen *s, enum dp_status st, const char *why)
{
	char rc[16];
	json_t *o = json_pack("{s:s, s:s, s:b}", "case", dp_edns_case_str(c), "status",
			      dp_status_str(st), "answered", s->answered);

	if (o == NULL)
		return NULL;
	if (!s->answered) {
		json_object_set_new(o, "error", json_string(s->error));
	} else {
		json_object_set_new(
		    o, "rcode",
		    json_string(s->ext_rcode == 16
				    ? "BADVERS"
				    : dp_nssurvey_rcode_str(s->ext_rcode, rc, sizeof(rc))));
		json_object_set_new(o, "opt", json_boolean(s->opt));
		if (s->opt) {
			json_object_set_new(o, "version", json_integer(s->version));
			json_object_set_new(o, "do", json_boolean(s->do_bit));
			json_object_set_new(o, "option_echoed", json_boolean(s->option_echoed));
			json_object_set_new(o, "z", json_integer(s->z));
		}
		json_object_set_new(o, "soa_in_answer", json_boolean(s->have_soa));
	}
	if (why[0] != '\0')
		json_object_set_new(o, "problem", json_string(why));
	return o;
}

/* The plain EDNS question is the control (dp_hyg_run): this judges the seven cases. */
static enum dp_status
judge(const struct dp_ctx *ctx, const struct dp_reply *rep, json_t *d, char *sum, size_t sumsz)
{
	char bad[1024] = "";
	char why[256];
	enum dp_status st = DP_STATUS_OK;
	size_t nbad = 0;
	json_t *cases = json_array();

	for (int c = 0; c < DP_EDNS_NCASES; c++) {
		struct dp_edns_seen s;
		enum dp_status cs;

		dp_hyg_edns_read(&rep[c], ctx->disc->domain, &s);
		cs = dp_hyg_edns_judge((enum dp_edns_case)c, &s, why, sizeof(why));
		/* a case left unanswered because the run's time ran out says nothing */
		if (!s.answered && (dp_ctx_cut(ctx) || dp_reply_cut(&rep[c]))) {
			cs = DP_STATUS_UNKNOWN;
			dp_snprintf(why, sizeof(why), "%s: not checked: budget exhausted",
				    dp_edns_case_str((enum dp_edns_case)c));
		}
		if (cases != NULL)
			json_array_append_new(cases, case_json((enum dp_edns_case)c, &s, cs, why));
		if (cs == DP_STATUS_OK)
			continue;
		nbad++;
		st = dp_status_worst(st, cs);
		dp_snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad), "%s%s",
			    bad[0] != '\0' ? "; " : "", why);
	}
	if (d != NULL)
		json_object_set_new(d, "cases", cases);
	else
		json_decref(cases);
	if (nbad == 0)
		dp_snprintf(sum, sumsz,
			    "EDNS compliant: BADVERS for version 1, unknown option and flag ignored, "
			    "DO bit copied (%d cases)", DP_EDNS_NCASES);
	else
		dp_snprintf(sum, sumsz, "EDNS not compliant (%zu of %d cases): %s", nbad,
			    DP_EDNS_NCASES, bad);
	return st;
}

static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	struct dp_query qs[DP_EDNS_NCASES];
	struct dp_hyg_check chk = {.id = ID,
				   .silent_cause = DP_CAUSE_SOA_SERIAL_ID,
				   .qs = qs,
				   .nq = DP_EDNS_NCASES,
				   .judge = judge};

	for (int c = 0; c < DP_EDNS_NCASES; c++)
		qs[c] = dp_hyg_edns_query((enum dp_edns_case)c);
	return dp_hyg_run(ctx, &chk, out, err);
}

const struct dp_probe dp_probe_ns_edns = {
	.id = ID,
	.title = "EDNS compliance (RFC 6891)",
	.needs = DP_NEED_NS_ADDRS | DP_NEED_PARENT,
	.timeout_ms = 15000,
	.run = run,
};
