/* check.h — `lockstep check` as a library call: runs every detector (lock order, writer
 * starvation, use-after-free windows, lock balance) over a loaded trace and optionally stores the findings
 * in the database. Printing the report is report.h's job, deciding the exit status the CLI's. */
#ifndef LOCKSTEP_CHECK_H
#define LOCKSTEP_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "balance.h"
#include "context.h"
#include "findings.h"
#include "order.h"
#include "starvation.h"
#include "markall.h"
#include "store.h"
#include "uaf.h"

typedef struct {
	ls_order_stats order;
	ls_starvation_stats starvation;
	ls_uaf_stats uaf;
	ls_markall_stats markall;
	ls_balance_stats balance;
	double seconds; /* wall time of the detectors (and of storing the findings) */
} ls_check_stats;

typedef struct {
	double starvation_ms;   /* writer wait flagged above this (default 10) */
	uint64_t max_bypass;    /* read grants past a waiting writer flagged above this (100) */
	bool store_findings;    /* replace the findings tables of the (writable) store (true) */
	const ls_symbols *symbols; /* borrowed, may be NULL (the default): names call sites in the
				    * summaries of per-site findings; hex without it */
	bool absolute_time;     /* times in summaries and details as trace-clock ns (false: relative
				 * to the trace's first event, "+12.345 ms") */
	ls_check_stats *stats;  /* filled when not NULL */
	ls_order_graph **graph; /* when not NULL, receives the lock-order class graph (order.h),
				 * malloc'd and owned by the caller (free()); NULL on failure */
} ls_check_options;

#define LS_CHECK_DEFAULT_STARVATION_MS 10.0
#define LS_CHECK_DEFAULT_MAX_BYPASS 100

/* Fills opts with the defaults above. */
void ls_check_options_init(ls_check_options *opts);

/* Runs all detectors over `store` (a complete database; writable when opts->store_findings).
 * `opts` may be NULL for the defaults. On success *out holds the findings sorted by kind,
 * severity and time, owned by the caller (ls_findings_free). */
ls_status ls_check_run(ls_store *store, const ls_check_options *opts, ls_findings **out,
		       ls_error *err);

#endif
