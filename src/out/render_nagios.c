/* Nagios output per the monitoring-plugins guidelines: a status line with perfdata, then one
 * line per result (long output), worst first. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsprobe/result.h"

#define MAX_PROBLEMS 3
/* The status line is what pagers, SMS and chat show: under 200 bytes with its perfdata (issue
 * 14). The worst problem may fill it; further problems only while the text stays within
 * TEXT_MAX; perfdata that does not fit follows the long output. */
#define LINE_MAX   199
#define TEXT_MAX   170
#define SUFFIX_MAX 24 /* room kept for "; and N more checks" */
/* A hex run this long is a digest (SHA-256 of an SPKI, a TLSA record): the status line keeps
 * DIGEST_SHOWN characters of it. */
#define DIGEST_MIN   16
#define DIGEST_SHOWN 8

/* A bounded line being built; once full, appends are dropped. */
struct line {
	char p[512];
	size_t len;
	size_t max; /* <= sizeof(p) - 1 */
};

static void
line_put(struct line *l, const char *s, size_t n)
{
	if (n > l->max - l->len)
		n = l->max - l->len;
	memcpy(l->p + l->len, s, n);
	l->len += n;
	l->p[l->len] = '\0';
}

static void
line_puts(struct line *l, const char *s)
{
	line_put(l, s, strlen(s));
}

/* Print s with '|' replaced (a pipe starts perfdata in the plugin output format) and line
 * breaks made spaces (a line is a line of long output). */
static void
put_safe(FILE *f, const char *s)
{
	for (; *s != '\0'; s++)
		fputc(*s == '|' ? '/' : *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* s for the status line, into out (NUL-terminated, at most outsz - 1 bytes): '|' replaced,
 * digests shortened to DIGEST_SHOWN characters and "...". */
static bool
is_word(char c)
{
	return is_hex(c) || (c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z') || c == '_';
}

static void
short_text(const char *s, char *out, size_t outsz)
{
	struct line l = {.max = outsz - 1 < sizeof(l.p) - 1 ? outsz - 1 : sizeof(l.p) - 1};
	const char *start = s;

	while (*s != '\0' && l.len < l.max) {
		size_t run = 0;

		while (is_hex(s[run]))
			run++;
		/* a whole word of hex digits, not the tail of a longer name */
		if (run >= DIGEST_MIN && (s == start || !is_word(s[-1])) && !is_word(s[run])) {
			line_put(&l, s, DIGEST_SHOWN);
			line_puts(&l, "...");
			s += run;
			if (strncmp(s, "...", 3) == 0)
				s += 3;
			continue;
		}
		if (run == 0)
			run = 1;
		for (size_t i = 0; i < run; i++)
			line_put(&l, s[i] == '|' ? "/" : &s[i], 1);
		s += run;
	}
	memcpy(out, l.p, l.len + 1);
}

/* Append s to l, cut to at most room bytes on a UTF-8 character boundary with "..." when it does
 * not fit. */
static void
put_cut(struct line *l, const char *s, size_t room)
{
	size_t n = strlen(s);

	if (n <= room) {
		line_put(l, s, n);
		return;
	}
	if (room < 4)
		return;
	n = room - 3;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	line_put(l, s, n);
	line_puts(l, "...");
}

/* min (want_max false) or max over results of an integer details key; false if none has it. */
static bool
fold_detail(const struct dp_report *r, const char *key, bool want_max, json_int_t *out)
{
	bool any = false;

	for (size_t i = 0; i < r->results.n; i++) {
		json_t *v = json_object_get(r->results.v[i].details, key);
		json_int_t x;

		if (!json_is_integer(v))
			continue;
		x = json_integer_value(v);
		if (!any || (want_max ? x > *out : x < *out))
			*out = x;
		any = true;
	}
	return any;
}

/* Perfdata items per the monitoring-plugins guidelines, 'label'=value[UOM];warn;crit;min;max.
 * Remaining times alert below their threshold, so warn/crit are "N:" ranges (alert when outside
 * N..infinity); counts and the serial spread alert above theirs ("N": outside 0..N). */
#define PERF_MAX 6
struct perf {
	char item[PERF_MAX][128];
	size_t n;
};

static void
perf_add(struct perf *p, const char *fmt, ...) DP_PRINTF(2, 3);

static void
perf_add(struct perf *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->n == PERF_MAX)
		return;
	va_start(ap, fmt);
	n = vsnprintf(p->item[p->n], sizeof(p->item[0]), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(p->item[0]))
		p->n++;
}

static void
perf_collect(const struct dp_report *r, const struct dp_render_limits *t, struct perf *p)
{
	json_int_t v = 0;
	size_t crit = 0;
	size_t warn = 0;
	char lag_crit[24] = "";

	for (size_t i = 0; i < r->results.n; i++) {
		crit += r->results.v[i].status == DP_STATUS_CRITICAL;
		warn += r->results.v[i].status == DP_STATUS_WARNING;
	}
	if (t != NULL && t->serial_lag_crit >= 0)
		(void)dp_snprintf(lag_crit, sizeof(lag_crit), "%lld", (long long)t->serial_lag_crit);
	if (fold_detail(r, "rrsig_min_remaining", false, &v)) {
		if (t != NULL)
			perf_add(p, "rrsig_min_remaining=%llds;%lld:;%lld:", (long long)v,
				 (long long)t->rrsig_warn, (long long)t->rrsig_crit);
		else
			perf_add(p, "rrsig_min_remaining=%llds", (long long)v);
	}
	if (fold_detail(r, "soa_serial_spread", true, &v)) {
		if (t != NULL)
			perf_add(p, "soa_serial_spread=%lld;%lld;%s;0", (long long)v,
				 (long long)t->serial_lag_warn, lag_crit);
		else
			perf_add(p, "soa_serial_spread=%lld;;;0", (long long)v);
	}
	if (fold_detail(r, "cert_min_remaining", false, &v)) {
		if (t != NULL)
			perf_add(p, "cert_min_remaining=%llds;%lld:;%lld:", (long long)v,
				 (long long)t->cert_warn, (long long)t->cert_crit);
		else
			perf_add(p, "cert_min_remaining=%llds", (long long)v);
	}
	perf_add(p, "checks_critical=%zu;;0;0", crit);
	perf_add(p, "checks_warning=%zu;0;;0", warn);
	if (t != NULL && t->timeout_s > 0)
		perf_add(p, "check_duration=%.3fs;;;0;%d", r->duration, t->timeout_s);
	else
		perf_add(p, "check_duration=%.3fs;;;0", r->duration);
}

/* Checks that said something (resolver.agreement without --resolver says nothing). */
static size_t
checks_with_results(const struct dp_report *r)
{
	size_t n = 0;

	for (size_t t = 0; t < r->ntimings; t++) {
		for (size_t i = 0; i < r->results.n; i++) {
			if (strcmp(r->results.v[i].id, r->timings[t].id) == 0) {
				n++;
				break;
			}
		}
	}
	return n;
}

/* Index of the worst-ranked result of check id (the first of them), and how many of its results
 * are not OK; results that follow from a cause are left to their cause's entry (SPEC §2). */
static size_t
check_worst(const struct dp_report *r, const char *id, size_t *bad)
{
	size_t best = SIZE_MAX;

	*bad = 0;
	for (size_t i = 0; i < r->results.n; i++) {
		const struct dp_result *x = &r->results.v[i];

		if (strcmp(x->id, id) != 0 || x->status == DP_STATUS_OK ||
		    dp_results_cause_of(&r->results, x) != NULL)
			continue;
		(*bad)++;
		if (best == SIZE_MAX ||
		    dp_status_rank(x->status) > dp_status_rank(r->results.v[best].status))
			best = i;
	}
	return best;
}

/* " (+N results following from it)" when results follow from x (SPEC §2): the cause is named
 * once, its dependents are left out of the status line. */
static void
deps_text(const struct dp_report *r, const struct dp_result *x, char *buf, size_t bufsz)
{
	size_t deps = dp_results_dependents(&r->results, x);

	buf[0] = '\0';
	if (deps > 0)
		(void)dp_snprintf(buf, bufsz, " (+%zu result%s following from it)", deps,
				  deps == 1 ? "" : "s");
}

/* Append one status-line entry, "ID SUBJECT: summary (+N results following from it) (+N
 * more)", digests shortened and the summary cut so that the entry takes at most room bytes. */
static void
put_entry(struct line *l, const struct dp_report *r, const struct dp_result *x, size_t bad,
	  size_t room)
{
	char sum[400];
	char head[600];
	char deps[64];
	char more[32] = "";
	size_t fixed;

	short_text(dp_result_summary_rest(x), sum, sizeof(sum));
	deps_text(r, x, deps, sizeof(deps));
	if (bad > 1)
		(void)dp_snprintf(more, sizeof(more), " (+%zu more)", bad - 1);
	(void)dp_snprintf(head, sizeof(head), "%s %s: ", x->id, x->subject);
	fixed = strlen(head) + strlen(deps) + strlen(more);
	line_puts(l, head);
	put_cut(l, sum, room > fixed + 20 ? room - fixed : 20);
	line_puts(l, deps);
	line_puts(l, more);
}

static size_t
entry_len(const struct dp_report *r, const struct dp_result *x, size_t bad)
{
	char sum[400];
	char deps[64];

	short_text(dp_result_summary_rest(x), sum, sizeof(sum));
	deps_text(r, x, deps, sizeof(deps));
	return strlen(x->id) + strlen(x->subject) + 3 + strlen(sum) + strlen(deps) +
	       (bad > 1 ? 12 : 0);
}

/* The status text: one entry per failing check, worst checks first, each naming its worst
 * result; the first one always (its summary cut to fit), then as many as fit in TEXT_MAX, at
 * most MAX_PROBLEMS, then how many more (monitoring-plugins: the first line is what pagers
 * show). */
static void
status_text(const struct dp_report *r, struct line *l)
{
	size_t w[64];
	size_t bad[64];
	size_t n = 0;
	size_t shown = 0;
	char tail[SUFFIX_MAX + 8];

	for (int rank = 3; rank >= 1; rank--) {
		for (size_t t = 0; t < r->ntimings && n < 64; t++) {
			size_t i = check_worst(r, r->timings[t].id, &bad[n]);

			if (i != SIZE_MAX && dp_status_rank(r->results.v[i].status) == rank)
				w[n++] = i;
		}
	}
	for (size_t k = 0; k < n; k++) {
		const struct dp_result *x = &r->results.v[w[k]];
		size_t reserve = k + 1 < n ? SUFFIX_MAX : 0;
		size_t room = TEXT_MAX > l->len + reserve ? TEXT_MAX - l->len - reserve : 0;

		if (k == 0) {
			/* The worst problem may use the whole line. */
			put_entry(l, r, x, bad[k], LINE_MAX > l->len ? LINE_MAX - l->len : 0);
		} else if (k < MAX_PROBLEMS && entry_len(r, x, bad[k]) + 2 <= room) {
			line_puts(l, "; ");
			put_entry(l, r, x, bad[k], room);
		} else {
			break;
		}
		shown++;
	}
	if (n > shown) {
		(void)dp_snprintf(tail, sizeof(tail), "; and %zu more checks", n - shown);
		if (l->len + strlen(tail) <= LINE_MAX)
			line_puts(l, tail);
	}
	if (n == 0) {
		(void)dp_snprintf(tail, sizeof(tail), "all %zu checks OK", checks_with_results(r));
		line_puts(l, tail);
		(void)dp_snprintf(tail, sizeof(tail), " (%zu results)", r->results.n);
		line_puts(l, tail);
	}
}

/* Status line; returns how many perfdata items it carries (the rest go after the long output). */
static size_t
put_status_line(FILE *f, const struct dp_report *r, const struct perf *p)
{
	struct line l = {.max = sizeof(l.p) - 1};
	char dom[600];
	size_t len;
	size_t i;

	line_puts(&l, "DNSPROBE ");
	line_puts(&l, dp_status_str(dp_report_status(r)));
	line_puts(&l, " - ");
	line_puts(&l, dp_report_domain_display(r, dom, sizeof(dom)));
	line_puts(&l, ": ");
	status_text(r, &l);
	fputs(l.p, f);
	len = l.len + 2;
	/* Items in order while the line stays within LINE_MAX. */
	for (i = 0; i < p->n && len + 1 + strlen(p->item[i]) <= LINE_MAX; i++) {
		fprintf(f, "%s %s", i == 0 ? " |" : "", p->item[i]);
		len += 1 + strlen(p->item[i]);
	}
	fputc('\n', f);
	return i;
}

int
dp_render_nagios(FILE *f, const struct dp_report *r, const struct dp_render_opts *o)
{
	struct perf p = {.n = 0};
	size_t *order = calloc(r->results.n + 1, sizeof(*order));
	size_t first;

	if (order == NULL)
		return DP_ENOMEM;
	perf_collect(r, o != NULL && o->limits.set ? &o->limits : NULL, &p);
	first = put_status_line(f, r, &p);
	/* Worst first; within a status, causes before what follows from them. */
	dp_results_order(&r->results, order);
	for (size_t k = 0; k < r->results.n; k++) {
		const struct dp_result *x = &r->results.v[order[k]];

		fprintf(f, "[%s] %s %s: ", dp_status_str(x->status), x->id, x->subject);
		put_safe(f, dp_result_summary_rest(x));
		if (dp_results_cause_of(&r->results, x) != NULL) {
			fprintf(f, " (follows from %s ", x->cause_id);
			put_safe(f, x->cause_subject);
			fputc(')', f);
		}
		/* Ready-to-paste zone-file lines, each on its own long-output line under the
		 * finding (before any '|': after it every line is perfdata). */
		for (size_t j = 0; j < json_array_size(x->fix); j++) {
			const char *fx = json_string_value(json_array_get(x->fix, j));

			fputs("\n    fix: ", f);
			put_safe(f, fx != NULL ? fx : "");
		}
		/* Perfdata that did not fit the status line follows a '|' on the last line of the
		 * long output (Nagios plugin API, "Plugin Output Spec"). */
		if (k + 1 == r->results.n && first < p.n)
			fputs(" |", f);
		for (size_t j = first; k + 1 == r->results.n && j < p.n; j++)
			fprintf(f, " %s", p.item[j]);
		fputc('\n', f);
	}
	free(order);
	return ferror(f) ? DP_EIO : 0;
}
