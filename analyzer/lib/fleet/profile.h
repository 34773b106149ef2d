/* profile.h — a trace's lock figures as two trace-to-trace comparisons and fleet summaries need
 * them: per lock class and per (class, call site), acquisitions, contentions, and the p50 / p99 /
 * max of wait and hold times. Read from a loaded store; it prints nothing. */
#ifndef LOCKSTEP_PROFILE_H
#define LOCKSTEP_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

/* Nearest-rank percentiles and the maximum of a set of durations; all 0 when the set is empty. */
typedef struct {
	int64_t n, p50, p99, max;
} ls_profile_dist;

typedef struct {
	int cls;              /* ls_lock_class */
	uint64_t ip;          /* the request's call site; 0 in the per-class rows */
	int64_t acquisitions; /* successful */
	int64_t failed;       /* failed trylocks and refused per-VMA read locks */
	int64_t contentions;  /* waits, finished or not */
	ls_profile_dist wait; /* finished waits */
	ls_profile_dist hold; /* acquired and released holds */
} ls_profile_row;

typedef struct {
	ls_profile_row *classes; /* sorted by class */
	size_t n_classes;
	ls_profile_row *sites;   /* sorted by class, then call site */
	size_t n_sites;
} ls_profile;

/* Computes the profile of `store`. On success *out is owned by the caller (ls_profile_free). */
ls_status ls_profile_compute(ls_store *store, ls_profile **out, ls_error *err);

void ls_profile_free(ls_profile *p);

/* The nearest-rank percentile `q` (0..1) of `sorted` (ascending, n > 0). */
int64_t ls_profile_percentile(const int64_t *sorted, size_t n, double q);

#endif
