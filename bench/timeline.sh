#!/usr/bin/env bash
# Query timeline of one `dnsprobe check` under emulated network delay: starts the lab, turns
# BIND's querylog on at every lab nameserver, holds each packet RTT/2 each way (bench/delaylib.sh,
# as bench/delay.sh does), runs the check once and prints every query the servers received with
# its round-trip index from the start of the run, so the critical path can be read off.
# usage (as root): bench/timeline.sh [--rtt MS] [--keep DIR] [-- DNSPROBE-CHECK-ARGS...]
# Default check: glitter.kr with --tlsa 587:mail.glitter.kr --tlsa 443:captcha.glitter.kr.
# DNSPROBE=path/to/dnsprobe (default build/dnsprobe); DELAYQ as for bench/delay.sh.
# Not part of the test suite.
set -u
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
DNSPROBE=${DNSPROBE:-$SRCDIR/build/dnsprobe}
DELAYQ=${DELAYQ:-$(dirname "$DNSPROBE")/bench/delayq}
rtt_ms=100
keep=
inside=
usage() {
	echo "usage: bench/timeline.sh [--rtt MS] [--keep DIR] [-- CHECK-ARGS...]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--rtt) rtt_ms=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	--inside) inside=1; shift ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
case $rtt_ms in '' | *[!0-9]* | 0) echo "timeline.sh: --rtt takes a number of ms > 0" >&2; exit 2 ;; esac
if [ -z "$inside" ]; then
	if [ ! -x "$DELAYQ" ]; then
		echo "timeline.sh: no $DELAYQ: install libnetfilter-queue-dev, then meson setup/ninja" >&2
		exit 2
	fi
	export DNSPROBE DELAYQ
	exec "$SRCDIR/fixtures/lab/run" -- "$SRCDIR/bench/timeline.sh" --inside --rtt "$rtt_ms" \
		${keep:+--keep "$keep"} -- "$@"
fi

# Inside the lab's private network namespace from here on.
tmp=$(mktemp -d /tmp/dp-timeline.XXXXXX)
dq_pid=
cleanup() {
	[ -z "$dq_pid" ] || { kill "$dq_pid" 2>/dev/null; wait "$dq_pid" 2>/dev/null; }
	[ -z "$keep" ] || { mkdir -p "$keep" && cp -r "$tmp"/. "$keep"/; }
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$SRCDIR/bench/delaylib.sh"

if [ $# -gt 0 ]; then
	dp=("$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" --ca-file "$LAB_CA" -o json "$@")
else
	dp=("$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" --ca-file "$LAB_CA" -o json
		--tlsa 587:mail.glitter.kr --tlsa 443:captcha.glitter.kr glitter.kr)
fi
# The lab's named instances (fixtures/README.md, address plan) and their rndc addresses.
names="root kr mailhost ns1 ns2 ns3 ns4 ns5"
declare -A addr=([root]=127.0.0.2 [kr]=127.0.0.3 [mailhost]=127.0.41.1 [ns1]=127.0.10.1
	[ns2]=127.0.10.2 [ns3]=127.0.10.3 [ns4]=127.0.10.4 [ns5]=127.0.10.5)
rndc_() { rndc -c "$LAB_DIR/rndc.conf" -s "$1" "${@:2}"; }

# Query logging on before the delay (rndc's own packets would be held too), and each log's
# length now: only what comes after belongs to this run.
declare -A off
for n in $names; do
	rndc_ "${addr[$n]}" querylog on >/dev/null || echo "# rndc querylog on at $n failed" >&2
	off[$n]=$(stat -c %s "$LAB_DIR/srv/$n/named.log" 2>/dev/null || echo 0)
done
rules_add
delay_set "$rtt_ms"
# BIND stamps its log lines in local time with milliseconds (print-time yes): the start is taken
# the same way, as seconds of the day (a run across midnight would read wrong).
t0=$(date +%H:%M:%S.%N)
s=$(date +%s.%N)
rc=0
"${dp[@]}" >"$tmp/report.json" 2>"$tmp/stderr" || rc=$?
e=$(date +%s.%N)
kill "$dq_pid" && wait "$dq_pid"
dq_pid=
for n in $names; do
	rndc_ "${addr[$n]}" querylog off >/dev/null || true
	tail -c +"$((off[$n] + 1))" "$LAB_DIR/srv/$n/named.log" |
		awk -v srv="$n" '/ queries: .* query: / { print srv, $0 }' >>"$tmp/queries"
done

# Each query line: "SERVER DD-Mon-YYYY HH:MM:SS.mmm queries: info: client @0x.. ADDR#PORT
# (NAME): query: NAME CLASS TYPE FLAGS (SERVER-ADDR)". A packet the run sent k round trips in
# arrives k*RTT + RTT/2 after the start, so RT = floor(elapsed / RTT) + 1 counts it as the
# (k+1)-th round trip, with half a round trip of slack either way.
echo "# $("$DNSPROBE" version | head -1); RTT ${rtt_ms} ms (each packet held $((rtt_ms / 2)) ms each way)"
echo "# ${dp[*]}"
awk -v t0="$t0" -v rtt="$rtt_ms" -v s="$s" -v e="$e" -v rc="$rc" '
	function sod(hms, p) { split(hms, p, ":"); return p[1] * 3600 + p[2] * 60 + p[3] }
	BEGIN { start = sod(t0) }
	{
		ms = (sod($3) - start) * 1000
		rt = int(ms / rtt) + 1
		for (i = 1; i <= NF; i++) if ($i == "query:") q = i
		client = $(q - 2); sub(/#.*/, "", client)
		flags = $(q + 4); to = $(q + 5); gsub(/[()]/, "", to)
		printf "%9.0f %4d %-8s %-15s %-15s %-40s %-6s %s\n", ms, rt, $1, to, client, $(q + 1), $(q + 3), flags
		n[rt]++
		if (rt > last) last = rt
	}
	END {
		printf "\n# queries per round trip:"
		for (i = 1; i <= last; i++) printf " %d:%d", i, n[i] + 0
		printf "\n# last DNS query in RT %d; the run took %.3f s = %.1f RTT (exit %d)\n",
			last, e - s, (e - s) * 1000 / rtt, rc
	}' < <(sort -k3,3 "$tmp/queries") >"$tmp/timeline"
printf '%9s %4s %-8s %-15s %-15s %-40s %-6s %s\n' "ms" "RT" "server" "address" "client" "qname" "type" "flags"
cat "$tmp/timeline"
# Each check's own time (it starts when discovery is done), in seconds and round trips.
echo "# status $(jq -r .status "$tmp/report.json" 2>/dev/null), $(jq '.checks | length' "$tmp/report.json" 2>/dev/null) results; each check's time (from its start):"
jq -r --argjson rtt "$rtt_ms" '.timings[] | "#   \(.id) \(.seconds * 1000 | floor) ms = \(.seconds * 1000 / $rtt * 10 | floor / 10) RTT \(.status)"' "$tmp/report.json" 2>/dev/null
exit 0
