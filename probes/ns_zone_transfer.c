/* ns.hygiene.zone_transfer: every nameserver address is asked for an AXFR of the zone over TCP (RFC 5936);
 * a first message that opens with the zone's SOA means the transfer is open to us → WARNING
 * naming the server and address (Zonemaster NAMESERVER03). */
#include "config.h"

#include <string.h>

#include "survey/hygiene.h"
#include "dnsprobe/probe.h"
#include "probes/causes.h"

#define ID "ns.hygiene.zone_transfer"
#define DP_RR_AXFR 252

/* The control question (the SOA over the same transport) tells a silent AXFR from a server that
 * cannot be reached over TCP at all. */
enum { Q_CONTROL, Q_AXFR, NQ };

static int
target_result(const struct dp_ctx *ctx, const struct dp_ns_target *t, const struct dp_reply *rep,
	      struct dp_results *out)
{
	char subj[320];
	char sum[512];
	char rc[16];
	struct dp_axfr_seen s;
	enum dp_status st;
	json_t *d = dp_hyg_target_json(t);
	struct dp_result *r;

	dp_ns_target_subject(t, subj, sizeof(subj));
	if (dp_hyg_unchecked(&rep[Q_CONTROL], dp_ctx_cut(ctx), sum, sizeof(sum)) != NULL) {
		st = DP_STATUS_UNKNOWN;
	} else {
		dp_hyg_axfr_read(&rep[Q_AXFR], ctx->disc->domain, &s);
		st = dp_hyg_axfr_judge(&s, sum, sizeof(sum));
		if (d != NULL) {
			json_object_set_new(d, "answered", json_boolean(s.answered));
			if (s.answered) {
				json_object_set_new(
				    d, "rcode",
				    json_string(dp_nssurvey_rcode_str(s.rcode, rc, sizeof(rc))));
				json_object_set_new(d, "soa_first", json_boolean(s.soa_first));
				json_object_set_new(d, "first_message_records",
						    json_integer((json_int_t)s.nanswer));
			} else {
				json_object_set_new(d, "error", json_string(rep[Q_AXFR].error));
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
	    [Q_CONTROL] = {.qtype = DP_RR_SOA, .transport = DP_TRANSPORT_TCP},
	    [Q_AXFR] = {.qtype = DP_RR_AXFR, .transport = DP_TRANSPORT_TCP},
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

const struct dp_probe dp_probe_ns_zone_transfer = {
	.id = ID,
	.title = "zone transfer (AXFR) closed",
	.needs = DP_NEED_NS_ADDRS | DP_NEED_PARENT,
	.timeout_ms = 15000,
	.run = run,
};
