/* Direct queries to one server address (RD, DO, CD, UDP or TCP) over our own sockets, under a
 * deadline at every step; getdns only parses the wire reply (dp_msg_parse). */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/dns.h"
#include "base/parallel.h"

/* At most this many queries in flight in one dp_query_send_many call (dp_parallel_for's own
 * cap). A query waits for a free thread once a call has more: with a silent server among the
 * targets, its queries then start only when the others' have ended and its step timeout comes
 * after theirs — dnssec.rrsig_expiry asks 10 questions of each of glitter.kr's 6 addresses. */
#define DP_QUERY_MAX_PARALLEL 64

/* The largest message we take (TCP's two-octet length); EDNS UDP payload we offer. */
#define DP_QUERY_MAX_MSG 65535
#define DP_QUERY_UDP_PAYLOAD 1232
/* Our OPT RR: 11 octets, plus one empty option (4 octets) for ns.hygiene.edns's unknown-option case. */
#define DP_QUERY_OPT_MAX 15

/* The query message in wire form (RFC 1035 §4.1, RFC 6891 §6.1.2 OPT with DO, the EDNS version
 * and an empty option when asked for) into buf. */
static int
build_query(const struct dp_query *q, uint16_t id, uint8_t *buf, size_t cap, size_t *len)
{
	const char *name = q->qname;
	size_t n = 12;

	if (cap < 12 + 256 + 4 + DP_QUERY_OPT_MAX)
		return DP_EINVAL;
	memset(buf, 0, 12);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = q->rd ? 0x01 : 0x00;
	buf[3] = q->cd ? 0x10 : 0x00;
	buf[5] = 1;  /* QDCOUNT */
	buf[11] = 1; /* ARCOUNT: the OPT RR */
	while (*name != '\0') {
		const char *dot = strchr(name, '.');
		size_t l = dot != NULL ? (size_t)(dot - name) : strlen(name);

		if (l == 0 || l > 63 || n + 1 + l > 12 + 254)
			return DP_EINVAL;
		buf[n++] = (uint8_t)l;
		memcpy(buf + n, name, l);
		n += l;
		name += l;
		if (*name == '.')
			name++;
	}
	buf[n++] = 0;
	buf[n++] = (uint8_t)(q->qtype >> 8);
	buf[n++] = (uint8_t)q->qtype;
	buf[n++] = 0;
	buf[n++] = 1; /* IN */
	if (q->edns_none) {
		buf[11] = 0; /* ARCOUNT: no OPT */
		*len = n;
		return 0;
	}
	/* OPT: root owner, type 41, class = UDP payload, TTL = ext-rcode/version/DO, no rdata. */
	memset(buf + n, 0, 11);
	buf[n + 2] = 41;
	buf[n + 3] = (uint8_t)(DP_QUERY_UDP_PAYLOAD >> 8);
	buf[n + 4] = (uint8_t)(DP_QUERY_UDP_PAYLOAD & 0xff);
	buf[n + 6] = q->edns_version;
	buf[n + 7] = (uint8_t)((q->dnssec_ok ? 0x80 : 0x00) | ((q->edns_flags >> 8) & 0x7f));
	buf[n + 8] = (uint8_t)(q->edns_flags & 0xff);
	*len = n + 11;
	if (q->edns_option != 0) {
		/* RDLEN 4: OPTION-CODE, OPTION-LENGTH 0 */
		buf[n + 10] = 4;
		buf[n + 11] = (uint8_t)(q->edns_option >> 8);
		buf[n + 12] = (uint8_t)q->edns_option;
		buf[n + 13] = 0;
		buf[n + 14] = 0;
		*len = n + 15;
	}
	return 0;
}

/* Why a reply is not the answer to our query; such replies are ignored (RFC 5452 §9.1) and
 * counted, so that a timeout can say what the server sent instead. */
enum mismatch {
	MATCH = 0,
	NOT_DNS,        /* no DNS response header with one well-formed question */
	OTHER_ID,       /* a response, with another ID */
	OTHER_QUESTION, /* our ID, another question */
};

struct ignored {
	unsigned n;         /* replies ignored */
	enum mismatch last; /* why the last one was */
};

/* A response header (QR set, QDCOUNT 1) and an uncompressed question inside the message. */
static bool
looks_like_response(const uint8_t *reply, size_t rlen)
{
	size_t i = 12;

	if (rlen < 12 || (reply[2] & 0x80) == 0 || reply[4] != 0 || reply[5] != 1)
		return false;
	while (i < rlen && reply[i] != 0) {
		if (reply[i] > 63)
			return false;
		i += 1 + (size_t)reply[i];
	}
	return i + 5 <= rlen;
}

/* Is reply an answer to our query (same id, QR set, same question, names case-insensitive)? */
static enum mismatch
answers(const uint8_t *query, size_t qlen, const uint8_t *reply, size_t rlen)
{
	size_t qend = 12;

	/* the question ends where our OPT starts: walk our own (uncompressed) QNAME */
	while (qend < qlen && query[qend] != 0)
		qend += 1 + (size_t)query[qend];
	qend += 1 + 4;
	if (qend > qlen)
		return false;

	if (!looks_like_response(reply, rlen))
		return NOT_DNS;
	if (reply[0] != query[0] || reply[1] != query[1])
		return OTHER_ID;
	if (rlen < qend)
		return OTHER_QUESTION;
	for (size_t i = 12; i < qend; i++) {
		uint8_t a = query[i];
		uint8_t b = reply[i];

		if (a >= 'A' && a <= 'Z')
			a = (uint8_t)(a + 32);
		if (b >= 'A' && b <= 'Z')
			b = (uint8_t)(b + 32);
		if (a != b)
			return OTHER_QUESTION;
	}
	return MATCH;
}

/* Take reply when it answers our query, else count it in ig; true when taken. */
static bool
take_if_answer(const uint8_t *query, size_t qlen, const uint8_t *reply, size_t rlen,
	       struct ignored *ig)
{
	enum mismatch m = answers(query, qlen, reply, rlen);

	if (m == MATCH)
		return true;
	ig->n++;
	ig->last = m;
	return false;
}

/* Append to error what the ignored replies were: "; ignored 3 replies with another ID". */
static void
note_ignored(char *error, size_t errsz, const struct ignored *ig)
{
	size_t len = strlen(error);
	bool one = ig->n == 1;
	const char *why = ig->last == OTHER_ID         ? "with another ID"
			  : ig->last == OTHER_QUESTION ? "to another question"
			  : one                        ? "that is not a DNS response"
						       : "that are not a DNS response";

	if (ig->n == 0 || len >= errsz)
		return;
	dp_snprintf(error + len, errsz - len, "; ignored %u repl%s %s", ig->n, one ? "y" : "ies",
		    why);
}

/* Milliseconds left until the absolute time end (at least 0). */
static int
ms_left(double end)
{
	double left = (end - dp_now_mono()) * 1000.0;

	return left <= 0 ? 0 : (left > 3600000.0 ? 3600000 : (int)left + 1);
}

/* The human phrase for a socket error: what operators read in a finding. */
static void
sock_error(char *buf, size_t bufsz, int e)
{
	switch (e) {
	case ECONNREFUSED:
		dp_snprintf(buf, bufsz, "connection refused");
		break;
	case EHOSTUNREACH:
		dp_snprintf(buf, bufsz, "no route to host");
		break;
	case ENETUNREACH:
		dp_snprintf(buf, bufsz, "network unreachable");
		break;
	case ECONNRESET:
		dp_snprintf(buf, bufsz, "connection reset");
		break;
	default:
		dp_snprintf(buf, bufsz, "%s", strerror(e));
		break;
	}
}

static socklen_t
make_sockaddr(const struct dp_query *q, struct sockaddr_storage *ss)
{
	uint16_t port = htons(q->port != 0 ? q->port : 53);

	memset(ss, 0, sizeof(*ss));
	if (q->server->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = port;
		s4->sin_addr = q->server->u.v4;
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = port;
	s6->sin6_addr = q->server->u.v6;
	return sizeof(*s6);
}

/* Wait for ev on fd until end; 1 ready, 0 timeout, -errno on a socket error. */
static int
wait_fd(int fd, short ev, double end)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = ev};
		int ms = ms_left(end);
		int r;

		if (ms == 0)
			return 0;
		r = poll(&p, 1, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			continue; /* re-check the clock */
		if ((p.revents & (POLLERR | POLLHUP)) != 0 && (p.revents & ev) == 0) {
			int e = 0;
			socklen_t el = sizeof(e);

			(void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
			return -(e != 0 ? e : ECONNRESET);
		}
		return 1;
	}
}

/* One exchange over UDP on a connected socket (so ICMP errors reach us: refused ends at once).
 * Replies that do not answer our query are ignored. */
static int
exchange_udp(const struct dp_query *q, const uint8_t *msg, size_t len, double end, uint8_t *buf,
	     size_t *rlen, char *error, size_t errsz, struct ignored *ig)
{
	struct sockaddr_storage ss;
	socklen_t sl = make_sockaddr(q, &ss);
	int fd = socket(q->server->family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int rc = -1;

	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) != 0 || send(fd, msg, len, 0) < 0) {
		sock_error(error, errsz, errno);
		goto out;
	}
	for (;;) {
		int w = wait_fd(fd, POLLIN, end);
		ssize_t r;

		if (w <= 0) {
			if (w == 0)
				dp_snprintf(error, errsz, "timeout");
			else
				sock_error(error, errsz, -w);
			goto out;
		}
		r = recv(fd, buf, DP_QUERY_MAX_MSG, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0) {
			sock_error(error, errsz, errno);
			goto out;
		}
		if (take_if_answer(msg, len, buf, (size_t)r, ig)) {
			*rlen = (size_t)r;
			rc = 0;
			goto out;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Write or read exactly n octets on a non-blocking stream socket before end. */
static int
stream_io(int fd, uint8_t *p, size_t n, bool wr, double end, char *error, size_t errsz)
{
	while (n > 0) {
		int w = wait_fd(fd, wr ? POLLOUT : POLLIN, end);
		ssize_t r;

		if (w <= 0) {
			if (w == 0)
				dp_snprintf(error, errsz, "timeout");
			else
				sock_error(error, errsz, -w);
			return -1;
		}
		r = wr ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0) {
			if (r == 0)
				dp_snprintf(error, errsz, "connection closed");
			else
				sock_error(error, errsz, errno);
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One exchange over TCP (RFC 1035 §4.2.2: two-octet length prefix), every step before end. */
static int
exchange_tcp(const struct dp_query *q, const uint8_t *msg, size_t len, double end, uint8_t *buf,
	     size_t *rlen, char *error, size_t errsz, struct ignored *ig)
{
	struct sockaddr_storage ss;
	socklen_t sl = make_sockaddr(q, &ss);
	int fd = socket(q->server->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	uint8_t out[2 + 12 + 256 + 4 + DP_QUERY_OPT_MAX];
	uint8_t hdr[2];
	size_t n;
	int rc = -1;

	if (fd < 0 || (connect(fd, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS)) {
		sock_error(error, errsz, errno);
		goto out;
	}
	out[0] = (uint8_t)(len >> 8);
	out[1] = (uint8_t)len;
	memcpy(out + 2, msg, len);
	if (stream_io(fd, out, len + 2, true, end, error, errsz) != 0)
		goto out;
	for (;;) {
		if (stream_io(fd, hdr, 2, false, end, error, errsz) != 0)
			goto out;
		n = (size_t)hdr[0] << 8 | hdr[1];
		if (stream_io(fd, buf, n, false, end, error, errsz) != 0)
			goto out;
		if (take_if_answer(msg, len, buf, n, ig)) {
			*rlen = n;
			rc = 0;
			goto out;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

static bool
header_flag(getdns_dict *reply, const char *name)
{
	getdns_dict *h = NULL;
	uint32_t v = 0;

	if (getdns_dict_get_dict(reply, "header", &h) != GETDNS_RETURN_GOOD)
		return false;
	(void)getdns_dict_get_int(h, name, &v);
	return v != 0;
}

static getdns_dict *
find_opt(getdns_dict *reply)
{
	getdns_list *add = dp_msg_section(reply, "additional");

	for (size_t i = 0; i < dp_list_len(add); i++) {
		getdns_dict *rr = dp_list_dict(add, i);

		if (rr != NULL && dp_rr_type(rr) == 41)
			return rr;
	}
	return NULL;
}

/* The OPT RR's fields as getdns parsed them (rr-dict: extended_rcode, version, do, z, and the
 * rdata's options list) into out; out->ext_rcode already holds the header's rcode. */
static void
take_opt(getdns_dict *opt, struct dp_reply *out)
{
	getdns_list *opts = NULL;
	uint32_t v = 0;

	out->edns = true;
	if (getdns_dict_get_int(opt, "extended_rcode", &v) == GETDNS_RETURN_GOOD)
		out->ext_rcode = (int)(v << 4) | (out->ext_rcode & 0x0f);
	v = 0;
	(void)getdns_dict_get_int(opt, "version", &v);
	out->edns_version = (uint8_t)v;
	v = 0;
	(void)getdns_dict_get_int(opt, "do", &v);
	out->edns_do = v != 0;
	v = 0;
	(void)getdns_dict_get_int(opt, "z", &v);
	out->edns_z = (uint16_t)v;
	if (getdns_dict_get_list(opt, "/rdata/options", &opts) != GETDNS_RETURN_GOOD)
		return;
	out->edns_noptions = dp_list_len(opts);
	for (size_t i = 0; i < out->edns_noptions && i < 4; i++) {
		getdns_dict *o = dp_list_dict(opts, i);

		v = 0;
		if (o != NULL)
			(void)getdns_dict_get_int(o, "option_code", &v);
		out->edns_options[i] = (uint16_t)v;
	}
}

/* Parse the reply's wire form into out (the same dict shape as the resolver's messages). */
static void
take_reply(const uint8_t *wire, size_t len, struct dp_reply *out)
{
	getdns_dict *h = NULL;
	uint32_t rcode = 0;

	if (dp_msg_parse(wire, len, &out->reply) != 0) {
		out->reply = NULL;
		dp_snprintf(out->error, sizeof(out->error), "malformed reply (%zu octets)", len);
		return;
	}
	if (getdns_dict_get_dict(out->reply, "header", &h) == GETDNS_RETURN_GOOD)
		(void)getdns_dict_get_int(h, "rcode", &rcode);
	out->answered = true;
	out->rcode = (int)rcode;
	out->aa = header_flag(out->reply, "aa");
	out->tc = header_flag(out->reply, "tc");
	out->ad = header_flag(out->reply, "ad");
	out->ra = header_flag(out->reply, "ra");
	out->ext_rcode = (int)rcode;
	if (find_opt(out->reply) != NULL)
		take_opt(find_opt(out->reply), out);
}

/* One exchange over transport t, ending by end; the reply (or why none) into out. */
static void
exchange(const struct dp_query *q, enum dp_transport t, const uint8_t *msg, size_t len,
	 double end, uint8_t *buf, struct dp_reply *out)
{
	double t0 = dp_now_mono();
	struct ignored ig = {0};
	size_t rlen = 0;
	int r = t == DP_TRANSPORT_TCP
			? exchange_tcp(q, msg, len, end, buf, &rlen, out->error, sizeof(out->error), &ig)
			: exchange_udp(q, msg, len, end, buf, &rlen, out->error, sizeof(out->error), &ig);

	if (r != 0) {
		note_ignored(out->error, sizeof(out->error), &ig);
		return;
	}
	out->rtt = dp_now_mono() - t0;
	take_reply(buf, rlen, out);
}

bool
dp_addr_routable(const struct dp_addr *addr, char *why, size_t whysz)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = socket(addr->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int e = 0;
	char eb[128];

	memset(&ss, 0, sizeof(ss));
	if (addr->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(53);
		s6->sin6_addr = addr->u.v6;
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(53);
		s4->sin_addr = addr->u.v4;
		sl = sizeof(*s4);
	}
	/* A socket of a family the kernel lacks is no route either. */
	if (fd < 0)
		e = errno == EAFNOSUPPORT ? ENETUNREACH : 0;
	else if (connect(fd, (struct sockaddr *)&ss, sl) != 0)
		e = errno;
	if (fd >= 0)
		close(fd);
	if (e != ENETUNREACH && e != EHOSTUNREACH)
		return true;
	dp_snprintf(why, whysz, "no route to %s from here (%s)", addr->text,
		    strerror_r(e, eb, sizeof(eb)));
	return false;
}

int
dp_query_send(const struct dp_query *q, struct dp_reply *out, struct dp_err *err)
{
	uint8_t msg[12 + 256 + 4 + DP_QUERY_OPT_MAX];
	uint8_t *buf = NULL;
	uint16_t id = 0;
	size_t len = 0;
	double end = dp_now_mono() + (q->timeout_ms > 0 ? q->timeout_ms : 5000) / 1000.0;

	memset(out, 0, sizeof(*out));
	/* Not a server that is down: this host cannot send there at all (SPEC §1, -4/-6). */
	if (!dp_addr_routable(q->server, out->error, sizeof(out->error))) {
		out->no_route = true;
		return 0;
	}
	if (q->deadline > 0 && q->deadline < end)
		end = q->deadline;
	if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
		id = (uint16_t)(dp_now_mono() * 1e6);
	if (build_query(q, id, msg, sizeof(msg), &len) != 0)
		return dp_err_set(err, DP_EINVAL, "cannot ask for '%s': not a domain name", q->qname);
	buf = malloc(DP_QUERY_MAX_MSG);
	if (buf == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	exchange(q, q->transport, msg, len, end, buf, out);
	/* RFC 7766 §5: truncated over UDP, ask again over TCP — inside the same budget. */
	if (q->tc_retry && q->transport == DP_TRANSPORT_UDP && out->answered && out->tc) {
		dp_reply_clear(out);
		exchange(q, DP_TRANSPORT_TCP, msg, len, end, buf, out);
		out->tc_retried = true;
		if (!out->answered) {
			char why[sizeof(out->error)];

			dp_strlcpy(why, out->error, sizeof(why));
			dp_snprintf(out->error, sizeof(out->error), "truncated over UDP, then %s over TCP",
				    why);
		}
	}
	free(buf);
	return 0;
}

void
dp_reply_clear(struct dp_reply *r)
{
	if (r == NULL)
		return;
	if (r->reply != NULL)
		getdns_dict_destroy(r->reply);
	memset(r, 0, sizeof(*r));
}

struct batch {
	const struct dp_query *q;
	struct dp_reply *out;
	int rc;
	struct dp_err err;
	pthread_mutex_t lock;
};

static void
batch_one(void *arg, size_t i)
{
	struct batch *b = arg;
	struct dp_err err = {0};
	int rc = dp_query_send(&b->q[i], &b->out[i], &err);

	if (rc == 0)
		return;
	pthread_mutex_lock(&b->lock);
	if (b->rc == 0) {
		b->rc = rc;
		b->err = err;
	}
	pthread_mutex_unlock(&b->lock);
}

int
dp_query_send_many(const struct dp_query *q, struct dp_reply *out, size_t n, struct dp_err *err)
{
	struct batch b = {.q = q, .out = out};

	for (size_t i = 0; i < n; i++)
		memset(&out[i], 0, sizeof(out[i]));
	pthread_mutex_init(&b.lock, NULL);
	dp_parallel_for(n, DP_QUERY_MAX_PARALLEL, batch_one, &b);
	pthread_mutex_destroy(&b.lock);
	if (b.rc != 0) {
		if (err != NULL)
			*err = b.err;
		return b.rc;
	}
	return 0;
}
