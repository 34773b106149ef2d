/* cmd_info.c — `lockstep info [--format text|json] TRACE_DIR|DB`. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "contract.h"
#include "info.h"

static void help(void)
{
	printf("usage: lockstep info [--format text|json] TRACE_DIR|DB\n\n"
	       "Summary of a trace: source, the machine that recorded it, time span, tasks, events\n"
	       "per type and per lock class, holds, waits, objects, and what the tracer lost.\n\n"
	       "  --format text|json  output format (default text); --json is the same as --format json\n"
	       "  -h, --help          this text\n");
}

static void print_json(ls_store *store, const ls_info *info)
{
	printf("{\"format\": \"lockstep-info\", \"version\": 1,\n \"database\": ");
	cli_json_string(stdout, ls_store_path(store));
	printf(", \"source\": ");
	cli_json_string(stdout, info->source);
	printf(", \"loaded_at\": ");
	cli_json_string(stdout, info->loaded_at);
	printf(", \"tool_version\": ");
	cli_json_string(stdout, info->tool_version);
	printf(",\n \"machine\": ");
	if (info->machine[0])
		cli_json_string(stdout, info->machine);
	else
		printf("null");
	printf(", \"emulated\": %s,\n", info->emulated ? "true" : "false");
	printf(" \"t_begin_ns\": %lld, \"t_end_ns\": %lld, \"events\": %lld, \"tasks\": %lld,"
	       " \"processes\": %lld, \"locks\": %lld, \"holds\": %lld, \"waits\": %lld,"
	       " \"objects\": %lld, \"phases\": %lld, \"discarded_events\": %lld,"
	       " \"discarded_packets\": %lld, \"callstack_events\": %lld, \"callstacks\": %lld,\n"
	       " \"classes\": [",
	       (long long)info->t_begin_ns, (long long)info->t_end_ns, (long long)info->events,
	       (long long)info->tasks, (long long)info->processes, (long long)info->locks,
	       (long long)info->holds, (long long)info->waits, (long long)info->objects,
	       (long long)info->phases, (long long)info->discarded_events,
	       (long long)info->discarded_packets, (long long)info->callstack_events,
	       (long long)info->callstacks);
	for (int k = 0, n = 0; k < LS_CLASS_COUNT; k++) {
		if (!info->class_events[k] && !info->class_holds[k])
			continue;
		printf("%s\n  {\"class\": \"%s\", \"events\": %lld, \"holds\": %lld, \"failed\": %lld,"
		       " \"waits\": %lld}",
		       n++ ? "," : "", ls_class_name((uint64_t)k), (long long)info->class_events[k],
		       (long long)info->class_holds[k], (long long)info->class_failed[k],
		       (long long)info->class_waits[k]);
	}
	printf("],\n \"event_types\": [");
	for (int i = 0; i < info->n_types; i++) {
		printf("%s\n  {\"event\": ", i ? "," : "");
		cli_json_string(stdout, info->types[i].name);
		printf(", \"count\": %lld}", (long long)info->types[i].count);
	}
	printf("]}\n");
}

static void print_text(ls_store *store, const ls_info *info)
{
	char a[32];

	printf("database   %s\n", ls_store_path(store));
	printf("source     %s\n", info->source);
	if (info->machine[0])
		printf("machine    %s%s\n", info->machine,
		       info->emulated ? "\n           emulated CPU (TCG): vCPU stalls look like 30–110 ms"
					" on-CPU spins; timing findings are suspect"
				      : "");
	else
		printf("machine    not recorded (no machine file beside the trace)\n");
	printf("loaded     %s by lockstep %s\n", info->loaded_at, info->tool_version);
	printf("span       %s (%lld .. %lld ns)\n",
	       cli_format_ns((double)(info->t_end_ns - info->t_begin_ns), a, sizeof(a)),
	       (long long)info->t_begin_ns, (long long)info->t_end_ns);
	printf("events     %lld\n", (long long)info->events);
	printf("tasks      %lld in %lld processes\n", (long long)info->tasks, (long long)info->processes);
	printf("locks      %lld   holds %lld   waits %lld   objects %lld   phases %lld\n",
	       (long long)info->locks, (long long)info->holds, (long long)info->waits,
	       (long long)info->objects, (long long)info->phases);
	if (info->callstack_events)
		printf("stacks     %lld events with a kernel call stack, %lld distinct stacks\n",
		       (long long)info->callstack_events, (long long)info->callstacks);
	if (info->discarded_events || info->discarded_packets)
		printf("LOST       %lld events and %lld packets discarded by the tracer\n",
		       (long long)info->discarded_events, (long long)info->discarded_packets);
	printf("\n%-16s %10s %10s %10s %10s\n", "class", "events", "holds", "failed", "waits");
	for (int k = 0; k < LS_CLASS_COUNT; k++)
		if (info->class_events[k] || info->class_holds[k])
			printf("%-16s %10lld %10lld %10lld %10lld\n", ls_class_name((uint64_t)k),
			       (long long)info->class_events[k], (long long)info->class_holds[k],
			       (long long)info->class_failed[k], (long long)info->class_waits[k]);
	printf("\n%-28s %10s\n", "event", "count");
	for (int i = 0; i < info->n_types; i++)
		printf("%-28s %10lld\n", info->types[i].name, (long long)info->types[i].count);
}

int ls_cmd_info(int argc, char **argv)
{
	enum { OPT_FORMAT = 256, OPT_JSON };
	static const struct option options[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static ls_info info;
	ls_store *store = NULL;
	bool json = false;
	ls_error err;
	int c, rc;

	while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			help();
			return CLI_EXIT_OK;
		case OPT_FORMAT:
			if ((rc = cli_parse_format("info", optarg, &json)) != CLI_EXIT_OK)
				return rc;
			break;
		case OPT_JSON:
			json = true;
			break;
		default:
			return cli_bad_option("info", argv, c);
		}
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
	if (json)
		print_json(store, &info);
	else
		print_text(store, &info);
end:
	ls_store_close(store);
	return rc;
}
