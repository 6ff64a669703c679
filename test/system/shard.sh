#!/usr/bin/env bash
# System test of `shard: I/N` in the lab: two monitors with one domain list (shard 0/2 and 1/2)
# and a real Prometheus scraping both; every domain is scraped exactly once (Prometheus's HTTP
# API, dnsprobe_last_run_timestamp_seconds counted per domain). Also /metrics with gzip.
. "$(dirname "$0")/lib.sh"

NEXTRA=20
PROM_PORT=9091

# conf FILE PORT SHARD : the lab's domains (glitter.kr and the extra ones) for one monitor.
conf() {
	{
		echo "listen: 127.0.0.1:$2"
		echo "interval: 10s"
		echo "timeout: 30s"
		echo "trust_anchor: $LAB_TA"
		echo "root_hints: $LAB_HINTS"
		echo "ca_file: $LAB_CA"
		echo "shard: $3"
		echo "log_level: warn"
		echo "domains:"
		echo "  - name: glitter.kr"
		sed 's/^/  - name: /' "$LAB_DIR/extra-domains"
	} >"$1"
}
q() { # PROMQL → the API's result vector as "domain count" lines
	curl -fsG "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" |
		jq -r '.data.result[] | "\(.metric.domain) \(.value[1])"' | sort
}
all_seen() { [ "$(q 'count by (domain) (dnsprobe_last_run_timestamp_seconds)' | wc -l)" -eq "$1" ]; }
published() { curl -fs "http://127.0.0.1:$1/metrics" | grep -c '^dnsprobe_last_run_timestamp_seconds{'; }
all_published() { [ $(($(published 9871) + $(published 9872))) -eq "$1" ]; }

t_shard() {
	local d=$DP_TMP n pid0 pid1 prom per
	n=$((NEXTRA + 1))
	is "$(wc -l <"$LAB_DIR/extra-domains")" "$NEXTRA" "the lab has $NEXTRA extra domains"
	conf "$d/s0.yml" 9871 0/2
	conf "$d/s1.yml" 9872 1/2
	ok_desc "shard 0/2 config is valid" "$DNSPROBE" monitor -n -c "$d/s0.yml"
	"$DNSPROBE" monitor -c "$d/s0.yml" 2>"$d/s0.log" &
	pid0=$!
	"$DNSPROBE" monitor -c "$d/s1.yml" 2>"$d/s1.log" &
	pid1=$!
	mkdir -p "$d/prom"
	cat >"$d/prom/prometheus.yml" <<YML
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: dnsprobe
    static_configs: [{targets: ['127.0.0.1:9871', '127.0.0.1:9872']}]
YML
	prometheus --config.file="$d/prom/prometheus.yml" --storage.tsdb.path="$d/prom/data" \
		--web.listen-address=127.0.0.1:$PROM_PORT >"$d/prom/log" 2>&1 &
	prom=$!
	ok_desc "both monitors publish a run of each of the $n domains between them" \
		wait_until 240 all_published "$n"
	local s0 s1
	s0=$(published 9871)
	s1=$(published 9872)
	isnt "$s0" 0 "shard 0/2 has domains ($s0)"
	isnt "$s1" 0 "shard 1/2 has domains ($s1)"
	is "$(curl -fs http://127.0.0.1:9871/metrics | awk '/^dnsprobe_domains /{print $2}')" "$s0" \
		"dnsprobe_domains counts the shard's domains"
	ok_desc "Prometheus sees all $n domains" wait_until 60 all_seen "$n"
	per=$(q 'count by (domain) (dnsprobe_last_run_timestamp_seconds)')
	is "$(awk '$2 != 1' <<<"$per")" "" "every domain is scraped exactly once (count by domain = 1)"
	is "$(q 'count by (domain) (count by (domain, instance) (dnsprobe_check_runs_total))' | awk '$2 != 1')" "" \
		"every domain's counters come from one monitor"
	is "$(awk '{print $1}' <<<"$per" | tr '\n' ' ')" \
		"$( (echo glitter.kr; cat "$LAB_DIR/extra-domains") | sort | tr '\n' ' ')" \
		"the domains Prometheus has are the configured ones"

	# gzip: what Prometheus asked for; the body inflates to a clean exposition.
	curl -fs -H 'Accept-Encoding: gzip' -D "$d/h" -o "$d/m.gz" http://127.0.0.1:9871/metrics
	like "$(tr -d '\r' <"$d/h" | grep -i '^content-encoding')" 'gzip' "Content-Encoding: gzip when asked"
	ok_desc "the gzip body is a valid gzip file" gzip -t "$d/m.gz"
	gzip -dc "$d/m.gz" >"$d/m.txt"
	ok_desc "… and inflates to a promtool-clean exposition" promtool check metrics <"$d/m.txt"
	like "$(cat "$d/m.txt")" 'dnsprobe_build_info\{version=' "… the whole of it"
	unlike "$(curl -fs -D - -o /dev/null http://127.0.0.1:9871/metrics | tr -d '\r')" \
		'Content-Encoding' "no Content-Encoding without Accept-Encoding"
	is "$(grep -c 'level=error' "$d/prom/log")" 0 "Prometheus logged no error"
	kill "$prom" "$pid0" "$pid1" 2>/dev/null
	wait "$prom" "$pid0" "$pid1" 2>/dev/null
	# State changes to CRITICAL are logged at level=error (group=state): findings about the
	# lab under load (a slow policy fetch), not failures of the monitor.
	is "$(cat "$d/s0.log" "$d/s1.log" | grep 'level=error' | grep -vc 'group=state')" 0 \
		"the monitors logged no error besides state changes"
}

scenario t_shard --extra-domains "$NEXTRA"
finish
