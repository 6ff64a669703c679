#!/usr/bin/env bash
# System test of hostile and careless files and what they must not do (issue 13): a directory,
# /dev/zero, a FIFO or an oversized file as trust anchor, root hints or CA file is one error
# line naming the file, at once; a wrong trust anchor is UNKNOWN for the domain, never CRITICAL;
# a reload with an empty file or a missing trust anchor keeps the old configuration and its
# results (/healthz stays healthy: runs go on). The stuck-run and no-finished-run judgements of
# /healthz are unit-tested (test_sched: test_health): no network fault makes a run overrun.
. "$(dirname "$0")/lib.sh"

PORT=9862
URL=http://127.0.0.1:$PORT
WALL=5 # seconds any refusal may take

# refused DESC FILE-ERE ARGS... : `dnsprobe check ARGS glitter.kr` exits 3 within $WALL s with
# exactly one line on stderr that names the file, and JSON saying UNKNOWN.
refused() {
	local desc=$1 want=$2 t0 rc=0 lines
	shift 2
	t0=$(date +%s.%N)
	timeout 20 "$DNSPROBE" check -o json "$@" glitter.kr >"$DP_OUT" 2>"$DP_ERR" || rc=$?
	is "$rc" 3 "$desc: exit 3 (UNKNOWN)"
	ok_desc "$desc: refused within $WALL s" \
		awk -v a="$t0" -v b="$(date +%s.%N)" -v w="$WALL" 'BEGIN { exit !(b - a < w) }'
	lines=$(wc -l <"$DP_ERR")
	is "$lines" 1 "$desc: one line on stderr"
	like "$(cat "$DP_ERR")" "$want" "$desc: the line names the file"
	is "$(jqr .status)" UNKNOWN "$desc: JSON status UNKNOWN"
}

t_files() {
	local d=$DP_TMP fifo=$DP_TMP/fifo
	mkdir -p "$d/dir"
	mkfifo "$fifo"
	: >"$d/empty"
	truncate -s 160M "$d/big.pem"
	refused "-a DIR" "^dnsprobe: trust anchor $d/dir: is a directory, not a regular file$" \
		-a "$d/dir" -r "$LAB_HINTS" --ca-file "$LAB_CA"
	refused "-a /dev/zero" "^dnsprobe: trust anchor /dev/zero: is a character device, not a regular file$" \
		-a /dev/zero -r "$LAB_HINTS" --ca-file "$LAB_CA"
	refused "-a FIFO" "^dnsprobe: trust anchor $fifo: is a FIFO, not a regular file$" \
		-a "$fifo" -r "$LAB_HINTS" --ca-file "$LAB_CA"
	refused "-a EMPTY" "^dnsprobe: trust anchor $d/empty: the file is empty$" \
		-a "$d/empty" -r "$LAB_HINTS" --ca-file "$LAB_CA"
	refused "-a MISSING" "^dnsprobe: trust anchor $d/nothere: No such file or directory$" \
		-a "$d/nothere" -r "$LAB_HINTS" --ca-file "$LAB_CA"
	refused "-a HINTS (not DS/DNSKEY)" "^dnsprobe: trust anchor $LAB_HINTS: record 1 is NS, not DS or DNSKEY$" \
		-a "$LAB_HINTS" -r "$LAB_HINTS" --ca-file "$LAB_CA"
	refused "-r DIR" "^dnsprobe: root hints $d/dir: is a directory, not a regular file$" \
		-a "$LAB_TA" -r "$d/dir" --ca-file "$LAB_CA"
	refused "-r /dev/zero" "^dnsprobe: root hints /dev/zero: is a character device, not a regular file$" \
		-a "$LAB_TA" -r /dev/zero --ca-file "$LAB_CA"
	refused "--ca-file FIFO" "^dnsprobe: CA file $fifo: is a FIFO, not a regular file$" \
		-a "$LAB_TA" -r "$LAB_HINTS" --ca-file "$fifo"
	refused "--ca-file 160 MB" "^dnsprobe: CA file $d/big.pem: larger than 16777216 bytes$" \
		-a "$LAB_TA" -r "$LAB_HINTS" --ca-file "$d/big.pem"
	refused "--ca-file not PEM" "^dnsprobe: CA file $LAB_TA: no PEM certificate in it$" \
		-a "$LAB_TA" -r "$LAB_HINTS" --ca-file "$LAB_TA"

	# A trust anchor that parses but is not the lab root's key (the real root's): no verdict
	# about the domain, UNKNOWN naming the anchor, and nothing CRITICAL.
	refused "-a WRONG anchor" \
		"^dnsprobe: the trust anchor /usr/share/dns/root.key does not validate the root DNSKEY RRset \(bogus" \
		-a /usr/share/dns/root.key -r "$LAB_HINTS" --ca-file "$LAB_CA"
	is "$(jqr '[.checks[] | select(.status == "CRITICAL")] | length')" 0 "-a WRONG: no CRITICAL result"
	like "$(jqr .error)" 'trust anchor .* does not validate the root DNSKEY RRset' "-a WRONG: the JSON error says why"
	unlike "$(cat "$DP_ERR")" 'libunbound|\[[0-9]+\]' "-a WRONG: no raw libunbound log lines"
	# A DS of another key for the root, in a file of its own.
	printf '. IN DS 12345 13 2 %s\n' "$(printf '%064d' 0)" >"$d/wrong-ds"
	refused "-a WRONG DS" "^dnsprobe: the trust anchor $d/wrong-ds does not validate the root DNSKEY RRset" \
		-a "$d/wrong-ds" -r "$LAB_HINTS" --ca-file "$LAB_CA"

	# The same lab with the right files: all OK (the checks above are not an accident of it).
	dp_check glitter.kr
	is "$DP_RC" 0 "the right files: exit 0"
	is "$(jqr .status)" OK "the right files: OK"
}

conf() { # FILE [TRUST-ANCHOR] : a monitor config for the lab
	cat >"$1" <<YML
listen: 127.0.0.1:$PORT
interval: 5s
timeout: 30s
trust_anchor: ${2:-$LAB_TA}
root_hints: $LAB_HINTS
ca_file: $LAB_CA
log_level: info
domains:
  - name: glitter.kr
YML
}
scrape() { curl -m 5 -fsS "$URL/metrics" >"$DP_TMP/metrics.txt" 2>/dev/null; }
has() { scrape && grep -Eq -- "$1" "$DP_TMP/metrics.txt"; }
code() { curl -m 5 -s -o "$DP_TMP/body" -w '%{http_code}' "$@"; }
runs_of() { scrape && grep -F "dnsprobe_check_runs_total{domain=\"glitter.kr\"}" "$DP_TMP/metrics.txt" | awk '{print $2}'; }
runs_above() { [ "$(runs_of)" -gt "$1" ]; }
failed_reloads() { [ "$(grep -c 'reload failed, keeping the old configuration' "$2")" -ge "$1" ]; }

# Reloads that would have emptied the monitor or blinded it are refused; results stay.
t_reload() {
	local c=$DP_TMP/dnsprobe.yml log=$DP_TMP/monitor.log pid n0 fifo=$DP_TMP/fifo
	conf "$c"
	"$DNSPROBE" monitor -c "$c" 2>"$log" &
	pid=$!
	ok_desc "a first run of glitter.kr is published" \
		wait_until 90 has '^dnsprobe_check_status\{domain="glitter.kr",check="dnssec.chain",subject="glitter.kr"\} 0$'

	: >"$c"
	ok_desc "monitor -n refuses the empty file" test "$("$DNSPROBE" monitor -n -c "$c" >/dev/null 2>&1; echo $?)" -eq 3
	kill -HUP "$pid"
	ok_desc "SIGHUP with an empty file: refused" wait_until 10 failed_reloads 1 "$log"
	like "$(grep 'reload failed' "$log" | tail -1)" 'no domains to monitor' "… saying there are no domains"

	conf "$c" /nonexistent/root.key
	kill -HUP "$pid"
	ok_desc "SIGHUP with trust_anchor: /nonexistent: refused" wait_until 10 failed_reloads 2 "$log"
	like "$(grep 'reload failed' "$log" | tail -1)" 'trust_anchor: trust anchor /nonexistent/root.key: No such file' \
		"… naming the key and the file"

	mkfifo "$fifo"
	conf "$c" "$fifo"
	kill -HUP "$pid"
	ok_desc "SIGHUP with a FIFO as trust_anchor: refused at once" wait_until 5 failed_reloads 3 "$log"
	ok_desc "dnsprobe_config_last_reload_successful 0" wait_until 5 has '^dnsprobe_config_last_reload_successful 0$'

	# The old configuration keeps running: glitter.kr's results are there and runs go on, OK.
	n0=$(runs_of)
	ok_desc "runs of glitter.kr go on after the refused reloads" wait_until 60 runs_above "$n0"
	is "$(grep -c '^dnsprobe_check_status{domain="glitter.kr",check="dnssec.chain",subject="glitter.kr"} 0$' \
		"$DP_TMP/metrics.txt")" 1 "glitter.kr's dnssec.chain still OK (not UNKNOWN)"
	is "$(code "$URL/healthz")" 200 "/healthz: 200"

	# /probe: a %00 (or another control byte) is refused, not cut short.
	is "$(code "$URL/probe?target=glitter.kr%00.evil.example")" 400 "/probe?target=…%00…: 400"
	like "$(cat "$DP_TMP/body")" 'control character' "… saying why"
	is "$(code "$URL/probe?target=glitter.kr&check=caa%0a")" 400 "/probe&check=…%0a: 400"

	kill -TERM "$pid"
	wait "$pid"
	is "$?" 0 "SIGTERM: exit 0"
	unlike "$(grep -v 'group=config' "$log")" 'level=error' "no other errors logged"
}

scenario t_files
scenario t_reload
finish
