/* timeline.h — LsvTimeline, the widget that draws the trace: a time ruler, one lane per task
 * grouped by process, hold spans (solid; read holds lighter with an edge line), wait spans
 * (hatched), instants (failed trylocks, refused per-VMA read locks, frees, phase markers) and
 * the cursor. Zoom and pan with the wheel (Ctrl: zoom, Shift or horizontal: pan), drag, pinch.
 *
 * Drawing is one pass into an image surface: zoomed out it paints pixel columns from the LOD
 * summaries (lod.h); zoomed in below one LOD bucket per pixel it draws the holds themselves,
 * fetched for the visible range in a worker thread (own SQLite connection) and cached; until
 * they arrive the finest summary stands in, so a frame never waits for SQL. */
#ifndef LSV_TIMELINE_H
#define LSV_TIMELINE_H

#include <cairo.h>
#include <gtk/gtk.h>

#include "finding-list.h"
#include "lod.h"
#include "trace.h"

G_BEGIN_DECLS

#define LSV_TYPE_TIMELINE (lsv_timeline_get_type())
G_DECLARE_FINAL_TYPE(LsvTimeline, lsv_timeline, LSV, TIMELINE, GtkWidget)

/* Geometry, in pixels (tests compute expected positions from these). */
#define LSV_TL_RULER_H 28
#define LSV_TL_HEADER_W 200
#define LSV_TL_GROUP_H 20
#define LSV_TL_MARK_H 9        /* instants strip at the top of a task lane */
#define LSV_TL_ROW_H 8         /* one row per lock class, outermost class on top, labelled */
#define LSV_TL_LANE_H (LSV_TL_MARK_H + 7 * LSV_TL_ROW_H + 4)
#define LSV_TL_LEGEND_H 20     /* the legend strip at the bottom */

GtkWidget *lsv_timeline_new(void);

/* The trace is borrowed: clear it (NULL) before freeing the trace. Resets the view to fit. */
void lsv_timeline_set_trace(LsvTimeline *self, lsv_trace *trace);

/* Visible time range [t0, t1]. */
void lsv_timeline_set_view(LsvTimeline *self, int64_t t0, int64_t t1);
void lsv_timeline_get_view(LsvTimeline *self, int64_t *t0, int64_t *t1);
void lsv_timeline_zoom(LsvTimeline *self, double factor, double anchor_x);
void lsv_timeline_pan(LsvTimeline *self, double dx_px);
void lsv_timeline_zoom_fit(LsvTimeline *self);
/* Scrolls the lanes vertically by dy pixels. */
void lsv_timeline_scroll_lanes(LsvTimeline *self, double dy);

/* The cursor (after event `event`, at time t); scrolls it into view when `follow`. */
void lsv_timeline_set_cursor(LsvTimeline *self, int64_t event, int64_t t, gboolean follow);
void lsv_timeline_set_selected_tid(LsvTimeline *self, int64_t tid);
int64_t lsv_timeline_get_selected_tid(LsvTimeline *self);
/* Only classes whose bit is set are drawn. */
void lsv_timeline_set_class_mask(LsvTimeline *self, unsigned mask);
/* When not LSV_NONE, holds of other locks are dimmed (zoomed in). */
void lsv_timeline_set_lock_filter(LsvTimeline *self, int64_t lock);
/* Highlights a finding's window, tasks and locks (borrowed; NULL clears). */
void lsv_timeline_set_highlight(LsvTimeline *self, const lsv_finding *finding);
/* The lanes changed (lsv_trace_build_lanes). */
void lsv_timeline_lanes_changed(LsvTimeline *self);
/* Makes the lane of tid visible. */
void lsv_timeline_show_tid(LsvTimeline *self, int64_t tid);

/* Renders the whole widget content (ruler, lanes, cursor) into an ARGB32 image surface of
 * width × height. Used by snapshot, --screenshot, the tests and the benchmark. */
void lsv_timeline_render(LsvTimeline *self, cairo_surface_t *surface, int width, int height);

/* Geometry queries for the current view and size. */
double lsv_timeline_time_to_x(LsvTimeline *self, int64_t t);
int64_t lsv_timeline_x_to_time(LsvTimeline *self, double x);
/* Top y of the lane of tid (its instants strip), or -1 when it has no lane. */
int lsv_timeline_lane_y(LsvTimeline *self, int64_t tid);
/* y of the middle of class row `cls` in a lane whose top is lane_y. */
int lsv_timeline_row_y(int lane_y, int cls);
/* The hold drawn at (x, y) — what a click selects and the tooltip describes. */
gboolean lsv_timeline_span_at(LsvTimeline *self, double x, double y, lsv_span *out);
/* Centre of the legend swatch of class cls (FALSE when the widget is too small for one). */
gboolean lsv_timeline_legend_swatch(LsvTimeline *self, int cls, int *x, int *y);
/* The tooltip of a hold: class, mode, lock, task comm/tid, call site as symbol+0xoff (with the
 * symbols given to lsv_timeline_set_symbols), times; g_free it. */
char *lsv_timeline_describe_span(LsvTimeline *self, const lsv_span *s);
/* The trace's symbol map (borrowed; NULL: hex call sites). */
struct ls_symbols;
void lsv_timeline_set_symbols(LsvTimeline *self, const struct ls_symbols *symbols);
/* The colour of a lock class (r, g, b in 0..1). */
void lsv_timeline_class_rgb(int cls, double rgb[3]);

/* Whether a detail fetch is pending or running (tests and the benchmark wait for it). */
gboolean lsv_timeline_is_busy(LsvTimeline *self);
/* Runs the pending detail fetch now, in the calling thread (benchmark, tests). */
void lsv_timeline_fetch_now(LsvTimeline *self);
/* True when the last render drew the zoomed-in detail rather than summaries. */
gboolean lsv_timeline_last_render_was_detail(LsvTimeline *self);

/* Called on the main thread when a detail fetch could not read the database — a failed read,
 * or the file at trace->path is no longer the one opened (lsv_file_changed) — with one line
 * naming the file. The view then shows the summaries only. */
typedef void (*lsv_timeline_read_error_fn)(LsvTimeline *self, const ls_error *err, void *user);
void lsv_timeline_set_read_error_handler(LsvTimeline *self, lsv_timeline_read_error_fn fn, void *user);

/* The tooltip text at (x, y), as a hover there shows it (the lock lane's or a hold's); NULL when
 * there is none. g_free it. */
char *lsv_timeline_tooltip_at(LsvTimeline *self, double x, double y);

G_END_DECLS

#endif
