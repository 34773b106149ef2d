/* store.h — the SQLite database of docs/schema.md: creating it for a load, opening a complete
 * one for reading. Writing rows is the loader's business (store.c keeps the prepared
 * statements); readers get the sqlite3 handle and run SQL. */
#ifndef LOCKSTEP_STORE_H
#define LOCKSTEP_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

#include "error.h"

/* 2: `unmatched_releases`, and a release never ends another task's hold (version 1 databases
 * hold read holds ended by other tasks' releases: they are refused, the trace must be reloaded).
 * 3: `finding_evidence.end_ns`/`trylock`, `finding_instances`, `meta.machine` (a version 2 file
 * has findings the viewer cannot show the blockers of: refused, reload). */
/* 4: raw events packed in `event_chunks`/`event_data`, read through the `events` virtual
 * table; `event_blocks` is a view (a version 3 file has an `events` table this lockstep does
 * not write or read: refused, reload).
 * 5: `stacks`, `stack_frames`, `event_stacks` (callstack.h; a version 4 file would show no stack
 * even for a trace recorded with them: refused, reload). */
/* 6: `cpu_runs` (which task ran on which CPU when; a version 5 file has no CPU lanes: refused,
 * reload). */
#define LS_SCHEMA_VERSION 6

typedef struct ls_store ls_store;

/* Opens a complete lockstep database at `path` (one thread at a time may use it). Refuses (LS_ERR_INPUT, message naming the file)
 * a file that is not SQLite, has no lockstep schema, another schema version, or whose load did not
 * complete. `writable` allows adding findings. On success *out is owned by the caller: free with
 * ls_store_close(). */
ls_status ls_store_open(const char *path, bool writable, ls_store **out, ls_error *err);

/* Closes and frees; NULL is fine. */
void ls_store_close(ls_store *store);

/* The connection, owned by the store (valid until ls_store_close). */
sqlite3 *ls_store_borrow_db(ls_store *store);

/* The path the store was opened with (owned by the store). */
const char *ls_store_path(const ls_store *store);

/* Reads meta.key into buf (empty string when absent); returns false when absent. */
bool ls_store_meta(ls_store *store, const char *key, char *buf, size_t size);

/* meta.key as an integer, `fallback` when absent. */
int64_t ls_store_meta_int(ls_store *store, const char *key, int64_t fallback);

/* Runs `sql` (no result rows expected) and reports failure with the database path.
 * Useful for writers of derived tables (findings). */
ls_status ls_store_exec(ls_store *store, const char *sql, ls_error *err);

/* ---- Writing: used by the loader only ------------------------------------------------- */

#include "ctf.h"

/* Rows of the derived tables (docs/schema.md). -1 in an *_ns field or an id field means NULL. */
typedef struct {
	int64_t id, lock_id;
	uint64_t lock;
	int cls, mode;
	int64_t tid;
	int trylock;
	int64_t requested_ns, acquired_ns, released_ns;
	const char *outcome;
	int reason;
	uint64_t request_ip, acquired_ip, release_ip;
	int64_t request_event, release_event, parent_id;
	uint64_t obj, mm; /* the lock's owner and mm at this acquisition (addresses get reused) */
} ls_hold_row;

typedef struct {
	int64_t hold_id, lock_id;
	uint64_t lock;
	int cls, mode;
	int64_t tid, begin_ns, end_ns, offcpu_ns;
	const char *outcome;
} ls_wait_row;

typedef struct {
	uint64_t addr, mm, start, end;
	int kind;
	int64_t alloc_ns, alloc_tid, detach_ns, detach_tid, free_ns, free_tid, free_done_ns;
	uint64_t alloc_ip, detach_ip, free_ip;
	int deferred; /* -1: not freed */
} ls_object_row;

typedef struct {
	int64_t tid, pid; /* pid -1: unknown */
	const char *comm;
	int64_t first_ns, last_ns, events;
} ls_task_row;

typedef struct {
	int64_t id;
	uint64_t addr, obj, mm;
	int cls;
	int64_t first_ns, last_ns, acquisitions, contentions;
} ls_lock_row;

/* A lock_release that matched no open hold of the releasing task (docs/schema.md). */
typedef struct {
	int64_t event_id, lock_id, t_ns, tid;
	uint64_t lock, ip;
	int cls, mode;
} ls_release_row;

typedef struct {
	int64_t tid;
	uint64_t mm;
	int phase;
	int64_t begin_ns, end_ns;
} ls_phase_row;

/* Creates a new database at `path` (which must not exist) with the schema and no indexes, in one
 * open transaction, tuned for a bulk load. *out is owned by the caller: either
 * ls_store_finish() it or ls_store_close() it (which discards nothing on disk: the caller
 * removes the file). */
ls_status ls_store_create(const char *path, ls_store **out, ls_error *err);

/* The event's type id for the database: contract ids as they are, other names numbered from
 * LS_EV_FIRST_FOREIGN in order of first appearance (and recorded in event_types). */
ls_status ls_store_event_type(ls_store *store, const ls_event *ev, int64_t *type, ls_error *err);

/* Packs the rows `select_sql` returns — the 25 columns of `events` in their order, ids from 0
 * in order — into event_chunks/event_data of `db` (which has the schema). For databases
 * written by hand (the viewer's test fixture); the loader packs as it reads. */
ls_status ls_store_pack_rows(sqlite3 *db, const char *select_sql, ls_error *err);

ls_status ls_store_insert_event(ls_store *store, int64_t id, int64_t type, const ls_event *ev, ls_error *err);
ls_status ls_store_insert_hold(ls_store *store, const ls_hold_row *row, ls_error *err);
ls_status ls_store_insert_wait(ls_store *store, const ls_wait_row *row, ls_error *err);
ls_status ls_store_insert_object(ls_store *store, const ls_object_row *row, ls_error *err);
ls_status ls_store_insert_task(ls_store *store, const ls_task_row *row, ls_error *err);
ls_status ls_store_insert_lock(ls_store *store, const ls_lock_row *row, ls_error *err);
ls_status ls_store_insert_phase(ls_store *store, const ls_phase_row *row, ls_error *err);
ls_status ls_store_insert_unmatched_release(ls_store *store, const ls_release_row *row, ls_error *err);
ls_status ls_store_insert_discard(ls_store *store, const ls_discard *d, ls_error *err);
ls_status ls_store_set_meta(ls_store *store, const char *key, const char *value, ls_error *err);

/* Writes the last events and builds the indexes of the derived tables (once, after they are
 * all written; the overview reads holds through holds_tid_t). */
ls_status ls_store_build_indexes(ls_store *store, ls_error *err);

/* Writes meta.load_complete = 1 last, commits and closes the store (freed whatever the
 * outcome). */
ls_status ls_store_finish(ls_store *store, ls_error *err);

#endif
