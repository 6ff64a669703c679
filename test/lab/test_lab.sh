#!/usr/bin/env bash
# Tests of the lab itself with the operator's tools (delv, dig, openssl, curl), one lab per scenario.
#
# usage: test/lab/test_lab.sh [SCENARIO...]    (root; prints TAP, exits 1 if any assertion failed)
# Each scenario runs `fixtures/lab/run [faults] -- test_lab.sh --inside SCENARIO`; the assertions
# run inside the lab and print "ok - ..." / "not ok - ..."; this outer part counts them.
set -euo pipefail

SELF=$(readlink -f "$0")
TOP=$(cd "$(dirname "$SELF")/../.." && pwd)
RUN=$TOP/fixtures/lab/run
NS_ALL="ns1 ns2 ns3 ns4 ns5"

# scenario name, then the lab arguments it needs
SCENARIOS=(
	"healthy"
	"rrsig_expired --fault rrsig-expired"
	"ns_down --fault ns-down:ns4"
	"stale_secondary --fault stale-secondary:ns3"
	"ds_mismatch --fault ds-mismatch"
	"unsigned --fault unsigned"
	"delegation --fault lame:ns2 --fault glue-mismatch:ns3 --fault parent-extra-ns --fault secondary-expired:ns5 --fault nsec3-iterations"
	"rsasha1 --fault algorithm-rsasha1 --fault ds-stale --fault rrsig-expiring"
)
# run only when named (or with LAB_TEST_ALL=1): every DNS fault applied and lifted at run time
EXTRA_SCENARIOS=(
	"runtime"
	"extra_domains --extra-domains 50"
)

# --- assertions (inside the lab) -------------------------------------------------------------

SCEN=""
ok() { printf 'ok - %s: %s\n' "$SCEN" "$1"; }
not_ok() {
	printf 'not ok - %s: %s\n' "$SCEN" "$1"
	[[ -z ${2-} ]] || printf '%s\n' "$2" | head -15 | sed 's/^/#   /'
}
skip() { printf 'ok - %s: %s # SKIP %s\n' "$SCEN" "$1" "$2"; }
# check DESC CMD...: ok when CMD succeeds (its output is shown on failure)
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}
# eventually CMD...: CMD succeeds within 5 s (polled)
eventually() {
	local i
	for ((i = 0; i < 100; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}
# is GOT WANT DESC
is() {
	if [[ $1 == "$2" ]]; then ok "$3"; else not_ok "$3" "got '$1', want '$2'"; fi
}

delv_lab() {
	delv -a "$LAB_DIR/delv.conf" @"$LAB_RESOLVER" "$@" 2>&1
}
# validated NAME TYPE: delv says "fully validated"
validated() {
	local out
	out=$(delv_lab "$1" "$2")
	grep -q '^; fully validated' <<<"$out" || {
		printf '%s\n' "$out"
		return 1
	}
}
not_validated() {
	local out
	out=$(delv_lab "$1" "$2") || true
	! grep -q '^; fully validated' <<<"$out" || {
		printf '%s\n' "$out"
		return 1
	}
}
# soa ADDR [ZONE]: "SERIAL aa" or "SERIAL -" (no AA) or the rcode, as ADDR answers ZONE's SOA
soa() {
	local addr=$1 zone=${2:-glitter.kr} out st flags serial
	out=$(dig +norec +time=1 +tries=1 @"$addr" "$zone" SOA 2>&1) || {
		echo noanswer
		return 0
	}
	st=$(sed -n 's/.*status: \([A-Z]*\).*/\1/p' <<<"$out" | head -1)
	flags=$(sed -n 's/^;; flags: \([^;]*\);.*/\1/p' <<<"$out")
	serial=$(awk -v z="$zone." '$1 == z && $4 == "SOA" { print $7 }' <<<"$out")
	if [[ $st != NOERROR ]]; then
		echo "$st"
	elif [[ " $flags " == *" aa "* ]]; then
		echo "$serial aa"
	else
		echo "$serial -"
	fi
}
like_aa() { [[ $(soa "$1") == *" aa" ]]; }
ns_addr() { printf '127.0.10.%s\n' "${1#ns}"; }
# rrsig_expiry ADDR: the earliest RRSIG expiration (YYYYMMDDHHMMSS) ADDR serves for glitter.kr SOA
rrsig_expiry() {
	dig +norec +dnssec +time=1 +tries=1 @"$1" glitter.kr SOA |
		awk '$4 == "RRSIG" && $5 == "SOA" { print $9 }' | sort | head -1
}
epoch_of() { date -u -d "$(sed -E 's/(....)(..)(..)(..)(..)(..)/\1-\2-\3 \4:\5:\6/' <<<"$1")" +%s; }

# tlsa_of OWNER: the 3 1 1 digest of the first TLSA record (lower case, no spaces)
tlsa_of() {
	dig +short "$1" TLSA | awk '$1 == 3 && $2 == 1 && $3 == 1 { $1 = $2 = $3 = ""; print; exit }' |
		tr -d ' ' | tr 'A-F' 'a-f'
}
# spki_of ADDR PORT [STARTTLS]: SHA-256 of the SPKI the server presents
spki_of() {
	local -a st=()
	[[ -n ${3-} ]] && st=(-starttls "$3")
	openssl s_client -connect "$1:$2" "${st[@]}" -servername "${4:-mail.glitter.kr}" </dev/null \
		2>/dev/null | openssl x509 -noout -pubkey | openssl pkey -pubin -outform DER |
		sha256sum | cut -d' ' -f1
}

all_ns_same_serial() {
	local want got ns
	want=$(soa 127.0.10.1)
	[[ $want == *" aa" ]] || {
		echo "ns1: $want"
		return 1
	}
	for ns in $NS_ALL; do
		got=$(soa "$(ns_addr "$ns")")
		[[ $got == "$want" ]] || {
			echo "$ns: $got, ns1: $want"
			return 1
		}
	done
	got=$(soa ::1)
	[[ $got == "$want" ]] || {
		echo "ns1 ::1: $got, ns1: $want"
		return 1
	}
}

t_healthy() {
	local t owner port addr d s
	check "delv validates glitter.kr SOA" validated glitter.kr SOA
	for t in _25._tcp.mail _587._tcp.mail _443._tcp.captcha; do
		check "delv validates $t.glitter.kr TLSA" validated "$t.glitter.kr" TLSA
	done
	check "ns1..ns5 and ns1's ::1 give the same serial with aa" all_ns_same_serial
	check "the resolver sets AD for glitter.kr MX" \
		bash -c "dig +dnssec glitter.kr MX | grep -q '^;; flags:.* ad'"
	check "ns2 has its copy by zone transfer" \
		test -s "$LAB_DIR/srv/ns2/glitter.kr.bk"
	if [[ -z ${LAB_CA-} ]]; then
		skip "STARTTLS and HTTPS checks" "no services.sh"
	else
		for port in 25 587; do
			owner=_$port._tcp.mail.glitter.kr
			d=$(tlsa_of "$owner")
			for addr in 127.0.20.1 '[::1]'; do
				s=$(spki_of "$addr" "$port" smtp)
				is "$s" "$d" "STARTTLS on $addr:$port presents the key of $owner TLSA"
			done
		done
		s=$(spki_of mta-sts.glitter.kr 443 "" captcha.glitter.kr)
		is "$s" "$(tlsa_of _443._tcp.captcha.glitter.kr)" "captcha.glitter.kr:443 matches its TLSA"
		check "curl fetches the MTA-STS policy with the lab CA" bash -c \
			"curl -fsS --cacert \"\$LAB_CA\" https://mta-sts.glitter.kr/.well-known/mta-sts.txt | grep -q '^version: STSv1'"
		# the silent listener is a long-lived child: it must not keep the fault lock
		check "runtime: fault silent-smtp:25 succeeds" timeout 30 "$LAB_DIR/fault" silent-smtp:25
		check "runtime silent-smtp:25: no greeting within 2 s" \
			bash -c "! timeout 2 openssl s_client -quiet -starttls smtp -connect 127.0.20.1:25 </dev/null"
		check "runtime: fault --clear silent-smtp:25 does not hang on the lock" \
			timeout 30 "$LAB_DIR/fault" --clear silent-smtp:25
		check "runtime silent-smtp:25 cleared: STARTTLS works again" \
			bash -c "timeout 10 openssl s_client -brief -starttls smtp -connect 127.0.20.1:25 </dev/null 2>&1 | grep -q 'Verification\\|Protocol version'"
	fi
	# runtime faults on the live lab
	check "runtime: fault ns-down:ns4 succeeds" "$LAB_DIR/fault" ns-down:ns4
	is "$(soa 127.0.10.4)" noanswer "runtime ns-down:ns4: ns4 does not answer"
	check "runtime: fault --clear ns-down:ns4 succeeds" "$LAB_DIR/fault" --clear ns-down:ns4
	check "runtime ns-down cleared: all serials agree again" all_ns_same_serial
	check "runtime: fault rrsig-expired succeeds" "$LAB_DIR/fault" rrsig-expired
	check "runtime rrsig-expired: delv fails" not_validated glitter.kr SOA
	check "runtime: fault --clear rrsig-expired succeeds" "$LAB_DIR/fault" --clear rrsig-expired
	check "runtime rrsig-expired cleared: delv validates" validated glitter.kr SOA
	check "unknown runtime fault is refused with status 2" \
		bash -c "\"\$LAB_DIR/fault\" no-such-fault 2>/dev/null; test \$? -eq 2"
}

t_rrsig_expired() {
	check "delv fails on glitter.kr SOA" not_validated glitter.kr SOA
	local e
	e=$(rrsig_expiry 127.0.10.1)
	check "ns1 serves signatures that expired ($e)" test "$(epoch_of "$e")" -lt "$(date +%s)"
	check "the resolver answers SERVFAIL" bash -c "dig glitter.kr SOA | grep -q 'status: SERVFAIL'"
}

t_ns_down() {
	is "$(soa 127.0.10.4)" noanswer "ns4 does not answer"
	is "$(soa 127.0.10.14)" noanswer "ns4's second address does not answer"
	check "ns3 still answers with aa" like_aa 127.0.10.3
	check "delv still validates glitter.kr SOA" validated glitter.kr SOA
}

t_stale_secondary() {
	local s1 s3 s2
	s1=$(soa 127.0.10.1)
	s3=$(soa 127.0.10.3)
	s2=$(soa 127.0.10.2)
	check "ns3 serves a lower serial ($s3) than ns1 ($s1)" \
		test "${s3%% *}" -lt "${s1%% *}"
	is "${s3#* }" aa "ns3 still answers with aa"
	is "$s2" "$s1" "ns2 has the primary's serial"
	check "ns3's log shows its refresh failing" \
		eventually grep -q 'refresh: failure trying primary' "$LAB_DIR/srv/ns3/named.log"
}

t_ds_mismatch() {
	check "delv fails on glitter.kr SOA" not_validated glitter.kr SOA
	check "kr. has a DS for glitter.kr" bash -c "dig +short glitter.kr DS | grep -q ."
}

t_unsigned() {
	local out
	out=$(delv_lab glitter.kr SOA)
	if grep -q '^; unsigned answer' <<<"$out"; then ok "delv: unsigned answer"; else not_ok "delv: unsigned answer" "$out"; fi
	is "$(dig +short glitter.kr DS)" "" "no DS at kr."
	is "$(dig +short glitter.kr DNSKEY)" "" "no DNSKEY at glitter.kr"
}

t_delegation() {
	is "$(soa 127.0.10.2)" REFUSED "lame ns2 answers REFUSED"
	check "lame ns2 has no aa" bash -c "! dig +norec @127.0.10.2 glitter.kr SOA | grep -q '^;; flags:.* aa'"
	is "$(dig +norec +short @127.0.0.3 ns3.glitter.kr A)" "" "kr. gives ns3 only as glue (no answer section)"
	check "kr. glue of ns3 is 127.0.10.13" bash -c \
		"dig +norec @127.0.0.3 glitter.kr NS | grep -Eq '^ns3\.glitter\.kr\..*A[[:space:]]+127\.0\.10\.13$'"
	is "$(dig +short ns3.glitter.kr A)" 127.0.10.3 "the zone says ns3 is 127.0.10.3"
	is "$(soa 127.0.10.13)" "$(soa 127.0.10.3)" "ns3 answers the same on both addresses"
	check "kr. lists ns6.glitter.kr" bash -c "dig +norec @127.0.0.3 glitter.kr NS | grep -q 'NS[[:space:]]*ns6.glitter.kr'"
	check "the zone does not list ns6" bash -c "! dig +short glitter.kr NS | grep -q ns6"
	local e
	e=$(rrsig_expiry 127.0.10.5)
	check "ns5 serves expired signatures ($e)" test "$(epoch_of "$e")" -lt "$(date +%s)"
	e=$(rrsig_expiry 127.0.10.4)
	check "ns4 serves current signatures ($e)" test "$(epoch_of "$e")" -gt "$(date +%s)"
	is "$(soa 127.0.10.5)" "$(soa 127.0.10.1)" "ns5 has the primary's serial"
	check "NSEC3PARAM has 10 iterations and a salt" bash -c \
		"dig +short glitter.kr NSEC3PARAM | grep -qi '^1 0 10 d3adb33f$'"
	check "delv validates glitter.kr SOA" validated glitter.kr SOA
	check "delv validates a denial (NXDOMAIN)" bash -c \
		"delv -a \"\$LAB_DIR/delv.conf\" @127.0.0.53 nosuch.glitter.kr A 2>&1 | grep -q 'fully validated'"
}

t_rsasha1() {
	check "delv validates glitter.kr SOA (RSASHA1)" validated glitter.kr SOA
	check "DNSKEYs are algorithm 5" bash -c "dig +short glitter.kr DNSKEY | awk '{print \$3}' | sort -u | grep -qx 5"
	is "$(dig +short glitter.kr DS | wc -l)" 2 "kr. has two DS (good and stale)"
	local e now
	e=$(epoch_of "$(rrsig_expiry 127.0.10.1)")
	now=$(date +%s)
	check "signatures expire in about 36 h" test $((e - now)) -gt $((35 * 3600)) -a $((e - now)) -le $((36 * 3600))
}

# glue_of NS: the A glue kr. gives for nsN.glitter.kr
glue_of() {
	dig +norec @127.0.0.3 glitter.kr NS | awk -v n="$1.glitter.kr." '$1 == n && $4 == "A" { print $5 }'
}
expired_at() { test "$(epoch_of "$(rrsig_expiry "$1")")" -lt "$(date +%s)"; }
current_at() { test "$(epoch_of "$(rrsig_expiry "$1")")" -gt "$(date +%s)"; }
# soa_sig ADDR: the RRSIG over glitter.kr SOA as that server serves it (one line)
soa_sig() { dig +dnssec +norec +noall +answer @"$1" glitter.kr SOA | awk '$4 == "RRSIG" && $5 == "SOA"'; }
# bogus_sig_at ADDR: same serial, expiry and key tag as ns1's SOA signature, different signature
bogus_sig_at() {
	local a b
	a=$(soa_sig "$1")
	b=$(soa_sig 127.0.10.1)
	[[ -n $a && $a != "$b" ]] && test "$(awk '{ print $9, $11 }' <<<"$a")" = "$(awk '{ print $9, $11 }' <<<"$b")" &&
		test "$(soa "$1")" = "$(soa 127.0.10.1)"
}
expires_within_36h() {
	local e
	e=$(epoch_of "$(rrsig_expiry 127.0.10.1)")
	test $((e - $(date +%s))) -le $((36 * 3600))
}
delv_says() { delv_lab glitter.kr SOA | grep -q "^; $1"; }
refused_at() { [[ $(soa "$1") == REFUSED ]]; }
down_at() { [[ $(soa "$1") == noanswer ]]; }
lower_serial_at() {
	local a b
	a=$(soa "$1")
	b=$(soa 127.0.10.1)
	test "${a%% *}" -lt "${b%% *}"
}
ds_count_is() { test "$(dig +short glitter.kr DS | wc -l)" -eq "$1"; }
alg_is() { dig +short glitter.kr DNSKEY | awk '{ print $3 }' | sort -u | grep -qx "$1"; }
has_nsec3() { dig +short glitter.kr NSEC3PARAM | grep -q .; }
parent_lists_ns() { dig +norec @127.0.0.3 glitter.kr NS | grep -q "NS[[:space:]]$1\\."; }
no_nsec_at() { ! dig +norec +dnssec @"$1" "nx-$RANDOM.glitter.kr" A | grep -q 'IN[[:space:]]NSEC'; }
parent_lists_ns6() { dig +norec @127.0.0.3 glitter.kr NS | grep -q 'ns6\.glitter\.kr'; }
glue_is() { test "$(glue_of "$1")" = "$2"; }
# signal_at NS: the validated RFC 9615 CDS for glitter.kr under NS.dnshost.example (dsboot faults)
signal_at() {
	delv_lab "_dsboot.glitter.kr._signal.$1.dnshost.example" CDS |
		awk '/^; fully validated/ { ok = 1 } ok && $4 == "CDS" { $1 = $2 = ""; print }'
}

axfr_open_at() { dig +norec +time=2 +tries=1 @"$1" glitter.kr AXFR | grep -q 'IN[[:space:]]SOA'; }
recursive_at() {
	local o
	o=$(dig +time=2 +tries=1 @"$1" nx.invalid A)
	[[ $o == *"status: NXDOMAIN"* && $o =~ flags:[^\;]*\ ra[\ \;] ]]
}
no_badvers_at() { dig +norec +time=2 +tries=1 +edns=1 +noednsneg @"$1" glitter.kr SOA | grep -q 'status: NOERROR'; }
rname_at() { dig +norec +short @"$1" glitter.kr SOA | awk '{ print $2 }' | grep -qx "$2"; }
mname_at() { dig +norec +short @"$1" glitter.kr SOA | awk '{ print $1 }' | grep -qx "$2"; }

# t_runtime: every DNS fault applied to the live lab and lifted again (not in the default set:
# about 2 minutes on its own)
t_runtime() {
	local entry f on off
	local -a rt=(
		"ns-down:ns1|down_at 127.0.10.1 && down_at ::1"
		"stale-secondary:ns2|lower_serial_at 127.0.10.2"
		"rrsig-expiring|expires_within_36h"
		"rrsig-expired|! validated glitter.kr SOA"
		"secondary-expired:ns4|expired_at 127.0.10.4 && current_at 127.0.10.3"
		"secondary-bogus:ns2|bogus_sig_at 127.0.10.2 && current_at 127.0.10.2"
		"ds-mismatch|! validated glitter.kr SOA"
		"ds-stale|ds_count_is 2 && validated glitter.kr SOA"
		"unsigned|delv_says 'unsigned answer'"
		"algorithm-rsasha1|alg_is 5 && validated glitter.kr SOA"
		"nsec3-iterations|has_nsec3 && validated glitter.kr SOA"
		"lame:ns3|refused_at 127.0.10.3"
		"glue-mismatch:ns5|glue_is ns5 127.0.10.15 && like_aa 127.0.10.15"
		"parent-extra-ns|parent_lists_ns6"
		"tlsa-insecure|delv_lab _25._tcp.mail.glitter.kr TLSA | grep -q '^; unsigned answer'"
		"secondary-unsigned:ns3|no_nsec_at 127.0.10.3 && current_at 127.0.10.2"
		"shape-ns-outside|parent_lists_ns ns1.dnshost.example && validated glitter.kr SOA"
		"dsboot|parent_lists_ns ns1.dnshost.example && ds_count_is 0 && signal_at ns2 | grep -q . && test \"\$(signal_at ns1)\" = \"\$(signal_at ns2)\""
		"dsboot-mismatch|ds_count_is 0 && signal_at ns2 | grep -q . && test \"\$(signal_at ns1)\" != \"\$(signal_at ns2)\""
		"shape-ksk-double-ds|ds_count_is 2 && validated glitter.kr SOA"
		"shape-algorithm-rollover|alg_is 8 && alg_is 13 && validated glitter.kr SOA"
		"shape-online-signer|like_aa 127.0.50.2 && validated glitter.kr SOA"
		"shape-hidden-primary|mname_at 127.0.10.3 primary.glitter.kr. && validated glitter.kr SOA"
		"axfr-open:ns2|axfr_open_at 127.0.10.2 && ! axfr_open_at 127.0.10.3"
		"recursion-open:ns3|recursive_at 127.0.10.3 && ! recursive_at 127.0.10.2"
		"edns-broken:ns4|no_badvers_at 127.0.10.4 && current_at 127.0.10.4 && validated glitter.kr SOA"
		"soa-differs:ns5|rname_at 127.0.10.5 admin.glitter.kr. && rname_at 127.0.10.4 hostmaster.glitter.kr. && validated glitter.kr SOA"
		"hostile-dns:ns4|\"\$LAB_DIR/hostile\" dns big && dig +norec +short @127.0.10.4 glitter.kr SOA | grep -q ' 1 3600 '"
	)
	for entry in "${rt[@]}"; do
		f=${entry%%|*}
		on=${entry#*|}
		check "runtime $f: applied" "$LAB_DIR/fault" "$f"
		check "runtime $f: in effect" eval "$on"
		check "runtime $f: lifted" "$LAB_DIR/fault" --clear "$f"
		off="validated glitter.kr SOA && all_ns_same_serial && ds_count_is 1 && ! parent_lists_ns6"
		check "runtime $f: lifted, lab healthy again" eval "$off"
	done
}

t_extra_domains() {
	local n z
	n=$(wc -l <"$LAB_DIR/extra-domains")
	is "$n" 50 "\$LAB_DIR/extra-domains lists 50 zones"
	is "$(head -1 "$LAB_DIR/extra-domains") $(tail -1 "$LAB_DIR/extra-domains")" "b0001.kr b0050.kr" \
		"they are b0001.kr .. b0050.kr"
	for z in b0001.kr b0050.kr; do
		check "delv validates $z MX" validated "$z" MX
		is "$(dig +short "$z" MX)" "10 mail.glitter.kr." "$z MX is mail.glitter.kr"
		is "$(soa 127.0.10.2 "$z")" "$(soa 127.0.10.1 "$z")" "ns2 has ns1's serial of $z"
		is "$(dig +short "$z" NS | sort | tr '\n' ' ')" "ns1.glitter.kr. ns2.glitter.kr. " "$z NS ns1, ns2"
	done
}

# --- driver (outside the lab) ------------------------------------------------------------------

if [[ ${1-} == --inside ]]; then
	SCEN=$2
	"t_$2"
	exit 0
fi

want=("$@")
failed=0
total=0
t0=$SECONDS
all=("${SCENARIOS[@]}")
if ((${#want[@]})) || [[ ${LAB_TEST_ALL:-0} != 0 ]]; then
	all+=("${EXTRA_SCENARIOS[@]}")
fi
for entry in "${all[@]}"; do
	read -r -a words <<<"$entry"
	name=${words[0]}
	if ((${#want[@]})) && [[ " ${want[*]} " != *" $name "* ]]; then
		continue
	fi
	s0=$SECONDS
	rc=0
	out=$("$RUN" "${words[@]:1}" -- "$SELF" --inside "$name" 2>&1) || rc=$?
	printf '%s\n' "$out" | grep -E '^(ok|not ok) - |^#' || true
	if ((rc != 0)); then
		printf 'not ok - %s: the lab run exited %d\n' "$name" "$rc"
		printf '%s\n' "$out" | grep -vE '^(ok|not ok) - |^#' | tail -15 | sed 's/^/#   /'
		failed=$((failed + 1))
		total=$((total + 1))
	fi
	n=$(grep -cE '^(ok|not ok) - ' <<<"$out" || true)
	f=$(grep -cE '^not ok - ' <<<"$out" || true)
	total=$((total + n))
	failed=$((failed + f))
	printf '# %s: %d assertions, %d s\n' "$name" "$n" $((SECONDS - s0))
done
printf '1..%d\n' "$total"
printf '# %d failed, %d s in all\n' "$failed" $((SECONDS - t0))
((failed == 0))
