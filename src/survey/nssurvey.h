/* A survey of the domain's nameservers: every NS name × address asked for the SOA directly
 * (RD=0), over UDP and TCP, all at once. Shared by ns.soa_serial and ns.delegation. */
#pragma once

#include "dnsprobe/probe.h"

/* What one server address said over one transport. */
struct dp_ns_answer {
	bool answered;	  /* false: timeout or network error (error says which) */
	bool no_route;	  /* not asked: this host has no route to the address (-4/-6, SPEC §1) */
	bool cut;	  /* not answered because the run's budget ran out: no verdict */
	char error[256];
	int rcode;
	bool aa, tc, edns;
	double rtt; /* seconds */
	bool have_soa;	  /* the answer section held the zone's SOA */
	uint32_t serial;
	uint32_t refresh; /* seconds, from the SOA */
};

/* One nameserver name at one address. */
struct dp_ns_target {
	const struct dp_ns *ns; /* the name (points into discovery) */
	bool has_addr;		/* false: the name has no address (ns->host.error says why) */
	struct dp_addr addr;
	bool in_zone;		/* the address is one of the name's A/AAAA records */
	bool in_glue;		/* the address is in the parent's glue for the name */
	struct dp_ns_answer udp, tcp;
};

/* Owned by the caller; free with dp_nssurvey_clear. */
struct dp_nssurvey {
	struct dp_ns_target *v;
	size_t n;
	double seconds; /* wall time of the concurrent round of queries */
};

/* The targets, without asking anything: every NS name of the union, each of its A/AAAA
 * addresses, then glue addresses the zone does not list; a name with neither gets one target
 * with has_addr false. */
int dp_nssurvey_targets(const struct dp_discovery *d, struct dp_nssurvey *out) DP_WUR;

/* Build the targets and ask each one SOA over UDP and over TCP, concurrently, under the
 * context's step timeout. Unreachable servers are answers (answered false), not errors. */
int dp_nssurvey_run(const struct dp_ctx *ctx, struct dp_nssurvey *out, struct dp_err *err) DP_WUR;

void dp_nssurvey_clear(struct dp_nssurvey *s);

/* Take the zone's SOA serial and refresh out of a reply dict ("answer" section, owner zone). */
bool dp_nssurvey_soa(getdns_dict *reply, const char *zone, uint32_t *serial, uint32_t *refresh);

/* "ns3.glitter.kr/127.0.10.3", or the bare name for a target without address, into buf. */
const char *dp_ns_target_subject(const struct dp_ns_target *t, char *buf, size_t bufsz);

/* True when neither transport could be tried because this host has no route to the address:
 * "not checked from here" (UNKNOWN), never a server that is down. */
bool dp_ns_target_no_route(const struct dp_ns_target *t);

/* A transport of t went unanswered because the budget ran out (SPEC §1: not checked). */
bool dp_ns_target_cut(const struct dp_ns_target *t);

/* The serial a target gave authoritatively (AA): over UDP if it did, else over TCP. False when
 * neither transport had one. */
bool dp_ns_target_serial(const struct dp_ns_target *t, uint32_t *serial, uint32_t *refresh);

/* A short phrase for an answer that is not a good authoritative one ("timeout", "REFUSED without
 * AA", "NOERROR without AA (lame)", "no SOA in the answer", "truncated answer (TC) without the
 * SOA"), or NULL when it is good. */
const char *dp_ns_answer_problem(const struct dp_ns_answer *a, char *buf, size_t bufsz);

/* The answer as JSON: {answered, rcode, aa, edns, rtt_seconds, soa_serial, error}. */
json_t *dp_ns_answer_json(const struct dp_ns_answer *a);

/* DNS rcode mnemonic ("NOERROR", "REFUSED", …; "RCODE17" for others) into buf. */
const char *dp_nssurvey_rcode_str(int rcode, char *buf, size_t bufsz);
