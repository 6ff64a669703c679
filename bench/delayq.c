/* delayq: holds every packet of an NFQUEUE for a fixed time, then accepts it (bench/delay.sh). */

/*
 * The kernel of the bench machine has no netem qdisc, so bench/delay.sh emulates network delay
 * in user space: iptables sends the lab servers' packets to NFQUEUE QUEUE, and this program
 * gives each one its NF_ACCEPT verdict DELAY milliseconds after it arrived.
 *
 * The delay is the same for every packet, so the packets fall due in arrival order: a FIFO
 * ring of (packet id, due time) is enough, no heap or timer wheel. The loop sleeps in ppoll()
 * on the queue's netlink socket until either a packet arrives or the oldest held one falls due
 * (nanosecond timeout, no busy loop), drains every readable message without blocking, then
 * accepts everything that is due with one batch verdict: NFQUEUE packet ids increase in queue
 * order and a batch verdict covers every id up to the given one, so one sendmsg() releases a
 * whole burst. The kernel copies only metadata (NFQNL_COPY_META), GSO packets are queued whole
 * (NFQA_CFG_F_GSO), the kernel queue holds up to 65536 packets and the socket buffer is 16 MiB
 * with ENOBUFS reporting off; should a notification be lost anyway, the packet stays queued in
 * the kernel and the next batch verdict past its id releases it.
 *
 * usage: delayq [-q QUEUE] [-d DELAY_MS] [-r READY_FILE]
 * READY_FILE is created once the queue is bound (bench/delay.sh waits for it). SIGTERM or SIGINT
 * accept whatever is still held, print one line of statistics on stderr and exit 0.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter/nfnetlink_queue.h>

#define DQ_KERNEL_QUEUE_LEN 65536
#define DQ_RCVBUF           (16u << 20)

struct dq_held {
	uint32_t id;
	int64_t due_ns;
};

/* The held packets: a growable ring, oldest at head. */
struct dq_ring {
	struct dq_held *v;
	size_t cap;
	size_t head;
	size_t len;
};

struct dq_stats {
	uint64_t packets;
	uint64_t verdicts;
	uint64_t enobufs;
	uint64_t late_1ms;
	size_t max_held;
	int64_t max_late_ns;
};

struct dq {
	struct dq_ring ring;
	struct dq_stats st;
	int64_t delay_ns;
	int64_t now_ns;
	int failed;
};

static volatile sig_atomic_t dq_stop;

static void
dq_on_signal(int sig)
{
	(void)sig;
	dq_stop = 1;
}

static int64_t
dq_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
dq_ring_push(struct dq_ring *r, uint32_t id, int64_t due_ns)
{
	if (r->len == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 4096;
		struct dq_held *nv = malloc(ncap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		for (size_t i = 0; i < r->len; i++)
			nv[i] = r->v[(r->head + i) % r->cap];
		free(r->v);
		r->v = nv;
		r->cap = ncap;
		r->head = 0;
	}
	r->v[(r->head + r->len) % r->cap] = (struct dq_held){.id = id, .due_ns = due_ns};
	r->len++;
	return 0;
}

/* Called by nfq_handle_packet() for each queued packet: remember it, give no verdict yet. */
static int
dq_on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data)
{
	struct dq *dq = data;
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);

	(void)msg;
	if (ph == NULL)
		return 0;
	dq->st.packets++;
	if (dq_ring_push(&dq->ring, ntohl(ph->packet_id), dq->now_ns + dq->delay_ns) != 0) {
		/* Out of memory: let this one through undelayed rather than lose it. */
		nfq_set_verdict(qh, ntohl(ph->packet_id), NF_ACCEPT, 0, NULL);
		dq->failed = 1;
		return 0;
	}
	if (dq->ring.len > dq->st.max_held)
		dq->st.max_held = dq->ring.len;
	return 0;
}

/* Accept every held packet due by now (all of them when ALL), with one batch verdict. */
static int
dq_release(struct dq *dq, struct nfq_q_handle *qh, int all)
{
	struct dq_ring *r = &dq->ring;
	uint32_t last = 0;
	size_t n = 0;

	while (r->len > 0 && (all || r->v[r->head].due_ns <= dq->now_ns)) {
		int64_t late = dq->now_ns - r->v[r->head].due_ns;

		if (late > 1000000)
			dq->st.late_1ms++;
		if (late > dq->st.max_late_ns)
			dq->st.max_late_ns = late;
		last = r->v[r->head].id;
		r->head = (r->head + 1) % r->cap;
		r->len--;
		n++;
	}
	if (n == 0)
		return 0;
	dq->st.verdicts++;
	if (nfq_set_verdict_batch(qh, last, NF_ACCEPT) < 0) {
		fprintf(stderr, "delayq: batch verdict up to id %" PRIu32 ": %s\n", last,
		        strerror(errno));
		return -1;
	}
	return 0;
}

/* Read every queued notification without blocking. */
static int
dq_drain(struct dq *dq, struct nfq_handle *h, int fd)
{
	static char buf[1 << 16] __attribute__((aligned));

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == ENOBUFS) {
			dq->st.enobufs++;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return 0;
		if (n < 0) {
			fprintf(stderr, "delayq: recv: %s\n", strerror(errno));
			return -1;
		}
		dq->now_ns = dq_now();
		nfq_handle_packet(h, buf, (int)n);
	}
}

static int
dq_loop(struct dq *dq, struct nfq_handle *h, struct nfq_q_handle *qh)
{
	int fd = nfq_fd(h);
	sigset_t none;

	sigemptyset(&none);
	while (!dq_stop) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		struct timespec ts, *tsp = NULL;

		dq->now_ns = dq_now();
		if (dq_release(dq, qh, 0) != 0)
			return -1;
		if (dq->ring.len > 0) {
			int64_t wait = dq->ring.v[dq->ring.head].due_ns - dq->now_ns;

			ts.tv_sec = wait / 1000000000;
			ts.tv_nsec = wait % 1000000000;
			tsp = &ts;
		}
		/* Signals are blocked except inside ppoll, so a SIGTERM is never missed. */
		if (ppoll(&p, 1, tsp, &none) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "delayq: ppoll: %s\n", strerror(errno));
			return -1;
		}
		if ((p.revents & POLLIN) && dq_drain(dq, h, fd) != 0)
			return -1;
	}
	dq->now_ns = dq_now();
	return dq_release(dq, qh, 1);
}

static int
dq_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
dq_setup(struct nfq_handle *h, struct nfq_q_handle *qh)
{
	int fd = nfq_fd(h);
	int one = 1;

	if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) {
		fprintf(stderr, "delayq: nfq_set_mode: %s\n", strerror(errno));
		return -1;
	}
	if (nfq_set_queue_maxlen(qh, DQ_KERNEL_QUEUE_LEN) < 0)
		fprintf(stderr, "delayq: nfq_set_queue_maxlen failed, kernel default kept\n");
	if (nfq_set_queue_flags(qh, NFQA_CFG_F_GSO, NFQA_CFG_F_GSO) < 0)
		fprintf(stderr, "delayq: no NFQA_CFG_F_GSO, GSO packets are segmented\n");
	nfnl_rcvbufsiz(nfq_nfnlh(h), DQ_RCVBUF);
	if (setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one)) < 0)
		fprintf(stderr, "delayq: NETLINK_NO_ENOBUFS: %s\n", strerror(errno));
	return 0;
}

static void
dq_usage(void)
{
	fprintf(stderr, "usage: delayq [-q QUEUE] [-d DELAY_MS] [-r READY_FILE]\n");
}

int
main(int argc, char **argv)
{
	struct dq dq = {0};
	struct nfq_handle *h = NULL;
	struct nfq_q_handle *qh = NULL;
	unsigned long queue = 0, delay_ms = 0;
	const char *ready = NULL;
	struct sigaction sa = {.sa_handler = dq_on_signal};
	sigset_t block;
	int opt, rc = 1;

	while ((opt = getopt(argc, argv, "q:d:r:h")) != -1) {
		switch (opt) {
		case 'q':
			if (dq_parse_uint(optarg, UINT16_MAX, &queue) != 0) {
				dq_usage();
				return 3;
			}
			break;
		case 'd':
			if (dq_parse_uint(optarg, 60000, &delay_ms) != 0) {
				dq_usage();
				return 3;
			}
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			dq_usage();
			return opt == 'h' ? 0 : 3;
		}
	}
	if (optind != argc) {
		dq_usage();
		return 3;
	}
	dq.delay_ns = (int64_t)delay_ms * 1000000;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	h = nfq_open();
	if (h == NULL) {
		fprintf(stderr, "delayq: nfq_open: %s\n", strerror(errno));
		goto out;
	}
	qh = nfq_create_queue(h, (uint16_t)queue, dq_on_packet, &dq);
	if (qh == NULL) {
		fprintf(stderr, "delayq: cannot bind queue %lu: %s\n", queue, strerror(errno));
		goto out;
	}
	if (dq_setup(h, qh) != 0)
		goto out;
	if (ready != NULL) {
		int fd = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0) {
			fprintf(stderr, "delayq: %s: %s\n", ready, strerror(errno));
			goto out;
		}
		close(fd);
	}
	if (dq_loop(&dq, h, qh) != 0 || dq.failed)
		goto out;
	rc = 0;
out:
	fprintf(stderr,
	        "delayq: queue %lu delay %lu ms: %" PRIu64 " packets, %" PRIu64
	        " batch verdicts, at most %zu held, %" PRIu64
	        " released over 1 ms late (latest %.3f ms), %" PRIu64 " ENOBUFS\n",
	        queue, delay_ms, dq.st.packets, dq.st.verdicts, dq.st.max_held, dq.st.late_1ms,
	        (double)dq.st.max_late_ns / 1e6, dq.st.enobufs);
	if (qh != NULL)
		nfq_destroy_queue(qh);
	if (h != NULL)
		nfq_close(h);
	free(dq.ring.v);
	return rc;
}
