/* The config pre-scan: libyaml events give every key's line before libcyaml loads the file. */
#pragma once

#include <stddef.h>

#include "dnsprobe/common.h"

struct dp_cfgscan_key {
	char path[96]; /* "interval", "thresholds.rrsig_warn", "domains[3].tlsa" */
	unsigned line;
};

/* Every key seen, in file order. Owned arrays: free(keys). */
struct dp_cfgscan {
	struct dp_cfgscan_key *keys;
	size_t n, cap;
	unsigned last_line;
};

/* Scan buf; errors read "NAME:LINE: KEY: reason". */
int dp_cfgscan_run(struct dp_cfgscan *s, const char *buf, size_t len, const char *name,
                   struct dp_err *err) DP_WUR;
/* Line of the key at path, 0 when absent. */
unsigned dp_cfgscan_line(const struct dp_cfgscan *s, const char *path);
