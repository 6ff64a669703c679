#!/usr/bin/env bash
# Soak benchmark (as root, issue 13): the monitor at a short interval for a long time inside the
# lab, with RSS, open descriptors and threads sampled, scrapes and reloads going on; prints the
# samples and whether each series stayed flat (last quarter's mean within a tolerance of the
# second quarter's, after warm-up).
#   bench/soak.sh [SECONDS=3600] [INTERVAL=5s] [EXTRA_DOMAINS=20] [SAMPLE=30]
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-3600}
INTERVAL=${2:-5s}
N=${3:-20}
SAMPLE=${4:-30}
DNSPROBE=${DNSPROBE:-$PWD/build/dnsprobe}
PORT=${SOAK_PORT:-9863}
export DNSPROBE DUR INTERVAL SAMPLE PORT

exec fixtures/lab/run --extra-domains "$N" -- bash -c '
set -u
conf=$LAB_DIR/soak.yml
{
	echo "listen: 127.0.0.1:$PORT"
	echo "interval: $INTERVAL"
	echo "timeout: 20s"
	echo "trust_anchor: $LAB_TA"
	echo "root_hints: $LAB_HINTS"
	echo "ca_file: $LAB_CA"
	echo "log_level: warn"
	echo "domains:"
	echo "  - name: glitter.kr"
	echo "    tlsa: [\"587:mail.glitter.kr\", \"443:captcha.glitter.kr\"]"
	sed "s/^/  - name: /" "$LAB_DIR/extra-domains"
} >"$conf"
"$DNSPROBE" monitor -c "$conf" 2>"$LAB_DIR/soak-monitor.log" &
pid=$!
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.1; done
t0=$SECONDS
samples=$LAB_DIR/soak.samples
: >"$samples"
echo "# $(uptime)"
echo "# monitor pid $pid, interval $INTERVAL, $(grep -c "name:" "$conf") domains, $DUR s, a sample every $SAMPLE s"
echo "# t(s) rss(kB) fds threads runs_total scrapes_ok"
scrapes=0
while [ $((SECONDS - t0)) -lt "$DUR" ]; do
	# Between samples: a scrape a second and a reload each sample, as a busy Prometheus and an
	# operator would cause.
	for _ in $(seq "$SAMPLE"); do
		curl -fs -o /dev/null --max-time 5 "http://127.0.0.1:$PORT/metrics" && scrapes=$((scrapes + 1))
		sleep 1
	done
	kill -HUP $pid
	kill -0 $pid 2>/dev/null || { echo "# the monitor died"; exit 1; }
	rss=$(awk "/^VmRSS/{print \$2}" /proc/$pid/status)
	thr=$(awk "/^Threads/{print \$2}" /proc/$pid/status)
	fds=$(ls /proc/$pid/fd | wc -l)
	runs=$(curl -fs --max-time 5 "http://127.0.0.1:$PORT/metrics" |
		awk "/^dnsprobe_check_runs_total/{s+=\$2} END{print s+0}")
	echo "$((SECONDS - t0)) $rss $fds $thr $runs $scrapes" | tee -a "$samples"
done
kill -TERM $pid
wait $pid || true
echo "# $(uptime)"
echo "# error log lines: $(grep -c "level=error" "$LAB_DIR/soak-monitor.log" || true)"
# Flat within noise: compare the mean of the last quarter with the second quarter (the first is
# warm-up: caches and arenas filling). Tolerance: 15 % for RSS, +4 for fds, +8 for threads.
awk -v tol=0.15 "
	{ t[NR]=\$1; r[NR]=\$2; f[NR]=\$3; h[NR]=\$4 }
	END {
		if (NR < 8) { print \"# too few samples to judge (need 8)\"; exit 0 }
		q = int(NR / 4)
		for (i = q + 1; i <= 2 * q; i++) { r2 += r[i]; f2 += f[i]; h2 += h[i] }
		for (i = NR - q + 1; i <= NR; i++) { r4 += r[i]; f4 += f[i]; h4 += h[i] }
		r2 /= q; r4 /= q; f2 /= q; f4 /= q; h2 /= q; h4 /= q
		printf \"# rss  %.0f -> %.0f kB (%+.1f %%) %s\n\", r2, r4, 100 * (r4 - r2) / r2, (r4 <= r2 * (1 + tol)) ? \"flat\" : \"GROWING\"
		printf \"# fds  %.1f -> %.1f %s\n\", f2, f4, (f4 <= f2 + 4) ? \"flat\" : \"GROWING\"
		printf \"# thr  %.1f -> %.1f %s\n\", h2, h4, (h4 <= h2 + 8) ? \"flat\" : \"GROWING\"
	}" "$samples"
'
