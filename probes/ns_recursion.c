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

static enum dp_status
judge(const struct dp_ctx *ctx, const struct dp_reply *rep, json_t *d, char *sum, size_t sumsz)
{
	char rc[16];
	struct dp_recursion_seen s;
	enum dp_status st;

	(void)ctx;
	dp_hyg_recursion_read(&rep[Q_REC], &s);
	st = dp_hyg_recursion_judge(&s, sum, sumsz);
	if (d == NULL)
		return st;
	json_object_set_new(d, "qname", json_string(DP_HYG_RECURSION_NAME));
	json_object_set_new(d, "answered", json_boolean(s.answered));
	if (s.answered) {
		json_object_set_new(d, "rcode",
				    json_string(dp_nssurvey_rcode_str(s.rcode, rc, sizeof(rc))));
		json_object_set_new(d, "ra", json_boolean(s.ra));
		json_object_set_new(d, "aa", json_boolean(s.aa));
		json_object_set_new(d, "answer_records", json_integer((json_int_t)s.nanswer));
	} else {
		json_object_set_new(d, "error", json_string(rep[Q_REC].error));
	}
	return st;
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
	static const struct dp_hyg_check c = {
	    .id = ID, .silent_cause = DP_CAUSE_SOA_SERIAL_ID, .qs = qs, .nq = NQ, .judge = judge};

	return dp_hyg_run(ctx, &c, out, err);
}

const struct dp_probe dp_probe_ns_recursion = {
	.id = ID,
	.title = "no recursion on authoritative servers",
	.needs = DP_NEED_NS_ADDRS | DP_NEED_PARENT,
	.timeout_ms = 15000,
	.run = run,
};
