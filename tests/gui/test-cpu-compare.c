/* test-cpu-compare.c — the viewer's CPU lanes, measurement and trace comparison (issue 11) in a
 * real GTK window under xvfb-run, driven by XTEST input (xinput.h) where a user would click or
 * type.
 *
 *   test-cpu-compare SYNTH SCENARIO_DIR WORKDIR FAULT_STORM_TRACE RACE_TRACE
 *
 * The CPU lanes and the measurement run on tests/scenarios/cpu-runs.scn (written by SYNTH,
 * loaded through liblockstep): a lock holder preempted on cpu 0 by a hog while a waiter spins on
 * cpu 1. The comparison opens two kernel recordings, samples/recorded/fault_storm and the
 * injected exit_mmap_race, one beside the other. */
#include <X11/Xlib.h>
#include <X11/extensions/XTest.h>
#include <X11/keysym.h>
#include <gdk/x11/gdkx.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "load.h"
#include "guicheck.h"
#include "tap.h"
#include "timeline.h"
#include "window-views.h"
#include "window.h"
#include "xinput.h"

static LsvWindow *win;
static LsvTimeline *tl;
static const char *workdir;

static Display *xdisplay(void)
{
	return gdk_x11_display_get_xdisplay(gdk_display_get_default());
}

/* A key press and release through the X server, Shift held when asked. */
static void key(KeySym sym, gboolean shift)
{
	Display *d = xdisplay();
	if (shift)
		XTestFakeKeyEvent(d, XKeysymToKeycode(d, XK_Shift_L), True, 0);
	XTestFakeKeyEvent(d, XKeysymToKeycode(d, sym), True, 0);
	XTestFakeKeyEvent(d, XKeysymToKeycode(d, sym), False, 0);
	if (shift)
		XTestFakeKeyEvent(d, XKeysymToKeycode(d, XK_Shift_L), False, 0);
	XFlush(d);
	xin_spin(80);
}

/* A click at (x, y) of widget, with Shift held when asked. */
static void click(GtkWidget *widget, double x, double y, gboolean shift)
{
	Display *d = xdisplay();
	xin_move(widget, x, y);
	if (shift)
		XTestFakeKeyEvent(d, XKeysymToKeycode(d, XK_Shift_L), True, 0);
	XTestFakeButtonEvent(d, 1, True, 0);
	XFlush(d);
	xin_spin(30);
	XTestFakeButtonEvent(d, 1, False, 0);
	if (shift)
		XTestFakeKeyEvent(d, XKeysymToKeycode(d, XK_Shift_L), False, 0);
	XFlush(d);
	xin_spin(80);
}

/* Until neither timeline has a fetch pending (the CPU runs come from the worker). */
static cairo_surface_t *render(LsvTimeline *t);

static void settle(void)
{
	/* a render asks for what the view lacks; then wait for the worker */
	LsvTimeline *second = lsv_window_get_compare_timeline(win);
	cairo_surface_destroy(render(tl));
	if (second)
		cairo_surface_destroy(render(second));
	for (int i = 0; i < 500; i++) {
		LsvTimeline *second = lsv_window_get_compare_timeline(win);
		xin_spin(10);
		if (!lsv_timeline_is_busy(tl) && (!second || !lsv_timeline_is_busy(second)))
			break;
	}
	xin_spin(30);
}

static cairo_surface_t *render(LsvTimeline *t)
{
	int w = gtk_widget_get_width(GTK_WIDGET(t)), h = gtk_widget_get_height(GTK_WIDGET(t));
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	lsv_timeline_render(t, s, w, h);
	return s;
}

static void pixel(cairo_surface_t *s, int x, int y, int rgb[3])
{
	const uint32_t *p = (const uint32_t *)(cairo_image_surface_get_data(s) + y * cairo_image_surface_get_stride(s)) + x;
	rgb[0] = (*p >> 16) & 255;
	rgb[1] = (*p >> 8) & 255;
	rgb[2] = *p & 255;
}

/* The colour `over` blended at alpha a onto the background (0.99 grey, the light palette). */
static gboolean near_blend(const int rgb[3], const double over[3], double a, int tol)
{
	for (int i = 0; i < 3; i++) {
		int want = (int)lround((over[i] * a + 0.99 * (1 - a)) * 255);
		if (abs(rgb[i] - want) > tol)
			return FALSE;
	}
	return TRUE;
}

static gboolean is_background(const int rgb[3])
{
	return abs(rgb[0] - rgb[1]) < 6 && abs(rgb[1] - rgb[2]) < 6 && rgb[0] > 200;
}


static int px(LsvTimeline *t, int64_t ns)
{
	return (int)floor(lsv_timeline_time_to_x(t, ns));
}

/* Loads a trace directory to WORKDIR/NAME.db; the path, or NULL after a failed test line. */
static char *load(const char *trace, const char *dir, const char *name)
{
	char *db = g_strdup_printf("%s/%s.db", dir, name);
	ls_error err;
	ls_error_clear(&err);
	g_unlink(db);
	if (ls_load(trace, db, NULL, NULL, &err) != LS_OK) {
		char buf[2048];
		TAP_OK(0, "loads %s: %s", trace, ls_error_format(&err, buf, sizeof(buf)));
		g_free(db);
		return NULL;
	}
	return db;
}

static gboolean open_db(const char *db)
{
	ls_error err;
	ls_error_clear(&err);
	gboolean ok = lsv_window_open_sync(win, db, &err);
	if (!ok)
		printf("#   %s: %s\n", err.file, err.message);
	xin_spin(50);
	return ok;
}

/* The task colour at (x, y): drawn at alpha 0.9 (nothing selected) or 1 (selected). */
static gboolean task_at(cairo_surface_t *s, int x, int y, int64_t tid, double alpha)
{
	int rgb[3];
	double c[3];
	lsv_timeline_task_rgb(tid, c);
	pixel(s, x, y, rgb);
	gboolean ok = near_blend(rgb, c, alpha, 4);
	if (!ok)
		printf("#   (%d, %d) is %d,%d,%d, not tid %lld's colour\n", x, y, rgb[0], rgb[1], rgb[2], (long long)tid);
	return ok;
}

static void test_cpu_lanes(const char *db)
{
	TAP_OK(open_db(db), "opens the cpu-runs scenario");
	for (int i = 0; i < 300 && gtk_widget_get_width(GTK_WIDGET(tl)) < 600; i++)
		xin_spin(10);
	TAP_OK(gtk_widget_get_width(GTK_WIDGET(tl)) >= 600, "window mapped (timeline %d px wide)",
	       gtk_widget_get_width(GTK_WIDGET(tl)));
	lsv_trace *t = lsv_window_get_trace(win);
	int64_t b0 = t->t_begin;
	TAP_EQ_INT(t->t_begin, 1000, "trace starts at 1000 ns");
	TAP_OK(!lsv_timeline_get_cpu_lanes(tl), "CPU lanes are hidden at first");
	int lanes_before = lsv_timeline_lane_y(tl, 301);
	gtk_widget_grab_focus(GTK_WIDGET(tl));
	key(XK_c, FALSE);
	TAP_OK(lsv_timeline_get_cpu_lanes(tl), "C shows the CPU lanes");
	TAP_EQ_INT(lsv_timeline_cpu_count(tl), 3, "three CPUs, from cpu_runs");
	lsv_timeline_set_view(tl, b0 - 500, b0 + 8500);
	settle();
	int h0, h1, h2;
	int y0 = lsv_timeline_cpu_lane_y(tl, 0, &h0), y1 = lsv_timeline_cpu_lane_y(tl, 1, &h1),
	    y2 = lsv_timeline_cpu_lane_y(tl, 2, &h2);
	TAP_OK(y0 >= LSV_TL_RULER_H && y1 == y0 + h0 && y2 == y1 + h1 && h0 == LSV_TL_CPU_H,
	       "one lane per CPU under the ruler (y %d, %d, %d; %d px each)", y0, y1, y2, h0);
	TAP_OK(lsv_timeline_lane_y(tl, 301) >= y2 + h2 && lsv_timeline_lane_y(tl, 301) > lanes_before,
	       "the task lanes move below them");

	/* at 4000 the holder is off cpu 0 (the hog runs), the waiter spins on cpu 1 and its task lane
	 * is hatched at the same x: one time axis */
	cairo_surface_t *s = render(tl);
	int x = px(tl, 4000), xh = px(tl, 1500);
	TAP_OK(task_at(s, x, y0 + h0 / 2, 303, 0.9), "cpu 0 at 4000: the hog's colour");
	TAP_OK(task_at(s, xh, y0 + h0 / 2, 301, 0.9), "cpu 0 at 1500: the holder's colour");
	TAP_OK(task_at(s, x, y1 + h1 / 2, 302, 0.9), "cpu 1 at 4000: the waiter's colour");
	int rgb[3], idle_x = px(tl, 2000);
	pixel(s, idle_x, y2 + h2 / 2, rgb);
	TAP_OK(is_background(rgb), "cpu 2 at 2000: idle, left blank");
	int wy = lsv_timeline_row_y(lsv_timeline_lane_y(tl, 302), 0), hatched = 0;
	for (int dx = 0; dx < 4; dx++) {
		pixel(s, x + dx, wy, rgb);
		double c[3];
		lsv_timeline_class_rgb(0, c);
		hatched += abs(rgb[2] - (int)lround(c[2] * 255)) < 40 && !is_background(rgb);
	}
	TAP_OK(hatched >= 1, "and the waiter's mmap_lock row is hatched (waiting) at the same x");
	cairo_surface_destroy(s);

	/* the tooltip: the run under the pointer, relative times */
	int64_t cpu = -1;
	lsv_cpu_run run;
	TAP_OK(lsv_timeline_cpu_run_at(tl, x, y0 + h0 / 2, &cpu, &run) && cpu == 0 && run.tid == 303 &&
	       run.begin == 2000 && run.end == 6000, "the hit test finds the hog's run [2000, 6000] on cpu 0");
	g_autofree char *tip = lsv_timeline_describe_cpu_run(tl, cpu, &run);
	TAP_OK(gc_has(tip, "cpu 0: hog/303") && gc_has(tip, "from +1.000 µs to +5.000 µs (4.000 µs)") &&
	       gc_has(tip, "switched out: sleeping (S)"), "its tooltip: cpu, comm/tid, from–to, duration, how it left");
	TAP_OK(lsv_timeline_cpu_run_at(tl, xh, y0 + h0 / 2, &cpu, &run) && run.tid == 301, "the holder's first run");
	g_autofree char *tip2 = lsv_timeline_describe_cpu_run(tl, cpu, &run);
	TAP_OK(gc_has(tip2, "holder/301") && gc_has(tip2, "from +0 ns (trace start) to +1.000 µs") &&
	       gc_has(tip2, "switched out: runnable (preempted)"), "the holder's: from the trace start, preempted");
	TAP_OK(lsv_timeline_cpu_run_at(tl, px(tl, 7000), y0 + h0 / 2, &cpu, &run) && run.tid == 301, "its last run");
	g_autofree char *tip3 = lsv_timeline_describe_cpu_run(tl, cpu, &run);
	TAP_OK(gc_has(tip3, "still running at the trace end"), "still running at the end");

	/* a click on the hog's run selects the hog: its runs stand out, the others dim */
	click(GTK_WIDGET(tl), x, y0 + h0 / 2, FALSE);
	TAP_EQ_INT(lsv_timeline_get_selected_tid(tl), 303, "a click on a CPU run selects its task");
	s = render(tl);
	TAP_OK(task_at(s, x, y0 + h0 / 2, 303, 1.0) && task_at(s, xh, y0 + h0 / 2, 301, 0.3),
	       "the selected task's runs solid, the others dimmed");
	cairo_surface_destroy(s);

	/* with a lock selected its lane is pinned first, the CPU lanes under it */
	lsv_window_select_lock(win, (int64_t)0xffff888000001000ull);
	xin_spin(50);
	int ly = lsv_timeline_cpu_lane_y(tl, 0, NULL);
	TAP_OK(ly == LSV_TL_RULER_H + LSV_TL_LANE_H && lsv_timeline_lane_y(tl, 301) >= ly + 3 * h0,
	       "a selected lock's lane comes first, the CPU lanes under it (cpu 0 at y %d)", ly);
	lsv_window_select_lock(win, LSV_NONE);
	xin_spin(50);

	gtk_widget_grab_focus(GTK_WIDGET(tl));
	key(XK_c, FALSE);
	TAP_OK(!lsv_timeline_get_cpu_lanes(tl) && lsv_timeline_lane_y(tl, 301) == lanes_before,
	       "C again hides them, the task lanes move back");
}

static void test_recorded_cpu_lanes(const char *db)
{
	TAP_OK(open_db(db), "opens the fault_storm recording");
	lsv_window_set_cpu_lanes(win, TRUE);
	lsv_timeline_zoom_fit(tl);
	settle();
	guint n = lsv_timeline_cpu_count(tl);
	TAP_EQ_INT(n, 4, "fault_storm: 4 vCPUs in cpu_runs");
	cairo_surface_t *s = render(tl);
	int w = cairo_image_surface_get_width(s), busy = 0;
	for (guint i = 0; i < n; i++) {
		int lh, y = lsv_timeline_cpu_lane_y(tl, (int64_t)i, &lh), coloured = 0, rgb[3];
		for (int xx = LSV_TL_HEADER_W + 2; xx < w; xx += 3) {
			pixel(s, xx, y + lh / 2, rgb);
			coloured += !is_background(rgb);
		}
		busy += coloured > 5;
	}
	TAP_EQ_INT(busy, (int)n, "every CPU lane shows runs at the whole-trace zoom");
	cairo_surface_destroy(s);

	/* zoomed to 1 µs of a recording's clock (~1.8e18 ns): positions to the nanosecond, which a
	 * double of absolute ns (256 ns steps there) cannot give */
	lsv_trace *t = lsv_window_get_trace(win);
	int64_t at = t->t_begin + 400000000;
	lsv_timeline_set_view(tl, at, at + 1000);
	double npp = 1000.0 / (gtk_widget_get_width(GTK_WIDGET(tl)) - LSV_TL_HEADER_W), worst = 0;
	int64_t worst_back = 0;
	for (int k = 0; k < 1000; k += 7) {
		double x = lsv_timeline_time_to_x(tl, at + k), want = LSV_TL_HEADER_W + k / npp;
		worst = MAX(worst, fabs(x - want));
		worst_back = MAX(worst_back, llabs(lsv_timeline_x_to_time(tl, x) - (at + k)));
	}
	TAP_OK(worst < 0.01 && worst_back == 0, "1 µs of a recording: times to pixels exact (worst %.3f px, back %lld ns)",
	       worst, (long long)worst_back);
	lsv_window_set_cpu_lanes(win, FALSE);
}

static void test_measure(const char *db)
{
	TAP_OK(open_db(db), "opens the cpu-runs scenario again");
	lsv_trace *t = lsv_window_get_trace(win);
	lsv_timeline_set_view(tl, t->t_begin - 500, t->t_begin + 8500);
	xin_spin(50);
	int64_t a, b;
	TAP_OK(!lsv_timeline_get_marks(tl, &a, &b) && !lsv_timeline_measure_text(tl), "no marks at first");
	int y = lsv_timeline_row_y(lsv_timeline_lane_y(tl, 301), 0);
	click(GTK_WIDGET(tl), px(tl, 2000) + 0.5, y, TRUE);
	int64_t c_after_a;
	lsv_window_get_cursor(win, &c_after_a);
	click(GTK_WIDGET(tl), px(tl, 6000) + 0.5, y, TRUE);
	double npp = 9000.0 / (gtk_widget_get_width(GTK_WIDGET(tl)) - LSV_TL_HEADER_W);
	TAP_OK(lsv_timeline_get_marks(tl, &a, &b) && llabs(a - 2000) <= 2 * npp + 1 && llabs(b - 6000) <= 2 * npp + 1,
	       "Shift+click twice: marks A and B at the pointer (%lld, %lld ns)", (long long)a, (long long)b);
	int64_t c_now;
	lsv_window_get_cursor(win, &c_now);
	TAP_EQ_INT(c_now, c_after_a, "a Shift+click does not move the cursor");
	g_autofree char *ra = lsv_format_duration(a - t->t_begin), *rb = lsv_format_duration(b - t->t_begin);
	g_autofree char *d = lsv_format_duration(b - a);
	g_autofree char *want = g_strdup_printf("A +%s   B +%s   Δ %s", ra, rb, d);
	g_autofree char *text = lsv_timeline_measure_text(tl);
	TAP_EQ_STR(text, want, "the label: both times from the trace start and Δ");
	cairo_surface_t *with = render(tl);
	lsv_timeline_clear_marks(tl);
	cairo_surface_t *without = render(tl);
	int inside = px(tl, 4000), rgb1[3], rgb2[3];
	int yb = lsv_timeline_lane_y(tl, 302) + 2;
	pixel(with, inside, yb, rgb1);
	pixel(without, inside, yb, rgb2);
	TAP_OK(rgb1[1] != rgb2[1] || rgb1[0] != rgb2[0], "the band between the marks is drawn (%d,%d,%d vs %d,%d,%d)", rgb1[0],
	       rgb1[1], rgb1[2], rgb2[0], rgb2[1], rgb2[2]);
	int w = cairo_image_surface_get_width(with);
	pixel(with, w - 14, LSV_TL_RULER_H + 5, rgb1);
	TAP_OK(rgb1[1] > rgb1[0] + 60, "the label's box at the top right (%d,%d,%d)", rgb1[0], rgb1[1], rgb1[2]);
	cairo_surface_destroy(with);
	cairo_surface_destroy(without);

	/* the keyboard: M at the cursor, twice; Escape clears */
	lsv_window_goto(win, "#2");
	int64_t ta, tb;
	lsv_window_get_cursor(win, &ta);
	gtk_widget_grab_focus(GTK_WIDGET(tl));
	key(XK_m, FALSE);
	key(XK_Right, FALSE);
	key(XK_Right, FALSE);
	lsv_window_get_cursor(win, &tb);
	key(XK_m, FALSE);
	TAP_OK(lsv_timeline_get_marks(tl, &a, &b) && a == ta && b == tb && ta != tb,
	       "M marks the cursor: A then B (%lld, %lld)", (long long)a, (long long)b);
	key(XK_Escape, FALSE);
	TAP_OK(!lsv_timeline_get_marks(tl, NULL, NULL), "Escape clears the measurement");
}

/* meta.t_begin_ns of a database, read apart from the viewer. */
static int64_t db_t_begin(const char *db)
{
	sqlite3 *c = NULL;
	sqlite3_stmt *q = NULL;
	int64_t v = -1;
	if (sqlite3_open_v2(db, &c, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(c, "SELECT value FROM meta WHERE key = 't_begin_ns'", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		v = g_ascii_strtoll((const char *)sqlite3_column_text(q, 0), NULL, 10);
	sqlite3_finalize(q);
	sqlite3_close(c);
	return v;
}

/* Each view is held relative to its own trace's start, so the two agree to the nanosecond (when
 * they were doubles of absolute ns, a recording's clock at 1.8e18 ns snapped them to 256 ns). */
#define REL_SLACK 2

static void test_compare(const char *first, const char *second)
{
	int64_t second_start = db_t_begin(second);
	TAP_OK(open_db(first), "opens fault_storm");
	TAP_OK(!lsv_window_get_compare_timeline(win) && !lsv_timeline_dup_title(tl) &&
	       !g_action_group_get_action_enabled(G_ACTION_GROUP(win), "compare-close"),
	       "nothing compared yet: no title, Close Comparison disabled");
	ls_error err;
	ls_error_clear(&err);
	g_autofree char *bogus = g_build_filename(workdir, "not-a-db.db", NULL);
	g_file_set_contents(bogus, "hello", -1, NULL);
	TAP_OK(!lsv_window_compare_sync(win, bogus, &err) && err.message[0] && !lsv_window_get_compare_timeline(win),
	       "a non-database is refused as the second trace: %s", err.message);
	/* as Compare With… does it: in a worker thread */
	lsv_window_compare(win, second);
	for (int i = 0; i < 3000 && !lsv_window_get_compare_timeline(win); i++)
		xin_spin(10);
	LsvTimeline *tl2 = lsv_window_get_compare_timeline(win);
	TAP_OK(tl2 != NULL, "opens exit_mmap_race beside it (in a worker thread)");
	if (!tl2)
		return;
	for (int i = 0; i < 200 && gtk_widget_get_height(GTK_WIDGET(tl2)) < 100; i++)
		xin_spin(10);
	settle();
	lsv_trace *ta = lsv_window_get_trace(win);
	g_autofree char *n1 = lsv_timeline_dup_title(tl), *n2 = lsv_timeline_dup_title(tl2);
	TAP_OK(lsv_timeline_get_linked(tl) == tl2 && lsv_timeline_get_linked(tl2) == tl &&
	       g_action_group_get_action_enabled(G_ACTION_GROUP(win), "compare-close"), "the two timelines are linked");
	TAP_EQ_STR(n1, "fault_storm", "the first pane is labelled by its trace");
	TAP_EQ_STR(n2, "exit_mmap_race", "the second pane is labelled by its trace");
	TAP_OK(gtk_widget_get_height(GTK_WIDGET(tl2)) >= 100, "the second pane has room (%d px)",
	       gtk_widget_get_height(GTK_WIDGET(tl2)));
	double x1, y1, x2, y2w;
	TAP_OK(gtk_widget_translate_coordinates(GTK_WIDGET(tl), GTK_WIDGET(win), 0, 0, &x1, &y1) &&
	       gtk_widget_translate_coordinates(GTK_WIDGET(tl2), GTK_WIDGET(win), 0, 0, &x2, &y2w) && y2w > y1 && x1 == x2,
	       "below the first, aligned (y %.0f under %.0f)", y2w, y1);

	/* one relative axis: each view is the same time from its own trace's start */
	int64_t a0, a1, b0, b1;
	int64_t sa = ta->t_begin;
	int64_t sb = second_start;
	lsv_timeline_get_view(tl, &a0, &a1);
	lsv_timeline_get_view(tl2, &b0, &b1);
	TAP_OK(llabs((b0 - sb) - (a0 - sa)) <= REL_SLACK, "opened at the first's view, relative to each start (+%lld / +%lld ns)",
	       (long long)(a0 - sa), (long long)(b0 - sb));
	TAP_OK(llabs((b1 - b0) - (a1 - a0)) <= 2, "the same scale (%lld vs %lld ns shown)", (long long)(b1 - b0),
	       (long long)(a1 - a0));
	double mid_x = LSV_TL_HEADER_W + (gtk_widget_get_width(GTK_WIDGET(tl)) - LSV_TL_HEADER_W) / 2.0;
	xin_wheel(GTK_WIDGET(tl), mid_x, LSV_TL_RULER_H + 60, 4, true, false);
	xin_wheel(GTK_WIDGET(tl), mid_x, LSV_TL_RULER_H + 60, 4, true, false);
	lsv_timeline_get_view(tl, &a0, &a1);
	lsv_timeline_get_view(tl2, &b0, &b1);
	TAP_OK(a1 - a0 < (int64_t)(0.8 * (double)(ta->t_end - ta->t_begin)) && llabs((b1 - b0) - (a1 - a0)) <= 2 &&
	       llabs((b0 - sb) - (a0 - sa)) <= REL_SLACK,
	       "Ctrl+wheel on the first zooms both, at the same relative time (+%lld / +%lld ns)", (long long)(a0 - sa),
	       (long long)(b0 - sb));
	double y2 = gtk_widget_get_height(GTK_WIDGET(tl2)) / 2.0;
	int64_t before = a0;
	xin_drag(GTK_WIDGET(tl2), mid_x, y2, mid_x - 200, y2);
	lsv_timeline_get_view(tl, &a0, &a1);
	lsv_timeline_get_view(tl2, &b0, &b1);
	TAP_OK(a0 > before && llabs((b0 - sb) - (a0 - sa)) <= REL_SLACK,
	       "a drag on the second pans both (first now at +%lld ns)", (long long)(a0 - sa));
	TAP_OK(lsv_timeline_get_linked(tl2) && sb > 0 && sb != sa, "the second keeps its own start");

	/* both panes draw their trace; the corners name them */
	settle();
	lsv_timeline_zoom_fit(tl);
	settle();
	cairo_surface_t *s = render(tl2);
	int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s), drawn = 0, named = 0, rgb[3];
	for (int yy = LSV_TL_RULER_H; yy < h - LSV_TL_LEGEND_H; yy += 3)
		for (int xx = LSV_TL_HEADER_W + 5; xx < w; xx += 7) {
			pixel(s, xx, yy, rgb);
			drawn += !is_background(rgb) && !(abs(rgb[0] - rgb[1]) < 6 && abs(rgb[1] - rgb[2]) < 6);
		}
	for (int yy = 2; yy < 12; yy++)
		for (int xx = 6; xx < 80; xx++) {
			pixel(s, xx, yy, rgb);
			named += rgb[0] < 120;
		}
	TAP_OK(drawn > 20 && named > 20, "the second pane draws its holds (%d) and its name (%d text pixels)", drawn, named);
	cairo_surface_destroy(s);
	lsv_window_set_cpu_lanes(win, TRUE);
	TAP_OK(lsv_timeline_get_cpu_lanes(tl2) && lsv_timeline_cpu_count(tl2) > 0, "the CPU lanes apply to both panes");
	lsv_window_set_cpu_lanes(win, FALSE);
	g_autofree char *png = g_build_filename(workdir, "compare-window.png", NULL);
	xin_spin(300);
	GError *perr = NULL;
	TAP_OK(lsv_window_save_png(win, png, FALSE, &perr), "the window with both panes rendered to %s%s%s", png,
	       perr ? ": " : "", perr ? perr->message : "");
	g_clear_error(&perr);

	g_autofree char *png2 = g_build_filename(workdir, "compare-second.png", NULL);
	cairo_surface_t *s2 = render(tl2);
	cairo_surface_write_to_png(s2, png2);
	cairo_surface_destroy(s2);
	g_action_group_activate_action(G_ACTION_GROUP(win), "compare-close", NULL);
	TAP_OK(!lsv_window_get_compare_timeline(win) && !lsv_timeline_get_linked(tl) && !gtk_widget_get_visible(GTK_WIDGET(tl2)),
	       "Close Comparison unlinks and hides it");
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		printf("Bail out! usage: test-cpu-compare SYNTH SCENARIO_DIR WORKDIR FAULT_STORM RACE\n");
		return 1;
	}
	const char *synth = argv[1], *scenarios = argv[2], *dir = argv[3];
	workdir = dir;
	setvbuf(stdout, NULL, _IOLBF, 0);
	g_mkdir_with_parents(dir, 0755);
	gtk_init();
	if (!xin_available()) {
		printf("Bail out! no XTEST on the display\n");
		return 1;
	}
	g_autofree char *trace = g_build_filename(dir, "cpu-runs", NULL);
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s' && '%s' '%s/cpu-runs.scn' -o '%s' >/dev/null", trace, synth,
					       scenarios, trace);
	TAP_OK(system(cmd) == 0, "lockstep-synth writes the cpu-runs scenario");
	g_autofree char *db = load(trace, dir, "cpu-runs");
	g_autofree char *storm = load(argv[4], dir, "fault_storm");
	g_autofree char *race = load(argv[5], dir, "exit_mmap_race");

	win = lsv_window_new(NULL);
	gtk_window_set_default_size(GTK_WINDOW(win), 1400, 900);
	gtk_window_present(GTK_WINDOW(win));
	tl = lsv_window_get_timeline(win);
	for (int i = 0; i < 300 && gtk_widget_get_width(GTK_WIDGET(tl)) < 600; i++)
		xin_spin(10);
	xin_spin(100);
	if (db)
		test_cpu_lanes(db);
	if (storm)
		test_recorded_cpu_lanes(storm);
	if (db)
		test_measure(db);
	if (storm && race)
		test_compare(storm, race);
	gtk_window_destroy(GTK_WINDOW(win));
	xin_spin(50);
	return tap_done();
}
