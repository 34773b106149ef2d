/* diffreport.h — `lockstep diff` as text and JSON (docs/fleet.md, "lockstep diff").
 * Formatting only. */
#ifndef LOCKSTEP_DIFFREPORT_H
#define LOCKSTEP_DIFFREPORT_H

#include <stdio.h>

#include "diff.h"
#include "error.h"
#include "report.h"

#define LS_DIFF_JSON_VERSION 1

/* Writes `d`, the comparison of trace `a` with trace `b` (labels), to `out`. */
ls_status ls_diff_write(FILE *out, ls_report_format format, const ls_diff *d, const char *a,
			const char *b, ls_error *err);

#endif
