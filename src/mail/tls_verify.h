/* Private to the TLS client: the trust shared by connections, and the verdicts over a finished
 * handshake (tls_verify.c). */
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "mail/tls.h"

struct dp_tls_trust {
	X509_STORE *store; /* system roots + --ca-file, for PKIX (and PKIX-TA/EE records) */
	SSL_CTX *ctx;      /* DANE-enabled client context */
};

/* After a completed handshake on ssl: the leaf's facts, PKIX for req->host, OpenSSL's DANE
 * verdict and every TLSA record's own verdict, into res. Errors: no memory, OpenSSL failures. */
int dp_tls_verify(const struct dp_tls_req *req, struct dp_tls_res *res, SSL *ssl,
                  struct dp_err *err) DP_WUR;
