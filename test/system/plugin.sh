#!/usr/bin/env bash
# dnsprobe check as a Nagios/Icinga plugin (issue 14): a status line under 200 bytes naming the
# worst problem with short digests, perfdata thresholds, -V and --help exiting 3, and -t as a hard
# wall-clock limit of the process against a server that never answers.
. "$(dirname "$0")/lib.sh"

lab() { "$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" --ca-file "$LAB_CA" "$@"; }
# elapsed CMD... : runs CMD (output in $DP_TMP/run.out, exit code in DP_RC), seconds in ELAPSED.
elapsed() {
	local t0 t1
	t0=$(date +%s.%N)
	DP_RC=0
	"$@" >"$DP_TMP/run.out" 2>"$DP_TMP/run.err" || DP_RC=$?
	t1=$(date +%s.%N)
	ELAPSED=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
}

# The plugin conventions that need no network.
t_options() {
	local out rc
	rc=0
	out=$("$DNSPROBE" check -V) || rc=$?
	is "$rc" 3 "check -V exits 3 (UNKNOWN), as monitoring plugins do"
	like "$out" '^dnsprobe [0-9]+\.[0-9]+' "check -V prints the version"
	rc=0
	out=$("$DNSPROBE" check --version glitter.kr) || rc=$?
	is "$rc" 3 "check --version exits 3 even with a domain"
	is "$(head -1 <<<"$out")" "$("$DNSPROBE" version | head -1)" "check --version says what dnsprobe version says"
	rc=0
	out=$("$DNSPROBE" check --help) || rc=$?
	is "$rc" 3 "check --help exits 3 (UNKNOWN)"
	like "$out" '--timeout SECONDS' "check --help prints the usage"
	rc=0
	"$DNSPROBE" check -h >/dev/null || rc=$?
	is "$rc" 3 "check -h exits 3"
}

# Port 587 accepts TCP and never greets; port 25 presents a key its TLSA does not name.
# Within -t the report is the engine's (steps cut by the budget are UNKNOWN "not checked: budget
# exhausted", findings made in time stand) or, when even that is late, the watchdog's (every
# check UNKNOWN "not checked: budget exhausted (-t N)"); either way out in time, and the silent
# port is never CRITICAL for want of time.
budget_rc() { # the exit code the output implies: 2 with a CRITICAL finding, else 3
	if grep -Eq "$1" "$DP_TMP/run.out"; then echo 2; else echo 3; fi
}
t_silent() {
	local first
	elapsed lab -t 2 -o nagios glitter.kr
	is "$DP_RC" "$(budget_rc '^\[CRITICAL\]')" "-t 2 against a silent server: exit 3, or 2 with a finding made in time"
	awk -v e="$ELAPSED" 'BEGIN { exit !(e < 2.5) }' && _tap ok "-t 2 ends the process within 2.5 s (took $ELAPSED s)" ||
		_tap fail "-t 2 ends the process within 2.5 s" "took $ELAPSED s"
	# The checks' own deadline is 0.7 s before the budget (the report is due 0.4 s before it,
	# checks stop 0.3 s before that) and the report goes out as soon as they are done: at least
	# 1.25 s of -t 2 (1.39 s seen under ASan).
	awk -v e="$ELAPSED" 'BEGIN { exit !(e >= 1.25) }' && _tap ok "-t 2 uses its budget ($ELAPSED s)" ||
		_tap fail "-t 2 uses its budget" "took $ELAPSED s"
	first=$(head -1 "$DP_TMP/run.out")
	like "$first" '^DNSPROBE (UNKNOWN|CRITICAL) - glitter\.kr: ' "the status line says UNKNOWN (or CRITICAL for a finding)"
	like "$(cat "$DP_TMP/run.out")" 'not checked: budget exhausted' "what was not done says: not checked: budget exhausted"
	like "$(cat "$DP_TMP/run.out")" '\| .*check_duration=[0-9.]+s;;;0;2' "perfdata check_duration with the budget as max"
	unlike "$(grep '^\[CRITICAL\]' "$DP_TMP/run.out")" '587:' "nothing is CRITICAL for want of time (the silent 587)"

	elapsed lab -t 2 -o json glitter.kr
	is "$DP_RC" "$(budget_rc '"status": "CRITICAL"')" "-t 2 -o json: exit 3, or 2 with a finding made in time"
	like "$(jq -r .status "$DP_TMP/run.out" 2>/dev/null)" '^(UNKNOWN|CRITICAL)$' "-t 2 -o json: status UNKNOWN (or CRITICAL)"
	like "$(jq -r '[.checks[].summary] | unique | join(",")' "$DP_TMP/run.out" 2>/dev/null)" \
		'not checked: budget exhausted' "-t 2 -o json: what was not done says not checked"
	is "$(jq -r '[.checks[]|select((.subject|test("587:")) and .status=="CRITICAL")]|length' "$DP_TMP/run.out" 2>/dev/null)" 0 \
		"-t 2 -o json: the silent 587 is not CRITICAL"
	awk -v e="$ELAPSED" 'BEGIN { exit !(e < 2.5) }' && _tap ok "-t 2 -o json within 2.5 s ($ELAPSED s)" ||
		_tap fail "-t 2 -o json within 2.5 s" "took $ELAPSED s"

	elapsed lab -t 3 -o text glitter.kr
	is "$DP_RC" "$(budget_rc '^ *\[CRIT\]')" "-t 3 -o text: exit 3, or 2 with a finding made in time"
	like "$(cat "$DP_TMP/run.out")" 'not checked: budget exhausted' "-t 3 -o text says not checked"
	unlike "$(grep '\[CRIT\]' "$DP_TMP/run.out")" '587:' "-t 3 -o text: the silent 587 is not CRITICAL"
	awk -v e="$ELAPSED" 'BEGIN { exit !(e < 3.5) }' && _tap ok "-t 3 within 3.5 s ($ELAPSED s)" ||
		_tap fail "-t 3 within 3.5 s" "took $ELAPSED s"

	# The rotated certificate on 25, with enough time: the worst problem in under 200 bytes.
	elapsed lab -o nagios --only dane.tlsa,tls.cert,dnssec.rrsig_expiry,ns.soa_serial \
		--rrsig-warn 5d --rrsig-crit 2d --cert-warn 20d --cert-crit 4d --serial-lag-crit 10 glitter.kr
	is "$DP_RC" 2 "the TLSA mismatch is CRITICAL"
	first=$(head -1 "$DP_TMP/run.out")
	awk -v n="${#first}" 'BEGIN { exit !(n < 200) }' && _tap ok "status line under 200 bytes (${#first})" ||
		_tap fail "status line under 200 bytes" "${#first}: $first"
	like "$first" '^DNSPROBE CRITICAL - glitter\.kr: dane\.tlsa 25:mail\.glitter\.kr/[0-9a-f.:]+: ' \
		"the status line names the worst problem first"
	like "$first" 'SHA-256 [0-9a-f]{8}\.\.\.' "the digest is cut to 8 hex characters"
	unlike "$first" '[0-9a-f]{16}' "no long digest on the status line"
	like "$(grep -c '^\[' "$DP_TMP/run.out")" '^([3-9]|[1-9][0-9]+)$' "one line per result follows"
	is "$(awk '/^\[CRITICAL\] dane\.tlsa 25:mail\.glitter\.kr\// { getline; print; exit }' "$DP_TMP/run.out" |
		grep -Ec '^    fix: _25\._tcp\.mail\.glitter\.kr\. [0-9]+ IN TLSA 3 1 1 [0-9a-f]{64}$')" 1 \
		"under the TLSA mismatch, the ready-to-paste 3 1 1 of the key served (fix line)"
	perf=$(sed 's/^[^|]*|//' "$DP_TMP/run.out" | grep -v '^\[' | tr '\n' ' '; grep '^\[.*|' "$DP_TMP/run.out" | sed 's/^[^|]*|//')
	like "$perf" 'rrsig_min_remaining=-?[0-9]+s;432000:;172800:' "perfdata rrsig thresholds from --rrsig-warn/--rrsig-crit"
	like "$perf" 'cert_min_remaining=-?[0-9]+s;1728000:;345600:' "perfdata cert thresholds from --cert-warn/--cert-crit"
	like "$perf" 'soa_serial_spread=[0-9]+;0;10;0' "perfdata serial thresholds"
	like "$perf" 'check_duration=[0-9.]+s;;;0;60' "perfdata check_duration max = the budget"
	like "$perf" 'checks_critical=[1-9][0-9]*;;0;0' "perfdata checks_critical with its threshold"
}

# t_options needs no lab: run it here, counted like a scenario.
if [ -z "${DP_INSIDE:-}" ]; then
	_dp_scenario=t_options
	t_options >"$DP_TMP/t_options.tap"
	cat "$DP_TMP/t_options.tap"
	_dp_pass=$((_dp_pass + $(grep -c '^ok - ' "$DP_TMP/t_options.tap" || true)))
	_dp_fail=$((_dp_fail + $(grep -c '^not ok - ' "$DP_TMP/t_options.tap" || true)))
	_dp_scenario=outside
fi
scenario t_silent --fault silent-smtp:587 --fault tlsa-mismatch:25
finish
