#!/usr/bin/env bash
# dashboards/alertmanager.yml: amtool check-config, then a real Alertmanager (in a private
# network namespace, on 127.0.0.1) given the alerts of a few incidents: the inhibition rules
# must leave exactly the leading alert of each one active.
set -u
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$SRCDIR" || exit 1
conf=${AM_CONFIG:-dashboards/alertmanager.yml}
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
	[ -z "${2-}" ] || printf '%s\n' "$2" | head -20 | sed 's/^/#   /'
}

if ! command -v amtool >/dev/null || ! command -v prometheus-alertmanager >/dev/null; then
	echo "1..0 # SKIP amtool/prometheus-alertmanager not installed (package prometheus-alertmanager)"
	exit 0
fi
if [ -z "${DP_AM_INSIDE:-}" ]; then
	out=$(amtool check-config "$conf" 2>&1) && ok "amtool check-config $conf" || nok "amtool check-config $conf" "$out"
	grep -q ' 4 inhibit rules' <<<"$out" && ok "$conf has its 4 inhibit rules" || nok "$conf has its 4 inhibit rules" "$out"
fi

# Inside a new network namespace (only its own loopback): no port clash, no traffic out.
if [ -z "${DP_AM_INSIDE:-}" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "ok $((n + 1)) - inhibition with a live Alertmanager # SKIP needs root (unshare -n)"
		echo "1..$((n + 1))"
		[ "$fails" -eq 0 ]
		exit
	fi
	inner=$(DP_AM_INSIDE=1 AM_CONFIG="$conf" N0=$n unshare -n bash "$0" 2>&1)
	rc=$?
	printf '%s\n' "$inner" | sed -n '/^\(not \)\?ok \|^#/p'
	m=$(printf '%s\n' "$inner" | grep -c '^\(not \)\?ok ' || true)
	f=$(printf '%s\n' "$inner" | grep -c '^not ok ' || true)
	n=$((n + m))
	fails=$((fails + f))
	[ "$m" -gt 0 ] || nok "the Alertmanager scenario ran (exit $rc)" "$inner"
	echo "1..$n"
	[ "$fails" -eq 0 ]
	exit
fi

# ---- inside the namespace
n=${N0:-0}
ip link set lo up
tmp=$(mktemp -d /tmp/dp-am.XXXXXX)
prometheus-alertmanager --config.file="$conf" --storage.path="$tmp" \
	--web.listen-address=127.0.0.1:9093 --cluster.listen-address= >"$tmp/am.log" 2>&1 &
am=$!
trap 'kill "$am" 2>/dev/null; wait "$am" 2>/dev/null; rm -rf "$tmp"' EXIT
url=http://127.0.0.1:9093
for _ in $(seq 1 100); do
	curl -fsS "$url/-/ready" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fsS "$url/-/ready" >/dev/null 2>&1 && ok "Alertmanager is ready" || { nok "Alertmanager is ready" "$(tail "$tmp/am.log")"; exit 1; }

# alert NAME SEVERITY DOMAIN CHECK : one alert as Prometheus sends it (labels; ends in an hour).
alerts='[]'
alert() {
	alerts=$(jq -c --arg a "$1" --arg s "$2" --arg d "$3" --arg c "$4" --arg e "$(date -u -d '+1 hour' +%FT%TZ)" \
		'. + [{labels: ({alertname: $a, severity: $s} + (if $d != "" then {domain: $d} else {} end)
		  + (if $c != "" then {check: $c} else {} end)), endsAt: $e}]' <<<"$alerts")
}
# 1. a CRITICAL check inhibits its own WARNING (same domain and check only)
alert DnsprobeCheckCritical critical glitter.kr dnssec.rrsig_expiry
alert DnsprobeRRSIGExpiring warning glitter.kr dnssec.rrsig_expiry
alert DnsprobeCheckWarning warning other.kr dnssec.rrsig_expiry
alert DnsprobeCheckWarning warning glitter.kr ns.soa_serial
# 2. a broken chain of trust inhibits what follows from it
alert DnsprobeCheckCritical critical b.kr dnssec.chain
alert DnsprobeCheckCritical critical b.kr dane.tlsa
alert DnsprobeCheckWarning warning b.kr tls_rpt
alert DnsprobeRRSIGExpiryCritical critical b.kr dnssec.rrsig_expiry
alert DnsprobeCheckCritical critical b.kr mta_sts.policy
# 3. a domain whose servers do not answer inhibits its other alerts
alert DnsprobeDomainNotAnswering critical e.kr ""
alert DnsprobeCheckCritical critical e.kr ns.soa_serial
alert DnsprobeCheckCritical critical e.kr dnssec.chain
alert DnsprobeCheckCritical critical e.kr dane.tlsa
# 4. a server down (ns.soa_serial CRITICAL) inhibits the hygiene checks' "not checked" alerts
alert DnsprobeCheckCritical critical d.kr ns.soa_serial
alert DnsprobeCheckUnknown warning d.kr ns.hygiene.edns
alert DnsprobeCheckWarning warning d.kr ns.hygiene.zone_transfer
alert DnsprobeCheckUnknown warning f.kr ns.hygiene.recursion
# monitor alerts have no domain: never inhibited by a domain's
alert DnsprobeMonitorAbsent critical "" ""
alert DnsprobeConfigReloadFailed warning "" ""
out=$(curl -fsS -H 'Content-Type: application/json' -d "$alerts" "$url/api/v2/alerts" 2>&1) &&
	ok "Alertmanager accepts the $(jq length <<<"$alerts") alerts" || nok "Alertmanager accepts the alerts" "$out"

want='DnsprobeCheckCritical glitter.kr dnssec.rrsig_expiry active
DnsprobeRRSIGExpiring glitter.kr dnssec.rrsig_expiry suppressed
DnsprobeCheckWarning other.kr dnssec.rrsig_expiry active
DnsprobeCheckWarning glitter.kr ns.soa_serial active
DnsprobeCheckCritical b.kr dnssec.chain active
DnsprobeCheckCritical b.kr dane.tlsa suppressed
DnsprobeCheckWarning b.kr tls_rpt suppressed
DnsprobeRRSIGExpiryCritical b.kr dnssec.rrsig_expiry suppressed
DnsprobeCheckCritical b.kr mta_sts.policy active
DnsprobeDomainNotAnswering e.kr - active
DnsprobeCheckCritical e.kr ns.soa_serial suppressed
DnsprobeCheckCritical e.kr dnssec.chain suppressed
DnsprobeCheckCritical e.kr dane.tlsa suppressed
DnsprobeCheckCritical d.kr ns.soa_serial active
DnsprobeCheckUnknown d.kr ns.hygiene.edns suppressed
DnsprobeCheckWarning d.kr ns.hygiene.zone_transfer active
DnsprobeCheckUnknown f.kr ns.hygiene.recursion active
DnsprobeMonitorAbsent - - active
DnsprobeConfigReloadFailed - - active'
states() {
	curl -fsS "$url/api/v2/alerts" 2>/dev/null | jq -r '.[] | "\(.labels.alertname) \(.labels.domain // "-") \(.labels.check // "-") \(.status.state)"' | sort
}
# The inhibitor learns source alerts asynchronously: wait until the states settle.
for _ in $(seq 1 50); do
	[ "$(states)" = "$(sort <<<"$want")" ] && break
	sleep 0.2
done
got=$(states)
while IFS= read -r line; do
	key=${line% *}
	st=$(grep -F "$key " <<<"$got" | awk '{ print $4 }')
	[ "$st" = "${line##* }" ] && ok "$key: ${line##* }" || nok "$key: ${line##* }" "got: ${st:-missing}"
done <<<"$want"
[ "$(grep -c ' active$' <<<"$got")" -eq 11 ] && ok "11 of the 19 alerts stay active" ||
	nok "11 of the 19 alerts stay active" "$got"
