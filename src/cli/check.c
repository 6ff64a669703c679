/* `dnsprobe check`: one run over one domain, rendered as text, Nagios or JSON. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/check.h"
#include "engine/engine.h"

/* No verdict possible: say so in the requested format and exit UNKNOWN (3). */
static int
unknown(const struct dp_cli *cli, const char *domain, const char *msg)
{
	if (cli->output == DP_OUTPUT_NAGIOS) {
		printf("DNSPROBE UNKNOWN - %s: %s\n", domain[0] ? domain : "-", msg);
	} else if (cli->output == DP_OUTPUT_JSON) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:[]}", "domain", domain, "status", "UNKNOWN",
				      "error", msg, "checks");

		if (o != NULL)
			json_dumpf(o, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(o);
	}
	fprintf(stderr, "dnsprobe: %s\n", msg);
	return DP_STATUS_UNKNOWN;
}

static int
render(const struct dp_cli *cli, const struct dp_report *rep)
{
	struct dp_render_opts ro = {.verbose = cli->verbose};

	ro.colour = cli->output == DP_OUTPUT_TEXT && isatty(STDOUT_FILENO) &&
		    getenv("NO_COLOR") == NULL;
	switch (cli->output) {
	case DP_OUTPUT_NAGIOS:
		return dp_render_nagios(stdout, rep, &ro);
	case DP_OUTPUT_JSON:
		return dp_render_json(stdout, rep, &ro);
	case DP_OUTPUT_TEXT:
		break;
	}
	return dp_render_text(stdout, rep, &ro);
}

int
dp_check_main(int argc, char **argv)
{
	struct dp_cli cli;
	struct dp_err err = {0};
	struct dp_selection sel;
	struct dp_engine eng = {0};
	struct dp_report *rep = NULL;
	double started = dp_now_mono(); /* -t bounds the process, its set-up included */
	int status;

	if (dp_cli_parse_check(argc, argv, &cli, &err) != 0) {
		fprintf(stderr, "dnsprobe check: %s\n", err.msg);
		dp_cli_clear(&cli);
		return DP_STATUS_UNKNOWN;
	}
	cli.opts.started = started;
	if (cli.help) {
		dp_cli_usage(stdout);
		dp_cli_clear(&cli);
		return 0;
	}
	if (cli.config != NULL && dp_config_apply_to_cli(cli.config, &cli, &err) != 0) {
		status = unknown(&cli, cli.opts.domain, err.msg);
		goto out;
	}
	if (dp_selection_parse(&sel, cli.only, cli.skip, &err) != 0 ||
	    dp_engine_init(&eng, &cli.opts, &err) != 0 ||
	    dp_engine_run(&eng, &cli.opts, &sel, NULL, &rep, &err) != 0) {
		status = unknown(&cli, cli.opts.domain, err.msg);
		goto out;
	}
	if (render(&cli, rep) != 0) {
		status = unknown(&cli, cli.opts.domain, "could not write the report");
		goto out;
	}
	status = (int)dp_report_status(rep);
out:
	fflush(stdout);
	/* `check` exits when its report is out (SPEC §1: -t is a wall-clock limit of the process):
	 * threads still waiting on a silent server are not waited for. */
	if (dp_engine_live(&eng) > 0) {
		fflush(stderr);
		_exit(status);
	}
	dp_report_free(rep);
	dp_engine_clear(&eng);
	dp_cli_clear(&cli);
	return status;
}
