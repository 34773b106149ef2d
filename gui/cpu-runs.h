/* cpu-runs.h — the viewer's reads of `cpu_runs` (docs/schema.md: which task ran on which CPU
 * when, built by the load from sched_switch): the CPUs of a trace and the runs of a time window,
 * each by index seeks on cpu_runs(cpu, begin_ns), never a scan — of that table or of `events`.
 * No GTK and no drawing here (timeline-cpu-lanes.c draws). */
#ifndef LSV_CPU_RUNS_H
#define LSV_CPU_RUNS_H

#include <glib.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

/* end_state of a run still running at the end, or whose switch out was lost (NULL in SQL). */
#define LSV_CPU_STATE_NONE INT32_MIN

typedef struct {
	int64_t id, tid, begin, end;
	int32_t end_state;         /* prev_state of the switch out, or LSV_CPU_STATE_NONE */
	bool switched_in;          /* begin is a switch (not the trace start) */
} lsv_cpu_run;

/* The CPU numbers that have runs, ascending: a GArray of int64 (g_array_unref). Empty when the
 * database has no cpu_runs table or no sched_switch was recorded. */
GArray *lsv_cpu_runs_cpus(sqlite3 *db);

/* Appends to `out` (GArray of lsv_cpu_run) the runs of `cpu` that overlap [a, b], in time order,
 * keeping at most about one run per `min_ns` of time: after a run shorter than min_ns the next
 * one taken is the run covering min_ns later (zoomed out, a pixel shows the task running at its
 * start; zoomed in below a run per pixel, every run is there). Costs one index seek and at most
 * 32 rows read in order per run taken. Returns false when SQLite fails (out keeps what was
 * read). */
bool lsv_cpu_runs_fetch(sqlite3 *db, int64_t cpu, int64_t a, int64_t b, double min_ns, GArray *out);

/* The kernel's prev_state in words ("preempted", "sleeping (S)", …); static storage. */
const char *lsv_cpu_state_describe(int32_t state);

#endif
