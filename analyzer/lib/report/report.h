/* report.h — writing findings as the text report and as JSON (docs/report-format.md).
 *
 * The writers format onto a stream the caller opened; they decide nothing about the findings
 * and never exit. Call sites print as `symbol+0xoff` when a symbol map is given, hex otherwise. */
#ifndef LOCKSTEP_REPORT_H
#define LOCKSTEP_REPORT_H

#include <stdio.h>

#include <stdbool.h>

#include "error.h"
#include "findings.h"
#include "store.h"
#include "symbols.h"

typedef enum { LS_REPORT_TEXT, LS_REPORT_JSON } ls_report_format;

/* 2: times relative to the trace start unless `time_base` says "absolute"; `machine`,
 * `instances`, evidence `end_ns` and `trylock`. */
#define LS_REPORT_JSON_VERSION 2

typedef struct {
	const char *trace;         /* meta.source (the trace directory); may be NULL */
	const char *database;      /* the database path; may be NULL */
	const ls_symbols *symbols; /* may be NULL: hex call sites */
	ls_store *store;           /* may be NULL; when given, task names come from `tasks`, the
				    * trace start from meta.t_begin_ns, the machine from meta.machine */
	bool absolute_time;        /* trace-clock ns instead of "+12.345 ms" (always so without a
				    * store: there is no trace start to count from) */
} ls_report_context;

/* Parses "text" / "json"; false when unknown. */
bool ls_report_format_from_name(const char *name, ls_report_format *out);

/* Writes `list` in `format` to `out`. LS_ERR_IO when the stream fails. */
ls_status ls_report_write(FILE *out, ls_report_format format, const ls_findings *list,
			  const ls_report_context *ctx, ls_error *err);

#endif
