/* caa: the relevant CAA RRset (RFC 8659 §3: the domain's, else its nearest ancestor's) parsed per
 * RFC 8659 §4; reports the issuers; malformed → WARNING; missing → OK unless required. */
#include "config.h"

#include <string.h>

#include "dns/caa.h"
#include "dnsprobe/probe.h"
#include "dns/txt.h"

#define ID "caa"

static const char *
rcode_name(int rcode)
{
	static const char *const n[] = {"NOERROR",  "FORMERR", "SERVFAIL",
	                                "NXDOMAIN", "NOTIMP",  "REFUSED"};

	return rcode >= 0 && rcode < 6 ? n[rcode] : "rcode?";
}

/* One record into the details, and its issuer into the per-tag lists. */
static void
record_json(const struct dp_caa *c, const char *error, json_t *records, json_t *tags)
{
	char value[512];
	json_t *r;
	json_t *list;

	dp_text_printable(c->value, c->value_len, value, sizeof(value));
	r = json_pack("{s:i, s:s, s:s, s:b}", "flags", c->flags, "tag", c->tag, "value", value,
	              "critical", c->critical);
	if (r == NULL)
		return;
	if (error != NULL)
		json_object_set_new(r, "error", json_string(error));
	else if (c->warning[0] != '\0')
		json_object_set_new(r, "warning", json_string(c->warning));
	if (error == NULL && c->kind != DP_CAA_OTHER) {
		const char *what = c->kind == DP_CAA_IODEF ? value : c->issuer;

		if (c->kind != DP_CAA_IODEF)
			json_object_set_new(r, "issuer", json_string(c->issuer));
		list = json_object_get(tags, dp_caa_kind_str(c->kind));
		if (list == NULL) {
			list = json_array();
			json_object_set_new(tags, dp_caa_kind_str(c->kind), list);
		}
		/* "" stands for "no CA may issue" (RFC 8659 §4.2). */
		json_array_append_new(list, json_string(what));
	}
	json_array_append_new(records, r);
}

/* "issue letsencrypt.org; issuewild none; iodef mailto:…" from the per-tag lists. */
static void
describe(json_t *tags, char *buf, size_t bufsz)
{
	static const char *const order[] = {"issue", "issuewild", "iodef", "issuemail", "issuevmc"};
	size_t o = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		json_t *list = json_object_get(tags, order[k]);
		size_t i;
		json_t *v;

		if (list == NULL)
			continue;
		o = strlen(buf);
		dp_snprintf(buf + o, bufsz - o, "%s%s", o ? "; " : "", order[k]);
		json_array_foreach(list, i, v)
		{
			const char *s = json_string_value(v);

			o = strlen(buf);
			dp_snprintf(buf + o, bufsz - o, "%s%s", i ? ", " : " ",
			            s != NULL && s[0] != '\0' ? s : "none (no CA may issue)");
		}
	}
	if (buf[0] == '\0')
		dp_strlcpy(buf, "no issue, issuewild or iodef property", bufsz);
}

/* The relevant RRset was found at name: parse and judge every record. */
static int
judge(const struct dp_ctx *ctx, const struct dp_lookup *l, const char *name, struct dp_results *out)
{
	json_t *records = json_array();
	json_t *tags = json_object();
	enum dp_status worst = DP_STATUS_OK;
	char problem[512] = "";
	char found[1024];
	json_t *d;

	for (size_t i = 0; i < l->nrdata; i++) {
		struct dp_caa c;
		struct dp_err err = {0};
		int rc = dp_caa_parse(l->rdata[i], l->rdlen[i], &c, &err);

		record_json(&c, rc != 0 ? err.msg : NULL, records, tags);
		if (rc == 0 && c.warning[0] == '\0')
			continue;
		worst = DP_STATUS_WARNING;
		if (problem[0] == '\0')
			dp_snprintf(problem, sizeof(problem), "%s CAA %s: %s", name,
			            c.tag[0] ? c.tag : "record", rc != 0 ? err.msg : c.warning);
	}
	describe(tags, found, sizeof(found));
	d = json_pack("{s:s, s:b, s:s, s:o, s:o}", "found_at", name, "inherited",
	              strcmp(name, ctx->opts->domain) != 0, "security", dp_sec_str(l->sec),
	              "records", records, "properties", tags);
	if (worst != DP_STATUS_OK)
		return dp_results_add(out, ID, ctx->opts->domain, worst, d, "%s", problem)
		           ? 0
		           : DP_ENOMEM;
	return dp_results_add(out, ID, ctx->opts->domain, worst, d, "CAA at %s: %s", name, found)
	           ? 0
	           : DP_ENOMEM;
}

/* RFC 8659 §3: climb from the domain towards the root; the first non-empty CAA RRset is the
 * relevant one. The root is not asked. */
static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	const char *name = ctx->opts->domain;
	int rc = 0;

	while (name != NULL && name[0] != '\0') {
		struct dp_lookup l = {0};
		const char *dot;

		if (dp_ctx_expired(ctx))
			return dp_err_set(err, DP_ETIMEOUT, "deadline passed looking up CAA at %s",
			                  name);
		rc = dp_resolver_lookup(ctx->resolver, name, DP_RR_CAA, &l, err);
		if (rc != 0)
			return rc;
		if (l.sec == DP_SEC_BOGUS || (l.rcode != 0 && l.rcode != 3)) {
			/* A CA that cannot get the RRset must not treat it as empty. */
			rc = dp_results_add(
			         out, ID, ctx->opts->domain, DP_STATUS_CRITICAL,
			         json_pack("{s:s, s:s, s:s, s:s?}", "found_at", name, "security",
			                   dp_sec_str(l.sec), "rcode", rcode_name(l.rcode),
			                   "why_bogus", l.why_bogus),
			         "CAA lookup at %s fails (%s%s%s): CAs cannot check it", name,
			         l.sec == DP_SEC_BOGUS ? "bogus" : rcode_name(l.rcode),
			         l.why_bogus ? ": " : "", l.why_bogus ? l.why_bogus : "")
			         ? 0
			         : DP_ENOMEM;
			dp_lookup_clear(&l);
			goto out;
		}
		if (l.havedata && l.nrdata > 0) {
			rc = judge(ctx, &l, name, out);
			dp_lookup_clear(&l);
			goto out;
		}
		dp_lookup_clear(&l);
		dot = strchr(name, '.');
		name = dot != NULL ? dot + 1 : NULL;
	}
	rc =
	    dp_results_add(out, ID, ctx->opts->domain,
	                   ctx->opts->caa_required ? DP_STATUS_WARNING : DP_STATUS_OK,
	                   json_pack("{s:n, s:b}", "found_at", "required", ctx->opts->caa_required),
	                   "no CAA record at %s or above: any CA may issue%s", ctx->opts->domain,
	                   ctx->opts->caa_required ? " (CAA is required for this domain)" : "")
	        ? 0
	        : DP_ENOMEM;
out:
	if (rc != 0)
		return dp_err_set(err, rc, "out of memory");
	return 0;
}

const struct dp_probe dp_probe_caa = {
    .id = ID,
    .title = "CAA records",
    .needs = DP_NEED_APEX,
    .timeout_ms = 15000,
    .run = run,
};
