/* Fuzz target: report URI syntax (RFC 6068 mailto:, RFC 3986 http(s):) and TXT classification. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "dns/txt.h"
#include "dns/uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *why = NULL;

	(void)dp_uri_valid(s, size, 0, &why);
	(void)dp_uri_valid(s, size, DP_URI_ENCODED_BANG_COMMA, NULL);
	(void)dp_txt_classify(s, size, "v=STSv1");
	(void)dp_txt_classify(s, size, "v=TLSRPTv1");
	return 0;
}
