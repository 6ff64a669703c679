/* The config pre-scan (libyaml events): every key's path and line, unknown and duplicate keys,
 * the kind of every value (mapping, list, single value), a name in every domain. */
#include "config.h"

#include "config/config_scan.h"

#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#define SCAN_MAX_KEYS  400000u
#define SCAN_MAX_DEPTH 8

struct frame {
	bool map;
	bool want_key;
	unsigned index;    /* sequence index */
	char key[48];      /* current key in a mapping */
	char path[96];     /* path of this container */
	unsigned line;     /* where it starts */
	unsigned seen[24]; /* line of each allowed key seen so far, by its index in keys_for() */
};

static const char *const top_keys[] = {
    "listen",       "interval",          "timeout",   "step_timeout", "trust_anchor",
    "root_hints",   "ca_file",           "resolvers", "thresholds",   "allow_any_target",
    "max_parallel", "probe_concurrency", "log_level", "domains",      "allow_empty",
    "ip_families",  "shard",             "state_dir", "http_max_connections",
    "http_max_per_client", "http_header_timeout", NULL};
static const char *const thr_keys[] = {
    "rrsig_warn",      "rrsig_crit",      "cert_warn",    "cert_crit",
    "serial_lag_warn", "serial_lag_crit", "serial_grace", "cds_grace", NULL};
static const char *const domain_keys[] = {
    "name",         "tlsa", "nameservers", "interval",   "timeout", "unsigned",
    "caa_required", "only", "skip",        "thresholds", "ip_families", NULL};

/* Position of k in the NULL-terminated list l, or -1. */
static int
list_index(const char *const *l, const char *k)
{
	for (int i = 0; l[i] != NULL; i++) {
		if (strcmp(l[i], k) == 0)
			return i;
	}
	return -1;
}

/* Which keys a mapping at this path may hold; NULL: no mapping belongs here. */
static const char *const *
keys_for(const char *path)
{
	const char *p;

	if (path[0] == '\0')
		return top_keys;
	if (strcmp(path, "thresholds") == 0)
		return thr_keys;
	if (strncmp(path, "domains[", 8) != 0)
		return NULL;
	p = strchr(path, ']');
	if (p == NULL)
		return NULL;
	if (p[1] == '\0')
		return domain_keys;
	if (strcmp(p + 1, ".thresholds") == 0)
		return thr_keys;
	return NULL;
}

unsigned
dp_cfgscan_line(const struct dp_cfgscan *s, const char *path)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->keys[i].path, path) == 0)
			return s->keys[i].line;
	}
	return 0;
}

static int
scan_add(struct dp_cfgscan *s, const char *path, unsigned line)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		struct dp_cfgscan_key *nk;

		if (ncap > SCAN_MAX_KEYS)
			return DP_EINVAL;
		nk = realloc(s->keys, ncap * sizeof(*nk));
		if (nk == NULL)
			return DP_ENOMEM;
		s->keys = nk;
		s->cap = ncap;
	}
	dp_strlcpy(s->keys[s->n].path, path, sizeof(s->keys[s->n].path));
	s->keys[s->n].line = line;
	s->n++;
	return 0;
}

/* The path of the value about to start in the top frame (or "" at the document level). */
static void
child_path(const struct frame *f, char *out, size_t outsz)
{
	if (f == NULL)
		out[0] = '\0';
	else if (f->map)
		dp_snprintf(out, outsz, "%s%s%s", f->path, f->path[0] ? "." : "", f->key);
	else
		dp_snprintf(out, outsz, "%s[%u]", f->path, f->index);
}

/* A value (scalar or container start) was consumed in the top frame. */
static void
frame_value_done(struct frame *f)
{
	if (f == NULL)
		return;
	if (f->map)
		f->want_key = true;
	else
		f->index++;
}

static int
scan_key_event(struct dp_cfgscan *s, struct frame *f, const char *key, unsigned line,
               const char *name, struct dp_err *err)
{
	const char *const *allowed = keys_for(f->path);
	char path[96];
	int idx;
	int rc;

	if (strlen(key) >= sizeof(f->key))
		return dp_err_set(err, DP_EINVAL, "%s:%u: key too long", name, line);
	dp_strlcpy(f->key, key, sizeof(f->key));
	f->want_key = false;
	child_path(f, path, sizeof(path));
	idx = allowed != NULL ? list_index(allowed, key) : -1;
	if (idx < 0)
		return dp_err_set(err, DP_EINVAL, "%s:%u: %s: unknown key", name, line, path);
	/* Kept per mapping, so that a file of many domains is checked in linear time. */
	if (f->seen[idx] != 0)
		return dp_err_set(err, DP_EINVAL, "%s:%u: %s: duplicate key (first on line %u)",
		                  name, line, path, f->seen[idx]);
	f->seen[idx] = line;
	rc = scan_add(s, path, line);
	if (rc != 0)
		return dp_err_set(err, rc, "%s:%u: too many keys", name, line);
	return 0;
}

/* What a value at this path must be: 'm' a mapping, 's' a sequence, 'v' a single value. */
static char
kind_for(const char *path)
{
	const char *p = strrchr(path, '.');
	const char *last = p != NULL ? p + 1 : path;

	if (keys_for(path) != NULL)
		return 'm';
	if (strcmp(path, "domains") == 0 || strcmp(path, "resolvers") == 0 ||
	    strcmp(path, "ip_families") == 0)
		return 's';
	if (strncmp(path, "domains[", 8) == 0 && p != NULL &&
	    (strcmp(last, "tlsa") == 0 || strcmp(last, "nameservers") == 0 ||
	     strcmp(last, "ip_families") == 0))
		return 's';
	return 'v';
}

static int
check_kind(const struct frame *top, char got, unsigned line, const char *name, struct dp_err *err)
{
	static const char *const what[] = {"a mapping of settings", "a list", "a single value"};
	char path[96];
	char want;

	child_path(top, path, sizeof(path));
	want = kind_for(path);
	if (want == got)
		return 0;
	return dp_err_set(err, DP_EINVAL, "%s:%u: %s: must be %s", name, line,
	                  path[0] ? path : "(top)",
	                  what[want == 'm'   ? 0
	                       : want == 's' ? 1
	                                     : 2]);
}

/* A domain's mapping ended: it must have had a name. */
static int
check_domain_end(const struct frame *f, const char *name, struct dp_err *err)
{
	if (!f->map || strncmp(f->path, "domains[", 8) != 0 || strchr(f->path, '.') != NULL)
		return 0;
	if (f->seen[0] != 0) /* "name" is domain_keys[0] */
		return 0;
	return dp_err_set(err, DP_EINVAL, "%s:%u: %s: no name given", name, f->line, f->path);
}

static int
scan_event(struct dp_cfgscan *s, struct frame *st, int *depth, const yaml_event_t *ev,
           const char *name, struct dp_err *err)
{
	struct frame *top = *depth > 0 ? &st[*depth - 1] : NULL;
	unsigned line = (unsigned)ev->start_mark.line + 1;
	int rc;

	s->last_line = line;
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return dp_err_set(err, DP_EINVAL, "%s:%u: aliases are not supported", name, line);
	case YAML_SCALAR_EVENT:
		if (top != NULL && top->map && top->want_key)
			return scan_key_event(s, top, (const char *)ev->data.scalar.value, line,
			                      name, err);
		rc = top != NULL ? check_kind(top, 'v', line, name, err) : 0;
		if (rc != 0)
			return rc;
		frame_value_done(top);
		return 0;
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		if (top != NULL && top->map && top->want_key)
			return dp_err_set(err, DP_EINVAL, "%s:%u: %s: a key must be a plain word",
			                  name, line, top->path[0] ? top->path : "(top)");
		rc = check_kind(top, ev->type == YAML_MAPPING_START_EVENT ? 'm' : 's', line, name,
		                err);
		if (rc != 0)
			return rc;
		if (*depth >= SCAN_MAX_DEPTH)
			return dp_err_set(err, DP_EINVAL, "%s:%u: nested too deeply", name, line);
		memset(&st[*depth], 0, sizeof(st[*depth]));
		child_path(top, st[*depth].path, sizeof(st[*depth].path));
		st[*depth].map = ev->type == YAML_MAPPING_START_EVENT;
		st[*depth].want_key = true;
		st[*depth].line = line;
		(*depth)++;
		return 0;
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		rc = *depth > 0 ? check_domain_end(&st[*depth - 1], name, err) : 0;
		if (rc != 0)
			return rc;
		if (*depth > 0)
			(*depth)--;
		frame_value_done(*depth > 0 ? &st[*depth - 1] : NULL);
		return 0;
	default:
		return 0;
	}
}

int
dp_cfgscan_run(struct dp_cfgscan *s, const char *buf, size_t len, const char *name,
               struct dp_err *err)
{
	yaml_parser_t p;
	struct frame st[SCAN_MAX_DEPTH];
	int depth = 0;
	int rc = 0;
	bool done = false;

	if (!yaml_parser_initialize(&p))
		return dp_err_set(err, DP_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (rc == 0 && !done) {
		yaml_event_t ev;

		if (!yaml_parser_parse(&p, &ev)) {
			rc = dp_err_set(err, DP_EPARSE, "%s:%zu: %s%s%s", name,
			                p.problem_mark.line + 1, p.problem ? p.problem : "bad YAML",
			                p.context ? " " : "", p.context ? p.context : "");
			break;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT && s->n > 0)
			rc = dp_err_set(err, DP_EINVAL, "%s:%u: only one YAML document is allowed",
			                name, (unsigned)ev.start_mark.line + 1);
		else if (depth == 0 && ev.type == YAML_SCALAR_EVENT)
			rc = dp_err_set(err, DP_EINVAL,
			                "%s:%u: the file must be a mapping of settings", name,
			                (unsigned)ev.start_mark.line + 1);
		else if (depth == 0 && ev.type == YAML_SEQUENCE_START_EVENT)
			rc = dp_err_set(err, DP_EINVAL,
			                "%s:%u: the file must be a mapping of settings", name,
			                (unsigned)ev.start_mark.line + 1);
		else
			rc = scan_event(s, st, &depth, &ev, name, err);
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return rc;
}
