/* fleetcli.h — what the commands over several traces share (`check A B …`, `fleet add`):
 * turning arguments into inputs (a directory of traces counts as its traces), and summarising
 * inputs N at a time in worker processes. */
#ifndef LOCKSTEP_FLEETCLI_H
#define LOCKSTEP_FLEETCLI_H

#include <stdbool.h>
#include <stddef.h>

#include "check.h"
#include "fleetdb.h"
#include "report.h"
#include "summary.h"

typedef struct {
	char **paths; /* owned */
	bool *is_fleet; /* the input is a fleet database */
	size_t n, cap;
} fleetcli_inputs;

/* Expands `args`: a trace directory or a database stays as it is; a directory that is not a
 * trace gives its trace subdirectories and database files (X.lockstep.db is skipped when the
 * trace X is beside it). Fleet databases are refused unless `allow_fleet`. Prints the error
 * and returns its exit code on failure, CLI_EXIT_OK otherwise. */
int fleetcli_expand(const char *cmd, char **args, int n, bool allow_fleet, fleetcli_inputs *out);
void fleetcli_inputs_free(fleetcli_inputs *in);

typedef struct {
	ls_check_options check;   /* detector options; check.symbols ignored */
	bool writable;            /* open inputs writable (findings stored in each database) */
	const char *symbols_path; /* one symbol map for every trace, or NULL: each trace's own */
	const char *fleet_path;   /* when set, inputs already in this fleet are not summarised */
	int jobs;                 /* worker processes; 1: in this process */
} fleetcli_options;

/* Receives each input's outcome, in completion order: its summary (ownership passes), or NULL
 * when the fleet already has the trace (`label`: its label there, or NULL when a worker
 * found it). Returns a CLI exit
 * code; anything but CLI_EXIT_OK stops the run. */
typedef int (*fleetcli_sink)(void *user, const char *input, ls_trace_summary *s, const char *label);

/* Summarises every input that is not a fleet database. A failing input prints its one-line
 * error and the others go on; the worst exit code is returned. */
int fleetcli_summarize(const fleetcli_inputs *in, const fleetcli_options *opts, fleetcli_sink sink,
		       void *user);

/* Joins the lock-order graphs of `traces` (crossorder.h), writes the report (fleetreport.h) to
 * `output` (NULL: standard output) and returns the exit status `check` gives: CLI_EXIT_FINDINGS
 * when a finding of a trace or a cross-trace finding is at or above `fail_on` (LS_SEV_COUNT:
 * never). `show_stats` prints the join's figures on standard error. */
int fleetcli_report(ls_trace_summary *const *traces, size_t n, const char *title,
		    ls_report_format format, const char *output, int fail_on, bool show_stats);

/* True when `check` is given several inputs, or a directory that is not itself a trace. */
bool fleetcli_wants_many(int n, char **args);

/* `lockstep check` over several inputs: summarises them (opts->jobs at a time) and reports with
 * fleetcli_report(). An input that fails is reported on standard error and left out of the
 * join; the exit status is then its error's. */
int fleetcli_check_many(int n, char **args, const fleetcli_options *opts, ls_report_format format,
			const char *output, int fail_on, bool show_stats);

#endif
