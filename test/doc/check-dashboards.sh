#!/usr/bin/env bash
# The Grafana dashboard and the alert rules: valid JSON and PromQL, promtool-clean rules whose unit
# tests pass, and every metric they query exported by the code (documented in dnsprobe(1) while the
# monitor does not export any yet).
set -u
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$SRCDIR" || exit 1
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
	[ -z "${2-}" ] || printf '%s\n' "$2" | head -20 | sed 's/^/#   /'
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
tmp=$(mktemp -d /tmp/dp-dash.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

dash=dashboards/dnsprobe.json
rules=dashboards/alerts.yml

# 1. The dashboard is JSON with the variables operators select with.
if jq -e . "$dash" >/dev/null 2>&1; then ok "$dash is valid JSON"; else nok "$dash is valid JSON"; fi
for v in datasource domain; do
	jq -e --arg v "$v" '.templating.list[] | select(.name == $v)' "$dash" >/dev/null 2>&1 &&
		ok "$dash has the \$$v variable" || nok "$dash has the \$$v variable"
done
bad=$(jq -r '.panels[] | select([.datasource.uid, .targets[].datasource.uid] | any(. != "${datasource}")) | .title' "$dash")
[ -z "$bad" ] && ok "every panel queries \${datasource}" || nok "every panel queries \${datasource}" "$bad"
jq -r '.panels[].targets[].expr' "$dash" >"$tmp/exprs"
[ -s "$tmp/exprs" ] && ok "$dash has queries" || nok "$dash has queries"

# 2. Every panel query is valid PromQL: promtool checks them as recording rules (variables
#    replaced by a regex that matches anything).
if command -v promtool >/dev/null; then
	{
		echo "groups:"
		echo "  - name: dashboard"
		echo "    rules:"
		i=0
		while IFS= read -r e; do
			i=$((i + 1))
			e=${e//\$domain/.*}
			e=${e//\$endpoint/.*}
			printf '      - record: dashboard:panel_%d\n        expr: %s\n' "$i" "$(jq -Rn --arg e "$e" '$e')"
		done <"$tmp/exprs"
	} >"$tmp/panels.yml"
	out=$(promtool check rules "$tmp/panels.yml" 2>&1) && ok "every dashboard query is valid PromQL" ||
		nok "every dashboard query is valid PromQL" "$out"
	out=$(promtool check rules "$rules" 2>&1) && ok "promtool check rules $rules" ||
		nok "promtool check rules $rules" "$out"
	out=$(promtool test rules dashboards/alerts.test.yml 2>&1) && ok "promtool test rules dashboards/alerts.test.yml" ||
		nok "promtool test rules dashboards/alerts.test.yml" "$out"
else
	skip "dashboard queries and alert rules checked by promtool" "promtool not installed (package prometheus)"
fi

# 3. Metric names: what the dashboard and the rules query must exist.
code=$(grep -ho '"dnsprobe_[a-z_]*' src/*/*.c probes/*.c 2>/dev/null | tr -d '"' | sort -u)
documented=$(awk '/^\.SH METRICS/ { m = 1; next } /^\.SH/ { m = 0 } m && prev == ".TP" { print $2 } { prev = $0 }' \
	packaging/dnsprobe.1 | sort -u)
used=$( (cat "$tmp/exprs"; sed -n 's/^ *expr: //p' "$rules") | grep -o 'dnsprobe_[a-z_]*' | sort -u)
[ -n "$documented" ] && ok "dnsprobe(1) lists metrics" || nok "dnsprobe(1) lists metrics"
for m in $used; do
	printf '%s\n' $documented | grep -qx "$m" && ok "$m is documented in dnsprobe(1)" ||
		nok "$m is documented in dnsprobe(1)"
	if [ -z "$code" ]; then
		skip "$m is exported by the code" "no metric in src/*/*.c yet (the monitor, issue 8)"
	else
		printf '%s\n' $code | grep -qx "$m" && ok "$m is exported by the code" ||
			nok "$m is exported by the code"
	fi
done
# ... and every metric of the contract (SPEC §5) is on the dashboard or in an alert.
spec="dnsprobe_check_status dnsprobe_check_duration_seconds dnsprobe_last_run_timestamp_seconds
dnsprobe_rrsig_expiry_timestamp_seconds dnsprobe_soa_serial dnsprobe_dnssec_secure dnsprobe_tlsa_match
dnsprobe_tls_cert_expiry_timestamp_seconds dnsprobe_mta_sts_policy_valid dnsprobe_build_info"
for m in $spec; do
	printf '%s\n' $used | grep -qx "$m" && ok "$m is used by the dashboard or the alerts" ||
		nok "$m is used by the dashboard or the alerts"
done

echo "1..$n"
[ "$fails" -eq 0 ]
