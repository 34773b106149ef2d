/* cmd_info.c — `lockstep info TRACE_DIR|DB`. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "contract.h"
#include "info.h"

static void help(void)
{
	printf("usage: lockstep info TRACE_DIR|DB\n\n"
	       "Summary of a trace: source, time span, tasks, events per type and per lock class,\n"
	       "holds, waits, objects, and what the tracer lost.\n");
}

int ls_cmd_info(int argc, char **argv)
{
	static const struct option options[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	static ls_info info;
	ls_store *store = NULL;
	ls_error err;
	char a[32];
	int c, rc;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (c == 'h') {
			help();
			return CLI_EXIT_OK;
		}
		return cli_usage_error("info", "unknown option");
	}
	if (optind != argc - 1)
		return cli_usage_error("info", "expects exactly one TRACE_DIR or DB");
	if ((rc = cli_open_input(argv[optind], false, &store)) != CLI_EXIT_OK)
		return rc;
	ls_error_clear(&err);
	if (ls_info_collect(store, &info, &err) != LS_OK) {
		rc = cli_report_error(&err);
		goto end;
	}
	printf("database   %s\n", ls_store_path(store));
	printf("source     %s\n", info.source);
	printf("loaded     %s by lockstep %s\n", info.loaded_at, info.tool_version);
	printf("span       %s (%lld .. %lld ns)\n", cli_format_ns((double)(info.t_end_ns - info.t_begin_ns), a, sizeof(a)),
	       (long long)info.t_begin_ns, (long long)info.t_end_ns);
	printf("events     %lld\n", (long long)info.events);
	printf("tasks      %lld in %lld processes\n", (long long)info.tasks, (long long)info.processes);
	printf("locks      %lld   holds %lld   waits %lld   objects %lld   phases %lld\n", (long long)info.locks,
	       (long long)info.holds, (long long)info.waits, (long long)info.objects, (long long)info.phases);
	if (info.discarded_events || info.discarded_packets)
		printf("LOST       %lld events and %lld packets discarded by the tracer\n",
		       (long long)info.discarded_events, (long long)info.discarded_packets);
	printf("\n%-16s %10s %10s %10s %10s\n", "class", "events", "holds", "failed", "waits");
	for (int k = 0; k < LS_CLASS_COUNT; k++)
		if (info.class_events[k] || info.class_holds[k])
			printf("%-16s %10lld %10lld %10lld %10lld\n", ls_class_name((uint64_t)k),
			       (long long)info.class_events[k], (long long)info.class_holds[k],
			       (long long)info.class_failed[k], (long long)info.class_waits[k]);
	printf("\n%-28s %10s\n", "event", "count");
	for (int i = 0; i < info.n_types; i++)
		printf("%-28s %10lld\n", info.types[i].name, (long long)info.types[i].count);
end:
	ls_store_close(store);
	return rc;
}
