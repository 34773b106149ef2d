/* timeline-link.c — two LsvTimelines on one relative time axis (timeline.h, lsv_timeline_link):
 * each shows its own trace, times counted from that trace's start; a view change of one is
 * applied to the other at the same relative time and scale, and both clamp their views to the
 * longer of the two traces so they never disagree. A linked timeline names its trace in the
 * corner above the scale. */
#include "timeline-private.h"

#include <math.h>

static void unlink_one(LsvTimeline *self)
{
	if (self->linked)
		g_object_remove_weak_pointer(G_OBJECT(self->linked), (gpointer *)&self->linked);
	self->linked = NULL;
}

void lsv_timeline_link(LsvTimeline *self, LsvTimeline *other)
{
	if (self->linked) {
		LsvTimeline *old = self->linked;
		unlink_one(old);
		unlink_one(self);
		gtk_widget_queue_draw(GTK_WIDGET(old));
	}
	if (other && other != self) {
		if (other->linked)
			lsv_timeline_link(other, NULL);
		self->linked = other;
		g_object_add_weak_pointer(G_OBJECT(other), (gpointer *)&self->linked);
		other->linked = self;
		g_object_add_weak_pointer(G_OBJECT(self), (gpointer *)&other->linked);
		lsv_tl_sync_linked(self);
	}
	gtk_widget_queue_draw(GTK_WIDGET(self));
}

LsvTimeline *lsv_timeline_get_linked(LsvTimeline *self)
{
	return self->linked;
}

/* The longer of the two traces' spans: what both views may show. */
double lsv_tl_linked_span(LsvTimeline *self)
{
	double span = self->trace ? (double)(self->trace->t_end - self->trace->t_begin) : 0;
	LsvTimeline *o = self->linked;
	if (o && o->trace && (double)(o->trace->t_end - o->trace->t_begin) > span)
		span = (double)(o->trace->t_end - o->trace->t_begin);
	return span;
}

void lsv_tl_sync_linked(LsvTimeline *self)
{
	LsvTimeline *o = self->linked;
	if (!o || self->syncing || !self->trace || !o->trace)
		return;
	o->syncing = TRUE;
	o->pending = FALSE;
	/* both views are relative to their own trace's start (timeline-private.h) */
	o->t0 = self->t0 - (double)(self->origin - self->trace->t_begin) + (double)(o->origin - o->trace->t_begin);
	/* the same time per pixel: lanes of equal width show the same relative range */
	o->ns_per_px = self->ns_per_px;
	lsv_tl_view_changed(o);
	o->syncing = FALSE;
}

/* The trace's name: its directory (meta.source), else the database file. */
static char *trace_name(lsv_trace *t)
{
	const char *path = t->source && *t->source ? t->source : t->path;
	return g_path_get_basename(path ? path : "?");
}

char *lsv_timeline_dup_title(LsvTimeline *self)
{
	return self->linked && self->trace ? trace_name(self->trace) : NULL;
}

void lsv_tl_draw_title(LsvTimeline *self, cairo_t *cr, PangoLayout *layout, const lsv_tl_palette *p)
{
	g_autofree char *name = lsv_timeline_dup_title(self);
	if (!name)
		return;
	PangoFontDescription *bold = pango_font_description_from_string("Sans Bold 8");
	pango_layout_set_font_description(layout, bold);
	pango_layout_set_text(layout, name, -1);
	pango_layout_set_width(layout, (LSV_TL_HEADER_W - 12) * PANGO_SCALE);
	pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_MIDDLE);
	cairo_set_source_rgb(cr, p->fg[0], p->fg[1], p->fg[2]);
	cairo_move_to(cr, 6, 1);
	pango_cairo_show_layout(cr, layout);
	pango_layout_set_width(layout, -1);
	pango_font_description_free(bold);
}
