/* SMTP replies (RFC 5321 §4.2) as the STARTTLS dialogue (RFC 3207) reads them: a pure parser
 * over (ptr, len), no I/O. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "dnsprobe/common.h"

/* RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; real servers send longer banners, so
 * lines up to this many octets (with CRLF) are read and longer ones are a protocol error. */
#define DP_SMTP_LINE_MAX 1024
/* Lines of one reply at most (an EHLO reply has one per extension). */
#define DP_SMTP_LINES_MAX 64
/* Bytes of the first line's text kept for reports. */
#define DP_SMTP_TEXT_MAX 256

/* One complete reply. */
struct dp_smtp_reply {
	int code;                    /* 200..599 */
	size_t nlines;               /* lines in the reply */
	char text[DP_SMTP_TEXT_MAX]; /* first line after the code, printable, truncated */
	bool starttls;               /* a line after the first is the EHLO keyword STARTTLS */
};

/* Parse the reply at the start of buf[0..len). Returns 0 with *used = the reply's length in
 * bytes, or with *used = 0 when the reply is not complete yet (read more and call again).
 * Returns DP_EPARSE with the reason in err for a malformed reply: a line that is not a 3-digit
 * code 2xx-5xx followed by SP, '-' or the end; lines of one reply with different codes; a line
 * longer than DP_SMTP_LINE_MAX; more than DP_SMTP_LINES_MAX lines. Lines end in CRLF (a bare LF
 * is tolerated). */
int dp_smtp_reply_parse(const char *buf, size_t len, struct dp_smtp_reply *out, size_t *used,
                        struct dp_err *err) DP_WUR;
