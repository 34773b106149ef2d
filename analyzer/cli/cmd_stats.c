/* cmd_stats.c — `lockstep stats [--by class|site] [--sort KEY] [--limit N] TRACE_DIR|DB`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "contract.h"
#include "stats.h"

static void help(void)
{
	printf("usage: lockstep stats [--by class|site] [--sort KEY] [--limit N] [--symbols FILE]\n"
	       "                      [--format text|json] TRACE_DIR|DB\n\n"
	       "Per lock class (default) or per call site: acquisitions, failed trylocks, contentions,\n"
	       "wait total/max/mean/p99 and hold total/max/mean — lock_stat's and perf lock's columns.\n\n"
	       "  --by class|site   group by lock class or by class and acquiring call site\n"
	       "  --sort KEY        acquisitions, contentions, wait-total (default), wait-max, wait-mean,\n"
	       "                    wait-p99, hold-total, hold-max, hold-mean, name\n"
	       "  --limit N         print the first N rows only\n"
	       "  --symbols FILE    kallsyms-format map for call sites (default: symbols.map in the\n"
	       "                    trace directory, when there is one); sites print as symbol+offset\n"
	       "  --format text|json  a table (default) or one JSON object per row, in an array\n"
	       "  --json            the same as --format json\n"
	       "  -h, --help        this text\n");
}

int ls_cmd_stats(int argc, char **argv)
{
	static const struct option options[] = {
		{ "by", required_argument, NULL, 'b' },   { "sort", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'n' }, { "json", no_argument, NULL, 'j' },
		{ "symbols", required_argument, NULL, 'y' }, { "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'f' },
		{ 0 },
	};
	ls_stats_group group = LS_STATS_BY_CLASS;
	ls_stats_sort sort = LS_STATS_SORT_WAIT_TOTAL;
	size_t limit = 0, n = 0;
	bool json = false;
	const char *symbols_path = NULL;
	ls_symbols *syms = NULL;
	ls_store *store = NULL;
	ls_stats_row *rows = NULL;
	ls_error err;
	char *end;
	int c, rc;

	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (!strcmp(optarg, "class"))
				group = LS_STATS_BY_CLASS;
			else if (!strcmp(optarg, "site"))
				group = LS_STATS_BY_SITE;
			else
				return cli_usage_error("stats", "--by takes 'class' or 'site', not '%s'", optarg);
			break;
		case 's':
			if (!ls_stats_sort_from_name(optarg, &sort))
				return cli_usage_error("stats", "unknown sort key '%s'", optarg);
			break;
		case 'n':
			limit = strtoul(optarg, &end, 10);
			if (*end || !*optarg)
				return cli_usage_error("stats", "--limit takes a number, not '%s'", optarg);
			break;
		case 'j': json = true; break;
		case 'f':
			if ((rc = cli_parse_format("stats", optarg, &json)) != CLI_EXIT_OK)
				return rc;
			break;
		case 'y': symbols_path = optarg; break;
		case 'h': help(); return CLI_EXIT_OK;
		default: return cli_bad_option("stats", argv, c);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("stats", "expects exactly one TRACE_DIR or DB");
	if ((rc = cli_open_input(argv[optind], false, &store)) != CLI_EXIT_OK)
		return rc;
	if (group == LS_STATS_BY_SITE && (rc = cli_open_symbols(store, symbols_path, &syms)) != CLI_EXIT_OK)
		goto end;
	ls_error_clear(&err);
	if (ls_stats_compute(store, group, sort, limit, &rows, &n, &err) != LS_OK) {
		rc = cli_report_error(&err);
		goto end;
	}
	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++) {
			const ls_stats_row *r = &rows[i];
			printf("%s\n  {\"class\": \"%s\", ", i ? "," : "", ls_class_label(r->cls));
			if (group == LS_STATS_BY_SITE) {
				char site[600];

				printf("\"ip\": \"0x%llx\", \"site\": \"%s\", ", (unsigned long long)r->ip,
				       ls_symbols_format(syms, r->ip, site, sizeof(site)));
			}
			printf("\"acquisitions\": %lld, \"failed\": %lld, \"contentions\": %lld, "
			       "\"wait_total_ns\": %lld, \"wait_max_ns\": %lld, \"wait_mean_ns\": %.1f, "
			       "\"wait_p99_ns\": %lld, \"hold_total_ns\": %lld, \"hold_max_ns\": %lld, "
			       "\"hold_mean_ns\": %.1f}",
			       (long long)r->acquisitions, (long long)r->failed, (long long)r->contentions,
			       (long long)r->wait_total_ns, (long long)r->wait_max_ns, r->wait_mean_ns,
			       (long long)r->wait_p99_ns, (long long)r->hold_total_ns, (long long)r->hold_max_ns,
			       r->hold_mean_ns);
		}
		printf("\n]\n");
		goto end;
	}
	printf("%-16s%s %12s %8s %10s %10s %10s %10s %10s %10s %10s %10s\n", "class",
	       group == LS_STATS_BY_SITE ? " site                            " : "", "acquired", "failed", "contended",
	       "wait-total", "wait-max", "wait-mean", "wait-p99", "hold-total", "hold-max", "hold-mean");
	for (size_t i = 0; i < n; i++) {
		const ls_stats_row *r = &rows[i];
		char b[8][32], name[600], site[640] = "";
		if (group == LS_STATS_BY_SITE)
			snprintf(site, sizeof(site), " %-32s", ls_symbols_format(syms, r->ip, name, sizeof(name)));
		printf("%-16s%s %12lld %8lld %10lld %10s %10s %10s %10s %10s %10s %10s\n", ls_class_label(r->cls),
		       site, (long long)r->acquisitions, (long long)r->failed, (long long)r->contentions,
		       cli_format_ns((double)r->wait_total_ns, b[0], 32), cli_format_ns((double)r->wait_max_ns, b[1], 32),
		       cli_format_ns(r->wait_mean_ns, b[2], 32), cli_format_ns((double)r->wait_p99_ns, b[3], 32),
		       cli_format_ns((double)r->hold_total_ns, b[4], 32), cli_format_ns((double)r->hold_max_ns, b[5], 32),
		       cli_format_ns(r->hold_mean_ns, b[6], 32));
	}
end:
	ls_symbols_free(syms);
	free(rows);
	ls_store_close(store);
	return rc;
}
