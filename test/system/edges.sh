#!/usr/bin/env bash
# System tests of honest verdicts at the edges (issue 12 item 3): a name that does not exist or is
# not a zone apex, the -t budget running out, IDN input, and one cause leading an unsigned zone.
. "$(dirname "$0")/lib.sh"

HANGUL=$'\xea\xb8\x80\xeb\xa6\xac\xed\x84\xb0' # 글리터 ("glitter"), xn--bj0bj5t93s

# no_ok_about_absent NAME: every result is the one CRITICAL or an UNKNOWN that follows from it.
no_ok_about_absent() {
	is "$(jqr '[.checks[]|select(.status=="CRITICAL")]|length')" 1 "$1: exactly one CRITICAL"
	is "$(jqr '[.checks[]|select(.status=="OK" or .status=="WARNING")]|length')" 0 \
		"$1: no check reports OK (or WARNING) about data that is not there"
	is "$(jqr '[.checks[]|select(.status=="UNKNOWN" and (.cause.id!="dnssec.chain" or
		(.summary|startswith("not checked: ")|not)))]|length')" 0 \
		"$1: every other check is 'not checked' and follows from dnssec.chain"
	is "$(jqr '.causes|length') $(jqr '.causes[0].id')" "1 dnssec.chain" "$1: one cause leads the JSON"
}

t_absent() {
	dp_check nosuch.kr
	is "$DP_RC" 2 "nosuch.kr: exit 2"
	is "$(summaries_of dnssec.chain)" "nosuch.kr does not exist (validated NXDOMAIN from kr)" \
		"nosuch.kr: dnssec.chain says it does not exist, validated, at kr"
	no_ok_about_absent nosuch.kr
	is "$(jqr '.discovery.apex')" nxdomain "nosuch.kr: discovery.apex is nxdomain"

	dp_check nosuch.glitter.kr
	like "$(summaries_of dnssec.chain)" '^nosuch\.glitter\.kr does not exist \(validated NXDOMAIN from glitter\.kr\)$' \
		"nosuch.glitter.kr: NXDOMAIN from glitter.kr"

	local name
	for name in mail.glitter.kr www.glitter.kr; do
		dp_check "$name"
		is "$DP_RC" 2 "$name: exit 2"
		like "$(summaries_of dnssec.chain)" "^${name//./\\.} is not a zone apex: it is inside glitter\\.kr" \
			"$name: dnssec.chain says it is not a zone apex, inside glitter.kr"
		no_ok_about_absent "$name"
	done
	# The verdict is not lost to --only: the first selected check (registry order) carries it.
	dp_check --only caa,tls_rpt mail.glitter.kr
	is "$(status_of tls_rpt) $(status_of caa)" "CRITICAL UNKNOWN" "--only caa,tls_rpt: tls_rpt carries the verdict"
	local nag rc=0
	nag=$("$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" -o nagios nosuch.kr) || rc=$?
	like "$(head -1 <<<"$nag")" '^DNSPROBE CRITICAL - nosuch\.kr: dnssec\.chain nosuch\.kr: nosuch\.kr does not exist .*\(\+[0-9]+ results following from it\) \|' \
		"nagios: one headline for nosuch.kr"
	is "$rc" 2 "nagios: exit 2"
	# The real zone next to them is still all fine.
	dp_check --only dnssec.chain,dnssec.denial,ns.soa_serial glitter.kr
	is "$DP_RC" 0 "glitter.kr itself: exit 0"
}

t_idn() {
	dp_check "$HANGUL.kr"
	is "$(jqr .domain)" xn--bj0bj5t93s.kr "U-label input: domain is the A-label"
	is "$(jqr .domain_unicode)" "$HANGUL.kr" "domain_unicode is the U-label"
	is "$(status_of dnssec.chain "^xn--bj0bj5t93s\\.kr$")" OK "the IDN zone validates from the root"
	is "$(status_of dnssec.denial)" OK "dnssec.denial OK on the IDN zone"
	is "$(status_of ns.soa_serial)" OK "ns.soa_serial OK on the IDN zone"
	is "$(jqr '[.checks[]|select(.status=="CRITICAL")]|length')" 0 "no CRITICAL on the IDN zone"
	dp_check xn--bj0bj5t93s.kr
	is "$(jqr .domain_unicode)" "$HANGUL.kr" "A-label input: the U-label is shown too"
	local txt nag rc=0
	txt=$("$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" --only dnssec.chain "$HANGUL.kr" 2>&1)
	like "$(head -1 <<<"$txt")" "^dnsprobe: xn--bj0bj5t93s\\.kr \\($HANGUL\\.kr\\) — OK" "text shows both forms"
	nag=$("$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" --only dnssec.chain -o nagios "$HANGUL.kr") || rc=$?
	like "$(head -1 <<<"$nag")" "^DNSPROBE OK - xn--bj0bj5t93s\\.kr \\($HANGUL\\.kr\\): " "nagios shows both forms"
	# Invalid IDNA input: one line, exit 3, nothing asked.
	for bad in $'a\xe2\x80\x90b.kr' $'\xff.kr' 'xn--zz.kr' $'\xe2\x98\x83.kr'; do
		rc=0
		"$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" "$bad" >/dev/null 2>"$DP_TMP/idn.err" || rc=$?
		is "$rc" 3 "invalid IDNA input '$bad': exit 3"
		like "$(cat "$DP_TMP/idn.err")" 'IDNA2008' "invalid IDNA input '$bad': the error says IDNA2008"
	done
}

# A small budget on a healthy lab: whatever is cut is UNKNOWN, never CRITICAL.
t_budget_healthy() {
	dp_check -t 1 glitter.kr
	isnt "$DP_RC" 2 "-t 1 on the healthy lab: not CRITICAL (exit $DP_RC)"
	is "$(jqr '[.checks[]|select(.status=="CRITICAL")]|length')" 0 "-t 1: no CRITICAL result"
}

# ns4 down and port 25 silent, with a budget shorter than one step: nothing is blamed, and every
# endpoint and server appears.
t_budget() {
	# -t 4 with a 10 s step timeout that outlasts the budget. (Not -t 2: the report goes out 0.4 s before
	# -t ends and the checks stop 0.3 s before that, so that the watchdog does not replace it.)
	dp_check -t 4 --step-timeout 10s glitter.kr
	# The stopped ns4 refuses at once over our own sockets ("connection refused"): a finding
	# made in time, CRITICAL. Nothing else is: the silent port is cut by the budget.
	is "$(jqr '[.checks[]|select(.status=="CRITICAL" and ((.subject+" "+.summary)|test("ns4\\.glitter\\.kr|127\\.0\\.10\\.4")|not))]|length')" 0 \
		"-t 4: no CRITICAL result but the refusing ns4's"
	like "$(summaries_of ns.soa_serial '^ns4\.glitter\.kr/127\.0\.10\.4$')" 'connection refused' \
		"ns4 (refuses at once) is a finding within the budget: connection refused"
	unlike "$(jqr '[.checks[]|select(.status=="CRITICAL")|.summary]|join(" ")')" 'budget exhausted|timeout' \
		"-t 4: no CRITICAL for want of time"
	is "$(jqr '[.checks[]|select(.id=="ns.soa_serial" and (.subject|test("/")))]|length')" 6 \
		"ns.soa_serial: all 6 server addresses reported"
	is "$(jqr '[.checks[]|select(.id=="dane.tlsa" and (.subject|startswith("25:mail.glitter.kr/")))]|length')" 2 \
		"dane.tlsa: both addresses of 25:mail.glitter.kr reported"
	like "$(summaries_of dane.tlsa '^25:mail\.glitter\.kr/127\.0\.20\.1$')" 'not checked: budget exhausted' \
		"silent port 25 past the deadline: not checked"
	is "$(jqr '[.checks[]|select(.id=="tls.cert" and (.subject|startswith("25:mail.glitter.kr/")))]|length')" 2 \
		"tls.cert: both addresses of 25:mail.glitter.kr reported"
	# With a budget long enough for the step timeout, the same faults are CRITICAL findings.
	dp_check -t 20 --step-timeout 2s --only ns.soa_serial,dane.tlsa glitter.kr
	is "$DP_RC" 2 "-t 20 --step-timeout 2s: the dead server is a finding (exit 2)"
	like "$(summaries_of ns.soa_serial '^ns4\.glitter\.kr/127\.0\.10\.4$')" 'unreachable' "ns4 unreachable"
	like "$(summaries_of dane.tlsa '^25:mail\.glitter\.kr/127\.0\.20\.1$')" 'no SMTP greeting' \
		"silent port 25: no SMTP greeting"
}

t_unsigned() {
	dp_check --tlsa 587:mail.glitter.kr glitter.kr
	is "$DP_RC" 2 "unsigned: exit 2"
	is "$(jqr '.causes|length')" 1 "one cause"
	is "$(jqr '.causes[0].id') $(jqr '.causes[0].subject')" "dnssec.chain glitter.kr" "the cause is dnssec.chain glitter.kr"
	like "$(jqr '.causes[0].summary')" 'insecure' "the cause says insecure"
	like "$(jqr '.causes[0].dependents')" '^(1[3-9]|[2-9][0-9])$' "13 or more results follow from it"
	is "$(jqr '[.checks[]|select(.status=="CRITICAL" and .subject!="glitter.kr" or
		(.status=="CRITICAL" and .id!="dnssec.chain"))|select(.cause.id!="dnssec.chain")]|length')" 0 \
		"every other CRITICAL follows from dnssec.chain"
	is "$(jqr '[.checks[]|select(.id=="dane.tlsa" and .status=="CRITICAL")|.cause.subject]|unique|join(",")')" \
		glitter.kr "dane.tlsa 'DANE unusable: insecure TLSA' follows from the insecure apex"
	for id in dnssec.denial dnssec.rrsig_expiry dnssec.keys; do
		is "$(jqr --arg id "$id" '[.checks[]|select(.id==$id and .status!="OK")|.cause.id]|unique|join(",")')" \
			dnssec.chain "$id follows from dnssec.chain"
	done
	local nag txt
	nag=$("$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" --ca-file "$LAB_CA" -o nagios glitter.kr)
	like "$(head -1 <<<"$nag")" '^DNSPROBE CRITICAL - glitter\.kr: dnssec\.chain glitter\.kr: .*insecure.*\(\+[0-9]+ results following from it\)( \||$)' \
		"nagios first line leads with the cause"
	unlike "$(head -1 <<<"$nag" | cut -d'|' -f1)" 'dane\.tlsa|dnssec\.rrsig_expiry|dnssec\.denial' \
		"nagios first line does not repeat the dependents"
	like "$(sed -n 2p <<<"$nag")" '^\[CRITICAL\] dnssec\.chain glitter\.kr: ' "nagios long output starts with the cause"
	like "$nag" '\[CRITICAL\] dane\.tlsa 25:mail\.glitter\.kr/127\.0\.20\.1: .*\(follows from dnssec\.chain glitter\.kr\)' \
		"nagios marks dependents"
	txt=$("$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" --ca-file "$LAB_CA" glitter.kr)
	like "$(sed -n 3,4p <<<"$txt")" '^cause:|\[CRIT\] dnssec\.chain glitter\.kr: .* follow from it' "text leads with the cause"

	# --unsigned: the chain is fine as configured; DANE on insecure TLSA stays a finding of its own.
	dp_check --unsigned --tlsa 587:mail.glitter.kr glitter.kr
	for id in dnssec.chain dnssec.denial dnssec.rrsig_expiry dnssec.keys; do
		is "$(status_of "$id")" OK "--unsigned: $id OK"
	done
	is "$(status_of dane.tlsa)" CRITICAL "--unsigned: dane.tlsa still CRITICAL (TLSA in an unsigned zone)"
	is "$(jqr '[.checks[]|select(.cause)]|length')" 0 "--unsigned: nothing follows from an OK chain"
	is "$(jqr '.causes[0].id')" dane.tlsa "--unsigned: dane.tlsa leads"
	# The config key says the same.
	printf 'domains:\n  - name: glitter.kr\n    unsigned: true\n' >"$DP_TMP/unsigned.yml"
	dp_check -c "$DP_TMP/unsigned.yml" --only dnssec.chain,dnssec.denial glitter.kr
	is "$DP_RC $(status_of dnssec.chain) $(status_of dnssec.denial)" "0 OK OK" "config unsigned: true: chain and denial OK"
}

# The healthy lab: absent names, IDN input and a tiny budget share one start.
t_healthy() {
	t_absent
	t_idn
	t_budget_healthy
}

scenario t_healthy
scenario t_budget --fault ns-down:ns4 --fault silent-smtp:25
scenario t_unsigned --fault unsigned
finish
