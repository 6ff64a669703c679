#!/usr/bin/env bash
# System tests of dnssec.rollover: `check --state FILE` across runs. t_runtime switches faults
# inside one lab start ($LAB_DIR/fault) between runs; the other scenarios carry a state recorded
# in one lab start into the next (the keys and certificates are the lab's own, kept in
# fixtures/lab/.state) and "age" it with jq to stand for time that passed (a DNSKEY TTL, a DS TTL).
. "$(dirname "$0")/lib.sh"

LAB_STATE_DIR=${DNSPROBE_LAB_STATE:-$SRCDIR/fixtures/lab/.state}
# the scenarios' common directory: each scenario runs with DP_TMP=$SHARED/NAME
SHARED=${DP_INSIDE:+$(dirname "$DP_TMP")}
SHARED=${SHARED:-$DP_TMP}

tag_of() {
	local base
	base=$(awk -v r="$2" '$1 == r { print $2; exit }' "$LAB_STATE_DIR/dns/keys/$1/roles")
	printf '%d\n' "$((10#${base##*+}))"
}
zone_summary() { summaries_of dnssec.rollover '^glitter\.kr$'; }
zone_details() { details_of dnssec.rollover '^glitter\.kr$'; }
rules() { zone_details | jq -r '[.findings[]|select(.subject=="glitter.kr")|"\(.rule):\(.status)"]|join(" ")'; }
# run STATE : one run of the check with that state file
run() { dp_check --only dnssec.rollover --state "$1" glitter.kr; }
# age FILE SECONDS : the history in FILE as if it had been recorded SECONDS earlier
age() {
	jq --argjson d "$2" '(.. | objects | select(has("last_seen")) | .first_seen, .last_seen) -= $d
		| .state["dnssec.rollover"].last_run -= $d | .saved -= $d' "$1" >"$1.tmp" && mv "$1.tmp" "$1"
}

t_healthy() {
	dp_check --only dnssec.rollover glitter.kr
	is "$DP_RC" 0 "no --state: exit 0"
	is "$(zone_summary)" "not followed: no memory across runs (\`check --state FILE\`, or the monitor's scheduled runs)" \
		"without memory the check says so and does not alarm"
	rm -f "$SHARED/healthy.json"
	run "$SHARED/healthy.json"
	is "$DP_RC" 0 "first run: exit 0"
	like "$(zone_summary)" '^first observation; history starts now \(2 keys, 1 DS, [1-9][0-9]* endpoints recorded\)$' \
		"first run: history starts now"
	is "$(jq -r '.state["dnssec.rollover"].dns|length' "$SHARED/healthy.json")" 1 "the state file holds one DNS set"
	is "$(jq -r '.state["dnssec.rollover"].tls["25:mail.glitter.kr"].spki[0].spki|length' "$SHARED/healthy.json")" 1 \
		"… and the key 25:mail.glitter.kr serves"
	run "$SHARED/healthy.json"
	is "$DP_RC" 0 "second run: exit 0"
	like "$(zone_summary)" '^no premature rollover step: 2 keys, 1 DS, [0-9]+ endpoints followed over 1 DNS sets kept$' \
		"second run: nothing changed, OK"
	is "$(zone_details | jq -r '.first_observation')" false "details: not the first observation"
}


t_zsk_prepublish() {
	rm -f "$SHARED/prepublish.json"
	run "$SHARED/prepublish.json"
	run "$SHARED/prepublish.json"
	is "$DP_RC" 0 "shape-zsk-prepublish, second run: exit 0"
	is "$(status_of dnssec.rollover)" OK "pre-publication is not an alarm"
	# two hours pass: longer than the DNSKEY TTL (1 h) + propagation
	age "$SHARED/prepublish.json" 7200
}

t_zsk_by_the_book() {
	run "$SHARED/prepublish.json"
	is "$DP_RC" 0 "the switch to the ZSK published 2 h before: exit 0"
	is "$(status_of dnssec.rollover)" OK "a ZSK rollover by pre-publication does not alarm"
	is "$(rules)" "" "no finding"
	is "$(zone_details | jq -r '.history|length')" 2 "details: two DNS sets kept (pre-published, switched)"
}

t_ksk_early() {
	local cur nxt
	cur=$(tag_of glitter.kr ksk)
	nxt=$(tag_of glitter.kr-next ksk)
	cp "$SHARED/healthy.json" "$DP_TMP/s.json"
	run "$DP_TMP/s.json"
	is "$DP_RC" 2 "ksk-withdrawn-early after a healthy run: exit 2"
	like "$(zone_summary)" "^KSK $cur withdrawn from the DNSKEY RRset \\(last seen 20[-0-9T:]+Z\\) while the DS at kr still pointed to it: the DS RRset $cur/13/2 \\(last served 20[-0-9T:]+Z, TTL 86400s\\) may be cached until 20[-0-9T:]+Z and points to no key that signs the DNSKEY RRset now \\($nxt\\)" \
		"the summary names the withdrawn KSK, the cached DS and the key signing now"
	# the DNSKEY RRset cached before the swap still has the old KSK, which the DS RRset of now
	# still names: that cache is fine, so the DS change itself is not premature
	is "$(rules)" "ksk-withdrawn:CRITICAL" "one finding: ksk-withdrawn (not ds-early)"
	dp_check --only dnssec.keys glitter.kr
	is "$(status_of dnssec.keys)" WARNING \
		"dnssec.keys, which sees one run, finds only a stale DS (WARNING), not the breakage"
}

t_double_ds() {
	rm -f "$SHARED/double-ds.json"
	run "$SHARED/double-ds.json"
	run "$SHARED/double-ds.json"
	is "$(status_of dnssec.rollover)" OK "shape-ksk-double-ds: OK"
	# two days pass: longer than the DS TTL (1 day) + propagation
	age "$SHARED/double-ds.json" 172800
}

t_ksk_by_the_book() {
	local cur
	cur=$(tag_of glitter.kr ksk)
	run "$SHARED/double-ds.json"
	is "$DP_RC" 0 "the KSK swap a DS TTL after the double DS: exit 0"
	is "$(status_of dnssec.rollover)" OK "a KSK rollover by double DS does not alarm"
	is "$(rules)" "stale-ds:OK" "a note: the old DS is still at kr"
	like "$(zone_summary)" "note: KSK $cur withdrawn \\(last seen 20[-0-9T:]+Z\\) after the new DS had been at kr for its TTL" \
		"… named in the summary"
}


# keys_everywhere N : every server address of glitter.kr serves N DNSKEY records
keys_everywhere() {
	local a
	for a in 127.0.10.1 127.0.10.2 127.0.10.3 127.0.10.4 127.0.10.5; do
		[ "$(dig +short +norec +time=1 +tries=1 @"$a" glitter.kr DNSKEY | grep -c .)" = "$1" ] || return 1
	done
}
# ksk_everywhere TAG : every server address signs the DNSKEY RRset with key TAG
ksk_everywhere() {
	local a
	for a in 127.0.10.1 127.0.10.2 127.0.10.3 127.0.10.4 127.0.10.5; do
		dig +norec +dnssec +time=1 +tries=1 @"$a" glitter.kr DNSKEY |
			awk -v t="$1" '$4 == "RRSIG" && $5 == "DNSKEY" && $11 == t { f = 1 } END { exit !f }' || return 1
	done
}

# One lab start, faults switched at run time ($LAB_DIR/fault), as the monitor would see them.
t_runtime() {
	local s=$DP_TMP/rt.json zn zc kc kn
	zn=$(tag_of glitter.kr-next zsk)
	zc=$(tag_of glitter.kr zsk)
	kc=$(tag_of glitter.kr ksk)
	kn=$(tag_of glitter.kr-next ksk)
	run "$s"
	run "$s"
	is "$(status_of dnssec.rollover)" OK "runtime: healthy, two runs: OK"
	ok_desc "runtime: fault zsk-premature applied" "$LAB_DIR/fault" zsk-premature
	ok_desc "… every server serves 3 DNSKEYs" wait_until 30 keys_everywhere 3
	run "$s"
	is "$(rules)" "zsk-premature:CRITICAL" "runtime zsk-premature: the next run finds it"
	like "$(zone_summary)" "^ZSK $zn signs the SOA but was published too late: a DNSKEY RRset last served 20[-0-9T:]+Z \\(keys [0-9, ]*$zc[0-9, ]*\\) lacks it and may be cached until 20[-0-9T:]+Z \\(DNSKEY TTL 3600s \\+ 300s propagation\\)" \
		"… naming the new ZSK, the cached RRset's keys and until when"
	like "$(zone_summary)" 'RFC 7583 §3.3.1' "… and the RFC"
	is "$DP_RC" 2 "… exit 2"
	ok_desc "runtime: fault --clear zsk-premature" "$LAB_DIR/fault" --clear zsk-premature
	ok_desc "… every server serves 2 DNSKEYs" wait_until 30 keys_everywhere 2
	run "$s"
	is "$(status_of dnssec.rollover)" OK "runtime: back to the old ZSK (in every cached RRset): OK"
	ok_desc "runtime: fault ksk-withdrawn-early applied" "$LAB_DIR/fault" ksk-withdrawn-early
	ok_desc "… every server signs the DNSKEY RRset with the next KSK" wait_until 30 ksk_everywhere "$kn"
	run "$s"
	is "$(rules)" "ksk-withdrawn:CRITICAL" "runtime ksk-withdrawn-early: the next run finds it"
	like "$(zone_summary)" "^KSK $kc withdrawn from the DNSKEY RRset" "… naming the old KSK"
	ok_desc "runtime: fault --clear ksk-withdrawn-early" "$LAB_DIR/fault" --clear ksk-withdrawn-early
	ok_desc "… every server signs with the current KSK again" wait_until 30 ksk_everywhere "$kc"
	ok_desc "runtime: fault tlsa-mismatch:25 applied" "$LAB_DIR/fault" tlsa-mismatch:25
	run "$s"
	is "$(status_of dnssec.rollover '^25:mail\.glitter\.kr$')" CRITICAL \
		"runtime tlsa-mismatch:25: the new key without TLSA is CRITICAL on 25:mail.glitter.kr"
	like "$(summaries_of dnssec.rollover '^25:mail\.glitter\.kr$')" '^the certificate key changed \(SPKI SHA-256 [0-9a-f]{16}…, first seen 20[-0-9T:]+Z\) and no TLSA record for the new key was published \(TLSA RRset: 3 1 1 [0-9a-f]+\)' \
		"… naming the new key and the TLSA RRset"
	like "$(summaries_of dnssec.rollover '^25:mail\.glitter\.kr$')" 'RFC 7671 §8.1' "… and the RFC"
	is "$(status_of dnssec.rollover '^587:mail\.glitter\.kr$')" MISSING "port 587 (key unchanged) has no finding"
	# the DNSKEY RRset of ksk-withdrawn-early (next KSK only) may still be cached, and kr. went
	# back to the current KSK's DS alone at once: undoing the swap so fast is premature too
	is "$(rules)" "ds-early:CRITICAL" "runtime: the swap undone at once is found too (ds-early)"
	is "$(jq -r '.state["dnssec.rollover"].dns|length' "$s")" 5 \
		"the state holds 5 DNS sets (healthy, zsk-premature, healthy, ksk-withdrawn-early, healthy)"
}

# tlsa_everywhere N : every server address of glitter.kr serves N TLSA records at _25._tcp.mail
tlsa_everywhere() {
	local a
	for a in 127.0.10.1 127.0.10.2 127.0.10.3 127.0.10.4 127.0.10.5; do
		[ "$(dig +short +norec +time=1 +tries=1 @"$a" _25._tcp.mail.glitter.kr TLSA | grep -c .)" = "$1" ] || return 1
	done
}
# tlsa_removed WANT-ROLLOVER WANT-DANE RECORDS-LEFT : after two runs of a healthy rollover state,
# the current key's 3 1 1 at _25._tcp.mail is removed while port 25 still presents the key
tlsa_removed() {
	local s=$DP_TMP/tr.json
	run "$s"
	run "$s"
	is "$(status_of dnssec.rollover)" OK "two runs with the current key's record published: OK"
	ok_desc "fault tlsa-removed:25 applied" "$LAB_DIR/fault" tlsa-removed:25
	ok_desc "… every server serves $3 TLSA records at _25._tcp.mail" wait_until 30 tlsa_everywhere "$3"
	dp_check --only dnssec.rollover,dane.tlsa --state "$s" glitter.kr
	is "$(status_of dnssec.rollover '^25:mail\.glitter\.kr$')" "$1" \
		"tlsa-removed:25: dnssec.rollover $1 on 25:mail.glitter.kr"
	is "$(details_of dnssec.rollover '^25:mail\.glitter\.kr$' | jq -r .rule)" tlsa-removed "… rule tlsa-removed"
	like "$(summaries_of dnssec.rollover '^25:mail\.glitter\.kr$')" \
		'^TLSA record 3 1 1 [0-9a-f]{16}… removed \(last seen 20[-0-9T:]+Z\) while the certificate with that key is still served' \
		"… naming the removed record and when it was last seen"
	like "$(summaries_of dnssec.rollover '^25:mail\.glitter\.kr$')" 'RFC 7671 §8.1' "… and the RFC"
	is "$(status_of dnssec.rollover '^587:mail\.glitter\.kr$')" MISSING "port 587 (records unchanged) has no finding"
	is "$(status_of dane.tlsa '^25:mail\.glitter\.kr')" "$2" "dane.tlsa on port 25: $2"
}
t_tlsa_removed() {
	tlsa_removed CRITICAL CRITICAL 1
	like "$(summaries_of dnssec.rollover '^25:mail\.glitter\.kr$')" 'no record left matches it, DANE clients fail' \
		"… and that no record is left for the served key"
}
t_tlsa_removed_multi() {
	tlsa_removed WARNING OK 2
	like "$(summaries_of dnssec.rollover '^25:mail\.glitter\.kr$')" 'only records of other kinds are left for it' \
		"… and that only the 2 1 1 (not judged here) is left for it"
}

# An algorithm rollover (RFC 6781 §4.1.4), its double-signature stage and then its end: the
# old algorithm's keys and signatures gone, two days later (more than the DS and DNSKEY TTLs).
t_algorithm_rollover() {
	rm -f "$SHARED/alg.json"
	run "$SHARED/alg.json"
	run "$SHARED/alg.json"
	is "$DP_RC" 0 "shape-algorithm-rollover, second run: exit 0"
	is "$(status_of dnssec.rollover)" OK "both algorithms signing is not an alarm"
	like "$(zone_summary)" '^no premature rollover step: 4 keys, 1 DS' "… 4 keys (2 per algorithm), the new DS"
	age "$SHARED/alg.json" 172800
}
t_algorithm_done() {
	run "$SHARED/alg.json"
	is "$DP_RC" 0 "algorithm rollover finished, old keys withdrawn after the TTLs: exit 0"
	is "$(status_of dnssec.rollover)" OK "… dnssec.rollover OK"
	is "$(jq -r '.state["dnssec.rollover"].dns|length' "$SHARED/alg.json")" 2 \
		"the state holds both DNS sets (two algorithms, then one)"
}

# The monitor follows a rollover across its runs and across a restart (issue 15 item 3): its
# state_dir keeps the history, the finding lasts from run to run and reaches /metrics.
PORT=9874
URL=http://127.0.0.1:$PORT
scrape() { curl -fsS --max-time 10 "$URL/metrics" >"$DP_TMP/metrics.txt" 2>/dev/null; }
has() { scrape && grep -Eq -- "$1" "$DP_TMP/metrics.txt"; }
# since SET SUBJECT : the last scrape's dnsprobe_rollover_set_since_timestamp_seconds value
since() {
	awk -v k="dnsprobe_rollover_set_since_timestamp_seconds{domain=\"glitter.kr\",set=\"$1\",subject=\"$2\"}" \
		'$1 == k { print $2 }' "$DP_TMP/metrics.txt"
}
runs() { awk '$1 == "dnsprobe_check_runs_total{domain=\"glitter.kr\"}" { print $2 }' "$DP_TMP/metrics.txt"; }
# runs_past N : a scrape shows more than N finished runs
runs_past() { scrape && [ "$(runs)" -gt "$1" ] 2>/dev/null; }
t_monitor() {
	local c=$DP_TMP/dnsprobe.yml log=$DP_TMP/monitor.log sd=$DP_TMP/state pid s0 k0 n
	local crit='^dnsprobe_check_status\{domain="glitter.kr",check="dnssec.rollover",subject="25:mail.glitter.kr"\} 2$'
	local zcrit='^dnsprobe_check_status\{domain="glitter.kr",check="dnssec.rollover",subject="glitter.kr"\} 2$' k1
	mkdir -p "$sd"
	cat >"$c" <<YML
listen: 127.0.0.1:$PORT
interval: 2s
timeout: 20s
trust_anchor: $LAB_TA
root_hints: $LAB_HINTS
ca_file: $LAB_CA
state_dir: $sd
domains:
  - name: glitter.kr
    only: dnssec.rollover
YML
	"$DNSPROBE" monitor -c "$c" 2>"$log" &
	pid=$!
	ok_desc "monitor: a second run is published (history kept in memory and state_dir)" \
		wait_until 90 runs_past 1
	is "$(awk '$1 == "dnsprobe_check_status{domain=\"glitter.kr\",check=\"dnssec.rollover\",subject=\"glitter.kr\"}" { print $2 }' "$DP_TMP/metrics.txt")" 0 \
		"monitor: dnssec.rollover OK on the healthy rollover state"
	s0=$(since tlsa 25:mail.glitter.kr)
	k0=$(since dnskey glitter.kr)
	like "$s0" '^[0-9]+$' "monitor: the TLSA RRset of 25:mail.glitter.kr has a since"
	like "$k0" '^[0-9]+$' "monitor: the DNSKEY RRset has a since"
	ok_desc "promtool check metrics is clean with the rollover gauges" promtool check metrics <"$DP_TMP/metrics.txt"
	ok_desc "fault tlsa-removed:25 applied live" "$LAB_DIR/fault" tlsa-removed:25
	# The monitor's resolver keeps answers up to 60 s (cache-max-ttl, src/dns/resolver.c): the
	# change shows within that plus a run (several seconds under ASan), so wait twice as long.
	ok_desc "monitor: the next runs find tlsa-removed, CRITICAL on 25:mail.glitter.kr" wait_until 120 has "$crit"
	n=$(runs)
	ok_desc "monitor: two runs later" wait_until 60 runs_past $((n + 1))
	ok_desc "… the finding is still there (it lasts while the key is served without its record)" \
		grep -Eq -- "$crit" "$DP_TMP/metrics.txt"
	isnt "$(since tlsa 25:mail.glitter.kr)" "$s0" "… and the TLSA RRset's since moved to the change"
	is "$(since dnskey glitter.kr)" "$k0" "… the DNSKEY RRset's since did not"
	ok_desc "fault zsk-premature applied live" "$LAB_DIR/fault" zsk-premature
	ok_desc "… every server serves 3 DNSKEYs" wait_until 30 keys_everywhere 3
	ok_desc "monitor: the next runs find zsk-premature, CRITICAL on glitter.kr" wait_until 120 has "$zcrit"
	k1=$(since dnskey glitter.kr)
	isnt "$k1" "$k0" "… and the DNSKEY RRset's since moved to the change"
	kill -TERM "$pid"
	wait "$pid"
	is "$?" 0 "monitor: SIGTERM, exit 0"
	ok_desc "state_dir holds the rollover history" \
		test "$(jq -r '.state["dnssec.rollover"].tls["25:mail.glitter.kr"].tlsa | length' "$sd/glitter.kr.json" 2>/dev/null)" -ge 2

	: >"$log"
	"$DNSPROBE" monitor -c "$c" 2>"$log" &
	pid=$!
	ok_desc "after a restart: the first run is published" \
		wait_until 90 has '^dnsprobe_last_run_timestamp_seconds\{domain="glitter.kr"\}'
	ok_desc "after a restart: tlsa-removed still CRITICAL at once (history kept)" grep -Eq -- "$crit" "$DP_TMP/metrics.txt"
	ok_desc "after a restart: zsk-premature still CRITICAL at once (the old DNSKEY RRset may be cached for an hour)" \
		grep -Eq -- "$zcrit" "$DP_TMP/metrics.txt"
	is "$(since dnskey glitter.kr)" "$k1" "after a restart: the DNSKEY RRset's since is the one from before"
	curl -fsS --max-time 10 "$URL/domain/glitter.kr" >"$DP_TMP/page.html" 2>/dev/null
	like "$(cat "$DP_TMP/page.html")" 'TLSA record 3 1 1 [0-9a-f]{16}… removed' "the domain page names the removed record"
	unlike "$(cat "$DP_TMP/page.html")" 'first observation' "… and the history was not started again"
	kill -TERM "$pid"
	wait "$pid"
	is "$?" 0 "after the restart: SIGTERM, exit 0"
	unlike "$(grep -E 'level=(error|crit)' "$log")" . "no error logged"
}

scenario t_healthy
scenario t_zsk_prepublish --fault shape-zsk-prepublish
scenario t_zsk_by_the_book --fault zsk-premature
scenario t_ksk_early --fault ksk-withdrawn-early
scenario t_double_ds --fault shape-ksk-double-ds
scenario t_ksk_by_the_book --fault ksk-withdrawn-early
scenario t_runtime
scenario t_algorithm_rollover --fault shape-algorithm-rollover
scenario t_algorithm_done
scenario t_tlsa_removed --fault tlsa-rollover
scenario t_tlsa_removed_multi --fault shape-tlsa-multi
scenario t_monitor --fault tlsa-rollover
finish
