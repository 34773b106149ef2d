/* generate.h — a synthetic, protocol-correct mm-locking workload for benchmarks: page-fault
 * storms under per-VMA locks (with refusals falling back to mmap_lock), munmap/mprotect writers
 * (write-marks, i_mmap/anon_vma, deferred VMA frees), reclaim rmap walks, contention and the
 * sched_switch/sched_waking around it.
 *
 * A small scheduler simulation: tasks are pinned to CPUs, locks have real holders and FIFO
 * waiters, so every acquisition is legal for the state at its timestamp, every lock is released
 * by its taker in LIFO order and each CPU's clock only moves forward. Events are produced one
 * at a time — memory does not grow with the event count. Deterministic for a given seed. */
#ifndef LOCKSTEP_SYNTH_GENERATE_H
#define LOCKSTEP_SYNTH_GENERATE_H

#include <stdint.h>

#include "error.h"
#include "record.h"

typedef struct ls_generate ls_generate;

typedef struct {
	uint64_t events; /* at least this many events (the run ends once every task is idle) */
	uint64_t seed;
	unsigned tasks;  /* >= 2 */
	unsigned cpus;   /* >= 1 */
} ls_generate_options;

/* Creates a generator; the caller frees it with ls_generate_free(). LS_ERR_USAGE for options out
 * of range, LS_ERR_NOMEM. */
ls_status ls_generate_new(const ls_generate_options *opt, ls_generate **out, ls_error *err);

void ls_generate_free(ls_generate *gen);

/* Streams and event classes the workload uses (`enums` false). Owned by gen. */
const ls_record_schema *ls_generate_borrow_schema(const ls_generate *gen);

/* An ls_record_next_fn; `data` is the ls_generate. Pointers in *rec are owned by gen. */
ls_status ls_generate_next(void *data, ls_record *rec, bool *done, ls_error *err);

/* Events produced so far. */
uint64_t ls_generate_count(const ls_generate *gen);

#endif
