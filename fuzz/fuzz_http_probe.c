/* Fuzz target: /probe's query validation (target and check), then the label and HTML escaping
 * of what a hostile target would put on the page, the whole input as an Accept-Encoding header
 * and as a raw request target. Input: TARGET, optionally NUL then CHECK. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 2);
	const char *check;
	struct dp_selection sel;
	struct dp_err err;
	struct dp_sbuf b;
	char name[256];
	bool accepted;

	if (buf == NULL || size > 4096) {
		free(buf);
		return 0;
	}
	memcpy(buf, data, size);
	buf[size] = '\0';
	buf[size + 1] = '\0';
	check = strlen(buf) < size ? buf + strlen(buf) + 1 : NULL;
	accepted = dp_http_probe_args(buf, check, name, sizeof(name), &sel, &err) == 0;
	if (accepted && strpbrk(name, "<>\"'& \\") != NULL)
		abort(); /* an accepted target is a plain host name */
	for (size_t i = 0; accepted && name[i] != '\0'; i++) {
		if ((unsigned char)name[i] >= 0x80)
			abort(); /* IDN input comes out as its A-label: ASCII only */
	}
	/* A value without "gzip" in it never accepts gzip. */
	if (dp_http_accepts_gzip(buf) && strcasestr(buf, "gzip") == NULL)
		abort();
	dp_sbuf_init(&b, 65536);
	dp_metrics_escape_label(&b, buf);
	dp_html_escape(&b, buf);
	if (!b.failed && memchr(b.p, '<', b.len) != NULL && strchr(buf, '<') == NULL)
		abort(); /* escaping must never introduce markup */
	dp_sbuf_clear(&b);
	/* The same bytes as a raw request target: accepted only without control bytes or spaces. */
	if (dp_http_target_status((const char *)data, size) == 0) {
		for (size_t i = 0; i < size; i++) {
			if (data[i] <= 0x20 || data[i] == 0x7f)
				abort();
		}
		if (size > DP_HTTP_URI_MAX)
			abort();
	}
	free(buf);
	return 0;
}
