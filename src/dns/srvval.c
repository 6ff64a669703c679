/* Per-server DNSSEC validation helpers shared by dnssec.rrsig_expiry and dnssec.denial. */
#include "config.h"

#include "dns/srvval.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <getdns/getdns_extra.h>
#include <openssl/evp.h>

void
dp_ds_anchor_get(struct dp_resolver *r, const char *zone, struct dp_ds_anchor *a)
{
	struct dp_err err = {0};
	struct dp_lookup l;
	getdns_list *ans;
	size_t n = 0;

	memset(a, 0, sizeof(*a));
	if (dp_resolver_lookup(r, zone, DP_RR_DS, &l, &err) != 0) {
		dp_snprintf(a->why, sizeof(a->why), "the DS lookup failed: %s", err.msg);
		return;
	}
	if (l.sec != DP_SEC_SECURE || !l.havedata || l.msg == NULL) {
		dp_snprintf(a->why, sizeof(a->why), "no secure DS for %s (%s%s)", zone,
		            l.havedata ? "" : "none, ", dp_sec_str(l.sec));
		goto out;
	}
	ans = dp_msg_section(l.msg, "answer");
	a->ds = getdns_list_create();
	for (size_t i = 0; a->ds != NULL && i < dp_list_len(ans); i++) {
		getdns_dict *rr = dp_list_dict(ans, i);
		getdns_bindata *raw = dp_rr_rdata_raw(rr);
		struct dp_ds ds;
		char o[256];

		if (dp_rr_type(rr) != DP_RR_DS || dp_rr_owner(rr, o, sizeof(o)) != 0 ||
		    strcmp(o, zone) != 0 ||
		    getdns_list_set_dict(a->ds, n, rr) != GETDNS_RETURN_GOOD)
			continue;
		n++;
		if (raw != NULL && dp_ds_parse(raw->data, raw->size, &ds) == 0 &&
		    a->ntags < DP_SRVVAL_MAX_KEYS)
			a->tags[a->ntags++] = ds.key_tag;
	}
	if (n == 0) {
		getdns_list_destroy(a->ds);
		a->ds = NULL;
		dp_snprintf(a->why, sizeof(a->why), "no DS record for %s in the answer", zone);
	}
out:
	dp_lookup_clear(&l);
}

void
dp_ds_anchor_clear(struct dp_ds_anchor *a)
{
	if (a == NULL)
		return;
	if (a->ds != NULL)
		getdns_list_destroy(a->ds);
	a->ds = NULL;
}

getdns_list *
dp_srvval_keyset(const struct dp_reply *r, const char *zone, uint16_t *tags, size_t max,
                 size_t *ntags)
{
	getdns_list *l = getdns_list_create();
	getdns_list *ans;
	size_t n = 0;

	*ntags = 0;
	if (l == NULL || !r->answered || !r->aa || r->rcode != 0)
		return l;
	ans = dp_msg_section(r->reply, "answer");
	for (size_t i = 0; i < dp_list_len(ans); i++) {
		getdns_dict *rr = dp_list_dict(ans, i);
		getdns_bindata *raw = dp_rr_rdata_raw(rr);
		uint16_t type = dp_rr_type(rr);
		uint32_t covered = 0;
		char o[256];

		if (dp_rr_owner(rr, o, sizeof(o)) != 0 || strcmp(o, zone) != 0 ||
		    !(type == DP_RR_DNSKEY ||
		      (type == DP_RR_RRSIG && dp_rr_rdata_int(rr, "type_covered", &covered) == 0 &&
		       covered == DP_RR_DNSKEY)) ||
		    getdns_list_set_dict(l, n, rr) != GETDNS_RETURN_GOOD)
			continue;
		n++;
		if (type == DP_RR_DNSKEY && raw != NULL && *ntags < max)
			tags[(*ntags)++] = dp_dnssec_keytag(raw->data, raw->size);
	}
	return l;
}

size_t
dp_srvval_answer_rrs(getdns_dict *reply, const char *name, uint16_t type, getdns_dict **v,
                     size_t max)
{
	getdns_list *ans = reply != NULL ? dp_msg_section(reply, "answer") : NULL;
	size_t n = 0;
	char o[256];

	for (size_t i = 0; i < dp_list_len(ans) && n < max; i++) {
		getdns_dict *rr = dp_list_dict(ans, i);

		if (dp_rr_type(rr) == type && dp_rr_owner(rr, o, sizeof(o)) == 0 &&
		    strcmp(o, name) == 0)
			v[n++] = rr;
	}
	return n;
}

bool
dp_srvval_answers(getdns_dict *reply, const char *name, uint16_t type)
{
	getdns_dict *rr;

	return dp_srvval_answer_rrs(reply, name, type, &rr, 1) == 1;
}

/* Verdicts already reached, by what they were reached over. getdns_validate_dnssec2 is a pure
 * function of the reply, the DNSKEY and DS RRsets and the time, and servers of one zone mostly
 * give the same answers: a run asks each question of every server, and the monitor asks the
 * same ones again each interval. Each call builds OpenSSL 3 key decoders (about a third of a
 * glitter.kr run's CPU, by callgrind), so the same input is validated once. Keyed by the
 * SHA-256 of what the verdict depends on (memo_key), in a direct-mapped table: a collision
 * only evicts. */
#define MEMO_SLOTS 1024

struct memo_slot {
	bool used;
	unsigned char key[32];
	enum dp_validation v;
};

static struct memo_slot memo[MEMO_SLOTS];
static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;

static bool
hash_bytes(EVP_MD_CTX *m, const void *p, size_t n)
{
	uint64_t len = n;

	return EVP_DigestUpdate(m, &len, sizeof(len)) == 1 &&
	       (n == 0 || EVP_DigestUpdate(m, p, n) == 1);
}

struct wire {
	uint8_t *p;
	size_t n;
};

static int
wire_cmp(const void *a, const void *b)
{
	const struct wire *x = a, *y = b;
	int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);

	return c != 0 ? c : (x->n > y->n) - (x->n < y->n);
}

/* The RRs of l (OPT left out) in wire form, sorted: servers that rotate their RRsets' order
 * (BIND's default) give one key. */
static bool
hash_rrs(EVP_MD_CTX *m, getdns_list *l)
{
	size_t n = 0, k = 0;
	struct wire *v;
	bool ok = true;

	if (l != NULL && getdns_list_get_length(l, &n) != GETDNS_RETURN_GOOD)
		return false;
	v = calloc(n + 1, sizeof(*v));
	if (v == NULL)
		return false;
	for (size_t i = 0; ok && i < n; i++) {
		getdns_dict *rr = NULL;
		uint32_t type = 0;

		ok = getdns_list_get_dict(l, i, &rr) == GETDNS_RETURN_GOOD &&
		     getdns_dict_get_int(rr, "type", &type) == GETDNS_RETURN_GOOD;
		if (ok && type != GETDNS_RRTYPE_OPT) {
			ok = getdns_rr_dict2wire(rr, &v[k].p, &v[k].n) == GETDNS_RETURN_GOOD;
			k += ok;
		}
	}
	if (ok)
		qsort(v, k, sizeof(*v), wire_cmp);
	ok = ok && hash_bytes(m, &k, sizeof(k));
	for (size_t i = 0; i < k; i++) {
		ok = ok && hash_bytes(m, v[i].p, v[i].n);
		free(v[i].p);
	}
	free(v);
	return ok;
}

/* What the verdict depends on: the question, the rcode, every section's RRs as a set, both
 * RRsets and the time. Not the ID, the flags or the order of the records. */
static bool
memo_key(getdns_dict *reply, getdns_list *keyset, getdns_list *ds, time_t at,
         unsigned char key[32])
{
	static const char *const sections[] = {"answer", "authority", "additional"};
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	getdns_dict *q = NULL;
	getdns_bindata *qname = NULL;
	uint32_t qtype = 0, qclass = 0, rcode = 0;
	int64_t t = (int64_t)at;
	unsigned int kl = 0;
	bool ok = m != NULL && EVP_DigestInit_ex(m, EVP_sha256(), NULL) == 1 &&
	          getdns_dict_get_dict(reply, "question", &q) == GETDNS_RETURN_GOOD &&
	          getdns_dict_get_bindata(q, "qname", &qname) == GETDNS_RETURN_GOOD &&
	          getdns_dict_get_int(q, "qtype", &qtype) == GETDNS_RETURN_GOOD &&
	          getdns_dict_get_int(q, "qclass", &qclass) == GETDNS_RETURN_GOOD &&
	          getdns_dict_get_int(reply, "/header/rcode", &rcode) == GETDNS_RETURN_GOOD;

	ok = ok && hash_bytes(m, qname->data, qname->size) && hash_bytes(m, &qtype, sizeof(qtype)) &&
	     hash_bytes(m, &qclass, sizeof(qclass)) && hash_bytes(m, &rcode, sizeof(rcode));
	for (size_t i = 0; ok && i < 3; i++) {
		getdns_list *l = NULL;

		ok = getdns_dict_get_list(reply, sections[i], &l) == GETDNS_RETURN_GOOD &&
		     hash_rrs(m, l);
	}
	ok = ok && hash_rrs(m, keyset) && hash_rrs(m, ds) && hash_bytes(m, &t, sizeof(t)) &&
	     EVP_DigestFinal_ex(m, key, &kl) == 1 && kl == 32;
	EVP_MD_CTX_free(m);
	return ok;
}

enum dp_validation
dp_srvval_reply(getdns_dict *reply, getdns_list *keyset, getdns_list *ds, time_t at)
{
	getdns_list *tv;
	enum dp_validation v = DP_VALIDATION_ERROR;
	unsigned char key[32];
	bool keyed = memo_key(reply, keyset, ds, at, key);
	struct memo_slot *slot = NULL;

	if (keyed) {
		slot = &memo[(((size_t)key[0] << 8) | key[1]) % MEMO_SLOTS];
		pthread_mutex_lock(&memo_lock);
		if (slot->used && memcmp(slot->key, key, sizeof(key)) == 0)
			v = slot->v; /* never an error: those are not kept */
		pthread_mutex_unlock(&memo_lock);
		if (v != DP_VALIDATION_ERROR)
			return v;
	}
	tv = getdns_list_create();
	if (tv != NULL && getdns_list_set_dict(tv, 0, reply) == GETDNS_RETURN_GOOD)
		v = dp_validation_from_getdns(getdns_validate_dnssec2(tv, keyset, ds, at, 0));
	getdns_list_destroy(tv);
	if (keyed && v != DP_VALIDATION_ERROR) {
		pthread_mutex_lock(&memo_lock);
		slot->used = true;
		memcpy(slot->key, key, sizeof(key));
		slot->v = v;
		pthread_mutex_unlock(&memo_lock);
	}
	return v;
}
