/* crossorder.h — lock-order cycles that no single trace shows: the class graphs of several
 * traces joined into one, the way lockdep's graph accumulates over a boot, but across boots and
 * machines. A cycle is reported when its edges, each taken from some trace, close a deadlock
 * that no one of the traces closes alone (that one is the trace's own finding).
 *
 * Gate locks are lock instances of one trace, so they only exclude each other within it; the
 * one exception is mm_take_all_locks' global mutex, which is the same lock on every boot.
 * Same-class nestings (two locks of one class in opposite orders) are not joined: lock
 * addresses mean nothing from one boot to the next. Reads summaries; prints nothing. */
#ifndef LOCKSTEP_CROSSORDER_H
#define LOCKSTEP_CROSSORDER_H

#include <stddef.h>

#include "error.h"
#include "findings.h"
#include "summary.h"

typedef struct {
	uint64_t class_cycles;   /* simple class cycles in the joined graph */
	uint64_t single_trace;   /* of them, closed by one trace alone (not reported here) */
	uint64_t cross_trace;    /* reported */
} ls_crossorder_stats;

/* Appends one finding (kind lock-order, rule cross-trace-cycle) per cross-trace cycle to `out`.
 * `traces` may come in any order: the result does not depend on it. Each edge's evidence roles
 * and the detail name the trace it comes from by its label and hash. `stats` may be NULL. */
ls_status ls_crossorder_check(ls_trace_summary *const *traces, size_t n, ls_findings *out,
			      ls_crossorder_stats *stats, ls_error *err);

#endif
