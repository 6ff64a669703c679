#!/usr/bin/env bash
# System tests of the foundation and dnssec.chain against the lab: exit codes, outputs, faults.
. "$(dirname "$0")/lib.sh"

t_healthy() {
	dp_check --tlsa 587:mail.glitter.kr --tlsa 443:captcha.glitter.kr glitter.kr
	is "$DP_RC" 0 "healthy glitter.kr: exit 0"
	is "$(jqr .status)" OK "overall status OK"
	is "$(status_of dnssec.chain glitter.kr)" OK "dnssec.chain OK"
	is "$(status_of dnssec.chain '^mail\.glitter\.kr$')" OK "mail.glitter.kr addresses validate"
	is "$(jqr '.checks[]|select(.id=="dnssec.chain" and .subject=="glitter.kr")|.details.dnssec_secure.DNSKEY')" 1 \
		"details.dnssec_secure.DNSKEY is 1"
	is "$(jqr '[.checks[]|select(.id=="dnssec.chain" and .subject=="glitter.kr")|.details.chain[].zone]|join(" ")')" \
		". kr glitter.kr" "chain lists the zone cuts . kr glitter.kr"
	like "$(jqr .started)" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "started is RFC 3339"
	like "$(jqr .duration_seconds)" '^[0-9.]+$' "duration_seconds is a number"
	# Text with -v shows the chain per zone cut; Nagios first line and perfdata.
	local txt nag rc=0
	txt=$("$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" --ca-file "$LAB_CA" --only dnssec.chain -v glitter.kr 2>&1)
	like "$txt" "glitter.kr" "text report names the domain"
	like "$txt" "key_tag" "text -v shows key tags of the chain"
	nag=$("$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" --ca-file "$LAB_CA" --only dnssec.chain -o nagios glitter.kr) || rc=$?
	is "$rc" 0 "nagios output: exit 0"
	like "$(head -1 <<<"$nag")" '^DNSPROBE OK - glitter\.kr: .*\| .*check_duration=[0-9.]+s' "nagios first line with perfdata"
}

t_rrsig_expired() {
	dp_check --only dnssec.chain glitter.kr
	is "$DP_RC" 2 "rrsig-expired: exit 2"
	is "$(status_of dnssec.chain glitter.kr)" CRITICAL "dnssec.chain CRITICAL"
	like "$(summaries_of dnssec.chain '^glitter\.kr$')" 'glitter\.kr .*bogus.*(expired|signature)' \
		"summary names the zone and the validator's reason"
}

t_ds_mismatch() {
	dp_check --only dnssec.chain glitter.kr
	is "$DP_RC" 2 "ds-mismatch: exit 2"
	is "$(status_of dnssec.chain glitter.kr)" CRITICAL "dnssec.chain CRITICAL"
	like "$(summaries_of dnssec.chain '^glitter\.kr$')" 'glitter\.kr .*bogus: .*(DS|key|DNSKEY)' \
		"summary names the zone and the DS/key failure"
}

t_unsigned() {
	dp_check --only dnssec.chain glitter.kr
	is "$DP_RC" 2 "unsigned: exit 2"
	like "$(summaries_of dnssec.chain '^glitter\.kr$')" 'insecure' "summary says insecure"
}

t_unknown() {
	# Root hints pointing at an address where nothing listens: no verdict → UNKNOWN, in time.
	printf '. 3600 IN NS a.nowhere.\na.nowhere. 3600 IN A 127.0.0.99\n' >"$DP_TMP/hints"
	local t0=$SECONDS
	DP_RC=0
	"$DNSPROBE" check -a "$LAB_TA" -r "$DP_TMP/hints" -t 10 --step-timeout 2s -o nagios glitter.kr \
		>"$DP_TMP/nag" 2>/dev/null || DP_RC=$?
	is "$DP_RC" 3 "root hints pointing nowhere: exit 3"
	ok_desc "finished within the 10 s budget (+2 s)" test $((SECONDS - t0)) -le 12
	like "$(head -1 "$DP_TMP/nag")" '^DNSPROBE UNKNOWN - glitter\.kr: no answer from the root' "nagios UNKNOWN line says why"
	# Bad arguments: one line, exit 3.
	DP_RC=0
	"$DNSPROBE" check --output xml glitter.kr >/dev/null 2>"$DP_TMP/err" || DP_RC=$?
	is "$DP_RC" 3 "bad argument: exit 3"
	is "$(wc -l <"$DP_TMP/err")" 1 "bad argument: one line on stderr"
}

scenario t_healthy
scenario t_rrsig_expired --fault rrsig-expired
scenario t_ds_mismatch --fault ds-mismatch
scenario t_unsigned --fault unsigned
scenario t_unknown
finish
