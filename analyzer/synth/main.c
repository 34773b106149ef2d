/* main.c — the lockstep-synth command: arguments, output directory, and which producer
 * (scenario file or generator) feeds the CTF writer. Printing and exit codes live here only. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctfwrite.h"
#include "generate.h"
#include "outdir.h"
#include "scenario.h"

#define EXIT_INPUT 2 /* bad arguments or a malformed scenario */

static void usage(FILE *out)
{
	fputs("usage: lockstep-synth [--enums] [--force] SCENARIO -o DIR\n"
	      "       lockstep-synth --generate N [--seed S] [--tasks T] [--cpus C] [--enums]\n"
	      "                      [--force] -o DIR\n"
	      "\n"
	      "Writes a CTF 1.8 trace (through babeltrace2's sink.ctf.fs) into DIR, from a scenario\n"
	      "file (docs/scenario-format.md) or from a synthetic workload of at least N events.\n"
	      "\n"
	      "  -o, --output DIR  trace directory to create\n"
	      "  --enums           write class/mode/kind/reason/result/name as CTF enumerations\n"
	      "  --force           replace DIR when it already holds files (a previous trace)\n"
	      "  --generate N      generate at least N events instead of reading a scenario\n"
	      "  --seed S          generator seed (default 1)\n"
	      "  --tasks T         generator tasks (default 16)\n"
	      "  --cpus C          generator CPUs, one stream each (default 4)\n"
	      "  -v, --verbose     print what was written\n"
	      "  -h, --help        this text\n"
	      "  --version         print the version\n"
	      "\n"
	      "Exit status: 0 success, 2 bad arguments or scenario (FILE:LINE: reason), 1 other.\n",
	      out);
}

static bool parse_count(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	*v = strtoull(s, &end, 0);
	return *end == '\0';
}

static int exit_code(ls_status st)
{
	return st == LS_OK ? 0 : (st == LS_ERR_USAGE || st == LS_ERR_INPUT) ? EXIT_INPUT : 1;
}

int main(int argc, char **argv)
{
	enum { OPT_ENUMS = 256, OPT_FORCE, OPT_GENERATE, OPT_SEED, OPT_TASKS, OPT_CPUS, OPT_VERSION };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "enums", no_argument, NULL, OPT_ENUMS },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "generate", required_argument, NULL, OPT_GENERATE },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "tasks", required_argument, NULL, OPT_TASKS },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	ls_generate_options gopt = { .events = 0, .seed = 1, .tasks = 16, .cpus = 4 };
	const char *out = NULL, *scenario_path = NULL;
	bool enums = false, force = false, generate = false, verbose = false;
	ls_scenario *scn = NULL;
	ls_generate *gen = NULL;
	ls_record_schema schema;
	ls_error err;
	char tmp[1200], msg[2048];
	uint64_t v;
	ls_status st = LS_OK;
	int c;

	ls_error_clear(&err);
	while ((c = getopt_long(argc, argv, "o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case OPT_ENUMS: enums = true; break;
		case OPT_FORCE: force = true; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		case OPT_VERSION: printf("lockstep-synth %s\n", LOCKSTEP_VERSION); return 0;
		case OPT_GENERATE:
			if (!parse_count(optarg, &gopt.events) || gopt.events == 0) {
				fprintf(stderr, "lockstep-synth: --generate needs a positive count\n");
				return EXIT_INPUT;
			}
			generate = true;
			break;
		case OPT_SEED:
			if (!parse_count(optarg, &gopt.seed)) {
				fprintf(stderr, "lockstep-synth: bad --seed '%s'\n", optarg);
				return EXIT_INPUT;
			}
			break;
		case OPT_TASKS:
		case OPT_CPUS:
			if (!parse_count(optarg, &v) || v == 0 || v > 100000) {
				fprintf(stderr, "lockstep-synth: bad --%s '%s'\n",
					c == OPT_TASKS ? "tasks" : "cpus", optarg);
				return EXIT_INPUT;
			}
			*(c == OPT_TASKS ? &gopt.tasks : &gopt.cpus) = (unsigned)v;
			break;
		default: usage(stderr); return EXIT_INPUT;
		}
	}
	if (optind < argc)
		scenario_path = argv[optind++];
	if (optind < argc || !out || generate == (scenario_path != NULL)) {
		fprintf(stderr, "lockstep-synth: give -o DIR and either a SCENARIO or --generate N "
				"(see --help)\n");
		return EXIT_INPUT;
	}

	if (generate) {
		if ((st = ls_generate_new(&gopt, &gen, &err)) != LS_OK)
			goto end;
		schema = *ls_generate_borrow_schema(gen);
	} else {
		if ((st = ls_scenario_load(scenario_path, &scn, &err)) != LS_OK)
			goto end;
		schema = *ls_scenario_borrow_schema(scn);
	}
	schema.enums = enums;
	if ((st = ls_outdir_prepare(out, force, tmp, sizeof(tmp), &err)) != LS_OK)
		goto end;
	st = generate ? ls_ctfwrite_run(tmp, &schema, ls_generate_next, gen, &err)
		      : ls_ctfwrite_run(tmp, &schema, ls_scenario_next, scn, &err);
	if (st == LS_OK)
		st = ls_outdir_commit(out, tmp, &err);
	if (st != LS_OK)
		ls_outdir_discard(tmp);
	else if (verbose)
		fprintf(stderr, "lockstep-synth: wrote %" PRIu64 " records on %u CPU stream(s) to %s\n",
			generate ? ls_generate_count(gen) : (uint64_t)ls_scenario_count(scn),
			schema.n_cpus, out);
end:
	/* "FILE:LINE: problem" as compilers print it, so editors can jump to the line. */
	if (st != LS_OK)
		fprintf(stderr, "%s%s\n", err.file[0] ? "" : "lockstep-synth: ",
			ls_error_format(&err, msg, sizeof(msg)));
	ls_scenario_free(scn);
	ls_generate_free(gen);
	return exit_code(st);
}
