/* Packed JSON (zjson.h): jansson's compact text through zlib's one-shot compress/uncompress. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "out/zjson.h"

int
dp_zjson_pack(const json_t *v, struct dp_zjson *out)
{
	char *txt;
	size_t len;
	uLongf zl;
	unsigned char *z;

	memset(out, 0, sizeof(*out));
	txt = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (txt == NULL)
		return DP_ENOMEM;
	len = strlen(txt);
	if (len > DP_ZJSON_MAX) {
		free(txt);
		return DP_EINVAL;
	}
	zl = compressBound((uLong)len);
	z = malloc(zl);
	if (z == NULL) {
		free(txt);
		return DP_ENOMEM;
	}
	/* level 1: a report is mostly repeated keys and hex; the faster level packs it nearly as
	 * well (bench/README.md, status page) and this runs once per domain run */
	if (compress2(z, &zl, (const Bytef *)txt, (uLong)len, 1) != Z_OK) {
		free(txt);
		free(z);
		return DP_ELIB;
	}
	free(txt);
	{
		/* shrink to the packed size; keep the larger block if that fails */
		Bytef *small = realloc(z, zl > 0 ? zl : 1);

		out->z = small != NULL ? small : z;
	}
	out->zlen = zl;
	out->rawlen = len;
	return 0;
}

json_t *
dp_zjson_unpack(const struct dp_zjson *z, char *why, size_t whysz)
{
	char *txt;
	uLongf n;
	json_error_t e;
	json_t *v;
	int zr;

	if (z == NULL || z->z == NULL) {
		dp_snprintf(why, whysz, "no packed report");
		return NULL;
	}
	if (z->rawlen > DP_ZJSON_MAX) {
		dp_snprintf(why, whysz, "packed report claims %zu bytes (limit %zu)", z->rawlen,
			    DP_ZJSON_MAX);
		return NULL;
	}
	txt = malloc(z->rawlen + 1);
	if (txt == NULL) {
		dp_snprintf(why, whysz, "out of memory");
		return NULL;
	}
	n = (uLongf)z->rawlen;
	zr = uncompress((Bytef *)txt, &n, z->z, (uLong)z->zlen);
	if (zr != Z_OK || n != z->rawlen) {
		dp_snprintf(why, whysz, "packed report is corrupt (zlib: %s)",
			    zr == Z_OK ? "length differs" : zError(zr));
		free(txt);
		return NULL;
	}
	txt[n] = '\0';
	v = json_loadb(txt, n, JSON_REJECT_DUPLICATES, &e);
	free(txt);
	if (v == NULL)
		dp_snprintf(why, whysz, "packed report is not JSON: %s", e.text);
	return v;
}

void
dp_zjson_clear(struct dp_zjson *z)
{
	if (z == NULL)
		return;
	free(z->z);
	memset(z, 0, sizeof(*z));
}
