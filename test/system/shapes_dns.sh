#!/usr/bin/env bash
# System tests of the DNS-side deployment shapes (issue 12): healthy lab variants (`--fault
# shape-…`) that must give no non-OK check at all, and dnssec.denial asking every server.
. "$(dirname "$0")/lib.sh"

# all_ok : the full check of glitter.kr exits 0 and no result of any check is non-OK.
all_ok() {
	dp_check glitter.kr
	is "$DP_RC" 0 "$1: exit 0"
	is "$(jqr .status)" OK "$1: overall status OK"
	is "$(jqr '[.checks[]|select(.status!="OK")|"\(.status) \(.id) \(.subject): \(.summary)"]|join("\n")')" \
		"" "$1: no check is non-OK"
	# every check of the registry but resolver.agreement (it needs --resolver)
	is "$(jqr '[.checks[].id]|unique|length')" 18 "$1: every check ran (18 check ids: all but resolver.agreement)"
}
# count_of ID STATUS : how many results of that check have that status.
count_of() { jqr --arg id "$1" --arg s "$2" '[.checks[]|select(.id==$id and .status==$s)]|length'; }
# subjects_of ID : the sorted server/address subjects of a check's results, space-separated.
subjects_of() { jqr --arg id "$1" '[.checks[]|select(.id==$id and (.subject|test("/")))|.subject]|sort|join(" ")'; }
# denial_styles : "subject=style" of every dnssec.denial result, sorted.
denial_styles() { jqr '[.checks[]|select(.id=="dnssec.denial")|"\(.subject)=\(.details.style)"]|sort|join(" ")'; }
# sigs NAME TYPE [SERVER] : the algorithm and key tag of each RRSIG over NAME TYPE, sorted.
sigs() {
	dig +dnssec +norec @"${3:-127.0.10.1}" "$1" "$2" | awk -v t="$2" '$4 == "RRSIG" && $5 == t { print $6 "/" $11 }' |
		sort | tr '\n' ' ' | sed 's/ $//'
}

t_classic_nsec() {
	all_ok "pre-signed NSEC"
	is "$(denial_styles)" "glitter.kr=nxdomain ns1.glitter.kr/127.0.10.1=nxdomain ns1.glitter.kr/::1=nxdomain ns2.glitter.kr/127.0.10.2=nxdomain ns3.glitter.kr/127.0.10.3=nxdomain ns4.glitter.kr/127.0.10.4=nxdomain ns5.glitter.kr/127.0.10.5=nxdomain" \
		"dnssec.denial: from the root and from each of the six server addresses, NXDOMAIN"
	is "$(jqr '[.checks[]|select(.id=="dnssec.denial" and .subject!="glitter.kr")|.details.denial+"/"+.details.validation]|unique|join(" ")')" \
		"NSEC/secure" "every server's NSEC proof validates (getdns, against the DS from the root)"
	like "$(summaries_of dnssec.denial 'ns4\.glitter\.kr/127\.0\.10\.4')" \
		'^ns4\.glitter\.kr/127\.0\.10\.4: NXDOMAIN for dp-[0-9a-f]+\.glitter\.kr, proven by NSEC, validates against the DS at kr$' \
		"per-server summary names server, address, the name and the proof"
	is "$(jqr '[.checks[]|select(.id=="dnssec.denial")|.details.qname]|unique|length')" 1 \
		"one random name asked everywhere"
}

t_nsec3() {
	all_ok "NSEC3 (RFC 9276)"
	is "$(dig +norec @127.0.10.2 glitter.kr NSEC3PARAM +short | awk '{ print $1, $2, $3, $4 }')" \
		"1 0 0 -" "the zone's NSEC3PARAM: SHA-1, no flags, 0 iterations, no salt"
	is "$(jqr '.checks[]|select(.id=="dnssec.denial" and .subject=="glitter.kr")|"\(.details.denial) \(.details.nsec3.iterations) \(.details.nsec3.salt_length)"')" \
		"NSEC3 0 0" "dnssec.denial: NSEC3, no extra iterations, no salt"
	is "$(jqr '[.checks[]|select(.id=="dnssec.denial")|.details.denial]|unique|join(" ")')" NSEC3 \
		"every server proves by NSEC3"
	is "$(count_of dnssec.denial OK)" 7 "seven dnssec.denial results (root + six addresses), all OK"
}

t_ns_outside() {
	local ref
	ref=$(dig +norec @127.0.0.3 glitter.kr NS)
	is "$(awk '$4 == "NS" { print $5 }' <<<"$ref" | sort | tr '\n' ' ')" \
		"ns1.dnshost.example. ns2.dnshost.example. " "kr. delegates to the provider's names"
	is "$(awk '/ADDITIONAL SECTION/ { a = 1; next } a && ($4 == "A" || $4 == "AAAA")' <<<"$ref" | wc -l)" 0 \
		"kr. gives no glue"
	is "$(dig +short ns2.dnshost.example A)" 127.0.40.2 "the provider's names resolve from the lab root"
	all_ok "nameservers outside the zone"
	is "$(subjects_of ns.soa_serial)" "ns1.dnshost.example/127.0.40.1 ns2.dnshost.example/127.0.40.2" \
		"ns.soa_serial: the addresses dnsprobe resolved itself"
	is "$(subjects_of dnssec.rrsig_expiry)" "ns1.dnshost.example/127.0.40.1 ns2.dnshost.example/127.0.40.2" \
		"dnssec.rrsig_expiry asks them"
	is "$(count_of dnssec.denial OK)" 3 "dnssec.denial: the root's answer and both servers OK"
}

t_zsk_prepublish() {
	is "$(dig +norec @127.0.10.3 glitter.kr DNSKEY | awk '$4 == "DNSKEY" { print $5 }' | sort | tr '\n' ' ')" \
		"256 256 257 " "DNSKEY RRset: one KSK, two ZSKs"
	is "$(sigs glitter.kr SOA 127.0.10.3 | wc -w)" 1 "the SOA carries one RRSIG (the new ZSK does not sign yet)"
	all_ok "ZSK pre-publish rollover"
	is "$(jqr '.checks[]|select(.id=="dnssec.keys")|[.details.dnskeys[]|select(.role=="ZSK")|.signs_zone|tostring]|sort|join(" ")')" \
		"false true" "dnssec.keys: two ZSKs, one signing, one published only"
}

t_zsk_double_sig() {
	is "$(sigs glitter.kr SOA 127.0.10.4 | wc -w)" 2 "the SOA carries two RRSIGs"
	is "$(sigs glitter.kr MX 127.0.10.4 | tr ' ' '\n' | cut -d/ -f1 | sort -u)" 13 "both by ECDSAP256SHA256 ZSKs"
	all_ok "ZSK double-signature rollover"
	is "$(jqr '.checks[]|select(.id=="dnssec.keys")|[.details.dnskeys[]|select(.role=="ZSK" and .signs_zone)]|length')" \
		2 "dnssec.keys: both ZSKs sign the zone"
}

t_ksk_double_ds() {
	is "$(dig +short glitter.kr DS | wc -l)" 2 "kr. holds two DS"
	is "$(dig +short glitter.kr CDS | wc -l)" 2 "glitter.kr asks for both in its CDS"
	is "$(dig +short glitter.kr DNSKEY | awk '$1 == 257' | wc -l)" 1 "only the current KSK is published"
	all_ok "KSK double-DS rollover"
	like "$(summaries_of dnssec.keys)" \
		'; note: DS [0-9]+/13/2 at a\.dns\.kr/127\.0\.0\.3: no DNSKEY with key tag [0-9]+ and algorithm 13 is published, but the zone.s signed CDS/CDNSKEY asks for it: a KSK rollover in progress \(double DS, RFC 6781 §4\.1\.2\)' \
		"dnssec.keys OK, with a note on the pre-published DS"
	is "$(jqr '.checks[]|select(.id=="dnssec.keys")|[.details.ds[]|"\(.works)/\(.requested_by_cds // "-")"]|sort|join(" ")')" \
		"false/true true/-" "details: one DS works, the other is asked for by the CDS"
	is "$(jqr '.checks[]|select(.id=="dnssec.keys")|.details.notes|length')" 1 "details.notes: one note"
	# The same DS RRset without the CDS is the ds-stale fault: applied on this lab, it warns.
	"$LAB_DIR/fault" --clear shape-ksk-double-ds >/dev/null 2>&1
	"$LAB_DIR/fault" ds-stale >/dev/null 2>&1
	dp_check --only dnssec.keys glitter.kr
	is "$DP_RC" 1 "a DS left behind (no CDS asks for it): exit 1"
	like "$(summaries_of dnssec.keys)" '^stale DS [0-9]+/13/2 at a\.dns\.kr' "still a stale DS WARNING"
}

t_algorithm_rollover() {
	is "$(dig +short glitter.kr DNSKEY | awk '{ print $1 "/" $3 }' | sort | tr '\n' ' ')" \
		"256/13 256/8 257/13 257/8 " "DNSKEY: a KSK and a ZSK of each algorithm"
	is "$(sigs glitter.kr SOA 127.0.10.5 | tr ' ' '\n' | cut -d/ -f1 | sort -n | tr '\n' ' ')" "8 13 " \
		"every RRset signed with both algorithms (the SOA)"
	is "$(sigs glitter.kr DNSKEY 127.0.10.5 | tr ' ' '\n' | cut -d/ -f1 | sort -n | tr '\n' ' ')" "8 13 " \
		"the DNSKEY RRset too"
	is "$(dig +short glitter.kr DS | awk '{ print $2 }')" 13 "the DS is the new algorithm's (ECDSAP256SHA256)"
	all_ok "algorithm rollover RSASHA256 → ECDSAP256SHA256"
	is "$(jqr '.checks[]|select(.id=="dnssec.keys")|[.details.dnskeys[].algorithm_name]|unique|join(" ")')" \
		"ECDSAP256SHA256 RSASHA256" "dnssec.keys reports both algorithms"
}

# online_common STYLE : the online signer's shape, one test body for both denial styles.
online_common() {
	local nx
	nx=$(dig +dnssec +norec @127.0.50.1 "nx-$RANDOM.glitter.kr" A)
	like "$nx" 'status: NOERROR' "a name that does not exist: NOERROR"
	like "$(awk '$4 == "NSEC"' <<<"$nx")" '^nx-[0-9]+\.glitter\.kr\.[[:space:]].*NSEC[[:space:]]+\\000\.nx-[0-9]+\.glitter\.kr\. RRSIG NSEC' \
		"an NSEC at the name, next name \\000.name"
	all_ok "online signer ($1)"
	is "$(denial_styles)" "glitter.kr=$1 ons1.glitter.kr/127.0.50.1=$1 ons2.glitter.kr/127.0.50.2=$1" \
		"dnssec.denial understands it, from the root and at each server"
	is "$(jqr '[.checks[]|select(.id=="dnssec.denial" and .subject!="glitter.kr")|.details.validation]|unique|join(" ")')" \
		secure "getdns validates the signer's denial at each server"
	is "$(count_of dnssec.rrsig_expiry OK)" 2 "dnssec.rrsig_expiry: both addresses OK"
	is "$(jqr '[.checks[]|select(.id=="dnssec.rrsig_expiry")|.details.validation.denial]|unique|join(" ")')" \
		secure "dnssec.rrsig_expiry validates the signer's denial too"
	echo "$nx" >"$DP_TMP/nx.txt"
}

t_online_signer() {
	online_common compact
	like "$(awk '$4 == "NSEC"' "$DP_TMP/nx.txt")" 'RRSIG NSEC TYPE128$' "the bitmap has NXNAME (RFC 9824)"
	like "$(summaries_of dnssec.denial '^glitter\.kr$')" 'validated compact denial \(RFC 9824' \
		"the summary says compact denial"
}

t_black_lies() {
	online_common black-lies
	unlike "$(awk '$4 == "NSEC"' "$DP_TMP/nx.txt")" 'TYPE128' "no NXNAME in the bitmap"
	like "$(summaries_of dnssec.denial '^glitter\.kr$')" 'black lies' "the summary says black lies"
}

t_secondary_unsigned() {
	is "$(dig +norec +dnssec @127.0.10.3 "nx-$RANDOM.glitter.kr" A | grep -c 'IN[[:space:]]NSEC')" 0 \
		"ns3 answers NXDOMAIN without NSEC"
	dp_check --only dnssec.denial glitter.kr
	is "$DP_RC" 2 "secondary-unsigned:ns3: exit 2"
	is "$(status_of dnssec.denial 'ns3\.glitter\.kr/127\.0\.10\.3')" CRITICAL "dnssec.denial CRITICAL for ns3"
	like "$(summaries_of dnssec.denial 'ns3')" \
		'^ns3\.glitter\.kr/127\.0\.10\.3: NXDOMAIN for dp-[0-9a-f]+\.glitter\.kr without NSEC or NSEC3 proof$' \
		"summary names the server, its address and the missing proof"
	is "$(jqr '.checks[]|select(.id=="dnssec.denial" and (.subject|test("ns3")))|"\(.details.server) \(.details.address) \(.details.rcode) \(.details.proof_records)"')" \
		"ns3.glitter.kr 127.0.10.3 NXDOMAIN 0" "details: server, address, rcode, no proof records"
	is "$(count_of dnssec.denial CRITICAL)" 1 "only that one is CRITICAL"
	is "$(jqr '[.checks[]|select(.id=="dnssec.denial" and (.subject|test("^ns[1245]")))|.status]|unique|join(" ")')" \
		OK "the other five addresses OK"
}

scenario t_classic_nsec
scenario t_nsec3 --fault shape-nsec3
scenario t_ns_outside --fault shape-ns-outside
scenario t_zsk_prepublish --fault shape-zsk-prepublish
scenario t_zsk_double_sig --fault shape-zsk-double-sig
scenario t_ksk_double_ds --fault shape-ksk-double-ds
scenario t_algorithm_rollover --fault shape-algorithm-rollover
scenario t_online_signer --fault shape-online-signer
scenario t_black_lies --fault shape-black-lies
scenario t_secondary_unsigned --fault secondary-unsigned:ns3
finish
