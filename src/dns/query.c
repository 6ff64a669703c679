/* Direct queries to one server address with the getdns stub resolver (RD, DO, CD, UDP or TCP). */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <getdns/getdns_extra.h>

#include "dns/dns.h"
#include "base/parallel.h"

/* At most this many queries in flight in one dp_query_send_many call. */
#define DP_QUERY_MAX_PARALLEL 32

static int
set_upstream(getdns_context *ctx, const struct dp_query *q, struct dp_err *err)
{
	getdns_dict *up = getdns_dict_create();
	getdns_list *ups = getdns_list_create();
	getdns_bindata type = {4, (uint8_t *)(q->server->family == AF_INET ? "IPv4" : "IPv6")};
	getdns_bindata data;
	int rc = 0;

	data.size = q->server->family == AF_INET ? 4 : 16;
	data.data = (uint8_t *)&q->server->u;
	if (up == NULL || ups == NULL ||
	    getdns_dict_set_bindata(up, "address_type", &type) != GETDNS_RETURN_GOOD ||
	    getdns_dict_set_bindata(up, "address_data", &data) != GETDNS_RETURN_GOOD ||
	    getdns_dict_set_int(up, "port", q->port != 0 ? q->port : 53) != GETDNS_RETURN_GOOD ||
	    getdns_list_set_dict(ups, 0, up) != GETDNS_RETURN_GOOD ||
	    getdns_context_set_upstream_recursive_servers(ctx, ups) != GETDNS_RETURN_GOOD)
		rc = dp_err_set(err, DP_ELIB, "getdns: cannot set upstream %s", q->server->text);
	getdns_dict_destroy(up);
	getdns_list_destroy(ups);
	return rc;
}

/* The query's own timeout, cut to its deadline (at least 1 ms), as of now. */
static uint64_t
effective_timeout_ms(const struct dp_query *q)
{
	double ms = q->timeout_ms > 0 ? q->timeout_ms : 5000;

	if (q->deadline > 0) {
		double left = (q->deadline - dp_now_mono()) * 1000.0;

		if (left < ms)
			ms = left < 1 ? 1 : left;
	}
	return (uint64_t)ms;
}

static int
make_context(const struct dp_query *q, getdns_context **out, struct dp_err *err)
{
	getdns_context *ctx = NULL;
	getdns_transport_t t = q->transport == DP_TRANSPORT_TCP ? GETDNS_TRANSPORT_TCP_ONLY
								 : GETDNS_TRANSPORT_UDP_ONLY;
	int rc;

	*out = NULL;
	/* set_from_os = 0: no resolv.conf, no hosts file; the one upstream is all we ask. */
	if (getdns_context_create(&ctx, 0) != GETDNS_RETURN_GOOD)
		return dp_err_set(err, DP_ELIB, "getdns: cannot create a context");
	rc = set_upstream(ctx, q, err);
	if (rc == 0 &&
	    (getdns_context_set_resolution_type(ctx, GETDNS_RESOLUTION_STUB) != GETDNS_RETURN_GOOD ||
	     getdns_context_set_dns_transport(ctx, t) != GETDNS_RETURN_GOOD ||
	     getdns_context_set_timeout(ctx, effective_timeout_ms(q)) !=
		     GETDNS_RETURN_GOOD ||
	     getdns_context_set_edns_maximum_udp_payload_size(ctx, 1232) != GETDNS_RETURN_GOOD))
		rc = dp_err_set(err, DP_ELIB, "getdns: cannot configure the context");
	if (rc != 0) {
		getdns_context_destroy(ctx);
		return rc;
	}
	*out = ctx;
	return 0;
}

/* One EDNS option of code with empty data, as add_opt_parameters/options (RFC 6891 §6.1.2). */
static int
add_option(getdns_dict *ext, uint16_t code)
{
	getdns_list *opts = getdns_list_create();
	getdns_dict *opt = getdns_dict_create();
	getdns_bindata empty = {0, (uint8_t *)""};
	int rc = -1;

	if (opts != NULL && opt != NULL &&
	    getdns_dict_set_int(opt, "option_code", code) == GETDNS_RETURN_GOOD &&
	    getdns_dict_set_bindata(opt, "option_data", &empty) == GETDNS_RETURN_GOOD &&
	    getdns_list_set_dict(opts, 0, opt) == GETDNS_RETURN_GOOD &&
	    getdns_dict_set_list(ext, "/add_opt_parameters/options", opts) == GETDNS_RETURN_GOOD)
		rc = 0;
	getdns_dict_destroy(opt);
	getdns_list_destroy(opts);
	return rc;
}

static getdns_dict *
make_extensions(const struct dp_query *q)
{
	getdns_dict *ext = getdns_dict_create();

	if (ext == NULL)
		return NULL;
	if (getdns_dict_set_int(ext, "/header/rd", q->rd ? 1 : 0) != GETDNS_RETURN_GOOD ||
	    getdns_dict_set_int(ext, "/header/cd", q->cd ? 1 : 0) != GETDNS_RETURN_GOOD ||
	    getdns_dict_set_int(ext, "/add_opt_parameters/do_bit", q->dnssec_ok ? 1 : 0) !=
		    GETDNS_RETURN_GOOD ||
	    getdns_dict_set_int(ext, "/add_opt_parameters/version", q->edns_version) !=
		    GETDNS_RETURN_GOOD ||
	    (q->edns_option != 0 && add_option(ext, q->edns_option) != 0)) {
		getdns_dict_destroy(ext);
		return NULL;
	}
	return ext;
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

/* Take the first reply of a getdns response into out, re-parsed from its wire form so that it
 * is independent of the response and shaped like the resolver's messages. */
static int
take_reply(getdns_dict *resp, struct dp_reply *out)
{
	getdns_list *full = NULL;
	getdns_bindata *wire = NULL;
	getdns_dict *h = NULL;
	uint32_t rcode = 0;
	uint32_t status = 0;

	(void)getdns_dict_get_int(resp, "status", &status);
	if (getdns_dict_get_list(resp, "replies_full", &full) != GETDNS_RETURN_GOOD ||
	    getdns_list_get_bindata(full, 0, &wire) != GETDNS_RETURN_GOOD) {
		dp_snprintf(out->error, sizeof(out->error), "%s",
			    status == GETDNS_RESPSTATUS_ALL_TIMEOUT ? "timeout" : "no reply");
		return 0;
	}
	if (dp_msg_parse(wire->data, wire->size, &out->reply) != 0) {
		out->reply = NULL;
		dp_snprintf(out->error, sizeof(out->error), "malformed reply (%zu octets)",
			    wire->size);
		return 0;
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
	return 0;
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
	getdns_context *ctx = NULL;
	getdns_dict *ext = NULL;
	getdns_dict *resp = NULL;
	double t0;
	int rc;

	memset(out, 0, sizeof(*out));
	/* Not a server that is down: this host cannot send there at all (SPEC §1, -4/-6). */
	if (!dp_addr_routable(q->server, out->error, sizeof(out->error))) {
		out->no_route = true;
		return 0;
	}
	rc = make_context(q, &ctx, err);
	if (rc != 0)
		return rc;
	ext = make_extensions(q);
	if (ext == NULL) {
		rc = dp_err_set(err, DP_ENOMEM, "getdns: cannot build extensions");
		goto out;
	}
	t0 = dp_now_mono();
	if (getdns_general_sync(ctx, q->qname[0] != '\0' ? q->qname : ".", q->qtype, ext, &resp) !=
	    GETDNS_RETURN_GOOD) {
		dp_snprintf(out->error, sizeof(out->error), "query failed");
		goto out;
	}
	out->rtt = dp_now_mono() - t0;
	rc = take_reply(resp, out);
	if (rc != 0)
		rc = dp_err_set(err, rc, "out of memory");
out:
	if (resp != NULL)
		getdns_dict_destroy(resp);
	if (ext != NULL)
		getdns_dict_destroy(ext);
	if (ctx != NULL)
		getdns_context_destroy(ctx);
	return rc;
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
