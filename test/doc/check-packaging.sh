#!/usr/bin/env bash
# What `meson install` ships: binary, man pages, a hardened systemd unit that systemd-analyze
# verifies, bash completion that knows every check id and option, dashboard and alert rules.
set -u
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILDDIR=${BUILDDIR:?BUILDDIR: the meson build directory}
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
dest=$(mktemp -d /tmp/dp-install.XXXXXX)
trap 'rm -rf "$dest"' EXIT

if out=$(meson install -C "$BUILDDIR" --destdir "$dest" --no-rebuild 2>&1); then
	ok "meson install --destdir"
else
	nok "meson install --destdir" "$out"
	echo "1..$n"
	exit 1
fi
prefix=$(meson introspect "$BUILDDIR" --buildoptions | jq -r '.[] | select(.name == "prefix") | .value')
find "$dest" -type f | sed "s|^$dest||" | sort >"$dest.list"
trap 'rm -rf "$dest" "$dest.list"' EXIT
for f in "$prefix/bin/dnsprobe" "$prefix/share/man/man1/dnsprobe.1" \
	"$prefix/share/man/man5/dnsprobe.yml.5" "/dnsprobe.service" "/completions/dnsprobe" \
	"$prefix/share/dnsprobe/dnsprobe.json" "$prefix/share/dnsprobe/alerts.yml" \
	"$prefix/share/dnsprobe/alertmanager.yml" \
	"/examples/nagios-dnsprobe.cfg" "/examples/icinga2-dnsprobe.conf"; do
	grep -q -- "$f\$" "$dest.list" && ok "installs $f" || nok "installs $f" "$(cat "$dest.list")"
done
if [ -f packaging/dnsprobe.yml ]; then
	grep -q '/dnsprobe/dnsprobe.yml$' "$dest.list" && ok "installs the example config" ||
		nok "installs the example config"
fi

# The unit: hardening the issue asks for, then systemd's own verification with the installed
# binary and man pages (paths moved into the destdir).
unit=$(grep '/dnsprobe.service$' "$dest.list" | head -1)
for line in 'DynamicUser=yes' 'ProtectSystem=strict' 'NoNewPrivileges=yes' 'CapabilityBoundingSet=' \
	'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'ExecReload=/bin/kill -HUP $MAINPID' \
	"ExecStart=$prefix/bin/dnsprobe monitor -c "; do
	grep -qF -- "$line" "$dest$unit" && ok "unit has $line" || nok "unit has $line"
done
grep -qx 'CapabilityBoundingSet=' "$dest$unit" && ok "unit keeps no capability" || nok "unit keeps no capability"
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$dest/verify"
	sed "s|$prefix/bin/dnsprobe|$dest$prefix/bin/dnsprobe|g" "$dest$unit" >"$dest/verify/dnsprobe.service"
	out=$(MANPATH="$dest$prefix/share/man" systemd-analyze verify "$dest/verify/dnsprobe.service" 2>&1) &&
		[ -z "$out" ] && ok "systemd-analyze verify dnsprobe.service" ||
		nok "systemd-analyze verify dnsprobe.service" "$out"
	exposure=$(systemd-analyze security --offline=yes "$dest/verify/dnsprobe.service" 2>/dev/null |
		sed -n 's/.*Overall exposure level for dnsprobe.service: \([0-9.]*\).*/\1/p')
	awk -v e="${exposure:-10}" 'BEGIN { exit !(e <= 2.0) }' &&
		ok "systemd-analyze security: exposure $exposure <= 2.0" ||
		nok "systemd-analyze security: exposure ${exposure:-?} <= 2.0"
fi

# Bash completion: parses, and offers every check id, and every option and command of the code.
comp=packaging/dnsprobe.bash-completion
out=$(bash -n "$comp" 2>&1) && ok "$comp parses" || nok "$comp parses" "$out"
for id in $(grep -ho '#define ID[[:space:]]*"[a-z_.]*"' probes/*.c | sed 's/.*"\(.*\)"/\1/' | sort -u); do
	grep -qw -- "$id" "$comp" && ok "completion offers check $id" || nok "completion offers check $id"
done
# Every option and command of the code, and nothing else: the getopt_long tables (long names)
# and optstrings (short ones) of check (src/cli/cli.c) and monitor (src/monitor/monitor.c), the
# commands main() dispatches, against what the completion offers after "dnsprobe CMD -".
code_opts() { # FILE: --long and -s options of its getopt_long call
	sed -n '/long_opts\[\] = {/,/^};/p' "$1" | grep -o '{"[a-z0-9-]*"' | tr -d '{"' | sed 's/^/--/'
	grep -o 'getopt_long(argc, argv, "[^"]*"' "$1" | sed 's/.*"\(.*\)"/\1/' | tr -d ':' | grep -o . | sed 's/^/-/'
}
offered() { # WORDS...: what the completion offers for that command line
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _dnsprobe
		printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$@" | sort -u
}
for cmd in check:src/cli/cli.c monitor:src/monitor/monitor.c; do
	want=$(code_opts "${cmd#*:}" | sort -u)
	got=$(offered dnsprobe "${cmd%%:*}" -)
	[ -n "$want" ] && ok "${cmd#*:} has a getopt_long table" || nok "${cmd#*:} has a getopt_long table"
	for o in $want; do
		grep -qx -- "$o" <<<"$got" && ok "completion offers ${cmd%%:*} $o" || nok "completion offers ${cmd%%:*} $o"
	done
	extra=$(comm -13 <(printf '%s\n' $want) <(printf '%s\n' $got))
	[ -z "$extra" ] && ok "completion offers no ${cmd%%:*} option the code lacks" ||
		nok "completion offers no ${cmd%%:*} option the code lacks" "$extra"
done
want=$(grep -o 'strcmp(argv\[1\], "[a-z]*")' src/cli/main.c | sed 's/.*"\(.*\)")/\1/' | sort -u)
got=$(offered dnsprobe "")
[ -n "$want" ] && [ "$want" = "$got" ] && ok "completion offers the commands: $(echo $got)" ||
	nok "completion offers the commands" "code: $(echo $want); completion: $(echo $got)"
got=$(offered dnsprobe monitor --check-config -c packaging/dnsprobe.y)
grep -qx 'packaging/dnsprobe.yml' <<<"$got" && ok "completion completes file names after monitor --check-config -c" ||
	nok "completion completes file names after monitor --check-config -c" "got: $got"
got=$(bash -c 'source "$1"; COMP_WORDS=(dnsprobe check --only dnssec.chain,ns.soa_se); COMP_CWORD=3
	_dnsprobe; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp")
[ "$got" = "dnssec.chain,ns.soa_serial" ] && ok "completion completes the last item of --only" ||
	nok "completion completes the last item of --only" "got: $got"

echo "1..$n"
[ "$fails" -eq 0 ]
