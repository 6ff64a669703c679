/* dnsprobe's entry point: dispatches to check, monitor and version. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <cyaml/cyaml.h>
#include <getdns/getdns_extra.h>
#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <unbound.h>

#include "cli/check.h"
#include "http/http.h"

void
dp_version_print(FILE *f)
{
	fprintf(f, "dnsprobe %s\n", DP_VERSION);
	fprintf(f, "libunbound %s\n", ub_version());
	fprintf(f, "getdns %s (API %s)\n", getdns_get_version(), getdns_get_api_version());
	fprintf(f, "%s\n", OpenSSL_version(OPENSSL_VERSION));
	fprintf(f, "libcurl %s\n", curl_version_info(CURLVERSION_NOW)->version);
	fprintf(f, "libmicrohttpd %s\n", MHD_get_version());
	fprintf(f, "jansson %s\n", JANSSON_VERSION);
	fprintf(f, "libcyaml %s\n", cyaml_version_str);
	fprintf(f, "build: %s\n", DP_BUILD_OPTIONS);
}

static int
cmd_version(void)
{
	dp_version_print(stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		dp_cli_usage(stderr);
		return 3;
	}
	if (strcmp(argv[1], "check") == 0)
		return dp_check_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "monitor") == 0)
		{
		static const struct dp_monitor_http http = {dp_http_start, dp_http_stop};

		return dp_monitor_main(argc - 1, argv + 1, &http);
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0)
		return cmd_version();
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		dp_cli_usage(stdout);
		return 0;
	}
	fprintf(stderr, "dnsprobe: unknown command '%s' (check, monitor, version)\n", argv[1]);
	return 3;
}
