#!/usr/bin/env bash
# House-style lint (STYLE.md): banned functions, file purpose lines, header hygiene, shell syntax.
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

csrc=$(find src probes include fuzz test/unit bench -name '*.[ch]' 2>/dev/null | sort)

# strip_comments FILE: the code with /* */ and // comments and string literals blanked, so a
# comment that names a banned function ("never strcpy") does not trip the check.
strip_comments() {
	perl -0777 -pe 's{/\*.*?\*/}{" " x length($&)}gse; s{//[^\n]*}{}g; s{"(?:\\.|[^"\\\n])*"}{""}g' "$1"
}

# 1. Banned functions (STYLE: use snprintf with a truncation check, bounded copies, strtoull).
banned='sprintf|vsprintf|strcpy|strcat|strncpy|strtok|atoi|atol|atoll|sscanf|gets|strncat'
for f in $csrc; do
	# the name must not follow an identifier character, so snprintf( does not match sprintf(
	hits=$(strip_comments "$f" | grep -nE "(^|[^a-zA-Z0-9_])($banned)[[:space:]]*\(" || true)
	if [ -n "$hits" ]; then
		nok "$f uses a banned function" "$hits"
	else
		ok "$f has no banned function"
	fi
done

# 2. Every C file starts with a one-line purpose comment.
for f in $csrc; do
	first=$(head -1 "$f")
	case "$first" in
	"/* "?* | "// "?*) ok "$f starts with a purpose line" ;;
	*) nok "$f starts with a purpose line" "first line: $first" ;;
	esac
done

# 3. Headers: #pragma once; no struct typedefs anywhere.
for f in $(printf '%s\n' $csrc | grep '\.h$'); do
	if grep -q '^#pragma once' "$f"; then ok "$f has #pragma once"; else nok "$f has #pragma once"; fi
done
td=$(for f in $csrc; do strip_comments "$f" | grep -nE '^[[:space:]]*typedef[[:space:]]+struct' |
	sed "s|^|$f:|"; done)
if [ -n "$td" ]; then nok "no struct typedefs" "$td"; else ok "no struct typedefs"; fi

# 4. Shell scripts parse.
for f in $(git ls-files '*.sh' '.ci/*' 'fixtures/lab/run' 'fixtures/lab/lib/*' 2>/dev/null); do
	head -1 "$f" | grep -q 'bash\|/sh' || case "$f" in *.sh) ;; *) continue ;; esac
	if out=$(bash -n "$f" 2>&1); then ok "$f parses"; else nok "$f parses" "$out"; fi
done

echo "1..$n"
[ "$fails" -eq 0 ]
