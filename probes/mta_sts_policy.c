/* mta_sts.policy: the `_mta-sts` TXT record, the policy fetched over HTTPS and its grammar
 * (RFC 8461 §3), every MX host against the policy's mx patterns with a PKIX-valid certificate on
 * port 25 (§4.1, §4.2), and, in the monitor, a body that changed while the id did not. */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/parallel.h"
#include "survey/endpoints.h"
#include "survey/obs.h"
#include "mail/https.h"
#include "mail/mta_sts.h"
#include "dnsprobe/probe.h"
#include "probes/causes.h"
#include "dns/txt.h"

#define ID      "mta_sts.policy"
#define TXT_CAP 4096

/* One run of the check. */
struct sts {
	const struct dp_ctx *ctx;
	const char *domain;
	json_t *d; /* details of the domain's result */
	enum dp_status status;
	char summary[768]; /* the first culprit */
	bool policy_ok;    /* TXT, fetch and grammar passed */
	struct dp_sts_txt txt;
	struct dp_sts_policy pol;
	char sha256[65];
	const struct dp_tls_trust *trust; /* the run's (observation store); NULL when not had */
	/* UNKNOWN because a lookup failed (not bogus: no answer, SERVFAIL): the result claims
	 * dnssec.chain's apex result as its cause */
	bool lookup_failed;
	char failed[256]; /* the lookup that failed, e.g. "mta-sts.glitter.kr A" */
};

static void fail(struct sts *s, enum dp_status st, const char *fmt, ...) DP_PRINTF(3, 4);

/* Note a problem: the worst status wins; the first summary of the worst status is kept. */
static void
fail(struct sts *s, enum dp_status st, const char *fmt, ...)
{
	va_list ap;
	char buf[768];
	json_t *problems = json_object_get(s->d, "problems");

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (problems != NULL)
		json_array_append_new(problems, json_string(buf));
	if (dp_status_rank(st) > dp_status_rank(s->status) || s->summary[0] == '\0') {
		dp_strlcpy(s->summary, buf, sizeof(s->summary));
		s->status = dp_status_worst(s->status, st);
	}
}

/* RFC 8461 §3.1: the v=STSv1 records at _mta-sts; exactly one must be there and parse.
 * Returns false when there is no policy to fetch (the result is then decided). */
static bool
txt_step(struct sts *s, bool *deployed)
{
	struct dp_lookup l = {0};
	struct dp_err err = {0};
	char name[300], str[TXT_CAP], shown[256], first[TXT_CAP] = "", near[128] = "";
	size_t len, flen = 0, n = 0, nnear = 0;
	bool ok = false;

	*deployed = false;
	dp_snprintf(name, sizeof(name), "_mta-sts.%s", s->domain);
	json_object_set_new(s->d, "txt_name", json_string(name));
	if (dp_resolver_lookup(s->ctx->resolver, name, DP_RR_TXT, &l, &err) != 0) {
		fail(s, DP_STATUS_UNKNOWN, "%s TXT lookup failed: %s", name, err.msg);
		return false;
	}
	json_object_set_new(s->d, "txt_security", json_string(dp_sec_str(l.sec)));
	if (l.sec == DP_SEC_BOGUS) {
		*deployed = true;
		fail(s, DP_STATUS_CRITICAL, "%s TXT cannot be resolved (bogus%s%s)", name,
		     l.why_bogus ? ": " : "", l.why_bogus ? l.why_bogus : "");
		goto out;
	}
	if (l.rcode != 0 && l.rcode != 3) {
		/* a failed lookup says nothing about the policy (SPEC §1: never evidence) */
		*deployed = true;
		s->lookup_failed = true;
		fail(s, DP_STATUS_UNKNOWN, "not checked: the %s TXT lookup failed (%s%s%s)", name,
		     l.rcode == 2 ? "SERVFAIL" : "lookup failed", l.why_bogus ? ", " : "",
		     l.why_bogus ? l.why_bogus : "");
		goto out;
	}
	for (size_t i = 0; i < l.nrdata; i++) {
		enum dp_txt_kind k = DP_TXT_OTHER;

		if (dp_txt_join(l.rdata[i], l.rdlen[i], str, sizeof(str), &len, &err) == 0)
			k = dp_txt_classify(str, len, DP_STS_TXT_VERSION);
		if (k == DP_TXT_NEAR && nnear++ == 0)
			dp_text_printable(str, len, near, sizeof(near));
		if (k != DP_TXT_RECORD)
			continue;
		if (n++ == 0) {
			memcpy(first, str, len + 1);
			flen = len;
		}
	}
	json_object_set_new(s->d, "txt_records", json_integer((json_int_t)n));
	if (nnear > 0)
		json_object_set_new(s->d, "txt_discarded", json_integer((json_int_t)nnear));
	/* RFC 8461 §3.1: records not beginning with "v=STSv1;" are discarded, so a bare "v=STSv1"
	 * or one without the ';' is no policy at all: say so rather than "not deployed". */
	if (n == 0 && nnear > 0)
		fail(s, DP_STATUS_WARNING,
		     "%s TXT \"%s\" does not begin with \"v=STSv1;\": senders discard it, MTA-STS is "
		     "not in effect (RFC 8461 §3.1)",
		     name, near);
	if (n == 0)
		goto out;
	*deployed = true;
	json_object_set_new(s->d, "txt",
	                    json_string(dp_text_printable(first, flen, shown, sizeof(shown))));
	if (n > 1) {
		fail(s, DP_STATUS_CRITICAL,
		     "%zu v=STSv1 TXT records at %s: senders find no policy (RFC 8461 §3.1)", n,
		     name);
		goto out;
	}
	if (dp_sts_txt_parse(first, flen, &s->txt, &err) != 0) {
		fail(s, DP_STATUS_CRITICAL, "malformed TXT record at %s: %s", name, err.msg);
		goto out;
	}
	json_object_set_new(s->d, "id", json_string(s->txt.id));
	ok = true;
out:
	dp_lookup_clear(&l);
	return ok;
}

/* The A and AAAA lookups of mta-sts.DOMAIN, made beside the TXT lookup (neither needs the
 * other); read by policy_host_addrs only when the TXT record asks for the policy. */
struct host_lookups {
	const struct dp_ctx *ctx;
	char host[300];
	struct dp_lookup l[2];
	int rc[2];
	struct dp_err err[2];
};

static const uint16_t host_types[2] = {DP_RR_A, DP_RR_AAAA};

static void
host_lookup(struct host_lookups *h, size_t t)
{
	h->rc[t] = dp_resolver_lookup(h->ctx->resolver, h->host, host_types[t], &h->l[t],
	                              &h->err[t]);
}

static void
host_lookups_clear(struct host_lookups *h)
{
	for (size_t t = 0; t < 2; t++) {
		if (h->rc[t] == 0)
			dp_lookup_clear(&h->l[t]);
		h->rc[t] = -1;
	}
}

/* The addresses of mta-sts.DOMAIN, as our validating resolver sees them (A then AAAA). */
static size_t
policy_host_addrs(struct sts *s, struct host_lookups *h, struct dp_addr *addrs, size_t max)
{
	const char *host = h->host;
	size_t n = 0;

	for (size_t t = 0; t < 2; t++) {
		struct dp_lookup *l = &h->l[t];

		if (h->rc[t] != 0) {
			s->lookup_failed = true;
			dp_snprintf(s->failed, sizeof(s->failed), "%s %s: %s", host,
			            t == 0 ? "A" : "AAAA", h->err[t].msg);
			continue;
		}
		if (!l->havedata && l->rcode != 0 && l->rcode != 3) {
			s->lookup_failed = true;
			dp_snprintf(s->failed, sizeof(s->failed), "%s %s: %s%s%s", host,
			            t == 0 ? "A" : "AAAA", l->rcode == 2 ? "SERVFAIL" : "lookup failed",
			            l->why_bogus ? ", " : "", l->why_bogus ? l->why_bogus : "");
		}
		for (size_t i = 0; i < l->nrdata && n < max; i++) {
			struct dp_addr *a = &addrs[n];

			memset(a, 0, sizeof(*a));
			if (host_types[t] == DP_RR_A && l->rdlen[i] == 4) {
				a->family = AF_INET;
				memcpy(&a->u.v4, l->rdata[i], 4);
			} else if (host_types[t] == DP_RR_AAAA && l->rdlen[i] == 16) {
				a->family = AF_INET6;
				memcpy(&a->u.v6, l->rdata[i], 16);
			} else {
				continue;
			}
			inet_ntop(a->family, &a->u, a->text, sizeof(a->text));
			n++;
		}
	}
	host_lookups_clear(h);
	return n;
}

static void
sha256_hex(const uint8_t *p, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	out[0] = '\0';
	if (EVP_Digest(p, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return;
	for (unsigned int i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

/* RFC 8461 §3.3: the HTTP answer must be a 200, text/plain, not a redirect, within the cap. */
static bool
judge_response(struct sts *s, const char *url, const struct dp_https_resp *r)
{
	char media[128];

	if (!r->responded && !r->cert_failed && dp_ctx_cut(s->ctx)) {
		fail(s, DP_STATUS_UNKNOWN, "%s: " DP_BUDGET_EXHAUSTED " (%s at the -t deadline)", url,
		     r->error);
		return false;
	}
	if (!r->responded) {
		if (r->cert_failed)
			fail(s, DP_STATUS_CRITICAL,
			     "%s: certificate of mta-sts.%s is not valid: %s", url, s->domain,
			     r->error);
		else
			fail(s, DP_STATUS_CRITICAL, "cannot fetch %s: %s", url, r->error);
		return false;
	}
	if (r->status >= 300 && r->status < 400) {
		fail(s, DP_STATUS_CRITICAL,
		     "%s answers HTTP %ld redirect to %s: redirects must not be followed "
		     "(RFC 8461 §3.3)",
		     url, r->status, r->location[0] ? r->location : "(no Location)");
		return false;
	}
	if (r->status != 200) {
		fail(s, DP_STATUS_CRITICAL, "%s answers HTTP %ld, not 200 (RFC 8461 §3.3)", url,
		     r->status);
		return false;
	}
	dp_https_media_type(r->content_type, media, sizeof(media));
	if (strcmp(media, "text/plain") != 0) {
		fail(s, DP_STATUS_CRITICAL,
		     "%s is served as \"%s\", not text/plain (RFC 8461 §3.2)", url,
		     r->content_type[0] ? r->content_type : "(no Content-Type)");
		return false;
	}
	if (r->too_large) {
		fail(s, DP_STATUS_CRITICAL, "%s: policy body larger than the %u KiB cap", url,
		     DP_STS_POLICY_CAP / 1024);
		return false;
	}
	if (r->error[0] != '\0') {
		fail(s, DP_STATUS_CRITICAL, "%s: transfer failed: %s", url, r->error);
		return false;
	}
	return true;
}

static json_t *
mx_patterns_json(const struct dp_sts_policy *p)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < p->nmx; i++)
		json_array_append_new(a, json_string(p->mx[i]));
	return a;
}

/* Fetch and parse the policy. Returns false when it could not be had or did not parse. */
static int
policy_step(struct sts *s, struct host_lookups *h, bool *ok)
{
	char host[300], url[400];
	struct dp_addr addrs[16];
	struct dp_https_req req = {0};
	struct dp_https_resp r = {0};
	struct dp_err err = {0}, terr = {0};
	const struct dp_tls_trust *trust = NULL;
	size_t n;
	int rc;

	*ok = false;
	dp_strlcpy(host, h->host, sizeof(host));
	dp_snprintf(url, sizeof(url), "https://%s/.well-known/mta-sts.txt", host);
	json_object_set_new(s->d, "url", json_string(url));
	n = policy_host_addrs(s, h, addrs, 16);
	if (n == 0 && s->lookup_failed) {
		fail(s, DP_STATUS_UNKNOWN,
		     "%s not fetched: the address lookup failed (%s)", url, s->failed);
		return 0;
	}
	s->lookup_failed = false; /* an address is enough to fetch from */
	if (n == 0) {
		fail(s, DP_STATUS_CRITICAL, "%s has no address: the policy cannot be fetched",
		     host);
		return 0;
	}
	/* The run's trust store (loaded once per engine) when the TLS observations run anyway,
	 * for the MX hosts below; else, or if it failed, libcurl loads the roots itself. */
	if (s->ctx->disc->nmx > 0 && dp_obs_trust(s->ctx, &trust, &terr) != 0)
		trust = NULL;
	req = (struct dp_https_req){.url = url,
	                            .host = host,
	                            .port = 443,
	                            .addrs = addrs,
	                            .naddrs = n,
	                            .ca_file = s->ctx->opts->ca_file,
	                            .trust = trust,
	                            .connect_timeout_ms = dp_ctx_step_ms(s->ctx),
	                            .timeout_ms = dp_ctx_step_ms(s->ctx),
	                            .max_body = DP_STS_POLICY_CAP};
	rc = dp_https_get(&req, &r, &err);
	if (rc != 0) {
		fail(s, DP_STATUS_UNKNOWN, "cannot fetch %s: %s", url, err.msg);
		return 0;
	}
	/* SPEC §1: a transfer the run's deadline ended (not the step timeout) proves nothing. */
	if (r.timed_out && dp_ctx_cut(s->ctx)) {
		fail(s, DP_STATUS_UNKNOWN, "%s: %s", url, DP_BUDGET_EXHAUSTED);
		dp_https_resp_clear(&r);
		return 0;
	}
	json_object_set_new(s->d, "http",
	                    json_pack("{s:i, s:s, s:s, s:s?, s:I, s:b}", "status",
	                              (json_int_t)r.status, "content_type", r.content_type,
	                              "address", r.address, "location",
	                              r.location[0] ? r.location : NULL, "body_bytes",
	                              (json_int_t)r.body_len, "too_large", r.too_large));
	if (judge_response(s, url, &r)) {
		sha256_hex(r.body, r.body_len, s->sha256);
		json_object_set_new(s->d, "body_sha256", json_string(s->sha256));
		if (dp_sts_policy_parse((const char *)r.body, r.body_len, &s->pol, &err) != 0) {
			fail(s, DP_STATUS_CRITICAL, "%s: invalid policy: %s", url, err.msg);
		} else {
			*ok = true;
			json_object_set_new(s->d, "mode",
			                    json_string(dp_sts_mode_str(s->pol.mode)));
			json_object_set_new(s->d, "max_age", json_integer(s->pol.max_age));
			json_object_set_new(s->d, "mx", mx_patterns_json(&s->pol));
			json_object_set_new(s->d, "crlf", json_boolean(s->pol.crlf));
		}
	}
	dp_https_resp_clear(&r);
	return 0;
}

/* What a failure weighs under the policy's mode (RFC 8461 §5). */
static enum dp_status
mode_status(const struct sts *s)
{
	switch (s->pol.mode) {
	case DP_STS_MODE_ENFORCE:
		return DP_STATUS_CRITICAL;
	case DP_STS_MODE_TESTING:
		return DP_STATUS_WARNING;
	case DP_STS_MODE_NONE:
		break;
	}
	return DP_STATUS_OK;
}

/* RFC 8461 §4.2: the certificate each address of an MX host presents on port 25 (STARTTLS) must
 * be PKIX-valid for the MX host name. Connects to every address at once with the shared TLS
 * client; appends one object per address to addrs; on a failure writes the reason into why
 * (when empty). */
static void
mx_certs(struct sts *s, const struct dp_mx *mx, json_t *addrs, char *why, size_t whysz, bool *cut)
{
	const char *name = mx->host.name;
	struct dp_tls_job *jobs = calloc(mx->host.naddrs + 1, sizeof(*jobs));

	if (mx->host.naddrs == 0 && why[0] == '\0' && !dp_host_lookup_failed(&mx->host))
		dp_snprintf(why, whysz, "MX %s has no address: %s", name,
		            mx->host.error ? mx->host.error : "no A or AAAA record");
	if (jobs == NULL || s->trust == NULL) {
		if (mx->host.naddrs > 0 && why[0] == '\0')
			dp_snprintf(why, whysz, "MX %s: port-25 certificate not checked", name);
		for (size_t i = 0; i < mx->host.naddrs; i++)
			json_array_append_new(addrs, json_pack("{s:s, s:n, s:s}", "address",
			                                       mx->host.addrs[i].text, "pkix_valid",
			                                       "pkix_error", "not checked"));
		free(jobs);
		return;
	}
	for (size_t i = 0; i < mx->host.naddrs; i++) {
		jobs[i].addr = &mx->host.addrs[i];
		jobs[i].req = (struct dp_tls_req){.host = name,
		                                  .port = 25,
		                                  .trust = s->trust,
		                                  .verify_at = s->ctx->opts->at,
		                                  .step_ms = dp_ctx_step_ms(s->ctx),
		                                  .deadline = s->ctx->deadline};
	}
	dp_obs_tls_take(s->ctx, jobs, mx->host.naddrs); /* one session per run */
	for (size_t i = 0; i < mx->host.naddrs; i++) {
		const struct dp_tls_res *r = &jobs[i].res;
		bool done = jobs[i].rc == 0 && r->step == DP_TLS_STEP_DONE && r->leaf.present;
		const char *e = jobs[i].rc != 0 ? jobs[i].err.msg : done ? r->pkix_error : r->error;
		json_t *a;

		if (jobs[i].rc == 0 && r->no_route) {
			/* SPEC §1: not checked from here; says nothing about the MX host */
			json_array_append_new(addrs, json_pack("{s:s, s:n, s:s}", "address",
			                                       jobs[i].addr->text, "pkix_valid",
			                                       "not_checked", r->error));
			dp_tls_res_clear(&jobs[i].res);
			continue;
		}
		if (!done && jobs[i].rc == 0 && r->cut && why[0] == '\0') {
			*cut = true;
			dp_snprintf(why, whysz, "MX %s/%s on port 25: " DP_BUDGET_EXHAUSTED " (%s)",
			            name, jobs[i].addr->text, r->error);
		}
		if (!(done && r->pkix_valid) && why[0] == '\0')
			dp_snprintf(
			    why, whysz, "MX %s/%s on port 25: %s%s%s", name, jobs[i].addr->text,
			    done ? "certificate not PKIX-valid for the MX name: " : "",
			    e[0] ? e : "no certificate", jobs[i].rc != 0 ? " (not checked)" : "");
		a = json_pack("{s:s, s:i, s:s*}", "address", jobs[i].addr->text, "pkix_valid",
		              done && r->pkix_valid, "pkix_error",
		              done && r->pkix_valid ? NULL : e);
		if (a != NULL && done) {
			json_object_set_new(a, "spki_sha256", json_string(r->leaf.spki_sha256));
			json_object_set_new(a, "not_after", json_integer(r->leaf.not_after));
		}
		json_array_append_new(addrs, a);
		dp_tls_res_clear(&jobs[i].res);
	}
	free(jobs);
}

/* One MX host: its name against the mx patterns (RFC 8461 §4.1) and its port-25 certificate
 * on every address (§4.2). Appends one result `25:HOST`. */
static int
mx_step_one(struct sts *s, const struct dp_mx *mx, json_t *hosts, struct dp_results *out)
{
	const char *name = mx->host.name;
	long m = dp_sts_policy_match(&s->pol, name);
	enum dp_status weight = mode_status(s);
	enum dp_status st = DP_STATUS_OK;
	char subject[300], summary[768] = "", why[512] = "";
	bool cut = false;
	json_t *h;
	json_t *addrs = json_array();

	dp_snprintf(subject, sizeof(subject), "25:%s", name);
	if (m < 0) {
		char pats[256] = "";

		for (size_t i = 0; i < s->pol.nmx; i++) {
			size_t o = strlen(pats);

			dp_snprintf(pats + o, sizeof(pats) - o, "%s%s", i ? ", " : "",
			            s->pol.mx[i]);
		}
		dp_snprintf(why, sizeof(why), "MX %s matches no mx pattern of the policy (mx: %s)",
		            name, pats[0] ? pats : "none");
	}
	mx_certs(s, mx, addrs, why, sizeof(why), &cut);
	if (why[0] == '\0' && dp_host_lookup_failed(&mx->host)) {
		/* unknown addresses: the MX is not held to the policy on them (UNKNOWN) */
		cut = true;
		dp_snprintf(why, sizeof(why), "MX %s: not checked%s: the address lookup failed (%s)",
		            name, mx->host.naddrs > 0 ? " on every address" : "",
		            mx->host.error ? mx->host.error : "no answer");
	}
	if (why[0] != '\0') {
		st = cut && m >= 0 ? DP_STATUS_UNKNOWN : weight;
		dp_snprintf(summary, sizeof(summary), "%s (mode %s)%s", why,
		            dp_sts_mode_str(s->pol.mode),
		            st == DP_STATUS_OK ? ": no effect in mode none" : "");
		fail(s, st, "%s", summary);
	} else {
		dp_snprintf(summary, sizeof(summary),
		            "MX %s matches mx pattern %s and presents a PKIX-valid certificate on "
		            "port 25 at %zu address%s",
		            name, s->pol.mx[m], mx->host.naddrs, mx->host.naddrs == 1 ? "" : "es");
	}
	h = json_pack("{s:s, s:i, s:s?, s:b, s:o}", "host", name, "preference", mx->preference,
	              "matched", m >= 0 ? s->pol.mx[m] : NULL, "match", m >= 0, "addresses", addrs);
	json_array_append(hosts, h);
	if (dp_results_add(out, ID, subject, st,
	                   json_pack("{s:O, s:s, s:s}", "mx_host", h, "mode",
	                             dp_sts_mode_str(s->pol.mode), "id", s->txt.id),
	                   "%s", summary) == NULL) {
		json_decref(h);
		return DP_ENOMEM;
	}
	json_decref(h);
	return 0;
}

static int
mx_step(struct sts *s, struct dp_results *out)
{
	const struct dp_discovery *d = s->ctx->disc;
	json_t *hosts = json_array();
	struct dp_err err = {0};
	int rc = 0;

	json_object_set_new(s->d, "mx_hosts", hosts);
	if (d->nmx > 0 && dp_obs_trust(s->ctx, &s->trust, &err) != 0)
		fail(s, DP_STATUS_UNKNOWN, "MX certificates not checked: %s", err.msg);
	if (d->mx_failed) {
		s->lookup_failed = true;
		fail(s, DP_STATUS_UNKNOWN, "MX hosts not held to the policy: the MX lookup failed (%s)",
		     d->mx_error != NULL ? d->mx_error : "no answer");
	} else if (d->nmx == 0) {
		fail(s, DP_STATUS_OK, "%s has no MX hosts to hold to the policy", s->domain);
	}
	for (size_t i = 0; rc == 0 && i < d->nmx; i++) {
		if (dp_ctx_expired(s->ctx)) {
			char subj[300];

			/* Never dropped silently: each MX left gets its own "not checked". */
			dp_snprintf(subj, sizeof(subj), "25:%s", d->mx[i].host.name);
			rc = dp_results_add(out, ID, subj, DP_STATUS_UNKNOWN, NULL,
			                    "MX %s: " DP_BUDGET_EXHAUSTED, d->mx[i].host.name) != NULL
			         ? 0
			         : DP_ENOMEM;
			continue;
		}
		rc = mx_step_one(s, &d->mx[i], hosts, out);
	}
	s->trust = NULL;
	return rc;
}

/* Monitor only: RFC 8461 §3.1 says the id must change whenever the policy does; remember the
 * body hash of the id first seen and warn while the body differs under the same id. */
static void
state_step(struct sts *s)
{
	const char *prev = NULL;

	if (s->ctx->state == NULL || s->sha256[0] == '\0')
		return;
	if (dp_sts_id_stale(s->ctx->state, s->txt.id, s->sha256, &prev))
		fail(s, DP_STATUS_WARNING,
		     "policy body changed while the TXT id stayed %s: senders keep the "
		     "cached policy (RFC 8461 §3.1)",
		     s->txt.id);
	if (prev != NULL)
		json_object_set_new(s->d, "previous_body_sha256", json_string(prev));
}

static void
summary_ok(struct sts *s)
{
	if (s->summary[0] != '\0' && s->status != DP_STATUS_OK)
		return;
	dp_snprintf(s->summary, sizeof(s->summary),
	            "MTA-STS policy id %s, mode %s, max_age %us: %zu MX host%s covered%s",
	            s->txt.id, dp_sts_mode_str(s->pol.mode), s->pol.max_age, s->ctx->disc->nmx,
	            s->ctx->disc->nmx == 1 ? "" : "s",
	            s->pol.mode == DP_STS_MODE_NONE ? " (mode none: senders apply no policy)" : "");
}

/* SPEC §5 dnsprobe_mta_sts_policy_valid{domain, mode}, when a policy is announced. */
static const struct dp_metric m_valid = {
    .name = "dnsprobe_mta_sts_policy_valid",
    .help = "1 when the MTA-STS policy checks pass.",
    .labels = {"mode", NULL},
};

/* RFC 8461 §3: the TXT record, and meanwhile the policy host's addresses. */
struct txt_and_host {
	struct sts *s;
	bool txt_ok, deployed;
	struct host_lookups h;
};

static void
txt_and_host_job(void *arg, size_t i)
{
	struct txt_and_host *th = arg;

	if (i == 0)
		th->txt_ok = txt_step(th->s, &th->deployed);
	else
		host_lookup(&th->h, i - 1);
}

static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	struct sts s = {.ctx = ctx, .domain = ctx->opts->domain, .status = DP_STATUS_OK};
	bool deployed = false, ok = false;
	bool valid = false;
	int rc = 0;

	s.d = json_pack("{s:[]}", "problems");
	if (s.d == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	struct txt_and_host th = {.s = &s, .h = {.ctx = ctx}};

	dp_snprintf(th.h.host, sizeof(th.h.host), "mta-sts.%s", s.domain);
	dp_parallel_for(3, 3, txt_and_host_job, &th);
	if (th.txt_ok)
		rc = policy_step(&s, &th.h, &ok);
	host_lookups_clear(&th.h);
	deployed = th.deployed;
	if (rc == 0 && ok) {
		s.policy_ok = true;
		rc = mx_step(&s, out);
		state_step(&s);
	}
	json_object_set_new(s.d, "deployed", json_boolean(deployed));
	if (!deployed) {
		json_object_del(s.d, "problems");
		if (s.summary[0] == '\0')
			dp_snprintf(s.summary, sizeof(s.summary),
			            "no MTA-STS policy: _mta-sts.%s has no v=STSv1 TXT record",
			            s.domain);
	} else {
		valid = s.policy_ok && s.status == DP_STATUS_OK;
		json_object_set_new(s.d, "policy_valid", json_integer(valid));
		if (!s.policy_ok)
			json_object_set_new(s.d, "mode", json_string("unknown"));
		summary_ok(&s);
	}
	if (rc == 0) {
		const char *mode = json_string_value(json_object_get(s.d, "mode"));
		char m[64];
		struct dp_result *res;

		(void)dp_strlcpy(m, mode != NULL && mode[0] != '\0' ? mode : "unknown", sizeof(m));
		res = dp_results_add(out, ID, s.domain, s.status, s.d, "%s", s.summary);
		if (res == NULL || (deployed && dp_result_sample(res, &m_valid, valid, m) != 0))
			rc = DP_ENOMEM;
		else if (s.lookup_failed && s.status == DP_STATUS_UNKNOWN)
			rc = dp_result_set_cause(res, DP_CAUSE_CHAIN_ID, s.domain);
	} else {
		json_decref(s.d);
	}
	dp_sts_policy_clear(&s.pol);
	dp_tls_thread_done(); /* libcurl and the TLS client used OpenSSL in this thread */
	if (rc != 0)
		return dp_err_set(err, rc, "out of memory");
	return 0;
}

const struct dp_probe dp_probe_mta_sts_policy = {
    .id = ID,
    .title = "MTA-STS policy",
    .needs = DP_NEED_MX_HOSTS | DP_NEED_TLS,
    .timeout_ms = 30000,
    .metrics = (const struct dp_metric *const[]){&m_valid, NULL},
    .run = run,
};
