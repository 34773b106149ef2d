/* holds.h — turning the lock events of a trace, in time order, into `holds`, `waits` and
 * `locks` rows (docs/trace-format.md, "Derived records"). Streaming: memory grows with the
 * number of locks and of holds open at once, not with the trace. */
#ifndef LOCKSTEP_HOLDS_H
#define LOCKSTEP_HOLDS_H

#include <stdint.h>

#include "ctf.h"
#include "error.h"
#include "store.h"
#include "tasks.h"

typedef struct ls_holds ls_holds;

typedef struct {
	uint64_t holds, waits;
	uint64_t unmatched_releases;  /* releases with no open hold of the releasing task (taken
				       * before the trace began, or a missing/non-owner event) */
	uint64_t unmatched_release_sites; /* distinct (class, mode, ip) among them */
	uint64_t unmatched_acquired;  /* lock_acquired without a lock_acquire */
	uint64_t held_at_end;         /* acquired holds still open when the trace ended */
} ls_holds_counts;

/* New builder writing into `store` and asking `tasks` for off-CPU time; both are borrowed and
 * must outlive it. NULL on allocation failure. Free with ls_holds_free(). */
ls_holds *ls_holds_new(ls_store *store, const ls_tasks *tasks);
void ls_holds_free(ls_holds *holds);

/* Takes in one event (`event_id` is its `events.id`); non-lock events are ignored. A release
 * that matches no open hold of its own task is written to `unmatched_releases`. */
ls_status ls_holds_feed(ls_holds *holds, int64_t event_id, const ls_event *ev, ls_error *err);

/* Closes what is still open at trace end (`held-at-end`, `waiting-at-end`) and writes the
 * `locks` rows. */
ls_status ls_holds_finish(ls_holds *holds, ls_error *err);

ls_holds_counts ls_holds_get_counts(const ls_holds *holds);

#endif
