#!/usr/bin/env bash
# System tests of mta_sts.policy, tls_rpt and caa against the lab: healthy, and one fault each.
. "$(dirname "$0")/lib.sh"

ONLY=mta_sts.policy,tls_rpt,caa
URL_RE='https://mta-sts\.glitter\.kr/\.well-known/mta-sts\.txt'

# policy_detail KEY : a key of the domain-level mta_sts.policy result's details.
policy_detail() {
	jqr --arg k "$1" '.checks[] | select(.id == "mta_sts.policy" and .subject == "glitter.kr")
		| .details[$k] | if type == "array" then join(",") else . end'
}

# policy_critical DESC ERE : the fault made the policy CRITICAL on the domain, for the reason ERE.
policy_critical() {
	is "$DP_RC" 2 "$1: exit 2"
	is "$(status_of mta_sts.policy '^glitter\.kr$')" CRITICAL "$1: mta_sts.policy CRITICAL"
	like "$(summaries_of mta_sts.policy '^glitter\.kr$')" "$2" "$1: summary gives the reason"
	is "$(policy_detail policy_valid)" 0 "$1: details.policy_valid is 0"
	is "$(policy_detail deployed)" true "$1: details.deployed is true"
	is "$(status_of tls_rpt)" OK "$1: tls_rpt unaffected"
}

t_healthy() {
	local id body sha
	dp_check --only "$ONLY" glitter.kr
	is "$DP_RC" 0 "healthy: exit 0"
	[ "$DP_RC" = 0 ] || sed 's/^/# stderr: /' "$DP_ERR" | head -20
	is "$(jqr .status)" OK "healthy: overall status OK"
	is "$(status_of mta_sts.policy '^glitter\.kr$')" OK "mta_sts.policy OK for glitter.kr"
	is "$(status_of mta_sts.policy '^25:mail\.glitter\.kr$')" OK "MX 25:mail.glitter.kr OK"
	like "$(summaries_of mta_sts.policy '^glitter\.kr$')" 'mode enforce' "summary names the mode"
	is "$(policy_detail policy_valid)" 1 "details.policy_valid is 1"
	is "$(policy_detail mode)" enforce "details.mode is enforce"
	is "$(policy_detail max_age)" 604800 "details.max_age is 604800"
	is "$(policy_detail mx)" mail.glitter.kr "details.mx lists the policy's mx"
	# The id and the body hash agree with what an operator sees with dig and curl.
	id=$(dig +short @"$LAB_RESOLVER" _mta-sts.glitter.kr TXT | sed -n 's/.*id=\([A-Za-z0-9]*\).*/\1/p')
	is "$(policy_detail id)" "$id" "details.id is the TXT id ($id)"
	body=$DP_TMP/policy.txt
	curl -sS --noproxy '*' --cacert "$LAB_CA" --resolve mta-sts.glitter.kr:443:127.0.30.1 \
		-o "$body" https://mta-sts.glitter.kr/.well-known/mta-sts.txt
	sha=$(sha256sum "$body" | cut -d' ' -f1)
	is "$(policy_detail body_sha256)" "$sha" "details.body_sha256 is the sha256 of the body"
	is "$(jqr '.checks[]|select(.subject=="25:mail.glitter.kr")|.details.mx_host.matched')" \
		mail.glitter.kr "the MX result names the matching pattern"
	is "$(jqr '[.checks[]|select(.subject=="25:mail.glitter.kr")|.details.mx_host.addresses[].pkix_valid]|join(",")')" \
		"1,1" "both addresses of mail.glitter.kr present a PKIX-valid certificate"
	is "$(status_of tls_rpt)" OK "tls_rpt OK"
	is "$(jqr '.checks[]|select(.id=="tls_rpt")|.details.rua[0].uri')" mailto:tlsrpt@glitter.kr \
		"tls_rpt details list the rua URI"
	is "$(status_of caa)" OK "caa OK"
	is "$(jqr '.checks[]|select(.id=="caa")|.details.properties.issue|join(",")')" letsencrypt.org \
		"caa reports the issuer letsencrypt.org"
	like "$(summaries_of caa)" 'issue letsencrypt\.org.*iodef mailto:hostmaster@glitter\.kr' \
		"caa summary names issuer and iodef"
	# The environment's proxy is ignored (RFC 8461 fetch goes straight to the host).
	https_proxy=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 ALL_PROXY=http://127.0.0.1:9 \
		dp_check --only mta_sts.policy glitter.kr
	is "$(status_of mta_sts.policy '^glitter\.kr$')" OK "a proxy in the environment is not used"
}

t_404() {
	dp_check --only "$ONLY" glitter.kr
	policy_critical mta-sts-404 "$URL_RE answers HTTP 404"
}

t_redirect() {
	dp_check --only "$ONLY" glitter.kr
	policy_critical mta-sts-redirect \
		"HTTP 301 redirect to https://www\.glitter\.kr/\.well-known/mta-sts\.txt: redirects must not be followed"
	is "$(jqr '.checks[]|select(.subject=="glitter.kr" and .id=="mta_sts.policy")|.details.http.location')" \
		https://www.glitter.kr/.well-known/mta-sts.txt "details.http.location has the target"
}

t_content_type() {
	dp_check --only "$ONLY" glitter.kr
	policy_critical mta-sts-content-type 'served as "text/html[^"]*", not text/plain'
}

t_oversized() {
	dp_check --only "$ONLY" glitter.kr
	policy_critical mta-sts-oversized 'larger than the 64 KiB cap'
}

t_bad_cert() {
	dp_check --only "$ONLY" glitter.kr
	policy_critical mta-sts-bad-cert 'certificate of mta-sts\.glitter\.kr is not valid: .*(issuer|verif)'
}

t_two_txt() {
	dp_check --only "$ONLY" glitter.kr
	policy_critical mta-sts-two-txt '^2 v=STSv1 TXT records at _mta-sts\.glitter\.kr'
}

t_near_miss() {
	dp_check --only "$ONLY" glitter.kr
	is "$DP_RC" 0 "txt-near-miss: exit 0 (a bare v=STSv1 / v=TLSRPTv1 is not a second record)"
	is "$(status_of mta_sts.policy '^glitter\.kr$')" OK "txt-near-miss: mta_sts.policy OK"
	is "$(policy_detail txt_records)" 1 "txt-near-miss: one v=STSv1; record counted"
	is "$(policy_detail txt_discarded)" 1 "txt-near-miss: the bare v=STSv1 discarded"
	is "$(status_of tls_rpt)" OK "txt-near-miss: tls_rpt OK"
	is "$(jqr '.checks[]|select(.id=="tls_rpt")|.details.records')" 1 \
		"txt-near-miss: one v=TLSRPTv1; record counted"
	is "$(jqr '.checks[]|select(.id=="tls_rpt")|.details.discarded')" 1 \
		"txt-near-miss: the bare v=TLSRPTv1 discarded"
}

t_mx_mismatch() {
	dp_check --only "$ONLY" glitter.kr
	policy_critical mta-sts-mx-mismatch 'MX mail\.glitter\.kr matches no mx pattern .*mx\.other\.example'
	is "$(status_of mta_sts.policy '^25:mail\.glitter\.kr$')" CRITICAL "the MX result is CRITICAL"
	is "$(jqr '.checks[]|select(.subject=="25:mail.glitter.kr")|.details.mx_host.match')" false \
		"the MX result says it did not match"
}

t_testing_mismatch() {
	dp_check --only "$ONLY" glitter.kr
	is "$DP_RC" 1 "mta-sts-testing-mismatch: exit 1"
	is "$(status_of mta_sts.policy '^glitter\.kr$')" WARNING "mta_sts.policy WARNING in mode testing"
	is "$(status_of mta_sts.policy '^25:mail\.glitter\.kr$')" WARNING "the MX result is WARNING"
	like "$(summaries_of mta_sts.policy '^glitter\.kr$')" 'mail\.glitter\.kr .*\(mode testing\)' \
		"summary names the MX and the mode"
	is "$(policy_detail mode)" testing "details.mode is testing"
	is "$(policy_detail policy_valid)" 0 "details.policy_valid is 0"
}

t_cert_expired() {
	dp_check --only "$ONLY" glitter.kr
	is "$DP_RC" 2 "cert-expired: exit 2"
	is "$(status_of mta_sts.policy '^25:mail\.glitter\.kr$')" CRITICAL \
		"mta_sts.policy CRITICAL for 25:mail.glitter.kr"
	like "$(summaries_of mta_sts.policy '^25:mail\.glitter\.kr$')" \
		'mail\.glitter\.kr/(127\.0\.20\.1|::1).*expired' "summary names the address and the expiry"
	is "$(status_of mta_sts.policy '^glitter\.kr$')" CRITICAL "the domain's result is CRITICAL too"
}

t_tlsrpt_missing() {
	dp_check --only "$ONLY" glitter.kr
	is "$DP_RC" 1 "tls-rpt-missing: exit 1"
	is "$(status_of tls_rpt)" WARNING "tls_rpt WARNING"
	like "$(summaries_of tls_rpt)" '_smtp\._tls\.glitter\.kr: no v=TLSRPTv1 record while MTA-STS and DANE' \
		"summary says missing while MTA-STS and DANE are in use"
	is "$(status_of mta_sts.policy)" OK "mta_sts.policy unaffected"
}

t_tlsrpt_bad_rua() {
	dp_check --only "$ONLY" glitter.kr
	is "$DP_RC" 1 "tls-rpt-bad-rua: exit 1"
	is "$(status_of tls_rpt)" WARNING "tls_rpt WARNING"
	like "$(summaries_of tls_rpt)" 'malformed TLS-RPT record: rua URI "ftp://x" is neither mailto: nor https:' \
		"summary names the bad URI"
}

scenario t_healthy
scenario t_404 --fault mta-sts-404
scenario t_redirect --fault mta-sts-redirect
scenario t_content_type --fault mta-sts-content-type
scenario t_oversized --fault mta-sts-oversized
scenario t_bad_cert --fault mta-sts-bad-cert
scenario t_two_txt --fault mta-sts-two-txt
scenario t_near_miss --fault txt-near-miss
scenario t_mx_mismatch --fault mta-sts-mx-mismatch
scenario t_testing_mismatch --fault mta-sts-testing-mismatch
scenario t_cert_expired --fault cert-expired
scenario t_tlsrpt_missing --fault tls-rpt-missing
scenario t_tlsrpt_bad_rua --fault tls-rpt-bad-rua
finish
