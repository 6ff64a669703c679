/* ns.hygiene.recursion: every nameserver address is asked, with RD set, for a name outside its zones (under
 * .invalid); RA set and a recursive answer (NXDOMAIN or data, no AA) mean the authoritative
 * server also resolves for anyone → WARNING naming the server and address (Zonemaster
 * NAMESERVER01; RFC 5358). */
#include "config.h"

#include <string.h>

#include "survey/hygiene.h"
#include "dnsprobe/probe.h"
#include "probes/causes.h"

#define ID "ns.hygiene.recursion"

/* The control question (the zone's SOA, RD=0) tells a server that ignores recursive queries from
 * one that cannot be reached at all. */
enum { Q_CONTROL, Q_REC, NQ };

static int
target_result(const struct dp_ctx *ctx, const struct dp_ns_target *t, const struct dp_reply *rep,
	      struct dp_results *out)
{
	char subj[320];
	char sum[512];
	char rc[16];
	struct dp_recursion_seen s;
	enum dp_status st;
	json_t *d = dp_hyg_target_json(t);
	struct dp_result *r;

	dp_ns_target_subject(t, subj, sizeof(subj));
	if (dp_hyg_unchecked(&rep[Q_CONTROL], dp_ctx_cut(ctx), sum, sizeof(sum)) != NULL) {
		st = DP_STATUS_UNKNOWN;
	} else {
		dp_hyg_recursion_read(&rep[Q_REC], &s);
		st = dp_hyg_recursion_judge(&s, sum, sizeof(sum));
		if (d != NULL) {
			json_object_set_new(d, "qname", json_string(DP_HYG_RECURSION_NAME));
			json_object_set_new(d, "answered", json_boolean(s.answered));
			if (s.answered) {
				json_object_set_new(
				    d, "rcode",
				    json_string(dp_nssurvey_rcode_str(s.rcode, rc, sizeof(rc))));
				json_object_set_new(d, "ra", json_boolean(s.ra));
				json_object_set_new(d, "aa", json_boolean(s.aa));
				json_object_set_new(d, "answer_records",
						    json_integer((json_int_t)s.nanswer));
			} else {
				json_object_set_new(d, "error", json_string(rep[Q_REC].error));
			}
		}
	}
	r = dp_results_add(out, ID, subj, st, d, "%s: %s", subj, sum);
	if (r == NULL)
		return DP_ENOMEM;
	return dp_hyg_unreached(&rep[Q_CONTROL]) ? dp_cause_server_silent(r, subj) : 0;
}

static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	static const struct dp_query qs[NQ] = {
	    [Q_CONTROL] = {.qtype = DP_RR_SOA, .transport = DP_TRANSPORT_UDP},
	    [Q_REC] = {.qname = DP_HYG_RECURSION_NAME,
		       .qtype = DP_RR_A,
		       .transport = DP_TRANSPORT_UDP,
		       .rd = true},
	};
	struct dp_nssurvey sv;
	struct dp_reply *rep = NULL;
	int rc = dp_nssurvey_targets(ctx->disc, &sv);

	if (rc != 0)
		return dp_err_set(err, rc, "out of memory");
	if (dp_hyg_naddressed(&sv) == 0) {
		rc = dp_results_add(out, ID, ctx->disc->domain, DP_STATUS_UNKNOWN, NULL,
				    "not checked: no nameserver address of %s to ask",
				    ctx->disc->domain) != NULL ? 0 : DP_ENOMEM;
		goto out;
	}
	rc = dp_hyg_ask(ctx, &sv, qs, NQ, &rep, err);
	for (size_t i = 0; rc == 0 && i < sv.n; i++) {
		if (sv.v[i].has_addr)
			rc = target_result(ctx, &sv.v[i], &rep[i * NQ], out);
	}
out:
	dp_hyg_replies_free(rep, sv.n * NQ);
	dp_nssurvey_clear(&sv);
	return rc != 0 && err->code == 0 ? dp_err_set(err, rc, "out of memory") : rc;
}

const struct dp_probe dp_probe_ns_recursion = {
	.id = ID,
	.title = "no recursion on authoritative servers",
	.needs = DP_NEED_NS_ADDRS | DP_NEED_PARENT,
	.timeout_ms = 15000,
	.run = run,
};
