/* timeline.c — LsvTimeline (timeline.h): the widget, its geometry and its view (the visible time
 * range, the lane scroll), the selection it shows. Drawing is in timeline-draw.c, the detail
 * fetcher in timeline-fetch.c, input in timeline-input.c (timeline-private.h lists the parts).
 *
 * The view is t0 (time at the left edge of the lanes, in ns from `origin`, the trace's start:
 * see timeline-private.h) and ns_per_px; every input path goes
 * through lsv_tl_clamp_view, which refuses a non-finite value: one NaN there used to blank the
 * ruler and pile every mark at the left edge until a cursor jump reset t0. */
#include "timeline-private.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "contract.h"
#include "lod.h"

G_DEFINE_FINAL_TYPE(LsvTimeline, lsv_timeline, GTK_TYPE_WIDGET)

guint lsv_tl_signals[N_SIGNALS];

void lsv_tl_lane_detail_free(gpointer p)
{
	lane_detail *d = p;
	g_array_unref(d->spans);
	g_array_unref(d->instants);
	g_free(d);
}


const int lsv_tl_row_of_class[LSV_LOD_CLASSES] = {
	[LS_CLASS_MMAP_LOCK] = 0, [LS_CLASS_VMA_LOCK] = 1, [LS_CLASS_I_MMAP] = 2,
	[LS_CLASS_ANON_VMA] = 3, [LS_CLASS_PMD_LOCK] = 4, [LS_CLASS_PTE_LOCK] = 5,
	[LS_CLASS_PAGE_TABLE_LOCK] = 6,
};

const double lsv_tl_class_rgb[LSV_LOD_CLASSES][3] = {
	[LS_CLASS_MMAP_LOCK] = { 0x1c / 255.0, 0x71 / 255.0, 0xd8 / 255.0 },
	[LS_CLASS_VMA_LOCK] = { 0x2e / 255.0, 0xc2 / 255.0, 0x7e / 255.0 },
	[LS_CLASS_ANON_VMA] = { 0xe5 / 255.0, 0xa5 / 255.0, 0x0a / 255.0 },
	[LS_CLASS_I_MMAP] = { 0xb0 / 255.0, 0x40 / 255.0, 0xc0 / 255.0 },
	[LS_CLASS_PTE_LOCK] = { 0x00 / 255.0, 0x99 / 255.0, 0xa8 / 255.0 },
	[LS_CLASS_PMD_LOCK] = { 0xc0 / 255.0, 0x1c / 255.0, 0x28 / 255.0 },
	[LS_CLASS_PAGE_TABLE_LOCK] = { 0x86 / 255.0, 0x5e / 255.0, 0x3c / 255.0 },
};

void lsv_timeline_class_rgb(int cls, double rgb[3])
{
	int c = cls >= 0 && cls < LSV_LOD_CLASSES ? cls : 0;
	memcpy(rgb, lsv_tl_class_rgb[c], sizeof(lsv_tl_class_rgb[c]));
}

int lsv_timeline_row_y(int lane_y, int cls)
{
	int c = cls >= 0 && cls < LSV_LOD_CLASSES ? cls : 0;
	return lane_y + LSV_TL_MARK_H + lsv_tl_row_of_class[c] * LSV_TL_ROW_H + LSV_TL_ROW_H / 2;
}

/* ---- geometry ---- */

int lsv_tl_lanes_width(LsvTimeline *self)
{
	int w = gtk_widget_get_width(GTK_WIDGET(self)) - LSV_TL_HEADER_W;
	return w > 1 ? w : 1;
}

double lsv_timeline_time_to_x(LsvTimeline *self, int64_t t)
{
	return LSV_TL_HEADER_W + ((double)(t - self->origin) - self->t0) / self->ns_per_px;
}

int64_t lsv_timeline_x_to_time(LsvTimeline *self, double x)
{
	return self->origin + (int64_t)llround(self->t0 + (x - LSV_TL_HEADER_W) * self->ns_per_px);
}

int lsv_tl_lane_height(const lsv_lane *l)
{
	return l->is_group ? LSV_TL_GROUP_H : LSV_TL_LANE_H;
}

/* Top of the scrolling lanes: below the ruler, the lock lane when a lock is selected, and the
 * CPU lanes when shown. */
int lsv_tl_lanes_top(LsvTimeline *self)
{
	return lsv_tl_cpu_top(self) + lsv_tl_cpu_section_h(self);
}

int lsv_tl_content_height(LsvTimeline *self)
{
	int h = 0;
	if (self->trace)
		for (guint i = 0; i < self->trace->lanes->len; i++)
			h += lsv_tl_lane_height(g_ptr_array_index(self->trace->lanes, i));
	return h;
}

int lsv_timeline_lane_y(LsvTimeline *self, int64_t tid)
{
	if (!self->trace)
		return -1;
	double y = lsv_tl_lanes_top(self) - self->v_offset;
	for (guint i = 0; i < self->trace->lanes->len; i++) {
		const lsv_lane *l = g_ptr_array_index(self->trace->lanes, i);
		if (!l->is_group && ((lsv_task *)g_ptr_array_index(self->trace->tasks, l->task))->tid == tid)
			return (int)y;
		y += lsv_tl_lane_height(l);
	}
	return -1;
}

int64_t lsv_tl_tid_at_y(LsvTimeline *self, double py)
{
	if (!self->trace || py < lsv_tl_lanes_top(self))
		return LSV_NONE;
	double y = lsv_tl_lanes_top(self) - self->v_offset;
	for (guint i = 0; i < self->trace->lanes->len; i++) {
		const lsv_lane *l = g_ptr_array_index(self->trace->lanes, i);
		int h = lsv_tl_lane_height(l);
		if (py >= y && py < y + h)
			return l->is_group ? LSV_NONE
					   : ((lsv_task *)g_ptr_array_index(self->trace->tasks, l->task))->tid;
		y += h;
	}
	return LSV_NONE;
}

void lsv_tl_clamp_view(LsvTimeline *self)
{
	if (!self->trace)
		return;
	/* linked to another trace's timeline: both may show the longer of the two */
	double span = lsv_tl_linked_span(self) + 1;
	double w = lsv_tl_lanes_width(self);
	double min_npp = 0.01, max_npp = span * 1.2 / w;
	if (max_npp < min_npp)
		max_npp = min_npp;
	/* a non-finite value never stays: the whole trace instead */
	if (!isfinite(self->ns_per_px) || !isfinite(self->t0)) {
		self->ns_per_px = max_npp / 1.2;
		self->t0 = 0;
	}
	if (!isfinite(self->v_offset))
		self->v_offset = 0;
	self->ns_per_px = CLAMP(self->ns_per_px, min_npp, max_npp);
	double vis = self->ns_per_px * w;
	double lo = -vis * 0.5, hi = span - 1 - vis * 0.5;
	self->t0 = CLAMP(self->t0, lo, hi > lo ? hi : lo);
	int maxv = lsv_tl_content_height(self) -
		   (gtk_widget_get_height(GTK_WIDGET(self)) - LSV_TL_LEGEND_H - lsv_tl_lanes_top(self));
	self->v_offset = CLAMP(self->v_offset, 0, maxv > 0 ? maxv : 0);
}

void lsv_tl_view_changed(LsvTimeline *self)
{
	lsv_tl_clamp_view(self);
	gtk_widget_queue_draw(GTK_WIDGET(self));
	g_signal_emit(self, lsv_tl_signals[SIG_VIEW_CHANGED], 0);
	lsv_tl_sync_linked(self);
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
		self->t0 = (double)(t0 - self->origin);
		return;
	}
	self->pending = FALSE;
	self->t0 = (double)(t0 - self->origin);
	self->ns_per_px = (double)(t1 - t0) / lsv_tl_lanes_width(self);
	lsv_tl_view_changed(self);
}

void lsv_timeline_get_view(LsvTimeline *self, int64_t *t0, int64_t *t1)
{
	if (self->pending) {
		*t0 = self->pending_a;
		*t1 = self->pending_b;
		return;
	}
	*t0 = lsv_tl_view_a(self);
	*t1 = lsv_tl_view_b(self, lsv_tl_lanes_width(self));
}

void lsv_timeline_zoom(LsvTimeline *self, double factor, double anchor_x)
{
	self->pending = FALSE;
	if (!isfinite(factor) || factor <= 0)
		return;
	if (!isfinite(anchor_x) || anchor_x < LSV_TL_HEADER_W)
		anchor_x = LSV_TL_HEADER_W + lsv_tl_lanes_width(self) / 2.0;
	double t = self->t0 + (anchor_x - LSV_TL_HEADER_W) * self->ns_per_px;
	self->ns_per_px /= factor;
	lsv_tl_clamp_view(self);
	self->t0 = t - (anchor_x - LSV_TL_HEADER_W) * self->ns_per_px;
	lsv_tl_view_changed(self);
}

void lsv_timeline_pan(LsvTimeline *self, double dx_px)
{
	self->t0 += dx_px * self->ns_per_px;
	lsv_tl_view_changed(self);
}

void lsv_timeline_scroll_lanes(LsvTimeline *self, double dy)
{
	self->v_offset += dy;
	lsv_tl_view_changed(self);
}

void lsv_timeline_zoom_fit(LsvTimeline *self)
{
	if (!self->trace)
		return;
	int64_t span = (int64_t)lsv_tl_linked_span(self), pad = span / 50 + 1;
	lsv_timeline_set_view(self, self->trace->t_begin - pad, self->trace->t_begin + span + pad);
}

void lsv_timeline_set_cursor(LsvTimeline *self, int64_t event, int64_t t, gboolean follow)
{
	self->cursor_event = event;
	self->cursor_t = t;
	if (follow) {
		int64_t a, b;
		lsv_timeline_get_view(self, &a, &b);
		if (t < a || t > b)
			self->t0 = (double)(t - self->origin) - self->ns_per_px * lsv_tl_lanes_width(self) * 0.25;
		lsv_tl_view_changed(self);
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
	if (y < lsv_tl_lanes_top(self))
		self->v_offset -= lsv_tl_lanes_top(self) - y + LSV_TL_GROUP_H;
	else if (y + LSV_TL_LANE_H > h)
		self->v_offset += y + LSV_TL_LANE_H - h;
	lsv_tl_view_changed(self);
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
		int rc = sqlite3_prepare_v2(self->trace->db, "SELECT id, class FROM locks WHERE addr = ?", -1, &q, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(q, 1, lock);
			while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
				int64_t id = sqlite3_column_int64(q, 0);
				g_array_append_val(self->lock_ids, id);
				self->lock_cls = sqlite3_column_int(q, 1);
			}
		}
		if (rc != SQLITE_DONE) {
			/* a damaged or vanished database: no lane from a partial read, and the window says why */
			ls_error err;
			ls_error_clear(&err);
			ls_error_set(&err, LS_ERR_DB, self->trace->path, "reading the locks at %#" PRIx64 ": %s",
				     (uint64_t)lock, sqlite3_errmsg(self->trace->db));
			g_array_set_size(self->lock_ids, 0);
			if (self->read_error_fn)
				self->read_error_fn(self, &err, self->read_error_user);
		}
		sqlite3_finalize(q);
		self->lock_lane = self->lock_ids->len > 0;
	}
	self->det_generation++;
	lsv_tl_view_changed(self);
}

void lsv_timeline_set_highlight(LsvTimeline *self, const lsv_finding *f)
{
	self->highlight = f;
	gtk_widget_queue_draw(GTK_WIDGET(self));
}

void lsv_tl_detail_drop(LsvTimeline *self)
{
	g_hash_table_remove_all(self->detail);
	self->det_a = self->det_b = 0;
	self->det_zoom = 0;
	self->det_generation++;
}

void lsv_timeline_lanes_changed(LsvTimeline *self)
{
	lsv_tl_view_changed(self);
}

void lsv_timeline_set_trace(LsvTimeline *self, lsv_trace *trace)
{
	self->trace = trace;
	self->origin = trace ? trace->t_begin : 0;
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
	self->mark_a = self->mark_b = LSV_NONE;
	lsv_tl_detail_drop(self);
	lsv_tl_cpu_reset(self);
	if (trace) {
		self->t0 = 0;
		self->ns_per_px = 1;
		lsv_timeline_zoom_fit(self);
	}
	gtk_widget_queue_draw(GTK_WIDGET(self));
}

gboolean lsv_timeline_last_render_was_detail(LsvTimeline *self)
{
	return self->last_detail;
}

static void on_resize(LsvTimeline *self)
{
	if (self->pending && gtk_widget_get_width(GTK_WIDGET(self)) > LSV_TL_HEADER_W)
		lsv_timeline_set_view(self, self->pending_a, self->pending_b);
	else
		lsv_tl_clamp_view(self);
	/* a linked timeline takes the other's view once it has a width to scale it to */
	if (self->linked)
		lsv_tl_sync_linked(self->linked);
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
	lsv_timeline_link(self, NULL);
	G_OBJECT_CLASS(lsv_timeline_parent_class)->dispose(o);
}

static void lsv_timeline_finalize(GObject *o)
{
	LsvTimeline *self = LSV_TIMELINE(o);
	g_hash_table_unref(self->detail);
	g_array_unref(self->lock_ids);
	g_array_unref(self->lock_spans);
	g_array_unref(self->cpus);
	g_ptr_array_unref(self->cpu_runs);
	g_free(self->col_hold);
	g_free(self->col_wait);
	g_free(self->col_flags);
	if (self->surface)
		cairo_surface_destroy(self->surface);
	G_OBJECT_CLASS(lsv_timeline_parent_class)->finalize(o);
}

static void act_mark(GtkWidget *w, const char *name, GVariant *param)
{
	(void)name;
	(void)param;
	LsvTimeline *self = LSV_TIMELINE(w);
	int64_t a, b;
	if (!self->trace)
		return;
	lsv_timeline_get_view(self, &a, &b);
	/* the cursor when there is one, else the middle of the view */
	lsv_timeline_set_mark(self, self->cursor_event >= 0 ? self->cursor_t : a + (b - a) / 2);
}

static void act_clear_marks(GtkWidget *w, const char *name, GVariant *param)
{
	(void)name;
	(void)param;
	lsv_timeline_clear_marks(LSV_TIMELINE(w));
}

static void lsv_timeline_class_init(LsvTimelineClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);
	GtkWidgetClass *wc = GTK_WIDGET_CLASS(klass);
	oc->dispose = lsv_timeline_dispose;
	oc->finalize = lsv_timeline_finalize;
	wc->snapshot = lsv_tl_snapshot;
	wc->measure = lsv_timeline_measure;
	wc->size_allocate = lsv_timeline_size_allocate;
	gtk_widget_class_set_css_name(wc, "timeline");
	lsv_tl_signals[SIG_CURSOR_REQUESTED] = g_signal_new("cursor-requested", G_TYPE_FROM_CLASS(klass),
						     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
						     G_TYPE_NONE, 1, G_TYPE_INT64);
	lsv_tl_signals[SIG_LANE_SELECTED] = g_signal_new("lane-selected", G_TYPE_FROM_CLASS(klass),
						  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
						  1, G_TYPE_INT64);
	lsv_tl_signals[SIG_LOCK_SELECTED] = g_signal_new("lock-selected", G_TYPE_FROM_CLASS(klass),
						  G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
						  1, G_TYPE_INT64);
	lsv_tl_signals[SIG_VIEW_CHANGED] = g_signal_new("view-changed", G_TYPE_FROM_CLASS(klass),
						 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
	/* the measurement from the keyboard (timeline-measure.c): M marks the cursor, Escape clears */
	gtk_widget_class_install_action(wc, "timeline.mark", NULL, act_mark);
	gtk_widget_class_install_action(wc, "timeline.clear-marks", NULL, act_clear_marks);
	gtk_widget_class_add_binding_action(wc, GDK_KEY_m, 0, "timeline.mark", NULL);
	gtk_widget_class_add_binding_action(wc, GDK_KEY_Escape, 0, "timeline.clear-marks", NULL);
}

static void lsv_timeline_init(LsvTimeline *self)
{
	self->detail = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, lsv_tl_lane_detail_free);
	self->lock_ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	self->lock_spans = g_array_new(FALSE, FALSE, sizeof(lsv_span));
	self->cpus = g_array_new(FALSE, FALSE, sizeof(int64_t));
	self->cpu_runs = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
	self->mark_a = self->mark_b = LSV_NONE;
	self->ns_per_px = 1;
	self->class_mask = (1u << LSV_LOD_CLASSES) - 1;
	self->selected_tid = LSV_NONE;
	self->lock_filter = LSV_NONE;
	self->cursor_event = -1;
	gtk_widget_set_focusable(GTK_WIDGET(self), TRUE);
	gtk_widget_set_hexpand(GTK_WIDGET(self), TRUE);
	gtk_widget_set_vexpand(GTK_WIDGET(self), TRUE);
	lsv_tl_input_init(self);
}

GtkWidget *lsv_timeline_new(void)
{
	return g_object_new(LSV_TYPE_TIMELINE, NULL);
}

