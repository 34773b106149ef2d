/* overview.h — the viewer's level-of-detail overview of a database, built once (by `lockstep
 * load`, or by the viewer for a database written before the loader built it) and stored in it.
 *
 * The trace time [t_begin_ns, t_end_ns] (meta) is cut into at most LS_OVERVIEW_BUCKETS equal
 * buckets. For every task and bucket the overview records how much of the bucket each lock class
 * was held and waited for (4-bit fractions), which classes were held for read or write, and
 * whether a failed trylock, a refused per-VMA read lock, an object free or a phase marker fell
 * in it; buckets with equal summaries are run-length encoded (ls_overview_run). Holds longer than
 * one bucket are also kept whole (ls_overview_span, "long spans"). Two tables hold it:
 *
 *   view_lod_meta(key TEXT PRIMARY KEY, value TEXT) — version (LS_OVERVIEW_VERSION), stamp
 *     (meta loaded_at "/" event_count: which load it summarizes), t0, width, buckets;
 *   view_lod_lanes(tid INTEGER PRIMARY KEY, runs BLOB, longs BLOB) — per task, the level-0 runs
 *     and the long spans, as arrays of the structs below in host byte order (a cache, not part
 *     of the schema: a reader that finds another version or stamp rebuilds it).
 *
 * This module only computes and stores; it never draws, prints nor exits, and it links no GLib
 * (gui/lod.c reads the tables back and draws). */
#ifndef LOCKSTEP_OVERVIEW_H
#define LOCKSTEP_OVERVIEW_H

#include <sqlite3.h>
#include <stdint.h>

#include "error.h"

/* Bump when the tables' content or layout changes: readers rebuild on a mismatch. */
#define LS_OVERVIEW_VERSION "lsv-lod-2"

#define LS_OVERVIEW_BUCKETS 65536
#define LS_OVERVIEW_CLASSES 7
#define LS_OVERVIEW_NONE INT64_MIN /* acq of a span never acquired */

/* Run flags. */
enum {
	LS_OVERVIEW_WRITE_SHIFT = 0,    /* bit (0 + class): held for write in the run */
	LS_OVERVIEW_READ_SHIFT = 7,     /* bit (7 + class): held for read */
	LS_OVERVIEW_FAIL = 1u << 14,    /* a trylock failed */
	LS_OVERVIEW_REFUSED = 1u << 15, /* a per-VMA read lock was refused */
	LS_OVERVIEW_FREE = 1u << 16,    /* an object was freed */
	LS_OVERVIEW_PHASE = 1u << 17,   /* a phase began or ended */
};

/* One element of view_lod_lanes.runs: buckets [first, first+count) share q and flags. */
typedef struct {
	uint32_t first, count;
	uint64_t q;                     /* 4 bits per class: held fraction (bits 4c..), waited (28+4c..) */
	uint32_t flags;
	uint32_t pad;                   /* 0 */
} ls_overview_run;

/* Span flags. */
enum {
	LS_OVERVIEW_SPAN_WAIT = 1,      /* waited from start to wait_end */
	LS_OVERVIEW_SPAN_FAILED = 2,    /* the attempt failed (trylock, refused per-VMA lock, killed) */
	LS_OVERVIEW_SPAN_AT_END = 4,    /* still held or waiting when the trace ended */
};

/* A holds row as the timeline draws it; one element of view_lod_lanes.longs. */
typedef struct {
	int64_t id, lock, lock_id;
	int64_t start;                  /* requested_ns */
	int64_t acq;                    /* acquired_ns, or LS_OVERVIEW_NONE */
	int64_t end;                    /* ls_overview_span_end() */
	int64_t wait_end;               /* end of the wait when LS_OVERVIEW_SPAN_WAIT, else 0 */
	int32_t tid;
	uint8_t cls, mode, flags, reason;
} ls_overview_span;

/* Where the buckets lie for a trace [t_begin, t_end]. */
typedef struct {
	int64_t t0;                     /* start of bucket 0 (= t_begin) */
	int64_t t_end;                  /* max(t_begin, t_end) */
	int64_t width;                  /* ns per bucket; also the long-span threshold */
	uint32_t n_buckets;
} ls_overview_geometry;

/* Fills *out for a trace [t_begin, t_end] (meta t_begin_ns, t_end_ns). */
void ls_overview_geometry_init(int64_t t_begin, int64_t t_end, ls_overview_geometry *out);

/* End of a holds row as drawn: released_ns; for an outcome ending in "-at-end", the trace end
 * (t_end, or requested when later); else acquired, else requested. Pass LS_OVERVIEW_NONE for a
 * NULL acquired/released. */
int64_t ls_overview_span_end(int64_t requested, int64_t acquired, int64_t released, const char *outcome,
			     int64_t t_end);

/* Called now and then during a build: `done` of about `total` steps. */
typedef void (*ls_overview_progress_fn)(void *user, uint64_t done, uint64_t total);

/* (Re)creates `schema`.view_lod_meta and `schema`.view_lod_lanes on `db` from the complete
 * holds, waits, objects, phases and meta tables (read unqualified: the connection's main
 * database), dropping any earlier overview in that schema. `schema` is "main" (the database
 * itself; then the index view_waits_hold on waits(hold_id), which the viewer's detail queries
 * join through, is created too when missing) or "temp" (a read-only database: nothing is
 * written to it). `progress` may be NULL; `db` and `schema` are borrowed.
 *
 * It opens no transaction: call it inside the caller's (the loader's, before its indexes are
 * built; the viewer wraps it in BEGIN/COMMIT), which a failure leaves for the caller to roll
 * back. Memory, for the duration of the call: about 48 bytes per hold, 48 more per hold of the
 * busiest task, 64 per long span and 4 MB.
 * Returns LS_OK; LS_ERR_USAGE for a schema that is not a plain name; LS_ERR_DB when SQLite
 * fails (the message says which step); LS_ERR_NOMEM. */
ls_status ls_overview_build(sqlite3 *db, const char *schema, ls_overview_progress_fn progress, void *user,
			    ls_error *err);

#endif
