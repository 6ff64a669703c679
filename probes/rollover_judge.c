/* dnssec.rollover's judge over recorded histories (probes/rollover.h): no network. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probes/rollover.h"

struct judge {
	json_t *state;
	const char *domain;
	const struct dp_ro_obs *o;
	int64_t now;
	struct dp_ro_verdict *out;
	int rc;
};

static void add(struct judge *j, enum dp_status st, const char *subject, const char *rule,
		const char *fmt, ...) DP_PRINTF(5, 6);

static void
add(struct judge *j, enum dp_status st, const char *subject, const char *rule, const char *fmt,
    ...)
{
	struct dp_ro_verdict *v = j->out;
	struct dp_ro_finding *f;
	va_list ap;

	for (size_t i = 0; i < v->n; i++) /* one finding per rule and subject */
		if (strcmp(v->v[i].rule, rule) == 0 && strcmp(v->v[i].subject, subject) == 0)
			return;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		struct dp_ro_finding *nv = realloc(v->v, cap * sizeof(*nv));

		if (nv == NULL) {
			j->rc = DP_ENOMEM;
			return;
		}
		v->v = nv;
		v->cap = cap;
	}
	f = &v->v[v->n++];
	memset(f, 0, sizeof(*f));
	f->status = st;
	dp_strlcpy(f->subject, subject, sizeof(f->subject));
	dp_strlcpy(f->rule, rule, sizeof(f->rule));
	va_start(ap, fmt);
	(void)vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

void
dp_ro_verdict_clear(struct dp_ro_verdict *v)
{
	free(v->v);
	memset(v, 0, sizeof(*v));
}

/* ---- small helpers ---- */

static const char *
stamp(int64_t t, char *buf, size_t bufsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		dp_snprintf(buf, bufsz, "%" PRId64, t);
	return buf;
}

static int64_t
jint(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static bool
arr_has(const json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

/* "tag/alg" of an entry "tag/alg[/...]" into buf. */
static const char *
tagalg(const char *s, char *buf, size_t bufsz)
{
	const char *p = strchr(s, '/');
	const char *q = p != NULL ? strchr(p + 1, '/') : NULL;
	size_t n = q != NULL ? (size_t)(q - s) : strlen(s);

	dp_snprintf(buf, bufsz, "%.*s", (int)n, s);
	return buf;
}

/* Does array a hold an entry whose tag/alg is ta ("tag/alg")? */
static bool
arr_has_ta(const json_t *a, const char *ta)
{
	size_t i;
	json_t *v;
	char b[32];

	json_array_foreach(a, i, v)
		if (json_is_string(v) && strcmp(tagalg(json_string_value(v), b, sizeof(b)), ta) == 0)
			return true;
	return false;
}

/* The entries of a joined by ", " (key tags only when tags) into buf. */
static const char *
join(const json_t *a, bool tags, char *buf, size_t bufsz)
{
	size_t i, off = 0;
	json_t *v;

	buf[0] = '\0';
	json_array_foreach(a, i, v) {
		char t[160];
		const char *s = json_string_value(v);

		if (s == NULL)
			continue;
		if (tags) {
			dp_strlcpy(t, s, sizeof(t));
			t[strcspn(t, "/")] = '\0';
			s = t;
		}
		if (off + strlen(s) + 3 >= bufsz)
			break;
		off += (size_t)snprintf(buf + off, bufsz - off, "%s%s", off ? ", " : "", s);
	}
	if (buf[0] == '\0')
		dp_strlcpy(buf, "none", bufsz);
	return buf;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A sorted JSON array of the n strings v (duplicates dropped). */
static json_t *
sorted(const char **v, size_t n)
{
	json_t *a = json_array();

	qsort(v, n, sizeof(*v), cmp_str);
	for (size_t i = 0; a != NULL && i < n; i++)
		if (i == 0 || strcmp(v[i], v[i - 1]) != 0)
			json_array_append_new(a, json_string(v[i]));
	return a;
}

/* history: an array of snapshots; cur: the content fields of this run's. The last snapshot is
 * extended when its content is the same, else cur is appended (times set) and the oldest are
 * dropped beyond DP_RO_SETS. Takes cur. */
static void
record(json_t *hist, json_t *cur, const char *const *fields, const char *const *ttls, int64_t now)
{
	json_t *last = json_array_get(hist, json_array_size(hist) - 1);
	bool same = last != NULL;

	for (size_t i = 0; same && fields[i] != NULL; i++)
		same = json_equal(json_object_get(last, fields[i]), json_object_get(cur, fields[i]));
	if (same) {
		json_object_set_new(last, "last_seen", json_integer(now));
		for (size_t i = 0; ttls != NULL && ttls[i] != NULL; i++)
			json_object_set(last, ttls[i], json_object_get(cur, ttls[i]));
		json_decref(cur);
		return;
	}
	json_object_set_new(cur, "first_seen", json_integer(now));
	json_object_set_new(cur, "last_seen", json_integer(now));
	json_array_append_new(hist, cur);
	while (json_array_size(hist) > DP_RO_SETS)
		json_array_remove(hist, 0);
}

/* The first time entry e (whose tag/alg is taken when ta) appears in field of the snapshots of
 * hist, newest run of it (the snapshots since it was last absent); now when never. */
static int64_t
first_seen(const json_t *hist, const char *field, const char *e, bool ta, int64_t now)
{
	int64_t t = now;

	for (size_t i = json_array_size(hist); i-- > 0;) {
		const json_t *s = json_array_get(hist, i);
		const json_t *a = json_object_get(s, field);

		if (!(ta ? arr_has_ta(a, e) : arr_has(a, e)))
			break;
		t = jint(s, "first_seen");
	}
	return t;
}

/* ---- DNS: keys, DS, signers ---- */

static json_t *
dns_snapshot(const struct dp_ro_obs *o)
{
	const char *v[DP_RO_MAX];
	char b[DP_RO_MAX][32];
	json_t *s = json_object();
	size_t n;

	for (n = 0; n < o->nkeys; n++) {
		dp_snprintf(b[n], sizeof(b[n]), "%u/%u/%u", o->keys[n].tag, o->keys[n].alg,
			    o->keys[n].flags);
		v[n] = b[n];
	}
	json_object_set_new(s, "dnskey", sorted(v, n));
	for (n = 0; n < o->ndnskey_signers; n++) {
		dp_snprintf(b[n], sizeof(b[n]), "%u/%u", o->dnskey_signers[n].tag,
			    o->dnskey_signers[n].alg);
		v[n] = b[n];
	}
	json_object_set_new(s, "dnskey_signers", sorted(v, n));
	for (n = 0; n < o->nsoa_signers; n++) {
		dp_snprintf(b[n], sizeof(b[n]), "%u/%u", o->soa_signers[n].tag,
			    o->soa_signers[n].alg);
		v[n] = b[n];
	}
	json_object_set_new(s, "soa_signers", sorted(v, n));
	for (n = 0; n < o->nds; n++) {
		dp_snprintf(b[n], sizeof(b[n]), "%u/%u/%u", o->ds[n].tag, o->ds[n].alg,
			    o->ds[n].dt);
		v[n] = b[n];
	}
	json_object_set_new(s, "ds", sorted(v, n));
	json_object_set_new(s, "dnskey_ttl", json_integer(o->dnskey_ttl));
	json_object_set_new(s, "ds_ttl", json_integer(o->ds_ttl));
	return s;
}

/* The entries of a whose tag/alg is in b too, as a new array. */
static json_t *
meet(const json_t *a, const json_t *b)
{
	json_t *r = json_array();
	size_t i;
	json_t *v;
	char t[32];

	json_array_foreach(a, i, v)
		if (json_is_string(v) && arr_has_ta(b, tagalg(json_string_value(v), t, sizeof(t))))
			json_array_append(r, v);
	return r;
}

/* Does some entry of a share its tag/alg with one of b? */
static bool
any_meet(const json_t *a, const json_t *b)
{
	json_t *m = meet(a, b);
	bool r = json_array_size(m) > 0;

	json_decref(m);
	return r;
}

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* RFC 7583 §3.3.1 (pre-publication): the keys that sign the SOA now must be in every DNSKEY
 * RRset a resolver may still hold. */
static void
judge_zsk(struct judge *j, const json_t *hist, const json_t *cur)
{
	json_t *signers = meet(json_object_get(cur, "soa_signers"), json_object_get(cur, "dnskey"));
	char a[256], b[256], t1[32], t2[32], t3[32];

	for (size_t i = json_array_size(hist); json_array_size(signers) > 0 && i-- > 0;) {
		const json_t *s = json_array_get(hist, i);
		int64_t ttl = max64(jint(s, "dnskey_ttl"), jint(cur, "dnskey_ttl"));
		int64_t until = jint(s, "last_seen") + ttl + DP_RO_PROPAGATION;
		const char *k0 = json_string_value(json_array_get(signers, 0));
		char ta[32];

		if (until < j->now)
			break; /* older sets are out of every cache */
		if (any_meet(signers, json_object_get(s, "dnskey")))
			continue;
		add(j, DP_STATUS_CRITICAL, j->domain, "zsk-premature",
		    "ZSK %s signs the SOA but was published too late: a DNSKEY RRset last served %s "
		    "(keys %s) lacks it and may be cached until %s (DNSKEY TTL %" PRId64
		    "s + %ds propagation); the key was first seen %s. Resolvers holding that RRset "
		    "fail to validate the zone; publish a new ZSK for the DNSKEY TTL before it signs "
		    "(RFC 7583 §3.3.1 pre-publication) or keep the old ZSK signing too (double "
		    "signature)",
		    join(signers, true, a, sizeof(a)), stamp(jint(s, "last_seen"), t1, sizeof(t1)),
		    join(json_object_get(s, "dnskey"), true, b, sizeof(b)),
		    stamp(until, t2, sizeof(t2)), ttl, DP_RO_PROPAGATION,
		    stamp(first_seen(hist, "dnskey", tagalg(k0, ta, sizeof(ta)), true, j->now), t3,
			  sizeof(t3)));
		break;
	}
	json_decref(signers);
}

/* Keys in some snapshot of hist (their tag/alg), absent from cur's DNSKEY RRset, that a DS of
 * ds points to: the withdrawn KSKs, into buf; the time each was last seen is the latest. */
static bool
withdrawn(const json_t *hist, const json_t *cur, const json_t *ds, char *buf, size_t bufsz,
	  int64_t *last)
{
	size_t i, off = 0;
	json_t *d;
	char ta[32];

	buf[0] = '\0';
	*last = 0;
	json_array_foreach(ds, i, d) {
		const char *e = tagalg(json_string_value(d), ta, sizeof(ta));

		if (arr_has_ta(json_object_get(cur, "dnskey"), e))
			continue;
		for (size_t k = json_array_size(hist); k-- > 0;) {
			const json_t *s = json_array_get(hist, k);

			if (!arr_has_ta(json_object_get(s, "dnskey"), e))
				continue;
			*last = max64(*last, jint(s, "last_seen"));
			if (off + strlen(e) + 3 < bufsz)
				off += (size_t)snprintf(buf + off, bufsz - off, "%s%.*s",
							off ? ", " : "", (int)strcspn(e, "/"), e);
			break;
		}
	}
	return buf[0] != '\0';
}

/* RFC 7583 §3.3.2, RFC 6781 §4.1.2: every DS RRset a resolver may still hold must point to a
 * key that signs the DNSKEY RRset now; every DNSKEY RRset it may hold must have a key the DS
 * RRset points to now. */
static void
judge_ksk(struct judge *j, const json_t *hist, const json_t *cur)
{
	const char *parent = j->o->parent != NULL && j->o->parent[0] ? j->o->parent : "the parent";
	const json_t *cds = json_object_get(cur, "ds");
	json_t *sig = meet(json_object_get(cur, "dnskey_signers"), json_object_get(cur, "dnskey"));
	char a[256], b[256], c[256], t1[32], t2[32], t3[32];
	bool dns_ok = true;

	if (json_array_size(sig) == 0 || json_array_size(cds) == 0)
		goto out; /* unsigned or broken now: dnssec.chain and dnssec.keys judge that */
	for (size_t i = json_array_size(hist); i-- > 0;) {
		const json_t *s = json_array_get(hist, i);
		const json_t *sds = json_object_get(s, "ds");
		int64_t ttl = max64(jint(s, "ds_ttl"), jint(cur, "ds_ttl"));
		int64_t until = jint(s, "last_seen") + ttl + DP_RO_PROPAGATION;
		int64_t last;

		if (until < j->now)
			break;
		if (json_array_size(sds) == 0 || any_meet(sds, sig))
			continue;
		dns_ok = false;
		if (withdrawn(hist, cur, sds, c, sizeof(c), &last))
			add(j, DP_STATUS_CRITICAL, j->domain, "ksk-withdrawn",
			    "KSK %s withdrawn from the DNSKEY RRset (last seen %s) while the DS at %s "
			    "still pointed to it: the DS RRset %s (last served %s, TTL %" PRId64
			    "s) may be cached until %s and points to no key that signs the DNSKEY RRset "
			    "now (%s); resolvers holding it fail. Keep the old KSK published and signing "
			    "until the new DS has been at %s for its TTL (RFC 7583 §3.3.2, RFC 6781 "
			    "§4.1.2)",
			    c, stamp(last, t1, sizeof(t1)), parent, join(sds, false, a, sizeof(a)),
			    stamp(jint(s, "last_seen"), t2, sizeof(t2)), ttl,
			    stamp(until, t3, sizeof(t3)), join(sig, true, b, sizeof(b)), parent);
		else
			add(j, DP_STATUS_CRITICAL, j->domain, "ksk-withdrawn",
			    "the KSK the DS at %s points to stopped signing the DNSKEY RRset too "
			    "early: the DS RRset %s (last served %s, TTL %" PRId64 "s) may be cached "
			    "until %s and points to no key that signs it now (%s); resolvers holding it "
			    "fail (RFC 7583 §3.3.2, RFC 6781 §4.1.2)",
			    parent, join(sds, false, a, sizeof(a)),
			    stamp(jint(s, "last_seen"), t2, sizeof(t2)), ttl,
			    stamp(until, t3, sizeof(t3)), join(sig, true, b, sizeof(b)));
		break;
	}
	for (size_t i = json_array_size(hist); i-- > 0;) {
		const json_t *s = json_array_get(hist, i);
		json_t *old = meet(json_object_get(s, "dnskey_signers"), json_object_get(s, "dnskey"));
		int64_t ttl = max64(jint(s, "dnskey_ttl"), jint(cur, "dnskey_ttl"));
		int64_t until = jint(s, "last_seen") + ttl + DP_RO_PROPAGATION;
		bool bad = json_array_size(old) > 0 && !json_equal(json_object_get(s, "ds"), cds) &&
			   !any_meet(cds, old);

		if (until < j->now) {
			json_decref(old);
			break;
		}
		if (bad) {
			const char *d0 = json_string_value(json_array_get(cds, 0));
			char ta[32];
			const char *e = tagalg(d0, ta, sizeof(ta));
			bool pub = arr_has_ta(json_object_get(cur, "dnskey"), e);

			dns_ok = false;
			add(j, DP_STATUS_CRITICAL, j->domain, "ds-early",
			    "the DS at %s changed to %s (first seen %s) %s: a DNSKEY RRset last served "
			    "%s (signed by %s) has no key for it and may be cached until %s (DNSKEY TTL "
			    "%" PRId64 "s + %ds propagation); resolvers holding it fail. Publish the new "
			    "KSK for the DNSKEY TTL before the DS changes (RFC 7583 §3.3.1, RFC 6781 "
			    "§4.1.2)",
			    parent, join(cds, false, a, sizeof(a)),
			    stamp(first_seen(hist, "ds", d0, false, j->now), t1, sizeof(t1)),
			    pub ? "before its key had been published for the DNSKEY TTL"
				: "to a key not published in the DNSKEY RRset",
			    stamp(jint(s, "last_seen"), t2, sizeof(t2)), join(old, true, b, sizeof(b)),
			    stamp(until, t3, sizeof(t3)), ttl, DP_RO_PROPAGATION);
			(void)t1;
		}
		json_decref(old);
		if (bad)
			break;
	}
	if (dns_ok) {
		int64_t last;

		if (withdrawn(hist, cur, cds, c, sizeof(c), &last))
			add(j, DP_STATUS_OK, j->domain, "stale-ds",
			    "KSK %s withdrawn (last seen %s) after the new DS had been at %s for its "
			    "TTL; its DS is still there, to be removed (dnssec.keys judges it)",
			    c, stamp(last, t1, sizeof(t1)), parent);
	}
out:
	json_decref(sig);
}

/* ---- TLSA and certificate keys ---- */

/* The SPKI digest of a record that a served key's digest can match: "3 1 1 x", "1 1 1 x"
 * (SHA-256) and "3 1 2 x", "1 1 2 x" (SHA-512, kept to its first 32 octets as every record of
 * the history is), NULL for another kind (2 x x, x 0 x: not a key's). */
static const char *
spki_of(const char *rec)
{
	if ((rec[0] == '3' || rec[0] == '1') && strncmp(rec + 1, " 1 ", 3) == 0 &&
	    (rec[4] == '1' || rec[4] == '2') && rec[5] == ' ')
		return rec + 6;
	return NULL;
}

/* rec names the key whose SPKI SHA-256 is sha256 and whose SPKI SHA-512 starts with sha512p
 * (its first 32 octets in hex, "" when unknown). */
static bool
key_matches(const char *rec, const char *sha256, const char *sha512p)
{
	const char *x = spki_of(rec);

	if (x == NULL)
		return false;
	return rec[4] == '1' ? strcmp(x, sha256) == 0 : sha512p[0] != '\0' && strcmp(x, sha512p) == 0;
}

/* Every record of the set is of a kind judged here (else another may match: no verdict). */
static bool
judgeable(const json_t *recs)
{
	size_t i;
	json_t *v;

	json_array_foreach(recs, i, v)
		if (!json_is_string(v) || spki_of(json_string_value(v)) == NULL)
			return false;
	return true;
}

static bool
recs_match(const json_t *recs, const char *sha256, const char *sha512p)
{
	size_t i;
	json_t *v;

	json_array_foreach(recs, i, v)
		if (json_is_string(v) && key_matches(json_string_value(v), sha256, sha512p))
			return true;
	return false;
}

static void
short_hex(const char *x, char *buf, size_t bufsz)
{
	dp_snprintf(buf, bufsz, "%.16s…", x);
}

static void
judge_endpoint(struct judge *j, const struct dp_ro_endpoint *e, const json_t *th, const json_t *sh)
{
	json_t *now_recs = json_array();
	json_t *gone = json_array(); /* records of kept RRsets not in now_recs, judged once each */
	char x16[40], t1[32], t2[32];

	for (size_t i = 0; i < e->ntlsa; i++)
		json_array_append_new(now_recs, json_string(e->tlsa[i]));
	/* RFC 7671 §8.1: the record of a key still served stays. Every kept RRset is looked at,
	 * newest first, not only the last one: the finding lasts as long as the key is served
	 * without its record (a one-run alarm would end before an alert's `for:` does). */
	for (size_t si = json_array_size(th); si-- > 0;) {
		const json_t *set = json_array_get(th, si);
		const json_t *recs = json_object_get(set, "tlsa");

		for (size_t i = 0; i < json_array_size(recs); i++) {
			const char *r = json_string_value(json_array_get(recs, i));
			const char *x = r != NULL ? spki_of(r) : NULL;
			bool served = false;

			if (x == NULL || arr_has(now_recs, r) || arr_has(gone, r))
				continue;
			json_array_append_new(gone, json_string(r));
			for (size_t k = 0; k < e->nspki; k++)
				served = served || key_matches(r, e->spki[k], e->spki512[k]);
			if (!served)
				continue;
			short_hex(x, x16, sizeof(x16));
			add(j, judgeable(now_recs) ? DP_STATUS_CRITICAL : DP_STATUS_WARNING, e->name,
			    "tlsa-removed",
			    "TLSA record %.6s%s removed (last seen %s) while the certificate with that "
			    "key is still served: %s; remove a key's record only once no server "
			    "presents the key (RFC 7671 §8.1)",
			    r, x16, stamp(jint(set, "last_seen"), t1, sizeof(t1)),
			    judgeable(now_recs) ? "no record left matches it, DANE clients fail"
						: "only records of other kinds are left for it");
		}
	}
	/* RFC 7671 §8.1: a new key's record is published a TLSA TTL before the key is used */
	for (size_t k = 0; k < e->nspki; k++) {
		const char *x = e->spki[k];
		bool fresh = false;
		int64_t ttl = e->tlsa_ttl;

		for (size_t i = 0; i < json_array_size(th); i++)
			ttl = max64(ttl, jint(json_array_get(th, i), "ttl"));
		for (size_t i = json_array_size(sh); i-- > 0;) {
			const json_t *s = json_array_get(sh, i);

			if (jint(s, "last_seen") + ttl + DP_RO_PROPAGATION < j->now)
				break;
			fresh = fresh || !arr_has(json_object_get(s, "spki"), x);
		}
		if (!fresh)
			continue;
		short_hex(x, x16, sizeof(x16));
		if (e->ntlsa > 0 && judgeable(now_recs) &&
		    !recs_match(now_recs, x, e->spki512[k])) {
			add(j, DP_STATUS_CRITICAL, e->name, "spki-unannounced",
			    "the certificate key changed (SPKI SHA-256 %s, first seen %s) and no TLSA "
			    "record for the new key was published (TLSA RRset: %s): DANE clients fail; "
			    "publish `3 1 1` for the next key a TLSA TTL before deploying it (RFC 7671 "
			    "§8.1)",
			    x16, stamp(first_seen(sh, "spki", x, false, j->now), t1, sizeof(t1)),
			    join(now_recs, false, (char[512]){0}, 512));
			continue;
		}
		for (size_t i = json_array_size(th); i-- > 0;) {
			const json_t *s = json_array_get(th, i);
			const json_t *recs = json_object_get(s, "tlsa");
			int64_t until = jint(s, "last_seen") + ttl + DP_RO_PROPAGATION;

			if (until < j->now)
				break;
			if (json_array_size(recs) == 0 || !judgeable(recs) ||
			    recs_match(recs, x, e->spki512[k]))
				continue;
			add(j, DP_STATUS_WARNING, e->name, "spki-unannounced",
			    "the certificate key changed (SPKI SHA-256 %s, first seen %s) before its "
			    "TLSA record had been published for the TLSA TTL: a TLSA RRset without it, "
			    "last served %s, may be cached until %s (TTL %" PRId64 "s + %ds); DANE "
			    "clients holding it fail (RFC 7671 §8.1)",
			    x16, stamp(first_seen(sh, "spki", x, false, j->now), t1, sizeof(t1)),
			    stamp(jint(s, "last_seen"), t2, sizeof(t2)),
			    stamp(until, (char[32]){0}, 32), ttl, DP_RO_PROPAGATION);
			break;
		}
	}
	json_decref(now_recs);
	json_decref(gone);
}

static json_t *
child(json_t *o, const char *k, bool array)
{
	json_t *v = json_object_get(o, k);

	if (v == NULL || (array ? !json_is_array(v) : !json_is_object(v))) {
		v = array ? json_array() : json_object();
		json_object_set_new(o, k, v);
	}
	return v;
}

static void
tls_step(struct judge *j, bool judge)
{
	json_t *tls = child(j->state, "tls", false);

	for (size_t i = 0; i < j->o->nep; i++) {
		const struct dp_ro_endpoint *e = &j->o->ep[i];
		json_t *h = json_object_get(tls, e->name);
		json_t *th, *sh;
		const char *v[DP_RO_MAX];
		size_t n;

		if (!e->have_tlsa && !e->have_spki)
			continue;
		if (h == NULL && json_object_size(tls) >= DP_RO_ENDPOINTS)
			continue;
		if (h == NULL) {
			h = json_object();
			json_object_set_new(tls, e->name, h);
		}
		th = child(h, "tlsa", true);
		sh = child(h, "spki", true);
		if (judge && e->have_tlsa && e->have_spki && json_array_size(th) > 0 &&
		    json_array_size(sh) > 0)
			judge_endpoint(j, e, th, sh);
		json_object_set_new(h, "last_seen", json_integer(j->now));
		if (e->have_tlsa) {
			json_t *cur = json_object();

			for (n = 0; n < e->ntlsa; n++)
				v[n] = e->tlsa[n];
			json_object_set_new(cur, "tlsa", sorted(v, n));
			json_object_set_new(cur, "ttl", json_integer(e->tlsa_ttl));
			record(th, cur, (const char *const[]){"tlsa", NULL},
			       (const char *const[]){"ttl", NULL}, j->now);
		}
		if (e->have_spki) {
			json_t *cur = json_object();

			for (n = 0; n < e->nspki; n++)
				v[n] = e->spki[n];
			json_object_set_new(cur, "spki", sorted(v, n));
			record(sh, cur, (const char *const[]){"spki", NULL}, NULL, j->now);
		}
	}
}

int64_t
dp_ro_since(const json_t *hist, const char *key)
{
	size_t n = json_is_array(hist) ? json_array_size(hist) : 0;
	const json_t *cur = n > 0 ? json_object_get(json_array_get(hist, n - 1), key) : NULL;
	size_t i = n;

	if (cur == NULL)
		return -1;
	while (i > 0 && json_equal(json_object_get(json_array_get(hist, i - 1), key), cur))
		i--;
	return jint(json_array_get(hist, i), "first_seen");
}

int
dp_rollover_judge(json_t *state, const char *domain, const struct dp_ro_obs *o, int64_t now,
		  struct dp_ro_verdict *out)
{
	struct judge j = {.state = state, .domain = domain, .o = o, .now = now, .out = out};
	json_t *last_run;
	bool judge;

	memset(out, 0, sizeof(*out));
	if (state == NULL)
		return 0;
	last_run = json_object_get(state, "last_run");
	/* a clock that went backwards: the history is not comparable, start again */
	if (json_is_integer(last_run) && json_integer_value(last_run) > now) {
		json_object_clear(state);
		last_run = NULL;
	}
	judge = json_is_integer(last_run);
	out->first = !judge;
	if (o->have_dns) {
		json_t *hist = child(state, "dns", true);
		json_t *cur = dns_snapshot(o);

		if (cur == NULL)
			return DP_ENOMEM;
		if (judge && json_array_size(hist) > 0 && o->nkeys > 0) {
			judge_zsk(&j, hist, cur);
			judge_ksk(&j, hist, cur);
		}
		record(hist, cur, (const char *const[]){"dnskey", "dnskey_signers", "soa_signers", "ds", NULL},
		       (const char *const[]){"dnskey_ttl", "ds_ttl", NULL}, now);
	}
	tls_step(&j, judge);
	json_object_set_new(state, "last_run", json_integer(now));
	return j.rc;
}
