#!/usr/bin/env bash
# System tests of ns.soa_serial and ns.delegation against the lab: serials, lame, down, glue, NS sets.
. "$(dirname "$0")/lib.sh"

NS_CHECKS=ns.soa_serial,ns.delegation
ZONE='^glitter\.kr$'

# serial_of SUBJECT-ERE : the soa_serial detail of that ns.soa_serial result
serial_of() { details_of ns.soa_serial "$1" | jq -r '.soa_serial'; }

t_healthy() {
	local t0=$SECONDS serials
	dp_check --only "$NS_CHECKS" glitter.kr
	is "$DP_RC" 0 "healthy: exit 0"
	is "$(status_of ns.soa_serial)" OK "ns.soa_serial OK"
	is "$(status_of ns.delegation)" OK "ns.delegation OK"
	# Five names, six addresses (ns1 also on ::1), every one with the same serial.
	is "$(jqr '[.checks[]|select(.id=="ns.soa_serial" and (.subject|test("/")))]|length')" 6 \
		"six server addresses asked"
	serials=$(jqr '.checks[]|select(.id=="ns.soa_serial" and .subject=="glitter.kr")|.details.serials')
	is "$(jq -r 'length' <<<"$serials")" 6 "zone result lists six serials"
	is "$(jq -r '[.[].server]|unique|join(" ")' <<<"$serials")" \
		"ns1.glitter.kr ns2.glitter.kr ns3.glitter.kr ns4.glitter.kr ns5.glitter.kr" "serials of ns1..ns5"
	is "$(jq -r '[.[].serial]|unique|length' <<<"$serials")" 1 "all serials equal"
	like "$(jq -r '.[0].serial' <<<"$serials")" '^[0-9]+$' "serial is a number"
	is "$(details_of ns.soa_serial "$ZONE" | jq -r .soa_serial_spread)" 0 "soa_serial_spread 0"
	like "$(summaries_of ns.soa_serial "$ZONE")" '^all 6 nameserver addresses serve serial [0-9]+$' \
		"zone summary says all agree"
	is "$(details_of ns.soa_serial 'ns1\.glitter\.kr/::1' | jq -r '.transport.tcp.aa')" true \
		"ns1 over ::1 answers AA over TCP"
	like "$(details_of ns.soa_serial 'ns3\.glitter\.kr/127\.0\.10\.3' | jq -r .rtt_seconds)" \
		'^[0-9.e-]+$' "rtt_seconds per server"
	is "$(jqr '[.checks[]|select(.id=="ns.delegation" and (.subject|test("/")))|.details.udp_ok and .details.tcp_ok]|all')" \
		true "every address answers AA over UDP and TCP"
	like "$(summaries_of ns.delegation "$ZONE")" 'same 5 nameservers' "NS sets agree"
	is "$(status_of ns.delegation '^ns2\.glitter\.kr$')" OK "ns2 glue matches"
	# Concurrency: twelve queries (6 addresses × UDP/TCP) in about one round trip.
	like "$(details_of ns.soa_serial "$ZONE" | jq -r '.survey_seconds < 1')" true \
		"survey of every server within a second"
	ok_desc "whole run within 10 s" test $((SECONDS - t0)) -le 10
	# Nagios perfdata carries the spread.
	local nag
	nag=$("$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" --only ns.soa_serial -o nagios glitter.kr 2>/dev/null)
	like "$(head -1 <<<"$nag")" 'soa_serial_spread=0' "nagios perfdata soa_serial_spread=0"
}

t_stale_secondary() {
	local new old
	dp_check --only "$NS_CHECKS" glitter.kr
	is "$DP_RC" 1 "stale-secondary:ns3: exit 1"
	is "$(status_of ns.soa_serial "$ZONE")" WARNING "zone result WARNING"
	is "$(status_of ns.soa_serial 'ns3\.glitter\.kr/127\.0\.10\.3')" WARNING "ns3 WARNING"
	is "$(status_of ns.soa_serial 'ns1\.glitter\.kr/127\.0\.10\.1')" OK "ns1 OK"
	is "$(status_of ns.soa_serial 'ns[245]\.')" OK "ns2, ns4, ns5 OK"
	new=$(serial_of 'ns1\.glitter\.kr/127\.0\.10\.1')
	old=$(serial_of 'ns3\.glitter\.kr/127\.0\.10\.3')
	isnt "$old" "$new" "ns3's serial differs from ns1's"
	like "$(summaries_of ns.soa_serial "$ZONE")" "ns3\.glitter\.kr/127\.0\.10\.3 has serial $old, [0-9]+ behind $new" \
		"zone summary names ns3 with both serials"
	like "$(summaries_of ns.soa_serial 'ns3\.')" "serial $old, [0-9]+ behind the newest $new" \
		"ns3 summary gives both serials"
	like "$(details_of ns.soa_serial "$ZONE" | jq -r .soa_serial_spread)" '^[1-9][0-9]*$' "spread > 0"
	is "$(details_of ns.soa_serial "$ZONE" | jq -r .distinct_serials)" 2 "two distinct serials"
	# --serial-lag-crit 0: any lag is critical; a large threshold keeps it a warning.
	dp_check --only ns.soa_serial --serial-lag-crit 0 glitter.kr
	is "$DP_RC" 2 "--serial-lag-crit 0: exit 2"
	is "$(status_of ns.soa_serial 'ns3\.')" CRITICAL "ns3 CRITICAL past --serial-lag-crit"
	dp_check --only ns.soa_serial --serial-lag-crit 1000000 glitter.kr
	is "$(status_of ns.soa_serial 'ns3\.')" WARNING "ns3 WARNING under a large --serial-lag-crit"
	# ns.delegation has nothing against a stale but authoritative secondary.
	dp_check --only ns.delegation glitter.kr
	is "$(status_of ns.delegation)" OK "ns.delegation OK"
}

t_ns_down() {
	dp_check --only "$NS_CHECKS" glitter.kr
	is "$DP_RC" 2 "ns-down:ns4: exit 2"
	is "$(status_of ns.soa_serial 'ns4\.glitter\.kr/127\.0\.10\.4')" CRITICAL "ns.soa_serial ns4 CRITICAL"
	like "$(summaries_of ns.soa_serial 'ns4\.')" 'ns4\.glitter\.kr/127\.0\.10\.4 unreachable' \
		"summary names ns4 and its address"
	like "$(summaries_of ns.soa_serial "$ZONE")" 'ns4\.glitter\.kr/127\.0\.10\.4 unreachable' \
		"zone summary names ns4's address"
	is "$(status_of ns.delegation 'ns4\.glitter\.kr/127\.0\.10\.4')" CRITICAL "ns.delegation ns4 CRITICAL"
	is "$(status_of ns.soa_serial 'ns[1235]\.')" OK "the other servers OK"
	unlike "$(jqr '[.checks[].status]|join(" ")')" UNKNOWN "no UNKNOWN result"
}

t_lame() {
	dp_check --only "$NS_CHECKS" glitter.kr
	is "$DP_RC" 2 "lame:ns5: exit 2"
	is "$(status_of ns.delegation 'ns5\.glitter\.kr/127\.0\.10\.5')" CRITICAL "ns.delegation ns5 CRITICAL"
	like "$(summaries_of ns.delegation 'ns5\.')" 'ns5\.glitter\.kr/127\.0\.10\.5: REFUSED without AA \(lame\)' \
		"summary names ns5, its address and REFUSED without AA"
	is "$(details_of ns.delegation 'ns5\.glitter\.kr/' | jq -r .lame)" true "details.lame"
	is "$(status_of ns.soa_serial 'ns5\.')" CRITICAL "ns.soa_serial ns5 CRITICAL (no serial)"
	is "$(status_of ns.delegation 'ns[1-4]\.glitter\.kr/')" OK "ns1..ns4 answer authoritatively"
}

t_parent_extra_ns() {
	dp_check --only "$NS_CHECKS" glitter.kr
	isnt "$DP_RC" 0 "parent-extra-ns: not OK"
	is "$(status_of ns.delegation "$ZONE")" WARNING "NS set result WARNING"
	like "$(summaries_of ns.delegation "$ZONE")" 'kr lists ns6\.glitter\.kr, which the zone' \
		"summary names the extra name"
	is "$(details_of ns.delegation "$ZONE" | jq -r '.only_at_parent|join(" ")')" ns6.glitter.kr \
		"details.only_at_parent"
	is "$(status_of ns.delegation 'ns6\.glitter\.kr/127\.0\.10\.6')" CRITICAL "the extra server is dead: CRITICAL"
	is "$(status_of ns.soa_serial 'ns6\.glitter\.kr/127\.0\.10\.6')" CRITICAL "ns.soa_serial names ns6 unreachable"
}

t_glue_mismatch() {
	dp_check --only "$NS_CHECKS" glitter.kr
	is "$DP_RC" 1 "glue-mismatch:ns2: exit 1"
	is "$(status_of ns.delegation '^ns2\.glitter\.kr$')" WARNING "ns2 glue WARNING"
	like "$(summaries_of ns.delegation '^ns2\.glitter\.kr$')" \
		'glue for ns2\.glitter\.kr at kr is 127\.0\.10\.12, but the zone says 127\.0\.10\.2' \
		"summary names both addresses"
	is "$(status_of ns.delegation '^ns[1345]\.glitter\.kr$')" OK "other glue OK"
	# Both addresses answer: the glue-only one is asked too.
	is "$(status_of ns.delegation 'ns2\.glitter\.kr/127\.0\.10\.12')" OK "glue address 127.0.10.12 asked and answers"
	is "$(status_of ns.soa_serial)" OK "serials agree"
}

scenario t_healthy
scenario t_stale_secondary --fault stale-secondary:ns3
scenario t_ns_down --fault ns-down:ns4
scenario t_lame --fault lame:ns5
scenario t_parent_extra_ns --fault parent-extra-ns
scenario t_glue_mismatch --fault glue-mismatch:ns2
finish
