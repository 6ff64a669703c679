/* dnssec.cds's RFC 9615 judge: can the parent bootstrap the child's DS from authenticated
 * signals? Pure functions over what the child's servers and the validating resolver said, no
 * network, so that unit tests can feed recorded inputs (test/unit/test_dsboot.c).
 *
 * RFC 9615 §4.2: for a child without DS, the CDS/CDNSKEY RRsets at the apex must equal, type by
 * type, the validated (secure) CDS/CDNSKEY RRsets at `_dsboot.<child>._signal.<ns>` for every
 * NS name outside the child (in-domain names have no chain of trust yet and are ignored; with
 * in-domain names only, the method cannot apply). §4.4: a signalling name longer than a DNS
 * name may be (255 octets) cannot be used. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dns/dns.h"
#include "dnsprobe/common.h"

#define DP_DSBOOT_MAX_RR  16  /* records of one RRset compared */
#define DP_DSBOOT_MAX_NS  32  /* NS names judged */
#define DP_DSBOOT_NAME_SZ 256 /* a signalling name in presentation form, and its terminator */

/* One RRset's rdata in wire form (pointers the caller owns), in any order. */
struct dp_dsboot_set {
	const uint8_t *rd[DP_DSBOOT_MAX_RR];
	size_t len[DP_DSBOOT_MAX_RR];
	size_t n;
};

/* The overall verdict (details `bootstrap`). */
enum dp_dsboot_verdict {
	DP_DSBOOT_POSSIBLE = 0,       /* every out-of-domain NS signals the same set, validated */
	DP_DSBOOT_BLOCKED = 1,        /* a signal missing, insecure, bogus or different */
	DP_DSBOOT_IN_DOMAIN_ONLY = 2, /* every NS is inside the child: RFC 9615 cannot apply */
	DP_DSBOOT_NO_SIGNAL = 3,      /* no signalling records at any NS: not set up */
	DP_DSBOOT_UNKNOWN = 4,        /* lookups failed or the budget ended them */
};
const char *dp_dsboot_verdict_str(enum dp_dsboot_verdict v);

/* What one NS name's signal is (details `signal[].status`). */
enum dp_dsboot_ns_status {
	DP_DSBOOT_NS_SAME = 0,      /* secure and identical to the apex, type by type */
	DP_DSBOOT_NS_IN_DOMAIN = 1, /* inside the child: not used (RFC 9615 §4.1) */
	DP_DSBOOT_NS_BAD_NAME = 2,  /* the signalling name cannot be formed (too long, §4.4) */
	DP_DSBOOT_NS_MISSING = 3,   /* no CDS and no CDNSKEY at the signalling name */
	DP_DSBOOT_NS_INSECURE = 4,  /* records there, not validated secure */
	DP_DSBOOT_NS_BOGUS = 5,     /* records there, validation failed */
	DP_DSBOOT_NS_DIFFERENT = 6, /* secure, but not the apex's set */
	DP_DSBOOT_NS_FAILED = 7,    /* the lookup failed (SERVFAIL, timeout, budget) */
};
const char *dp_dsboot_ns_status_str(enum dp_dsboot_ns_status s);

/* The signalling name of child `zone` under NS name `ns` (both presentation form, a trailing dot
 * allowed) into buf: "_dsboot.<zone>._signal.<ns>". Returns DP_DSBOOT_NS_IN_DOMAIN when ns is
 * the child or below it, DP_DSBOOT_NS_BAD_NAME when the name cannot be formed (longer than 255
 * octets in wire form, an escaped or empty label, buf too small), else DP_DSBOOT_NS_SAME (0):
 * buf holds the name. buf is "" unless the name was formed. */
enum dp_dsboot_ns_status dp_dsboot_signal_name(const char *zone, const char *ns, char *buf,
                                               size_t bufsz);

/* One NS name: the caller fills the inputs, dp_dsboot_judge the outputs. */
struct dp_dsboot_ns {
	const char *name; /* NS name, presentation form */
	/* inputs, for a name that dp_dsboot_signal_name formed (looked up) */
	bool looked_up;    /* both lookups answered (false: failed, see error) */
	const char *error; /* why not, in words ("budget exhausted", the resolver's) */
	enum dp_sec sec_cds, sec_cdnskey;  /* the validator's verdict on each answer */
	const char *why_bogus;             /* the validator's reason, when bogus */
	struct dp_dsboot_set cds, cdnskey; /* the records at the signalling name */
	/* outputs */
	enum dp_dsboot_ns_status status;
	char signal_name[DP_DSBOOT_NAME_SZ];
	char why[512]; /* in words, for the finding: what differs, what is missing */
};

/* The judge's input and result. */
struct dp_dsboot {
	const char *zone;                    /* the child */
	const struct dp_dsboot_set *cds;     /* the apex CDS RRset (the servers agreed on) */
	const struct dp_dsboot_set *cdnskey; /* the apex CDNSKEY RRset */
	struct dp_dsboot_ns ns[DP_DSBOOT_MAX_NS];
	size_t nns;
	/* result */
	enum dp_dsboot_verdict verdict;
	enum dp_status status; /* WARNING when blocked, else OK */
	char summary[1024];    /* one line: a problem when blocked, else a note */
};

/* Fill each NS's signal_name and status from its name alone (in domain, bad name): the names
 * left at DP_DSBOOT_NS_SAME with a signal_name are the ones to look up. */
void dp_dsboot_prepare(struct dp_dsboot *b);

/* Judge (pure): each NS's status and why, the verdict, status and summary. Call after
 * dp_dsboot_prepare and the lookups. */
void dp_dsboot_judge(struct dp_dsboot *b);

/* The `signal` details: [{name, signal_name, status, why, cds:[…], cdnskey:[…]}] (new ref). */
json_t *dp_dsboot_signal_json(const struct dp_dsboot *b);
