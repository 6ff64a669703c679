#!/usr/bin/env bash
# System test of the monitor's HTTP side under abuse (issue 13), in the lab: /probe runs do not
# block other clients; request caps (414, 431, 413) and control bytes in the target (400);
# slowloris, trickle, a connection flood, a request flood and slow readers, each bounded in
# time, while a well-behaved client's /healthz and /metrics keep succeeding, and afterwards the
# monitor's fds and threads back at their baseline; each refusal and cut counted in
# dnsprobe_http_connections_rejected_total by its reason. The abusive clients are
# test/system/http_abuse.py (each prints one JSON object; the assertions are made here). The
# reload storm is reload_storm.sh.
. "$(dirname "$0")/lib.sh"

PORT=9862
URL=http://127.0.0.1:$PORT
ABUSE=$SRCDIR/test/system/http_abuse.py
HEADER_TIMEOUT=10

# conf FILE [GLOBAL-YAML] [DOMAINS-YAML] [INTERVAL] : monitor_conf (lib.sh) with the header
# timeout these tests wait out.
conf() {
	monitor_conf "$1" "http_header_timeout: ${HEADER_TIMEOUT}s
${2:-}" "${3:-}" "${4:-}"
}
code() { curl -s --max-time 10 -o "$DP_TMP/body" -w '%{http_code}' "$@"; }
fds() { ls "/proc/$1/fd" | wc -l; }
threads() { awk '$1 == "Threads:" { print $2 }' "/proc/$1/status"; }
# raw HEX : one request as bytes; prints the response's status (or "closed").
raw() { python3 "$ABUSE" --port "$PORT" raw "$1"; }
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
# abuse NAME ARGS... : run one abusive client, its JSON in $DP_TMP/NAME.json.
abuse() {
	local n=$1
	shift
	python3 "$ABUSE" --port "$PORT" --pid "$MON" "$@" >"$DP_TMP/$n.json" 2>"$DP_TMP/$n.err"
	sed 's/^/# /' "$DP_TMP/$n.json"
}
j() { jq -r "$2" "$DP_TMP/$1.json" 2>/dev/null; }
# The well-behaved client of the last abuse: every /healthz and /metrics answered 200.
good_ok() {
	ok_desc "$1: the well-behaved client's /healthz and /metrics all succeeded ($(j "$2" .good_ok) ok, worst $(j "$2" .good_worst_s) s)" \
		test "$(j "$2" .good_fail)" = 0 -a "$(j "$2" .good_ok)" -ge "$3"
	[ "$(j "$2" .good_fail)" = 0 ] || echo "# $(j "$2" .good_errors)"
}
stable_base() { # fds and threads the same twice, 2 s apart
	local f t
	f=$(fds "$MON")
	t=$(threads "$MON")
	sleep 2
	[ "$f" = "$(fds "$MON")" ] && [ "$t" = "$(threads "$MON")" ] && BASE_FD=$f && BASE_TH=$t
}
at_base() { [ "$(fds "$MON")" -le "$BASE_FD" ] && [ "$(threads "$MON")" -le "$BASE_TH" ]; }
back_to_base() {
	ok_desc "after the $1: fds and threads back to the baseline ($BASE_FD fds, $BASE_TH threads)" \
		wait_until 30 at_base
	at_base || echo "# now $(fds "$MON") fds, $(threads "$MON") threads"
}

runs_of() { scrape && grep -F "dnsprobe_check_runs_total{domain=\"$1\"}" "$DP_TMP/metrics.txt" | awk '{print $2}'; }
runs_above() { [ "$(runs_of glitter.kr)" -gt "$1" ]; }
# rej REASON : dnsprobe_http_connections_rejected_total{reason=REASON} now.
rej() {
	scrape && awk -v r="dnsprobe_http_connections_rejected_total{reason=\"$1\"}" \
		'$1 == r { print $2; f = 1 } END { if (!f) print "absent" }' "$DP_TMP/metrics.txt"
}

t_abuse() {
	local c=$DP_TMP/dnsprobe.yml log=$DP_TMP/monitor.log rc big n0 r
	conf "$c" "" "" 5s
	"$DNSPROBE" monitor -c "$c" 2>"$log" &
	MON=$!
	ok_desc "a first run of glitter.kr is published" \
		wait_until 90 has '^dnsprobe_last_run_timestamp_seconds\{domain="glitter.kr"\} [0-9.]+$'
	# Then a 1 h interval: after one more run, no run is in flight (a steady baseline).
	n0=$(runs_of glitter.kr)
	conf "$c"
	kill -HUP "$MON"
	ok_desc "reload to a 1 h interval" wait_until 20 grep -q 'msg="reloaded ' "$log"
	ok_desc "… and one more run" wait_until 90 runs_above "$n0"

	# /probe runs the engine inside its handler: four at once (probe_concurrency) while
	# /healthz is asked.
	abuse probe probe --n 4 --target glitter.kr
	is "$(j probe '.probe_status | join(" ")')" "200 200 200 200" "four /probe runs at once: 200 each"
	is "$(j probe .healthz_status)" 200 "/healthz while they run: 200"
	ok_desc "… answered within 1 s ($(j probe .healthz_s) s) while probes were still running ($(j probe .probes_running_after_healthz) of 4; the fastest took $(j probe .probe_min_s) s)" \
		test "$(j probe '(.healthz_s < 1 and .probes_running_after_healthz >= 1)')" = true

	# Request caps.
	for r in per_client budget pushed_out header_timeout send_timeout too_large bad_request; do
		is "$(rej $r)" 0 "dnsprobe_http_connections_rejected_total{reason=\"$r\"} is out, 0 before any abuse"
	done
	big=$(head -c 3000 /dev/zero | tr '\0' a)
	is "$(code "$URL/healthz?$big")" 414 "a 3000-byte target: 414"
	like "$(cat "$DP_TMP/body")" 'longer than 2048 bytes' "… saying the cap"
	is "$(code "$URL/healthz?${big:0:2000}")" 200 "a 2009-byte target: 200 (under the cap)"
	big=$(head -c 40000 /dev/zero | tr '\0' a)
	is "$(code "$URL/healthz?$big")" 414 "a 40000-byte target (beyond libmicrohttpd's memory): 414"
	big=$(head -c 9000 /dev/zero | tr '\0' a)
	is "$(code -H "X-Big: $big" "$URL/healthz")" 431 "a 9000-byte header field: 431"
	like "$(cat "$DP_TMP/body")" 'larger than 8192 bytes' "… saying the cap"
	is "$(code -H "X-Big: ${big:0:7000}" "$URL/healthz")" 200 "a 7000-byte header field: 200"
	big=$(head -c 60000 /dev/zero | tr '\0' a)
	is "$(code -H "X-Big: $big" "$URL/healthz")" 431 "a 60000-byte header field (beyond libmicrohttpd's memory): 431"
	is "$(code -X GET --data-binary hello "$URL/healthz")" 413 "a GET with a body: 413"
	is "$(code -X GET -H 'Transfer-Encoding: chunked' --data-binary hello "$URL/metrics")" 413 \
		"a chunked body: 413"
	is "$(code --data-binary hello "$URL/metrics")" 413 "a POST with a body: 413"
	is "$(code -X POST "$URL/metrics")" 405 "a POST without a body: 405"
	is "$(code -X GET -H 'Content-Length: 0' "$URL/healthz")" 200 "Content-Length: 0: 200"
	# The 40000-byte target and the 60000-byte field overflow libmicrohttpd's connection memory:
	# it answers them itself, before any callback of ours, so they are not counted.
	is "$(rej too_large)" 5 "… the five 413/414/431 we answered counted as too_large (not libmicrohttpd's own two)"

	# Control bytes anywhere in the target, raw or escaped.
	is "$(code "$URL/probe?target=glitter.kr%00.evil")" 400 "%00 in a /probe parameter: 400"
	is "$(code "$URL/healthz%00")" 400 "%00 in the path: 400"
	is "$(code "$URL/?q=a%0db")" 400 "%0D in the status page's filter: 400"
	is "$(code "$URL/metrics?x=%7F")" 400 "%7F: 400"
	is "$(code "$URL/metrics?x=%7e%20")" 200 "%7E and %20 are not control bytes: 200"
	is "$(raw "$(hex 'GET /metrics')00$(hex ' HTTP/1.1')0d0a$(hex 'Host: x')0d0a0d0a")" 400 \
		"a raw NUL after the path (GET /metrics<NUL>): 400, not /metrics"
	is "$(raw "$(hex 'GET /probe?target=glitter.kr')00$(hex '.evil HTTP/1.1')0d0a0d0a")" 400 \
		"a raw NUL inside /probe's target: 400"
	is "$(raw "$(hex 'GET /healthz?a=')09$(hex 'b HTTP/1.1')0d0a0d0a")" 400 "a raw TAB: 400"
	is "$(raw "$(hex 'GET /healthz?a=')0d$(hex 'b HTTP/1.1')0d0a0d0a")" 400 "a raw lone CR: 400"
	is "$(raw "$(hex 'GET /healthz?a=')1b$(hex 'b HTTP/1.1')0d0a0d0a")" 400 "a raw ESC: 400"
	is "$(raw "$(hex 'GET /healthz HTTP/1.1')0d0a0d0a")" 200 "the same request without them: 200"
	is "$(rej bad_request)" 9 "… the nine 400s counted as bad_request"

	ok_desc "baseline: fds and threads steady" wait_until 30 stable_base
	echo "# baseline: $BASE_FD fds, $BASE_TH threads"

	# Slowloris: 200 connections after a partial request line, from 13 client addresses, each
	# reopened when the monitor closes it, for 25 s.
	abuse slowloris slowloris --conns 200 --srcs 13 --dur 25
	good_ok slowloris slowloris 30
	ok_desc "slowloris: at most 64 connection threads ($(j slowloris .server_max_threads) threads, baseline $BASE_TH)" \
		test "$(j slowloris .server_max_threads)" -le $((BASE_TH + 64))
	ok_desc "… at most 16 connections held for one client ($(j slowloris .server_max_per_client))" \
		test "$(j slowloris .server_max_per_client)" -le 16
	ok_desc "… and held some to the header deadline: the longest lived $(j slowloris .max_life_s) s (${HEADER_TIMEOUT} s, cut by 12.5 s)" \
		test "$(j slowloris "(.max_life_s >= $HEADER_TIMEOUT - 0.5 and .max_life_s <= $HEADER_TIMEOUT + 2.5)")" = true
	is "$(j slowloris .responses)" 0 "… none of them got an answer"
	back_to_base slowloris
	n0=$(rej header_timeout)
	ok_desc "… counted: $n0 cut at the header deadline, $(rej budget) refused for the budget, $(rej per_client) per client" \
		test "$n0" -gt 0 -a "$(rej budget)" -gt 0

	# The same spread over 100 addresses, one connection each (the per-client limit never
	# applies): the reserve pushes out the connection waiting longest.
	abuse slowloris100 slowloris --conns 100 --srcs 100 --dur 15
	good_ok "slowloris from 100 addresses" slowloris100 20
	ok_desc "slowloris from 100 addresses: at most 64 connection threads ($(j slowloris100 .server_max_threads) threads)" \
		test "$(j slowloris100 .server_max_threads)" -le $((BASE_TH + 64))
	is "$(j slowloris100 .responses)" 0 "… none of them got an answer"
	back_to_base "slowloris from 100 addresses"
	ok_desc "… counted: $(rej pushed_out) pushed out to keep room, header_timeout $n0 -> $(rej header_timeout)" \
		test "$(rej pushed_out)" -gt 0 -a "$(rej header_timeout)" -gt "$n0"

	# Trickle: 64 connections from 8 addresses, each sending one header line every 2-20 s
	# (its own pace), never ending the header, for 30 s.
	abuse trickle trickle --conns 64 --srcs 8 --min 2 --max 20 --dur 30
	good_ok trickle trickle 30
	is "$(j trickle .still_open_at_end)" 0 "trickle: every connection was closed by the monitor"
	ok_desc "… each within the header deadline (longest $(j trickle .max_life_s) s ≤ ${HEADER_TIMEOUT} + 2.5 s), however often it sent a line" \
		test "$(j trickle ".max_life_s <= $HEADER_TIMEOUT + 2.5")" = true
	ok_desc "… $(j trickle .fed_and_cut) of them sent header lines while open, faster than the deadline, and were cut anyway (the longest at $(j trickle .fed_max_life_s) s)" \
		test "$(j trickle "(.fed_and_cut >= 20 and .fed_max_life_s >= $HEADER_TIMEOUT - 0.5)")" = true
	is "$(j trickle .responses)" 0 "… none of them got an answer"
	back_to_base trickle

	# A connection flood: 16 threads from 8 addresses connecting and closing (a third with half
	# a request line, a third with a whole request never read) for 10 s.
	abuse connflood connflood --threads 16 --srcs 8 --dur 10
	good_ok "connection flood" connflood 10
	ok_desc "connection flood: it ran ($(j connflood .connections) connections in 10 s)" \
		test "$(j connflood .connections)" -ge 500
	back_to_base "connection flood"

	# A request flood: 32 threads from 4 addresses asking for /metrics as fast as answered, 10 s.
	abuse reqflood reqflood --threads 32 --srcs 4 --dur 10 --path /metrics
	good_ok "request flood" reqflood 10
	ok_desc "request flood: it ran ($(j reqflood .answered) answered: $(jq -c .status "$DP_TMP/reqflood.json"))" \
		test "$(j reqflood .answered)" -ge 200
	back_to_base "request flood"

	# One client: 40 keep-alive connections one after another; the 17th and later are refused,
	# while another client still gets in.
	n0=$(rej per_client)
	abuse perclient perclient --conns 40 --src 127.0.70.99
	is "$(j perclient '"\(.answered) answered, \(.refused) refused"')" "16 answered, 24 refused" \
		"one client: 16 connections served (http_max_per_client), the other 24 refused"
	is "$(j perclient .other_client_ok)" true "… another client meanwhile: served"
	is "$(($(rej per_client) - n0))" 24 "… the 24 counted as per_client"
	back_to_base "per-client test"

	# Slow readers: a request for /metrics answered into a 4 KiB receive window read 1 byte a
	# second. One request: its answer fits the socket buffers, so the monitor is done sending
	# and the connection then waits for a next header: cut at the header deadline. 64
	# pipelined: the answers do not fit, the monitor stays sending: cut 30 s after it began.
	# "Cut" is seen in the monitor (its fd of the connection gone): the client sees no FIN, which
	# the kernel queues behind the unread answer.
	abuse slowread slowread --src 127.0.70.77
	good_ok "slow reader" slowread 15
	ok_desc "slow reader: answered (\"$(j slowread .first)\"), then let go by the monitor within the header deadline ($(j slowread .life_s) s, ${HEADER_TIMEOUT} + 2.5 s)" \
		test "$(j slowread "(.cut_by_monitor and .first == \"HTTP/1.1 200 OK\" and .life_s <= $HEADER_TIMEOUT + 2.5)")" = true
	n0=$(rej send_timeout)
	abuse slowread64 slowread --src 127.0.70.78 --pipeline 64
	good_ok "slow reader of 64 pipelined answers" slowread64 40
	ok_desc "slow reader of 64 pipelined answers: cut by the monitor 30 s after its answer began ($(j slowread64 .life_s) s, at most 33 s)" \
		test "$(j slowread64 "(.cut_by_monitor and .first == \"HTTP/1.1 200 OK\" and .life_s >= 29.5 and .life_s <= 33)")" = true
	is "$(($(rej send_timeout) - n0))" 1 "… counted once as send_timeout"
	back_to_base "slow readers"

	scrape
	ok_desc "after the abuse, /metrics (its counters raised) passes promtool check metrics" \
		promtool check metrics <"$DP_TMP/metrics.txt"
	like "$(grep 'group=http' "$log" | grep 'cut without a complete request header')" \
		'[1-9][0-9]* cut without a complete request header within 10 s' \
		"the log counts the connections cut at the header deadline"
	is "$(grep -c 'group=http' "$log" | awk '{print ($1 < 200)}')" 1 \
		"… and the HTTP log lines stay few under abuse ($(grep -c 'group=http' "$log"))"
	kill -TERM "$MON"
	rc=0
	wait "$MON" || rc=$?
	is "$rc" 0 "SIGTERM: exit 0"
	ok_desc "stopped cleanly" grep -q 'msg="stopped"' "$log"
	unlike "$(grep -v 'group=state\|group=config\|group=monitor\|group=run' "$log")" 'level=error' \
		"no unexpected errors logged"
}

scenario t_abuse
finish
