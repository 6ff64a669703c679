/* Fuzz target: the value parsers behind check options and config values (durations, --at times,
 * PORT:HOST endpoints, bounded integers); the first byte picks the parser. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cli/cli.h"
#include "dnsprobe/common.h"
#include "engine/opts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[512];
	struct dp_err err;
	struct dp_endpoint_spec ep;
	int64_t v;
	uint64_t u;
	char back[64];

	if (size < 1 || size > sizeof(s))
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0:
		if (dp_duration_parse(s, &v, &err) == 0)
			dp_duration_format(v, back, sizeof(back));
		break;
	case 1:
		if (dp_cli_parse_at(s, 1764604800, &v, &err) == 0)
			dp_time_rfc3339(v, back, sizeof(back));
		break;
	case 2:
		(void)!dp_endpoint_parse(s, &ep, &err);
		break;
	default:
		(void)!dp_parse_u64(s, 0, UINT32_MAX, &u);
		break;
	}
	return 0;
}
