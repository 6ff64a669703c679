#!/usr/bin/env bash
# System tests of dnssec.cds (RFC 7344, RFC 8078, RFC 9615): the healthy lab, then one lab per
# cds- fault (CDS for an unpublished key, CDS on one server only, CDS the parent has not picked
# up — in `check` and across monitor runs — and the delete form), and one per dsboot fault
# (authenticated bootstrapping possible, and blocked by one signal that differs).
. "$(dirname "$0")/lib.sh"

PORT=9873
URL=http://127.0.0.1:$PORT
SERVERS="ns1.glitter.kr/127.0.10.1 ns1.glitter.kr/::1 ns2.glitter.kr/127.0.10.2 ns3.glitter.kr/127.0.10.3 ns4.glitter.kr/127.0.10.4 ns5.glitter.kr/127.0.10.5"

# zone_summary : the summary of the zone result (subject glitter.kr).
zone_summary() { summaries_of dnssec.cds '^glitter\.kr$'; }
zone_details() { details_of dnssec.cds '^glitter\.kr$'; }
# per_server STATUS : the sorted subjects of the per-server results with that status.
per_server() {
	jqr --arg s "$1" '[.checks[]|select(.id=="dnssec.cds" and (.subject|test("/")) and .status==$s)|.subject]|sort|join(" ")'
}
# tag_of SET ROLE : the key tag of a lab key (the state's K<zone>+<alg>+<tag> file name).
tag_of() {
	local base
	base=$(awk -v r="$2" '$1 == r { print $2; exit }' "$LAB_STATE_DIR/dns/keys/$1/roles")
	printf '%d\n' "$((10#${base##*+}))"
}
# cds_at ADDR : the CDS RRset ADDR serves, as "tag/alg/digest-type" lines sorted.
cds_at() { dig +short +norec @"$1" glitter.kr CDS | awk '{ print $1 "/" $2 "/" $3 }' | sort | tr '\n' ' '; }

LAB_STATE_DIR=${DNSPROBE_LAB_STATE:-$SRCDIR/fixtures/lab/.state}

t_healthy() {
	dp_check --only dnssec.cds,dnssec.keys glitter.kr
	is "$DP_RC" 0 "healthy: exit 0"
	is "$(status_of dnssec.cds)" OK "dnssec.cds OK"
	is "$(zone_summary)" "no CDS or CDNSKEY published (asked at 6 server addresses)" \
		"no CDS at all is OK, and says so"
	is "$(per_server OK)" "$SERVERS" "one OK result per server address"
	is "$(zone_details | jq -r '.servers_asked, .servers_with_records | tostring' | tr '\n' ' ')" "6 0 " \
		"details: 6 addresses asked, none with records"
	is "$(zone_details | jq -r '.grace_seconds')" 172800 "default grace 2 days"
	dp_check --only dnssec.cds --cds-grace 5x glitter.kr
	is "$DP_RC" 3 "--cds-grace 5x: exit 3"
	like "$(cat "$DP_ERR")" 'cds-grace' "the error names --cds-grace"
	dp_check --only dnssec.cds --cds-grace 36h glitter.kr
	is "$(zone_details | jq -r '.grace_seconds')" 129600 "--cds-grace 36h reaches the check"
}

t_mismatch() {
	local retired cur
	retired=$(tag_of glitter.kr-retired ksk)
	cur=$(tag_of glitter.kr ksk)
	is "$(cds_at 127.0.10.1)" "$retired/13/2 " "the lab serves the retired KSK's CDS"
	dp_check --only dnssec.cds,dnssec.keys glitter.kr
	is "$DP_RC" 2 "cds-mismatch: exit 2"
	is "$(status_of dnssec.cds '^glitter\.kr$')" CRITICAL "zone result CRITICAL"
	like "$(zone_summary)" "^no CDS/CDNSKEY record leads to a DNSKEY that signs the DNSKEY RRset \\(CDS $retired/13/2; CDNSKEY $retired; " \
		"the summary names the CDS and CDNSKEY of the unpublished key"
	like "$(zone_summary)" "if kr acts on it, glitter.kr goes bogus; the DS there is still $cur/13/2" \
		"… says what happens if the parent acts, and the DS it has"
	unlike "$(zone_summary)" "not picked up" "a CDS that would break the chain is not 'waiting for the parent'"
	is "$(zone_details | jq -r '[.records[]|"\(.type) \(.key_tag) \(.published)"]|join(",")')" \
		"CDS $retired false,CDNSKEY $retired false" "details: each record, its key tag, not published"
	is "$(per_server OK)" "$SERVERS" "every server serves the same signed set (per-server OK)"
	is "$(jqr '[.checks[]|select(.id=="dnssec.cds" and (.subject|test("/")))|.details.validation.CDS]|unique|join(",")')" \
		secure "getdns validates the CDS at every server"
	is "$(status_of dnssec.keys)" OK "dnssec.keys unaffected (the DS is still good)"
}

t_partial() {
	local cur
	cur=$(tag_of glitter.kr ksk)
	is "$(cds_at 127.0.10.3) | $(cds_at 127.0.10.2)" "$cur/13/2  | " "ns3 has a CDS, ns2 none"
	dp_check --only dnssec.cds glitter.kr
	is "$DP_RC" 1 "cds-partial:ns3: exit 1"
	is "$(status_of dnssec.cds '^glitter\.kr$')" WARNING "zone result WARNING"
	like "$(zone_summary)" '^CDS/CDNSKEY on 1 of 6 server addresses only: ns3\.glitter\.kr/127\.0\.10\.3 serves them, ns1\.glitter\.kr/127\.0\.10\.1, ' \
		"the summary names the one server that has them"
	like "$(zone_summary)" 'a parent acts only when every server agrees' "… and why it matters"
	is "$(per_server WARNING)" "ns3.glitter.kr/127.0.10.3" "only ns3's own result warns"
	like "$(summaries_of dnssec.cds 'ns3\.')" "CDS $cur/13/2, CDNSKEY $cur, signed \\(validated against the DS\\); ns1\\.glitter\\.kr/127\\.0\\.10\\.1, .* serve none" \
		"ns3: its set, signed, and that the others serve none"
	is "$(zone_details | jq -r '.servers_with_records')" 1 "details: 1 address with records"
}

# conf FILE GRACE : a monitor config for the lab with dnssec.cds only.
conf() {
	cat >"$1" <<YML
listen: 127.0.0.1:$PORT
interval: 2s
timeout: 20s
trust_anchor: $LAB_TA
root_hints: $LAB_HINTS
ca_file: $LAB_CA
thresholds: {cds_grace: $2}
domains:
  - name: glitter.kr
    only: dnssec.cds
YML
}
scrape() { curl -fsS "$URL/metrics" >"$DP_TMP/metrics.txt" 2>/dev/null; }
has() { scrape && grep -Eq -- "$1" "$DP_TMP/metrics.txt"; }

t_unpicked() {
	local cur nxt c=$DP_TMP/dnsprobe.yml log=$DP_TMP/monitor.log pid page
	cur=$(tag_of glitter.kr ksk)
	nxt=$(tag_of glitter.kr-next ksk)
	dp_check --only dnssec.cds,dnssec.keys glitter.kr
	is "$DP_RC" 0 "cds-unpicked, check within the grace: exit 0"
	is "$(status_of dnssec.cds)" OK "dnssec.cds OK"
	like "$(zone_summary)" "^CDS $nxt/13/2, CDNSKEY $nxt on all 6 server addresses; note: kr has not picked up the CDS yet: the zone asks for $nxt/13/2, a\\.dns\\.kr/127\\.0\\.0\\.3 has DS $cur/13/2 \\(first seen now; grace 2d\\)" \
		"a note with both sets, 'first seen now' (no history in check)"
	is "$(zone_details | jq -r '[.picked_up, .first_seen_now]|map(tostring)|join(" ")')" "false true" \
		"details: picked_up false, first_seen_now true"
	is "$(zone_details | jq -r '(.cds|map(split(" ")[0])|join(",")) + " " + (.parent_ds|map(split(" ")[0])|join(","))')" \
		"$nxt $cur" "details: cds and parent_ds in zone-file form"
	is "$(zone_details | jq -r '[.records[]|"\(.key_tag) \(.published) \(.signs_dnskey)"]|unique|join(",")')" \
		"$nxt true true" "the next KSK is published and signs the DNSKEY RRset"
	is "$(status_of dnssec.keys)" OK "dnssec.keys OK (the old DS still works)"

	dp_check --only dnssec.cds --cds-grace 0 glitter.kr
	is "$DP_RC" 1 "--cds-grace 0: exit 1"
	like "$(zone_summary)" "^kr has not picked up the CDS: the zone asks for $nxt/13/2, a\\.dns\\.kr/127\\.0\\.0\\.3 has DS $cur/13/2 \\(first seen now; grace 0s\\)" \
		"WARNING at once, both sets shown"
	printf 'thresholds: {cds_grace: 0s}\ndomains:\n  - name: glitter.kr\n' >"$DP_TMP/check.yml"
	dp_check --only dnssec.cds -c "$DP_TMP/check.yml" glitter.kr
	is "$(status_of dnssec.cds '^glitter\.kr$')" WARNING "config thresholds.cds_grace 0s: WARNING"

	# check --state FILE remembers since when, as the monitor does
	dp_check --only dnssec.cds --state "$DP_TMP/state.json" glitter.kr
	is "$(zone_details | jq -r '.first_seen_now')" true "--state, first run: first seen now"
	dp_check --only dnssec.cds --state "$DP_TMP/state.json" glitter.kr
	is "$(zone_details | jq -r '.first_seen_now')" false "--state, second run: remembered"
	like "$(zone_summary)" '\(for [0-9]+s, since 20[0-9-]+T[0-9:]+Z; grace 2d\)' \
		"… for how long and since when, from the state file (a note within the grace)"

	# the monitor remembers since when: a note first, a WARNING once the grace has passed
	conf "$c" 6s
	"$DNSPROBE" monitor -n -c "$c" >/dev/null 2>"$DP_TMP/n.err"
	is "$?" 0 "monitor -n accepts thresholds.cds_grace"
	"$DNSPROBE" monitor -c "$c" 2>"$log" &
	pid=$!
	ok_desc "monitor: first run OK (within the grace)" wait_until 60 has \
		'^dnsprobe_check_status\{domain="glitter.kr",check="dnssec.cds",subject="glitter.kr"\} 0$'
	ok_desc "… WARNING once the CDS has waited longer than cds_grace (6s)" wait_until 60 has \
		'^dnsprobe_check_status\{domain="glitter.kr",check="dnssec.cds",subject="glitter.kr"\} 1$'
	like "$(grep 'group=state' "$log" | grep 'check=dnssec.cds' | grep 'subject=glitter.kr ')" \
		'from=OK to=WARNING' "the grace expiry is logged as a state change"
	page=$(curl -fsS "$URL/" 2>/dev/null)
	like "$page" "has not picked up the CDS: the zone asks for $nxt/13/2, a\\.dns\\.kr/127\\.0\\.0\\.3 has DS $cur/13/2 \\(for [0-9]+s, since 20" \
		"the status page says for how long and since when"
	kill -TERM "$pid"
	wait "$pid"
	is "$?" 0 "monitor: SIGTERM, exit 0"
}

t_delete() {
	local cur
	cur=$(tag_of glitter.kr ksk)
	is "$(dig +short +norec @127.0.10.1 glitter.kr CDS)" "0 0 0 00" "the lab serves the delete CDS"
	dp_check --only dnssec.cds glitter.kr
	is "$DP_RC" 1 "cds-delete while signed and with DS: exit 1"
	like "$(zone_summary)" "^the zone asks the parent to remove its DS \\(RFC 8078 §4 delete record\\) and a\\.dns\\.kr/127\\.0\\.0\\.3 still has DS $cur/13/2: once kr acts, glitter\\.kr is an insecure delegation" \
		"understood as a request to remove the DS, and what will happen"
	is "$(zone_details | jq -r '[.delete, .picked_up]|map(tostring)|join(" ")')" "true false" \
		"details: delete true, picked_up false"
	like "$(summaries_of dnssec.cds 'ns2\.')" 'CDS 0 0 0 00 \(delete\), CDNSKEY 0 3 0 AA== \(delete\), signed' \
		"per server: the delete records, signed"
	is "$(per_server OK)" "$SERVERS" "every server agrees"
}

# boot_signal NS : "status why" of the signal under NS.
boot_signal() { zone_details | jq -r --arg n "$1" '.signal[]|select(.name==$n)|"\(.status) \(.why)"'; }

# t_dsboot FAULT : glitter.kr on ns1/ns2.dnshost.example, no DS at kr., CDS/CDNSKEY of its KSK
# at the apex and as RFC 9615 signals in dnshost.example (dsboot-mismatch: the next KSK's
# under ns2).
t_dsboot() {
	local cur nxt budget=15
	cur=$(tag_of glitter.kr ksk)
	nxt=$(tag_of glitter.kr-next ksk)
	is "$(dig +short glitter.kr DS | wc -l)" 0 "the lab: no DS for glitter.kr at kr."
	is "$(dig +short _dsboot.glitter.kr._signal.ns1.dnshost.example CDS | awk '{ print $1 }')" \
		"$cur" "the lab: ns1's signal has the KSK's CDS"
	dp_check_within "$budget" --only dnssec.cds glitter.kr
	within_budget "$DP_FAULT" "$budget"
	is "$(zone_details | jq -r '.signal_ns_from')" parent "the NS names are the delegation's"
	is "$(zone_details | jq -r '[.signal[]|.signal_name]|join(" ")')" \
		"_dsboot.glitter.kr._signal.ns1.dnshost.example _dsboot.glitter.kr._signal.ns2.dnshost.example" \
		"details: one signalling name per out-of-domain NS"
	is "$(boot_signal ns1.dnshost.example)" "same " "ns1's signal: the apex's set, validated"
	is "$(zone_details | jq -r '.signal[0].cds[0]|split(" ")[0]')" "$cur" "… its CDS in details"
	if [ "$DP_FAULT" = dsboot ]; then
		is "$DP_RC" 0 "dsboot: exit 0"
		is "$(zone_details | jq -r '.bootstrap')" possible "details: bootstrap possible"
		is "$(status_of dnssec.cds '^glitter\.kr$')" OK "zone result OK"
		is "$(boot_signal ns2.dnshost.example)" "same " "ns2's signal: the same"
		like "$(zone_summary)" "^CDS $cur/13/2, CDNSKEY $cur on all 2 server addresses; note: RFC 9615 bootstrapping possible: ns1\.dnshost\.example, ns2\.dnshost\.example signal the apex's CDS/CDNSKEY at _dsboot\.glitter\.kr\._signal\.<ns>, validated" \
			"the summary notes that bootstrapping is possible, naming the NS"
		like "$(zone_details | jq -r '.notes[1]')" "has DS none \(first seen now" \
			"… and, in the notes, that the parent has no DS yet"
	else
		is "$DP_RC" 1 "dsboot-mismatch: exit 1"
		is "$(zone_details | jq -r '.bootstrap')" blocked "details: bootstrap blocked"
		is "$(status_of dnssec.cds '^glitter\.kr$')" WARNING "zone result WARNING"
		is "$(boot_signal ns2.dnshost.example)" \
			"different _dsboot.glitter.kr._signal.ns2.dnshost.example differs from the apex: CDS $nxt/13/2 at the signal, $cur/13/2 at the apex; CDNSKEY $nxt at the signal, $cur at the apex" \
			"ns2's signal: different, and how"
		like "$(zone_summary)" "^RFC 9615 bootstrapping blocked at ns2\.dnshost\.example: _dsboot\.glitter\.kr\._signal\.ns2\.dnshost\.example differs from the apex: CDS $nxt/13/2 at the signal, $cur/13/2 at the apex" \
			"the finding names the NS and the difference"
	fi
}
t_dsboot_ok() { DP_FAULT=dsboot t_dsboot; }
t_dsboot_mismatch() { DP_FAULT=dsboot-mismatch t_dsboot; }

# t_ds_present: with a DS at the parent, bootstrapping is not judged (no details, no finding)
t_ds_present() {
	dp_check --only dnssec.cds glitter.kr
	is "$(zone_details | jq -r 'has("bootstrap")')" false "a zone with DS: no bootstrap verdict"
	unlike "$(zone_details | jq -r '.notes|join(" ")')" 'RFC 9615' "… and no RFC 9615 note"
}

scenario t_healthy
scenario t_mismatch --fault cds-mismatch
scenario t_partial --fault cds-partial:ns3
scenario t_unpicked --fault cds-unpicked
scenario t_delete --fault cds-delete
scenario t_ds_present --fault shape-ksk-double-ds
scenario t_dsboot_ok --fault dsboot
scenario t_dsboot_mismatch --fault dsboot-mismatch
finish
