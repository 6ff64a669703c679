/* One HTTPS GET with libcurl for the MTA-STS policy (RFC 8461 §3.3): PKIX-verified against the
 * system roots plus an extra CA file, redirects reported but never followed, body capped,
 * connect and total timeouts, no proxy from the environment, addresses pinned. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsprobe/common.h"
#include "dns/dns.h"

struct dp_tls_trust;

struct dp_https_req {
	const char *url;             /* https://HOST/... */
	const char *host;            /* HOST of url, for pinning; NULL: libcurl resolves it */
	uint16_t port;               /* 0 → 443 */
	const struct dp_addr *addrs; /* connect only to these (as our validating resolver saw) */
	size_t naddrs;
	const char *ca_file; /* extra trusted CAs (PEM) beside the system roots; NULL */
	/* Verify against this store (the run's: system roots + ca_file, loaded once per engine)
	 * instead of having libcurl load the system roots and ca_file again for every transfer
	 * (about a fifth of a glitter.kr run's CPU, by callgrind); NULL: libcurl loads them. */
	const struct dp_tls_trust *trust;
	int connect_timeout_ms;
	int timeout_ms;
	size_t max_body; /* the body cap; a longer body sets too_large */
};

/* What happened. Everything owned; free with dp_https_resp_clear. */
struct dp_https_resp {
	bool responded;         /* an HTTP response arrived (status below is meaningful) */
	long status;            /* HTTP status */
	char content_type[256]; /* Content-Type as sent, "" when none */
	char location[1024];    /* redirect target (Location), "" when none */
	char address[64];       /* the address connected to */
	uint8_t *body;          /* NUL-terminated for convenience; body_len excludes it */
	size_t body_len;
	bool too_large;   /* the body (or its Content-Length) passed max_body */
	bool cert_failed; /* the server's certificate did not verify (PKIX) */
	bool timed_out;
	char error[512]; /* why the transfer failed, "" when it did not */
};
void dp_https_resp_clear(struct dp_https_resp *r);

/* libcurl's global setup, done once per process (thread-safe; dp_https_get calls it too). */
int dp_https_global_init(void) DP_WUR;

/* Do the GET. A server that cannot be reached, a bad certificate or a too large body is reported
 * in resp (a finding), not as an error; errors mean libcurl could not be set up at all. */
int dp_https_get(const struct dp_https_req *req, struct dp_https_resp *resp,
                 struct dp_err *err) DP_WUR;

/* The media type of a Content-Type value without parameters and surrounding space, lower-case,
 * into buf ("text/plain" for "Text/Plain; charset=utf-8"). Returns buf. */
char *dp_https_media_type(const char *content_type, char *buf, size_t bufsz);
