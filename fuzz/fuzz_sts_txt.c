/* Fuzz target: TXT rdata joining and the `_mta-sts` TXT record parser (RFC 8461 §3.1). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "mail/mta_sts.h"
#include "dns/txt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[4096];
	char shown[128];
	size_t len;
	struct dp_sts_txt t;
	struct dp_err err;

	/* The input is a TXT rdata in wire form, as the resolver hands it over. */
	if (dp_txt_join(data, size, s, sizeof(s), &len, &err) != 0)
		return 0;
	dp_text_printable(s, len, shown, sizeof(shown));
	if (dp_sts_txt_is_sts(s, len) && dp_sts_txt_parse(s, len, &t, &err) != 0)
		return 0; /* rejected: fine, as long as nothing crashed */
	return 0;
}
