/* fleetreport.h — the report of `lockstep check A B …` and `lockstep fleet check`: each trace's
 * own findings, labelled by trace, then the cycles only the joined lock-order graph shows
 * (docs/fleet.md, "Reports"). Traces are listed by label, then hash, so the
 * report does not depend on the order the traces were given or added in. Formatting only. */
#ifndef LOCKSTEP_FLEETREPORT_H
#define LOCKSTEP_FLEETREPORT_H

#include <stdio.h>

#include "error.h"
#include "findings.h"
#include "report.h"
#include "summary.h"

#define LS_FLEET_REPORT_JSON_VERSION 1

/* Writes the report of `traces` (any order) and the cross-trace findings `cross` to `out`.
 * `title` names the set ("3 traces", a fleet database path). LS_ERR_IO when the stream fails. */
ls_status ls_fleet_report_write(FILE *out, ls_report_format format, const char *title,
				ls_trace_summary *const *traces, size_t n, const ls_findings *cross,
				ls_error *err);

/* Sorts `traces` in report order (label, then hash). */
void ls_fleet_report_sort(ls_trace_summary **traces, size_t n);

#endif
