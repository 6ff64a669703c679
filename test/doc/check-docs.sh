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

# Each page names what it documents: README everything; dnsprobe(1) the check ids, options and
# metrics; dnsprobe.yml(5) the config keys.
docs=(README.md)
for m in packaging/dnsprobe.1 packaging/dnsprobe.yml.5; do [ -f "$m" ] && docs+=("$m"); done
wants() { # DOC KIND: whether DOC must name every KIND (ids, opts, metrics, keys)
	case "$1:$2" in
	README.md:*) return 0 ;;
	*.1:ids | *.1:opts | *.1:metrics) return 0 ;;
	*.5:keys) return 0 ;;
	esac
	return 1
}

# What the code defines.
ids=$(grep -ho '#define ID[[:space:]]*"[a-z_.]*"' probes/*.c | sed 's/.*"\(.*\)"/\1/' | sort -u)
opts=$(sed -n '/long_opts\[\] = {/,/^};/p' src/cli/cli.c src/monitor/monitor.c 2>/dev/null |
	grep -o '{"[a-z-]*"' | tr -d '{"' | sort -u)
metrics=$(grep -ho '"dnsprobe_[a-z_]*' src/*/*.c probes/*.c 2>/dev/null | tr -d '"' | sort -u)
keys=$(grep -ho 'CYAML_FIELD_[A-Z_]*("[a-z_]*"' src/config/config.c 2>/dev/null |
	sed 's/.*("\(.*\)"/\1/' | sort -u)

# mentioned DOC WORD: the word appears in the doc (as a whole word, man-page escapes undone).
mentioned() { sed 's/\\-/-/g; s/\\f[BIRP]//g' "$1" | grep -qw -- "$2"; }

for d in "${docs[@]}"; do
	wants "$d" ids && for id in $ids; do mentioned "$d" "$id" && ok "$d names check $id" || nok "$d names check $id"; done
	wants "$d" opts && for o in $opts; do mentioned "$d" "--$o" && ok "$d names option --$o" || nok "$d names option --$o"; done
	wants "$d" metrics && for m in $metrics; do mentioned "$d" "$m" && ok "$d names metric $m" || nok "$d names metric $m"; done
	wants "$d" keys && for k in $keys; do mentioned "$d" "$k" && ok "$d names config key $k" || nok "$d names config key $k"; done
done

# The reverse: what README names must exist.
for id in $(grep -o '`[a-z_]*\.[a-z_]*`\|`tls_rpt`\|`caa`' README.md | tr -d '`' | grep -E '^(dnssec|ns|dane|tls|mta_sts|resolver)\.|^tls_rpt$|^caa$' | sort -u); do
	grep -Eq "#define ID[[:space:]]+\"$id(\"|\\.)" probes/*.c && ok "check $id in README exists" || nok "check $id in README exists"
done
for m in $(grep -o 'dnsprobe_[a-z_]*' README.md | sort -u); do
	[ -z "$metrics" ] && break
	case "$m" in dnsprobe_yml | dnsprobe_core) continue ;; esac
	grep -q "\"$m" src/*/*.c probes/*.c && ok "metric $m in README exists" || nok "metric $m in README exists"
done
# (an option starts a word: the "--" inside an A-label such as xn--bj0bj5t93s is not one)
for o in $(grep -oE -- '(^|[^a-z0-9])--[a-z][a-z-]*' README.md | sed 's/^[^-]*//' | sort -u); do
	case "$o" in --build | --fault | --list-faults | --extra-domains | --suite | --clear | --tlsa-*) continue ;; esac
	o=${o#--}
	grep -q "{\"$o\"" src/cli/cli.c src/monitor/monitor.c 2>/dev/null && ok "option --$o in README exists" ||
		nok "option --$o in README exists"
done

# The reverse for the man pages: the tag of every .TP entry in the option and key sections.
tags() { # FILE SECTION-ERE
	awk -v re="$2" '/^\.SH/ { sec = substr($0, 5); gsub(/"/, "", sec); in_sec = sec ~ re; prev = ""; next }
		in_sec && prev == ".TP" { print } { prev = $0 }' "$1" | sed 's/\\-/-/g; s/\\f[BIRP]//g'
}
longopts() { sed -n '/long_opts\[\] = {/,/^};/p' "$1" 2>/dev/null | grep -o '{"[a-z-]*"' | tr -d '{"'; }
man1=packaging/dnsprobe.1
man5=packaging/dnsprobe.yml.5
if [ -f "$man1" ]; then
	for o in $(tags "$man1" '^OPTIONS OF CHECK$' | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		longopts src/cli/cli.c | grep -qx -- "${o#--}" && ok "check option $o in $man1 exists" ||
			nok "check option $o in $man1 exists"
	done
	for o in $(tags "$man1" '^OPTIONS OF MONITOR$' | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		if [ -z "$(longopts src/monitor/monitor.c)" ]; then
			ok "monitor option $o in $man1 exists # SKIP src/monitor/monitor.c has no long_opts yet"
		else
			longopts src/monitor/monitor.c | grep -qx -- "${o#--}" && ok "monitor option $o in $man1 exists" ||
				nok "monitor option $o in $man1 exists"
		fi
	done
fi
if [ -f "$man5" ] && [ -n "$keys" ]; then
	for k in $(tags "$man5" 'KEYS$|^THRESHOLDS$' | awk '{ print $2 }' | sort -u); do
		printf '%s\n' $keys | grep -qx -- "$k" && ok "config key $k in $man5 exists" ||
			nok "config key $k in $man5 exists"
	done
fi
echo "1..$n"
[ "$fails" -eq 0 ]
