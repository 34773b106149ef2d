/* lod.h — level-of-detail summaries of the timeline, so any zoom level draws in a few ms.
 *
 * The trace time [t_begin, t_end] is cut into at most LSV_LOD_BUCKETS equal buckets. For every
 * task lane and bucket, the summary records how much of the bucket each lock class was held and
 * waited for (4-bit fractions), which classes were held for read or write, and whether a failed
 * trylock, a refused per-VMA read lock, an object free or a phase marker fell in it. Buckets with
 * equal summaries are run-length encoded, and coarser levels merge 4^k buckets, so drawing a lane
 * touches at most ~2 runs per pixel. Holds longer than one bucket are also kept whole in memory
 * ("long spans"), so a zoomed-in view needs SQL only for the short holds that start inside it
 * (index holds(tid, requested_ns)) — a hold that started before the view is either long (in
 * memory) or starts less than one bucket earlier.
 *
 * The summaries are built by liblockstep (overview.h) and stored in the database (tables
 * view_lod_meta, view_lod_lanes): `lockstep load` writes them. For a database written by an older
 * lockstep, or whose load (meta.loaded_at, event_count) or overview version does not match, this
 * module builds them with the same function on open — into the database when it is writable,
 * else into TEMP tables of the connection. This module must not draw: timeline.c does. */
#ifndef LSV_LOD_H
#define LSV_LOD_H

#include <glib.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "overview.h"

/* The stored format is liblockstep's (overview.h): the viewer reads it as it is. */
#define LSV_LOD_BUCKETS LS_OVERVIEW_BUCKETS
#define LSV_LOD_LEVELS 6       /* level k merges 4^k buckets */
#define LSV_LOD_CLASSES LS_OVERVIEW_CLASSES

/* Run flags. */
enum {
	LSV_LOD_WRITE_SHIFT = LS_OVERVIEW_WRITE_SHIFT, /* bit (0 + class): held for write in the run */
	LSV_LOD_READ_SHIFT = LS_OVERVIEW_READ_SHIFT,   /* bit (7 + class): held for read */
	LSV_LOD_FAIL = LS_OVERVIEW_FAIL,               /* a trylock failed */
	LSV_LOD_REFUSED = LS_OVERVIEW_REFUSED,         /* a per-VMA read lock was refused */
	LSV_LOD_FREE = LS_OVERVIEW_FREE,               /* an object was freed */
	LSV_LOD_PHASE = LS_OVERVIEW_PHASE,             /* a phase began or ended */
};

/* buckets [first, first+count) at the run's level; q: 4 bits per class, held fraction
 * (bits 4c..), waited (28+4c..) */
typedef ls_overview_run lsv_lod_run;

static inline unsigned lsv_lod_hold_q(uint64_t q, unsigned cls) { return (q >> (4 * cls)) & 15; }
static inline unsigned lsv_lod_wait_q(uint64_t q, unsigned cls) { return (q >> (28 + 4 * cls)) & 15; }

/* Span flags. */
enum {
	LSV_SPAN_WAIT = LS_OVERVIEW_SPAN_WAIT,     /* waited from start to wait_end */
	LSV_SPAN_FAILED = LS_OVERVIEW_SPAN_FAILED, /* the attempt failed (trylock, refused per-VMA lock, killed) */
	LSV_SPAN_AT_END = LS_OVERVIEW_SPAN_AT_END, /* still held or waiting when the trace ended */
};

/* A hold as the timeline draws it (id, lock, lock_id, start = requested_ns, acq = acquired_ns
 * or LSV_NONE, end, wait_end, tid, cls, mode, flags, reason): the long spans are stored so. */
typedef ls_overview_span lsv_span;

/* Instants. */
typedef enum {
	LSV_INSTANT_FAIL,          /* failed trylock */
	LSV_INSTANT_REFUSED,       /* refused per-VMA read lock */
	LSV_INSTANT_FREE,          /* lockstep_obj_free */
	LSV_INSTANT_FREE_DONE,     /* lockstep_obj_free_done (RCU) */
	LSV_INSTANT_PHASE_BEGIN,
	LSV_INSTANT_PHASE_END,
} lsv_instant_kind;

typedef struct {
	int64_t t, event;          /* event id, or hold id for FAIL/REFUSED */
	int64_t what;              /* lock or object address; phase id for phases */
	int32_t tid;
	uint8_t kind, cls;
} lsv_instant;

typedef struct {
	int64_t tid;
	GArray *levels[LSV_LOD_LEVELS]; /* lsv_lod_run */
	lsv_span *longs;           /* sorted by start */
	int64_t *maxend;           /* maxend[i] = max(longs[0..i].end) */
	size_t n_longs;
} lsv_lod_lane;

typedef struct lsv_lod {
	int64_t t0;                /* start of bucket 0 */
	int64_t width;             /* ns per bucket at level 0; also the long-span threshold */
	uint32_t n_buckets;
	int64_t t_end;
	bool wait_index;           /* waits(hold_id) is indexed: detail queries join waits */
	int64_t n_events;          /* events.id runs 0 .. n_events-1, in time order */
	GHashTable *lanes;         /* tid (int64 key) → lsv_lod_lane* */
	double build_seconds;      /* 0 when loaded from the database */
} lsv_lod;

typedef void (*lsv_lod_progress_fn)(void *user, const char *what, uint64_t done, uint64_t total);

/* Loads the summaries of `db`, building them first (ls_overview_build) when absent or stale.
 * `stamp` identifies the load (meta loaded_at "/" event_count, as ls_overview_build writes it). On success *out is owned by the caller (lsv_lod_free). */
ls_status lsv_lod_prepare(sqlite3 *db, bool writable, int64_t t_begin,
			  int64_t t_end, int64_t n_events, const char *stamp, lsv_lod_progress_fn progress, void *user,
			  lsv_lod **out, ls_error *err);
void lsv_lod_free(lsv_lod *lod);

/* The lane of tid, NULL when the task has no holds nor instants. */
const lsv_lod_lane *lsv_lod_lane_get(const lsv_lod *lod, int64_t tid);

/* Bucket of time t at level 0 (clamped). */
uint32_t lsv_lod_bucket(const lsv_lod *lod, int64_t t);

/* Index of the first run of `runs` whose end is after `bucket`. */
size_t lsv_lod_first_run(const GArray *runs, uint32_t bucket);

/* Appends to `out` (lsv_span) the long spans of `lane` overlapping [a, b]. */
void lsv_lod_long_overlap(const lsv_lod_lane *lane, int64_t a, int64_t b, GArray *out);

/* Detail for one lane and [a, b]: appends the short holds starting in [a - width, b] to `spans`
 * and their failures (failed trylocks, refused per-VMA read locks) to `instants`. `db` may be
 * another connection to the same file (the worker's). Long spans are not included: take them
 * from lsv_lod_long_overlap. */
ls_status lsv_lod_fetch(sqlite3 *db, const lsv_lod *lod, int64_t tid, int64_t a, int64_t b,
			GArray *spans, GArray *instants, ls_error *err);

/* The short holds of one lock (locks.id) starting in [a - width, b], at most `limit` of them
 * (*truncated set when there were more): the lock lane. */
ls_status lsv_lod_fetch_lock(sqlite3 *db, const lsv_lod *lod, int64_t lock_id, int64_t a, int64_t b,
			     int limit, GArray *spans, bool *truncated, ls_error *err);

/* The holds of task tid in class cls that overlap [a, b] — short ones from SQL (index holds(tid,
 * requested_ns)), long ones from the lane in memory: how many, the first acquisition and the
 * last release. Where holds are drawn as summaries (several to a pixel) this is what a pixel
 * stands for, back-to-back holds counted one by one. */
typedef struct {
	int64_t count, first, last, held_ns;
} lsv_lod_hold_count;
ls_status lsv_lod_count_holds(sqlite3 *db, const lsv_lod *lod, int64_t tid, unsigned cls, int64_t a, int64_t b,
			      lsv_lod_hold_count *out, ls_error *err);

/* The frees and phase markers of every task in [a, b], from one scan of the events' id range
 * (docs/schema.md). fn(user, instant) is called for each. */
ls_status lsv_lod_fetch_events(sqlite3 *db, int64_t a, int64_t b,
			       void (*fn)(void *user, const lsv_instant *in), void *user, ls_error *err);

/* The largest event id whose time is <= t (-1 when t precedes every event), with the SQLite
 * result in *rc (SQLITE_OK, or the failed read's code: then the result is -1). One query:
 * `events` reads only the chunk holding t (docs/schema.md). */
int64_t lsv_event_id_at_rc(sqlite3 *db, int64_t t, int *rc);

#endif
