/* Unit tests of checks as judges: ns.soa_serial and ns.delegation over recorded observations
 * (a discovery and a nameserver survey built here), dane.tlsa and tls.cert over recorded TLSA
 * RRsets and TLS sessions; no network. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probes/judges.h"
#include "survey/endpoints.h"

/* A recorded world: two nameservers, ns1 at 127.0.10.1 (glue too), ns2 at 127.0.10.2. */
struct world {
	struct dp_check_opts opts;
	struct dp_discovery disc;
	struct dp_ns ns[2];
	struct dp_addr addr[2];
	struct dp_addr glue[2];
	struct dp_nssurvey sv;
	struct dp_ns_target t[2];
	struct dp_ctx ctx;
	struct dp_results out;
};

static void
good_answer(struct dp_ns_answer *a, uint32_t serial)
{
	memset(a, 0, sizeof(*a));
	a->answered = true;
	a->aa = true;
	a->edns = true;
	a->have_soa = true;
	a->serial = serial;
	a->refresh = 3600;
	a->rtt = 0.001;
}

static void
world_init(struct world *w)
{
	static char n1[] = "ns1.glitter.kr";
	static char n2[] = "ns2.glitter.kr";
	static char dom[] = "glitter.kr";
	static char par[] = "kr";

	memset(w, 0, sizeof(*w));
	dp_snprintf(w->opts.domain, sizeof(w->opts.domain), "glitter.kr");
	w->opts.serial_lag_crit = -1;
	w->opts.serial_grace = -1;
	w->opts.step_timeout_ms = 5000;
	assert_int_equal(dp_addr_parse("127.0.10.1", &w->addr[0]), 0);
	assert_int_equal(dp_addr_parse("127.0.10.2", &w->addr[1]), 0);
	w->glue[0] = w->addr[0];
	w->glue[1] = w->addr[1];
	for (int i = 0; i < 2; i++) {
		w->ns[i].host.name = i == 0 ? n1 : n2;
		w->ns[i].host.addrs = &w->addr[i];
		w->ns[i].host.naddrs = 1;
		w->ns[i].host.sec_a = DP_SEC_SECURE;
		w->ns[i].at_parent = true;
		w->ns[i].at_child = true;
		w->ns[i].glue = &w->glue[i];
		w->ns[i].nglue = 1;
		w->t[i].ns = &w->ns[i];
		w->t[i].has_addr = true;
		w->t[i].addr = w->addr[i];
		w->t[i].in_zone = true;
		w->t[i].in_glue = true;
		good_answer(&w->t[i].udp, 2026120101);
		good_answer(&w->t[i].tcp, 2026120101);
	}
	w->disc.domain = dom;
	w->disc.parent = par;
	w->disc.parent_answered = true;
	w->disc.apex_sec = DP_SEC_SECURE;
	w->disc.apex_havedata = true;
	w->disc.ns = w->ns;
	w->disc.nns = 2;
	w->sv.v = w->t;
	w->sv.n = 2;
	w->ctx.opts = &w->opts;
	w->ctx.disc = &w->disc;
	w->ctx.deadline = dp_now_mono() + 10;
	dp_results_init(&w->out);
}

/* The result of check id about subject (exact), or fail. */
static const struct dp_result *
result_of(const struct world *w, const char *id, const char *subject)
{
	for (size_t i = 0; i < w->out.n; i++) {
		if (strcmp(w->out.v[i].id, id) == 0 && strcmp(w->out.v[i].subject, subject) == 0)
			return &w->out.v[i];
	}
	fail_msg("no %s result about %s", id, subject);
	return NULL;
}

static void
test_serial_agree(void **state)
{
	struct world w;

	(void)state;
	world_init(&w);
	assert_int_equal(dp_judge_ns_soa_serial(&w.ctx, &w.sv, &w.out), 0);
	assert_int_equal(result_of(&w, "ns.soa_serial", "glitter.kr")->status, DP_STATUS_OK);
	assert_int_equal(result_of(&w, "ns.soa_serial", "ns2.glitter.kr/127.0.10.2")->status,
			 DP_STATUS_OK);
	assert_int_equal(dp_results_worst(&w.out), DP_STATUS_OK);
	dp_results_clear(&w.out);
}

static void
test_serial_lagging(void **state)
{
	struct world w;
	const struct dp_result *r;

	(void)state;
	world_init(&w);
	good_answer(&w.t[1].udp, 2026120100);
	good_answer(&w.t[1].tcp, 2026120100);
	assert_int_equal(dp_judge_ns_soa_serial(&w.ctx, &w.sv, &w.out), 0);
	r = result_of(&w, "ns.soa_serial", "ns2.glitter.kr/127.0.10.2");
	assert_int_equal(r->status, DP_STATUS_WARNING);
	assert_non_null(strstr(r->summary, "1 behind the newest 2026120101"));
	assert_int_equal(result_of(&w, "ns.soa_serial", "ns1.glitter.kr/127.0.10.1")->status,
			 DP_STATUS_OK);
	dp_results_clear(&w.out);
}

static void
test_serial_unreachable_names_address(void **state)
{
	struct world w;
	const struct dp_result *r;

	(void)state;
	world_init(&w);
	memset(&w.t[1].udp, 0, sizeof(w.t[1].udp));
	memset(&w.t[1].tcp, 0, sizeof(w.t[1].tcp));
	dp_snprintf(w.t[1].udp.error, sizeof(w.t[1].udp.error), "connection refused");
	dp_snprintf(w.t[1].tcp.error, sizeof(w.t[1].tcp.error), "connection refused");
	assert_int_equal(dp_judge_ns_soa_serial(&w.ctx, &w.sv, &w.out), 0);
	r = result_of(&w, "ns.soa_serial", "ns2.glitter.kr/127.0.10.2");
	assert_int_equal(r->status, DP_STATUS_CRITICAL);
	assert_non_null(strstr(r->summary, "127.0.10.2 unreachable"));
	assert_non_null(strstr(r->summary, "connection refused"));
	/* The other server's verdict does not change. */
	assert_int_equal(result_of(&w, "ns.soa_serial", "ns1.glitter.kr/127.0.10.1")->status,
			 DP_STATUS_OK);
	dp_results_clear(&w.out);
}

static void
test_delegation_healthy(void **state)
{
	struct world w;

	(void)state;
	world_init(&w);
	assert_int_equal(dp_judge_ns_delegation(&w.ctx, &w.sv, &w.out), 0);
	assert_int_equal(result_of(&w, "ns.delegation", "ns1.glitter.kr")->status, DP_STATUS_OK);
	assert_int_equal(result_of(&w, "ns.delegation", "ns2.glitter.kr/127.0.10.2")->status,
			 DP_STATUS_OK);
	dp_results_clear(&w.out);
}

static void
test_delegation_glue_mismatch(void **state)
{
	struct world w;
	const struct dp_result *r;

	(void)state;
	world_init(&w);
	assert_int_equal(dp_addr_parse("127.0.10.11", &w.glue[0]), 0);
	assert_int_equal(dp_judge_ns_delegation(&w.ctx, &w.sv, &w.out), 0);
	r = result_of(&w, "ns.delegation", "ns1.glitter.kr");
	assert_int_equal(r->status, DP_STATUS_WARNING);
	assert_non_null(strstr(r->summary, "but the zone says"));
	dp_results_clear(&w.out);
}

/* A timed-out A lookup is unknown: it is not read as the glue disagreeing with the zone. */
static void
test_delegation_failed_lookup_is_unknown(void **state)
{
	struct world w;
	const struct dp_result *r;
	char why[] = "ns1.glitter.kr A: rcode 2";

	(void)state;
	world_init(&w);
	w.ns[0].host.naddrs = 0;
	w.ns[0].host.failed_a = true;
	w.ns[0].host.error = why;
	assert_int_equal(dp_judge_ns_delegation(&w.ctx, &w.sv, &w.out), 0);
	r = result_of(&w, "ns.delegation", "ns1.glitter.kr");
	assert_int_equal(r->status, DP_STATUS_UNKNOWN);
	assert_non_null(strstr(r->summary, "not compared"));
	assert_null(strstr(r->summary, "but the zone says"));
	dp_results_clear(&w.out);
}

static void
test_delegation_lame(void **state)
{
	struct world w;
	const struct dp_result *r;

	(void)state;
	world_init(&w);
	w.t[1].udp.aa = false;
	w.t[1].udp.rcode = 5;
	w.t[1].tcp.aa = false;
	w.t[1].tcp.rcode = 5;
	assert_int_equal(dp_judge_ns_delegation(&w.ctx, &w.sv, &w.out), 0);
	r = result_of(&w, "ns.delegation", "ns2.glitter.kr/127.0.10.2");
	assert_int_equal(r->status, DP_STATUS_CRITICAL);
	assert_non_null(strstr(r->summary, "REFUSED"));
	dp_results_clear(&w.out);
}

/* The zone's NS lookup failed: at_child is unknown, so the NS sets are not compared (no name is
 * said to be missing from the zone's NS RRset). */
static void
test_delegation_ns_lookup_failed(void **state)
{
	struct world w;
	const struct dp_result *r;
	char why[] = "glitter.kr NS: SERVFAIL, no answer within 2000 ms";

	(void)state;
	world_init(&w);
	w.ns[0].at_child = w.ns[1].at_child = false;
	w.disc.child_ns_failed = true;
	w.disc.child_ns_error = why;
	assert_int_equal(dp_judge_ns_delegation(&w.ctx, &w.sv, &w.out), 0);
	r = result_of(&w, "ns.delegation", "glitter.kr");
	assert_int_equal(r->status, DP_STATUS_UNKNOWN);
	assert_non_null(strstr(r->summary, "not compared with the zone's: its NS lookup failed "
					   "(glitter.kr NS: SERVFAIL"));
	assert_null(strstr(r->summary, "does not"));
	assert_non_null(r->cause_id);
	assert_string_equal(r->cause_id, "dnssec.chain");
	dp_results_clear(&w.out);
	/* the same with a lookup that succeeded and was empty: the zone has no NS RRset (CRITICAL) */
	world_init(&w);
	w.ns[0].at_child = w.ns[1].at_child = false;
	assert_int_equal(dp_judge_ns_delegation(&w.ctx, &w.sv, &w.out), 0);
	assert_int_equal(result_of(&w, "ns.delegation", "glitter.kr")->status, DP_STATUS_CRITICAL);
	dp_results_clear(&w.out);
}

/* Endpoints never dropped: a failed MX lookup is one UNKNOWN "MX of DOMAIN"; an MX host whose A
 * lookup failed gets "25:HOST/IPv4" UNKNOWN beside its IPv6 address. */
static void
test_endpoints_unknown(void **state)
{
	struct world w;
	struct dp_host h = {0};
	struct dp_addr a6;
	char hn[] = "mail.glitter.kr";
	char herr[] = "mail.glitter.kr A: rcode 2, no answer within 2000 ms";
	char mxerr[] = "glitter.kr MX: SERVFAIL, no answer within 2000 ms";
	struct dp_tls_endpoint v[1];
	const struct dp_result *r;

	(void)state;
	world_init(&w);
	assert_int_equal(dp_addr_parse("::1", &a6), 0);
	h.name = hn;
	h.addrs = &a6;
	h.naddrs = 1;
	h.failed_a = true;
	h.error = herr;
	v[0] = (struct dp_tls_endpoint){.port = 25, .host = hn, .from_mx = true, .resolved = &h};
	assert_int_equal(dp_tls_endpoints_unchecked(&w.ctx, "dane.tlsa", "dnssec.chain", v, 1, &w.out), 0);
	assert_int_equal(w.out.n, 1);
	r = result_of(&w, "dane.tlsa", "25:mail.glitter.kr/IPv4");
	assert_int_equal(r->status, DP_STATUS_UNKNOWN);
	assert_non_null(strstr(r->summary, "not checked: the address lookup failed (mail.glitter.kr A"));
	assert_true(dp_host_lookup_failed(&h));
	dp_results_clear(&w.out);

	world_init(&w);
	w.disc.mx_failed = true;
	w.disc.mx_error = mxerr;
	assert_int_equal(dp_tls_endpoints_unchecked(&w.ctx, "tls.cert", "dnssec.chain", NULL, 0, &w.out), 0);
	r = result_of(&w, "tls.cert", "MX of glitter.kr");
	assert_int_equal(r->status, DP_STATUS_UNKNOWN);
	assert_non_null(strstr(r->summary, "the MX lookup failed (glitter.kr MX: SERVFAIL"));
	assert_string_equal(r->cause_id, "dnssec.chain");
	dp_results_clear(&w.out);

	/* nothing failed: nothing reported */
	world_init(&w);
	h.failed_a = false;
	assert_false(dp_host_lookup_failed(&h));
	assert_int_equal(dp_tls_endpoints_unchecked(&w.ctx, "dane.tlsa", "dnssec.chain", v, 1, &w.out), 0);
	assert_int_equal(w.out.n, 0);
	dp_results_clear(&w.out);
}

/* ---- dane.tlsa and tls.cert over recorded TLS observations ---- */

#define AT  ((int64_t)1796083200) /* --at 2026-12-01T00:00:00Z */
#define DAY ((int64_t)86400)

/* A recorded mail world: 25:mail.glitter.kr at 127.0.20.1 and 127.0.20.2, a DNSSEC-secure TLSA
 * RRset "3 1 1 a1a1…" (the key served), and one session per address as the store records it:
 * handshake done, PKIX-valid, 60 days left, OpenSSL's DANE verdict a match of record 0. */
struct mail {
	struct world w;
	struct dp_host h;
	struct dp_addr addr[2];
	struct dp_tls_endpoint ep[1];
	struct dp_tls_ep_obs seen[1];
	uint8_t data[2][64];
	struct dp_tlsa tlsa[2];
	enum dp_tlsa_state state[2][2];
	char *why[2][2];
	struct dp_tls_job job[2];
	struct dp_tls_obs obs;
};

/* hex of n octets b into dst (2n + 1 bytes) */
static void
fill_hex(char *dst, size_t n, unsigned b)
{
	for (size_t i = 0; i < n; i++)
		dp_snprintf(dst + 2 * i, 3, "%02x", b);
}

/* Session a presents the key whose SPKI digests are all octet b. */
static void
serve_key(struct mail *m, size_t a, unsigned b)
{
	fill_hex(m->job[a].res.leaf.spki_sha256, 32, b);
	fill_hex(m->job[a].res.leaf.spki_sha512, 64, b);
}

/* OpenSSL's DANE verdict of session a: record `match` matched (-1: none did). */
static void
dane_verdict(struct mail *m, size_t a, long match)
{
	struct dp_tls_res *r = &m->job[a].res;

	r->dane_usable = m->seen[0].tlsa.n;
	r->dane_ok = match >= 0;
	r->dane_match = match;
	r->dane_depth = match >= 0 ? 0 : -1;
	r->ntlsa = m->seen[0].tlsa.n;
	for (size_t i = 0; i < r->ntlsa; i++)
		m->state[a][i] = (long)i == match ? DP_TLSA_MATCHED : DP_TLSA_NO_MATCH;
	dp_snprintf(r->dane_error, sizeof(r->dane_error), "%s",
	            match >= 0 ? "" : "no matching DANE-EE record");
}

static void
mail_init(struct mail *m)
{
	static char hn[] = "mail.glitter.kr";

	memset(m, 0, sizeof(*m));
	world_init(&m->w);
	m->w.opts.at = AT;
	m->w.opts.cert_warn = 30 * DAY;
	m->w.opts.cert_crit = 7 * DAY;
	assert_int_equal(dp_addr_parse("127.0.20.1", &m->addr[0]), 0);
	assert_int_equal(dp_addr_parse("127.0.20.2", &m->addr[1]), 0);
	m->h.name = hn;
	m->h.addrs = m->addr;
	m->h.naddrs = 2;
	m->h.sec_a = DP_SEC_SECURE;
	m->ep[0] =
	    (struct dp_tls_endpoint){.port = 25, .host = hn, .from_mx = true, .resolved = &m->h};
	memset(m->data[0], 0xa1, 32);
	m->tlsa[0] =
	    (struct dp_tlsa){.usage = 3, .selector = 1, .mtype = 1, .data = m->data[0], .len = 32};
	struct dp_tlsa_set *t = &m->seen[0].tlsa;

	dp_snprintf(t->name, sizeof(t->name), "_25._tcp.mail.glitter.kr");
	dp_snprintf(t->base, sizeof(t->base), "mail.glitter.kr");
	t->l.havedata = true;
	t->l.sec = DP_SEC_SECURE;
	t->l.ttl = 3600;
	t->v = m->tlsa;
	t->n = 1;
	for (size_t a = 0; a < 2; a++) {
		struct dp_tls_job *j = &m->job[a];
		struct dp_tls_res *r = &j->res;

		j->ep = &m->ep[0];
		j->addr = &m->addr[a];
		j->req = (struct dp_tls_req){.host = t->base, .port = 25, .addr = &m->addr[a]};
		r->step = DP_TLS_STEP_DONE;
		r->starttls_offered = true;
		dp_snprintf(r->protocol, sizeof(r->protocol), "TLSv1.3");
		r->leaf.present = true;
		r->leaf.not_before = AT - 30 * DAY;
		r->leaf.not_after = AT + 60 * DAY;
		dp_snprintf(r->leaf.subject, sizeof(r->leaf.subject), "CN=mail.glitter.kr");
		dp_snprintf(r->leaf.issuer, sizeof(r->leaf.issuer), "CN=Lab Issuing CA");
		fill_hex(r->leaf.issuer_spki_sha256, 32, 0xd4);
		r->leaf.chain_len = 2;
		r->pkix_valid = true;
		r->tlsa_state = m->state[a];
		r->tlsa_why = m->why[a];
		serve_key(m, a, 0xa1);
		dane_verdict(m, a, 0);
	}
	m->seen[0].sessions = m->job;
	m->seen[0].nsessions = 2;
	m->obs = (struct dp_tls_obs){.ep = m->ep, .seen = m->seen, .n = 1};
}

static bool
has_fix(const struct dp_result *r, const char *line)
{
	size_t i;
	json_t *v;

	json_array_foreach(r->fix, i, v)
	{
		if (strcmp(json_string_value(v), line) == 0)
			return true;
	}
	return false;
}

static void
test_dane_311_match(void **state)
{
	struct mail m;
	const struct dp_result *r;

	(void)state;
	mail_init(&m);
	assert_int_equal(dp_judge_dane_tlsa(&m.w.ctx, &m.obs, &m.w.out), 0);
	assert_int_equal(m.w.out.n, 2);
	r = result_of(&m.w, "dane.tlsa", "25:mail.glitter.kr/127.0.20.2");
	assert_int_equal(r->status, DP_STATUS_OK);
	assert_non_null(strstr(r->summary, "TLSA 3 1 1 a1a1a1a1a1a1a1a1... (DANE-EE) matches the "
	                                   "certificate at depth 0"));
	assert_true(json_is_true(json_object_get(r->details, "tlsa_match")));
	assert_int_equal(r->nsamples, 1);
	assert_true(r->samples[0].value == 1);
	assert_null(r->fix);
	assert_int_equal(dp_results_worst(&m.w.out), DP_STATUS_OK);
	dp_results_clear(&m.w.out);
	/* tls.cert over the same sessions: PKIX-valid, 60 days left */
	assert_int_equal(dp_judge_tls_cert(&m.w.ctx, &m.obs, &m.w.out), 0);
	r = result_of(&m.w, "tls.cert", "25:mail.glitter.kr/127.0.20.1");
	assert_int_equal(r->status, DP_STATUS_OK);
	assert_non_null(strstr(r->summary, "certificate PKIX-valid for mail.glitter.kr, expires in "
	                                   "60d0h (2027-01-30T00:00:00Z) as of --at"));
	assert_int_equal(dp_results_worst(&m.w.out), DP_STATUS_OK);
	dp_results_clear(&m.w.out);
}

/* The certificate was renewed with a new key and the TLSA RRset was not: CRITICAL at every
 * address, naming it and the record, with the record for the key served as the fix. */
static void
test_dane_renewed_without_tlsa(void **state)
{
	struct mail m;
	const struct dp_result *r;
	char fix[200] = "_25._tcp.mail.glitter.kr. 3600 IN TLSA 3 1 1 ";

	(void)state;
	mail_init(&m);
	for (size_t a = 0; a < 2; a++) {
		serve_key(&m, a, 0xb2);
		dane_verdict(&m, a, -1);
	}
	fill_hex(fix + strlen(fix), 32, 0xb2);
	assert_int_equal(dp_judge_dane_tlsa(&m.w.ctx, &m.obs, &m.w.out), 0);
	for (size_t a = 0; a < 2; a++) {
		r = result_of(&m.w, "dane.tlsa",
		              a == 0 ? "25:mail.glitter.kr/127.0.20.1"
		                     : "25:mail.glitter.kr/127.0.20.2");
		assert_int_equal(r->status, DP_STATUS_CRITICAL);
		assert_non_null(strstr(r->summary, a == 0 ? "25:mail.glitter.kr/127.0.20.1: "
		                                          : "25:mail.glitter.kr/127.0.20.2: "));
		assert_non_null(strstr(r->summary,
		                       "no TLSA record at _25._tcp.mail.glitter.kr "
		                       "matches the certificate presented (SPKI SHA-256 "
		                       "b2b2"));
		assert_non_null(strstr(r->summary, "records 3 1 1 a1a1a1a1a1a1a1a1..."));
		assert_false(json_is_true(json_object_get(r->details, "tlsa_match")));
		assert_true(r->samples[0].value == 0);
		assert_true(has_fix(r, fix));
	}
	dp_results_clear(&m.w.out);
	/* a renewal is no PKIX finding: tls.cert stays OK */
	assert_int_equal(dp_judge_tls_cert(&m.w.ctx, &m.obs, &m.w.out), 0);
	assert_int_equal(dp_results_worst(&m.w.out), DP_STATUS_OK);
	dp_results_clear(&m.w.out);
}

/* A bogus TLSA RRset: one CRITICAL about the endpoint, no verdict on any certificate. An
 * insecure one: DANE unusable (CRITICAL) at each address, never "matches", no fix; in an
 * unsigned zone the finding follows from the apex (cause dnssec.chain). */
static void
test_dane_bogus_insecure(void **state)
{
	struct mail m;
	const struct dp_result *r;
	char why[] = "signature expired";

	(void)state;
	mail_init(&m);
	m.seen[0].tlsa.l.sec = DP_SEC_BOGUS;
	m.seen[0].tlsa.l.why_bogus = why;
	assert_int_equal(dp_judge_dane_tlsa(&m.w.ctx, &m.obs, &m.w.out), 0);
	assert_int_equal(m.w.out.n, 1);
	r = result_of(&m.w, "dane.tlsa", "25:mail.glitter.kr");
	assert_int_equal(r->status, DP_STATUS_CRITICAL);
	assert_non_null(strstr(r->summary, "the TLSA RRset at _25._tcp.mail.glitter.kr is bogus: "
	                                   "signature expired"));
	assert_null(strstr(r->summary, "match"));
	dp_results_clear(&m.w.out);

	mail_init(&m);
	m.seen[0].tlsa.l.sec = DP_SEC_INSECURE;
	m.w.disc.apex_sec = DP_SEC_INSECURE;
	m.h.sec_a = DP_SEC_INSECURE;
	assert_int_equal(dp_judge_dane_tlsa(&m.w.ctx, &m.obs, &m.w.out), 0);
	assert_int_equal(m.w.out.n, 2);
	r = result_of(&m.w, "dane.tlsa", "25:mail.glitter.kr/127.0.20.1");
	assert_int_equal(r->status, DP_STATUS_CRITICAL);
	assert_non_null(strstr(r->summary,
	                       "DANE unusable: the TLSA RRset at "
	                       "_25._tcp.mail.glitter.kr is insecure, not DNSSEC-secure"));
	assert_null(strstr(r->summary, "matches"));
	assert_false(json_is_true(json_object_get(r->details, "tlsa_match")));
	assert_true(r->samples[0].value == 0);
	assert_null(r->fix);
	assert_non_null(r->cause_id);
	assert_string_equal(r->cause_id, "dnssec.chain");
	assert_string_equal(r->cause_subject, "glitter.kr");
	dp_results_clear(&m.w.out);
}

/* One address of two serves another key: only that address is CRITICAL. */
static void
test_dane_one_address_fails(void **state)
{
	struct mail m;
	const struct dp_result *r;

	(void)state;
	mail_init(&m);
	serve_key(&m, 1, 0xb2);
	dane_verdict(&m, 1, -1);
	assert_int_equal(dp_judge_dane_tlsa(&m.w.ctx, &m.obs, &m.w.out), 0);
	assert_int_equal(result_of(&m.w, "dane.tlsa", "25:mail.glitter.kr/127.0.20.1")->status,
	                 DP_STATUS_OK);
	r = result_of(&m.w, "dane.tlsa", "25:mail.glitter.kr/127.0.20.2");
	assert_int_equal(r->status, DP_STATUS_CRITICAL);
	assert_non_null(strstr(r->summary, "25:mail.glitter.kr/127.0.20.2: no TLSA record"));
	assert_int_equal(dp_results_worst(&m.w.out), DP_STATUS_CRITICAL);
	dp_results_clear(&m.w.out);
}

/* The handshake failed at one address: CRITICAL there in both checks, the other stays OK. */
static void
test_tls_handshake_fails_one_address(void **state)
{
	struct mail m;
	struct dp_tls_res *f;
	const struct dp_result *r;

	(void)state;
	mail_init(&m);
	f = &m.job[1].res;
	memset(f, 0, sizeof(*f));
	f->step = DP_TLS_STEP_HANDSHAKE;
	f->starttls_offered = true;
	f->dane_match = -1;
	dp_snprintf(f->error, sizeof(f->error), "TLS handshake: sslv3 alert handshake failure");
	for (int check = 0; check < 2; check++) {
		const char *id = check == 0 ? "dane.tlsa" : "tls.cert";

		if (check == 0)
			assert_int_equal(dp_judge_dane_tlsa(&m.w.ctx, &m.obs, &m.w.out), 0);
		else
			assert_int_equal(dp_judge_tls_cert(&m.w.ctx, &m.obs, &m.w.out), 0);
		assert_int_equal(result_of(&m.w, id, "25:mail.glitter.kr/127.0.20.1")->status,
		                 DP_STATUS_OK);
		r = result_of(&m.w, id, "25:mail.glitter.kr/127.0.20.2");
		assert_int_equal(r->status, DP_STATUS_CRITICAL);
		assert_non_null(strstr(r->summary, "25:mail.glitter.kr/127.0.20.2: "));
		assert_non_null(strstr(r->summary, "sslv3 alert handshake failure"));
		dp_results_clear(&m.w.out);
	}
}

/* Within --cert-warn: tls.cert WARNING with the time left; DANE still matches, and notes that
 * the RRset pins only the current key, with the issuer's 2 1 1 to publish first. */
static void
test_tls_cert_expiring(void **state)
{
	struct mail m;
	const struct dp_result *r;
	char pre[200] = "_25._tcp.mail.glitter.kr. 3600 IN TLSA 2 1 1 ";

	(void)state;
	mail_init(&m);
	for (size_t a = 0; a < 2; a++)
		m.job[a].res.leaf.not_after = AT + 10 * DAY + 3600;
	assert_int_equal(dp_judge_tls_cert(&m.w.ctx, &m.obs, &m.w.out), 0);
	r = result_of(&m.w, "tls.cert", "25:mail.glitter.kr/127.0.20.1");
	assert_int_equal(r->status, DP_STATUS_WARNING);
	assert_non_null(strstr(r->summary, "certificate expires in 10d1h (2026-12-11T01:00:00Z) as "
	                                   "of --at, within --cert-warn 30d0h"));
	assert_string_equal(json_string_value(json_object_get(r->details, "expiry")), "expiring");
	assert_int_equal(json_integer_value(json_object_get(r->details, "remaining_seconds")),
	                 10 * DAY + 3600);
	assert_true(r->samples[0].value == (double)(AT + 10 * DAY + 3600));
	dp_results_clear(&m.w.out);
	/* within --cert-crit: CRITICAL */
	for (size_t a = 0; a < 2; a++)
		m.job[a].res.leaf.not_after = AT + 2 * DAY;
	assert_int_equal(dp_judge_tls_cert(&m.w.ctx, &m.obs, &m.w.out), 0);
	r = result_of(&m.w, "tls.cert", "25:mail.glitter.kr/127.0.20.2");
	assert_int_equal(r->status, DP_STATUS_CRITICAL);
	assert_non_null(strstr(r->summary, "expires in 2d0h"));
	assert_non_null(strstr(r->summary, "within --cert-crit 7d0h"));
	dp_results_clear(&m.w.out);

	/* DANE over the certificate within --cert-warn */
	for (size_t a = 0; a < 2; a++)
		m.job[a].res.leaf.not_after = AT + 10 * DAY + 3600;
	fill_hex(pre + strlen(pre), 32, 0xd4);
	assert_int_equal(dp_judge_dane_tlsa(&m.w.ctx, &m.obs, &m.w.out), 0);
	r = result_of(&m.w, "dane.tlsa", "25:mail.glitter.kr/127.0.20.1");
	assert_int_equal(r->status, DP_STATUS_OK);
	assert_non_null(strstr(r->summary, "the certificate expires in 10d1h, within --cert-warn "
	                                   "30d0h and the TLSA RRset pins only its current key"));
	assert_true(has_fix(r, pre));
	dp_results_clear(&m.w.out);
}

/* Past notAfter: CRITICAL with how long ago, at the address that serves it. */
static void
test_tls_cert_expired(void **state)
{
	struct mail m;
	const struct dp_result *r;

	(void)state;
	mail_init(&m);
	m.job[0].res.leaf.not_after = AT - 2 * DAY;
	assert_int_equal(dp_judge_tls_cert(&m.w.ctx, &m.obs, &m.w.out), 0);
	r = result_of(&m.w, "tls.cert", "25:mail.glitter.kr/127.0.20.1");
	assert_int_equal(r->status, DP_STATUS_CRITICAL);
	assert_non_null(strstr(r->summary, "25:mail.glitter.kr/127.0.20.1: certificate expired "
	                                   "2d0h ago (2026-11-29T00:00:00Z) as of --at"));
	assert_string_equal(json_string_value(json_object_get(r->details, "expiry")), "expired");
	assert_int_equal(result_of(&m.w, "tls.cert", "25:mail.glitter.kr/127.0.20.2")->status,
	                 DP_STATUS_OK);
	dp_results_clear(&m.w.out);
}

/* PKIX fails (an unknown issuer): tls.cert CRITICAL with OpenSSL's reason; DANE-EE does not
 * depend on PKIX (RFC 7672 §3.1.1), so dane.tlsa stays OK. */
static void
test_tls_cert_pkix_fails(void **state)
{
	struct mail m;
	const struct dp_result *r;

	(void)state;
	mail_init(&m);
	for (size_t a = 0; a < 2; a++) {
		m.job[a].res.pkix_valid = false;
		dp_snprintf(m.job[a].res.pkix_error, sizeof(m.job[a].res.pkix_error),
		            "unable to get local issuer certificate");
	}
	assert_int_equal(dp_judge_tls_cert(&m.w.ctx, &m.obs, &m.w.out), 0);
	r = result_of(&m.w, "tls.cert", "25:mail.glitter.kr/127.0.20.2");
	assert_int_equal(r->status, DP_STATUS_CRITICAL);
	assert_non_null(strstr(r->summary, "certificate not PKIX-valid for mail.glitter.kr: unable "
	                                   "to get local issuer certificate"));
	assert_false(json_is_true(json_object_get(r->details, "pkix_valid")));
	assert_string_equal(json_string_value(json_object_get(r->details, "pkix_error")),
	                    "unable to get local issuer certificate");
	dp_results_clear(&m.w.out);
	assert_int_equal(dp_judge_dane_tlsa(&m.w.ctx, &m.obs, &m.w.out), 0);
	assert_int_equal(dp_results_worst(&m.w.out), DP_STATUS_OK);
	dp_results_clear(&m.w.out);
}

/* A 3 1 2 (SHA-512) record beside a stale 3 1 1: the 3 1 2 matches (OK), the 3 1 1 is listed
 * as matching nothing. */
static void
test_dane_312_sha512(void **state)
{
	struct mail m;
	const struct dp_result *r;
	json_t *mr;

	(void)state;
	mail_init(&m);
	memset(m.data[1], 0xc3, 64);
	m.tlsa[1] =
	    (struct dp_tlsa){.usage = 3, .selector = 1, .mtype = 2, .data = m.data[1], .len = 64};
	m.seen[0].tlsa.n = 2;
	for (size_t a = 0; a < 2; a++) {
		serve_key(&m, a, 0xc3);
		dane_verdict(&m, a, 1);
	}
	assert_int_equal(dp_judge_dane_tlsa(&m.w.ctx, &m.obs, &m.w.out), 0);
	r = result_of(&m.w, "dane.tlsa", "25:mail.glitter.kr/127.0.20.1");
	assert_int_equal(r->status, DP_STATUS_OK);
	assert_non_null(strstr(r->summary, "TLSA 3 1 2 c3c3c3c3c3c3c3c3... (DANE-EE) matches"));
	assert_non_null(strstr(r->summary, "matching nothing: 3 1 1 a1a1a1a1a1a1a1a1..."));
	mr = json_object_get(r->details, "matched_record");
	assert_int_equal(json_integer_value(json_object_get(mr, "mtype")), 2);
	assert_int_equal(dp_results_worst(&m.w.out), DP_STATUS_OK);
	dp_results_clear(&m.w.out);
}

/* A session the run did not make by the deadline (cut) or not at all is UNKNOWN in both checks,
 * never a finding about the server. */
static void
test_tls_session_missing_is_unknown(void **state)
{
	struct mail m;
	const struct dp_result *r;

	(void)state;
	mail_init(&m);
	memset(&m.job[0].res, 0, sizeof(m.job[0].res));
	m.job[0].res.cut = true;
	dp_snprintf(m.job[0].res.error, sizeof(m.job[0].res.error),
	            "no TLS session by the deadline");
	m.seen[0].nsessions = 1; /* and none for 127.0.20.2 */
	for (int check = 0; check < 2; check++) {
		const char *id = check == 0 ? "dane.tlsa" : "tls.cert";

		if (check == 0)
			assert_int_equal(dp_judge_dane_tlsa(&m.w.ctx, &m.obs, &m.w.out), 0);
		else
			assert_int_equal(dp_judge_tls_cert(&m.w.ctx, &m.obs, &m.w.out), 0);
		r = result_of(&m.w, id, "25:mail.glitter.kr/127.0.20.1");
		assert_int_equal(r->status, DP_STATUS_UNKNOWN);
		assert_non_null(strstr(r->summary, "not checked: budget exhausted"));
		r = result_of(&m.w, id, "25:mail.glitter.kr/127.0.20.2");
		assert_int_equal(r->status, DP_STATUS_UNKNOWN);
		assert_non_null(strstr(r->summary, "could not check: no TLS session was observed"));
		dp_results_clear(&m.w.out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_serial_agree),
	    cmocka_unit_test(test_serial_lagging),
	    cmocka_unit_test(test_serial_unreachable_names_address),
	    cmocka_unit_test(test_delegation_healthy),
	    cmocka_unit_test(test_delegation_glue_mismatch),
	    cmocka_unit_test(test_delegation_failed_lookup_is_unknown),
	    cmocka_unit_test(test_delegation_ns_lookup_failed),
	    cmocka_unit_test(test_endpoints_unknown),
	    cmocka_unit_test(test_delegation_lame),
	    cmocka_unit_test(test_dane_311_match),
	    cmocka_unit_test(test_dane_renewed_without_tlsa),
	    cmocka_unit_test(test_dane_bogus_insecure),
	    cmocka_unit_test(test_dane_one_address_fails),
	    cmocka_unit_test(test_tls_handshake_fails_one_address),
	    cmocka_unit_test(test_tls_cert_expiring),
	    cmocka_unit_test(test_tls_cert_expired),
	    cmocka_unit_test(test_tls_cert_pkix_fails),
	    cmocka_unit_test(test_dane_312_sha512),
	    cmocka_unit_test(test_tls_session_missing_is_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
