/* cpuruns.h — which task ran on which CPU when, from the sched_switch events, as `cpu_runs`
 * rows (docs/schema.md), built while the events stream through the loader so no reader ever
 * has to scan `events` for them (the viewer's CPU lanes read only the window they draw).
 *
 * A run of task `tid` on `cpu` starts at the sched_switch naming it next_tid on that CPU and
 * ends at the one naming it prev_tid; a CPU's first run starts at the trace's first timestamp
 * (the trace did not see that task switched in), its last run ends at the trace's last
 * timestamp. The idle task (tid 0) gets runs like any other. Nothing here draws or prints. */
#ifndef LOCKSTEP_CPURUNS_H
#define LOCKSTEP_CPURUNS_H

#include <stdint.h>

#include "ctf.h"
#include "error.h"
#include "store.h"

typedef struct ls_cpu_runs ls_cpu_runs;

/* CPU numbers above this are not believed (a damaged field): their switches are skipped. */
#define LS_CPU_RUNS_MAX_CPU 65535

/* New builder writing into `store` (borrowed, created by ls_store_create: its schema has the
 * table). NULL on allocation failure or when the insert cannot be prepared. Free it with
 * ls_cpu_runs_free() before the store is closed or finished: it holds a statement on the
 * store's connection. */
ls_cpu_runs *ls_cpu_runs_new(ls_store *store);
void ls_cpu_runs_free(ls_cpu_runs *runs);

/* Takes in one event in stream order; only sched_switch events with a CPU matter (the first
 * event of all sets the trace start). A switch whose prev_tid is not the task the CPU was
 * running (a switch was lost) ends the open run there with end_state NULL. */
ls_status ls_cpu_runs_feed(ls_cpu_runs *runs, const ls_event *ev, ls_error *err);

/* Writes the runs still open, ending at t_end_ns (the trace's last timestamp) with end_state
 * NULL, one CPU after another in CPU order, and releases the statement. */
ls_status ls_cpu_runs_finish(ls_cpu_runs *runs, int64_t t_end_ns, ls_error *err);

#endif
