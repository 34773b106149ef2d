/* cli.h — what the `lockstep` subcommands share: exit codes, error printing, input opening.
 * Each subcommand lives in its own cmd_*.c and is called with argv[0] = the subcommand name. */
#ifndef LOCKSTEP_CLI_H
#define LOCKSTEP_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "error.h"
#include "load.h"
#include "report.h"
#include "store.h"
#include "symbols.h"

enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FINDINGS = 1, /* `check` found something at or above --fail-on */
	CLI_EXIT_USAGE = 2,    /* bad flags, bad input: a one-line message was printed */
	CLI_EXIT_FAILURE = 3,  /* an internal or I/O failure */
	CLI_EXIT_INTERRUPTED = 130, /* only if dying of the signal failed */
};

/* --verbose (anywhere on the command line): errors add the dependency's own words (babeltrace2's
 * causes) on a second line, and the decoder's log is shown. */
extern bool cli_verbose;

/* Prints "lockstep: FILE: message" on stderr (and, with --verbose, "lockstep: detail: …");
 * returns the exit code that fits err->status. An interrupted load (LS_ERR_CANCELLED) makes the
 * process die of the signal that interrupted it. */
int cli_report_error(const ls_error *err);

/* Prints "lockstep SUBCOMMAND: message (see 'lockstep help SUBCOMMAND')" on stderr, one line;
 * returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *subcommand, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* After getopt_long returned c = '?' (unknown option) or ':' (missing argument; optstrings
 * start with ':' and opterr is 0, so getopt itself prints nothing): prints ONE line naming the
 * option and returns CLI_EXIT_USAGE. */
int cli_bad_option(const char *subcommand, char **argv, int c);

/* Parses a --format argument ("text" or "json") into *json; on anything else prints one usage
 * line and returns CLI_EXIT_USAGE, else CLI_EXIT_OK. */
int cli_parse_format(const char *subcommand, const char *arg, bool *json);

/* The same for the commands that print a report (check, diff, fleet check). */
int cli_parse_report_format(const char *subcommand, const char *arg, ls_report_format *format);

/* Parses a --fail-on argument ("error", "warning", "note" or "never") into *fail_on (an
 * ls_severity, or LS_SEV_COUNT for never); on anything else prints one usage line and returns
 * CLI_EXIT_USAGE, else CLI_EXIT_OK. */
int cli_parse_fail_on(const char *subcommand, const char *arg, int *fail_on);

/* Prints a JSON string literal (quotes and escapes) on `out`. */
void cli_json_string(FILE *out, const char *s);

/* Opens a trace directory or database for a subcommand (loading the trace if needed, with
 * progress on a terminal). On failure prints the error and returns its exit code; on success
 * returns CLI_EXIT_OK with *out owned by the caller (ls_store_close). */
int cli_open_input(const char *path, bool writable, ls_store **out);

/* The symbol map for a command's call sites: FILE when given (an unreadable one is an error:
 * returns its exit code), else symbols.map in the database's source trace directory (a broken
 * one costs names only: a warning, *out NULL). Returns CLI_EXIT_OK with *out owned by the
 * caller (ls_symbols_free), or NULL when there is no map. */
int cli_open_symbols(ls_store *store, const char *file, ls_symbols **out);

/* Load options that show progress when stderr is a terminal (unless quiet), print warnings on
 * stderr, and stop the load on SIGINT/SIGTERM (handlers installed until cli_end_progress). */
ls_load_options cli_load_options(bool quiet);

/* Clears the progress line, if one was shown, and puts back the default SIGINT/SIGTERM
 * handling (unless a signal interrupted the load: cli_report_error then dies of it). */
void cli_end_progress(const ls_load_options *opts);

/* True when stderr is a terminal (progress is shown only then). */
bool cli_stderr_is_tty(void);

/* Formats a duration in ns with a unit that keeps 3-4 significant digits ("812 ns", "1.25 ms"). */
const char *cli_format_ns(double ns, char *buf, unsigned size);

int ls_cmd_load(int argc, char **argv);
int ls_cmd_info(int argc, char **argv);
int ls_cmd_stats(int argc, char **argv);
int ls_cmd_query(int argc, char **argv);
int ls_cmd_check(int argc, char **argv); /* cmd_check.c */
int ls_cmd_record(int argc, char **argv); /* cmd_record.c: runs tracer/lockstep-record */
int ls_cmd_fleet(int argc, char **argv); /* cmd_fleet.c */
int ls_cmd_diff(int argc, char **argv); /* cmd_diff.c */

#endif
