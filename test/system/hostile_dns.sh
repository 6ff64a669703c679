#!/usr/bin/env bash
# System test of a hostile nameserver (issue 13): ns3.glitter.kr's address 127.0.10.3 is
# fixtures/lab/hostile/dns_server.py instead of BIND (fault hostile-dns:ns3), switched from mode
# to mode inside one lab with $LAB_DIR/hostile dns MODE; ns1, ns2, ns4 and ns5 stay BIND, the
# control. For every mode the per-server findings name ns3 and its address and say what went
# wrong, the whole check ends within -t, by itself, with no sanitizer report.
. "$(dirname "$0")/lib.sh"

BUDGET=15
NS3='ns3\.glitter\.kr/127\.0\.10\.3'

# mode MODE STATUS WHAT-ERE DESC : a full check against MODE; ns.soa_serial of ns3 is STATUS
# with a summary matching WHAT-ERE
mode() {
	local m=$1 st=$2 want=$3 desc=$4
	"$LAB_DIR/hostile" dns "$m"
	dp_check_within "$BUDGET" --step-timeout 2s glitter.kr
	is "$DP_RC" 2 "$m: exit 2 (CRITICAL)"
	within_budget "$m" "$BUDGET"
	is "$(status_of ns.soa_serial "^$NS3\$")" "$st" "$m: ns.soa_serial of ns3 $st"
	like "$(summaries_of ns.soa_serial "^$NS3\$")" "^$NS3 .*$want" "$m: it names ns3 and 127.0.10.3 and says $desc"
	is "$(status_of ns.soa_serial '^ns1\.glitter\.kr/127\.0\.10\.1$')" OK "$m: ns1 (BIND) OK"
	is "$(status_of dnssec.chain)" OK "$m: dnssec.chain OK (the resolver copes)"
}

t_hostile_dns() {
	# Replies that do not answer the query are dropped (RFC 5452 §9.1): a timeout, which names
	# what came instead where the query code sees it (own sockets), not through getdns.
	mode garbage CRITICAL '\(timeout(; ignored [0-9]+ repl(y|ies) that (is|are) not a DNS response)?\)' \
		"its replies are not DNS (dropped: a timeout)"
	mode wrong-id CRITICAL '\(timeout(; ignored [0-9]+ repl(y|ies) with another ID)?\)' \
		"its replies carry another ID (dropped: a timeout)"
	mode pointer-loop CRITICAL 'malformed reply \(44 octets\)' "its reply does not parse"
	mode big WARNING 'serves serial 1, [0-9]+ behind the newest' \
		"the 64 KiB TCP answer (after TC over UDP) was read: serial 1"
	like "$(summaries_of ns.delegation "^$NS3\$")" "^$NS3: over UDP truncated answer \\(TC\\) without the SOA" \
		"big: ns.delegation says the UDP answer was truncated"
	mode other-question CRITICAL \
		'(a reply to another question \(evil\.example\. type 1\)|timeout; ignored [0-9]+ repl(y|ies) to another question)' \
		"its replies answer another question"

	# A budget shorter than one step: -t ends the check; what the budget cut off about ns3 is
	# UNKNOWN (not checked), never CRITICAL for want of time. (Other checks are not judged
	# here: under load a 3 s budget also cuts the TLS sessions, see the hostile_smtp test.)
	"$LAB_DIR/hostile" dns wrong-id
	dp_check_within 3 --step-timeout 10s glitter.kr
	isnt "$DP_RC" 0 "wrong-id, -t 3 with 10 s steps: not OK"
	within_budget "wrong-id, -t 3" 3
	is "$(jqr '[.checks[] | select(.status == "CRITICAL" and (.subject | test("127\\.0\\.10\\.3")))] | length')" 0 \
		"wrong-id, -t 3: nothing about ns3 is CRITICAL for want of time"
}

scenario t_hostile_dns --fault hostile-dns:ns3
finish
