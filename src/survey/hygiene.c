/* Nameserver hygiene: every authoritative address asked a few questions at once, and the pure
 * judges of the answers (zone transfer, recursion, EDNS compliance, SOA fields, diversity). */
#include "config.h"

#include "survey/hygiene.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
dp_hyg_ask(const struct dp_ctx *ctx, const struct dp_nssurvey *sv, const struct dp_query *tmpl,
	   size_t nq, struct dp_reply **rep, struct dp_err *err)
{
	struct dp_query *q = calloc(sv->n * nq + 1, sizeof(*q));
	struct dp_reply *got = calloc(sv->n * nq + 1, sizeof(*got));
	size_t *slot = calloc(sv->n * nq + 1, sizeof(*slot));
	size_t n = 0;
	int rc = DP_ENOMEM;

	*rep = calloc(sv->n * nq + 1, sizeof(**rep));
	if (q == NULL || got == NULL || slot == NULL || *rep == NULL) {
		dp_err_set(err, rc, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < sv->n; i++) {
		for (size_t j = 0; j < nq && sv->v[i].has_addr; j++) {
			slot[n] = i * nq + j;
			q[n] = tmpl[j];
			if (q[n].qname == NULL)
				q[n].qname = ctx->disc->domain;
			q[n].server = &sv->v[i].addr;
			/* the per-step deadline of the other per-server checks */
			q[n].timeout_ms = dp_ctx_step_ms(ctx);
			q[n].deadline = ctx->deadline;
			n++;
		}
	}
	rc = dp_query_send_many(q, got, n, err);
	/* what the run's deadline cut off says "not checked: budget exhausted" */
	if (rc == 0)
		(void)dp_ctx_mark_cut(ctx, got, n);
	for (size_t k = 0; k < n; k++) {
		if (rc == 0)
			(*rep)[slot[k]] = got[k];
		else
			dp_reply_clear(&got[k]);
	}
out:
	if (rc != 0) {
		free(*rep);
		*rep = NULL;
	}
	free(q);
	free(got);
	free(slot);
	return rc;
}

void
dp_hyg_replies_free(struct dp_reply *rep, size_t n)
{
	for (size_t i = 0; rep != NULL && i < n; i++)
		dp_reply_clear(&rep[i]);
	free(rep);
}

/* The result for one address: "not checked" unless its control question was answered, else
 * c's judgement. */
static int
target_result(const struct dp_ctx *ctx, const struct dp_hyg_check *c, const struct dp_ns_target *t,
	      const struct dp_reply *rep, struct dp_results *out)
{
	char subj[320];
	char sum[1536];
	enum dp_status st;
	json_t *d = dp_hyg_target_json(t);
	struct dp_result *r;

	dp_ns_target_subject(t, subj, sizeof(subj));
	if (dp_hyg_unchecked(&rep[0], dp_ctx_cut(ctx), sum, sizeof(sum)) != NULL)
		st = DP_STATUS_UNKNOWN;
	else
		st = c->judge(ctx, rep, d, sum, sizeof(sum));
	r = dp_results_add(out, c->id, subj, st, d, "%s: %s", subj, sum);
	if (r == NULL)
		return DP_ENOMEM;
	return dp_hyg_unreached(&rep[0]) ? dp_result_set_cause(r, c->silent_cause, subj) : 0;
}

int
dp_hyg_run(const struct dp_ctx *ctx, const struct dp_hyg_check *c, struct dp_results *out,
	   struct dp_err *err)
{
	struct dp_nssurvey sv;
	struct dp_reply *rep = NULL;
	int rc = dp_nssurvey_targets(ctx->disc, &sv);

	if (rc != 0)
		return dp_err_set(err, rc, "out of memory");
	if (dp_hyg_naddressed(&sv) == 0) {
		rc = dp_results_add(out, c->id, ctx->disc->domain, DP_STATUS_UNKNOWN, NULL,
				    "not checked: no nameserver address of %s to ask",
				    ctx->disc->domain) != NULL ? 0 : DP_ENOMEM;
		goto out;
	}
	rc = dp_hyg_ask(ctx, &sv, c->qs, c->nq, &rep, err);
	for (size_t i = 0; rc == 0 && i < sv.n; i++) {
		if (sv.v[i].has_addr)
			rc = target_result(ctx, c, &sv.v[i], &rep[i * c->nq], out);
	}
out:
	dp_hyg_replies_free(rep, sv.n * c->nq);
	dp_nssurvey_clear(&sv);
	return rc != 0 && err->code == 0 ? dp_err_set(err, rc, "out of memory") : rc;
}

const char *
dp_hyg_unchecked(const struct dp_reply *control, bool expired, char *buf, size_t bufsz)
{
	if (control->no_route)
		dp_snprintf(buf, bufsz, "not checked from here: %s", control->error);
	else if (!control->answered && (expired || dp_reply_cut(control)))
		dp_snprintf(buf, bufsz, "%s", DP_BUDGET_EXHAUSTED);
	else if (!control->answered)
		/* a server that is down is ns.soa_serial's finding, not this check's */
		dp_snprintf(buf, bufsz, "not checked: no answer to the SOA question either (%s)",
			    control->error[0] ? control->error : "timeout");
	else
		return NULL;
	return buf;
}

bool
dp_hyg_unreached(const struct dp_reply *control)
{
	return !control->no_route && !control->answered && !dp_reply_cut(control);
}

/* ---- SOA ---- */

bool
dp_hyg_soa_read(getdns_dict *reply, const char *zone, struct dp_soa_fields *out)
{
	getdns_list *ans = dp_msg_section(reply, "answer");

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < dp_list_len(ans); i++) {
		getdns_dict *rr = dp_list_dict(ans, i);
		char owner[256];
		char name[256];

		if (dp_rr_type(rr) != DP_RR_SOA || dp_rr_owner(rr, owner, sizeof(owner)) != 0 ||
		    strcmp(owner, zone) != 0)
			continue;
		if (dp_rr_rdata_name(rr, "mname", name, sizeof(name)) != 0 ||
		    dp_name_normalise(name, out->mname, sizeof(out->mname), false, NULL) != 0 ||
		    dp_rr_rdata_name(rr, "rname", name, sizeof(name)) != 0 ||
		    dp_name_normalise(name, out->rname, sizeof(out->rname), false, NULL) != 0 ||
		    dp_rr_rdata_int(rr, "serial", &out->serial) != 0 ||
		    dp_rr_rdata_int(rr, "refresh", &out->refresh) != 0 ||
		    dp_rr_rdata_int(rr, "retry", &out->retry) != 0 ||
		    dp_rr_rdata_int(rr, "expire", &out->expire) != 0 ||
		    dp_rr_rdata_int(rr, "minimum", &out->minimum) != 0)
			continue;
		return true;
	}
	memset(out, 0, sizeof(*out));
	return false;
}

size_t
dp_hyg_soa_diff(const struct dp_soa_fields *a, const struct dp_soa_fields *b, char *buf,
		size_t bufsz)
{
	size_t n = 0;

	buf[0] = '\0';
#define DIFF(cond, name)                                                                          \
	do {                                                                                      \
		if (cond) {                                                                       \
			size_t l = strlen(buf);                                                   \
			dp_snprintf(buf + l, bufsz - l, "%s%s", n > 0 ? ", " : "", name);         \
			n++;                                                                      \
		}                                                                                 \
	} while (0)
	DIFF(strcmp(a->mname, b->mname) != 0, "mname");
	DIFF(strcmp(a->rname, b->rname) != 0, "rname");
	DIFF(a->refresh != b->refresh, "refresh");
	DIFF(a->retry != b->retry, "retry");
	DIFF(a->expire != b->expire, "expire");
	DIFF(a->minimum != b->minimum, "minimum");
#undef DIFF
	return n;
}

/* RFC 1912 §2.2's ranges, and Zonemaster's bounds where RFC 1912 gives none (ZONE05: expire at
 * least 7 days; ZONE06: minimum between 300 s and 1 day, the negative-caching TTL of RFC 2308). */
#define ADV_REFRESH_MIN 1200	/* 20 minutes */
#define ADV_REFRESH_MAX 43200	/* 12 hours */
#define ADV_EXPIRE_MIN 604800	/* 7 days (RFC 1912 says 2-4 weeks) */
#define ADV_EXPIRE_MAX 2419200	/* 4 weeks */
#define ADV_MINIMUM_MIN 300
#define ADV_MINIMUM_MAX 86400

enum dp_status
dp_hyg_soa_timers(const struct dp_soa_fields *s, char *notes, size_t notesz)
{
	enum dp_status st = DP_STATUS_OK;
	char w[512] = "";

	notes[0] = '\0';
	/* Contradictions: a secondary would retry no sooner than it refreshes, or expire the zone
	 * before its first refresh (RFC 1035 §3.3.13, RFC 1912 §2.2; Zonemaster ZONE03, ZONE05). */
	if (s->retry >= s->refresh) {
		dp_append(w, sizeof(w), "; ", "retry %u is not below refresh %u", s->retry,
			  s->refresh);
		st = DP_STATUS_WARNING;
	}
	if (s->expire < s->refresh) {
		dp_append(w, sizeof(w), "; ",
			  "expire %u is below refresh %u: secondaries would drop the zone before "
			  "refreshing it", s->expire, s->refresh);
		st = DP_STATUS_WARNING;
	}
	if (s->refresh < ADV_REFRESH_MIN || s->refresh > ADV_REFRESH_MAX)
		dp_append(notes, notesz, "; ", "refresh %u outside RFC 1912's %u-%u", s->refresh,
			  ADV_REFRESH_MIN, ADV_REFRESH_MAX);
	if (s->expire < ADV_EXPIRE_MIN || s->expire > ADV_EXPIRE_MAX)
		dp_append(notes, notesz, "; ",
			  "expire %u outside the advised %u-%u (7 days to 4 weeks)", s->expire,
			  ADV_EXPIRE_MIN, ADV_EXPIRE_MAX);
	if (s->minimum < ADV_MINIMUM_MIN || s->minimum > ADV_MINIMUM_MAX)
		dp_append(notes, notesz, "; ",
			  "minimum (negative TTL) %u outside the advised %u-%u", s->minimum,
			  ADV_MINIMUM_MIN, ADV_MINIMUM_MAX);
	if (w[0] != '\0') {
		/* the warnings lead, the notes follow */
		char all[1024];

		dp_snprintf(all, sizeof(all), "%s%s%s", w, notes[0] ? "; " : "", notes);
		dp_strlcpy(notes, all, notesz);
	}
	return st;
}

/* ---- AXFR ---- */

void
dp_hyg_axfr_read(const struct dp_reply *r, const char *zone, struct dp_axfr_seen *out)
{
	getdns_list *ans;
	getdns_dict *first;
	char owner[256];

	memset(out, 0, sizeof(*out));
	out->answered = r->answered;
	if (!r->answered)
		return;
	out->rcode = r->rcode;
	ans = dp_msg_section(r->reply, "answer");
	out->nanswer = dp_list_len(ans);
	first = dp_list_dict(ans, 0);
	out->soa_first = first != NULL && dp_rr_type(first) == DP_RR_SOA &&
			 dp_rr_owner(first, owner, sizeof(owner)) == 0 && strcmp(owner, zone) == 0;
}

enum dp_status
dp_hyg_axfr_judge(const struct dp_axfr_seen *s, char *sum, size_t sumsz)
{
	char rc[16];

	if (!s->answered) {
		dp_snprintf(sum, sumsz, "no answer to AXFR over TCP: no zone transfer");
		return DP_STATUS_OK;
	}
	if (s->rcode == 0 && s->soa_first) {
		dp_snprintf(sum, sumsz,
			    "zone transfer open: AXFR answered to us (first message: %zu records, "
			    "starting with the SOA)", s->nanswer);
		return DP_STATUS_WARNING;
	}
	if (s->rcode == 0)
		dp_snprintf(sum, sumsz, "no zone transfer: AXFR answered without the zone's SOA");
	else
		dp_snprintf(sum, sumsz, "zone transfer refused (%s)",
			    dp_nssurvey_rcode_str(s->rcode, rc, sizeof(rc)));
	return DP_STATUS_OK;
}

/* ---- Recursion ---- */

void
dp_hyg_recursion_read(const struct dp_reply *r, struct dp_recursion_seen *out)
{
	memset(out, 0, sizeof(*out));
	out->answered = r->answered;
	if (!r->answered)
		return;
	out->rcode = r->rcode;
	out->ra = r->ra;
	out->aa = r->aa;
	out->nanswer = dp_list_len(dp_msg_section(r->reply, "answer"));
}

enum dp_status
dp_hyg_recursion_judge(const struct dp_recursion_seen *s, char *sum, size_t sumsz)
{
	char rc[16];

	if (!s->answered) {
		dp_snprintf(sum, sumsz, "no recursion: a recursive query for %s went unanswered",
			    DP_HYG_RECURSION_NAME);
		return DP_STATUS_OK;
	}
	dp_nssurvey_rcode_str(s->rcode, rc, sizeof(rc));
	/* NXDOMAIN or data for a name under .invalid, not from its own zones (no AA): that is a
	 * resolver's answer */
	if (s->ra && !s->aa && (s->rcode == 3 || (s->rcode == 0 && s->nanswer > 0))) {
		dp_snprintf(sum, sumsz, "recursion offered: %s answered recursively (%s, RA set)",
			    DP_HYG_RECURSION_NAME, rc);
		return DP_STATUS_WARNING;
	}
	if (s->ra)
		dp_snprintf(sum, sumsz, "no recursive answer (%s), though RA is set", rc);
	else
		dp_snprintf(sum, sumsz, "no recursion: %s for %s, RA clear", rc,
			    DP_HYG_RECURSION_NAME);
	return DP_STATUS_OK;
}

/* ---- EDNS ---- */

const char *
dp_edns_case_str(enum dp_edns_case c)
{
	switch (c) {
	case DP_EDNS_PLAIN:
		return "edns";
	case DP_EDNS_V1:
		return "edns1";
	case DP_EDNS_OPT:
		return "ednsopt";
	case DP_EDNS_V1OPT:
		return "edns1opt";
	case DP_EDNS_DO:
		return "do";
	case DP_EDNS_FLAGS:
		return "ednsflags";
	case DP_EDNS_NONE:
		return "dns";
	case DP_EDNS_NCASES:
		break;
	}
	return "?";
}

struct dp_query
dp_hyg_edns_query(enum dp_edns_case c)
{
	struct dp_query q = {.qtype = DP_RR_SOA, .transport = DP_TRANSPORT_UDP};

	q.edns_version = c == DP_EDNS_V1 || c == DP_EDNS_V1OPT ? 1 : 0;
	q.edns_option = c == DP_EDNS_OPT || c == DP_EDNS_V1OPT ? DP_HYG_UNKNOWN_OPTION : 0;
	q.dnssec_ok = c == DP_EDNS_DO;
	q.edns_flags = c == DP_EDNS_FLAGS ? DP_HYG_UNKNOWN_FLAG : 0;
	q.edns_none = c == DP_EDNS_NONE;
	return q;
}

void
dp_hyg_edns_read(const struct dp_reply *r, const char *zone, struct dp_edns_seen *out)
{
	struct dp_soa_fields soa;

	memset(out, 0, sizeof(*out));
	out->answered = r->answered;
	dp_strlcpy(out->error, r->error, sizeof(out->error));
	if (!r->answered)
		return;
	out->ext_rcode = r->ext_rcode;
	out->aa = r->aa;
	out->opt = r->edns;
	out->version = r->edns_version;
	out->do_bit = r->edns_do;
	out->z = r->edns_z;
	for (size_t i = 0; i < r->edns_noptions && i < 4; i++)
		out->option_echoed |= r->edns_options[i] == DP_HYG_UNKNOWN_OPTION;
	out->have_soa = r->rcode == 0 && dp_hyg_soa_read(r->reply, zone, &soa);
}

static const char *
ext_rcode_str(int rcode, char *buf, size_t bufsz)
{
	if (rcode != 16)
		return dp_nssurvey_rcode_str(rcode, buf, bufsz);
	dp_strlcpy(buf, "BADVERS", bufsz);
	return buf;
}

enum dp_status
dp_hyg_edns_judge(enum dp_edns_case c, const struct dp_edns_seen *s, char *buf, size_t bufsz)
{
	bool v1 = c == DP_EDNS_V1 || c == DP_EDNS_V1OPT;
	char rc[16];

	buf[0] = '\0';
	if (!s->answered) {
		/* the control question was answered (the caller checks): this one was dropped */
		dp_snprintf(buf, bufsz, "%s: no answer (%s)%s", dp_edns_case_str(c),
			    s->error[0] ? s->error : "timeout",
			    v1 ? ", BADVERS expected" : "");
		return DP_STATUS_WARNING;
	}
	ext_rcode_str(s->ext_rcode, rc, sizeof(rc));
	if (s->ext_rcode == 1) {
		dp_snprintf(buf, bufsz, "%s: FORMERR (no EDNS support)", dp_edns_case_str(c));
		return DP_STATUS_WARNING;
	}
	if (c == DP_EDNS_NONE) {
		/* RFC 6891 §7: a responder MUST NOT send an OPT to a requestor that sent none */
		if (s->ext_rcode != 0 || !s->have_soa)
			dp_append(buf, bufsz, "; ", "dns: %s%s to a query without EDNS", rc,
				  s->have_soa ? "" : " without the SOA");
		if (s->opt)
			dp_append(buf, bufsz, "; ",
				  "dns: an OPT record in the answer to a query without EDNS");
		return buf[0] != '\0' ? DP_STATUS_WARNING : DP_STATUS_OK;
	}
	if (!s->opt) {
		dp_snprintf(buf, bufsz, "%s: %s without an OPT record", dp_edns_case_str(c), rc);
		return DP_STATUS_WARNING;
	}
	if (v1 && s->ext_rcode != 16)
		dp_append(buf, bufsz, "; ", "%s: %s%s instead of BADVERS", dp_edns_case_str(c), rc,
			  s->have_soa ? " with the SOA" : "");
	else if (v1 && s->have_soa)
		dp_append(buf, bufsz, "; ", "%s: BADVERS with an answer", dp_edns_case_str(c));
	else if (!v1 && (s->ext_rcode != 0 || !s->have_soa))
		dp_append(buf, bufsz, "; ", "%s: %s%s", dp_edns_case_str(c), rc,
			  s->have_soa ? "" : " without the SOA");
	if (s->version != 0)
		dp_append(buf, bufsz, "; ", "%s: answered with EDNS version %u",
			  dp_edns_case_str(c), s->version);
	if (s->option_echoed)
		dp_append(buf, bufsz, "; ", "%s: echoed the unknown option %u", dp_edns_case_str(c),
			  DP_HYG_UNKNOWN_OPTION);
	if (s->z != 0)
		dp_append(buf, bufsz, "; ", "%s: must-be-zero EDNS flags 0x%04x in the answer%s",
			  dp_edns_case_str(c), s->z, c == DP_EDNS_FLAGS ? " (echoed)" : "");
	if (c == DP_EDNS_DO && !s->do_bit)
		dp_append(buf, bufsz, "; ", "do: DO bit not copied into the answer (RFC 3225 §3)");
	return buf[0] != '\0' ? DP_STATUS_WARNING : DP_STATUS_OK;
}

/* ---- Diversity ---- */

/* The prefix of a, the first bits4 (IPv4) or bits6 (IPv6) bits (multiples of 8), as
 * "a.b.c.0/24" / "x:y:z::/48" into buf. */
static void
prefix_of(const struct dp_addr *a, int bits4, int bits6, char *buf, size_t bufsz)
{
	char t[INET6_ADDRSTRLEN];

	if (a->family == AF_INET) {
		struct in_addr p = a->u.v4;

		memset((uint8_t *)&p + bits4 / 8, 0, 4 - (size_t)bits4 / 8);
		if (inet_ntop(AF_INET, &p, t, sizeof(t)) == NULL)
			t[0] = '\0';
		dp_snprintf(buf, bufsz, "%s/%d", t, bits4);
	} else {
		struct in6_addr p = a->u.v6;

		memset(p.s6_addr + bits6 / 8, 0, 16 - (size_t)bits6 / 8);
		if (inet_ntop(AF_INET6, &p, t, sizeof(t)) == NULL)
			t[0] = '\0';
		dp_snprintf(buf, bufsz, "%s/%d", t, bits6);
	}
}

/* Whether a's prefix (bits4/bits6) is new among addrs[0..i) of its family; into p. */
static bool
new_prefix(const struct dp_addr *addrs, size_t i, int bits4, int bits6, char *p, size_t psz)
{
	char q[INET6_ADDRSTRLEN + 4];

	prefix_of(&addrs[i], bits4, bits6, p, psz);
	for (size_t j = 0; j < i; j++) {
		if (addrs[j].family != addrs[i].family)
			continue;
		prefix_of(&addrs[j], bits4, bits6, q, sizeof(q));
		if (strcmp(p, q) == 0)
			return false;
	}
	return true;
}

void
dp_hyg_diversity(const struct dp_addr *addrs, size_t n, bool both_families,
		 struct dp_diversity *out, char *notes, size_t notesz)
{
	memset(out, 0, sizeof(*out));
	notes[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		bool v4 = addrs[i].family == AF_INET;
		char p[INET6_ADDRSTRLEN + 4];
		char w[INET6_ADDRSTRLEN + 4];
		bool np, nw;

		for (size_t j = 0; j < i && !dup; j++)
			dup = dp_addr_equal(&addrs[i], &addrs[j]);
		if (dup)
			continue;
		np = new_prefix(addrs, i, 24, 48, p, sizeof(p));
		nw = new_prefix(addrs, i, 16, 32, w, sizeof(w));
		*(v4 ? &out->nv4 : &out->nv6) += 1;
		*(v4 ? &out->nprefix4 : &out->nprefix6) += np;
		*(v4 ? &out->nwide4 : &out->nwide6) += nw;
		if (np && *(v4 ? &out->nprefix4 : &out->nprefix6) == 1)
			dp_strlcpy(v4 ? out->prefix4 : out->prefix6, p, sizeof(out->prefix4));
		if (nw && *(v4 ? &out->nwide4 : &out->nwide6) == 1)
			dp_strlcpy(v4 ? out->wide4 : out->wide6, w, sizeof(out->wide4));
	}
	if (out->nv4 == 1)
		dp_append(notes, notesz, "; ", "a single IPv4 address (in %s)", out->prefix4);
	else if (out->nv4 > 1 && out->nprefix4 == 1)
		dp_append(notes, notesz, "; ", "all %zu IPv4 addresses in one /24 (%s)", out->nv4,
			  out->prefix4);
	else if (out->nv4 > 1 && out->nwide4 == 1)
		dp_append(notes, notesz, "; ", "all %zu IPv4 addresses in one /16 (%s), likely one "
			  "network operator", out->nv4, out->wide4);
	if (out->nv6 == 1)
		dp_append(notes, notesz, "; ", "a single IPv6 address (in %s)", out->prefix6);
	else if (out->nv6 > 1 && out->nprefix6 == 1)
		dp_append(notes, notesz, "; ", "all %zu IPv6 addresses in one /48 (%s)", out->nv6,
			  out->prefix6);
	else if (out->nv6 > 1 && out->nwide6 == 1)
		dp_append(notes, notesz, "; ", "all %zu IPv6 addresses in one /32 (%s), likely one "
			  "network operator", out->nv6, out->wide6);
	if (both_families && out->nv4 + out->nv6 > 0 && (out->nv4 == 0 || out->nv6 == 0))
		dp_append(notes, notesz, "; ", "only %s nameserver addresses",
			  out->nv4 ? "IPv4" : "IPv6");
}

json_t *
dp_hyg_target_json(const struct dp_ns_target *t)
{
	return json_pack("{s:s, s:s}", "server", t->ns->host.name, "address", t->addr.text);
}

size_t
dp_hyg_naddressed(const struct dp_nssurvey *sv)
{
	size_t n = 0;

	for (size_t i = 0; i < sv->n; i++)
		n += sv->v[i].has_addr;
	return n;
}
