/* lod.c — loading the level-of-detail summaries of lod.h, and the detail queries below them.
 *
 * The summaries are built by liblockstep (overview.c, normally at `lockstep load`); this file
 * only calls that builder for a database that lacks them or has stale ones, reads the stored
 * rows (level 0 and the long spans of each lane, a few MB instead of millions of rows) and
 * derives the coarser levels in memory. Must not draw nor touch GTK. */
#include "lod.h"

#include <stdlib.h>
#include <string.h>

#include "trace.h"

static int cmp_span(const void *a, const void *b)
{
	const lsv_span *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
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

/* ---- coarser levels (in memory, from the stored level 0) ---- */

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

/* ---- build (liblockstep's ls_overview_build) ---- */

typedef struct {
	lsv_lod_progress_fn fn;
	void *user;
} build_progress;

static void on_build_progress(void *user, uint64_t done, uint64_t total)
{
	build_progress *p = user;
	p->fn(p->user, "Building the overview", done, total);
}

static int64_t col_i64(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? LSV_NONE : sqlite3_column_int64(st, i);
}

/* ---- load ---- */

/* A read that failed for another reason than a missing table: the file is damaged, and the
 * overview must not be rebuilt into it. */
static bool read_broken(int rc)
{
	return rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE && rc != SQLITE_ERROR;
}

static bool meta_text(sqlite3 *db, const char *schema, const char *key, char *buf, size_t size, int *broken)
{
	char *sql = g_strdup_printf("SELECT value FROM %s.view_lod_meta WHERE key = ?", schema);
	sqlite3_stmt *q = NULL;
	bool ok = false;
	int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW && sqlite3_column_text(q, 0)) {
			g_strlcpy(buf, (const char *)sqlite3_column_text(q, 0), size);
			ok = true;
		}
	}
	if (read_broken(rc) && !*broken)
		*broken = rc;
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

/* The overview in `schema` was built by this format version for this load and geometry. */
static bool lod_fresh(sqlite3 *db, const char *schema, const lsv_lod *lod, const char *stamp, int *broken)
{
	char buf[300];
	return meta_text(db, schema, "version", buf, sizeof(buf), broken) && !strcmp(buf, LS_OVERVIEW_VERSION) &&
	       meta_text(db, schema, "stamp", buf, sizeof(buf), broken) && !strcmp(buf, stamp) &&
	       meta_text(db, schema, "width", buf, sizeof(buf), broken) && g_ascii_strtoll(buf, NULL, 10) == lod->width;
}

ls_status lsv_lod_prepare(sqlite3 *db, bool writable, int64_t t_begin,
			  int64_t t_end, int64_t n_events, const char *stamp, lsv_lod_progress_fn progress, void *user,
			  lsv_lod **out, ls_error *err)
{
	ls_status st = LS_OK;
	lsv_lod *lod = g_new0(lsv_lod, 1);
	ls_overview_geometry g;
	lod->lanes = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, lane_free);
	ls_overview_geometry_init(t_begin, t_end, &g);
	lod->t0 = g.t0;
	lod->t_end = g.t_end;
	lod->width = g.width;
	lod->n_buckets = g.n_buckets;
	lod->n_events = n_events;

	/* A database loaded by a current lockstep has its overview in main, writable or not. Else
	 * (an older lockstep, or a stale overview) it is built: into main when writable, else into
	 * TEMP (unless this connection already did). */
	const char *schema = "main";
	int broken = 0;
	bool fresh = lod_fresh(db, schema, lod, stamp, &broken);
	if (!fresh && !writable && !broken) {
		schema = "temp";
		fresh = lod_fresh(db, schema, lod, stamp, &broken);
	}
	if (broken) {
		st = ls_error_set(err, LS_ERR_INPUT, "", "reading the overview: %s", sqlite3_errstr(broken));
		goto end;
	}
	if (!fresh) {
		gint64 t = g_get_monotonic_time();
		if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
			st = ls_error_set(err, LS_ERR_DB, "", "%s", sqlite3_errmsg(db));
			goto end;
		}
		build_progress bp = { progress, user };
		st = ls_overview_build(db, schema, progress ? on_build_progress : NULL, &bp, err);
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
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
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
		s.end = ls_overview_span_end(s.start, s.acq, rel, outcome, lod->t_end);
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
	if (rc != SQLITE_DONE)
		st = ls_error_set(err, LS_ERR_DB, "", "reading holds: %s", sqlite3_errmsg(db));
end:
	sqlite3_finalize(q);
	return st;
}

int64_t lsv_event_id_at_rc(sqlite3 *db, int64_t t, int *rc)
{
	sqlite3_stmt *q = NULL;
	int64_t id = -1;

	/* `events` finds the chunk holding t from its directory and reads it backwards: one
	 * chunk decoded, not one per step of a binary search */
	*rc = sqlite3_prepare_v2(db, "SELECT id FROM events WHERE t_ns <= ?1 ORDER BY id DESC LIMIT 1", -1, &q, NULL);
	if (*rc != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, t);
	int r = sqlite3_step(q);
	if (r == SQLITE_ROW)
		id = sqlite3_column_int64(q, 0);
	else if (r != SQLITE_DONE)
		*rc = r;
	sqlite3_finalize(q);
	return id;
}

ls_status lsv_lod_fetch_events(sqlite3 *db, int64_t a, int64_t b,
			       void (*fn)(void *user, const lsv_instant *in), void *user, ls_error *err)
{
	sqlite3_stmt *q = NULL;
	int rc_lo, rc_hi;
	int64_t lo = lsv_event_id_at_rc(db, a - 1, &rc_lo) + 1;
	int64_t hi = lsv_event_id_at_rc(db, b, &rc_hi);
	if (rc_lo != SQLITE_OK || rc_hi != SQLITE_OK)
		return ls_error_set(err, LS_ERR_DB, "", "reading events: %s", sqlite3_errstr(rc_lo != SQLITE_OK ? rc_lo : rc_hi));
	if (hi < lo)
		return LS_OK;
	if (sqlite3_prepare_v2(db,
			       "SELECT id, t_ns, tid, type, obj, phase, begin FROM events "
			       "WHERE id BETWEEN ?1 AND ?2 AND type IN (9, 10, 12)",
			       -1, &q, NULL) != SQLITE_OK)
		return ls_error_set(err, LS_ERR_DB, "", "%s", sqlite3_errmsg(db));
	sqlite3_bind_int64(q, 1, lo);
	sqlite3_bind_int64(q, 2, hi);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
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
	ls_status st = rc == SQLITE_DONE ? LS_OK : ls_error_set(err, LS_ERR_DB, "", "reading events: %s", sqlite3_errmsg(db));
	sqlite3_finalize(q);
	return st;
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
	int n = 0, rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
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
		s.end = ls_overview_span_end(s.start, s.acq, rel, outcome, lod->t_end);
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
	ls_status st = rc == SQLITE_DONE || rc == SQLITE_ROW ? LS_OK
				: ls_error_set(err, LS_ERR_DB, "", "reading holds: %s", sqlite3_errmsg(db));
	sqlite3_finalize(q);
	return st;
}

ls_status lsv_lod_count_holds(sqlite3 *db, const lsv_lod *lod, int64_t tid, unsigned cls, int64_t a, int64_t b,
			      lsv_lod_hold_count *out, ls_error *err)
{
	memset(out, 0, sizeof(*out));
	out->first = INT64_MAX;
	out->last = INT64_MIN;
	GArray *longs = g_array_new(FALSE, FALSE, sizeof(lsv_span));
	lsv_lod_long_overlap(lsv_lod_lane_get(lod, tid), a, b, longs);
	for (guint i = 0; i < longs->len; i++) {
		const lsv_span *s = &g_array_index(longs, lsv_span, i);
		if (s->cls != cls || s->acq == LSV_NONE || (s->flags & LSV_SPAN_FAILED) || s->acq > b)
			continue;
		out->count++;
		out->first = MIN(out->first, s->acq);
		out->last = MAX(out->last, s->end);
		out->held_ns += s->end - s->acq;
	}
	g_array_unref(longs);
	sqlite3_stmt *q = NULL;
	ls_status st = LS_OK;
	if (sqlite3_prepare_v2(db, "SELECT requested_ns, acquired_ns, released_ns, outcome FROM holds "
				   "WHERE tid = ?1 AND requested_ns BETWEEN ?2 AND ?3 AND class = ?4",
			       -1, &q, NULL) != SQLITE_OK)
		return ls_error_set(err, LS_ERR_DB, "", "reading holds: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(q, 1, tid);
	sqlite3_bind_int64(q, 2, a - lod->width);
	sqlite3_bind_int64(q, 3, b);
	sqlite3_bind_int(q, 4, (int)cls);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t req = sqlite3_column_int64(q, 0), acq = col_i64(q, 1), rel = col_i64(q, 2);
		const char *outcome = (const char *)sqlite3_column_text(q, 3);
		int64_t end = ls_overview_span_end(req, acq, rel, outcome, lod->t_end);
		if (acq == LSV_NONE || end - req > lod->width || end < a || acq > b ||
		    (outcome && !strcmp(outcome, "failed")))
			continue; /* not held, long (counted above) or outside */
		out->count++;
		out->first = MIN(out->first, acq);
		out->last = MAX(out->last, end);
		out->held_ns += end - acq;
	}
	if (rc != SQLITE_DONE)
		st = ls_error_set(err, LS_ERR_DB, "", "reading holds: %s", sqlite3_errmsg(db));
	sqlite3_finalize(q);
	return st;
}
