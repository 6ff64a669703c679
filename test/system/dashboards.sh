#!/usr/bin/env bash
# The dashboard and the alert rules against a real scrape: every metric they query is in what the
# monitor exports for glitter.kr in the lab, the rules evaluate on it, and the check CLI agrees.
# DNSPROBE may point at a packaged binary (packaging/test-deb does so).
. "$(dirname "$0")/lib.sh"

PORT=9862
URL=http://127.0.0.1:$PORT
scrape() { curl -fsS "$URL/metrics" >"$DP_TMP/metrics.txt" 2>/dev/null; }
has() { scrape && grep -Eq -- "$1" "$DP_TMP/metrics.txt"; }

t_scrape() {
	local c=$DP_TMP/dnsprobe.yml pid m exported used link
	dp_check --tlsa 587:mail.glitter.kr --tlsa 443:captcha.glitter.kr glitter.kr
	is "$DP_RC" 0 "dnsprobe check glitter.kr exits 0"
	cat >"$c" <<YML
listen: 127.0.0.1:$PORT
interval: 10s
trust_anchor: $LAB_TA
root_hints: $LAB_HINTS
ca_file: $LAB_CA
domains:
  - name: glitter.kr
    tlsa: ["587:mail.glitter.kr", "443:captcha.glitter.kr"]
    thresholds: {rrsig_warn: 96h, cert_crit: 5d}
YML
	ok_desc "monitor -n accepts the config" "$DNSPROBE" monitor -n -c "$c"
	"$DNSPROBE" monitor -c "$c" 2>"$DP_TMP/monitor.log" &
	pid=$!
	ok_desc "a first run of glitter.kr is published" \
		wait_until 90 has '^dnsprobe_last_run_timestamp_seconds\{domain="glitter.kr"\} [0-9.e+]+$'
	# Certificates and TLSA come from a later part of the run than the status lines: wait for them.
	ok_desc "certificate expiry is exported" \
		wait_until 30 has '^dnsprobe_tls_cert_expiry_timestamp_seconds\{'
	scrape
	ok_desc "the scrape has samples" grep -q '^dnsprobe_' "$DP_TMP/metrics.txt"
	exported=$(grep -o '^[a-z_]*' "$DP_TMP/metrics.txt" | sort -u)
	used=$( (jq -r '.panels[].targets[].expr' "$SRCDIR/dashboards/dnsprobe.json"
		sed -n 's/^ *expr: //p' "$SRCDIR/dashboards/alerts.yml") | grep -o 'dnsprobe_[a-z_]*' | sort -u)
	# The domain's own thresholds reach the alert rules (dnsprobe_threshold_seconds), in /metrics
	# and in /probe.
	like "$(cat "$DP_TMP/metrics.txt")" 'dnsprobe_threshold_seconds\{domain="glitter.kr",kind="rrsig_warn"\} 345600' \
		"/metrics exports the domain's rrsig_warn (96h)"
	like "$(cat "$DP_TMP/metrics.txt")" 'dnsprobe_threshold_seconds\{domain="glitter.kr",kind="rrsig_crit"\} 86400' \
		"/metrics exports the default rrsig_crit (24h)"
	like "$(cat "$DP_TMP/metrics.txt")" 'dnsprobe_threshold_seconds\{domain="glitter.kr",kind="cert_crit"\} 432000' \
		"/metrics exports the domain's cert_crit (5d)"
	like "$(cat "$DP_TMP/metrics.txt")" 'dnsprobe_interval_seconds\{domain="glitter.kr"\} 10' \
		"/metrics exports the interval"
	curl -fsS "$URL/probe?target=glitter.kr&check=caa" >"$DP_TMP/probe.txt" 2>/dev/null
	like "$(cat "$DP_TMP/probe.txt")" 'dnsprobe_threshold_seconds\{domain="glitter.kr",kind="rrsig_warn"\} 345600' \
		"/probe exports the domain's thresholds too"
	# The dashboard's per-domain link, filled in as Grafana does for this row, opens the domain's
	# page on this monitor.
	link=$(jq -r '[.. | objects | select(.id? == "links") | .value[]? | .url | select(test("/domain/"))][0] // ""' \
		"$SRCDIR/dashboards/dnsprobe.json")
	link=${link//'${__data.fields.monitor}'/127.0.0.1:$PORT}
	link=${link//'${__data.fields.domain}'/glitter.kr}
	is "$link" "$URL/domain/glitter.kr" "the dashboard's domain link is the monitor's /domain/NAME page"
	like "$(curl -fsS "$link" 2>/dev/null)" 'glitter\.kr.*dnssec\.chain' \
		"the domain link opens glitter.kr's full report"
	for m in $used; do
		printf '%s\n' $exported | grep -qx "$m" && _tap ok "the scrape has $m" ||
			_tap fail "the scrape has $m" "$(head -c 600 "$DP_TMP/metrics.txt")"
	done
	# The alert expressions evaluate on this scrape: nothing fires on a healthy lab.
	if command -v promtool >/dev/null && grep -q '^dnsprobe_' "$DP_TMP/metrics.txt"; then
		ok_desc "promtool check metrics is clean" promtool check metrics <"$DP_TMP/metrics.txt"
		fired=$(awk -v now="$(date +%s)" '
			/^dnsprobe_check_status\{/ && $2 != 0 { print "status " $1 }
			/^dnsprobe_rrsig_expiry_timestamp_seconds\{/ && $2 - now < 72 * 3600 { print "rrsig " $1 }
			/^dnsprobe_tls_cert_expiry_timestamp_seconds\{/ && $2 - now < 14 * 86400 { print "cert " $1 }
			/^dnsprobe_tlsa_match\{/ && $2 == 0 { print "tlsa " $1 }
			/^dnsprobe_mta_sts_policy_valid\{/ && $2 == 0 { print "mta-sts " $1 }' "$DP_TMP/metrics.txt")
		is "$fired" "" "no alert condition holds on the healthy lab"
	fi
	kill -TERM "$pid"
	wait "$pid"
	is "$?" 0 "the monitor stops cleanly on SIGTERM"
}

# One fault the alerts must see: a secondary left behind shows in dnsprobe_soa_serial.
t_stale() {
	local c=$DP_TMP/dnsprobe.yml pid low high
	printf 'listen: 127.0.0.1:%s\ninterval: 5s\ntrust_anchor: %s\nroot_hints: %s\nca_file: %s\ndomains:\n  - name: glitter.kr\n    only: ns.soa_serial\n' \
		"$PORT" "$LAB_TA" "$LAB_HINTS" "$LAB_CA" >"$c"
	"$DNSPROBE" monitor -c "$c" 2>"$DP_TMP/monitor.log" &
	pid=$!
	ok_desc "ns3's serial lags in the scrape" wait_until 90 has \
		'^dnsprobe_check_status\{domain="glitter.kr",check="ns.soa_serial",subject="ns3.glitter.kr/127.0.10.3"\} 1'
	low=$(grep '^dnsprobe_soa_serial{.*address="127.0.10.3"' "$DP_TMP/metrics.txt" | awk '{ print $2 }')
	high=$(grep '^dnsprobe_soa_serial{.*address="127.0.10.1"' "$DP_TMP/metrics.txt" | awk '{ print $2 }')
	like "$low $high" '^[0-9.e+]+ [0-9.e+]+$' "both serials exported"
	ok_desc "the DnsprobeSOASerialDisagreement condition holds (ns3 < newest)" \
		awk -v l="$low" -v h="$high" 'BEGIN { exit !(l + 0 < h + 0) }'
	kill -TERM "$pid"
	wait "$pid"
}

scenario t_scrape
scenario t_stale --fault stale-secondary:ns3
finish
