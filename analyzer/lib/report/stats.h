/* stats.h — lock_stat / `perf lock` style figures from a loaded database: per lock class or
 * per call site, acquisitions, contentions, wait and hold times. */
#ifndef LOCKSTEP_STATS_H
#define LOCKSTEP_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

typedef enum { LS_STATS_BY_CLASS, LS_STATS_BY_SITE } ls_stats_group;

typedef enum {
	LS_STATS_SORT_ACQUISITIONS,
	LS_STATS_SORT_CONTENTIONS,
	LS_STATS_SORT_WAIT_TOTAL,
	LS_STATS_SORT_WAIT_MAX,
	LS_STATS_SORT_WAIT_MEAN,
	LS_STATS_SORT_WAIT_P99,
	LS_STATS_SORT_HOLD_TOTAL,
	LS_STATS_SORT_HOLD_MAX,
	LS_STATS_SORT_HOLD_MEAN,
	LS_STATS_SORT_NAME,
	LS_STATS_SORT_COUNT
} ls_stats_sort;

typedef struct {
	int cls;
	uint64_t ip;            /* call site (LS_STATS_BY_SITE only) */
	int64_t acquisitions;   /* successful */
	int64_t failed;         /* failed trylocks / refused per-VMA read locks */
	int64_t contentions;    /* waits */
	int64_t wait_total_ns, wait_max_ns, wait_p99_ns;
	double wait_mean_ns;
	int64_t hold_total_ns, hold_max_ns;
	double hold_mean_ns;
} ls_stats_row;

/* The sort key named `name` ("acquisitions", "contentions", "wait-total", "wait-max", "wait-mean",
 * "wait-p99", "hold-total", "hold-max", "hold-mean", "name"); false when unknown. */
bool ls_stats_sort_from_name(const char *name, ls_stats_sort *out);

/* Names of the sort keys, for help text. Static storage. */
const char *ls_stats_sort_name(ls_stats_sort sort);

/* Computes the rows, sorted descending by `sort` (ascending by class and site for "name"),
 * at most `limit` of them (0: all). *rows is malloc'd, the caller frees it. */
ls_status ls_stats_compute(ls_store *store, ls_stats_group group, ls_stats_sort sort, size_t limit,
			   ls_stats_row **rows, size_t *n_rows, ls_error *err);

#endif
