/* The trust anchor and root hints files as we read them: zone-file text (RFC 1035 §5) parsed
 * with getdns, checked for the record types each may hold, before libunbound sees any of it. */
#include "config.h"

#include <stdint.h>
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

#define RECORD_MAX 65536 /* one logical record, parentheses joined */

/* The reader's position in the text: line numbers for messages, the directives seen. */
struct reader {
	const char *buf;
	size_t len, pos;
	unsigned line;	      /* of the next character */
	unsigned rec_line;    /* where the record just read starts */
	char owner[1024];     /* of the previous record, for lines starting with a blank */
	char origin[1024];    /* $ORIGIN, "" for none */
	uint32_t ttl;	      /* $TTL */
};

/* The next logical record (RFC 1035 §5.1: comments dropped, parentheses joined) into out;
 * returns 1, 0 at the end, or DP_EPARSE (unbalanced parentheses, a record over the cap). */
static int
next_record(struct reader *r, char *out, size_t outsz)
{
	size_t o = 0;
	int depth = 0;
	bool quote = false, comment = false;

	r->rec_line = r->line;
	for (; r->pos < r->len; r->pos++) {
		char c = r->buf[r->pos];

		if (c == '\n') {
			r->line++;
			comment = false;
			if (depth == 0 && !quote) {
				while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
					o--;
				if (o > 0) {
					r->pos++;
					break;
				}
				r->rec_line = r->line;
				continue;
			}
			c = ' ';
		}
		if (comment)
			continue;
		if (c == '"' && (o == 0 || out[o - 1] != '\\'))
			quote = !quote;
		else if (!quote && c == ';') {
			comment = true;
			continue;
		} else if (!quote && (c == '(' || c == ')')) {
			depth += c == '(' ? 1 : -1;
			if (depth < 0)
				return DP_EPARSE;
			c = ' ';
		}
		if (o + 1 >= outsz)
			return DP_EPARSE;
		out[o++] = c == '\r' ? ' ' : c;
	}
	if (depth != 0 || quote)
		return DP_EPARSE;
	out[o] = '\0';
	return o > 0 ? 1 : 0;
}

/* $TTL and $ORIGIN (RFC 1035 §5.1, RFC 2308 §4); others are refused. */
static int
directive(struct reader *r, const char *rec)
{
	char word[16], arg[1024];
	uint64_t v;
	size_t n = strcspn(rec, " \t");
	const char *a = rec + n + strspn(rec + n, " \t");

	if (n >= sizeof(word) || strlen(a) >= sizeof(arg))
		return DP_EPARSE;
	memcpy(word, rec, n);
	word[n] = '\0';
	memcpy(arg, a, strcspn(a, " \t") + 1);
	arg[strcspn(arg, " \t")] = '\0';
	if (strcmp(word, "$TTL") == 0 && dp_parse_u64(arg, 0, INT32_MAX, &v) == 0) {
		r->ttl = (uint32_t)v;
		return 0;
	}
	if (strcmp(word, "$ORIGIN") == 0 && arg[0] != '\0' && arg[strlen(arg) - 1] == '.') {
		dp_strlcpy(r->origin, arg, sizeof(r->origin));
		return 0;
	}
	return DP_EPARSE;
}

/* One record's text into an RR dict; a record starting with a blank takes the last owner. */
static int
record_dict(struct reader *r, const char *rec, getdns_dict **rr)
{
	char full[RECORD_MAX + 1100];
	const char *text = rec;

	if (rec[0] == ' ' || rec[0] == '\t') {
		if (r->owner[0] == '\0' ||
		    !dp_snprintf(full, sizeof(full), "%s%s", r->owner, rec))
			return DP_EPARSE;
		text = full;
	} else {
		size_t n = strcspn(rec, " \t");

		if (n >= sizeof(r->owner))
			return DP_EPARSE;
		memcpy(r->owner, rec, n);
		r->owner[n] = '\0';
	}
	if (getdns_str2rr_dict(text, rr, r->origin[0] ? r->origin : NULL, r->ttl) !=
	    GETDNS_RETURN_GOOD)
		return DP_EPARSE;
	return 0;
}

static int
zone_add(struct dp_zone_rrs *z, getdns_dict *rr)
{
	char owner[256];
	size_t n = z->n;
	char **t = realloc(z->text, (n + 1) * sizeof(*t));
	uint16_t *ty;
	bool *ro;

	if (t == NULL)
		return DP_ENOMEM;
	z->text = t;
	ty = realloc(z->type, (n + 1) * sizeof(*ty));
	if (ty == NULL)
		return DP_ENOMEM;
	z->type = ty;
	ro = realloc(z->owner_root, (n + 1) * sizeof(*ro));
	if (ro == NULL)
		return DP_ENOMEM;
	z->owner_root = ro;
	if (dp_rr_owner(rr, owner, sizeof(owner)) != 0)
		return DP_EPARSE;
	t[n] = dp_rr_text(rr);
	if (t[n] == NULL)
		return DP_EPARSE;
	ty[n] = dp_rr_type(rr);
	ro[n] = owner[0] == '\0';
	z->n = n + 1;
	return 0;
}

/* Every RR of the text as (type, owner, one-line presentation form). Every record must parse:
 * a line that does not is an error naming it, never skipped. */
static int
parse_rrs(const char *what, const char *name, const char *buf, size_t len,
	  struct dp_zone_rrs *z, struct dp_err *err)
{
	struct reader r = {.buf = buf, .len = len, .line = 1, .ttl = 3600};
	char *rec = NULL;
	int rc = 0, got;

	memset(z, 0, sizeof(*z));
	if (memchr(buf, '\0', len) != NULL)
		return dp_err_set(err, DP_EPARSE, "%s %s: contains a NUL byte, not zone-file text",
				  what, name);
	if (len == 0)
		return dp_err_set(err, DP_EPARSE, "%s %s: the file is empty", what, name);
	rec = malloc(RECORD_MAX);
	if (rec == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	while (rc == 0 && (got = next_record(&r, rec, RECORD_MAX)) != 0) {
		getdns_dict *rr = NULL;

		if (got < 0)
			rc = DP_EPARSE;
		else if (rec[0] == '$')
			rc = directive(&r, rec);
		else if (z->n >= 100000)
			rc = DP_EPARSE;
		else {
			rc = record_dict(&r, rec, &rr);
			if (rc == 0)
				rc = zone_add(z, rr);
			getdns_dict_destroy(rr);
		}
	}
	free(rec);
	if (rc == DP_ENOMEM)
		rc = dp_err_set(err, rc, "out of memory");
	else if (rc != 0)
		rc = dp_err_set(err, rc, "%s %s:%u: not a resource record in zone-file format "
					 "(RFC 1035 §5)",
				what, name, r.rec_line);
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
