#!/usr/bin/env bash
# System test of hostile SMTP servers (issue 13): port 25 of mail.glitter.kr (127.0.20.1 and ::1)
# is fixtures/lab/hostile/smtp_server.py (fault hostile-smtp:25), switched from mode to mode
# inside one lab with $LAB_DIR/hostile smtp MODE; port 587 stays Postfix, the control. For every
# mode, dane.tlsa and tls.cert name the endpoint and address and say what went wrong, the check
# ends within -t, by itself, with no sanitizer report.
. "$(dirname "$0")/lib.sh"

ONLY=(--only "dane.tlsa,tls.cert" --tlsa 587:mail.glitter.kr)
BUDGET=8

# mode MODE WHAT-ERE DESC : run the check against MODE, assert the findings on port 25
mode() {
	local m=$1 want=$2 desc=$3
	"$LAB_DIR/hostile" smtp "$m"
	dp_check_within "$BUDGET" "${ONLY[@]}" --step-timeout 2s glitter.kr
	is "$DP_RC" 2 "$m: exit 2 (CRITICAL)"
	within_budget "$m" "$BUDGET"
	is "$(status_of dane.tlsa '^25:mail\.glitter\.kr/127\.0\.20\.1$')" CRITICAL "$m: dane.tlsa 25 over IPv4 CRITICAL"
	like "$(summaries_of dane.tlsa '^25:mail\.glitter\.kr/127\.0\.20\.1$')" \
		"^25:mail\\.glitter\\.kr/127\\.0\\.20\\.1: $want" "$m: dane.tlsa names 127.0.20.1 and says $desc"
	like "$(summaries_of tls.cert '^25:mail\.glitter\.kr/::1$')" \
		"^25:mail\\.glitter\\.kr/::1: no certificate: $want" "$m: tls.cert names ::1 and says $desc"
	is "$(status_of dane.tlsa '^587:')" OK "$m: 587 (Postfix) unaffected"
}

t_hostile_smtp() {
	mode banner 'malformed SMTP greeting: reply of more than 64 lines' "the greeting never ends"
	mode drip 'no complete SMTP greeting within 2000 ms: only [0-9]+ bytes arrived' \
		"the greeting trickles in"
	is "$(jqr '.checks[] | select(.subject == "25:mail.glitter.kr/127.0.20.1" and .id == "dane.tlsa") | .details.connection.timed_out')" \
		true "drip: connection.timed_out"
	mode plaintext \
		'TLS handshake failed: the server answered with plaintext \("250 m\.\.\."\), not a TLS record' \
		"plaintext came back after STARTTLS"
	mode stall 'TLS handshake not done within 2000 ms: nothing came back after our ClientHello' \
		"the handshake stalled"
	is "$(jqr '.checks[] | select(.subject == "25:mail.glitter.kr/::1" and .id == "tls.cert") | .details.connection.step')" \
		handshake "stall: failed at the handshake step"
	mode ehlo-huge 'malformed reply to EHLO: reply of more than 64 lines' "the EHLO reply is too long"

	# A budget shorter than one step: -t ends the check, UNKNOWN, not CRITICAL for want of time.
	"$LAB_DIR/hostile" smtp stall
	dp_check_within 3 "${ONLY[@]}" --step-timeout 10s glitter.kr
	is "$DP_RC" 3 "stall, -t 3 with 10 s steps: exit 3 (UNKNOWN)"
	within_budget "stall, -t 3" 3
	like "$(summaries_of dane.tlsa '^(glitter\.kr|25:mail\.glitter\.kr/127\.0\.20\.1)$')" \
		'not checked: budget exhausted' "stall, -t 3: dane.tlsa of 25 not checked: budget exhausted"
	is "$(jqr '[.checks[] | select(.status == "CRITICAL")] | length')" 0 \
		"stall, -t 3: nothing CRITICAL for want of time"
}

scenario t_hostile_smtp --fault hostile-smtp:25
finish
