/* The trust anchor and root hints files as we read them: zone-file text (RFC 1035 §5) parsed
 * with getdns, checked for the record types each may hold, before libunbound sees any of it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <getdns/getdns_extra.h>

#include "dns/dns.h"

void
dp_zone_rrs_free(struct dp_zone_rrs *z)
{
	if (z == NULL)
		return;
	for (size_t i = 0; i < z->n; i++)
		free(z->text[i]);
	free(z->text);
	free(z->type);
	free(z->owner_root);
	memset(z, 0, sizeof(*z));
}

/* Every RR of the text as (type, owner, one-line presentation form), owner checked. */
static int
parse_rrs(const char *what, const char *name, const char *buf, size_t len,
	  struct dp_zone_rrs *z, struct dp_err *err)
{
	getdns_list *list = NULL;
	FILE *fp;
	int rc = 0;
	size_t n;

	memset(z, 0, sizeof(*z));
	if (memchr(buf, '\0', len) != NULL)
		return dp_err_set(err, DP_EPARSE, "%s %s: contains a NUL byte, not zone-file text",
				  what, name);
	if (len == 0)
		return dp_err_set(err, DP_EPARSE, "%s %s: the file is empty", what, name);
	fp = fmemopen((void *)buf, len, "r");
	if (fp == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	if (getdns_fp2rr_list(fp, &list, NULL, 3600) != GETDNS_RETURN_GOOD) {
		fclose(fp);
		return dp_err_set(err, DP_EPARSE, "%s %s: not zone-file text (RFC 1035 §5)", what,
				  name);
	}
	fclose(fp);
	n = dp_list_len(list);
	z->text = calloc(n + 1, sizeof(*z->text));
	z->type = calloc(n + 1, sizeof(*z->type));
	z->owner_root = calloc(n + 1, sizeof(*z->owner_root));
	if (z->text == NULL || z->type == NULL || z->owner_root == NULL) {
		rc = dp_err_set(err, DP_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		getdns_dict *rr = dp_list_dict(list, i);
		char owner[256];

		if (rr == NULL || dp_rr_owner(rr, owner, sizeof(owner)) != 0) {
			rc = dp_err_set(err, DP_EPARSE, "%s %s: record %zu is unreadable", what,
					name, i + 1);
			goto out;
		}
		z->text[i] = dp_rr_text(rr);
		if (z->text[i] == NULL) {
			rc = dp_err_set(err, DP_EPARSE, "%s %s: record %zu cannot be printed", what,
					name, i + 1);
			goto out;
		}
		z->type[i] = dp_rr_type(rr);
		z->owner_root[i] = owner[0] == '\0';
		z->n = i + 1;
	}
out:
	getdns_list_destroy(list);
	if (rc != 0)
		dp_zone_rrs_free(z);
	return rc;
}

int
dp_anchor_parse(const char *name, const char *buf, size_t len, struct dp_zone_rrs *z,
		struct dp_err *err)
{
	char tb[16];
	bool root = false;
	int rc = parse_rrs("trust anchor", name, buf, len, z, err);

	if (rc != 0)
		return rc;
	for (size_t i = 0; i < z->n; i++) {
		if (z->type[i] != DP_RR_DS && z->type[i] != DP_RR_DNSKEY) {
			rc = dp_err_set(err, DP_EPARSE,
					"trust anchor %s: record %zu is %s, not DS or DNSKEY", name,
					i + 1, dp_rrtype_str(z->type[i], tb, sizeof(tb)));
			goto out;
		}
		root = root || z->owner_root[i];
	}
	if (z->n == 0)
		rc = dp_err_set(err, DP_EPARSE, "trust anchor %s: no DS or DNSKEY record in it",
				name);
	else if (!root)
		rc = dp_err_set(err, DP_EPARSE, "trust anchor %s: no DS or DNSKEY record for the "
						"root (.)",
				name);
out:
	if (rc != 0)
		dp_zone_rrs_free(z);
	return rc;
}

int
dp_hints_parse(const char *name, const char *buf, size_t len, struct dp_err *err)
{
	struct dp_zone_rrs z;
	size_t ns = 0, addrs = 0;
	char tb[16];
	int rc = parse_rrs("root hints", name, buf, len, &z, err);

	if (rc != 0)
		return rc;
	for (size_t i = 0; i < z.n; i++) {
		if (z.type[i] == DP_RR_NS && z.owner_root[i])
			ns++;
		else if (z.type[i] == DP_RR_A || z.type[i] == DP_RR_AAAA)
			addrs++;
		else {
			rc = dp_err_set(err, DP_EPARSE,
					"root hints %s: record %zu is %s, not a root NS, A or AAAA",
					name, i + 1, dp_rrtype_str(z.type[i], tb, sizeof(tb)));
			goto out;
		}
	}
	if (ns == 0 || addrs == 0)
		rc = dp_err_set(err, DP_EPARSE, "root hints %s: needs NS records for the root (.) "
						"and the A/AAAA of their names",
				name);
out:
	dp_zone_rrs_free(&z);
	return rc;
}
