/* The monitor's YAML configuration (SPEC §4): parsed with libcyaml, checked, printed back. */
#pragma once

#include <stdio.h>
#include <sys/socket.h>

#include "dnsprobe/probe.h"

/* Largest config file read (a config of 10,000 domains fits well within this). */
#define DP_CONFIG_MAX_BYTES   (8u * 1024 * 1024)
#define DP_CONFIG_MAX_DOMAINS 20000u
/* The largest N of `shard: I/N`. */
#define DP_SHARDS_MAX     1024
#define DP_SHARDS_MAX_STR "1024"

/* Thresholds; in a domain, `set` tells which ones the domain overrides (DP_THR_* bits). */
struct dp_config_thresholds {
	int64_t rrsig_warn;
	int64_t rrsig_crit;
	int64_t cert_warn;
	int64_t cert_crit;
	int64_t serial_lag_warn;
	int64_t serial_lag_crit; /* -1: off */
	int64_t serial_grace;    /* -1: the SOA refresh */
	int64_t cds_grace;       /* dnssec.cds: a CDS the parent has not picked up */
	unsigned set;
};

enum dp_thr_bit {
	DP_THR_RRSIG_WARN = 1u << 0,
	DP_THR_RRSIG_CRIT = 1u << 1,
	DP_THR_CERT_WARN = 1u << 2,
	DP_THR_CERT_CRIT = 1u << 3,
	DP_THR_LAG_WARN = 1u << 4,
	DP_THR_LAG_CRIT = 1u << 5,
	DP_THR_GRACE = 1u << 6,
	DP_THR_CDS_GRACE = 1u << 7,
};

/* One monitored domain, with its effective settings (globals merged in). */
struct dp_config_domain {
	char name[256];
	int64_t interval; /* seconds */
	int64_t timeout;  /* seconds */
	bool interval_set, timeout_set;
	struct dp_endpoint_spec *tlsa;
	size_t ntlsa;
	char **nameservers;
	size_t nnameservers;
	bool unsigned_ok;
	bool caa_required;
	unsigned ip_families; /* DP_IPV4, DP_IPV6; 0: both (the global value unless set) */
	bool ip_families_set; /* given for this domain */
	char *only; /* check ids, comma-separated; NULL: all */
	char *skip;
	struct dp_config_thresholds thr;
};

/* A whole, validated configuration. Immutable once loaded; owned by whoever loaded it. */
struct dp_config {
	char *path;
	char *listen; /* "ADDR:PORT" as given (canonical form printed back) */
	struct sockaddr_storage listen_addr;
	socklen_t listen_len;
	int64_t interval;
	int64_t timeout;
	int64_t step_timeout;
	char *trust_anchor;
	char *root_hints;
	char *ca_file;
	char *state_dir; /* per-domain state files (engine/statefile.h); NULL: $STATE_DIRECTORY */
	char **resolvers;
	size_t nresolvers;
	unsigned ip_families; /* DP_IPV4, DP_IPV6; 0: both */
	struct dp_config_thresholds thr;
	bool allow_any_target;
	bool allow_empty; /* a monitor with no domains is meant (else refused: a reload never
	                   * empties the monitor by mistake) */
	unsigned max_parallel;      /* domain runs at once */
	unsigned probe_concurrency; /* /probe requests at once */
	unsigned shard_index;       /* shard: I/N — run only the domains of shard I of N */
	unsigned shard_count;       /* 1: every domain; at most DP_SHARDS_MAX */
	unsigned http_max_connections; /* HTTP connections at once (a thread each) */
	unsigned http_max_per_client;  /* … from one client address */
	int64_t http_header_timeout;   /* seconds for a request's header, a trickle included */
	char *log_level;
	struct dp_config_domain *domains;
	size_t ndomains;
	/* Lines of keys checked after parsing (dp_config_check), 0 when absent. */
	struct {
		unsigned trust_anchor, root_hints, ca_file, state_dir, domains;
	} line;
};

/* Parse a config held in memory; name is used in error messages ("FILE:LINE: KEY: reason"). */
int dp_config_parse(const char *name, const char *buf, size_t len, struct dp_config **out,
                    struct dp_err *err) DP_WUR;
/* Read and parse a file (capped at DP_CONFIG_MAX_BYTES). */
int dp_config_load(const char *path, struct dp_config **out, struct dp_err *err) DP_WUR;
void dp_config_free(struct dp_config *c);
/* What the monitor checks beyond the grammar, at start, `monitor -n` and every reload: the
 * trust anchor (or the default), root hints and CA file are read and parsed as a run would
 * (regular files within their caps), and a config without domains needs allow_empty. */
int dp_config_check(const struct dp_config *c, struct dp_err *err) DP_WUR;
/* A config with every default and no domains (the monitor without -c). */
int dp_config_defaults(struct dp_config **out, struct dp_err *err) DP_WUR;
/* Print the config back in canonical YAML (monitor -n -v). */
int dp_config_print(FILE *f, const struct dp_config *c) DP_WUR;
/* The domain named name (normalised), or NULL. */
const struct dp_config_domain *dp_config_find(const struct dp_config *c, const char *name);
/* Fill run options for domain d (d NULL: a domain not in the config, global settings only).
 * Pointers in o refer into c and stay valid while c lives. */
void dp_config_domain_opts(const struct dp_config *c, const struct dp_config_domain *d,
                           const char *name, struct dp_check_opts *o);
/* "127.0.0.1:9862", "[::1]:9862", ":9862" (all IPv4 addresses) into a socket address. */
int dp_config_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
                           struct dp_err *err) DP_WUR;
/* HTTP connections kept free for clients that hold none (an eighth of the budget, at least 2). */
static inline unsigned
dp_config_http_reserve(unsigned max_connections)
{
	return max_connections / 8 > 2 ? max_connections / 8 : 2;
}
/* Canonical duration: the largest unit that divides it ("3d", "5m", "90s"). */
void dp_config_format_duration(int64_t s, char *buf, size_t bufsz);
