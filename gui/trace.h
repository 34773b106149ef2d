/* trace.h — the viewer's document: one opened lockstep database and the queries the viewer runs
 * on it (tasks and lanes, events for stepping, the lock state at a cursor, object lifetimes).
 *
 * It reads the database of docs/schema.md through liblockstep's store and never parses a trace
 * itself; a trace directory is loaded by the library (ls_input_open). No GTK here, only GLib
 * containers, so the benchmark and the tests can drive it without a display. The events table
 * has no index (docs/schema.md), but its ids follow time: a time is found by binary search over
 * ids, and stepping scans an id range bounded by the next hold of the task or lock (index
 * holds(tid|lock_id, requested_ns)). Hold queries use those indexes and the long spans of
 * lod.h, so none of them scans a 10 M-event database. */
#ifndef LSV_TRACE_H
#define LSV_TRACE_H

#include <glib.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

typedef struct lsv_lod lsv_lod;

/* Marks a NULL column in the structs below. */
#define LSV_NONE INT64_MIN

typedef struct {
	int64_t tid, pid;
	char *comm;            /* owned; "" when unknown */
	int64_t first_ns, last_ns, events;
	bool process_leader;   /* tid == pid */
} lsv_task;

/* A row of the timeline: a process header or a task lane. */
typedef struct {
	bool is_group;
	int64_t pid;
	int task;              /* index in trace->tasks for a task lane, -1 for a group */
	char *label;           /* owned */
} lsv_lane;

typedef struct {
	int64_t id, t_ns, cpu, tid, type;
	int64_t lock, cls, mode, trylock, success, reason;
	int64_t obj, kind, mm, vma, seq, addr, start, end, deferred, result, phase, begin, ip;
	char *payload;         /* owned, NULL when absent */
} lsv_event;

/* One acquisition attempt (a holds row) as the state panel shows it. */
typedef struct {
	int64_t id, lock_id, lock, cls, mode, tid, trylock;
	int64_t requested_ns, acquired_ns, released_ns;
	int64_t request_ip, acquired_ip;
	char outcome[16];
} lsv_hold;

/* A live lock at the cursor: who holds it and who waits, each in request order. */
typedef struct {
	int64_t lock_id, lock, cls;
	GArray *holders;       /* lsv_hold */
	GArray *waiters;       /* lsv_hold */
} lsv_lock_state;

typedef struct {
	int64_t id, addr, kind, mm, start, end;
	int64_t alloc_ns, alloc_tid, detach_ns, detach_tid, free_ns, free_tid, deferred, free_done_ns;
} lsv_object;

/* What identifies the database file as it was opened: a worker that opens the file again by
 * its path, or a later read, compares the file there now with it (lsv_file_changed). */
typedef struct {
	uint64_t dev, ino;
	int64_t size, mtime_ns;
} lsv_file_id;

typedef struct lsv_trace {
	char *path;            /* the database path (owned) */
	char *source;          /* meta.source (owned) */
	int64_t t_begin, t_end, event_count;
	GPtrArray *tasks;      /* lsv_task*, sorted by pid then tid */
	GHashTable *task_by_tid; /* tid → index+1 (GINT_TO_POINTER) */
	GPtrArray *lanes;      /* lsv_lane* */
	lsv_lod *lod;          /* level-of-detail summaries; owned */
	bool writable;
	lsv_file_id file;      /* the database file as opened */
	/* The first read that failed (SQLITE_CORRUPT, SQLITE_IOERR, SQLITE_NOTADB…): reads after it
	 * answer "nothing", and lsv_trace_check reports it. */
	bool read_failed;
	ls_error read_err;
	/* private */
	void *store;           /* ls_store* when liblockstep's store is available */
	sqlite3 *db;
	sqlite3_stmt *st_event, *st_next_tid, *st_prev_tid, *st_next_lock, *st_prev_lock;
	sqlite3_stmt *st_hold, *st_recent;
} lsv_trace;

/* Called from the loading thread with the number of events loaded so far. */
typedef void (*lsv_progress_fn)(void *user, const char *what, uint64_t done, uint64_t total);

/* Opens a database, or loads a trace directory to its default database first (through
 * liblockstep), then prepares the level-of-detail summaries (built once into the database
 * when it is writable, else in memory). May run in a worker thread; `progress` may be NULL.
 * On success *out is owned by the caller: lsv_trace_free(). */
ls_status lsv_trace_open(const char *path, lsv_progress_fn progress, void *user, lsv_trace **out,
			 ls_error *err);
void lsv_trace_free(lsv_trace *trace);

/* Whether the database can still be trusted: every read so far succeeded and the file at
 * trace->path is still the one opened (not deleted, replaced nor rewritten). When not, fills
 * err with one line naming the file and what happened, and returns false. A stat(2) and no SQL:
 * cheap enough before every user action. */
bool lsv_trace_check(lsv_trace *trace, ls_error *err);

/* Reads the identity of the file at path; false when it cannot be stat'ed. */
bool lsv_file_id_read(const char *path, lsv_file_id *out);

/* NULL when the file at `path` is still `opened`, else what happened to it ("was deleted",
 * "was replaced by another file", "was rewritten") as a static string. */
const char *lsv_file_changed(const lsv_file_id *opened, const char *path);

/* One step of a statement of the trace's connection: the SQLite result code, and a failed read
 * (anything but SQLITE_ROW or SQLITE_DONE) recorded in trace->read_err once. */
int lsv_trace_step_row(lsv_trace *trace, sqlite3_stmt *q);

/* The connection (owned by the trace). Use from one thread at a time. */
sqlite3 *lsv_trace_borrow_db(lsv_trace *trace);

/* The task of a tid, NULL when unknown (owned by the trace). */
const lsv_task *lsv_trace_task(const lsv_trace *trace, int64_t tid);

/* Reads event `id` into *ev (free its payload with lsv_event_clear); false when no such event. */
bool lsv_trace_event(lsv_trace *trace, int64_t id, lsv_event *ev);
void lsv_event_clear(lsv_event *ev);

/* One line describing the event ("acquire mmap_lock write 0xffff… (trylock)" …); g_free it. */
char *lsv_event_describe(lsv_trace *trace, const lsv_event *ev);

/* Stepping. Each returns the id of the next (dir > 0) / previous (dir < 0) event after event
 * `from` in stream order — of any task, of task `tid`, or touching lock address `lock` — or -1
 * when there is none. */
int64_t lsv_trace_step(lsv_trace *trace, int64_t from, int dir);
int64_t lsv_trace_step_task(lsv_trace *trace, int64_t from, int64_t tid, int dir);
int64_t lsv_trace_step_lock(lsv_trace *trace, int64_t from, int64_t lock, int dir);

/* The last event at or before t (the first event when t precedes the trace); -1 when empty. */
int64_t lsv_trace_event_at(lsv_trace *trace, int64_t t);

/* The locks live after event `cursor` (at time t): holders and waiters. Returns a GPtrArray of
 * lsv_lock_state* that frees itself (g_ptr_array_unref). Sorted by class rank then address. */
GPtrArray *lsv_trace_lock_state(lsv_trace *trace, int64_t cursor, int64_t t);

/* The holds task `tid` has (held or waiting) after event `cursor`, outermost first. GArray of
 * lsv_hold; g_array_unref. */
GArray *lsv_trace_task_stack(lsv_trace *trace, int64_t tid, int64_t cursor, int64_t t);

/* Lifetimes of the object at `addr` (one per alloc), GArray of lsv_object; g_array_unref. */
GArray *lsv_trace_object(lsv_trace *trace, int64_t addr);

/* Lanes: rebuilt from the tasks, keeping only tasks for which keep(task) is true (all when
 * keep is NULL). */
void lsv_trace_build_lanes(lsv_trace *trace, bool (*keep)(const lsv_task *, void *), void *user);

/* Formatting helpers (g_free the result). */
char *lsv_format_duration(int64_t ns);          /* "1.250 ms", "830 ns" */
char *lsv_format_addr(int64_t addr);            /* "0xffff888000001000" */

#endif
