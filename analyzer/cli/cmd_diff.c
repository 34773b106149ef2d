/* cmd_diff.c — `lockstep diff A B`: runs the detectors and the lock profile on both traces and
 * prints what changed (fleet/diff.h). Neither input is written to beyond loading a trace. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli.h"
#include "diff.h"
#include "diffreport.h"
#include "profile.h"

static void help(void)
{
	printf("usage: lockstep diff [OPTIONS] A B\n\n"
	       "Compares two traces or databases (A before, B after): per lock class and per call\n"
	       "site, acquisitions, contentions and wait and hold p50/p99/max with their change;\n"
	       "findings that appeared, disappeared or changed count (matched by kind, rule and\n"
	       "lock classes). Call sites are matched by name with each trace's symbols.map.\n\n"
	       "options:\n"
	       "  --format text|json     output format (default text; docs/fleet.md)\n"
	       "  -o, --output FILE      write to FILE instead of standard output\n"
	       "  --starvation-ms MS     detector threshold as for `lockstep check` (default %g)\n"
	       "  --max-bypass N         detector threshold as for `lockstep check` (default %d)\n"
	       "  -h, --help             this text\n\n"
	       "Exit status: 0 done, 2 usage or input error, 3 internal failure.\n",
	       LS_CHECK_DEFAULT_STARVATION_MS, LS_CHECK_DEFAULT_MAX_BYPASS);
}

typedef struct {
	ls_store *store;
	ls_symbols *syms;
	ls_profile *profile;
	ls_findings *findings;
} side;

static int open_side(const char *path, const ls_check_options *base, side *s)
{
	ls_check_options opts = *base;
	ls_error err;
	int rc;

	ls_error_clear(&err);
	if ((rc = cli_open_input(path, false, &s->store)) != CLI_EXIT_OK)
		return rc;
	if ((rc = cli_open_symbols(s->store, NULL, &s->syms)) != CLI_EXIT_OK)
		return rc;
	opts.symbols = s->syms;
	opts.store_findings = false;
	if (ls_check_run(s->store, &opts, &s->findings, &err) != LS_OK ||
	    ls_profile_compute(s->store, &s->profile, &err) != LS_OK)
		return cli_report_error(&err);
	return CLI_EXIT_OK;
}

static void close_side(side *s)
{
	ls_findings_free(s->findings);
	ls_profile_free(s->profile);
	ls_symbols_free(s->syms);
	ls_store_close(s->store);
}

int ls_cmd_diff(int argc, char **argv)
{
	enum { OPT_FORMAT = 256, OPT_STARVATION, OPT_BYPASS };
	static const struct option options[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "starvation-ms", required_argument, NULL, OPT_STARVATION },
		{ "max-bypass", required_argument, NULL, OPT_BYPASS },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	ls_report_format format = LS_REPORT_TEXT;
	ls_check_options opts;
	const char *output = NULL;
	side a = { 0 }, b = { 0 };
	ls_diff *d = NULL;
	FILE *out = stdout;
	ls_error err;
	char *end;
	int c, rc;

	ls_check_options_init(&opts);
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
			if (cli_parse_report_format("diff", optarg, &format) != CLI_EXIT_OK)
				return CLI_EXIT_USAGE;
			break;
		case OPT_STARVATION:
			errno = 0;
			opts.starvation_ms = strtod(optarg, &end);
			if (errno || end == optarg || *end || opts.starvation_ms < 0)
				return cli_usage_error("diff", "--starvation-ms takes milliseconds >= 0, not '%s'",
						       optarg);
			break;
		case OPT_BYPASS:
			errno = 0;
			opts.max_bypass = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-')
				return cli_usage_error("diff", "--max-bypass takes a count, not '%s'", optarg);
			break;
		default:
			return cli_bad_option("diff", argv, c);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("diff", "expects two traces or databases, A and B");
	if ((rc = open_side(argv[optind], &opts, &a)) != CLI_EXIT_OK ||
	    (rc = open_side(argv[optind + 1], &opts, &b)) != CLI_EXIT_OK)
		goto end;
	if (ls_diff_compute(a.profile, a.syms, a.findings, b.profile, b.syms, b.findings, &d, &err) !=
	    LS_OK) {
		rc = cli_report_error(&err);
		goto end;
	}
	if (output && !(out = fopen(output, "w"))) {
		out = stdout;
		ls_error_set(&err, LS_ERR_IO, output, "cannot create: %s", strerror(errno));
		rc = cli_report_error(&err);
		goto end;
	}
	if (ls_diff_write(out, format, d, argv[optind], argv[optind + 1], &err) != LS_OK)
		rc = cli_report_error(&err);
end:
	if (out != stdout && fclose(out) != 0 && rc == CLI_EXIT_OK) {
		ls_error_set(&err, LS_ERR_IO, output, "write failed: %s", strerror(errno));
		rc = cli_report_error(&err);
	}
	ls_diff_free(d);
	close_side(&a);
	close_side(&b);
	return rc;
}
