#!/usr/bin/env bash
# System tests of dnssec.denial, dnssec.rrsig_expiry, dnssec.keys and resolver.agreement.
. "$(dirname "$0")/lib.sh"

CHECKS=dnssec.denial,dnssec.rrsig_expiry,dnssec.keys,resolver.agreement
# rrsig_results STATUS : how many dnssec.rrsig_expiry results have that status.
rrsig_results() { jqr --arg s "$1" '[.checks[]|select(.id=="dnssec.rrsig_expiry" and .status==$s)]|length'; }
# rrsig_validated VERDICT [SUBJECT-ERE] : how many dnssec.rrsig_expiry results (of the subjects
# matching) have getdns's per-server validation at VERDICT for every answer, all labels present.
rrsig_validated() {
	jqr --arg v "$1" --arg re "${2:-.}" '[.checks[]|select(.id=="dnssec.rrsig_expiry" and (.subject|test($re)))
	  |select((.details.validation|keys|sort|join(","))=="CAA,DNSKEY,MX,NS,SOA,TLSA,TXT,denial"
	          and ([.details.validation[]]|unique)==[$v])]|length'
}

t_healthy() {
	dp_check --only "$CHECKS" --resolver "$LAB_RESOLVER" glitter.kr
	is "$DP_RC" 0 "healthy: exit 0"
	is "$(status_of dnssec.denial)" OK "dnssec.denial OK"
	is "$(jqr '.checks[]|select(.id=="dnssec.denial" and .subject=="glitter.kr")|.details.rcode+" "+.details.security+" "+.details.denial')" \
		"NXDOMAIN secure NSEC" "validated NXDOMAIN proven by NSEC"
	is "$(rrsig_results OK)" 6 "dnssec.rrsig_expiry: six server addresses, all OK"
	is "$(rrsig_validated secure)" 6 \
		"getdns validates every answer of every server secure (SOA NS DNSKEY MX TXT CAA TLSA denial)"
	is "$(jqr '[.checks[]|select(.id=="dnssec.rrsig_expiry")|.subject]|sort|join(" ")')" \
		"ns1.glitter.kr/127.0.10.1 ns1.glitter.kr/::1 ns2.glitter.kr/127.0.10.2 ns3.glitter.kr/127.0.10.3 ns4.glitter.kr/127.0.10.4 ns5.glitter.kr/127.0.10.5" \
		"one result per NS name and address"
	local d now
	d=$(details_of dnssec.rrsig_expiry 'ns3\.glitter\.kr/127\.0\.10\.3')
	now=$(date +%s)
	is "$(jq -r '.server+" "+.address' <<<"$d")" "ns3.glitter.kr 127.0.10.3" "details: server and address"
	is "$(jq -r '.rrsig_expiry|keys|sort|join(",")' <<<"$d")" "CAA,DNSKEY,MX,NS,NSEC,SOA,TLSA,TXT" \
		"details.rrsig_expiry covers apex RRsets, the denial's NSEC and TLSA"
	ok_desc "earliest expiration about 30 days ahead (lab signs for 30 d)" \
		test "$(jq -r '.earliest_expiration' <<<"$d")" -gt $((now + 29 * 86400))
	ok_desc "remaining_seconds is earliest_expiration − now" \
		test "$(jq -r '(.earliest_expiration - .evaluated_at) == .remaining_seconds' <<<"$d")" = true
	is "$(status_of dnssec.keys)" OK "dnssec.keys OK"
	is "$(jqr '.checks[]|select(.id=="dnssec.keys")|[.details.dnskeys[]|.role+":"+(.key_tag|tostring)+":"+.algorithm_name]|sort|length')" \
		2 "two DNSKEYs reported"
	is "$(jqr '.checks[]|select(.id=="dnssec.keys")|(.details.ksk_key_tags|length|tostring)+" "+(.details.zsk_key_tags|length|tostring)+" "+(.details.ds[0].works|tostring)')" \
		"1 1 true" "one KSK, one ZSK, the DS works"
	like "$(jqr '.checks[]|select(.id=="dnssec.keys")|.details.ds_source')" '^a\.dns\.kr/127\.0\.0\.3$' \
		"DS asked at the parent's own server"
	is "$(status_of resolver.agreement 127.0.0.53)" OK "resolver.agreement with the lab resolver OK"
	is "$(jqr '[.checks[]|select(.id=="resolver.agreement")|.details.rrsets[]|select(.same_data and .ad)]|length')" \
		5 "SOA, NS, DNSKEY, MX and TLSA: same data, AD set"
	# Nagios perfdata carries the smallest remaining time.
	local nag
	nag=$("$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" --only dnssec.rrsig_expiry -o nagios glitter.kr)
	like "$(head -1 <<<"$nag")" '\| rrsig_min_remaining=[0-9]{7}s;259200:;86400:( |$)' "nagios perfdata rrsig_min_remaining"
	# --at +40h: 30-day signatures still fine.
	dp_check --only dnssec.rrsig_expiry,dnssec.denial --at +40h glitter.kr
	is "$DP_RC" 0 "healthy --at +40h: exit 0"
	# A resolver that does not answer is named, and only warns.
	dp_check --only resolver.agreement --resolver 127.0.0.98 --step-timeout 1s glitter.kr
	is "$(status_of resolver.agreement 127.0.0.98)" WARNING "silent resolver: WARNING"
	like "$(summaries_of resolver.agreement)" '127\.0\.0\.98 did not answer' "summary names it"
	# An authoritative server is no validating resolver: no AD.
	dp_check --only resolver.agreement --resolver 127.0.10.2 glitter.kr
	like "$(summaries_of resolver.agreement)" 'without AD' "non-validating server: lacks AD"
}

t_rrsig_expiring() {
	dp_check --only dnssec.rrsig_expiry glitter.kr
	is "$DP_RC" 1 "rrsig-expiring (36 h) with --rrsig-warn 72h: exit 1"
	is "$(rrsig_results WARNING)" 6 "every server address WARNING"
	like "$(summaries_of dnssec.rrsig_expiry 'ns2')" 'expires .*in 1d1[0-2]h.*within 3d' "summary says when and the threshold"
	dp_check --only dnssec.rrsig_expiry --rrsig-crit 48h glitter.kr
	is "$DP_RC" 2 "--rrsig-crit 48h: exit 2"
	is "$(rrsig_results CRITICAL)" 6 "every server address CRITICAL"
	dp_check --only dnssec.rrsig_expiry --at +40h glitter.kr
	is "$DP_RC" 2 "--at +40h: exit 2"
	like "$(summaries_of dnssec.rrsig_expiry 'ns1.*127')" 'expired .*ago\).*as of --at' "as of --at the signatures have expired"
	ok_desc "remaining_seconds negative as of --at" \
		test "$(details_of dnssec.rrsig_expiry 'ns4' | jq -r .remaining_seconds)" -lt 0
	is "$(rrsig_validated bogus)" 6 "getdns validates as of --at: every answer bogus"
}

t_rrsig_expired() {
	dp_check --only dnssec.rrsig_expiry,dnssec.denial glitter.kr
	is "$DP_RC" 2 "rrsig-expired: exit 2"
	is "$(rrsig_results CRITICAL)" 6 "every server address CRITICAL"
	like "$(summaries_of dnssec.rrsig_expiry 'ns5')" 'RRSIG .* expired 20[0-9-]+T.* \(3d.* ago\)' "summary: expired, when"
	is "$(status_of dnssec.denial)" CRITICAL "dnssec.denial CRITICAL (bogus denial)"
	like "$(summaries_of dnssec.denial)" 'bogus' "denial summary says bogus"
}

t_secondary_expired() {
	dp_check --only dnssec.rrsig_expiry glitter.kr
	is "$DP_RC" 2 "secondary-expired:ns3: exit 2"
	is "$(status_of dnssec.rrsig_expiry 'ns3\.glitter\.kr/127\.0\.10\.3')" CRITICAL "ns3 CRITICAL"
	like "$(summaries_of dnssec.rrsig_expiry 'ns3')" '^ns3\.glitter\.kr/127\.0\.10\.3: RRSIG .*expired' "summary names ns3 and its address"
	is "$(rrsig_results CRITICAL)" 1 "only one CRITICAL result"
	is "$(rrsig_results OK)" 5 "the other five addresses OK"
	is "$(rrsig_validated bogus 'ns3')" 1 "ns3: every answer bogus to getdns"
	is "$(rrsig_validated secure)" 5 "the other five: every answer secure"
	like "$(summaries_of dnssec.rrsig_expiry 'ns3')" \
		'; glitter\.kr DNSKEY does not validate against the DS at kr: no RRSIG over it \(key [0-9]+\) is in its validity period' \
		"summary adds the validation, and why"
}

t_secondary_bogus() {
	dp_check --only dnssec.rrsig_expiry glitter.kr
	is "$DP_RC" 2 "secondary-bogus:ns3: exit 2"
	is "$(rrsig_results CRITICAL)" 1 "only one CRITICAL result"
	is "$(status_of dnssec.rrsig_expiry 'ns3\.glitter\.kr/127\.0\.10\.3')" CRITICAL "ns3 CRITICAL"
	is "$(rrsig_results OK)" 5 "the other five addresses OK"
	like "$(summaries_of dnssec.rrsig_expiry 'ns3')" \
		'^ns3\.glitter\.kr/127\.0\.10\.3: glitter\.kr SOA does not validate against the DS at kr: the RRSIG by key [0-9]+ does not verify' \
		"summary names server, address, RRset, key tag and the DS's zone"
	local d
	d=$(details_of dnssec.rrsig_expiry 'ns3')
	# What the RRSIG times alone say about ns3: all fine.
	is "$(jq -r '.state' <<<"$d")" valid "details.state: the RRSIG times alone are valid"
	ok_desc "details.remaining_seconds: about 30 days" test "$(jq -r .remaining_seconds <<<"$d")" -gt $((29 * 86400))
	is "$(jq -r '.validation.SOA+" "+.validation.DNSKEY+" "+.validation.MX' <<<"$d")" "bogus secure secure" \
		"details.validation: SOA bogus, DNSKEY and MX secure"
	is "$(jq -r '.server+" "+.address+" "+(.rrsig_expiry.SOA|type)+" "+(.earliest_expiration|type)' <<<"$d")" \
		"ns3.glitter.kr 127.0.10.3 number number" "details keep server, address, rrsig_expiry, earliest_expiration"
	is "$(rrsig_validated secure '^ns[1245]')" 5 "the other five: every answer secure"
}

t_ds_mismatch() {
	dp_check --only dnssec.keys,dnssec.rrsig_expiry glitter.kr
	is "$DP_RC" 2 "ds-mismatch: exit 2"
	is "$(status_of dnssec.keys)" CRITICAL "dnssec.keys CRITICAL"
	like "$(summaries_of dnssec.keys)" '^DS [0-9]+/13/2 at a\.dns\.kr/127\.0\.0\.3: no DNSKEY with key tag' "summary names the DS and the parent server"
	is "$(jqr '[.checks[]|select(.id=="dnssec.keys")|.details.ds[]|select(.works)]|length')" 0 "no DS works"
	# the ready-to-paste fix: the SHA-256 DS of the KSK that signs the DNSKEY RRset, as
	# dnssec-dsfromkey computes it from the key the servers publish
	is "$(jqr '.checks[]|select(.id=="dnssec.keys")|.fix|join("|")')" \
		"$(dig +norec @127.0.10.1 glitter.kr DNSKEY | awk '$4 == "DNSKEY" && $5 == 257' >"$DP_TMP/ksk" &&
			dnssec-dsfromkey -2 -T 86400 -f "$DP_TMP/ksk" glitter.kr | awk '{ $1 = $1; printf "%s", $0 }')" \
		"fix: the DS line for the KSK in use (dnssec-dsfromkey -2)"
	is "$(rrsig_results CRITICAL)" 6 "dnssec.rrsig_expiry: every server address CRITICAL"
	is "$(rrsig_validated bogus)" 6 "getdns: every answer of every server bogus against the DS"
	like "$(summaries_of dnssec.rrsig_expiry 'ns2')" \
		'^ns2\.glitter\.kr/127\.0\.10\.2: glitter\.kr DNSKEY does not validate against the DS at kr: no DNSKEY served has the key tag of a DS \(DS [0-9]+; DNSKEY [0-9]+, [0-9]+\)' \
		"summary: no served key matches the DS"
	# text output (not JSON: the last check of this scenario)
	"$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" -o text --only dnssec.keys glitter.kr >"$DP_TMP/out.txt" 2>&1
	like "$(cat "$DP_TMP/out.txt")" '^ +fix: glitter\.kr\. 86400 IN DS [0-9]+ 13 2 [0-9A-F]{64}$' "text output: the fix line under the finding"
}

t_ds_stale() {
	dp_check --only dnssec.keys glitter.kr
	is "$DP_RC" 1 "ds-stale: exit 1"
	like "$(summaries_of dnssec.keys)" '^stale DS [0-9]+/13/2 at a\.dns\.kr' "summary: stale DS"
	is "$(jqr '[.checks[0].details.ds[].works]|sort|map(tostring)|join(" ")')" "false true" "one DS works, one does not"
	is "$(jqr '.checks[0].fix|join("|")')" \
		"$(dig +norec @127.0.0.3 glitter.kr DS | awk '$4 == "DS"' | while read -r _ ttl _ _ tag alg dt rest; do
			d=$(tr -d ' ' <<<"$rest")
			dnssec-dsfromkey -2 -f <(dig +norec @127.0.10.1 glitter.kr DNSKEY | awk '$4 == "DNSKEY"') glitter.kr |
				grep -q " $tag $alg $dt $d\$" && printf 'glitter.kr. %s IN DS %s %s %s %s' "$ttl" "$tag" "$alg" "$dt" "$d"
		done)" "fix: the one DS line to keep (the one that matches a published key)"
}

t_rsasha1() {
	dp_check --only dnssec.keys,dnssec.rrsig_expiry,dnssec.denial glitter.kr
	is "$DP_RC" 1 "algorithm-rsasha1: exit 1"
	is "$(status_of dnssec.keys)" WARNING "dnssec.keys WARNING"
	like "$(summaries_of dnssec.keys)" 'RSASHA1, NOT RECOMMENDED for signing by RFC 8624' "summary cites RFC 8624"
	is "$(jqr '[.checks[]|select(.id=="dnssec.keys")|.details.dnskeys[]|.key_bits]|unique|join(",")')" 2048 "key sizes reported"
	is "$(rrsig_results OK)" 6 "RSASHA1 signatures read per server"
	is "$(rrsig_validated secure)" 6 "getdns validates RSASHA1 answers secure at every server"
	is "$(status_of dnssec.denial)" OK "denial validates"
}

t_nsec3() {
	dp_check --only dnssec.denial,dnssec.rrsig_expiry glitter.kr
	is "$DP_RC" 1 "nsec3-iterations: exit 1"
	is "$(status_of dnssec.denial)" WARNING "dnssec.denial WARNING"
	like "$(summaries_of dnssec.denial)" 'NSEC3 with 10 extra iterations and salt d3adb33f' "summary names the values"
	is "$(jqr '.checks[]|select(.id=="dnssec.denial" and .subject=="glitter.kr")|.details.nsec3|"\(.iterations) \(.salt) \(.opt_out)"')" \
		"10 d3adb33f false" "details.nsec3"
	is "$(jqr '.checks[]|select(.id=="dnssec.denial" and .subject=="glitter.kr")|.details.nsec3param.iterations')" 10 "details.nsec3param"
	is "$(status_of dnssec.rrsig_expiry)" OK "rrsig expiry OK (NSEC3 signatures read)"
	is "$(jqr '[.checks[]|select(.id=="dnssec.rrsig_expiry")|.details.rrsig_expiry.NSEC3|numbers]|length')" 6 \
		"NSEC3 RRSIGs read at every address"
	is "$(rrsig_validated secure)" 6 "getdns validates every answer (NSEC3 denial included) secure"
}

t_unsigned() {
	dp_check --only "$CHECKS" glitter.kr
	is "$DP_RC" 2 "unsigned: exit 2"
	like "$(summaries_of dnssec.denial)" 'insecure' "denial: insecure"
	is "$(status_of dnssec.denial)" CRITICAL "denial CRITICAL"
	like "$(summaries_of dnssec.keys)" 'no DS at .* and no DNSKEY: the zone is unsigned' "keys: unsigned"
	is "$(rrsig_results CRITICAL)" 6 "rrsig_expiry: every address serves no RRSIG"
	is "$(jqr '[.checks[]|select(.id=="dnssec.rrsig_expiry" and .details.validation==null and (.details.validation_skipped|test("no secure DS")))]|length')" \
		6 "no DS: no per-server validation, details say why"
}

scenario t_healthy
scenario t_rrsig_expiring --fault rrsig-expiring
scenario t_rrsig_expired --fault rrsig-expired
scenario t_secondary_expired --fault secondary-expired:ns3
scenario t_secondary_bogus --fault secondary-bogus:ns3
scenario t_ds_mismatch --fault ds-mismatch
scenario t_ds_stale --fault ds-stale
scenario t_rsasha1 --fault algorithm-rsasha1
scenario t_nsec3 --fault nsec3-iterations
scenario t_unsigned --fault unsigned
finish
