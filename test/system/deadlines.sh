#!/usr/bin/env bash
# System test of deadlines (issue 16): a nameserver that truncates over UDP and is silent over
# TCP, and one that is down, cost at most one step timeout, in parallel with everything else;
# the findings name the addresses; `check` exits by its -t wall-clock limit.
. "$(dirname "$0")/lib.sh"

# Wall-clock milliseconds of one dp_check ARGS... into $DP_MS.
timed_check() {
	local t0
	t0=$(date +%s%N)
	dp_check "$@"
	DP_MS=$((($(date +%s%N) - t0) / 1000000))
}

t_tc_silent_and_down() {
	# Step timeout 2 s: the TC retry over TCP shares that budget instead of adding another.
	timed_check --step-timeout 2s -t 20 glitter.kr
	is "$DP_RC" 2 "exit 2 (CRITICAL)"
	# The budget that matters: rrsig_expiry's own 20 s (it took 43 s before); a loaded 2-CPU
	# machine needs 3-4 s for a healthy check, so the bound is the budget's margin, not a bench.
	ok_desc "whole check well inside rrsig_expiry's 20 s budget (took ${DP_MS} ms; was 43 s)" \
		test "$DP_MS" -le 15000
	is "$(status_of dnssec.rrsig_expiry 'ns3\.glitter\.kr/127\.0\.10\.3')" CRITICAL \
		"rrsig_expiry: ns3 CRITICAL"
	like "$(summaries_of dnssec.rrsig_expiry 'ns3\.glitter\.kr/127\.0\.10\.3')" \
		'^ns3\.glitter\.kr/127\.0\.10\.3 .*truncated over UDP, then timeout over TCP' \
		"rrsig_expiry names ns3's address and the silent TCP retry"
	unlike "$(jqr '.checks[]|select(.id=="dnssec.rrsig_expiry")|.summary')" 'did not finish' \
		"rrsig_expiry reached a verdict inside its budget"
	like "$(summaries_of ns.soa_serial 'ns2\.glitter\.kr/127\.0\.10\.2')" \
		'^ns2\.glitter\.kr/127\.0\.10\.2 unreachable: .*connection refused' \
		"down ns2: connection refused, named by address"
	is "$(status_of ns.delegation 'ns3\.glitter\.kr/127\.0\.10\.3')" CRITICAL \
		"ns.delegation: ns3 (TC, silent TCP) CRITICAL"
	is "$(status_of ns.soa_serial 'ns1\.glitter\.kr/127\.0\.10\.1')" OK \
		"healthy ns1 still judged OK (no failure spills over)"
	# The validating resolver falls back from the TC-silent ns3 within the step (unbound's
	# tcp-auth-query-timeout is a quarter of it), so discovery has the MX host every time.
	is "$(jqr '.discovery.mx | length')" 1 "discovery has the MX host (the resolver fell back from ns3)"
	is "$(jqr '.discovery.mx[0].addresses | length')" 2 "and both its addresses"
	is "$(status_of dane.tlsa)" OK "TLS checks unaffected"
	unlike "$(jqr '.checks[]|select(.id=="dane.tlsa" or .id=="tls.cert")|.status')" CRITICAL \
		"no TLS result is CRITICAL because of the DNS faults"
	# -t is a wall-clock limit of the process, even with a server that never answers TCP.
	timed_check --step-timeout 10s -t 3 glitter.kr
	ok_desc "-t 3 with a 10 s step: the process ends by 3.5 s (took ${DP_MS} ms)" \
		test "$DP_MS" -le 3500
	like "$(jqr .status)" '^(CRITICAL|UNKNOWN|WARNING|OK)$' "a report went out (JSON status)"
}

# Every server of the zone broken (ns1 down, ns2-ns5 TC then silent over TCP): the validating
# resolver gets nothing for glitter.kr. Failed lookups are unknown, never evidence: no endpoint
# is dropped, no "the zone's NS RRset does not list", no "publishes no DNSKEY".
t_all_servers_broken() {
	timed_check --step-timeout 2s -t 20 glitter.kr
	is "$DP_RC" 2 "exit 2 (CRITICAL: the zone cannot be resolved)"
	is "$(status_of dnssec.chain '^glitter\.kr$')" CRITICAL "dnssec.chain CRITICAL: SERVFAIL"
	like "$(jqr .discovery.mx_error)" '^glitter\.kr MX: SERVFAIL' "discovery records the failed MX lookup"
	for id in dane.tlsa tls.cert; do
		is "$(status_of $id 'MX of glitter\.kr')" UNKNOWN "$id: the unknown MX set is UNKNOWN, not dropped"
		like "$(summaries_of $id 'MX of glitter\.kr')" 'not checked: the MX lookup failed \(glitter\.kr MX: SERVFAIL' \
			"$id names the failed MX lookup"
		is "$(jqr --arg id $id '[.checks[]|select(.id==$id and .subject=="MX of glitter.kr")][0].cause.id')" \
			dnssec.chain "$id follows from dnssec.chain"
	done
	is "$(status_of mta_sts.policy '^glitter\.kr$')" UNKNOWN "mta_sts.policy UNKNOWN (its TXT lookup failed)"
	is "$(status_of tls_rpt '^glitter\.kr$')" UNKNOWN "tls_rpt UNKNOWN (its TXT lookup failed)"
	is "$(status_of ns.delegation '^glitter\.kr$')" UNKNOWN "ns.delegation: the NS sets are not compared"
	unlike "$(summaries_of ns.delegation '^glitter\.kr$')" "NS RRset does not" \
		"no name is said to be missing from the zone's NS RRset"
	is "$(status_of dnssec.keys '^glitter\.kr$')" UNKNOWN "dnssec.keys: not judged, no server answered"
	unlike "$(summaries_of dnssec.keys '^glitter\.kr$')" "publishes no DNSKEY" "silence is not 'no DNSKEY'"
	is "$(status_of ns.soa_serial 'ns1\.glitter\.kr/127\.0\.10\.1')" CRITICAL "the servers themselves: CRITICAL, named"
	ok_desc "within the budget (took ${DP_MS} ms)" test "$DP_MS" -le 15000
	is "$(jqr '[.causes[]|select(.id=="dnssec.chain")][0].dependents')" 5 \
		"dnssec.chain leads with the 5 results that follow from it"
}

scenario t_tc_silent_and_down --fault tc-silent:ns3 --fault ns-down:ns2
scenario t_all_servers_broken --fault ns-down:ns1 --fault tc-silent:ns2 --fault tc-silent:ns3 \
	--fault tc-silent:ns4 --fault tc-silent:ns5
finish
