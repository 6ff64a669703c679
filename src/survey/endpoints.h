/* The TLS endpoints a run checks (dane.tlsa, tls.cert), their TLSA RRsets, and connecting to
 * every endpoint × address at once with the shared TLS client. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dnsprobe/probe.h"
#include "mail/tls.h"

/* One endpoint (port, host). Strings and hosts point into the discovery. */
struct dp_tls_endpoint {
	uint16_t port;
	const char *host;
	bool from_mx;    /* a port of an MX host (25 always; 465/587 when they have TLSA) */
	bool configured; /* given with --tlsa or in the config */
	const struct dp_host *resolved; /* NULL when discovery has no record of the host */
	/* The budget ran out before 465/587 of this MX host were looked at (port 0, resolved
	 * NULL): reported "not checked", never dropped (SPEC §1). */
	bool unchecked;
};

/* Discovery's endpoints (25 on every MX host, then the configured ones) plus, for every MX
 * host, 465 and 587 when a TLSA RRset exists there. *out is owned by the caller (free()). */
int dp_tls_endpoints(const struct dp_ctx *ctx, struct dp_tls_endpoint **out, size_t *n,
                     struct dp_err *err) DP_WUR;

/* The UNKNOWN results of check id for what could not be checked (SPEC §1: reported, never
 * dropped): every unchecked entry of v[0..n); the MX RRset when discovery's MX lookup failed
 * (subject "MX of DOMAIN"); and, per endpoint, an address family whose lookup failed (subject
 * "PORT:HOST/IPv4" or "/IPv6"). The lookup failures claim the result of check cause_id about
 * the domain as their cause (NULL: none; kept only when that result is not OK). */
int dp_tls_endpoints_unchecked(const struct dp_ctx *ctx, const char *id, const char *cause_id,
                               const struct dp_tls_endpoint *v, size_t n,
                               struct dp_results *out) DP_WUR;

/* The host's A or AAAA lookup failed (timeout, SERVFAIL): its missing addresses are unknown,
 * never "no address". */
bool dp_host_lookup_failed(const struct dp_host *h);

/* "25:mail.glitter.kr" and "25:mail.glitter.kr/127.0.20.1" (addr may be NULL) into buf. */
char *dp_tls_endpoint_name(const struct dp_tls_endpoint *e, const struct dp_addr *addr, char *buf,
                           size_t bufsz);

/* A TLSA RRset as the validating resolver gave it, parsed. */
struct dp_tlsa_set {
	char name[300]; /* _PORT._tcp.BASE: the name the records were taken from */
	/* RFC 7671 §7: the host's secure CNAME target, "" when the host is no (secure) alias;
	 * base is the TLSA base domain: cname when its TLSA RRset was used, else the host. */
	char cname[256];
	char base[256];
	struct dp_lookup l;
	struct dp_tlsa *v; /* points into l's rdata */
	size_t n;
	size_t malformed; /* rdata too short to be TLSA */
};
/* Look the TLSA RRset up with r and parse the records: at the host's CNAME target first when the
 * host is a securely expanded alias, else (or when nothing is there) at the host itself (RFC
 * 7671 §7, RFC 7672 §2.2.2). Errors only when r fails. */
int dp_tlsa_set_fetch(struct dp_resolver *r, const struct dp_tls_endpoint *e,
                      struct dp_tlsa_set *out, struct dp_err *err) DP_WUR;
void dp_tlsa_set_clear(struct dp_tlsa_set *s);

/* One connection to make: fill req (req.addr = addr), then dp_tls_probe_many fills the rest. */
struct dp_tls_job {
	const struct dp_tls_endpoint *ep;
	const struct dp_addr *addr;
	struct dp_tls_req req;
	struct dp_tls_res res;
	int rc; /* dp_tls_probe's return; err holds why */
	struct dp_err err;
};
/* Run every job's dp_tls_probe concurrently (bounded); each job's rc/err/res is set. */
void dp_tls_probe_many(struct dp_tls_job *jobs, size_t n);

/* The leaf's facts as a JSON object (new reference): subject, issuer, not_before, not_after,
 * spki_sha256, sans, chain_length. */
json_t *dp_cert_info_json(const struct dp_cert_info *ci);
/* Connection facts: step reached, error, timing, protocol, cipher (new reference). */
json_t *dp_tls_conn_json(const struct dp_tls_res *r);
