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

static enum dp_status
judge(const struct dp_ctx *ctx, const struct dp_reply *rep, json_t *d, char *sum, size_t sumsz)
{
	char rc[16];
	struct dp_axfr_seen s;
	enum dp_status st;

	dp_hyg_axfr_read(&rep[Q_AXFR], ctx->disc->domain, &s);
	st = dp_hyg_axfr_judge(&s, sum, sumsz);
	if (d == NULL)
		return st;
	json_object_set_new(d, "answered", json_boolean(s.answered));
	if (s.answered) {
		json_object_set_new(d, "rcode",
				    json_string(dp_nssurvey_rcode_str(s.rcode, rc, sizeof(rc))));
		json_object_set_new(d, "soa_first", json_boolean(s.soa_first));
		json_object_set_new(d, "first_message_records",
				    json_integer((json_int_t)s.nanswer));
	} else {
		json_object_set_new(d, "error", json_string(rep[Q_AXFR].error));
	}
	return st;
}

static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	static const struct dp_query qs[NQ] = {
	    [Q_CONTROL] = {.qtype = DP_RR_SOA, .transport = DP_TRANSPORT_TCP},
	    [Q_AXFR] = {.qtype = DP_RR_AXFR, .transport = DP_TRANSPORT_TCP},
	};
	static const struct dp_hyg_check c = {
	    .id = ID, .silent_cause = DP_CAUSE_SOA_SERIAL_ID, .qs = qs, .nq = NQ, .judge = judge};

	return dp_hyg_run(ctx, &c, out, err);
}

const struct dp_probe dp_probe_ns_zone_transfer = {
	.id = ID,
	.title = "zone transfer (AXFR) closed",
	.needs = DP_NEED_NS_ADDRS | DP_NEED_PARENT,
	.timeout_ms = 15000,
	.run = run,
};
