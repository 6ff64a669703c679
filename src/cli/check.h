/* The front ends: `dnsprobe check` and `dnsprobe monitor`. */
#pragma once

#include "cli/cli.h"

/* argv[0] is "check"; returns the Nagios exit code. */
int dp_check_main(int argc, char **argv);
/* What `dnsprobe version` and `check -V` print: ours and the libraries' versions. */
void dp_version_print(FILE *f);
/* Apply a config file's settings for cli->opts.domain, keeping options given on the command
 * line. Lives with the config parser. */
int dp_config_apply_to_cli(const char *path, struct dp_cli *cli, struct dp_err *err) DP_WUR;
