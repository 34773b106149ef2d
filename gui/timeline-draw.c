/* timeline-draw.c — the renderer of LsvTimeline (lsv_timeline_render and the snapshot).
 *
 * A frame is drawn into one ARGB32 image surface. Summary columns are written as pixels (a
 * lane's summary costs ~width × rows pixel writes, whatever the trace size); zoomed-in holds,
 * instants, text and the cursor are drawn with cairo. The surface becomes a GdkMemoryTexture
 * in the snapshot. No SQL here: detail rows come from the worker (timeline-fetch.c). */
#include "timeline-private.h"

#include <math.h>
#include <string.h>

#include "contract.h"
#include "lod.h"

void lsv_tl_get_palette(LsvTimeline *self, lsv_tl_palette *p)
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

static void paint_hold_column(lsv_tl_pixbuf *pb, int x, int row_top, int cls, gboolean write, double cover)
{
	double a = write ? 0.45 + 0.55 * cover : 0.25 + 0.25 * cover;
	for (int y = 0; y < LSV_TL_ROW_H - 1; y++)
		lsv_tl_blend(pb, x, row_top + y, lsv_tl_class_rgb[cls], (!write && y == 0) ? 0.6 + 0.4 * cover : a);
}

static void paint_wait_column(lsv_tl_pixbuf *pb, int x, int row_top, int cls, double cover)
{
	for (int y = 0; y < LSV_TL_ROW_H - 1; y++)
		if (((x + y) & 3) < 2)
			lsv_tl_blend(pb, x, row_top + y, lsv_tl_class_rgb[cls], 0.5 + 0.5 * cover);
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
static void columns_paint(LsvTimeline *self, lsv_tl_pixbuf *pb, int y, int w)
{
	for (unsigned c = 0; c < LSV_LOD_CLASSES; c++) {
		if (!(self->class_mask & (1u << c)))
			continue;
		int row_top = y + LSV_TL_MARK_H + lsv_tl_row_of_class[c] * LSV_TL_ROW_H;
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
static void draw_marker(lsv_tl_pixbuf *pb, double xf, int y, int kind)
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
				lsv_tl_blend(pb, x + dx, y + r, kind == LSV_INSTANT_FAIL ? fail : refused, 1);
		}
		break;
	case LSV_INSTANT_FREE:
	case LSV_INSTANT_FREE_DONE:
		for (int r = 0; r < 7; r++) {
			lsv_tl_blend(pb, x - 3 + r, y + 1 + r, freed, 1);
			lsv_tl_blend(pb, x + 3 - r, y + 1 + r, freed, 1);
			if (kind == LSV_INSTANT_FREE) {
				lsv_tl_blend(pb, x - 2 + r, y + 1 + r, freed, 0.8);
				lsv_tl_blend(pb, x + 2 - r, y + 1 + r, freed, 0.8);
			}
		}
		break;
	default:
		for (int r = 0; r < LSV_TL_MARK_H; r++) {
			lsv_tl_blend(pb, x, y + r, phase, 1);
			if (kind == LSV_INSTANT_PHASE_BEGIN)
				lsv_tl_blend(pb, x + 1, y + r, phase, 0.6);
		}
		break;
	}
}

/* Zoomed out: one column per pixel from the coarsest LOD level whose buckets are no wider than
 * a pixel. */
static void draw_lane_summary(LsvTimeline *self, lsv_tl_pixbuf *pb, cairo_t *cr, const lsv_lod_lane *lane,
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

static void draw_lane_detail(LsvTimeline *self, lsv_tl_pixbuf *pb, cairo_t *cr, PangoLayout *layout,
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
		double row_top = y + LSV_TL_MARK_H + lsv_tl_row_of_class[s->cls] * LSV_TL_ROW_H;
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
static void draw_ruler(LsvTimeline *self, cairo_t *cr, PangoLayout *layout, const lsv_tl_palette *p, int w, int h,
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
	lsv_tl_palette p;
	lsv_tl_get_palette(self, &p);
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
	gboolean have_detail = detail && lsv_tl_detail_covers(self, va, vb);
	if (detail && !have_detail)
		lsv_tl_fetch_request(self);

	/* finding window */
	if (self->highlight && self->highlight->has_window) {
		double x0 = lsv_timeline_time_to_x(self, self->highlight->band_begin);
		double x1 = lsv_timeline_time_to_x(self, self->highlight->band_end);
		x0 = MAX(x0, LSV_TL_HEADER_W);
		if (x1 - x0 < 2)
			x1 = x0 + 2;
		cairo_set_source_rgba(cr, 0.96, 0.83, 0.18, p.dark ? 0.16 : 0.22);
		cairo_rectangle(cr, x0, LSV_TL_RULER_H, x1 - x0, h - LSV_TL_RULER_H);
		cairo_fill(cr);
	}

	draw_ruler(self, cr, layout, &p, w, h, TRUE);
	cairo_surface_flush(surface);
	lsv_tl_pixbuf pb = { (uint32_t *)cairo_image_surface_get_data(surface),
		      cairo_image_surface_get_stride(surface) / 4, w, h };
	double y = lsv_tl_lanes_top(self) - self->v_offset;
	for (guint i = 0; i < self->trace->lanes->len && y < h; i++) {
		const lsv_lane *l = g_ptr_array_index(self->trace->lanes, i);
		int lh = lsv_tl_lane_height(l);
		if (y + lh < lsv_tl_lanes_top(self) || l->is_group) {
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
			lsv_tl_fetch_request(self);
		if (d) {
			draw_lane_detail(self, &pb, cr, layout, d, lane, ly, lw);
			self->last_detail = TRUE;
		} else if (lane) {
			draw_lane_summary(self, &pb, cr, lane, ly, lw);
		}
		cairo_surface_flush(surface);
		/* back-to-back holds keep a boundary tick (timeline-lock-lane.c) */
		lsv_tl_lane_boundaries(self, &pb, &p, lane, d ? d->spans : NULL, ly, lw);
		y += lh;
	}
	cairo_surface_mark_dirty(surface);

	/* lane headers */
	y = lsv_tl_lanes_top(self) - self->v_offset;
	PangoFontDescription *bold = pango_font_description_from_string("Sans Bold 9");
	PangoFontDescription *normal = pango_font_description_from_string("Sans 9");
	for (guint i = 0; i < self->trace->lanes->len && y < h; i++) {
		const lsv_lane *l = g_ptr_array_index(self->trace->lanes, i);
		int lh = lsv_tl_lane_height(l);
		if (y + lh < lsv_tl_lanes_top(self)) {
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
		/* a process header spans the whole width: never cut its pid; a task's name leaves
		 * room for the row labels */
		pango_layout_set_width(layout, (l->is_group ? w - 12 : LSV_TL_HEADER_W - 70) * PANGO_SCALE);
		pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
		cairo_move_to(cr, l->is_group ? 6 : 8, y + (l->is_group ? 2 : 12));
		pango_cairo_show_layout(cr, layout);
		pango_layout_set_width(layout, -1);
		if (!l->is_group)
			lsv_tl_draw_row_labels(self, cr, layout, &p, (int)y);
		y += lh;
	}
	pango_layout_set_font_description(layout, small);
	cairo_set_source_rgb(cr, p.grid[0], p.grid[1], p.grid[2]);
	cairo_rectangle(cr, LSV_TL_HEADER_W - 1, LSV_TL_RULER_H, 1, h);
	cairo_fill(cr);
	if (self->lock_lane) {
		cairo_surface_flush(surface);
		lsv_tl_draw_lock_lane(self, &pb, cr, layout, &p, w, lw);
	}

	draw_ruler(self, cr, layout, &p, w, h, FALSE);
	if (h > LSV_TL_RULER_H + LSV_TL_LEGEND_H * 2)
		lsv_tl_draw_legend(self, cr, layout, &p, w, h);
	pango_layout_set_font_description(layout, small);

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


void lsv_tl_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
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
	lsv_tl_clamp_view(self);
	lsv_timeline_render(self, self->surface, w, h);
	int stride = cairo_image_surface_get_stride(self->surface);
	GBytes *bytes = g_bytes_new(cairo_image_surface_get_data(self->surface), (gsize)stride * h);
	GdkTexture *tex = gdk_memory_texture_new(w, h, GDK_MEMORY_DEFAULT, bytes, (gsize)stride);
	gtk_snapshot_append_texture(snapshot, tex, &GRAPHENE_RECT_INIT(0, 0, w, h));
	g_object_unref(tex);
	g_bytes_unref(bytes);
}
