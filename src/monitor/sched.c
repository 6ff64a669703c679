/* The monitor's schedule maths and its immutable, refcounted per-domain snapshots. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/statefile.h"
#include "monitor/monitor.h"

uint64_t
dp_sched_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

double
dp_sched_offset(const char *name, int64_t interval)
{
	/* Milliseconds resolution: 1000 domains over 5 minutes land 300 ms apart on average. */
	uint64_t ms = (uint64_t)(interval > 0 ? interval : 1) * 1000;

	return (double)(dp_sched_hash(name) % ms) / 1000.0;
}

unsigned
dp_sched_shard(const char *name, unsigned n)
{
	/* FNV-1a of the name as configured names are kept: lower case, no final dot. */
	uint64_t key = 0xcbf29ce484222325ULL;
	int64_t b = -1;
	int64_t j = 0;
	size_t len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		len--;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		key ^= c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
		key *= 0x100000001b3ULL;
	}
	if (n <= 1)
		return 0;
	/* Jump consistent hash (Lamping and Veach, 2014): going from n to n + 1 shards moves
	 * 1/(n + 1) of the names, all to the new shard. */
	while (j < (int64_t)n) {
		b = j;
		key = key * 2862933555777941757ULL + 1;
		j = (int64_t)((double)(b + 1) * ((double)(1LL << 31) / (double)((key >> 33) + 1)));
	}
	return (unsigned)b;
}

double
dp_sched_next(double due, double now, int64_t interval)
{
	double iv = (double)(interval > 0 ? interval : 1);
	double k;

	if (due + iv > now)
		return due + iv;
	k = floor((now - due) / iv) + 1;
	return due + k * iv;
}

struct dp_snap *
dp_snap_ref(struct dp_snap *s)
{
	if (s != NULL)
		atomic_fetch_add(&s->refs, 1);
	return s;
}

void
dp_snap_unref(struct dp_snap *s)
{
	if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	dp_report_free(s->rep);
	dp_metrics_part_free(s->part);
	dp_zjson_clear(&s->full);
	free(s->since);
	free(s);
}

/* A log value: bare when it is a plain word, else quoted with '"', '\\' and controls escaped. */
static void
put_val(FILE *f, const char *s)
{
	if (s[0] != '\0' && strpbrk(s, " \"\\=\t\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	dp_fput_quoted(f, s);
}

/* One key=value line per state change (SPEC §4), in the format of dp_log. */
static void
log_change(const char *domain, const struct dp_result *r, const char *from)
{
	/* A change to CRITICAL is an error for the journal (`journalctl -p err`), to OK info. */
	enum dp_log_level l = r->status == DP_STATUS_OK         ? DP_LOG_INFO
	                      : r->status == DP_STATUS_CRITICAL ? DP_LOG_ERROR
	                                                        : DP_LOG_WARN;
	char ts[32];

	dp_time_rfc3339((int64_t)time(NULL), ts, sizeof(ts));
	flockfile(stderr);
	fprintf(stderr, "%sts=%s level=%s group=state domain=", dp_log_prefix(l), ts,
	        dp_log_level_str(l));
	put_val(stderr, domain);
	fputs(" check=", stderr);
	put_val(stderr, r->id);
	fputs(" subject=", stderr);
	put_val(stderr, r->subject);
	fprintf(stderr, " from=%s to=%s msg=", from, dp_status_str(r->status));
	put_val(stderr, r->summary != NULL ? r->summary : "");
	fputc('\n', stderr);
	funlockfile(stderr);
}

static const struct dp_result *
find_pair(const struct dp_snap *prev, const struct dp_result *r, size_t *at)
{
	const struct dp_results *rs = prev != NULL ? &prev->rep->results : NULL;

	for (size_t j = 0; rs != NULL && j < rs->n; j++) {
		if (strcmp(rs->v[j].id, r->id) == 0 && strcmp(rs->v[j].subject, r->subject) == 0) {
			*at = j;
			return &rs->v[j];
		}
	}
	return NULL;
}

/* The detail keys a snapshot keeps for the domain page (/domain/NAME): the facts behind the
 * gauges (which the exposition now takes from the samples); the rest — every server's
 * transport results, the chain, the handshake facts — goes, with the discovery data (they are
 * what a snapshot's memory was made of; the page links to a debug run for all of it). */
static bool
detail_kept(const char *key)
{
	static const char *const kept[] = {
	    "server", "address",    "endpoint",  "soa_serial",   "rrsig_expiry", "dnssec_secure",
	    "secure", "tlsa_match", "not_after", "policy_valid", "mode",         NULL};

	for (size_t i = 0; kept[i] != NULL; i++) {
		if (strcmp(kept[i], key) == 0)
			return true;
	}
	return false;
}

/* One empty details object shared by every pruned result (a new reference each time; never
 * changed: snapshots are immutable, and jansson's reference counts are atomic). */
static json_t *shared_empty;
static pthread_once_t shared_empty_once = PTHREAD_ONCE_INIT;

static void
shared_empty_init(void)
{
	shared_empty = json_object();
}

static json_t *
empty_object(void)
{
	pthread_once(&shared_empty_once, shared_empty_init);
	return shared_empty != NULL ? json_incref(shared_empty) : json_object();
}

/* Drop what only the domain page reads: the discovery and the details — all of them when the
 * whole report is kept packed beside (the page reads that), else all but the facts behind the
 * gauges, so that the page still shows those. */
static void
prune(struct dp_report *rep, bool all)
{
	json_decref(rep->discovery);
	rep->discovery = NULL;
	for (size_t i = 0; i < rep->results.n; i++) {
		json_t *d = rep->results.v[i].details;
		json_t *kept;
		const char *k;
		json_t *v;

		/* with the packed copy, an OK result's summary is read from it alone (the overview
		 * shows failing results' summaries only) */
		if (all && rep->results.v[i].status == DP_STATUS_OK) {
			char *e = strdup("");

			if (e != NULL) {
				free(rep->results.v[i].summary);
				rep->results.v[i].summary = e;
			}
		}
		if (all && d != NULL) {
			json_decref(d);
			rep->results.v[i].details = empty_object();
			continue;
		}
		kept = json_object();
		if (d == NULL || kept == NULL) {
			json_decref(kept);
			continue;
		}
		json_object_foreach(d, k, v)
		{
			if (!all && detail_kept(k))
				json_object_set(kept, k, v);
		}
		json_decref(d);
		rep->results.v[i].details = kept;
	}
}

struct dp_snap *
dp_snap_new(struct dp_report *rep, const struct dp_snap *prev, double now, bool log_changes)
{
	return dp_snap_new_saved(rep, prev, NULL, now, log_changes);
}

struct dp_snap *
dp_snap_new_saved(struct dp_report *rep, const struct dp_snap *prev, const json_t *saved,
                  double now, bool log_changes)
{
	struct dp_snap *s = calloc(1, sizeof(*s));
	double *since = calloc(rep->results.n + 1, sizeof(double));

	if (s == NULL || since == NULL) {
		free(s);
		free(since);
		dp_report_free(rep);
		return NULL;
	}
	s->since = since;
	atomic_init(&s->refs, 1);
	/* The domain page shows the whole report: keep it packed (about an eighth of its JSON)
	 * and drop every detail from the snapshot (38 % of its heap for glitter.kr; the metrics
	 * are rendered from the samples). Without it (no memory, a report over DP_ZJSON_MAX) the
	 * page says so and shows the facts behind the gauges, which are then kept. */
	{
		json_t *whole = dp_report_to_json(rep);

		if (whole == NULL || dp_zjson_pack(whole, &s->full) != 0)
			dp_zjson_clear(&s->full);
		json_decref(whole);
	}
	prune(rep, s->full.z != NULL);
	s->rep = rep;
	s->finished = now;
	for (size_t i = 0; i < rep->results.n; i++) {
		const struct dp_result *r = &rep->results.v[i];
		size_t j = 0;
		const struct dp_result *p = find_pair(prev, r, &j);

		s->since[i] = p != NULL && p->status == r->status ? prev->since[j] : now;
		if (p == NULL && saved != NULL) {
			double t = dp_state_since_find(saved, r->id, r->subject, r->status);

			if (t > 0 && t <= now) {
				s->since[i] = t;
				continue; /* known before the restart: not a change */
			}
		}
		if (!log_changes)
			continue;
		if (p != NULL && p->status != r->status)
			log_change(rep->domain, r, dp_status_str(p->status));
		else if (p == NULL && r->status != DP_STATUS_OK)
			log_change(rep->domain, r, "NONE");
	}
	return s;
}

int
dp_snap_render(struct dp_snap *s, const struct dp_metric *const *metrics)
{
	struct dp_metrics_domain d = {
	    .domain = s->rep->domain,
	    .rep = s->rep,
	    .since = s->since,
	    .finished = s->finished,
	    .runs = s->runs,
	    .errors = s->errors,
	};
	int rc = dp_metrics_part_new(&d, metrics, &s->part);

	/* The samples live on in the part. What is left is kept until the next run: its strings
	 * in one block (at 10,001 domains configured, about a fifth of the heap was the
	 * results' strings and arrays, malloc's overhead on each a good part of it). */
	dp_results_drop_samples(&s->rep->results);
	dp_report_compact(s->rep);
	return rc;
}
