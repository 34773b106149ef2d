/* takeall.h — per-VMA readers inside mm_take_all_locks: a page fault holding a VMA's per-VMA
 * read lock while another task, inside mm_take_all_locks on the same mm (an MMU notifier
 * registration), holds every rmap lock of the mm and never write-marked that VMA.
 *
 * mm_take_all_locks must write-mark every VMA before it takes the rmap locks, or faults under
 * the per-VMA lock go on changing page tables that the registering driver believes frozen.
 * Reads the store (phases, locks, holds), appends findings; prints nothing. docs/detectors.md
 * (Per-VMA protocol) is the reference. */
#ifndef LOCKSTEP_TAKEALL_H
#define LOCKSTEP_TAKEALL_H

#include <stdint.h>

#include "context.h"
#include "error.h"
#include "findings.h"
#include "store.h"

typedef struct {
	uint64_t phases;       /* mm_take_all_locks phases in the trace */
	uint64_t readers;      /* per-VMA read holds overlapping a phase of another task, same mm */
	uint64_t unmarked;     /* of those, on a VMA the phase's task never write-marked */
} ls_takeall_stats;

/* Appends `protocol/vma-read-under-take-all-locks` findings (one per reader call site) to
 * `out`. `cx` (borrowed) words times and call sites. `stats` may be NULL. Nothing is read
 * beyond the phases table when the trace has no mm_take_all_locks phase. */
ls_status ls_takeall_check(ls_store *store, ls_context *cx, ls_findings *out,
			   ls_takeall_stats *stats, ls_error *err);

#endif
