/* Fuzz target: the `_smtp._tls` TLS-RPT record parser (RFC 8460 §3), over raw record text. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "mail/tlsrpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_tlsrpt t;
	struct dp_err err;

	if (dp_tlsrpt_is_tlsrpt((const char *)data, size) &&
	    dp_tlsrpt_parse((const char *)data, size, &t, &err) != 0)
		return 0; /* rejected: fine, as long as nothing crashed */
	return 0;
}
