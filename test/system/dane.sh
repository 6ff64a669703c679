#!/usr/bin/env bash
# System tests of dane.tlsa and tls.cert against the lab's Postfix (25, 587) and nginx (443):
# healthy, and one mail/web fault per lab start. Facts are compared with what openssl and dig see.
. "$(dirname "$0")/lib.sh"

ONLY=dane.tlsa,tls.cert
EXTRA=(--tlsa 587:mail.glitter.kr --tlsa 443:captcha.glitter.kr)
MAIL_RE='^25:mail\.glitter\.kr/'

# hostport ADDR PORT : ADDR:PORT for openssl, IPv6 in brackets.
hostport() { case $1 in *:*) echo "[$1]:$2" ;; *) echo "$1:$2" ;; esac; }
# spki_of PORT HOST ADDR : SHA-256 of the SubjectPublicKeyInfo the server presents, per openssl.
spki_of() {
	local st=()
	[ "$1" = 25 ] || [ "$1" = 587 ] && st=(-starttls smtp)
	openssl s_client "${st[@]}" -connect "$(hostport "$3" "$1")" -servername "$2" </dev/null 2>/dev/null |
		openssl x509 -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1
}
# enddate_of PORT HOST ADDR : the presented certificate's notAfter as Unix seconds.
enddate_of() {
	local st=()
	[ "$1" = 25 ] || [ "$1" = 587 ] && st=(-starttls smtp)
	date -d "$(openssl s_client "${st[@]}" -connect "$(hostport "$3" "$1")" -servername "$2" </dev/null 2>/dev/null |
		openssl x509 -noout -enddate | cut -d= -f2)" +%s
}
# detail ID SUBJECT JQPATH : one value of one result's details.
detail() { jqr --arg id "$1" --arg s "$2" ".checks[]|select(.id==\$id and .subject==\$s)|.details$3"; }
count() { jqr --arg id "$1" --arg re "$2" '[.checks[]|select(.id==$id and (.subject|test($re)))]|length'; }

t_healthy() {
	local tlsa spki s na
	dp_check --only "$ONLY" "${EXTRA[@]}" glitter.kr
	is "$DP_RC" 0 "healthy: exit 0"
	[ "$DP_RC" = 0 ] || sed 's/^/# stderr: /' "$DP_ERR" | head -20
	is "$(status_of dane.tlsa)" OK "dane.tlsa OK"
	is "$(status_of tls.cert)" OK "tls.cert OK"
	# 25 and 587 on both addresses of mail, 443 on captcha: five results per check.
	is "$(count dane.tlsa '/')" 5 "dane.tlsa: one result per endpoint and address"
	is "$(count tls.cert '/')" 5 "tls.cert: one result per endpoint and address"
	for s in 25:mail.glitter.kr/127.0.20.1 25:mail.glitter.kr/::1 587:mail.glitter.kr/127.0.20.1 \
		587:mail.glitter.kr/::1 443:captcha.glitter.kr/127.0.30.1; do
		is "$(status_of dane.tlsa "^${s//./\\.}\$")" OK "dane.tlsa $s OK"
		is "$(detail dane.tlsa "$s" .tlsa_match)" true "$s: tlsa_match true"
		is "$(detail dane.tlsa "$s" .endpoint)" "${s%/*}" "$s: details.endpoint"
		is "$(detail dane.tlsa "$s" .address)" "${s#*/}" "$s: details.address"
		is "$(detail tls.cert "$s" .pkix_valid)" true "tls.cert $s: pkix_valid true"
		is "$(detail tls.cert "$s" .endpoint)" "${s%/*}" "tls.cert $s: details.endpoint"
	done
	# The matched record is the published 3 1 1, and it is the key openssl sees.
	tlsa=$(dig +short @"$LAB_RESOLVER" _25._tcp.mail.glitter.kr TLSA | tr -d ' ' | tr 'A-F' 'a-f')
	spki=$(spki_of 25 mail.glitter.kr 127.0.20.1)
	is "$tlsa" "311$spki" "lab: the published TLSA 3 1 1 is the SPKI digest openssl sees"
	is "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 .matched_record.record)" "3 1 1 $spki" \
		"details.matched_record is 3 1 1 with the SPKI digest"
	is "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 .spki_sha256)" "$spki" \
		"details.spki_sha256 is the presented key's digest"
	is "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 .certificate.spki_sha512)" \
		"$(openssl s_client -starttls smtp -connect 127.0.20.1:25 -servername mail.glitter.kr </dev/null 2>/dev/null |
			openssl x509 -noout -pubkey | openssl pkey -pubin -outform DER | sha512sum | cut -d' ' -f1)" \
		"details.certificate.spki_sha512 is the presented key's SHA-512 (TLSA x 1 2)"
	like "$(summaries_of dane.tlsa '^25:mail\.glitter\.kr/127\.0\.20\.1$')" \
		"^25:mail\.glitter\.kr/127\.0\.20\.1: TLSA 3 1 1 ${spki:0:16}\.\.\. \(DANE-EE\) matches" \
		"summary names endpoint, address and the matched record 3 1 1"
	is "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 .tlsa_security)" secure "TLSA RRset secure"
	is "$(detail dane.tlsa 25:mail.glitter.kr/::1 '.unmatched_records|length')" 0 \
		"no record left unmatched"
	is "$(detail dane.tlsa 443:captcha.glitter.kr/127.0.30.1 .spki_sha256)" \
		"$(spki_of 443 captcha.glitter.kr 127.0.30.1)" "captcha's key as openssl sees it"
	# tls.cert: notAfter as openssl reads it, an integer, and the time left from it.
	na=$(enddate_of 587 mail.glitter.kr ::1)
	is "$(detail tls.cert 587:mail.glitter.kr/::1 .not_after)" "$na" "not_after is the notAfter openssl reads"
	like "$(detail tls.cert 587:mail.glitter.kr/::1 .remaining_seconds)" '^[0-9]+$' "remaining_seconds"
	is "$(detail tls.cert 587:mail.glitter.kr/::1 .pkix_error)" null "no pkix_error when valid"
	like "$(summaries_of tls.cert '^443:captcha')" 'PKIX-valid for captcha\.glitter\.kr, expires in' \
		"tls.cert summary"
	# Handshakes in the lab are quick, and measured.
	like "$(jqr '[.checks[]|select(.id=="dane.tlsa")|.details.connection.handshake_seconds]|max < 1')" \
		true "every handshake within a second"
	jqr '.checks[]|select(.id=="dane.tlsa")|"# handshake \(.subject): \(.details.connection.handshake_seconds*1000|floor) ms, total \(.details.connection.total_seconds*1000|floor) ms"'
	# Without --tlsa: 25 always; 587 found by its TLSA; 443 not asked for.
	dp_check --only dane.tlsa glitter.kr
	is "$(count dane.tlsa '^587:')" 2 "587 of the MX host found by its TLSA record"
	is "$(count dane.tlsa '^443:')" 0 "443 only when asked for"
	# Nagios perfdata carries the nearest certificate expiry.
	local nag
	nag=$("$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" --ca-file "$LAB_CA" --only tls.cert -o nagios glitter.kr)
	like "$(head -1 <<<"$nag")" "^DNSPROBE OK .*\| .*cert_min_remaining=[0-9]+s" "nagios perfdata cert_min_remaining"
	# --at: a year and a half from now the certificates have expired.
	dp_check --only tls.cert --at +550d glitter.kr
	is "$(status_of tls.cert)" CRITICAL "--at +550d: tls.cert CRITICAL"
	like "$(summaries_of tls.cert "$MAIL_RE")" 'expired .* as of --at' "summary says expired as of --at"
	# Without the lab CA the chain is not trusted: PKIX fails, DANE-EE still matches.
	"$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" --only "$ONLY" -o json glitter.kr >"$DP_OUT" 2>"$DP_ERR"
	is "$(status_of tls.cert)" CRITICAL "without --ca-file: tls.cert CRITICAL"
	like "$(detail tls.cert 25:mail.glitter.kr/127.0.20.1 .pkix_error)" 'local issuer' \
		"pkix_error is OpenSSL's verify error"
	is "$(status_of dane.tlsa)" OK "without --ca-file: dane.tlsa still OK (DANE-EE needs no CA)"
}

t_mismatch_25() {
	local spki
	dp_check --only "$ONLY" "${EXTRA[@]}" glitter.kr
	spki=$(spki_of 25 mail.glitter.kr 127.0.20.1)
	is "$DP_RC" 2 "tlsa-mismatch:25: exit 2"
	is "$(status_of dane.tlsa "$MAIL_RE")" CRITICAL "dane.tlsa 25 CRITICAL"
	is "$(count dane.tlsa "$MAIL_RE")" 2 "both addresses of 25:mail judged"
	like "$(summaries_of dane.tlsa '^25:mail\.glitter\.kr/::1$')" \
		"^25:mail\.glitter\.kr/::1: no TLSA record at _25\._tcp\.mail\.glitter\.kr matches .*SPKI SHA-256 $spki" \
		"summary names endpoint, address and the presented SPKI digest"
	is "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 .tlsa_match)" false "tlsa_match false"
	is "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 '.unmatched_records|length')" 1 \
		"the record is listed as matching nothing"
	is "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 '.records[0].state')" "no match" \
		"the record's own verdict is no match"
	like "$(jqr '.checks[]|select(.id=="dane.tlsa" and .subject=="25:mail.glitter.kr/127.0.20.1")|.fix|join("|")')" \
		"^_25\\._tcp\\.mail\\.glitter\\.kr\\. [0-9]+ IN TLSA 3 1 1 $spki\$" \
		"fix: the zone-file line with the served SPKI (as openssl computes it)"
	is "$(jqr '[.checks[]|select(.id=="dane.tlsa" and (.subject|test("^(587|443):")))|.fix]|map(select(. != null))|length')" 0 \
		"no fix on the endpoints that match"
	is "$(status_of dane.tlsa '^587:')" OK "587 unaffected"
	is "$(status_of dane.tlsa '^443:')" OK "443 unaffected"
	is "$(status_of tls.cert)" OK "tls.cert OK: the new certificate is PKIX-valid"
}

t_mismatch_443() {
	dp_check --only "$ONLY" "${EXTRA[@]}" glitter.kr
	is "$DP_RC" 2 "tlsa-mismatch:443: exit 2"
	is "$(status_of dane.tlsa '^443:captcha\.glitter\.kr/127\.0\.30\.1$')" CRITICAL "443:captcha CRITICAL"
	like "$(summaries_of dane.tlsa '^443:')" \
		"^443:captcha\.glitter\.kr/127\.0\.30\.1: no TLSA record .* \(SPKI SHA-256 $(spki_of 443 captcha.glitter.kr 127.0.30.1);" \
		"summary names the presented digest"
	is "$(status_of dane.tlsa "$MAIL_RE")" OK "mail unaffected"
}

t_rollover() {
	dp_check --only "$ONLY" "${EXTRA[@]}" glitter.kr
	is "$DP_RC" 0 "tlsa-rollover: exit 0"
	is "$(status_of dane.tlsa)" OK "current and next key published: OK"
	is "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 '.records|length')" 2 "two records"
	is "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 '.unmatched_records|length')" 1 \
		"the next key's record matches nothing (yet)"
	like "$(summaries_of dane.tlsa '^443:')" 'matches the certificate at depth 0; matching nothing: 3 1 1 ' \
		"summary lists the record that matched nothing"
	dp_check --only dane.tlsa --cert-warn 3650d glitter.kr
	is "$(jqr '[.checks[]|select(.id=="dane.tlsa")|.details.prepublish]|unique|join(",")')" "" \
		"certificates within --cert-warn but the next key is published: no renewal note"
}

t_insecure() {
	dp_check --only "$ONLY" "${EXTRA[@]}" glitter.kr
	is "$DP_RC" 2 "tlsa-insecure: exit 2"
	is "$(status_of dane.tlsa)" CRITICAL "dane.tlsa CRITICAL everywhere"
	is "$(count dane.tlsa '/')" 5 "every endpoint and address judged"
	like "$(summaries_of dane.tlsa '^25:mail\.glitter\.kr/127')" \
		'DANE unusable: the TLSA RRset at _25\._tcp\.mail\.glitter\.kr is insecure' "summary says DANE unusable"
	is "$(detail dane.tlsa 443:captcha.glitter.kr/127.0.30.1 .tlsa_security)" insecure "tlsa_security insecure"
	is "$(detail dane.tlsa 443:captcha.glitter.kr/127.0.30.1 .tlsa_match)" false "tlsa_match false"
	is "$(status_of tls.cert)" OK "tls.cert does not depend on DNSSEC"
}

t_no_starttls() {
	dp_check --only "$ONLY" "${EXTRA[@]}" glitter.kr
	is "$DP_RC" 2 "no-starttls:25: exit 2"
	is "$(status_of dane.tlsa "$MAIL_RE")" CRITICAL "dane.tlsa 25 CRITICAL"
	like "$(summaries_of dane.tlsa '^25:mail\.glitter\.kr/127\.0\.20\.1$')" \
		'^25:mail\.glitter\.kr/127\.0\.20\.1: STARTTLS not offered' "summary names the address and STARTTLS"
	is "$(detail dane.tlsa 25:mail.glitter.kr/::1 .connection.step)" EHLO "failed at the EHLO step"
	is "$(detail dane.tlsa 25:mail.glitter.kr/::1 .connection.starttls_offered)" false "starttls_offered false"
	is "$(status_of tls.cert "$MAIL_RE")" CRITICAL "tls.cert 25 CRITICAL: no certificate"
	is "$(status_of dane.tlsa '^587:')" OK "587 unaffected"
}

t_silent_587() {
	local t0=$SECONDS
	dp_check --only "$ONLY" --step-timeout 2s "${EXTRA[@]}" glitter.kr
	is "$DP_RC" 2 "silent-smtp:587: exit 2"
	ok_desc "a silent server costs one step timeout, not a hang" test $((SECONDS - t0)) -le 8
	is "$(status_of dane.tlsa '^587:mail\.glitter\.kr/::1$')" CRITICAL "dane.tlsa 587 CRITICAL"
	like "$(summaries_of dane.tlsa '^587:mail\.glitter\.kr/127\.0\.20\.1$')" \
		'^587:mail\.glitter\.kr/127\.0\.20\.1: no SMTP greeting within 2000 ms' "summary: no greeting within the timeout"
	is "$(detail tls.cert 587:mail.glitter.kr/::1 .connection.timed_out)" true "tls.cert: timed out"
	is "$(status_of dane.tlsa "$MAIL_RE")" OK "25 unaffected"
}

# The issue's own pair, in one lab: 587 without STARTTLS, 25 silent (the MX's port, so also the
# check that runs without any --tlsa).
t_pair_587_25() {
	local t0=$SECONDS
	dp_check --only "$ONLY" --step-timeout 2s "${EXTRA[@]}" glitter.kr
	is "$DP_RC" 2 "no-starttls:587 + silent-smtp:25: exit 2"
	ok_desc "silent port 25 costs one step timeout, not a hang" test $((SECONDS - t0)) -le 8
	like "$(summaries_of dane.tlsa '^587:mail\.glitter\.kr/127\.0\.20\.1$')" \
		'^587:mail\.glitter\.kr/127\.0\.20\.1: STARTTLS not offered' "587: STARTTLS not offered, naming the address"
	is "$(status_of dane.tlsa '^587:mail\.glitter\.kr/::1$')" CRITICAL "587 over ::1 CRITICAL too"
	like "$(summaries_of dane.tlsa '^25:mail\.glitter\.kr/::1$')" \
		'^25:mail\.glitter\.kr/::1: no SMTP greeting within 2000 ms' "25: no greeting within the timeout, naming ::1"
	is "$(status_of dane.tlsa "$MAIL_RE")" CRITICAL "dane.tlsa 25 CRITICAL"
	is "$(status_of tls.cert '^443:')" OK "443 unaffected"
}

t_expiring() {
	dp_check --only "$ONLY" "${EXTRA[@]}" glitter.kr
	is "$DP_RC" 1 "cert-expiring: exit 1"
	is "$(status_of tls.cert "$MAIL_RE")" WARNING "tls.cert 25 WARNING"
	is "$(status_of tls.cert '^587:')" WARNING "tls.cert 587 WARNING"
	is "$(status_of tls.cert '^443:')" OK "443 unaffected"
	like "$(summaries_of tls.cert '^25:mail\.glitter\.kr/::1$')" 'expires in [45]d.*within --cert-warn 14d' \
		"summary: expires in days, within --cert-warn"
	is "$(status_of dane.tlsa)" OK "dane.tlsa stays OK (same key)"
	like "$(summaries_of dane.tlsa '^25:mail\.glitter\.kr/127\.0\.20\.1$')" \
		'; note: the certificate expires in [45]d.*, within --cert-warn 14d.* and the TLSA RRset pins only its current key: a renewal with a new key breaks DANE; publish the next record first' \
		"dane.tlsa: a note ahead of the renewal (one 3 1 1 record, no DANE-TA)"
	like "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 .prepublish)" \
		'^_25\._tcp\.mail\.glitter\.kr\. [0-9]+ IN TLSA 3 1 1 <SHA-256 of the next key.s SPKI>$' \
		"details.prepublish: the record to publish first (the server sends no issuer: a 3 1 1 template)"
	like "$(detail dane.tlsa 587:mail.glitter.kr/::1 .prepublish)" '^_587\._tcp\.mail\.glitter\.kr\. ' \
		"587 too (same certificate)"
	is "$(detail dane.tlsa 443:captcha.glitter.kr/127.0.30.1 .prepublish)" null \
		"443 (certificate far from expiry): no note"
	like "$(detail tls.cert 25:mail.glitter.kr/::1 '.remaining_seconds < 5*86400')" true "under 5 days left"
	dp_check --only tls.cert --cert-warn 3d --cert-crit 1d glitter.kr
	is "$(status_of tls.cert)" OK "--cert-warn 3d: OK"
	dp_check --only tls.cert --cert-warn 30d --cert-crit 6d glitter.kr
	is "$(status_of tls.cert "$MAIL_RE")" CRITICAL "--cert-crit 6d: CRITICAL"
}

t_expired() {
	dp_check --only "$ONLY" "${EXTRA[@]}" glitter.kr
	is "$DP_RC" 2 "cert-expired: exit 2"
	is "$(status_of tls.cert "$MAIL_RE")" CRITICAL "tls.cert 25 CRITICAL"
	is "$(detail tls.cert 25:mail.glitter.kr/127.0.20.1 .pkix_valid)" false "pkix_valid false"
	is "$(detail tls.cert 25:mail.glitter.kr/127.0.20.1 .pkix_error)" "certificate has expired" \
		"pkix_error: certificate has expired"
	is "$(detail tls.cert 25:mail.glitter.kr/127.0.20.1 .not_after)" "$(enddate_of 25 mail.glitter.kr 127.0.20.1)" \
		"not_after reported although expired"
	like "$(detail tls.cert 25:mail.glitter.kr/127.0.20.1 .remaining_seconds)" '^-' "remaining_seconds negative"
	is "$(status_of dane.tlsa)" OK "dane.tlsa OK: DANE-EE ignores expiry (RFC 7672 §3.1.1)"
}

t_dane_ta() {
	dp_check --only "$ONLY" "${EXTRA[@]}" glitter.kr
	is "$DP_RC" 0 "dane-ta: exit 0"
	is "$(status_of dane.tlsa "$MAIL_RE")" OK "2 0 1 on 25 OK"
	is "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 .matched_record.usage)" 2 "matched usage 2 (DANE-TA)"
	is "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 .matched_record.depth)" 1 "matched at depth 1 (the CA)"
	is "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 .matched_record.data)" \
		"$(openssl x509 -in "$LAB_CA" -outform DER | sha256sum | cut -d' ' -f1)" "the record is the lab CA's digest"
	like "$(summaries_of dane.tlsa '^25:mail\.glitter\.kr/::1$')" 'TLSA 2 0 1 .* \(DANE-TA\) matches the certificate at depth 1' \
		"summary names the DANE-TA match"
	is "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 .certificate.issuer_spki_sha256)" \
		"$(openssl x509 -in "$LAB_CA" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)" \
		"details: the issuer's SPKI digest, from the chain the server sends"
	dp_check --only dane.tlsa --cert-warn 3650d glitter.kr
	is "$(detail dane.tlsa 25:mail.glitter.kr/127.0.20.1 .prepublish)" null \
		"within --cert-warn but a DANE-TA record pins the issuer: no renewal note"
	like "$(detail dane.tlsa 587:mail.glitter.kr/127.0.20.1 .prepublish)" \
		"^_587\\._tcp\\.mail\\.glitter\\.kr\\. [0-9]+ IN TLSA 2 1 1 $(openssl x509 -in "$LAB_CA" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)\$" \
		"587 (3 1 1 only, the full chain sent): the issuer's 2 1 1 to pre-publish"
}

scenario t_healthy
scenario t_mismatch_25 --fault tlsa-mismatch:25
scenario t_mismatch_443 --fault tlsa-mismatch:443
scenario t_rollover --fault tlsa-rollover
scenario t_insecure --fault tlsa-insecure
scenario t_no_starttls --fault no-starttls:25
scenario t_silent_587 --fault silent-smtp:587
scenario t_pair_587_25 --fault no-starttls:587 --fault silent-smtp:25
scenario t_expiring --fault cert-expiring
scenario t_expired --fault cert-expired
scenario t_dane_ta --fault dane-ta
finish
