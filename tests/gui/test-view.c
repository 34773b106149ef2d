/* test-view.c — lockstep-view in a real GTK window (run under xvfb-run): opens the fixture
 * database (fixture.sql + fixture-findings.sql, or a trace directory given with --trace),
 * checks the lanes and findings shown, drives stepping and checks the cursor and the state
 * panel, then renders the timeline offscreen and checks that known spans are drawn at the
 * expected pixels in the expected colours — through the timeline's own renderer and through
 * the window's GSK renderer.
 *
 *   test-view FIXTURE.sql FINDINGS.sql WORKDIR [TRACE_DIR]
 *
 * With TRACE_DIR (the synthetic sample, samples/synthetic-workload), it is copied into WORKDIR and opened as a trace
 * directory: loaded through liblockstep, then checked for lanes, stepping and drawing.
 */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "load.h"
#include "lod.h"
#include "guicheck.h"
#include "tap.h"
#include "timeline.h"
#include "window.h"
#include "xinput.h"

#define MM 0xffff888000001000ull
#define VMA 0xffff88800000a000ull

static LsvWindow *win;
static LsvTimeline *tl;



static int64_t cursor(void)
{
	return lsv_window_get_cursor(win, NULL);
}


static char *make_db(const char *dir, const char *name, const char *sql1, const char *sql2)
{
	char *path = g_build_filename(dir, name, NULL);
	g_unlink(path);
	sqlite3 *db;
	sqlite3_open(path, &db);
	const char *files[] = { sql1, sql2 };
	for (int i = 0; i < 2; i++) {
		if (!files[i])
			continue;
		char *sql;
		if (!g_file_get_contents(files[i], &sql, NULL, NULL)) {
			printf("Bail out! cannot read %s\n", files[i]);
			exit(1);
		}
		char *msg = NULL;
		if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
			printf("Bail out! %s: %s\n", files[i], msg);
			exit(1);
		}
		g_free(sql);
	}
	ls_error err;
	ls_error_clear(&err);
	if (ls_store_pack_rows(db, "SELECT * FROM fixture_events ORDER BY id", &err) != LS_OK ||
	    sqlite3_exec(db, "DROP TABLE fixture_events", NULL, NULL, NULL) != SQLITE_OK) {
		char buf[1024];
		printf("Bail out! %s\n", ls_error_format(&err, buf, sizeof(buf)));
		exit(1);
	}
	sqlite3_close(db);
	return path;
}

/* ARGB32 pixel of a cairo image surface as r, g, b (0..255). */
static void pixel(cairo_surface_t *s, int x, int y, int rgb[3])
{
	const uint32_t *p = (const uint32_t *)(cairo_image_surface_get_data(s) +
					       y * cairo_image_surface_get_stride(s)) + x;
	rgb[0] = (*p >> 16) & 255;
	rgb[1] = (*p >> 8) & 255;
	rgb[2] = *p & 255;
}

static gboolean near_class(const int rgb[3], int cls, int tol)
{
	double c[3];
	lsv_timeline_class_rgb(cls, c);
	for (int i = 0; i < 3; i++)
		if (abs(rgb[i] - (int)lround(c[i] * 255)) > tol)
			return FALSE;
	return TRUE;
}

static gboolean is_background(const int rgb[3])
{
	return abs(rgb[0] - rgb[1]) < 6 && abs(rgb[1] - rgb[2]) < 6 && rgb[0] > 200;
}

static cairo_surface_t *render(void)
{
	int w = gtk_widget_get_width(GTK_WIDGET(tl)), h = gtk_widget_get_height(GTK_WIDGET(tl));
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	lsv_timeline_render(tl, s, w, h);
	return s;
}

static int px(int64_t t)
{
	return (int)floor(lsv_timeline_time_to_x(tl, t));
}

/* The first column of the first row of sql as text ("" when none). */
static const char *db_text(sqlite3 *db, const char *sql, char *buf, size_t size)
{
	sqlite3_stmt *q = NULL;
	buf[0] = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW &&
	    sqlite3_column_text(q, 0))
		g_strlcpy(buf, (const char *)sqlite3_column_text(q, 0), size);
	sqlite3_finalize(q);
	return buf;
}

/* The overview stored in main is current: liblockstep's version, this load's stamp, and the
 * index the detail queries join waits through. */
static void check_stored_overview(sqlite3 *db, const char *what)
{
	char version[64], stamp[300], want[300], idx[8], name[160];
	db_text(db, "SELECT value FROM main.view_lod_meta WHERE key = 'version'", version, sizeof(version));
	g_snprintf(name, sizeof(name), "%s: overview stored with liblockstep's version", what);
	TAP_EQ_STR(version, LS_OVERVIEW_VERSION, name);
	db_text(db, "SELECT value FROM main.view_lod_meta WHERE key = 'stamp'", stamp, sizeof(stamp));
	db_text(db, "SELECT (SELECT value FROM meta WHERE key = 'loaded_at') || '/' || "
		    "(SELECT value FROM meta WHERE key = 'event_count')", want, sizeof(want));
	g_snprintf(name, sizeof(name), "%s: overview stamped with the load (loaded_at/event_count)", what);
	TAP_EQ_STR(stamp, want, name);
	db_text(db, "SELECT count(*) FROM main.sqlite_master WHERE name = 'view_waits_hold'", idx, sizeof(idx));
	g_snprintf(name, sizeof(name), "%s: waits indexed by hold for the detail queries", what);
	TAP_EQ_STR(idx, "1", name);
}

static void test_lanes_and_findings(void)
{
	lsv_trace *t = lsv_window_get_trace(win);
	TAP_EQ_INT(t->tasks->len, 3, "three tasks in the database");
	TAP_EQ_INT(t->lanes->len, 5, "five timeline rows: two processes, three tasks");
	const char *want[] = { "fault-thread  (pid 100)", "fault-thread/101", "fault-worker/102",
			       "munmap  (pid 200)", "munmap/201" };
	for (int i = 0; i < 5; i++)
		TAP_EQ_STR(((lsv_lane *)g_ptr_array_index(t->lanes, i))->label, want[i], "lane label");
	TAP_OK(((lsv_lane *)g_ptr_array_index(t->lanes, 0))->is_group, "first row is the process header");
	TAP_EQ_INT(lsv_window_get_findings_count(win), 2, "two findings listed");
	TAP_OK(lsv_timeline_lane_y(tl, 101) < lsv_timeline_lane_y(tl, 102) &&
	       lsv_timeline_lane_y(tl, 102) < lsv_timeline_lane_y(tl, 201), "lanes in process order");
	/* the fixture is written without an overview, as an older lockstep wrote databases */
	TAP_OK(t->lod->build_seconds > 0, "a database without an overview gets one built on open");
	check_stored_overview(lsv_trace_borrow_db(t), "fixture");
}

static void test_stepping(void)
{
	int64_t t;
	TAP_EQ_INT(cursor(), 0, "cursor starts at the first event");
	TAP_OK(gc_has(lsv_window_get_state_text(win), "waits read  fault-thread/101"),
	       "after lock_acquire only: 101 waits for mmap_lock");
	gc_act(win, "step-next");
	TAP_EQ_INT(lsv_window_get_cursor(win, &t), 1, "step next → event 1");
	TAP_EQ_INT(t, 1000, "cursor time 1000 ns");
	TAP_OK(gc_has(lsv_window_get_state_text(win), "holds read  fault-thread/101"), "101 holds mmap_lock for read");
	TAP_OK(lsv_window_goto(win, "#5"), "go to event #5");
	const char *st = lsv_window_get_state_text(win);
	TAP_OK(gc_has(st, "mmap_lock 0xffff888000001000") && gc_has(st, "holds read  fault-thread/101") &&
	       gc_has(st, "waits write munmap/201"), "event 5: 101 holds, 201 waits for write");
	TAP_OK(gc_has(st, "pte_lock 0xffff88800000c000"), "event 5: the pte lock is live too");
	gc_act(win, "step-prev");
	TAP_EQ_INT(cursor(), 4, "step prev → event 4");
	TAP_OK(lsv_window_goto(win, "+3us"), "go to +3us");
	TAP_EQ_INT(lsv_window_get_cursor(win, &t), 8, "+3 µs is t=4000: the last event there is #8");
	st = lsv_window_get_state_text(win);
	TAP_OK(gc_has(st, "holds write munmap/201") && !strstr(st, "fault-thread/101"),
	       "event 8: 201 holds for write, 101 is gone");
	gc_act(win, "jump-end");
	TAP_EQ_INT(lsv_window_get_cursor(win, &t), 16, "jump to end → last event");
	TAP_EQ_INT(t, 10000, "end time");
	TAP_OK(gc_has(lsv_window_get_state_text(win), "anon_vma 0xffff88800000b000") &&
	       gc_has(lsv_window_get_state_text(win), "holds write fault-worker/102"), "held at end: 102's anon_vma");
	gc_act(win, "jump-start");
	TAP_EQ_INT(cursor(), 0, "jump to start");
	TAP_OK(gc_has(lsv_window_get_cursor_text(win), "#0"), "cursor label shows the event");

	lsv_window_select_task(win, 102);
	gc_act(win, "step-task-next");
	TAP_EQ_INT(cursor(), 9, "next event of task 102 → #9");
	gc_act(win, "step-task-next");
	TAP_EQ_INT(cursor(), 10, "→ #10");
	gc_act(win, "step-task-next");
	TAP_EQ_INT(cursor(), 14, "→ #14");
	gc_act(win, "step-task-prev");
	TAP_EQ_INT(cursor(), 10, "previous event of task 102 → #10");
	TAP_OK(gc_has(lsv_window_get_state_text(win), "lock_acquired vma_lock read 0xffff88800000a000: FAILED, vma_write_marked"),
	       "the refused per-VMA read lock is described");

	lsv_window_select_lock(win, (int64_t)MM);
	lsv_window_set_cursor(win, 1);
	gc_act(win, "step-lock-next");
	TAP_EQ_INT(cursor(), 5, "next event of the mm's mmap_lock after #1 → #5");
	gc_act(win, "step-lock-next");
	TAP_EQ_INT(cursor(), 7, "→ #7");
	gc_act(win, "step-lock-prev");
	TAP_EQ_INT(cursor(), 5, "previous → #5");
	lsv_window_set_step_scope(win, 2);
	gc_act(win, "step-scope-next");
	TAP_EQ_INT(cursor(), 7, "the transport's step follows the chosen scope (lock)");
	lsv_window_set_step_scope(win, 0);
	gc_act(win, "step-scope-next");
	TAP_EQ_INT(cursor(), 8, "scope back to all events");
	lsv_window_select_lock(win, LSV_NONE);

	lsv_window_select_task(win, 101);
	lsv_window_set_cursor(win, 3);
	st = lsv_window_get_state_text(win);
	TAP_OK(gc_has(st, "Task fault-thread/101: 2 locks") && gc_has(st, "1. holds mmap_lock read") &&
	       gc_has(st, "2. holds pte_lock write") && gc_has(st, "at 0xffffffff"),
	       "held-lock stack of 101 with call sites, outermost first");
	lsv_window_select_task(win, LSV_NONE);

	lsv_window_select_object(win, (int64_t)VMA);
	lsv_window_set_cursor(win, 9);
	TAP_OK(gc_has(lsv_window_get_state_text(win), "Object 0xffff88800000a000") &&
	       gc_has(lsv_window_get_state_text(win), "at the cursor: live"), "VMA live before its free");
	lsv_window_set_cursor(win, 12);
	TAP_OK(gc_has(lsv_window_get_state_text(win), "at the cursor: freed"), "VMA freed after #11");
	TAP_OK(gc_has(lsv_window_get_state_text(win), "alloc     before the trace"), "lifetime without alloc");
	lsv_window_select_object(win, LSV_NONE);
}

/* Activates the shortcut the timeline has for `accel` (what a key press does when it has focus). */
static gboolean press_on_timeline(const char *accel)
{
	GtkShortcutTrigger *want = gtk_shortcut_trigger_parse_string(accel);
	GListModel *ctrls = gtk_widget_observe_controllers(GTK_WIDGET(tl));
	gboolean done = FALSE;
	for (guint i = 0; i < g_list_model_get_n_items(ctrls) && !done; i++) {
		GObject *c = g_list_model_get_item(ctrls, i);
		if (GTK_IS_SHORTCUT_CONTROLLER(c)) {
			GListModel *m = G_LIST_MODEL(c);
			for (guint k = 0; k < g_list_model_get_n_items(m) && !done; k++) {
				GtkShortcut *sc = g_list_model_get_item(m, k);
				GtkShortcutTrigger *tr = gtk_shortcut_get_trigger(sc);
				if (gtk_shortcut_trigger_equal(tr, want) ||
				    (GTK_IS_ALTERNATIVE_TRIGGER(tr) &&
				     (gtk_shortcut_trigger_equal(gtk_alternative_trigger_get_first(GTK_ALTERNATIVE_TRIGGER(tr)), want) ||
				      gtk_shortcut_trigger_equal(gtk_alternative_trigger_get_second(GTK_ALTERNATIVE_TRIGGER(tr)), want))))
					done = gtk_shortcut_action_activate(gtk_shortcut_get_action(sc), 0, GTK_WIDGET(tl), NULL);
				g_object_unref(sc);
			}
		}
		g_object_unref(c);
	}
	g_object_unref(ctrls);
	g_object_unref(want);
	return done;
}

static void test_keys(void)
{
	lsv_window_set_cursor(win, 3);
	TAP_OK(press_on_timeline("Right"), "the timeline has a Right key shortcut");
	TAP_EQ_INT(cursor(), 4, "Right steps to the next event");
	press_on_timeline("Left");
	TAP_EQ_INT(cursor(), 3, "Left steps back");
	press_on_timeline("End");
	TAP_EQ_INT(cursor(), 16, "End jumps to the end");
	int64_t a, b, a2, b2;
	lsv_timeline_get_view(tl, &a, &b);
	press_on_timeline("plus");
	lsv_timeline_get_view(tl, &a2, &b2);
	TAP_OK(b2 - a2 < b - a, "+ zooms in");
	press_on_timeline("0");
	press_on_timeline("Home");
	TAP_EQ_INT(cursor(), 0, "Home jumps to the start");
}

static void test_findings(void)
{
	lsv_window_select_finding(win, 1); /* sorted: the error first, then the warning */
	gc_spin(50);
	TAP_OK(gc_has(lsv_window_get_evidence_text(win), "writer-starvation") &&
	       gc_has(lsv_window_get_evidence_text(win), "requests munmap/201"),
	       "wait finding selected: the evidence shown is the writer's request");
	TAP_EQ_INT(cursor(), 5, "cursor on the request (#5), not on the reader's earlier hold");
	int64_t a, b;
	lsv_timeline_get_view(tl, &a, &b);
	TAP_OK(a <= 2000 && a > 1000 && b >= 4000 && b - a < 4000, "zoomed to the wait [%lld, %lld]", (long long)a, (long long)b);
	gc_act(win, "evidence-prev");
	TAP_EQ_INT(cursor(), 1, "previous evidence → the reader's hold (#1)");
	TAP_EQ_INT(lsv_timeline_get_selected_tid(tl), 101, "its task selected");
	gc_act(win, "evidence-next");
	TAP_EQ_INT(cursor(), 5, "next evidence → #5");
	TAP_EQ_INT(lsv_timeline_get_selected_tid(tl), 201, "its task selected");
	gc_act(win, "evidence-next");
	TAP_EQ_INT(cursor(), 8, "→ #8");
	gc_act(win, "evidence-prev");
	TAP_EQ_INT(cursor(), 5, "previous evidence → #5");
	lsv_window_select_finding(win, 0);
	gc_spin(50);
	TAP_EQ_INT(cursor(), 10, "the uaf finding starts at the refused lock (#10)");
	lsv_window_select_finding(win, -1);
}

static void test_pixels(const char *dir)
{
	lsv_window_select_task(win, LSV_NONE);
	lsv_window_set_cursor(win, 0);
	lsv_timeline_set_view(tl, 1000, 10000);
	gc_spin(50);
	cairo_surface_t *s = render();
	int rgb[3];
	int y101 = lsv_timeline_lane_y(tl, 101), y102 = lsv_timeline_lane_y(tl, 102), y201 = lsv_timeline_lane_y(tl, 201);
	TAP_OK(y101 > LSV_TL_RULER_H && y201 > y102, "lanes below the ruler");

	/* 201: mmap_lock write held [4000, 7000): solid mmap_lock colour */
	pixel(s, px(5500), lsv_timeline_row_y(y201, 0), rgb);
	TAP_OK(near_class(rgb, 0, 2), "write hold drawn solid in the mmap_lock colour at (%d, %d)", px(5500),
	       lsv_timeline_row_y(y201, 0));
	/* ... and its wait [2000, 4000) hatched: both colour and background pixels along the row */
	int coloured = 0, plain = 0;
	for (int x = px(2500); x < px(2500) + 8; x++) {
		pixel(s, x, lsv_timeline_row_y(y201, 0), rgb);
		coloured += near_class(rgb, 0, 40);
		plain += is_background(rgb);
	}
	TAP_OK(coloured >= 2 && plain >= 2, "wait drawn hatched (%d coloured, %d plain of 8)", coloured, plain);
	/* nothing on 201's row before its request */
	pixel(s, px(1500), lsv_timeline_row_y(y201, 0), rgb);
	TAP_OK(is_background(rgb), "no span before the request");
	/* 101: mmap_lock read [1000, 4000): light fill, full-colour top edge */
	pixel(s, px(2500), lsv_timeline_row_y(y101, 0) + 1, rgb);
	TAP_OK(!near_class(rgb, 0, 30) && !is_background(rgb) && rgb[2] > rgb[0], "read hold drawn light");
	pixel(s, px(2500), lsv_timeline_row_y(y101, 0) - LSV_TL_ROW_H / 2, rgb);
	TAP_OK(near_class(rgb, 0, 2), "read hold has a full-colour top edge");
	/* 101: pte_lock write [1500, 2500) in its own row */
	pixel(s, px(2000), lsv_timeline_row_y(y101, 4), rgb);
	TAP_OK(near_class(rgb, 4, 2), "pte_lock hold in the pte_lock row and colour");
	pixel(s, px(3000), lsv_timeline_row_y(y101, 4), rgb);
	TAP_OK(is_background(rgb), "pte_lock hold ends at 2500");
	/* 102: anon_vma write held from 8000 to the end */
	pixel(s, px(9500), lsv_timeline_row_y(y102, 2), rgb);
	TAP_OK(near_class(rgb, 2, 2), "held-at-end anon_vma drawn to the end");
	/* 102: the refused per-VMA read lock is a red marker in the instants strip */
	pixel(s, px(5000), y102 + 2, rgb);
	TAP_OK(rgb[0] > 180 && rgb[1] < 80, "refused per-VMA read lock marker at 5000");
	g_autofree char *png = g_build_filename(dir, "timeline.png", NULL);
	TAP_OK(cairo_surface_write_to_png(s, png) == CAIRO_STATUS_SUCCESS, "timeline written to %s", png);

	/* the same through the window's GSK renderer */
	g_autofree char *wpng = g_build_filename(dir, "window.png", NULL);
	TAP_OK(lsv_window_save_png(win, wpng, FALSE, NULL), "window rendered offscreen to %s", wpng);
	GdkTexture *tex = gdk_texture_new_from_filename(wpng, NULL);
	TAP_OK(tex != NULL, "window PNG reads back");
	if (tex) {
		double wx = 0, wy = 0;
		gtk_widget_translate_coordinates(GTK_WIDGET(tl), GTK_WIDGET(win), px(5500),
						 lsv_timeline_row_y(y201, 0), &wx, &wy);
		int tw = gdk_texture_get_width(tex), th = gdk_texture_get_height(tex);
		guchar *data = g_malloc((gsize)tw * th * 4);
		gdk_texture_download(tex, data, (gsize)tw * 4);
		const guchar *p = data + ((int)wy * tw + (int)wx) * 4; /* B G R A */
		int wrgb[3] = { p[2], p[1], p[0] };
		TAP_OK(near_class(wrgb, 0, 3), "window render: the write hold at (%d, %d) is mmap_lock blue",
		       (int)wx, (int)wy);
		g_free(data);
		g_object_unref(tex);
	}
	cairo_surface_destroy(s);

	/* what a click there selects */
	lsv_span sp;
	TAP_OK(lsv_timeline_span_at(tl, px(5500), lsv_timeline_row_y(y201, 0), &sp) &&
	       (uint64_t)sp.lock == MM && sp.tid == 201 && sp.mode == 1, "hit test: 201's write hold of the mm's mmap_lock");
	TAP_OK(!lsv_timeline_span_at(tl, px(1500), lsv_timeline_row_y(y201, 0), &sp), "hit test: nothing before the request");

	/* the lock lane: who held the mm's mmap_lock when */
	lsv_window_select_lock(win, (int64_t)MM);
	for (int i = 0; i < 20; i++) {
		cairo_surface_destroy(render());
		gc_spin(20);
		if (!lsv_timeline_is_busy(tl))
			break;
	}
	s = render();
	TAP_EQ_INT(lsv_timeline_lane_y(tl, 201), y201 + LSV_TL_LANE_H, "lock lane pushes the task lanes down");
	int ly = LSV_TL_RULER_H + LSV_TL_MARK_H;
	pixel(s, px(5500), ly + 3, rgb);
	TAP_OK(near_class(rgb, 0, 2), "lock lane: 201's write hold solid at 5500");
	pixel(s, px(2500), ly + 3, rgb);
	TAP_OK(!near_class(rgb, 0, 30) && !is_background(rgb), "lock lane: 101's read hold light at 2500");
	coloured = plain = 0;
	for (int x = px(3000); x < px(3000) + 8; x++) {
		pixel(s, x, ly + (LSV_TL_LANE_H - LSV_TL_MARK_H - 4) / 2 + 3, rgb);
		coloured += near_class(rgb, 0, 40);
		plain += is_background(rgb);
	}
	TAP_OK(coloured >= 2 && plain >= 2, "lock lane: 201's wait hatched below");
	g_autofree char *lpng = g_build_filename(dir, "timeline-lock-lane.png", NULL);
	cairo_surface_write_to_png(s, lpng);
	cairo_surface_destroy(s);
	lsv_window_select_lock(win, LSV_NONE);
	TAP_EQ_INT(lsv_timeline_lane_y(tl, 201), y201, "lock lane gone with the selection");

	/* class filter */
	lsv_timeline_set_class_mask(tl, 0x7f & ~1u);
	s = render();
	pixel(s, px(5500), lsv_timeline_row_y(y201, 0), rgb);
	TAP_OK(is_background(rgb), "mmap_lock filtered out");
	cairo_surface_destroy(s);
	lsv_timeline_set_class_mask(tl, 0x7f);

	/* zoomed in below one LOD bucket per pixel: holds come from SQL (the detail path) */
	lsv_timeline_set_view(tl, 4600, 5200);
	s = render();
	cairo_surface_destroy(s);
	for (int i = 0; i < 200 && lsv_timeline_is_busy(tl); i++)
		gc_spin(10);
	s = render();
	TAP_OK(lsv_timeline_last_render_was_detail(tl), "zoomed in: detail drawn from the worker's fetch");
	pixel(s, px(5000), lsv_timeline_row_y(y201, 0), rgb);
	TAP_OK(near_class(rgb, 0, 2), "detail: 201's write hold at 5000");
	pixel(s, px(4800), lsv_timeline_row_y(y102, 1), rgb);
	TAP_OK(is_background(rgb), "detail: nothing held by 102 before its trylock");
	pixel(s, px(5000), y102 + 2, rgb);
	TAP_OK(rgb[0] > 180 && rgb[1] < 80, "detail: refused marker at 5000");
	cairo_surface_destroy(s);
}

/* Fraction of the ruler's label area (right of the header) that has text on it. */
static int ruler_ink(cairo_surface_t *s)
{
	int ink = 0, rgb[3], w = cairo_image_surface_get_width(s);
	for (int y = 2; y < LSV_TL_RULER_H - 10; y++)
		for (int x = LSV_TL_HEADER_W + 1; x < w; x++) {
			pixel(s, x, y, rgb);
			ink += rgb[0] < 120 && rgb[1] < 120 && rgb[2] < 120;
		}
	return ink;
}

/* Issue 15: one Ctrl+wheel notch blanked the ruler and piled every mark at the left edge. Real
 * wheel events through the X server: Ctrl+wheel zooms around the pointer, keeps the time under
 * it, leaves the ruler labelled and the holds where they belong; Shift+wheel and drag pan. */
static void test_wheel_zoom(void)
{
	if (!xin_available()) {
		TAP_OK(0, "XTEST available on the display");
		return;
	}
	lsv_window_select_finding(win, -1);
	lsv_timeline_set_view(tl, 1000, 10000);
	xin_spin(50);
	int y201 = lsv_timeline_lane_y(tl, 201);
	int64_t a0, b0, a, b;
	lsv_timeline_get_view(tl, &a0, &b0);
	double x = px(5500);
	int64_t under = lsv_timeline_x_to_time(tl, x);
	xin_wheel(GTK_WIDGET(tl), x, lsv_timeline_row_y(y201, 0), 4, true, false);
	lsv_timeline_get_view(tl, &a, &b);
	TAP_OK(b - a < b0 - a0 && b - a > (b0 - a0) / 2, "Ctrl+wheel up zooms in one notch ([%lld, %lld] → [%lld, %lld])",
	       (long long)a0, (long long)b0, (long long)a, (long long)b);
	TAP_OK(llabs(lsv_timeline_x_to_time(tl, x) - under) <= (b - a) / 200,
	       "the time under the pointer stays under it (%lld → %lld)", (long long)under,
	       (long long)lsv_timeline_x_to_time(tl, x));
	cairo_surface_t *s = render();
	TAP_OK(ruler_ink(s) > 50, "the ruler still has its labels (%d ink pixels)", ruler_ink(s));
	int rgb[3];
	pixel(s, px(5500), lsv_timeline_row_y(y201, 0), rgb);
	TAP_OK(near_class(rgb, 0, 2), "201's write hold is still drawn at its time");
	/* the frame after the wheel is the frame of the same range set directly */
	lsv_timeline_set_view(tl, a, b);
	cairo_surface_t *direct = render();
	int differ = 0, rgb2[3];
	for (int yy = 0; yy < cairo_image_surface_get_height(s); yy++)
		for (int xx = LSV_TL_HEADER_W; xx < cairo_image_surface_get_width(s); xx++) {
			pixel(s, xx, yy, rgb);
			pixel(direct, xx, yy, rgb2);
			differ += rgb[0] != rgb2[0] || rgb[1] != rgb2[1] || rgb[2] != rgb2[2];
		}
	TAP_OK(differ < 200, "ruler and marks where they belong: as drawn for [%lld, %lld] set directly (%d pixels differ)",
	       (long long)a, (long long)b, differ);
	cairo_surface_destroy(direct);
	xin_wheel(GTK_WIDGET(tl), x, lsv_timeline_row_y(y201, 0), 5, true, false);
	lsv_timeline_get_view(tl, &a, &b);
	TAP_OK(llabs((b - a) - (b0 - a0)) <= (b0 - a0) / 50, "Ctrl+wheel down zooms back out (span %lld)", (long long)(b - a));
	xin_wheel(GTK_WIDGET(tl), x, lsv_timeline_row_y(y201, 0), 5, false, true);
	int64_t a2, b2;
	lsv_timeline_get_view(tl, &a2, &b2);
	TAP_OK(a2 > a && b2 - a2 == b - a, "Shift+wheel pans right (%lld → %lld)", (long long)a, (long long)a2);
	xin_drag(GTK_WIDGET(tl), x, lsv_timeline_row_y(y201, 0), x + 100, lsv_timeline_row_y(y201, 0));
	lsv_timeline_get_view(tl, &a, &b);
	TAP_OK(a < a2 && b - a == b2 - a2, "drag pans back (%lld → %lld)", (long long)a2, (long long)a);
}

static void to_lab(const double c[3], double lab[3])
{
	double l[3];
	for (int i = 0; i < 3; i++)
		l[i] = c[i] > 0.04045 ? pow((c[i] + 0.055) / 1.055, 2.4) : c[i] / 12.92;
	double X = (l[0] * 0.4124 + l[1] * 0.3576 + l[2] * 0.1805) / 0.95047, Y = l[0] * 0.2126 + l[1] * 0.7152 + l[2] * 0.0722;
	double Z = (l[0] * 0.0193 + l[1] * 0.1192 + l[2] * 0.9505) / 1.08883, v[3] = { X, Y, Z };
	for (int i = 0; i < 3; i++)
		v[i] = v[i] > 0.008856 ? cbrt(v[i]) : 7.787 * v[i] + 16.0 / 116;
	lab[0] = 116 * v[1] - 16;
	lab[1] = 500 * (v[0] - v[1]);
	lab[2] = 200 * (v[1] - v[2]);
}

/* Issue 15: a legend, labelled class rows, class colours that can be told apart. */
static void test_legend_and_labels(void)
{
	double worst = 1e9;
	int wa = 0, wb = 0;
	for (int a = 0; a < 7; a++)
		for (int b = a + 1; b < 7; b++) {
			double ca[3], cb[3], la[3], lb[3];
			lsv_timeline_class_rgb(a, ca);
			lsv_timeline_class_rgb(b, cb);
			to_lab(ca, la);
			to_lab(cb, lb);
			double d = sqrt(pow(la[0] - lb[0], 2) + pow(la[1] - lb[1], 2) + pow(la[2] - lb[2], 2));
			if (d < worst) {
				worst = d;
				wa = a;
				wb = b;
			}
		}
	TAP_OK(worst >= 45, "every two class colours differ by ΔE ≥ 45 (closest: classes %d and %d, ΔE %.1f)", wa, wb, worst);
	lsv_timeline_set_view(tl, 1000, 10000);
	cairo_surface_t *s = render();
	int ok = 0, rgb[3];
	for (int c = 0; c < 7; c++) {
		int x, y;
		if (lsv_timeline_legend_swatch(tl, c, &x, &y)) {
			pixel(s, x, y, rgb);
			ok += near_class(rgb, c, 2);
		}
	}
	TAP_EQ_INT(ok, 7, "the legend has a swatch in each class colour");
	/* row labels: text left of each row's swatch in the lane header */
	int y101 = lsv_timeline_lane_y(tl, 101), rows = 0;
	for (int c = 0; c < 7; c++) {
		int ink = 0, top = lsv_timeline_row_y(y101, c) - LSV_TL_ROW_H / 2;
		for (int y = top; y < top + LSV_TL_ROW_H; y++)
			for (int x = LSV_TL_HEADER_W - 50; x < LSV_TL_HEADER_W - 8; x++) {
				pixel(s, x, y, rgb);
				ink += rgb[0] < 150 && rgb[1] < 150 && rgb[2] < 150;
			}
		pixel(s, LSV_TL_HEADER_W - 4, lsv_timeline_row_y(y101, c), rgb);
		rows += ink > 3 && near_class(rgb, c, 2);
	}
	TAP_EQ_INT(rows, 7, "every class row of a lane is labelled, with its colour beside the label");
	/* the process header is not cut at the lane header's width */
	int gy = lsv_timeline_lane_y(tl, 101) - LSV_TL_GROUP_H, ink = 0;
	for (int y = gy + 2; y < gy + LSV_TL_GROUP_H - 2; y++)
		for (int x = 6; x < LSV_TL_HEADER_W + 200; x++) {
			pixel(s, x, y, rgb);
			ink += rgb[0] < 120 && rgb[1] < 120 && rgb[2] < 120;
		}
	TAP_OK(ink > 30, "the process header is drawn (%d ink pixels)", ink);
	cairo_surface_destroy(s);
}

static void test_filters_and_style(void)
{
	lsv_window_set_task_filter(win, "munmap");
	lsv_trace *t = lsv_window_get_trace(win);
	TAP_EQ_INT(t->lanes->len, 2, "task filter: one process, one task");
	TAP_EQ_INT(lsv_timeline_lane_y(tl, 101), -1, "filtered-out task has no lane");
	lsv_window_set_task_filter(win, "100");
	TAP_EQ_INT(t->lanes->len, 3, "filter by pid");
	lsv_window_set_task_filter(win, "");
	TAP_EQ_INT(t->lanes->len, 5, "filter cleared");
	lsv_window_filter_lock(win, (int64_t)MM);
	TAP_EQ_INT(t->lanes->len, 4, "filter by lock address: the mm's mmap_lock was taken by 101 and 201");
	TAP_EQ_INT(lsv_timeline_lane_y(tl, 102), -1, "102 never took it");
	lsv_window_filter_lock(win, LSV_NONE);
	lsv_window_filter_object(win, (int64_t)VMA);
	TAP_EQ_INT(t->lanes->len, 4, "filter by object: the VMA concerns 102 (its lock) and 201 (freed it)");
	TAP_EQ_INT(lsv_timeline_lane_y(tl, 101), -1, "101 never touched it");
	lsv_window_filter_object(win, LSV_NONE);
	TAP_EQ_INT(t->lanes->len, 5, "object filter cleared");

	g_action_group_change_action_state(G_ACTION_GROUP(win), "dark", g_variant_new_boolean(TRUE));
	gc_spin(100);
	lsv_timeline_zoom_fit(tl);
	cairo_surface_t *s = render();
	int rgb[3];
	pixel(s, gtk_widget_get_width(GTK_WIDGET(tl)) - 5, gtk_widget_get_height(GTK_WIDGET(tl)) - 5, rgb);
	TAP_OK(rgb[0] < 80 && rgb[1] < 80 && rgb[2] < 80, "dark style: dark timeline background");
	cairo_surface_destroy(s);
	g_action_group_change_action_state(G_ACTION_GROUP(win), "dark", g_variant_new_boolean(FALSE));
	gc_spin(100);

	/* play: the cursor advances by itself, pause stops it */
	lsv_window_set_cursor(win, 0);
	gc_act(win, "play");
	gc_spin(400);
	gc_act(win, "play");
	int64_t c = cursor();
	TAP_OK(c > 0, "playing moved the cursor (to #%lld)", (long long)c);
	gc_spin(100);
	TAP_EQ_INT(cursor(), c, "paused");
}

/* Copies the files of a flat trace directory (metadata and stream files). */
static char *copy_trace(const char *src, const char *dir)
{
	char *dst = g_build_filename(dir, "sample-trace", NULL);
	g_autofree char *old_db = g_strconcat(dst, ".lockstep.db", NULL);
	g_unlink(old_db);
	g_mkdir_with_parents(dst, 0755);
	GDir *d = g_dir_open(src, 0, NULL);
	const char *name;
	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *from = g_build_filename(src, name, NULL);
		g_autofree char *to = g_build_filename(dst, name, NULL);
		char *data;
		gsize len;
		if (g_file_test(from, G_FILE_TEST_IS_REGULAR) && g_file_get_contents(from, &data, &len, NULL)) {
			g_file_set_contents(to, data, (gssize)len, NULL);
			g_free(data);
		}
	}
	if (d)
		g_dir_close(d);
	return dst;
}

static void test_sample(const char *src, const char *dir)
{
	g_autofree char *trace = copy_trace(src, dir);
	g_autofree char *metadata = g_build_filename(trace, "metadata", NULL);
	ls_error err;
	ls_error_clear(&err);
	gboolean ok = lsv_window_open_sync(win, metadata, &err); /* as the file chooser gives it */
	TAP_OK(ok, "loads and opens the synthetic sample trace directory (picked by its metadata file)");
	if (!ok) {
		char buf[2048];
		printf("#   %s\n", ls_error_format(&err, buf, sizeof(buf)));
		return;
	}
	lsv_trace *t = lsv_window_get_trace(win);
	TAP_OK(t->event_count > 1000, "sample has events (%lld)", (long long)t->event_count);
	TAP_OK(t->lod->build_seconds == 0, "the overview was built by the load, not on open");
	check_stored_overview(lsv_trace_borrow_db(t), "sample");
	{
		/* what the load stored (no indexes yet, inside its transaction) is what the viewer's
		 * fallback builds on the finished database */
		sqlite3 *sdb = lsv_trace_borrow_db(t);
		ls_error oerr;
		ls_error_clear(&oerr);
		TAP_OK(ls_overview_build(sdb, "temp", NULL, NULL, &oerr) == LS_OK, "overview rebuilt into TEMP%s%s", oerr.message[0] ? ": " : "",
		       oerr.message);
		char n[32], diff[32];
		db_text(sdb, "SELECT count(*) FROM main.view_lod_lanes", n, sizeof(n));
		db_text(sdb,
			"SELECT (SELECT count(*) FROM (SELECT tid, runs, longs FROM main.view_lod_lanes EXCEPT "
			"SELECT tid, runs, longs FROM temp.view_lod_lanes)) + (SELECT count(*) FROM (SELECT tid, "
			"runs, longs FROM temp.view_lod_lanes EXCEPT SELECT tid, runs, longs FROM main.view_lod_lanes)) "
			"+ (SELECT count(*) FROM (SELECT * FROM main.view_lod_meta EXCEPT SELECT * FROM temp.view_lod_meta))",
			diff, sizeof(diff));
		TAP_OK(atoi(n) >= 2 && !strcmp(diff, "0"), "the stored overview (%s lanes) is byte-identical to a rebuild (%s rows differ)",
		       n, diff);
		sqlite3_exec(sdb, "DROP TABLE temp.view_lod_lanes; DROP TABLE temp.view_lod_meta", NULL, NULL, NULL);
	}
	guint tasks = 0;
	for (guint i = 0; i < t->lanes->len; i++)
		tasks += !((lsv_lane *)g_ptr_array_index(t->lanes, i))->is_group;
	TAP_OK(tasks >= 2, "sample shows task lanes (%u)", tasks);
	const lsv_lane *first = NULL;
	for (guint i = 0; i < t->lanes->len && !first; i++)
		if (!((lsv_lane *)g_ptr_array_index(t->lanes, i))->is_group)
			first = g_ptr_array_index(t->lanes, i);
	TAP_OK(first && strchr(first->label, '/'), "lanes named comm/tid (%s)", first ? first->label : "-");
	printf("# findings shown: %u\n", lsv_window_get_findings_count(win));
	{
		sqlite3_stmt *q = NULL;
		int tables = 0, rows = -1;
		sqlite3_prepare_v2(lsv_trace_borrow_db(t), "SELECT count(*) FROM sqlite_master WHERE name = 'findings'", -1, &q, NULL);
		if (sqlite3_step(q) == SQLITE_ROW)
			tables = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
		if (tables && sqlite3_prepare_v2(lsv_trace_borrow_db(t), "SELECT count(*) FROM findings", -1, &q, NULL) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_ROW)
			rows = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
		TAP_OK(tables == 1, "an unchecked trace is checked on open (findings table written)");
		TAP_EQ_INT(lsv_window_get_findings_count(win), rows, "every stored finding is listed");
	}
	gc_act(win, "step-next");
	gc_act(win, "step-next");
	TAP_EQ_INT(cursor(), 2, "stepping on the sample");
	TAP_OK(gc_has(lsv_window_get_state_text(win), "Event #2"), "state panel follows");
	lsv_timeline_zoom_fit(tl);
	gc_spin(50);
	cairo_surface_t *s = render();
	int drawn = 0, rgb[3];
	int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
	for (int y = LSV_TL_RULER_H; y < h; y += 3)
		for (int x = LSV_TL_HEADER_W + 5; x < w; x += 7) {
			pixel(s, x, y, rgb);
			drawn += !is_background(rgb) && !(abs(rgb[0] - rgb[1]) < 6 && abs(rgb[1] - rgb[2]) < 6);
		}
	TAP_OK(drawn > 100, "spans drawn for the sample (%d coloured samples)", drawn);
	g_autofree char *png = g_build_filename(dir, "sample-window.png", NULL);
	TAP_OK(lsv_window_save_png(win, png, FALSE, NULL), "sample window rendered to %s", png);
	cairo_surface_destroy(s);
}

/* A real kernel recording with a true finding (samples/recorded/exit_mmap_race): loaded into the
 * work directory, checked on open, its use-after-free finding selected lands on the reaper's
 * mmap_lock hold inside the finding's window. */
static void test_recorded_race(const char *src, const char *dir)
{
	g_autofree char *db = g_build_filename(dir, "recorded-race.db", NULL);
	ls_error err;
	ls_error_clear(&err);
	g_unlink(db);
	if (ls_load(src, db, NULL, NULL, &err) != LS_OK) {
		char buf[2048];
		TAP_OK(0, "loads the recorded race trace: %s", ls_error_format(&err, buf, sizeof(buf)));
		return;
	}
	TAP_OK(lsv_window_open_sync(win, db, &err), "opens the recorded exit_mmap race");
	lsv_trace *t = lsv_window_get_trace(win);
	sqlite3 *sdb = lsv_trace_borrow_db(t);
	char n[32], begin[32], end[32];
	db_text(sdb, "SELECT count(*) FROM findings WHERE rule = 'pgtable-freed-under-walker'", n, sizeof(n));
	TAP_OK(atoi(n) >= 1, "checked on open: pgtable-freed-under-walker found (%s)", n);
	lsv_window_select_finding(win, 0); /* errors sort first: a uaf-window */
	gc_spin(50);
	TAP_OK(gc_has(lsv_window_get_evidence_text(win), "pgtable-freed-under-walker") &&
	       gc_has(lsv_window_get_evidence_text(win), "walker holds mmap_lock"),
	       "the race's finding selected, its first evidence the walker's mmap_lock");
	{
		/* issue 11/15: times relative to the trace start, call sites as symbol+offset */
		const char *ev = lsv_window_get_evidence_text(win);
		TAP_OK(!strstr(ev, "t=17") && !g_regex_match_simple("[0-9]{13,}", ev, 0, 0),
		       "evidence and detail text carry no absolute nanoseconds");
		TAP_OK(g_regex_match_simple("at [a-z_]+\\+0x[0-9a-f]+", ev, 0, 0), "the evidence row names its call site as symbol+offset");
	}
	{
		/* the check run on open had the trace's symbols: a per-site summary names its call
		 * site as `lockstep check` does, not in hex */
		GString *rows = g_string_new(NULL);
		for (guint i = 0; i < lsv_window_get_findings_count(win); i++) {
			g_autofree char *row = lsv_window_get_finding_row_text(win, (int)i);
			g_string_append_printf(rows, "%s\n", row);
		}
		TAP_OK(g_regex_match_simple("mmap_lock \\(write\\) at [a-z_]+\\+0x[0-9a-f]+", rows->str, 0, 0) &&
		       !g_regex_match_simple("at 0xffffffff[0-9a-f]+", rows->str, 0, 0),
		       "finding summaries name call sites as symbol+offset (checked on open with the symbols)");
		g_string_free(rows, TRUE);
	}
	{
		/* the tooltip of the reaper's mmap_lock hold: named by task, call site symbol+offset */
		lsv_span sp = { 0 };
		sqlite3_stmt *q = NULL;
		sqlite3_prepare_v2(sdb, "SELECT h.id, h.tid, h.mode FROM holds h JOIN locks l ON l.id = h.lock_id "
				   "JOIN tasks k ON k.tid = h.tid WHERE l.class = 0 AND k.comm = 'oom_mrelease' "
				   "AND h.acquired_ns IS NOT NULL ORDER BY h.id LIMIT 1", -1, &q, NULL);
		if (sqlite3_step(q) == SQLITE_ROW) {
			sp.id = sqlite3_column_int64(q, 0);
			sp.tid = sqlite3_column_int(q, 1);
			sp.mode = (uint8_t)sqlite3_column_int(q, 2);
			sp.acq = sp.end = 0;
		}
		sqlite3_finalize(q);
		g_autofree char *tip = lsv_timeline_describe_span(tl, &sp);
		g_autofree char *who = g_strdup_printf("oom_mrelease/%d", sp.tid);
		TAP_OK(sp.id && gc_has(tip, who) && g_regex_match_simple("at [a-z_]+\\+0x[0-9a-f]+", tip, 0, 0),
		       "a hold's tooltip names its task and its call site as symbol+offset");
	}
	db_text(sdb, "SELECT min(t_begin_ns) FROM findings WHERE rule = 'pgtable-freed-under-walker'", begin, sizeof(begin));
	db_text(sdb, "SELECT max(t_end_ns) FROM findings WHERE rule = 'pgtable-freed-under-walker'", end, sizeof(end));
	int64_t a, b;
	lsv_timeline_get_view(tl, &a, &b);
	TAP_OK(a <= g_ascii_strtoll(begin, NULL, 10) && b >= g_ascii_strtoll(begin, NULL, 10), "zoomed onto the window [%s, %s]", begin, end);
	char sql[256], comm[64];
	snprintf(sql, sizeof(sql), "SELECT t.comm FROM events e JOIN tasks t ON t.tid = e.tid WHERE e.id = %lld",
		 (long long)cursor());
	db_text(sdb, sql, comm, sizeof(comm));
	TAP_OK(!strcmp(comm, "oom_mrelease"), "cursor on the reaper's event (task %s)", comm);
	{
		/* the tasks of this instance, not every victim that reused the mm address */
		const lsv_finding *f = lsv_window_get_finding(win, 0);
		GString *hl = g_string_new(NULL), *all = g_string_new(NULL);
		gboolean stray = FALSE;
		for (guint i = 0; i < t->tasks->len; i++) {
			const lsv_task *k = g_ptr_array_index(t->tasks, i);
			gboolean in_evidence = FALSE;
			for (guint e = 0; e < f->evidence->len; e++)
				in_evidence |= g_array_index(f->evidence, lsv_evidence, e).tid == k->tid;
			if (lsv_finding_has_tid(f, k->tid))
				g_string_append_printf(hl, " %lld", (long long)k->tid);
			stray |= lsv_finding_has_tid(f, k->tid) != in_evidence;
		}
		for (guint i = 0; i < f->tids->len; i++)
			g_string_append_printf(all, " %lld", (long long)g_array_index(f->tids, int64_t, i));
		TAP_OK(!stray && f->tids->len > 0, "highlighted:%s — only the tasks of its evidence (the rule's tids column:%s)", hl->str, all->str);
		/* and on screen: a lane of the tids column outside the evidence has a plain header */
		int rgb[3];
		int checked = 0;
		for (guint i = 0; i < f->tids->len; i++) {
			int64_t tid = g_array_index(f->tids, int64_t, i);
			lsv_timeline_show_tid(tl, tid);
			cairo_surface_t *s = render();
			int y = lsv_timeline_lane_y(tl, tid);
			if (y < LSV_TL_RULER_H || y + 4 >= cairo_image_surface_get_height(s) - LSV_TL_LEGEND_H ||
			    tid == lsv_timeline_get_selected_tid(tl)) {
				cairo_surface_destroy(s);
				continue;
			}
			pixel(s, 3, y + 4, rgb);
			gboolean yellow = rgb[0] > 220 && rgb[1] > 180 && rgb[2] < 100;
			if (yellow != lsv_finding_has_tid(f, tid))
				checked = -1000;
			checked++;
			cairo_surface_destroy(s);
		}
		TAP_OK(checked > 0, "lane headers: yellow exactly for the evidence's tasks (%d lanes checked)", checked);
		g_string_free(hl, TRUE);
		g_string_free(all, TRUE);
	}
	lsv_window_select_finding(win, -1);
}

/* Loads a trace directory to dir/NAME.db and opens it (checked on open). */
static gboolean open_trace(const char *src, const char *dir, const char *name)
{
	g_autofree char *db = g_strdup_printf("%s/%s.db", dir, name);
	ls_error err;
	ls_error_clear(&err);
	g_unlink(db);
	if (ls_load(src, db, NULL, NULL, &err) != LS_OK || !lsv_window_open_sync(win, db, &err)) {
		char buf[2048];
		TAP_OK(0, "opens %s: %s", src, ls_error_format(&err, buf, sizeof(buf)));
		return FALSE;
	}
	xin_spin(50);
	return TRUE;
}

static int finding_with_rule(const char *rule)
{
	for (int i = 0; lsv_window_get_finding(win, i); i++)
		if (!g_strcmp0(lsv_window_get_finding(win, i)->rule, rule))
			return i;
	return -1;
}

/* Issue 15: a finding's view contains all its evidence, starts at its wait (a wait finding) and
 * never before the trace start; the band and the list time are the wait's. */
static void test_finding_frames(const char *starved, const char *cycle, const char *dir)
{
	if (starved && open_trace(starved, dir, "starved")) {
		lsv_trace *t = lsv_window_get_trace(win);
		int i = finding_with_rule("readers-bypass-writer");
		TAP_OK(i >= 0, "vma-writer-starved: the readers-bypass-writer finding is listed");
		const lsv_finding *f = lsv_window_get_finding(win, i);
		if (f) {
			int64_t wait = -1, last = 0;
			for (guint k = 0; k < f->evidence->len; k++) {
				const lsv_evidence *e = &g_array_index(f->evidence, lsv_evidence, k);
				if (!g_strcmp0(e->role, "writer requests"))
					wait = e->t_ns;
				last = MAX(last, e->t_ns);
			}
			lsv_window_select_finding(win, i);
			xin_spin(50);
			int64_t a, b;
			lsv_timeline_get_view(tl, &a, &b);
			TAP_OK(wait > 0 && f->band_begin == wait, "the band starts at the writer's request (+%lld ns), not at the outer lock it took (+%lld ns)",
			       (long long)(f->band_begin - t->t_begin), (long long)(f->t_begin - t->t_begin));
			TAP_OK(a >= t->t_begin && a <= wait && wait - a <= (b - a) / 25,
			       "the view starts at the wait (view +%lld ns, wait +%lld ns)", (long long)(a - t->t_begin),
			       (long long)(wait - t->t_begin));
			gboolean all = TRUE;
			for (guint k = 0; k < f->evidence->len; k++) {
				const lsv_evidence *e = &g_array_index(f->evidence, lsv_evidence, k);
				/* before the wait: only holds live across it (the waiter's own, its blockers'), drawn
				 * crossing the edge */
				all &= (e->t_ns >= a && e->t_ns <= b) || (e->t_ns < a && strstr(e->role, "hold"));
			}
			TAP_OK(all && last <= b, "the view contains all its evidence (last at +%lld ns, view ends +%lld ns)",
			       (long long)(last - t->t_begin), (long long)(b - t->t_begin));
			g_autofree char *row = lsv_window_get_finding_row_text(win, i);
			g_autofree char *d = lsv_format_duration(wait - t->t_begin);
			g_autofree char *want = g_strdup_printf("at +%s", d);
			TAP_OK(gc_has(row, want), "the list gives the wait's time (%s)", want);
			int64_t c;
			lsv_window_get_cursor(win, &c);
			TAP_EQ_INT(c, wait, "the cursor starts on the writer's request");
		}
	}
	if (cycle && open_trace(cycle, dir, "cycle")) {
		lsv_trace *t = lsv_window_get_trace(win);
		int i = finding_with_rule("cycle");
		const lsv_finding *f = lsv_window_get_finding(win, i);
		TAP_OK(f != NULL, "vma-anon-vma-inversion: the cycle is listed");
		if (f) {
			lsv_window_select_finding(win, i);
			xin_spin(50);
			int64_t a, b;
			lsv_timeline_get_view(tl, &a, &b);
			TAP_OK(a >= t->t_begin, "the cycle's view does not start before the trace (+%lld ns)", (long long)(a - t->t_begin));
			gboolean all = TRUE;
			for (guint k = 0; k < f->evidence->len; k++) {
				int64_t e = g_array_index(f->evidence, lsv_evidence, k).t_ns;
				all &= e >= a && e <= b;
			}
			TAP_OK(all, "the view contains both edges' evidence ([+%lld, +%lld] ns)", (long long)(a - t->t_begin),
			       (long long)(b - t->t_begin));
		}
	}
	lsv_window_select_finding(win, -1);
}

/* Issue 15: a trace recorded with `lockstep record --callstack`
 * (samples/recorded/vma_anon_vma_inversion_callstack): the cycle's evidence detail shows the
 * recorded kernel stack of the row under the cursor, as symbol+offset frames. */
static void test_callstack_evidence(const char *src, const char *dir)
{
	if (!open_trace(src, dir, "callstack"))
		return;
	int i = finding_with_rule("cycle");
	const lsv_finding *f = lsv_window_get_finding(win, i);
	TAP_OK(f != NULL, "callstack sample: the cycle is listed");
	if (!f)
		return;
	lsv_window_select_finding(win, i);
	xin_spin(50);
	int want = -1;
	for (guint k = 0; k < f->evidence->len && want < 0; k++)
		if (!g_strcmp0(g_array_index(f->evidence, lsv_evidence, k).role, "requests vma_lock (write)"))
			want = (int)k;
	for (int k = 0; k < want; k++)
		gc_act(win, "evidence-next");
	xin_spin(50);
	const char *ev = lsv_window_get_evidence_text(win);
	TAP_OK(want >= 0 && gc_has(ev, "requests vma_lock (write)") && gc_has(ev, "stack:") &&
	       gc_has(ev, "__split_vma+0x629") && gc_has(ev, "mprotect_fixup+0x"),
	       "the evidence detail of mprotect's vma_lock request shows its recorded stack");
	TAP_OK(!strstr(ev, "lttng_") && !strstr(ev, "__traceiter_"), "without the tracer's frames");
	gc_act(win, "evidence-prev");
	xin_spin(50);
	ev = lsv_window_get_evidence_text(win);
	TAP_OK(gc_has(ev, "holds anon_vma (write)") && gc_has(ev, "vma_prepare+0x"),
	       "the row before it (the held anon_vma) shows the stack of its acquisition");
	lsv_window_select_finding(win, -1);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		printf("Bail out! usage: test-view FIXTURE.sql FINDINGS.sql WORKDIR\n");
		return 1;
	}
	const char *dir = argv[3];
	setvbuf(stdout, NULL, _IOLBF, 0);
	g_mkdir_with_parents(dir, 0755);
	g_autofree char *db = make_db(dir, "view-fixture.db", argv[1], argv[2]);
	g_autofree char *db_plain = make_db(dir, "view-fixture-unchecked.db", argv[1], NULL);
	gtk_init();

	win = lsv_window_new(NULL);
	gtk_window_set_default_size(GTK_WINDOW(win), 1400, 800);
	gtk_window_present(GTK_WINDOW(win));
	tl = lsv_window_get_timeline(win);
	ls_error err;
	ls_error_clear(&err);
	gboolean ok = lsv_window_open_sync(win, db, &err);
	TAP_OK(ok, "opens the fixture database");
	if (!ok) {
		char buf[2048];
		printf("#   %s\n", ls_error_format(&err, buf, sizeof(buf)));
		return tap_done();
	}
	for (int i = 0; i < 300 && gtk_widget_get_width(GTK_WIDGET(tl)) < 600; i++)
		gc_spin(10);
	gc_spin(100);
	TAP_OK(gtk_widget_get_width(GTK_WIDGET(tl)) >= 600, "window mapped (timeline %d px wide)",
	       gtk_widget_get_width(GTK_WIDGET(tl)));

	{
		GtkBuilder *b = gtk_builder_new_from_resource("/org/lockstep/View/gtk/help-overlay.ui");
		GObject *o = gtk_builder_get_object(b, "help_overlay");
		TAP_OK(o && GTK_IS_SHORTCUTS_WINDOW(o), "the shortcuts window is in the resources where GtkApplication looks");
		if (o)
			gtk_window_destroy(GTK_WINDOW(o));
		g_object_unref(b);
	}
	test_lanes_and_findings();
	test_stepping();
	test_keys();
	test_findings();
	test_pixels(dir);
	test_wheel_zoom();
	test_legend_and_labels();
	test_filters_and_style();

	/* opened again, the stored overview is read, not rebuilt */
	ok = lsv_window_open_sync(win, db, &err);
	TAP_OK(ok && lsv_window_get_trace(win)->lod->build_seconds == 0, "a stored overview is reused on the next open");

	if (argc > 4 && g_file_test(argv[4], G_FILE_TEST_IS_DIR))
		test_sample(argv[4], dir);
	if (argc > 5 && g_file_test(argv[5], G_FILE_TEST_IS_DIR))
		test_recorded_race(argv[5], dir);

	test_finding_frames(argc > 6 ? argv[6] : NULL, argc > 7 ? argv[7] : NULL, dir);
	if (argc > 8 && g_file_test(argv[8], G_FILE_TEST_IS_DIR))
		test_callstack_evidence(argv[8], dir);

	/* a database never checked: no findings table */
	ok = lsv_window_open_sync(win, db_plain, &err);
	TAP_OK(ok, "opens a database without findings tables");
	/* a file that is not a lockstep database is refused with a message */
	g_autofree char *bogus = g_build_filename(dir, "not-a-db.db", NULL);
	g_file_set_contents(bogus, "hello", -1, NULL);
	ls_error_clear(&err);
	TAP_OK(!lsv_window_open_sync(win, bogus, &err) && err.message[0], "refuses a non-database: %s", err.message);

	gtk_window_destroy(GTK_WINDOW(win));
	gc_spin(50);
	return tap_done();
}
