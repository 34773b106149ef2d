/* timeline-private.h — what the parts of LsvTimeline share: the instance struct and the helpers
 * one part calls in another. timeline.c has the geometry and the view, timeline-fetch.c the
 * detail fetcher, timeline-draw.c the renderer, timeline-lock-lane.c the lock lane,
 * timeline-input.c the pointer and wheel input and the tooltip. Not for the rest of the viewer. */
#ifndef LSV_TIMELINE_PRIVATE_H
#define LSV_TIMELINE_PRIVATE_H

#include "timeline.h"
#include "symbols.h"

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
	/* pointer, from the motion controller: the Ctrl+wheel zoom anchor */
	double pointer_x;
	const ls_symbols *symbols; /* borrowed from the window: call sites in tooltips */
	gboolean pointer_in;
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
	/* who hears of a detail fetch that could not read the database (timeline-fetch.c) */
	lsv_timeline_read_error_fn read_error_fn;
	void *read_error_user;
};

enum { SIG_CURSOR_REQUESTED, SIG_LANE_SELECTED, SIG_LOCK_SELECTED, SIG_VIEW_CHANGED, N_SIGNALS };
extern guint lsv_tl_signals[N_SIGNALS];

typedef struct {
	int64_t tid;
	GArray *spans;     /* lsv_span */
	GArray *instants;  /* lsv_instant */
} lane_detail;
void lsv_tl_lane_detail_free(gpointer p);

/* Row of each lock class in a lane (outermost on top) and its colour. */
extern const int lsv_tl_row_of_class[LSV_LOD_CLASSES];
extern const double lsv_tl_class_rgb[LSV_LOD_CLASSES][3];

/* geometry and view (timeline.c) */
int lsv_tl_lanes_width(LsvTimeline *self);
int lsv_tl_lane_height(const lsv_lane *l);
int lsv_tl_lanes_top(LsvTimeline *self);
int lsv_tl_content_height(LsvTimeline *self);
int64_t lsv_tl_tid_at_y(LsvTimeline *self, double py);
void lsv_tl_clamp_view(LsvTimeline *self);
void lsv_tl_view_changed(LsvTimeline *self);
void lsv_tl_detail_drop(LsvTimeline *self);

/* detail fetcher (timeline-fetch.c) */
void lsv_tl_fetch_request(LsvTimeline *self);
gboolean lsv_tl_detail_covers(LsvTimeline *self, int64_t a, int64_t b);

/* drawing (timeline-draw.c) */
/* ---- drawing ---- */

typedef struct {
	double bg[3], fg[3], header[3], group[3], grid[3], sel[3];
	gboolean dark;
} lsv_tl_palette;

void lsv_tl_get_palette(LsvTimeline *self, lsv_tl_palette *p);

typedef struct {
	uint32_t *px;
	int stride;   /* in pixels */
	int w, h;
} lsv_tl_pixbuf;

static inline void lsv_tl_blend(lsv_tl_pixbuf *pb, int x, int y, const double rgb[3], double a)
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


/* timeline-legend.c: the class labels of a lane's rows, the legend strip */
void lsv_tl_draw_row_labels(LsvTimeline *self, cairo_t *cr, PangoLayout *layout, const lsv_tl_palette *p, int lane_y);
void lsv_tl_draw_legend(LsvTimeline *self, cairo_t *cr, PangoLayout *layout, const lsv_tl_palette *p, int w, int h);

/* timeline-lock-lane.c */
void lsv_tl_draw_lock_lane(LsvTimeline *self, lsv_tl_pixbuf *pb, cairo_t *cr, PangoLayout *layout,
			   const lsv_tl_palette *p, int w, int lw);
/* The tooltip of the lock lane at (x, y) as the last frame drew it (a hold or wait, or a run of
 * back-to-back ones with their count); NULL off its bars. g_free it. */
char *lsv_tl_lock_lane_tooltip(LsvTimeline *self, double x, double y);
/* Boundary ticks in the task lane at lane_y where a hold begins within a pixel of the end of the
 * previous one of its class row — the long spans of `lane` and the detail `spans` (may be NULL)
 * in view: back-to-back holds stay two. Writes pixels (the surface flushed before). */
void lsv_tl_lane_boundaries(LsvTimeline *self, lsv_tl_pixbuf *pb, const lsv_tl_palette *p, const lsv_lod_lane *lane,
			    const GArray *spans, int lane_y, int w);

/* the snapshot (timeline-draw.c) */
void lsv_tl_snapshot(GtkWidget *widget, GtkSnapshot *snapshot);

/* timeline-input.c */
void lsv_tl_input_init(LsvTimeline *self);
gboolean lsv_tl_span_at(LsvTimeline *self, double x, double y, lsv_span *out);

#endif
