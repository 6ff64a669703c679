#!/usr/bin/env bash
# Runs every libFuzzer target for a set time each (clang, -Dfuzzing=true, ASan+UBSan) and keeps
# crashers in the seed corpus, so the replay suite (meson suite fuzz) runs them in every build.
#   fuzz/run.sh [SECONDS-PER-TARGET] [TARGET...]     (default 60 s, every target)
# The corpus a run grows stays in $FUZZ_BUILD/corpus/TARGET for the next run; FUZZ_MERGE=1 also
# merges the inputs that add coverage into fuzz/corpus/TARGET (then review and commit them).
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
shift || true
build=${FUZZ_BUILD:-$src/build-fuzz}
case $secs in '' | *[!0-9]*) echo "fuzz/run.sh: SECONDS must be a whole number" >&2; exit 3 ;; esac

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$src" -Dfuzzing=true -Dtests=false -Db_lundef=false \
		-Db_sanitize=address,undefined -Dbuildtype=debugoptimized >"${build}-setup.log" 2>&1 ||
		{ cat "${build}-setup.log"; exit 1; }
fi
ninja -C "$build" >"$build/fuzz-ninja.log" 2>&1 || { tail -40 "$build/fuzz-ninja.log"; exit 1; }

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	mapfile -t targets < <(sed -n "/^fuzz_targets = \[/,/^\]/p" "$src/fuzz/meson.build" |
		grep -o "'[a-z_]*'" | tr -d "'")
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
printf '%-16s %8s %10s %10s %s\n' target seconds execs seeds result
for t in "${targets[@]}"; do
	exe=$build/fuzz/fuzz_$t
	seeds=$src/fuzz/corpus/$t
	[ -x "$exe" ] || { echo "fuzz/run.sh: no target $t" >&2; status=1; continue; }
	work=$build/corpus/$t
	mkdir -p "$work"
	before=$(ls "$seeds" | wc -l)
	# -artifact_prefix: a crasher lands beside the seeds, named crash-<sha1>, and stays there.
	"$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$seeds/" "$work" "$seeds" >"$work.log" 2>&1
	rc=$?
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work.log" | grep -o '[0-9]*$')
	if [ "${FUZZ_MERGE:-0}" = 1 ]; then
		"$exe" -merge=1 "$seeds" "$work" >"$work.merge.log" 2>&1 || true
	fi
	after=$(ls "$seeds" | wc -l)
	if [ $rc -ne 0 ]; then
		result="CRASH (kept in fuzz/corpus/$t, log $work.log)"
		status=1
	else
		result=ok
	fi
	printf '%-16s %8s %10s %10s %s\n' "$t" "$secs" "${execs:-?}" "$before->$after" "$result"
done
exit $status
