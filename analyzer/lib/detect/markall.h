/* markall.h — per-VMA readers inside an operation that must write-mark every VMA of the mm:
 * a page fault holding a VMA's per-VMA read lock while another task, inside mm_take_all_locks
 * (an MMU notifier registration) or dup_mmap (fork) on the same mm, never write-marked that
 * VMA.
 *
 * mm_take_all_locks must write-mark every VMA before it takes the rmap locks, or faults under
 * the per-VMA lock go on changing page tables that the registering driver believes frozen;
 * dup_mmap must write-mark each parent VMA before it copies it, or a fault changes the VMA and
 * its page tables mid-copy (the 6.4 fork corruption). Reads the store (phases, locks, holds),
 * appends findings; prints nothing. docs/detectors.md (Per-VMA protocol) is the reference. */
#ifndef LOCKSTEP_MARKALL_H
#define LOCKSTEP_MARKALL_H

#include <stdint.h>

#include "context.h"
#include "error.h"
#include "findings.h"
#include "store.h"

typedef struct {
	uint64_t phases;       /* mm_take_all_locks and dup_mmap phases in the trace */
	uint64_t readers;      /* per-VMA read holds overlapping a phase of another task, same mm */
	uint64_t unmarked;     /* of those, on a VMA the phase's task never write-marked */
} ls_markall_stats;

/* Appends `protocol/vma-read-under-take-all-locks` and `protocol/vma-read-under-dup-mmap`
 * findings (one per rule and reader call site) to `out`. `cx` (borrowed) words times and call
 * sites. `stats` may be NULL. Nothing is read beyond the phases table when the trace has no
 * such phase. */
ls_status ls_markall_check(ls_store *store, ls_context *cx, ls_findings *out,
			   ls_markall_stats *stats, ls_error *err);

#endif
