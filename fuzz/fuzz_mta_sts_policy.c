/* Fuzz target: the MTA-STS policy body parser and mx matching (RFC 8461 §3.2, §4.1). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "mail/mta_sts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_sts_policy p;
	struct dp_err err;

	if (size > DP_STS_POLICY_CAP)
		return 0;
	if (dp_sts_policy_parse((const char *)data, size, &p, &err) == 0) {
		for (size_t i = 0; i < p.nmx; i++)
			(void)dp_sts_policy_match(&p, p.mx[i] + (p.mx[i][0] == '*' ? 1 : 0));
		(void)dp_sts_policy_match(&p, "mail.glitter.kr");
		dp_sts_policy_clear(&p);
	}
	return 0;
}
