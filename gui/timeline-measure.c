/* timeline-measure.c — the measurement of LsvTimeline: two marks, A and B, and the interval
 * between them, drawn over the lanes as a band with a label giving both times relative to the
 * trace start (as the ruler counts) and Δ. Shift+click and M set them (timeline-input.c and the
 * widget's actions), Escape clears them. The marks are times, so they stay put while zooming. */
#include "timeline-private.h"

#include <math.h>

static const double mark_rgb[3] = { 0.0, 0.55, 0.45 };

void lsv_timeline_set_mark(LsvTimeline *self, int64_t t)
{
	if (self->mark_a == LSV_NONE || self->mark_b != LSV_NONE) {
		self->mark_a = t;
		self->mark_b = LSV_NONE;
	} else {
		self->mark_b = t;
	}
	gtk_widget_queue_draw(GTK_WIDGET(self));
}

void lsv_timeline_clear_marks(LsvTimeline *self)
{
	self->mark_a = self->mark_b = LSV_NONE;
	gtk_widget_queue_draw(GTK_WIDGET(self));
}

gboolean lsv_timeline_get_marks(LsvTimeline *self, int64_t *a, int64_t *b)
{
	if (a)
		*a = self->mark_a;
	if (b)
		*b = self->mark_b;
	return self->mark_a != LSV_NONE;
}

char *lsv_timeline_measure_text(LsvTimeline *self)
{
	if (self->mark_a == LSV_NONE || !self->trace)
		return NULL;
	int64_t base = self->trace->t_begin;
	g_autofree char *a = lsv_format_duration(self->mark_a - base);
	if (self->mark_b == LSV_NONE)
		return g_strdup_printf("A +%s   (Shift+click or M: B)", a);
	g_autofree char *b = lsv_format_duration(self->mark_b - base);
	g_autofree char *d = lsv_format_duration(llabs(self->mark_b - self->mark_a));
	return g_strdup_printf("A +%s   B +%s   Δ %s", a, b, d);
}

static void mark_line(LsvTimeline *self, cairo_t *cr, PangoLayout *layout, int64_t t, const char *name, int w, int h)
{
	double x = floor(lsv_timeline_time_to_x(self, t)) + 0.5;
	if (x < LSV_TL_HEADER_W || x > w)
		return;
	cairo_set_source_rgb(cr, mark_rgb[0], mark_rgb[1], mark_rgb[2]);
	cairo_set_line_width(cr, 1);
	cairo_move_to(cr, x, LSV_TL_RULER_H - 12);
	cairo_line_to(cr, x, h - LSV_TL_LEGEND_H);
	cairo_stroke(cr);
	pango_layout_set_text(layout, name, -1);
	cairo_move_to(cr, x + 2, LSV_TL_RULER_H - 13);
	pango_cairo_show_layout(cr, layout);
}

void lsv_tl_draw_marks(LsvTimeline *self, cairo_t *cr, PangoLayout *layout, const lsv_tl_palette *p, int w, int h)
{
	if (self->mark_a == LSV_NONE)
		return;
	(void)p;
	if (self->mark_b != LSV_NONE) {
		double x0 = lsv_timeline_time_to_x(self, MIN(self->mark_a, self->mark_b));
		double x1 = lsv_timeline_time_to_x(self, MAX(self->mark_a, self->mark_b));
		x0 = MAX(x0, LSV_TL_HEADER_W);
		x1 = MIN(x1, w);
		if (x1 > x0) {
			cairo_set_source_rgba(cr, mark_rgb[0], mark_rgb[1], mark_rgb[2], 0.14);
			cairo_rectangle(cr, x0, LSV_TL_RULER_H, x1 - x0, h - LSV_TL_RULER_H - LSV_TL_LEGEND_H);
			cairo_fill(cr);
		}
	}
	mark_line(self, cr, layout, self->mark_a, "A", w, h);
	if (self->mark_b != LSV_NONE)
		mark_line(self, cr, layout, self->mark_b, "B", w, h);
	/* the label, at the top right of the lanes, on its own box so it reads over any lane */
	g_autofree char *text = lsv_timeline_measure_text(self);
	int tw, th;
	pango_layout_set_text(layout, text, -1);
	pango_layout_get_pixel_size(layout, &tw, &th);
	double bx = w - tw - 16, by = LSV_TL_RULER_H + 4;
	cairo_set_source_rgba(cr, mark_rgb[0], mark_rgb[1], mark_rgb[2], 0.92);
	cairo_rectangle(cr, bx, by, tw + 10, th + 4);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_move_to(cr, bx + 5, by + 2);
	pango_cairo_show_layout(cr, layout);
}
