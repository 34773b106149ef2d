/* uaf.h — use-after-free windows: objects used after their memory could be reused, locks still
 * held when their object is freed, VMAs used after an unlocked detach, and page tables freed
 * under a task walking them with the mm's mmap_lock held.
 *
 * Reads the store, appends findings; prints nothing. docs/detectors.md is the reference. */
#ifndef LOCKSTEP_UAF_H
#define LOCKSTEP_UAF_H

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

#endif
