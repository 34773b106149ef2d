/* timeline-lock-lane.c — the lock lane pinned under the ruler while a lock is selected: who held
 * it when (write solid, read light, each hold named by its task) and who waited (hatched). */
#include "timeline-private.h"

#include <math.h>

#include "contract.h"

void lsv_tl_draw_lock_lane(LsvTimeline *self, lsv_tl_pixbuf *pb, cairo_t *cr, PangoLayout *layout, const lsv_tl_palette *p,
			   int w, int lw)
{
	int y = LSV_TL_RULER_H;
	int64_t va = lsv_tl_view_a(self), vb = lsv_tl_view_b(self, lw);
	cairo_set_source_rgb(cr, p->bg[0], p->bg[1], p->bg[2]);
	cairo_rectangle(cr, 0, y, w, LSV_TL_LANE_H);
	cairo_fill(cr);
	gboolean covered = self->lk_zoom > 0 && va >= self->lk_a && vb <= self->lk_b &&
			   self->ns_per_px > self->lk_zoom / 8 && self->ns_per_px < self->lk_zoom * 8;
	if (!covered)
		lsv_tl_fetch_request(self);
	int cls = self->lock_cls >= 0 && self->lock_cls < LSV_LOD_CLASSES ? self->lock_cls : 0;
	const double *rgb = lsv_tl_class_rgb[cls];
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
						lsv_tl_blend(pb, x, y + LSV_TL_MARK_H + band + r, rgb, 0.9);
		}
		if (sp->acq != LSV_NONE && !(sp->flags & LSV_SPAN_FAILED)) {
			int x0 = (int)floor(lsv_timeline_time_to_x(self, MAX(sp->acq, va)));
			int x1 = (int)ceil(lsv_timeline_time_to_x(self, MIN(sp->end, vb)));
			for (int x = MAX(x0, LSV_TL_HEADER_W); x < MAX(x1, x0 + 1) && x < w; x++)
				for (int r = 0; r < band - 1; r++)
					lsv_tl_blend(pb, x, y + LSV_TL_MARK_H + r, rgb, sp->mode || r == 0 ? 1.0 : 0.45);
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

