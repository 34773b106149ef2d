/* timeline-lock-lane.c — the lock lane pinned under the ruler while a lock is selected: who held
 * it when (write solid, read light) and who waited (hatched), and its tooltip.
 *
 * Holds are drawn as runs: back-to-back holds of one task that fall within a pixel of each other
 * are one run, named by the task with "×N" and counted in the tooltip; a run that begins where
 * another ends (another task, or the same task after a gap too small to see) gets a boundary tick,
 * so two holds never read as one at any zoom (issue 15). Each run wide enough is named by its
 * task (comm/tid); every run, however narrow, has a tooltip. The runs of the last frame are kept
 * for the tooltip (attached to the widget), so hover and drawing agree. The task lanes draw the
 * same ticks between a task's own back-to-back holds (lsv_tl_paint_hold_boundaries). */
#include "timeline-private.h"

#include <math.h>
#include <string.h>

#include "contract.h"
#include "lod.h"

/* A run of holds as the last frame drew it. */
typedef struct {
	double x0, x1;          /* pixels */
	int32_t tid;
	unsigned count;
	int64_t held_ns;        /* summed over the run */
	lsv_span first, last;
	gboolean wait;          /* a waiter (lower band), not a holder */
} lock_run;

#define RUNS_KEY "lsv-lock-lane-runs"

static GArray *frame_runs(LsvTimeline *self)
{
	GArray *runs = g_object_get_data(G_OBJECT(self), RUNS_KEY);
	if (!runs) {
		runs = g_array_new(FALSE, FALSE, sizeof(lock_run));
		g_object_set_data_full(G_OBJECT(self), RUNS_KEY, runs, (GDestroyNotify)g_array_unref);
	}
	return runs;
}

static int cmp_by_start(const void *a, const void *b)
{
	const lsv_span *x = *(const lsv_span *const *)a, *y = *(const lsv_span *const *)b;
	int64_t sx = x->acq != LSV_NONE ? x->acq : x->start, sy = y->acq != LSV_NONE ? y->acq : y->start;
	if (sx != sy)
		return sx < sy ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The runs of the visible holds (wait = FALSE) or waits (TRUE), in time order. */
static void build_runs(LsvTimeline *self, int64_t va, int64_t vb, gboolean wait, GArray *runs)
{
	GPtrArray *order = g_ptr_array_new();
	for (guint i = 0; i < self->lock_spans->len; i++) {
		lsv_span *sp = &g_array_index(self->lock_spans, lsv_span, i);
		if (wait ? !(sp->flags & LSV_SPAN_WAIT) : (sp->acq == LSV_NONE || (sp->flags & LSV_SPAN_FAILED)))
			continue;
		int64_t s = wait ? sp->start : sp->acq, e = wait ? sp->wait_end : sp->end;
		if (e < va || s > vb)
			continue;
		g_ptr_array_add(order, sp);
	}
	g_ptr_array_sort(order, cmp_by_start);
	lock_run *cur = NULL;
	for (guint i = 0; i < order->len; i++) {
		const lsv_span *sp = g_ptr_array_index(order, i);
		int64_t s = wait ? sp->start : sp->acq, e = wait ? sp->wait_end : sp->end;
		double x0 = lsv_timeline_time_to_x(self, s), x1 = lsv_timeline_time_to_x(self, e);
		/* the same task again within a pixel: one run (counted); else a run of its own */
		if (cur && cur->tid == sp->tid && x0 <= cur->x1 + 1 && floor(x0) <= ceil(cur->x1)) {
			cur->x1 = MAX(cur->x1, x1);
			cur->count++;
			cur->held_ns += e - s;
			cur->last = *sp;
			continue;
		}
		lock_run r = { x0, x1, sp->tid, 1, e - s, *sp, *sp, wait };
		g_array_append_val(runs, r);
		cur = &g_array_index(runs, lock_run, runs->len - 1);
	}
	g_ptr_array_unref(order);
}

static void paint_runs(lsv_tl_pixbuf *pb, const lsv_tl_palette *p, const GArray *runs, guint from,
		       int top, int band, int w, const double rgb[3])
{
	double prev_x1 = -1e9;
	gboolean kind = g_array_index(runs, lock_run, from).wait;
	for (guint i = from; i < runs->len; i++) {
		const lock_run *r = &g_array_index(runs, lock_run, i);
		if (r->wait != kind)
			break;
		int x0 = (int)floor(MAX(r->x0, LSV_TL_HEADER_W)), x1 = (int)ceil(MIN(r->x1, w));
		gboolean write = r->first.mode != 0;
		for (int x = MAX(x0, LSV_TL_HEADER_W); x < MAX(x1, x0 + 1) && x < w; x++)
			for (int row = 0; row < band - 1; row++) {
				if (r->wait && ((x + row) & 3) >= 2)
					continue;
				lsv_tl_blend(pb, x, top + row, rgb, r->wait ? 0.9 : (write || row == 0 ? 1.0 : 0.45));
			}
		/* where this run begins as the one before ends (or inside it): a boundary tick in the
		 * background colour, then a dark one, so the two never read as one bar */
		if (i > from && r->x0 <= prev_x1 + 1.5 && x0 >= LSV_TL_HEADER_W && x0 < w) {
			static const double dark[3] = { 0.1, 0.1, 0.1 };
			for (int row = -1; row < band; row++) {
				lsv_tl_blend(pb, x0, top + row, p->bg, 1);
				lsv_tl_blend(pb, x0 + 1, top + row, dark, 0.8);
			}
		}
		prev_x1 = MAX(prev_x1, r->x1);
	}
}

void lsv_tl_draw_lock_lane(LsvTimeline *self, lsv_tl_pixbuf *pb, cairo_t *cr, PangoLayout *layout, const lsv_tl_palette *p,
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
		lsv_tl_fetch_request(self);
	int cls = self->lock_cls >= 0 && self->lock_cls < LSV_LOD_CLASSES ? self->lock_cls : 0;
	const double *rgb = lsv_tl_class_rgb[cls];
	int band = (LSV_TL_LANE_H - LSV_TL_MARK_H - 4) / 2;
	GArray *runs = frame_runs(self);
	g_array_set_size(runs, 0);
	guint waits_from = 0;
	if (covered) {
		build_runs(self, va, vb, FALSE, runs);
		waits_from = runs->len;
		build_runs(self, va, vb, TRUE, runs);
	}
	cairo_surface_flush(cairo_get_target(cr));
	if (waits_from < runs->len)
		paint_runs(pb, p, runs, waits_from, y + LSV_TL_MARK_H + band, band, w, rgb);
	if (waits_from > 0)
		paint_runs(pb, p, runs, 0, y + LSV_TL_MARK_H, band, w, rgb);
	cairo_surface_mark_dirty(cairo_get_target(cr));
	/* names: every run with room for one, holders in their band, waiters in theirs */
	int labels = 0;
	double last[2] = { -1e9, -1e9 };
	for (guint i = 0; i < runs->len && labels < 120; i++) {
		const lock_run *r = &g_array_index(runs, lock_run, i);
		double x0 = MAX(r->x0, LSV_TL_HEADER_W), x1 = MIN(r->x1, w);
		if (x1 - x0 < 36 || x0 - last[r->wait] < 36)
			continue;
		const lsv_task *k = lsv_trace_task(self->trace, r->tid);
		g_autofree char *name = r->count > 1
			? g_strdup_printf("%s/%d ×%u", k && *k->comm ? k->comm : "?", r->tid, r->count)
			: g_strdup_printf("%s/%d", k && *k->comm ? k->comm : "?", r->tid);
		pango_layout_set_text(layout, name, -1);
		pango_layout_set_width(layout, (int)(x1 - x0 - 4) * PANGO_SCALE);
		pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
		if (!r->wait && r->first.mode)
			cairo_set_source_rgb(cr, 1, 1, 1);
		else
			cairo_set_source_rgb(cr, p->fg[0], p->fg[1], p->fg[2]);
		cairo_move_to(cr, x0 + 3, y + LSV_TL_MARK_H + 1 + (r->wait ? band : 0));
		pango_cairo_show_layout(cr, layout);
		pango_layout_set_width(layout, -1);
		last[r->wait] = x0;
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

char *lsv_tl_lock_lane_tooltip(LsvTimeline *self, double x, double y)
{
	if (!self->lock_lane || !self->trace || x < LSV_TL_HEADER_W || y < LSV_TL_RULER_H + LSV_TL_MARK_H ||
	    y >= LSV_TL_RULER_H + LSV_TL_LANE_H)
		return NULL;
	GArray *runs = g_object_get_data(G_OBJECT(self), RUNS_KEY);
	int band = (LSV_TL_LANE_H - LSV_TL_MARK_H - 4) / 2;
	gboolean wait = y >= LSV_TL_RULER_H + LSV_TL_MARK_H + band;
	const lock_run *best = NULL;
	double best_d = 3; /* a narrow run is found within a few pixels */
	for (guint i = 0; runs && i < runs->len; i++) {
		const lock_run *r = &g_array_index(runs, lock_run, i);
		if (r->wait != wait)
			continue;
		double d = x < r->x0 ? r->x0 - x : x > r->x1 ? x - r->x1 : 0;
		if (d < best_d || (d == 0 && best_d == 0 && r->x1 - r->x0 < best->x1 - best->x0)) {
			best = r;
			best_d = d;
		}
	}
	if (!best)
		return NULL;
	g_autofree char *one = lsv_timeline_describe_span(self, &best->first);
	if (best->count == 1)
		return g_steal_pointer(&one);
	const lsv_task *k = lsv_trace_task(self->trace, best->tid);
	g_autofree char *sum = lsv_format_duration(best->held_ns);
	g_autofree char *a = lsv_format_duration(best->first.start - self->trace->t_begin);
	g_autofree char *b = lsv_format_duration((wait ? best->last.wait_end : best->last.end) - self->trace->t_begin);
	return g_strdup_printf("%u %s by %s/%d here, back to back (+%s … +%s, %s in all): zoom in to tell them apart\n\n"
			       "the first:\n%s", best->count, wait ? "waits" : "holds", k && *k->comm ? k->comm : "?",
			       best->tid, a, b, sum, one);
}

/* A task lane's tooltip: the hold under the pointer, and how many holds of its class row the
 * pixel stands for when there are several (back to back, or drawn from the summaries, where a
 * short hold has no bar of its own). */
static char *task_lane_tooltip(LsvTimeline *self, double x, double y)
{
	int64_t tid = lsv_tl_tid_at_y(self, y);
	if (tid == LSV_NONE || x < LSV_TL_HEADER_W)
		return NULL;
	int ly = lsv_timeline_lane_y(self, tid);
	if (y - ly < LSV_TL_MARK_H)
		return NULL;
	int row = (int)(y - ly - LSV_TL_MARK_H) / LSV_TL_ROW_H;
	unsigned cls = LSV_LOD_CLASSES;
	for (unsigned c = 0; c < LSV_LOD_CLASSES; c++)
		if (lsv_tl_row_of_class[c] == row)
			cls = c;
	lsv_span sp;
	char *one = lsv_tl_span_at(self, x, y, &sp) ? lsv_timeline_describe_span(self, &sp) : NULL;
	if (cls == LSV_LOD_CLASSES || !(self->class_mask & (1u << cls)))
		return one;
	int64_t t = lsv_timeline_x_to_time(self, x), px = (int64_t)ceil(self->ns_per_px);
	lsv_lod_hold_count n;
	ls_error err;
	ls_error_clear(&err);
	if (lsv_lod_count_holds(self->trace->db, self->trace->lod, tid, cls, t - px, t + px, &n, &err) != LS_OK ||
	    n.count < 2)
		return one;
	const lsv_task *k = lsv_trace_task(self->trace, tid);
	g_autofree char *a = lsv_format_duration(n.first - self->trace->t_begin);
	g_autofree char *b = lsv_format_duration(n.last - self->trace->t_begin);
	g_autofree char *held = lsv_format_duration(n.held_ns);
	g_autofree char *head = g_strdup_printf("%" G_GINT64_FORMAT " holds of %s by %s/%" G_GINT64_FORMAT
						" in this pixel (+%s … +%s, %s held in all): zoom in to tell them apart",
						(gint64)n.count, ls_class_name(cls) ? ls_class_name(cls) : "?",
						k && *k->comm ? k->comm : "?", (gint64)tid, a, b, held);
	char *out = one ? g_strdup_printf("%s\n\n%s", head, one) : g_strdup(head);
	g_free(one);
	return out;
}

char *lsv_timeline_tooltip_at(LsvTimeline *self, double x, double y)
{
	if (!self->trace)
		return NULL;
	char *lane = lsv_tl_lock_lane_tooltip(self, x, y);
	return lane ? lane : task_lane_tooltip(self, x, y);
}

static int cmp_acq(const void *a, const void *b)
{
	const lsv_span *x = a, *y = b;
	if (x->cls != y->cls)
		return x->cls < y->cls ? -1 : 1;
	if (x->acq != y->acq)
		return x->acq < y->acq ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void paint_hold_boundaries(LsvTimeline *self, lsv_tl_pixbuf *pb, const lsv_tl_palette *p, GArray *spans,
				  int lane_y, int w)
{
	static const double dark[3] = { 0.1, 0.1, 0.1 };
	g_array_sort(spans, cmp_acq);
	const lsv_span *prev = NULL;
	for (guint i = 0; i < spans->len; i++) {
		const lsv_span *s = &g_array_index(spans, lsv_span, i);
		if (s->acq == LSV_NONE || (s->flags & LSV_SPAN_FAILED) || !(self->class_mask & (1u << s->cls)))
			continue;
		if (prev && prev->cls == s->cls && prev->id != s->id) {
			double x = lsv_timeline_time_to_x(self, s->acq), px1 = lsv_timeline_time_to_x(self, prev->end);
			/* begins within a pixel or two of the previous one's end, or inside it */
			if (x <= px1 + 1.5 && x >= LSV_TL_HEADER_W && x < LSV_TL_HEADER_W + w) {
				int row_top = lane_y + LSV_TL_MARK_H + lsv_tl_row_of_class[s->cls] * LSV_TL_ROW_H;
				for (int r = 0; r < LSV_TL_ROW_H - 1; r++) {
					lsv_tl_blend(pb, (int)floor(x), row_top + r, p->bg, 1);
					lsv_tl_blend(pb, (int)floor(x) + 1, row_top + r, dark, 0.8);
				}
			}
		}
		if (!prev || prev->cls != s->cls || s->end > prev->end)
			prev = s;
	}
}

void lsv_tl_lane_boundaries(LsvTimeline *self, lsv_tl_pixbuf *pb, const lsv_tl_palette *p, const lsv_lod_lane *lane,
			    const GArray *spans, int lane_y, int w)
{
	int64_t a = (int64_t)self->t0, b = (int64_t)(self->t0 + self->ns_per_px * w);
	GArray *all = g_array_new(FALSE, FALSE, sizeof(lsv_span));
	lsv_lod_long_overlap(lane, a, b, all);
	for (guint i = 0; spans && i < spans->len; i++) {
		const lsv_span *s = &g_array_index(spans, lsv_span, i);
		if (s->end >= a && s->start <= b)
			g_array_append_val(all, *s);
	}
	if (all->len > 1)
		paint_hold_boundaries(self, pb, p, all, lane_y, w);
	g_array_unref(all);
}
