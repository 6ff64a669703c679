#!/usr/bin/env bash
# System test of `dnsprobe monitor` in the lab: scrapes, promtool, /probe, /healthz, the status
# page, SIGHUP with a broken and a good file, a fault applied live, SIGTERM.
. "$(dirname "$0")/lib.sh"

PORT=9862
URL=http://127.0.0.1:$PORT

# conf FILE [EXTRA-DOMAIN-YAML] : a monitor config for the lab.
conf() {
	cat >"$1" <<YML
listen: 127.0.0.1:$PORT
interval: 5s
timeout: 30s
trust_anchor: $LAB_TA
root_hints: $LAB_HINTS
ca_file: $LAB_CA
log_level: info
domains:
  - name: glitter.kr
    tlsa: ["587:mail.glitter.kr", "443:captcha.glitter.kr"]
    nameservers: [ns1.glitter.kr, ns2.glitter.kr, ns3.glitter.kr, ns4.glitter.kr, ns5.glitter.kr]
${2:-}
YML
}
scrape() { curl -fsS "$URL/metrics" >"$DP_TMP/metrics.txt" 2>/dev/null; }
# has ERE : the last scrape has a line matching ERE (scrapes first).
has() { scrape && grep -Eq -- "$1" "$DP_TMP/metrics.txt"; }
code() { curl -s -o "$DP_TMP/body" -w '%{http_code}' "$@"; }
status_line() { # CHECK SUBJECT → the sample's value
	grep -F "dnsprobe_check_status{domain=\"glitter.kr\",check=\"$1\",subject=\"$2\"}" \
		"$DP_TMP/metrics.txt" | awk '{print $2}'
}

# A real Prometheus in the lab scraping the monitor every second, with one alert rule.
prom_start() {
	local d=$DP_TMP/prom
	mkdir -p "$d"
	cat >"$d/prometheus.yml" <<YML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [rules.yml]
scrape_configs:
  - job_name: dnsprobe
    static_configs: [{targets: ['127.0.0.1:$PORT']}]
YML
	cat >"$d/rules.yml" <<'YML'
groups:
  - name: lab
    rules:
      - alert: DnsprobeNameserverCritical
        expr: dnsprobe_check_status{check="ns.soa_serial"} == 2
        labels: {severity: critical}
        annotations: {summary: "{{ $labels.subject }} of {{ $labels.domain }}"}
YML
	prometheus --config.file="$d/prometheus.yml" --storage.tsdb.path="$d/data" \
		--web.listen-address=127.0.0.1:9090 >"$d/log" 2>&1 &
	PROM=$!
}
prom_up() {
	curl -fs http://127.0.0.1:9090/api/v1/targets |
		jq -e '.data.activeTargets[0].health == "up"' >/dev/null
}
# firing_subjects : subjects of firing DnsprobeNameserverCritical alerts, space-separated.
firing_subjects() {
	curl -fs http://127.0.0.1:9090/api/v1/alerts | jq -r '[.data.alerts[] |
		select(.labels.alertname == "DnsprobeNameserverCritical" and .state == "firing") |
		.labels.subject] | sort | join(" ")'
}
ns4_firing() { [ "$(firing_subjects)" = "glitter.kr ns4.glitter.kr/127.0.10.4" ]; }

# The status page in headless Chromium: the DOM a browser builds from it, and a screenshot kept
# next to the dnsprobe binary (the build directory) as monitor-status.png.
browser_checks() {
	local shot dom
	shot=$(dirname "$DNSPROBE")/monitor-status.png
	if ! command -v chromium >/dev/null; then
		_tap fail "chromium is installed (.ci/install-deps)"
		return
	fi
	rm -f "$shot"
	dom=$(chromium --headless --no-sandbox --disable-gpu --user-data-dir="$DP_TMP/chromium" \
		--dump-dom "$URL/" 2>/dev/null)
	like "$dom" '<td class="s CRITICAL" title="since [^"]*">CRITICAL<small>' "Chromium's DOM has the CRITICAL cell"
	like "$dom" '<th title="SOA serial agreement">ns.soa_serial</th>' "… and the check columns"
	chromium --headless --no-sandbox --disable-gpu --user-data-dir="$DP_TMP/chromium" \
		--hide-scrollbars --window-size=1500,700 --screenshot="$shot" "$URL/" >/dev/null 2>&1
	is "$(head -c 8 "$shot" 2>/dev/null | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a \
		"screenshot saved as $shot"
	# The domain page as a browser builds it: the failing group first, with its details.
	dom=$(chromium --headless --no-sandbox --disable-gpu --user-data-dir="$DP_TMP/chromium" \
		--dump-dom "$URL/domain/glitter.kr" 2>/dev/null)
	like "$dom" '<h1>glitter.kr — <span class="CRITICAL">CRITICAL</span></h1>' \
		"Chromium's DOM of /domain/glitter.kr: the domain's state"
	like "$dom" '<details><summary>details</summary>' "… and its results' details"
	shot=$(dirname "$DNSPROBE")/monitor-domain.png
	rm -f "$shot"
	chromium --headless --no-sandbox --disable-gpu --user-data-dir="$DP_TMP/chromium" \
		--hide-scrollbars --window-size=1200,900 --screenshot="$shot" "$URL/domain/glitter.kr" \
		>/dev/null 2>&1
	is "$(head -c 8 "$shot" 2>/dev/null | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a \
		"domain page screenshot saved as $shot"
}

runs_of() { scrape && grep -F "dnsprobe_check_runs_total{domain=\"$1\"}" "$DP_TMP/metrics.txt" | awk '{print $2}'; }
reloads_are() { [ "$(grep -c 'reloaded ' "$2")" -eq "$1" ]; }
runs_grew() { [ "$(runs_of glitter.kr)" -gt "$1" ] && [ "$(runs_of b0001.kr)" -gt "$2" ]; }

t_monitor() {
	local c=$DP_TMP/dnsprobe.yml log=$DP_TMP/monitor.log pid rc t0 p1 p2
	conf "$c"
	"$DNSPROBE" monitor -c "$c" 2>"$log" &
	pid=$!
	ok_desc "a first run of glitter.kr is published" \
		wait_until 90 has '^dnsprobe_last_run_timestamp_seconds\{domain="glitter.kr"\} [0-9.]+$'
	scrape
	is "$(status_line dnssec.chain glitter.kr)" 0 "dnssec.chain OK in /metrics"
	is "$(status_line ns.soa_serial ns4.glitter.kr/127.0.10.4)" 0 "ns4's serial result OK"
	like "$(cat "$DP_TMP/metrics.txt")" 'dnsprobe_dnssec_secure\{domain="glitter.kr",rrtype="SOA"\} 1' \
		"dnsprobe_dnssec_secure SOA 1"
	like "$(cat "$DP_TMP/metrics.txt")" \
		'dnsprobe_soa_serial\{domain="glitter.kr",server="ns1.glitter.kr",address="127.0.10.1"\} [0-9]+' \
		"dnsprobe_soa_serial of ns1"
	like "$(cat "$DP_TMP/metrics.txt")" 'dnsprobe_check_duration_seconds\{domain="glitter.kr",check="caa"\}' \
		"per-check duration"
	like "$(cat "$DP_TMP/metrics.txt")" 'dnsprobe_build_info\{version="[0-9.]+"\} 1' "build_info"
	like "$(cat "$DP_TMP/metrics.txt")" 'dnsprobe_check_status_since_timestamp_seconds\{' "since series"
	ok_desc "promtool check metrics is clean" promtool check metrics <"$DP_TMP/metrics.txt"
	is "$(grep -v '^#' "$DP_TMP/metrics.txt" | sed 's/ [^ ]*$//' | sort | uniq -d)" "" \
		"no series twice in a scrape"
	like "$(curl -sI "$URL/metrics" | tr -d '\r' | grep -i '^content-type')" \
		'text/plain; version=0.0.4' "served as text/plain; version=0.0.4"

	# /probe: a run now, for configured domains only.
	is "$(code "$URL/probe?target=glitter.kr&check=caa")" 200 "/probe?target=glitter.kr&check=caa: 200"
	like "$(cat "$DP_TMP/body")" 'dnsprobe_check_status\{domain="glitter.kr",check="caa",subject="glitter.kr"\} 0' \
		"/probe returns that run's caa status"
	unlike "$(cat "$DP_TMP/body")" 'check="dnssec.chain"' "/probe&check= runs only that check"
	like "$(cat "$DP_TMP/body")" '^probe_success 1$' "/probe: probe_success 1 for an OK run"
	like "$(cat "$DP_TMP/body")" '^probe_duration_seconds [0-9]+\.[0-9]+$' "/probe: probe_duration_seconds"
	like "$(cat "$DP_TMP/body")" '^dnsprobe_check_runs_total\{domain="glitter.kr"\} 1$' "/probe: its run counter counts /probe runs of the target (1)"
	is "$(code "$URL/probe?target=glitter.kr")" 200 "/probe?target=glitter.kr: 200"
	ok_desc "the /probe output passes promtool" promtool check metrics <"$DP_TMP/body"
	like "$(cat "$DP_TMP/body")" '^dnsprobe_check_runs_total\{domain="glitter.kr"\} 2$' "/probe: … and a second /probe counts 2, not 1 again"
	is "$(code "$URL/probe?target=glitter.kr&check=caa&debug=true")" 200 "/probe&debug=true: 200"
	like "$(cat "$DP_TMP/body")" 'Report:' "debug: the run's report"
	like "$(cat "$DP_TMP/body")" 'caa — ' "debug: … with the check's group"
	like "$(cat "$DP_TMP/body")" 'Metrics that would have been returned:' "debug: … and the metrics"
	like "$(cat "$DP_TMP/body")" 'probe_success 1' "debug: … including probe_success"
	is "$(code "$URL/probe?target=glitter.kr&debug=maybe")" 400 "/probe&debug=maybe: 400"
	is "$(code -H 'X-Prometheus-Scrape-Timeout-Seconds: soon' "$URL/probe?target=glitter.kr")" 400 \
		"a scrape-timeout header that is not a number: 400"
	t0=$(date +%s.%N)
	is "$(code -H 'X-Prometheus-Scrape-Timeout-Seconds: 4.5' "$URL/probe?target=glitter.kr")" 200 \
		"/probe with X-Prometheus-Scrape-Timeout-Seconds: 4.5: 200"
	ok_desc "… answered within the scrape timeout" \
		awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { exit !(b - a < 4.5) }'
	is "$(code "$URL/probe?target=evil.example")" 403 "/probe of a domain not configured: 403"
	is "$(code "$URL/probe?target=bad..name")" 400 "/probe of a bad name: 400"
	like "$(cat "$DP_TMP/body")" 'not a domain name' "the 400 says why"
	is "$(code "$URL/probe")" 400 "/probe without target: 400"
	is "$(code "$URL/probe?target=glitter.kr&check=dnssec.nope")" 400 "/probe with an unknown check: 400"
	is "$(code "$URL/healthz")" 200 "/healthz: 200"
	is "$(cat "$DP_TMP/body")" ok "/healthz says ok"
	is "$(code "$URL/")" 200 "status page: 200"
	like "$(cat "$DP_TMP/body")" '<td class="s OK" title="since [0-9TZ:-]+">OK<small>for [0-9dhms]+</small>' \
		"status page shows OK cells with since when"
	like "$(cat "$DP_TMP/body")" '<th><a href="domain/glitter.kr">glitter.kr</a></th>' \
		"status page lists glitter.kr, linked to its page"
	is "$(code "$URL/domain/glitter.kr")" 200 "/domain/glitter.kr: 200"
	like "$(cat "$DP_TMP/body")" '<h2 id="dnssec.chain">dnssec.chain &mdash; ' "the domain page has the chain's group"
	like "$(cat "$DP_TMP/body")" '<details><summary>details</summary><pre>' "… with details"
	like "$(cat "$DP_TMP/body")" 'href="probe\?debug=true&amp;target=glitter.kr"' "… and a link to a debug run"
	# issue 14: the whole last report, from the packed copy the snapshot keeps
	like "$(cat "$DP_TMP/body")" '&quot;matched_record&quot;' "… with the full details (dane.tlsa's matched record)"
	like "$(cat "$DP_TMP/body")" '&quot;connection&quot;' "… and the TLS connection facts"
	like "$(cat "$DP_TMP/body")" '<h2 id="discovery">discovery</h2>' "… and the discovery section"
	unlike "$(cat "$DP_TMP/body")" '<p class="warn">' "… and no warning that the full report is missing"
	is "$(code "$URL/domain/evil.example")" 404 "/domain/ of an unknown domain: 404"
	is "$(code "$URL/?q=GLITTER")" 200 "status page filtered: 200"
	like "$(cat "$DP_TMP/body")" '>glitter.kr</a></th>' "… the filter (case-insensitive) keeps glitter.kr"
	is "$(code "$URL/?q=zzz&state=failing")" 200 "a filter matching nothing: 200"
	like "$(cat "$DP_TMP/body")" 'no domain matches' "… says so"
	is "$(code "$URL/?q=%3Cscript%3E")" 400 "a filter that is not part of a name: 400"
	is "$(code "$URL/?state=broken")" 400 "an unknown state filter: 400"
	is "$(code -X POST "$URL/metrics")" 405 "POST: 405"
	is "$(code "$URL/nope")" 404 "unknown path: 404"

	# SIGHUP with a broken file: the old configuration keeps serving.
	printf 'interval: 5s\nintervall: 3s\n' >"$c"
	kill -HUP "$pid"
	ok_desc "a broken reload is logged with the file's line" \
		wait_until 10 grep -q 'reload failed, keeping the old configuration: .*dnsprobe.yml:2: intervall: unknown key' "$log"
	ok_desc "dnsprobe_config_last_reload_successful 0" wait_until 5 has '^dnsprobe_config_last_reload_successful 0$'
	like "$(cat "$DP_TMP/metrics.txt")" 'dnsprobe_check_status\{domain="glitter.kr"' "still serving glitter.kr"

	# SIGHUP with a good file that adds a domain.
	conf "$c" "  - name: b0001.kr"
	kill -HUP "$pid"
	ok_desc "a good reload is logged" wait_until 10 grep -q 'reloaded .*: 2 domains' "$log"
	ok_desc "dnsprobe_config_last_reload_successful 1" wait_until 5 has '^dnsprobe_config_last_reload_successful 1$'
	ok_desc "the new domain b0001.kr is run" \
		wait_until 60 has '^dnsprobe_last_run_timestamp_seconds\{domain="b0001.kr"\}'
	is "$(code "$URL/?n=1")" 200 "status page, one domain per page: 200"
	like "$(cat "$DP_TMP/body")" '\(1 shown: 1–1 of 2 matching\)' "… one of the two domains shown"
	like "$(cat "$DP_TMP/body")" 'page 1 of 2 <a href="./\?q=&amp;state=all&amp;n=1&amp;page=2">next' \
		"… with a link to the next page"
	p1=$(grep -o '<th><a href="domain/[^"]*"' "$DP_TMP/body")
	code "$URL/?n=1&page=2" >/dev/null
	p2=$(grep -o '<th><a href="domain/[^"]*"' "$DP_TMP/body")
	ok_desc "page 2 shows the other domain" test -n "$p2" -a "$p1" != "$p2"
	is "$(grep -c 'domain="glitter.kr"' "$DP_TMP/metrics.txt" | awk '{print ($1 > 0)}')" 1 \
		"glitter.kr kept across the reload"

	prom_start
	ok_desc "Prometheus scrapes the monitor (target up)" wait_until 30 prom_up
	is "$(firing_subjects)" "" "no nameserver alert before the fault"

	# A fault applied live shows up at the next run, in /metrics, the log and the page.
	"$LAB_DIR/fault" ns-down:ns4 >"$DP_TMP/fault.log" 2>&1
	ok_desc "ns-down:ns4 applied" test $? -eq 0
	ok_desc "ns4 turns CRITICAL in /metrics" wait_until 90 has \
		'^dnsprobe_check_status\{domain="glitter.kr",check="ns.soa_serial",subject="ns4.glitter.kr/127.0.10.4"\} 2$'
	like "$(grep 'group=state' "$log" | grep 'ns4.glitter.kr/127.0.10.4' | grep 'check=ns.soa_serial')" \
		'from=OK to=CRITICAL' "one state-change log line for ns4"
	# The zone's result is CRITICAL with its worst server; no other server is.
	wait_until 30 ns4_firing
	is "$(firing_subjects)" "glitter.kr ns4.glitter.kr/127.0.10.4" \
		"Prometheus fires the alert for ns4 (and the zone), no other server"
	kill "$PROM"
	wait "$PROM" 2>/dev/null
	code "$URL/" >/dev/null
	like "$(cat "$DP_TMP/body")" 'ns4.glitter.kr/127.0.10.4[^<]*</td><td class="s CRITICAL">' \
		"the status page lists ns4 as failing"
	browser_checks

	# A long interval: after one more run of each domain nothing is in flight, so SIGTERM takes
	# the clean path (everything freed: LSan checks it under ASan).
	local g0 b0
	g0=$(runs_of glitter.kr)
	b0=$(runs_of b0001.kr)
	sed -i 's/^interval: 5s$/interval: 1h/' "$c"
	kill -HUP "$pid"
	ok_desc "reload to a 1h interval" wait_until 10 reloads_are 2 "$log"
	ok_desc "one more run of each domain" wait_until 90 runs_grew "$g0" "$b0"

	# SIGTERM: a clean stop, promptly.
	t0=$SECONDS
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	is "$rc" 0 "SIGTERM: exit 0"
	ok_desc "stopped within 3 s" test $((SECONDS - t0)) -le 3
	ok_desc "stopped cleanly, nothing left behind" grep -q 'msg="stopped"' "$log"
	unlike "$(grep -v 'group=state\|group=config\|group=monitor\|group=run' "$log")" 'level=error' \
		"no unexpected errors logged"
}

# Memory across runs (SPEC §2, issues 5 and 7): a serial disagreement turns CRITICAL once it
# outlasts serial_grace, and a policy body changed under an unchanged TXT id is a WARNING that
# only the monitor can see (it remembers the body hash per id). That memory and every result's
# "since" are kept in state_dir and survive a restart; `check --state FILE` reads the same file.
t_memory() {
	local c=$DP_TMP/dnsprobe.yml log=$DP_TMP/monitor.log pid sd=$DP_TMP/state st since1 since2
	mkdir -p "$sd"
	conf "$c"
	sed -i 's/^interval: 5s$/interval: 2s/' "$c"
	printf 'thresholds: {serial_grace: 8s}\nstate_dir: %s\n' "$sd" >>"$c"
	"$DNSPROBE" monitor -c "$c" 2>"$log" &
	pid=$!
	ok_desc "a first run is published" \
		wait_until 90 has '^dnsprobe_check_status\{domain="glitter.kr",check="mta_sts.policy",subject="glitter.kr"\} 0$'

	"$LAB_DIR/fault" stale-secondary:ns3 >"$DP_TMP/fault.log" 2>&1
	ok_desc "stale-secondary:ns3 applied live" test $? -eq 0
	ok_desc "ns3 disagrees: WARNING first" wait_until 60 has \
		'^dnsprobe_check_status\{domain="glitter.kr",check="ns.soa_serial",subject="ns3.glitter.kr/127.0.10.3"\} 1$'
	ok_desc "… CRITICAL once the disagreement outlasts serial_grace (8s)" wait_until 60 has \
		'^dnsprobe_check_status\{domain="glitter.kr",check="ns.soa_serial",subject="glitter.kr"\} 2$'
	like "$(grep 'group=state' "$log" | grep 'check=ns.soa_serial' | grep 'subject=glitter.kr ')" \
		'from=WARNING to=CRITICAL' "the grace expiry is logged as a state change"

	"$LAB_DIR/fault" mta-sts-id-stale >>"$DP_TMP/fault.log" 2>&1
	ok_desc "mta-sts-id-stale applied live" test $? -eq 0
	ok_desc "a body changed under the same id: mta_sts.policy WARNING" wait_until 60 has \
		'^dnsprobe_check_status\{domain="glitter.kr",check="mta_sts.policy",subject="glitter.kr"\} 1$'
	code "$URL/" >/dev/null
	like "$(cat "$DP_TMP/body")" 'policy body changed while the TXT id stayed' \
		"the status page shows the id-stale summary"
	kill -TERM "$pid"
	wait "$pid"
	is "$?" 0 "SIGTERM: exit 0"

	# The state file: the checks' memory and each result's status and since.
	st=$sd/glitter.kr.json
	ok_desc "state_dir holds glitter.kr.json (mode 0600)" test "$(stat -c %a "$st" 2>/dev/null)" = 600
	is "$(jq -r '.state["mta_sts.policy"].body_sha256 | length' "$st" 2>/dev/null)" 64 \
		"… with mta_sts.policy's remembered body hash"
	is "$(jq -r '[.state[] | select(. == {})] | length' "$st" 2>/dev/null)" 0 \
		"… and no empty object for a check that remembers nothing"
	since1=$(jq -r '.since[] | select(.check == "mta_sts.policy" and .subject == "glitter.kr") | "\(.status) \(.since)"' "$st" 2>/dev/null)
	like "$since1" '^WARNING [0-9.]+$' "… and since when mta_sts.policy has been WARNING"

	# A restart keeps it: still WARNING at once (a monitor without memory would see the body for
	# the first time and say OK), since unchanged, the ns.soa_serial grace already outlasted.
	: >"$log"
	"$DNSPROBE" monitor -c "$c" 2>"$log" &
	pid=$!
	ok_desc "after a restart the first run is published" \
		wait_until 90 has '^dnsprobe_last_run_timestamp_seconds\{domain="glitter.kr"\}'
	is "$(status_line mta_sts.policy glitter.kr)" 1 "after a restart: mta_sts.policy still WARNING (memory kept)"
	is "$(status_line ns.soa_serial glitter.kr)" 2 "after a restart: ns.soa_serial CRITICAL at once (disagreeing since before)"
	since2=$(awk '/^dnsprobe_check_status_since_timestamp_seconds\{domain="glitter.kr",check="mta_sts.policy",subject="glitter.kr"\}/ {print $2}' "$DP_TMP/metrics.txt")
	is "$(awk -v a="${since1#* }" -v b="$since2" 'BEGIN { print (b != "" && a - b < 0.001 && b - a < 0.001) ? "same" : a " vs " b }')" same \
		"after a restart: its since is the one from before the restart"
	unlike "$(grep 'group=state ' "$log" | grep 'check=mta_sts.policy')" 'from=NONE' \
		"after a restart: no state change is logged for a result known before it"
	kill -TERM "$pid"
	wait "$pid"
	is "$?" 0 "SIGTERM after the restart: exit 0"

	# CI sees what the monitor sees: check --state FILE with the monitor's file.
	cp "$st" "$DP_TMP/ci-state.json"
	dp_check --state "$DP_TMP/ci-state.json" --only mta_sts.policy glitter.kr
	is "$DP_RC" 1 "check --state (the monitor's file): WARNING, exit 1"
	like "$(jqr '.checks[] | select(.id == "mta_sts.policy") | .summary')" 'policy body changed while the TXT id stayed' \
		"check --state names the body changed under the same id"
	dp_check --state "$DP_TMP/new-state.json" --only mta_sts.policy glitter.kr
	is "$DP_RC" 0 "check --state with a new file: first sight, OK"
	is "$(jq -r .domain "$DP_TMP/new-state.json" 2>/dev/null)" glitter.kr "check --state creates the file"
	echo '{"version": 1' >"$DP_TMP/bad-state.json"
	dp_check --state "$DP_TMP/bad-state.json" --only caa glitter.kr
	is "$DP_RC" 3 "check --state with a broken file: UNKNOWN, exit 3"
	like "$(cat "$DP_ERR")" 'bad-state.json: not a state file' "… with one line naming the file"
	dp_check --state "$DP_TMP/ci-state.json" --only caa www.example.kr
	is "$DP_RC" 3 "check --state with another domain's file: exit 3"
}

# Many domains on one /metrics: 600 names that do not exist (quick runs) beside glitter.kr. The
# exposition is a few segments per domain; libmicrohttpd 0.9.75 aborted the process when a
# response listed them as one iovec (over about 2,000 entries, at about 140 published domains).
t_many_domains() {
	local c=$DP_TMP/dnsprobe.yml log=$DP_TMP/monitor.log pid n
	conf "$c" "$(seq -f '  - name: nx%04g.kr' 1 600)"
	sed -i 's/^interval: 5s$/interval: 10s/' "$c"
	printf 'max_parallel: 32\nlog_level: error\n' >>"$c"
	sed -i '0,/^log_level: info$/{/^log_level: info$/d}' "$c"
	"$DNSPROBE" monitor -c "$c" 2>"$log" &
	pid=$!
	published() { scrape && [ "$(grep -c '^dnsprobe_last_run_timestamp_seconds{' "$DP_TMP/metrics.txt")" -eq 601 ]; }
	ok_desc "all 601 domains are published" wait_until 240 published
	n=$(grep -c '^dnsprobe_check_status{domain="nx[0-9]*.kr"' "$DP_TMP/metrics.txt")
	ok_desc "every absent name has its status lines ($n)" test "$n" -ge 600
	ok_desc "the monitor is still running after the scrapes" kill -0 "$pid"
	is "$(curl -s -o "$DP_TMP/m.txt" -w '%{http_code}' "$URL/metrics")" 200 "/metrics: 200"
	ok_desc "… $(wc -c <"$DP_TMP/m.txt") bytes that pass promtool" promtool check metrics <"$DP_TMP/m.txt"
	is "$(curl -s --compressed -o "$DP_TMP/mz.txt" -w '%{http_code} %{content_type}' "$URL/metrics")" \
		"200 text/plain; version=0.0.4; charset=utf-8" "/metrics gzip: 200"
	is "$(grep -c '^dnsprobe_last_run_timestamp_seconds{' "$DP_TMP/mz.txt")" 601 \
		"… and decodes to all 601 domains"
	ok_desc "… that pass promtool" promtool check metrics <"$DP_TMP/mz.txt"
	ok_desc "the monitor is still running" kill -0 "$pid"
	kill -TERM "$pid"
	wait "$pid"
	is "$?" 0 "SIGTERM: exit 0"
	unlike "$(cat "$log")" 'Fatal error|out of memory' "no libmicrohttpd fatal error or out-of-memory in the log"
}

scenario t_monitor --extra-domains 1
scenario t_memory
scenario t_many_domains
finish
