/* timeline.c — LsvTimeline (timeline.h): geometry, input, drawing, and the detail fetcher.
 *
 * A frame is drawn into one ARGB32 image surface. Summary columns are written as pixels (a
 * lane's summary costs ~width × rows pixel writes, whatever the trace size); zoomed-in holds,
 * instants, text and the cursor are drawn with cairo. The surface becomes a GdkMemoryTexture
 * in the snapshot. This file must not run SQL on the drawing path: detail rows come from the
 * worker (fetch_*) and are cached per lane for a range three times the view. */
#include "timeline.h"

#include <math.h>
#include <string.h>

#include "contract.h"
#include "lod.h"

struct _LsvTimeline {
	GtkWidget parent;
	lsv_trace *trace;
	double t0;              /* time at the left edge of the lanes area */
	double ns_per_px;
	double v_offset;        /* vertical scroll of the lanes, px */
	int64_t cursor_event, cursor_t;
	int64_t selected_tid;
	unsigned class_mask;
	int64_t lock_filter;
	const lsv_finding *highlight;
	/* drag */
	double drag_t0, drag_v0;
	double zoom_ns0;
	/* detail cache */
	GHashTable *detail;     /* tid (int64 key, owned by value) → lane_detail* */
	int64_t det_a, det_b;
	double det_zoom;
	guint det_generation;
	gboolean fetch_running, fetch_wanted;
	guint fetch_idle;
	gboolean last_detail;
	/* scratch for summary columns */
	uint8_t *col_hold, *col_wait;  /* [7][width] */
	uint32_t *col_flags;           /* [width] */
	int col_w;
	cairo_surface_t *surface;
	gboolean pending;       /* a view set before the first allocation */
	/* lock lane: the holds of the selected lock, who held it when */
	gboolean lock_lane;
	GArray *lock_ids;       /* int64 locks.id of the selected address */
	int lock_cls;
	GArray *lock_spans;     /* lsv_span, from the worker */
	int64_t lk_a, lk_b;
	double lk_zoom;
	gboolean lk_truncated;
	int64_t pending_a, pending_b;
};

G_DEFINE_FINAL_TYPE(LsvTimeline, lsv_timeline, GTK_TYPE_WIDGET)

enum { SIG_CURSOR_REQUESTED, SIG_LANE_SELECTED, SIG_LOCK_SELECTED, SIG_VIEW_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct {
	int64_t tid;
	GArray *spans;     /* lsv_span */
	GArray *instants;  /* lsv_instant */
} lane_detail;

static void lane_detail_free(gpointer p)
{
	lane_detail *d = p;
	g_array_unref(d->spans);
	g_array_unref(d->instants);
	g_free(d);
}

/* Rows: outermost class on top (docs/trace-format.md hierarchy). */
static const int row_of_class[LSV_LOD_CLASSES] = {
	[LS_CLASS_MMAP_LOCK] = 0, [LS_CLASS_VMA_LOCK] = 1, [LS_CLASS_I_MMAP] = 2,
	[LS_CLASS_ANON_VMA] = 3, [LS_CLASS_PMD_LOCK] = 4, [LS_CLASS_PTE_LOCK] = 5,
	[LS_CLASS_PAGE_TABLE_LOCK] = 6,
};

static const double class_rgb[LSV_LOD_CLASSES][3] = {
	[LS_CLASS_MMAP_LOCK] = { 0x1c / 255.0, 0x71 / 255.0, 0xd8 / 255.0 },
	[LS_CLASS_VMA_LOCK] = { 0x2e / 255.0, 0xc2 / 255.0, 0x7e / 255.0 },
	[LS_CLASS_ANON_VMA] = { 0xe5 / 255.0, 0xa5 / 255.0, 0x0a / 255.0 },
	[LS_CLASS_I_MMAP] = { 0x91 / 255.0, 0x41 / 255.0, 0xac / 255.0 },
	[LS_CLASS_PTE_LOCK] = { 0xe6 / 255.0, 0x61 / 255.0, 0x00 / 255.0 },
	[LS_CLASS_PMD_LOCK] = { 0xc0 / 255.0, 0x1c / 255.0, 0x28 / 255.0 },
	[LS_CLASS_PAGE_TABLE_LOCK] = { 0x86 / 255.0, 0x5e / 255.0, 0x3c / 255.0 },
};

void lsv_timeline_class_rgb(int cls, double rgb[3])
{
	int c = cls >= 0 && cls < LSV_LOD_CLASSES ? cls : 0;
	memcpy(rgb, class_rgb[c], sizeof(class_rgb[c]));
}

int lsv_timeline_row_y(int lane_y, int cls)
{
	int c = cls >= 0 && cls < LSV_LOD_CLASSES ? cls : 0;
	return lane_y + LSV_TL_MARK_H + row_of_class[c] * LSV_TL_ROW_H + LSV_TL_ROW_H / 2;
}

/* ---- geometry ---- */

static int lanes_width(LsvTimeline *self)
{
	int w = gtk_widget_get_width(GTK_WIDGET(self)) - LSV_TL_HEADER_W;
	return w > 1 ? w : 1;
}

double lsv_timeline_time_to_x(LsvTimeline *self, int64_t t)
{
	return LSV_TL_HEADER_W + ((double)t - self->t0) / self->ns_per_px;
}

int64_t lsv_timeline_x_to_time(LsvTimeline *self, double x)
{
	return (int64_t)llround(self->t0 + (x - LSV_TL_HEADER_W) * self->ns_per_px);
}

static int lane_height(const lsv_lane *l)
{
	return l->is_group ? LSV_TL_GROUP_H : LSV_TL_LANE_H;
}

/* Top of the scrolling lanes: below the ruler, and below the lock lane when a lock is selected. */
static int lanes_top(LsvTimeline *self)
{
	return LSV_TL_RULER_H + (self->lock_lane ? LSV_TL_LANE_H : 0);
}

static int content_height(LsvTimeline *self)
{
	int h = 0;
	if (self->trace)
		for (guint i = 0; i < self->trace->lanes->len; i++)
			h += lane_height(g_ptr_array_index(self->trace->lanes, i));
	return h;
}

int lsv_timeline_lane_y(LsvTimeline *self, int64_t tid)
{
	if (!self->trace)
		return -1;
	double y = lanes_top(self) - self->v_offset;
	for (guint i = 0; i < self->trace->lanes->len; i++) {
		const lsv_lane *l = g_ptr_array_index(self->trace->lanes, i);
		if (!l->is_group && ((lsv_task *)g_ptr_array_index(self->trace->tasks, l->task))->tid == tid)
			return (int)y;
		y += lane_height(l);
	}
	return -1;
}

static int64_t tid_at_y(LsvTimeline *self, double py)
{
	if (!self->trace || py < lanes_top(self))
		return LSV_NONE;
	double y = lanes_top(self) - self->v_offset;
	for (guint i = 0; i < self->trace->lanes->len; i++) {
		const lsv_lane *l = g_ptr_array_index(self->trace->lanes, i);
		int h = lane_height(l);
		if (py >= y && py < y + h)
			return l->is_group ? LSV_NONE
					   : ((lsv_task *)g_ptr_array_index(self->trace->tasks, l->task))->tid;
		y += h;
	}
	return LSV_NONE;
}

static void clamp_view(LsvTimeline *self)
{
	if (!self->trace)
		return;
	double span = (double)(self->trace->t_end - self->trace->t_begin) + 1;
	double w = lanes_width(self);
	double min_npp = 0.01, max_npp = span * 1.2 / w;
	if (max_npp < min_npp)
		max_npp = min_npp;
	self->ns_per_px = CLAMP(self->ns_per_px, min_npp, max_npp);
	double vis = self->ns_per_px * w;
	double lo = self->trace->t_begin - vis * 0.5, hi = self->trace->t_end - vis * 0.5;
	self->t0 = CLAMP(self->t0, lo, hi > lo ? hi : lo);
	int maxv = content_height(self) - (gtk_widget_get_height(GTK_WIDGET(self)) - lanes_top(self));
	self->v_offset = CLAMP(self->v_offset, 0, maxv > 0 ? maxv : 0);
}

static void view_changed(LsvTimeline *self)
{
	clamp_view(self);
	gtk_widget_queue_draw(GTK_WIDGET(self));
	g_signal_emit(self, signals[SIG_VIEW_CHANGED], 0);
}

void lsv_timeline_set_view(LsvTimeline *self, int64_t t0, int64_t t1)
{
	if (t1 <= t0)
		t1 = t0 + 1;
	if (gtk_widget_get_width(GTK_WIDGET(self)) <= LSV_TL_HEADER_W) {
		/* not allocated yet: apply once the width is known */
		self->pending = TRUE;
		self->pending_a = t0;
		self->pending_b = t1;
		self->t0 = (double)t0;
		return;
	}
	self->pending = FALSE;
	self->t0 = (double)t0;
	self->ns_per_px = (double)(t1 - t0) / lanes_width(self);
	view_changed(self);
}

void lsv_timeline_get_view(LsvTimeline *self, int64_t *t0, int64_t *t1)
{
	if (self->pending) {
		*t0 = self->pending_a;
		*t1 = self->pending_b;
		return;
	}
	*t0 = (int64_t)self->t0;
	*t1 = (int64_t)(self->t0 + self->ns_per_px * lanes_width(self));
}

void lsv_timeline_zoom(LsvTimeline *self, double factor, double anchor_x)
{
	self->pending = FALSE;
	if (anchor_x < LSV_TL_HEADER_W)
		anchor_x = LSV_TL_HEADER_W + lanes_width(self) / 2.0;
	double t = self->t0 + (anchor_x - LSV_TL_HEADER_W) * self->ns_per_px;
	self->ns_per_px /= factor;
	clamp_view(self);
	self->t0 = t - (anchor_x - LSV_TL_HEADER_W) * self->ns_per_px;
	view_changed(self);
}

void lsv_timeline_pan(LsvTimeline *self, double dx_px)
{
	self->t0 += dx_px * self->ns_per_px;
	view_changed(self);
}

void lsv_timeline_scroll_lanes(LsvTimeline *self, double dy)
{
	self->v_offset += dy;
	view_changed(self);
}

void lsv_timeline_zoom_fit(LsvTimeline *self)
{
	if (!self->trace)
		return;
	int64_t pad = (self->trace->t_end - self->trace->t_begin) / 50 + 1;
	lsv_timeline_set_view(self, self->trace->t_begin - pad, self->trace->t_end + pad);
}

void lsv_timeline_set_cursor(LsvTimeline *self, int64_t event, int64_t t, gboolean follow)
{
	self->cursor_event = event;
	self->cursor_t = t;
	if (follow) {
		int64_t a, b;
		lsv_timeline_get_view(self, &a, &b);
		if (t < a || t > b)
			self->t0 = (double)t - self->ns_per_px * lanes_width(self) * 0.25;
		view_changed(self);
	} else {
		gtk_widget_queue_draw(GTK_WIDGET(self));
	}
}

void lsv_timeline_show_tid(LsvTimeline *self, int64_t tid)
{
	int y = lsv_timeline_lane_y(self, tid);
	int h = gtk_widget_get_height(GTK_WIDGET(self));
	if (y < 0)
		return;
	if (y < lanes_top(self))
		self->v_offset -= lanes_top(self) - y + LSV_TL_GROUP_H;
	else if (y + LSV_TL_LANE_H > h)
		self->v_offset += y + LSV_TL_LANE_H - h;
	view_changed(self);
}

void lsv_timeline_set_selected_tid(LsvTimeline *self, int64_t tid)
{
	self->selected_tid = tid;
	gtk_widget_queue_draw(GTK_WIDGET(self));
}

int64_t lsv_timeline_get_selected_tid(LsvTimeline *self)
{
	return self->selected_tid;
}

void lsv_timeline_set_class_mask(LsvTimeline *self, unsigned mask)
{
	self->class_mask = mask;
	gtk_widget_queue_draw(GTK_WIDGET(self));
}

void lsv_timeline_set_lock_filter(LsvTimeline *self, int64_t lock)
{
	self->lock_filter = lock;
	g_array_set_size(self->lock_ids, 0);
	g_array_set_size(self->lock_spans, 0);
	self->lk_zoom = 0;
	self->lock_lane = FALSE;
	if (lock != LSV_NONE && self->trace) {
		sqlite3_stmt *q = NULL;
		if (sqlite3_prepare_v2(self->trace->db, "SELECT id, class FROM locks WHERE addr = ?", -1, &q, NULL) ==
		    SQLITE_OK) {
			sqlite3_bind_int64(q, 1, lock);
			while (sqlite3_step(q) == SQLITE_ROW) {
				int64_t id = sqlite3_column_int64(q, 0);
				g_array_append_val(self->lock_ids, id);
				self->lock_cls = sqlite3_column_int(q, 1);
			}
		}
		sqlite3_finalize(q);
		self->lock_lane = self->lock_ids->len > 0;
	}
	self->det_generation++;
	view_changed(self);
}

void lsv_timeline_set_highlight(LsvTimeline *self, const lsv_finding *f)
{
	self->highlight = f;
	gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void detail_drop(LsvTimeline *self)
{
	g_hash_table_remove_all(self->detail);
	self->det_a = self->det_b = 0;
	self->det_zoom = 0;
	self->det_generation++;
}

void lsv_timeline_lanes_changed(LsvTimeline *self)
{
	view_changed(self);
}

void lsv_timeline_set_trace(LsvTimeline *self, lsv_trace *trace)
{
	self->trace = trace;
	self->cursor_event = -1;
	self->cursor_t = trace ? trace->t_begin : 0;
	self->selected_tid = LSV_NONE;
	self->lock_filter = LSV_NONE;
	self->lock_lane = FALSE;
	g_array_set_size(self->lock_ids, 0);
	g_array_set_size(self->lock_spans, 0);
	self->lk_zoom = 0;
	self->highlight = NULL;
	self->v_offset = 0;
	detail_drop(self);
	if (trace) {
		self->t0 = (double)trace->t_begin;
		self->ns_per_px = 1;
		lsv_timeline_zoom_fit(self);
	}
	gtk_widget_queue_draw(GTK_WIDGET(self));
}

gboolean lsv_timeline_last_render_was_detail(LsvTimeline *self)
{
	return self->last_detail;
}

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

static void fetch_run(fetch_job *j, sqlite3 *db)
{
	j->result = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, lane_detail_free);
	for (guint i = 0; j->lock_ids && i < j->lock_ids->len; i++) {
		ls_error err;
		ls_error_clear(&err);
		lsv_lod_fetch_lock(db, &j->lod, g_array_index(j->lock_ids, int64_t, i), j->a, j->b, LOCK_LANE_LIMIT,
				   j->lock_spans, &j->lock_truncated, &err);
	}
	for (guint i = 0; j->want_detail && i < j->tids->len; i++) {
		lane_detail *d = g_new0(lane_detail, 1);
		d->tid = g_array_index(j->tids, int64_t, i);
		d->spans = g_array_new(FALSE, FALSE, sizeof(lsv_span));
		d->instants = g_array_new(FALSE, FALSE, sizeof(lsv_instant));
		ls_error err;
		ls_error_clear(&err);
		lsv_lod_fetch(db, &j->lod, d->tid, j->a, j->b, d->spans, d->instants, &err);
		g_hash_table_insert(j->result, &d->tid, d);
	}
	if (j->want_detail) {
		ls_error err;
		ls_error_clear(&err);
		lsv_lod_fetch_events(db, &j->lod, j->a, j->b, fetch_add_instant, j->result, &err);
	}
}

static void fetch_thread(GTask *task, gpointer src, gpointer data, GCancellable *c)
{
	(void)src;
	(void)c;
	fetch_job *j = data;
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(j->db_path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		sqlite3_exec(db, "PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -32768", NULL, NULL, NULL);
		fetch_run(j, db);
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
	int h = gtk_widget_get_height(GTK_WIDGET(self));
	double y = lanes_top(self) - self->v_offset;
	for (guint i = 0; i < self->trace->lanes->len; i++) {
		const lsv_lane *l = g_ptr_array_index(self->trace->lanes, i);
		int lh = lane_height(l);
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

static void fetch_request(LsvTimeline *self)
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
	fetch_run(j, self->trace->db);
	fetch_install(self, j);
	fetch_job_free(j);
	gtk_widget_queue_draw(GTK_WIDGET(self));
}

gboolean lsv_timeline_is_busy(LsvTimeline *self)
{
	return self->fetch_running || self->fetch_wanted;
}

/* Whether the cache holds what this view needs. */
static gboolean detail_covers(LsvTimeline *self, int64_t a, int64_t b)
{
	return self->det_zoom > 0 && a >= self->det_a && b <= self->det_b &&
	       self->ns_per_px > self->det_zoom / 8 && self->ns_per_px < self->det_zoom * 8;
}

/* ---- drawing ---- */

typedef struct {
	double bg[3], fg[3], header[3], group[3], grid[3], sel[3];
	gboolean dark;
} palette;

static void get_palette(LsvTimeline *self, palette *p)
{
	GdkRGBA fg;
	G_GNUC_BEGIN_IGNORE_DEPRECATIONS
	gtk_style_context_get_color(gtk_widget_get_style_context(GTK_WIDGET(self)), &fg);
	G_GNUC_END_IGNORE_DEPRECATIONS
	p->dark = (fg.red + fg.green + fg.blue) / 3 > 0.5;
	double bg = p->dark ? 0.14 : 0.99, hd = p->dark ? 0.19 : 0.94, gr = p->dark ? 0.23 : 0.88;
	for (int i = 0; i < 3; i++) {
		p->bg[i] = bg;
		p->header[i] = hd;
		p->group[i] = gr;
		p->grid[i] = p->dark ? 0.26 : 0.86;
	}
	p->fg[0] = fg.red;
	p->fg[1] = fg.green;
	p->fg[2] = fg.blue;
	p->sel[0] = 0.21;
	p->sel[1] = 0.52;
	p->sel[2] = 0.89;
}

typedef struct {
	uint32_t *px;
	int stride;   /* in pixels */
	int w, h;
} pixbuf;

static inline void blend(pixbuf *pb, int x, int y, const double rgb[3], double a)
{
	if (x < 0 || y < 0 || x >= pb->w || y >= pb->h || a <= 0)
		return;
	uint32_t *p = &pb->px[y * pb->stride + x];
	uint32_t d = *p;
	unsigned ai = a >= 1 ? 256 : (unsigned)(a * 256), ia = 256 - ai;
	unsigned r = ((unsigned)(rgb[0] * 255) * ai + ((d >> 16) & 255) * ia) >> 8;
	unsigned g = ((unsigned)(rgb[1] * 255) * ai + ((d >> 8) & 255) * ia) >> 8;
	unsigned b = ((unsigned)(rgb[2] * 255) * ai + (d & 255) * ia) >> 8;
	*p = 0xff000000u | (r << 16) | (g << 8) | b;
}

/* Appearance of holds: write solid, read light with a solid top edge, wait hatched. */
static void paint_hold_column(pixbuf *pb, int x, int row_top, int cls, gboolean write, double cover)
{
	double a = write ? 0.45 + 0.55 * cover : 0.25 + 0.25 * cover;
	for (int y = 0; y < LSV_TL_ROW_H - 1; y++)
		blend(pb, x, row_top + y, class_rgb[cls], (!write && y == 0) ? 0.6 + 0.4 * cover : a);
}

static void paint_wait_column(pixbuf *pb, int x, int row_top, int cls, double cover)
{
	for (int y = 0; y < LSV_TL_ROW_H - 1; y++)
		if (((x + y) & 3) < 2)
			blend(pb, x, row_top + y, class_rgb[cls], 0.5 + 0.5 * cover);
}

static void ensure_columns(LsvTimeline *self, int w)
{
	if (self->col_w >= w)
		return;
	g_free(self->col_hold);
	g_free(self->col_wait);
	g_free(self->col_flags);
	self->col_hold = g_new(uint8_t, (gsize)LSV_LOD_CLASSES * w);
	self->col_wait = g_new(uint8_t, (gsize)LSV_LOD_CLASSES * w);
	self->col_flags = g_new(uint32_t, w);
	self->col_w = w;
}

static void columns_reset(LsvTimeline *self, int w)
{
	ensure_columns(self, w);
	memset(self->col_hold, 0, (gsize)LSV_LOD_CLASSES * w);
	memset(self->col_wait, 0, (gsize)LSV_LOD_CLASSES * w);
	memset(self->col_flags, 0, sizeof(uint32_t) * w);
}

/* Pixel columns of one lane: col_hold = coverage 0..15 | 0x10 when written, col_wait 0..15. */
static void columns_paint(LsvTimeline *self, pixbuf *pb, int y, int w)
{
	for (unsigned c = 0; c < LSV_LOD_CLASSES; c++) {
		if (!(self->class_mask & (1u << c)))
			continue;
		int row_top = y + LSV_TL_MARK_H + row_of_class[c] * LSV_TL_ROW_H;
		const uint8_t *hc = &self->col_hold[c * w], *wc = &self->col_wait[c * w];
		for (int x = 0; x < w; x++) {
			if (hc[x])
				paint_hold_column(pb, LSV_TL_HEADER_W + x, row_top, (int)c, (hc[x] & 0x10) != 0,
						  (hc[x] & 15) / 15.0);
			if (wc[x])
				paint_wait_column(pb, LSV_TL_HEADER_W + x, row_top, (int)c, wc[x] / 15.0);
		}
	}
}

/* Adds [t0, t1) of class cls to the columns with the coverage of each pixel. */
static void columns_add(LsvTimeline *self, int w, unsigned cls, gboolean write, gboolean wait, double dim,
			int64_t t0, int64_t t1)
{
	double x0 = ((double)t0 - self->t0) / self->ns_per_px, x1 = ((double)t1 - self->t0) / self->ns_per_px;
	if (x1 < 0 || x0 >= w)
		return;
	int i0 = (int)floor(MAX(x0, 0)), i1 = (int)ceil(MIN(x1, w));
	if (i1 <= i0)
		i1 = i0 + 1;
	uint8_t *col = wait ? &self->col_wait[cls * w] : &self->col_hold[cls * w];
	for (int x = i0; x < i1 && x < w; x++) {
		double cover = MIN(x1, x + 1) - MAX(x0, x);
		unsigned q = cover >= 1 ? 15 : (unsigned)ceil(MAX(cover, 0.07) * 15 * dim);
		if (q > 15)
			q = 15;
		uint8_t v = (uint8_t)(q | (!wait && write ? 0x10 : 0));
		if (v > col[x])
			col[x] = v;
	}
}

/* Markers in the instants strip, written as pixels (thousands per frame when zoomed out). */
static void draw_marker(pixbuf *pb, double xf, int y, int kind)
{
	static const double fail[3] = { 0.90, 0.38, 0.0 }, refused[3] = { 0.88, 0.11, 0.14 };
	static const double freed[3] = { 0.75, 0.11, 0.66 }, phase[3] = { 0.47, 0.47, 0.50 };
	int x = (int)floor(xf);
	if (x < LSV_TL_HEADER_W)
		return;
	switch (kind) {
	case LSV_INSTANT_FAIL:
	case LSV_INSTANT_REFUSED:
		for (int r = 0; r < LSV_TL_MARK_H - 1; r++) {
			int half = 5 - r * 5 / (LSV_TL_MARK_H - 2);
			for (int dx = -half; dx <= half; dx++)
				blend(pb, x + dx, y + r, kind == LSV_INSTANT_FAIL ? fail : refused, 1);
		}
		break;
	case LSV_INSTANT_FREE:
	case LSV_INSTANT_FREE_DONE:
		for (int r = 0; r < 7; r++) {
			blend(pb, x - 3 + r, y + 1 + r, freed, 1);
			blend(pb, x + 3 - r, y + 1 + r, freed, 1);
			if (kind == LSV_INSTANT_FREE) {
				blend(pb, x - 2 + r, y + 1 + r, freed, 0.8);
				blend(pb, x + 2 - r, y + 1 + r, freed, 0.8);
			}
		}
		break;
	default:
		for (int r = 0; r < LSV_TL_MARK_H; r++) {
			blend(pb, x, y + r, phase, 1);
			if (kind == LSV_INSTANT_PHASE_BEGIN)
				blend(pb, x + 1, y + r, phase, 0.6);
		}
		break;
	}
}

/* Zoomed out: one column per pixel from the coarsest LOD level whose buckets are no wider than
 * a pixel. */
static void draw_lane_summary(LsvTimeline *self, pixbuf *pb, cairo_t *cr, const lsv_lod_lane *lane,
			      int y, int w)
{
	const lsv_lod *lod = self->trace->lod;
	int level = 0;
	while (level + 1 < LSV_LOD_LEVELS &&
	       (double)lod->width * (double)(1u << (2 * (level + 1))) <= self->ns_per_px)
		level++;
	int64_t bw = lod->width << (2 * level);
	columns_reset(self, w);
	const GArray *runs = lane->levels[level];
	double tl = self->t0, tr = self->t0 + self->ns_per_px * w;
	int64_t first_b = tl <= lod->t0 ? 0 : (int64_t)((tl - lod->t0) / bw);
	gboolean any = FALSE;
	for (size_t i = lsv_lod_first_run(runs, (uint32_t)MIN(first_b, (int64_t)UINT32_MAX)); i < runs->len; i++) {
		const lsv_lod_run *r = &g_array_index(runs, lsv_lod_run, i);
		double rs = (double)lod->t0 + (double)r->first * bw, re = rs + (double)r->count * bw;
		if (rs > tr)
			break;
		int x0 = (int)floor((rs - tl) / self->ns_per_px), x1 = (int)ceil((re - tl) / self->ns_per_px);
		x0 = MAX(x0, 0);
		x1 = MIN(x1, w);
		if (x1 <= x0)
			x1 = x0 + 1;
		if (x0 >= w)
			continue;
		for (unsigned c = 0; c < LSV_LOD_CLASSES; c++) {
			if (!(self->class_mask & (1u << c)))
				continue;
			unsigned hq = lsv_lod_hold_q(r->q, c), wq = lsv_lod_wait_q(r->q, c);
			if (!hq && !wq)
				continue;
			uint8_t *hc = &self->col_hold[c * w], *wc = &self->col_wait[c * w];
			uint8_t hv = (uint8_t)(hq | ((r->flags >> (LSV_LOD_WRITE_SHIFT + c)) & 1 ? 0x10 : 0));
			for (int x = x0; x < x1; x++) {
				if (hv > hc[x])
					hc[x] = hv;
				if (wq > wc[x])
					wc[x] = (uint8_t)wq;
			}
		}
		uint32_t marks = r->flags & (LSV_LOD_FAIL | LSV_LOD_REFUSED | LSV_LOD_FREE | LSV_LOD_PHASE);
		if (marks)
			self->col_flags[x0] |= marks;
		any = TRUE;
	}
	if (!any)
		return;
	columns_paint(self, pb, y, w);
	int last_mark = -100;
	for (int x = 0; x < w; x++) {
		uint32_t f = self->col_flags[x];
		if (!f || x - last_mark < 6)
			continue;
		last_mark = x;
		double px = LSV_TL_HEADER_W + x;
		if (f & LSV_LOD_PHASE)
			draw_marker(pb, px - 3, y, LSV_INSTANT_PHASE_BEGIN);
		if (f & LSV_LOD_REFUSED)
			draw_marker(pb, px, y, LSV_INSTANT_REFUSED);
		else if (f & LSV_LOD_FAIL)
			draw_marker(pb, px, y, LSV_INSTANT_FAIL);
		else if (f & LSV_LOD_FREE)
			draw_marker(pb, px, y, LSV_INSTANT_FREE);
	}
	cairo_surface_mark_dirty(cairo_get_target(cr));
	cairo_surface_flush(cairo_get_target(cr));
}

static gboolean span_highlighted(LsvTimeline *self, const lsv_span *s)
{
	return self->highlight && lsv_finding_has_addr(self->highlight, s->lock) &&
	       lsv_finding_has_tid(self->highlight, s->tid);
}

static const char *phase_label(int64_t p)
{
	const char *s = p >= 0 ? ls_enum_name(LS_ENUM_PHASE, (uint64_t)p) : NULL;
	return s ? s : "phase";
}

/* A span into the pixel columns (the look of draw_span, at a cost of one column per pixel
 * however many holds fall in it); highlighted spans also get a cairo outline afterwards. */
static void detail_span(LsvTimeline *self, const lsv_span *s, int w, GArray *outlines)
{
	if (!(self->class_mask & (1u << s->cls)))
		return;
	double dim = self->lock_filter != LSV_NONE && s->lock != self->lock_filter ? 0.25 : 1.0;
	if (s->flags & LSV_SPAN_WAIT)
		columns_add(self, w, s->cls, FALSE, TRUE, dim, s->start, s->wait_end);
	if (s->acq != LSV_NONE && !(s->flags & LSV_SPAN_FAILED)) {
		columns_add(self, w, s->cls, s->mode, FALSE, dim, s->acq, s->end);
		if (self->highlight && span_highlighted(self, s))
			g_array_append_val(outlines, *s);
	}
}

static void draw_lane_detail(LsvTimeline *self, pixbuf *pb, cairo_t *cr, PangoLayout *layout,
			     const lane_detail *d, const lsv_lod_lane *lane, int y, int w)
{
	int64_t a = (int64_t)self->t0, b = (int64_t)(self->t0 + self->ns_per_px * w);
	GArray *outlines = g_array_new(FALSE, FALSE, sizeof(lsv_span));
	columns_reset(self, w);
	GArray *longs = g_array_new(FALSE, FALSE, sizeof(lsv_span));
	lsv_lod_long_overlap(lane, a, b, longs);
	for (guint i = 0; i < longs->len; i++)
		detail_span(self, &g_array_index(longs, lsv_span, i), w, outlines);
	g_array_unref(longs);
	for (guint i = 0; i < d->spans->len; i++) {
		const lsv_span *s = &g_array_index(d->spans, lsv_span, i);
		if (s->end < a || s->start > b)
			continue;
		detail_span(self, s, w, outlines);
	}
	cairo_surface_flush(cairo_get_target(cr));
	columns_paint(self, pb, y, w);
	cairo_surface_mark_dirty(cairo_get_target(cr));
	for (guint i = 0; i < outlines->len; i++) {
		const lsv_span *s = &g_array_index(outlines, lsv_span, i);
		double x0 = MAX(lsv_timeline_time_to_x(self, s->acq), LSV_TL_HEADER_W - 2);
		double x1 = MIN(lsv_timeline_time_to_x(self, s->end), LSV_TL_HEADER_W + w + 2);
		double row_top = y + LSV_TL_MARK_H + row_of_class[s->cls] * LSV_TL_ROW_H;
		cairo_set_source_rgb(cr, 0.95, 0.70, 0.05);
		cairo_set_line_width(cr, 1);
		cairo_rectangle(cr, floor(x0) - 0.5, row_top - 0.5, MAX(x1 - x0, 1) + 1, LSV_TL_ROW_H);
		cairo_stroke(cr);
	}
	g_array_unref(outlines);
	double last_label = -1e9, last_x[LSV_INSTANT_PHASE_END + 1];
	for (unsigned k = 0; k < G_N_ELEMENTS(last_x); k++)
		last_x[k] = -1e9;
	int labels = 0;
	for (guint i = 0; i < d->instants->len; i++) {
		const lsv_instant *in = &g_array_index(d->instants, lsv_instant, i);
		if (in->t < a || in->t > b || in->kind >= G_N_ELEMENTS(last_x))
			continue;
		if ((in->kind == LSV_INSTANT_FAIL || in->kind == LSV_INSTANT_REFUSED) &&
		    !(self->class_mask & (1u << in->cls)))
			continue;
		double x = lsv_timeline_time_to_x(self, in->t);
		if (x - last_x[in->kind] < 3)
			continue; /* one marker per kind every few pixels */
		last_x[in->kind] = x;
		cairo_surface_flush(cairo_get_target(cr));
		draw_marker(pb, x, y, in->kind);
		cairo_surface_mark_dirty(cairo_get_target(cr));
		if (in->kind == LSV_INSTANT_PHASE_BEGIN && x - last_label > 150 && labels < 12) {
			pango_layout_set_text(layout, phase_label(in->what), -1);
			cairo_set_source_rgba(cr, 0.47, 0.47, 0.50, 1);
			cairo_move_to(cr, x + 3, y + LSV_TL_LANE_H - 16);
			pango_cairo_show_layout(cr, layout);
			last_label = x;
			labels++;
		}
	}
}

/* The lock lane: who held the selected lock when. Holders in the upper band (write solid,
 * read light), waiters hatched in the lower band, holder names on wide holds. */
static void draw_lock_lane(LsvTimeline *self, pixbuf *pb, cairo_t *cr, PangoLayout *layout, const palette *p,
			   int w, int lw)
{
	int y = LSV_TL_RULER_H;
	int64_t va = (int64_t)self->t0, vb = (int64_t)(self->t0 + self->ns_per_px * lw);
	cairo_set_source_rgb(cr, p->bg[0], p->bg[1], p->bg[2]);
	cairo_rectangle(cr, 0, y, w, LSV_TL_LANE_H);
	cairo_fill(cr);
	gboolean covered = self->lk_zoom > 0 && va >= self->lk_a && vb <= self->lk_b &&
			   self->ns_per_px > self->lk_zoom / 8 && self->ns_per_px < self->lk_zoom * 8;
	if (!covered)
		fetch_request(self);
	int cls = self->lock_cls >= 0 && self->lock_cls < LSV_LOD_CLASSES ? self->lock_cls : 0;
	const double *rgb = class_rgb[cls];
	cairo_surface_flush(cairo_get_target(cr));
	int band = (LSV_TL_LANE_H - LSV_TL_MARK_H - 4) / 2;
	for (guint i = 0; covered && i < self->lock_spans->len; i++) {
		const lsv_span *sp = &g_array_index(self->lock_spans, lsv_span, i);
		if (sp->end < va || sp->start > vb)
			continue;
		if (sp->flags & LSV_SPAN_WAIT) {
			int x0 = (int)floor(lsv_timeline_time_to_x(self, MAX(sp->start, va)));
			int x1 = (int)ceil(lsv_timeline_time_to_x(self, MIN(sp->wait_end, vb)));
			for (int x = MAX(x0, LSV_TL_HEADER_W); x < MAX(x1, x0 + 1) && x < w; x++)
				for (int r = 0; r < band - 1; r++)
					if (((x + r) & 3) < 2)
						blend(pb, x, y + LSV_TL_MARK_H + band + r, rgb, 0.9);
		}
		if (sp->acq != LSV_NONE && !(sp->flags & LSV_SPAN_FAILED)) {
			int x0 = (int)floor(lsv_timeline_time_to_x(self, MAX(sp->acq, va)));
			int x1 = (int)ceil(lsv_timeline_time_to_x(self, MIN(sp->end, vb)));
			for (int x = MAX(x0, LSV_TL_HEADER_W); x < MAX(x1, x0 + 1) && x < w; x++)
				for (int r = 0; r < band - 1; r++)
					blend(pb, x, y + LSV_TL_MARK_H + r, rgb, sp->mode || r == 0 ? 1.0 : 0.45);
		}
	}
	cairo_surface_mark_dirty(cairo_get_target(cr));
	int labels = 0;
	double last = -1e9;
	for (guint i = 0; covered && i < self->lock_spans->len && labels < 60; i++) {
		const lsv_span *sp = &g_array_index(self->lock_spans, lsv_span, i);
		if (sp->acq == LSV_NONE || sp->end < va || sp->acq > vb)
			continue;
		double x0 = MAX(lsv_timeline_time_to_x(self, sp->acq), LSV_TL_HEADER_W);
		double x1 = MIN(lsv_timeline_time_to_x(self, sp->end), w);
		if (x1 - x0 < 50 || x0 - last < 50)
			continue;
		const lsv_task *k = lsv_trace_task(self->trace, sp->tid);
		g_autofree char *name = g_strdup_printf("%s/%d", k && *k->comm ? k->comm : "?", sp->tid);
		pango_layout_set_text(layout, name, -1);
		pango_layout_set_width(layout, (int)(x1 - x0 - 4) * PANGO_SCALE);
		pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
		if (sp->mode)
			cairo_set_source_rgb(cr, 1, 1, 1);
		else
			cairo_set_source_rgb(cr, p->fg[0], p->fg[1], p->fg[2]);
		cairo_move_to(cr, x0 + 3, y + LSV_TL_MARK_H + 1);
		pango_cairo_show_layout(cr, layout);
		pango_layout_set_width(layout, -1);
		last = x0;
		labels++;
	}
	if (!covered || self->lk_truncated) {
		pango_layout_set_text(layout, covered ? "more than 20 000 holds here: zoom in to see each one"
						      : "loading the holds of this lock…", -1);
		cairo_set_source_rgb(cr, p->fg[0], p->fg[1], p->fg[2]);
		cairo_move_to(cr, LSV_TL_HEADER_W + 8, y + LSV_TL_LANE_H - 16);
		pango_cairo_show_layout(cr, layout);
	}
	/* header */
	cairo_set_source_rgb(cr, p->group[0], p->group[1], p->group[2]);
	cairo_rectangle(cr, 0, y, LSV_TL_HEADER_W, LSV_TL_LANE_H);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
	cairo_rectangle(cr, 0, y + LSV_TL_LANE_H - 2, w, 2);
	cairo_fill(cr);
	g_autofree char *addr = lsv_format_addr(self->lock_filter);
	g_autofree char *label = g_strdup_printf("%s\n%s", ls_class_name((uint64_t)cls) ? ls_class_name((uint64_t)cls) : "lock", addr);
	pango_layout_set_text(layout, label, -1);
	cairo_set_source_rgb(cr, p->fg[0], p->fg[1], p->fg[2]);
	cairo_move_to(cr, 8, y + 10);
	pango_cairo_show_layout(cr, layout);
}

static int64_t nice_step(double min_ns)
{
	int64_t step = 1;
	while (step < min_ns) {
		if (step * 2 >= min_ns)
			return step * 2;
		if (step * 5 >= min_ns)
			return step * 5;
		step *= 10;
	}
	return step;
}

static char *ruler_label(int64_t rel, int64_t step)
{
	if (step >= 1000000000)
		return g_strdup_printf("%.0f s", rel / 1e9);
	if (step >= 1000000)
		return g_strdup_printf(step % 1000000 ? "%.1f ms" : "%.0f ms", rel / 1e6);
	if (step >= 1000)
		return g_strdup_printf("%.0f µs", rel / 1e3);
	return g_strdup_printf("%" G_GINT64_FORMAT " ns", (gint64)rel);
}

/* The ruler, or (grid_only) the grid lines under the lanes. */
static void draw_ruler(LsvTimeline *self, cairo_t *cr, PangoLayout *layout, const palette *p, int w, int h,
		       gboolean grid_only)
{
	if (!grid_only) {
		cairo_set_source_rgb(cr, p->header[0], p->header[1], p->header[2]);
		cairo_rectangle(cr, 0, 0, w, LSV_TL_RULER_H);
		cairo_fill(cr);
	}
	int64_t step = nice_step(self->ns_per_px * 110);
	int64_t base = self->trace->t_begin;
	double tl = self->t0, tr = self->t0 + self->ns_per_px * (w - LSV_TL_HEADER_W);
	int64_t k0 = (int64_t)floor((tl - base) / step), k1 = (int64_t)ceil((tr - base) / step);
	for (int64_t k = k0; k <= k1; k++) {
		int64_t t = base + k * step;
		double x = floor(lsv_timeline_time_to_x(self, t)) + 0.5;
		if (x < LSV_TL_HEADER_W)
			continue;
		if (grid_only) {
			cairo_set_source_rgb(cr, p->grid[0], p->grid[1], p->grid[2]);
			cairo_set_line_width(cr, 1);
			cairo_move_to(cr, x, LSV_TL_RULER_H);
			cairo_line_to(cr, x, h);
			cairo_stroke(cr);
			continue;
		}
		cairo_set_line_width(cr, 1);
		cairo_set_source_rgb(cr, p->fg[0], p->fg[1], p->fg[2]);
		cairo_move_to(cr, x, LSV_TL_RULER_H - 8);
		cairo_line_to(cr, x, LSV_TL_RULER_H);
		cairo_stroke(cr);
		for (int m = 1; m < 5; m++) {
			double mx = floor(lsv_timeline_time_to_x(self, t + step * m / 5)) + 0.5;
			cairo_move_to(cr, mx, LSV_TL_RULER_H - 3);
			cairo_line_to(cr, mx, LSV_TL_RULER_H);
		}
		cairo_stroke(cr);
		g_autofree char *label = ruler_label(k * step, step);
		pango_layout_set_text(layout, label, -1);
		cairo_move_to(cr, x + 3, 2);
		pango_cairo_show_layout(cr, layout);
	}
}

void lsv_timeline_render(LsvTimeline *self, cairo_surface_t *surface, int w, int h)
{
	palette p;
	get_palette(self, &p);
	cairo_t *cr = cairo_create(surface);
	PangoLayout *layout = gtk_widget_create_pango_layout(GTK_WIDGET(self), NULL);
	PangoFontDescription *small = pango_font_description_from_string("Sans 8");
	pango_layout_set_font_description(layout, small);
	cairo_set_source_rgb(cr, p.bg[0], p.bg[1], p.bg[2]);
	cairo_paint(cr);
	self->last_detail = FALSE;
	if (!self->trace) {
		pango_font_description_free(small);
		g_object_unref(layout);
		cairo_destroy(cr);
		return;
	}
	int lw = w - LSV_TL_HEADER_W;
	if (lw < 1)
		lw = 1;
	const lsv_lod *lod = self->trace->lod;
	gboolean detail = self->ns_per_px < (double)lod->width;
	int64_t va = (int64_t)self->t0, vb = (int64_t)(self->t0 + self->ns_per_px * lw);
	gboolean have_detail = detail && detail_covers(self, va, vb);
	if (detail && !have_detail)
		fetch_request(self);

	/* finding window */
	if (self->highlight && self->highlight->has_window) {
		double x0 = lsv_timeline_time_to_x(self, self->highlight->t_begin);
		double x1 = lsv_timeline_time_to_x(self, self->highlight->t_end);
		x0 = MAX(x0, LSV_TL_HEADER_W);
		if (x1 - x0 < 2)
			x1 = x0 + 2;
		cairo_set_source_rgba(cr, 0.96, 0.83, 0.18, p.dark ? 0.16 : 0.22);
		cairo_rectangle(cr, x0, LSV_TL_RULER_H, x1 - x0, h - LSV_TL_RULER_H);
		cairo_fill(cr);
	}

	draw_ruler(self, cr, layout, &p, w, h, TRUE);
	cairo_surface_flush(surface);
	pixbuf pb = { (uint32_t *)cairo_image_surface_get_data(surface),
		      cairo_image_surface_get_stride(surface) / 4, w, h };
	double y = lanes_top(self) - self->v_offset;
	for (guint i = 0; i < self->trace->lanes->len && y < h; i++) {
		const lsv_lane *l = g_ptr_array_index(self->trace->lanes, i);
		int lh = lane_height(l);
		if (y + lh < lanes_top(self) || l->is_group) {
			y += lh;
			continue;
		}
		const lsv_task *task = g_ptr_array_index(self->trace->tasks, l->task);
		const lsv_lod_lane *lane = lsv_lod_lane_get(lod, task->tid);
		int ly = (int)y;
		if (task->tid == self->selected_tid) {
			cairo_set_source_rgba(cr, p.sel[0], p.sel[1], p.sel[2], 0.10);
			cairo_rectangle(cr, LSV_TL_HEADER_W, ly, lw, lh);
			cairo_fill(cr);
			cairo_surface_flush(surface);
		}
		const lane_detail *d = have_detail ? g_hash_table_lookup(self->detail, &task->tid) : NULL;
		if (have_detail && !d && lane)
			fetch_request(self);
		if (d) {
			draw_lane_detail(self, &pb, cr, layout, d, lane, ly, lw);
			self->last_detail = TRUE;
		} else if (lane) {
			draw_lane_summary(self, &pb, cr, lane, ly, lw);
		}
		cairo_surface_flush(surface);
		y += lh;
	}
	cairo_surface_mark_dirty(surface);

	/* lane headers */
	y = lanes_top(self) - self->v_offset;
	PangoFontDescription *bold = pango_font_description_from_string("Sans Bold 9");
	PangoFontDescription *normal = pango_font_description_from_string("Sans 9");
	for (guint i = 0; i < self->trace->lanes->len && y < h; i++) {
		const lsv_lane *l = g_ptr_array_index(self->trace->lanes, i);
		int lh = lane_height(l);
		if (y + lh < lanes_top(self)) {
			y += lh;
			continue;
		}
		if (l->is_group) {
			cairo_set_source_rgb(cr, p.group[0], p.group[1], p.group[2]);
			cairo_rectangle(cr, 0, y, w, lh);
			cairo_fill(cr);
			pango_layout_set_font_description(layout, bold);
		} else {
			const lsv_task *task = g_ptr_array_index(self->trace->tasks, l->task);
			gboolean hl = self->highlight && lsv_finding_has_tid(self->highlight, task->tid);
			if (task->tid == self->selected_tid)
				cairo_set_source_rgb(cr, p.sel[0], p.sel[1], p.sel[2]);
			else if (hl)
				cairo_set_source_rgb(cr, 0.96, 0.80, 0.20);
			else
				cairo_set_source_rgb(cr, p.header[0], p.header[1], p.header[2]);
			cairo_rectangle(cr, 0, y, LSV_TL_HEADER_W, lh);
			cairo_fill(cr);
			cairo_set_source_rgb(cr, p.grid[0], p.grid[1], p.grid[2]);
			cairo_rectangle(cr, 0, y + lh - 1, w, 1);
			cairo_fill(cr);
			pango_layout_set_font_description(layout, normal);
		}
		gboolean sel = !l->is_group && ((lsv_task *)g_ptr_array_index(self->trace->tasks, l->task))->tid ==
					       self->selected_tid;
		if (sel)
			cairo_set_source_rgb(cr, 1, 1, 1);
		else
			cairo_set_source_rgb(cr, p.fg[0], p.fg[1], p.fg[2]);
		pango_layout_set_text(layout, l->label, -1);
		pango_layout_set_width(layout, (LSV_TL_HEADER_W - 12) * PANGO_SCALE);
		pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
		cairo_move_to(cr, l->is_group ? 6 : 14, y + (l->is_group ? 2 : 12));
		pango_cairo_show_layout(cr, layout);
		pango_layout_set_width(layout, -1);
		y += lh;
	}
	pango_layout_set_font_description(layout, small);
	cairo_set_source_rgb(cr, p.grid[0], p.grid[1], p.grid[2]);
	cairo_rectangle(cr, LSV_TL_HEADER_W - 1, LSV_TL_RULER_H, 1, h);
	cairo_fill(cr);
	if (self->lock_lane) {
		cairo_surface_flush(surface);
		draw_lock_lane(self, &pb, cr, layout, &p, w, lw);
	}

	draw_ruler(self, cr, layout, &p, w, h, FALSE);

	/* cursor */
	if (self->cursor_event >= 0) {
		double x = floor(lsv_timeline_time_to_x(self, self->cursor_t)) + 0.5;
		if (x >= LSV_TL_HEADER_W && x <= w) {
			cairo_set_source_rgb(cr, 0.88, 0.11, 0.14);
			cairo_set_line_width(cr, 1);
			cairo_move_to(cr, x, LSV_TL_RULER_H - 10);
			cairo_line_to(cr, x, h);
			cairo_stroke(cr);
			cairo_move_to(cr, x - 5, LSV_TL_RULER_H - 10);
			cairo_line_to(cr, x + 5, LSV_TL_RULER_H - 10);
			cairo_line_to(cr, x, LSV_TL_RULER_H - 3);
			cairo_close_path(cr);
			cairo_fill(cr);
		}
	}
	/* corner: zoom scale */
	{
		cairo_set_source_rgb(cr, p.header[0], p.header[1], p.header[2]);
		cairo_rectangle(cr, 0, 0, LSV_TL_HEADER_W, LSV_TL_RULER_H);
		cairo_fill(cr);
		g_autofree char *px = lsv_format_duration((int64_t)ceil(self->ns_per_px));
		g_autofree char *txt = g_strdup_printf("%s/px%s", px, detail ? (have_detail ? "" : " …") : "");
		pango_layout_set_text(layout, txt, -1);
		cairo_set_source_rgb(cr, p.fg[0], p.fg[1], p.fg[2]);
		cairo_move_to(cr, 6, 7);
		pango_cairo_show_layout(cr, layout);
	}
	pango_font_description_free(small);
	pango_font_description_free(bold);
	pango_font_description_free(normal);
	g_object_unref(layout);
	cairo_destroy(cr);
	cairo_surface_flush(surface);
}

static void lsv_timeline_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
	LsvTimeline *self = LSV_TIMELINE(widget);
	int w = gtk_widget_get_width(widget), h = gtk_widget_get_height(widget);
	if (w <= 0 || h <= 0)
		return;
	if (!self->surface || cairo_image_surface_get_width(self->surface) != w ||
	    cairo_image_surface_get_height(self->surface) != h) {
		if (self->surface)
			cairo_surface_destroy(self->surface);
		self->surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	}
	clamp_view(self);
	lsv_timeline_render(self, self->surface, w, h);
	int stride = cairo_image_surface_get_stride(self->surface);
	GBytes *bytes = g_bytes_new(cairo_image_surface_get_data(self->surface), (gsize)stride * h);
	GdkTexture *tex = gdk_memory_texture_new(w, h, GDK_MEMORY_DEFAULT, bytes, (gsize)stride);
	gtk_snapshot_append_texture(snapshot, tex, &GRAPHENE_RECT_INIT(0, 0, w, h));
	g_object_unref(tex);
	g_bytes_unref(bytes);
}

/* ---- input ---- */

static gboolean span_at(LsvTimeline *self, double x, double y, lsv_span *out);

gboolean lsv_timeline_span_at(LsvTimeline *self, double x, double y, lsv_span *out)
{
	return span_at(self, x, y, out);
}

static gboolean on_scroll(GtkEventControllerScroll *c, double dx, double dy, gpointer data)
{
	LsvTimeline *self = data;
	GdkModifierType mods = gtk_event_controller_get_current_event_state(GTK_EVENT_CONTROLLER(c));
	GdkScrollUnit unit = gtk_event_controller_scroll_get_unit(c);
	double step = unit == GDK_SCROLL_UNIT_WHEEL ? 60 : 1;
	if (mods & GDK_CONTROL_MASK) {
		double x = 0, y = 0;
		GdkEvent *ev = gtk_event_controller_get_current_event(GTK_EVENT_CONTROLLER(c));
		if (ev)
			gdk_event_get_position(ev, &x, &y);
		lsv_timeline_zoom(self, pow(1.25, -dy * (unit == GDK_SCROLL_UNIT_WHEEL ? 1 : 0.05)), x);
	} else if (mods & GDK_SHIFT_MASK) {
		lsv_timeline_pan(self, (dy + dx) * step);
	} else {
		if (dx != 0)
			lsv_timeline_pan(self, dx * step);
		if (dy != 0)
			lsv_timeline_scroll_lanes(self, dy * step * 0.7);
	}
	return TRUE;
}

static void on_drag_begin(GtkGestureDrag *g, double x, double y, gpointer data)
{
	(void)g;
	(void)x;
	(void)y;
	LsvTimeline *self = data;
	self->drag_t0 = self->t0;
	self->drag_v0 = self->v_offset;
	gtk_widget_grab_focus(GTK_WIDGET(self));
}

static void on_drag_update(GtkGestureDrag *g, double dx, double dy, gpointer data)
{
	(void)g;
	LsvTimeline *self = data;
	if (fabs(dx) < 3 && fabs(dy) < 3)
		return;
	self->t0 = self->drag_t0 - dx * self->ns_per_px;
	self->v_offset = self->drag_v0 - dy;
	view_changed(self);
}

static void on_drag_end(GtkGestureDrag *g, double dx, double dy, gpointer data)
{
	LsvTimeline *self = data;
	if (fabs(dx) >= 3 || fabs(dy) >= 3)
		return;
	double x, y;
	gtk_gesture_drag_get_start_point(g, &x, &y);
	int64_t tid = tid_at_y(self, y);
	if (tid != LSV_NONE)
		g_signal_emit(self, signals[SIG_LANE_SELECTED], 0, (gint64)tid);
	lsv_span sp;
	if (span_at(self, x, y, &sp))
		g_signal_emit(self, signals[SIG_LOCK_SELECTED], 0, (gint64)sp.lock);
	if (x >= LSV_TL_HEADER_W)
		g_signal_emit(self, signals[SIG_CURSOR_REQUESTED], 0, (gint64)lsv_timeline_x_to_time(self, x));
}

static void on_zoom_begin(GtkGesture *g, GdkEventSequence *s, gpointer data)
{
	(void)g;
	(void)s;
	LsvTimeline *self = data;
	self->zoom_ns0 = self->ns_per_px;
}

static void on_zoom_scale(GtkGestureZoom *g, double scale, gpointer data)
{
	LsvTimeline *self = data;
	double cx = 0, cy = 0;
	gtk_gesture_get_bounding_box_center(GTK_GESTURE(g), &cx, &cy);
	if (scale <= 0)
		return;
	double target = self->zoom_ns0 / scale;
	lsv_timeline_zoom(self, self->ns_per_px / target, cx);
}

/* The hold drawn under (x, y), from the long spans and the detail cache. */
static gboolean span_at(LsvTimeline *self, double x, double y, lsv_span *out)
{
	if (!self->trace || x < LSV_TL_HEADER_W)
		return FALSE;
	int64_t tid = tid_at_y(self, y);
	if (tid == LSV_NONE)
		return FALSE;
	int ly = lsv_timeline_lane_y(self, tid);
	if (y - ly < LSV_TL_MARK_H)
		return FALSE;
	int row = (int)(y - ly - LSV_TL_MARK_H) / LSV_TL_ROW_H;
	int64_t t = lsv_timeline_x_to_time(self, x);
	const lane_detail *d = g_hash_table_lookup(self->detail, &tid);
	GArray *cand = g_array_new(FALSE, FALSE, sizeof(lsv_span));
	int64_t slack = (int64_t)(self->ns_per_px * 2);
	lsv_lod_long_overlap(lsv_lod_lane_get(self->trace->lod, tid), t - slack, t + slack, cand);
	if (d && self->ns_per_px < self->trace->lod->width)
		g_array_append_vals(cand, d->spans->data, d->spans->len);
	gboolean found = FALSE;
	int64_t best = INT64_MAX;
	for (guint i = 0; i < cand->len; i++) {
		const lsv_span *s = &g_array_index(cand, lsv_span, i);
		if (row_of_class[s->cls] != row || s->start > t + slack || s->end < t - slack ||
		    !(self->class_mask & (1u << s->cls)))
			continue;
		/* the shortest span under the pointer is the one the eye picks */
		if (s->end - s->start < best) {
			best = s->end - s->start;
			*out = *s;
			found = TRUE;
		}
	}
	g_array_unref(cand);
	return found;
}

static gboolean on_query_tooltip(GtkWidget *w, int x, int y, gboolean kb, GtkTooltip *tip, gpointer data)
{
	(void)kb;
	(void)data;
	LsvTimeline *self = LSV_TIMELINE(w);
	lsv_span sp;
	if (!span_at(self, x, y, &sp))
		return FALSE;
	const lsv_span *s = &sp;
	g_autofree char *lock = lsv_format_addr(s->lock);
	g_autofree char *held = lsv_format_duration(s->acq != LSV_NONE ? s->end - s->acq : 0);
	g_autofree char *wait = lsv_format_duration((s->flags & LSV_SPAN_WAIT) ? s->wait_end - s->start : 0);
	g_autofree char *txt = g_strdup_printf(
		"%s %s %s (tid %d)\n%s%sheld %s%s%s\nclick: select this lock", ls_class_name(s->cls) ? ls_class_name(s->cls) : "?",
		s->mode ? "write" : "read", lock, s->tid, (s->flags & LSV_SPAN_FAILED) ? "FAILED, " : "",
		(s->flags & LSV_SPAN_AT_END) ? "until the end, " : "", held,
		(s->flags & LSV_SPAN_WAIT) ? ", waited " : "", (s->flags & LSV_SPAN_WAIT) ? wait : "");
	gtk_tooltip_set_text(tip, txt);
	return TRUE;
}

static void on_resize(LsvTimeline *self)
{
	if (self->pending && gtk_widget_get_width(GTK_WIDGET(self)) > LSV_TL_HEADER_W)
		lsv_timeline_set_view(self, self->pending_a, self->pending_b);
	else
		clamp_view(self);
}

static void lsv_timeline_size_allocate(GtkWidget *w, int width, int height, int baseline)
{
	(void)width;
	(void)height;
	(void)baseline;
	on_resize(LSV_TIMELINE(w));
}

static void lsv_timeline_measure(GtkWidget *w, GtkOrientation o, int for_size, int *min, int *nat,
				 int *min_base, int *nat_base)
{
	(void)w;
	(void)for_size;
	*min = o == GTK_ORIENTATION_HORIZONTAL ? LSV_TL_HEADER_W + 100 : LSV_TL_RULER_H + LSV_TL_LANE_H;
	*nat = o == GTK_ORIENTATION_HORIZONTAL ? 900 : 500;
	*min_base = *nat_base = -1;
}

static void lsv_timeline_dispose(GObject *o)
{
	LsvTimeline *self = LSV_TIMELINE(o);
	if (self->fetch_idle) {
		g_source_remove(self->fetch_idle);
		self->fetch_idle = 0;
	}
	G_OBJECT_CLASS(lsv_timeline_parent_class)->dispose(o);
}

static void lsv_timeline_finalize(GObject *o)
{
	LsvTimeline *self = LSV_TIMELINE(o);
	g_hash_table_unref(self->detail);
	g_array_unref(self->lock_ids);
	g_array_unref(self->lock_spans);
	g_free(self->col_hold);
	g_free(self->col_wait);
	g_free(self->col_flags);
	if (self->surface)
		cairo_surface_destroy(self->surface);
	G_OBJECT_CLASS(lsv_timeline_parent_class)->finalize(o);
}

static void lsv_timeline_class_init(LsvTimelineClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);
	GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
	oc->dispose = lsv_timeline_dispose;
	oc->finalize = lsv_timeline_finalize;
	wc->snapshot = lsv_timeline_snapshot;
	wc->measure = lsv_timeline_measure;
	wc->size_allocate = lsv_timeline_size_allocate;
	gtk_widget_class_set_css_name(wc, "timeline");
	signals[SIG_CURSOR_REQUESTED] = g_signal_new("cursor-requested", G_TYPE_FROM_CLASS(klass),
						     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						     G_TYPE_NONE, 1, G_TYPE_INT64);
	signals[SIG_LANE_SELECTED] = g_signal_new("lane-selected", G_TYPE_FROM_CLASS(klass),
						  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
						  1, G_TYPE_INT64);
	signals[SIG_LOCK_SELECTED] = g_signal_new("lock-selected", G_TYPE_FROM_CLASS(klass),
						  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
						  1, G_TYPE_INT64);
	signals[SIG_VIEW_CHANGED] = g_signal_new("view-changed", G_TYPE_FROM_CLASS(klass),
						 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void lsv_timeline_init(LsvTimeline *self)
{
	self->detail = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, lane_detail_free);
	self->lock_ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	self->lock_spans = g_array_new(FALSE, FALSE, sizeof(lsv_span));
	self->ns_per_px = 1;
	self->class_mask = (1u << LSV_LOD_CLASSES) - 1;
	self->selected_tid = LSV_NONE;
	self->lock_filter = LSV_NONE;
	self->cursor_event = -1;
	gtk_widget_set_focusable(GTK_WIDGET(self), TRUE);
	gtk_widget_set_hexpand(GTK_WIDGET(self), TRUE);
	gtk_widget_set_vexpand(GTK_WIDGET(self), TRUE);
	gtk_widget_set_has_tooltip(GTK_WIDGET(self), TRUE);
	g_signal_connect(self, "query-tooltip", G_CALLBACK(on_query_tooltip), NULL);

	GtkEventController *scroll = gtk_event_controller_scroll_new(GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
	g_signal_connect(scroll, "scroll", G_CALLBACK(on_scroll), self);
	gtk_widget_add_controller(GTK_WIDGET(self), scroll);

	GtkGesture *drag = gtk_gesture_drag_new();
	gtk_gesture_single_set_button(GTK_GESTURE_SINGLE(drag), 0);
	g_signal_connect(drag, "drag-begin", G_CALLBACK(on_drag_begin), self);
	g_signal_connect(drag, "drag-update", G_CALLBACK(on_drag_update), self);
	g_signal_connect(drag, "drag-end", G_CALLBACK(on_drag_end), self);
	gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(drag));

	GtkGesture *zoom = gtk_gesture_zoom_new();
	g_signal_connect(zoom, "begin", G_CALLBACK(on_zoom_begin), self);
	g_signal_connect(zoom, "scale-changed", G_CALLBACK(on_zoom_scale), self);
	gtk_widget_add_controller(GTK_WIDGET(self), GTK_EVENT_CONTROLLER(zoom));
}

GtkWidget *lsv_timeline_new(void)
{
	return g_object_new(LSV_TYPE_TIMELINE, NULL);
}
