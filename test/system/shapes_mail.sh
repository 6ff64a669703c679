#!/usr/bin/env bash
# System tests of the mail/host-side deployment shapes (issue 12): a third-party MX in an unsigned
# zone, CNAMEs, several MX hosts, multi-record TLSA RRsets, a host without an IPv6 route. One lab
# start per shape; the healthy shapes must leave no check non-OK.
. "$(dirname "$0")/lib.sh"

EXTRA=(--tlsa 443:captcha.glitter.kr)

count() { jqr --arg id "$1" --arg re "$2" '[.checks[]|select(.id==$id and (.subject|test($re)))]|length'; }
detail() { jqr --arg id "$1" --arg s "$2" ".checks[]|select(.id==\$id and .subject==\$s)|.details$3"; }
# non_ok : every result that is not OK, one "STATUS id subject: summary" a line ("" when none).
non_ok() { jqr '.checks[]|select(.status!="OK")|"\(.status) \(.id) \(.subject): \(.summary)"'; }
# all_ok DESC : the run exited 0 and no check is non-OK.
all_ok() {
	is "$DP_RC" 0 "$1: exit 0"
	is "$(non_ok)" "" "$1: no check is non-OK"
}

t_thirdparty() {
	dp_check "${EXTRA[@]}" glitter.kr
	all_ok "MX at a third party"
	is "$(jqr '[.checks[]|select(.id=="dane.tlsa" and (.subject|startswith("25:")))|.subject]|join(" ")')" \
		25:mx1.mailhost.example "dane.tlsa judges port 25 of the third-party MX"
	is "$(status_of dnssec.chain '^mx1\.mailhost\.example$')" OK "dnssec.chain: the MX host's insecure A is OK"
	like "$(summaries_of dnssec.chain '^mx1\.mailhost\.example$')" \
		'insecure: outside glitter\.kr, in a zone that is not signed.*RFC 7672 §2\.2\.2' \
		"dnssec.chain says why: outside the domain, unsigned zone"
	is "$(detail dnssec.chain mx1.mailhost.example .in_domain)" false "details.in_domain false"
	is "$(detail dnssec.chain mx1.mailhost.example .A.security)" insecure "the A RRset is insecure, as delv says"
	like "$(summaries_of dane.tlsa '^25:mx1\.mailhost\.example$')" \
		'DANE does not apply: the A RRset of mx1\.mailhost\.example \(outside glitter\.kr\) is insecure' \
		"dane.tlsa: DANE does not apply (RFC 7672 §2.2.2)"
	is "$(status_of dnssec.chain '^glitter\.kr$')" OK "the domain's own chain is secure"
	is "$(status_of mta_sts.policy '^25:mx1\.mailhost\.example$')" OK "MTA-STS covers the third-party MX"
	is "$(detail mta_sts.policy 25:mx1.mailhost.example '.mx_host.addresses[0].pkix_valid')" 1 \
		"its port-25 certificate was checked (PKIX-valid)"
	is "$(status_of tls.cert '^25:mx1\.mailhost\.example/127\.0\.20\.3$')" OK "tls.cert of the MX on 25"
	like "$(detail tls.cert 25:mx1.mailhost.example/127.0.20.3 .certificate.sans)" mx1.mailhost.example \
		"the certificate is the provider's"
}

t_cname() {
	dp_check "${EXTRA[@]}" glitter.kr
	all_ok "CNAMEs"
	is "$(dig +short @"$LAB_RESOLVER" captcha.glitter.kr CNAME)" web.glitter.kr. "lab: captcha is a CNAME"
	is "$(dig +short @"$LAB_RESOLVER" _443._tcp.captcha.glitter.kr TLSA)" "" "lab: no TLSA at the alias"
	is "$(detail dane.tlsa 443:captcha.glitter.kr/127.0.30.1 .tlsa_name)" _443._tcp.web.glitter.kr \
		"RFC 7671 §7: TLSA taken at the secure CNAME target"
	is "$(detail dane.tlsa 443:captcha.glitter.kr/127.0.30.1 .cname_target)" web.glitter.kr \
		"details.cname_target"
	is "$(detail dane.tlsa 443:captcha.glitter.kr/127.0.30.1 .tlsa_match)" true "and a record matches"
	is "$(status_of mta_sts.policy)" OK "the policy is fetched through the mta-sts CNAME"
	is "$(status_of tls.cert '^443:captcha')" OK "tls.cert for the alias name"
	is "$(status_of dnssec.chain '^captcha\.glitter\.kr$')" OK "the alias's addresses validate"
	# Without the CNAME target's TLSA the original name is the fallback: 25 (no CNAME) unchanged.
	is "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 .tlsa_name)" _25._tcp.mail.glitter.kr \
		"a host that is no alias keeps its own TLSA name"
}

t_multi() {
	dp_check "${EXTRA[@]}" glitter.kr
	all_ok "two MX hosts"
	is "$(jqr '[.checks[]|select(.id=="mta_sts.policy" and (.subject|startswith("25:")))|.subject]|join(" ")')" \
		"25:mail.glitter.kr 25:mail2.glitter.kr" "mta_sts.policy judges each MX, by priority"
	is "$(status_of dane.tlsa '^25:mail2\.glitter\.kr/127\.0\.20\.2$')" OK "dane.tlsa on the backup MX"
	is "$(detail dane.tlsa 25:mail2.glitter.kr/127.0.20.2 .tlsa_match)" true "its TLSA matches"
	is "$(status_of tls.cert '^25:mail2\.glitter\.kr/')" OK "tls.cert on the backup MX"
	is "$(status_of dnssec.chain '^mail2\.glitter\.kr$')" OK "the backup MX's address validates"
	is "$(detail mta_sts.policy 25:mail2.glitter.kr '.mx_host.addresses[0].pkix_valid')" 1 \
		"MTA-STS: the backup MX's certificate is checked"
}

t_backup_broken() {
	dp_check "${EXTRA[@]}" glitter.kr
	is "$DP_RC" 2 "backup-mx-tlsa-mismatch: exit 2"
	is "$(status_of dane.tlsa '^25:mail2\.glitter\.kr/')" CRITICAL "dane.tlsa CRITICAL on the backup MX"
	like "$(summaries_of dane.tlsa '^25:mail2\.glitter\.kr/127\.0\.20\.2$')" \
		'^25:mail2\.glitter\.kr/127\.0\.20\.2: no TLSA record at _25\._tcp\.mail2\.glitter\.kr matches' \
		"the summary names the backup MX and its address"
	is "$(status_of dane.tlsa '^25:mail\.glitter\.kr/')" OK "the primary MX stays OK"
	is "$(jqr '[.checks[]|select(.status!="OK")|.subject|select(test("mail2")|not)]|length')" 0 \
		"nothing but the backup MX is non-OK"
}

t_tlsa_multi() {
	local spki
	dp_check "${EXTRA[@]}" glitter.kr
	all_ok "three TLSA records at _25._tcp.mail"
	spki=$(dig +short @"$LAB_RESOLVER" _25._tcp.mail.glitter.kr TLSA | grep -c .)
	is "$spki" 3 "lab: three records published"
	is "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 '.records|length')" 3 "details list all three"
	is "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 '|[.records[].usage]|sort|map(tostring)|join(",")')" 2,3,3 \
		"3 1 1 twice beside 2 1 1"
	is "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 .tlsa_match)" true "one usable record matches"
	# Each record is also judged on its own: the next key's 3 1 1 is the one that matches
	# nothing (the current 3 1 1 and the CA's 2 1 1 both match), whatever the RRset order.
	is "$(detail dane.tlsa 25:mail.glitter.kr/::1 '|[.records[]|select(.state=="no match")|.record[0:6]]|join(",")')" \
		"3 1 1 " "the next key's record alone matches nothing"
	like "$(detail dane.tlsa 25:mail.glitter.kr/::1 '.unmatched_records|join(",")')" '3 1 1 ' \
		"and it is listed among the unmatched records"
	like "$(summaries_of dane.tlsa '^25:mail\.glitter\.kr/127')" 'matches the certificate at depth [01]' \
		"the summary names the matched record"
	is "$(status_of dane.tlsa '^587:')" OK "587 (one record) unchanged"
}

t_no_v6_route() {
	local cfg=$DP_TMP/v4.yml
	dp_check "${EXTRA[@]}" glitter.kr
	is "$DP_RC" 3 "no IPv6 route, no -4: exit 3 (UNKNOWN), not CRITICAL"
	is "$(jqr '[.checks[]|select(.status=="CRITICAL")]|length')" 0 "no CRITICAL anywhere"
	for id in ns.soa_serial ns.delegation dnssec.rrsig_expiry; do
		is "$(status_of $id '^ns3\.glitter\.kr/2001:db8::53$')" UNKNOWN "$id: ns3's unroutable address UNKNOWN"
		like "$(summaries_of $id '^ns3\.glitter\.kr/2001:db8::53$')" 'not checked from here: .*no route to 2001:db8::53' \
			"$id: says not checked from here"
		is "$(status_of $id '^ns3\.glitter\.kr/127\.0\.10\.3$')" OK "$id: ns3's IPv4 address OK"
	done
	is "$(status_of ns.soa_serial '^glitter\.kr$')" OK "ns.soa_serial: the zone result stands on the others"
	like "$(summaries_of ns.soa_serial '^glitter\.kr$')" '1 address not checked from here' \
		"ns.soa_serial: the zone result counts it"
	for s in 25:mail.glitter.kr/2001:db8::25 587:mail.glitter.kr/2001:db8::25; do
		is "$(status_of dane.tlsa "^${s//./\\.}\$")" UNKNOWN "dane.tlsa $s UNKNOWN"
		is "$(status_of tls.cert "^${s//./\\.}\$")" UNKNOWN "tls.cert $s UNKNOWN"
	done
	like "$(summaries_of tls.cert '^25:mail\.glitter\.kr/2001:db8::25$')" 'not checked from here: no route' \
		"tls.cert says not checked from here"
	is "$(status_of mta_sts.policy)" OK "mta_sts.policy: the unroutable address is not a failure"
	is "$(status_of dane.tlsa '^25:mail\.glitter\.kr/::1$')" OK "the routable ::1 is checked as before"
	# -4: only IPv4, as the operator runs dig -4
	dp_check -4 "${EXTRA[@]}" glitter.kr
	all_ok "-4"
	is "$(jqr '[.checks[]|select(.subject|test("/[0-9a-f:]*:[0-9a-f:]*$"))]|length')" 0 \
		"-4: no IPv6 address is checked"
	is "$(status_of dane.tlsa '^25:mail\.glitter\.kr/127\.0\.20\.1$')" OK "-4: IPv4 still checked"
	# the config key does the same
	printf 'ip_families: [ipv4]\ndomains:\n  - name: glitter.kr\n    tlsa: ["443:captcha.glitter.kr"]\n' >"$cfg"
	dp_check -c "$cfg" glitter.kr
	all_ok "ip_families: [ipv4]"
	is "$("$DNSPROBE" monitor -n -v -c "$cfg" 2>&1 | grep -c '^ip_families: \[ipv4\]')" 1 \
		"monitor -n -v prints ip_families back"
	"$DNSPROBE" check -4 -6 glitter.kr >/dev/null 2>"$DP_ERR"
	is "$?" 3 "-4 with -6: exit 3"
	like "$(cat "$DP_ERR")" '-4 and -6 exclude each other' "-4 with -6: one clear line"
}

scenario t_thirdparty --fault shape-mx-thirdparty
scenario t_cname --fault shape-cname
scenario t_multi --fault shape-mx-multi
scenario t_backup_broken --fault backup-mx-tlsa-mismatch
scenario t_tlsa_multi --fault shape-tlsa-multi
scenario t_no_v6_route --fault shape-no-v6-route
finish
