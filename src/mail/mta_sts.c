/* MTA-STS parsers (RFC 8461 §3.1 TXT record, §3.2 policy body) and §4.1 mx pattern matching. */
#include "config.h"

#include "mail/mta_sts.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/txt.h"

#define STS_VERSION "v=STSv1"

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
	size_t n = strlen(STS_VERSION);

	if (len < n || memcmp(s, STS_VERSION, n) != 0)
		return false;
	return len == n || s[n] == ';' || dp_abnf_wsp((unsigned char)s[n]);
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

/* One field of the TXT record, s[0..len) without delimiters. */
static int
txt_field(const char *s, size_t len, struct dp_sts_txt *out, bool *have_id, struct dp_err *err)
{
	const char *eq = memchr(s, '=', len);
	char shown[80];
	size_t nlen;

	if (eq == NULL)
		return dp_err_set(err, DP_EPARSE, "field \"%s\" has no '='",
		                  dp_text_printable(s, len, shown, sizeof(shown)));
	nlen = (size_t)(eq - s);
	if (nlen == 2 && memcmp(s, "id", 2) == 0) {
		size_t vlen = len - 3;

		if (*have_id)
			return dp_err_set(err, DP_EPARSE, "more than one id field");
		if (vlen == 0 || vlen > DP_STS_ID_MAX)
			return dp_err_set(err, DP_EPARSE,
			                  "id must be 1 to 32 letters or digits, not %zu bytes",
			                  vlen);
		for (size_t i = 0; i < vlen; i++) {
			if (!dp_abnf_alpha((unsigned char)eq[1 + i]) &&
			    !dp_abnf_digit((unsigned char)eq[1 + i]))
				return dp_err_set(
				    err, DP_EPARSE,
				    "id \"%s\" has a character other than a letter or digit",
				    dp_text_printable(eq + 1, vlen, shown, sizeof(shown)));
		}
		memcpy(out->id, eq + 1, vlen);
		out->id[vlen] = '\0';
		*have_id = true;
		return 0;
	}
	if (!ext_name_valid(s, nlen) || !ext_value_valid(eq + 1, len - nlen - 1))
		return dp_err_set(err, DP_EPARSE, "malformed field \"%s\"",
		                  dp_text_printable(s, len, shown, sizeof(shown)));
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
		return dp_err_set(err, DP_EPARSE, "record does not begin with v=STSv1");
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

/* sts-policy-vchar: VCHAR or a UTF-8 byte of a multi-byte character (RFC 8461 §3.2). */
static bool
policy_vchar(int c)
{
	return (c >= 0x21 && c <= 0x7e) || c >= 0x80;
}

/* sts-policy-ext-value: vchar [*(%x20 / vchar) vchar]. */
static bool
policy_value_valid(const char *v, size_t len)
{
	if (len == 0 || !policy_vchar((unsigned char)v[0]) ||
	    !policy_vchar((unsigned char)v[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (v[i] != ' ' && !policy_vchar((unsigned char)v[i]))
			return false;
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

static int
policy_field(struct dp_sts_policy *p, struct policy_seen *seen, const char *name, size_t nlen,
             const char *v, size_t vlen, size_t line, struct dp_err *err)
{
	char shown[80];
	uint64_t age;
	char num[16];

	if (!policy_value_valid(v, vlen))
		return dp_err_set(err, DP_EPARSE, "line %zu: empty or malformed value", line);
	dp_text_printable(v, vlen, shown, sizeof(shown));
	if (value_is(name, nlen, "version")) {
		if (seen->version)
			return dp_err_set(err, DP_EPARSE, "line %zu: second version field", line);
		/* The caller already checked that line 1 is `version`. */
		if (!value_is(v, vlen, "STSv1"))
			return dp_err_set(err, DP_EPARSE, "line %zu: version \"%s\" is not STSv1",
			                  line, shown);
		seen->version = true;
	} else if (value_is(name, nlen, "mode")) {
		if (seen->mode)
			return dp_err_set(err, DP_EPARSE, "line %zu: second mode field", line);
		if (value_is(v, vlen, "enforce"))
			p->mode = DP_STS_MODE_ENFORCE;
		else if (value_is(v, vlen, "testing"))
			p->mode = DP_STS_MODE_TESTING;
		else if (value_is(v, vlen, "none"))
			p->mode = DP_STS_MODE_NONE;
		else
			return dp_err_set(err, DP_EPARSE,
			                  "line %zu: mode \"%s\" is not enforce, testing or none",
			                  line, shown);
		seen->mode = true;
	} else if (value_is(name, nlen, "max_age")) {
		/* sts-policy-max-age-value = 1*10(DIGIT), at most 31557600 */
		if (seen->max_age)
			return dp_err_set(err, DP_EPARSE, "line %zu: second max_age field", line);
		for (size_t i = 0; i < vlen; i++) {
			if (!dp_abnf_digit((unsigned char)v[i]))
				vlen = 0;
		}
		if (vlen > 0 && vlen <= 10) {
			memcpy(num, v, vlen);
			num[vlen] = '\0';
		}
		if (vlen == 0 || vlen > 10 || dp_parse_u64(num, 0, DP_STS_MAX_AGE_MAX, &age) != 0)
			return dp_err_set(err, DP_EPARSE,
			                  "line %zu: max_age \"%s\" is not 0 to 31557600 seconds",
			                  line, shown);
		p->max_age = (uint32_t)age;
		seen->max_age = true;
	} else if (value_is(name, nlen, "mx")) {
		return policy_add_mx(p, v, vlen, line, err);
	} else {
		p->nextensions++; /* RFC 8461 §3.2: unknown fields MUST be ignored */
	}
	return 0;
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
	if (line == 1 && !value_is(s, nlen, "version"))
		return dp_err_set(err, DP_EPARSE, "line 1 is not `version: STSv1`");
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
