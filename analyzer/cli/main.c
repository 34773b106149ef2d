/* main.c — the `lockstep` command: picks the subcommand and hands over its arguments. */
#include <getopt.h>
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
		     "or a database. 'lockstep help COMMAND' for a command's options; man lockstep-COMMAND.\n"
		     "Exit status: 0 ok, 1 findings (check), 2 usage or input error, 3 internal failure.\n");
}

static int find_command(const char *name)
{
	for (unsigned i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			return (int)i;
	return -1;
}

int main(int argc, char **argv)
{
	/* Commands report bad options themselves, in one line (cli_bad_option). */
	opterr = 0;
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help") && argc >= 3) {
		int i = find_command(argv[2]);
		char help_flag[] = "--help";
		char *args[] = { argv[2], help_flag, NULL };

		if (argc > 3) {
			fprintf(stderr, "lockstep help: expects one COMMAND (see 'lockstep help')\n");
			return CLI_EXIT_USAGE;
		}
		if (i < 0) {
			fprintf(stderr, "lockstep help: unknown command '%s' (see 'lockstep help')\n",
				argv[2]);
			return CLI_EXIT_USAGE;
		}
		/* record passes its arguments on to the recorder, which has its own --help. */
		return commands[i].run(2, args);
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("lockstep %s\n", LOCKSTEP_VERSION);
		return CLI_EXIT_OK;
	}
	int i = find_command(argv[1]);

	if (i >= 0)
		return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "lockstep: unknown command '%s' (see 'lockstep help')\n", argv[1]);
	return CLI_EXIT_USAGE;
}
