#!/usr/bin/env bash
# Benchmarks against the lab: dnsprobe check vs the dig/delv/openssl/curl script doing the same
# checks, (a) on glitter.kr, (b) over many domains in a row. Prints wall time, CPU and peak RSS.
# usage (as root): bench/run.sh [--runs N] [--domains N] [--manual-domains N]
# DNSPROBE=path/to/dnsprobe (default build/dnsprobe); BENCH_RAW=DIR keeps the raw samples
# ("wall user sys maxrss_kb exit" per line). Not part of the test suite.
set -u
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
DNSPROBE=${DNSPROBE:-$SRCDIR/build/dnsprobe}
runs=5
domains=50
manual_domains=50
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--domains) domains=$2; shift 2 ;;
	--manual-domains) manual_domains=$2; shift 2 ;;
	--inside) inside=1; shift ;;
	*) echo "usage: bench/run.sh [--runs N] [--domains N] [--manual-domains N]" >&2; exit 2 ;;
	esac
done
if [ -z "${inside:-}" ]; then
	export DNSPROBE BENCH_RAW
	exec "$SRCDIR/fixtures/lab/run" --extra-domains "$domains" -- \
		"$SRCDIR/bench/run.sh" --inside --runs "$runs" --domains "$domains" \
		--manual-domains "$manual_domains"
fi

# Inside the lab from here on.
tmp=$(mktemp -d /tmp/dp-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dp=("$DNSPROBE" check -a "$LAB_TA" -r "$LAB_HINTS" --ca-file "$LAB_CA")
extra=(--tlsa 587:mail.glitter.kr --tlsa 443:captcha.glitter.kr)

# measure NAME CMD...: one run under /usr/bin/time; appends "wall user sys maxrss_kb rc" to $tmp/NAME.
measure() {
	local name=$1 rc=0
	shift
	/usr/bin/time -f '%e %U %S %M' -o "$tmp/t" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	echo "$(tail -1 "$tmp/t") $rc" >>"$tmp/$name"
}
# summary NAME: median, min and max wall; median CPU (user+sys); largest peak RSS; exit codes.
summary() {
	local cpu
	cpu=$(awk '{ printf "%.2f\n", $2 + $3 }' "$tmp/$1" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	sort -n -k1 "$tmp/$1" | awk -v name="$1" -v cpu="$cpu" '
		{ w[NR] = $1; if ($4 > rss) rss = $4; rc[$5]++ }
		END {
			codes = ""; for (c in rc) codes = codes c "x" rc[c] " "
			printf "%-16s runs %3d  wall median %6.2fs (min %.2f, max %.2f)  cpu median %5.2fs  peak RSS %5.1f MiB  exit %s\n",
				name, NR, w[int((NR + 1) / 2)], w[1], w[NR], cpu, rss / 1024, codes
		}'
	[ -z "${BENCH_RAW:-}" ] || cp "$tmp/$1" "$BENCH_RAW/$1"
}

echo "# lab: startup $(cat "$LAB_DIR/startup-seconds" 2>/dev/null)s, $(nproc) CPUs, $(uname -r)"
echo "# dnsprobe: $("$DNSPROBE" version | head -1), $DNSPROBE"

echo "## (a) glitter.kr, ${runs} runs each (port 25 of the MX, 587 and 443 as extra endpoints)"
for _ in $(seq "$runs"); do
	measure dnsprobe_check "${dp[@]}" -o json "${extra[@]}" glitter.kr
	measure manual_script "$SRCDIR/bench/manual-check.sh" glitter.kr 587:mail.glitter.kr 443:captcha.glitter.kr
done
summary dnsprobe_check
summary manual_script
"${dp[@]}" -o json "${extra[@]}" glitter.kr | jq -r '"#   dnsprobe: \(.status), \(.checks | length) results from \([.checks[].id] | unique | length) checks"'
echo "#   manual:   $("$SRCDIR/bench/manual-check.sh" glitter.kr 587:mail.glitter.kr 443:captcha.glitter.kr | wc -l) findings"

mapfile -t names <"$LAB_DIR/extra-domains"
echo "## (b) ${#names[@]} extra domains in a row (b0001.kr ...), one process per domain"
start=$(date +%s.%N)
for d in "${names[@]}"; do measure dnsprobe_many "${dp[@]}" -o json "$d"; done
end=$(date +%s.%N)
summary dnsprobe_many
awk -v s="$start" -v e="$end" -v n="${#names[@]}" 'BEGIN { printf "#   dnsprobe total %.1fs for %d domains (%.2fs per domain)\n", e - s, n, (e - s) / n }'
m=$((manual_domains < ${#names[@]} ? manual_domains : ${#names[@]}))
start=$(date +%s.%N)
for d in "${names[@]:0:$m}"; do measure manual_many "$SRCDIR/bench/manual-check.sh" "$d"; done
end=$(date +%s.%N)
summary manual_many
awk -v s="$start" -v e="$end" -v n="$m" 'BEGIN { printf "#   manual total %.1fs for %d domains (%.2fs per domain)\n", e - s, n, (e - s) / n }'
