/* cmd_fleet.c — `lockstep fleet add FLEET.db INPUT…` and `lockstep fleet check FLEET.db`: a
 * fleet database of trace summaries that grows one trace at a time (docs/fleet.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "fleetcli.h"
#include "fleetdb.h"

static void help(void)
{
	printf("usage: lockstep fleet add [-j N] [OPTIONS] FLEET.db TRACE_DIR|DB|FLEET.db|DIR...\n"
	       "       lockstep fleet check [--format text|json] [-o FILE] [--fail-on SEV] FLEET.db\n\n"
	       "A fleet database keeps one summary per trace (lock-order edges with their evidence,\n"
	       "findings, lock profile), keyed by the trace's content hash. `add` summarises each\n"
	       "trace not in the fleet yet (a trace already there changes nothing) and merges other\n"
	       "fleet databases; `check` joins the lock-order graphs of all traces and reports each\n"
	       "trace's findings and the cycles no single trace shows (docs/fleet.md).\n\n"
	       "add options:\n"
	       "  -j, --jobs N           summarise N traces at a time (worker processes; default 1)\n"
	       "  --starvation-ms MS     detector threshold as for `lockstep check` (default %g)\n"
	       "  --max-bypass N         detector threshold as for `lockstep check` (default %d)\n"
	       "  --symbols FILE         one symbol map for every trace (default: each trace's own)\n"
	       "  -q, --quiet            print only the final line\n"
	       "check options:\n"
	       "  --format text|json     report format (default text)\n"
	       "  -o, --output FILE      write the report to FILE\n"
	       "  --fail-on SEVERITY     exit 1 when a finding is at or above error|warning|note,\n"
	       "                         or never (default error)\n"
	       "  --stats                print the join's figures on standard error\n\n"
	       "Exit status: 0 ok, 1 findings (check), 2 usage or input error, 3 internal failure.\n",
	       LS_CHECK_DEFAULT_STARVATION_MS, LS_CHECK_DEFAULT_MAX_BYPASS);
}

typedef struct {
	ls_fleet *fleet;
	bool quiet;
	size_t counts[3]; /* ls_fleet_add_result */
} add_ctx;

static int add_sink(void *user, const char *input, ls_trace_summary *s, const char *label)
{
	add_ctx *a = user;
	ls_fleet_add_result r = LS_FLEET_UNCHANGED;
	ls_error err;

	ls_error_clear(&err);
	if (s) {
		ls_status st = ls_fleet_add(a->fleet, s, &r, &err);

		if (st == LS_OK && !a->quiet)
			printf("%s %s (sha256 %.16s)\n",
			       r == LS_FLEET_ADDED ? "added" : r == LS_FLEET_RELABELLED ? "relabelled"
											: "unchanged",
			       input, s->hash);
		ls_summary_free(s);
		if (st != LS_OK)
			return cli_report_error(&err);
	} else if (!a->quiet) {
		printf("unchanged %s (already in the fleet%s%s)\n", input, label && label[0] ? " as " : "",
		       label && label[0] ? label : "");
	}
	a->counts[r]++;
	return CLI_EXIT_OK;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool parse_count(const char *s, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *out >= 1 && *out <= max;
}

static int fleet_add(int argc, char **argv)
{
	enum { OPT_STARVATION = 256, OPT_BYPASS, OPT_SYMBOLS };
	static const struct option options[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "starvation-ms", required_argument, NULL, OPT_STARVATION },
		{ "max-bypass", required_argument, NULL, OPT_BYPASS },
		{ "symbols", required_argument, NULL, OPT_SYMBOLS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	fleetcli_options opts = { .jobs = 1 };
	fleetcli_inputs in = { 0 };
	add_ctx a = { 0 };
	ls_error err;
	double t0 = now();
	size_t total = 0;
	long v;
	int c, rc;
	char *end;

	ls_check_options_init(&opts.check);
	opts.check.store_findings = false;
	ls_error_clear(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hj:q", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			help();
			return CLI_EXIT_OK;
		case 'j':
			if (!parse_count(optarg, 256, &v))
				return cli_usage_error("fleet add", "-j takes 1 to 256 jobs, not '%s'", optarg);
			opts.jobs = (int)v;
			break;
		case 'q':
			a.quiet = true;
			break;
		case OPT_STARVATION:
			errno = 0;
			opts.check.starvation_ms = strtod(optarg, &end);
			if (errno || end == optarg || *end || opts.check.starvation_ms < 0)
				return cli_usage_error("fleet add", "--starvation-ms takes milliseconds >= 0, "
								    "not '%s'", optarg);
			break;
		case OPT_BYPASS:
			if (!parse_count(optarg, 1L << 30, &v))
				return cli_usage_error("fleet add", "--max-bypass takes a count, not '%s'", optarg);
			opts.check.max_bypass = (uint64_t)v;
			break;
		case OPT_SYMBOLS:
			opts.symbols_path = optarg;
			break;
		default:
			return cli_bad_option("fleet add", argv, c);
		}
	}
	if (argc - optind < 2)
		return cli_usage_error("fleet add", "expects FLEET.db and at least one trace or database");
	opts.fleet_path = argv[optind];
	if (ls_fleet_open(argv[optind], true, &a.fleet, &err) != LS_OK)
		return cli_report_error(&err);
	rc = fleetcli_expand("fleet add", argv + optind + 1, argc - optind - 1, true, &in);
	if (rc != CLI_EXIT_OK)
		goto end;
	/* Other fleets first (no work but a merge), then the traces, N at a time. */
	for (size_t i = 0; i < in.n; i++) {
		size_t added, unchanged, relabelled;

		if (!in.is_fleet[i])
			continue;
		if (ls_fleet_merge(a.fleet, in.paths[i], &added, &unchanged, &relabelled, &err) != LS_OK) {
			rc = cli_report_error(&err);
			goto end;
		}
		if (!a.quiet)
			printf("merged %s: %zu added, %zu unchanged, %zu relabelled\n", in.paths[i], added,
			       unchanged, relabelled);
		a.counts[LS_FLEET_ADDED] += added;
		a.counts[LS_FLEET_UNCHANGED] += unchanged;
		a.counts[LS_FLEET_RELABELLED] += relabelled;
	}
	rc = fleetcli_summarize(&in, &opts, add_sink, &a);
	if (ls_fleet_count(a.fleet, &total, &err) != LS_OK && rc == CLI_EXIT_OK)
		rc = cli_report_error(&err);
	printf("fleet %s: %zu trace(s); %zu added, %zu unchanged, %zu relabelled in %.2f s\n",
	       argv[optind], total, a.counts[LS_FLEET_ADDED], a.counts[LS_FLEET_UNCHANGED],
	       a.counts[LS_FLEET_RELABELLED], now() - t0);
end:
	fleetcli_inputs_free(&in);
	ls_fleet_close(a.fleet);
	return rc;
}

static int fleet_check(int argc, char **argv)
{
	enum { OPT_FORMAT = 256, OPT_FAIL_ON, OPT_STATS };
	static const struct option options[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	ls_report_format format = LS_REPORT_TEXT;
	const char *output = NULL;
	int fail_on = LS_SEV_ERROR;
	bool stats = false;
	ls_fleet *fleet = NULL;
	ls_trace_summary **traces = NULL;
	size_t n = 0;
	ls_error err;
	int c, rc;

	ls_error_clear(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, ":ho:", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			help();
			return CLI_EXIT_OK;
		case 'o':
			output = optarg;
			break;
		case OPT_FORMAT:
			if (cli_parse_report_format("fleet check", optarg, &format) != CLI_EXIT_OK)
				return CLI_EXIT_USAGE;
			break;
		case OPT_FAIL_ON:
			if (cli_parse_fail_on("fleet check", optarg, &fail_on) != CLI_EXIT_OK)
				return CLI_EXIT_USAGE;
			break;
		case OPT_STATS:
			stats = true;
			break;
		default:
			return cli_bad_option("fleet check", argv, c);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("fleet check", "expects exactly one FLEET.db");
	if (ls_fleet_open(argv[optind], false, &fleet, &err) != LS_OK ||
	    ls_fleet_load(fleet, &traces, &n, &err) != LS_OK) {
		rc = cli_report_error(&err);
		goto end;
	}
	rc = fleetcli_report(traces, n, argv[optind], format, output, fail_on, stats);
end:
	for (size_t i = 0; i < n; i++)
		ls_summary_free(traces[i]);
	free(traces);
	ls_fleet_close(fleet);
	return rc;
}

int ls_cmd_fleet(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		help();
		return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "add"))
		return fleet_add(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check"))
		return fleet_check(argc - 1, argv + 1);
	return cli_usage_error("fleet", "unknown subcommand '%s' (add or check)", argv[1]);
}
