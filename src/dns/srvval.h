/* Per-server DNSSEC validation: the zone's DS RRset validated from the root (the trust anchor),
 * one server's DNSKEY RRset from its own answer, and getdns_validate_dnssec2 over a reply. */
#pragma once

#include <time.h>

#include <getdns/getdns.h>

#include "dns/dns.h"
#include "dns/dnssec.h"

#define DP_SRVVAL_MAX_KEYS 16

/* The zone's DS RRset as libunbound validated it: getdns's trust anchor for one zone. */
struct dp_ds_anchor {
	getdns_list *ds; /* DS RR dicts, owned; NULL when there is no secure DS to validate with */
	uint16_t tags[DP_SRVVAL_MAX_KEYS];
	size_t ntags;
	char why[256]; /* why ds is NULL */
};

/* Look up zone's DS with r; a->ds stays NULL (a->why says why) unless it is secure and not
 * empty. Never fails: a failed lookup is a reason in a->why. */
void dp_ds_anchor_get(struct dp_resolver *r, const char *zone, struct dp_ds_anchor *a);
void dp_ds_anchor_clear(struct dp_ds_anchor *a);

/* The DNSKEY RRset with its RRSIGs from a server's DNSKEY reply (an empty list when it gave
 * none usable), and the key tags of its keys (at most max). Caller destroys the list; NULL only
 * when out of memory. */
getdns_list *dp_srvval_keyset(const struct dp_reply *r, const char *zone, uint16_t *tags,
                              size_t max, size_t *ntags);

/* True when the reply's answer section holds an RR of type at name (what a server's denial or
 * signature is about: present or proven absent). */
bool dp_srvval_answers(getdns_dict *reply, const char *name, uint16_t type);
/* The RR dicts of type at name in the reply's answer section into v (at most max; they point
 * into reply); how many. */
size_t dp_srvval_answer_rrs(getdns_dict *reply, const char *name, uint16_t type, getdns_dict **v,
                            size_t max);

/* getdns's verdict on one reply (its answer and authority, and the question's existence or
 * proven absence), given the server's DNSKEY RRset and the DS RRset, as of at. */
enum dp_validation dp_srvval_reply(getdns_dict *reply, getdns_list *keyset, getdns_list *ds,
                                   time_t at);
