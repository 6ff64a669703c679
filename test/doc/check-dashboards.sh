#!/usr/bin/env bash
# The Grafana dashboard and the alert rules: valid JSON and PromQL, promtool-clean rules whose unit
# tests pass (the storm test naming every alert), runbook_url anchors that exist in docs/checks.md,
# job/instance selectors on every dashboard query, and every metric they query exported by the
# code and documented in dnsprobe(1).
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
for v in datasource job instance domain; do
	jq -e --arg v "$v" '.templating.list[] | select(.name == $v)' "$dash" >/dev/null 2>&1 &&
		ok "$dash has the \$$v variable" || nok "$dash has the \$$v variable"
done
bad=$(jq -r '.panels[] | select([.datasource.uid, .targets[].datasource.uid] | any(. != "${datasource}")) | .title' "$dash")
[ -z "$bad" ] && ok "every panel queries \${datasource}" || nok "every panel queries \${datasource}" "$bad"
jq -r '.panels[].targets[].expr' "$dash" >"$tmp/exprs"
[ -s "$tmp/exprs" ] && ok "$dash has queries" || nok "$dash has queries"
# No doubled tables: one job at a time (the /metrics and /probe jobs export the same results),
# and every selector of a dnsprobe metric is scoped to the selected job and instances.
jq -e '.templating.list[] | select(.name == "job") | (.multi == false and .includeAll == false)' "$dash" >/dev/null &&
	ok "\$job selects one job" || nok "\$job selects one job"
bad=$(grep -o 'dnsprobe_[a-z_]*{[^}]*}\|dnsprobe_[a-z_]*[^a-z_{]' "$tmp/exprs" | grep -v 'job=~"\$job",instance=~"\$instance"')
[ -z "$bad" ] && ok "every dashboard selector has job=~\"\$job\",instance=~\"\$instance\"" ||
	nok "every dashboard selector has job and instance" "$bad"
grep -q 'dnsprobe_check_status_since_timestamp_seconds' "$tmp/exprs" && ok "the dashboard shows since when (the since metric)" ||
	nok "the dashboard shows since when (the since metric)"
jq -e '[.links[]?.url, (.. | objects | select(has("links")) | .links[]? | objects | .url)] | map(select(. != null and test("^http://\\$\\{(instance|__data\\.fields\\.monitor)\\}/$"))) | length >= 2' "$dash" >/dev/null &&
	ok "the dashboard links to the monitor's status page" || nok "the dashboard links to the monitor's status page"
jq -e '[.. | objects | select(.id? == "links") | .value[]? | .url] | map(select(. == "http://${__data.fields.monitor}/domain/${__data.fields.domain}")) | length >= 1' "$dash" >/dev/null &&
	ok "the dashboard links each domain to its /domain/NAME page" || nok "the dashboard links each domain to its /domain/NAME page"
# Every alert about one domain carries a status_url to that domain's page on its monitor.
missing=$(python3 - "$SRCDIR/dashboards/alerts.yml" <<'PY2'
import sys, yaml
for g in yaml.safe_load(open(sys.argv[1]))["groups"]:
    for r in g["rules"]:
        if "alert" in r and "$labels.domain" in r.get("annotations", {}).get("summary", "") and "/domain/{{ $labels.domain }}" not in r.get("annotations", {}).get("status_url", ""):
            print(r["alert"])
PY2
)
[ -z "$missing" ] && ok "every per-domain alert links to /domain/NAME (status_url)" ||
	nok "every per-domain alert links to /domain/NAME (status_url)" "$missing"

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
			e=${e//\$job/.*}
			e=${e//\$instance/.*}
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

# 3. Alerts: runbook_url (not runbook) on every alert, pointing at an anchor of docs/checks.md (a
#    templated {{ $labels.check }} at every check id's); the storm test names every alert.
if python3 -c 'import yaml' 2>/dev/null; then
	out=$(python3 - "$rules" dashboards/alerts.test.yml docs/checks.md probes <<'PY'
import glob, re, sys, yaml
rules, tests, checks, probes = sys.argv[1:]
alerts = [r for g in yaml.safe_load(open(rules))["groups"] for r in g["rules"] if "alert" in r]
docs = open(checks).read()
anchors = set(re.findall(r'<a id="([^"]+)"></a>', docs))
ids = set()
for f in glob.glob(probes + "/*.c"):
    ids.update(re.findall(r'#define ID\s+"([a-z_.]+)"', open(f).read()))
for a in alerts:
    ann = a.get("annotations", {})
    name = a["alert"]
    print(("ok" if "runbook" not in ann else "not ok") + f" - {name} has no 'runbook' annotation (runbook_url)")
    url = ann.get("runbook_url", "")
    m = re.match(r"https://glitter\.kr/dnsprobe/docs/checks\.md#(.+)$", url)
    print(("ok" if m else "not ok") + f" - {name} has a runbook_url into docs/checks.md: {url}")
    if m and m.group(1) == "{{ $labels.check }}":
        missing = sorted(ids - anchors)
        print(("ok" if not missing else "not ok") + f" - {name}: every check id has an anchor in {checks}" + (f" (missing {missing})" if missing else ""))
    elif m:
        print(("ok" if m.group(1) in anchors else "not ok") + f" - {name}: anchor #{m.group(1)} exists in {checks}")
t = yaml.safe_load(open(tests))["tests"][0]
named = {x["alertname"] for x in t["alert_rule_test"]}
for a in alerts:
    print(("ok" if a["alert"] in named else "not ok") + f" - the storm test (first in {tests}) checks {a['alert']}")
fired = [(x["alertname"], len(x["exp_alerts"])) for x in t["alert_rule_test"] if x["exp_alerts"]]
print(("ok" if fired and all(n == 1 for _, n in fired) and len({a for a, _ in fired}) == 1 else "not ok") +
      f" - the storm test expects exactly one alert: {fired}")
PY
)
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		*) nok "${line#not ok - }" ;;
		esac
	done <<<"$out"
else
	skip "alert annotations and the storm test checked" "python3-yaml not installed"
fi

# 4. Metric names: what the dashboard and the rules query must exist.
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
