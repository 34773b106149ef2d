/* starvation.h — long waits on the mm rw-semaphores, the per-VMA lock and the page-table
 * spinlocks, each naming the tasks that held the lock meanwhile, and the per-mm statistics of
 * readers that fell back from the per-VMA lock to mmap_lock.
 *
 * Reads the store, appends findings; prints nothing. docs/detectors.md is the reference. */
#ifndef LOCKSTEP_STARVATION_H
#define LOCKSTEP_STARVATION_H

#include <stdint.h>

#include "context.h"
#include "error.h"
#include "findings.h"
#include "store.h"

typedef struct {
	int64_t threshold_ns; /* a writer waiting longer than this is flagged (default 10 ms) */
	uint64_t max_bypass;  /* more bypasses than this are flagged: read grants past a waiting
			       * writer, or (spinlocks) acquisitions that asked later and got in first */
} ls_starvation_options;

typedef struct {
	uint64_t writer_waits;   /* writer attempts that waited at all */
	uint64_t flagged_waits;  /* of those, over a threshold */
} ls_starvation_stats;

/* Appends writer-starvation findings and reader-fallback notes to `out`; `cx` (borrowed) words
 * times, tasks and call sites. `stats` may be NULL. */
ls_status ls_starvation_check(ls_store *store, ls_context *cx, const ls_starvation_options *opts,
			      ls_findings *out, ls_starvation_stats *stats, ls_error *err);

#endif
