/* dnssec.cds's RFC 9615 judge (authenticated DNSSEC bootstrapping): pure, see dsboot.h. */
#include "config.h"

#include "probes/dsboot.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "dns/dnssec.h"

const char *
dp_dsboot_verdict_str(enum dp_dsboot_verdict v)
{
	switch (v) {
	case DP_DSBOOT_POSSIBLE:
		return "possible";
	case DP_DSBOOT_BLOCKED:
		return "blocked";
	case DP_DSBOOT_IN_DOMAIN_ONLY:
		return "in_domain_only";
	case DP_DSBOOT_NO_SIGNAL:
		return "no_signal";
	case DP_DSBOOT_UNKNOWN:
		return "unknown";
	}
	return "unknown";
}

const char *
dp_dsboot_ns_status_str(enum dp_dsboot_ns_status s)
{
	switch (s) {
	case DP_DSBOOT_NS_SAME:
		return "same";
	case DP_DSBOOT_NS_IN_DOMAIN:
		return "in_domain";
	case DP_DSBOOT_NS_BAD_NAME:
		return "bad_name";
	case DP_DSBOOT_NS_MISSING:
		return "missing";
	case DP_DSBOOT_NS_INSECURE:
		return "insecure";
	case DP_DSBOOT_NS_BOGUS:
		return "bogus";
	case DP_DSBOOT_NS_DIFFERENT:
		return "different";
	case DP_DSBOOT_NS_FAILED:
		return "failed";
	}
	return "failed";
}

/* Length of a presentation name without its trailing dot, or -1 when it is not a plain host
 * name we can put into a longer one: an empty or over-long (> 63) label, or an escape (`\`),
 * whose wire length differs from its text length. */
static long
plain_len(const char *name)
{
	size_t n = strlen(name);
	size_t label = 0;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '\\')
			return -1;
		if (name[i] != '.') {
			if (++label > 63)
				return -1;
			continue;
		}
		if (label == 0)
			return -1;
		label = 0;
	}
	return label == 0 ? -1 : (long)n;
}

/* Is ns (n characters) the zone (z characters) or a name below it? */
static bool
in_domain(const char *zone, size_t z, const char *ns, size_t n)
{
	if (n < z || strncasecmp(ns + (n - z), zone, z) != 0)
		return false;
	return n == z || ns[n - z - 1] == '.';
}

enum dp_dsboot_ns_status
dp_dsboot_signal_name(const char *zone, const char *ns, char *buf, size_t bufsz)
{
	long z = plain_len(zone);
	long n = plain_len(ns);

	if (bufsz > 0)
		buf[0] = '\0';
	if (z < 0 || n < 0)
		return DP_DSBOOT_NS_BAD_NAME;
	if (in_domain(zone, (size_t)z, ns, (size_t)n))
		return DP_DSBOOT_NS_IN_DOMAIN;
	/* RFC 1035 §3.1: at most 255 octets on the wire. "_dsboot." and "._signal." add 17
	 * characters; the wire form has one length octet more than the text (the first label's,
	 * each dot standing for the next one's) and the root label's zero. */
	if (z + n + 17 + 2 > 255)
		return DP_DSBOOT_NS_BAD_NAME;
	if (bufsz == 0 ||
	    !dp_snprintf(buf, bufsz, "_dsboot.%.*s._signal.%.*s", (int)z, zone, (int)n, ns)) {
		if (bufsz > 0)
			buf[0] = '\0';
		return DP_DSBOOT_NS_BAD_NAME;
	}
	return DP_DSBOOT_NS_SAME;
}

void
dp_dsboot_prepare(struct dp_dsboot *b)
{
	for (size_t i = 0; i < b->nns; i++) {
		struct dp_dsboot_ns *s = &b->ns[i];

		s->why[0] = '\0';
		s->status =
		    dp_dsboot_signal_name(b->zone, s->name, s->signal_name, sizeof(s->signal_name));
		if (s->status == DP_DSBOOT_NS_BAD_NAME)
			dp_snprintf(
			    s->why, sizeof(s->why),
			    "the signalling name _dsboot.%s._signal.%s cannot be formed: longer "
			    "than the 255 octets of a DNS name, or not a plain host name (RFC "
			    "9615 §4.4)",
			    b->zone, s->name);
	}
}

/* ---- RRsets ---- */

static bool
set_has(const struct dp_dsboot_set *s, const uint8_t *rd, size_t len)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->len[i] == len && memcmp(s->rd[i], rd, len) == 0)
			return true;
	}
	return false;
}

/* The same records (as sets: order and duplicates do not matter)? */
static bool
set_equal(const struct dp_dsboot_set *a, const struct dp_dsboot_set *b)
{
	for (size_t i = 0; i < a->n; i++) {
		if (!set_has(b, a->rd[i], a->len[i]))
			return false;
	}
	for (size_t i = 0; i < b->n; i++) {
		if (!set_has(a, b->rd[i], b->len[i]))
			return false;
	}
	return true;
}

/* "48552/13/2, 44476/13/2" (CDS) or "48552, 44476" (CDNSKEY key tags) into buf; "none". */
static const char *
set_short(bool cds, const struct dp_dsboot_set *s, char *buf, size_t bufsz)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->n && len + 1 < bufsz; i++) {
		const uint8_t *r = s->rd[i];

		if (s->len[i] < 4)
			dp_snprintf(buf + len, bufsz - len, "%s(short record)", i ? ", " : "");
		else if (cds)
			dp_snprintf(buf + len, bufsz - len, "%s%u/%u/%u", i ? ", " : "",
			            (unsigned)((r[0] << 8) | r[1]), r[2], r[3]);
		else
			dp_snprintf(buf + len, bufsz - len, "%s%u", i ? ", " : "",
			            dp_dnssec_keytag(r, s->len[i]));
		len = strlen(buf);
	}
	return s->n > 0 ? buf : "none";
}

/* One record in zone-file form: "48552 13 2 0BC3…" (CDS) or "257 3 13 n2fo…" (CDNSKEY). */
static json_t *
rr_json(bool cds, const uint8_t *rd, size_t len)
{
	static const char digits[] = "0123456789ABCDEF";
	char buf[2048];
	size_t o;

	if (len < 4)
		return json_string("");
	if (cds) {
		dp_snprintf(buf, sizeof(buf), "%u %u %u ", (unsigned)((rd[0] << 8) | rd[1]), rd[2],
		            rd[3]);
		o = strlen(buf);
		for (size_t i = 4; i < len && o + 2 < sizeof(buf); i++) {
			buf[o++] = digits[rd[i] >> 4];
			buf[o++] = digits[rd[i] & 15];
		}
		buf[o] = '\0';
		return json_string(buf);
	}
	dp_snprintf(buf, sizeof(buf), "%u %u %u ", (unsigned)((rd[0] << 8) | rd[1]), rd[2], rd[3]);
	o = strlen(buf);
	/* base64: 4 characters for every 3 bytes, and the terminator */
	if (len > 4 && ((len - 4 + 2) / 3) * 4 + 1 <= sizeof(buf) - o)
		EVP_EncodeBlock((unsigned char *)buf + o, rd + 4, (int)(len - 4));
	return json_string(buf);
}

static json_t *
set_json(bool cds, const struct dp_dsboot_set *s)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < s->n; i++)
		json_array_append_new(a, rr_json(cds, s->rd[i], s->len[i]));
	return a;
}

/* ---- Judging ---- */

/* Where the signal differs from the apex, type by type (RFC 9615 §4.2 step 4), into s->why. */
static bool
differs(const struct dp_dsboot *b, struct dp_dsboot_ns *s)
{
	static const char *const tn[2] = {"CDS", "CDNSKEY"};
	const struct dp_dsboot_set *apex[2] = {b->cds, b->cdnskey};
	const struct dp_dsboot_set *sig[2] = {&s->cds, &s->cdnskey};
	size_t len = 0;

	s->why[0] = '\0';
	for (size_t k = 0; k < 2; k++) {
		char x[300];
		char y[300];

		if (set_equal(apex[k], sig[k]))
			continue;
		dp_snprintf(s->why + len, sizeof(s->why) - len,
		            "%s%s %s at the signal, %s at the apex", len ? "; " : "", tn[k],
		            set_short(k == 0, sig[k], x, sizeof(x)),
		            set_short(k == 0, apex[k], y, sizeof(y)));
		len = strlen(s->why);
	}
	return len > 0;
}

static void
judge_ns(const struct dp_dsboot *b, struct dp_dsboot_ns *s)
{
	bool has = s->cds.n > 0 || s->cdnskey.n > 0;

	if (s->status != DP_DSBOOT_NS_SAME)
		return; /* in domain or no name: prepared */
	if (!s->looked_up || s->sec_cds == DP_SEC_INDETERMINATE ||
	    s->sec_cdnskey == DP_SEC_INDETERMINATE) {
		s->status = DP_DSBOOT_NS_FAILED;
		dp_snprintf(s->why, sizeof(s->why), "%s: no answer (%s)", s->signal_name,
		            s->error != NULL && s->error[0] ? s->error : "SERVFAIL or timeout");
	} else if (s->sec_cds == DP_SEC_BOGUS || s->sec_cdnskey == DP_SEC_BOGUS) {
		s->status = DP_DSBOOT_NS_BOGUS;
		dp_snprintf(s->why, sizeof(s->why), "%s does not validate (bogus: %s)",
		            s->signal_name,
		            s->why_bogus != NULL ? s->why_bogus : "no reason given");
	} else if (!has) {
		s->status = DP_DSBOOT_NS_MISSING;
		dp_snprintf(s->why, sizeof(s->why), "no CDS or CDNSKEY at %s", s->signal_name);
	} else if (s->sec_cds != DP_SEC_SECURE || s->sec_cdnskey != DP_SEC_SECURE) {
		/* §4.2: unauthenticated data (AD bit not set) is a failure */
		s->status = DP_DSBOOT_NS_INSECURE;
		dp_snprintf(s->why, sizeof(s->why),
		            "%s is insecure (its zone is not signed with a chain of trust): the "
		            "parent cannot authenticate it",
		            s->signal_name);
	} else if (differs(b, s)) {
		char w[sizeof(s->why)];

		s->status = DP_DSBOOT_NS_DIFFERENT;
		dp_strlcpy(w, s->why, sizeof(w));
		dp_snprintf(s->why, sizeof(s->why), "%s differs from the apex: %s", s->signal_name,
		            w);
	}
}

/* The names of the NS with one of the statuses (mask of 1 << status) into buf. */
static const char *
names_with(const struct dp_dsboot *b, unsigned mask, char *buf, size_t bufsz)
{
	size_t len = 0;
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < b->nns && len + 1 < bufsz; i++) {
		if (!(mask & (1u << b->ns[i].status)))
			continue;
		if (n++ == 4) {
			dp_snprintf(buf + len, bufsz - len, " and more");
			break;
		}
		dp_snprintf(buf + len, bufsz - len, "%s%s", len ? ", " : "", b->ns[i].name);
		len = strlen(buf);
	}
	return buf;
}

/* The first NS with one of the statuses, or NULL. */
static const struct dp_dsboot_ns *
first_with(const struct dp_dsboot *b, unsigned mask)
{
	for (size_t i = 0; i < b->nns; i++) {
		if (mask & (1u << b->ns[i].status))
			return &b->ns[i];
	}
	return NULL;
}

#define M(s) (1u << (s))

static void
summarise(struct dp_dsboot *b, size_t count[8])
{
	const unsigned bad = M(DP_DSBOOT_NS_INSECURE) | M(DP_DSBOOT_NS_BOGUS) |
	                     M(DP_DSBOOT_NS_DIFFERENT) | M(DP_DSBOOT_NS_MISSING) |
	                     M(DP_DSBOOT_NS_BAD_NAME);
	const struct dp_dsboot_ns *f;
	char names[400];
	size_t nbad = 0;

	for (size_t k = 0; k < 8; k++)
		nbad += (bad & M(k)) ? count[k] : 0;
	switch (b->verdict) {
	case DP_DSBOOT_POSSIBLE:
		dp_snprintf(b->summary, sizeof(b->summary),
		            "RFC 9615 bootstrapping possible: %s sign%s the apex's CDS/CDNSKEY at "
		            "_dsboot.%s._signal.<ns>, validated",
		            names_with(b, M(DP_DSBOOT_NS_SAME), names, sizeof(names)),
		            count[DP_DSBOOT_NS_SAME] > 1 ? "al" : "als", b->zone);
		break;
	case DP_DSBOOT_BLOCKED:
		f = first_with(b, bad & ~M(DP_DSBOOT_NS_MISSING) & ~M(DP_DSBOOT_NS_BAD_NAME));
		if (f == NULL)
			f = first_with(b, bad);
		dp_snprintf(b->summary, sizeof(b->summary),
		            "RFC 9615 bootstrapping blocked at %s: %s%s; a parent bootstraps only "
		            "when every out-of-domain NS signals the apex's set, validated (§4.2)",
		            f->name, f->why, nbad > 1 ? " (and more in details)" : "");
		break;
	case DP_DSBOOT_IN_DOMAIN_ONLY:
		dp_snprintf(
		    b->summary, sizeof(b->summary),
		    "RFC 9615 bootstrapping cannot apply: every NS (%s) is inside %s, so no "
		    "signal can be authenticated (§4.4)",
		    names_with(b, M(DP_DSBOOT_NS_IN_DOMAIN), names, sizeof(names)), b->zone);
		break;
	case DP_DSBOOT_NO_SIGNAL:
		dp_snprintf(b->summary, sizeof(b->summary),
		            "no RFC 9615 signal at _dsboot.%s._signal.<ns> for %s: authenticated "
		            "bootstrapping is not set up",
		            b->zone,
		            names_with(b, M(DP_DSBOOT_NS_MISSING) | M(DP_DSBOOT_NS_BAD_NAME), names,
		                       sizeof(names)));
		break;
	case DP_DSBOOT_UNKNOWN:
		f = first_with(b, M(DP_DSBOOT_NS_FAILED));
		dp_snprintf(b->summary, sizeof(b->summary), "RFC 9615 bootstrapping not judged: %s",
		            f != NULL ? f->why : "no NS name");
		break;
	}
}

void
dp_dsboot_judge(struct dp_dsboot *b)
{
	size_t count[8] = {0};
	size_t out;
	size_t signalled;

	for (size_t i = 0; i < b->nns; i++) {
		judge_ns(b, &b->ns[i]);
		count[b->ns[i].status]++;
	}
	out = b->nns - count[DP_DSBOOT_NS_IN_DOMAIN];
	signalled = count[DP_DSBOOT_NS_SAME] + count[DP_DSBOOT_NS_INSECURE] +
	            count[DP_DSBOOT_NS_BOGUS] + count[DP_DSBOOT_NS_DIFFERENT];
	b->status = DP_STATUS_OK;
	if (b->nns == 0)
		b->verdict = DP_DSBOOT_UNKNOWN;
	else if (out == 0)
		b->verdict = DP_DSBOOT_IN_DOMAIN_ONLY;
	else if (count[DP_DSBOOT_NS_INSECURE] + count[DP_DSBOOT_NS_BOGUS] +
	                 count[DP_DSBOOT_NS_DIFFERENT] >
	             0 ||
	         (signalled > 0 && count[DP_DSBOOT_NS_MISSING] + count[DP_DSBOOT_NS_BAD_NAME] > 0))
		b->verdict = DP_DSBOOT_BLOCKED;
	else if (count[DP_DSBOOT_NS_FAILED] > 0)
		b->verdict = DP_DSBOOT_UNKNOWN;
	else if (signalled == 0)
		b->verdict = DP_DSBOOT_NO_SIGNAL;
	else
		b->verdict = DP_DSBOOT_POSSIBLE;
	if (b->verdict == DP_DSBOOT_BLOCKED)
		b->status = DP_STATUS_WARNING;
	summarise(b, count);
}

json_t *
dp_dsboot_signal_json(const struct dp_dsboot *b)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < b->nns; i++) {
		const struct dp_dsboot_ns *s = &b->ns[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "name", s->name, "signal_name",
		                      s->signal_name, "status", dp_dsboot_ns_status_str(s->status),
		                      "why", s->why);

		if (o != NULL && s->status != DP_DSBOOT_NS_IN_DOMAIN &&
		    s->status != DP_DSBOOT_NS_BAD_NAME) {
			json_object_set_new(o, "cds", set_json(true, &s->cds));
			json_object_set_new(o, "cdnskey", set_json(false, &s->cdnskey));
		}
		json_array_append_new(a, o);
	}
	return a;
}
