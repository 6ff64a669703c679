/* HTTPS GET for the MTA-STS policy with libcurl (RFC 8461 §3.3); see https.h. */
#include "config.h"

#include "mail/https.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "mail/tls.h"

/* State of one transfer, seen by the callbacks. */
struct transfer {
	const struct dp_https_req *req;
	struct dp_https_resp *resp;
	size_t cap; /* allocated bytes of resp->body */
	char *ca_pem; /* the extra CA file's text, read once by us before the transfer */
	size_t ca_len;
	bool ca_failed;
	char ca_error[512];
	size_t header_bytes; /* response header bytes so far */
	bool header_too_large;
	bool body_started;
	bool hello_sent;     /* our ClientHello went out (OpenSSL's message callback) */
	bool record_seen;    /* and a TLS record header came back */
};

/* Our cap on a response's header section; libcurl 7.88 caps one header line at 100 KiB and
 * reports a longer one as "Out of memory", which it is not. */
#define HEADER_MAX (64u * 1024)

void
dp_https_resp_clear(struct dp_https_resp *r)
{
	if (r == NULL)
		return;
	free(r->body);
	memset(r, 0, sizeof(*r));
}

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void
global_init_once(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* libcurl's global setup exactly once, whichever thread comes first (probes run in threads). */
int
dp_https_global_init(void)
{
	pthread_once(&global_once, global_init_once);
	return global_rc == CURLE_OK ? 0 : DP_ELIB;
}

char *
dp_https_media_type(const char *content_type, char *buf, size_t bufsz)
{
	size_t o = 0;
	const char *p = content_type;

	if (bufsz == 0)
		return buf;
	while (*p == ' ' || *p == '\t')
		p++;
	for (; *p != '\0' && *p != ';' && o + 1 < bufsz; p++)
		buf[o++] = (char)tolower((unsigned char)*p);
	while (o > 0 && (buf[o - 1] == ' ' || buf[o - 1] == '\t'))
		o--;
	buf[o] = '\0';
	return buf;
}

/* The body, kept up to the cap: past it the transfer stops (RFC 8461 §3.3 lets us cap it). */
static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct transfer *t = arg;
	struct dp_https_resp *r = t->resp;
	size_t n = size * nmemb;
	size_t want;
	uint8_t *grown;

	t->body_started = true;
	if (n > t->req->max_body - r->body_len) {
		r->too_large = true;
		return 0; /* CURLE_WRITE_ERROR */
	}
	if (r->body_len + n + 1 > t->cap) {
		want = t->cap ? t->cap : 4096;
		while (want < r->body_len + n + 1)
			want *= 2;
		if (want > t->req->max_body + 1)
			want = t->req->max_body + 1;
		grown = realloc(r->body, want);
		if (grown == NULL)
			return 0;
		r->body = grown;
		t->cap = want;
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return n;
}

/* Count the header bytes: past HEADER_MAX the transfer stops. */
static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct transfer *t = arg;
	size_t n = size * nmemb;

	(void)data;
	t->header_bytes += n;
	if (t->header_bytes > HEADER_MAX) {
		t->header_too_large = true;
		return 0; /* CURLE_WRITE_ERROR */
	}
	return n;
}

/* OpenSSL's message callback on libcurl's handshake: did our ClientHello go out, did anything
 * come back? A timeout in between is a server that stalls the handshake. */
static void
on_tls_msg(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl,
           void *arg)
{
	struct transfer *t = arg;

	(void)version;
	(void)buf;
	(void)len;
	(void)ssl;
	if (write_p && content_type == SSL3_RT_HANDSHAKE)
		t->hello_sent = true;
	else if (!write_p && content_type == SSL3_RT_HEADER)
		t->record_seen = true;
}

/* Trust the extra CA file beside the system roots libcurl loaded (CURLOPT_CAINFO holds one,
 * CURLOPT_CAINFO_BLOB would replace them): its text, read before the transfer, goes into the
 * handshake's store from memory. */
static CURLcode
on_ssl_ctx(CURL *curl, void *sslctx, void *arg)
{
	struct transfer *t = arg;
	X509_STORE *store = SSL_CTX_get_cert_store(sslctx);
	struct dp_err e = {0};

	(void)curl;
	SSL_CTX_set_msg_callback(sslctx, on_tls_msg);
	SSL_CTX_set_msg_callback_arg(sslctx, t);
	if (t->req->trust != NULL) {
		/* the run's store, which holds the extra CA file already */
		SSL_CTX_set1_cert_store(sslctx, dp_tls_trust_store(t->req->trust));
		return CURLE_OK;
	}
	if (t->ca_pem == NULL)
		return CURLE_OK;
	if (store == NULL ||
	    dp_tls_store_add_pem(store, t->req->ca_file, t->ca_pem, t->ca_len, &e) != 0) {
		t->ca_failed = true;
		dp_strlcpy(t->ca_error, e.msg[0] ? e.msg : "cannot load the CA file",
		           sizeof(t->ca_error));
		return CURLE_SSL_CACERT_BADFILE;
	}
	return CURLE_OK;
}

/* "host:port:addr,addr" for CURLOPT_RESOLVE (IPv6 in brackets). */
static struct curl_slist *
pin_list(const struct dp_https_req *req)
{
	char line[1024];
	size_t o;

	if (req->host == NULL || req->naddrs == 0)
		return NULL;
	if (!dp_snprintf(line, sizeof(line), "%s:%u:", req->host,
	                 (unsigned)(req->port ? req->port : 443)))
		return NULL;
	for (size_t i = 0; i < req->naddrs; i++) {
		const struct dp_addr *a = &req->addrs[i];

		o = strlen(line);
		if (!dp_snprintf(line + o, sizeof(line) - o,
		                 a->family == AF_INET6 ? "%s[%s]" : "%s%s", i ? "," : "", a->text))
			break;
	}
	return curl_slist_append(NULL, line);
}

static bool
set_options(CURL *c, struct transfer *t, struct curl_slist *pins, char *errbuf)
{
	const struct dp_https_req *req = t->req;
	bool ok = true;

	ok = ok && curl_easy_setopt(c, CURLOPT_URL, req->url) == CURLE_OK;
	ok = ok && curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https") == CURLE_OK;
	/* RFC 8461 §3.3: "HTTP 3xx redirects MUST NOT be followed" — we report them. */
	ok = ok && curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
	/* The environment's proxy would change what we verify: none, for every host. */
	ok = ok && curl_easy_setopt(c, CURLOPT_PROXY, "") == CURLE_OK;
	ok = ok && curl_easy_setopt(c, CURLOPT_NOPROXY, "*") == CURLE_OK;
	ok = ok && curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
	ok = ok && curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
	if (req->trust != NULL) { /* nothing for libcurl to load: on_ssl_ctx sets the store */
		ok = ok && curl_easy_setopt(c, CURLOPT_CAINFO, NULL) == CURLE_OK;
		ok = ok && curl_easy_setopt(c, CURLOPT_CAPATH, NULL) == CURLE_OK;
	}
	ok = ok && curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx) == CURLE_OK;
	ok = ok && curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, t) == CURLE_OK;
	ok = ok && curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)req->connect_timeout_ms) ==
	               CURLE_OK;
	ok = ok && curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)req->timeout_ms) == CURLE_OK;
	ok = ok && curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
	ok = ok &&
	     curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body) == CURLE_OK;
	ok = ok && curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK;
	ok = ok && curl_easy_setopt(c, CURLOPT_WRITEDATA, t) == CURLE_OK;
	ok = ok && curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK;
	ok = ok && curl_easy_setopt(c, CURLOPT_HEADERDATA, t) == CURLE_OK;
	ok = ok && curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK;
	ok = ok && curl_easy_setopt(c, CURLOPT_USERAGENT, "dnsprobe/" DP_VERSION) == CURLE_OK;
	if (pins != NULL)
		ok = ok && curl_easy_setopt(c, CURLOPT_RESOLVE, pins) == CURLE_OK;
	return ok;
}

/* The transfer ended inside the response header because it was too large: our cap, or
 * libcurl's per-line cap (CURLE_OUT_OF_MEMORY in 7.88 once the TLS session was up and before
 * any body byte; CURLE_TOO_LARGE from 8.6). */
static bool
header_overflow(CURL *c, CURLcode cc, const struct transfer *t)
{
	double appconnect = 0;

	if (t->header_too_large)
		return true;
#if LIBCURL_VERSION_NUM >= 0x080600
	if (cc == CURLE_TOO_LARGE)
		return true;
#endif
	if (cc != CURLE_OUT_OF_MEMORY || t->body_started)
		return false;
	return curl_easy_getinfo(c, CURLINFO_APPCONNECT_TIME, &appconnect) == CURLE_OK &&
	       appconnect > 0;
}

/* Fill resp from the finished transfer. */
static void
collect(CURL *c, CURLcode cc, struct transfer *t, const char *errbuf)
{
	struct dp_https_resp *r = t->resp;
	char *s = NULL;
	long verify = 0;

	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	r->responded = r->status != 0;
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &s) == CURLE_OK && s != NULL)
		dp_strlcpy(r->content_type, s, sizeof(r->content_type));
	s = NULL;
	if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &s) == CURLE_OK && s != NULL)
		dp_strlcpy(r->location, s, sizeof(r->location));
	s = NULL;
	if (curl_easy_getinfo(c, CURLINFO_PRIMARY_IP, &s) == CURLE_OK && s != NULL)
		dp_strlcpy(r->address, s, sizeof(r->address));
	if (cc == CURLE_FILESIZE_EXCEEDED)
		r->too_large = true;
	if (cc == CURLE_OPERATION_TIMEDOUT)
		r->timed_out = true;
	if (cc == CURLE_PEER_FAILED_VERIFICATION) {
		r->cert_failed = true;
		curl_easy_getinfo(c, CURLINFO_SSL_VERIFYRESULT, &verify);
		if (verify != 0) {
			dp_snprintf(r->error, sizeof(r->error),
			            "certificate verification failed: %s",
			            X509_verify_cert_error_string(verify));
			return;
		}
	}
	if (cc == CURLE_OK || (r->too_large && cc != CURLE_OK))
		return;
	if (header_overflow(c, cc, t)) {
		/* No complete response arrived: what status line there was does not count. */
		r->responded = false;
		dp_snprintf(r->error, sizeof(r->error),
		            "response header too large (over %u KiB, or one line over libcurl's "
		            "100 KiB)",
		            HEADER_MAX / 1024);
		return;
	}
	if (t->ca_failed)
		dp_strlcpy(r->error, t->ca_error, sizeof(r->error));
	else if (cc == CURLE_OPERATION_TIMEDOUT && t->hello_sent && !t->record_seen)
		dp_snprintf(r->error, sizeof(r->error),
		            "TLS handshake with %s not done within %ld ms: nothing came back "
		            "after our ClientHello",
		            r->address[0] ? r->address : "the server", (long)t->req->connect_timeout_ms);
	else
		dp_snprintf(r->error, sizeof(r->error), "%s",
		            errbuf[0] ? errbuf : curl_easy_strerror(cc));
}

int
dp_https_get(const struct dp_https_req *req, struct dp_https_resp *resp, struct dp_err *err)
{
	struct transfer t = {.req = req, .resp = resp};
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *pins = NULL;
	CURL *c = NULL;
	CURLcode cc;
	int rc = 0;

	memset(resp, 0, sizeof(*resp));
	if (req->ca_file != NULL && req->trust == NULL) {
		rc = dp_tls_ca_read(req->ca_file, &t.ca_pem, &t.ca_len, err);
		if (rc != 0)
			goto out;
	}
	if (dp_https_global_init() != 0) {
		rc = dp_err_set(err, DP_ELIB, "curl_global_init failed");
		goto out;
	}
	c = curl_easy_init();
	if (c == NULL) {
		rc = dp_err_set(err, DP_ELIB, "curl_easy_init failed");
		goto out;
	}
	pins = pin_list(req);
	if (req->naddrs > 0 && pins == NULL) {
		rc = dp_err_set(err, DP_ENOMEM, "cannot pin %s to its addresses", req->host);
		goto out;
	}
	if (!set_options(c, &t, pins, errbuf)) {
		rc = dp_err_set(err, DP_ELIB, "libcurl rejected an option");
		goto out;
	}
	cc = curl_easy_perform(c);
	collect(c, cc, &t, errbuf);
	if (t.ca_failed && !resp->responded) {
		rc = dp_err_set(err, DP_EIO, "%s", t.ca_error);
		goto out;
	}
out:
	free(t.ca_pem);
	curl_slist_free_all(pins);
	if (c != NULL)
		curl_easy_cleanup(c);
	if (rc != 0)
		dp_https_resp_clear(resp);
	return rc;
}
