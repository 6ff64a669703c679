#!/usr/bin/env bash
# System tests of the nameserver hygiene checks (ns.hygiene.zone_transfer, ns.hygiene.recursion, ns.hygiene.edns,
# ns.hygiene.soa_fields, ns.hygiene.diversity) against the lab: healthy, then four faults at once (each on its
# own server, so they do not interfere) with an unroutable IPv6 address beside them.
. "$(dirname "$0")/lib.sh"

HYG=ns.hygiene.zone_transfer,ns.hygiene.recursion,ns.hygiene.edns,ns.hygiene.soa_fields,ns.hygiene.diversity
PER_ADDR="ns.hygiene.zone_transfer ns.hygiene.recursion ns.hygiene.edns ns.hygiene.soa_fields"
ZONE='^glitter\.kr$'

t_healthy() {
	local id text
	# The whole check: the new ids must not turn a healthy lab non-OK.
	dp_check glitter.kr
	is "$DP_RC" 0 "healthy: the full check exits 0"
	for id in ${HYG//,/ }; do
		is "$(status_of "$id")" OK "$id OK"
	done
	for id in $PER_ADDR; do
		is "$(jqr --arg id "$id" '[.checks[]|select(.id==$id and (.subject|test("/")))]|length')" 6 \
			"$id: one result per server address (five names, ns1 also on ::1)"
	done
	like "$(summaries_of ns.hygiene.zone_transfer 'ns2\.glitter\.kr/127\.0\.10\.2')" 'zone transfer refused \(REFUSED\)' \
		"AXFR refused by ns2 (BIND: only TSIG-signed transfers)"
	like "$(summaries_of ns.hygiene.recursion 'ns1\.glitter\.kr/::1')" 'no recursion: REFUSED .*RA clear' \
		"ns1 on ::1 refuses recursion"
	is "$(details_of ns.hygiene.edns 'ns3\.glitter\.kr/127\.0\.10\.3' | jq -r '[.cases[].case]|join(" ")')" \
		"edns edns1 ednsopt edns1opt do ednsflags dns" "ns.hygiene.edns: the seven ednscomp cases asked"
	is "$(details_of ns.hygiene.edns 'ns3\.glitter\.kr/127\.0\.10\.3' | jq -r '.cases[]|select(.case=="edns1")|.rcode')" \
		BADVERS "BIND answers EDNS version 1 with BADVERS"
	is "$(details_of ns.hygiene.edns 'ns3\.glitter\.kr/127\.0\.10\.3' | jq -r '.cases[]|select(.case=="do")|.do')" \
		true "BIND copies the DO bit"
	like "$(summaries_of ns.hygiene.soa_fields "$ZONE")" \
		'^all 6 addresses serve the same SOA fields: mname ns1\.glitter\.kr, rname hostmaster\.glitter\.kr, refresh 3600, retry 900, expire 1209600, minimum 300$' \
		"ns.hygiene.soa_fields: the zone result gives the common SOA"
	is "$(details_of ns.hygiene.soa_fields "$ZONE" | jq -r .mname_in_ns)" true "details: mname ns1 is among the NS names"
	# The lab lives in 127.0.10.0/24: a note on an OK result, in JSON and in text.
	like "$(summaries_of ns.hygiene.diversity "$ZONE")" 'note: all 5 IPv4 addresses in one /24 \(127\.0\.10\.0/24\)' \
		"ns.hygiene.diversity: the one-/24 note in the JSON summary"
	is "$(details_of ns.hygiene.diversity "$ZONE" | jq -r '.ipv4_prefixes_24')" 1 "details: one IPv4 /24"
	like "$(details_of ns.hygiene.diversity "$ZONE" | jq -r '.notes')" 'one /24' "details.notes"
	text=$("$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" --only "$HYG" -o text glitter.kr 2>&1)
	like "$text" '\[OK  \] glitter\.kr: 5 IPv4 addresses in 1 /24, .*note: all 5 IPv4 addresses in one /24 \(127\.0\.10\.0/24\)' \
		"text: the note is shown on the OK line"
	like "$(head -1 <<<"$text")" ' — OK ' "text: the report is OK"
}

# axfr-open:ns2, recursion-open:ns3, edns-broken:ns4, soa-differs:ns5, ns3 also has an AAAA in
# 2001:db8::/32, which the lab has no route to (shape-no-v6-route), and kr. also lists
# ns6.glitter.kr at 127.0.10.6, where nothing answers (parent-extra-ns).
t_faults() {
	local id nag
	dp_check --only ns.hygiene glitter.kr # the family (SPEC §2): its five ids
	is "$DP_RC" 1 "four hygiene faults: exit 1 (WARNING)"
	is "$(jqr '[.checks[].id] | unique | join(",")')" "$(tr , '\n' <<<"$HYG" | sort | paste -sd,)" \
		"--only ns.hygiene runs the five ns.hygiene.* checks and nothing else"

	is "$(status_of ns.hygiene.zone_transfer 'ns2\.glitter\.kr/127\.0\.10\.2')" WARNING "ns.hygiene.zone_transfer: ns2 WARNING"
	like "$(summaries_of ns.hygiene.zone_transfer 'ns2\.glitter\.kr/127\.0\.10\.2')" \
		'^ns2\.glitter\.kr/127\.0\.10\.2: zone transfer open: AXFR answered to us' \
		"ns.hygiene.zone_transfer: the summary names ns2 and its address"
	is "$(details_of ns.hygiene.zone_transfer 'ns2\.glitter\.kr/127\.0\.10\.2' | jq -r .soa_first)" true \
		"details: the first message starts with the SOA"
	is "$(status_of ns.hygiene.zone_transfer 'ns[1345]\.glitter\.kr/127')" OK "ns.hygiene.zone_transfer: the others OK"

	is "$(status_of ns.hygiene.recursion 'ns3\.glitter\.kr/127\.0\.10\.3')" WARNING "ns.hygiene.recursion: ns3 WARNING"
	like "$(summaries_of ns.hygiene.recursion 'ns3\.glitter\.kr/127\.0\.10\.3')" \
		'^ns3\.glitter\.kr/127\.0\.10\.3: recursion offered: dnsprobe-recursion-test\.invalid answered recursively \(NXDOMAIN, RA set\)' \
		"ns.hygiene.recursion: the summary names ns3, its address and the answer"
	is "$(details_of ns.hygiene.recursion 'ns3\.glitter\.kr/127\.0\.10\.3' | jq -r '.ra and (.aa|not)')" true \
		"details: RA set, AA clear"
	is "$(status_of ns.hygiene.recursion 'ns[1245]\.glitter\.kr/127')" OK "ns.hygiene.recursion: the others OK"

	is "$(status_of ns.hygiene.edns 'ns4\.glitter\.kr/127\.0\.10\.4')" WARNING "ns.hygiene.edns: ns4 WARNING"
	like "$(summaries_of ns.hygiene.edns 'ns4\.glitter\.kr/127\.0\.10\.4')" \
		'^ns4\.glitter\.kr/127\.0\.10\.4: EDNS not compliant .*edns1: NOERROR with the SOA instead of BADVERS' \
		"ns.hygiene.edns: names ns4, its address and the missing BADVERS"
	like "$(summaries_of ns.hygiene.edns 'ns4\.')" 'ednsopt: echoed the unknown option 100' "ns.hygiene.edns: the echoed option"
	like "$(summaries_of ns.hygiene.edns 'ns4\.')" 'do: DO bit not copied' "ns.hygiene.edns: the DO bit not copied"
	like "$(summaries_of ns.hygiene.edns 'ns4\.')" 'ednsflags: must-be-zero EDNS flags 0x0080 in the answer \(echoed\)' \
		"ns.hygiene.edns: the unknown flag echoed"
	is "$(details_of ns.hygiene.edns 'ns4\.' | jq -r '[.cases[]|select(.status=="WARNING")|.case]|join(" ")')" \
		"edns1 ednsopt edns1opt do ednsflags" "details: the failing cases"
	is "$(status_of ns.hygiene.edns 'ns[1235]\.glitter\.kr/127')" OK "ns.hygiene.edns: the others OK"

	is "$(status_of ns.hygiene.soa_fields 'ns5\.glitter\.kr/127\.0\.10\.5')" WARNING "ns.hygiene.soa_fields: ns5 WARNING"
	like "$(summaries_of ns.hygiene.soa_fields 'ns5\.glitter\.kr/127\.0\.10\.5')" \
		'^ns5\.glitter\.kr/127\.0\.10\.5: serves different SOA fields: rname admin\.glitter\.kr \(others hostmaster\.glitter\.kr\), refresh 86400 \(others 3600\)' \
		"ns.hygiene.soa_fields: names ns5, its address and the fields with both values"
	like "$(summaries_of ns.hygiene.soa_fields 'ns5\.')" 'expire 3600 is below refresh 86400' \
		"ns.hygiene.soa_fields: ns5's own timers judged (expire below refresh)"
	is "$(status_of ns.hygiene.soa_fields "$ZONE")" WARNING "ns.hygiene.soa_fields: the zone result WARNING"
	like "$(summaries_of ns.hygiene.soa_fields "$ZONE")" 'different at ns5\.glitter\.kr/127\.0\.10\.5' \
		"ns.hygiene.soa_fields: the zone result names ns5"
	is "$(status_of ns.hygiene.soa_fields 'ns[1-4]\.glitter\.kr/127')" OK "ns.hygiene.soa_fields: the others OK"

	# Not checked, never a failure: the address this host has no route to.
	for id in $PER_ADDR; do
		is "$(status_of "$id" '^ns3\.glitter\.kr/2001:db8::53$')" UNKNOWN "$id: the unroutable address UNKNOWN"
		like "$(summaries_of "$id" '^ns3\.glitter\.kr/2001:db8::53$')" 'not checked from here: .*2001:db8::53' \
			"$id: says not checked from here"
	done
	# A server that answers nothing: not checked, following from ns.soa_serial's finding.
	for id in $PER_ADDR; do
		is "$(status_of "$id" '^ns6\.glitter\.kr/127\.0\.10\.6$')" UNKNOWN "$id: the silent ns6 UNKNOWN"
		like "$(summaries_of "$id" '^ns6\.')" 'not checked: no answer to the SOA question either' \
			"$id: says why ns6 was not checked"
	done
	dp_check --only "$HYG,ns.soa_serial" glitter.kr
	is "$(jqr '[.checks[]|select(.subject=="ns6.glitter.kr/127.0.10.6" and .id!="ns.soa_serial")|.cause.id+" "+.cause.subject]|unique|join(",")')" \
		"ns.soa_serial ns6.glitter.kr/127.0.10.6" "with ns.soa_serial: ns6's not-checked results name its CRITICAL as their cause"
	is "$(jqr '[.causes[]|select(.subject|test("ns6"))|.id]|join(",")')" ns.soa_serial \
		"the headline for ns6 is ns.soa_serial's, once"
	is "$(status_of ns.hygiene.diversity "$ZONE")" OK "ns.hygiene.diversity: OK"
	is "$(details_of ns.hygiene.diversity "$ZONE" | jq -r .ipv6_prefixes_48)" 2 "ns.hygiene.diversity: ::1 and 2001:db8::53, two /48s"
	# The Nagios status line leads with a hygiene finding.
	nag=$("$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" --only "$HYG" -o nagios glitter.kr 2>/dev/null)
	like "$(head -1 <<<"$nag")" '^DNSPROBE WARNING - glitter\.kr: ns\.hygiene\.[a-z_]+ ns[2-5]\.glitter\.kr/127\.0\.10\.[2-5]' \
		"nagios: WARNING naming a check, a server and its address"
	# -4: only IPv4 is asked, and the diversity note does not claim the zone has no IPv6.
	dp_check -4 --only "$HYG" glitter.kr
	is "$(jqr '[.checks[]|select(.subject|test("/[0-9a-f:]*:[0-9a-f:]*$"))]|length')" 0 "-4: no IPv6 address asked"
	unlike "$(summaries_of ns.hygiene.diversity "$ZONE")" 'only IPv4' "-4: no 'only IPv4' note"
}

# A hidden primary (Zonemaster ZONE01): the SOA names a primary that is not in the NS RRset.
t_hidden_primary() {
	dp_check --only ns.hygiene.soa_fields glitter.kr
	is "$DP_RC" 0 "shape-hidden-primary: exit 0 (a healthy shape)"
	is "$(status_of ns.hygiene.soa_fields)" OK "ns.hygiene.soa_fields OK"
	like "$(summaries_of ns.hygiene.soa_fields "$ZONE")" \
		'^all 6 addresses serve the same SOA fields: mname primary\.glitter\.kr, .*; note: mname primary\.glitter\.kr is not among the NS names \(a hidden primary\?\)$' \
		"the zone result notes the mname not among the NS names"
	is "$(details_of ns.hygiene.soa_fields "$ZONE" | jq -r .mname_in_ns)" false "details: mname_in_ns false"
}

scenario t_healthy
scenario t_hidden_primary --fault shape-hidden-primary
scenario t_faults --fault axfr-open:ns2 --fault recursion-open:ns3 --fault edns-broken:ns4 \
	--fault soa-differs:ns5 --fault shape-no-v6-route --fault parent-extra-ns
finish
