#!/usr/bin/env python3
"""delayq burst check (bench/delay.sh): N UDP datagrams sent back to back to ADDR, one-way delays.

usage: burst.py ADDR N  -- prints "sent N received M one-way ms min/median/p99/max"
Each datagram carries its send time (CLOCK_REALTIME); the receiver takes the kernel's arrival
timestamp (SO_TIMESTAMPNS: when the datagram reached the socket, i.e. after delayq's verdict),
so a late reader does not count as delay. Run only inside the lab's namespace.
"""
import socket
import struct
import sys
import threading
import time

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
SO_SNDBUFFORCE = 32  # Linux; needs CAP_NET_ADMIN (the lab runs as root)


def main():
    addr, n = sys.argv[1], int(sys.argv[2])
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE
    rx.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    rx.bind((addr, 0))
    rx.settimeout(5.0)
    delays = []

    def receive():
        while len(delays) < n:
            try:
                data, anc, _, _ = rx.recvmsg(64, socket.CMSG_SPACE(16))
            except socket.timeout:
                return
            arrived = None
            for level, kind, val in anc:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", val[:16])
                    arrived = sec * 1000000000 + nsec
            if arrived is None:
                arrived = time.time_ns()
            delays.append(arrived - struct.unpack("!q", data[:8])[0])

    t = threading.Thread(target=receive)
    t.start()
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # A queued datagram still counts against its sender's buffer: without a big one the sender
    # would block at about 256 in flight instead of putting the whole burst in the queue.
    tx.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, 64 << 20)
    dst = rx.getsockname()
    t0 = time.monotonic_ns()
    for _ in range(n):
        tx.sendto(struct.pack("!q", time.time_ns()) + b"x" * 24, dst)
    spent = (time.monotonic_ns() - t0) / 1e6
    t.join()
    d = sorted(x / 1e6 for x in delays)
    if not d:
        print(f"sent {n} in {spent:.0f} ms, received 0")
        return 1
    q = lambda p: d[min(len(d) - 1, int(p * len(d)))]
    print(f"sent {n} in {spent:.0f} ms, received {len(d)}, one-way ms "
          f"min {d[0]:.1f} median {q(0.5):.1f} p99 {q(0.99):.1f} max {d[-1]:.1f}")
    return 0 if len(d) == n else 1


if __name__ == "__main__":
    sys.exit(main())
