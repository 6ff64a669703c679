/* tls_rpt: the `_smtp._tls` TXT record (RFC 8460 §3): exactly one v=TLSRPTv1 with valid rua
 * URIs; missing while MTA-STS or DANE is in use, or malformed → WARNING. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mail/mta_sts.h"
#include "dnsprobe/probe.h"
#include "probes/causes.h"
#include "mail/tlsrpt.h"
#include "dns/txt.h"

#define ID      "tls_rpt"
#define TXT_CAP 4096

/* The v=TLSRPTv1 records of a TXT answer (others ignored, RFC 8460 §3). */
struct found {
	size_t n;           /* records that begin with "v=TLSRPTv1" *WSP ";" */
	size_t nnear;       /* near misses, discarded by senders (bare "v=TLSRPTv1", ...) */
	char near[128];     /* the first of them, printable */
	char text[TXT_CAP]; /* the first of them */
	size_t len;
	size_t nbroken; /* TXT rdata that could not be joined */
};

static void
scan(const struct dp_lookup *l, struct found *f)
{
	char s[TXT_CAP];
	size_t len;
	struct dp_err err;

	for (size_t i = 0; i < l->nrdata; i++) {
		if (dp_txt_join(l->rdata[i], l->rdlen[i], s, sizeof(s), &len, &err) != 0) {
			f->nbroken++;
			continue;
		}
		switch (dp_txt_classify(s, len, DP_TLSRPT_VERSION)) {
		case DP_TXT_RECORD:
			break;
		case DP_TXT_NEAR:
			if (f->nnear++ == 0)
				dp_text_printable(s, len, f->near, sizeof(f->near));
			continue;
		case DP_TXT_OTHER:
			continue;
		}
		if (f->n++ == 0) {
			memcpy(f->text, s, len + 1);
			f->len = len;
		}
	}
}

/* Is MTA-STS published (a v=STSv1 record at _mta-sts)? *unknown (with why) when the lookup
 * failed: a failed lookup is not "not in use". */
static bool
mta_sts_in_use(const struct dp_ctx *ctx, bool *unknown, char *why, size_t whysz)
{
	struct dp_lookup l = {0};
	struct dp_err err;
	char name[300];
	char s[TXT_CAP];
	size_t len;
	bool used = false;

	if (!dp_snprintf(name, sizeof(name), "_mta-sts.%s", ctx->opts->domain))
		return false;
	if (dp_resolver_lookup(ctx->resolver, name, DP_RR_TXT, &l, &err) != 0) {
		*unknown = true;
		dp_snprintf(why, whysz, "%s TXT: %s", name, err.msg);
		return false;
	}
	if (!l.havedata && l.rcode != 0 && l.rcode != 3) {
		*unknown = true;
		dp_snprintf(why, whysz, "the %s TXT lookup failed (rcode %d%s%s)", name, l.rcode,
		            l.why_bogus ? ", " : "", l.why_bogus ? l.why_bogus : "");
	}
	for (size_t i = 0; !used && i < l.nrdata; i++)
		used = dp_txt_join(l.rdata[i], l.rdlen[i], s, sizeof(s), &len, &err) == 0 &&
		       dp_sts_txt_is_sts(s, len);
	dp_lookup_clear(&l);
	return used;
}

/* Is DANE in use for mail: a TLSA RRset at _25._tcp of some MX host? Returns that host. When
 * none is found but some could not be looked at (MX lookup failed, a TLSA lookup failed, the
 * budget ran out) *unknown is set with why: that is not "not in use". */
static const char *
dane_in_use(const struct dp_ctx *ctx, bool *unknown, char *why, size_t whysz)
{
	const struct dp_discovery *d = ctx->disc;

	if (d->mx_failed && !*unknown) {
		*unknown = true;
		dp_snprintf(why, whysz, "%s", d->mx_error ? d->mx_error : "the MX lookup failed");
	}
	for (size_t i = 0; i < d->nmx; i++) {
		struct dp_lookup l = {0};
		struct dp_err err;
		char name[300];
		bool used;

		if (!dp_snprintf(name, sizeof(name), "_25._tcp.%s", d->mx[i].host.name))
			continue;
		if (dp_ctx_expired(ctx)) {
			if (!*unknown)
				dp_snprintf(why, whysz, "%s TLSA: " DP_BUDGET_EXHAUSTED, name);
			*unknown = true;
			break;
		}
		if (dp_resolver_lookup(ctx->resolver, name, DP_RR_TLSA, &l, &err) != 0) {
			if (!*unknown)
				dp_snprintf(why, whysz, "%s TLSA: %s", name, err.msg);
			*unknown = true;
			continue;
		}
		used = l.havedata;
		if (!used && l.rcode != 0 && l.rcode != 3 && !*unknown) {
			*unknown = true;
			dp_snprintf(why, whysz, "the %s TLSA lookup failed (rcode %d%s%s)", name,
			            l.rcode, l.why_bogus ? ", " : "", l.why_bogus ? l.why_bogus : "");
		}
		dp_lookup_clear(&l);
		if (used)
			return d->mx[i].host.name;
	}
	return NULL;
}

static json_t *
rua_json(const struct dp_tlsrpt *t)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < t->nrua; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "uri", t->rua[i].uri, "scheme",
		                                   dp_tlsrpt_scheme_str(t->rua[i].scheme)));
	return a;
}

/* No usable record: WARNING when MTA-STS or DANE is in use, else base (OK for none at all). */
static int
missing(const struct dp_ctx *ctx, struct dp_results *out, json_t *details, const char *name,
        const char *what, enum dp_status base)
{
	bool unknown = false;
	char why[512] = "";
	bool sts = mta_sts_in_use(ctx, &unknown, why, sizeof(why));
	const char *dane = dane_in_use(ctx, &unknown, why, sizeof(why));
	enum dp_status s = (sts || dane != NULL) ? DP_STATUS_WARNING : base;
	char uses[320];

	json_object_set_new(details, "mta_sts_in_use", json_boolean(sts));
	json_object_set_new(details, "dane_in_use", json_boolean(dane != NULL));
	if (!sts && dane == NULL && unknown && base == DP_STATUS_OK) {
		/* OK or WARNING hangs on whether MTA-STS or DANE is in use, which is unknown */
		struct dp_result *r;

		json_object_set_new(details, "in_use_unknown", json_string(why));
		r = dp_results_add(out, ID, ctx->opts->domain, DP_STATUS_UNKNOWN, details,
		                   "%s: %s; not judged: whether MTA-STS or DANE is in use is unknown "
		                   "(%s)",
		                   name, what, why);
		if (r == NULL)
			return DP_ENOMEM;
		return dp_result_set_cause(r, DP_CAUSE_CHAIN_ID, ctx->disc->domain);
	}
	if (!sts && dane == NULL)
		return dp_results_add(out, ID, ctx->opts->domain, s, details,
		                      "%s: %s (neither MTA-STS nor DANE in use)", name, what)
		           ? 0
		           : DP_ENOMEM;
	if (sts && dane != NULL)
		dp_snprintf(uses, sizeof(uses), "MTA-STS and DANE (on %s) are", dane);
	else if (sts)
		dp_strlcpy(uses, "MTA-STS is", sizeof(uses));
	else
		dp_snprintf(uses, sizeof(uses), "DANE (on %s) is", dane);
	return dp_results_add(out, ID, ctx->opts->domain, s, details,
	                      "%s: %s while %s in use: TLS failures go unreported", name, what,
	                      uses)
	           ? 0
	           : DP_ENOMEM;
}

static int
verdict(const struct dp_ctx *ctx, const struct dp_lookup *l, const char *name,
        struct dp_results *out)
{
	struct found *f = calloc(1, sizeof(*f));
	struct dp_tlsrpt t;
	struct dp_err err = {0};
	char shown[256];
	json_t *d;
	int rc;

	if (f == NULL)
		return DP_ENOMEM;
	scan(l, f);
	d = json_pack("{s:s, s:i, s:s}", "name", name, "records", (json_int_t)f->n, "security",
	              dp_sec_str(l->sec));
	if (f->nnear > 0)
		json_object_set_new(d, "discarded", json_integer((json_int_t)f->nnear));
	if (f->n == 0 && f->nnear > 0) {
		/* RFC 8460 §3: records not beginning with "v=TLSRPTv1;" are discarded. */
		dp_snprintf(shown, sizeof(shown),
		            "\"%s\" does not begin with \"v=TLSRPTv1;\" and is discarded (RFC 8460 §3)",
		            f->near);
		rc = missing(ctx, out, d, name, shown, DP_STATUS_WARNING);
	} else if (f->n == 0) {
		rc = missing(ctx, out, d, name, "no v=TLSRPTv1 record", DP_STATUS_OK);
	} else if (f->n > 1) {
		/* RFC 8460 §3: with more than one record senders assume there is none. */
		rc = missing(ctx, out, d, name, "more than one v=TLSRPTv1 record",
		             DP_STATUS_WARNING);
	} else if (dp_tlsrpt_parse(f->text, f->len, &t, &err) != 0) {
		json_object_set_new(
		    d, "record",
		    json_string(dp_text_printable(f->text, f->len, shown, sizeof(shown))));
		json_object_set_new(d, "error", json_string(err.msg));
		rc = dp_results_add(out, ID, ctx->opts->domain, DP_STATUS_WARNING, d,
		                    "%s: malformed TLS-RPT record: %s", name, err.msg)
		         ? 0
		         : DP_ENOMEM;
	} else {
		json_object_set_new(d, "record", json_string(f->text));
		json_object_set_new(d, "rua", rua_json(&t));
		json_object_set_new(d, "rua_fields", json_integer((json_int_t)t.nrua_fields));
		rc = dp_results_add(out, ID, ctx->opts->domain, DP_STATUS_OK, d,
		                    "%s: reports go to %s%s", name, t.rua[0].uri,
		                    t.nrua > 1 ? " and more" : "")
		         ? 0
		         : DP_ENOMEM;
	}
	free(f);
	return rc;
}

static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	struct dp_lookup l = {0};
	char name[300];
	int rc;

	if (!dp_snprintf(name, sizeof(name), "_smtp._tls.%s", ctx->opts->domain))
		return dp_err_set(err, DP_EINVAL, "domain name too long");
	rc = dp_resolver_lookup(ctx->resolver, name, DP_RR_TXT, &l, err);
	if (rc != 0)
		return rc;
	if (l.sec != DP_SEC_BOGUS && !l.havedata && l.rcode != 0 && l.rcode != 3) {
		/* A failed lookup (no answer, SERVFAIL) is not evidence about the record. */
		struct dp_result *r = dp_results_add(
		    out, ID, ctx->opts->domain, DP_STATUS_UNKNOWN,
		    json_pack("{s:s, s:s, s:i, s:s?}", "name", name, "security", dp_sec_str(l.sec),
		              "rcode", l.rcode, "why_bogus", l.why_bogus),
		    "not checked: the %s TXT lookup failed (%s%s%s)", name,
		    l.rcode == 2 ? "SERVFAIL" : "lookup failed", l.why_bogus ? ", " : "",
		    l.why_bogus ? l.why_bogus : "");

		rc = r == NULL ? DP_ENOMEM : dp_result_set_cause(r, DP_CAUSE_CHAIN_ID, ctx->disc->domain);
	} else if (l.sec == DP_SEC_BOGUS) {
		/* Senders cannot get the record either: as good as missing, and say why. */
		rc = dp_results_add(out, ID, ctx->opts->domain, DP_STATUS_WARNING,
		                    json_pack("{s:s, s:s, s:i, s:s?}", "name", name, "security",
		                              dp_sec_str(l.sec), "rcode", l.rcode, "why_bogus",
		                              l.why_bogus),
		                    "%s TXT cannot be resolved (%s%s%s)", name,
		                    l.sec == DP_SEC_BOGUS ? "bogus" : "lookup failed",
		                    l.why_bogus ? ": " : "", l.why_bogus ? l.why_bogus : "")
		         ? 0
		         : DP_ENOMEM;
	} else {
		rc = verdict(ctx, &l, name, out);
	}
	dp_lookup_clear(&l);
	if (rc != 0)
		return dp_err_set(err, rc, "out of memory");
	return 0;
}

const struct dp_probe dp_probe_tls_rpt = {
    .id = ID,
    .title = "SMTP TLS reporting",
    .needs = DP_NEED_MX_HOSTS,
    .timeout_ms = 15000,
    .run = run,
};
