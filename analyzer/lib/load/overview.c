/* overview.c — building the level-of-detail overview of overview.h.
 *
 * One sequential scan of holds (table order: reading through the holds(tid, requested_ns)
 * index would cost a random row lookup per hold, and at load time the index does not exist
 * yet), with the waits merged in by hold id. Each hold is kept as a 48-byte record in its task's
 * chunks; then task by task, in (requested_ns, id) order, its holds are added to one dense
 * accumulator of the lane's buckets, which is run-length encoded into one view_lod_lanes row.
 * The per-bucket sums are floats added in exactly that order: the content must stay
 * byte-identical to what earlier viewers built under the same LS_OVERVIEW_VERSION.
 * Must not draw, print nor use GLib. */
#include "grow.h"
#include "overview.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* A hold as the accumulator needs it (the long ones are also kept whole as spans). */
typedef struct {
	int64_t id, start, acq, end, wait_end;
	uint8_t cls, mode, flags;
} hold_rec;

typedef struct {
	int64_t hold, end;          /* end: end_ns, or the trace end when NULL */
	size_t row;                 /* rank in table order, so equal hold ids keep it */
} wait_rec;

typedef struct {
	int64_t tid;
	uint32_t bucket;
	uint32_t flag;
} mark;

typedef struct {
	float hold[LS_OVERVIEW_CLASSES], wait[LS_OVERVIEW_CLASSES];
	uint32_t flags;
} cell;

typedef struct {
	sqlite3 *db;
	const char *file;           /* the database's path, for errors ("" in memory) */
	ls_overview_geometry g;
	cell *acc;                  /* g.n_buckets cells, zero outside [lo, hi) */
	uint32_t lo, hi;            /* touched bucket range of the current lane */
	ls_overview_run *runs;
	size_t n_runs, cap_runs;
	sqlite3_stmt *ins;
	wait_rec *waits;            /* sorted by hold id */
	size_t n_waits, cap_waits;
	mark *marks;
	size_t n_marks, cap_marks;
	size_t mi;                  /* marks already drawn (marks are sorted by tid) */
	ls_overview_span *longs;    /* the current lane's holds longer than a bucket, in order */
	size_t n_longs, cap_longs;
} build;

void ls_overview_geometry_init(int64_t t_begin, int64_t t_end, ls_overview_geometry *out)
{
	if (t_end < t_begin)
		t_end = t_begin;
	int64_t span = t_end - t_begin + 1;
	out->t0 = t_begin;
	out->t_end = t_end;
	out->width = (span + LS_OVERVIEW_BUCKETS - 1) / LS_OVERVIEW_BUCKETS;
	if (out->width < 1)
		out->width = 1;
	out->n_buckets = (uint32_t)((span + out->width - 1) / out->width);
}

int64_t ls_overview_span_end(int64_t requested, int64_t acquired, int64_t released, const char *outcome,
			     int64_t t_end)
{
	if (released != LS_OVERVIEW_NONE)
		return released;
	if (outcome && (!strcmp(outcome, "held-at-end") || !strcmp(outcome, "waiting-at-end")))
		return t_end > requested ? t_end : requested;
	return acquired != LS_OVERVIEW_NONE ? acquired : requested;
}

static uint32_t bucket_of(const ls_overview_geometry *g, int64_t t)
{
	if (t <= g->t0)
		return 0;
	int64_t b = (t - g->t0) / g->width;
	return b >= g->n_buckets ? g->n_buckets - 1 : (uint32_t)b;
}


static int cmp_mark(const void *a, const void *b)
{
	const mark *x = a, *y = b;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->bucket < y->bucket ? -1 : x->bucket > y->bucket;
}

static int cmp_wait(const void *a, const void *b)
{
	const wait_rec *x = a, *y = b;
	if (x->hold != y->hold)
		return x->hold < y->hold ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* ---- the accumulator ---- */

static ls_status db_error(build *b, ls_error *err, const char *what)
{
	return ls_error_set(err, LS_ERR_DB, b->file, "%s: %s", what, sqlite3_errmsg(b->db));
}

static ls_status nomem(build *b, ls_error *err)
{
	return ls_error_set(err, LS_ERR_NOMEM, b->file, "building the overview: out of memory");
}

static void acc_add(build *b, int64_t s, int64_t e, unsigned cls, bool wait)
{
	const ls_overview_geometry *g = &b->g;
	if (e < s)
		e = s;
	uint32_t b0 = bucket_of(g, s), b1 = bucket_of(g, e);
	if (b0 < b->lo)
		b->lo = b0;
	if (b1 + 1 > b->hi)
		b->hi = b1 + 1;
	for (uint32_t k = b0; k <= b1; k++) {
		int64_t bs = g->t0 + (int64_t)k * g->width, be = bs + g->width;
		int64_t x = s > bs ? s : bs, y = e < be ? e : be;
		float len = y > x ? (float)(y - x) : 0.5f; /* an instant still marks its bucket */
		if (wait)
			b->acc[k].wait[cls] += len;
		else
			b->acc[k].hold[cls] += len;
	}
}

static void acc_flag(build *b, uint32_t k, uint32_t flag)
{
	if (k < b->lo)
		b->lo = k;
	if (k + 1 > b->hi)
		b->hi = k + 1;
	b->acc[k].flags |= flag;
}

static void acc_hold(build *b, const hold_rec *s)
{
	const ls_overview_geometry *g = &b->g;
	if (s->flags & LS_OVERVIEW_SPAN_WAIT)
		acc_add(b, s->start, s->wait_end, s->cls, true);
	if (s->acq != LS_OVERVIEW_NONE && !(s->flags & LS_OVERVIEW_SPAN_FAILED)) {
		uint32_t rw = 1u << ((s->mode ? LS_OVERVIEW_WRITE_SHIFT : LS_OVERVIEW_READ_SHIFT) + s->cls);
		acc_add(b, s->acq, s->end, s->cls, false);
		acc_flag(b, bucket_of(g, s->acq), rw);
		if (s->end - s->acq > g->width) /* the whole span is write/read */
			for (uint32_t k = bucket_of(g, s->acq); k <= bucket_of(g, s->end); k++)
				b->acc[k].flags |= rw;
	} else if (s->flags & LS_OVERVIEW_SPAN_FAILED) {
		acc_flag(b, bucket_of(g, s->start), s->cls == 1 ? LS_OVERVIEW_REFUSED : LS_OVERVIEW_FAIL);
	}
}

static uint64_t cell_q(const cell *c, double width)
{
	uint64_t q = 0;
	for (unsigned k = 0; k < LS_OVERVIEW_CLASSES; k++) {
		double h = c->hold[k] / width, w = c->wait[k] / width;
		unsigned hq = h <= 0 ? 0 : h >= 1 ? 15 : (unsigned)ceil(h * 15);
		unsigned wq = w <= 0 ? 0 : w >= 1 ? 15 : (unsigned)ceil(w * 15);
		q |= (uint64_t)hq << (4 * k);
		q |= (uint64_t)wq << (28 + 4 * k);
	}
	return q;
}

/* Encodes the accumulator's touched range and the lane's long spans as one view_lod_lanes row,
 * and clears the accumulator for the next lane. */
static ls_status lane_flush(build *b, int64_t tid, const ls_overview_span *longs, size_t n_longs, ls_error *err)
{
	double width = (double)b->g.width;
	b->n_runs = 0;
	for (uint32_t k = b->lo; k < b->hi; k++) {
		uint64_t q = cell_q(&b->acc[k], width);
		uint32_t flags = b->acc[k].flags;
		memset(&b->acc[k], 0, sizeof(cell));
		if (!q && !flags)
			continue;
		if (b->n_runs) {
			ls_overview_run *last = &b->runs[b->n_runs - 1];
			if (last->first + last->count == k && last->q == q && last->flags == flags) {
				last->count++;
				continue;
			}
		}
		if (!ls_grow((void **)&b->runs, &b->cap_runs, b->n_runs + 1, sizeof(ls_overview_run)))
			return nomem(b, err);
		b->runs[b->n_runs++] = (ls_overview_run){ k, 1, q, flags, 0 };
	}
	b->lo = UINT32_MAX;
	b->hi = 0;
	sqlite3_reset(b->ins);
	sqlite3_bind_int64(b->ins, 1, tid);
	/* no runs: NULL, and no long spans: an empty blob, as the viewer has always written them */
	if (b->n_runs)
		sqlite3_bind_blob(b->ins, 2, b->runs, (int)(b->n_runs * sizeof(ls_overview_run)), SQLITE_STATIC);
	else
		sqlite3_bind_null(b->ins, 2);
	sqlite3_bind_blob(b->ins, 3, n_longs ? (const void *)longs : "", (int)(n_longs * sizeof(ls_overview_span)),
			  SQLITE_STATIC);
	ls_status st = LS_OK;
	if (sqlite3_step(b->ins) != SQLITE_DONE)
		st = db_error(b, err, "storing the overview");
	sqlite3_reset(b->ins);
	return st;
}

/* ---- reading ---- */

static bool meta_text(sqlite3 *db, const char *key, char *buf, size_t size)
{
	sqlite3_stmt *q = NULL;
	bool ok = false;
	buf[0] = 0;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0)) {
			snprintf(buf, size, "%s", (const char *)sqlite3_column_text(q, 0));
			ok = true;
		}
	}
	sqlite3_finalize(q);
	return ok;
}

static ls_status read_waits(build *b, ls_error *err)
{
	sqlite3_stmt *q = NULL;
	ls_status st = LS_OK;
	int rc;
	if (sqlite3_prepare_v2(b->db, "SELECT hold_id, end_ns FROM waits", -1, &q, NULL) != SQLITE_OK)
		return db_error(b, err, "reading waits");
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (!ls_grow((void **)&b->waits, &b->cap_waits, b->n_waits + 1, sizeof(wait_rec))) {
			st = nomem(b, err);
			goto end;
		}
		b->waits[b->n_waits] = (wait_rec){ sqlite3_column_int64(q, 0),
						   sqlite3_column_type(q, 1) == SQLITE_NULL ? b->g.t_end
											: sqlite3_column_int64(q, 1),
						   b->n_waits };
		b->n_waits++;
	}
	if (rc != SQLITE_DONE) {
		st = db_error(b, err, "reading waits");
		goto end;
	}
	for (size_t i = 1; i < b->n_waits; i++)
		if (b->waits[i].hold < b->waits[i - 1].hold) { /* the loader writes them in hold order */
			qsort(b->waits, b->n_waits, sizeof(wait_rec), cmp_wait);
			break;
		}
end:
	sqlite3_finalize(q);
	return st;
}

/* Instants that are not holds: frees and phase markers. */
static ls_status read_marks(build *b, ls_error *err)
{
	/* (tid, time, time or NULL): a free, or a phase's begin and end */
	static const char *const sql[] = {
		"SELECT free_tid, free_ns, NULL FROM objects WHERE free_ns IS NOT NULL AND free_tid IS NOT NULL",
		"SELECT tid, begin_ns, end_ns FROM phases",
	};
	static const uint32_t flag[] = { LS_OVERVIEW_FREE, LS_OVERVIEW_PHASE };
	for (unsigned i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *q = NULL;
		int rc;
		if (sqlite3_prepare_v2(b->db, sql[i], -1, &q, NULL) != SQLITE_OK)
			return db_error(b, err, "reading the frees and phases");
		while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
			int64_t tid = sqlite3_column_int64(q, 0);
			if (!ls_grow((void **)&b->marks, &b->cap_marks, b->n_marks + 2, sizeof(mark))) {
				sqlite3_finalize(q);
				return nomem(b, err);
			}
			for (int c = 1; c <= 2; c++)
				if (sqlite3_column_type(q, c) != SQLITE_NULL)
					b->marks[b->n_marks++] = (mark){ tid, bucket_of(&b->g, sqlite3_column_int64(q, c)),
									 flag[i] };
		}
		sqlite3_finalize(q);
		if (rc != SQLITE_DONE)
			return db_error(b, err, "reading the frees and phases");
	}
	if (b->n_marks > 1)
		qsort(b->marks, b->n_marks, sizeof(mark), cmp_mark);
	return LS_OK;
}

/* Draws the lanes of tasks that have only marks, up to (not including) `tid`, and then the
 * marks of `tid` into the current lane. */
static ls_status marks_up_to(build *b, int64_t tid, ls_error *err)
{
	ls_status st = LS_OK;

	while (st == LS_OK && b->mi < b->n_marks && b->marks[b->mi].tid < tid) {
		int64_t only = b->marks[b->mi].tid;
		while (b->mi < b->n_marks && b->marks[b->mi].tid == only) {
			acc_flag(b, b->marks[b->mi].bucket, b->marks[b->mi].flag);
			b->mi++;
		}
		st = lane_flush(b, only, NULL, 0, err);
	}
	while (st == LS_OK && b->mi < b->n_marks && b->marks[b->mi].tid == tid) {
		acc_flag(b, b->marks[b->mi].bucket, b->marks[b->mi].flag);
		b->mi++;
	}
	return st;
}

/* One pass over the holds in (tid, requested_ns, id) order — the holds_tid_t index, so no sort
 * and no copy of the holds: each task's lane is accumulated and written as soon as its last
 * hold is read, and memory stays one lane's buckets whatever the trace's length. */
static ls_status draw_holds(build *b, ls_overview_progress_fn progress, void *user, uint64_t total,
			    uint64_t *done, ls_error *err)
{
	static const char cols[] = "SELECT id, tid, class, mode, requested_ns, coalesce(acquired_ns, ?1), "
				   "coalesce(released_ns, ?1), outcome, reason, lock, lock_id FROM holds";
	char sql[512];
	sqlite3_stmt *q = NULL;
	ls_status st = LS_OK;
	size_t wi = 0;
	int64_t prev_id = INT64_MIN, lane_tid = 0;
	bool in_lane = false;
	int rc;

	/* a database written without the index (by hand) still draws, through a sort */
	snprintf(sql, sizeof(sql), "%s INDEXED BY holds_tid_t ORDER BY tid, requested_ns, id", cols);
	if (sqlite3_prepare_v2(b->db, sql, -1, &q, NULL) != SQLITE_OK) {
		snprintf(sql, sizeof(sql), "%s ORDER BY tid, requested_ns, id", cols);
		if (sqlite3_prepare_v2(b->db, sql, -1, &q, NULL) != SQLITE_OK)
			return db_error(b, err, "reading holds");
	}
	sqlite3_bind_int64(q, 1, LS_OVERVIEW_NONE);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		ls_overview_span s;
		memset(&s, 0, sizeof(s));
		s.id = sqlite3_column_int64(q, 0);
		s.tid = (int32_t)sqlite3_column_int64(q, 1);
		if (!in_lane || s.tid != lane_tid) {
			if (in_lane && (st = lane_flush(b, lane_tid, b->longs, b->n_longs, err)) != LS_OK)
				goto end;
			b->n_longs = 0;
			if ((st = marks_up_to(b, s.tid, err)) != LS_OK)
				goto end;
			lane_tid = s.tid;
			in_lane = true;
		}
		int64_t cls = sqlite3_column_int64(q, 2);
		s.cls = cls >= 0 && cls < LS_OVERVIEW_CLASSES ? (uint8_t)cls : 0;
		s.mode = (uint8_t)(sqlite3_column_int64(q, 3) & 1);
		s.start = sqlite3_column_int64(q, 4);
		s.acq = sqlite3_column_int64(q, 5);
		int64_t rel = sqlite3_column_int64(q, 6);
		const char *outcome = (const char *)sqlite3_column_text(q, 7);
		s.reason = (uint8_t)sqlite3_column_int64(q, 8);
		s.lock = sqlite3_column_int64(q, 9);
		s.lock_id = sqlite3_column_int64(q, 10);
		s.end = ls_overview_span_end(s.start, s.acq, rel, outcome, b->g.t_end);
		/* waits by hold id: a merge while the ids rise (within a task), else a search */
		if (s.id < prev_id) {
			size_t lo = 0, hi = b->n_waits;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (b->waits[mid].hold < s.id)
					lo = mid + 1;
				else
					hi = mid;
			}
			wi = lo;
		}
		prev_id = s.id;
		while (wi < b->n_waits && b->waits[wi].hold < s.id)
			wi++;
		if (wi < b->n_waits && b->waits[wi].hold == s.id) {
			int64_t we = b->waits[wi].end;
			s.flags |= LS_OVERVIEW_SPAN_WAIT;
			s.wait_end = we < s.start ? s.start : we;
		}
		if (outcome && !strcmp(outcome, "failed"))
			s.flags |= LS_OVERVIEW_SPAN_FAILED;
		if (outcome && strstr(outcome, "at-end"))
			s.flags |= LS_OVERVIEW_SPAN_AT_END;

		hold_rec r = { s.id, s.start, s.acq, s.end, s.wait_end, s.cls, s.mode, s.flags };
		acc_hold(b, &r);
		if (s.end - s.start > b->g.width) {
			if (!ls_grow((void **)&b->longs, &b->cap_longs, b->n_longs + 1, sizeof(ls_overview_span))) {
				st = nomem(b, err);
				goto end;
			}
			b->longs[b->n_longs++] = s;
		}
		if (progress && (++*done & 0xfffff) == 0)
			progress(user, *done, total);
	}
	if (rc != SQLITE_DONE) {
		st = db_error(b, err, "reading holds");
		goto end;
	}
	if (in_lane && (st = lane_flush(b, lane_tid, b->longs, b->n_longs, err)) != LS_OK)
		goto end;
	b->n_longs = 0;
	st = marks_up_to(b, INT64_MAX, err); /* the tasks after the last one with holds */
end:
	sqlite3_finalize(q);
	return st;
}

/* ---- build ---- */

static bool plain_name(const char *s)
{
	if (!s || !*s || strlen(s) > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (p > s && *p >= '0' && *p <= '9')))
			return false;
	return true;
}

ls_status ls_overview_build(sqlite3 *db, const char *schema, ls_overview_progress_fn progress, void *user,
			    ls_error *err)
{
	build b = { .db = db, .lo = UINT32_MAX };
	sqlite3_stmt *q = NULL;
	ls_status st = LS_OK;
	char sql[512], buf[256], stamp[300];
	uint64_t total = 0, done = 0;

	if (!db || !plain_name(schema))
		return ls_error_set(err, LS_ERR_USAGE, "", "ls_overview_build: no database, or schema '%s' is not a name",
				    schema ? schema : "(null)");
	b.file = sqlite3_db_filename(db, "main");
	if (!b.file)
		b.file = "";
	meta_text(db, "t_begin_ns", buf, sizeof(buf));
	int64_t t_begin = strtoll(buf, NULL, 10);
	meta_text(db, "t_end_ns", buf, sizeof(buf));
	ls_overview_geometry_init(t_begin, strtoll(buf, NULL, 10), &b.g);
	meta_text(db, "event_count", buf, sizeof(buf));
	long long n_events = strtoll(buf, NULL, 10);
	meta_text(db, "loaded_at", buf, sizeof(buf));
	snprintf(stamp, sizeof(stamp), "%s/%lld", buf, n_events);

	if (!(b.acc = calloc(b.g.n_buckets, sizeof(cell)))) {
		st = nomem(&b, err);
		goto end;
	}
	snprintf(sql, sizeof(sql),
		 "DROP TABLE IF EXISTS %1$s.view_lod_lanes; DROP TABLE IF EXISTS %1$s.view_lod_meta;"
		 "CREATE TABLE %1$s.view_lod_meta(key TEXT PRIMARY KEY, value TEXT);"
		 "CREATE TABLE %1$s.view_lod_lanes(tid INTEGER PRIMARY KEY, runs BLOB, longs BLOB);",
		 schema);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		st = db_error(&b, err, "creating the overview tables");
		goto end;
	}
	snprintf(sql, sizeof(sql), "INSERT INTO %s.view_lod_lanes VALUES (?, ?, ?)", schema);
	if (sqlite3_prepare_v2(db, sql, -1, &b.ins, NULL) != SQLITE_OK) {
		st = db_error(&b, err, "storing the overview");
		goto end;
	}
	/* max(id) is a b-tree lookup where count(*) would scan: enough for progress */
	if (progress && sqlite3_prepare_v2(db, "SELECT max(id) FROM holds", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		total = (uint64_t)(sqlite3_column_int64(q, 0) + 1);
	sqlite3_finalize(q);
	q = NULL;

	if ((st = read_waits(&b, err)) != LS_OK || (st = read_marks(&b, err)) != LS_OK ||
	    (st = draw_holds(&b, progress, user, total, &done, err)) != LS_OK)
		goto end;

	snprintf(sql, sizeof(sql),
		 "INSERT INTO %s.view_lod_meta VALUES ('version', ?), ('stamp', ?), ('t0', ?), ('width', ?), "
		 "('buckets', ?)",
		 schema);
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		st = db_error(&b, err, "storing the overview");
		goto end;
	}
	sqlite3_bind_text(q, 1, LS_OVERVIEW_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, stamp, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, b.g.t0);
	sqlite3_bind_int64(q, 4, b.g.width);
	sqlite3_bind_int64(q, 5, b.g.n_buckets);
	if (sqlite3_step(q) != SQLITE_DONE) {
		st = db_error(&b, err, "storing the overview");
		goto end;
	}
	if (strcmp(schema, "temp") != 0) {
		/* the viewer's detail queries join waits by hold; an index can only live beside its table */
		snprintf(sql, sizeof(sql), "CREATE INDEX IF NOT EXISTS %s.view_waits_hold ON waits(hold_id)", schema);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			st = db_error(&b, err, "indexing waits by hold");
	}
end:
	sqlite3_finalize(q);
	sqlite3_finalize(b.ins);
	free(b.acc);
	free(b.runs);
	free(b.waits);
	free(b.marks);
	free(b.longs);
	return st;
}
