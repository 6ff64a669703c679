#!/usr/bin/env bash
# Monitor scale benchmark (as root): the lab with N extra signed domains, the monitor over all of
# them at one interval, sampled for a little over one interval: RSS, CPU, threads, how many
# domains completed a run, run errors and per-check durations; domain runs per second and CPU ms
# per run over the sampled window (after the first sample); then /metrics under load with wrk
# (SCRAPE_SECONDS, default 10; 0 skips it): plain and gzip, one connection (one Prometheus) and
# eight, p50/p99 and scrapes per second.
#   bench/monitor.sh [N=1000] [INTERVAL=5m] [MAX_PARALLEL=16] [SECONDS=330]
# A short interval (e.g. 10s with N=1000) saturates the monitor; a long one does not.
# NX=K adds K names that do not exist (nx00001.kr ...: kr. answers NXDOMAIN, a short report each)
# to reach a configuration of 10,000 domains without signing 10,000 lab zones.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
INTERVAL=${2:-5m}
PAR=${3:-16}
DUR=${4:-330}
DNSPROBE=${DNSPROBE:-$PWD/build/dnsprobe}
SCRAPE_SECONDS=${SCRAPE_SECONDS:-10}
NX=${NX:-0}
export DNSPROBE INTERVAL PAR DUR SCRAPE_SECONDS NX

exec fixtures/lab/run --extra-domains "$N" -- bash -c '
set -u
conf=$LAB_DIR/bench.yml
{
	echo "listen: 127.0.0.1:9862"
	echo "interval: $INTERVAL"
	echo "timeout: 30s"
	echo "trust_anchor: $LAB_TA"
	echo "root_hints: $LAB_HINTS"
	echo "ca_file: $LAB_CA"
	echo "max_parallel: $PAR"
	echo "log_level: warn"
	echo "domains:"
	echo "  - name: glitter.kr"
	sed "s/^/  - name: /" "$LAB_DIR/extra-domains"
	[ "$NX" -gt 0 ] && seq -f "  - name: nx%05g.kr" 1 "$NX"
	true
} >"$conf"
ndom=$(grep -c "name:" "$conf")
"$DNSPROBE" monitor -c "$conf" 2>"$LAB_DIR/bench-monitor.log" &
pid=$!
t0=$SECONDS
peak=0
maxthr=0
echo "# $ndom domains, interval $INTERVAL, max_parallel $PAR, sampled for $DUR s"
echo "# t(s) rss(MB) threads domains_with_a_run runs_total"
while [ $((SECONDS - t0)) -lt "$DUR" ]; do
	sleep 10
	rss=$(awk "/^VmRSS/{print \$2}" /proc/$pid/status)
	thr=$(awk "/^Threads/{print \$2}" /proc/$pid/status)
	[ "$rss" -gt "$peak" ] && peak=$rss
	[ "$thr" -gt "$maxthr" ] && maxthr=$thr
	m=$(curl -fs http://127.0.0.1:9862/metrics || true)
	done_dom=$(grep -c "^dnsprobe_last_run_timestamp_seconds{" <<<"$m" || true)
	runs=$(awk "/^dnsprobe_check_runs_total/{s+=\$2} END{print s+0}" <<<"$m")
	echo "$((SECONDS - t0)) $((rss / 1024)) $thr $done_dom $runs"
	cpu_now=$(awk "{print \$14 + \$15}" /proc/$pid/stat)
	if [ -z "${runs0:-}" ]; then
		runs0=$runs; cpu0=$cpu_now; tw0=$SECONDS
	fi
	runs1=$runs; cpu1=$cpu_now; tw1=$SECONDS
done
if [ "$tw1" -gt "$tw0" ] && [ "$runs1" -gt "$runs0" ]; then
	awk -v r=$((runs1 - runs0)) -v c=$((cpu1 - cpu0)) -v t=$((tw1 - tw0)) \
		"BEGIN{printf \"# window %d s: %d runs, %.2f runs/s, %.1f CPU ms per run (%.2f cores)\n\", t, r, r / t, c * 10 / r, c / 100 / t}"
fi
m=$(curl -fs http://127.0.0.1:9862/metrics)
hwm=$(awk "/^VmHWM/{print \$2}" /proc/$pid/status)
cpu=$(awk "{print (\$14 + \$15) / 100}" /proc/$pid/stat)
echo "# peak RSS $((hwm / 1024)) MB (VmHWM), max threads $maxthr, CPU ${cpu}s over $((SECONDS - t0)) s"
echo "# domains with a run: $(grep -c "^dnsprobe_last_run_timestamp_seconds{" <<<"$m") of $ndom"
echo "# run errors: $(awk "/^dnsprobe_run_errors_total/{s+=\$2} END{print s+0}" <<<"$m")"
echo "# results by status: $(awk "/^dnsprobe_check_status\\{/{c[\$2]++} END{for (k in c) printf \"%s:%d \", k, c[k]}" <<<"$m")"
echo "# check durations (s), mean and max per check:"
grep "^dnsprobe_check_duration_seconds{" <<<"$m" |
	sed "s/.*check=\"\([^\"]*\)\"} \(.*\)/\1 \2/" |
	awk "{s[\$1]+=\$2; n[\$1]++; if (\$2>mx[\$1]) mx[\$1]=\$2} END{for (k in s) printf \"#   %-20s %.2f %.2f\n\", k, s[k]/n[k], mx[k]}" | sort
echo "# /metrics: $(wc -c <<<"$m") bytes, gzip $(curl -fs -H "Accept-Encoding: gzip" http://127.0.0.1:9862/metrics | wc -c) bytes; scrape time: $(curl -fs -o /dev/null -w "%{time_total}" http://127.0.0.1:9862/metrics) s"
if [ "$SCRAPE_SECONDS" -gt 0 ] && command -v wrk >/dev/null; then
	# One connection is one Prometheus scraping this target (its latency is the latency of a
	# scrape); eight at once measure throughput, and their latency includes waiting for each other.
	for c in 1 8; do
		for enc in identity gzip; do
			echo "# wrk /metrics, Accept-Encoding: $enc, $((c > 1 ? 2 : 1)) threads, $c connections, ${SCRAPE_SECONDS}s:"
			wrk -t$((c > 1 ? 2 : 1)) -c$c -d"${SCRAPE_SECONDS}s" --latency -H "Accept-Encoding: $enc" \
				http://127.0.0.1:9862/metrics |
				grep -E "Requests/sec|Transfer/sec| (50|99)%|Socket errors|Non-2xx" | sed "s/^/#   /"
		done
	done
fi
kill -TERM $pid
wait $pid || true
grep -c "level=error" "$LAB_DIR/bench-monitor.log" | sed "s/^/# error log lines: /"
'
