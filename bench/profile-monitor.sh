#!/usr/bin/env bash
# Where a busy monitor spends its CPU (as root): the lab with N extra signed domains, the monitor
# over all of them under `perf record` for SECONDS, then CPU ms per domain run (/proc ticks over
# dnsprobe_check_runs_total) and perf's top symbols. Not part of the test suite.
#   bench/profile-monitor.sh [N=100] [INTERVAL=5s] [MAX_PARALLEL=16] [SECONDS=50]
# DNSPROBE=path/to/dnsprobe (default build/dnsprobe; debugoptimized keeps frame pointers);
# PERF_CALLGRAPH=dwarf for call graphs through libc and OpenSSL (larger perf.data);
# OUT=DIR keeps perf.data and the monitor's log (default a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100}
INTERVAL=${2:-5s}
PAR=${3:-16}
DUR=${4:-50}
DNSPROBE=${DNSPROBE:-$PWD/build/dnsprobe}
OUT=${OUT:-$(mktemp -d)}
CG=${PERF_CALLGRAPH:-fp}
command -v perf >/dev/null || { echo "perf is not installed (linux-perf)" >&2; exit 1; }
export N DNSPROBE INTERVAL PAR DUR OUT CG
echo "# $(date -u +%FT%TZ) load: $(uptime | sed 's/.*load average: //')"
fixtures/lab/run --extra-domains "$N" -- bash -c '
set -u
conf=$LAB_DIR/profile.yml
{
	echo "listen: 127.0.0.1:9862"
	echo "interval: $INTERVAL"
	echo "timeout: 30s"
	echo "trust_anchor: $LAB_TA"
	echo "root_hints: $LAB_HINTS"
	echo "ca_file: $LAB_CA"
	echo "max_parallel: $PAR"
	echo "log_level: error"
	echo "domains:"
	echo "  - name: glitter.kr"
	sed "s/^/  - name: /" "$LAB_DIR/extra-domains"
} >"$conf"
perf record -q -F 199 --call-graph "$CG" -o "$OUT/perf.data" -- \
	"$DNSPROBE" monitor -c "$conf" 2>"$OUT/monitor.log" &
sleep "$DUR"
pid=$(pgrep -f "$DNSPROBE monitor -c $conf" | tail -1)
runs=$(curl -fs http://127.0.0.1:9862/metrics |
	awk "/^dnsprobe_check_runs_total/ { s += \$2 } END { print s + 0 }")
ticks=$(awk "{ print \$14 + \$15 }" "/proc/$pid/stat")
hz=$(getconf CLK_TCK)
echo "# $((N + 1)) domains, interval $INTERVAL, max_parallel $PAR, $DUR s"
awk -v r="$runs" -v t="$ticks" -v hz="$hz" "BEGIN { printf \"domain runs %d, CPU %.1f s, %.0f CPU ms per run\\n\", r, t / hz, r ? 1000 * t / hz / r : 0 }"
echo "# load: $(uptime | sed "s/.*load average: //")"
kill -INT "$pid"
wait
'
perf report -i "$OUT/perf.data" --no-children --sort symbol --stdio -g none 2>/dev/null |
	grep "%" | head -25
echo "# perf.data and monitor.log in $OUT"
