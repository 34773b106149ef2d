/* timeline-input.c — pointer, wheel and gesture input of LsvTimeline, the hit test and the
 * tooltip. Ctrl+wheel zooms around the pointer: its position comes from a motion controller,
 * because a scroll event's own position is NaN on X11 (GTK 4.8) — taking it as the anchor made
 * one Ctrl+wheel notch turn the view into NaN (issue 15). */
#include "timeline-private.h"

#include <math.h>

#include "contract.h"
#include "symbols.h"

gboolean lsv_timeline_span_at(LsvTimeline *self, double x, double y, lsv_span *out)
{
	return lsv_tl_span_at(self, x, y, out);
}

static gboolean on_scroll(GtkEventControllerScroll *c, double dx, double dy, gpointer data)
{
	LsvTimeline *self = data;
	GdkModifierType mods = gtk_event_controller_get_current_event_state(GTK_EVENT_CONTROLLER(c));
	GdkScrollUnit unit = gtk_event_controller_scroll_get_unit(c);
	double step = unit == GDK_SCROLL_UNIT_WHEEL ? 60 : 1;
	if (mods & GDK_CONTROL_MASK) {
		/* the pointer as the motion controller last saw it; the scroll event's own position
		 * is NaN here. Off the lanes (or unknown): zoom around the middle. */
		double x = self->pointer_in ? self->pointer_x : -1;
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

static void on_motion(GtkEventControllerMotion *c, double x, double y, gpointer data)
{
	(void)c;
	(void)y;
	LsvTimeline *self = data;
	self->pointer_in = isfinite(x);
	self->pointer_x = x;
}

static void on_leave(GtkEventControllerMotion *c, gpointer data)
{
	(void)c;
	((LsvTimeline *)data)->pointer_in = FALSE;
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
	lsv_tl_view_changed(self);
}

static void on_drag_end(GtkGestureDrag *g, double dx, double dy, gpointer data)
{
	LsvTimeline *self = data;
	if (fabs(dx) >= 3 || fabs(dy) >= 3)
		return;
	double x, y;
	gtk_gesture_drag_get_start_point(g, &x, &y);
	/* Shift+click: a mark of the measurement (timeline-measure.c), nothing else */
	if (gtk_event_controller_get_current_event_state(GTK_EVENT_CONTROLLER(g)) & GDK_SHIFT_MASK) {
		if (x >= LSV_TL_HEADER_W && self->trace)
			lsv_timeline_set_mark(self, lsv_timeline_x_to_time(self, x));
		return;
	}
	/* a click on a CPU lane's run selects the task that ran there */
	int64_t cpu;
	lsv_cpu_run run;
	if (lsv_timeline_cpu_run_at(self, x, y, &cpu, &run) && run.tid != 0)
		g_signal_emit(self, lsv_tl_signals[SIG_LANE_SELECTED], 0, (gint64)run.tid);
	int64_t tid = lsv_tl_tid_at_y(self, y);
	if (tid != LSV_NONE)
		g_signal_emit(self, lsv_tl_signals[SIG_LANE_SELECTED], 0, (gint64)tid);
	lsv_span sp;
	if (lsv_tl_span_at(self, x, y, &sp))
		g_signal_emit(self, lsv_tl_signals[SIG_LOCK_SELECTED], 0, (gint64)sp.lock);
	if (x >= LSV_TL_HEADER_W)
		g_signal_emit(self, lsv_tl_signals[SIG_CURSOR_REQUESTED], 0, (gint64)lsv_timeline_x_to_time(self, x));
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
gboolean lsv_tl_span_at(LsvTimeline *self, double x, double y, lsv_span *out)
{
	if (!self->trace || x < LSV_TL_HEADER_W)
		return FALSE;
	int64_t tid = lsv_tl_tid_at_y(self, y);
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
		if (lsv_tl_row_of_class[s->cls] != row || s->start > t + slack || s->end < t - slack ||
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

char *lsv_timeline_describe_span(LsvTimeline *self, const lsv_span *s)
{
	g_autofree char *lock = lsv_format_addr(s->lock);
	g_autofree char *held = lsv_format_duration(s->acq != LSV_NONE ? s->end - s->acq : 0);
	g_autofree char *wait = lsv_format_duration((s->flags & LSV_SPAN_WAIT) ? s->wait_end - s->start : 0);
	const lsv_task *k = self->trace ? lsv_trace_task(self->trace, s->tid) : NULL;
	/* the call sites, from the holds row (one lookup by primary key, on hover only) */
	char site[256] = "", buf[200];
	sqlite3_stmt *q = NULL;
	if (self->trace) {
		int rc = sqlite3_prepare_v2(self->trace->db, "SELECT request_ip, acquired_ip FROM holds WHERE id = ?", -1,
					    &q, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(q, 1, s->id);
			rc = sqlite3_step(q);
		}
		if (rc == SQLITE_ROW) {
			int64_t rip = sqlite3_column_int64(q, 0), aip = sqlite3_column_int64(q, 1);
			int64_t ip = aip ? aip : rip;
			if (ip)
				g_snprintf(site, sizeof(site), "\nat %s",
					   ls_symbols_format(self->symbols, (uint64_t)ip, buf, sizeof(buf)));
		} else if (rc != SQLITE_DONE) {
			/* say so rather than show the hold as if it had no call site */
			g_snprintf(site, sizeof(site), "\ncall site unreadable: %s", sqlite3_errmsg(self->trace->db));
		}
	}
	sqlite3_finalize(q);
	return g_strdup_printf("%s %s %s\n%s/%d%s\n%s%sheld %s%s%s\nclick: select this lock",
			       ls_class_name(s->cls) ? ls_class_name(s->cls) : "?", s->mode ? "write" : "read", lock,
			       k && *k->comm ? k->comm : "?", s->tid, site, (s->flags & LSV_SPAN_FAILED) ? "FAILED, " : "",
			       (s->flags & LSV_SPAN_AT_END) ? "until the end, " : "", held,
			       (s->flags & LSV_SPAN_WAIT) ? ", waited " : "", (s->flags & LSV_SPAN_WAIT) ? wait : "");
}

static gboolean on_query_tooltip(GtkWidget *w, int x, int y, gboolean kb, GtkTooltip *tip, gpointer data)
{
	(void)kb;
	(void)data;
	LsvTimeline *self = LSV_TIMELINE(w);
	int64_t cpu;
	lsv_cpu_run run;
	if (lsv_timeline_cpu_run_at(self, x, y, &cpu, &run)) {
		g_autofree char *cpu_txt = lsv_timeline_describe_cpu_run(self, cpu, &run);
		gtk_tooltip_set_text(tip, cpu_txt);
		return TRUE;
	}
	/* the lock lane's bars, or the hold and how many the pixel stands for (timeline-lock-lane.c) */
	g_autofree char *txt = lsv_timeline_tooltip_at(self, x, y);
	if (!txt)
		return FALSE;
	gtk_tooltip_set_text(tip, txt);
	return TRUE;
}

void lsv_timeline_set_symbols(LsvTimeline *self, const ls_symbols *symbols)
{
	self->symbols = symbols;
}

void lsv_tl_input_init(LsvTimeline *self)
{
	gtk_widget_set_has_tooltip(GTK_WIDGET(self), TRUE);
	g_signal_connect(self, "query-tooltip", G_CALLBACK(on_query_tooltip), NULL);

	GtkEventController *motion = gtk_event_controller_motion_new();
	g_signal_connect(motion, "enter", G_CALLBACK(on_motion), self);
	g_signal_connect(motion, "motion", G_CALLBACK(on_motion), self);
	g_signal_connect(motion, "leave", G_CALLBACK(on_leave), self);
	gtk_widget_add_controller(GTK_WIDGET(self), motion);

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
