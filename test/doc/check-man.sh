#!/usr/bin/env bash
# The man pages render without warnings: man --warnings (groff) and mandoc -Tlint at level warning.
set -u
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$SRCDIR" || exit 1
n=0
fails=0
check() { # DESC CMD...: passes when CMD succeeds and prints nothing on stderr
	local out
	n=$((n + 1))
	if out=$("${@:2}" 2>&1 >/dev/null) && [ -z "$out" ]; then
		echo "ok $n - $1"
	else
		fails=$((fails + 1))
		echo "not ok $n - $1"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
}
for m in packaging/dnsprobe.1 packaging/dnsprobe.yml.5; do
	check "$m renders with man --warnings" \
		env LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$m"
	if command -v mandoc >/dev/null; then
		check "$m passes mandoc -Tlint -W warning" mandoc -Tlint -W warning "$m"
	fi
done
echo "1..$n"
[ "$fails" -eq 0 ]
