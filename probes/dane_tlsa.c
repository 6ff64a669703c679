/* dane.tlsa: per endpoint and address, the TLSA RRset is DNSSEC-secure and one of its usable
 * records authenticates the live certificate, by OpenSSL's DANE (RFC 6698, RFC 7671; RFC 7672 on
 * SMTP: STARTTLS per RFC 3207 on 25 and 587, PKIX-TA/PKIX-EE unusable). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/dnssec.h"
#include "survey/endpoints.h"
#include "survey/obs.h"
#include "dnsprobe/probe.h"
#include "probes/causes.h"
#include "probes/judges.h"

#define ID      "dane.tlsa"
#define SUBJ    320
#define SUMMARY 1024
/* Hex digits of a record's data shown in summaries (the details carry all of it). */
#define SHOWHEX 16

/* One endpoint's DNS side, and what it allows. */
struct ep {
	const struct dp_tls_endpoint *e;
	struct dp_tlsa_set set;
	int rc; /* the lookup itself failed: no verdict */
	struct dp_err err;
	enum dp_status status; /* OK, or the status when DANE is unusable */
	char why[512];         /* why DANE is unusable here; "" when it is usable */
	bool connect;          /* connect to every address */
	const char *domain;    /* the domain checked */
	bool follows_apex;     /* unusable only because the domain's own zone is insecure */
};

static bool
host_has_addrs(const struct dp_tls_endpoint *e)
{
	return e->resolved != NULL && e->resolved->naddrs > 0;
}

/* RFC 7672 §2.2.2: TLSA records of a host whose addresses are not secure are not usable. */
static const char *
insecure_family(const struct dp_host *h)
{
	for (size_t i = 0; i < h->naddrs; i++) {
		if (h->addrs[i].family == AF_INET && h->sec_a != DP_SEC_SECURE)
			return "A";
		if (h->addrs[i].family == AF_INET6 && h->sec_aaaa != DP_SEC_SECURE)
			return "AAAA";
	}
	return NULL;
}

/* What the TLSA RRset allows: DANE usable, unusable (and why), or nothing to check. */
static void
dns_verdict(const struct dp_ctx *ctx, struct ep *p)
{
	const struct dp_lookup *l = &p->set.l;
	bool in_zone = ctx->disc->apex_sec == DP_SEC_INSECURE &&
	               dp_name_in_domain(p->e->host, ctx->disc->domain);
	const char *fam;

	p->status = DP_STATUS_OK;
	if (l->sec == DP_SEC_BOGUS) {
		p->status = DP_STATUS_CRITICAL;
		dp_snprintf(p->why, sizeof(p->why),
		            "the TLSA RRset at %s is bogus: %s (RFC 7672 "
		            "§2.2.1: senders defer delivery)",
		            p->set.name, l->why_bogus ? l->why_bogus : "validation failed");
	} else if ((l->rcode != 0 && l->rcode != 3) || l->sec == DP_SEC_INDETERMINATE) {
		p->status = DP_STATUS_CRITICAL;
		dp_snprintf(p->why, sizeof(p->why), "the TLSA lookup of %s failed (rcode %d%s%s)",
		            p->set.name, l->rcode, l->why_bogus ? ", " : "",
		            l->why_bogus ? l->why_bogus : "");
	} else if (p->e->from_mx && p->e->resolved != NULL && p->e->resolved->naddrs > 0 &&
	           insecure_family(p->e->resolved) != NULL &&
	           !dp_name_in_domain(p->e->host, p->domain)) {
		/* RFC 7672 §2.2.2: the addresses of a third party's MX host in an unsigned zone
		 * are insecure, so senders look for no TLSA there: DANE does not apply. */
		p->status = DP_STATUS_OK;
		dp_snprintf(p->why, sizeof(p->why),
		            "DANE does not apply: the %s RRset of %s (outside %s) is insecure, "
		            "so senders use no TLSA for it (RFC 7672 §2.2.2)",
		            insecure_family(p->e->resolved), p->e->host, p->domain);
	} else if (!l->havedata) {
		/* No TLSA: DANE not deployed. Fine for an MX host; a configured endpoint asked
		 * for DANE. */
		p->status = p->e->configured ? DP_STATUS_CRITICAL : DP_STATUS_OK;
		dp_snprintf(p->why, sizeof(p->why), "no TLSA RRset at %s (%s)%s", p->set.name,
		            dp_sec_str(l->sec),
		            p->e->configured ? "" : ": DANE is not deployed for this MX host");
	} else if (l->sec != DP_SEC_SECURE) {
		p->status = DP_STATUS_CRITICAL;
		p->connect = true;
		dp_snprintf(p->why, sizeof(p->why),
		            "DANE unusable: the TLSA RRset at %s is %s, "
		            "not DNSSEC-secure (RFC 6698 §4.1)",
		            p->set.name, dp_sec_str(l->sec));
		p->follows_apex = in_zone && l->sec == DP_SEC_INSECURE;
	} else if (p->set.n == 0) {
		p->status = DP_STATUS_CRITICAL;
		dp_snprintf(p->why, sizeof(p->why),
		            "DANE unusable: no record at %s parses as "
		            "TLSA",
		            p->set.name);
	} else if ((fam = insecure_family(p->e->resolved)) != NULL) {
		p->status = DP_STATUS_CRITICAL;
		p->connect = true;
		dp_snprintf(p->why, sizeof(p->why),
		            "DANE unusable: the %s RRset of %s is not "
		            "DNSSEC-secure (RFC 7672 §2.2.2)",
		            fam, p->e->host);
		p->follows_apex = in_zone;
	} else {
		p->connect = true;
	}
}

static json_t *
record_json(const struct dp_tlsa *t, const struct dp_tls_res *r, size_t i)
{
	char text[200];
	char hex[2 * 64 + 1];
	json_t *o;

	dp_hex(t->data, t->len < 64 ? t->len : 64, hex, sizeof(hex));
	o = json_pack("{s:s, s:i, s:i, s:i, s:s, s:s}", "record",
	              dp_tlsa_text(t, 0, text, sizeof(text)), "usage", t->usage, "selector",
	              t->selector, "mtype", t->mtype, "usage_name", dp_tlsa_usage_str(t->usage),
	              "data", hex);
	if (o != NULL && r != NULL && i < r->ntlsa) {
		json_object_set_new(o, "state", json_string(dp_tlsa_state_str(r->tlsa_state[i])));
		if (r->tlsa_why[i] != NULL)
			json_object_set_new(o, "reason", json_string(r->tlsa_why[i]));
	}
	return o;
}

/* The records as details: every record with its own verdict, the matched one, the others. */
static void
records_details(json_t *d, const struct ep *p, const struct dp_tls_res *r)
{
	json_t *all = json_array();
	json_t *unmatched = json_array();
	char text[200];

	for (size_t i = 0; i < p->set.n; i++) {
		const struct dp_tlsa *t = &p->set.v[i];

		json_array_append_new(all, record_json(t, r, i));
		if (r == NULL || r->dane_match != (long)i)
			json_array_append_new(unmatched,
			                      json_string(dp_tlsa_text(t, 0, text, sizeof(text))));
	}
	json_object_set_new(d, "records", all);
	if (r != NULL && r->step == DP_TLS_STEP_DONE)
		json_object_set_new(d, "unmatched_records", unmatched);
	else
		json_decref(unmatched);
	if (r != NULL && r->dane_ok && r->dane_match >= 0) {
		json_t *m = record_json(&p->set.v[r->dane_match], NULL, 0);

		json_object_set_new(m, "depth", json_integer(r->dane_depth));
		json_object_set_new(d, "matched_record", m);
	}
}

/* "3 1 1 ab12…, 3 1 1 cd34…" of the records in state st (all when st < 0) into buf. */
static void
list_records(const struct ep *p, const struct dp_tls_res *r, int st, char *buf, size_t bufsz)
{
	char text[200];
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->set.n && i < r->ntlsa; i++) {
		if (st >= 0 && (int)r->tlsa_state[i] != st)
			continue;
		dp_tlsa_text(&p->set.v[i], SHOWHEX, text, sizeof(text));
		dp_snprintf(buf + o, bufsz - o, "%s%s", o ? ", " : "", text);
		o = strlen(buf);
	}
}

/* Issue 15 item 4, RFC 7671 §8.1: a certificate due for renewal (within --cert-warn, or past its
 * notAfter) behind a TLSA RRset that pins only its current key — every record DANE-EE matching
 * this certificate, no record for another key, no DANE-TA for the issuer — breaks DANE when the
 * renewal brings a new key. Says so ahead of time and gives the record to publish first: the
 * issuer's `2 1 1` when the server sends the issuer (it survives renewals from the same CA), else
 * the next key's `3 1 1` as a template. Returns false when the RRset is not so exposed. */
static bool
renewal_note(const struct dp_ctx *ctx, const struct ep *p, const struct dp_tls_res *r,
             char *note, size_t notesz, char *line, size_t linesz)
{
	int64_t at = ctx->opts->at != 0 ? ctx->opts->at : (int64_t)dp_now_wall();
	enum dp_cert_expiry e = dp_cert_expiry_judge(r->leaf.not_before, r->leaf.not_after, at,
	                                             ctx->opts->cert_warn, ctx->opts->cert_crit);
	uint32_t ttl = p->set.l.ttl > 0 ? p->set.l.ttl : 3600;
	bool full_cert = false;
	char left[32];
	char w[32];

	if (e != DP_CERT_EXPIRING && e != DP_CERT_CRITICAL && e != DP_CERT_EXPIRED)
		return false;
	for (size_t i = 0; i < p->set.n && i < r->ntlsa; i++) {
		const struct dp_tlsa *t = &p->set.v[i];

		if (r->tlsa_state[i] == DP_TLSA_UNUSABLE)
			continue;
		if (t->usage != 3 || r->tlsa_state[i] != DP_TLSA_MATCHED)
			return false; /* a DANE-TA record, or a record for another key */
		full_cert |= t->selector == 0;
	}
	dp_duration_format(e == DP_CERT_EXPIRED ? at - r->leaf.not_after : r->leaf.not_after - at,
	                   left, sizeof(left));
	dp_duration_format(ctx->opts->cert_warn, w, sizeof(w));
	if (r->leaf.issuer_spki_sha256[0] != '\0')
		dp_snprintf(line, linesz, "%s. %u IN TLSA 2 1 1 %s", p->set.name, ttl,
		            r->leaf.issuer_spki_sha256);
	else
		dp_snprintf(line, linesz, "%s. %u IN TLSA 3 1 1 <SHA-256 of the next key's SPKI>",
		            p->set.name, ttl);
	dp_snprintf(note, notesz,
	            "note: the certificate %s %s%s%s and the TLSA RRset pins only %s: a renewal "
	            "with a new key breaks DANE; publish the next record first (RFC 7671 §8.1, "
	            "two TTLs ahead): %s%s",
	            e == DP_CERT_EXPIRED ? "expired" : "expires in", left,
	            e == DP_CERT_EXPIRED ? " ago" : ", within --cert-warn ",
	            e == DP_CERT_EXPIRED ? "" : w,
	            full_cert ? "this certificate (x 0 x: even a renewal with the same key breaks it)"
	                      : "its current key",
	            line,
	            r->leaf.issuer_spki_sha256[0] != '\0'
	                ? " (the issuer's key, which the server sends: it survives a renewal by "
	                  "the same CA), or the next key's 3 1 1"
	                : " (openssl pkey -in NEXT.key -pubout -outform DER | sha256sum)");
	return true;
}

/* The verdict on one address once connected. */
static enum dp_status
address_verdict(const struct dp_ctx *ctx, const struct ep *p, const struct dp_tls_job *j,
                char *sum, size_t sumsz, char *pre, size_t presz)
{
	const struct dp_tls_res *r = &j->res;
	char subj[SUBJ];
	char text[200];
	char others[600];
	char note[768];

	pre[0] = '\0';
	dp_tls_endpoint_name(p->e, j->addr, subj, sizeof(subj));
	if (j->rc != 0) {
		dp_snprintf(sum, sumsz, "%s: could not check: %s", subj, j->err.msg);
		return DP_STATUS_UNKNOWN;
	}
	if (r->no_route) {
		/* SPEC §1: an address this host has no route to is not checked, never "down". */
		dp_snprintf(sum, sumsz, "%s: not checked from here: %s", subj, r->error);
		return DP_STATUS_UNKNOWN;
	}
	if (r->step != DP_TLS_STEP_DONE && r->cut) {
		dp_snprintf(sum, sumsz, "%s: " DP_BUDGET_EXHAUSTED " (%s at the -t deadline)", subj,
		            r->error);
		return DP_STATUS_UNKNOWN;
	}
	if (r->step != DP_TLS_STEP_DONE) {
		dp_snprintf(sum, sumsz, "%s: %s", subj, r->error);
		return DP_STATUS_CRITICAL;
	}
	if (p->why[0] != '\0') {
		dp_snprintf(sum, sumsz, "%s: %s (the certificate %s)", subj, p->why,
		            r->dane_ok ? "would match a record" : "would match no record");
		return p->status;
	}
	if (r->dane_usable == 0) {
		list_records(p, r, -1, others, sizeof(others));
		dp_snprintf(sum, sumsz, "%s: no usable record in the TLSA RRset at %s (%s): %s",
		            subj, p->set.name, others,
		            r->ntlsa > 0 && r->tlsa_why[0] ? r->tlsa_why[0] : "unusable");
		return DP_STATUS_CRITICAL;
	}
	if (!r->dane_ok || r->dane_match < 0) {
		list_records(p, r, -1, others, sizeof(others));
		dp_snprintf(sum, sumsz,
		            "%s: no TLSA record at %s matches the certificate presented "
		            "(SPKI SHA-256 %s; records %s): %s",
		            subj, p->set.name, r->leaf.spki_sha256, others, r->dane_error);
		return DP_STATUS_CRITICAL;
	}
	list_records(p, r, DP_TLSA_NO_MATCH, others, sizeof(others));
	dp_snprintf(sum, sumsz, "%s: TLSA %s (%s) matches the certificate at depth %d%s%s", subj,
	            dp_tlsa_text(&p->set.v[r->dane_match], SHOWHEX, text, sizeof(text)),
	            dp_tlsa_usage_str(p->set.v[r->dane_match].usage), r->dane_depth,
	            others[0] ? "; matching nothing: " : "", others);
	if (renewal_note(ctx, p, r, note, sizeof(note), pre, presz)) {
		size_t len = strlen(sum);

		dp_snprintf(sum + len, sumsz - len, "; %s", note);
	}
	return DP_STATUS_OK;
}

static const struct dp_metric m_match = {
    .name = "dnsprobe_tlsa_match",
    .help = "1 when a usable TLSA record matched the endpoint at this address.",
    .labels = {"endpoint", "address", NULL},
};

static int
address_result(const struct dp_ctx *ctx, const struct ep *p, const struct dp_tls_job *j,
               struct dp_results *out)
{
	struct dp_result *res;
	char subj[SUBJ];
	char sum[SUMMARY + 768];
	char ep[SUBJ];
	char pre[400];
	enum dp_status st = address_verdict(ctx, p, j, sum, sizeof(sum), pre, sizeof(pre));
	const struct dp_tls_res *r = &j->res;
	bool done = j->rc == 0 && r->step == DP_TLS_STEP_DONE;
	bool match = done && p->why[0] == '\0' && r->dane_ok;
	json_t *d;

	/* SPEC §5 dnsprobe_tlsa_match{endpoint, address}: usable DANE and a match. */
	d = json_pack("{s:s, s:s, s:b, s:s, s:s}", "endpoint",
	              dp_tls_endpoint_name(p->e, NULL, ep, sizeof(ep)), "address", j->addr->text,
	              "tlsa_match", match, "tlsa_name",
	              p->set.name, "tlsa_security", dp_sec_str(p->set.l.sec));
	if (d == NULL)
		return DP_ENOMEM;
	if (p->set.cname[0] != '\0')
		json_object_set_new(d, "cname_target", json_string(p->set.cname));
	records_details(d, p, done ? r : NULL);
	json_object_set_new(d, "connection", dp_tls_conn_json(r));
	if (done) {
		json_object_set_new(d, "certificate", dp_cert_info_json(&r->leaf));
		json_object_set_new(d, "spki_sha256", json_string(r->leaf.spki_sha256));
		if (r->dane_error[0] != '\0')
			json_object_set_new(d, "dane_error", json_string(r->dane_error));
	}
	if (p->why[0] != '\0')
		json_object_set_new(d, "dane_unusable", json_string(p->why));
	if (pre[0] != '\0')
		json_object_set_new(d, "prepublish", json_string(pre));
	res = dp_results_add(out, ID, dp_tls_endpoint_name(p->e, j->addr, subj, sizeof(subj)), st,
	                     d, "%s", sum);
	if (dp_result_sample(res, &m_match, match, dp_tls_endpoint_name(p->e, NULL, ep, sizeof(ep)),
	                     j->addr->text) != 0)
		return DP_ENOMEM;
	/* Connected, and unusable only for the zone's insecurity: that is the headline. */
	if (done && p->follows_apex && dp_cause_insecure_apex(ctx, res) != 0)
		return DP_ENOMEM;
	/* Issue 15 item 5: the record that matches the key served, as a zone-file line (x 1 1 is
	 * the SHA-256 of its SPKI; 3 1 1 is RFC 7671 §5.1's recommendation). */
	if (done && p->why[0] == '\0' && !r->dane_ok && r->leaf.spki_sha256[0] != '\0')
		return dp_result_add_fix(res, "%s. %u IN TLSA 3 1 1 %s", p->set.name,
		                         p->set.l.ttl > 0 ? p->set.l.ttl : 3600, r->leaf.spki_sha256);
	if (pre[0] != '\0' && strchr(pre, '<') == NULL)
		return dp_result_add_fix(res, "%s", pre);
	return 0;
}

/* A result for the endpoint as a whole, when there is no address to connect to. */
static int
endpoint_result(const struct ep *p, struct dp_results *out)
{
	char subj[SUBJ];
	const struct dp_host *h = p->e->resolved;
	enum dp_status st = p->status;
	const char *why = p->why;
	json_t *d;

	dp_tls_endpoint_name(p->e, NULL, subj, sizeof(subj));
	if (p->rc != 0) {
		st = DP_STATUS_UNKNOWN;
		why = p->err.msg;
	} else if (!host_has_addrs(p->e) && dp_host_lookup_failed(h)) {
		/* Unknown addresses are reported as such (dp_tls_endpoints_unchecked); only a
		 * finding of the TLSA RRset itself stands beside them. */
		if (st == DP_STATUS_OK)
			return 0;
	} else if (!host_has_addrs(p->e)) {
		st = DP_STATUS_CRITICAL;
		why = h != NULL && h->error != NULL ? h->error : "the host has no address";
	}
	d = json_pack("{s:s, s:s, s:s}", "endpoint", subj, "tlsa_name", p->set.name,
	              "tlsa_security", dp_sec_str(p->set.l.sec));
	if (d != NULL)
		records_details(d, p, NULL);
	return dp_results_add(out, ID, subj, st, d, "%s: %s", subj, why) != NULL ? 0 : DP_ENOMEM;
}

/* Session a of an endpoint, or in none a stand-in saying that none was observed. */
static const struct dp_tls_job *
session_at(const struct dp_tls_endpoint *e, const struct dp_tls_ep_obs *s, size_t a,
           struct dp_tls_job *none)
{
	if (a < s->nsessions)
		return &s->sessions[a];
	*none = (struct dp_tls_job){.ep = e, .addr = &e->resolved->addrs[a], .rc = DP_ENOTFOUND};
	dp_err_set(&none->err, DP_ENOTFOUND, "no TLS session was observed");
	return none;
}

/* The endpoint's DNS side as recorded: what the TLSA RRset allows, and whether to connect. */
static void
ep_from_obs(const struct dp_ctx *ctx, const struct dp_tls_endpoint *e,
            const struct dp_tls_ep_obs *seen, struct ep *p)
{
	memset(p, 0, sizeof(*p));
	p->e = e;
	p->domain = ctx->disc->domain;
	p->rc = seen->tlsa_rc;
	p->err = seen->tlsa_err;
	p->set = seen->tlsa;
	if (p->rc == 0)
		dns_verdict(ctx, p);
	p->connect = p->connect && p->rc == 0 && host_has_addrs(e);
}

int
dp_judge_dane_tlsa(const struct dp_ctx *ctx, const struct dp_tls_obs *obs, struct dp_results *out)
{
	struct dp_tls_job none;
	struct ep p;
	int rc = dp_tls_endpoints_unchecked(ctx, ID, DP_CAUSE_CHAIN_ID, obs->ep, obs->n, out);

	for (size_t i = 0; rc == 0 && i < obs->n; i++) {
		if (obs->ep[i].unchecked)
			continue;
		ep_from_obs(ctx, &obs->ep[i], &obs->seen[i], &p);
		if (!p.connect) {
			rc = endpoint_result(&p, out);
			continue;
		}
		for (size_t a = 0; rc == 0 && a < obs->ep[i].resolved->naddrs; a++)
			rc = address_result(ctx, &p, session_at(p.e, &obs->seen[i], a, &none), out);
	}
	return rc;
}

/* ---- reading the run's observations ---- */

/* The sessions of the endpoints the judge connects to (SNI and DANE as RFC 7671 §7 says), each
 * taken from the run's store (shared with tls.cert); jobs has room for every address. */
static size_t
take_sessions(const struct dp_ctx *ctx, const struct dp_tls_endpoint *v, struct dp_tls_ep_obs *seen,
              size_t n, const struct dp_tls_trust *tr, struct dp_tls_job *jobs)
{
	size_t nj = 0;

	for (size_t i = 0; i < n; i++) {
		struct ep p;

		if (v[i].unchecked)
			continue;
		ep_from_obs(ctx, &v[i], &seen[i], &p);
		seen[i].sessions = &jobs[nj];
		seen[i].nsessions = p.connect ? v[i].resolved->naddrs : 0;
		for (size_t a = 0; a < seen[i].nsessions; a++) {
			struct dp_tls_job *j = &jobs[nj++];
			/* RFC 7671 §7: SNI and the primary reference identifier are the TLSA base
			 * domain; the original name stays a reference identifier beside it */
			bool alias = strcmp(seen[i].tlsa.base, v[i].host) != 0;

			j->ep = &v[i];
			j->addr = &v[i].resolved->addrs[a];
			j->req = (struct dp_tls_req){.host = seen[i].tlsa.base,
			                             .alt_name = alias          ? v[i].host
			                                         : v[i].from_mx ? ctx->disc->domain
			                                                        : NULL,
			                             .port = v[i].port,
			                             .trust = tr,
			                             .tlsa = seen[i].tlsa.v,
			                             .ntlsa = seen[i].tlsa.n,
			                             .verify_at = ctx->opts->at,
			                             .step_ms = dp_ctx_step_ms(ctx),
			                             .deadline = ctx->deadline};
		}
	}
	dp_obs_tls_take(ctx, jobs, nj);
	return nj;
}

/* The observations this check reads — the trust store, the endpoints, each one's TLSA RRset
 * (the run's, resolver_at with --at) and the sessions of those it connects to — then the judge. */
static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	struct dp_tls_endpoint *v = NULL;
	const struct dp_tls_trust *tr = NULL;
	struct dp_tls_ep_obs *seen = NULL;
	struct dp_tls_job *jobs = NULL;
	size_t n = 0;
	size_t na = 0;
	size_t nj = 0;
	int rc = dp_obs_trust(ctx, &tr, err);

	if (rc == 0)
		rc = dp_obs_endpoints(ctx, &v, &n, err);
	if (rc != 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		na += host_has_addrs(&v[i]) ? v[i].resolved->naddrs : 0;
	seen = calloc(n + 1, sizeof(*seen));
	jobs = calloc(na + 1, sizeof(*jobs));
	if (seen == NULL || jobs == NULL) {
		rc = dp_err_set(err, DP_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!v[i].unchecked)
			seen[i].tlsa_rc = dp_obs_tlsa(ctx, &v[i], &seen[i].tlsa, &seen[i].tlsa_err);
	}
	nj = take_sessions(ctx, v, seen, n, tr, jobs);
	rc = dp_judge_dane_tlsa(ctx, &(struct dp_tls_obs){.ep = v, .seen = seen, .n = n}, out);
	if (rc != 0)
		rc = dp_err_set(err, rc, "out of memory");
out:
	for (size_t i = 0; i < nj; i++)
		dp_tls_res_clear(&jobs[i].res);
	free(jobs);
	free(seen);
	free(v);
	dp_tls_thread_done();
	return rc;
}

const struct dp_probe dp_probe_dane_tlsa = {
    .id = ID,
    .title = "DANE TLSA against the live certificates",
    .needs = DP_NEED_MX_HOSTS | DP_NEED_ENDPOINTS | DP_NEED_TLS,
    .timeout_ms = 30000,
    .metrics = (const struct dp_metric *const[]){&m_match, NULL},
    .run = run,
};
