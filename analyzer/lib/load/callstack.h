/* callstack.h — the kernel call stacks a trace recorded with `lockstep record --callstack`
 * carries (LTTng's callstack_kernel context, docs/trace-format.md "Call stacks"): the loader
 * stores them, deduplicated, in `stacks`, `stack_frames` and `event_stacks` (docs/schema.md),
 * and readers find the stack of an event or of a hold by its task and time.
 *
 * Frames are stored as recorded, the tracer's own innermost frames included: telling those
 * apart needs the symbol map, which is the report's business (stacktext.h). */
#ifndef LOCKSTEP_CALLSTACK_H
#define LOCKSTEP_CALLSTACK_H

#include <stdbool.h>
#include <stdint.h>

#include "ctf.h"
#include "error.h"
#include "store.h"

/* ---- Writing: used by the loader only ------------------------------------------------- */

typedef struct ls_callstacks ls_callstacks;

/* Creates the three tables in `store` (borrowed; a store being created by the loader, inside
 * its transaction) and a writer for them. *out is owned by the caller: ls_callstacks_free(). */
ls_status ls_callstacks_new(ls_store *store, ls_callstacks **out, ls_error *err);

/* Takes in one event: an event with a stack (ev->stack_depth > 0) gets an `event_stacks` row
 * pointing at its stack, which is written once per distinct frame sequence. */
ls_status ls_callstacks_feed(ls_callstacks *cs, int64_t event_id, const ls_event *ev, ls_error *err);

/* Builds the index readers use, writes meta.callstack_events / meta.callstacks and releases
 * its statements (call before ls_store_finish; only ls_callstacks_free after it). */
ls_status ls_callstacks_finish(ls_callstacks *cs, ls_error *err);

/* NULL is fine. */
void ls_callstacks_free(ls_callstacks *cs);

/* ---- Reading ----------------------------------------------------------------------------- */

typedef struct {
	int64_t event_id;  /* the event that carried it; -1 when none was found */
	int64_t t_ns;
	uint32_t depth;    /* frames in frames[], innermost first */
	bool truncated;
	uint64_t frames[LS_STACK_MAX];
} ls_callstack;

/* The stack of the event task `tid` emitted at `t_ns`; when that event has none, `lock` is not
 * 0 and `t_ns` is the request or the acquisition of a hold of `lock` by `tid`, the stack of the
 * other one (lock_acquire and lock_acquired come from the same caller), so a "holds" row finds
 * the stack its request recorded. A release never gets its hold's stack. out->depth is 0 (event_id -1) when there is none: LS_OK all the same. */
ls_status ls_callstack_find(ls_store *store, int64_t tid, int64_t t_ns, uint64_t lock, ls_callstack *out,
			    ls_error *err);

/* Events of the database that carry a stack (meta.callstack_events; 0 for a trace recorded
 * without --callstack). */
int64_t ls_callstack_count_events(ls_store *store);

#endif
