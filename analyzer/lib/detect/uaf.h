/* uaf.h — use-after-free windows: objects used after their memory could be reused, locks still
 * held when their object is freed, VMAs used after an unlocked detach, and page tables freed
 * under a task walking them with the mm's mmap_lock held.
 *
 * Reads the store, appends findings; prints nothing. docs/detectors.md is the reference. */
#ifndef LOCKSTEP_UAF_H
#define LOCKSTEP_UAF_H

#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "error.h"
#include "findings.h"
#include "store.h"

typedef struct {
	uint64_t events;   /* contract events scanned */
	uint64_t objects;  /* object lifetimes tracked */
	uint64_t windows;  /* instances found (before folding into findings) */
} ls_uaf_stats;

/* Appends uaf-window findings to `out`. `stats` may be NULL. */
ls_status ls_uaf_check(ls_store *store, ls_context *cx, ls_findings *out, ls_uaf_stats *stats, ls_error *err);

/* Freed objects the check remembers, as KASAN's quarantine does: the most recent
 * LS_UAF_QUARANTINE frees (about 56 MiB of state), so memory stays flat in trace length. A use
 * of an object freed more than that many frees earlier is not reported (an address reused by a
 * new allocation starts a new lifetime anyway, and the races lockstep looks for use the object
 * within microseconds of its free). */
#define LS_UAF_QUARANTINE ((size_t)1 << 18)

/* ls_uaf_check remembering at most `quarantine` freed objects (0: LS_UAF_QUARANTINE). */
ls_status ls_uaf_check_quarantine(ls_store *store, ls_context *cx, ls_findings *out, ls_uaf_stats *stats,
				  size_t quarantine, ls_error *err);

#endif
