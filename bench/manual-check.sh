#!/usr/bin/env bash
# The hand-made equivalent of `dnsprobe check DOMAIN` an operator would otherwise run: delv, dig,
# openssl s_client and curl, one after the other. Benchmarks compare with it; it prints one line
# per finding and exits 2 if anything failed. Inside the lab it uses $LAB_DIR/delv.conf and $LAB_CA.
# usage: bench/manual-check.sh DOMAIN [PORT:HOST]...
set -u
domain=${1:?usage: manual-check.sh DOMAIN [PORT:HOST]...}
shift
extra=("$@")
fail=0
say() { echo "$1 $2"; [ "$1" = OK ] || fail=1; }
delv_args=()
[ -n "${LAB_DIR:-}" ] && delv_args=(-a "$LAB_DIR/delv.conf")
cafile=()
[ -n "${LAB_CA:-}" ] && cafile=(--cacert "$LAB_CA")
now=$(date +%s)

# dnssec.chain: each apex RRset validates from the root (delv +vtrace, as an operator reads it).
for t in SOA NS DNSKEY MX TXT CAA; do
	if delv "${delv_args[@]}" +vtrace "$domain" "$t" 2>&1 | grep -q 'fully validated'; then
		say OK "chain $t"
	else
		say CRITICAL "chain $t"
	fi
done
mx=$(dig +short "$domain" MX | awk '{ print $2 }' | sed 's/\.$//')
for h in $mx; do
	for t in A AAAA; do
		delv "${delv_args[@]}" "$h" "$t" 2>&1 | grep -q 'fully validated' &&
			say OK "chain $h $t" || say CRITICAL "chain $h $t"
	done
done

# dnssec.denial: a random name gets a validated NXDOMAIN.
r=$(dig +dnssec "dnsprobe-$RANDOM$RANDOM.$domain" A)
echo "$r" | grep -q 'status: NXDOMAIN' && echo "$r" | grep -q 'flags:.* ad' &&
	say OK "denial" || say CRITICAL "denial"

# dnssec.keys: the parent's DS matches a DNSKEY of the zone.
ds=$(dig +short "$domain" DS | awk '{ print $1, $2, $3, toupper($4 $5) }')
keys=$(dig "$domain" DNSKEY +noall +answer | dnssec-dsfromkey -f - -2 "$domain" 2>/dev/null |
	awk '{ print $4, $5, $6, toupper($7 $8) }')
for d in "${ds// /_}"; do
	echo "$keys" | tr ' ' '_' | grep -qx "${d}" && say OK "DS ${d%%_*}" || say CRITICAL "DS ${d%%_*}"
done

# ns.soa_serial, ns.delegation, dnssec.rrsig_expiry: every NS name x address, RD=0, UDP and TCP.
serials=""
for ns in $(dig +short "$domain" NS | sed 's/\.$//'); do
	for a in $(dig +short "$ns" A) $(dig +short "$ns" AAAA); do
		for tr in +notcp +tcp; do
			out=$(dig @"$a" "$domain" SOA +norec +dnssec "$tr" +time=2 +tries=1)
			if ! echo "$out" | grep -q 'flags:.* aa'; then
				say CRITICAL "$ns/$a $tr not authoritative"
				continue
			fi
			say OK "$ns/$a $tr AA"
		done
		s=$(echo "$out" | awk '$4 == "SOA" { print $7 }')
		serials="$serials $s"
		exp=$(echo "$out" | awk '$4 == "RRSIG" && $5 == "SOA" { print $9 }' | head -1)
		if [ -n "$exp" ]; then
			left=$(($(date -u -d "${exp:0:8} ${exp:8:2}:${exp:10:2}:${exp:12:2}" +%s) - now))
			[ "$left" -gt $((72 * 3600)) ] && say OK "$ns/$a RRSIG ${left}s" || say WARNING "$ns/$a RRSIG ${left}s"
		fi
	done
done
[ "$(printf '%s\n' $serials | sort -u | wc -l)" -eq 1 ] && say OK "serials agree" || say WARNING "serials differ:$serials"

# dane.tlsa and tls.cert: port 25 of every MX plus the extra endpoints, every address.
endpoints=()
for h in $mx; do endpoints+=("25:$h"); done
endpoints+=("${extra[@]}")
for ep in "${endpoints[@]}"; do
	port=${ep%%:*}
	host=${ep#*:}
	tlsa=$(dig +short "_$port._tcp.$host" TLSA | tr '\n' ' ')
	starttls=()
	case $port in 25 | 587) starttls=(-starttls smtp) ;; esac
	for a in $(dig +short "$host" A) $(dig +short "$host" AAAA); do
		args=(-connect "[$a]:$port" -servername "$host" "${starttls[@]}" -verify_return_error)
		[ -n "${LAB_CA:-}" ] && args+=(-CAfile "$LAB_CA")
		if [ -n "$tlsa" ]; then
			dargs=(-dane_tlsa_domain "$host")
			while read -r u s m d; do
				[ -n "$u" ] && dargs+=(-dane_tlsa_rrdata "$u $s $m $d")
			done < <(dig +short "_$port._tcp.$host" TLSA | awk '{ print $1, $2, $3, $4 $5 $6 }')
			out=$(openssl s_client "${args[@]}" "${dargs[@]}" </dev/null 2>&1)
			echo "$out" | grep -q 'Verification: OK\|Verify return code: 0' &&
				say OK "TLSA $ep $a" || say CRITICAL "TLSA $ep $a"
		fi
		end=$(openssl s_client "${args[@]}" </dev/null 2>/dev/null | openssl x509 -noout -enddate |
			cut -d= -f2)
		[ -n "$end" ] && [ $(($(date -d "$end" +%s) - now)) -gt $((14 * 86400)) ] &&
			say OK "cert $ep $a" || say WARNING "cert $ep $a ($end)"
	done
done

# mta_sts.policy, tls_rpt, caa.
sts=$(dig +short "_mta-sts.$domain" TXT | grep -c 'v=STSv1')
if [ "$sts" -eq 1 ]; then
	pol=$(curl -sS --max-time 10 "${cafile[@]}" -w '\n%{http_code} %{content_type}' \
		"https://mta-sts.$domain/.well-known/mta-sts.txt")
	echo "$pol" | tail -1 | grep -q '^200 text/plain' && echo "$pol" | grep -q '^version: STSv1' &&
		say OK "MTA-STS policy" || say CRITICAL "MTA-STS policy"
	for h in $mx; do
		echo "$pol" | tr -d '\r' | grep -qx "mx: $h" && say OK "MTA-STS mx $h" || say CRITICAL "MTA-STS mx $h"
	done
fi
[ "$(dig +short "_smtp._tls.$domain" TXT | grep -c 'v=TLSRPTv1')" -eq 1 ] && say OK "TLS-RPT" || say WARNING "TLS-RPT"
dig "$domain" CAA +noall +answer | grep -q CAA && say OK "CAA" || say OK "CAA none"
exit $((fail * 2))
