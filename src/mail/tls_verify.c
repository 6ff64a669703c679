/* Verdicts over a finished TLS handshake: the presented leaf's facts, PKIX for the host name, and
 * DANE (OpenSSL's, from the handshake and per TLSA record); see tls.h. */
#include "config.h"

#include "mail/tls_verify.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "dns/dnssec.h"
#include "dns/txt.h"

#define MAX_SANS 64

/* One verification: the request, its result, the connection. */
struct vctx {
	const struct dp_tls_req *req;
	struct dp_tls_res *res;
	SSL *ssl;
};

/* ---- the presented certificate ---- */

static void
name_text(const X509_NAME *n, char *buf, size_t bufsz)
{
	BIO *b = BIO_new(BIO_s_mem());
	int len = 0;

	buf[0] = '\0';
	if (b == NULL)
		return;
	/* RFC 2253 form escapes control and non-ASCII bytes: the text is printable ASCII. */
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0)
		len = BIO_read(b, buf, (int)bufsz - 1);
	buf[len > 0 ? len : 0] = '\0';
	BIO_free(b);
}

/* RFC 6698 §2.1.2 selector 1: the DER SubjectPublicKeyInfo, as TLSA `x 1 1` (SHA-256) and `x 1 2`
 * (SHA-512) hash it; hex into out (outsz ≥ 2 × the digest + 1), "" on failure. */
static void
spki_digest(X509 *x, const EVP_MD *md_type, char *out, size_t outsz)
{
	unsigned char *der = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);

	out[0] = '\0';
	if (len > 0 && EVP_Digest(der, (size_t)len, md, &mdlen, md_type, NULL) == 1)
		dp_hex(md, mdlen, out, outsz);
	OPENSSL_free(der);
}

static void
spki_sha256(X509 *x, char out[65])
{
	spki_digest(x, EVP_sha256(), out, 65);
}

static json_t *
sans_json(X509 *x)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	json_t *a = json_array();

	for (int i = 0; a != NULL && i < sk_GENERAL_NAME_num(gens) && i < MAX_SANS; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char buf[256];

		if (g->type != GEN_DNS)
			continue;
		dp_text_printable(ASN1_STRING_get0_data(g->d.dNSName),
		                  (size_t)ASN1_STRING_length(g->d.dNSName), buf, sizeof(buf));
		json_array_append_new(a, json_string(buf));
	}
	GENERAL_NAMES_free(gens);
	return a;
}

static void
cert_facts(X509 *x, struct dp_cert_info *ci)
{
	struct tm tm;

	ci->present = true;
	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm) == 1)
		ci->not_before = (int64_t)timegm(&tm);
	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
		ci->not_after = (int64_t)timegm(&tm);
	name_text(X509_get_subject_name(x), ci->subject, sizeof(ci->subject));
	name_text(X509_get_issuer_name(x), ci->issuer, sizeof(ci->issuer));
	spki_sha256(x, ci->spki_sha256);
	spki_digest(x, EVP_sha512(), ci->spki_sha512, sizeof(ci->spki_sha512));
	ci->sans = sans_json(x);
}

/* A store context over the presented chain, as OpenSSL's TLS client sets one up. */
static X509_STORE_CTX *
chain_ctx(struct vctx *c, X509 *leaf, STACK_OF(X509) * chain)
{
	X509_STORE_CTX *s = X509_STORE_CTX_new();

	if (s == NULL || X509_STORE_CTX_init(s, c->req->trust->store, leaf, chain) != 1 ||
	    X509_STORE_CTX_set_default(s, "ssl_server") != 1) {
		X509_STORE_CTX_free(s);
		return NULL;
	}
	return s;
}

/* PKIX for the host name (RFC 6125 via X509_check_host) against the system roots + CA file. */
static int
pkix_check(struct vctx *c, X509 *leaf, STACK_OF(X509) * chain, struct dp_err *err)
{
	X509_STORE_CTX *s = chain_ctx(c, leaf, chain);
	X509_VERIFY_PARAM *p;

	if (s == NULL)
		return dp_err_set(err, DP_ELIB, "OpenSSL: cannot verify a chain");
	p = X509_STORE_CTX_get0_param(s);
	X509_VERIFY_PARAM_set_hostflags(p, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (X509_VERIFY_PARAM_set1_host(p, c->req->host, 0) != 1) {
		X509_STORE_CTX_free(s);
		return dp_err_set(err, DP_ELIB, "OpenSSL: cannot set host %s", c->req->host);
	}
	if (c->req->verify_at != 0)
		X509_VERIFY_PARAM_set_time(p, (time_t)c->req->verify_at);
	c->res->pkix_valid = X509_verify_cert(s) == 1;
	if (!c->res->pkix_valid)
		dp_strlcpy(c->res->pkix_error,
		           X509_verify_cert_error_string(X509_STORE_CTX_get_error(s)),
		           sizeof(c->res->pkix_error));
	X509_STORE_CTX_free(s);
	ERR_clear_error();
	return 0;
}

/* OpenSSL's DANE verdict from the handshake, and which record it matched. */
static void
dane_verdict(struct vctx *c)
{
	const struct dp_tls_req *q = c->req;
	struct dp_tls_res *res = c->res;
	long v = SSL_get_verify_result(c->ssl);
	uint8_t u = 0, s = 0, m = 0;
	const unsigned char *d = NULL;
	size_t dl = 0;
	int depth;

	if (res->dane_usable == 0) {
		dp_strlcpy(res->dane_error, "no usable TLSA record", sizeof(res->dane_error));
		return;
	}
	depth = SSL_get0_dane_tlsa(c->ssl, &u, &s, &m, &d, &dl);
	if (v != X509_V_OK || depth < 0) {
		dp_strlcpy(
		    res->dane_error,
		    X509_verify_cert_error_string(v != X509_V_OK ? v : X509_V_ERR_DANE_NO_MATCH),
		    sizeof(res->dane_error));
		return;
	}
	res->dane_ok = true;
	res->dane_depth = depth;
	for (size_t i = 0; i < q->ntlsa; i++) {
		const struct dp_tlsa *t = &q->tlsa[i];

		if (t->usage == u && t->selector == s && t->mtype == m && t->len == dl &&
		    (dl == 0 || memcmp(t->data, d, dl) == 0)) {
			res->dane_match = (long)i;
			break;
		}
	}
}

/* Does this one record authenticate the presented chain? OpenSSL's DANE verification of the
 * chain with only that record loaded, as the handshake would do it. */
static int
record_verify(struct vctx *c, const struct dp_tlsa *t, X509 *leaf, STACK_OF(X509) * chain, size_t i)
{
	const struct dp_tls_req *q = c->req;
	SSL *s = SSL_new(q->trust->ctx);
	X509_STORE_CTX *sc = NULL;
	const char *why = NULL;
	int r;

	if (s == NULL || SSL_dane_enable(s, q->host) <= 0 ||
	    (q->alt_name != NULL && SSL_add1_host(s, q->alt_name) != 1))
		goto lib;
	if (dp_tlsa_port_is_smtp(q->port))
		SSL_dane_set_flags(s, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	r = SSL_dane_tlsa_add(s, t->usage, t->selector, t->mtype, t->data, t->len);
	if (r < 0)
		goto lib;
	c->res->tlsa_state[i] = DP_TLSA_UNUSABLE;
	if (r == 0) {
		why = "OpenSSL cannot use it (malformed association data)";
	} else {
		sc = chain_ctx(c, leaf, chain);
		if (sc == NULL)
			goto lib;
		X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(sc), SSL_get0_param(s));
		if (q->verify_at != 0)
			X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(sc),
			                           (time_t)q->verify_at);
		X509_STORE_CTX_set0_dane(sc, SSL_get0_dane(s));
		if (X509_verify_cert(sc) == 1) {
			c->res->tlsa_state[i] = DP_TLSA_MATCHED;
		} else {
			c->res->tlsa_state[i] = DP_TLSA_NO_MATCH;
			why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(sc));
		}
	}
	if (why != NULL)
		c->res->tlsa_why[i] = dp_strdup(why);
	X509_STORE_CTX_free(sc);
	SSL_free(s);
	ERR_clear_error();
	return 0;
lib:
	X509_STORE_CTX_free(sc);
	SSL_free(s);
	ERR_clear_error();
	return DP_ELIB;
}

/* Every record's own verdict: unusable (and why), matched, or no match (and why). */
static int
records_verdicts(struct vctx *c, X509 *leaf, STACK_OF(X509) * chain, struct dp_err *err)
{
	const struct dp_tls_req *q = c->req;
	struct dp_tls_res *res = c->res;
	bool smtp = dp_tlsa_port_is_smtp(q->port);

	res->tlsa_state = calloc(q->ntlsa, sizeof(*res->tlsa_state));
	res->tlsa_why = calloc(q->ntlsa, sizeof(*res->tlsa_why));
	if (res->tlsa_state == NULL || res->tlsa_why == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	res->ntlsa = q->ntlsa;
	for (size_t i = 0; i < q->ntlsa; i++) {
		const char *why = dp_tlsa_unusable(&q->tlsa[i], smtp);

		if (why != NULL) {
			res->tlsa_state[i] = DP_TLSA_UNUSABLE;
			res->tlsa_why[i] = dp_strdup(why);
			continue;
		}
		if (record_verify(c, &q->tlsa[i], leaf, chain, i) != 0)
			return dp_err_set(err, DP_ELIB, "OpenSSL: cannot verify a TLSA record");
	}
	return 0;
}

int
dp_tls_verify(const struct dp_tls_req *req, struct dp_tls_res *res, SSL *ssl, struct dp_err *err)
{
	struct vctx vc = {.req = req, .res = res, .ssl = ssl};
	struct vctx *c = &vc;
	X509 *leaf = SSL_get0_peer_certificate(c->ssl);
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(c->ssl);
	int rc;

	if (leaf == NULL) {
		dp_strlcpy(c->res->pkix_error, "no certificate presented",
		           sizeof(c->res->pkix_error));
		dp_strlcpy(c->res->dane_error, "no certificate presented",
		           sizeof(c->res->dane_error));
		return 0;
	}
	cert_facts(leaf, &c->res->leaf);
	c->res->leaf.chain_len = sk_X509_num(chain);
	for (int i = 0; i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);

		if (x != leaf && X509_check_issued(x, leaf) == X509_V_OK) {
			spki_sha256(x, c->res->leaf.issuer_spki_sha256);
			break;
		}
	}
	rc = pkix_check(c, leaf, chain, err);
	if (rc != 0 || c->req->ntlsa == 0)
		return rc;
	dane_verdict(c);
	return records_verdicts(c, leaf, chain, err);
}
