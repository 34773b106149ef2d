/* lod.c — building, storing and loading the level-of-detail summaries of lod.h.
 *
 * The build is one ordered pass over holds (index holds(tid, requested_ns)) with one dense
 * accumulator for the lane being built; the result is written as one row per lane whose BLOBs
 * hold the run-length encoded level 0 and the long spans, so a later open reads a few MB instead
 * of millions of rows. The BLOBs are in host byte order: they are a cache, versioned by
 * LOD_VERSION and rebuilt when it changes. Must not draw nor touch GTK. */
#include "lod.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

#define LOD_VERSION "lsv-lod-2"

typedef struct {
	int64_t tid;
	uint32_t bucket;
	uint32_t flag;
} lod_mark;

typedef struct {
	float hold[LSV_LOD_CLASSES], wait[LSV_LOD_CLASSES];
	uint32_t flags;
} lod_cell;

static int cmp_mark(const void *a, const void *b)
{
	const lod_mark *x = a, *y = b;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->bucket < y->bucket ? -1 : x->bucket > y->bucket;
}

static int cmp_span(const void *a, const void *b)
{
	const lsv_span *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static gint cmp_int32(gconstpointer a, gconstpointer b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return x < y ? -1 : x > y;
}

/* Orders holds by (tid, start): a stable counting sort by tid (table order is close to time
 * order already), then a sort of each task's run only when it is not yet in order. */
static void sort_by_tid(GArray *all)
{
	GHashTable *count = g_hash_table_new(g_int_hash, g_int_equal);
	GArray *tids = g_array_new(FALSE, FALSE, sizeof(int32_t));
	for (guint i = 0; i < all->len; i++) {
		int32_t *tid = &g_array_index(all, lsv_span, i).tid;
		gpointer v = g_hash_table_lookup(count, tid);
		if (!v)
			g_array_append_val(tids, *tid);
		g_hash_table_insert(count, tid, GSIZE_TO_POINTER(GPOINTER_TO_SIZE(v) + 1));
	}
	g_array_sort(tids, (GCompareFunc)cmp_int32);
	GHashTable *offset = g_hash_table_new_full(g_int_hash, g_int_equal, g_free, g_free);
	size_t off = 0;
	for (guint i = 0; i < tids->len; i++) {
		int32_t *k = g_new(int32_t, 1);
		size_t *o = g_new(size_t, 1);
		*k = g_array_index(tids, int32_t, i);
		*o = off;
		off += GPOINTER_TO_SIZE(g_hash_table_lookup(count, k));
		g_hash_table_insert(offset, k, o);
	}
	lsv_span *out = g_new(lsv_span, all->len ? all->len : 1);
	for (guint i = 0; i < all->len; i++) {
		const lsv_span *sp = &g_array_index(all, lsv_span, i);
		size_t *o = g_hash_table_lookup(offset, &sp->tid);
		out[(*o)++] = *sp;
	}
	memcpy(all->data, out, sizeof(lsv_span) * all->len);
	g_free(out);
	for (size_t i = 0; i < all->len;) {
		size_t j = i + 1;
		gboolean sorted = TRUE;
		lsv_span *a = (lsv_span *)all->data;
		while (j < all->len && a[j].tid == a[i].tid) {
			if (cmp_span(&a[j - 1], &a[j]) > 0)
				sorted = FALSE;
			j++;
		}
		if (!sorted)
			qsort(&a[i], j - i, sizeof(lsv_span), cmp_span);
		i = j;
	}
	g_hash_table_unref(offset);
	g_hash_table_unref(count);
	g_array_unref(tids);
}

uint32_t lsv_lod_bucket(const lsv_lod *lod, int64_t t)
{
	if (t <= lod->t0)
		return 0;
	int64_t b = (t - lod->t0) / lod->width;
	return b >= lod->n_buckets ? lod->n_buckets - 1 : (uint32_t)b;
}

static void lane_free(gpointer p)
{
	lsv_lod_lane *lane = p;
	for (int k = 0; k < LSV_LOD_LEVELS; k++)
		if (lane->levels[k])
			g_array_unref(lane->levels[k]);
	g_free(lane->longs);
	g_free(lane->maxend);
	g_free(lane);
}

void lsv_lod_free(lsv_lod *lod)
{
	if (!lod)
		return;
	if (lod->lanes)
		g_hash_table_unref(lod->lanes);
	g_free(lod);
}

const lsv_lod_lane *lsv_lod_lane_get(const lsv_lod *lod, int64_t tid)
{
	return g_hash_table_lookup(lod->lanes, &tid);
}

size_t lsv_lod_first_run(const GArray *runs, uint32_t bucket)
{
	size_t lo = 0, hi = runs->len;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const lsv_lod_run *r = &g_array_index(runs, lsv_lod_run, mid);
		if (r->first + r->count <= bucket)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void lsv_lod_long_overlap(const lsv_lod_lane *lane, int64_t a, int64_t b, GArray *out)
{
	if (!lane || !lane->n_longs)
		return;
	/* last long span starting at or before b */
	size_t lo = 0, hi = lane->n_longs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (lane->longs[mid].start <= b)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t first_out = out->len;
	for (size_t i = lo; i-- > 0;) {
		if (lane->maxend[i] < a)
			break;
		if (lane->longs[i].end >= a)
			g_array_append_val(out, lane->longs[i]);
	}
	/* restore start order for the caller */
	if (out->len - first_out > 1)
		qsort(&g_array_index(out, lsv_span, first_out), out->len - first_out, sizeof(lsv_span),
		      cmp_span);
}

/* ---- encoding ---- */

static uint64_t cell_q(const lod_cell *c, double width)
{
	uint64_t q = 0;
	for (unsigned k = 0; k < LSV_LOD_CLASSES; k++) {
		double h = c->hold[k] / width, w = c->wait[k] / width;
		unsigned hq = h <= 0 ? 0 : h >= 1 ? 15 : (unsigned)ceil(h * 15);
		unsigned wq = w <= 0 ? 0 : w >= 1 ? 15 : (unsigned)ceil(w * 15);
		q |= (uint64_t)hq << (4 * k);
		q |= (uint64_t)wq << (28 + 4 * k);
	}
	return q;
}

static void runs_push(GArray *runs, uint32_t bucket, uint32_t count, uint64_t q, uint32_t flags)
{
	if (!q && !flags)
		return;
	if (runs->len) {
		lsv_lod_run *last = &g_array_index(runs, lsv_lod_run, runs->len - 1);
		if (last->first + last->count == bucket && last->q == q && last->flags == flags) {
			last->count += count;
			return;
		}
	}
	lsv_lod_run r = { bucket, count, q, flags, 0 };
	g_array_append_val(runs, r);
}

typedef struct {
	uint32_t group;
	unsigned acc[2 * LSV_LOD_CLASSES];
	uint32_t flags;
} coarse_group;

static void group_flush(GArray *out, coarse_group *g)
{
	if (g->group != UINT32_MAX) {
		uint64_t q = 0;
		for (unsigned k = 0; k < 2 * LSV_LOD_CLASSES; k++) {
			unsigned v = (g->acc[k] + 3) / 4;
			q |= (uint64_t)(v > 15 ? 15 : v) << (4 * k);
		}
		runs_push(out, g->group, 1, q, g->flags);
	}
	memset(g, 0, sizeof(*g));
	g->group = UINT32_MAX;
}

/* Level k+1 from level k: merge groups of 4 buckets (average the fractions, or the flags). */
static GArray *runs_coarsen(const GArray *fine)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(lsv_lod_run));
	coarse_group g;
	memset(&g, 0, sizeof(g));
	g.group = UINT32_MAX;
	for (guint i = 0; i < fine->len; i++) {
		const lsv_lod_run *r = &g_array_index(fine, lsv_lod_run, i);
		uint32_t b = r->first, e = r->first + r->count;
		while (b < e) {
			if (b / 4 != g.group) {
				group_flush(out, &g);
				g.group = b / 4;
			}
			if (b % 4 == 0 && e - b >= 4) {
				/* whole groups inside the run keep the run's values */
				uint32_t n = (e - b) / 4;
				runs_push(out, b / 4, n, r->q, r->flags);
				b += 4 * n;
				g.group = UINT32_MAX;
				continue;
			}
			for (unsigned k = 0; k < 2 * LSV_LOD_CLASSES; k++)
				g.acc[k] += (r->q >> (4 * k)) & 15;
			g.flags |= r->flags;
			b++;
		}
	}
	group_flush(out, &g);
	return out;
}

static void lane_finish(lsv_lod_lane *lane)
{
	for (int k = 1; k < LSV_LOD_LEVELS; k++)
		lane->levels[k] = runs_coarsen(lane->levels[k - 1]);
	lane->maxend = g_new(int64_t, lane->n_longs ? lane->n_longs : 1);
	int64_t m = INT64_MIN;
	for (size_t i = 0; i < lane->n_longs; i++) {
		if (lane->longs[i].end > m)
			m = lane->longs[i].end;
		lane->maxend[i] = m;
	}
}

/* ---- build ---- */

typedef struct {
	sqlite3 *db;
	const char *schema;        /* "main" or "temp" */
	lsv_lod *lod;
	lod_cell *acc;
	uint32_t lo, hi;           /* touched bucket range of the current lane */
	GArray *longs;
	sqlite3_stmt *ins;
	int64_t *wait_hold, *wait_end; /* waits sorted by hold_id */
	size_t n_waits;
} lod_build;

static void acc_add(lod_build *b, int64_t s, int64_t e, unsigned cls, bool wait)
{
	lsv_lod *lod = b->lod;
	if (e < s)
		e = s;
	uint32_t b0 = lsv_lod_bucket(lod, s), b1 = lsv_lod_bucket(lod, e);
	if (b0 < b->lo)
		b->lo = b0;
	if (b1 + 1 > b->hi)
		b->hi = b1 + 1;
	for (uint32_t k = b0; k <= b1; k++) {
		int64_t bs = lod->t0 + (int64_t)k * lod->width, be = bs + lod->width;
		int64_t x = s > bs ? s : bs, y = e < be ? e : be;
		float len = y > x ? (float)(y - x) : 0.5f; /* an instant still marks its bucket */
		if (wait)
			b->acc[k].wait[cls] += len;
		else
			b->acc[k].hold[cls] += len;
	}
}

static void acc_flag(lod_build *b, uint32_t k, uint32_t flag)
{
	if (k < b->lo)
		b->lo = k;
	if (k + 1 > b->hi)
		b->hi = k + 1;
	b->acc[k].flags |= flag;
}

static int64_t wait_end_of(const lod_build *b, int64_t hold_id, bool *found)
{
	size_t lo = 0, hi = b->n_waits;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (b->wait_hold[mid] < hold_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < b->n_waits && b->wait_hold[lo] == hold_id;
	return *found ? b->wait_end[lo] : 0;
}

static ls_status lane_flush(lod_build *b, int64_t tid, ls_error *err)
{
	lsv_lod *lod = b->lod;
	GArray *runs = g_array_new(FALSE, FALSE, sizeof(lsv_lod_run));
	double width = (double)lod->width;
	for (uint32_t k = b->lo; k < b->hi; k++) {
		runs_push(runs, k, 1, cell_q(&b->acc[k], width), b->acc[k].flags);
		memset(&b->acc[k], 0, sizeof(lod_cell));
	}
	b->lo = UINT32_MAX;
	b->hi = 0;
	ls_status st = LS_OK;
	sqlite3_reset(b->ins);
	sqlite3_bind_int64(b->ins, 1, tid);
	sqlite3_bind_blob(b->ins, 2, runs->data, (int)(runs->len * sizeof(lsv_lod_run)), SQLITE_STATIC);
	sqlite3_bind_blob(b->ins, 3, b->longs->len ? b->longs->data : "", (int)(b->longs->len * sizeof(lsv_span)),
			  SQLITE_STATIC);
	if (sqlite3_step(b->ins) != SQLITE_DONE)
		st = ls_error_set(err, LS_ERR_DB, "", "storing the overview: %s", sqlite3_errmsg(b->db));
	sqlite3_reset(b->ins);
	g_array_set_size(b->longs, 0);
	g_array_unref(runs);
	return st;
}

/* Span end of a holds row as the timeline draws it. */
static int64_t span_end(int64_t req, int64_t acq, int64_t rel, const char *outcome, int64_t t_end)
{
	if (rel != LSV_NONE)
		return rel;
	if (outcome && (!strcmp(outcome, "held-at-end") || !strcmp(outcome, "waiting-at-end")))
		return t_end > req ? t_end : req;
	return acq != LSV_NONE ? acq : req;
}

static int64_t col_i64(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? LSV_NONE : sqlite3_column_int64(st, i);
}

static ls_status lod_build_all(sqlite3 *db, const char *schema, lsv_lod *lod, const char *stamp,
			       lsv_lod_progress_fn progress, void *user, ls_error *err)
{
	ls_status st = LS_OK;
	lod_build b = { .db = db, .schema = schema, .lod = lod, .lo = UINT32_MAX };
	GArray *marks = g_array_new(FALSE, FALSE, sizeof(lod_mark));
	GArray *all = NULL;
	sqlite3_stmt *q = NULL;
	char *sql = NULL;
	int64_t total_holds = 0, done = 0;
	b.acc = g_new0(lod_cell, lod->n_buckets);
	b.longs = g_array_new(FALSE, FALSE, sizeof(lsv_span));

	sql = g_strdup_printf(
		"DROP TABLE IF EXISTS %1$s.view_lod_lanes; DROP TABLE IF EXISTS %1$s.view_lod_meta;"
		"CREATE TABLE %1$s.view_lod_meta(key TEXT PRIMARY KEY, value TEXT);"
		"CREATE TABLE %1$s.view_lod_lanes(tid INTEGER PRIMARY KEY, runs BLOB, longs BLOB);",
		schema);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		st = ls_error_set(err, LS_ERR_DB, "", "creating the overview tables: %s", sqlite3_errmsg(db));
		goto end;
	}
	g_free(sql);
	sql = g_strdup_printf("INSERT INTO %s.view_lod_lanes VALUES (?, ?, ?)", schema);
	if (sqlite3_prepare_v2(db, sql, -1, &b.ins, NULL) != SQLITE_OK) {
		st = ls_error_set(err, LS_ERR_DB, "", "%s", sqlite3_errmsg(db));
		goto end;
	}

	/* waits by hold */
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM waits", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		b.n_waits = (size_t)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	b.wait_hold = g_new(int64_t, b.n_waits + 1);
	b.wait_end = g_new(int64_t, b.n_waits + 1);
	{
		size_t n = 0;
		sqlite3_prepare_v2(db, "SELECT hold_id, end_ns FROM waits ORDER BY hold_id", -1, &q, NULL);
		while (q && sqlite3_step(q) == SQLITE_ROW && n < b.n_waits) {
			b.wait_hold[n] = sqlite3_column_int64(q, 0);
			b.wait_end[n] = sqlite3_column_type(q, 1) == SQLITE_NULL ? lod->t_end
									     : sqlite3_column_int64(q, 1);
			n++;
		}
		sqlite3_finalize(q);
		q = NULL;
		b.n_waits = n;
	}

	/* instants that are not holds: frees and phase markers */
	static const char *mark_sql[] = {
		"SELECT free_tid, free_ns FROM objects WHERE free_ns IS NOT NULL AND free_tid IS NOT NULL",
		"SELECT tid, begin_ns FROM phases WHERE begin_ns IS NOT NULL",
		"SELECT tid, end_ns FROM phases WHERE end_ns IS NOT NULL",
	};
	static const uint32_t mark_flag[] = { LSV_LOD_FREE, LSV_LOD_PHASE, LSV_LOD_PHASE };
	for (unsigned i = 0; i < G_N_ELEMENTS(mark_sql); i++) {
		if (sqlite3_prepare_v2(db, mark_sql[i], -1, &q, NULL) != SQLITE_OK) {
			st = ls_error_set(err, LS_ERR_DB, "", "%s", sqlite3_errmsg(db));
			goto end;
		}
		while (sqlite3_step(q) == SQLITE_ROW) {
			lod_mark m = { sqlite3_column_int64(q, 0), lsv_lod_bucket(lod, sqlite3_column_int64(q, 1)),
				       mark_flag[i] };
			g_array_append_val(marks, m);
		}
		sqlite3_finalize(q);
		q = NULL;
	}
	g_array_sort(marks, cmp_mark);

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM holds", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		total_holds = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	q = NULL;

	/* All holds in table order (a sequential scan: ordering by the tid index would cost a
	 * random row lookup per hold, ~40x slower), then sorted per task in memory. */
	if (sqlite3_prepare_v2(db,
			       "SELECT id, tid, lock, lock_id, class, mode, requested_ns, acquired_ns, "
			       "released_ns, outcome, reason FROM holds",
			       -1, &q, NULL) != SQLITE_OK) {
		st = ls_error_set(err, LS_ERR_DB, "", "%s", sqlite3_errmsg(db));
		goto end;
	}
	all = g_array_sized_new(FALSE, FALSE, sizeof(lsv_span), (guint)(total_holds > 0 ? total_holds : 1));
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		lsv_span s = { 0 };
		s.id = sqlite3_column_int64(q, 0);
		s.tid = (int32_t)sqlite3_column_int64(q, 1);
		s.lock = sqlite3_column_int64(q, 2);
		s.lock_id = sqlite3_column_int64(q, 3);
		int64_t cls = sqlite3_column_int64(q, 4);
		s.cls = cls >= 0 && cls < LSV_LOD_CLASSES ? (uint8_t)cls : 0;
		s.mode = (uint8_t)(sqlite3_column_int64(q, 5) & 1);
		s.start = sqlite3_column_int64(q, 6);
		s.acq = col_i64(q, 7);
		int64_t rel = col_i64(q, 8);
		const char *outcome = (const char *)sqlite3_column_text(q, 9);
		s.reason = (uint8_t)sqlite3_column_int64(q, 10);
		s.end = span_end(s.start, s.acq, rel, outcome, lod->t_end);
		bool found;
		int64_t we = wait_end_of(&b, s.id, &found);
		if (found) {
			s.flags |= LSV_SPAN_WAIT;
			s.wait_end = we < s.start ? s.start : we;
		}
		if (outcome && !strcmp(outcome, "failed"))
			s.flags |= LSV_SPAN_FAILED;
		if (outcome && strstr(outcome, "at-end"))
			s.flags |= LSV_SPAN_AT_END;
		g_array_append_val(all, s);
		if (progress && (++done & 0xfffff) == 0)
			progress(user, "Building the overview", (uint64_t)done, (uint64_t)total_holds * 2);
	}
	if (rc != SQLITE_DONE) {
		st = ls_error_set(err, LS_ERR_DB, "", "reading holds: %s", sqlite3_errmsg(db));
		goto end;
	}
	sqlite3_finalize(q);
	q = NULL;
	sort_by_tid(all);

	size_t mi = 0;
	int64_t cur = LSV_NONE;
	bool more = true;
	for (guint hi = 0;; hi++) {
		more = hi < all->len;
		int64_t tid = more ? g_array_index(all, lsv_span, hi).tid : LSV_NONE;
		/* lane change: finish the current lane (with its marks), then the lanes that only
		 * have marks, up to the new tid */
		if (!more || tid != cur) {
			int64_t upto = more ? tid : INT64_MAX;
			if (cur != LSV_NONE) {
				while (mi < marks->len && g_array_index(marks, lod_mark, mi).tid == cur) {
					const lod_mark *m = &g_array_index(marks, lod_mark, mi++);
					acc_flag(&b, m->bucket, m->flag);
				}
				if ((st = lane_flush(&b, cur, err)) != LS_OK)
					goto end;
			}
			while (mi < marks->len && g_array_index(marks, lod_mark, mi).tid < upto) {
				int64_t lane_tid = g_array_index(marks, lod_mark, mi).tid;
				while (mi < marks->len && g_array_index(marks, lod_mark, mi).tid == lane_tid) {
					const lod_mark *m = &g_array_index(marks, lod_mark, mi++);
					acc_flag(&b, m->bucket, m->flag);
				}
				if ((st = lane_flush(&b, lane_tid, err)) != LS_OK)
					goto end;
			}
			cur = tid;
			if (!more)
				break;
		}
		lsv_span s = g_array_index(all, lsv_span, hi);
		if (s.flags & LSV_SPAN_WAIT)
			acc_add(&b, s.start, s.wait_end, s.cls, true);
		if (s.acq != LSV_NONE && !(s.flags & LSV_SPAN_FAILED)) {
			acc_add(&b, s.acq, s.end, s.cls, false);
			acc_flag(&b, lsv_lod_bucket(lod, s.acq),
				 1u << ((s.mode ? LSV_LOD_WRITE_SHIFT : LSV_LOD_READ_SHIFT) + s.cls));
			if (s.end - s.acq > lod->width) /* the whole span is write/read */
				for (uint32_t k = lsv_lod_bucket(lod, s.acq); k <= lsv_lod_bucket(lod, s.end); k++)
					b.acc[k].flags |= 1u << ((s.mode ? LSV_LOD_WRITE_SHIFT : LSV_LOD_READ_SHIFT) + s.cls);
		} else if (s.flags & LSV_SPAN_FAILED) {
			acc_flag(&b, lsv_lod_bucket(lod, s.start),
				 s.cls == 1 ? LSV_LOD_REFUSED : LSV_LOD_FAIL);
		}
		if (s.end - s.start > lod->width)
			g_array_append_val(b.longs, s);
		if (progress && (++done & 0xfffff) == 0)
			progress(user, "Building the overview", (uint64_t)done, (uint64_t)total_holds * 2);
	}

	g_free(sql);
	sql = g_strdup_printf("INSERT INTO %s.view_lod_meta VALUES ('version', ?), ('stamp', ?), "
			      "('t0', ?), ('width', ?), ('buckets', ?)", schema);
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		st = ls_error_set(err, LS_ERR_DB, "", "%s", sqlite3_errmsg(db));
		goto end;
	}
	sqlite3_bind_text(q, 1, LOD_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, stamp, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, lod->t0);
	sqlite3_bind_int64(q, 4, lod->width);
	sqlite3_bind_int64(q, 5, lod->n_buckets);
	if (sqlite3_step(q) != SQLITE_DONE)
		st = ls_error_set(err, LS_ERR_DB, "", "%s", sqlite3_errmsg(db));
end:
	sqlite3_finalize(q);
	sqlite3_finalize(b.ins);
	g_free(sql);
	g_free(b.acc);
	g_free(b.wait_hold);
	g_free(b.wait_end);
	g_array_unref(b.longs);
	g_array_unref(marks);
	if (all)
		g_array_unref(all);
	return st;
}

/* ---- load ---- */

static bool meta_text(sqlite3 *db, const char *schema, const char *key, char *buf, size_t size)
{
	char *sql = g_strdup_printf("SELECT value FROM %s.view_lod_meta WHERE key = ?", schema);
	sqlite3_stmt *q = NULL;
	bool ok = false;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0)) {
			g_strlcpy(buf, (const char *)sqlite3_column_text(q, 0), size);
			ok = true;
		}
	}
	sqlite3_finalize(q);
	g_free(sql);
	return ok;
}

static ls_status lod_load(sqlite3 *db, const char *schema, lsv_lod *lod, ls_error *err)
{
	ls_status st = LS_OK;
	char *sql = g_strdup_printf("SELECT tid, runs, longs FROM %s.view_lod_lanes", schema);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		st = ls_error_set(err, LS_ERR_DB, "", "reading the overview: %s", sqlite3_errmsg(db));
		goto end;
	}
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		lsv_lod_lane *lane = g_new0(lsv_lod_lane, 1);
		lane->tid = sqlite3_column_int64(q, 0);
		int nr = sqlite3_column_bytes(q, 1) / (int)sizeof(lsv_lod_run);
		lane->levels[0] = g_array_sized_new(FALSE, FALSE, sizeof(lsv_lod_run), (guint)nr);
		if (nr)
			g_array_append_vals(lane->levels[0], sqlite3_column_blob(q, 1), (guint)nr);
		int nl = sqlite3_column_bytes(q, 2) / (int)sizeof(lsv_span);
		lane->n_longs = (size_t)nl;
		lane->longs = g_new(lsv_span, nl ? nl : 1);
		if (nl)
			memcpy(lane->longs, sqlite3_column_blob(q, 2), (size_t)nl * sizeof(lsv_span));
		qsort(lane->longs, lane->n_longs, sizeof(lsv_span), cmp_span);
		lane_finish(lane);
		g_hash_table_insert(lod->lanes, &lane->tid, lane);
	}
	if (rc != SQLITE_DONE)
		st = ls_error_set(err, LS_ERR_DB, "", "reading the overview: %s", sqlite3_errmsg(db));
end:
	sqlite3_finalize(q);
	g_free(sql);
	return st;
}

ls_status lsv_lod_prepare(sqlite3 *db, bool writable, int64_t t_begin,
			  int64_t t_end, int64_t n_events, const char *stamp, lsv_lod_progress_fn progress, void *user,
			  lsv_lod **out, ls_error *err)
{
	ls_status st = LS_OK;
	lsv_lod *lod = g_new0(lsv_lod, 1);
	const char *schema = writable ? "main" : "temp";
	char buf[128];
	lod->lanes = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, lane_free);
	if (t_end < t_begin)
		t_end = t_begin;
	int64_t span = t_end - t_begin + 1;
	lod->t0 = t_begin;
	lod->t_end = t_end;
	lod->n_events = n_events;
	lod->width = (span + LSV_LOD_BUCKETS - 1) / LSV_LOD_BUCKETS;
	if (lod->width < 1)
		lod->width = 1;
	lod->n_buckets = (uint32_t)((span + lod->width - 1) / lod->width);

	bool fresh = meta_text(db, schema, "version", buf, sizeof(buf)) && !strcmp(buf, LOD_VERSION) &&
		     meta_text(db, schema, "stamp", buf, sizeof(buf)) && !strcmp(buf, stamp) &&
		     meta_text(db, schema, "width", buf, sizeof(buf)) &&
		     g_ascii_strtoll(buf, NULL, 10) == lod->width;
	if (!fresh) {
		gint64 t = g_get_monotonic_time();
		if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
			st = ls_error_set(err, LS_ERR_DB, "", "%s", sqlite3_errmsg(db));
			goto end;
		}
		st = lod_build_all(db, schema, lod, stamp, progress, user, err);
		if (st == LS_OK && writable)
			sqlite3_exec(db, "CREATE INDEX IF NOT EXISTS view_waits_hold ON waits(hold_id)", NULL,
				     NULL, NULL);
		sqlite3_exec(db, st == LS_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
		if (st != LS_OK)
			goto end;
		lod->build_seconds = (double)(g_get_monotonic_time() - t) / 1e6;
	}
	{
		sqlite3_stmt *q = NULL;
		if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = 'view_waits_hold'", -1,
				       &q, NULL) == SQLITE_OK)
			lod->wait_index = sqlite3_step(q) == SQLITE_ROW;
		sqlite3_finalize(q);
	}
	st = lod_load(db, schema, lod, err);
end:
	if (st != LS_OK) {
		lsv_lod_free(lod);
		lod = NULL;
	}
	*out = lod;
	return st;
}

/* ---- detail ---- */

ls_status lsv_lod_fetch(sqlite3 *db, const lsv_lod *lod, int64_t tid, int64_t a, int64_t b,
			GArray *spans, GArray *instants, ls_error *err)
{
	ls_status st = LS_OK;
	sqlite3_stmt *q = NULL;
	const char *sql_wait =
		"SELECT h.id, h.lock, h.lock_id, h.class, h.mode, h.requested_ns, h.acquired_ns, "
		"h.released_ns, h.outcome, h.reason, w.end_ns, w.id FROM holds h "
		"LEFT JOIN waits w ON w.hold_id = h.id "
		"WHERE h.tid = ?1 AND h.requested_ns BETWEEN ?2 AND ?3 ORDER BY h.requested_ns";
	const char *sql_nowait =
		"SELECT h.id, h.lock, h.lock_id, h.class, h.mode, h.requested_ns, h.acquired_ns, "
		"h.released_ns, h.outcome, h.reason, NULL, NULL FROM holds h "
		"WHERE h.tid = ?1 AND h.requested_ns BETWEEN ?2 AND ?3 ORDER BY h.requested_ns";
	if (sqlite3_prepare_v2(db, lod->wait_index ? sql_wait : sql_nowait, -1, &q, NULL) != SQLITE_OK) {
		st = ls_error_set(err, LS_ERR_DB, "", "%s", sqlite3_errmsg(db));
		goto end;
	}
	sqlite3_bind_int64(q, 1, tid);
	sqlite3_bind_int64(q, 2, a - lod->width);
	sqlite3_bind_int64(q, 3, b);
	while (sqlite3_step(q) == SQLITE_ROW) {
		lsv_span s = { 0 };
		s.id = sqlite3_column_int64(q, 0);
		s.lock = sqlite3_column_int64(q, 1);
		s.lock_id = sqlite3_column_int64(q, 2);
		int64_t cls = sqlite3_column_int64(q, 3);
		s.cls = cls >= 0 && cls < LSV_LOD_CLASSES ? (uint8_t)cls : 0;
		s.mode = (uint8_t)(sqlite3_column_int64(q, 4) & 1);
		s.start = sqlite3_column_int64(q, 5);
		s.acq = col_i64(q, 6);
		int64_t rel = col_i64(q, 7);
		const char *outcome = (const char *)sqlite3_column_text(q, 8);
		s.reason = (uint8_t)sqlite3_column_int64(q, 9);
		s.tid = (int32_t)tid;
		s.end = span_end(s.start, s.acq, rel, outcome, lod->t_end);
		if (s.end - s.start > lod->width)
			continue; /* a long span: the caller has it from memory */
		if (sqlite3_column_type(q, 11) != SQLITE_NULL) {
			s.flags |= LSV_SPAN_WAIT;
			s.wait_end = sqlite3_column_type(q, 10) == SQLITE_NULL ? lod->t_end
									    : sqlite3_column_int64(q, 10);
		} else if (!lod->wait_index && s.reason == 1 && s.acq != LSV_NONE) {
			s.flags |= LSV_SPAN_WAIT;
			s.wait_end = s.acq;
		}
		if (outcome && !strcmp(outcome, "failed")) {
			s.flags |= LSV_SPAN_FAILED;
			if (s.start >= a && s.start <= b) {
				lsv_instant in = { s.start, s.id, s.lock, (int32_t)tid,
						   s.cls == 1 ? LSV_INSTANT_REFUSED : LSV_INSTANT_FAIL, s.cls };
				g_array_append_val(instants, in);
			}
		}
		if (outcome && strstr(outcome, "at-end"))
			s.flags |= LSV_SPAN_AT_END;
		if (s.end >= a)
			g_array_append_val(spans, s);
	}
end:
	sqlite3_finalize(q);
	return st;
}

int64_t lsv_event_id_at(sqlite3 *db, int64_t n_events, int64_t t)
{
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(db, "SELECT t_ns FROM events WHERE id = ?", -1, &q, NULL) != SQLITE_OK)
		return -1;
	int64_t lo = 0, hi = n_events; /* first id with t_ns > t lies in [lo, hi] */
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2, tm = INT64_MAX;
		sqlite3_reset(q);
		sqlite3_bind_int64(q, 1, mid);
		if (sqlite3_step(q) == SQLITE_ROW)
			tm = sqlite3_column_int64(q, 0);
		if (tm <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	sqlite3_finalize(q);
	return lo - 1;
}

ls_status lsv_lod_fetch_events(sqlite3 *db, const lsv_lod *lod, int64_t a, int64_t b,
			       void (*fn)(void *user, const lsv_instant *in), void *user, ls_error *err)
{
	sqlite3_stmt *q = NULL;
	int64_t lo = lsv_event_id_at(db, lod->n_events, a - 1) + 1, hi = lsv_event_id_at(db, lod->n_events, b);
	if (hi < lo)
		return LS_OK;
	if (sqlite3_prepare_v2(db,
			       "SELECT id, t_ns, tid, type, obj, phase, begin FROM events "
			       "WHERE id BETWEEN ?1 AND ?2 AND type IN (9, 10, 12)",
			       -1, &q, NULL) != SQLITE_OK)
		return ls_error_set(err, LS_ERR_DB, "", "%s", sqlite3_errmsg(db));
	sqlite3_bind_int64(q, 1, lo);
	sqlite3_bind_int64(q, 2, hi);
	while (sqlite3_step(q) == SQLITE_ROW) {
		lsv_instant in = { 0 };
		in.event = sqlite3_column_int64(q, 0);
		in.t = sqlite3_column_int64(q, 1);
		in.tid = (int32_t)sqlite3_column_int64(q, 2);
		switch (sqlite3_column_int(q, 3)) {
		case 9:
			in.kind = LSV_INSTANT_FREE;
			in.what = sqlite3_column_int64(q, 4);
			break;
		case 10:
			in.kind = LSV_INSTANT_FREE_DONE;
			in.what = sqlite3_column_int64(q, 4);
			break;
		default:
			in.kind = sqlite3_column_int(q, 6) ? LSV_INSTANT_PHASE_BEGIN : LSV_INSTANT_PHASE_END;
			in.what = sqlite3_column_int64(q, 5);
			break;
		}
		fn(user, &in);
	}
	sqlite3_finalize(q);
	return LS_OK;
}

ls_status lsv_lod_fetch_lock(sqlite3 *db, const lsv_lod *lod, int64_t lock_id, int64_t a, int64_t b,
			     int limit, GArray *spans, bool *truncated, ls_error *err)
{
	sqlite3_stmt *q = NULL;
	const char *sql = lod->wait_index
		? "SELECT h.id, h.lock, h.class, h.mode, h.requested_ns, h.acquired_ns, h.released_ns, "
		  "h.outcome, h.reason, h.tid, w.end_ns, w.id FROM holds h LEFT JOIN waits w ON w.hold_id = h.id "
		  "WHERE h.lock_id = ?1 AND h.requested_ns BETWEEN ?2 AND ?3 ORDER BY h.requested_ns LIMIT ?4"
		: "SELECT h.id, h.lock, h.class, h.mode, h.requested_ns, h.acquired_ns, h.released_ns, "
		  "h.outcome, h.reason, h.tid, NULL, NULL FROM holds h "
		  "WHERE h.lock_id = ?1 AND h.requested_ns BETWEEN ?2 AND ?3 ORDER BY h.requested_ns LIMIT ?4";
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return ls_error_set(err, LS_ERR_DB, "", "%s", sqlite3_errmsg(db));
	sqlite3_bind_int64(q, 1, lock_id);
	sqlite3_bind_int64(q, 2, a - lod->width);
	sqlite3_bind_int64(q, 3, b);
	sqlite3_bind_int(q, 4, limit + 1);
	int n = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		if (++n > limit) {
			*truncated = true;
			break;
		}
		lsv_span s = { 0 };
		s.id = sqlite3_column_int64(q, 0);
		s.lock = sqlite3_column_int64(q, 1);
		s.lock_id = lock_id;
		int64_t cls = sqlite3_column_int64(q, 2);
		s.cls = cls >= 0 && cls < LSV_LOD_CLASSES ? (uint8_t)cls : 0;
		s.mode = (uint8_t)(sqlite3_column_int64(q, 3) & 1);
		s.start = sqlite3_column_int64(q, 4);
		s.acq = col_i64(q, 5);
		int64_t rel = col_i64(q, 6);
		const char *outcome = (const char *)sqlite3_column_text(q, 7);
		s.reason = (uint8_t)sqlite3_column_int64(q, 8);
		s.tid = (int32_t)sqlite3_column_int64(q, 9);
		s.end = span_end(s.start, s.acq, rel, outcome, lod->t_end);
		if (s.end - s.start > lod->width)
			continue; /* long: the caller has it from memory */
		if (sqlite3_column_type(q, 11) != SQLITE_NULL) {
			s.flags |= LSV_SPAN_WAIT;
			s.wait_end = sqlite3_column_type(q, 10) == SQLITE_NULL ? lod->t_end : sqlite3_column_int64(q, 10);
		} else if (!lod->wait_index && s.reason == 1 && s.acq != LSV_NONE) {
			s.flags |= LSV_SPAN_WAIT;
			s.wait_end = s.acq;
		}
		if (outcome && !strcmp(outcome, "failed"))
			s.flags |= LSV_SPAN_FAILED;
		if (s.end >= a)
			g_array_append_val(spans, s);
	}
	sqlite3_finalize(q);
	return LS_OK;
}
