/* SMTP reply parser (RFC 5321 §4.2) for the STARTTLS dialogue; see smtp.h. */
#include "config.h"

#include "mail/smtp.h"

#include <ctype.h>
#include <string.h>

/* One line without its CRLF (or LF). */
struct line {
	const char *p;
	size_t len;
};

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39. */
static int
line_code(const struct line *l)
{
	if (l->len < 3 || l->p[0] < '2' || l->p[0] > '5' || l->p[1] < '0' || l->p[1] > '5' ||
	    !is_digit(l->p[2]))
		return -1;
	return (l->p[0] - '0') * 100 + (l->p[1] - '0') * 10 + (l->p[2] - '0');
}

/* Copy the text after "NNN " or "NNN-" into out, control characters shown as '?'. */
static void
keep_text(const struct line *l, char *out, size_t outsz)
{
	size_t o = 0;

	for (size_t i = 4; i < l->len && o + 1 < outsz; i++) {
		unsigned char c = (unsigned char)l->p[i];

		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[o] = '\0';
}

/* RFC 3207 §4: the EHLO keyword STARTTLS, alone or followed by parameters. */
static bool
is_starttls(const struct line *l)
{
	static const char kw[] = "STARTTLS";
	size_t n = sizeof(kw) - 1;

	if (l->len < 4 + n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (toupper((unsigned char)l->p[4 + i]) != kw[i])
			return false;
	}
	return l->len == 4 + n || l->p[4 + n] == ' ';
}

/* The next line at buf[off..len): 1 when found (off advanced past it), 0 when incomplete,
 * DP_EPARSE when too long. */
static int
next_line(const char *buf, size_t len, size_t *off, struct line *l, struct dp_err *err)
{
	const char *start = buf + *off;
	size_t avail = len - *off;
	const char *nl = memchr(start, '\n', avail < DP_SMTP_LINE_MAX ? avail : DP_SMTP_LINE_MAX);

	if (nl == NULL) {
		if (avail >= DP_SMTP_LINE_MAX)
			return dp_err_set(err, DP_EPARSE, "reply line longer than %d octets",
			                  DP_SMTP_LINE_MAX);
		return 0;
	}
	l->p = start;
	l->len = (size_t)(nl - start);
	if (l->len > 0 && l->p[l->len - 1] == '\r')
		l->len--;
	*off += (size_t)(nl - start) + 1;
	return 1;
}

int
dp_smtp_reply_parse(const char *buf, size_t len, struct dp_smtp_reply *out, size_t *used,
                    struct dp_err *err)
{
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	*used = 0;
	for (;;) {
		struct line l = {NULL, 0};
		int code;
		int rc = next_line(buf, len, &off, &l, err);

		if (rc <= 0)
			return rc;
		code = line_code(&l);
		if (code < 0 || (l.len > 3 && l.p[3] != ' ' && l.p[3] != '-'))
			return dp_err_set(err, DP_EPARSE, "not an SMTP reply line (RFC 5321 §4.2)");
		/* RFC 5321 §4.2.1: every line of a multiline reply carries the same code. */
		if (out->nlines > 0 && code != out->code)
			return dp_err_set(err, DP_EPARSE, "reply lines with codes %d and %d",
			                  out->code, code);
		if (out->nlines == DP_SMTP_LINES_MAX)
			return dp_err_set(err, DP_EPARSE, "reply of more than %d lines",
			                  DP_SMTP_LINES_MAX);
		if (out->nlines == 0)
			keep_text(&l, out->text, sizeof(out->text));
		else if (is_starttls(&l))
			out->starttls = true;
		out->code = code;
		out->nlines++;
		if (l.len == 3 || l.p[3] == ' ') {
			*used = off;
			return 0;
		}
	}
}
