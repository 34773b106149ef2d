/* cmd_query.c — `lockstep query [--json] TRACE_DIR|DB SQL`. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "query.h"

static void help(void)
{
	printf("usage: lockstep query [--format text|json] TRACE_DIR|DB SQL\n\n"
	       "Runs SQL (read-only) against the database and prints the rows: a header line, then\n"
	       "tab-separated values ('NULL' for null); with --format json (or --json), an array of\n"
	       "objects.\n"
	       "Tables and example queries: docs/schema.md. Addresses are signed 64-bit integers:\n"
	       "use printf('0x%%x', lock) to see them in hex.\n");
}

struct printer {
	bool json;
	long long rows;
};

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static bool print_row(void *user, int n, const char *const *names, const char *const *values, const bool *numeric)
{
	struct printer *p = user;

	if (p->json) {
		printf("%s\n  {", p->rows ? "," : "");
		for (int i = 0; i < n; i++) {
			printf("%s", i ? ", " : "");
			json_string(names[i]);
			printf(": ");
			if (!values[i])
				printf("null");
			else if (numeric[i])
				printf("%s", values[i]);
			else
				json_string(values[i]);
		}
		printf("}");
	} else {
		if (p->rows == 0)
			for (int i = 0; i < n; i++)
				printf("%s%s", names[i], i == n - 1 ? "\n" : "\t");
		for (int i = 0; i < n; i++)
			printf("%s%s", values[i] ? values[i] : "NULL", i == n - 1 ? "\n" : "\t");
	}
	p->rows++;
	return true;
}

int ls_cmd_query(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
		{ "format", required_argument, NULL, 'f' }, { 0 }
	};
	struct printer p = { 0 };
	ls_store *store = NULL;
	ls_error err;
	int c, rc;

	while ((c = getopt_long(argc, argv, ":jh", options, NULL)) != -1) {
		switch (c) {
		case 'j': p.json = true; break;
		case 'f':
			if ((rc = cli_parse_format("query", optarg, &p.json)) != CLI_EXIT_OK)
				return rc;
			break;
		case 'h': help(); return CLI_EXIT_OK;
		default: return cli_bad_option("query", argv, c);
		}
	}
	if (optind != argc - 2)
		return cli_usage_error("query", "expects TRACE_DIR|DB and one SQL argument");
	if ((rc = cli_open_input(argv[optind], false, &store)) != CLI_EXIT_OK)
		return rc;
	ls_error_clear(&err);
	if (p.json)
		printf("[");
	if (ls_query_run(store, argv[optind + 1], print_row, &p, NULL, &err) != LS_OK) {
		if (p.json)
			printf("]\n");
		rc = cli_report_error(&err);
	} else if (p.json) {
		printf("\n]\n");
	}
	ls_store_close(store);
	return rc;
}
