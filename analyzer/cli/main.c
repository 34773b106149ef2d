/* main.c — the `lockstep` command: picks the subcommand and hands over its arguments. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "load", ls_cmd_load, "load a CTF trace directory into a lockstep database" },
	{ "info", ls_cmd_info, "summarise a trace or database: span, tasks, events per lock class" },
	{ "stats", ls_cmd_stats, "lock statistics per class or call site (lock_stat / perf lock columns)" },
	{ "query", ls_cmd_query, "run SQL against a database (see docs/schema.md)" },
	{ "check", ls_cmd_check, "find lock-order violations, writer starvation and use-after-free windows" },
	{ "diff", ls_cmd_diff, "compare two traces: lock figures per class and call site, findings" },
	{ "fleet", ls_cmd_fleet, "a fleet database of many traces: add summaries, check the joined lock order" },
	{ "record", ls_cmd_record, "record an LTTng kernel trace of the mm locks around a command" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: lockstep COMMAND [OPTIONS] TRACE_DIR|DB ...\n\n"
		     "Tracing, replay and analysis of the Linux kernel's mm locks.\n\ncommands:\n");
	for (unsigned i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-7s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nEvery command takes a trace directory (loaded to TRACE_DIR.lockstep.db on first use)\n"
		     "or a database. 'lockstep COMMAND --help' for a command's options; man lockstep.\n"
		     "Exit status: 0 ok, 1 findings (check), 2 usage or input error, 3 internal failure.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("lockstep %s\n", LOCKSTEP_VERSION);
		return CLI_EXIT_OK;
	}
	for (unsigned i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "lockstep: unknown command '%s' (see 'lockstep --help')\n", argv[1]);
	return CLI_EXIT_USAGE;
}
