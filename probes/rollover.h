/* dnssec.rollover's judge: the observations of one run against the history kept in the check's
 * state (ctx->state), with no network, so that unit tests can feed it synthetic histories
 * (test/unit/test_rollover.c). RFC 7583 (timing), RFC 6781 §4.1 (methods), RFC 7671 §8.1 (TLSA).
 *
 * The history: `dns`, the last DP_RO_SETS distinct DNS snapshots {dnskey: ["tag/alg/flags"],
 * dnskey_ttl, dnskey_signers: ["tag/alg"], soa_signers, ds: ["tag/alg/digest-type"], ds_ttl,
 * first_seen, last_seen}, oldest first; `tls`: per endpoint ("25:mail.glitter.kr") the last
 * DP_RO_SETS distinct TLSA RRsets {tlsa: ["3 1 1 hex"], ttl, first_seen, last_seen} and served
 * SPKI sets {spki: ["hex"], first_seen, last_seen}; `last_run`. A resolver may still hold a set
 * last seen within its TTL plus DP_RO_PROPAGATION of now. */
#pragma once

#include <jansson.h>

#include "dnsprobe/result.h"

#define DP_RO_MAX       32 /* keys, DS, signers, records, SPKIs of one set kept */
#define DP_RO_SETS      16 /* distinct sets kept per history */
#define DP_RO_ENDPOINTS 32 /* endpoints kept */
/* Dprp of RFC 7583 §3.3.1: the time for a change to reach every authoritative server. BIND's
 * dnssec-policy default zone-propagation-delay (PT5M); a lower bound, so that only a change
 * that is certainly premature alarms. */
#define DP_RO_PROPAGATION 300

struct dp_ro_key {
	uint16_t tag;
	uint8_t alg;
	uint16_t flags;
};
struct dp_ro_ds {
	uint16_t tag;
	uint8_t alg;
	uint8_t dt;
};
struct dp_ro_signer {
	uint16_t tag;
	uint8_t alg;
};

/* One TLS endpoint as seen this run. */
struct dp_ro_endpoint {
	char name[300]; /* "25:mail.glitter.kr" */
	bool have_tlsa; /* a validated (secure) answer for its TLSA RRset, records or none */
	uint32_t tlsa_ttl;
	char tlsa[DP_RO_MAX][140]; /* "3 1 1 hex" (lower-case hex, data past 32 octets cut) */
	size_t ntlsa;
	bool have_spki; /* at least one address presented a certificate */
	char spki[DP_RO_MAX][65];    /* SHA-256 of each served key's SPKI, hex */
	char spki512[DP_RO_MAX][65]; /* ... its SHA-512's first 32 octets ("" unknown), same order */
	size_t nspki;
};

/* The run's observations. */
struct dp_ro_obs {
	bool have_dns; /* the DNSKEY RRset (with its and the SOA's RRSIGs) and the DS RRset were had */
	struct dp_ro_key keys[DP_RO_MAX];
	size_t nkeys;
	uint32_t dnskey_ttl;
	struct dp_ro_signer dnskey_signers[DP_RO_MAX], soa_signers[DP_RO_MAX];
	size_t ndnskey_signers, nsoa_signers;
	struct dp_ro_ds ds[DP_RO_MAX];
	size_t nds;
	uint32_t ds_ttl;
	const char *parent; /* "kr" */
	struct dp_ro_endpoint *ep;
	size_t nep;
};

/* One finding of the judge. */
struct dp_ro_finding {
	enum dp_status status; /* WARNING or CRITICAL; OK for a note */
	char subject[300];     /* the domain, or an endpoint name */
	char rule[32];	       /* zsk-premature, ksk-withdrawn, ds-early, tlsa-removed,
				* spki-unannounced; stale-ds (a note) */
	char text[1024];
};

struct dp_ro_verdict {
	bool first; /* no history before this run: history starts now */
	struct dp_ro_finding *v;
	size_t n;
	size_t cap;
};

/* Judge o against the history in state (an object; NULL: no memory, nothing judged) as of now
 * (seconds since the epoch), then record o into state. Returns 0 or DP_ENOMEM. */
int dp_rollover_judge(json_t *state, const char *domain, const struct dp_ro_obs *o, int64_t now,
		      struct dp_ro_verdict *out) DP_WUR;
void dp_ro_verdict_clear(struct dp_ro_verdict *v);
/* Since when the newest set of hist (an array of sets, oldest first) has held its current value
 * of field key: the first_seen of the oldest set of the unbroken run of sets at the end of hist
 * with that same value (so as far back as the kept history goes). -1 when hist is empty or not
 * an array, or its newest set has no key. Pure. */
int64_t dp_ro_since(const json_t *hist, const char *key);
