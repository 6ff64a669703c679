/* ns.hygiene.diversity: where the nameserver addresses are (RFC 2182 §3.1, Zonemaster CONNECTIVITY04):
 * all IPv4 addresses in one /24, all IPv6 in one /48, or a single address family are notes on an
 * OK result, never a failure (a lab or a small zone lives in one prefix). Asks nothing. */
#include "config.h"

#include <stdlib.h>

#include "survey/hygiene.h"
#include "dnsprobe/probe.h"

#define ID "ns.hygiene.diversity"

static int
run(const struct dp_ctx *ctx, struct dp_results *out, struct dp_err *err)
{
	struct dp_nssurvey sv;
	struct dp_diversity dv;
	struct dp_addr *a = NULL;
	char notes[600];
	size_t n = 0;
	json_t *d;
	json_t *list;
	int rc = dp_nssurvey_targets(ctx->disc, &sv);

	if (rc != 0)
		return dp_err_set(err, rc, "out of memory");
	a = calloc(sv.n + 1, sizeof(*a));
	list = json_array();
	if (a == NULL || list == NULL) {
		json_decref(list);
		rc = dp_err_set(err, DP_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < sv.n; i++) {
		if (!sv.v[i].has_addr)
			continue;
		a[n++] = sv.v[i].addr;
		json_array_append_new(list, dp_hyg_target_json(&sv.v[i]));
	}
	/* under -4/-6 the other family was left out by choice: no "only IPv4" note */
	dp_hyg_diversity(a, n, ctx->opts->ip_families == 0 || ctx->opts->ip_families == (DP_IPV4 | DP_IPV6),
			 &dv, notes, sizeof(notes));
	d = json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I}", "addresses", list, "ipv4",
		      (json_int_t)dv.nv4, "ipv6", (json_int_t)dv.nv6, "ipv4_prefixes_24",
		      (json_int_t)dv.nprefix4, "ipv6_prefixes_48", (json_int_t)dv.nprefix6,
		      "ipv4_prefixes_16", (json_int_t)dv.nwide4, "ipv6_prefixes_32",
		      (json_int_t)dv.nwide6);
	if (d != NULL && notes[0] != '\0')
		json_object_set_new(d, "notes", json_string(notes));
	if (n == 0)
		rc = dp_results_add(out, ID, ctx->disc->domain, DP_STATUS_UNKNOWN, d,
				    "not checked: no nameserver address of %s known",
				    ctx->disc->domain) != NULL ? 0 : DP_ENOMEM;
	else
		rc = dp_results_add(out, ID, ctx->disc->domain, DP_STATUS_OK, d,
				    "%zu IPv4 address%s in %zu /24%s, %zu IPv6 in %zu /48%s%s%s",
				    dv.nv4, dv.nv4 == 1 ? "" : "es", dv.nprefix4,
				    dv.nprefix4 == 1 ? "" : "s", dv.nv6, dv.nprefix6,
				    dv.nprefix6 == 1 ? "" : "s", notes[0] ? "; note: " : "",
				    notes) != NULL ? 0 : DP_ENOMEM;
	if (rc != 0)
		dp_err_set(err, rc, "out of memory");
out:
	free(a);
	dp_nssurvey_clear(&sv);
	return rc;
}

const struct dp_probe dp_probe_ns_diversity = {
	.id = ID,
	.title = "nameserver address diversity",
	.needs = DP_NEED_NS_ADDRS | DP_NEED_PARENT,
	.timeout_ms = 1000,
	.run = run,
};
