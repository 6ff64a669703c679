# Shared harness for system tests: one lab start per scenario, TAP assertions made inside it.
#
# A test script defines functions t_NAME and then lists scenarios:
#     . "$(dirname "$0")/lib.sh"
#     t_healthy() { dp_check glitter.kr; is "$DP_RC" 0 "exit 0"; is "$(status_of dnssec.chain)" OK "chain OK"; }
#     scenario t_healthy
#     scenario t_expired --fault rrsig-expired
#     finish
# Each scenario runs `fixtures/lab/run [lab args] -- <this script>` with DP_INSIDE=t_NAME; inside,
# the script's first `scenario` call runs that function and exits. Assertions print TAP lines
# without numbers ("ok - …"/"not ok - …"); `finish` prints the plan and exits non-zero on failure.

set -u
DP_SELF=$(readlink -f "$0")
SRCDIR=${SRCDIR:-$(cd "$(dirname "$DP_SELF")/../.." && pwd)}
DNSPROBE=${DNSPROBE:-$SRCDIR/build/dnsprobe}
DP_TMP=${DP_TMP:-$(mktemp -d /tmp/dp-test.XXXXXX)}
DP_RC=0
_dp_pass=0
_dp_fail=0
_dp_scenario=${DP_INSIDE:-outside}

_tap() { # STATUS DESC [DIAG]
	if [ "$1" = ok ]; then
		echo "ok - ${_dp_scenario}: $2"
	else
		echo "not ok - ${_dp_scenario}: $2"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
	fi
	return 0
}

# ok CMD... : passes when CMD succeeds. Use `ok_desc "desc" CMD...` to name it.
ok_desc() { local d=$1; shift; if "$@"; then _tap ok "$d"; else _tap fail "$d" "command failed: $*"; fi; }
is() { # GOT WANT DESC
	if [ "$1" = "$2" ]; then _tap ok "$3"; else _tap fail "$3" "got:  '$1'
want: '$2'"; fi
}
isnt() { if [ "$1" != "$2" ]; then _tap ok "$3"; else _tap fail "$3" "got '$1', wanted anything else"; fi; }
like() { # GOT ERE DESC
	if printf '%s' "$1" | grep -Eq -- "$2"; then _tap ok "$3"; else _tap fail "$3" "got:  '$1'
want match: $2"; fi
}
unlike() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then _tap fail "$3" "got '$1', matched $2"; else _tap ok "$3"; fi
}

# dp_check ARGS... : dnsprobe check against the lab, JSON output into $DP_OUT, exit code in $DP_RC.
DP_OUT=$DP_TMP/out.json
DP_ERR=$DP_TMP/err.txt
dp_check() {
	DP_RC=0
	"$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" --ca-file "$LAB_CA" -o json "$@" \
		>"$DP_OUT" 2>"$DP_ERR" || DP_RC=$?
	if ! jq -e . "$DP_OUT" >/dev/null 2>&1; then
		echo "# dnsprobe printed no JSON; stderr:"
		sed 's/^/#   /' "$DP_ERR" | head -20
	fi
}
# jqr FILTER : jq -r over the last output.
jqr() { jq -r "$@" "$DP_OUT" 2>/dev/null; }
# status_of ID [SUBJECT-ERE] : worst status among results of that check (and subject).
status_of() {
	jq -r --arg id "$1" --arg re "${2:-.}" '
	  [.checks[] | select(.id == $id and (.subject | test($re)))] as $r
	  | if ($r | length) == 0 then "MISSING"
	    else ([$r[].status] | if index("CRITICAL") then "CRITICAL" elif index("WARNING") then "WARNING"
	          elif index("UNKNOWN") then "UNKNOWN" else "OK" end) end' "$DP_OUT" 2>/dev/null || echo NOJSON
}
# summaries_of ID [SUBJECT-ERE] : every summary of that check, one per line.
summaries_of() {
	jq -r --arg id "$1" --arg re "${2:-.}" \
		'.checks[] | select(.id == $id and (.subject | test($re))) | .summary' "$DP_OUT" 2>/dev/null
}
# details_of ID SUBJECT-ERE : the details objects (JSON lines).
details_of() {
	jq -c --arg id "$1" --arg re "${2:-.}" \
		'.checks[] | select(.id == $id and (.subject | test($re))) | .details' "$DP_OUT" 2>/dev/null
}
# wait_until SECONDS CMD... : poll CMD every 0.2 s until it succeeds; fails after SECONDS.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.2
	done
}

# dp_check_within SECONDS ARGS... : dp_check ARGS with `-t SECONDS`, under a hard outer limit
# (SECONDS + 10 s, then SIGKILL) so that a hang fails the test instead of stalling it. Sets
# DP_WALL (seconds, 3 decimals) and DP_HUNG (1 when the outer limit had to end the process).
dp_check_within() {
	local budget=$1 t0
	shift
	t0=$(date +%s%N)
	DP_RC=0
	timeout -k 2 $((budget + 10)) "$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" \
		--ca-file "$LAB_CA" -o json -t "$budget" "$@" >"$DP_OUT" 2>"$DP_ERR" || DP_RC=$?
	DP_WALL=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	DP_HUNG=0
	case $DP_RC in 124 | 137) DP_HUNG=1 ;; esac
}
# within_budget DESC SECONDS : the last dp_check_within ended by SECONDS (+1 s for the exit: the
# ASan build's leak scan at exit took 0.6 s under load) and by itself, with no sanitizer report
# on its stderr (the ASan+UBSan build prints one there)
within_budget() {
	ok_desc "$1: the process ended by itself" test "$DP_HUNG" = 0
	if awk -v w="$DP_WALL" -v b="$2" 'BEGIN { exit !(w <= b + 1.0) }'; then
		_tap ok "$1: ended within -t $2 (took $DP_WALL s)"
	else
		_tap fail "$1: ended within -t $2" "took $DP_WALL s"
	fi
	unlike "$(cat "$DP_ERR")" 'Sanitizer|runtime error:|AddressSanitizer|LeakSanitizer' \
		"$1: no sanitizer report on stderr"
}

# ---- A monitor under test (http_abuse.sh, reload_storm.sh): the script sets PORT and URL ----
# monitor_conf FILE [GLOBAL-YAML] [DOMAINS-YAML] [INTERVAL] : a monitor config for the lab on
# 127.0.0.1:$PORT, glitter.kr the first of its domains.
monitor_conf() {
	cat >"$1" <<YML
listen: 127.0.0.1:$PORT
interval: ${4:-1h}
timeout: 30s
trust_anchor: $LAB_TA
root_hints: $LAB_HINTS
ca_file: $LAB_CA
log_level: info
${2:-}
domains:
  - name: glitter.kr
${3:-}
YML
}
# scrape: $URL/metrics into $DP_TMP/metrics.txt; has ERE: a scrape that succeeds and matches ERE.
scrape() { curl -fsS --max-time 10 "$URL/metrics" >"$DP_TMP/metrics.txt" 2>/dev/null; }
has() { scrape && grep -Eq -- "$1" "$DP_TMP/metrics.txt"; }

# scenario FN [LAB-ARGS...] : outside, start a lab and run FN inside it; inside, run FN and exit.
scenario() {
	local fn=$1
	shift
	if [ -n "${DP_INSIDE:-}" ]; then
		"$DP_INSIDE"
		exit 0
	fi
	local log=$DP_TMP/$fn.tap rc=0
	DP_INSIDE=$fn DP_TMP=$DP_TMP/$fn DNSPROBE=$DNSPROBE SRCDIR=$SRCDIR \
		"$SRCDIR/fixtures/lab/run" "$@" -- bash -c 'mkdir -p "$DP_TMP" && exec bash "$0"' "$DP_SELF" \
		>"$log" 2>"$DP_TMP/$fn.stderr" || rc=$?
	cat "$log"
	if ! grep -q '^ok - \|^not ok - ' "$log"; then
		_dp_scenario=$fn
		_tap fail "the lab ran (exit $rc)" "$(tail -20 "$DP_TMP/$fn.stderr")"
		_dp_fail=$((_dp_fail + 1))
	fi
	_dp_pass=$((_dp_pass + $(grep -c '^ok - ' "$log" || true)))
	_dp_fail=$((_dp_fail + $(grep -c '^not ok - ' "$log" || true)))
}

finish() {
	echo "1..$((_dp_pass + _dp_fail))"
	echo "# $_dp_pass passed, $_dp_fail failed"
	[ "$_dp_fail" -eq 0 ]
}
