/* cmd_check.c — `lockstep check TRACE_DIR|DB`: runs the detectors, stores the findings in the
 * database, prints the report and turns the verdict into an exit status for CI. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli.h"
#include "fleetcli.h"
#include "report.h"
#include "symbols.h"

static void help(void)
{
	printf("usage: lockstep check [OPTIONS] TRACE_DIR|DB\n"
	       "       lockstep check [OPTIONS] [-j N] TRACE_DIR|DB|DIR...\n\n"
	       "Finds lock-order violations (cycles, hierarchy inversions, per-VMA lock protocol\n"
	       "breaches, failed inverted trylocks), writer starvation, use-after-free windows and\n"
	       "lock imbalance (releases without a hold, holds open at trace end).\n"
	       "Findings are also stored in the database's `findings` and `finding_evidence` tables.\n\n"
	       "options:\n"
	       "  --format text|json     report format (default text; docs/report-format.md);\n"
	       "                         --json is the same as --format json\n"
	       "  --absolute-time        print trace-clock nanoseconds instead of times relative to\n"
	       "                         the trace start (+12.345 ms)\n"
	       "  -o, --output FILE      write the report to FILE instead of standard output\n"
	       "  --starvation-ms MS     flag writer waits longer than MS milliseconds (default %g)\n"
	       "  --max-bypass N         flag writers bypassed by more than N readers (default %d)\n"
	       "  --fail-on SEVERITY     exit 1 when a finding is at or above error|warning|note,\n"
	       "                         or never (default error)\n"
	       "  --symbols FILE         kallsyms-format symbol map (default: symbols.map in the\n"
	       "                         trace directory, when there is one)\n"
	       "  --no-store             do not write the findings into the database\n"
	       "  --stats                print detector figures and timing on standard error\n"
	       "  -j, --jobs N           with several traces: check N at a time (default 1)\n"
	       "  -h, --help             this text\n\n"
	       "Exit status: 0 no finding at or above --fail-on, 1 findings, 2 usage or input error,\n"
	       "3 internal failure.\n\n"
	       "With several inputs (or a directory of traces) each trace is checked as above and\n"
	       "their lock-order graphs are joined: cycles no single trace shows are reported with\n"
	       "the trace of each edge (docs/fleet.md).\n",
	       LS_CHECK_DEFAULT_STARVATION_MS, LS_CHECK_DEFAULT_MAX_BYPASS);
}

static bool parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && *out >= 0;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s == '-')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && end != s && *end == '\0';
}

int ls_cmd_check(int argc, char **argv)
{
	enum { OPT_FORMAT = 256, OPT_STARVATION, OPT_BYPASS, OPT_FAIL_ON, OPT_SYMBOLS, OPT_NO_STORE,
	       OPT_STATS, OPT_ABSOLUTE, OPT_JSON };
	static const struct option options[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "starvation-ms", required_argument, NULL, OPT_STARVATION },
		{ "max-bypass", required_argument, NULL, OPT_BYPASS },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "symbols", required_argument, NULL, OPT_SYMBOLS },
		{ "no-store", no_argument, NULL, OPT_NO_STORE },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "jobs", required_argument, NULL, 'j' },
		{ "absolute-time", no_argument, NULL, OPT_ABSOLUTE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	ls_report_format format = LS_REPORT_TEXT;
	ls_check_options opts;
	ls_check_stats stats;
	int fail_on = LS_SEV_ERROR; /* LS_SEV_COUNT: never */
	const char *output = NULL, *symbols_path = NULL;
	bool show_stats = false;
	ls_store *store = NULL;
	ls_findings *findings = NULL;
	ls_symbols *syms = NULL;
	FILE *out = stdout;
	char source[4096];
	ls_error err;
	int c, rc, jobs = 1;

	ls_check_options_init(&opts);
	opts.stats = &stats;
	ls_error_clear(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, ":ho:j:", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			help();
			return CLI_EXIT_OK;
		case 'j': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (end == optarg || *end || v < 1 || v > 256)
				return cli_usage_error("check", "-j takes 1 to 256 jobs, not '%s'", optarg);
			jobs = (int)v;
			break;
		}
		case 'o':
			output = optarg;
			break;
		case OPT_FORMAT:
			if (cli_parse_report_format("check", optarg, &format) != CLI_EXIT_OK)
				return CLI_EXIT_USAGE;
			break;
		case OPT_STARVATION:
			if (!parse_double(optarg, &opts.starvation_ms))
				return cli_usage_error("check",
						       "--starvation-ms takes milliseconds >= 0, not '%s'",
						       optarg);
			break;
		case OPT_BYPASS:
			if (!parse_u64(optarg, &opts.max_bypass))
				return cli_usage_error("check", "--max-bypass takes a count, not '%s'",
						       optarg);
			break;
		case OPT_FAIL_ON:
			if (cli_parse_fail_on("check", optarg, &fail_on) != CLI_EXIT_OK)
				return CLI_EXIT_USAGE;
			break;
		case OPT_SYMBOLS:
			symbols_path = optarg;
			break;
		case OPT_NO_STORE:
			opts.store_findings = false;
			break;
		case OPT_STATS:
			show_stats = true;
			break;
		case OPT_ABSOLUTE:
			opts.absolute_time = true;
			break;
		case OPT_JSON:
			format = LS_REPORT_JSON;
			break;
		default:
			return cli_bad_option("check", argv, c);
		}
	}
	if (fleetcli_wants_many(argc - optind, argv + optind)) {
		fleetcli_options many = { .check = opts, .writable = opts.store_findings,
					  .symbols_path = symbols_path, .jobs = jobs };

		many.check.stats = NULL;
		return fleetcli_check_many(argc - optind, argv + optind, &many, format, output, fail_on,
					   show_stats);
	}
	if (optind != argc - 1)
		return cli_usage_error("check", "expects a TRACE_DIR or DB (or several)");

	rc = cli_open_input(argv[optind], opts.store_findings, &store);
	if (rc != CLI_EXIT_OK)
		return rc;
	ls_store_meta(store, "source", source, sizeof(source));
	if ((rc = cli_open_symbols(store, symbols_path, &syms)) != CLI_EXIT_OK)
		goto end;
	opts.symbols = syms;
	if (ls_check_run(store, &opts, &findings, &err) != LS_OK) {
		rc = cli_report_error(&err);
		goto end;
	}
	if (output) {
		out = fopen(output, "w");
		if (!out) {
			out = stdout;
			ls_error_set(&err, LS_ERR_IO, output, "cannot create: %s", strerror(errno));
			rc = cli_report_error(&err);
			goto end;
		}
	}
	ls_report_context ctx = { source, ls_store_path(store), syms, store, opts.absolute_time };

	if (ls_report_write(out, format, findings, &ctx, &err) != LS_OK) {
		rc = cli_report_error(&err);
		goto end;
	}
	if (show_stats)
		fprintf(stderr,
			"lockstep check: %.3f s; %llu holds, %llu lock-order edges (%llu instances), "
			"%llu cycles; %llu writer waits (%llu flagged); %llu events, %llu object "
			"lifetimes, %llu use-after-free instances; %llu releases without a hold at %llu "
			"call sites, %llu holds open at end at %llu call sites (%llu proven defects)\n",
			stats.seconds, (unsigned long long)stats.order.holds,
			(unsigned long long)stats.order.edges,
			(unsigned long long)stats.order.edge_instances,
			(unsigned long long)stats.order.cycles,
			(unsigned long long)stats.starvation.writer_waits,
			(unsigned long long)stats.starvation.flagged_waits,
			(unsigned long long)stats.uaf.events, (unsigned long long)stats.uaf.objects,
			(unsigned long long)stats.uaf.windows,
			(unsigned long long)stats.balance.releases_without_hold,
			(unsigned long long)stats.balance.release_sites,
			(unsigned long long)stats.balance.held_at_end,
			(unsigned long long)stats.balance.hold_sites,
			(unsigned long long)stats.balance.defects);
	rc = fail_on < LS_SEV_COUNT && ls_findings_count_at_least(findings, (ls_severity)fail_on)
		     ? CLI_EXIT_FINDINGS
		     : CLI_EXIT_OK;
end:
	if (out != stdout && fclose(out) != 0 && rc == CLI_EXIT_OK) {
		ls_error_set(&err, LS_ERR_IO, output, "write failed: %s", strerror(errno));
		rc = cli_report_error(&err);
	}
	ls_findings_free(findings);
	ls_symbols_free(syms);
	ls_store_close(store);
	return rc;
}
