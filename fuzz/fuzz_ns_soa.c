/* Fuzz target: a nameserver's SOA reply (wire form) through getdns and our SOA/verdict helpers. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include <getdns/getdns_extra.h>

#include "dns/dns.h"
#include "survey/nssurvey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	getdns_dict *msg = NULL;
	struct dp_ns_answer a = {.answered = true, .aa = true};
	char buf[300];
	json_t *j;

	if (dp_msg_parse(data, size, &msg) != 0)
		return 0;
	a.have_soa = dp_nssurvey_soa(msg, "glitter.kr", &a.serial, &a.refresh);
	(void)dp_ns_answer_problem(&a, buf, sizeof(buf));
	j = dp_ns_answer_json(&a);
	json_decref(j);
	getdns_dict_destroy(msg);
	return 0;
}
