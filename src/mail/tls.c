/* The shared TLS client: TCP connect, SMTP STARTTLS, one handshake with OpenSSL's DANE, then PKIX
 * and per-record DANE verdicts over the presented chain; see tls.h. */
#include "config.h"

#include "mail/tls.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/file.h"
#include "mail/tls_verify.h"

#define SMTP_BUF  8192 /* replies read ahead of the parser, at most */
#define EHLO_LINE "EHLO dnsprobe.invalid\r\n"

/* One connection. */
struct conn {
	const struct dp_tls_req *req;
	struct dp_tls_res *res;
	int fd;
	SSL *ssl;
	char buf[SMTP_BUF]; /* SMTP bytes read but not parsed yet */
	size_t len;
	unsigned char rec[5]; /* the first TLS record header the server sent (msg callback) */
	size_t reclen;
};

const char *
dp_tls_step_str(enum dp_tls_step s)
{
	switch (s) {
	case DP_TLS_STEP_CONNECT:
		return "connect";
	case DP_TLS_STEP_GREETING:
		return "greeting";
	case DP_TLS_STEP_EHLO:
		return "EHLO";
	case DP_TLS_STEP_STARTTLS:
		return "STARTTLS";
	case DP_TLS_STEP_HANDSHAKE:
		return "handshake";
	case DP_TLS_STEP_DONE:
		return "done";
	}
	return "?";
}

const char *
dp_tlsa_state_str(enum dp_tlsa_state s)
{
	switch (s) {
	case DP_TLSA_UNUSABLE:
		return "unusable";
	case DP_TLSA_MATCHED:
		return "matched";
	case DP_TLSA_NO_MATCH:
		return "no match";
	}
	return "?";
}

bool
dp_tls_port_starttls(uint16_t port)
{
	/* RFC 3207 on the SMTP relay and submission (RFC 6409) ports; 465 is implicit (RFC 8314).
	 */
	return port == 25 || port == 587;
}

/* The reason of OpenSSL's latest error into buf; the thread's error queue is emptied. */
static const char *
ossl_error(char *buf, size_t bufsz)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;

	if (reason != NULL)
		dp_strlcpy(buf, reason, bufsz);
	else if (e != 0)
		ERR_error_string_n(e, buf, bufsz);
	else
		dp_strlcpy(buf, "unknown error", bufsz);
	ERR_clear_error();
	return buf;
}

int
dp_tls_store_add_pem(X509_STORE *store, const char *name, const char *pem, size_t len,
                     struct dp_err *err)
{
	BIO *bio = len <= (size_t)INT32_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
	STACK_OF(X509_INFO) *infos = NULL;
	size_t certs = 0;
	char why[256];
	int rc = 0;

	if (bio == NULL)
		return dp_err_set(err, DP_ENOMEM, "CA file %s: out of memory", name);
	infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
	if (infos == NULL) {
		rc = dp_err_set(err, DP_EPARSE, "CA file %s: not PEM certificates: %s", name,
		                ossl_error(why, sizeof(why)));
		goto out;
	}
	for (int i = 0; rc == 0 && i < sk_X509_INFO_num(infos); i++) {
		X509_INFO *xi = sk_X509_INFO_value(infos, i);

		if (xi->x509 != NULL && X509_STORE_add_cert(store, xi->x509) != 1)
			rc = dp_err_set(err, DP_ELIB, "CA file %s: certificate %d: %s", name, i + 1,
			                ossl_error(why, sizeof(why)));
		if (rc == 0 && xi->crl != NULL && X509_STORE_add_crl(store, xi->crl) != 1)
			rc = dp_err_set(err, DP_ELIB, "CA file %s: CRL %d: %s", name, i + 1,
			                ossl_error(why, sizeof(why)));
		certs += xi->x509 != NULL;
	}
	if (rc == 0 && certs == 0)
		rc = dp_err_set(err, DP_EPARSE, "CA file %s: no PEM certificate in it", name);
out:
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

int
dp_tls_ca_read(const char *path, char **pem, size_t *len, struct dp_err *err)
{
	struct dp_err e = {0};
	int rc = dp_file_read(path, DP_CA_FILE_MAX_BYTES, pem, len, &e);

	return rc != 0 ? dp_err_set(err, rc, "CA file %s", e.msg) : 0;
}

int
dp_tls_ca_check(const char *path, struct dp_err *err)
{
	X509_STORE *store = X509_STORE_new();
	char *pem = NULL;
	size_t len = 0;
	int rc;

	if (store == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	rc = dp_tls_ca_read(path, &pem, &len, err);
	if (rc == 0)
		rc = dp_tls_store_add_pem(store, path, pem, len, err);
	free(pem);
	X509_STORE_free(store);
	return rc;
}

int
dp_tls_trust_new(const char *ca_file, struct dp_tls_trust **out, struct dp_err *err)
{
	struct dp_tls_trust *t = calloc(1, sizeof(*t));
	char why[256];
	char *pem = NULL;
	size_t len = 0;
	int rc = 0;

	*out = NULL;
	if (t == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	t->store = X509_STORE_new();
	t->ctx = SSL_CTX_new(TLS_client_method());
	if (t->store == NULL || t->ctx == NULL || X509_STORE_set_default_paths(t->store) != 1 ||
	    SSL_CTX_dane_enable(t->ctx) <= 0) {
		rc = dp_err_set(err, DP_ELIB, "OpenSSL: cannot set up the TLS client: %s",
		                ossl_error(why, sizeof(why)));
		goto out;
	}
	/* Read by us (non-blocking open, regular file, capped), parsed from memory. */
	if (ca_file != NULL) {
		rc = dp_tls_ca_read(ca_file, &pem, &len, err);
		if (rc == 0)
			rc = dp_tls_store_add_pem(t->store, ca_file, pem, len, err);
		if (rc != 0)
			goto out;
	}
	/* The same roots serve PKIX-TA(0)/PKIX-EE(1) records during the handshake (RFC 7671 §5). */
	SSL_CTX_set1_cert_store(t->ctx, t->store);
	/* The verdict is read after the handshake: a bad certificate must not hide the facts. */
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
out:
	free(pem);
	if (rc != 0) {
		dp_tls_trust_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

struct dp_tls_trust_cache {
	pthread_mutex_t lock;
	struct dp_tls_trust *t;
	char *ca_file; /* what t was made with (NULL: none) */
};

struct dp_tls_trust_cache *
dp_tls_trust_cache_new(void)
{
	struct dp_tls_trust_cache *c = calloc(1, sizeof(*c));

	if (c != NULL)
		pthread_mutex_init(&c->lock, NULL);
	return c;
}

static bool
same_file(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int
dp_tls_trust_cache_get(struct dp_tls_trust_cache *c, const char *ca_file,
                       struct dp_tls_trust **out, bool *owned, struct dp_err *err)
{
	int rc = 0;

	*out = NULL;
	*owned = true;
	if (c == NULL)
		return dp_tls_trust_new(ca_file, out, err);
	pthread_mutex_lock(&c->lock);
	if (c->t == NULL) {
		char *f = ca_file != NULL ? dp_strdup(ca_file) : NULL;

		if (ca_file != NULL && f == NULL)
			rc = dp_err_set(err, DP_ENOMEM, "out of memory");
		else
			rc = dp_tls_trust_new(ca_file, &c->t, err);
		if (rc == 0)
			c->ca_file = f;
		else
			free(f);
	}
	if (rc == 0 && c->t != NULL && same_file(c->ca_file, ca_file)) {
		*out = c->t;
		*owned = false;
	}
	pthread_mutex_unlock(&c->lock);
	if (rc != 0 || *out != NULL)
		return rc;
	return dp_tls_trust_new(ca_file, out, err);
}

void
dp_tls_trust_cache_free(struct dp_tls_trust_cache *c)
{
	if (c == NULL)
		return;
	dp_tls_trust_free(c->t);
	free(c->ca_file);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

X509_STORE *
dp_tls_trust_store(const struct dp_tls_trust *t)
{
	return t->store;
}

void
dp_tls_trust_free(struct dp_tls_trust *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	X509_STORE_free(t->store);
	free(t);
}

void
dp_tls_thread_done(void)
{
	OPENSSL_thread_stop();
}

void
dp_tls_res_clear(struct dp_tls_res *r)
{
	if (r == NULL)
		return;
	json_decref(r->leaf.sans);
	for (size_t i = 0; r->tlsa_why != NULL && i < r->ntlsa; i++)
		free(r->tlsa_why[i]);
	free(r->tlsa_why);
	free(r->tlsa_state);
	memset(r, 0, sizeof(*r));
}

/* ---- sockets under a deadline ---- */

static void fail(struct conn *c, enum dp_tls_step step, bool timeout, const char *fmt, ...)
    DP_PRINTF(4, 5);

/* Note the failing step and why (the first failure is kept). */
static void
fail(struct conn *c, enum dp_tls_step step, bool timeout, const char *fmt, ...)
{
	va_list ap;

	if (c->res->error[0] != '\0')
		return;
	c->res->step = step;
	c->res->timed_out = timeout;
	/* A step that ran into the run's deadline (not its own timeout) proves nothing (SPEC §1). */
	c->res->cut = timeout && c->req->deadline > 0 && dp_now_mono() >= c->req->deadline - 0.05;
	va_start(ap, fmt);
	(void)vsnprintf(c->res->error, sizeof(c->res->error), fmt, ap);
	va_end(ap);
}

/* This step's end: now + the step timeout, never past the request's deadline. */
static double
step_until(const struct dp_tls_req *req)
{
	double until = dp_now_mono() + (req->step_ms > 0 ? req->step_ms : 5000) / 1000.0;

	if (req->deadline > 0 && req->deadline < until)
		until = req->deadline;
	return until;
}

static int
ms_between(double from, double until)
{
	return until > from ? (int)((until - from) * 1000.0 + 0.5) : 0;
}

/* Wait for events on fd until `until`: 1 ready, 0 timed out, -1 error (errno set). */
static int
wait_fd(int fd, short events, double until)
{
	for (;;) {
		double left = until - dp_now_mono();
		struct pollfd p = {.fd = fd, .events = events};
		int n;

		if (left <= 0)
			return 0;
		n = poll(&p, 1, (int)(left * 1000.0) + 1);
		if (n < 0 && errno == EINTR)
			continue;
		return n > 0 ? 1 : n;
	}
}

static socklen_t
sockaddr_of(const struct dp_addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		s6->sin6_addr = a->u.v6;
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	s4->sin_addr = a->u.v4;
	return sizeof(*s4);
}

static bool
tcp_connect(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(c->req->addr, c->req->port, &ss);
	double t0 = dp_now_mono();
	double until = step_until(c->req);
	socklen_t el = sizeof(int);
	int soerr = 0;
	char eb[128];

	c->fd = socket(c->req->addr->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		fail(c, DP_TLS_STEP_CONNECT, false, "socket: %s",
		     strerror_r(errno, eb, sizeof(eb)));
		return false;
	}
	if (connect(c->fd, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS) {
		soerr = errno;
		/* Refused by the routing table before anything was sent (no IPv6 route, say): the
		 * address is not checked from here, which says nothing about the server. */
		if (soerr == ENETUNREACH || soerr == EHOSTUNREACH) {
			fail(c, DP_TLS_STEP_CONNECT, false, "no route to %s from here (%s)",
			     c->req->addr->text, strerror_r(soerr, eb, sizeof(eb)));
			c->res->no_route = true;
			return false;
		}
	} else {
		int w = wait_fd(c->fd, POLLOUT, until);

		if (w == 0) {
			fail(c, DP_TLS_STEP_CONNECT, true, "no TCP connection within %d ms",
			     ms_between(t0, until));
			return false;
		}
		if (w < 0 || getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &el) != 0)
			soerr = errno;
	}
	if (soerr != 0) {
		fail(c, DP_TLS_STEP_CONNECT, false, "TCP connect failed: %s",
		     strerror_r(soerr, eb, sizeof(eb)));
		return false;
	}
	c->res->connect_seconds = dp_now_mono() - t0;
	return true;
}

/* ---- SMTP STARTTLS (RFC 3207) ---- */

static const char *
awaited(enum dp_tls_step step)
{
	switch (step) {
	case DP_TLS_STEP_GREETING:
		return "SMTP greeting";
	case DP_TLS_STEP_EHLO:
		return "reply to EHLO";
	default:
		return "reply to STARTTLS";
	}
}

/* Read one whole reply within the step's time; every line and the whole are capped. */
static bool
smtp_read(struct conn *c, enum dp_tls_step step, struct dp_smtp_reply *r)
{
	double t0 = dp_now_mono();
	double until = step_until(c->req);
	size_t got = 0; /* bytes of this reply received in this step (a trickle shows here) */
	char eb[128];

	for (;;) {
		struct dp_err err = {0};
		size_t used = 0;
		ssize_t n;
		int w;

		if (dp_smtp_reply_parse(c->buf, c->len, r, &used, &err) != 0) {
			fail(c, step, false, "malformed %s: %s", awaited(step), err.msg);
			return false;
		}
		if (used > 0) {
			memmove(c->buf, c->buf + used, c->len - used);
			c->len -= used;
			return true;
		}
		if (c->len == sizeof(c->buf)) {
			fail(c, step, false, "%s longer than %zu bytes", awaited(step),
			     sizeof(c->buf));
			return false;
		}
		w = wait_fd(c->fd, POLLIN, until);
		if (w == 0 && got > 0) {
			fail(c, step, true, "no complete %s within %d ms: only %zu bytes arrived",
			     awaited(step), ms_between(t0, until), got);
			return false;
		}
		if (w == 0) {
			fail(c, step, true, "no %s within %d ms", awaited(step),
			     ms_between(t0, until));
			return false;
		}
		n = w < 0 ? -1 : recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n == 0) {
			fail(c, step, false, "connection closed before the %s", awaited(step));
			return false;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			fail(c, step, false, "reading the %s: %s", awaited(step),
			     strerror_r(errno, eb, sizeof(eb)));
			return false;
		}
		if (n > 0) {
			c->len += (size_t)n;
			got += (size_t)n;
		}
	}
}

static bool
smtp_send(struct conn *c, enum dp_tls_step step, const char *line)
{
	size_t len = strlen(line);
	size_t off = 0;
	double until = step_until(c->req);
	char eb[128];

	while (off < len) {
		ssize_t n = send(c->fd, line + off, len - off, MSG_NOSIGNAL);

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(c->fd, POLLOUT, until) > 0)
				continue;
			fail(c, step, true, "cannot send %.*s in time", (int)strcspn(line, "\r"),
			     line);
			return false;
		}
		fail(c, step, false, "sending %.*s: %s", (int)strcspn(line, "\r"), line,
		     strerror_r(errno, eb, sizeof(eb)));
		return false;
	}
	return true;
}

/* RFC 3207 §4: greeting, EHLO, STARTTLS in the EHLO reply, STARTTLS answered 220. */
static bool
smtp_starttls(struct conn *c)
{
	struct dp_smtp_reply r;

	if (!smtp_read(c, DP_TLS_STEP_GREETING, &r))
		return false;
	dp_strlcpy(c->res->greeting, r.text, sizeof(c->res->greeting));
	/* RFC 5321 §4.3.1: 220 is a greeting; 554 means "no SMTP service here". */
	if (r.code != 220) {
		fail(c, DP_TLS_STEP_GREETING, false, "greeting is %d %s, not 220", r.code, r.text);
		return false;
	}
	if (!smtp_send(c, DP_TLS_STEP_EHLO, EHLO_LINE) || !smtp_read(c, DP_TLS_STEP_EHLO, &r))
		return false;
	if (r.code != 250) {
		fail(c, DP_TLS_STEP_EHLO, false, "EHLO answered %d %s", r.code, r.text);
		return false;
	}
	c->res->starttls_offered = r.starttls;
	if (!r.starttls) {
		fail(c, DP_TLS_STEP_EHLO, false, "STARTTLS not offered in the EHLO reply");
		(void)send(c->fd, "QUIT\r\n", 6, MSG_NOSIGNAL | MSG_DONTWAIT);
		return false;
	}
	if (!smtp_send(c, DP_TLS_STEP_STARTTLS, "STARTTLS\r\n") ||
	    !smtp_read(c, DP_TLS_STEP_STARTTLS, &r))
		return false;
	if (r.code != 220) {
		fail(c, DP_TLS_STEP_STARTTLS, false, "STARTTLS answered %d %s", r.code, r.text);
		return false;
	}
	/* Nothing the server sent ahead of the handshake may be taken as protected (RFC 3207
	 * §6: plaintext injection): drop it. */
	c->len = 0;
	return true;
}

/* ---- TLS ---- */

/* OpenSSL's message callback: keep the header of the first record the server sent, so that a
 * plaintext answer to our ClientHello can be named as such. */
static void
on_tls_msg(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl,
           void *arg)
{
	struct conn *c = arg;

	(void)version;
	(void)ssl;
	if (write_p || content_type != SSL3_RT_HEADER || c->reclen > 0 || len == 0)
		return;
	c->reclen = len < sizeof(c->rec) ? len : sizeof(c->rec);
	memcpy(c->rec, buf, c->reclen);
}

/* Did the server send text where a TLS record belongs (RFC 3207 §4: after our STARTTLS, say
 * an SMTP reply)? The record's 5-byte header then is printable ASCII. */
static bool
rec_is_text(const struct conn *c)
{
	if (c->reclen < sizeof(c->rec))
		return false;
	for (size_t i = 0; i < c->reclen; i++) {
		if (c->rec[i] < 0x20 || c->rec[i] > 0x7e)
			return false;
	}
	return true;
}

/* A new SSL for the request: SNI, time, DANE with every usable record. */
static int
tls_setup(struct conn *c, struct dp_err *err)
{
	const struct dp_tls_req *q = c->req;
	bool smtp = dp_tlsa_port_is_smtp(q->port);
	char why[256];

	c->ssl = SSL_new(q->trust->ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1 ||
	    SSL_set_tlsext_host_name(c->ssl, q->host) != 1)
		return dp_err_set(err, DP_ELIB, "OpenSSL: %s", ossl_error(why, sizeof(why)));
	if (q->verify_at != 0)
		X509_VERIFY_PARAM_set_time(SSL_get0_param(c->ssl), (time_t)q->verify_at);
	if (q->ntlsa > 0) {
		if (SSL_dane_enable(c->ssl, q->host) <= 0 ||
		    (q->alt_name != NULL && SSL_add1_host(c->ssl, q->alt_name) != 1))
			return dp_err_set(err, DP_ELIB, "OpenSSL DANE: %s",
			                  ossl_error(why, sizeof(why)));
		/* RFC 7672 §3.2.1: DANE-EE(3) on SMTP ignores names (and validity dates). */
		if (smtp)
			SSL_dane_set_flags(c->ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	}
	for (size_t i = 0; i < q->ntlsa; i++) {
		const struct dp_tlsa *t = &q->tlsa[i];
		int r;

		if (dp_tlsa_unusable(t, smtp) != NULL)
			continue;
		r = SSL_dane_tlsa_add(c->ssl, t->usage, t->selector, t->mtype, t->data, t->len);
		if (r < 0)
			return dp_err_set(err, DP_ELIB, "OpenSSL DANE: %s",
			                  ossl_error(why, sizeof(why)));
		if (r > 0)
			c->res->dane_usable++;
	}
	ERR_clear_error();
	SSL_set_verify(c->ssl, SSL_VERIFY_NONE, NULL);
	SSL_set_msg_callback(c->ssl, on_tls_msg);
	SSL_set_msg_callback_arg(c->ssl, c);
	return 0;
}

static void
handshake_failed(struct conn *c, int e)
{
	char why[256];

	if (e == SSL_ERROR_SSL && rec_is_text(c))
		fail(c, DP_TLS_STEP_HANDSHAKE, false,
		     "TLS handshake failed: the server answered with plaintext (\"%.*s...\"), not a "
		     "TLS record (%s)",
		     (int)c->reclen, (const char *)c->rec, ossl_error(why, sizeof(why)));
	else if (e == SSL_ERROR_SSL)
		fail(c, DP_TLS_STEP_HANDSHAKE, false, "TLS handshake failed: %s",
		     ossl_error(why, sizeof(why)));
	else if (e == SSL_ERROR_SYSCALL && errno != 0)
		fail(c, DP_TLS_STEP_HANDSHAKE, false, "TLS handshake failed: %s",
		     strerror_r(errno, why, sizeof(why)));
	else
		fail(c, DP_TLS_STEP_HANDSHAKE, false, "connection closed during the TLS handshake");
	ERR_clear_error();
}

static bool
tls_handshake(struct conn *c)
{
	double t0 = dp_now_mono();
	double until = step_until(c->req);
	char eb[128];

	for (;;) {
		int r;
		int e;
		int w;

		ERR_clear_error();
		errno = 0;
		r = SSL_connect(c->ssl);
		if (r == 1)
			break;
		e = SSL_get_error(c->ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
			handshake_failed(c, e);
			return false;
		}
		w = wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, until);
		if (w == 0) {
			fail(c, DP_TLS_STEP_HANDSHAKE, true, "TLS handshake not done within %d ms%s",
			     ms_between(t0, until),
			     c->reclen == 0 ? ": nothing came back after our ClientHello" : "");
			return false;
		}
		if (w < 0) {
			fail(c, DP_TLS_STEP_HANDSHAKE, false, "TLS handshake: %s",
			     strerror_r(errno, eb, sizeof(eb)));
			return false;
		}
	}
	c->res->handshake_seconds = dp_now_mono() - t0;
	dp_strlcpy(c->res->protocol, SSL_get_version(c->ssl), sizeof(c->res->protocol));
	dp_strlcpy(c->res->cipher, SSL_get_cipher_name(c->ssl), sizeof(c->res->cipher));
	return true;
}

/* Say goodbye without waiting: QUIT inside TLS on SMTP, then close_notify. */
static void
tls_goodbye(struct conn *c)
{
	if (dp_tls_port_starttls(c->req->port))
		(void)SSL_write(c->ssl, "QUIT\r\n", 6);
	(void)SSL_shutdown(c->ssl);
	ERR_clear_error();
}

/* ---- SIGPIPE: a write to a reset socket inside OpenSSL must not kill the process ---- */

static void
sigpipe_block(sigset_t *old)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &s, old);
}

static void
sigpipe_restore(const sigset_t *old)
{
	sigset_t s;
	sigset_t pending;
	struct timespec zero = {0, 0};

	sigemptyset(&s);
	sigaddset(&s, SIGPIPE);
	/* A SIGPIPE our writes raised is taken here, not delivered once unblocked. */
	if (!sigismember(old, SIGPIPE) && sigpending(&pending) == 0 &&
	    sigismember(&pending, SIGPIPE))
		(void)sigtimedwait(&s, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

int
dp_tls_probe(const struct dp_tls_req *req, struct dp_tls_res *res, struct dp_err *err)
{
	struct conn *c = calloc(1, sizeof(*c));
	struct dp_tls_req q = *req; /* the join fills its inputs in (req->join) */
	double t0 = dp_now_mono();
	sigset_t old;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	res->dane_depth = -1;
	res->dane_match = -1;
	if (c == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	c->req = &q;
	c->res = res;
	c->fd = -1;
	sigpipe_block(&old);
	if (!tcp_connect(c))
		goto out;
	if (dp_tls_port_starttls(req->port) && !smtp_starttls(c))
		goto out;
	if (q.join != NULL) {
		double j0 = dp_now_mono();

		rc = q.join(q.join_arg, &q, err);
		t0 += dp_now_mono() - j0; /* total_seconds is the server's time, not the wait */
		if (rc == DP_ETIMEOUT) {
			/* Inputs not had by the run's deadline prove nothing about the server (SPEC §1). */
			fail(c, DP_TLS_STEP_HANDSHAKE, true,
			     "not checked: the TLSA RRset or the trust store was not ready by the "
			     "deadline");
			res->cut = true;
			rc = 0;
		}
		if (rc != 0 || res->error[0] != '\0')
			goto out;
	}
	rc = tls_setup(c, err);
	if (rc != 0 || !tls_handshake(c))
		goto out;
	res->total_seconds = dp_now_mono() - t0;
	res->step = DP_TLS_STEP_DONE;
	rc = dp_tls_verify(c->req, c->res, c->ssl, err);
	tls_goodbye(c);
out:
	SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	sigpipe_restore(&old);
	return rc;
}
