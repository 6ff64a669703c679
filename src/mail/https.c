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

/* State of one transfer, seen by the callbacks. */
struct transfer {
	const struct dp_https_req *req;
	struct dp_https_resp *resp;
	size_t cap; /* allocated bytes of resp->body */
	bool ca_failed;
	char ca_error[256];
};

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

/* Trust the extra CA file beside the system roots libcurl loaded (CURLOPT_CAINFO holds one). */
static CURLcode
on_ssl_ctx(CURL *curl, void *sslctx, void *arg)
{
	struct transfer *t = arg;
	X509_STORE *store = SSL_CTX_get_cert_store(sslctx);

	(void)curl;
	if (t->req->ca_file == NULL)
		return CURLE_OK;
	if (store == NULL || X509_STORE_load_file(store, t->req->ca_file) != 1) {
		t->ca_failed = true;
		dp_snprintf(t->ca_error, sizeof(t->ca_error), "cannot load CA file %s",
		            t->req->ca_file);
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
	ok = ok && curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) == CURLE_OK;
	ok = ok && curl_easy_setopt(c, CURLOPT_USERAGENT, "dnsprobe/" DP_VERSION) == CURLE_OK;
	if (pins != NULL)
		ok = ok && curl_easy_setopt(c, CURLOPT_RESOLVE, pins) == CURLE_OK;
	return ok;
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
	if (t->ca_failed)
		dp_strlcpy(r->error, t->ca_error, sizeof(r->error));
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
	curl_slist_free_all(pins);
	if (c != NULL)
		curl_easy_cleanup(c);
	if (rc != 0)
		dp_https_resp_clear(resp);
	return rc;
}
