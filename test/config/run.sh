#!/usr/bin/env bash
# The config suite: `monitor -n -v` of every good/*.yml must print exactly good/*.out and exit 0;
# `monitor -n` of every bad/*.yml must exit 3 with exactly the line in bad/*.err on stderr.
set -u
DNSPROBE=${DNSPROBE:?}
cd "$(dirname "$0")" || exit 1
n=0
fails=0
t() { n=$((n + 1)); if [ "$1" = ok ]; then echo "ok $n - $2"; else fails=$((fails + 1)); echo "not ok $n - $2"; fi; }

for f in good/*.yml; do
	out=$("$DNSPROBE" monitor -n -v -c "$f" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ] && [ "$out" = "$(cat "${f%.yml}.out")" ]; then
		t ok "$f prints back as ${f%.yml}.out"
	else
		t fail "$f prints back as ${f%.yml}.out (exit $rc)"
		diff <(printf '%s\n' "$out") "${f%.yml}.out" | sed 's/^/# /'
	fi
	# The canonical form is a fixed point: parsing it again prints the same.
	again=$("$DNSPROBE" monitor -n -v -c <(printf '%s\n' "$out") 2>&1)
	[ "$again" = "$out" ] && t ok "$f: canonical form is stable" || t fail "$f: canonical form is stable"
done
for f in bad/*.yml; do
	err=$("$DNSPROBE" monitor -n -c "$f" 2>&1 >/dev/null)
	rc=$?
	want=$(cat "${f%.yml}.err")
	if [ "$rc" -eq 3 ] && [ "$err" = "$want" ]; then
		t ok "$f is refused: $want"
	else
		t fail "$f is refused (exit $rc)"
		printf '# got:  %s\n# want: %s\n' "$err" "$want"
	fi
done
# The annotated example shipped in packaging/ is valid.
"$DNSPROBE" monitor -n -c ../../packaging/dnsprobe.yml >/dev/null 2>&1 &&
	t ok "packaging/dnsprobe.yml is valid" || t fail "packaging/dnsprobe.yml is valid"
# An oversized file is refused before it is parsed.
big=$(mktemp /tmp/dp-big.XXXXXX)
head -c 9000000 /dev/zero | tr '\0' '#' >"$big"
err=$("$DNSPROBE" monitor -n -c "$big" 2>&1 >/dev/null)
rc=$?
rm -f "$big"
[ "$rc" -eq 3 ] && [ "$err" = "dnsprobe monitor: $big: larger than 8388608 bytes" ] &&
	t ok "a 9 MB file is refused" || t fail "a 9 MB file is refused (exit $rc: $err)"
echo "1..$n"
[ "$fails" -eq 0 ]
