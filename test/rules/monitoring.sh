#!/usr/bin/env bash
# The shipped Nagios and Icinga 2 examples load in the real daemons' config checkers, each given
# a throw-away configuration directory (no running daemon, nothing written outside it):
# `nagios4 -v` on packaging/nagios/dnsprobe.cfg, `icinga2 daemon -C` on packaging/icinga2.
set -u
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$SRCDIR" || exit 1
nagios_cfg=${NAGIOS_CFG:-$SRCDIR/packaging/nagios/dnsprobe.cfg}
icinga_conf=${ICINGA_CONF:-$SRCDIR/packaging/icinga2/dnsprobe.conf}
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1))
	fails=$((fails + 1))
	echo "not ok $n - $1"
	[ -z "${2-}" ] || printf '%s\n' "$2" | head -30 | sed 's/^/#   /'
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
tmp=$(mktemp -d /tmp/dp-monitoring.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# ---- Nagios 4: the example plus the objects it refers to (24x7, the admins contact group),
# with Debian's own illegal_object_name_chars (the ones that rejected a comma).
if command -v nagios4 >/dev/null; then
	mkdir -p "$tmp/nagios/checkresults"
	illegal=$(sed -n 's/^illegal_object_name_chars=//p' /etc/nagios4/nagios.cfg 2>/dev/null)
	[ -n "$illegal" ] || illegal='`~!$%^&*|'"'"'"<>?,()='
	illegal_macro='`~$&|'"'"'"<>'
	cat >"$tmp/nagios/nagios.cfg" <<CFG
log_file=$tmp/nagios/nagios.log
cfg_file=$tmp/nagios/base.cfg
cfg_file=$nagios_cfg
object_cache_file=$tmp/nagios/objects.cache
precached_object_file=$tmp/nagios/objects.precache
status_file=$tmp/nagios/status.dat
temp_file=$tmp/nagios/nagios.tmp
temp_path=$tmp/nagios
lock_file=$tmp/nagios/nagios.lock
command_file=$tmp/nagios/nagios.cmd
check_result_path=$tmp/nagios/checkresults
state_retention_file=$tmp/nagios/retention.dat
nagios_user=$(id -un)
nagios_group=$(id -gn)
illegal_object_name_chars=$illegal
illegal_macro_output_chars=$illegal_macro
CFG
	cat >"$tmp/nagios/base.cfg" <<'CFG'
define timeperiod {
    timeperiod_name 24x7
    alias           always
    sunday          00:00-24:00
    monday          00:00-24:00
    tuesday         00:00-24:00
    wednesday       00:00-24:00
    thursday        00:00-24:00
    friday          00:00-24:00
    saturday        00:00-24:00
}
define command {
    command_name    notify-none
    command_line    /bin/true
}
define contact {
    contact_name                    nobody
    host_notifications_enabled      0
    service_notifications_enabled   0
    host_notification_period        24x7
    service_notification_period     24x7
    host_notification_options       n
    service_notification_options    n
    host_notification_commands      notify-none
    service_notification_commands   notify-none
}
define contactgroup {
    contactgroup_name   admins
    members             nobody
}
CFG
	out=$(nagios4 -v "$tmp/nagios/nagios.cfg" 2>&1)
	rc=$?
	[ "$rc" -eq 0 ] && ok "nagios4 -v accepts $(basename "$nagios_cfg")" ||
		nok "nagios4 -v accepts $(basename "$nagios_cfg") (exit $rc)" "$(grep -E 'Error|Warning' <<<"$out")"
	grep -q 'Total Warnings: 0' <<<"$out" && ok "nagios4 -v: no warnings" ||
		nok "nagios4 -v: no warnings" "$(grep -E 'Warning' <<<"$out")"
	like_n() { grep -Eq "Checked $1 $2" <<<"$out"; }
	like_n 4 services && ok "nagios4 read the 4 services" || nok "nagios4 read the 4 services" "$(grep Checked <<<"$out")"
	like_n 2 commands || like_n 3 commands && ok "nagios4 read the check commands" ||
		nok "nagios4 read the check commands" "$(grep Checked <<<"$out")"
else
	skip "nagios4 -v on the Nagios example" "nagios4 not installed (package nagios4-core)"
fi
# Every command line of the example runs the plugin with -o nagios and a -t budget.
grep -E '^\s*command_line' "$nagios_cfg" | grep -vq -- '-o nagios -t [0-9]' &&
	nok "every Nagios command_line uses -o nagios -t N" "$(grep -E '^\s*command_line' "$nagios_cfg")" ||
	ok "every Nagios command_line uses -o nagios -t N"

# ---- Icinga 2: the ITL (for the CheckCommand template) and the example, nothing else.
if command -v icinga2 >/dev/null; then
	mkdir -p "$tmp/icinga2/cache"
	printf 'include <itl>\ninclude "%s"\n' "$icinga_conf" >"$tmp/icinga2/icinga2.conf"
	out=$(icinga2 daemon -C -c "$tmp/icinga2/icinga2.conf" -DRunAsUser="$(id -un)" \
		-DRunAsGroup="$(id -gn)" -DCacheDir="$tmp/icinga2/cache" -DVarsPath="$tmp/icinga2/cache/vars" \
		-DObjectsPath="$tmp/icinga2/cache/objects" 2>&1)
	rc=$?
	[ "$rc" -eq 0 ] && ok "icinga2 daemon -C accepts $(basename "$icinga_conf")" ||
		nok "icinga2 daemon -C accepts $(basename "$icinga_conf") (exit $rc)" "$(grep -E 'critical|warning' <<<"$out")"
	grep -q 'warning/' <<<"$out" && nok "icinga2 daemon -C: no warnings" "$(grep 'warning/' <<<"$out")" ||
		ok "icinga2 daemon -C: no warnings"
	grep -q 'Instantiated 4 Services' <<<"$out" && ok "icinga2 applied the 4 services" ||
		nok "icinga2 applied the 4 services" "$(grep Instantiated <<<"$out")"
	grep -q 'Instantiated 1 Host' <<<"$out" && ok "icinga2 read the host" || nok "icinga2 read the host"
else
	skip "icinga2 daemon -C on the Icinga 2 example" "icinga2 not installed (package icinga2-bin)"
fi

echo "1..$n"
[ "$fails" -eq 0 ]
