/* Direct queries to one server address (RD, DO, CD, UDP or TCP) over our own sockets, under a
 * deadline at every step; getdns only parses the wire reply (dp_msg_parse). */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/dns.h"

/* At most this many queries in flight (sockets open) in one dp_query_send_many call. A query
 * waits for a free slot once a call has more: with a silent server among the
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

/* ---- The batch: every query a state machine over its own socket, one poll() loop for all ----
 *
 * No thread per query: a batch of n queries runs in the caller's thread, at most
 * DP_QUERY_MAX_PARALLEL sockets open at once. Every step of an exchange keeps the query's one
 * deadline: UDP on a connected socket (so ICMP errors reach us), TCP with the two-octet length
 * prefix, the TC retry over TCP inside the same budget. */

enum qstate {
	Q_WAITING, /* not started: waits for a free slot */
	Q_UDP,	   /* UDP query sent, waiting for a reply */
	Q_TCP_OUT, /* TCP connecting / writing the query */
	Q_TCP_HDR, /* reading the reply's two-octet length */
	Q_TCP_BODY, /* reading the reply */
	Q_DONE,
};

struct qctx {
	const struct dp_query *q;
	struct dp_reply *out;
	enum qstate st;
	int fd;
	double end; /* the whole query's deadline */
	double t0;  /* this exchange's start, for rtt */
	bool retrying; /* this is the TCP retry of a truncated UDP answer */
	struct ignored ig;
	uint8_t msg[2 + 12 + 256 + 4 + DP_QUERY_OPT_MAX]; /* two-octet length, then the query */
	size_t len;  /* of the query (without the prefix) */
	size_t off;  /* octets of the current step done */
	uint8_t hdr[2];
	uint8_t *body; /* TCP reply being read (its announced length) */
	size_t blen;
};

static void
q_close(struct qctx *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->body);
	c->body = NULL;
}

static void q_start_exchange(struct qctx *c, enum dp_transport t);

/* The exchange failed (out->error says why): the query is over. */
static void
q_fail(struct qctx *c)
{
	struct dp_reply *out = c->out;

	q_close(c);
	note_ignored(out->error, sizeof(out->error), &c->ig);
	if (c->retrying) {
		char why[sizeof(out->error)];

		dp_strlcpy(why, out->error, sizeof(why));
		dp_snprintf(out->error, sizeof(out->error), "truncated over UDP, then %s over TCP", why);
	}
	c->st = Q_DONE;
}

static void
q_fail_errno(struct qctx *c, int e)
{
	sock_error(c->out->error, sizeof(c->out->error), e);
	q_fail(c);
}

/* A reply that answers our query arrived: parse it; a truncated UDP one is asked again over TCP
 * (RFC 7766 §5) within the same budget. */
static void
q_answered(struct qctx *c, const uint8_t *wire, size_t len)
{
	struct dp_reply *out = c->out;

	out->rtt = dp_now_mono() - c->t0;
	take_reply(wire, len, out);
	q_close(c);
	if (c->q->tc_retry && !c->retrying && c->q->transport == DP_TRANSPORT_UDP && out->answered &&
	    out->tc) {
		dp_reply_clear(out);
		out->tc_retried = true;
		c->retrying = true;
		q_start_exchange(c, DP_TRANSPORT_TCP);
		return;
	}
	c->st = Q_DONE;
}

static void
q_start_exchange(struct qctx *c, enum dp_transport t)
{
	struct sockaddr_storage ss;
	socklen_t sl = make_sockaddr(c->q, &ss);
	bool udp = t != DP_TRANSPORT_TCP;
	int fd;

	c->t0 = dp_now_mono();
	c->ig = (struct ignored){0};
	c->off = 0;
	fd = socket(c->q->server->family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC |
				  SOCK_NONBLOCK, 0);
	c->fd = fd;
	if (fd < 0) {
		q_fail_errno(c, errno);
		return;
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0 && (udp || errno != EINPROGRESS)) {
		q_fail_errno(c, errno);
		return;
	}
	if (udp) {
		if (send(fd, c->msg + 2, c->len, 0) < 0) {
			q_fail_errno(c, errno);
			return;
		}
		c->st = Q_UDP;
		return;
	}
	c->st = Q_TCP_OUT;
}

/* Start query c: its id and message, its deadline, its first exchange. Nonzero only when the
 * question cannot be asked at all (not a domain name). */
static int
q_start(struct qctx *c, struct dp_err *err)
{
	const struct dp_query *q = c->q;
	struct dp_reply *out = c->out;
	uint16_t id = 0;

	c->end = dp_now_mono() + (q->timeout_ms > 0 ? q->timeout_ms : 5000) / 1000.0;
	c->st = Q_DONE;
	/* Not a server that is down: this host cannot send there at all (SPEC §1, -4/-6). */
	if (!dp_addr_routable(q->server, out->error, sizeof(out->error))) {
		out->no_route = true;
		return 0;
	}
	if (q->deadline > 0 && q->deadline < c->end)
		c->end = q->deadline;
	if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
		id = (uint16_t)(dp_now_mono() * 1e6);
	if (build_query(q, id, c->msg + 2, sizeof(c->msg) - 2, &c->len) != 0)
		return dp_err_set(err, DP_EINVAL, "cannot ask for '%s': not a domain name", q->qname);
	c->msg[0] = (uint8_t)(c->len >> 8);
	c->msg[1] = (uint8_t)c->len;
	q_start_exchange(c, q->transport);
	return 0;
}

static short
q_events(const struct qctx *c)
{
	return c->st == Q_TCP_OUT ? POLLOUT : POLLIN;
}

/* One readiness event on c's socket: the next step of its exchange. udpbuf is the batch's
 * receive buffer for UDP replies (parsed before the next recv). */
static void
q_step(struct qctx *c, uint8_t *udpbuf)
{
	ssize_t r;

	switch (c->st) {
	case Q_UDP:
		r = recv(c->fd, udpbuf, DP_QUERY_MAX_MSG, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r < 0) {
			q_fail_errno(c, errno);
			return;
		}
		if (take_if_answer(c->msg + 2, c->len, udpbuf, (size_t)r, &c->ig))
			q_answered(c, udpbuf, (size_t)r);
		return;
	case Q_TCP_OUT:
		r = send(c->fd, c->msg + c->off, c->len + 2 - c->off, MSG_NOSIGNAL);
		break;
	case Q_TCP_HDR:
		r = recv(c->fd, c->hdr + c->off, 2 - c->off, 0);
		break;
	case Q_TCP_BODY:
		r = recv(c->fd, c->body + c->off, c->blen - c->off, 0);
		break;
	default:
		return;
	}
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r < 0) {
		q_fail_errno(c, errno);
		return;
	}
	if (r == 0) {
		dp_snprintf(c->out->error, sizeof(c->out->error), "connection closed");
		q_fail(c);
		return;
	}
	c->off += (size_t)r;
	if (c->st == Q_TCP_OUT && c->off == c->len + 2) {
		c->st = Q_TCP_HDR;
		c->off = 0;
	} else if (c->st == Q_TCP_HDR && c->off == 2) {
		c->blen = (size_t)c->hdr[0] << 8 | c->hdr[1];
		c->off = 0;
		c->st = Q_TCP_BODY;
		free(c->body);
		c->body = malloc(c->blen > 0 ? c->blen : 1);
		if (c->body == NULL) {
			dp_snprintf(c->out->error, sizeof(c->out->error), "out of memory");
			q_fail(c);
			return;
		}
	}
	if (c->st == Q_TCP_BODY && c->off == c->blen) {
		if (take_if_answer(c->msg + 2, c->len, c->body, c->blen, &c->ig)) {
			q_answered(c, c->body, c->blen);
			return;
		}
		/* not ours: the next message on the stream */
		c->st = Q_TCP_HDR;
		c->off = 0;
	}
}

/* A poll() error condition without the event we wait for: the socket's own error. */
static void
q_sock_failed(struct qctx *c)
{
	int e = 0;
	socklen_t el = sizeof(e);

	(void)getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el);
	q_fail_errno(c, e != 0 ? e : ECONNRESET);
}

int
dp_query_send_many(const struct dp_query *q, struct dp_reply *out, size_t n, struct dp_err *err)
{
	struct qctx *c = calloc(n > 0 ? n : 1, sizeof(*c));
	uint8_t *udpbuf = malloc(DP_QUERY_MAX_MSG);
	struct pollfd pf[DP_QUERY_MAX_PARALLEL];
	size_t pi[DP_QUERY_MAX_PARALLEL];
	size_t next = 0, live = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		memset(&out[i], 0, sizeof(out[i]));
	if (c == NULL || udpbuf == NULL) {
		free(c);
		free(udpbuf);
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		c[i].q = &q[i];
		c[i].out = &out[i];
		c[i].fd = -1;
		c[i].st = Q_WAITING;
	}
	for (;;) {
		size_t np = 0;
		double soonest = 0;

		/* fill free slots, in order */
		while (next < n && live < DP_QUERY_MAX_PARALLEL) {
			struct dp_err e = {0};
			int r = q_start(&c[next], &e);

			if (r != 0 && rc == 0) {
				rc = r;
				if (err != NULL)
					*err = e;
			}
			if (c[next].st != Q_DONE)
				live++;
			next++;
		}
		if (live == 0)
			break;
		/* deadlines first: a query whose time is up ends now, whatever is pending */
		for (size_t i = 0; i < next; i++) {
			if (c[i].st == Q_DONE || c[i].st == Q_WAITING)
				continue;
			if (ms_left(c[i].end) == 0) {
				dp_snprintf(c[i].out->error, sizeof(c[i].out->error), "timeout");
				q_fail(&c[i]);
				live--;
				continue;
			}
			if (soonest == 0 || c[i].end < soonest)
				soonest = c[i].end;
			pf[np] = (struct pollfd){.fd = c[i].fd, .events = q_events(&c[i])};
			pi[np++] = i;
		}
		if (np == 0)
			continue;
		int pr = poll(pf, np, ms_left(soonest));

		if (pr < 0 && errno != EINTR) {
			int e = errno;

			for (size_t k = 0; k < np; k++) {
				q_fail_errno(&c[pi[k]], e);
				live--;
			}
			continue;
		}
		for (size_t k = 0; pr > 0 && k < np; k++) {
			struct qctx *x = &c[pi[k]];

			if (pf[k].revents == 0)
				continue;
			if ((pf[k].revents & (POLLERR | POLLHUP)) != 0 &&
			    (pf[k].revents & pf[k].events) == 0)
				q_sock_failed(x);
			else
				q_step(x, udpbuf);
			if (x->st == Q_DONE)
				live--;
		}
	}
	free(udpbuf);
	free(c);
	return rc;
}

int
dp_query_send(const struct dp_query *q, struct dp_reply *out, struct dp_err *err)
{
	return dp_query_send_many(q, out, 1, err);
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

