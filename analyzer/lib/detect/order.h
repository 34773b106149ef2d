/* order.h — the lock-order detector: a lockdep-style dependency graph over lock classes built
 * from the holds, its cycles, acquisitions against the documented mm hierarchy, failed inverted
 * trylocks, and the per-VMA lock protocol (docs/detectors.md says what each rule can miss and
 * what it can wrongly flag).
 *
 * Reads the store, appends findings; prints nothing. */
#ifndef LOCKSTEP_ORDER_H
#define LOCKSTEP_ORDER_H

#include "context.h"
#include "error.h"
#include "findings.h"
#include "store.h"

typedef struct {
	uint64_t holds;          /* holds read */
	uint64_t edges;          /* distinct class-level edges (class, mode -> class, mode) */
	uint64_t edge_instances; /* blocking acquisitions made while holding another lock */
	uint64_t cycles;         /* class cycles reported */
} ls_order_stats;

/* Runs every lock-order rule over `store` and appends findings of kind lock-order, hierarchy,
 * protocol and note to `out`. `stats` may be NULL. */
ls_status ls_order_check(ls_store *store, ls_context *cx, ls_findings *out, ls_order_stats *stats, ls_error *err);

#endif
