#!/usr/bin/env bash
# System test of a hostile HTTPS server for the MTA-STS policy (issue 13): mta-sts.glitter.kr is
# 127.0.30.2, fixtures/lab/hostile/https_server.py with the lab CA's certificate for that name
# (fault hostile-https), switched from mode to mode inside one lab with $LAB_DIR/hostile https
# MODE; captcha.glitter.kr stays on nginx, the control. For every mode mta_sts.policy names the
# URL and says what went wrong, the check ends within -t, by itself, with no sanitizer report.
. "$(dirname "$0")/lib.sh"

ONLY=(--only "mta_sts.policy,tls.cert" --tlsa 443:captcha.glitter.kr)
BUDGET=8
URL_RE='https://mta-sts\.glitter\.kr/\.well-known/mta-sts\.txt'

# mode MODE WHAT-ERE DESC : run the check against MODE, assert the policy finding
mode() {
	local m=$1 want=$2 desc=$3
	"$LAB_DIR/hostile" https "$m"
	dp_check_within "$BUDGET" "${ONLY[@]}" --step-timeout 2s glitter.kr
	is "$DP_RC" 2 "$m: exit 2 (CRITICAL)"
	within_budget "$m" "$BUDGET"
	is "$(status_of mta_sts.policy)" CRITICAL "$m: mta_sts.policy CRITICAL"
	like "$(summaries_of mta_sts.policy)" "$want" "$m: the finding names the URL and says $desc"
	is "$(status_of tls.cert '^443:captcha')" OK "$m: captcha.glitter.kr (nginx) unaffected"
}

t_hostile_https() {
	is "$(dig +short mta-sts.glitter.kr A)" 127.0.30.2 "mta-sts.glitter.kr is the hostile server"
	mode endless "^$URL_RE: policy body larger than the 64 KiB cap$" "the body never ends"
	is "$(jqr '.checks[] | select(.id == "mta_sts.policy") | .details.http.too_large')" true \
		"endless: details.http.too_large"
	mode oversized "^$URL_RE: policy body larger than the 64 KiB cap$" "1 MiB is over the cap"
	mode length-short "^$URL_RE: invalid policy: line 2 has no ':' \\(\"mode\"\\)$" \
		"only the 20 bytes of the Content-Length count (the policy is cut)"
	is "$(jqr '.checks[] | select(.id == "mta_sts.policy") | .details.http.body_bytes')" 20 \
		"length-short: 20 body bytes taken"
	mode length-long "^$URL_RE: transfer failed: Operation timed out after [0-9]+ milliseconds with 68 out of 1000 bytes received$" \
		"68 of the 1000 bytes promised came"
	mode redirect-loop \
		"^$URL_RE answers HTTP 301 redirect to $URL_RE: redirects must not be followed \\(RFC 8461 §3\\.3\\)$" \
		"it redirects (to itself), which is not followed"
	mode stall \
		"^cannot fetch $URL_RE: TLS handshake with 127\\.0\\.30\\.2 not done within 2000 ms: nothing came back after our ClientHello$" \
		"the TLS handshake stalled"

	# A budget shorter than one step: -t ends the check, UNKNOWN, not CRITICAL for want of time.
	"$LAB_DIR/hostile" https length-long
	dp_check_within 3 "${ONLY[@]}" --step-timeout 10s glitter.kr
	is "$DP_RC" 3 "length-long, -t 3 with 10 s steps: exit 3 (UNKNOWN)"
	within_budget "length-long, -t 3" 3
	like "$(summaries_of mta_sts.policy)" 'not checked: budget exhausted' \
		"length-long, -t 3: mta_sts.policy not checked: budget exhausted (-t 3)"
	is "$(jqr '[.checks[] | select(.status == "CRITICAL")] | length')" 0 \
		"length-long, -t 3: nothing CRITICAL for want of time"
}

scenario t_hostile_https --fault hostile-https
finish
