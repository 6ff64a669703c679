#!/usr/bin/env bash
# Benchmark (c): dnsprobe check vs bench/manual-check.sh on glitter.kr under emulated network
# delay, both in the same lab start. The kernel has no netem, so inside the lab's namespace
# iptables sends every packet to or from a lab server to NFQUEUE and bench/delayq holds it for
# half the round-trip time before accepting it.
# usage (as root): bench/delay.sh [--runs N] [--manual-runs N] [--rtt "0 20 50 100"] [--warm]
#                  [--fault-rtt MS]  (then one down + one silent nameserver at that RTT; 0: skip)
# DNSPROBE=path/to/dnsprobe (default build/dnsprobe); DELAYQ=path/to/delayq (default
# bench/delayq next to DNSPROBE: meson builds it when libnetfilter-queue-dev is installed);
# BENCH_RAW=DIR keeps the raw samples and outputs. Ends with a burst check of delayq
# (bench/burst.py). Not part of the test suite.
set -u
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
DNSPROBE=${DNSPROBE:-$SRCDIR/build/dnsprobe}
DELAYQ=${DELAYQ:-$(dirname "$DNSPROBE")/bench/delayq}
runs=5
manual_runs=3
rtts="0 20 50 100"
warm=
fault_rtt=20
usage() {
	echo "usage: bench/delay.sh [--runs N] [--manual-runs N] [--rtt \"MS...\"] [--warm]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--manual-runs) manual_runs=$2; shift 2 ;;
	--rtt) rtts=$2; shift 2 ;;
	--warm) warm=1; shift ;;
	--fault-rtt) fault_rtt=$2; shift 2 ;;
	--inside) inside=1; shift ;;
	*) usage ;;
	esac
done
if [ -z "${inside:-}" ]; then
	if [ ! -x "$DELAYQ" ]; then
		echo "delay.sh: no $DELAYQ: install libnetfilter-queue-dev, then meson setup/ninja" >&2
		exit 2
	fi
	export DNSPROBE DELAYQ BENCH_RAW
	exec "$SRCDIR/fixtures/lab/run" -- "$SRCDIR/bench/delay.sh" --inside --runs "$runs" \
		--manual-runs "$manual_runs" --rtt "$rtts" --fault-rtt "$fault_rtt" ${warm:+--warm}
fi

# Inside the lab's private network namespace from here on: the rules below exist only there.
tmp=$(mktemp -d /tmp/dp-delay.XXXXXX)
dq_pid=
cleanup() {
	[ -z "$dq_pid" ] || { kill "$dq_pid" 2>/dev/null; wait "$dq_pid" 2>/dev/null; }
	rm -rf "$tmp"
}
trap cleanup EXIT
dp=("$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" --ca-file "$LAB_CA" -o json
	--tlsa 587:mail.glitter.kr --tlsa 443:captcha.glitter.kr glitter.kr)
manual=("$SRCDIR/bench/manual-check.sh" glitter.kr 587:mail.glitter.kr 443:captcha.glitter.kr)
uctl=(unbound-control -c "$LAB_DIR/srv/unbound/unbound.conf")
# The packet delay (rules_add, delay_set, queued_reset, queued_count): bench/delaylib.sh.
. "$SRCDIR/bench/delaylib.sh"

# rtt ADDR [DIG_OPTS...]: median of 5 `dig +norec` query times to ADDR, in ms.
rtt() {
	local a=$1 i
	shift
	for i in 1 2 3 4 5; do
		dig @"$a" glitter.kr SOA +norec +time=3 +tries=1 "$@" | awk '/Query time:/ { print $4 }'
	done | sort -n | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : "-") }'
}

# flush: empty the lab resolver's caches, so the script starts cold like dnsprobe (whose
# libunbound cache lives and dies with its process). --warm keeps them.
flush() {
	[ -n "$warm" ] && return 0
	"${uctl[@]}" flush_zone . >/dev/null
	"${uctl[@]}" flush_infra all >/dev/null
	"${uctl[@]}" flush_negative >/dev/null
}

# measure NAME OUT CMD...: one timed run; appends "wall exit packets" to $tmp/NAME.
measure() {
	local name=$1 out=$2 rc=0 s e
	shift 2
	queued_reset
	s=$(date +%s.%N)
	"$@" >"$out" 2>"$out.err" || rc=$?
	e=$(date +%s.%N)
	echo "$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }') $rc $(queued_count)" >>"$tmp/$name"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "# lab: $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# dnsprobe: $("$DNSPROBE" version | head -1), $DNSPROBE"
echo "# cache: $([ -n "$warm" ] && echo "resolver cache kept between script runs" || echo "resolver cache flushed before each script run")"
echo "# RTT without any rule: UDP $(rtt 127.0.10.1) ms"
rules_add
printf '%-6s %-22s %-8s %-14s %-10s %-14s %-10s %s\n' "RTT" "measured RTT udp/tcp/v6" \
	"dnsprobe" "(min-max)" "pkts/run" "manual script" "pkts/run" "results"
for r in $rtts; do
	delay_set "$r"
	m="$(rtt 127.0.10.1)/$(rtt 127.0.10.3 +tcp)/$(rtt ::1)"
	for ((i = 1; i <= runs; i++)); do
		measure "dp_$r" "$tmp/dp_$r.$i.json" "${dp[@]}"
		if ((i <= manual_runs)); then
			flush
			measure "man_$r" "$tmp/man_$r.$i.txt" "${manual[@]}"
		fi
	done
	# dnsprobe's verdicts: overall status, and how many of its results are not OK.
	dps=$(for f in "$tmp"/dp_"$r".*.json; do
		jq -r '"\(.status)/\([.checks[] | select(.status != "OK")] | length)"' "$f" 2>/dev/null || echo "no-json"
	done | sort | uniq -c | awk '{ printf "%s%sx%s", (NR > 1 ? "," : ""), $2, $1 }')
	mans=$(awk '{ print $2 }' "$tmp/man_$r" | sort | uniq -c | awk '{ printf "%sexit%sx%s", (NR > 1 ? "," : ""), $2, $1 }')
	printf '%-6s %-22s %-8s %-14s %-10s %-14s %-10s %s\n' "${r}ms" "$m" \
		"$(awk '{ print $1 }' "$tmp/dp_$r" | median)s" \
		"($(awk '{ print $1 }' "$tmp/dp_$r" | sort -n | sed -n '1p;$p' | paste -sd-))" \
		"$(awk '{ print $3 }' "$tmp/dp_$r" | median)" \
		"$(awk '{ print $1 }' "$tmp/man_$r" | median)s" \
		"$(awk '{ print $3 }' "$tmp/man_$r" | median)" \
		"dnsprobe status/non-OK: $dps; script: $mans"
	if [ -n "${BENCH_RAW:-}" ]; then
		mkdir -p "$BENCH_RAW"
		cp "$tmp"/dp_"$r"* "$tmp"/man_"$r"* "$BENCH_RAW"/
	fi
done
# The slope: extra wall time per extra millisecond of RTT is the number of round trips, one
# after the other, on each side's critical path.
first=${rtts%% *}
last=${rtts##* }
if [ "$first" != "$last" ]; then
	for side in dp man; do
		a=$(awk '{ print $1 }' "$tmp/${side}_$first" | median)
		b=$(awk '{ print $1 }' "$tmp/${side}_$last" | median)
		awk -v a="$a" -v b="$b" -v r0="$first" -v r1="$last" -v s="$side" 'BEGIN {
			printf "# %s: %+.2f s from %d to %d ms RTT = %.0f sequential round trips\n",
				(s == "dp" ? "dnsprobe" : "manual script"), b - a, r0, r1, (b - a) * 1000 / (r1 - r0) }'
	done
fi
# The critical path at 20 ms RTT (issue 16 targets: <= 14 round trips, <= 0.35 s, >= 7x faster
# than the script), from the 0 and 20 ms levels when both were measured.
if [[ " $rtts " == *" 0 "* && " $rtts " == *" 20 "* ]]; then
	a=$(awk '{ print $1 }' "$tmp/dp_0" | median)
	b=$(awk '{ print $1 }' "$tmp/dp_20" | median)
	m=$(awk '{ print $1 }' "$tmp/man_20" | median)
	awk -v a="$a" -v b="$b" -v m="$m" 'BEGIN {
		printf "# critical path at 20 ms RTT: %.1f round trips (target <= 14); full check %.3f s (target <= 0.35 s); script %.2f s = %.1fx dnsprobe (target >= 7x)\n",
			(b - a) * 1000 / 20, b, m, m / b }'
fi
case " $rtts " in *" 100 "*)
	echo "# full check at 100 ms RTT: $(awk '{ print $1 }' "$tmp/dp_100" | median) s (target <= 1.6 s)"
	;;
esac
# One down server (ns2: BIND stopped, the kernel refuses) and one silent one (ns4: every packet
# to it dropped) at fault_rtt: the run may cost at most one step timeout (5 s) more than healthy.
if [ "$fault_rtt" != 0 ]; then
	delay_set "$fault_rtt"
	for ((i = 1; i <= runs; i++)); do
		measure "ok_f" "$tmp/ok_f.$i.json" "${dp[@]}"
	done
	"$LAB_DIR/fault" ns-down:ns2 >"$tmp/fault.log" 2>&1 || { echo "# fault ns-down:ns2 failed"; cat "$tmp/fault.log"; }
	iptables -I OUTPUT 1 -d 127.0.10.4 -j DROP
	for ((i = 1; i <= runs; i++)); do
		measure "bad_f" "$tmp/bad_f.$i.json" "${dp[@]}"
	done
	iptables -D OUTPUT -d 127.0.10.4 -j DROP
	"$LAB_DIR/fault" --clear ns-down:ns2 >>"$tmp/fault.log" 2>&1 || true
	a=$(awk '{ print $1 }' "$tmp/ok_f" | median)
	b=$(awk '{ print $1 }' "$tmp/bad_f" | median)
	awk -v a="$a" -v b="$b" -v r="$fault_rtt" 'BEGIN {
		printf "# at %d ms RTT: healthy %.3f s, one down + one silent nameserver %.3f s: %+.2f s (target <= one step timeout, 5 s)\n", r, a, b, b - a }'
	echo "# their findings: $(jq -r '.checks[] | select(.status != "OK") | "\(.id) \(.subject)"' "$tmp/bad_f.1.json" | sort -u | paste -sd';')"
	[ -z "${BENCH_RAW:-}" ] || cp "$tmp"/ok_f* "$tmp"/bad_f* "$BENCH_RAW"/
fi
# At the largest delay every dnsprobe result must still be OK (default step timeout 5 s).
bad=$(cat "$tmp"/dp_"$last".*.json | jq -r '.checks[] | select(.status != "OK") | "\(.id) \(.status) \(.subject // "") \(.summary // .message // "")"' | sort | uniq -c)
if [ -n "$bad" ]; then
	echo "# NOT all OK at ${last} ms RTT:"
	echo "$bad" | sed 's/^/#   /'
	status=1
else
	echo "# all dnsprobe results OK at ${last} ms RTT ($(cat "$tmp"/dp_"$last".*.json | jq -s 'map(.checks | length) | add') results over $runs runs)"
	status=0
fi
# Bursts: 5000 datagrams back to back through the queue, each must come out one half-RTT later.
burst=$("$SRCDIR/bench/burst.py" 127.0.30.1 5000 2>&1) || status=1
echo "# delayq burst at ${last} ms RTT: $burst"
kill "$dq_pid" && wait "$dq_pid"
dq_pid=
sed 's/^/# /' "$tmp/delayq.log"
exit "$status"
