#!/usr/bin/env bash
# Soak benchmark (as root, issue 13): the monitor at a short interval for a long time inside the
# lab, with RSS, open descriptors and threads sampled, scrapes and reloads going on.
#   bench/soak.sh [SECONDS=3600] [INTERVAL=5s] [EXTRA_DOMAINS=20] [SAMPLE=30]
# Environment: DNSPROBE (binary; copy it out of build/ so a rebuild does not swap it mid-run),
# SOAK_PORT, SOAK_PARALLEL (max_parallel; default: the monitor's), SOAK_OUT (the samples are
# copied there at the end).
#
# Runs in progress hold threads, descriptors and malloc arenas, so a sample taken while checks
# run measures concurrency (and the machine's load, which stretches runs) as much as leaks. Each
# sample period therefore has two samples: "any", taken whatever is running, and "idle", taken at
# a moment no run is in progress — dnsprobe_runs_in_progress 0 on a scrape before and after the
# /proc reading, with dnsprobe_check_runs_total unchanged between them (no run started and
# finished in between). The verdict is judged on the idle samples only: fds and threads must
# come back to the same floor, and idle RSS is fitted (least squares) over the first and the
# second half of the run. The 1-minute load average is beside each sample.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-3600}
INTERVAL=${2:-5s}
N=${3:-20}
SAMPLE=${4:-30}
DNSPROBE=${DNSPROBE:-$PWD/build/dnsprobe}
PORT=${SOAK_PORT:-9863}
PARALLEL=${SOAK_PARALLEL:-}
OUT=${SOAK_OUT:-}
export DNSPROBE DUR INTERVAL SAMPLE PORT PARALLEL OUT

exec fixtures/lab/run --extra-domains "$N" -- bash -c '
set -u
conf=$LAB_DIR/soak.yml
{
	echo "listen: 127.0.0.1:$PORT"
	echo "interval: $INTERVAL"
	echo "timeout: 20s"
	[ -n "$PARALLEL" ] && echo "max_parallel: $PARALLEL"
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
url=http://127.0.0.1:$PORT/metrics
# "in_progress runs_total" from one scrape, or "x x" when the scrape failed.
gauges() {
	curl -fs --max-time 5 "$url" | awk "
		/^dnsprobe_runs_in_progress /{g=\$2; seen=1}
		/^dnsprobe_check_runs_total/{s+=\$2}
		END{if (seen) print g, s+0; else print \"x x\"}"
}
procs() { # rss fds threads
	echo "$(awk "/^VmRSS/{print \$2}" /proc/$pid/status) $(ls /proc/$pid/fd | wc -l)" \
		"$(awk "/^Threads/{print \$2}" /proc/$pid/status)"
}
load1() { cut -d" " -f1 /proc/loadavg; }
t0=$SECONDS
samples=$LAB_DIR/soak.samples
idle=$LAB_DIR/soak.idle
: >"$samples"
: >"$idle"
echo "# $(uptime)"
echo "# monitor pid $pid, interval $INTERVAL, $(grep -c "name:" "$conf") domains," \
	"max_parallel ${PARALLEL:-default}, $DUR s, a sample every $SAMPLE s"
echo "# any:  t(s) rss(kB) fds threads runs_in_progress runs_total scrapes_ok load1"
echo "# idle: t(s) rss(kB) fds threads tries load1   (no run in progress; tries: 0.2 s polls)"
scrapes=0
periods=0
noidle=0
while [ $((SECONDS - t0)) -lt "$DUR" ]; do
	# Between samples: a scrape a second and a reload each sample, as a busy Prometheus and an
	# operator would cause.
	for _ in $(seq "$SAMPLE"); do
		curl -fs -o /dev/null --max-time 5 "$url" && scrapes=$((scrapes + 1))
		sleep 1
	done
	kill -HUP $pid
	kill -0 $pid 2>/dev/null || { echo "# the monitor died"; exit 1; }
	periods=$((periods + 1))
	read -r g r <<<"$(gauges)"
	echo "$((SECONDS - t0)) $(procs) $g $r $scrapes $(load1)" | tee -a "$samples" | sed "s/^/any  /"
	# An idle moment: polled for up to half the sample period.
	got=0
	for try in $(seq $((SAMPLE * 5 / 2))); do
		read -r g1 r1 <<<"$(gauges)"
		p=$(procs)
		read -r g2 r2 <<<"$(gauges)"
		if [ "$g1" = 0 ] && [ "$g2" = 0 ] && [ "$r1" = "$r2" ]; then
			echo "$((SECONDS - t0)) $p $try $(load1)" | tee -a "$idle" | sed "s/^/idle /"
			got=1
			break
		fi
		sleep 0.2
	done
	[ $got = 1 ] || noidle=$((noidle + 1))
done
kill -TERM $pid
wait $pid || true
echo "# $(uptime)"
echo "# error log lines: $(grep -c "level=error" "$LAB_DIR/soak-monitor.log" || true)"
echo "# periods without an idle moment: $noidle of $periods"
[ -z "$OUT" ] || { cp "$samples" "$OUT.any"; cp "$idle" "$OUT.idle"; }
# All samples (concurrency and load included): the last quarter against the second quarter.
awk "
	{ r[NR]=\$2; f[NR]=\$3; h[NR]=\$4; l[NR]=\$8 }
	END {
		if (NR < 8) { print \"# any: too few samples (need 8)\"; exit 0 }
		q = int(NR / 4)
		for (i = q + 1; i <= 2 * q; i++) { r2 += r[i]; f2 += f[i]; h2 += h[i]; l2 += l[i] }
		for (i = NR - q + 1; i <= NR; i++) { r4 += r[i]; f4 += f[i]; h4 += h[i]; l4 += l[i] }
		printf \"# any, mean of 2nd -> 4th quarter (not a leak verdict): rss %.0f -> %.0f kB,\" \
		       \" fds %.1f -> %.1f, threads %.1f -> %.1f, load1 %.1f -> %.1f\n\",
		       r2/q, r4/q, f2/q, f4/q, h2/q, h4/q, l2/q, l4/q
	}" "$samples"
# Idle samples: the verdict. Warm-up (caches, arenas, the first runs) is the first 10 % of the
# duration and is left out. fds and threads: the floor (minimum) of each half must be equal.
# RSS: a least-squares slope per half (kB/h) and the minimum and mean; GROWING when the
# second half still climbs by more than 2 % of its mean per hour, or its floor is more than
# 5 % above the floor of the first half.
awk -v dur="$DUR" "
	function fit(a, b,   i, n, sx, sy, sxx, sxy) {
		n = b - a + 1; if (n < 3) return \"nan\"
		for (i = a; i <= b; i++) { sx += t[i]; sy += r[i]; sxx += t[i]*t[i]; sxy += t[i]*r[i] }
		if (n * sxx - sx * sx == 0) return \"nan\"
		return (n * sxy - sx * sy) / (n * sxx - sx * sx) * 3600
	}
	\$1 >= dur / 10 { n++; t[n]=\$1; r[n]=\$2; f[n]=\$3; h[n]=\$4; l[n]=\$6 }
	END {
		if (n < 8) { print \"# idle: too few samples after warm-up (\" n \", need 8): no verdict\"; exit 0 }
		m = int(n / 2)
		fmin1 = hmin1 = rmin1 = 1e18; fmin2 = hmin2 = rmin2 = 1e18
		for (i = 1; i <= m; i++) {
			rs1 += r[i]; ls1 += l[i]
			if (r[i] < rmin1) rmin1 = r[i]; if (f[i] < fmin1) fmin1 = f[i]; if (h[i] < hmin1) hmin1 = h[i]
		}
		for (i = m + 1; i <= n; i++) {
			rs2 += r[i]; ls2 += l[i]
			if (r[i] < rmin2) rmin2 = r[i]; if (f[i] < fmin2) fmin2 = f[i]; if (h[i] < hmin2) hmin2 = h[i]
		}
		rm1 = rs1 / m; rm2 = rs2 / (n - m); s1 = fit(1, m); s2 = fit(m + 1, n); sall = fit(1, n)
		printf \"# idle samples after warm-up: %d (t %d..%d s), load1 mean %.1f | %.1f per half\n\",
		       n, t[1], t[n], ls1 / m, ls2 / (n - m)
		printf \"# idle rss: mean %.0f | %.0f kB, floor %d | %d kB, slope %+.0f | %+.0f kB/h (whole %+.0f kB/h)\n\",
		       rm1, rm2, rmin1, rmin2, s1, s2, sall
		grow = (s2 > 0.02 * rm2) || (rmin2 > 1.05 * rmin1)
		printf \"# idle rss %s\n\", grow ? \"GROWING\" : \"flat (2nd-half slope <= 2 %/h of its mean, floor within 5 %)\"
		printf \"# idle fds floor %d | %d %s; threads floor %d | %d %s\n\",
		       fmin1, fmin2, fmin2 <= fmin1 ? \"flat\" : \"GROWING\", hmin1, hmin2, hmin2 <= hmin1 ? \"flat\" : \"GROWING\"
	}" "$idle"
'
