/* Fuzz target: the monitor's YAML config parser (pre-scan, libcyaml load, value checks) and the
 * canonical print-back of whatever it accepts. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "config/config_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_config *c = NULL;
	struct dp_err err;
	FILE *f;

	if (size > 65536)
		return 0;
	if (dp_config_parse("fuzz.yml", (const char *)data, size, &c, &err) != 0)
		return 0;
	f = fopen("/dev/null", "w");
	if (f != NULL && dp_config_print(f, c) != 0)
		abort(); /* /dev/null takes everything */
	if (f != NULL)
		fclose(f);
	dp_config_free(c);
	return 0;
}
