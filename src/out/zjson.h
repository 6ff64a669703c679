/* A JSON value kept packed: its compact text compressed with zlib, unpacked only when read
 * (the monitor keeps each domain's whole last report this way for /domain/NAME). */
#pragma once

#include <jansson.h>
#include <stddef.h>

#include "dnsprobe/common.h"

/* The largest text packed or unpacked: a report beyond it is refused, and a packed value that
 * claims more is corrupt. */
#define DP_ZJSON_MAX ((size_t)16 << 20)

struct dp_zjson {
	unsigned char *z; /* zlib stream (owned); NULL: nothing packed */
	size_t zlen;
	size_t rawlen; /* length of the compact JSON text */
};

/* Pack v into out (cleared first). DP_EINVAL when its text is longer than DP_ZJSON_MAX,
 * DP_ENOMEM, DP_ELIB when zlib fails; out is then empty. */
int dp_zjson_pack(const json_t *v, struct dp_zjson *out) DP_WUR;
/* The value packed in z (new reference), or NULL with why set: nothing packed, corrupt or
 * truncated data, a length that is not the one recorded, over DP_ZJSON_MAX, not JSON. */
json_t *dp_zjson_unpack(const struct dp_zjson *z, char *why, size_t whysz);
void dp_zjson_clear(struct dp_zjson *z);
