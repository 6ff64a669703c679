/* A survey of the domain's nameservers: every NS name × address asked for the SOA directly
 * (RD=0), over UDP and TCP, all at once. Shared by ns.soa_serial and ns.delegation. */
#include "config.h"

#include "survey/nssurvey.h"

#include <stdlib.h>
#include <string.h>

#include "dns/serial.h"

/* At most this many targets (names × addresses) are asked; more is a misconfiguration. */
#define DP_NSSURVEY_MAX 256

static struct dp_ns_target *
add_target(struct dp_nssurvey *s, const struct dp_ns *ns)
{
	struct dp_ns_target *nv;

	if (s->n >= DP_NSSURVEY_MAX)
		return NULL;
	nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
	if (nv == NULL)
		return NULL;
	s->v = nv;
	memset(&nv[s->n], 0, sizeof(nv[s->n]));
	nv[s->n].ns = ns;
	return &nv[s->n++];
}

static int
targets_of(const struct dp_ns *ns, struct dp_nssurvey *s)
{
	struct dp_ns_target *t;

	for (size_t i = 0; i < ns->host.naddrs; i++) {
		/* A name listed twice in A/AAAA is asked once. */
		if (dp_addrs_contain(ns->host.addrs, i, &ns->host.addrs[i]))
			continue;
		t = add_target(s, ns);
		if (t == NULL)
			return DP_ENOMEM;
		t->has_addr = true;
		t->addr = ns->host.addrs[i];
		t->in_zone = true;
		t->in_glue = dp_addrs_contain(ns->glue, ns->nglue, &t->addr);
	}
	/* Resolvers use the parent's glue too: a glue address the zone does not list is asked as
	 * well (RFC 1034 §4.2.2, RFC 9471). */
	for (size_t i = 0; i < ns->nglue; i++) {
		if (dp_addrs_contain(ns->host.addrs, ns->host.naddrs, &ns->glue[i]) ||
		    dp_addrs_contain(ns->glue, i, &ns->glue[i]))
			continue;
		t = add_target(s, ns);
		if (t == NULL)
			return DP_ENOMEM;
		t->has_addr = true;
		t->addr = ns->glue[i];
		t->in_glue = true;
	}
	if (ns->host.naddrs == 0 && ns->nglue == 0 && add_target(s, ns) == NULL)
		return DP_ENOMEM;
	return 0;
}

/* Stable report order: by name, IPv4 before IPv6, then by address. */
static int
target_order(const void *pa, const void *pb)
{
	const struct dp_ns_target *a = pa;
	const struct dp_ns_target *b = pb;
	int c = strcmp(a->ns->host.name, b->ns->host.name);

	if (c != 0)
		return c;
	if (a->addr.family != b->addr.family)
		return a->addr.family == AF_INET ? -1 : (b->addr.family == AF_INET ? 1 : 0);
	return memcmp(&a->addr.u, &b->addr.u, a->addr.family == AF_INET ? 4 : 16);
}

int
dp_nssurvey_targets(const struct dp_discovery *d, struct dp_nssurvey *out)
{
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; rc == 0 && i < d->nns; i++)
		rc = targets_of(&d->ns[i], out);
	if (rc != 0)
		dp_nssurvey_clear(out);
	else if (out->n > 1)
		qsort(out->v, out->n, sizeof(out->v[0]), target_order);
	return rc;
}

void
dp_nssurvey_clear(struct dp_nssurvey *s)
{
	if (s == NULL)
		return;
	free(s->v);
	memset(s, 0, sizeof(*s));
}

bool
dp_nssurvey_soa(getdns_dict *reply, const char *zone, uint32_t *serial, uint32_t *refresh)
{
	getdns_list *ans = dp_msg_section(reply, "answer");

	for (size_t i = 0; i < dp_list_len(ans); i++) {
		getdns_dict *rr = dp_list_dict(ans, i);
		char owner[256];

		if (dp_rr_type(rr) != DP_RR_SOA || dp_rr_owner(rr, owner, sizeof(owner)) != 0 ||
		    strcmp(owner, zone) != 0)
			continue;
		if (dp_rr_rdata_int(rr, "serial", serial) != 0)
			continue;
		if (dp_rr_rdata_int(rr, "refresh", refresh) != 0)
			*refresh = 0;
		return true;
	}
	return false;
}

static void
take_answer(const struct dp_reply *r, const char *zone, struct dp_ns_answer *a)
{
	memset(a, 0, sizeof(*a));
	a->answered = r->answered;
	a->no_route = r->no_route;
	a->cut = dp_reply_cut(r);
	dp_strlcpy(a->error, r->error, sizeof(a->error));
	if (!r->answered)
		return;
	a->rcode = r->rcode;
	a->aa = r->aa;
	a->tc = r->tc;
	a->edns = r->edns;
	a->rtt = r->rtt;
	if (r->rcode == 0)
		a->have_soa = dp_nssurvey_soa(r->reply, zone, &a->serial, &a->refresh);
}

int
dp_nssurvey_run(const struct dp_ctx *ctx, struct dp_nssurvey *out, struct dp_err *err)
{
	const char *zone = ctx->disc->domain;
	struct dp_query *q = NULL;
	struct dp_reply *rep = NULL;
	size_t nq = 0;
	double t0;
	int rc = dp_nssurvey_targets(ctx->disc, out);

	if (rc != 0)
		return dp_err_set(err, rc, "out of memory");
	q = calloc(2 * out->n + 1, sizeof(*q));
	rep = calloc(2 * out->n + 1, sizeof(*rep));
	if (q == NULL || rep == NULL) {
		rc = dp_err_set(err, DP_ENOMEM, "out of memory");
		goto out;
	}
	/* RFC 7766 §5: authoritative servers must answer over TCP as well as UDP; ask both. */
	for (size_t i = 0; i < out->n; i++) {
		for (int t = 0; t < 2 && out->v[i].has_addr; t++)
			q[nq++] = (struct dp_query){.qname = zone, .qtype = DP_RR_SOA,
						    .server = &out->v[i].addr,
						    .transport = t ? DP_TRANSPORT_TCP
								   : DP_TRANSPORT_UDP,
						    .rd = false, .timeout_ms = dp_ctx_step_ms(ctx),
						    .deadline = ctx->deadline};
	}
	t0 = dp_now_mono();
	rc = dp_query_send_many(q, rep, nq, err);
	out->seconds = dp_now_mono() - t0;
	if (rc != 0)
		goto out;
	(void)dp_ctx_mark_cut(ctx, rep, nq);
	nq = 0;
	for (size_t i = 0; i < out->n; i++) {
		if (!out->v[i].has_addr)
			continue;
		take_answer(&rep[nq++], zone, &out->v[i].udp);
		take_answer(&rep[nq++], zone, &out->v[i].tcp);
	}
out:
	for (size_t i = 0; rep != NULL && i < 2 * out->n; i++)
		dp_reply_clear(&rep[i]);
	free(q);
	free(rep);
	if (rc != 0)
		dp_nssurvey_clear(out);
	return rc;
}

const char *
dp_ns_target_subject(const struct dp_ns_target *t, char *buf, size_t bufsz)
{
	if (t->has_addr)
		dp_snprintf(buf, bufsz, "%s/%s", t->ns->host.name, t->addr.text);
	else
		dp_snprintf(buf, bufsz, "%s", t->ns->host.name);
	return buf;
}

bool
dp_ns_target_cut(const struct dp_ns_target *t)
{
	return t->has_addr && (t->udp.cut || t->tcp.cut);
}

bool
dp_ns_target_serial(const struct dp_ns_target *t, uint32_t *serial, uint32_t *refresh)
{
	/* Only an authoritative answer's serial counts: a lame server's copy proves nothing. */
	const struct dp_ns_answer *a = t->udp.have_soa && t->udp.aa ? &t->udp : &t->tcp;

	if (!a->have_soa || !a->aa)
		return false;
	*serial = a->serial;
	if (refresh != NULL)
		*refresh = a->refresh;
	return true;
}

const char *
dp_nssurvey_rcode_str(int rcode, char *buf, size_t bufsz)
{
	static const char *const n[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					"NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
					"NXRRSET", "NOTAUTH", "NOTZONE"};

	if (rcode >= 0 && rcode < (int)(sizeof(n) / sizeof(n[0])))
		dp_snprintf(buf, bufsz, "%s", n[rcode]);
	else
		dp_snprintf(buf, bufsz, "RCODE%d", rcode);
	return buf;
}

/* RFC 1034 §4.3.1/RFC 8499: an authoritative answer carries AA; a server listed for a zone that
 * answers without it ("lame"), refuses, or fails is not serving the zone. */
const char *
dp_ns_answer_problem(const struct dp_ns_answer *a, char *buf, size_t bufsz)
{
	char rc[16];

	if (a->no_route)
		dp_snprintf(buf, bufsz, "not checked from here: %s", a->error);
	else if (!a->answered)
		dp_snprintf(buf, bufsz, "no answer (%s)", a->error[0] ? a->error : "timeout");
	else if (a->rcode != 0)
		dp_snprintf(buf, bufsz, "%s%s", dp_nssurvey_rcode_str(a->rcode, rc, sizeof(rc)),
			    a->aa ? "" : " without AA (lame)");
	else if (!a->aa)
		dp_snprintf(buf, bufsz, "answer without AA (lame)");
	else if (!a->have_soa && a->tc)
		dp_snprintf(buf, bufsz, "truncated answer (TC) without the SOA");
	else if (!a->have_soa)
		dp_snprintf(buf, bufsz, "no SOA in the answer");
	else
		return NULL;
	return buf;
}

json_t *
dp_ns_answer_json(const struct dp_ns_answer *a)
{
	char rc[16];
	json_t *o;

	if (!a->answered)
		return json_pack("{s:b, s:b, s:s}", "answered", 0, "no_route", a->no_route, "error",
				 a->error[0] ? a->error : "timeout");
	o = json_pack("{s:b, s:s, s:b, s:b, s:b, s:f}", "answered", 1, "rcode",
		      dp_nssurvey_rcode_str(a->rcode, rc, sizeof(rc)), "aa", a->aa, "edns", a->edns,
		      "tc", a->tc, "rtt_seconds", a->rtt);
	if (o != NULL && a->have_soa)
		json_object_set_new(o, "soa_serial", json_integer(a->serial));
	return o;
}

bool
dp_ns_target_no_route(const struct dp_ns_target *t)
{
	return t->has_addr && t->udp.no_route && t->tcp.no_route;
}
