/* balance.h — lock balance: releases that ended no hold of their task, and holds still open when
 * the trace ended, folded per lock class, mode and call site.
 *
 * An imbalance inside the trace is an instrumentation defect (a lock_acquire or lock_release the
 * kernel side failed to emit, or a non-owner release the contract cannot name); at the trace's
 * edges it is expected (locks taken before recording started, tasks still inside a lock when it
 * stopped). The detector tells the two apart where the trace proves it. Reads the store, appends
 * findings; prints nothing. docs/detectors.md is the reference. */
#ifndef LOCKSTEP_BALANCE_H
#define LOCKSTEP_BALANCE_H

#include <stdint.h>

#include "context.h"
#include "error.h"
#include "findings.h"
#include "store.h"
#include "symbols.h"

typedef struct {
	uint64_t releases_without_hold; /* rows of unmatched_releases */
	uint64_t release_sites;         /* distinct (class, mode, call site) among them */
	uint64_t held_at_end;           /* acquired holds open at trace end */
	uint64_t hold_sites;            /* distinct (class, mode, acquisition call site) among them */
	uint64_t defects;               /* instances of either that the trace proves are no edge effect */
} ls_balance_stats;

/* Appends lock-balance findings to `out`. `cx` (borrowed) names the call site in each summary as
 * symbol+0xoff (hex without a symbol map) and words times. `stats` may be NULL. */
ls_status ls_balance_check(ls_store *store, ls_context *cx, ls_findings *out,
			   ls_balance_stats *stats, ls_error *err);

#endif
