/* Unit tests of the TLS client's pure parts: SMTP replies, TLSA rdata and usability, expiry. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mail/smtp.h"
#include "mail/tls.h"
#include "mail/tlsa.h"

/* Parse s; returns the parser's code, *used the bytes taken. */
static int
reply(const char *s, struct dp_smtp_reply *r, size_t *used)
{
	struct dp_err err = {0};

	return dp_smtp_reply_parse(s, strlen(s), r, used, &err);
}

static void
test_smtp_single(void **state)
{
	struct dp_smtp_reply r;
	size_t used;

	(void)state;
	assert_int_equal(reply("220 mail.glitter.kr ESMTP Postfix\r\n", &r, &used), 0);
	assert_int_equal(used, 35);
	assert_int_equal(r.code, 220);
	assert_int_equal(r.nlines, 1);
	assert_string_equal(r.text, "mail.glitter.kr ESMTP Postfix");
	assert_false(r.starttls);
	/* A bare code is a whole reply; a bare LF is tolerated. */
	assert_int_equal(reply("250\r\n", &r, &used), 0);
	assert_int_equal(r.code, 250);
	assert_int_equal(used, 5);
	assert_int_equal(reply("220 ok\n", &r, &used), 0);
	assert_int_equal(used, 7);
	/* Only the first reply is taken; the rest waits for the next call. */
	assert_int_equal(reply("220 a\r\n250 b\r\n", &r, &used), 0);
	assert_int_equal(used, 7);
	assert_int_equal(r.code, 220);
}

static void
test_smtp_multiline_ehlo(void **state)
{
	static const char ehlo[] = "250-mail.glitter.kr\r\n"
	                           "250-PIPELINING\r\n"
	                           "250-SIZE 10240000\r\n"
	                           "250-starttls\r\n"
	                           "250-ENHANCEDSTATUSCODES\r\n"
	                           "250 CHUNKING\r\n";
	struct dp_smtp_reply r;
	size_t used;

	(void)state;
	assert_int_equal(reply(ehlo, &r, &used), 0);
	assert_int_equal(used, strlen(ehlo));
	assert_int_equal(r.code, 250);
	assert_int_equal(r.nlines, 6);
	assert_true(r.starttls); /* keywords are case-insensitive (RFC 5321 §2.4) */
	assert_string_equal(r.text, "mail.glitter.kr");
	/* STARTTLS only as a keyword of its own, not in the greeting line or as a prefix. */
	assert_int_equal(reply("250-STARTTLS\r\n250 SIZE\r\n", &r, &used), 0);
	assert_false(r.starttls);
	assert_int_equal(reply("250-x\r\n250-STARTTLSX\r\n250 STARTTLS-NOT\r\n", &r, &used), 0);
	assert_false(r.starttls);
	assert_int_equal(reply("250-x\r\n250 STARTTLS\r\n", &r, &used), 0);
	assert_true(r.starttls);
}

static void
test_smtp_incomplete(void **state)
{
	struct dp_smtp_reply r;
	size_t used = 99;

	(void)state;
	assert_int_equal(reply("", &r, &used), 0);
	assert_int_equal(used, 0);
	assert_int_equal(reply("220 partial", &r, &used), 0);
	assert_int_equal(used, 0);
	assert_int_equal(reply("250-first\r\n250-second\r\n", &r, &used), 0);
	assert_int_equal(used, 0);
}

static void
test_smtp_malformed(void **state)
{
	static const char *const bad[] = {
	    "hello\r\n",               /* no code */
	    "22 short\r\n",            /* two digits */
	    "600 bad class\r\n",       /* first digit 2-5 */
	    "160 bad class\r\n",       /* first digit 2-5 */
	    "270 bad second\r\n",      /* second digit 0-5 */
	    "220xnot a separator\r\n", /* SP or '-' after the code */
	    "250-a\r\n251 b\r\n",      /* codes differ */
	    "\r\n",                    /* empty line */
	};
	struct dp_smtp_reply r;
	size_t used;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(reply(bad[i], &r, &used), DP_EPARSE);
}

static void
test_smtp_caps(void **state)
{
	char *buf = malloc(DP_SMTP_LINE_MAX + 16);
	char *many = malloc((DP_SMTP_LINES_MAX + 2) * 8 + 1);
	struct dp_smtp_reply r;
	size_t used;
	size_t o = 0;

	(void)state;
	assert_non_null(buf);
	assert_non_null(many);
	/* A line without its end that already passed the cap is an error, not "read more". */
	memset(buf, 'x', DP_SMTP_LINE_MAX + 8);
	memcpy(buf, "220 ", 4);
	buf[DP_SMTP_LINE_MAX + 8] = '\0';
	assert_int_equal(reply(buf, &r, &used), DP_EPARSE);
	/* The longest allowed line is fine. */
	buf[DP_SMTP_LINE_MAX - 2] = '\r';
	buf[DP_SMTP_LINE_MAX - 1] = '\n';
	buf[DP_SMTP_LINE_MAX] = '\0';
	assert_int_equal(reply(buf, &r, &used), 0);
	assert_int_equal(used, DP_SMTP_LINE_MAX);
	assert_true(strlen(r.text) < DP_SMTP_TEXT_MAX);
	for (int i = 0; i < DP_SMTP_LINES_MAX + 1; i++) {
		memcpy(many + o, "250-ab\r\n", 8);
		o += 8;
	}
	memcpy(many + o, "250 z\r\n", 8);
	assert_int_equal(reply(many, &r, &used), DP_EPARSE);
	free(buf);
	free(many);
}

static void
test_smtp_text_printable(void **state)
{
	static const char s[] = "220 a\x01\x7f\xc3\xa9z\r\n";
	struct dp_smtp_reply r;
	size_t used;
	struct dp_err err;

	(void)state;
	assert_int_equal(dp_smtp_reply_parse(s, sizeof(s) - 1, &r, &used, &err), 0);
	assert_string_equal(r.text, "a????z");
}

static void
test_tlsa_parse(void **state)
{
	static const uint8_t rd[] = {3, 1, 1, 0xab, 0xcd};
	struct dp_tlsa t;
	struct dp_err err;
	char buf[64];

	(void)state;
	assert_int_equal(dp_tlsa_parse(rd, sizeof(rd), &t, &err), 0);
	assert_int_equal(t.usage, 3);
	assert_int_equal(t.selector, 1);
	assert_int_equal(t.mtype, 1);
	assert_int_equal(t.len, 2);
	assert_ptr_equal(t.data, rd + 3);
	assert_string_equal(dp_tlsa_text(&t, 0, buf, sizeof(buf)), "3 1 1 abcd");
	assert_string_equal(dp_tlsa_text(&t, 2, buf, sizeof(buf)), "3 1 1 ab...");
	assert_string_equal(dp_tlsa_text(&t, 3, buf, sizeof(buf)), "3 1 1 abc...");
	assert_int_equal(dp_tlsa_parse(rd, 3, &t, &err), DP_EPARSE);
	assert_int_equal(dp_tlsa_parse(rd, 0, &t, &err), DP_EPARSE);
}

static void
test_tlsa_usable(void **state)
{
	uint8_t d32[32] = {0};
	uint8_t d64[64] = {0};
	struct dp_tlsa t = {.usage = 3, .selector = 1, .mtype = 1, .data = d32, .len = 32};

	(void)state;
	assert_null(dp_tlsa_unusable(&t, true));
	t.usage = 2;
	assert_null(dp_tlsa_unusable(&t, true));
	/* RFC 7672 §3.1.3: PKIX-TA/PKIX-EE are unusable for SMTP, usable elsewhere. */
	t.usage = 0;
	assert_non_null(dp_tlsa_unusable(&t, true));
	assert_null(dp_tlsa_unusable(&t, false));
	t.usage = 1;
	assert_non_null(dp_tlsa_unusable(&t, true));
	assert_null(dp_tlsa_unusable(&t, false));
	t.usage = 4;
	assert_non_null(dp_tlsa_unusable(&t, false));
	t.usage = 3;
	t.selector = 2;
	assert_non_null(dp_tlsa_unusable(&t, false));
	t.selector = 0;
	t.mtype = 3;
	assert_non_null(dp_tlsa_unusable(&t, false));
	/* Digest lengths: SHA2-256 32 octets, SHA2-512 64 octets; Full(0) any length. */
	t.mtype = 2;
	assert_non_null(dp_tlsa_unusable(&t, false));
	t.data = d64;
	t.len = 64;
	assert_null(dp_tlsa_unusable(&t, false));
	t.mtype = 1;
	assert_non_null(dp_tlsa_unusable(&t, false));
	t.mtype = 0;
	assert_null(dp_tlsa_unusable(&t, false));
	assert_true(dp_tlsa_port_is_smtp(25));
	assert_true(dp_tlsa_port_is_smtp(587));
	assert_true(dp_tlsa_port_is_smtp(465));
	assert_false(dp_tlsa_port_is_smtp(443));
	assert_true(dp_tls_port_starttls(25));
	assert_true(dp_tls_port_starttls(587));
	assert_false(dp_tls_port_starttls(465));
	assert_false(dp_tls_port_starttls(443));
	assert_string_equal(dp_tlsa_usage_str(2), "DANE-TA");
	assert_string_equal(dp_tlsa_usage_str(9), "unknown");
}

static void
test_expiry(void **state)
{
	const int64_t day = 86400;
	const int64_t nb = 1000 * day;
	const int64_t na = 1400 * day;
	const int64_t warn = 14 * day;
	const int64_t crit = 3 * day;

	(void)state;
	assert_int_equal(dp_cert_expiry_judge(nb, na, na - 30 * day, warn, crit), DP_CERT_VALID);
	assert_int_equal(dp_cert_expiry_judge(nb, na, na - warn, warn, crit), DP_CERT_VALID);
	assert_int_equal(dp_cert_expiry_judge(nb, na, na - warn + 1, warn, crit), DP_CERT_EXPIRING);
	assert_int_equal(dp_cert_expiry_judge(nb, na, na - 5 * day, warn, crit), DP_CERT_EXPIRING);
	assert_int_equal(dp_cert_expiry_judge(nb, na, na - 2 * day, warn, crit), DP_CERT_CRITICAL);
	/* RFC 5280 §4.1.2.5: notAfter itself is still inside the validity period. */
	assert_int_equal(dp_cert_expiry_judge(nb, na, na, warn, crit), DP_CERT_CRITICAL);
	assert_int_equal(dp_cert_expiry_judge(nb, na, na + 1, warn, crit), DP_CERT_EXPIRED);
	assert_int_equal(dp_cert_expiry_judge(nb, na, nb - 1, warn, crit), DP_CERT_NOT_YET);
	assert_int_equal(dp_cert_expiry_judge(nb, na, nb, warn, crit), DP_CERT_VALID);
	assert_int_equal(dp_cert_expiry_status(DP_CERT_VALID), DP_STATUS_OK);
	assert_int_equal(dp_cert_expiry_status(DP_CERT_EXPIRING), DP_STATUS_WARNING);
	assert_int_equal(dp_cert_expiry_status(DP_CERT_CRITICAL), DP_STATUS_CRITICAL);
	assert_int_equal(dp_cert_expiry_status(DP_CERT_EXPIRED), DP_STATUS_CRITICAL);
	assert_int_equal(dp_cert_expiry_status(DP_CERT_NOT_YET), DP_STATUS_CRITICAL);
	assert_string_equal(dp_cert_expiry_str(DP_CERT_EXPIRED), "expired");
}

/* The client against nothing: a refused connection is a finding with the step, not an error. */
static void
test_probe_refused(void **state)
{
	struct dp_tls_trust *tr = NULL;
	struct dp_tls_req q = {0};
	struct dp_tls_res r;
	struct dp_addr a;
	struct dp_err err = {0};

	(void)state;
	assert_int_equal(dp_tls_trust_new(NULL, &tr, &err), 0);
	assert_int_equal(dp_addr_parse("127.0.0.1", &a), 0);
	q.host = "localhost";
	q.addr = &a;
	q.port = 1; /* tcpmux: nothing listens there */
	q.trust = tr;
	q.step_ms = 2000;
	assert_int_equal(dp_tls_probe(&q, &r, &err), 0);
	assert_int_equal(r.step, DP_TLS_STEP_CONNECT);
	assert_false(r.timed_out);
	assert_non_null(strstr(r.error, "refused"));
	dp_tls_res_clear(&r);
	dp_tls_trust_free(tr);
	/* An unreadable --ca-file is an error (no verdict possible), not a finding. */
	assert_int_equal(dp_tls_trust_new("/nonexistent/ca.pem", &tr, &err), DP_EIO);
	assert_null(tr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_smtp_single),     cmocka_unit_test(test_smtp_multiline_ehlo),
	    cmocka_unit_test(test_smtp_incomplete), cmocka_unit_test(test_smtp_malformed),
	    cmocka_unit_test(test_smtp_caps),       cmocka_unit_test(test_smtp_text_printable),
	    cmocka_unit_test(test_tlsa_parse),      cmocka_unit_test(test_tlsa_usable),
	    cmocka_unit_test(test_expiry),          cmocka_unit_test(test_probe_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
