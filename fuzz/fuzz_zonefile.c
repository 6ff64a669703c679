/* Fuzz target: the trust anchor and root hints readers (dns/zonefile.c) over any file text. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_zone_rrs z;
	struct dp_err err;

	if (size > 256 * 1024)
		return 0;
	if (dp_anchor_parse("fuzz", (const char *)data, size, &z, &err) == 0)
		dp_zone_rrs_free(&z);
	if (dp_hints_parse("fuzz", (const char *)data, size, &err) != 0)
		return 0;
	return 0;
}
