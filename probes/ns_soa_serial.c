/* ns.soa_serial: every nameserver name × address gives the same SOA serial (RFC 1982 order);
 * laggards warn, unreachable or lame servers are critical, and so is a lasting disagreement. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "survey/nssurvey.h"
#include "survey/obs.h"
#include "probes/judges.h"
#include "dnsprobe/probe.h"
#include "dns/serial.h"

#define ID "ns.soa_serial"
#define SUBJ 320

/* What the run worked out over all targets. */
struct verdict {
	struct dp_serial_summary sum;
	uint32_t refresh;     /* SOA refresh of a server holding the newest serial */
	int64_t grace;	      /* seconds a disagreement may last in the monitor; -1: no limit */
	int64_t since;	      /* monitor: since when the servers disagree (0: they agree) */
	bool grace_expired;
	size_t nlagging;
	size_t nbroken;	      /* no address, unreachable, lame */
	size_t nunrouted;     /* addresses this host has no route to: not checked */
};

/* Why a target that answered gave no usable serial, into buf. */
static const char *
no_serial_why(const struct dp_ns_target *t, char *buf, size_t bufsz)
{
	const struct dp_ns_answer *a = t->udp.answered ? &t->udp : &t->tcp;

	if (dp_ns_answer_problem(a, buf, bufsz) == NULL)
		dp_snprintf(buf, bufsz, "no authoritative SOA");
	return buf;
}

/* Status and summary of one target; lag into *lag. */
static enum dp_status
target_status(const struct dp_ctx *ctx, const struct dp_ns_target *t, const struct verdict *v,
	      uint32_t *lag, char *sum, size_t sumsz)
{
	char subj[SUBJ];
	char why[300];
	uint32_t s = 0;
	enum dp_status st;

	*lag = 0;
	dp_ns_target_subject(t, subj, sizeof(subj));
	if (!t->has_addr) {
		dp_snprintf(sum, sumsz, "%s has no address: %s", subj,
			    t->ns->host.error ? t->ns->host.error : "no A or AAAA record");
		return DP_STATUS_CRITICAL;
	}
	if (dp_ns_target_no_route(t)) {
		/* SPEC §1: an address this host has no route to is not checked, never "down". */
		dp_snprintf(sum, sumsz, "%s not checked from here: %s", subj, t->udp.error);
		return DP_STATUS_UNKNOWN;
	}
	if (!dp_ns_target_serial(t, &s, NULL) && dp_ns_target_cut(t)) {
		dp_snprintf(sum, sumsz, "%s " DP_BUDGET_EXHAUSTED " (no answer before the -t deadline)",
			    subj);
		return DP_STATUS_UNKNOWN;
	}
	if (!dp_ns_target_serial(t, &s, NULL)) {
		if (!t->udp.answered && !t->tcp.answered)
			dp_snprintf(sum, sumsz, "%s unreachable: no answer over UDP or TCP (%s)",
				    subj, t->udp.error[0] ? t->udp.error : "timeout");
		else
			dp_snprintf(sum, sumsz, "%s gave no SOA serial: %s", subj,
				    no_serial_why(t, why, sizeof(why)));
		return DP_STATUS_CRITICAL;
	}
	*lag = dp_serial_lag(&v->sum, s);
	st = dp_serial_lag_status(*lag, ctx->opts->serial_lag_warn, ctx->opts->serial_lag_crit);
	if (*lag == 0)
		dp_snprintf(sum, sumsz, "%s serves serial %u", subj, s);
	else if (!v->sum.ordered)
		dp_snprintf(sum, sumsz, "%s serves serial %u; the serials have no RFC 1982 order "
			    "(spread %u)", subj, s, v->sum.spread);
	else
		dp_snprintf(sum, sumsz, "%s serves serial %u, %u behind the newest %u", subj, s,
			    *lag, v->sum.newest);
	if (st == DP_STATUS_WARNING && v->grace_expired) {
		size_t len = strlen(sum);

		dp_snprintf(sum + len, sumsz - len, " for longer than the %llds grace period",
			    (long long)v->grace);
		st = DP_STATUS_CRITICAL;
	}
	return st;
}

static json_t *
target_json(const struct dp_ns_target *t, uint32_t lag)
{
	uint32_t s = 0;
	uint32_t refresh = 0;
	bool have = dp_ns_target_serial(t, &s, &refresh);
	const struct dp_ns_answer *a = t->udp.answered ? &t->udp : &t->tcp;
	json_t *o = json_pack("{s:s, s:s, s:b, s:b, s:b, s:b}", "server", t->ns->host.name,
			      "address", t->has_addr ? t->addr.text : "", "address_in_zone",
			      t->in_zone, "address_in_glue", t->in_glue, "at_parent",
			      t->ns->at_parent, "at_child", t->ns->at_child);

	if (o == NULL || !t->has_addr)
		return o;
	json_object_set_new(o, "soa_serial", have ? json_integer(s) : json_null());
	if (have) {
		json_object_set_new(o, "refresh", json_integer(refresh));
		json_object_set_new(o, "lag", json_integer(lag));
	}
	json_object_set_new(o, "answered", json_boolean(a->answered));
	if (a->answered) {
		json_object_set_new(o, "rtt_seconds", json_real(a->rtt));
		json_object_set_new(o, "aa", json_boolean(a->aa));
		json_object_set_new(o, "edns", json_boolean(a->edns));
	}
	json_object_set_new(o, "transport",
			    json_pack("{s:o, s:o}", "udp", dp_ns_answer_json(&t->udp), "tcp",
				      dp_ns_answer_json(&t->tcp)));
	return o;
}

/* Summarise the serials; the grace period uses the SOA refresh of a newest server (RFC 1996
 * §2: a secondary that missed a NOTIFY catches up within the refresh interval). */
static void
summarise(const struct dp_ctx *ctx, const struct dp_nssurvey *sv, struct verdict *v)
{
	uint32_t *vals = calloc(sv->n + 1, sizeof(*vals));
	size_t n = 0;

	memset(v, 0, sizeof(*v));
	for (size_t i = 0; vals != NULL && i < sv->n; i++) {
		if (dp_ns_target_serial(&sv->v[i], &vals[n], NULL))
			n++;
	}
	dp_serial_summarise(vals, n, &v->sum);
	free(vals);
	for (size_t i = 0; i < sv->n; i++) {
		uint32_t s = 0;
		uint32_t r = 0;

		if (!dp_ns_target_serial(&sv->v[i], &s, &r)) {
			if (dp_ns_target_no_route(&sv->v[i]))
				v->nunrouted++;
			else
				v->nbroken++;
			continue;
		}
		if (v->sum.ordered && s == v->sum.newest && v->refresh == 0)
			v->refresh = r;
		if (dp_serial_lag_status(dp_serial_lag(&v->sum, s), ctx->opts->serial_lag_warn,
					 -1) != DP_STATUS_OK)
			v->nlagging++;
	}
	v->grace = ctx->opts->serial_grace >= 0 ? ctx->opts->serial_grace : (int64_t)v->refresh;
}

/* Monitor only: remember since when the servers disagree (ctx->state "disagreeing_since"). */
static void
track_grace(const struct dp_ctx *ctx, struct verdict *v)
{
	json_t *j;
	int64_t since;

	if (ctx->state == NULL)
		return;
	j = json_object_get(ctx->state, "disagreeing_since");
	since = json_is_integer(j) ? (int64_t)json_integer_value(j) : 0;
	v->grace_expired = dp_serial_grace_expired(v->nlagging > 0, (int64_t)dp_now_wall(),
						   v->grace, &since);
	v->since = since;
	if (since > 0)
		json_object_set_new(ctx->state, "disagreeing_since", json_integer(since));
	else
		json_object_del(ctx->state, "disagreeing_since");
}

static const struct dp_metric m_serial = {
    .name = "dnsprobe_soa_serial",
    .help = "SOA serial each nameserver address gave.",
    .labels = {"server", "address", NULL},
};

static int
target_results(const struct dp_ctx *ctx, const struct dp_nssurvey *sv, const struct verdict *v,
	       struct dp_results *out)
{
	for (size_t i = 0; i < sv->n; i++) {
		const struct dp_ns_target *t = &sv->v[i];
		char subj[SUBJ];
		char sum[768];
		uint32_t lag = 0;
		enum dp_status st = target_status(ctx, t, v, &lag, sum, sizeof(sum));
		struct dp_result *r = dp_results_add(out, ID,
						     dp_ns_target_subject(t, subj, sizeof(subj)),
						     st, target_json(t, lag), "%s", sum);
		uint32_t serial = 0;

		if (r == NULL)
			return DP_ENOMEM;
		if (t->has_addr && dp_ns_target_serial(t, &serial, NULL) &&
		    dp_result_sample(r, &m_serial, (double)serial, t->ns->host.name,
				     t->addr.text) != 0)
			return DP_ENOMEM;
	}
	return 0;
}

static size_t
count_serial(const struct dp_nssurvey *sv, uint32_t serial)
{
	size_t n = 0;

	for (size_t i = 0; i < sv->n; i++) {
		uint32_t s = 0;

		if (dp_ns_target_serial(&sv->v[i], &s, NULL) && s == serial)
			n++;
	}
	return n;
}

/* The one line of the zone result: who lags, who is broken, or that all agree. */
static void
zone_summary(const struct dp_ctx *ctx, const struct dp_nssurvey *sv, const struct verdict *v,
	     char *buf, size_t bufsz)
{
	char subj[SUBJ];
	char why[300];

	buf[0] = '\0';
	for (size_t i = 0; i < sv->n; i++) {
		const struct dp_ns_target *t = &sv->v[i];
		uint32_t s = 0;
		uint32_t lag = 0;

		dp_ns_target_subject(t, subj, sizeof(subj));
		if (!t->has_addr)
			dp_append(buf, bufsz, "; ", "%s has no address", subj);
		else if (dp_ns_target_no_route(t))
			continue;
		else if (!dp_ns_target_serial(t, &s, NULL) && dp_ns_target_cut(t))
			dp_append(buf, bufsz, "; ", "%s not checked (budget exhausted)", subj);
		else if (!dp_ns_target_serial(t, &s, NULL) && !t->udp.answered && !t->tcp.answered)
			dp_append(buf, bufsz, "; ", "%s unreachable", subj);
		else if (!dp_ns_target_serial(t, &s, NULL))
			dp_append(buf, bufsz, "; ", "%s gives no serial (%s)", subj,
				  no_serial_why(t, why, sizeof(why)));
		else if ((lag = dp_serial_lag(&v->sum, s)) != 0 &&
			 dp_serial_lag_status(lag, ctx->opts->serial_lag_warn, -1) != DP_STATUS_OK)
			dp_append(buf, bufsz, "; ", "%s has serial %u, %u behind %u", subj, s, lag,
				  v->sum.newest);
	}
	if (buf[0] != '\0' && v->nlagging > 0 && v->sum.ordered)
		dp_append(buf, bufsz, "; ", "%zu of %zu addresses serve %u",
			  count_serial(sv, v->sum.newest), sv->n, v->sum.newest);
	if (buf[0] == '\0' && v->sum.n > 0)
		dp_snprintf(buf, bufsz, "all %zu nameserver addresses serve serial %u%s", v->sum.n,
			    v->sum.newest,
			    v->sum.ndistinct == 1 ? "" : " or one within --serial-lag-warn of it");
	if (v->nunrouted > 0)
		dp_append(buf, bufsz, "; ", "%zu address%s not checked from here (no route)",
			  v->nunrouted, v->nunrouted == 1 ? "" : "es");
	else if (v->grace_expired)
		dp_append(buf, bufsz, "; ", "disagreeing for longer than the %llds grace period",
			  (long long)v->grace);
}

static json_t *
serials_json(const struct dp_nssurvey *sv)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < sv->n; i++) {
		uint32_t s = 0;

		if (dp_ns_target_serial(&sv->v[i], &s, NULL))
			json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "server",
							     sv->v[i].ns->host.name, "address",
							     sv->v[i].addr.text, "serial",
							     (json_int_t)s));
	}
	return arr;
}

static int
zone_result(const struct dp_ctx *ctx, const struct dp_nssurvey *sv, const struct verdict *v,
	    enum dp_status worst, struct dp_results *out)
{
	char sum[2048];
	char ts[40];
	json_t *d = json_pack("{s:I, s:o, s:I, s:I, s:I, s:f}", "soa_serial_spread",
			      (json_int_t)v->sum.spread, "serials", serials_json(sv),
			      "distinct_serials", (json_int_t)v->sum.ndistinct, "servers_asked",
			      (json_int_t)sv->n, "servers_failed", (json_int_t)v->nbroken,
			      "survey_seconds", sv->seconds);

	if (d != NULL)
		json_object_set_new(d, "servers_not_checked", json_integer((json_int_t)v->nunrouted));

	if (d != NULL && v->sum.ordered)
		json_object_set_new(d, "newest_serial", json_integer(v->sum.newest));
	if (d != NULL && v->grace >= 0)
		json_object_set_new(d, "grace_seconds", json_integer(v->grace));
	if (d != NULL && v->since > 0) {
		dp_time_rfc3339(v->since, ts, sizeof(ts));
		json_object_set_new(d, "disagreeing_since", json_integer(v->since));
		json_object_set_new(d, "disagreeing_since_rfc3339", json_string(ts));
	}
	zone_summary(ctx, sv, v, sum, sizeof(sum));
	if (sv->n == 0)
		dp_snprintf(sum, sizeof(sum),
			    "no nameserver of %s found (neither at the parent nor in the zone)",
			    ctx->disc->domain);
	else if (v->sum.n == 0)
		dp_snprintf(sum + strlen(sum), sizeof(sum) - strlen(sum),
			    "%sno nameserver of %s gave an authoritative SOA serial",
			    sum[0] ? "; " : "", ctx->disc->domain);
	return dp_results_add(out, ID, ctx->disc->domain, worst, d, "%s", sum) != NULL ? 0
										      : DP_ENOMEM;
}

/* The judge: results over a survey (probes/judges.h). */
int
dp_judge_ns_soa_serial(const struct dp_ctx *ctx, const struct dp_nssurvey *sv,
		       struct dp_results *out)
{
	struct dp_results mine;
	struct verdict v;
	enum dp_status zworst;
	int rc;

	dp_results_init(&mine);
	summarise(ctx, sv, &v);
	track_grace(ctx, &v);
	rc = target_results(ctx, sv, &v, &mine);
	/* The only UNKNOWN a target gets is "not checked from here": the agreement of the
	 * others stands on its own. */
	zworst = dp_results_worst(&mine);
	if (zworst == DP_STATUS_UNKNOWN)
		zworst = DP_STATUS_OK;
	if (rc == 0)
		rc = zone_result(ctx, sv, &v,
				 sv->n == 0 || v.sum.n == 0 ? DP_STATUS_CRITICAL : zworst, out);
	if (rc == 0)
		rc = dp_results_take(out, &mine);
	dp_results_clear(&mine);
	return rc;
}

static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	const struct dp_nssurvey *sv = NULL;
	int rc = dp_obs_survey(ctx, &sv, err);

	if (rc != 0)
		return rc;
	rc = dp_judge_ns_soa_serial(ctx, sv, out);
	return rc != 0 ? dp_err_set(err, rc, "out of memory") : 0;
}

const struct dp_probe dp_probe_ns_soa_serial = {
	.id = ID,
	.title = "SOA serial agreement",
	.needs = DP_NEED_NS_ADDRS | DP_NEED_PARENT | DP_NEED_SURVEY,
	.timeout_ms = 20000,
	.metrics = (const struct dp_metric *const[]){&m_serial, NULL},
	.run = run,
};
