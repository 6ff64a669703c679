/* Nameserver hygiene (ns.hygiene.zone_transfer, ns.hygiene.recursion, ns.hygiene.edns, ns.hygiene.soa_fields, ns.hygiene.diversity): the
 * questions asked of every authoritative address, and the pure judges of what each one answered
 * (Zonemaster's NAMESERVER, CONSISTENCY, ZONE and CONNECTIVITY test cases; ISC's ednscomp). */
#pragma once

#include "survey/nssurvey.h"

/* The name a recursion probe asks for: under .invalid (RFC 6761 §6.4), so that only a server
 * that recurses (or answers for names outside its zones) can give NXDOMAIN or data for it. */
#define DP_HYG_RECURSION_NAME "dnsprobe-recursion-test.invalid"
/* An EDNS option code no one has been assigned (ISC's ednscomp uses it too). */
#define DP_HYG_UNKNOWN_OPTION 100
/* An EDNS flag bit no one has been assigned (ednscomp's +ednsflags=0x80). */
#define DP_HYG_UNKNOWN_FLAG 0x0080

/* Ask every target with an address the nq questions of tmpl at once, each under the context's
 * step timeout; tmpl[j].qname NULL means the zone (ctx->disc->domain), server is filled in.
 * rep (sv->n × nq, owned by the caller, cleared with dp_hyg_replies_free) gets rep[i*nq+j]; a
 * target without an address keeps zeroed replies. */
int dp_hyg_ask(const struct dp_ctx *ctx, const struct dp_nssurvey *sv, const struct dp_query *tmpl,
	       size_t nq, struct dp_reply **rep, struct dp_err *err) DP_WUR;
void dp_hyg_replies_free(struct dp_reply *rep, size_t n);

/* A per-address hygiene check for dp_hyg_run: its id, its questions and its judgement. */
struct dp_hyg_check {
	const char *id; /* the check id its results carry */
	/* the check whose result for the same subject is the cause of "not checked" when the
	 * server answered nothing (DP_CAUSE_SOA_SERIAL_ID of probes/causes.h) */
	const char *silent_cause;
	const struct dp_query *qs; /* asked of every address (dp_hyg_ask); qs[0] is the control */
	size_t nq;
	/* The verdict on one reached address from its nq replies (the control was answered): the
	 * summary after "subject: " into sum, details into d (NULL when it could not be made). */
	enum dp_status (*judge)(const struct dp_ctx *ctx, const struct dp_reply *rep, json_t *d,
				char *sum, size_t sumsz);
};
/* Run check c: every nameserver address asked c->qs, one result per address ("subject: sum",
 * details {"server", "address"} and what the judge adds), UNKNOWN "not checked" for an address
 * whose control went unanswered (dp_hyg_unchecked) and one UNKNOWN result for the zone when no
 * nameserver has an address. Returns 0 or a DP_E* code with err set. */
int dp_hyg_run(const struct dp_ctx *ctx, const struct dp_hyg_check *c, struct dp_results *out,
	       struct dp_err *err) DP_WUR;

/* Why a target's answers say nothing about it (UNKNOWN, "not checked"): no route from here, or
 * the control question (rep[0], the zone's SOA) unanswered, or the run's deadline passed
 * (expired, or the reply marked cut by dp_ctx_mark_cut). NULL when the target was reached. */
const char *dp_hyg_unchecked(const struct dp_reply *control, bool expired, char *buf,
			     size_t bufsz);
/* The server did not answer the control question at all (not for want of a route or of time):
 * that is ns.soa_serial's finding about the same subject, which the result names as its cause. */
bool dp_hyg_unreached(const struct dp_reply *control);

/* ---- Facts read from a reply, and the judges (pure; test/unit/test_hygiene.c) ---- */

/* The zone's SOA as one server gave it. */
struct dp_soa_fields {
	char mname[256]; /* lower-case, no trailing dot */
	char rname[256];
	uint32_t serial, refresh, retry, expire, minimum;
};
/* The SOA of zone in the reply's answer section into out; false when there is none. */
bool dp_hyg_soa_read(getdns_dict *reply, const char *zone, struct dp_soa_fields *out);
/* Names of the fields (besides the serial) in which a and b differ, ", "-separated, into buf
 * ("" when they agree); the number of such fields. */
size_t dp_hyg_soa_diff(const struct dp_soa_fields *a, const struct dp_soa_fields *b, char *buf,
		       size_t bufsz);
/* RFC 1912 §2.2 advice (with Zonemaster ZONE02–ZONE06) on the SOA timers: WARNING for the
 * timers that contradict each other (retry not below refresh, expire below refresh), OK with
 * notes (";"-separated in notes) for values outside the advised ranges. */
enum dp_status dp_hyg_soa_timers(const struct dp_soa_fields *s, char *notes, size_t notesz);

/* What one AXFR question over TCP got, and its verdict: WARNING when the first message opens
 * with the zone's SOA (the transfer is open to us, Zonemaster NAMESERVER03), else OK. */
struct dp_axfr_seen {
	bool answered;
	int rcode;
	bool soa_first;	 /* the answer section starts with the zone's SOA */
	size_t nanswer;	 /* records in the first message */
};
void dp_hyg_axfr_read(const struct dp_reply *r, const char *zone, struct dp_axfr_seen *out);
enum dp_status dp_hyg_axfr_judge(const struct dp_axfr_seen *s, char *sum, size_t sumsz);

/* A recursive question (RD=1) for DP_HYG_RECURSION_NAME: WARNING when RA is set and the answer
 * is a recursive one (NXDOMAIN or data, without AA), Zonemaster NAMESERVER01. */
struct dp_recursion_seen {
	bool answered;
	int rcode;
	bool ra, aa;
	size_t nanswer;
};
void dp_hyg_recursion_read(const struct dp_reply *r, struct dp_recursion_seen *out);
enum dp_status dp_hyg_recursion_judge(const struct dp_recursion_seen *s, char *sum, size_t sumsz);

/* The EDNS compliance questions (RFC 6891; ednscomp's edns, edns1, ednsopt, edns1opt, do,
 * ednsflags, and dns), all
 * for the zone's SOA over UDP with RD=0. */
enum dp_edns_case {
	DP_EDNS_PLAIN = 0, /* version 0, no option: an OPT in the answer, version 0 */
	DP_EDNS_V1,	   /* version 1: BADVERS, OPT version 0, no answer (RFC 6891 §6.1.3) */
	DP_EDNS_OPT,	   /* an unknown option: ignored, not echoed (RFC 6891 §6.1.2) */
	DP_EDNS_V1OPT,	   /* both: BADVERS, option not echoed */
	DP_EDNS_DO,	   /* DO=1: the DO bit copied into the answer (RFC 3225 §3) */
	DP_EDNS_FLAGS,	   /* an unknown EDNS flag (Z 0x0080): ignored, not echoed (§6.1.4) */
	DP_EDNS_NONE,	   /* no OPT: answered without one (RFC 6891 §7) */
	DP_EDNS_NCASES,
};
const char *dp_edns_case_str(enum dp_edns_case c);
/* The question of case c (qname NULL: the zone). */
struct dp_query dp_hyg_edns_query(enum dp_edns_case c);

struct dp_edns_seen {
	bool answered;
	char error[64];
	int ext_rcode;	 /* rcode with the OPT's upper bits (16 BADVERS) */
	bool aa;
	bool opt;	 /* an OPT RR in the answer */
	uint8_t version;
	bool do_bit;
	bool option_echoed; /* the unknown option came back */
	uint16_t z;	    /* the must-be-zero flag bits of the answer's OPT */
	bool have_soa;	 /* the zone's SOA in the answer section */
};
void dp_hyg_edns_read(const struct dp_reply *r, const char *zone, struct dp_edns_seen *out);
/* OK when case c was answered as RFC 6891 wants, else WARNING with why (a phrase) in buf. */
enum dp_status dp_hyg_edns_judge(enum dp_edns_case c, const struct dp_edns_seen *s, char *buf,
				 size_t bufsz);

/* Address diversity of the nameservers (Zonemaster CONNECTIVITY04, RFC 2182 §3.1): notes only. */
struct dp_diversity {
	size_t nv4, nv6;		/* distinct addresses per family */
	size_t nprefix4, nprefix6;	/* distinct /24 and /48 prefixes */
	char prefix4[INET6_ADDRSTRLEN + 4]; /* the one /24 when nprefix4 == 1, e.g. "127.0.10.0/24" */
	char prefix6[INET6_ADDRSTRLEN + 4]; /* the one /48 when nprefix6 == 1 */
	/* The same over /16 and /32: a stand-in for "one AS" (Zonemaster CONNECTIVITY03 asks
	 * Cymru or RIPE for origin ASes, which needs the Internet; a /16 or a /32 is the size of a
	 * typical provider allocation, so all addresses in one is likely one network operator). */
	size_t nwide4, nwide6;
	char wide4[INET6_ADDRSTRLEN + 4];
	char wide6[INET6_ADDRSTRLEN + 4];
};
/* Over n addresses (duplicates counted once). notes: ";"-separated, "" when diverse; the
 * single-family note only when both families were looked at (not under -4/-6). Never more than
 * a note: always OK. */
void dp_hyg_diversity(const struct dp_addr *addrs, size_t n, bool both_families,
		      struct dp_diversity *out, char *notes, size_t notesz);

/* {"server": name, "address": text} of a target (new reference). */
json_t *dp_hyg_target_json(const struct dp_ns_target *t);
/* How many targets have an address. */
size_t dp_hyg_naddressed(const struct dp_nssurvey *sv);
