/* Fuzz target: the status page's query values (q, state, page, n; NUL-separated), then the page
 * rendered with them over a small view: no crash, and the filter never reaches the page unescaped. */
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
	const char *arg[4] = {NULL, NULL, NULL, NULL};
	struct dp_metrics_domain dom[2] = {{.domain = "glitter.kr"}, {.domain = "b0001.kr"}};
	struct dp_view v = {.dom = dom, .n = 2};
	struct dp_page_query pq;
	struct dp_err err;
	struct dp_sbuf b;
	char *buf;
	size_t k = 0;

	if (size > 4096)
		return 0;
	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (char *p = buf; k < 4 && p <= buf + size; k++) {
		arg[k] = p;
		p += strlen(p) + 1;
	}
	if (dp_page_query_parse(arg[0], arg[1], arg[2], arg[3], &pq, &err) == 0) {
		if (strpbrk(pq.q, "<>\"'& ") != NULL)
			abort(); /* an accepted filter is part of a host name */
		dp_sbuf_init(&b, 1 << 20);
		dp_http_status_page(&b, &v, &pq);
		dp_sbuf_clear(&b);
	}
	free(buf);
	return 0;
}
