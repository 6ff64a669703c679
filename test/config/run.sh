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
	# The canonical form is a fixed point: parsing it again prints the same (from a regular
	# file: a pipe is refused like any FIFO).
	canon=$(mktemp /tmp/dp-canon.XXXXXX)
	printf '%s\n' "$out" >"$canon"
	again=$("$DNSPROBE" monitor -n -v -c "$canon" 2>&1)
	again=${again//"$canon"/"$f"}
	rm -f "$canon"
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
# Files that are not regular files are refused at once, naming the file (issue 13): a FIFO as
# the config itself and as trust_anchor, a directory and a device as the config.
tmp=$(mktemp -d /tmp/dp-cfg.XXXXXX)
mkfifo "$tmp/fifo"
printf 'trust_anchor: %s\ndomains:\n  - name: glitter.kr\n' "$tmp/fifo" >"$tmp/fifo-anchor.yml"
refused() { # FILE WANT DESC
	local err rc
	err=$(timeout 5 "$DNSPROBE" monitor -n -c "$1" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" -eq 3 ] && [ "$err" = "$2" ] && t ok "$3" || {
		t fail "$3 (exit $rc)"
		printf '# got:  %s\n# want: %s\n' "$err" "$2"
	}
}
refused "$tmp/fifo-anchor.yml" \
	"dnsprobe monitor: $tmp/fifo-anchor.yml:1: trust_anchor: trust anchor $tmp/fifo: is a FIFO, not a regular file" \
	"a FIFO as trust_anchor is refused at once"
refused "$tmp/fifo" "dnsprobe monitor: $tmp/fifo: is a FIFO, not a regular file" \
	"a FIFO as the config file is refused at once"
refused "$tmp" "dnsprobe monitor: $tmp: is a directory, not a regular file" "a directory as the config file"
refused /dev/zero "dnsprobe monitor: /dev/zero: is a character device, not a regular file" \
	"/dev/zero as the config file"
rm -rf "$tmp"
echo "1..$n"
[ "$fails" -eq 0 ]
