/* `dnsprobe check`: one run over one domain, rendered as text, Nagios or JSON, within -t. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/check.h"
#include "cli/watchdog.h"
#include "engine/engine.h"
#include "engine/statefile.h"

/* The watchdog fires this long before -t runs out, so that the UNKNOWN report is written and the
 * process gone by then (the clock starts after exec and library loading). */
#define WATCHDOG_MARGIN 0.25

/* What the watchdog needs to say what was not checked. */
struct budget {
	const struct dp_cli *cli;
	const struct dp_selection *sel;
	double t0; /* dp_now_mono() at the start */
};

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
	const struct dp_check_opts *o = &cli->opts;
	struct dp_render_opts ro = {
		.verbose = cli->verbose,
		.limits = {true, o->rrsig_warn, o->rrsig_crit, o->cert_warn, o->cert_crit,
			   o->serial_lag_warn, o->serial_lag_crit, o->timeout_s},
	};

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

/* The watchdog fired (SPEC §1: "what was not done in time is UNKNOWN"): every selected check
 * is reported as not checked, in the requested format. Runs on the watchdog thread while the
 * run goes on; it reads only the options and the selection, which the run does not change. */
static void
budget_exhausted(void *arg)
{
	const struct budget *b = arg;
	const struct dp_cli *cli = b->cli;
	const size_t nsel = sizeof(b->sel->on) / sizeof(b->sel->on[0]);
	struct dp_report *rep = dp_report_new(cli->opts.domain);
	char why[64];

	if (cli->set_timeout)
		(void)dp_snprintf(why, sizeof(why), "not checked: budget exhausted (-t %d)",
				  cli->opts.timeout_s);
	else
		(void)dp_snprintf(why, sizeof(why), "not checked: budget exhausted (timeout %ds)",
				  cli->opts.timeout_s);
	if (rep == NULL) {
		(void)unknown(cli, cli->opts.domain, why);
		return;
	}
	rep->started = (int64_t)dp_now_wall() - (int64_t)(dp_now_mono() - b->t0);
	for (size_t i = 0; dp_engine_check_id(i) != NULL && i < nsel; i++) {
		const char *id = dp_engine_check_id(i);

		if (!b->sel->on[i])
			continue;
		if (dp_results_add(&rep->results, id, cli->opts.domain, DP_STATUS_UNKNOWN, NULL, "%s",
				   why) == NULL ||
		    dp_report_add_timing(rep, id, -1, DP_STATUS_UNKNOWN) != 0)
			break;
	}
	rep->duration = dp_now_mono() - b->t0;
	if (render(cli, rep) != 0)
		(void)unknown(cli, cli->opts.domain, why);
	fprintf(stderr, "dnsprobe: %s\n", why);
	dp_report_free(rep);
}

/* --state FILE: write back the checks' memory and, per result, since when it has its status
 * (kept from the file where the status is unchanged). A failure is one line on stderr; the
 * verdict stands. */
static void
save_state(const struct dp_cli *cli, const struct dp_report *rep, json_t *state, json_t *saved)
{
	struct dp_err e = {0};
	double *since = calloc(rep->results.n + 1, sizeof(double));
	json_t *sj = NULL;
	char *dump = json_dumps(state, JSON_COMPACT);

	for (size_t i = 0; since != NULL && i < rep->results.n; i++) {
		const struct dp_result *r = &rep->results.v[i];
		double t = dp_state_since_find(saved, r->id, r->subject, r->status);

		since[i] = t > 0 ? t : (double)rep->started;
	}
	if (since != NULL)
		sj = dp_state_since_of(&rep->results, since);
	if (dump == NULL || sj == NULL)
		fprintf(stderr, "dnsprobe: %s: not written: out of memory\n", cli->state);
	else if (dp_state_save(cli->state, cli->opts.domain, dump, sj, dp_now_wall(), &e) != 0)
		fprintf(stderr, "dnsprobe: %s\n", e.msg);
	json_decref(sj);
	free(dump);
	free(since);
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
	struct dp_watchdog wd = {0};
	struct budget b = {.cli = &cli, .sel = &sel, .t0 = started};
	json_t *state = NULL, *saved = NULL;
	int status;

	if (dp_cli_parse_check(argc, argv, &cli, &err) != 0) {
		fprintf(stderr, "dnsprobe check: %s\n", err.msg);
		dp_cli_clear(&cli);
		return DP_STATUS_UNKNOWN;
	}
	/* monitoring-plugins: --help and --version print and exit UNKNOWN (3), like every plugin. */
	if (cli.help || cli.version) {
		if (cli.help)
			dp_cli_usage(stdout);
		else
			dp_version_print(stdout);
		dp_cli_clear(&cli);
		return DP_STATUS_UNKNOWN;
	}
	cli.opts.started = b.t0; /* -t bounds the process: the engine reports before the watchdog */
	if (cli.config != NULL && dp_config_apply_to_cli(cli.config, &cli, &err) != 0) {
		status = unknown(&cli, cli.opts.domain, err.msg);
		goto out;
	}
	if (cli.state != NULL &&
	    dp_state_load(cli.state, cli.opts.domain, &state, &saved, &err) != 0) {
		status = unknown(&cli, cli.opts.domain, err.msg);
		goto out;
	}
	if (dp_selection_parse(&sel, cli.only, cli.skip, &err) != 0 ||
	    dp_watchdog_start(&wd, b.t0 + cli.opts.timeout_s - WATCHDOG_MARGIN, budget_exhausted, &b,
			      &err) != 0 ||
	    dp_engine_init(&eng, &cli.opts, &err) != 0 ||
	    dp_engine_run(&eng, &cli.opts, &sel, state, &rep, &err) != 0) {
		dp_watchdog_claim(&wd);
		status = unknown(&cli, cli.opts.domain, err.msg);
		goto out;
	}
	dp_watchdog_claim(&wd);
	if (render(&cli, rep) != 0) {
		status = unknown(&cli, cli.opts.domain, "could not write the report");
		goto out;
	}
	status = (int)dp_report_status(rep);
	if (cli.state != NULL)
		save_state(&cli, rep, state, saved);
out:
	fflush(stdout);
	dp_watchdog_done(&wd, status);
	/* `check` exits when its report is out (SPEC §1: -t is a wall-clock limit of the process):
	 * threads still waiting on a silent server are not waited for. */
	if (dp_engine_live(&eng) > 0) {
		fflush(stderr);
		_exit(status);
	}
	dp_report_free(rep);
	dp_engine_clear(&eng);
	dp_watchdog_stop(&wd);
	json_decref(state);
	json_decref(saved);
	dp_cli_clear(&cli);
	return status;
}
