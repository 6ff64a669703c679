/* Validated lookups from the root with libunbound, each under its own timeout. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <getdns/getdns_extra.h>
#include <unbound.h>

#include "base/file.h"
#include "dns/dns.h"

struct dp_resolver {
	struct ub_ctx *ctx;
	int timeout_ms;
	int hints_fd;		      /* the checked root hints libunbound reads, or -1 */
	/* mu guards driving, waiters and every pending's fields. One waiting thread at a time
	 * drives libunbound (polls its fd, runs ub_process, which calls the callbacks); the others
	 * sleep on their own cond until their answer comes, their deadline passes or the driver
	 * leaves and hands the role to one of them — nobody wakes up just to look. */
	pthread_mutex_t mu;
	bool driving;
	struct pending *waiters;   /* sleeping lookups, in arrival order of their sleep */
	struct pending *abandoned; /* lookups that ended before their callback came (see abandon) */
};

/* One outstanding async lookup, completed by the callback. */
struct pending {
	struct dp_resolver *r;
	pthread_cond_t cond;
	bool done;
	bool waiting;	/* in r->waiters */
	bool abandoned; /* in r->abandoned: its lookup has returned, lookup_done frees it */
	struct pending *next;
	int err;
	struct ub_result *result;
};

static int
set_opt(struct ub_ctx *ctx, const char *opt, const char *val, struct dp_err *err)
{
	int r = ub_ctx_set_option(ctx, opt, val);

	if (r != 0)
		return dp_err_set(err, DP_ELIB, "unbound option %s %s: %s", opt, val, ub_strerror(r));
	return 0;
}

/* Read and check the root hints file; *buf gets its text (caller frees). */
static int
read_hints(const char *path, char **buf, size_t *len, struct dp_err *err)
{
	struct dp_err e = {0};
	int rc = dp_file_read(path, DP_ROOT_HINTS_MAX_BYTES, buf, len, &e);

	if (rc != 0)
		return dp_err_set(err, rc, "root hints %s", e.msg);
	rc = dp_hints_parse(path, *buf, *len, err);
	if (rc != 0) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

/* libunbound reads root hints only from a file, when the context is first used: it gets the
 * text we checked, in an anonymous memory file, so that nothing put at the path later (a FIFO, a
 * directory) reaches it. Without memfd (or /proc) the checked path is passed. */
static int
hints_file(struct dp_resolver *r, const char *path, const char *buf, size_t len, char *out,
	   size_t outsz)
{
	size_t off = 0;
	int fd = memfd_create("dnsprobe-root-hints", MFD_CLOEXEC);

	if (fd < 0)
		return dp_strlcpy(out, path, outsz) ? 0 : DP_EINVAL;
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n <= 0) {
			close(fd);
			return DP_EIO;
		}
		off += (size_t)n;
	}
	r->hints_fd = fd;
	if (!dp_snprintf(out, outsz, "/proc/self/fd/%d", fd))
		return DP_EINVAL;
	if (access(out, R_OK) != 0)
		return dp_strlcpy(out, path, outsz) ? 0 : DP_EINVAL;
	return 0;
}

/* Root hints: the user's file, or libunbound's compiled-in IANA root hints. */
static int
setup_hints(struct dp_resolver *r, const struct dp_resolver_opts *o, struct dp_err *err)
{
	char path[4096];
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (o->root_hints == NULL)
		return 0;
	rc = read_hints(o->root_hints, &buf, &len, err);
	if (rc != 0)
		return rc;
	rc = hints_file(r, o->root_hints, buf, len, path, sizeof(path));
	free(buf);
	if (rc != 0)
		return dp_err_set(err, rc, "root hints %s: cannot hand them to libunbound",
				  o->root_hints);
	rc = set_opt(r->ctx, "root-hints:", path, err);
	if (rc != 0)
		return rc;
	/* Labs put root servers on loopback; a given hints file is trusted for that. */
	return set_opt(r->ctx, "do-not-query-localhost:", "no", err);
}

/* Read and parse the trust anchor file into z. */
static int
read_anchor(const char *path, struct dp_zone_rrs *z, struct dp_err *err)
{
	struct dp_err e = {0};
	char *buf = NULL;
	size_t len = 0;
	int rc = dp_file_read(path, DP_TRUST_ANCHOR_MAX_BYTES, &buf, &len, &e);

	if (rc != 0)
		return dp_err_set(err, rc, "trust anchor %s", e.msg);
	rc = dp_anchor_parse(path, buf, len, z, err);
	free(buf);
	return rc;
}

int
dp_resolver_check_files(const struct dp_resolver_opts *o, struct dp_err *err)
{
	const char *ta = o->trust_anchor != NULL ? o->trust_anchor : DP_DEFAULT_TRUST_ANCHOR;
	struct dp_zone_rrs z;
	char *buf = NULL;
	size_t len = 0;
	int rc = read_anchor(ta, &z, err);

	if (rc != 0)
		return rc;
	dp_zone_rrs_free(&z);
	if (o->root_hints == NULL)
		return 0;
	rc = read_hints(o->root_hints, &buf, &len, err);
	free(buf);
	return rc;
}

/* The trust anchor, read and checked by us, handed to libunbound record by record (it would
 * otherwise read the file itself, lazily, with no check of what the path is). */
static int
setup_anchor(struct ub_ctx *ctx, const char *ta, struct dp_err *err)
{
	struct dp_zone_rrs z;
	int rc = read_anchor(ta, &z, err);

	if (rc != 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < z.n; i++) {
		int r = ub_ctx_add_ta(ctx, z.text[i]);

		if (r != 0)
			rc = dp_err_set(err, DP_ELIB, "trust anchor %s: record %zu: %s", ta, i + 1,
					ub_strerror(r));
	}
	dp_zone_rrs_free(&z);
	return rc;
}

static int
setup_validation(struct ub_ctx *ctx, const struct dp_resolver_opts *o, struct dp_err *err)
{
	const char *ta = o->trust_anchor != NULL ? o->trust_anchor : DP_DEFAULT_TRUST_ANCHOR;
	char date[32];
	int r;

	r = setup_anchor(ctx, ta, err);
	if (r != 0)
		return r;
	r = set_opt(ctx, "val-log-level:", "2", err);
	if (r == 0)
		r = set_opt(ctx, "cache-max-ttl:", "60", err);
	if (r == 0)
		r = set_opt(ctx, "cache-max-negative-ttl:", "30", err);
	if (r != 0 || o->validate_at == 0)
		return r;
	/* RFC 4034 §3.1.5 style date: validate as of another time (--at). */
	if (!dp_snprintf(date, sizeof(date), "%lld", (long long)o->validate_at))
		return dp_err_set(err, DP_EINVAL, "bad validation time");
	return set_opt(ctx, "val-override-date:", date, err);
}

/* libunbound waits tcp-auth-query-timeout (3 s by default) for an authoritative server's TCP
 * answer before it tries another server. A server that sets TC over UDP and then stays silent
 * over TCP would hold a lookup past its own timeout, and the lookup would fail although the
 * zone's other servers answer: a quarter of the lookup's timeout (at least 300 ms, at most the
 * default) leaves room to fall back to the next server, as a resolver facing that server must. */
static int
set_tcp_timeout(struct ub_ctx *ctx, int timeout_ms, struct dp_err *err)
{
	int ms = timeout_ms / 4;
	char v[16];

	if (ms < 300)
		ms = 300;
	if (ms > 3000)
		ms = 3000;
	if (!dp_snprintf(v, sizeof(v), "%d", ms))
		return dp_err_set(err, DP_EINVAL, "bad TCP timeout");
	return set_opt(ctx, "tcp-auth-query-timeout:", v, err);
}

int
dp_resolver_new(const struct dp_resolver_opts *o, struct dp_resolver **out, struct dp_err *err)
{
	struct dp_resolver *r;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	pthread_mutex_init(&r->mu, NULL);
	r->hints_fd = -1;
	r->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
	r->ctx = ub_ctx_create();
	if (r->ctx == NULL) {
		rc = dp_err_set(err, DP_ELIB, "could not create the libunbound context");
		goto out;
	}
	rc = ub_ctx_async(r->ctx, 1);
	if (rc != 0) {
		rc = dp_err_set(err, DP_ELIB, "libunbound threads: %s", ub_strerror(rc));
		goto out;
	}
	rc = setup_hints(r, o, err);
	if (rc == 0)
		rc = setup_validation(r->ctx, o, err);
	/* -4 / -6: ask the servers over one family only, as `dig -4` does */
	if (rc == 0 && o->families == DP_IPV4)
		rc = set_opt(r->ctx, "do-ip6:", "no", err);
	if (rc == 0 && o->families == DP_IPV6)
		rc = set_opt(r->ctx, "do-ip4:", "no", err);
	if (rc == 0)
		rc = set_tcp_timeout(r->ctx, r->timeout_ms, err);
	/* RFC 9156 QNAME minimisation costs one round trip per label walked (`lab A`, then
	 * `root-servers.lab A` while priming; `_tcp.mail.glitter.kr A` before a TLSA): it hides
	 * the full name from the servers above, which matters to a privacy-sensitive resolver. We
	 * are a validating probe asking about a domain its operator runs, and every lookup is on
	 * the run's critical path, so the full name is asked at once. */
	if (rc == 0)
		rc = set_opt(r->ctx, "qname-minimisation:", "no", err);
out:
	if (rc != 0) {
		dp_resolver_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

static void
pending_free(struct pending *p)
{
	if (p->result != NULL)
		ub_resolve_free(p->result);
	pthread_cond_destroy(&p->cond);
	free(p);
}

void
dp_resolver_free(struct dp_resolver *r)
{
	if (r == NULL)
		return;
	/* ub_ctx_delete stops libunbound's thread without calling any callback: what is still
	 * abandoned then is freed here. */
	if (r->ctx != NULL)
		ub_ctx_delete(r->ctx);
	while (r->abandoned != NULL) {
		struct pending *p = r->abandoned;

		r->abandoned = p->next;
		pending_free(p);
	}
	if (r->hints_fd >= 0)
		close(r->hints_fd);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static void
lookup_done(void *arg, int err, struct ub_result *result)
{
	struct pending *p = arg;
	struct dp_resolver *r = p->r;

	pthread_mutex_lock(&r->mu);
	p->err = err;
	p->result = result;
	p->done = true;
	if (p->abandoned) {
		for (struct pending **pp = &r->abandoned; *pp != NULL; pp = &(*pp)->next) {
			if (*pp == p) {
				*pp = p->next;
				break;
			}
		}
		pthread_mutex_unlock(&r->mu);
		pending_free(p);
		return;
	}
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&r->mu);
}

/* The deadline passed and ub_cancel found no query to cancel: with libunbound's own thread
 * (ub_ctx_async 1), that means another thread's ub_process has taken the answer off its list
 * and is about to call lookup_done (libunbound(3): "the query is already being delivered, in
 * that case you may still get a callback"). Rather than wait for it past the deadline, p is
 * left to lookup_done, which frees it; false when the callback came first (p is still ours). */
static bool
abandon(struct dp_resolver *r, struct pending *p)
{
	bool left;

	pthread_mutex_lock(&r->mu);
	left = !p->done;
	if (left) {
		p->abandoned = true;
		p->next = r->abandoned;
		r->abandoned = p;
	}
	pthread_mutex_unlock(&r->mu);
	return left;
}

static void
unlink_waiter(struct dp_resolver *r, struct pending *p)
{
	for (struct pending **pp = &r->waiters; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	p->next = NULL;
	p->waiting = false;
}

/* r->mu held: nobody drives now, so wake the first sleeper to take the role over. */
static void
hand_over(struct dp_resolver *r)
{
	if (!r->driving && r->waiters != NULL)
		pthread_cond_signal(&r->waiters->cond);
}

/* Drive libunbound or sleep until p completes or the deadline passes (see struct dp_resolver). */
static bool
wait_for(struct dp_resolver *r, struct pending *p, double deadline)
{
	bool done;

	pthread_mutex_lock(&r->mu);
	while (!p->done) {
		double left = deadline - dp_now_mono();

		if (left <= 0)
			break;
		if (!r->driving) {
			struct pollfd pfd = {.fd = ub_fd(r->ctx), .events = POLLIN};
			int n;

			r->driving = true;
			pthread_mutex_unlock(&r->mu);
			n = poll(&pfd, 1, left > 0.05 ? 50 : (int)(left * 1000) + 1);
			if (n > 0)
				(void)ub_process(r->ctx);
			pthread_mutex_lock(&r->mu);
			r->driving = false;
		} else {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += (time_t)left;
			ts.tv_nsec += (long)((left - (double)(time_t)left) * 1e9);
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			p->waiting = true;
			p->next = NULL;
			{
				struct pending **pp = &r->waiters;

				while (*pp != NULL)
					pp = &(*pp)->next;
				*pp = p;
			}
			(void)pthread_cond_timedwait(&p->cond, &r->mu, &ts);
			unlink_waiter(r, p);
		}
	}
	done = p->done;
	hand_over(r);
	pthread_mutex_unlock(&r->mu);
	return done;
}

static int
copy_rdata(struct dp_lookup *out, const struct ub_result *res)
{
	size_t n = 0;

	while (res->data != NULL && res->data[n] != NULL)
		n++;
	if (n == 0)
		return 0;
	out->rdata = calloc(n, sizeof(*out->rdata));
	out->rdlen = calloc(n, sizeof(*out->rdlen));
	if (out->rdata == NULL || out->rdlen == NULL)
		return DP_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		out->rdata[i] = malloc(res->len[i] > 0 ? (size_t)res->len[i] : 1);
		if (out->rdata[i] == NULL)
			return DP_ENOMEM;
		memcpy(out->rdata[i], res->data[i], (size_t)res->len[i]);
		out->rdlen[i] = (size_t)res->len[i];
		out->nrdata = i + 1;
	}
	return 0;
}

static int
fill_lookup(struct dp_lookup *out, const struct ub_result *res)
{
	out->rcode = res->rcode;
	out->havedata = res->havedata != 0;
	out->ttl = (uint32_t)res->ttl;
	if (res->secure)
		out->sec = DP_SEC_SECURE;
	else if (res->bogus)
		out->sec = DP_SEC_BOGUS;
	else if (res->rcode == 2 || (res->answer_packet == NULL && !res->havedata))
		out->sec = DP_SEC_INDETERMINATE;
	else
		out->sec = DP_SEC_INSECURE;
	if (res->why_bogus != NULL) {
		out->why_bogus = dp_strdup(res->why_bogus);
		if (out->why_bogus == NULL)
			return DP_ENOMEM;
	}
	if (res->canonname != NULL && res->qname != NULL &&
	    strcasecmp(res->canonname, res->qname) != 0) {
		char c[256];
		struct dp_err e;

		if (dp_name_normalise(res->canonname, c, sizeof(c), false, &e) == 0 &&
		    strcmp(c, out->qname) != 0) {
			out->canonname = dp_strdup(c);
			if (out->canonname == NULL)
				return DP_ENOMEM;
		}
	}
	if (res->answer_packet != NULL && res->answer_len > 0) {
		out->packet = malloc((size_t)res->answer_len);
		if (out->packet == NULL)
			return DP_ENOMEM;
		memcpy(out->packet, res->answer_packet, (size_t)res->answer_len);
		out->packet_len = (size_t)res->answer_len;
		if (dp_msg_parse(out->packet, out->packet_len, &out->msg) != 0)
			out->msg = NULL;
	}
	return copy_rdata(out, res);
}

int
dp_resolver_lookup(struct dp_resolver *r, const char *name, uint16_t type, struct dp_lookup *out,
		   struct dp_err *err)
{
	return dp_resolver_lookup_by(r, name, type, 0, out, err);
}

int
dp_resolver_lookup_by(struct dp_resolver *r, const char *name, uint16_t type, double deadline,
		      struct dp_lookup *out, struct dp_err *err)
{
	const char *qname = name[0] != '\0' ? name : ".";
	double until = dp_now_mono() + r->timeout_ms / 1000.0;
	bool by_deadline = deadline > 0 && deadline < until;
	struct pending *p;
	char tb[16];
	int async_id = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->qtype = type;
	out->qname = dp_strdup(name);
	p = calloc(1, sizeof(*p));
	if (out->qname == NULL || p == NULL) {
		free(p);
		dp_lookup_clear(out);
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	}
	(void)dp_rrtype_str(type, tb, sizeof(tb));
	p->r = r;
	pthread_cond_init(&p->cond, NULL);
	rc = ub_resolve_async(r->ctx, qname, type, 1, p, lookup_done, &async_id);
	if (rc != 0) {
		rc = dp_err_set(err, DP_ELIB, "lookup %s %s: %s", qname, tb, ub_strerror(rc));
		goto out;
	}
	if (by_deadline)
		until = deadline;
	if (!wait_for(r, p, until)) {
		/* The lookup ends by its deadline either way: after a successful cancel the callback
		 * is never called (libunbound marks the query cancelled under its lock, and drops its
		 * answer); when the cancel comes too late, p is left to the callback. */
		bool left = ub_cancel(r->ctx, async_id) != 0 && abandon(r, p);

		if (left || !p->done) {
			out->rcode = 2;
			out->sec = DP_SEC_INDETERMINATE;
			out->why_bogus = by_deadline
						 ? dp_asprintf("no answer before the deadline")
						 : dp_asprintf("no answer within %d ms", r->timeout_ms);
			out->cut = by_deadline;
			if (left) {
				dp_log(DP_LOG_DEBUG, "resolver", "lookup %s %s: answer came after "
				       "the deadline, left to its callback", qname, tb);
				return 0;
			}
			rc = 0;
			goto out;
		}
	}
	if (p->err != 0) {
		rc = dp_err_set(err, DP_ELIB, "lookup %s %s: %s", qname, tb, ub_strerror(p->err));
		goto out;
	}
	rc = fill_lookup(out, p->result);
	if (rc != 0)
		rc = dp_err_set(err, rc, "lookup %s %s: out of memory", qname, tb);
out:
	pending_free(p);
	if (rc != 0) /* callers clear only what succeeded: nothing of a failed lookup is left */
		dp_lookup_clear(out);
	return rc;
}

void
dp_lookup_clear(struct dp_lookup *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->nrdata; i++)
		free(l->rdata[i]);
	free(l->rdata);
	free(l->rdlen);
	free(l->qname);
	free(l->why_bogus);
	free(l->canonname);
	free(l->packet);
	if (l->msg != NULL)
		getdns_dict_destroy(l->msg);
	memset(l, 0, sizeof(*l));
}
