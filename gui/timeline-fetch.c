/* timeline-fetch.c — the detail fetcher of LsvTimeline: below one LOD bucket per pixel, the holds
 * and instants of the visible lanes (three view widths) and of the lock lane come from SQL, run
 * in a worker thread on its own read-only connection, and are cached. The drawing path only
 * asks (lsv_tl_fetch_request) and never waits. */
#include "timeline-private.h"

#include <string.h>

#include "lod.h"

/* ---- detail fetcher ---- */

typedef struct {
	char *db_path;
	lsv_lod lod;            /* copy of the scalars; lanes not used */
	int64_t a, b;
	GArray *tids;
	guint generation;
	double zoom;
	gboolean want_detail;
	GHashTable *result;     /* tid → lane_detail* */
	GArray *lock_ids;       /* int64; NULL: no lock lane */
	GArray *lock_spans;     /* lsv_span: long ones filled on the main thread, short by the worker */
	bool lock_truncated;
	GArray *cpus;           /* int64; NULL: no CPU lanes */
	GPtrArray *cpu_runs;    /* per index of cpus: GArray of lsv_cpu_run */
	lsv_file_id file;       /* the database as the trace opened it */
	ls_error err;           /* the first read that failed; status LS_OK when none */
} fetch_job;

static void fetch_job_free(gpointer p)
{
	fetch_job *j = p;
	g_free(j->db_path);
	g_array_unref(j->tids);
	if (j->lock_ids)
		g_array_unref(j->lock_ids);
	if (j->lock_spans)
		g_array_unref(j->lock_spans);
	if (j->cpus)
		g_array_unref(j->cpus);
	if (j->cpu_runs)
		g_ptr_array_unref(j->cpu_runs);
	if (j->result)
		g_hash_table_unref(j->result);
	g_free(j);
}

static void fetch_add_instant(void *user, const lsv_instant *in)
{
	int64_t tid = in->tid;
	lane_detail *d = g_hash_table_lookup(user, &tid);
	if (d)
		g_array_append_val(d->instants, *in);
}

#define LOCK_LANE_LIMIT 20000

/* Keeps the first failed read of the job, naming the database. */
static void fetch_failed(fetch_job *j, const ls_error *err)
{
	if (j->err.status != LS_OK)
		return;
	ls_error_set(&j->err, LS_ERR_INPUT, j->db_path, "reading the database failed: %s", err->message);
}

static void fetch_run(fetch_job *j, sqlite3 *db)
{
	j->result = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, lsv_tl_lane_detail_free);
	for (guint i = 0; j->lock_ids && i < j->lock_ids->len; i++) {
		ls_error err;
		ls_error_clear(&err);
		if (lsv_lod_fetch_lock(db, &j->lod, g_array_index(j->lock_ids, int64_t, i), j->a, j->b, LOCK_LANE_LIMIT,
				       j->lock_spans, &j->lock_truncated, &err) != LS_OK)
			fetch_failed(j, &err);
	}
	/* CPU lanes: at most about a run per pixel of the job's zoom (cpu-runs.h) */
	for (guint i = 0; j->cpus && i < j->cpus->len; i++) {
		GArray *runs = g_array_new(FALSE, FALSE, sizeof(lsv_cpu_run));
		if (!lsv_cpu_runs_fetch(db, g_array_index(j->cpus, int64_t, i), j->a, j->b, j->zoom, runs)) {
			ls_error err;
			ls_error_set(&err, LS_ERR_DB, j->db_path, "cpu_runs: %s", sqlite3_errmsg(db));
			fetch_failed(j, &err);
		}
		g_ptr_array_add(j->cpu_runs, runs);
	}
	for (guint i = 0; j->want_detail && i < j->tids->len && j->err.status == LS_OK; i++) {
		lane_detail *d = g_new0(lane_detail, 1);
		d->tid = g_array_index(j->tids, int64_t, i);
		d->spans = g_array_new(FALSE, FALSE, sizeof(lsv_span));
		d->instants = g_array_new(FALSE, FALSE, sizeof(lsv_instant));
		ls_error err;
		ls_error_clear(&err);
		if (lsv_lod_fetch(db, &j->lod, d->tid, j->a, j->b, d->spans, d->instants, &err) != LS_OK)
			fetch_failed(j, &err);
		g_hash_table_insert(j->result, &d->tid, d);
	}
	if (j->want_detail && j->err.status == LS_OK) {
		ls_error err;
		ls_error_clear(&err);
		if (lsv_lod_fetch_events(db, j->a, j->b, fetch_add_instant, j->result, &err) != LS_OK)
			fetch_failed(j, &err);
	}
}

/* The worker opens the database again by its path: it must still be the file the trace
 * opened, or it would read another file's rows as this trace's. */
static bool fetch_same_file(fetch_job *j)
{
	const char *what = lsv_file_changed(&j->file, j->db_path);
	if (what && j->err.status == LS_OK)
		ls_error_set(&j->err, LS_ERR_INPUT, j->db_path, "the database %s while it was open (open it again)", what);
	return what == NULL;
}

static void fetch_thread(GTask *task, gpointer src, gpointer data, GCancellable *c)
{
	(void)src;
	(void)c;
	fetch_job *j = data;
	sqlite3 *db = NULL;
	int rc = SQLITE_CANTOPEN;
	if (fetch_same_file(j) &&
	    (rc = sqlite3_open_v2(j->db_path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL)) == SQLITE_OK &&
	    fetch_same_file(j)) {
		/* no memory map: see trace.c (a file cut under a map raises SIGBUS) */
		sqlite3_exec(db, "PRAGMA cache_size = -32768", NULL, NULL, NULL);
		fetch_run(j, db);
	} else if (j->err.status == LS_OK) {
		ls_error_set(&j->err, LS_ERR_INPUT, j->db_path, "cannot open the database again: %s", sqlite3_errstr(rc));
	}
	sqlite3_close(db);
	g_task_return_boolean(task, TRUE);
}

static void fetch_install(LsvTimeline *self, fetch_job *j)
{
	if (j->generation != self->det_generation || !j->result)
		return;
	if (j->lock_ids) {
		g_array_set_size(self->lock_spans, 0);
		g_array_append_vals(self->lock_spans, j->lock_spans->data, j->lock_spans->len);
		self->lk_a = j->a;
		self->lk_b = j->b;
		self->lk_zoom = j->zoom;
		self->lk_truncated = j->lock_truncated;
	}
	if (j->cpus) {
		g_ptr_array_set_size(self->cpu_runs, 0);
		for (guint i = 0; i < j->cpu_runs->len; i++)
			g_ptr_array_add(self->cpu_runs, g_array_ref(g_ptr_array_index(j->cpu_runs, i)));
		self->cpu_a = j->a;
		self->cpu_b = j->b;
		self->cpu_zoom = j->zoom;
	}
	if (!j->want_detail)
		return;
	g_hash_table_remove_all(self->detail);
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, j->result);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		g_hash_table_iter_steal(&it);
		g_hash_table_insert(self->detail, &((lane_detail *)v)->tid, v);
	}
	self->det_a = j->a;
	self->det_b = j->b;
	self->det_zoom = j->zoom;
}

static void fetch_start(LsvTimeline *self);

static void fetch_done(GObject *src, GAsyncResult *res, gpointer data)
{
	(void)data;
	LsvTimeline *self = LSV_TIMELINE(src);
	fetch_job *j = g_task_get_task_data(G_TASK(res));
	self->fetch_running = FALSE;
	if (j->err.status != LS_OK) {
		/* the rest of the view stays as it was: the handler decides */
		if (self->read_error_fn && j->generation == self->det_generation)
			self->read_error_fn(self, &j->err, self->read_error_user);
		gtk_widget_queue_draw(GTK_WIDGET(self));
		return;
	}
	fetch_install(self, j);
	gtk_widget_queue_draw(GTK_WIDGET(self));
	if (self->fetch_wanted)
		fetch_start(self);
}

/* The job for the current view: visible task lanes, three view widths. */
static fetch_job *fetch_job_new(LsvTimeline *self)
{
	fetch_job *j = g_new0(fetch_job, 1);
	j->db_path = g_strdup(self->trace->path);
	j->file = self->trace->file;
	j->lod = *self->trace->lod;
	j->lod.lanes = NULL;
	int64_t a, b;
	lsv_timeline_get_view(self, &a, &b);
	j->a = a - (b - a);
	j->b = b + (b - a);
	j->zoom = self->ns_per_px;
	j->generation = self->det_generation;
	j->tids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	j->want_detail = self->ns_per_px < (double)self->trace->lod->width;
	if (self->lock_lane) {
		j->lock_ids = g_array_copy(self->lock_ids);
		j->lock_spans = g_array_new(FALSE, FALSE, sizeof(lsv_span));
		GArray *longs = g_array_new(FALSE, FALSE, sizeof(lsv_span));
		GHashTableIter it;
		gpointer v;
		g_hash_table_iter_init(&it, self->trace->lod->lanes);
		while (g_hash_table_iter_next(&it, NULL, &v))
			lsv_lod_long_overlap(v, j->a, j->b, longs);
		for (guint i = 0; i < longs->len; i++) {
			const lsv_span *sp = &g_array_index(longs, lsv_span, i);
			if (sp->lock == self->lock_filter)
				g_array_append_val(j->lock_spans, *sp);
		}
		g_array_unref(longs);
	}
	if (self->cpu_lanes && self->cpus->len) {
		j->cpus = g_array_copy(self->cpus);
		j->cpu_runs = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
	}
	int h = gtk_widget_get_height(GTK_WIDGET(self));
	double y = lsv_tl_lanes_top(self) - self->v_offset;
	for (guint i = 0; i < self->trace->lanes->len; i++) {
		const lsv_lane *l = g_ptr_array_index(self->trace->lanes, i);
		int lh = lsv_tl_lane_height(l);
		if (!l->is_group && y + lh >= -LSV_TL_LANE_H * 4 && y <= h + LSV_TL_LANE_H * 4) {
			int64_t tid = ((lsv_task *)g_ptr_array_index(self->trace->tasks, l->task))->tid;
			g_array_append_val(j->tids, tid);
		}
		y += lh;
	}
	return j;
}

static void fetch_start(LsvTimeline *self)
{
	self->fetch_wanted = FALSE;
	if (!self->trace)
		return;
	self->det_generation++;
	fetch_job *j = fetch_job_new(self);
	GTask *task = g_task_new(self, NULL, fetch_done, NULL);
	g_task_set_task_data(task, j, fetch_job_free);
	self->fetch_running = TRUE;
	g_task_run_in_thread(task, fetch_thread);
	g_object_unref(task);
}

static gboolean fetch_idle_cb(gpointer data)
{
	LsvTimeline *self = data;
	self->fetch_idle = 0;
	if (!self->fetch_running && self->fetch_wanted)
		fetch_start(self);
	return G_SOURCE_REMOVE;
}

void lsv_tl_fetch_request(LsvTimeline *self)
{
	self->fetch_wanted = TRUE;
	if (!self->fetch_running && !self->fetch_idle)
		self->fetch_idle = g_idle_add(fetch_idle_cb, self);
}

void lsv_timeline_fetch_now(LsvTimeline *self)
{
	if (!self->trace)
		return;
	self->fetch_wanted = FALSE;
	self->det_generation++;
	fetch_job *j = fetch_job_new(self);
	if (fetch_same_file(j))
		fetch_run(j, self->trace->db);
	if (j->err.status != LS_OK && self->read_error_fn)
		self->read_error_fn(self, &j->err, self->read_error_user);
	else
		fetch_install(self, j);
	fetch_job_free(j);
	gtk_widget_queue_draw(GTK_WIDGET(self));
}

gboolean lsv_timeline_is_busy(LsvTimeline *self)
{
	return self->fetch_running || self->fetch_wanted;
}

/* Whether the cache holds what this view needs. */
gboolean lsv_tl_detail_covers(LsvTimeline *self, int64_t a, int64_t b)
{
	return self->det_zoom > 0 && a >= self->det_a && b <= self->det_b &&
	       self->ns_per_px > self->det_zoom / 8 && self->ns_per_px < self->det_zoom * 8;
}

void lsv_timeline_set_read_error_handler(LsvTimeline *self, lsv_timeline_read_error_fn fn, void *user)
{
	self->read_error_fn = fn;
	self->read_error_user = user;
}
