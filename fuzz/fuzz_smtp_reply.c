/* Fuzz target: the SMTP reply parser (RFC 5321 §4.2) over a server's raw bytes, read reply after
 * reply as the STARTTLS dialogue does. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mail/smtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	size_t left = size;

	for (;;) {
		struct dp_smtp_reply r;
		struct dp_err err;
		size_t used = 0;

		if (dp_smtp_reply_parse(p, left, &r, &used, &err) != 0 || used == 0)
			return 0;
		if (used > left || r.code < 200 || r.code > 559 || r.nlines == 0 ||
		    strlen(r.text) >= sizeof(r.text))
			__builtin_trap(); /* the parser broke its own contract */
		p += used;
		left -= used;
	}
}
