/* dnssec.cds: the child's CDS and CDNSKEY RRsets (RFC 7344, RFC 8078, RFC 9615), asked of every
 * authoritative server address directly (RD=0, DO=1) and validated per server by getdns against
 * that server's DNSKEY RRset and the zone's DS RRset from the root (src/dns/srvval.c): present
 * on every server or none, the same everywhere, each record leading to a DNSKEY that signs the
 * DNSKEY RRset, CDS and CDNSKEY telling the same story, the delete form (RFC 8078 §4) understood,
 * and the parent's DS RRset (asked at the parent's own servers) compared with what the child
 * asks for: a CDS the parent has not picked up for longer than --cds-grace warns. A child
 * without DS that asks for one is judged for RFC 9615 authenticated bootstrapping: the
 * signalling records under each out-of-domain NS name, asked through the validating resolver
 * (the judge is probes/dsboot.c). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/parallel.h"
#include "dns/dnssec.h"
#include "dns/serial.h"
#include "dns/srvval.h"
#include "probes/dsboot.h"
#include "survey/nssurvey.h"
#include "dnsprobe/probe.h"

#define ID      "dnssec.cds"
#define SUBJ    320
#define MAX_RR  16
#define NQ      3 /* per server: DNSKEY, CDS, CDNSKEY */
#define Q_KEYS  0
#define Q_CDS   1
#define Q_CDNSK 2

/* The rdata of one RRset as served (pointers into the reply, which outlives the judging), in
 * canonical order (RFC 4034 §6.3), and the key tags of the RRSIGs over it. */
struct rrset {
	const uint8_t *rd[MAX_RR];
	size_t len[MAX_RR];
	size_t n;
	uint16_t sig_tags[MAX_RR];
	size_t nsigs;
};

/* What one server address served. */
struct server {
	const struct dp_ns_target *tg;
	const struct dp_reply *rep; /* NQ replies */
	bool asked;                 /* every reply usable (answered, AA, NOERROR) */
	bool no_route;
	char problem[320]; /* why not asked, in words */
	enum dp_status problem_status;
	struct rrset keys, cds, cdnskey;
	char digest[65]; /* identity of (CDS, CDNSKEY) as served, hex SHA-256; "" for none */
	bool has;        /* serves CDS or CDNSKEY */
	enum dp_validation v_cds, v_cdnskey;
	bool validated;
	char anchor[32]; /* what the answers were validated against: "DS", "own DNSKEY" */
	int group;       /* index into the run's groups */
};

/* Servers that served the same thing. */
struct group {
	const char *digest;
	size_t n;
	int first; /* a server of the group */
};

struct cds_run {
	const struct dp_ctx *ctx;
	const char *zone;
	struct server *sv;
	size_t nsv;
	struct group groups[64];
	size_t ngroups;
	int ref;     /* group with the most servers (ties: one that has records) */
	int content; /* the most common group that has records, -1: none has */
	/* the parent's DS RRset as its first authoritative server gave it */
	struct rrset ds;
	char ds_from[320];
	bool ds_known;
	bool tracked; /* the state holds an unpicked CDS set this run */
	struct boot *boot; /* RFC 9615 bootstrapping, judged when the zone has no DS; else NULL */
	json_t *problems, *notes;
	enum dp_status status;
	char first[768];
	enum dp_status first_status;
};

static void problem(struct cds_run *x, enum dp_status st, const char *fmt, ...) DP_PRINTF(3, 4);

static void
problem(struct cds_run *x, enum dp_status st, const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(x->problems, json_string(buf));
	if (x->first[0] == '\0' || dp_status_rank(st) > dp_status_rank(x->first_status)) {
		dp_strlcpy(x->first, buf, sizeof(x->first));
		x->first_status = st;
	}
	x->status = dp_status_worst(x->status, st);
}

static void note(struct cds_run *x, const char *fmt, ...) DP_PRINTF(2, 3);

static void
note(struct cds_run *x, const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(x->notes, json_string(buf));
}

/* A duration as configured: "2d", "36h", "90s" (the largest unit that divides it). */
static const char *
dur(int64_t v, char *buf, size_t bufsz)
{
	if (v > 0 && v % 86400 == 0)
		dp_snprintf(buf, bufsz, "%lldd", (long long)(v / 86400));
	else if (v > 0 && v % 3600 == 0)
		dp_snprintf(buf, bufsz, "%lldh", (long long)(v / 3600));
	else if (v > 0 && v % 60 == 0)
		dp_snprintf(buf, bufsz, "%lldm", (long long)(v / 60));
	else
		dp_snprintf(buf, bufsz, "%llds", (long long)v);
	return buf;
}

/* ---- RRsets ---- */

static int
rd_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	if (c != 0)
		return c;
	return al < bl ? -1 : al > bl;
}

/* Insert in canonical order, dropping duplicates. */
static void
rrset_add(struct rrset *s, const uint8_t *rd, size_t len)
{
	size_t i = 0;
	int c = 1;

	while (i < s->n && (c = rd_cmp(s->rd[i], s->len[i], rd, len)) < 0)
		i++;
	if (c == 0 || s->n >= MAX_RR)
		return;
	memmove(&s->rd[i + 1], &s->rd[i], (s->n - i) * sizeof(s->rd[0]));
	memmove(&s->len[i + 1], &s->len[i], (s->n - i) * sizeof(s->len[0]));
	s->rd[i] = rd;
	s->len[i] = len;
	s->n++;
}

static bool
rrset_equal(const struct rrset *a, const struct rrset *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		if (rd_cmp(a->rd[i], a->len[i], b->rd[i], b->len[i]) != 0)
			return false;
	}
	return true;
}

/* The RRset of type at owner in the reply's answer section, with its RRSIGs' key tags. */
static void
take_rrset(const struct dp_reply *r, const char *owner, uint16_t type, struct rrset *s)
{
	getdns_list *ans = r->answered ? dp_msg_section(r->reply, "answer") : NULL;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < dp_list_len(ans); i++) {
		getdns_dict *rr = dp_list_dict(ans, i);
		getdns_bindata *raw = dp_rr_rdata_raw(rr);
		uint16_t t = dp_rr_type(rr);
		struct dp_rrsig sig;
		char o[256];

		if (raw == NULL || dp_rr_owner(rr, o, sizeof(o)) != 0 || strcmp(o, owner) != 0)
			continue;
		if (t == type)
			rrset_add(s, raw->data, raw->size);
		else if (t == DP_RR_RRSIG && dp_rrsig_parse(raw->data, raw->size, &sig) == 0 &&
		         sig.type_covered == type && s->nsigs < MAX_RR)
			s->sig_tags[s->nsigs++] = sig.key_tag;
	}
}

/* RFC 8078 §4: "CDS 0 0 0 00" and "CDNSKEY 0 3 0 AA==" ask the parent to remove its DS; the
 * algorithm 0 is what signals it. */
static bool
is_delete(uint16_t type, const uint8_t *rd, size_t len)
{
	return type == DP_RR_CDS ? len >= 4 && rd[2] == 0 : len >= 4 && rd[3] == 0;
}

static bool
rrset_has_delete(const struct rrset *s, uint16_t type)
{
	for (size_t i = 0; i < s->n; i++) {
		if (is_delete(type, s->rd[i], s->len[i]))
			return true;
	}
	return false;
}

/* "48552 13 2 0BC3…" (DS and CDS) or "257 3 13 n2fo…" (DNSKEY and CDNSKEY) into buf. */
static const char *
rr_text(uint16_t type, const uint8_t *rd, size_t len, char *buf, size_t bufsz)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t o;

	buf[0] = '\0';
	if (len < 4)
		return buf;
	if (type == DP_RR_DS || type == DP_RR_CDS) {
		if (len < 5 || !dp_snprintf(buf, bufsz, "%u %u %u ", (rd[0] << 8) | rd[1], rd[2],
		                            rd[3]))
			return buf;
		o = strlen(buf);
		for (size_t i = 4; i < len && o + 2 < bufsz; i++) {
			buf[o++] = digits[rd[i] >> 4];
			buf[o++] = digits[rd[i] & 15];
		}
		buf[o] = '\0';
		return buf;
	}
	if (!dp_snprintf(buf, bufsz, "%u %u %u ", (rd[0] << 8) | rd[1], rd[2], rd[3]))
		return buf;
	o = strlen(buf);
	/* base64 of the public key: 4 characters for every 3 bytes, and the terminator */
	if (len == 4 || ((len - 4 + 2) / 3) * 4 + 1 > bufsz - o)
		return buf;
	EVP_EncodeBlock((unsigned char *)buf + o, rd + 4, (int)(len - 4));
	return buf;
}

static json_t *
rrset_json(uint16_t type, const struct rrset *s)
{
	json_t *a = json_array();
	char t[1400];

	for (size_t i = 0; a != NULL && i < s->n; i++)
		json_array_append_new(a, json_string(rr_text(type, s->rd[i], s->len[i], t,
		                                              sizeof(t))));
	return a;
}

/* "48552/13/2, 44476/13/2" (CDS, DS) or "48552, 44476" (CDNSKEY) into buf; "none" when empty. */
static const char *
rrset_short(uint16_t type, const struct rrset *s, char *buf, size_t bufsz)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->n && len + 1 < bufsz; i++) {
		const uint8_t *r = s->rd[i];

		if (is_delete(type, r, s->len[i]))
			dp_snprintf(buf + len, bufsz - len, "%s%s", i ? ", " : "",
			            type == DP_RR_CDS ? "0 0 0 00 (delete)" : "0 3 0 AA== (delete)");
		else if (type == DP_RR_CDS || type == DP_RR_DS)
			dp_snprintf(buf + len, bufsz - len, "%s%u/%u/%u", i ? ", " : "",
			            (r[0] << 8) | r[1], r[2], r[3]);
		else
			dp_snprintf(buf + len, bufsz - len, "%s%u", i ? ", " : "",
			            dp_dnssec_keytag(r, s->len[i]));
		len = strlen(buf);
	}
	return s->n > 0 ? buf : "none";
}

/* Identity of what a server serves: SHA-256 over both RRsets in canonical order. */
static void
identity(struct server *s)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dl = 0;
	const struct rrset *sets[2] = {&s->cds, &s->cdnskey};

	s->digest[0] = '\0';
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto out;
	for (size_t k = 0; k < 2; k++) {
		uint8_t sep[3] = {0xff, (uint8_t)k, (uint8_t)sets[k]->n};

		EVP_DigestUpdate(md, sep, sizeof(sep));
		for (size_t i = 0; i < sets[k]->n; i++) {
			uint8_t l[2] = {(uint8_t)(sets[k]->len[i] >> 8), (uint8_t)sets[k]->len[i]};

			EVP_DigestUpdate(md, l, sizeof(l));
			EVP_DigestUpdate(md, sets[k]->rd[i], sets[k]->len[i]);
		}
	}
	if (EVP_DigestFinal_ex(md, d, &dl) == 1)
		dp_hex(d, dl, s->digest, sizeof(s->digest));
out:
	EVP_MD_CTX_free(md);
}

/* ---- Asking ---- */

/* Send the queries at once; an answer truncated over UDP is asked again over TCP inside the
 * same query's budget (RFC 7766 §5; tc_retry), so TC-silent servers cost one step in all, not
 * one step each. */
static int
send_all(struct dp_query *q, struct dp_reply *rep, size_t n, struct dp_err *err)
{
	for (size_t i = 0; i < n; i++)
		q[i].tc_retry = true;
	return dp_query_send_many(q, rep, n, err);
}

/* What one server said, reduced; validation comes later (it needs the DS anchor). */
static void
take_server(struct cds_run *x, struct server *s)
{
	static const char *const what[NQ] = {"DNSKEY", "CDS", "CDNSKEY"};
	char rc[16];

	s->asked = s->tg->has_addr;
	if (!s->tg->has_addr) {
		dp_snprintf(s->problem, sizeof(s->problem), "has no address: %s",
		            s->tg->ns->host.error ? s->tg->ns->host.error : "no A or AAAA record");
		s->problem_status = DP_STATUS_CRITICAL;
		return;
	}
	for (size_t j = 0; j < NQ && s->asked; j++) {
		const struct dp_reply *r = &s->rep[j];

		if (r->no_route) {
			s->no_route = true;
			s->asked = false;
			dp_snprintf(s->problem, sizeof(s->problem), "not checked from here: %s",
			            r->error);
			s->problem_status = DP_STATUS_UNKNOWN;
		} else if (dp_reply_cut(r)) {
			/* the run's budget ended it: nothing known about the server */
			s->asked = false;
			dp_snprintf(s->problem, sizeof(s->problem), "%s (%s %s)",
			            DP_BUDGET_EXHAUSTED, x->zone, what[j]);
			s->problem_status = DP_STATUS_UNKNOWN;
		} else if (!r->answered) {
			s->asked = false;
			dp_snprintf(s->problem, sizeof(s->problem), "unreachable: %s %s: %s",
			            x->zone, what[j], r->error[0] ? r->error : "timeout");
			s->problem_status = DP_STATUS_CRITICAL;
		} else if (!r->aa || r->rcode != 0) {
			s->asked = false;
			dp_snprintf(s->problem, sizeof(s->problem), "%s %s: %s%s", x->zone, what[j],
			            dp_nssurvey_rcode_str(r->rcode, rc, sizeof(rc)),
			            r->aa ? "" : " without AA (not authoritative)");
			s->problem_status = DP_STATUS_CRITICAL;
		}
	}
	if (!s->asked)
		return;
	take_rrset(&s->rep[Q_KEYS], x->zone, DP_RR_DNSKEY, &s->keys);
	take_rrset(&s->rep[Q_CDS], x->zone, DP_RR_CDS, &s->cds);
	take_rrset(&s->rep[Q_CDNSK], x->zone, DP_RR_CDNSKEY, &s->cdnskey);
	s->has = s->cds.n > 0 || s->cdnskey.n > 0;
	identity(s);
}

/* Validate the server's CDS and CDNSKEY answers with getdns: against the DS RRset from the root
 * when the zone has one, else against the server's own DNSKEY RRset (an insecure zone asking to
 * be bootstrapped can only show that its records are signed by its own keys). */
static void
validate_server(struct cds_run *x, struct server *s, const struct dp_ds_anchor *a)
{
	time_t at = (time_t)(x->ctx->opts->at != 0 ? x->ctx->opts->at : (int64_t)dp_now_wall());
	uint16_t tags[DP_SRVVAL_MAX_KEYS];
	size_t ntags = 0;
	getdns_list *keyset;
	getdns_list *anchors;

	if (!s->asked || !s->has)
		return;
	keyset = dp_srvval_keyset(&s->rep[Q_KEYS], x->zone, tags, DP_SRVVAL_MAX_KEYS, &ntags);
	if (keyset == NULL)
		return;
	anchors = a->ds;
	dp_strlcpy(s->anchor, "DS", sizeof(s->anchor));
	if (anchors == NULL) {
		/* the DNSKEY records of the server's own RRset as trust anchors */
		anchors = getdns_list_create();
		for (size_t i = 0, n = 0; anchors != NULL && i < dp_list_len(keyset); i++) {
			getdns_dict *rr = dp_list_dict(keyset, i);

			if (dp_rr_type(rr) == DP_RR_DNSKEY &&
			    getdns_list_set_dict(anchors, n, rr) == GETDNS_RETURN_GOOD)
				n++;
		}
		dp_strlcpy(s->anchor, "own DNSKEY", sizeof(s->anchor));
	}
	s->v_cds = s->cds.n > 0 ? dp_srvval_reply(s->rep[Q_CDS].reply, keyset, anchors, at)
	                        : DP_VALIDATION_SECURE;
	s->v_cdnskey = s->cdnskey.n > 0
	                   ? dp_srvval_reply(s->rep[Q_CDNSK].reply, keyset, anchors, at)
	                   : DP_VALIDATION_SECURE;
	s->validated = anchors != NULL;
	if (anchors != a->ds)
		getdns_list_destroy(anchors);
	getdns_list_destroy(keyset);
}

/* The parent's DS RRset from the first of its servers that answers authoritatively. */
static void
take_ds(struct cds_run *x, const char *const *names, const struct dp_query *q,
        const struct dp_reply *rep, size_t n)
{
	for (size_t i = 0; i < n && !x->ds_known; i++) {
		if (!rep[i].answered || !rep[i].aa || rep[i].rcode != 0)
			continue;
		take_rrset(&rep[i], x->zone, DP_RR_DS, &x->ds);
		dp_snprintf(x->ds_from, sizeof(x->ds_from), "%s/%s", names[i], q[i].server->text);
		x->ds_known = true;
	}
}

/* ---- RFC 9615 bootstrapping: the signals, asked through the validating resolver ---- */

/* The judge's input and the lookups behind it (2 per NS name: CDS, CDNSKEY). */
struct boot {
	const struct dp_ctx *ctx;
	struct dp_dsboot b;
	struct dp_dsboot_set apex_cds, apex_cdnskey;
	const char *from; /* whose NS set: "parent" or "child" */
	struct dp_lookup lk[2 * DP_DSBOOT_MAX_NS];
	int rc[2 * DP_DSBOOT_MAX_NS];
	bool cut[2 * DP_DSBOOT_MAX_NS]; /* not asked: the budget had ended */
	char err[2 * DP_DSBOOT_MAX_NS][256]; /* one per lookup: they run at once */
	size_t job[2 * DP_DSBOOT_MAX_NS]; /* lookup slots to make */
	size_t njobs;
};

static void
boot_lookup(void *arg, size_t i)
{
	struct boot *bt = arg;
	size_t slot = bt->job[i];
	struct dp_err err = {0};

	if (dp_ctx_cut(bt->ctx)) {
		bt->cut[slot] = true;
		return;
	}
	/* --at: validated as of that time, like the DS anchor above */
	bt->rc[slot] = dp_resolver_lookup_by(bt->ctx->resolver_at != NULL ? bt->ctx->resolver_at
	                                                                  : bt->ctx->resolver,
	                                     bt->b.ns[slot / 2].signal_name,
	                                     slot % 2 ? DP_RR_CDNSKEY : DP_RR_CDS,
	                                     bt->ctx->deadline, &bt->lk[slot], &err);
	if (bt->rc[slot] != 0)
		dp_strlcpy(bt->err[slot], err.msg, sizeof(bt->err[0]));
}

static void
boot_set(struct dp_dsboot_set *d, const struct rrset *s)
{
	d->n = 0;
	for (size_t i = 0; i < s->n && d->n < DP_DSBOOT_MAX_RR; i++) {
		d->rd[d->n] = s->rd[i];
		d->len[d->n++] = s->len[i];
	}
}

static void
boot_take(struct dp_dsboot_set *d, const struct dp_lookup *l)
{
	d->n = 0;
	if (l->rcode != 0 || !l->havedata)
		return;
	for (size_t i = 0; i < l->nrdata && d->n < DP_DSBOOT_MAX_RR; i++) {
		d->rd[d->n] = l->rdata[i];
		d->len[d->n++] = l->rdlen[i];
	}
}

/* What the two lookups of NS k said, for the judge. */
static void
boot_fill(struct boot *bt, size_t k)
{
	struct dp_dsboot_ns *n = &bt->b.ns[k];
	const struct dp_lookup *c = &bt->lk[2 * k];
	const struct dp_lookup *ck = &bt->lk[2 * k + 1];

	if (bt->cut[2 * k] || bt->cut[2 * k + 1] || (bt->rc[2 * k] == 0 && c->cut) ||
	    (bt->rc[2 * k + 1] == 0 && ck->cut)) {
		n->error = DP_BUDGET_EXHAUSTED;
		return;
	}
	if (bt->rc[2 * k] != 0 || bt->rc[2 * k + 1] != 0) {
		n->error = bt->err[bt->rc[2 * k] != 0 ? 2 * k : 2 * k + 1];
		return;
	}
	n->looked_up = true;
	n->sec_cds = c->sec;
	n->sec_cdnskey = ck->sec;
	n->why_bogus = c->sec == DP_SEC_BOGUS ? c->why_bogus : ck->why_bogus;
	if (c->sec == DP_SEC_INDETERMINATE || ck->sec == DP_SEC_INDETERMINATE)
		n->error = c->sec == DP_SEC_INDETERMINATE ? c->why_bogus : ck->why_bogus;
	boot_take(&n->cds, c);
	boot_take(&n->cdnskey, ck);
}

/* RFC 9615 §4.2 step 1: only for a child with no DS at the parent that asks for one. The NS
 * names are the delegation's (parent side, as the RFC asks), the zone's own when the parent's
 * are not known. */
static int
boot_run(struct cds_run *x, const struct server *s)
{
	const struct dp_discovery *disc = x->ctx->disc;
	struct boot *bt;
	bool parent = false;

	for (size_t i = 0; i < disc->nns; i++)
		parent |= disc->ns[i].at_parent;
	bt = calloc(1, sizeof(*bt));
	if (bt == NULL)
		return DP_ENOMEM;
	x->boot = bt;
	bt->ctx = x->ctx;
	bt->from = parent ? "parent" : "child";
	bt->b.zone = x->zone;
	boot_set(&bt->apex_cds, &s->cds);
	boot_set(&bt->apex_cdnskey, &s->cdnskey);
	bt->b.cds = &bt->apex_cds;
	bt->b.cdnskey = &bt->apex_cdnskey;
	for (size_t i = 0; i < disc->nns && bt->b.nns < DP_DSBOOT_MAX_NS; i++) {
		if (parent ? disc->ns[i].at_parent : disc->ns[i].at_child)
			bt->b.ns[bt->b.nns++].name = disc->ns[i].host.name;
	}
	/* in name order, so that reports and details do not depend on discovery's */
	for (size_t i = 1; i < bt->b.nns; i++) {
		for (size_t k = i; k > 0 && strcmp(bt->b.ns[k - 1].name, bt->b.ns[k].name) > 0; k--) {
			const char *t = bt->b.ns[k].name;

			bt->b.ns[k].name = bt->b.ns[k - 1].name;
			bt->b.ns[k - 1].name = t;
		}
	}
	dp_dsboot_prepare(&bt->b);
	for (size_t k = 0; k < bt->b.nns; k++) {
		if (bt->b.ns[k].status != DP_DSBOOT_NS_SAME)
			continue;
		bt->job[bt->njobs++] = 2 * k;
		bt->job[bt->njobs++] = 2 * k + 1;
	}
	dp_parallel_for(bt->njobs, 0, boot_lookup, bt);
	for (size_t k = 0; k < bt->b.nns; k++) {
		if (bt->b.ns[k].status == DP_DSBOOT_NS_SAME)
			boot_fill(bt, k);
	}
	dp_dsboot_judge(&bt->b);
	return 0;
}

static void
boot_free(struct boot *bt)
{
	if (bt == NULL)
		return;
	for (size_t i = 0; i < 2 * DP_DSBOOT_MAX_NS; i++)
		dp_lookup_clear(&bt->lk[i]);
	free(bt);
}

/* The verdict into the zone result: a WARNING when blocked, else a note. */
static void
boot_result(struct cds_run *x, json_t *d)
{
	const struct boot *bt = x->boot;

	if (bt == NULL)
		return;
	json_object_set_new(d, "bootstrap", json_string(dp_dsboot_verdict_str(bt->b.verdict)));
	json_object_set_new(d, "signal_ns_from", json_string(bt->from));
	json_object_set_new(d, "signal", dp_dsboot_signal_json(&bt->b));
	if (bt->b.status != DP_STATUS_OK)
		problem(x, bt->b.status, "%s", bt->b.summary);
	else
		note(x, "%s", bt->b.summary);
}

/* ---- Judging ---- */

static void
group_servers(struct cds_run *x)
{
	x->ref = -1;
	x->content = -1;
	for (size_t i = 0; i < x->nsv; i++) {
		struct server *s = &x->sv[i];
		size_t g = 0;

		s->group = -1;
		if (!s->asked)
			continue;
		while (g < x->ngroups && strcmp(x->groups[g].digest, s->digest) != 0)
			g++;
		if (g == x->ngroups) {
			if (x->ngroups >= sizeof(x->groups) / sizeof(x->groups[0]))
				continue;
			x->groups[g] = (struct group){.digest = s->digest, .first = (int)i};
			x->ngroups++;
		}
		x->groups[g].n++;
		s->group = (int)g;
	}
	for (size_t g = 0; g < x->ngroups; g++) {
		bool has = x->sv[x->groups[g].first].has;

		if (x->ref < 0 || x->groups[g].n > x->groups[x->ref].n ||
		    (x->groups[g].n == x->groups[x->ref].n && has))
			x->ref = (int)g;
		if (has && (x->content < 0 || x->groups[g].n > x->groups[x->content].n))
			x->content = (int)g;
	}
}

/* The servers of group g (or, g < 0, of every group but `but`) as "ns3.glitter.kr/127.0.10.3,
 * …" into buf. */
static const char *
servers_of(const struct cds_run *x, int g, int but, char *buf, size_t bufsz)
{
	char subj[SUBJ];
	size_t len = 0;
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < x->nsv && len + 1 < bufsz; i++) {
		const struct server *s = &x->sv[i];

		if (s->group < 0 || (g >= 0 && s->group != g) || (g < 0 && s->group == but))
			continue;
		if (n++ == 4) {
			dp_snprintf(buf + len, bufsz - len, " and more");
			break;
		}
		dp_ns_target_subject(s->tg, subj, sizeof(subj));
		dp_snprintf(buf + len, bufsz - len, "%s%s", len ? ", " : "", subj);
		len = strlen(buf);
	}
	return buf;
}

/* Which DNSKEY of the server's RRset a CDS or CDNSKEY record stands for: index or -1. */
static int
key_of(const struct cds_run *x, const struct server *s, uint16_t type, const uint8_t *rd,
       size_t len)
{
	for (size_t k = 0; k < s->keys.n; k++) {
		if (type == DP_RR_CDNSKEY) {
			if (rd_cmp(rd, len, s->keys.rd[k], s->keys.len[k]) == 0)
				return (int)k;
			continue;
		}
		struct dp_ds d;

		if (dp_ds_parse(rd, len, &d) == 0 &&
		    dp_ds_matches(&d, x->zone, s->keys.rd[k], s->keys.len[k]))
			return (int)k;
	}
	return -1;
}

/* Does the key at keys[k] sign the server's DNSKEY RRset (an RRSIG over it carries its tag)? */
static bool
signs_keyset(const struct server *s, size_t k)
{
	uint16_t tag = dp_dnssec_keytag(s->keys.rd[k], s->keys.len[k]);

	for (size_t i = 0; i < s->keys.nsigs; i++) {
		if (s->keys.sig_tags[i] == tag)
			return true;
	}
	return false;
}

/* Is the record (CDS, or CDNSKEY as a key) also in the parent's DS RRset? */
static bool
parent_has(const struct cds_run *x, uint16_t type, const uint8_t *rd, size_t len)
{
	for (size_t i = 0; i < x->ds.n; i++) {
		struct dp_ds d;

		if (type == DP_RR_CDS && rd_cmp(rd, len, x->ds.rd[i], x->ds.len[i]) == 0)
			return true;
		if (type == DP_RR_CDNSKEY && dp_ds_parse(x->ds.rd[i], x->ds.len[i], &d) == 0 &&
		    dp_ds_matches(&d, x->zone, rd, len))
			return true;
	}
	return false;
}

/* Each record of one RRset against the server's DNSKEY RRset. Returns how many lead to a key
 * that signs the DNSKEY RRset; *unpub counts those naming a key not published at all. */
static size_t
judge_records(struct cds_run *x, const struct server *s, uint16_t type, const struct rrset *set,
              json_t *matched, size_t *unpub, size_t *unpub_at_parent)
{
	const char *tn = type == DP_RR_CDS ? "CDS" : "CDNSKEY";
	size_t working = 0;
	char t[1400];

	for (size_t i = 0; i < set->n; i++) {
		int k = key_of(x, s, type, set->rd[i], set->len[i]);
		struct dp_dnskey key;
		uint16_t tag = type == DP_RR_CDS ? (uint16_t)((set->rd[i][0] << 8) | set->rd[i][1])
		                                 : dp_dnssec_keytag(set->rd[i], set->len[i]);
		bool signs = k >= 0 && signs_keyset(s, (size_t)k);
		const char *why = NULL;

		rr_text(type, set->rd[i], set->len[i], t, sizeof(t));
		if (k >= 0 && dp_dnskey_parse(s->keys.rd[k], s->keys.len[k], &key) == 0) {
			if (key.revoked)
				why = "is revoked (RFC 5011)";
			else if (!(key.flags & 0x0100))
				why = "is not a zone key";
			else if (!signs)
				why = "does not sign the DNSKEY RRset";
		}
		json_array_append_new(matched,
		                      json_pack("{s:s, s:s, s:i, s:b, s:b}", "type", tn, "record", t,
		                                "key_tag", tag, "published", k >= 0, "signs_dnskey",
		                                signs && why == NULL));
		if (k < 0) {
			(*unpub)++;
			if (parent_has(x, type, set->rd[i], set->len[i]))
				(*unpub_at_parent)++;
			continue;
		}
		if (why != NULL) {
			problem(x, DP_STATUS_WARNING,
			        "%s %s stands for DNSKEY %u, which %s: a DS for it would "
			        "authenticate nothing",
			        tn, rrset_short(type, &(struct rrset){.rd = {set->rd[i]},
			                                                .len = {set->len[i]},
			                                                .n = 1},
			                        t, sizeof(t)),
			        tag, why);
			continue;
		}
		working++;
	}
	return working;
}

/* CDS and CDNSKEY describe the same keys (RFC 7344 §4: a parent may act on either). */
static void
judge_consistency(struct cds_run *x, const struct server *s)
{
	char a[256];
	char b[256];

	if (s->cds.n == 0 || s->cdnskey.n == 0)
		return;
	for (size_t i = 0; i < s->cds.n; i++) {
		struct dp_ds d;
		bool found = false;

		if (is_delete(DP_RR_CDS, s->cds.rd[i], s->cds.len[i]))
			found = rrset_has_delete(&s->cdnskey, DP_RR_CDNSKEY);
		for (size_t k = 0; !found && k < s->cdnskey.n; k++)
			found = dp_ds_parse(s->cds.rd[i], s->cds.len[i], &d) == 0 &&
			        dp_ds_matches(&d, x->zone, s->cdnskey.rd[k], s->cdnskey.len[k]);
		if (!found)
			goto differ;
	}
	for (size_t k = 0; k < s->cdnskey.n; k++) {
		bool found = false;

		if (is_delete(DP_RR_CDNSKEY, s->cdnskey.rd[k], s->cdnskey.len[k]))
			found = rrset_has_delete(&s->cds, DP_RR_CDS);
		for (size_t i = 0; !found && i < s->cds.n; i++) {
			struct dp_ds d;

			found = dp_ds_parse(s->cds.rd[i], s->cds.len[i], &d) == 0 &&
			        dp_ds_matches(&d, x->zone, s->cdnskey.rd[k], s->cdnskey.len[k]);
		}
		if (!found)
			goto differ;
	}
	return;
differ:
	problem(x, DP_STATUS_WARNING,
	        "CDS (%s) and CDNSKEY (%s) do not describe the same keys: parents that read "
	        "one or the other would put different DS records in place",
	        rrset_short(DP_RR_CDS, &s->cds, a, sizeof(a)),
	        rrset_short(DP_RR_CDNSKEY, &s->cdnskey, b, sizeof(b)));
}

/* RFC 7344 §4.1: the parent accepts a CDS/CDNSKEY RRset signed by a key its DS RRset names. */
static void
judge_signer(struct cds_run *x, const struct server *s)
{
	const struct rrset *sets[2] = {&s->cds, &s->cdnskey};
	const char *names[2] = {"CDS", "CDNSKEY"};

	if (x->ds.n == 0)
		return;
	for (size_t k = 0; k < 2; k++) {
		bool ok = false;

		if (sets[k]->n == 0)
			continue;
		for (size_t i = 0; i < sets[k]->nsigs && !ok; i++) {
			for (size_t d = 0; d < x->ds.n && !ok; d++)
				ok = x->ds.len[d] >= 2 &&
				     ((x->ds.rd[d][0] << 8) | x->ds.rd[d][1]) == sets[k]->sig_tags[i];
		}
		if (!ok)
			problem(x, DP_STATUS_WARNING,
			        "the %s RRset is not signed by a key the DS at %s names (RFC 7344 "
			        "§4.1): the parent will not accept it",
			        names[k], x->ds_from);
	}
}

/* The grace of a CDS the parent has not picked up: how long it has lasted comes from the state
 * kept across runs (the monitor's, "unpicked_since" for the set identified by "unpicked");
 * without state (check) it is first seen now. True when it has lasted longer than the grace
 * (grace 0: at once). */
static bool
track_unpicked(struct cds_run *x, const char *ident, int64_t *since, bool *known)
{
	json_t *st = x->ctx->state;
	int64_t now = (int64_t)dp_now_wall();
	int64_t grace = x->ctx->opts->cds_grace;
	json_t *j;

	*since = now;
	*known = false;
	x->tracked = true;
	if (st != NULL) {
		j = json_object_get(st, "unpicked");
		if (json_is_string(j) && strcmp(json_string_value(j), ident) == 0) {
			j = json_object_get(st, "unpicked_since");
			/* a clock that went backwards restarts the period rather than hiding it */
			if (json_is_integer(j) && json_integer_value(j) > 0 &&
			    json_integer_value(j) <= now) {
				*since = (int64_t)json_integer_value(j);
				*known = true;
			}
		}
		json_object_set_new(st, "unpicked", json_string(ident));
		json_object_set_new(st, "unpicked_since", json_integer(*since));
	}
	return grace == 0 || (grace > 0 && now - *since > grace);
}

/* The parent's DS RRset against what the child asks for. */
static void
judge_parent(struct cds_run *x, const struct server *s, json_t *d)
{
	const char *parent = x->ctx->disc->parent[0] ? x->ctx->disc->parent : "the root";
	bool del = rrset_has_delete(&s->cds, DP_RR_CDS) ||
	           rrset_has_delete(&s->cdnskey, DP_RR_CDNSKEY);
	bool picked;
	bool expired;
	bool known;
	int64_t since;
	char a[512];
	char b[512];
	char g[32];
	char l[32];
	char ts[40];
	char for_[96];

	if (!x->ds_known) {
		note(x, "the DS RRset at %s could not be had: whether it follows the CDS is not "
		        "known", parent);
		return;
	}
	if (del) {
		if ((s->cds.n > 0 && s->cds.n != 1) || (s->cdnskey.n > 0 && s->cdnskey.n != 1)) {
			problem(x, DP_STATUS_WARNING,
			        "the delete record is mixed with other records (CDS %s; CDNSKEY %s): "
			        "RFC 8078 §4 allows it only alone, so the parent ignores the RRset",
			        rrset_short(DP_RR_CDS, &s->cds, a, sizeof(a)),
			        rrset_short(DP_RR_CDNSKEY, &s->cdnskey, b, sizeof(b)));
			return;
		}
		json_object_set_new(d, "delete", json_true());
		if (x->ds.n == 0) {
			note(x, "the zone asks the parent to remove its DS (RFC 8078 §4 delete "
			        "record); %s holds none: done, the records can go",
			     parent);
			json_object_set_new(d, "picked_up", json_true());
		} else if (s->keys.n > 0) {
			problem(x, DP_STATUS_WARNING,
			        "the zone asks the parent to remove its DS (RFC 8078 §4 delete "
			        "record) and %s still has DS %s: once %s acts, %s is an insecure "
			        "delegation, no longer validated (its TLSA records stop being "
			        "usable for DANE); remove the delete records if that is not meant",
			        x->ds_from, rrset_short(DP_RR_DS, &x->ds, a, sizeof(a)), parent,
			        x->zone);
			json_object_set_new(d, "picked_up", json_false());
		} else {
			note(x, "the zone asks the parent to remove its DS (RFC 8078 §4 delete "
			        "record); %s still has DS %s",
			     x->ds_from, rrset_short(DP_RR_DS, &x->ds, a, sizeof(a)));
			json_object_set_new(d, "picked_up", json_false());
		}
		return;
	}
	/* what the parent should hold: the CDS RRset, or DS records for the CDNSKEY keys */
	if (s->cds.n > 0) {
		picked = rrset_equal(&s->cds, &x->ds);
	} else {
		picked = true;
		for (size_t k = 0; picked && k < s->cdnskey.n; k++)
			picked = parent_has(x, DP_RR_CDNSKEY, s->cdnskey.rd[k], s->cdnskey.len[k]);
		for (size_t i = 0; picked && i < x->ds.n; i++) {
			struct dp_ds ds;
			bool found = false;

			for (size_t k = 0; !found && k < s->cdnskey.n; k++)
				found = dp_ds_parse(x->ds.rd[i], x->ds.len[i], &ds) == 0 &&
				        dp_ds_matches(&ds, x->zone, s->cdnskey.rd[k],
				                      s->cdnskey.len[k]);
			picked = found;
		}
	}
	json_object_set_new(d, "picked_up", json_boolean(picked));
	if (picked)
		return;
	expired = track_unpicked(x, x->groups[x->content].digest, &since, &known);
	dur(x->ctx->opts->cds_grace, g, sizeof(g));
	dp_time_rfc3339(since, ts, sizeof(ts));
	dp_duration_format((int64_t)dp_now_wall() - since, l, sizeof(l));
	json_object_set_new(d, "unpicked_since", json_integer(since));
	json_object_set_new(d, "unpicked_seconds", json_integer((int64_t)dp_now_wall() - since));
	json_object_set_new(d, "first_seen_now", json_boolean(!known));
	rrset_short(s->cds.n > 0 ? DP_RR_CDS : DP_RR_CDNSKEY, s->cds.n > 0 ? &s->cds : &s->cdnskey,
	            a, sizeof(a));
	if (x->ds.n > 0)
		rrset_short(DP_RR_DS, &x->ds, b, sizeof(b));
	else
		dp_strlcpy(b, "none", sizeof(b));
	if (known)
		dp_snprintf(for_, sizeof(for_), "for %s, since %s", l, ts);
	else
		dp_strlcpy(for_, "first seen now", sizeof(for_));
	if (expired)
		problem(x, DP_STATUS_WARNING,
		        "%s has not picked up the %s: the zone asks for %s, %s has DS %s (%s; "
		        "grace %s)",
		        parent, s->cds.n > 0 ? "CDS" : "CDNSKEY", a, x->ds_from, b, for_, g);
	else
		note(x, "%s has not picked up the %s yet: the zone asks for %s, %s has DS %s "
		        "(%s; grace %s)%s",
		     parent, s->cds.n > 0 ? "CDS" : "CDNSKEY", a, x->ds_from, b, for_, g,
		     x->ds.n == 0 && x->boot == NULL
		         ? "; the zone has no DS: a parent accepts such a bootstrap only with RFC "
		           "9615 signalling or after its own checks (RFC 8078 §3)"
		         : "");
}

/* The zone result: presence and agreement across servers, then the content of the most common
 * non-empty set, then the parent. */
static int
zone_result(struct cds_run *x, struct dp_results *out)
{
	const struct server *s = x->content >= 0 ? &x->sv[x->groups[x->content].first] : NULL;
	json_t *d = json_object();
	json_t *matched = json_array();
	size_t with = 0;
	size_t asked = 0;
	char sum[1600];
	char a[600];
	char b[600];
	char ds[600];

	for (size_t i = 0; i < x->nsv; i++) {
		asked += x->sv[i].asked;
		with += x->sv[i].asked && x->sv[i].has;
	}
	json_object_set_new(d, "servers_asked", json_integer((json_int_t)asked));
	json_object_set_new(d, "servers_with_records", json_integer((json_int_t)with));
	json_object_set_new(d, "parent_zone", json_string(x->ctx->disc->parent));
	json_object_set_new(d, "ds_source", json_string(x->ds_from));
	json_object_set_new(d, "parent_ds", rrset_json(DP_RR_DS, &x->ds));
	json_object_set_new(d, "grace_seconds", json_integer(x->ctx->opts->cds_grace));
	if (with > 0 && with < asked)
		problem(x, DP_STATUS_WARNING,
		        "CDS/CDNSKEY on %zu of %zu server addresses only: %s serve%s them, %s not; "
		        "a parent acts only when every server agrees",
		        with, asked, servers_of(x, x->content, -1, a, sizeof(a)), with > 1 ? "" : "s",
		        servers_of(x, -1, x->content, b, sizeof(b)));
	else if (x->ngroups > 1)
		problem(x, DP_STATUS_WARNING,
		        "the servers serve different CDS/CDNSKEY RRsets (%s differ from %s): a parent "
		        "acts only when every server agrees",
		        servers_of(x, -1, x->ref, a, sizeof(a)),
		        servers_of(x, x->ref, -1, b, sizeof(b)));
	if (s != NULL) {
		size_t unpub = 0;
		size_t unpub_parent = 0;
		size_t working = 0;
		bool del = rrset_has_delete(&s->cds, DP_RR_CDS) ||
		           rrset_has_delete(&s->cdnskey, DP_RR_CDNSKEY);

		json_object_set_new(d, "cds", rrset_json(DP_RR_CDS, &s->cds));
		json_object_set_new(d, "cdnskey", rrset_json(DP_RR_CDNSKEY, &s->cdnskey));
		json_object_set_new(d, "delete", json_false());
		if (!del) {
			working = judge_records(x, s, DP_RR_CDS, &s->cds, matched, &unpub,
			                        &unpub_parent);
			working += judge_records(x, s, DP_RR_CDNSKEY, &s->cdnskey, matched, &unpub,
			                         &unpub_parent);
			if (working == 0)
				problem(x, DP_STATUS_CRITICAL,
				        "no CDS/CDNSKEY record leads to a DNSKEY that signs the DNSKEY "
				        "RRset (CDS %s; CDNSKEY %s; DNSKEY %s): if %s acts on it, %s "
				        "goes bogus%s%s",
				        rrset_short(DP_RR_CDS, &s->cds, a, sizeof(a)),
				        rrset_short(DP_RR_CDNSKEY, &s->cdnskey, b, sizeof(b)),
				        rrset_short(DP_RR_CDNSKEY, &s->keys, sum, sizeof(sum)),
				        x->ctx->disc->parent[0] ? x->ctx->disc->parent : "the root",
				        x->zone, x->ds_known ? "; the DS there is still " : "",
				        x->ds_known ? rrset_short(DP_RR_DS, &x->ds, ds, sizeof(ds)) : "");
			else if (unpub > 0 && unpub == unpub_parent)
				note(x, "%zu CDS/CDNSKEY record%s name%s a key not (yet) in the DNSKEY "
				        "RRset, and %s already holds its DS: a KSK rollover by double "
				        "DS (RFC 6781 §4.1.2)",
				     unpub, unpub > 1 ? "s" : "", unpub > 1 ? "" : "s", x->ds_from);
			else if (unpub > 0)
				note(x, "%zu CDS/CDNSKEY record%s name%s a key not (yet) in the DNSKEY "
				        "RRset: the DS of a next KSK asked for before the key is "
				        "published (double DS, RFC 6781 §4.1.2)",
				     unpub, unpub > 1 ? "s" : "", unpub > 1 ? "" : "s");
		}
		judge_consistency(x, s);
		judge_signer(x, s);
		/* a set that would break the chain is not "waiting for the parent" */
		boot_result(x, d);
		if (del || working > 0)
			judge_parent(x, s, d);
	}
	if (asked == 0)
		problem(x, DP_STATUS_UNKNOWN,
		        "not judged: no server address gave a usable answer (%s)",
		        x->nsv > 0 ? x->sv[0].problem : "no server");
	json_object_set_new(d, "records", matched);
	json_object_set(d, "problems", x->problems);
	json_object_set(d, "notes", x->notes);
	if (json_array_size(x->problems) > 0)
		dp_snprintf(sum, sizeof(sum), "%s%s", x->first,
		            json_array_size(x->problems) > 1 ? " (and more problems in details)"
		                                             : "");
	else if (s == NULL)
		dp_snprintf(sum, sizeof(sum),
		            "no CDS or CDNSKEY published (asked at %zu server addresses)", asked);
	else
		dp_snprintf(sum, sizeof(sum), "CDS %s, CDNSKEY %s on all %zu server addresses%s",
		            rrset_short(DP_RR_CDS, &s->cds, a, sizeof(a)),
		            rrset_short(DP_RR_CDNSKEY, &s->cdnskey, b, sizeof(b)), asked,
		            json_is_true(json_object_get(d, "picked_up")) &&
		                    !json_is_true(json_object_get(d, "delete"))
		                ? ", the DS at the parent matches"
		                : "");
	if (json_array_size(x->notes) > 0) {
		size_t len = strlen(sum);

		dp_snprintf(sum + len, sizeof(sum) - len, "; note: %s",
		            json_string_value(json_array_get(x->notes, 0)));
	}
	return dp_results_add(out, ID, x->zone, x->status, d, "%s", sum) != NULL ? 0 : DP_ENOMEM;
}

/* One result per server address: what it serves and whether it validates. */
static int
server_result(struct cds_run *x, const struct server *s, struct dp_results *out)
{
	enum dp_status st = DP_STATUS_OK;
	char subj[SUBJ];
	char sum[1024];
	char a[400];
	char b[400];
	char ds[400];
	json_t *d;

	dp_ns_target_subject(s->tg, subj, sizeof(subj));
	d = json_pack("{s:s, s:s}", "server", s->tg->ns->host.name, "address",
	              s->tg->has_addr ? s->tg->addr.text : "");
	if (!s->asked) {
		st = s->problem_status;
		dp_snprintf(sum, sizeof(sum), "%s %s", subj, s->problem);
		goto add;
	}
	json_object_set_new(d, "cds", rrset_json(DP_RR_CDS, &s->cds));
	json_object_set_new(d, "cdnskey", rrset_json(DP_RR_CDNSKEY, &s->cdnskey));
	if (!s->has)
		dp_snprintf(sum, sizeof(sum), "%s: no CDS or CDNSKEY", subj);
	else
		dp_snprintf(sum, sizeof(sum), "%s: CDS %s, CDNSKEY %s", subj,
		            rrset_short(DP_RR_CDS, &s->cds, a, sizeof(a)),
		            rrset_short(DP_RR_CDNSKEY, &s->cdnskey, b, sizeof(b)));
	if (s->validated) {
		const char *bad = s->v_cds != DP_VALIDATION_SECURE ? "CDS" : "CDNSKEY";
		enum dp_validation v = s->v_cds != DP_VALIDATION_SECURE ? s->v_cds : s->v_cdnskey;
		size_t len = strlen(sum);

		json_object_set_new(d, "validated_against", json_string(s->anchor));
		json_object_set_new(d, "validation",
		                    json_pack("{s:s, s:s}", "CDS", dp_validation_str(s->v_cds),
		                              "CDNSKEY", dp_validation_str(s->v_cdnskey)));
		if (v == DP_VALIDATION_SECURE) {
			dp_snprintf(sum + len, sizeof(sum) - len, ", signed (validated against the "
			            "%s)", s->anchor);
		} else {
			st = v == DP_VALIDATION_BOGUS ? DP_STATUS_CRITICAL : DP_STATUS_WARNING;
			dp_snprintf(sum + len, sizeof(sum) - len,
			            "; the %s RRset is %s against the %s (RRSIG by %s): the parent "
			            "will not accept it",
			            bad, dp_validation_str(v), s->anchor,
			            (s->v_cds != DP_VALIDATION_SECURE ? &s->cds : &s->cdnskey)->nsigs
			                ? "a key not trusted or a signature that does not verify"
			                : "none");
		}
	}
	if (x->ngroups > 1 && s->group != x->ref) {
		const struct server *r = &x->sv[x->groups[x->ref].first];
		size_t len = strlen(sum);

		st = dp_status_worst(st, DP_STATUS_WARNING);
		servers_of(x, x->ref, -1, a, sizeof(a));
		if (!r->has)
			dp_snprintf(sum + len, sizeof(sum) - len, "; %s serve%s none", a,
			            x->groups[x->ref].n > 1 ? "" : "s");
		else if (!s->has)
			dp_snprintf(sum + len, sizeof(sum) - len, "; %s serve%s CDS %s, CDNSKEY %s",
			            a, x->groups[x->ref].n > 1 ? "" : "s",
			            rrset_short(DP_RR_CDS, &r->cds, b, sizeof(b)),
			            rrset_short(DP_RR_CDNSKEY, &r->cdnskey, ds, sizeof(ds)));
		else
			dp_snprintf(sum + len, sizeof(sum) - len, "; differs from what %s serve%s", a,
			            x->groups[x->ref].n > 1 ? "" : "s");
	}
add:
	return dp_results_add(out, ID, subj, st, d, "%s", sum) != NULL ? 0 : DP_ENOMEM;
}

static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	const struct dp_discovery *disc = ctx->disc;
	struct cds_run x = {.ctx = ctx,
	                    .zone = disc->domain,
	                    .problems = json_array(),
	                    .notes = json_array()};
	struct dp_ds_anchor a = {0};
	struct dp_query *q = NULL;
	struct dp_reply *rep = NULL;
	const char **names = NULL;
	size_t nparent = 0;
	size_t n = 0;
	size_t cap;
	struct dp_nssurvey sv;
	int rc = dp_nssurvey_targets(disc, &sv);

	if (rc != 0)
		return dp_err_set(err, rc, "out of memory");
	if (sv.n == 0) {
		rc = dp_results_add(out, ID, disc->domain, DP_STATUS_CRITICAL, NULL,
		                    "no nameserver of %s found (neither at the parent nor in the "
		                    "zone)",
		                    disc->domain) != NULL
		         ? 0
		         : DP_ENOMEM;
		goto out;
	}
	cap = sv.n * NQ + 1;
	for (size_t i = 0; i < disc->nparent_servers; i++)
		cap += disc->parent_servers[i].naddrs;
	q = calloc(cap, sizeof(*q));
	rep = calloc(cap, sizeof(*rep));
	names = calloc(cap, sizeof(*names));
	x.sv = calloc(sv.n, sizeof(*x.sv));
	rc = DP_ENOMEM;
	if (q == NULL || rep == NULL || names == NULL || x.sv == NULL)
		goto out;
	for (size_t i = 0; i < disc->nparent_servers; i++) {
		for (size_t k = 0; k < disc->parent_servers[i].naddrs; k++) {
			names[n] = disc->parent_servers[i].name;
			q[n++] = (struct dp_query){.qname = disc->domain,
			                           .qtype = DP_RR_DS,
			                           .server = &disc->parent_servers[i].addrs[k],
			                           .transport = DP_TRANSPORT_UDP,
			                           .dnssec_ok = true,
			                           .cd = true,
			                           .timeout_ms = dp_ctx_step_ms(ctx),
			                           .deadline = ctx->deadline};
		}
	}
	nparent = n;
	/* every target gets NQ slots; one without address keeps them unanswered */
	for (size_t i = 0; i < sv.n; i++) {
		static const uint16_t types[NQ] = {DP_RR_DNSKEY, DP_RR_CDS, DP_RR_CDNSKEY};

		x.sv[i].tg = &sv.v[i];
		x.sv[i].rep = &rep[nparent + i * NQ];
		for (size_t j = 0; j < NQ; j++) {
			q[n] = (struct dp_query){.qname = disc->domain,
			                         .qtype = types[j],
			                         .server = &sv.v[i].addr,
			                         .transport = DP_TRANSPORT_UDP,
			                         .dnssec_ok = true,
			                         .cd = true,
			                         .timeout_ms = dp_ctx_step_ms(ctx),
			                         .deadline = ctx->deadline};
			n++;
		}
	}
	x.nsv = sv.n;
	/* targets without an address are not asked: send the parent's and the rest */
	{
		struct dp_query *sq = calloc(n + 1, sizeof(*sq));
		struct dp_reply *sr = calloc(n + 1, sizeof(*sr));
		size_t *slot = calloc(n + 1, sizeof(*slot));
		size_t m = 0;

		if (sq == NULL || sr == NULL || slot == NULL) {
			free(sq);
			free(sr);
			free(slot);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			if (i >= nparent && !sv.v[(i - nparent) / NQ].has_addr)
				continue;
			slot[m] = i;
			sq[m++] = q[i];
		}
		rc = send_all(sq, sr, m, err);
		if (rc == 0)
			(void)dp_ctx_mark_cut(ctx, sr, m);
		for (size_t i = 0; i < m; i++)
			rep[slot[i]] = sr[i];
		free(sq);
		free(sr);
		free(slot);
		if (rc != 0)
			goto out;
	}
	take_ds(&x, names, q, rep, nparent);
	dp_ds_anchor_get(ctx->resolver_at != NULL ? ctx->resolver_at : ctx->resolver,
	                 disc->domain, &a);
	for (size_t i = 0; i < x.nsv; i++) {
		take_server(&x, &x.sv[i]);
		validate_server(&x, &x.sv[i], &a);
	}
	group_servers(&x);
	if (x.ds_known && x.ds.n == 0 && x.content >= 0) {
		const struct server *c = &x.sv[x.groups[x.content].first];

		/* RFC 8078 §4's delete form asks for no DS: nothing to bootstrap */
		if (!rrset_has_delete(&c->cds, DP_RR_CDS) &&
		    !rrset_has_delete(&c->cdnskey, DP_RR_CDNSKEY)) {
			rc = boot_run(&x, c);
			if (rc != 0)
				goto out;
		}
	}
	rc = zone_result(&x, out);
	if (ctx->state != NULL && !x.tracked) {
		json_object_del(ctx->state, "unpicked");
		json_object_del(ctx->state, "unpicked_since");
	}
	for (size_t i = 0; rc == 0 && i < x.nsv; i++)
		rc = server_result(&x, &x.sv[i], out);
out:
	for (size_t i = 0; rep != NULL && i < n; i++)
		dp_reply_clear(&rep[i]);
	dp_ds_anchor_clear(&a);
	boot_free(x.boot);
	free(q);
	free(rep);
	free(names);
	free(x.sv);
	dp_nssurvey_clear(&sv);
	json_decref(x.problems);
	json_decref(x.notes);
	if (rc == DP_ENOMEM)
		return dp_err_set(err, rc, "out of memory");
	return rc;
}

const struct dp_probe dp_probe_dnssec_cds = {
    .id = ID,
    .title = "CDS and CDNSKEY",
    .needs = DP_NEED_NS_ADDRS | DP_NEED_PARENT,
    .timeout_ms = 20000,
    .run = run,
};
