#!/usr/bin/env bash
# Docs are tested like code: every check id, command-line option, config key and metric name in
# the code appears in README.md and the man pages, and every one the docs name exists in the code.
set -u
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$SRCDIR" || exit 1
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

docs=(README.md)
for m in packaging/dnsprobe.1 packaging/dnsprobe.yml.5; do [ -f "$m" ] && docs+=("$m"); done

# What the code defines.
ids=$(grep -ho '#define ID "[a-z_.]*"' probes/*.c | sed 's/.*"\(.*\)"/\1/' | sort -u)
opts=$(sed -n '/long_opts\[\] = {/,/^};/p' src/cli.c src/monitor.c 2>/dev/null |
	grep -o '{"[a-z-]*"' | tr -d '{"' | sort -u)
metrics=$(grep -ho '"dnsprobe_[a-z_]*' src/*.c 2>/dev/null | tr -d '"' | sort -u)
keys=$(grep -ho 'CYAML_FIELD_[A-Z_]*("[a-z_]*"' src/config.c 2>/dev/null |
	sed 's/.*("\(.*\)"/\1/' | sort -u)

# mentioned DOC WORD: the word appears in the doc (as a whole word, man-page escapes undone).
mentioned() { sed 's/\\-/-/g; s/\\f[BIRP]//g' "$1" | grep -qw -- "$2"; }

for d in "${docs[@]}"; do
	for id in $ids; do mentioned "$d" "$id" && ok "$d names check $id" || nok "$d names check $id"; done
	for o in $opts; do mentioned "$d" "--$o" && ok "$d names option --$o" || nok "$d names option --$o"; done
	for m in $metrics; do mentioned "$d" "$m" && ok "$d names metric $m" || nok "$d names metric $m"; done
	for k in $keys; do mentioned "$d" "$k" && ok "$d names config key $k" || nok "$d names config key $k"; done
done

# The reverse: what README names must exist.
for id in $(grep -o '`[a-z_]*\.[a-z_]*`\|`tls_rpt`\|`caa`' README.md | tr -d '`' | grep -E '^(dnssec|ns|dane|tls|mta_sts|resolver)\.|^tls_rpt$|^caa$' | sort -u); do
	grep -q "#define ID \"$id\"" probes/*.c && ok "check $id in README exists" || nok "check $id in README exists"
done
for m in $(grep -o 'dnsprobe_[a-z_]*' README.md | sort -u); do
	[ -z "$metrics" ] && break
	case "$m" in dnsprobe_yml | dnsprobe_core) continue ;; esac
	grep -q "\"$m" src/*.c && ok "metric $m in README exists" || nok "metric $m in README exists"
done
for o in $(grep -o -- '--[a-z][a-z-]*' README.md | sort -u); do
	case "$o" in --fault | --list-faults | --extra-domains | --suite | --clear | --tlsa-*) continue ;; esac
	o=${o#--}
	grep -q "{\"$o\"" src/cli.c src/monitor.c 2>/dev/null && ok "option --$o in README exists" ||
		nok "option --$o in README exists"
done
echo "1..$n"
[ "$fails" -eq 0 ]
