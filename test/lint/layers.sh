#!/usr/bin/env bash
# Layering lint (STYLE.md, issue 16): every #include "…" of a file is checked against what its
# layer may include. Layers, lowest first: base dns mail survey, the contract (include/dnsprobe),
# probes, engine, out, config, monitor, http, cli. A lower layer never includes a higher one.
set -u
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$SRCDIR" || exit 1
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
	[ -z "${2-}" ] || printf '%s\n' "$2" | head -20 | sed 's/^/#   /'
}

# allowed LAYER: the include prefixes (folder/ or exact contract header) a layer may use.
# "dnsprobe/common.h" is the contract's basic types (errors, statuses, logging) that every layer
# shares; the rest of the contract (probe.h, result.h, discovery.h) starts at the survey.
contract='dnsprobe/common.h dnsprobe/result.h dnsprobe/discovery.h dnsprobe/probe.h'
allowed() {
	case $1 in
	base) echo "base/ dnsprobe/common.h" ;;
	dns) echo "base/ dns/ dnsprobe/common.h" ;;
	mail) echo "base/ dns/ mail/ dnsprobe/common.h" ;;
	survey) echo "base/ dns/ mail/ survey/ $contract" ;;
	contract) echo "base/ dns/ $contract" ;;
	# probes: the contract, the layers below it and their own folder's headers (probes/judges.h,
	# probes/causes.h); never the engine or anything above.
	probes) echo "base/ dns/ mail/ survey/ probes/ $contract" ;;
	engine) echo "base/ dns/ mail/ survey/ engine/ $contract" ;;
	# renderers read the result tree only: never the registry (dnsprobe/probe.h) or the engine.
	out) echo "base/ out/ dnsprobe/common.h dnsprobe/result.h" ;;
	config) echo "base/ dns/ engine/ out/ config/ $contract" ;;
	monitor) echo "base/ dns/ engine/ out/ config/ monitor/ $contract" ;;
	http) echo "base/ dns/ engine/ out/ config/ monitor/ http/ $contract" ;;
	cli) echo "base/ dns/ mail/ survey/ engine/ out/ config/ monitor/ http/ cli/ $contract" ;;
	esac
}

layer_of() {
	case $1 in
	include/dnsprobe/*) echo contract ;;
	probes/*) echo probes ;;
	src/*/*) f=${1#src/}; echo "${f%%/*}" ;;
	*) echo "" ;;
	esac
}

files=$(git ls-files 'src/*.[ch]' 'include/*.h' 'probes/*.[ch]' 2>/dev/null ||
	find src include probes -name '*.[ch]')
for f in $files; do
	l=$(layer_of "$f")
	al=$(allowed "$l")
	if [ -z "$l" ] || [ -z "$al" ]; then
		nok "$f is in a known layer" "src/ files live in one of the layer folders"
		continue
	fi
	bad=""
	for inc in $(grep -oE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[^"]+"' "$f" |
		sed -E 's/.*"([^"]+)"/\1/'); do
		[ "$inc" = config.h ] && continue
		fine=no
		for a in $al; do
			case $a in
			*/) case $inc in "$a"*) fine=yes ;; esac ;;
			*) [ "$inc" = "$a" ] && fine=yes ;;
			esac
		done
		[ $fine = yes ] || bad="$bad $inc"
	done
	if [ -n "$bad" ]; then
		nok "$f ($l) includes only lower layers" "not allowed from $l:$bad"
	else
		ok "$f ($l) includes only lower layers"
	fi
done

# Nothing outside probes/ names the registry's symbols: layers above the engine ask the engine.
reg=$(grep -nE '\bdp_probes\b|\bdp_probe_find\b' $(printf '%s\n' $files | grep -v '^probes/' |
	grep -v '^src/engine/' | grep -v '^include/dnsprobe/probe.h$') 2>/dev/null || true)
if [ -n "$reg" ]; then
	nok "only the engine reads the probe registry" "$reg"
else
	ok "only the engine reads the probe registry"
fi

# Nothing outside probes/ names a check id (SPEC §2): the checks declare their metrics, titles
# and needs; the layers above learn of them from the engine's catalogue. A check id is a string
# literal "word.word" whose first word is one of the ids' prefixes.
ids=$(grep -ho '#define ID[[:space:]]*"[a-z_.]*"' probes/*.c | sed 's/.*"\(.*\)"/\1/' | sort -u)
named=""
for id in $ids; do
	hit=$(grep -nF "\"$id\"" $(printf '%s\n' $files | grep -v '^probes/') 2>/dev/null || true)
	[ -z "$hit" ] || named="$named$hit
"
done
if [ -z "$ids" ]; then
	nok "the check ids are found in probes/" "no #define ID in probes/*.c"
elif [ -n "$named" ]; then
	nok "nothing outside probes/ names a check id" "$named"
else
	ok "nothing outside probes/ names a check id"
fi

echo "1..$n"
[ "$fails" -eq 0 ]
