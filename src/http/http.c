/* The monitor's HTTP side (libmicrohttpd): /metrics and / from snapshots only, /probe runs a
 * check now under a concurrency bound, /healthz; GET and HEAD only. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "http/http.h"

#include "config/config_file.h"

/* Backstop idle timer of libmicrohttpd (seconds); the deadlines below cut sooner. */
#define CONNECTION_TIMEOUT 60
/* A response not fully sent this long after the handler queued it is cut (slow readers). */
#define SEND_TIMEOUT 30
/* Per-connection memory of libmicrohttpd: a request line or header beyond it is answered 414 or
 * 431 by libmicrohttpd itself; our own caps (DP_HTTP_URI_MAX, DP_HTTP_HEADER_MAX) come first. */
#define MEMORY_LIMIT (32u * 1024)
/* Bytes of a /metrics body copied per write (libmicrohttpd's buffer, outside the pool). */
#define SCRAPE_BLOCK (64u * 1024)
/* In the reserve, a client already holding this many connections gets no more, nor one that
 * has not completed a request within KNOWN_FOR seconds (KNOWN_CLIENTS addresses remembered). */
#define RESERVE_HOLD  2
#define KNOWN_FOR     900
#define KNOWN_CLIENTS 64
#define BODY_MAX     (64u * 1024 * 1024)
/* /metrics is strung from the snapshots' parts and copied out as it is sent (scrape_read): its
 * size costs no memory here, so only a sanity bound. 10,000 lab domains (1,000 glitter-sized)
 * make about 70 MB of plain text, over BODY_MAX: plain scrapes got a 500 (bench/README (h)). */
#define METRICS_BODY_MAX ((size_t)1 << 30)
_Static_assert(METRICS_BODY_MAX == (size_t)1 << 30, "h_metrics's 500 text names the cap: 1 GiB");
#define STR_(x)      #x
#define STR(x)       STR_(x)
#define CT_METRICS         "text/plain; version=0.0.4; charset=utf-8"
#define CT_TEXT            "text/plain; charset=utf-8"
#define CT_HTML            "text/html; charset=utf-8"

int
dp_http_probe_args(const char *target, const char *check, char *out, size_t outsz,
                   struct dp_selection *sel, struct dp_err *err)
{
	struct dp_err e = {0};

	if (target == NULL || target[0] == '\0')
		return dp_err_set(err, DP_EINVAL, "missing target: use /probe?target=DOMAIN");
	if (strlen(target) > 254)
		return dp_err_set(err, DP_EINVAL, "target is longer than a domain name can be");
	if (dp_name_from_input(target, out, outsz, &e) != 0)
		return dp_err_set(err, DP_EINVAL, "target is not a domain name: %s", e.msg);
	if (out[0] == '\0')
		return dp_err_set(err, DP_EINVAL, "target: the root zone is not a domain to check");
	if (check == NULL)
		return 0;
	if (strlen(check) > 64 || dp_engine_check_find(check) < 0)
		return dp_err_set(err, DP_EINVAL, "check: not a check id (see docs/checks.md)");
	return dp_selection_parse(sel, check, NULL, err);
}

bool
dp_http_bytes_clean(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/* Every GET argument, with its decoded length: a key or value holding a control byte. */
static enum MHD_Result
arg_clean(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
          const char *value, size_t value_size)
{
	const char **bad = cls;

	(void)kind;
	if (dp_http_bytes_clean(key, key_size) &&
	    (value == NULL || dp_http_bytes_clean(value, value_size)))
		return MHD_YES;
	*bad = key;
	return MHD_NO;
}

/* Is the parameter list p[0..n) (after a coding, from its first ';') a q of zero? */
static bool
q_zero(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j;

		while (i < n && (p[i] == ';' || p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i + 1 < n && (p[i] == 'q' || p[i] == 'Q') && p[i + 1] == '=') {
			i += 2;
			if (i >= n || p[i] != '0')
				return false;
			for (j = i + 1; j < n && (p[j] == '0' || p[j] == '.'); j++)
				;
			/* "0", "0.", "0.0"…: zero; "0.5": not. */
			return j >= n || p[j] == ';' || p[j] == ' ' || p[j] == '\t';
		}
		while (i < n && p[i] != ';')
			i++;
	}
	return false;
}

bool
dp_http_accepts_gzip(const char *v)
{
	while (v != NULL && *v != '\0') {
		size_t len = strcspn(v, ",");
		size_t s = 0;
		size_t e;

		while (s < len && (v[s] == ' ' || v[s] == '\t'))
			s++;
		e = s;
		while (e < len && v[e] != ';' && v[e] != ' ' && v[e] != '\t')
			e++;
		if (((e - s == 4 && strncasecmp(v + s, "gzip", 4) == 0) ||
		     (e - s == 6 && strncasecmp(v + s, "x-gzip", 6) == 0)) &&
		    !q_zero(v + e, len - e))
			return true;
		v += len;
		if (*v == ',')
			v++;
	}
	return false;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

unsigned
dp_http_target_status(const char *raw, size_t len)
{
	if (len > DP_HTTP_URI_MAX)
		return MHD_HTTP_URI_TOO_LONG;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)raw[i];
		int hi;
		int lo;

		if (c <= 0x20 || c == 0x7f)
			return MHD_HTTP_BAD_REQUEST;
		if (c != '%' || i + 2 >= len)
			continue;
		hi = hexval(raw[i + 1]);
		lo = hexval(raw[i + 2]);
		if (hi >= 0 && lo >= 0 && (hi < 2 || (hi == 7 && lo == 0xf)))
			return MHD_HTTP_BAD_REQUEST; /* %00-%1F, %7F */
	}
	return 0;
}

/* ---- Connection accounting (issue 13) ----
 *
 * One record per connection, from accept (MHD_CONNECTION_NOTIFY_STARTED) to close, in a list
 * oldest first. A connection is WAITING while a request's header is incomplete (from accept,
 * or from the end of the previous response: keep-alive idle time counts too), RUNNING inside
 * the handler (a /probe runs the engine there, in its own thread) and SENDING once a response
 * is queued. A reaper thread cuts (shutdown(2): libmicrohttpd then closes it as if the client
 * had) a connection WAITING longer than http_header_timeout — bytes arriving do not extend
 * that — or SENDING longer than SEND_TIMEOUT. At accept: a client (address) holding
 * http_max_per_client connections gets no more; the last reserve (an eighth) of the budget
 * goes only to clients holding fewer than RESERVE_HOLD that completed a request within
 * KNOWN_FOR (a scraper, not a client that never finishes one), and each such accept pushes
 * out the oldest WAITING connection of the client holding the most (or, when each client
 * holds one, the connection waiting longest), so that held connections cannot lock a scraper
 * out of /healthz or /metrics. libmicrohttpd refuses beyond the whole budget. A client that
 * completes requests and holds connections from many addresses can still fill the budget: no
 * accept-time rule tells it from a scraper. */

enum phase { PH_WAITING, PH_RUNNING, PH_SENDING };

struct conn {
	struct conn *prev, *next;
	int fd;
	unsigned char addr[16]; /* the client's address (4 or 16 bytes used) */
	unsigned char alen;
	enum phase phase;
	bool linked;         /* in srv's list */
	bool cut;            /* shut down by us; gone at MHD_CONNECTION_NOTIFY_CLOSED */
	bool fresh;          /* a request line was read, the handler has not run yet */
	bool served;         /* the current request passed request_check and was answered */
	double since;        /* dp_now_mono() when the phase began */
	const char *raw;     /* where the request target began (libmicrohttpd's buffer, decoded
	                      * in place after uri_seen: only the address is used later) */
	size_t rawlen;       /* its length up to the first NUL */
	unsigned raw_status; /* dp_http_target_status of it */
};

/* One HTTP server per process (the monitor's). */
static struct server {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t reaper;
	bool reaper_on;
	bool stop;
	struct conn *head, *tail;
	unsigned max_conn, per_client, reserve;
	double header_timeout;
	/* Clients that completed a request lately: only they may use the reserve. */
	struct {
		unsigned char addr[16];
		unsigned char alen;
		double when;
	} known[KNOWN_CLIENTS];
	/* Counted since the last log line (one per 10 s at most under abuse). */
	unsigned n_header, n_send, n_refused, n_pushed;
	/* Counted since start, for /metrics (enum dp_http_reject). */
	uint64_t rejected[DP_HTTP_REJ_N];
	double logged;
} srv = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static size_t
addr_key(const struct sockaddr *sa, unsigned char out[16])
{
	if (sa != NULL && sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa != NULL && sa->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		return 16;
	}
	return 0;
}

static bool
same_client(const struct conn *k, const unsigned char *a, size_t alen)
{
	return k->alen == alen && memcmp(k->addr, a, alen) == 0;
}

/* Under srv.lock: did this client complete a request within KNOWN_FOR seconds? */
static bool
known(const unsigned char *a, size_t alen, double now)
{
	for (size_t i = 0; i < KNOWN_CLIENTS; i++) {
		if (srv.known[i].alen == alen && memcmp(srv.known[i].addr, a, alen) == 0)
			return now - srv.known[i].when < KNOWN_FOR;
	}
	return false;
}

/* Under srv.lock: remember k's client as having completed a request now (its entry, or the
 * oldest one replaced). */
static void
remember(const struct conn *k, double now)
{
	size_t pick = 0;

	for (size_t i = 0; i < KNOWN_CLIENTS; i++) {
		if (srv.known[i].alen == k->alen && memcmp(srv.known[i].addr, k->addr, k->alen) == 0) {
			pick = i;
			break;
		}
		if (srv.known[i].when < srv.known[pick].when)
			pick = i;
	}
	memcpy(srv.known[pick].addr, k->addr, sizeof(k->addr));
	srv.known[pick].alen = k->alen;
	srv.known[pick].when = now;
}

/* Under srv.lock. */
static void
cut(struct conn *k)
{
	if (k->cut)
		return;
	k->cut = true;
	(void)shutdown(k->fd, SHUT_RDWR);
}

/* Under srv.lock: the oldest WAITING connection of the client with the most live connections
 * (at least RESERVE_HOLD); when every client holds fewer, the connection waiting longest, if for
 * more than a second (a scraper's header takes milliseconds). NULL when there is none. */
static struct conn *
victim(double now)
{
	struct conn *best = NULL;
	struct conn *oldest = NULL;
	unsigned best_n = RESERVE_HOLD - 1;

	for (struct conn *k = srv.head; k != NULL; k = k->next) {
		unsigned n = 0;
		struct conn *first = NULL;

		if (k->cut)
			continue;
		if (oldest == NULL && k->phase == PH_WAITING && now - k->since > 1)
			oldest = k;
		for (struct conn *j = srv.head; j != NULL; j = j->next) {
			if (j->cut || !same_client(j, k->addr, k->alen))
				continue;
			n++;
			if (first == NULL && j->phase == PH_WAITING)
				first = j;
		}
		if (n > best_n && first != NULL) {
			best = first;
			best_n = n;
		}
	}
	return best != NULL ? best : oldest;
}

/* MHD_AcceptPolicyCallback: before libmicrohttpd takes the connection. */
static enum MHD_Result
accept_policy(void *cls, const struct sockaddr *sa, socklen_t salen)
{
	unsigned char a[16];
	size_t alen = addr_key(sa, a);
	double now = dp_now_mono();
	unsigned all = 0;
	unsigned mine = 0;
	enum MHD_Result ok = MHD_YES;
	bool reserve;

	(void)cls;
	(void)salen;
	pthread_mutex_lock(&srv.lock);
	/* a connection cut but not yet closed by libmicrohttpd is still held: counted, so that a
	 * client reconnecting at once cannot hold one more than its limit meanwhile */
	for (struct conn *k = srv.head; k != NULL; k = k->next) {
		all++;
		if (same_client(k, a, alen))
			mine++;
	}
	reserve = all >= srv.max_conn - srv.reserve;
	if (mine >= srv.per_client || (reserve && (mine >= RESERVE_HOLD || !known(a, alen, now)))) {
		srv.n_refused++;
		srv.rejected[mine >= srv.per_client ? DP_HTTP_REJ_PER_CLIENT : DP_HTTP_REJ_BUDGET]++;
		ok = MHD_NO;
	} else if (reserve) {
		struct conn *v = victim(now);

		if (v != NULL) {
			cut(v);
			srv.n_pushed++;
			srv.rejected[DP_HTTP_REJ_PUSHED_OUT]++;
		}
	}
	pthread_mutex_unlock(&srv.lock);
	return ok;
}

static void
notify_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                  enum MHD_ConnectionNotificationCode toe)
{
	struct conn *k = *socket_context;

	(void)cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *ad =
		    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

		k = calloc(1, sizeof(*k));
		*socket_context = k;
		if (k == NULL || fd == NULL)
			return; /* no record: the handler closes the connection */
		k->fd = fd->connect_fd;
		k->alen = (unsigned char)addr_key(ad != NULL ? ad->client_addr : NULL, k->addr);
		k->phase = PH_WAITING;
		k->since = dp_now_mono();
		k->linked = true;
		pthread_mutex_lock(&srv.lock);
		k->prev = srv.tail;
		if (srv.tail != NULL)
			srv.tail->next = k;
		else
			srv.head = k;
		srv.tail = k;
		pthread_mutex_unlock(&srv.lock);
		return;
	}
	if (k == NULL || !k->linked)
		goto out;
	pthread_mutex_lock(&srv.lock); /* before libmicrohttpd closes the socket: no cut after */
	if (k->prev != NULL)
		k->prev->next = k->next;
	else if (srv.head == k)
		srv.head = k->next;
	if (k->next != NULL)
		k->next->prev = k->prev;
	else if (srv.tail == k)
		srv.tail = k->prev;
	pthread_mutex_unlock(&srv.lock);
out:
	free(k);
	*socket_context = NULL;
}

static void
set_phase(struct conn *k, enum phase p)
{
	pthread_mutex_lock(&srv.lock);
	k->phase = p;
	k->since = dp_now_mono();
	pthread_mutex_unlock(&srv.lock);
}

/* MHD_OPTION_URI_LOG_CALLBACK: the request line is in, nothing of it decoded yet. What it
 * returns is the request's *con_cls. */
static void *
uri_seen(void *cls, const char *uri, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *k = i != NULL ? i->socket_context : NULL;

	(void)cls;
	if (k == NULL)
		return NULL;
	k->fresh = true;
	k->raw = uri;
	k->rawlen = uri != NULL ? strlen(uri) : 0;
	k->raw_status = dp_http_target_status(uri != NULL ? uri : "", k->rawlen);
	return k;
}

/* MHD_OPTION_NOTIFY_COMPLETED: the response is out (or the request failed); the connection
 * waits for the next request's header, under the same deadline. */
static void
request_done(void *cls, struct MHD_Connection *c, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
	struct conn *k = *con_cls;

	(void)cls;
	(void)c;
	if (k != NULL) {
		double now = dp_now_mono();

		pthread_mutex_lock(&srv.lock);
		if (k->served && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
			remember(k, now);
		k->phase = PH_WAITING;
		k->since = now;
		pthread_mutex_unlock(&srv.lock);
		k->fresh = false;
		k->served = false;
		k->raw = NULL;
	}
	*con_cls = NULL;
}

static void
log_cuts(double now, bool force)
{
	if (!force && now - srv.logged < 10)
		return;
	if (srv.n_header + srv.n_send + srv.n_refused + srv.n_pushed == 0)
		return;
	dp_log(DP_LOG_WARN, "http",
	       "connections: %u cut without a complete request header within %.0f s, %u cut "
	       "still sending after %d s, %u refused (http_max_per_client %u, or the reserve), %u "
	       "waiting ones pushed out to keep room",
	       srv.n_header, srv.header_timeout, srv.n_send, SEND_TIMEOUT, srv.n_refused,
	       srv.per_client, srv.n_pushed);
	srv.n_header = srv.n_send = srv.n_refused = srv.n_pushed = 0;
	srv.logged = now;
}

static void *
reaper(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&srv.lock);
	while (!srv.stop) {
		double now = dp_now_mono();
		struct timespec ts;

		for (struct conn *k = srv.head; k != NULL; k = k->next) {
			if (k->cut)
				continue;
			if (k->phase == PH_WAITING && now - k->since >= srv.header_timeout) {
				cut(k);
				srv.n_header++;
				srv.rejected[DP_HTTP_REJ_HEADER_TIMEOUT]++;
			} else if (k->phase == PH_SENDING && now - k->since >= SEND_TIMEOUT) {
				cut(k);
				srv.n_send++;
				srv.rejected[DP_HTTP_REJ_SEND_TIMEOUT]++;
			}
		}
		log_cuts(now, false);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 200 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		(void)pthread_cond_timedwait(&srv.wake, &srv.lock, &ts);
	}
	log_cuts(dp_now_mono(), true);
	pthread_mutex_unlock(&srv.lock);
	return NULL;
}

/* Each header line counted into *cls (libmicrohttpd keeps names and values with their sizes). */
static enum MHD_Result
header_bytes(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
             const char *value, size_t value_size)
{
	size_t *n = cls;

	(void)kind;
	(void)key;
	(void)value;
	*n += key_size + value_size + 4; /* ": " and CRLF */
	return MHD_YES;
}

/* The header is complete: refuse what no endpoint takes before reading anything more.
 * Returns 0 or the status to answer with, and its reason. */
static unsigned
request_check(struct MHD_Connection *c, const struct conn *k, const char *version,
              const char **why)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
	size_t hdr = 0;
	unsigned st;

	/* libmicrohttpd ends the target with a NUL just before the version; one sooner means a NUL
	 * byte inside the target (which its C strings would silently cut short). */
	if (k->raw == NULL || version != k->raw + k->rawlen + 1) {
		*why = "the request target holds a control character";
		return MHD_HTTP_BAD_REQUEST;
	}
	st = k->raw_status;
	if (st == MHD_HTTP_URI_TOO_LONG) {
		*why = "the request target is longer than " STR(DP_HTTP_URI_MAX) " bytes";
		return st;
	}
	if (st != 0) {
		*why = "the request target holds a control character (or %00-%1F, %7F)";
		return st;
	}
	(void)MHD_get_connection_values_n(c, MHD_HEADER_KIND, header_bytes, &hdr);
	if (hdr > DP_HTTP_HEADER_MAX) {
		*why = "the header fields are larger than " STR(DP_HTTP_HEADER_MAX) " bytes";
		return MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE;
	}
	if ((cl != NULL && strcmp(cl, "0") != 0) ||
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) !=
	        NULL) {
		*why = "no endpoint takes a request body";
		return MHD_HTTP_CONTENT_TOO_LARGE;
	}
	return 0;
}

/* Queue body (taken over, may be NULL for an empty one) with a status and content type. */
static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE || status == MHD_HTTP_TOO_MANY_REQUESTS)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "5");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
reply_text(struct MHD_Connection *c, unsigned status, const char *msg)
{
	char *body = dp_asprintf("%s\n", msg);

	return reply(c, status, CT_TEXT, body, body != NULL ? strlen(body) : 0);
}

static enum MHD_Result
reply_sbuf(struct MHD_Connection *c, const char *type, struct dp_sbuf *b)
{
	size_t len = b->len;
	char *p = b->p;

	if (b->failed) {
		dp_sbuf_clear(b);
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "response too large");
	}
	b->p = NULL;
	dp_sbuf_clear(b);
	return reply(c, MHD_HTTP_OK, type, p, len);
}

/* A /metrics response: the snapshots it strings together stay referenced until it is sent. */
struct scrape {
	struct dp_view view;
	struct dp_mbody body;
};

/* The body is copied out (inflated, for a plain response) block by block into libmicrohttpd's
 * own buffer. Not an iovec response: libmicrohttpd 0.9.75 copies an iovec list into the
 * connection's memory pool (MEMORY_LIMIT), and one entry per segment (a few per domain)
 * outgrows it at about 140 domains; it then closes the connection and aborts the whole process
 * ("Failed to destroy mutex", response.c). */
static ssize_t
scrape_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct scrape *s = cls;
	ssize_t n = dp_metrics_body_read(&s->body, pos, buf, max);

	if (n < 0) {
		dp_log(DP_LOG_ERROR, "http", "/metrics: a stored part did not inflate: response cut");
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	return n;
}

static void
scrape_free(void *cls)
{
	struct scrape *s = cls;

	dp_metrics_body_clear(&s->body);
	dp_view_clear(&s->view); /* a generation let go here is freed by the monitor's reaper */
	free(s);
}

/* /metrics: the parts every published run rendered, strung together (no rendering of results
 * here: the parts are copied out as they are sent), gzip-compressed when the client accepts it. */
static enum MHD_Result
h_metrics(struct dp_monitor *m, struct MHD_Connection *c)
{
	const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                             MHD_HTTP_HEADER_ACCEPT_ENCODING);
	bool gz = dp_http_accepts_gzip(ae);
	struct scrape *s = calloc(1, sizeof(*s));
	struct MHD_Response *r = NULL;
	enum MHD_Result ret;
	int rc;

	if (s == NULL)
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	if (dp_monitor_view(m, &s->view) != 0) {
		free(s);
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	pthread_mutex_lock(&srv.lock);
	memcpy(s->view.proc.http_rejected, srv.rejected, sizeof(srv.rejected));
	pthread_mutex_unlock(&srv.lock);
	rc = dp_metrics_body(&s->body, s->view.parts, s->view.dom, s->view.n, dp_engine_metrics(),
	                     &s->view.proc, gz, METRICS_BODY_MAX);
	if (rc != 0) {
		dp_view_clear(&s->view);
		free(s);
		if (rc != DP_EINVAL)
			return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		dp_log(DP_LOG_ERROR, "http", "/metrics%s is over its cap of %zu bytes: not served",
		       gz ? " (gzip)" : "", METRICS_BODY_MAX);
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		                  "the /metrics body is over its size cap (1 GiB)");
	}
	r = MHD_create_response_from_callback(s->body.len, SCRAPE_BLOCK, scrape_read, s,
	                                      scrape_free);
	if (r == NULL) {
		scrape_free(s);
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CT_METRICS);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
h_status(struct dp_monitor *m, struct MHD_Connection *c)
{
	struct dp_page_query pq;
	struct dp_err err = {0};
	struct dp_view v;
	struct dp_sbuf b;

	if (dp_page_query_parse(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q"),
	                        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state"),
	                        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "page"),
	                        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "n"), &pq,
	                        &err) != 0)
		return reply_text(c, MHD_HTTP_BAD_REQUEST, err.msg);
	if (dp_monitor_view(m, &v) != 0)
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	dp_sbuf_init(&b, BODY_MAX);
	dp_http_status_page(&b, &v, &pq);
	dp_view_clear(&v);
	return reply_sbuf(c, CT_HTML, &b);
}

static enum MHD_Result
h_domain(struct dp_monitor *m, struct MHD_Connection *c, const char *name)
{
	struct dp_view v;
	struct dp_sbuf b;
	bool found;

	if (dp_monitor_view(m, &v) != 0)
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	dp_sbuf_init(&b, BODY_MAX);
	found = dp_http_domain_page(&b, &v, name);
	dp_view_clear(&v);
	if (!found) {
		dp_sbuf_clear(&b);
		return reply_text(c, MHD_HTTP_NOT_FOUND, "not a configured domain");
	}
	return reply_sbuf(c, CT_HTML, &b);
}

static enum MHD_Result
h_healthz(struct dp_monitor *m, struct MHD_Connection *c)
{
	struct dp_view v;
	char why[sizeof(v.why) + 16];
	bool alive;

	if (dp_monitor_view(m, &v) != 0)
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	alive = v.alive;
	dp_snprintf(why, sizeof(why), "unhealthy: %s", v.why);
	dp_view_clear(&v);
	if (!alive)
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, why);
	return reply_text(c, MHD_HTTP_OK, "ok");
}

/* blackbox_exporter's two series (its names, so dashboards and alerts made for it work):
 * probe_success 1 when the run reached a verdict and the domain is OK or WARNING (no CRITICAL, no
 * UNKNOWN result), probe_duration_seconds the wall time of the run. */
static void
probe_series(struct dp_sbuf *b, bool success, double seconds)
{
	dp_sbuf_printf(b,
	               "# HELP probe_success 1 when the run reached a verdict and no result is "
	               "CRITICAL or UNKNOWN.\n# TYPE probe_success gauge\nprobe_success %d\n"
	               "# HELP probe_duration_seconds Wall time of the probe's run.\n"
	               "# TYPE probe_duration_seconds gauge\nprobe_duration_seconds %.6f\n",
	               success ? 1 : 0, seconds);
}

/* &debug=true: what blackbox_exporter users read when a probe fails — the run's report with
 * every detail (the text report at -vv), then the metrics a scrape would have received. */
static enum MHD_Result
probe_debug(struct MHD_Connection *c, const char *target, const struct dp_report *rep,
            const char *why, struct dp_sbuf *metrics)
{
	struct dp_render_opts ro = {.verbose = 2, .colour = false};
	struct dp_sbuf b;
	char *txt = NULL;
	size_t len = 0;
	FILE *f;

	dp_sbuf_init(&b, BODY_MAX);
	dp_sbuf_printf(&b, "Probe of %s:\n", target);
	if (why != NULL)
		dp_sbuf_printf(&b, "no verdict: %s\n", why);
	f = rep != NULL ? open_memstream(&txt, &len) : NULL;
	if (f != NULL) {
		(void)!dp_render_text(f, rep, &ro);
		fclose(f);
		dp_sbuf_puts(&b, "\nReport:\n");
		dp_sbuf_put(&b, txt, len);
	}
	free(txt);
	dp_sbuf_puts(&b, "\n\nMetrics that would have been returned:\n");
	if (metrics->p != NULL)
		dp_sbuf_put(&b, metrics->p, metrics->len);
	return reply_sbuf(c, CT_TEXT, &b);
}

static enum MHD_Result
probe_run(struct dp_monitor *m, struct MHD_Connection *c, const char *target,
          const struct dp_selection *sel, double budget, bool debug)
{
	struct dp_report *rep = NULL;
	struct dp_err err = {0};
	struct dp_metrics_domain d = {.domain = target};
	struct dp_probe_count cnt = {0};
	struct dp_sbuf b;
	double t0 = dp_now_mono();
	int rc = dp_monitor_probe(m, target, sel, budget, &rep, &cnt, &d.limits, &err);
	enum dp_status st;
	enum MHD_Result ret;

	if (rc == DP_ENOTFOUND)
		return reply_text(c, MHD_HTTP_FORBIDDEN, err.msg);
	dp_sbuf_init(&b, BODY_MAX);
	if (rc != 0) {
		/* No verdict: probe_success 0 (as blackbox_exporter reports a failed probe), the
		 * reason in the log and in &debug=true. */
		dp_log(DP_LOG_ERROR, "probe", "%s: %s", target, err.msg);
		probe_series(&b, false, dp_now_mono() - t0);
		ret = debug ? probe_debug(c, target, NULL, err.msg, &b) : reply_sbuf(c, CT_METRICS, &b);
		if (debug)
			dp_sbuf_clear(&b);
		return ret;
	}
	/* Counters count this target's /probe runs since the monitor started (configured domains;
	 * for other targets they are left out, since a count restarting at 1 means nothing). */
	d.rep = rep;
	d.finished = dp_now_wall();
	d.runs = cnt.runs;
	d.errors = cnt.errors;
	d.no_counters = !cnt.known;
	(void)!dp_metrics_render(&b, &d, 1, dp_engine_metrics(), NULL);
	st = dp_report_status(rep);
	probe_series(&b, st == DP_STATUS_OK || st == DP_STATUS_WARNING, dp_now_mono() - t0);
	if (debug) {
		ret = probe_debug(c, target, rep, NULL, &b);
		dp_sbuf_clear(&b);
	} else {
		ret = reply_sbuf(c, CT_METRICS, &b);
	}
	dp_report_free(rep);
	return ret;
}

/* X-Prometheus-Scrape-Timeout-Seconds: Prometheus's scrape timeout, so the run ends before the
 * scraper gives up (less an offset for the response, as blackbox_exporter's timeout_offset).
 * Returns 0 (budget 0 when absent) or DP_EINVAL for a value that is not a positive number. */
static int
scrape_budget(struct MHD_Connection *c, double *budget)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                            "X-Prometheus-Scrape-Timeout-Seconds");
	char *end;
	double v;

	*budget = 0;
	if (h == NULL)
		return 0;
	errno = 0;
	v = strtod(h, &end);
	if (end == h || *end != '\0' || errno != 0 || !(v > 0) || v > 86400)
		return DP_EINVAL;
	*budget = v - 0.5 > 0.5 ? v - 0.5 : 0.5;
	return 0;
}

static enum MHD_Result
h_probe(struct dp_monitor *m, struct MHD_Connection *c)
{
	const char *target = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "target");
	const char *check = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "check");
	const char *dbg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "debug");
	struct dp_selection sel;
	struct dp_err err = {0};
	const char *bad = NULL;
	char name[256];
	unsigned limit;
	double budget;
	bool debug = false;
	enum MHD_Result ret;

	(void)MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, arg_clean, &bad);
	if (bad != NULL)
		return reply_text(c, MHD_HTTP_BAD_REQUEST,
		                  "a query parameter holds a control character (such as %00)");
	if (dp_http_probe_args(target, check, name, sizeof(name), &sel, &err) != 0)
		return reply_text(c, MHD_HTTP_BAD_REQUEST, err.msg);
	if (dbg != NULL) {
		if (strcmp(dbg, "true") != 0 && strcmp(dbg, "false") != 0)
			return reply_text(c, MHD_HTTP_BAD_REQUEST, "debug: true or false");
		debug = strcmp(dbg, "true") == 0;
	}
	if (scrape_budget(c, &budget) != 0)
		return reply_text(c, MHD_HTTP_BAD_REQUEST,
		                  "X-Prometheus-Scrape-Timeout-Seconds: not a positive number");
	pthread_mutex_lock(&m->lock);
	limit = m->gen->cfg->probe_concurrency;
	pthread_mutex_unlock(&m->lock);
	if (atomic_fetch_add(&m->probes, 1) >= limit) {
		atomic_fetch_sub(&m->probes, 1);
		atomic_fetch_add(&m->probe_rejected, 1);
		/* RFC 6585 §4: the caller sent more concurrent requests than we serve. */
		return reply_text(c, MHD_HTTP_TOO_MANY_REQUESTS,
		                  "every /probe slot is busy (probe_concurrency); retry later");
	}
	ret = probe_run(m, c, name, check != NULL ? &sel : NULL, budget, debug);
	atomic_fetch_sub(&m->probes, 1);
	return ret;
}

static enum MHD_Result
route(struct dp_monitor *m, struct MHD_Connection *c, const char *url, const char *method)
{
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD");
	if (strcmp(url, "/metrics") == 0)
		return h_metrics(m, c);
	if (strcmp(url, "/probe") == 0)
		return h_probe(m, c);
	if (strcmp(url, "/healthz") == 0)
		return h_healthz(m, c);
	if (strcmp(url, "/") == 0)
		return h_status(m, c);
	if (strncmp(url, "/domain/", 8) == 0)
		return h_domain(m, c, url + 8);
	return reply_text(c, MHD_HTTP_NOT_FOUND,
	                  "not found: try /, /domain/NAME, /metrics, /probe?target=, /healthz");
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
        const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct dp_monitor *m = cls;
	struct conn *k = *con_cls;
	const char *why = NULL;
	enum MHD_Result ret;
	unsigned st;

	(void)upload;
	if (k == NULL)
		return MHD_NO; /* no accounting record (out of memory): close */
	if (k->fresh) { /* the header is complete */
		k->fresh = false;
		set_phase(k, PH_RUNNING);
		st = request_check(c, k, version, &why);
		if (st == 0)
			return MHD_YES;
		pthread_mutex_lock(&srv.lock);
		srv.rejected[st == MHD_HTTP_BAD_REQUEST ? DP_HTTP_REJ_BAD_REQUEST : DP_HTTP_REJ_TOO_LARGE]++;
		pthread_mutex_unlock(&srv.lock);
		ret = reply_text(c, st, why);
		set_phase(k, PH_SENDING);
		return ret;
	}
	if (*upload_size != 0) { /* request_check refused any body: not reached */
		*upload_size = 0;
		return MHD_YES;
	}
	ret = route(m, c, url, method);
	k->served = true;
	set_phase(k, PH_SENDING);
	return ret;
}

static void
reaper_stop(void)
{
	if (!srv.reaper_on)
		return;
	pthread_mutex_lock(&srv.lock);
	srv.stop = true;
	pthread_cond_signal(&srv.wake);
	pthread_mutex_unlock(&srv.lock);
	pthread_join(srv.reaper, NULL);
	srv.reaper_on = false;
}

/* libmicrohttpd's own messages: one for every client that hangs up early or is refused, so
 * under abuse at most 10 lines per 10 s, then a count of the ones left out. */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static double window;
	static unsigned lines, dropped;
	double now = dp_now_mono();
	unsigned skipped = 0;
	char buf[512];

	(void)cls;
	pthread_mutex_lock(&lock);
	if (now - window >= 10) {
		window = now;
		skipped = dropped;
		lines = dropped = 0;
	}
	if (lines >= 10) {
		dropped++;
		pthread_mutex_unlock(&lock);
		return;
	}
	lines++;
	pthread_mutex_unlock(&lock);
	if (skipped > 0)
		dp_log(DP_LOG_WARN, "http", "%u more libmicrohttpd messages left out", skipped);
	if (vsnprintf(buf, sizeof(buf), fmt, ap) < 0)
		return;
	buf[strcspn(buf, "\n")] = '\0';
	dp_log(DP_LOG_WARN, "http", "%s", buf);
}

int
dp_http_start(struct dp_monitor *m, const struct sockaddr *sa, struct MHD_Daemon **out,
              struct dp_err *err)
{
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	                 MHD_USE_POLL | MHD_USE_ERROR_LOG;
	const struct dp_config *cfg;

	pthread_mutex_lock(&m->lock);
	cfg = m->gen->cfg;
	srv.max_conn = cfg->http_max_connections;
	srv.per_client = cfg->http_max_per_client;
	srv.reserve = dp_config_http_reserve(cfg->http_max_connections);
	srv.header_timeout = (double)cfg->http_header_timeout;
	pthread_mutex_unlock(&m->lock);
	srv.stop = false;
	srv.logged = dp_now_mono();
	{
		/* The reaper's 200 ms wait is on CLOCK_MONOTONIC (it reads that clock): with the
		 * default CLOCK_REALTIME cond its deadline was always past and it spun, holding
		 * srv.lock — 44% of a busy monitor's CPU in perf. */
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_destroy(&srv.wake);
		pthread_cond_init(&srv.wake, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (pthread_create(&srv.reaper, NULL, reaper, NULL) != 0)
		return dp_err_set(err, DP_EIO, "cannot start the HTTP reaper thread");
	srv.reaper_on = true;
	if (sa->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	*out = MHD_start_daemon(
	    flags, 0, accept_policy, NULL, handler, m, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_CONNECTION_LIMIT, srv.max_conn,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MEMORY_LIMIT, MHD_OPTION_NOTIFY_CONNECTION,
	    notify_connection, NULL, MHD_OPTION_URI_LOG_CALLBACK, uri_seen, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL, MHD_OPTION_LISTEN_BACKLOG_SIZE,
	    (unsigned)(2 * srv.max_conn), MHD_OPTION_END);
	if (*out == NULL) {
		reaper_stop();
		return dp_err_set(err, DP_EIO, "cannot listen on %s (address in use?)", cfg->listen);
	}
	return 0;
}

void
dp_http_stop(struct MHD_Daemon *d)
{
	if (d != NULL)
		MHD_stop_daemon(d);
	reaper_stop();
}
