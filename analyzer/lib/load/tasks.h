/* tasks.h — per-task facts gathered while loading: names, pids, first/last event, and how long
 * each task spent switched out (from sched_switch), which the holds builder needs to tell a
 * task that slept while waiting for a lock. */
#ifndef LOCKSTEP_TASKS_H
#define LOCKSTEP_TASKS_H

#include "ctf.h"
#include "error.h"
#include "store.h"

typedef struct ls_tasks ls_tasks;

/* New empty tracker; NULL on allocation failure. Free with ls_tasks_free(). */
ls_tasks *ls_tasks_new(void);
void ls_tasks_free(ls_tasks *tasks);

/* Takes in one event (context tid/pid/procname, sched_* payloads). */
ls_status ls_tasks_feed(ls_tasks *tasks, const ls_event *ev, ls_error *err);

/* Total time `tid` has spent switched out up to `now_ns` (0 for a task never switched out). */
int64_t ls_tasks_offcpu_ns(const ls_tasks *tasks, int64_t tid, int64_t now_ns);

/* Writes one `tasks` row per task. */
ls_status ls_tasks_write(const ls_tasks *tasks, ls_store *store, ls_error *err);

#endif
