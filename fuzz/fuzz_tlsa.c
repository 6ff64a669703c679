/* Fuzz target: TLSA rdata (RFC 6698 §2.1) parsing, usability rules and presentation. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mail/tlsa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_tlsa t;
	struct dp_err err;
	char text[256];

	if (dp_tlsa_parse(data, size, &t, &err) != 0)
		return 0;
	(void)dp_tlsa_unusable(&t, true);
	(void)dp_tlsa_unusable(&t, false);
	(void)dp_tlsa_usage_str(t.usage);
	dp_tlsa_text(&t, 0, text, sizeof(text));
	dp_tlsa_text(&t, 16, text, sizeof(text));
	if (strlen(text) >= sizeof(text) || t.len + 3 != size)
		__builtin_trap();
	return 0;
}
