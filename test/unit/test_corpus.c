/* Grammar corpus: MTA-STS, TLS-RPT and CAA inputs from other projects' test suites and the RFC
 * examples, each with its source and the verdict RFC 8461 / 8460 / 8659 give it. Only the short
 * record strings are taken from those projects; where a project disagrees with the RFC, the
 * comment says so and the RFC verdict is the one expected here. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dns/caa.h"
#include "mail/mta_sts.h"
#include "mail/tlsrpt.h"

/* Verdicts. NOREC: not a record at all, discarded before counting (RFC 8461 §3.1, RFC 8460 §3);
 * BAD: a record that does not parse; OK: valid; WARN (CAA only): valid, with a warning. */
enum want { NOREC, BAD, OK, WARN };

static const char *const want_str[] = {"not a record", "invalid", "valid", "valid+warning"};

#define MOX_STS   "mox mtasts/parse_test.go"
#define MOX_RPT   "mox tlsrpt/parse_test.go"
#define CDM_STS   "checkdmarc tests/test_mta_sts.py"
#define CDM_RPT   "checkdmarc tests/test_smtp_tls_reporting.py"
#define PMSR_UT   "postfix-mta-sts-resolver tests/test_utils.py"
#define PMSR_DNS  "postfix-mta-sts-resolver tests/dnsmasq.conf.appendix"
#define PMSR_WEB  "postfix-mta-sts-resolver tests/nginx.conf"
#define MC_REC    "mimecast/mta-sts StsRecordTest.java"
#define MC_POL    "mimecast/mta-sts StsPolicyTest.java"
#define MC_RPT    "mimecast/mta-sts StsReportTest.java"
#define BOULDER   "letsencrypt/boulder va/caa_test.go"
#define INL       "Internet.nl checks/caa/tests/test_parser.py"
#define HICKORY   "hickory-dns crates/proto/src/rr/rdata/caa.rs"
#define RFC8461_1 "RFC 8461 §3.1"
#define RFC8461_2 "RFC 8461 §3.2"
#define RFC8460   "RFC 8460 §3"
#define RFC8659   "RFC 8659 §4"
#define RFC8657   "RFC 8657 §3-§4"
#define RFC9495   "RFC 9495 §3"

/* `_mta-sts` TXT records. id: the id expected when valid. */
static const struct {
	const char *src, *in;
	enum want want;
	const char *id;
} sts_txt[] = {
    {RFC8461_1, "v=STSv1; id=20160831085700Z;", OK, "20160831085700Z"},
    {RFC8461_1, "v=STSv1", NOREC, NULL}, /* ABNF: 1*(delim field) after the version */
    {RFC8461_1, "v=STSv1 ;id=abc", OK, "abc"},   /* field-delim = *WSP ";" (erratum 6285) */
    {RFC8461_1, "v=STSv1; id=abc; id=def", OK, "abc"}, /* §3.2: first of a repeat kept */
    {RFC8461_1, "v=STSv1; id=abc; id=not-valid", OK, "abc"}, /* the repeat is an extension */
    {RFC8461_1, "v=STSv1; id=ab-c; id=abc", BAD, NULL},      /* the first one decides */
    {RFC8461_1, "v=STSv1; id=abc ", BAD, NULL},              /* WSP without a ';' */
    {RFC8461_1, "V=STSv1; id=abc", NOREC, NULL},             /* %s"v=STSv1" */
    {RFC8461_1, "v=stsv1; id=abc", NOREC, NULL},
    {RFC8461_1, "v=STSv1; ID=abc", BAD, NULL}, /* %s"id=": "ID" is an extension; no id */
    {RFC8461_1, "v=STSv1; v=STSv2; id=abc", OK, "abc"},
    {MOX_STS, "v=STSv1; id=20160831085700Z;", OK, "20160831085700Z"},
    {MOX_STS, "v=STSv1; \t id=20160831085700Z  \t;", OK, "20160831085700Z"},
    {MOX_STS, "v=STSv1; id=a", OK, "a"},
    {MOX_STS, "v=STSv1; id=a; more=a; ext=2", OK, "a"},
    {MOX_STS, "v=STSv0", NOREC, NULL},
    {MOX_STS, "v=STSv10", NOREC, NULL},
    {MOX_STS, "v=STSv2", NOREC, NULL},
    {MOX_STS, "v=STSv1", NOREC, NULL}, /* mox: "missing id"; not a record either way */
    {MOX_STS, "v=STSv1;", BAD, NULL},
    {MOX_STS, "v=STSv1; ext=1", BAD, NULL},
    {MOX_STS, "v=STSv1; id=", BAD, NULL},
    {MOX_STS, "v=STSv1; id=012345678901234567890123456789012", BAD, NULL},
    {MOX_STS, "v=STSv1; id=test-123", BAD, NULL},
    {MOX_STS, "v=STSv1; id=a; more=", BAD, NULL},
    {MOX_STS, "v=STSv1; id=a; a12345678901234567890123456789012=1", BAD, NULL},
    {MOX_STS, "v=STSv1; id=a; 1%=a", BAD, NULL},
    {MOX_STS, "v=STSv1; id=a; test==", BAD, NULL},
    {MOX_STS, "v=STSv1; id=a;;", BAD, NULL},
    {CDM_STS, "v=STSv1; id=20240101T010101", OK, "20240101T010101"},
    {CDM_STS, "v=STSv1; xyz=foo", BAD, NULL},
    {CDM_STS, "v=spf1 -all", NOREC, NULL},
    /* checkdmarc rejects a duplicate tag; RFC 8461 §3.2 keeps the first. */
    {CDM_STS, "v=STSv1; id=foo; id=bar", OK, "foo"},
    {PMSR_UT, "v=STSv1; id=20160831085700Z;", OK, "20160831085700Z"},
    {PMSR_UT, "v=STSv1;id=20160831085700Z;", OK, "20160831085700Z"},
    {PMSR_UT, "v=STSv1; id=20160831085700Z", OK, "20160831085700Z"},
    {PMSR_UT, "v=STSv1;id=20160831085700Z", OK, "20160831085700Z"},
    /* postfix-mta-sts-resolver accepts these two; the ABNF does not (mox agrees). */
    {PMSR_UT, "v=STSv1;        id=20160831085700Z   ", BAD, NULL},
    {PMSR_UT, "v=STSv1; id=20160831085700Z;;;", BAD, NULL},
    {PMSR_UT, "", NOREC, NULL},
    {PMSR_UT, "   ", NOREC, NULL},
    {PMSR_UT, " ;   ;  ", NOREC, NULL},
    {PMSR_DNS, "id=20180907T090909; v=STSv1;", NOREC, NULL},
    {PMSR_DNS, "azazaza;asdasdasdasd", NOREC, NULL},
    {PMSR_DNS, "v=STSv12;id=20180907T090909;", NOREC, NULL},
    {PMSR_DNS, "v=STSv1;id=20180907T090909;", OK, "20180907T090909"},
    {MC_REC, "v=STSv1; id=19840507T234501;", OK, "19840507T234501"},
    {MC_REC, "v=STSv1;", BAD, NULL},
    {MC_REC, "", NOREC, NULL},
    {MC_REC, "id=19840507T234501;", NOREC, NULL},
    {MC_REC, "v=STSv;", NOREC, NULL},
    {MC_REC, "v-STSv1 id=19840507T234501", NOREC, NULL},
    {MC_REC, "v=STSv1 id=", NOREC, NULL},
    {MC_REC, "v=STSv2; id=19840507T234501;", NOREC, NULL},
};

#define CRLF "\r\n"
#define P_OK "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 86400\r\n"

/* Policy bodies. mode/max_age/nmx are checked when valid. */
static const struct {
	const char *src, *body;
	enum want want;
	enum dp_sts_mode mode;
	uint32_t max_age;
	size_t nmx;
} sts_policy[] = {
    {RFC8461_2,
     "version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\n"
     "mx: backupmx.example.com\nmax_age: 604800",
     OK, DP_STS_MODE_ENFORCE, 604800, 3},
    /* Fields in any order: the ABNF requires none first. */
    {RFC8461_2, "mode: enforce\nversion: STSv1\nmx: a.example\nmax_age: 1\n", OK,
     DP_STS_MODE_ENFORCE, 1, 1},
    {RFC8461_2, "max_age: 5\r\nmx: a.example\r\nmode: testing\r\nversion: STSv1", OK,
     DP_STS_MODE_TESTING, 5, 1},
    /* §3.2: a repeated non-mx field keeps its first value. */
    {RFC8461_2, "version: STSv1\nversion: STSv1\nmode: none\nmax_age: 1\n", OK,
     DP_STS_MODE_NONE, 1, 0},
    {RFC8461_2, "version: STSv1\nversion: STSv2\nmode: none\nmax_age: 1\n", OK,
     DP_STS_MODE_NONE, 1, 0},
    {RFC8461_2, "version: STSv2\nversion: STSv1\nmode: none\nmax_age: 1\n", BAD, 0, 0, 0},
    {RFC8461_2, "version: STSv1\nmode: none\nmax_age: 1\nmax_age: 2\n", OK, DP_STS_MODE_NONE, 1,
     0},
    {RFC8461_2, "version: STSv1\nmode: none\nmax_age: 1\nmax_age: forever\n", OK,
     DP_STS_MODE_NONE, 1, 0},
    {RFC8461_2, "version: STSv1\nmode: none\nmax_age: 1\nmax_age:\n", BAD, 0, 0, 0},
    {RFC8461_2, "version: STSv1\nmode: enforce\nmx: a.example\nmx: a.example\nmax_age: 1", OK,
     DP_STS_MODE_ENFORCE, 1, 2},
    /* Case: names and keywords are %s"..." (RFC 7405). */
    {RFC8461_2, "Version: STSv1\nmode: none\nmax_age: 1\n", BAD, 0, 0, 0},
    {RFC8461_2, "version: stsv1\nmode: none\nmax_age: 1\n", BAD, 0, 0, 0},
    {RFC8461_2, "version: STSv1\nMODE: none\nmax_age: 1\n", BAD, 0, 0, 0},
    {RFC8461_2, "version: STSv1\nmode: None\nmax_age: 1\n", BAD, 0, 0, 0},
    {RFC8461_2, "version: STSv1\nmode: enforce\nmx: MAIL.Example.COM\nmax_age: 1\n", OK,
     DP_STS_MODE_ENFORCE, 1, 1}, /* Domain compares in any case */
    /* Whitespace and terminators. */
    {RFC8461_2, "version:STSv1\nmode:\t none \t\nmax_age:1\t\n", OK, DP_STS_MODE_NONE, 1, 0},
    {RFC8461_2, " version: STSv1\nmode: none\nmax_age: 1\n", BAD, 0, 0, 0},
    {RFC8461_2, "version : STSv1\nmode: none\nmax_age: 1\n", BAD, 0, 0, 0},
    {RFC8461_2, "version: STSv1\r\nmode: none\r\nmax_age: 1\r\n\r\n", BAD, 0, 0, 0},
    {RFC8461_2, "version: STSv1\n\nmode: none\nmax_age: 1\n", BAD, 0, 0, 0},
    {RFC8461_2, "version: STSv1\r\nmode: none\nmax_age: 1", OK, DP_STS_MODE_NONE, 1, 0},
    {RFC8461_2, "version: STSv1\n\rmode: none\nmax_age: 1\n", BAD, 0, 0, 0},
    /* max_age = 1*10(DIGIT), at most 31557600. */
    {RFC8461_2, "version: STSv1\nmode: none\nmax_age: 0\n", OK, DP_STS_MODE_NONE, 0, 0},
    {RFC8461_2, "version: STSv1\nmode: none\nmax_age: 31557600\n", OK, DP_STS_MODE_NONE,
     31557600, 0},
    {RFC8461_2, "version: STSv1\nmode: none\nmax_age: 0031557600\n", OK, DP_STS_MODE_NONE,
     31557600, 0},
    {RFC8461_2, "version: STSv1\nmode: none\nmax_age: 31557601\n", BAD, 0, 0, 0},
    {RFC8461_2, "version: STSv1\nmode: none\nmax_age: 00000000001\n", BAD, 0, 0, 0},
    {RFC8461_2, "version: STSv1\nmode: none\nmax_age: 1e6\n", BAD, 0, 0, 0},
    /* mx = ["*."] Domain (RFC 5321 §4.1.2): a wildcard is the whole leftmost label only. */
    {RFC8461_2, "version: STSv1\nmode: enforce\nmx: *.example.net\nmax_age: 1\n", OK,
     DP_STS_MODE_ENFORCE, 1, 1},
    {RFC8461_2, "version: STSv1\nmode: enforce\nmx: *example.net\nmax_age: 1\n", BAD, 0, 0, 0},
    {RFC8461_2, "version: STSv1\nmode: enforce\nmx: *.\nmax_age: 1\n", BAD, 0, 0, 0},
    {RFC8461_2, "version: STSv1\nmode: enforce\nmx: mail.example.com.\nmax_age: 1\n", BAD, 0, 0,
     0},
    {RFC8461_2, "version: STSv1\nmode: enforce\nmx: xn--mx-1ia.example\nmax_age: 1\n", OK,
     DP_STS_MODE_ENFORCE, 1, 1},
    /* Extensions: UTF-8 allowed, well-formed only. */
    {RFC8461_2, "version: STSv1\nmode: none\nmax_age: 1\nnote: caf\xc3\xa9 ok\n", OK,
     DP_STS_MODE_NONE, 1, 0},
    {RFC8461_2, "version: STSv1\nmode: none\nmax_age: 1\nnote: caf\xc3\n", BAD, 0, 0, 0},
    {RFC8461_2, "version: STSv1\nmode: none\nmax_age: 1\nnote: \xc0\xaf\n", BAD, 0, 0, 0},
    {RFC8461_2, "version: STSv1\nmode: none\nmax_age: 1\nnote: \xed\xa0\x80\n", BAD, 0, 0, 0},
    {MOX_STS,
     "version: STSv1\nmode: testing\nmx: mx1.example.com\nmx: mx2.example.com\n"
     "mx: mx.backup-example.com\nmax_age: 1296000\n",
     OK, DP_STS_MODE_TESTING, 1296000, 3},
    {MOX_STS, "version: STSv1\nmode: enforce\t\nmx: *.example.com \nmax_age: 0 \n", OK,
     DP_STS_MODE_ENFORCE, 0, 1},
    {MOX_STS,
     "version:STSv1\r\nmode:\tenforce\r\nmx:  \t\t *.example.com\nmax_age: 1\n"
     "more:ext e  ns ion",
     OK, DP_STS_MODE_ENFORCE, 1, 1},
    {MOX_STS, "", BAD, 0, 0, 0},
    {MOX_STS, "version:STSv0\nmode:none\nmax_age:0", BAD, 0, 0, 0},
    {MOX_STS, "version:STSv10\nmode:none\nmax_age:0", BAD, 0, 0, 0},
    {MOX_STS, "version:STSv2\nmode:none\nmax_age:0", BAD, 0, 0, 0},
    {MOX_STS, "version:STSv1\nmax_age:0\nmx:example.com", BAD, 0, 0, 0},
    {MOX_STS, "version:STSv1\nmode:none", BAD, 0, 0, 0},
    {MOX_STS, "version:STSv1\nmax_age:0\nmode:enforce", BAD, 0, 0, 0},
    {MOX_STS, "version:STSv1\nmax_age:0\nmode:testing", BAD, 0, 0, 0},
    {MOX_STS, "max_age:0\nmode:none", BAD, 0, 0, 0},
    {MOX_STS, "version:STSv1\nmode:none\nmax_age:0 ", OK, DP_STS_MODE_NONE, 0, 0},
    {MOX_STS, "version:STSv1\nmode:none\nmax_age:01234567890", BAD, 0, 0, 0},
    {MOX_STS, "version:STSv1\nmode:bad\nmax_age:1", BAD, 0, 0, 0},
    {MOX_STS, "version:STSv1\nmode:none\nmax_age:a", BAD, 0, 0, 0},
    {MOX_STS, "version:STSv1\nmode:enforce\nmax_age:0\nmx:", BAD, 0, 0, 0},
    {MOX_STS, "version:STSv1\nmode:enforce\nmax_age:0\nmx:*.*.example", BAD, 0, 0, 0},
    {MOX_STS, "version:STSv1\nmode:enforce\nmax_age:0\nmx:**.example", BAD, 0, 0, 0},
    {MOX_STS, "version:STSv1\nmode:enforce\nmax_age:0\nmx:**.example-", BAD, 0, 0, 0},
    {MOX_STS, "version:STSv1\nmode:enforce\nmax_age:0\nmx:test.example-", BAD, 0, 0, 0},
    {MOX_STS, "version:STSv1\nmode:none\nmax_age:0\next:", BAD, 0, 0, 0},
    {MOX_STS, "version:STSv1\nmode:none\nmax_age:0\next:abc ", OK, DP_STS_MODE_NONE, 0, 0},
    {MOX_STS, "version:STSv1\nmode:none\nmax_age:0\next:a\t", OK, DP_STS_MODE_NONE, 0, 0},
    {MOX_STS, "version:STSv1\nmode:none\nmax_age:0\na12345678901234567890123456789012:123", BAD,
     0, 0, 0},
    {MOX_STS, "version:STSv1\nmode:none\nmax_age:0\n_bad:test", BAD, 0, 0, 0},
    {MOX_STS, "version:STSv1\nmode:none\nmax_age:0\nmx: m\xc3\xb8x.example", BAD, 0, 0, 0},
    {CDM_STS, "version: STSv1" CRLF "mode: enforce" CRLF "max_age: 86400" CRLF
              "mx: mail.example.com" CRLF,
     OK, DP_STS_MODE_ENFORCE, 86400, 1},
    {CDM_STS, "version: STSv1\nmode: testing\nmax_age: 3600\nmx: *.example.com\n", OK,
     DP_STS_MODE_TESTING, 3600, 1},
    {CDM_STS, "version: STSv1\r\nmode: enforce\r\n", BAD, 0, 0, 0},
    {CDM_STS, "version: STSv1\r\nmode: enforce\r\nmax_age: -1\r\nmx: mail.example.com\r\n",
     BAD, 0, 0, 0},
    {CDM_STS, "version: STSv1\r\nmode: enforce\r\nmax_age: 86400.5\r\nmx: mail.example.com\r\n",
     BAD, 0, 0, 0},
    {CDM_STS, "version: STSv1\r\nmode: enforce\r\nmax_age: 99999999\r\nmx: mail.example.com\r\n",
     BAD, 0, 0, 0},
    {CDM_STS, "version: STSv1\r\nmode: enforce\r\nmax_age: abc\r\nmx: mail.example.com\r\n", BAD,
     0, 0, 0},
    /* checkdmarc rejects the repeated mode and the unknown key; RFC 8461 §3.2 does not. */
    {CDM_STS,
     "version: STSv1\r\nmode: enforce\r\nmode: testing\r\nmax_age: 86400\r\n"
     "mx: mail.example.com\r\n",
     OK, DP_STS_MODE_ENFORCE, 86400, 1},
    {CDM_STS, P_OK "badkey: badvalue\r\n", OK, DP_STS_MODE_ENFORCE, 86400, 1},
    {CDM_STS, "version: STSv2\r\nmode: enforce\r\nmax_age: 86400\r\nmx: mail.example.com\r\n",
     BAD, 0, 0, 0},
    {CDM_STS, "version: STSv1\r\nmode: invalid\r\nmax_age: 86400\r\nmx: mail.example.com\r\n",
     BAD, 0, 0, 0},
    {CDM_STS, "version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n", BAD, 0, 0, 0},
    {CDM_STS, "version: STSv1\r\nnot_a_pair\r\n", BAD, 0, 0, 0},
    {PMSR_WEB, "version: STSv1\nmode: enforce\nmx: mail.loc\nmax_age: 86400", OK,
     DP_STS_MODE_ENFORCE, 86400, 1},
    {PMSR_WEB, "garbage", BAD, 0, 0, 0},
    {PMSR_WEB, "version: STSv1\nmode: enforce\nmax_age: 86400", BAD, 0, 0, 0},
    {PMSR_WEB, "version: STSv1\nmode: enforce\nmx: mail.loc\nmax_age: xxx", BAD, 0, 0, 0},
    {PMSR_WEB, "version: STSv1\nmode: enforce\nmx: mail.loc\nmax_age: 31557601", BAD, 0, 0, 0},
    {PMSR_WEB, "version: STSv1\nmx: mail.loc\nmax_age: 86400", BAD, 0, 0, 0},
    {PMSR_WEB, "version: STSv1\nmode: doubt\nmx: mail.loc\nmax_age: 86400", BAD, 0, 0, 0},
    {PMSR_WEB, "version: STSv1\nmode: none\nmax_age: 86400", OK, DP_STS_MODE_NONE, 86400, 0},
    {PMSR_WEB, "version: STSv1\nmode: testing\nmax_age: 86400\nmx: mail.loc\n", OK,
     DP_STS_MODE_TESTING, 86400, 1},
    {PMSR_WEB, "version: STSv1\nmode: enforce\nmax_age: 1\nmx: mail.loc\n", OK,
     DP_STS_MODE_ENFORCE, 1, 1},
    {MC_POL,
     "version: STSv1\r\nmode: enforce\r\nmx: service-alpha-inbound-a.mimecast.com\r\n"
     "mx: service-alpha-inbound-b.mimecast.com\r\nmax_age: 604800\r\n",
     OK, DP_STS_MODE_ENFORCE, 604800, 2},
    {MC_POL, "version: STSv1\r\nmode: enforce\r\nmx: *.mimecast.com\r\nmax_age: 604800\r\n", OK,
     DP_STS_MODE_ENFORCE, 604800, 1},
    {MC_POL,
     "version: STSv1\r\nmode: enforce\r\nmx: service-alpha-inbound-*.mimecast.com\r\n"
     "max_age: 604800\r\n",
     BAD, 0, 0, 0},
    {MC_POL,
     "version: STSv1\r\nmode: pretend\r\nmx: *.mimecast.com\r\nmax_age: 604800\r\n"
     "min_age: 300\r\n",
     BAD, 0, 0, 0},
    {MC_POL, "version: STSv1\r\nmode none\r\nmx: *.mimecast.com\r\nmax_age: 604800\r\n", BAD, 0,
     0, 0},
    {MC_POL, "version: STSv1\r\nmode: enforce\r\nmx: *.mimecast.com\r\nmax_age:\r\n", BAD, 0, 0,
     0},
    {MC_POL, "version: STSv1\r\nmode: none\r\nmx: *.mimecast.com\r\nmax_age: 604800\r\n", OK,
     DP_STS_MODE_NONE, 604800, 1},
    {MC_POL,
     "version: STSv1\r\nmode: enforce\r\nmode: testing\r\nmode: none\r\n"
     "mx: gmail-smtp-in.l.google.com\r\nmx: *.gmail-smtp-in.l.google.com\r\n"
     "max_age: 604800\r\n",
     OK, DP_STS_MODE_ENFORCE, 604800, 2},
    {MC_POL,
     "version: STSv1\r\nmode: testing\r\nmode: enforced\r\nmx: gmail-smtp-in.l.google.com\r\n"
     "mx: *.gmail-smtp-in.l.google.com\r\nmax_age: 604800\r\n",
     OK, DP_STS_MODE_TESTING, 604800, 2},
    {MC_POL,
     "version: STSv1\r\nmode: none\r\nmode: testing\r\nmode: enforced\r\n"
     "mx: gmail-smtp-in.l.google.com\r\nmx: *.gmail-smtp-in.l.google.com\r\n"
     "max_age: 604800\r\n",
     OK, DP_STS_MODE_NONE, 604800, 2},
    {MC_POL, "version: STSv1\r\nmx: *.mimecast.com\r\nmax_age: 604800\r\n", BAD, 0, 0, 0},
    {MC_POL, "version: STSv1\r\nmode: enforce\r\nmax_age: 604800\r\n", BAD, 0, 0, 0},
    /* mimecast defaults a missing max_age to 86400; RFC 8461 §3.2 requires it. */
    {MC_POL, "version: STSv1\r\nmode: testing\r\nmx: *.mimecast.com\r\n", BAD, 0, 0, 0},
    {MC_POL, "version: STSv1\r\nmode: testing\r\nmax_age: twenty\r\nmx: *.mimecast.com\r\n", BAD,
     0, 0, 0},
    /* mimecast wants a final EOL; the ABNF makes the last sts-policy-term optional. */
    {MC_POL,
     "version: STSv1\r\nmode: enforce\r\nmx: service-alpha-inbound-a.mimecast.com\r\n"
     "mx: service-alpha-inbound-b.mimecast.com\r\nmax_age: 604799",
     OK, DP_STS_MODE_ENFORCE, 604799, 2},
    {MC_POL,
     "version: STSv1\r\nmode: enforce\r\nmx: service-alpha-inbound-a.mimecast.com\r\n"
     "max_age: 31557601",
     BAD, 0, 0, 0},
    /* mimecast's relaxed mode takes bare CR; sts-policy-term = LF / CRLF. */
    {MC_POL, "version: STSv1\rmode: enforce\rmx: *.mimecast.com\rmax_age: 1\r", BAD, 0, 0, 0},
};

/* `_smtp._tls` TXT records. nrua: URIs expected when valid. */
static const struct {
	const char *src, *in;
	enum want want;
	size_t nrua;
} tlsrpt[] = {
    {RFC8460, "v=TLSRPTv1;rua=mailto:reports@example.com", OK, 1},        /* §3.1.1 */
    {RFC8460, "v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt", OK, 1}, /* §3.1.2 */
    {RFC8460, "v=TLSRPTv1", NOREC, 0}, /* the ABNF needs a field after the version */
    {RFC8460, "v=TLSRPTv1 ;rua=mailto:a@example.com", OK, 1},
    {RFC8460, "v=tlsrptv1; rua=mailto:a@example.com", NOREC, 0},
    {RFC8460, "v=TLSRPTv1; RUA=mailto:a@example.com", BAD, 0}, /* %s"rua=": an extension */
    /* tlsrpt-field may repeat, so may rua= (no first-wins rule in RFC 8460). */
    {RFC8460, "v=TLSRPTv1; rua=mailto:a@example.com; rua=https://r.example.com/", OK, 2},
    /* RFC 6068 mailto: hfields, several addresses; ',' '!' ';' must be encoded. */
    {RFC8460, "v=TLSRPTv1; rua=mailto:tlsrpt@example.com?subject=TLS%20report", OK, 1},
    {RFC8460, "v=TLSRPTv1; rua=mailto:a@example.com%2Cb@example.com", OK, 1},
    {RFC8460, "v=TLSRPTv1; rua=mailto:a!b@example.com", BAD, 0},
    {RFC8460, "v=TLSRPTv1; rua=mailto:a%21b@example.com", OK, 1},
    {RFC8460, "v=TLSRPTv1; rua=https://r.example.com/!", BAD, 0},
    {RFC8460, "v=TLSRPTv1; rua=https://r.example.com/%21", OK, 1},
    {RFC8460, "v=TLSRPTv1; rua=https://r.example.com/a%2", BAD, 0},
    {RFC8460, "v=TLSRPTv1; rua=https://r.example.com:8443/v1?x=1&y=2#f", OK, 1},
    {RFC8460, "v=TLSRPTv1; rua=https://r.example.com:port/", BAD, 0},
    {RFC8460, "v=TLSRPTv1; rua=https://r.example.com/a b", BAD, 0},
    {RFC8460, "v=TLSRPTv1; rua=mailto:a@example.com?subject", BAD, 0},
    {RFC8460, "v=TLSRPTv1; rua=mailto:.a@example.com", BAD, 0},
    {RFC8460, "v=TLSRPTv1; rua=mailto:%22a%20b%22@example.com", OK, 1},
    {RFC8460, "v=TLSRPTv1; rua=http://r.example.com/", BAD, 0},
    {MOX_RPT, "v=TLSRPTv1; rua=mailto:tlsrpt@mox.example;", OK, 1},
    {MOX_RPT, "v=TLSRPTv1; rua=mailto:tlsrpt@mox.example , \t\t https://mox.example/tlsrpt  ", OK,
     2},
    {MOX_RPT, "v=TLSRPTv1; rua=mailto:tlsrpt@mox.example; ext=yes", OK, 1},
    {MOX_RPT, "v=TLSRPTv1 ; rua=mailto:x@x.example; rua=mailto:y@x.example", OK, 2},
    {MOX_RPT, "v=TLSRPTv0", NOREC, 0},
    {MOX_RPT, "v=TLSRPTv10", NOREC, 0},
    {MOX_RPT, "v=TLSRPTv2", NOREC, 0},
    {MOX_RPT, "v=TLSRPTv1", NOREC, 0},
    {MOX_RPT, "v=TLSRPTv1;", BAD, 0},
    {MOX_RPT, "v=TLSRPTv1; ext=1", BAD, 0},
    {MOX_RPT, "v=TLSRPTv1; rua=", BAD, 0},
    {MOX_RPT, "v=TLSRPTv1; rua=noscheme", BAD, 0},
    {MOX_RPT, "v=TLSRPTv1; rua=,, ,", BAD, 0},
    {MOX_RPT, "v=TLSRPTv1; rua=mailto:x@x.example; more=", BAD, 0},
    {MOX_RPT, "v=TLSRPTv1; rua=mailto:x@x.example; a12345678901234567890123456789012=1", BAD, 0},
    {MOX_RPT, "v=TLSRPTv1; rua=mailto:x@x.example; 1%=a", BAD, 0},
    {MOX_RPT, "v=TLSRPTv1; rua=mailto:x@x.example; test==", BAD, 0},
    {MOX_RPT, "v=TLSRPTv1; rua=mailto:x@x.example;;", BAD, 0},
    {MOX_RPT, "v=TLSRPTv1; rua=mailto:x@x.example other", BAD, 0},
    {MOX_RPT, "v=TLSRPTv1; rua=http://bad/%", BAD, 0},
    {CDM_RPT, "v=TLSRPTv1; rua=mailto:tlsrpt@example.com", OK, 1},
    {CDM_RPT, "v=TLSRPTv1; xyz=foo", BAD, 0},
    /* checkdmarc rejects a duplicate rua tag; the RFC 8460 ABNF allows it. */
    {CDM_RPT, "v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com", OK, 2},
    {CDM_RPT, "v=spf1 -all", NOREC, 0},
    {CDM_RPT, "v=TLSRPTv1; rua=not_a_valid_uri", BAD, 0},
    {CDM_RPT, "v=TLSRPTv1; rua=https://tlsrpt.example.com/report", OK, 1},
    {MC_RPT, "v=TLSRPTv1; rua=mailto:tlsrpt@mimecast.com", OK, 1},
    {MC_RPT, "v=TLSRPTv1; rua=https://tlsrpt.mimecast.com/v1", OK, 1},
    {MC_RPT, "v=TLSRPTv1; rua=https://tlsrpt.mimecast.com/v1.app?val=1", OK, 1},
    {MC_RPT, "v=TLSRPTv1; rua=mailto:tlsrpt@mimecast.com,https://tlsrpt.mimecast.com/v1", OK, 2},
    {MC_RPT, "v=TLSRPTv1;", BAD, 0},
    {MC_RPT, "", NOREC, 0},
    {MC_RPT, "rua=mailto:tlsrpt@mimecast.com", NOREC, 0},
    {MC_RPT, "v=TLSRPTv;", NOREC, 0},
    {MC_RPT, "v-TLSRPTv1 rua=mailto:tlsrpt@mimecast.com", NOREC, 0},
};

/* CAA records. issuer: the issuer expected when valid (issue-like tags). */
static const struct {
	const char *src;
	uint8_t flags;
	const char *tag, *value;
	enum want want;
	const char *issuer;
} caa[] = {
    {RFC8659, 0, "issue", "ca1.example.net", OK, "ca1.example.net"}, /* §4.2 */
    {RFC8659, 0, "issue", ";", OK, ""},
    {RFC8659, 0, "issue", "%%%%%", BAD, NULL}, /* §4.2: malformed, forbids issuance */
    {RFC8659, 0, "issue", "ca1.example.net; account=230123", OK, "ca1.example.net"},
    {RFC8659, 0, "issuewild", ";", OK, ""}, /* §4.3 */
    {RFC8659, 0, "iodef", "mailto:security@example.com", OK, NULL}, /* §4.4 */
    {RFC8659, 0, "iodef", "https://iodef.example.com/", OK, NULL},
    {RFC8659, 128, "tbs", "Unknown", WARN, NULL}, /* §4.5: unknown critical */
    {RFC8659, 0, "IsSuE", "ca.example.net", OK, "ca.example.net"}, /* §4.1: any case */
    {RFC8659, 0, "iodef", "mailto:", BAD, NULL},
    {RFC8659, 0, "iodef", "mailto:not-an-address", BAD, NULL},
    {RFC8659, 0, "iodef", "http://", BAD, NULL},
    {RFC8659, 0, "iodef", "https:///path", BAD, NULL},
    {RFC8659, 0, "iodef", "https:iodef.example.com", BAD, NULL},
    {RFC8659, 0, "iodef", "http://iodef.example.com/report?x=1", OK, NULL},
    {RFC8659, 0, "iodef", "HTTPS://[2001:db8::1]:8443/", OK, NULL},
    {RFC8659, 0, "iodef", "mailto:a@example.com?subject=CAA", OK, NULL},
    {RFC8659, 0, "issue", "ca.example.net; policy=ev;", BAD, NULL},
    {RFC8659, 1, "issue", "ca.example.net", WARN, "ca.example.net"}, /* bit 7: reserved */
    {RFC8657, 0, "issue", "example.net; accounturi=https://example.net/account/1234", OK,
     "example.net"},
    {RFC8657, 0, "issue", "example.net; validationmethods=dns-01", OK, "example.net"},
    {RFC8657, 0, "issue", "example.net; validationmethods=dns-01,,http-01", WARN, "example.net"},
    {RFC8657, 0, "issue", "example.net; accounturi=a; accounturi=b", WARN, "example.net"},
    {RFC9495, 0, "issuemail", "authority.example; account=123456", OK, "authority.example"},
    {RFC9495, 0, "issuemail", "-bad.example", BAD, NULL},
    {BOULDER, 0, "issue", "  letsencrypt.org  ;foo=bar;baz=bar", OK, "letsencrypt.org"},
    {BOULDER, 0, "issue", "letsencrypt.org; a_b=123", BAD, NULL},
    {BOULDER, 0, "issue", "letsencrypt.org; ab=1 2 3", BAD, NULL},
    {BOULDER, 0, "issue", "letsencrypt.org; validationmethods=http-01,dns-01", OK,
     "letsencrypt.org"},
    {BOULDER, 0, "issue",
     "letsencrypt.org; accounturi=https://letsencrypt.org/acct/reg/123; validationmethods=dns-01",
     OK, "letsencrypt.org"},
    {BOULDER, 0, "iSsUe", "ca.com", OK, "ca.com"},
    {BOULDER, 0x7e, "foo", "bar", WARN, NULL},
    {BOULDER, 128, "foo", "bar", WARN, NULL},
    /* Boulder reads flags 1 as critical; RFC 8659 §4.1 calls it reserved, hence a warning. */
    {BOULDER, 1, "foo", "bar", WARN, NULL},
    {BOULDER, 0, "issue", "", OK, ""},
    {BOULDER, 0, "issue", " ; ", OK, ""},
    {BOULDER, 0, "issue", "letsencrypt.org;", OK, "letsencrypt.org"},
    {BOULDER, 0, "issue", "letsencrypt.org;   ", OK, "letsencrypt.org"},
    {BOULDER, 0, "issue", "  letsencrypt.org\t;foo=bar;baz=bar", OK, "letsencrypt.org"},
    {BOULDER, 0, "issue", "\tletsencrypt.org ;foo=bar;baz=bar", OK, "letsencrypt.org"},
    {BOULDER, 0, "issue", "letsencrypt.org; foo=; baz =\tbar", OK, "letsencrypt.org"},
    {BOULDER, 0, "issue", "letsencrypt.org; foo=\t; baz =\tbar", OK, "letsencrypt.org"},
    {BOULDER, 0, "issue", "letsencrypt.org; foo=b1,b2,b3\t; baz =\t\ta=b\t", OK,
     "letsencrypt.org"},
    {BOULDER, 0, "issue", "letsencrypt.org; foo=b1,b2,b3\t; foo= b1,b2,b3\t", OK,
     "letsencrypt.org"},
    {BOULDER, 0, "issue", "letsencrypt.org; foo=b1,b2,b3\t; baz =\t\ta = b\t", BAD, NULL},
    {BOULDER, 0, "issue", "letsencrypt.org; foo=b1,b2,b3\t; baz=a=\tb", BAD, NULL},
    {BOULDER, 0, "issue", "letsencrypt.org; foo=b1,b2,b3\t; baz =\t\ta;b\t", BAD, NULL},
    {BOULDER, 0, "issue", "letsencrypt.org; 1=2; baz=a-b", OK, "letsencrypt.org"},
    /* Boulder refuses '-' in a parameter tag; RFC 8659 §4.2 tag allows inner hyphens. */
    {BOULDER, 0, "issue", "letsencrypt.org; 1=2; a-b=c", OK, "letsencrypt.org"},
    {BOULDER, 0, "issue", "letsencrypt.org; foo=a\xe2\x98\x95" "b", BAD, NULL},
    {BOULDER, 0, "issue", "letsencrypt.org; foo=b1,b2,b3 baz=a", BAD, NULL},
    {INL, 0, "issue", ";", OK, ""},
    {INL, 128, "issue", ";", OK, ""},
    {INL, 128, "ISSue", ";", OK, ""},
    {INL, 0, "issue", "ca.example.com", OK, "ca.example.com"},
    {INL, 0, "issuewild", "ca.example.com", OK, "ca.example.com"},
    {INL, 0, "iodef", "https://report.example.com", OK, NULL},
    {INL, 0, "iodef", "mailto:report@example.com", OK, NULL},
    {INL, 0, "contactemail", "contact@example.com", OK, NULL},
    {INL, 0, "contactphone", "+3185123456", OK, NULL},
    {INL, 0, "issuevmc", ";", OK, ""},
    {INL, 0, "issuevmc", "ca.example.com", OK, "ca.example.com"},
    {INL, 0, "issuemail", ";", OK, ""},
    {INL, 0, "issuemail", "authority.example; account=123456", OK, "authority.example"},
    {INL, 0, "issue", "example.net; accounturi=https://example.net/account/1234", OK,
     "example.net"},
    {INL, 0, "issuewild",
     "example.net; accounturi=https://example.net/account/2345; validationmethods=http-01", OK,
     "example.net"},
    /* Internet.nl rejects reserved bits; RFC 8659 §4.1 has readers ignore them (warning). */
    {INL, 255, "issue", ";", WARN, ""},
    {INL, 0, "issue", "%", BAD, NULL},
    {INL, 0, "issue", "\xf0\x9f\x92\xa9", BAD, NULL},
    {INL, 0, "issuewild", "\xf0\x9f\x92\xa9", BAD, NULL},
    {INL, 0, "issuevmc", "\xf0\x9f\x92\xa9", BAD, NULL},
    {INL, 0, "iodef", "https://", BAD, NULL},
    {INL, 0, "iodef", "ftp://report.example.com", BAD, NULL},
    {INL, 0, "issuemail", "authority.example; account=\xf0\x9f\x92\xa9", BAD, NULL},
    {HICKORY, 0, "issue", "ca.example.net; account=230123", OK, "ca.example.net"},
    {HICKORY, 0, "issue", "ca.example.net", OK, "ca.example.net"},
    {HICKORY, 0, "issue", "ca.example.net; policy=ev", OK, "ca.example.net"},
    {HICKORY, 0, "issue", "ca.example.net; account=230123; policy=ev", OK, "ca.example.net"},
    {HICKORY, 0, "issue",
     "example.net; account-uri=https://example.net/account/1234; validation-methods=dns-01", OK,
     "example.net"},
    {HICKORY, 0, "issue", "example.com; param=\xff", BAD, NULL},
    {HICKORY, 0, "iodef", "mailto:security@example.com", OK, NULL},
    {HICKORY, 0, "iodef", "https://www.example.com", OK, NULL},
    {HICKORY, 0, "iodef", "mailto:root@example.com", OK, NULL},
    {HICKORY, 0, "issue", "example.com.", BAD, NULL}, /* label *("." label): no final dot */
    {HICKORY, 0, "abcxyzABCXYZ019", "x", OK, NULL},
    {HICKORY, 0, "0123456789abcdef", "x", WARN, NULL}, /* 16: hickory refuses, warning */
    {HICKORY, 0, "-", "x", BAD, NULL},
    {HICKORY, 0, "Issue", "ca.example.net", OK, "ca.example.net"},
    {HICKORY, 0, "issueWild", "ca.example.net", OK, "ca.example.net"},
};

/* One verdict and whether it is what the table wants; prints a TAP comment when not. */
static bool
judge(const char *kind, const char *src, size_t i, enum want want, enum want got,
      const char *why)
{
	if (want == got)
		return true;
	print_message("# %s case %zu (%s): want %s, got %s%s%s\n", kind, i, src, want_str[want],
	              want_str[got], why[0] ? ": " : "", why);
	return false;
}

static void
test_sts_txt(void **state)
{
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(sts_txt) / sizeof(sts_txt[0]); i++) {
		const char *in = sts_txt[i].in;
		struct dp_sts_txt t;
		struct dp_err err = {0};
		enum want got = NOREC;

		if (dp_sts_txt_is_sts(in, strlen(in)))
			got = dp_sts_txt_parse(in, strlen(in), &t, &err) == 0 ? OK : BAD;
		if (got == OK && sts_txt[i].id != NULL && strcmp(t.id, sts_txt[i].id) != 0) {
			dp_snprintf(err.msg, sizeof(err.msg), "id %s", t.id);
			got = BAD;
		}
		if (!judge("sts_txt", sts_txt[i].src, i, sts_txt[i].want, got, err.msg))
			bad++;
	}
	assert_int_equal(bad, 0);
}

static void
test_sts_policy(void **state)
{
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(sts_policy) / sizeof(sts_policy[0]); i++) {
		const char *b = sts_policy[i].body;
		struct dp_sts_policy p;
		struct dp_err err = {0};
		enum want got = dp_sts_policy_parse(b, strlen(b), &p, &err) == 0 ? OK : BAD;

		if (got == OK && (p.mode != sts_policy[i].mode || p.max_age != sts_policy[i].max_age ||
		                  p.nmx != sts_policy[i].nmx)) {
			dp_snprintf(err.msg, sizeof(err.msg), "mode %s max_age %u mx %zu",
			            dp_sts_mode_str(p.mode), p.max_age, p.nmx);
			got = BAD;
		}
		if (!judge("sts_policy", sts_policy[i].src, i, sts_policy[i].want, got, err.msg))
			bad++;
		dp_sts_policy_clear(&p);
	}
	assert_int_equal(bad, 0);
}

static void
test_tlsrpt(void **state)
{
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(tlsrpt) / sizeof(tlsrpt[0]); i++) {
		const char *in = tlsrpt[i].in;
		struct dp_tlsrpt t;
		struct dp_err err = {0};
		enum want got = NOREC;

		if (dp_tlsrpt_is_tlsrpt(in, strlen(in)))
			got = dp_tlsrpt_parse(in, strlen(in), &t, &err) == 0 ? OK : BAD;
		if (got == OK && t.nrua != tlsrpt[i].nrua) {
			dp_snprintf(err.msg, sizeof(err.msg), "%zu rua URIs", t.nrua);
			got = BAD;
		}
		if (!judge("tlsrpt", tlsrpt[i].src, i, tlsrpt[i].want, got, err.msg))
			bad++;
	}
	assert_int_equal(bad, 0);
}

static void
test_caa(void **state)
{
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(caa) / sizeof(caa[0]); i++) {
		uint8_t rd[512];
		size_t tl = strlen(caa[i].tag);
		size_t vl = strlen(caa[i].value);
		struct dp_caa c;
		struct dp_err err = {0};
		enum want got;

		rd[0] = caa[i].flags;
		rd[1] = (uint8_t)tl;
		memcpy(rd + 2, caa[i].tag, tl);
		memcpy(rd + 2 + tl, caa[i].value, vl);
		got = dp_caa_parse(rd, 2 + tl + vl, &c, &err) != 0 ? BAD
		      : c.warning[0] != '\0'                      ? WARN
		                                                  : OK;
		if (got == WARN)
			dp_strlcpy(err.msg, c.warning, sizeof(err.msg));
		if (got != BAD && caa[i].issuer != NULL && strcmp(c.issuer, caa[i].issuer) != 0) {
			dp_snprintf(err.msg, sizeof(err.msg), "issuer \"%s\"", c.issuer);
			got = BAD;
		}
		if (!judge("caa", caa[i].src, i, caa[i].want, got, err.msg))
			bad++;
	}
	assert_int_equal(bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sts_txt),
	    cmocka_unit_test(test_sts_policy),
	    cmocka_unit_test(test_tlsrpt),
	    cmocka_unit_test(test_caa),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
