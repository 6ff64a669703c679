/* Fuzz target: the CAA rdata parser (RFC 8659 §4), over wire-form rdata. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "dns/caa.h"
#include "dns/txt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_caa c;
	struct dp_err err;
	char shown[128];

	if (size > 65535)
		return 0;
	if (dp_caa_parse(data, size, &c, &err) == 0)
		dp_text_printable(c.value, c.value_len, shown, sizeof(shown));
	return 0;
}
