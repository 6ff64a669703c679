/* dnssec.denial: a random name under the domain must get a validated denial, through the
 * validating resolver from the root and from every authoritative server address separately
 * (each answer validated by getdns against that server's DNSKEY RRset and the DS from the root).
 * Pre-signed NSEC and NSEC3 chains and online signers' answers (RFC 9824 compact denial, "black
 * lies") are understood; NSEC3 parameters are held against RFC 9276. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/dnssec.h"
#include "dns/srvval.h"
#include "base/parallel.h"
#include "survey/nssurvey.h"
#include "dnsprobe/probe.h"
#include "probes/causes.h"

#define ID   "dnssec.denial"
#define SUBJ 320

struct item {
	char name[300];
	uint16_t type;
	struct dp_lookup l;
	int rc;
	struct dp_err err;
};

struct batch {
	struct dp_resolver *r;
	struct item *items;
};

static void
lookup_one(void *arg, size_t i)
{
	struct batch *b = arg;

	b->items[i].rc = dp_resolver_lookup(b->r, b->items[i].name, b->items[i].type,
	                                    &b->items[i].l, &b->items[i].err);
}

/* What the proof in the authority section is made of. */
struct proof {
	const char *kind; /* "NSEC", "NSEC3" or "none" */
	size_t nrecords;
	bool have_nsec3;
	struct dp_nsec3param p; /* of the first NSEC3 (salt points into the message) */
	bool opt_out;           /* some NSEC3 has the opt-out flag (RFC 5155 §3.1.2.1) */
	/* An NSEC owned by the name asked whose next name is \000.NAME: an online signer's
	 * denial (RFC 4470 §3 minimally covering NSEC at the name itself, RFC 9824 §3). */
	bool at_name;
	bool nxname; /* ... and its bitmap has NXNAME: RFC 9824 compact denial of a name */
};

/* The kind of denial an answer gives, in words and as details.style. */
struct style {
	const char *id;     /* "nxdomain", "compact", "black-lies", "wildcard", "nodata", "none" */
	const char *phrase; /* what it proves, for the summary */
};

/* Note an NSEC of the proof: one at the name asked, covering only it, is an online signer's. */
static void
take_nsec(struct proof *pr, getdns_dict *rr, const char *qname)
{
	getdns_bindata *raw = dp_rr_rdata_raw(rr);
	struct dp_nsec n;
	char owner[256];
	char want[300];

	pr->kind = "NSEC";
	pr->nrecords++;
	if (raw == NULL || dp_nsec_parse(raw->data, raw->size, &n) != 0 ||
	    dp_rr_owner(rr, owner, sizeof(owner)) != 0 || strcmp(owner, qname) != 0 ||
	    !dp_snprintf(want, sizeof(want), "\\000.%s", qname) || strcmp(n.next, want) != 0)
		return;
	pr->at_name = true;
	pr->nxname |= dp_nsec_has_type(&n, DP_RR_NXNAME);
}

static void
read_proof(getdns_dict *msg, const char *qname, struct proof *pr)
{
	getdns_list *auth = dp_msg_section(msg, "authority");

	memset(pr, 0, sizeof(*pr));
	pr->kind = "none";
	for (size_t i = 0; i < dp_list_len(auth); i++) {
		getdns_dict *rr = dp_list_dict(auth, i);
		getdns_bindata *raw = dp_rr_rdata_raw(rr);
		struct dp_nsec3param p;

		if (dp_rr_type(rr) == DP_RR_NSEC)
			take_nsec(pr, rr, qname);
		if (dp_rr_type(rr) != DP_RR_NSEC3 || raw == NULL ||
		    dp_nsec3param_parse(raw->data, raw->size, &p) != 0)
			continue;
		pr->kind = "NSEC3";
		pr->nrecords++;
		pr->opt_out |= (p.flags & 1) != 0;
		if (!pr->have_nsec3)
			pr->p = p;
		pr->have_nsec3 = true;
	}
}

static json_t *
nsec3_json(const struct dp_nsec3param *p)
{
	char salt[2 * 255 + 1];
	return json_pack("{s:i, s:i, s:s, s:i}", "hash_algorithm", p->hash_algorithm, "iterations",
	                 p->iterations, "salt", dp_hex(p->salt, p->salt_len, salt, sizeof(salt)),
	                 "salt_length", p->salt_len);
}

/* NSEC3PARAM at the apex (validated), when there is one. */
static bool
read_nsec3param(const struct item *it, struct dp_nsec3param *p)
{
	return it->rc == 0 && it->l.nrdata > 0 &&
	       dp_nsec3param_parse(it->l.rdata[0], it->l.rdlen[0], p) == 0;
}

static const char *
rcode_str(int rcode)
{
	static const char *const n[] = {"NOERROR",  "FORMERR", "SERVFAIL",
	                                "NXDOMAIN", "NOTIMP",  "REFUSED"};

	return rcode >= 0 && rcode < 6 ? n[rcode] : "rcode?";
}

/* What an answer for the random name says: NXDOMAIN, or one of the NOERROR shapes. */
static struct style
style_of(int rcode, bool havedata, const struct proof *pr)
{
	if (rcode == 3)
		return (struct style){"nxdomain", "NXDOMAIN"};
	if (rcode != 0)
		return (struct style){"none", rcode_str(rcode)};
	if (havedata)
		/* A wildcard (RFC 4035 §5.3.4) answers for every name. */
		return (struct style){"wildcard", "NOERROR with data (a wildcard answers)"};
	if (pr->at_name && pr->nxname)
		return (struct style){"compact",
		                      "compact denial (RFC 9824: NOERROR, an NSEC at the name with "
		                      "NXNAME)"};
	if (pr->at_name)
		/* Before RFC 9824 online signers said "no data here" for every name. */
		return (struct style){"black-lies",
		                      "NODATA at the name (an online signer's \"black "
		                      "lies\": an NSEC at the name, RFC 4470 §3)"};
	return (struct style){"nodata", "NOERROR without data (an empty non-terminal)"};
}

/* Status and summary from the denial lookup alone: validated NXDOMAIN or not. */
static enum dp_status
denial_status(const struct dp_ctx *ctx, const struct item *q, const struct proof *pr, char *sum,
              size_t sumsz)
{
	const struct dp_lookup *l = &q->l;

	switch (l->sec) {
	case DP_SEC_BOGUS:
		dp_snprintf(sum, sumsz, "the denial for %s is bogus: %s", q->name,
		            l->why_bogus ? l->why_bogus : "validation failed");
		return DP_STATUS_CRITICAL;
	case DP_SEC_INSECURE:
		dp_snprintf(sum, sumsz, "%s for %s is insecure (no validated proof)%s",
		            rcode_str(l->rcode), q->name,
		            ctx->opts->unsigned_ok ? ", as configured (unsigned)" : "");
		return ctx->opts->unsigned_ok ? DP_STATUS_OK : DP_STATUS_CRITICAL;
	case DP_SEC_INDETERMINATE:
		dp_snprintf(sum, sumsz, "%s for %s: no validated answer%s%s", rcode_str(l->rcode),
		            q->name, l->why_bogus ? ": " : "", l->why_bogus ? l->why_bogus : "");
		return DP_STATUS_CRITICAL;
	case DP_SEC_SECURE:
		break;
	}
	if (l->rcode != 0 && l->rcode != 3) {
		dp_snprintf(sum, sumsz, "%s: %s", q->name, rcode_str(l->rcode));
		return DP_STATUS_CRITICAL;
	}
	dp_snprintf(sum, sumsz, "%s: validated %s, proven by %s", q->name,
	            style_of(l->rcode, l->havedata, pr).phrase, pr->kind);
	return DP_STATUS_OK;
}

/* ---- Every authoritative server address, separately ---- */

/* The questions asked of each server: the random name, and the DNSKEY RRset to validate with. */
enum { Q_DENIAL, Q_DNSKEY, NQ };

/* getdns's verdict on one server's denial, with that server's DNSKEY RRset; "" in why when it
 * could be reached, else why not. */
static enum dp_validation
server_validation(const struct dp_ctx *ctx, const struct dp_ds_anchor *a,
                  const struct dp_reply *rep, char *why, size_t whysz)
{
	uint16_t tags[DP_SRVVAL_MAX_KEYS];
	size_t ntags = 0;
	getdns_list *keyset;
	enum dp_validation v;

	why[0] = '\0';
	if (a->ds == NULL) {
		dp_strlcpy(why, a->why, whysz);
		return DP_VALIDATION_INDETERMINATE;
	}
	if (!rep[Q_DNSKEY].answered || !rep[Q_DNSKEY].aa || rep[Q_DNSKEY].rcode != 0) {
		dp_strlcpy(why, "no usable DNSKEY answer from this server", whysz);
		return DP_VALIDATION_INDETERMINATE;
	}
	keyset =
	    dp_srvval_keyset(&rep[Q_DNSKEY], ctx->disc->domain, tags, DP_SRVVAL_MAX_KEYS, &ntags);
	if (keyset == NULL) {
		dp_strlcpy(why, "out of memory", whysz);
		return DP_VALIDATION_ERROR;
	}
	v = dp_srvval_reply(rep[Q_DENIAL].reply, keyset, a->ds,
	                    (time_t)(ctx->opts->at ? ctx->opts->at : (int64_t)dp_now_wall()));
	getdns_list_destroy(keyset);
	return v;
}

/* Status and summary of one server address's answer for the random name. */
static enum dp_status
server_verdict(const struct dp_ctx *ctx, const struct dp_ds_anchor *a, const char *subj,
               const char *qname, const struct dp_reply *rep, const struct proof *pr,
               enum dp_validation *v, bool *judged_proof, char *sum, size_t sumsz)
{
	const struct dp_reply *r = &rep[Q_DENIAL];
	const char *parent = ctx->disc->parent[0] ? ctx->disc->parent : "the root";
	bool uok = ctx->opts->unsigned_ok && ctx->disc->apex_sec == DP_SEC_INSECURE;
	struct style sty;
	char why[256];
	char rc[16];

	*v = DP_VALIDATION_INDETERMINATE;
	*judged_proof = false;
	if (r->no_route) {
		/* SPEC §1: not checked from here, which says nothing about the server */
		dp_snprintf(sum, sumsz, "%s not checked from here: %s", subj, r->error);
		return DP_STATUS_UNKNOWN;
	}
	if (dp_reply_cut(r)) {
		dp_snprintf(sum, sumsz, "%s " DP_BUDGET_EXHAUSTED " (no answer for %s A before the "
		            "-t deadline)", subj, qname);
		return DP_STATUS_UNKNOWN;
	}
	if (!r->answered) {
		dp_snprintf(sum, sumsz, "%s: no answer for %s A (%s)", subj, qname,
		            r->error[0] ? r->error : "timeout");
		return DP_STATUS_CRITICAL;
	}
	if (!r->aa || (r->rcode != 0 && r->rcode != 3)) {
		dp_snprintf(sum, sumsz, "%s: %s%s for %s A", subj,
		            dp_nssurvey_rcode_str(r->rcode, rc, sizeof(rc)),
		            r->aa ? "" : " without AA (not authoritative)", qname);
		return DP_STATUS_CRITICAL;
	}
	/* From here on the verdict is about the proof (or its absence) the server serves. */
	*judged_proof = true;
	sty = style_of(r->rcode, r->rcode == 0 && dp_srvval_answers(r->reply, qname, DP_RR_A), pr);
	if (pr->nrecords == 0 && strcmp(sty.id, "wildcard") != 0) {
		dp_snprintf(sum, sumsz, "%s: %s for %s without NSEC or NSEC3 proof%s", subj,
		            rcode_str(r->rcode), qname,
		            uok ? " (the zone is unsigned, as configured)" : "");
		return uok ? DP_STATUS_OK : DP_STATUS_CRITICAL;
	}
	*v = server_validation(ctx, a, rep, why, sizeof(why));
	switch (*v) {
	case DP_VALIDATION_SECURE:
		dp_snprintf(sum, sumsz,
		            "%s: %s for %s, proven by %s, validates against the DS at %s", subj,
		            sty.phrase, qname, pr->kind, parent);
		return DP_STATUS_OK;
	case DP_VALIDATION_BOGUS:
		dp_snprintf(sum, sumsz,
		            "%s: the %s proof of %s for %s does not validate against the DS at %s",
		            subj, pr->kind, rcode_str(r->rcode), qname, parent);
		return DP_STATUS_CRITICAL;
	default:
		dp_snprintf(sum, sumsz, "%s: %s for %s, proven by %s, not validated here: %s", subj,
		            sty.phrase, qname, pr->kind, why[0] ? why : dp_validation_str(*v));
		return uok ? DP_STATUS_OK : DP_STATUS_WARNING;
	}
}

/* One result for one server address. */
static int
server_result(const struct dp_ctx *ctx, const struct dp_ds_anchor *a, const struct dp_ns_target *tg,
              const char *qname, const struct dp_reply *rep, struct dp_results *out)
{
	const struct dp_reply *r = &rep[Q_DENIAL];
	enum dp_validation v = DP_VALIDATION_INDETERMINATE;
	struct proof pr = {.kind = "none"};
	struct dp_result *res;
	bool judged_proof = false;
	enum dp_status st;
	char subj[SUBJ];
	char sum[1024];
	json_t *d;

	dp_ns_target_subject(tg, subj, sizeof(subj));
	if (!tg->has_addr) {
		st = DP_STATUS_CRITICAL;
		dp_snprintf(sum, sizeof(sum), "%s has no address: %s", subj,
		            tg->ns->host.error ? tg->ns->host.error : "no A or AAAA record");
	} else {
		if (r->answered)
			read_proof(r->reply, qname, &pr);
		st = server_verdict(ctx, a, subj, qname, rep, &pr, &v, &judged_proof, sum,
		                    sizeof(sum));
	}
	d = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:I, s:s}", "server", tg->ns->host.name,
	              "address", tg->has_addr ? tg->addr.text : "", "qname", qname, "answered",
	              tg->has_addr && r->answered, "rcode",
	              tg->has_addr && r->answered ? rcode_str(r->rcode) : "", "denial", pr.kind,
	              "proof_records", (json_int_t)pr.nrecords, "validation", dp_validation_str(v));
	if (d != NULL && tg->has_addr && r->answered) {
		bool data = r->rcode == 0 && dp_srvval_answers(r->reply, qname, DP_RR_A);

		json_object_set_new(d, "style", json_string(style_of(r->rcode, data, &pr).id));
	}
	res = dp_results_add(out, ID, subj, st, d, "%s", sum);
	if (res == NULL)
		return DP_ENOMEM;
	/* An answer without a proof (or one not validated for want of a DS) from a server of an
	 * unsigned zone follows from the insecure apex (SPEC §2), as the domain-level result. */
	if (st != DP_STATUS_OK && judged_proof && v != DP_VALIDATION_BOGUS &&
	    ctx->disc->apex_sec == DP_SEC_INSECURE)
		return dp_cause_insecure_apex(ctx, res);
	return 0;
}

/* Ask the questions of every target with an address, all at once; rep[i * NQ + j] answers
 * question j at target i (left unanswered for a target without address). */
static int
ask(const struct dp_ctx *ctx, const struct dp_nssurvey *sv, const char *qname, struct dp_reply *rep,
    struct dp_err *err)
{
	struct dp_query *q = calloc(sv->n * NQ + 1, sizeof(*q));
	struct dp_reply *got = calloc(sv->n * NQ + 1, sizeof(*got));
	size_t *slot = calloc(sv->n * NQ + 1, sizeof(*slot));
	size_t n = 0;
	int rc = DP_ENOMEM;

	if (q == NULL || got == NULL || slot == NULL) {
		dp_err_set(err, rc, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < sv->n; i++) {
		for (size_t j = 0; j < NQ && sv->v[i].has_addr; j++) {
			slot[n] = i * NQ + j;
			q[n++] =
			    (struct dp_query){.qname = j == Q_DENIAL ? qname : ctx->disc->domain,
			                      .qtype = j == Q_DENIAL ? DP_RR_A : DP_RR_DNSKEY,
			                      .server = &sv->v[i].addr,
			                      .transport = DP_TRANSPORT_UDP,
			                      .dnssec_ok = true,
			                      .cd = true,
			                      .timeout_ms = dp_ctx_step_ms(ctx),
			                      .deadline = ctx->deadline,
			                      /* RFC 7766 §5: truncated over UDP, asked again over
			                       * TCP, in parallel and inside the same budget */
			                      .tc_retry = true};
		}
	}
	rc = dp_query_send_many(q, got, n, err);
	if (rc == 0)
		(void)dp_ctx_mark_cut(ctx, got, n);
	for (size_t k = 0; k < n; k++) {
		if (rc == 0)
			rep[slot[k]] = got[k];
		else
			dp_reply_clear(&got[k]);
	}
out:
	free(q);
	free(got);
	free(slot);
	return rc;
}

/* Every server address asked for qname (RD=0, DO=1, CD=1) and for the DNSKEY RRset. */
struct servers {
	struct dp_nssurvey sv;
	struct dp_reply *rep; /* sv.n * NQ */
	int rc;
	struct dp_err err;
};

static void
servers_ask(const struct dp_ctx *ctx, const char *qname, struct servers *s)
{
	s->rc = dp_nssurvey_targets(ctx->disc, &s->sv);
	if (s->rc != 0) {
		dp_err_set(&s->err, s->rc, "out of memory");
		return;
	}
	s->rep = calloc(s->sv.n * NQ + 1, sizeof(*s->rep));
	if (s->rep == NULL) {
		s->rc = dp_err_set(&s->err, DP_ENOMEM, "out of memory");
		return;
	}
	s->rc = ask(ctx, &s->sv, qname, s->rep, &s->err);
}

static void
servers_clear(struct servers *s)
{
	for (size_t i = 0; s->rep != NULL && i < s->sv.n * NQ; i++)
		dp_reply_clear(&s->rep[i]);
	free(s->rep);
	dp_nssurvey_clear(&s->sv);
}

/* One result per address. */
static int
every_server(const struct dp_ctx *ctx, const char *qname, struct servers *s,
             struct dp_results *out, struct dp_err *err)
{
	struct dp_ds_anchor a = {0};
	int rc = s->rc;

	if (rc != 0) {
		*err = s->err;
		return rc;
	}
	/* as of --at when given, like the validation from the root */
	dp_ds_anchor_get(ctx->resolver_at != NULL ? ctx->resolver_at : ctx->resolver,
	                 ctx->disc->domain, &a);
	for (size_t i = 0; rc == 0 && i < s->sv.n; i++)
		rc = server_result(ctx, &a, &s->sv.v[i], qname, &s->rep[i * NQ], out);
	if (rc != 0)
		dp_err_set(err, rc, "out of memory");
	dp_ds_anchor_clear(&a);
	return rc;
}

/* The validated lookups (jobs 0 and 1) and the questions to every server (job 2) need nothing
 * from each other: asked at once, a silent server's step timeout does not follow the lookups. */
struct jobs {
	const struct dp_ctx *ctx;
	struct batch *b;
	struct servers *s;
};

static void
run_job(void *arg, size_t i)
{
	struct jobs *j = arg;

	if (i < 2)
		lookup_one(j->b, i);
	else
		servers_ask(j->ctx, j->b->items[0].name, j->s);
}

static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	struct item items[2];
	struct batch b = {.r = ctx->resolver_at != NULL ? ctx->resolver_at : ctx->resolver,
	                  .items = items};
	struct servers srv = {0};
	struct jobs j = {.ctx = ctx, .b = &b, .s = &srv};
	struct dp_nsec3param param;
	struct proof pr;
	char sum[768];
	char why[600];
	enum dp_status st;
	struct dp_result *res;
	json_t *d;
	int rc;

	memset(items, 0, sizeof(items));
	rc = dp_dnssec_random_name(ctx->disc->domain, items[0].name, sizeof(items[0].name));
	if (rc != 0)
		return dp_err_set(err, rc, "no random name under %s", ctx->disc->domain);
	items[0].type = DP_RR_A;
	dp_strlcpy(items[1].name, ctx->disc->domain, sizeof(items[1].name));
	items[1].type = DP_RR_NSEC3PARAM;
	dp_parallel_for(3, 3, run_job, &j);
	if (items[0].rc != 0) {
		rc = dp_err_set(err, items[0].rc, "%s", items[0].err.msg);
		goto out;
	}
	read_proof(items[0].l.msg, items[0].name, &pr);
	st = denial_status(ctx, &items[0], &pr, sum, sizeof(sum));
	d = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:I, s:I}", "qname", items[0].name, "rcode",
	              rcode_str(items[0].l.rcode), "security", dp_sec_str(items[0].l.sec), "secure",
	              items[0].l.sec == DP_SEC_SECURE, "denial", pr.kind, "style",
	              style_of(items[0].l.rcode, items[0].l.havedata, &pr).id, "proof_records",
	              (json_int_t)pr.nrecords, "validated_at",
	              (json_int_t)(ctx->opts->at ? ctx->opts->at : (int64_t)dp_now_wall()));
	if (d != NULL && items[0].l.why_bogus != NULL)
		json_object_set_new(d, "why_bogus", json_string(items[0].l.why_bogus));
	if (d != NULL && read_nsec3param(&items[1], &param))
		json_object_set_new(d, "nsec3param", nsec3_json(&param));
	if (pr.have_nsec3) {
		enum dp_status s3 = dp_nsec3_verdict(&pr.p, why, sizeof(why));
		size_t len = strlen(sum);

		json_object_set_new(d, "nsec3", nsec3_json(&pr.p));
		json_object_set_new(json_object_get(d, "nsec3"), "opt_out",
		                    json_boolean(pr.opt_out));
		dp_snprintf(sum + len, sizeof(sum) - len, "; %s%s", why,
		            pr.opt_out ? "; opt-out in use" : "");
		st = dp_status_worst(st, s3);
	}
	res = dp_results_add(out, ID, ctx->disc->domain, st, d, "%s", sum);
	rc = res != NULL ? 0 : DP_ENOMEM;
	if (rc == 0 && items[0].l.sec == DP_SEC_INSECURE && ctx->disc->apex_sec == DP_SEC_INSECURE)
		rc = dp_cause_insecure_apex(ctx, res);
	if (rc != 0)
		dp_err_set(err, rc, "out of memory");
	else
		rc = every_server(ctx, items[0].name, &srv, out, err);
out:
	servers_clear(&srv);
	dp_lookup_clear(&items[0].l);
	dp_lookup_clear(&items[1].l);
	return rc;
}

const struct dp_probe dp_probe_dnssec_denial = {
    .id = ID,
    .title = "DNSSEC denial of existence",
    .needs = DP_NEED_APEX | DP_NEED_NS_ADDRS | DP_NEED_PARENT,
    .timeout_ms = 15000,
    .run = run,
};
