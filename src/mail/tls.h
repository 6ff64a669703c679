/* The shared TLS client: one connection to ADDR:PORT under a deadline (SMTP STARTTLS per
 * RFC 3207 on 25 and 587, implicit TLS elsewhere, SNI = host), one handshake verified two ways:
 * OpenSSL's DANE (RFC 7671, RFC 7672 on SMTP) during the handshake, and PKIX for the host name
 * (system roots + an extra CA file) over the same presented chain. Used by dane.tlsa, tls.cert
 * and mta_sts.policy. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dnsprobe/common.h"
#include "dns/dns.h"
#include "mail/smtp.h"
#include "mail/tlsa.h"

/* Trust for one check run: the system roots plus an extra CA file, and the TLS client context.
 * Shared read-only by every connection of the run, from any thread. */
struct dp_tls_trust;

/* Load the system roots and ca_file (PEM; NULL for none). An unreadable ca_file is an error. */
int dp_tls_trust_new(const char *ca_file, struct dp_tls_trust **out, struct dp_err *err) DP_WUR;

/* The certificates (and CRLs) of a PEM text held in memory into store; name is for messages
 * ("CA file NAME: reason"). A text without any certificate is an error. */
struct x509_store_st;
int dp_tls_store_add_pem(struct x509_store_st *store, const char *name, const char *pem,
                         size_t len, struct dp_err *err) DP_WUR;
/* Read a CA file (base/file.h: regular file, DP_CA_FILE_MAX_BYTES) into *pem (caller frees). */
int dp_tls_ca_read(const char *path, char **pem, size_t *len, struct dp_err *err) DP_WUR;
/* Read and parse a CA file without keeping it: the check done before any run (engine init). */
int dp_tls_ca_check(const char *path, struct dp_err *err) DP_WUR;
void dp_tls_trust_free(struct dp_tls_trust *t);
/* Its certificate store (system roots + ca_file), for another TLS client to verify against
 * (libcurl's, via SSL_CTX_set1_cert_store: shared, read-only, thread-safe). */
struct x509_store_st *dp_tls_trust_store(const struct dp_tls_trust *t);

/* Trust shared by the runs of one engine (one configuration generation): loading the system
 * roots and building the client context costs milliseconds of CPU under OpenSSL 3 and takes
 * its global locks, so it is done once, on first use, not once per run. Thread-safe. */
struct dp_tls_trust_cache;
struct dp_tls_trust_cache *dp_tls_trust_cache_new(void);
/* The cached trust when it was made for the same ca_file (*owned false: do not free it); the
 * first call makes and keeps it. A call with another ca_file gets its own (*owned true: the
 * caller frees it). A failure is not cached: the next call tries again. */
int dp_tls_trust_cache_get(struct dp_tls_trust_cache *c, const char *ca_file,
                           struct dp_tls_trust **out, bool *owned, struct dp_err *err) DP_WUR;
/* Only when no run uses it any more. */
void dp_tls_trust_cache_free(struct dp_tls_trust_cache *c);

/* The steps of a connection, for saying which one failed. */
enum dp_tls_step {
	DP_TLS_STEP_CONNECT = 0,
	DP_TLS_STEP_GREETING = 1, /* SMTP: the 220 greeting */
	DP_TLS_STEP_EHLO = 2,     /* SMTP: EHLO and the STARTTLS keyword */
	DP_TLS_STEP_STARTTLS = 3, /* SMTP: STARTTLS and its 220 */
	DP_TLS_STEP_HANDSHAKE = 4,
	DP_TLS_STEP_DONE = 5,
};
const char *dp_tls_step_str(enum dp_tls_step s);

/* STARTTLS (RFC 3207) on 25 and 587; implicit TLS on every other port (443, 465, 993, 995…). */
bool dp_tls_port_starttls(uint16_t port);

struct dp_tls_req {
	const char *host;     /* SNI, the TLSA base domain and the name PKIX checks */
	const char *alt_name; /* NULL, or a second name DANE-TA may match (RFC 7672 §3.2.2) */
	const struct dp_addr *addr;
	uint16_t port;
	const struct dp_tls_trust *trust;
	const struct dp_tlsa
	    *tlsa; /* the TLSA RRset (unusable records are skipped); NULL: no DANE */
	size_t ntlsa;
	int64_t verify_at; /* PKIX and DANE as of this time (seconds since the epoch); 0: now */
	int step_ms;       /* each step's own timeout */
	double deadline;   /* dp_now_mono() value no step may pass; 0: none */
	/* NULL, or called once after the connection is up (TCP, and banner, EHLO and STARTTLS on
	 * SMTP) and before the handshake, with a copy of this request: it may block, at most until
	 * deadline, for inputs made meanwhile, and fills the copy's trust, tlsa and ntlsa (so the
	 * TLSA lookup runs beside the connection, not before it). 0: go on; DP_ETIMEOUT: not had by
	 * the deadline (the session is cut before its handshake); any other code (err set) is
	 * dp_tls_probe's own return. */
	int (*join)(void *arg, struct dp_tls_req *req, struct dp_err *err);
	void *join_arg;
};

/* The presented leaf certificate. */
struct dp_cert_info {
	bool present;
	int64_t not_before;
	int64_t not_after;
	char subject[256];
	char issuer[256];
	char spki_sha256[65]; /* SHA-256 of the DER SubjectPublicKeyInfo, hex (TLSA x 1 1) */
	char spki_sha512[129]; /* the same with SHA-512 (TLSA x 1 2) */
	/* The same of the certificate in the presented chain that issued the leaf (TLSA 2 1 1),
	 * "" when the server sent none */
	char issuer_spki_sha256[65];
	json_t *sans;         /* array of subjectAltName DNS names (owned) */
	int chain_len;        /* certificates the server sent */
};

/* What became of one TLSA record. */
enum dp_tlsa_state {
	DP_TLSA_UNUSABLE = 0,
	DP_TLSA_MATCHED = 1, /* it authenticates the presented chain on its own */
	DP_TLSA_NO_MATCH = 2,
};
const char *dp_tlsa_state_str(enum dp_tlsa_state s);

/* What happened. Owned; free with dp_tls_res_clear. */
struct dp_tls_res {
	enum dp_tls_step step; /* the step that failed; DP_TLS_STEP_DONE after a handshake */
	bool timed_out;        /* that step ran out of time */
	bool no_route;         /* connect() said at once this host has no route there (nothing sent) */
	bool cut;              /* ...at the request's deadline: the budget ended it, no verdict */
	char error[512];       /* what went wrong at that step, "" when done */
	char greeting[DP_SMTP_TEXT_MAX]; /* SMTP: the greeting's first line */
	bool starttls_offered;
	char protocol[32]; /* "TLSv1.3" */
	char cipher[64];
	double connect_seconds;   /* TCP connect */
	double handshake_seconds; /* TLS handshake alone */
	double total_seconds;     /* connect to handshake done (less the wait in req.join) */
	struct dp_cert_info leaf;
	/* PKIX for req->host over the presented chain. */
	bool pkix_valid;
	char pkix_error[256]; /* OpenSSL's verify error, "" when valid */
	/* DANE, when req->ntlsa > 0: OpenSSL's verdict from the handshake. */
	size_t dane_usable; /* records OpenSSL accepted */
	bool dane_ok;       /* a usable record authenticated the server */
	int dane_depth;     /* chain depth of the match (0: the leaf), -1 */
	long dane_match;    /* index into req->tlsa of the matched record, -1 */
	char dane_error[256];
	enum dp_tlsa_state *tlsa_state; /* per req->tlsa record (owned, ntlsa items) */
	char **tlsa_why;                /* per record: why unusable or why it failed (owned) */
	size_t ntlsa;
};
void dp_tls_res_clear(struct dp_tls_res *r);

/* Connect, speak, handshake, verify. A server that refuses, stays silent, offers no STARTTLS or
 * fails the handshake is reported in res (a finding); errors mean no verdict (no memory, an
 * OpenSSL setup failure). */
int dp_tls_probe(const struct dp_tls_req *req, struct dp_tls_res *res, struct dp_err *err) DP_WUR;

/* Release the calling thread's OpenSSL state now (OPENSSL_thread_stop). A check's thread may still
 * be exiting when the process does, before OpenSSL's own thread-exit handler has run; checks that
 * used OpenSSL call this last. */
void dp_tls_thread_done(void);
