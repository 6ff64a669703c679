/* MTA-STS parsers (RFC 8461 §3.1 TXT record, §3.2 policy body) and §4.1 mx pattern matching. */
#include "config.h"

#include "mail/mta_sts.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/txt.h"

#define STS_VERSION DP_STS_TXT_VERSION

const char *
dp_sts_mode_str(enum dp_sts_mode m)
{
	switch (m) {
	case DP_STS_MODE_NONE:
		return "none";
	case DP_STS_MODE_TESTING:
		return "testing";
	case DP_STS_MODE_ENFORCE:
		return "enforce";
	}
	return "?";
}

bool
dp_sts_txt_is_sts(const char *s, size_t len)
{
	return dp_txt_classify(s, len, STS_VERSION) == DP_TXT_RECORD;
}

/* sts-ext-name / tlsrpt-ext-name: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / "."). */
static bool
ext_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > 32)
		return false;
	if (!dp_abnf_alpha((unsigned char)s[0]) && !dp_abnf_digit((unsigned char)s[0]))
		return false;
	for (size_t i = 1; i < len; i++) {
		int c = (unsigned char)s[i];

		if (!dp_abnf_alpha(c) && !dp_abnf_digit(c) && c != '_' && c != '-' && c != '.')
			return false;
	}
	return true;
}

/* sts-ext-value: 1*(%x21-3A / %x3C / %x3E-7E), i.e. VCHAR without ';' and '='. */
static bool
ext_value_valid(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c < 0x21 || c > 0x7e || c == ';' || c == '=')
			return false;
	}
	return true;
}

/* sts-id value: 1*32(ALPHA / DIGIT). */
static int
txt_id(const char *v, size_t vlen, struct dp_sts_txt *out, struct dp_err *err)
{
	char shown[80];

	if (vlen == 0 || vlen > DP_STS_ID_MAX)
		return dp_err_set(err, DP_EPARSE, "id must be 1 to 32 letters or digits, not %zu bytes",
		                  vlen);
	for (size_t i = 0; i < vlen; i++) {
		if (!dp_abnf_alpha((unsigned char)v[i]) && !dp_abnf_digit((unsigned char)v[i]))
			return dp_err_set(err, DP_EPARSE,
			                  "id \"%s\" has a character other than a letter or digit",
			                  dp_text_printable(v, vlen, shown, sizeof(shown)));
	}
	memcpy(out->id, v, vlen);
	out->id[vlen] = '\0';
	return 0;
}

/* One field of the TXT record, s[0..len) without delimiters. */
static int
txt_field(const char *s, size_t len, struct dp_sts_txt *out, bool *have_id, struct dp_err *err)
{
	const char *eq = memchr(s, '=', len);
	char shown[80];
	size_t nlen;
	int rc;

	if (eq == NULL)
		return dp_err_set(err, DP_EPARSE, "field \"%s\" has no '='",
		                  dp_text_printable(s, len, shown, sizeof(shown)));
	nlen = (size_t)(eq - s);
	if (nlen == 2 && memcmp(s, "id", 2) == 0 && !*have_id) {
		rc = txt_id(eq + 1, len - 3, out, err);
		*have_id = rc == 0;
		return rc;
	}
	if (!ext_name_valid(s, nlen) || !ext_value_valid(eq + 1, len - nlen - 1))
		return dp_err_set(err, DP_EPARSE, "malformed field \"%s\"",
		                  dp_text_printable(s, len, shown, sizeof(shown)));
	/* RFC 8461 §3.2: a repeated non-mx field keeps its first value; a later "v=" too. */
	if ((nlen == 2 && memcmp(s, "id", 2) == 0) || (nlen == 1 && s[0] == 'v'))
		out->nignored++;
	else
		out->nextensions++;
	return 0;
}

/* Skip *WSP from i; returns the new index. */
static size_t
skip_wsp(const char *s, size_t len, size_t i)
{
	while (i < len && dp_abnf_wsp((unsigned char)s[i]))
		i++;
	return i;
}

int
dp_sts_txt_parse(const char *s, size_t len, struct dp_sts_txt *out, struct dp_err *err)
{
	size_t n = strlen(STS_VERSION);
	size_t i;
	bool have_id = false;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!dp_sts_txt_is_sts(s, len))
		return dp_err_set(err, DP_EPARSE, "record does not begin with \"v=STSv1;\"");
	/* sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim] */
	i = n;
	while (i < len) {
		size_t start;

		i = skip_wsp(s, len, i);
		if (i >= len || s[i] != ';')
			return dp_err_set(err, DP_EPARSE, "expected ';' at offset %zu", i);
		i = skip_wsp(s, len, i + 1);
		if (i >= len)
			break; /* the optional trailing delimiter */
		start = i;
		while (i < len && s[i] != ';' && !dp_abnf_wsp((unsigned char)s[i]))
			i++;
		rc = txt_field(s + start, i - start, out, &have_id, err);
		if (rc != 0)
			return rc;
	}
	if (!have_id)
		return dp_err_set(err, DP_EPARSE, "no id field");
	return 0;
}

void
dp_sts_policy_clear(struct dp_sts_policy *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nmx; i++)
		free(p->mx[i]);
	free(p->mx);
	memset(p, 0, sizeof(*p));
}

/* The length of the well-formed UTF-8 sequence of 2 to 4 bytes at s (RFC 3629 §4 UTF8-2, UTF8-3,
 * UTF8-4: no overlong forms, no surrogates, at most U+10FFFF), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	unsigned lo = 0x80, hi = 0xbf;

	if (s[0] < 0xc2 || s[0] > 0xf4 || len < n)
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	}
	return n;
}

/* sts-policy-ext-value: sts-policy-vchar [*(%x20 / sts-policy-vchar) sts-policy-vchar], where
 * sts-policy-vchar = %x21-7E / UTF8-2 / UTF8-3 / UTF8-4 (RFC 8461 §3.2). */
static bool
policy_value_valid(const char *v, size_t len)
{
	const unsigned char *u = (const unsigned char *)v;

	if (len == 0 || v[0] == ' ' || v[len - 1] == ' ')
		return false;
	for (size_t i = 0; i < len; i++) {
		size_t n;

		if (u[i] >= 0x20 && u[i] <= 0x7e)
			continue;
		n = u[i] >= 0x80 ? utf8_seq(u + i, len - i) : 0;
		if (n == 0)
			return false;
		i += n - 1;
	}
	return true;
}

static int
policy_add_mx(struct dp_sts_policy *p, const char *v, size_t len, size_t line, struct dp_err *err)
{
	const char *dom = v;
	size_t dlen = len;
	char **grown;
	char *copy;
	char shown[80];

	/* sts-policy-mx-value = ["*."] Domain */
	if (dlen >= 2 && v[0] == '*' && v[1] == '.') {
		dom += 2;
		dlen -= 2;
	}
	if (!dp_ldh_domain_valid(dom, dlen))
		return dp_err_set(err, DP_EPARSE,
		                  "line %zu: mx \"%s\" is not a host name or *.domain", line,
		                  dp_text_printable(v, len, shown, sizeof(shown)));
	grown = realloc(p->mx, (p->nmx + 1) * sizeof(*p->mx));
	if (grown == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	p->mx = grown;
	copy = malloc(len + 1);
	if (copy == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	for (size_t i = 0; i < len; i++)
		copy[i] = (v[i] >= 'A' && v[i] <= 'Z') ? (char)(v[i] - 'A' + 'a') : v[i];
	copy[len] = '\0';
	p->mx[p->nmx++] = copy;
	return 0;
}

/* What the known fields of a policy have been seen so far. */
struct policy_seen {
	bool version, mode, max_age;
};

static bool
value_is(const char *v, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(v, lit, len) == 0;
}

/* sts-policy-mode-value = %s"testing" / %s"enforce" / %s"none" */
static int
policy_mode(struct dp_sts_policy *p, const char *v, size_t vlen, size_t line, struct dp_err *err)
{
	char shown[80];

	if (value_is(v, vlen, "enforce"))
		p->mode = DP_STS_MODE_ENFORCE;
	else if (value_is(v, vlen, "testing"))
		p->mode = DP_STS_MODE_TESTING;
	else if (value_is(v, vlen, "none"))
		p->mode = DP_STS_MODE_NONE;
	else
		return dp_err_set(err, DP_EPARSE,
		                  "line %zu: mode \"%s\" is not enforce, testing or none", line,
		                  dp_text_printable(v, vlen, shown, sizeof(shown)));
	return 0;
}

/* sts-policy-max-age-value = 1*10(DIGIT), at most 31557600 (RFC 8461 §3.2). */
static int
policy_max_age(struct dp_sts_policy *p, const char *v, size_t vlen, size_t line,
               struct dp_err *err)
{
	char shown[80];
	char num[16];
	uint64_t age = 0;
	bool digits = vlen > 0 && vlen <= 10;

	for (size_t i = 0; digits && i < vlen; i++)
		digits = dp_abnf_digit((unsigned char)v[i]);
	if (digits) {
		memcpy(num, v, vlen);
		num[vlen] = '\0';
	}
	if (!digits || dp_parse_u64(num, 0, DP_STS_MAX_AGE_MAX, &age) != 0)
		return dp_err_set(err, DP_EPARSE,
		                  "line %zu: max_age \"%s\" is not 0 to 31557600 seconds", line,
		                  dp_text_printable(v, vlen, shown, sizeof(shown)));
	p->max_age = (uint32_t)age;
	return 0;
}

static int
policy_field(struct dp_sts_policy *p, struct policy_seen *seen, const char *name, size_t nlen,
             const char *v, size_t vlen, size_t line, struct dp_err *err)
{
	char shown[80];
	bool *once = NULL;
	int rc = 0;

	if (!policy_value_valid(v, vlen))
		return dp_err_set(err, DP_EPARSE, "line %zu: empty or malformed value", line);
	if (value_is(name, nlen, "mx"))
		return policy_add_mx(p, v, vlen, line, err);
	if (value_is(name, nlen, "version"))
		once = &seen->version;
	else if (value_is(name, nlen, "mode"))
		once = &seen->mode;
	else if (value_is(name, nlen, "max_age"))
		once = &seen->max_age;
	if (once == NULL) {
		p->nextensions++; /* RFC 8461 §3.2: unknown fields SHALL be ignored */
		return 0;
	}
	if (*once) {
		p->nignored++; /* §3.2: a repeated non-mx field: all but the first ignored */
		return 0;
	}
	if (once == &seen->version && !value_is(v, vlen, "STSv1"))
		return dp_err_set(err, DP_EPARSE, "line %zu: version \"%s\" is not STSv1", line,
		                  dp_text_printable(v, vlen, shown, sizeof(shown)));
	if (once == &seen->mode)
		rc = policy_mode(p, v, vlen, line, err);
	else if (once == &seen->max_age)
		rc = policy_max_age(p, v, vlen, line, err);
	*once = rc == 0;
	return rc;
}

/* One line without its terminator: name ":" *WSP value *WSP. */
static int
policy_line(struct dp_sts_policy *p, struct policy_seen *seen, const char *s, size_t len,
            size_t line, struct dp_err *err)
{
	const char *colon = memchr(s, ':', len);
	char shown[80];
	size_t nlen, vstart, vend;

	if (len == 0)
		return dp_err_set(err, DP_EPARSE, "line %zu is empty", line);
	if (colon == NULL)
		return dp_err_set(err, DP_EPARSE, "line %zu has no ':' (\"%s\")", line,
		                  dp_text_printable(s, len, shown, sizeof(shown)));
	nlen = (size_t)(colon - s);
	if (!ext_name_valid(s, nlen))
		return dp_err_set(err, DP_EPARSE, "line %zu: malformed field name \"%s\"", line,
		                  dp_text_printable(s, nlen, shown, sizeof(shown)));
	vstart = skip_wsp(s, len, nlen + 1);
	vend = len;
	while (vend > vstart && dp_abnf_wsp((unsigned char)s[vend - 1]))
		vend--;
	return policy_field(p, seen, s, nlen, s + vstart, vend - vstart, line, err);
}

static int
policy_lines(struct dp_sts_policy *p, const char *body, size_t len, struct dp_err *err)
{
	struct policy_seen seen = {0};
	size_t i = 0;
	int rc;

	p->crlf = true;
	while (i < len) {
		const char *nl = memchr(body + i, '\n', len - i);
		size_t end = nl != NULL ? (size_t)(nl - body) : len;
		size_t next = nl != NULL ? end + 1 : len;
		const char *cr;

		/* sts-policy-term = LF / CRLF; a CR anywhere else is not allowed. */
		if (end > i && body[end - 1] == '\r')
			end--;
		else if (nl != NULL)
			p->crlf = false;
		cr = memchr(body + i, '\r', end - i);
		if (cr != NULL)
			return dp_err_set(err, DP_EPARSE, "line %zu has a stray CR", p->nlines + 1);
		rc = policy_line(p, &seen, body + i, end - i, ++p->nlines, err);
		if (rc != 0)
			return rc;
		i = next;
	}
	if (!seen.version)
		return dp_err_set(err, DP_EPARSE, "no version field");
	if (!seen.mode)
		return dp_err_set(err, DP_EPARSE, "no mode field");
	if (!seen.max_age)
		return dp_err_set(err, DP_EPARSE, "no max_age field");
	if (p->nmx == 0 && p->mode != DP_STS_MODE_NONE)
		return dp_err_set(err, DP_EPARSE, "no mx field (required unless mode is none)");
	return 0;
}

int
dp_sts_policy_parse(const char *body, size_t len, struct dp_sts_policy *out, struct dp_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return dp_err_set(err, DP_EPARSE, "empty policy");
	rc = policy_lines(out, body, len, err);
	if (rc != 0)
		dp_sts_policy_clear(out);
	return rc;
}

bool
dp_sts_mx_match(const char *pattern, const char *host)
{
	size_t hlen = strlen(host);
	size_t plen = strlen(pattern);
	const char *dot;

	if (hlen > 0 && host[hlen - 1] == '.')
		hlen--;
	if (hlen == 0 || plen == 0)
		return false;
	if (pattern[0] != '*')
		return plen == hlen && strncasecmp(pattern, host, hlen) == 0;
	/* RFC 8461 §4.1: "*.example.com" covers exactly one leftmost label. */
	if (plen < 3 || pattern[1] != '.')
		return false;
	dot = memchr(host, '.', hlen);
	if (dot == NULL || dot == host)
		return false;
	return (size_t)(host + hlen - dot) == plen - 1 &&
	       strncasecmp(dot, pattern + 1, plen - 1) == 0;
}

long
dp_sts_policy_match(const struct dp_sts_policy *p, const char *host)
{
	for (size_t i = 0; i < p->nmx; i++) {
		if (dp_sts_mx_match(p->mx[i], host))
			return (long)i;
	}
	return -1;
}

bool
dp_sts_id_stale(json_t *state, const char *id, const char *body_sha256, const char **previous)
{
	const char *old_id = json_string_value(json_object_get(state, "id"));
	const char *old_sha = json_string_value(json_object_get(state, "body_sha256"));

	if (previous != NULL)
		*previous = NULL;
	if (old_id != NULL && old_sha != NULL && strcmp(old_id, id) == 0) {
		if (previous != NULL)
			*previous = old_sha;
		return strcmp(old_sha, body_sha256) != 0;
	}
	json_object_set_new(state, "id", json_string(id));
	json_object_set_new(state, "body_sha256", json_string(body_sha256));
	return false;
}
