# Emulated network delay inside the lab's namespace, shared by bench/delay.sh and
# bench/timeline.sh (sourced; shellcheck shell=bash). The caller sets DELAYQ (the delayq binary),
# tmp (a scratch directory) and dq_pid= (empty), and kills "$dq_pid" when it ends.
# The lab's servers (fixtures/README.md, address plan): root, kr., ns1-5 (and their second
# addresses), mail, nginx. The resolver 127.0.0.53 is not among them: it stands for the
# operator's nearby resolver, and its own queries to the servers are delayed like anyone's.
servers4="127.0.0.2 127.0.0.3 127.0.10.0/24 127.0.20.1 127.0.30.1"

# Loopback packets traverse OUTPUT, then PREROUTING and INPUT: they are queued in mangle OUTPUT
# only, by the first matching rule, so each packet is delayed exactly once per direction. A
# connection to a local address is sourced from that same address, so both directions usually
# match -d; -s catches replies to clients bound elsewhere. On ::1 (ns1 and mail) both ends are
# ::1, so the servers' ports select the traffic. --queue-bypass: while delayq is restarted
# between delays, packets pass undelayed instead of being dropped (each level's RTT is checked).
rules_add() {
	local a
	iptables -t mangle -N DPDELAY
	for a in $servers4; do
		iptables -t mangle -A DPDELAY -d "$a" -j NFQUEUE --queue-num 0 --queue-bypass
		iptables -t mangle -A DPDELAY -s "$a" -j NFQUEUE --queue-num 0 --queue-bypass
	done
	iptables -t mangle -A OUTPUT -j DPDELAY
	ip6tables -t mangle -N DPDELAY
	ip6tables -t mangle -A DPDELAY -d ::1 -p udp -m multiport --ports 53 \
		-j NFQUEUE --queue-num 0 --queue-bypass
	ip6tables -t mangle -A DPDELAY -d ::1 -p tcp -m multiport --ports 53,25,587 \
		-j NFQUEUE --queue-num 0 --queue-bypass
	ip6tables -t mangle -A OUTPUT -j DPDELAY
}
# queued_reset / queued_count: packets that went through the queue since the last reset.
queued_reset() {
	iptables -t mangle -Z DPDELAY
	ip6tables -t mangle -Z DPDELAY
}
queued_count() {
	{ iptables -t mangle -nvxL DPDELAY; ip6tables -t mangle -nvxL DPDELAY; } |
		awk '$3 == "NFQUEUE" { n += $1 } END { print n + 0 }'
}

# delay_set RTT_MS: (re)start delayq holding each packet RTT_MS/2, wait until its queue is bound.
delay_set() {
	local half=$(($1 / 2)) i
	if [ -n "$dq_pid" ]; then
		kill "$dq_pid"
		wait "$dq_pid"
		dq_pid=
	fi
	rm -f "$tmp/ready"
	"$DELAYQ" -q 0 -d "$half" -r "$tmp/ready" 2>>"$tmp/delayq.log" &
	dq_pid=$!
	for ((i = 0; i < 200; i++)); do
		[ -e "$tmp/ready" ] && return 0
		kill -0 "$dq_pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "delay.sh: delayq did not bind its queue:" >&2
	cat "$tmp/delayq.log" >&2
	exit 1
}

