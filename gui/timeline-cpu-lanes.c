/* timeline-cpu-lanes.c — the CPU lanes of LsvTimeline: one lane per CPU, pinned under the ruler
 * (and the lock lane), showing which task ran there when, on the same time axis as the task
 * lanes below — so a lock holder switched out while a waiter spins is seen as the holder's
 * colour leaving its CPU while the waiter's lane is hatched.
 *
 * The runs come from cpu_runs (cpu-runs.h) for three view widths, read by the detail worker
 * (timeline-fetch.c) and cached here; drawing never runs SQL. Idle (tid 0) is left blank. */
#include "timeline-private.h"

#include <math.h>
#include <string.h>

/* ---- geometry ---- */

int lsv_tl_cpu_top(LsvTimeline *self)
{
	return LSV_TL_RULER_H + (self->lock_lane ? LSV_TL_LANE_H : 0);
}

/* A lane is LSV_TL_CPU_H high while all of them fit in a third of the height, else thinner. */
int lsv_tl_cpu_lane_h(LsvTimeline *self)
{
	if (!self->cpu_lanes || !self->cpus->len)
		return 0;
	int room = (gtk_widget_get_height(GTK_WIDGET(self)) - LSV_TL_RULER_H - LSV_TL_LEGEND_H) / 3;
	int h = room / (int)self->cpus->len;
	return CLAMP(h, 3, LSV_TL_CPU_H);
}

int lsv_tl_cpu_section_h(LsvTimeline *self)
{
	int lh = lsv_tl_cpu_lane_h(self);
	return lh ? lh * (int)self->cpus->len + 3 : 0;
}

void lsv_timeline_set_cpu_lanes(LsvTimeline *self, gboolean show)
{
	self->cpu_lanes = show;
	self->cpu_zoom = 0;
	lsv_tl_view_changed(self);
}

gboolean lsv_timeline_get_cpu_lanes(LsvTimeline *self)
{
	return self->cpu_lanes;
}

guint lsv_timeline_cpu_count(LsvTimeline *self)
{
	return self->cpus->len;
}

/* The trace changed: its CPUs (one index seek each), nothing cached. */
void lsv_tl_cpu_reset(LsvTimeline *self)
{
	g_array_set_size(self->cpus, 0);
	g_ptr_array_set_size(self->cpu_runs, 0);
	self->cpu_zoom = 0;
	if (self->trace) {
		GArray *cpus = lsv_cpu_runs_cpus(self->trace->db);
		g_array_append_vals(self->cpus, cpus->data, cpus->len);
		g_array_unref(cpus);
	}
}

static int cpu_index(LsvTimeline *self, int64_t cpu)
{
	for (guint i = 0; i < self->cpus->len; i++)
		if (g_array_index(self->cpus, int64_t, i) == cpu)
			return (int)i;
	return -1;
}

int lsv_timeline_cpu_lane_y(LsvTimeline *self, int64_t cpu, int *height)
{
	int i = cpu_index(self, cpu), lh = lsv_tl_cpu_lane_h(self);
	if (height)
		*height = lh;
	if (i < 0 || !lh)
		return -1;
	return lsv_tl_cpu_top(self) + i * lh;
}

/* Whether the cached runs serve this view: its window, and a zoom the runs were thinned for
 * (zooming in more than twice would show the gaps of the thinning). */
gboolean lsv_tl_cpu_covers(LsvTimeline *self, int64_t a, int64_t b)
{
	return self->cpu_zoom > 0 && a >= self->cpu_a && b <= self->cpu_b && self->ns_per_px > self->cpu_zoom / 2 &&
	       self->ns_per_px < self->cpu_zoom * 8;
}

/* ---- colours ---- */

void lsv_timeline_task_rgb(int64_t tid, double rgb[3])
{
	/* golden-ratio hues: neighbouring tids get distant colours */
	double h = fmod((double)(uint64_t)tid * 0.6180339887498949, 1.0) * 6, s = 0.55, v = 0.80;
	int i = (int)floor(h);
	double f = h - i, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
	double c[6][3] = { { v, t, p }, { q, v, p }, { p, v, t }, { p, q, v }, { t, p, v }, { v, p, q } };
	memcpy(rgb, c[CLAMP(i, 0, 5)], sizeof(c[0]));
}

/* ---- hit test and tooltip ---- */

gboolean lsv_timeline_cpu_run_at(LsvTimeline *self, double x, double y, int64_t *cpu, lsv_cpu_run *out)
{
	int top = lsv_tl_cpu_top(self), lh = lsv_tl_cpu_lane_h(self);
	if (!self->trace || !lh || x < LSV_TL_HEADER_W || y < top || y >= top + lh * (int)self->cpus->len)
		return FALSE;
	int i = (int)(y - top) / lh;
	if (i >= (int)self->cpu_runs->len)
		return FALSE;
	const GArray *runs = g_ptr_array_index(self->cpu_runs, i);
	int64_t t = lsv_timeline_x_to_time(self, x), slack = (int64_t)self->ns_per_px;
	gboolean found = FALSE;
	int64_t best = INT64_MAX;
	for (guint k = 0; k < runs->len; k++) {
		const lsv_cpu_run *r = &g_array_index(runs, lsv_cpu_run, k);
		if (r->begin > t + slack || r->end < t - slack)
			continue;
		/* the run under the pointer itself, else the nearest of the pixel's */
		int64_t d = r->begin <= t && t <= r->end ? -1 : MIN(llabs(r->begin - t), llabs(r->end - t));
		if (d < best) {
			best = d;
			*out = *r;
			*cpu = g_array_index(self->cpus, int64_t, i);
			found = TRUE;
		}
	}
	return found;
}

char *lsv_timeline_describe_cpu_run(LsvTimeline *self, int64_t cpu, const lsv_cpu_run *r)
{
	const lsv_task *k = self->trace ? lsv_trace_task(self->trace, r->tid) : NULL;
	int64_t base = self->trace ? self->trace->t_begin : 0, end_of_trace = self->trace ? self->trace->t_end : 0;
	g_autofree char *from = lsv_format_duration(r->begin - base);
	g_autofree char *to = lsv_format_duration(r->end - base);
	g_autofree char *len = lsv_format_duration(r->end - r->begin);
	g_autofree char *who = r->tid == 0 ? g_strdup("idle (tid 0)")
					   : g_strdup_printf("%s/%" G_GINT64_FORMAT, k && *k->comm ? k->comm : "?",
							     (gint64)r->tid);
	const char *left = r->end_state != LSV_CPU_STATE_NONE ? lsv_cpu_state_describe(r->end_state)
			   : r->end >= end_of_trace ? NULL : "switch out not recorded";
	return g_strdup_printf("cpu %" G_GINT64_FORMAT ": %s\nfrom +%s%s to +%s (%s)\n%s%s",
			       (gint64)cpu, who, from, r->switched_in ? "" : " (trace start)", to, len,
			       left ? "switched out: " : "still running at the trace end", left ? left : "");
}

/* ---- drawing ---- */

void lsv_tl_draw_cpu_lanes(LsvTimeline *self, lsv_tl_pixbuf *pb, cairo_t *cr, PangoLayout *layout,
			   const lsv_tl_palette *p, int w, int lw)
{
	int top = lsv_tl_cpu_top(self), lh = lsv_tl_cpu_lane_h(self), n = (int)self->cpus->len;
	int64_t va = lsv_tl_view_a(self), vb = lsv_tl_view_b(self, lw);
	if (!lh)
		return;
	gboolean covered = lsv_tl_cpu_covers(self, va, vb);
	if (!covered)
		lsv_tl_fetch_request(self);
	cairo_set_source_rgb(cr, p->bg[0], p->bg[1], p->bg[2]);
	cairo_rectangle(cr, 0, top, w, lsv_tl_cpu_section_h(self));
	cairo_fill(cr);
	cairo_surface_flush(cairo_get_target(cr));
	for (int i = 0; covered && i < n && i < (int)self->cpu_runs->len; i++) {
		const GArray *runs = g_ptr_array_index(self->cpu_runs, i);
		int y = top + i * lh;
		for (guint k = 0; k < runs->len; k++) {
			const lsv_cpu_run *r = &g_array_index(runs, lsv_cpu_run, k);
			if (r->tid == 0 || r->end < va || r->begin > vb)
				continue;
			double rgb[3];
			lsv_timeline_task_rgb(r->tid, rgb);
			double a = self->selected_tid == LSV_NONE ? 0.9 : r->tid == self->selected_tid ? 1.0 : 0.3;
			int x0 = (int)floor(lsv_timeline_time_to_x(self, MAX(r->begin, va)));
			int x1 = (int)ceil(lsv_timeline_time_to_x(self, MIN(r->end, vb)));
			for (int x = MAX(x0, LSV_TL_HEADER_W); x < MAX(x1, x0 + 1) && x < w; x++)
				for (int yy = y + 1; yy < y + lh - 1; yy++)
					lsv_tl_blend(pb, x, yy, rgb, a);
		}
	}
	cairo_surface_mark_dirty(cairo_get_target(cr));
	/* names on runs wide enough for them */
	for (int i = 0; covered && lh >= 12 && i < n && i < (int)self->cpu_runs->len; i++) {
		const GArray *runs = g_ptr_array_index(self->cpu_runs, i);
		int y = top + i * lh, labels = 0;
		for (guint k = 0; k < runs->len && labels < 40; k++) {
			const lsv_cpu_run *r = &g_array_index(runs, lsv_cpu_run, k);
			if (r->tid == 0 || r->end < va || r->begin > vb)
				continue;
			double x0 = MAX(lsv_timeline_time_to_x(self, r->begin), LSV_TL_HEADER_W);
			double x1 = MIN(lsv_timeline_time_to_x(self, r->end), w);
			if (x1 - x0 < 40)
				continue;
			const lsv_task *t = lsv_trace_task(self->trace, r->tid);
			g_autofree char *name = g_strdup_printf("%s/%" G_GINT64_FORMAT, t && *t->comm ? t->comm : "?",
								(gint64)r->tid);
			double rgb[3];
			lsv_timeline_task_rgb(r->tid, rgb);
			gboolean dark_bg = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] < 0.6;
			pango_layout_set_text(layout, name, -1);
			pango_layout_set_width(layout, (int)(x1 - x0 - 4) * PANGO_SCALE);
			pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
			cairo_set_source_rgb(cr, dark_bg ? 1 : 0, dark_bg ? 1 : 0, dark_bg ? 1 : 0);
			cairo_move_to(cr, x0 + 3, y + (lh - 11) / 2.0);
			pango_cairo_show_layout(cr, layout);
			pango_layout_set_width(layout, -1);
			labels++;
		}
	}
	/* headers */
	for (int i = 0; i < n; i++) {
		int y = top + i * lh;
		cairo_set_source_rgb(cr, p->group[0], p->group[1], p->group[2]);
		cairo_rectangle(cr, 0, y, LSV_TL_HEADER_W, lh);
		cairo_fill(cr);
		if (lh >= 9) {
			g_autofree char *label = g_strdup_printf(i == 0 && !covered ? "cpu %" G_GINT64_FORMAT "  (loading…)"
										: "cpu %" G_GINT64_FORMAT,
								 (gint64)g_array_index(self->cpus, int64_t, i));
			pango_layout_set_text(layout, label, -1);
			cairo_set_source_rgb(cr, p->fg[0], p->fg[1], p->fg[2]);
			cairo_move_to(cr, 8, y + (lh - 11) / 2.0);
			pango_cairo_show_layout(cr, layout);
		}
	}
	cairo_set_source_rgb(cr, p->fg[0], p->fg[1], p->fg[2]);
	cairo_rectangle(cr, 0, top + n * lh + 1, w, 1);
	cairo_fill(cr);
}
