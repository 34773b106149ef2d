/* summary.h — what one trace contributes to a fleet: its content hash, figures, findings (as the
 * per-trace report renders them), lock-order edges with their evidence, and lock profile. A
 * summary is small (kilobytes) where the trace is megabytes: summaries are what a fleet keeps
 * and what travels between machines (docs/fleet.md).
 *
 * Built from a loaded store; it prints nothing. */
#ifndef LOCKSTEP_SUMMARY_H
#define LOCKSTEP_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "error.h"
#include "findings.h"
#include "order.h"
#include "profile.h"
#include "store.h"
#include "symbols.h"

#define LS_SUMMARY_HASH_LEN 64 /* hex digits of the SHA-256 content hash */

/* One instance of a lock-order edge with the names a report needs once the trace is gone. */
typedef struct {
	ls_order_instance inst;
	char comm[32];                     /* the task's name, "" when unknown */
	char held_site[160], req_site[160]; /* call sites as the trace's symbol map names them */
} ls_summary_instance;

/* One class-level edge (held class/mode -> requested class/mode) of one trace. */
typedef struct {
	int held_cls, held_mode, req_cls, req_mode;
	uint64_t count;             /* blocking acquisitions made in this order */
	ls_summary_instance *inst;  /* distinct instances: the ungated one first, then the others
				     * in request order; owned */
	size_t n_inst;
} ls_summary_edge;

typedef struct {
	char hash[LS_SUMMARY_HASH_LEN + 1]; /* identity: SHA-256 of the loaded events */
	char *name;                         /* label: the path it was given as; owned */
	int64_t events, holds, waits, t_begin_ns, t_end_ns;
	size_t counts[LS_SEV_COUNT];        /* findings by severity */
	char *report_text, *report_json;    /* the `lockstep check` report of this trace; owned */
	bool class_written[LS_CLASS_COUNT]; /* a blocking write request of the class was seen */
	ls_summary_edge *edges;             /* owned */
	size_t n_edges;
	ls_profile *profile;                /* owned */
} ls_trace_summary;

/* The content hash of a loaded trace: SHA-256 over its events (every column, in id order) and
 * event type names. A trace directory and its database hash alike; findings written into the
 * database do not change it. */
ls_status ls_summary_hash(ls_store *store, char hash[LS_SUMMARY_HASH_LEN + 1], ls_error *err);

/* Summarises `store`: runs the detectors with `check` (may be NULL for the defaults; its graph
 * field is ignored), renders the per-trace report with `symbols` (borrowed, may be NULL) and
 * labels it `name`. On success *out is owned by the caller (ls_summary_free). */
ls_status ls_summary_build(ls_store *store, const char *name, const ls_symbols *symbols,
			   const ls_check_options *check, ls_trace_summary **out, ls_error *err);

/* A new empty summary (all zero, strings NULL) to fill by hand (fleet database reader); NULL on
 * allocation failure. */
ls_trace_summary *ls_summary_new(void);

void ls_summary_free(ls_trace_summary *s);

/* Highest severity among the trace's findings, -1 when it has none. */
int ls_summary_max_severity(const ls_trace_summary *s);

#endif
