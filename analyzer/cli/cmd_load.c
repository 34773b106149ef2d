/* cmd_load.c — `lockstep load TRACE_DIR [-o DB]`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"
#include "load.h"

static void help(void)
{
	printf("usage: lockstep load [-o DB] [-q] [--format text|json] TRACE_DIR\n\n"
	       "Reads every stream of the CTF trace in TRACE_DIR through libbabeltrace2 and writes a\n"
	       "lockstep database (docs/schema.md): events, tasks, locks, objects, holds, waits, phases.\n"
	       "The database is written to a temporary file and renamed only when complete.\n"
	       "Releases that matched no hold and holds open at trace end are counted on stderr.\n\n"
	       "  -o, --output DB   database path (default: TRACE_DIR.lockstep.db beside the trace)\n"
	       "  -q, --quiet       print nothing but errors, warnings and the balance line\n"
	       "  --format text|json  the summary as a line (default) or as one JSON object\n"
	       "  -h, --help        this text\n");
}

int ls_cmd_load(int argc, char **argv)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *output = NULL;
	char *default_path = NULL;
	bool quiet = false, json = false;
	ls_load_options opts;
	ls_load_summary sum;
	ls_error err;
	struct timespec t0, t1;
	int c, rc = CLI_EXIT_OK;

	while ((c = getopt_long(argc, argv, ":o:qh", options, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'q': quiet = true; break;
		case 'f':
			if ((rc = cli_parse_format("load", optarg, &json)) != CLI_EXIT_OK)
				return rc;
			break;
		case 'h': help(); return CLI_EXIT_OK;
		default: return cli_bad_option("load", argv, c);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("load", "expects exactly one TRACE_DIR");
	if (!output && !(output = default_path = ls_load_default_db_path(argv[optind]))) {
		fprintf(stderr, "lockstep: out of memory\n");
		return CLI_EXIT_FAILURE;
	}
	opts = cli_load_options(quiet);
	ls_error_clear(&err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (ls_load(argv[optind], output, &opts, &sum, &err) != LS_OK) {
		cli_end_progress(&opts);
		rc = cli_report_error(&err);
		goto end;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cli_end_progress(&opts);
	if (!quiet && json) {
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

		printf("{\"format\": \"lockstep-load\", \"version\": 1, \"trace\": ");
		cli_json_string(stdout, argv[optind]);
		printf(", \"database\": ");
		cli_json_string(stdout, output);
		printf(", \"events\": %llu, \"holds\": %llu, \"waits\": %llu, \"discarded_events\": %llu,"
		       " \"discarded_packets\": %llu, \"releases_without_hold\": %llu, \"held_at_end\": %llu,"
		       " \"seconds\": %.3f}\n",
		       (unsigned long long)sum.events, (unsigned long long)sum.holds, (unsigned long long)sum.waits,
		       (unsigned long long)sum.discarded_events, (unsigned long long)sum.discarded_packets,
		       (unsigned long long)sum.unmatched_releases, (unsigned long long)sum.held_at_end, secs);
	} else if (!quiet) {
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("loaded %llu events (%llu holds, %llu waits) from %s into %s in %.2f s (%.0f events/s)\n",
		       (unsigned long long)sum.events, (unsigned long long)sum.holds, (unsigned long long)sum.waits,
		       argv[optind], output, secs, secs > 0 ? (double)sum.events / secs : 0.0);
		if (sum.discarded_events || sum.discarded_packets)
			printf("the tracer discarded %llu events and %llu packets (see the 'discarded' table)\n",
			       (unsigned long long)sum.discarded_events, (unsigned long long)sum.discarded_packets);
	}
	/* On stderr even with -q: like a warning, it says the trace is not what it should be. */
	if (sum.unmatched_releases || sum.held_at_end) {
		fflush(stdout);
		fprintf(stderr,
			"balance: %llu releases without a hold at %llu call sites, %llu holds open at end "
			"(`lockstep check` tells trace-edge cases from instrumentation defects)\n",
			(unsigned long long)sum.unmatched_releases, (unsigned long long)sum.unmatched_release_sites,
			(unsigned long long)sum.held_at_end);
	}
end:
	free(default_path);
	return rc;
}
