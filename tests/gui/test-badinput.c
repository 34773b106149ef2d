/* test-badinput.c — lockstep-view under bad input, in a real GTK window (run under xvfb-run),
 * issue 12: a corrupt database (random bytes, a truncated real one, another schema version, an
 * SQLite file that is not lockstep's, damaged pages), a database deleted, renamed over or
 * rewritten while open and then stepped, scrolled or reopened, a trace of one event, a trace of
 * 10 000 tasks (written by lockstep-synth) and a window of 200×100. Each must leave the window
 * open and usable, with one line naming the file and what is wrong in the window's banner —
 * never a dialog.
 *
 *   test-badinput WORKDIR LOCKSTEP_SYNTH SAMPLE_TRACE_DIR
 */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "load.h"
#include "guicheck.h"
#include "tap.h"
#include "timeline.h"
#include "window.h"

static LsvWindow *win;
static LsvTimeline *tl;
static const char *workdir, *synth;



static const char *banner(void)
{
	return lsv_window_get_banner_text(win);
}


static char *work(const char *name)
{
	return g_build_filename(workdir, name, NULL);
}

/* Other toplevels than the main window (a dialog would be one). */
static int other_windows(void)
{
	GListModel *l = gtk_window_get_toplevels();
	int n = 0;
	for (guint i = 0; i < g_list_model_get_n_items(l); i++) {
		GtkWidget *w = g_list_model_get_item(l, i);
		if (w != GTK_WIDGET(win) && gtk_widget_get_visible(w))
			n++;
		g_object_unref(w);
	}
	return n;
}

static void copy_file(const char *from, const char *to)
{
	char *data;
	gsize len;
	if (!g_file_get_contents(from, &data, &len, NULL) || !g_file_set_contents(to, data, (gssize)len, NULL)) {
		printf("Bail out! cannot copy %s to %s\n", from, to);
		exit(1);
	}
	g_free(data);
}

/* Rewrites the file in place (same inode), as `cp OTHER FILE` does. */
static void overwrite_in_place(const char *path, const char *data, gsize len)
{
	FILE *f = fopen(path, "r+b");
	if (!f || ftruncate(fileno(f), 0) != 0 || fwrite(data, 1, len, f) != len) {
		printf("Bail out! cannot rewrite %s\n", path);
		exit(1);
	}
	fclose(f);
}

static char *random_bytes(gsize len, guint32 seed)
{
	GRand *r = g_rand_new_with_seed(seed);
	char *b = g_malloc(len);
	for (gsize i = 0; i < len; i++)
		b[i] = (char)g_rand_int_range(r, 0, 256);
	g_rand_free(r);
	return b;
}

static void exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;
	if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		printf("Bail out! %s: %s\n", path, msg ? msg : sqlite3_errmsg(db));
		exit(1);
	}
	sqlite3_close(db);
}

static gboolean open_sync(const char *path)
{
	ls_error err;
	ls_error_clear(&err);
	gboolean ok = lsv_window_open_sync(win, path, &err);
	if (!ok) {
		char buf[2048];
		printf("#   %s\n", ls_error_format(&err, buf, sizeof(buf)));
	}
	return ok;
}

/* Opens in the worker thread, as the Open button does, and waits for the outcome. */
static void open_async(const char *path)
{
	lsv_window_open(win, path);
	for (int i = 0; i < 1000; i++) {
		gc_spin(10);
		if (*banner() || (lsv_window_get_trace(win) && !strcmp(lsv_window_get_trace(win)->path, path)))
			break;
	}
	gc_spin(50);
}

/* lockstep-synth SCENARIO|--generate … -o DIR */
static char *synth_trace(const char *name, const char *const *args)
{
	char *dir = work(name);
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, (char *)synth);
	for (const char *const *a = args; *a; a++)
		g_ptr_array_add(argv, (char *)*a);
	g_ptr_array_add(argv, "--force");
	g_ptr_array_add(argv, "-o");
	g_ptr_array_add(argv, dir);
	g_ptr_array_add(argv, NULL);
	int status = -1;
	g_autoptr(GError) e = NULL;
	if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status, &e) ||
	    !g_spawn_check_wait_status(status, NULL)) {
		printf("Bail out! lockstep-synth %s failed: %s\n", name, e ? e->message : "exit status");
		exit(1);
	}
	g_ptr_array_unref(argv);
	return dir;
}

/* ---- a database that is not one, or not a sound one ---- */

static void test_corrupt_files(const char *good)
{
	/* random bytes, opened the way the Open button does (worker thread) */
	g_autofree char *rnd = work("random.db");
	g_autofree char *bytes = random_bytes(65536, 7);
	g_file_set_contents(rnd, bytes, 65536, NULL);
	open_async(rnd);
	TAP_OK(gc_has(banner(), rnd) && gc_has(banner(), "not a lockstep database"),
	       "random bytes: the banner names the file and says it is not a lockstep database");
	TAP_EQ_INT(other_windows(), 0, "random bytes: no dialog, the message is in the window");
	TAP_OK(lsv_window_get_trace(win) && !strcmp(lsv_window_get_trace(win)->path, good),
	       "random bytes: the database open before stays open");
	TAP_OK(open_sync(good) && !*banner(), "random bytes: another file opens afterwards and the banner goes");

	/* a real database cut in half, opened while another one is open: that one stays */
	g_autofree char *cut = work("cut.db");
	copy_file(good, cut);
	GStatBuf sb;
	g_stat(cut, &sb);
	TAP_OK(truncate(cut, sb.st_size / 2) == 0, "truncated: cut to %lld bytes", (long long)sb.st_size / 2);
	TAP_OK(!open_sync(cut), "truncated: refused");
	TAP_OK(gc_has(banner(), cut) && gc_has(banner(), "truncated"), "truncated: the banner names the file and says it is truncated");
	TAP_OK(lsv_window_get_trace(win) && !strcmp(lsv_window_get_trace(win)->path, good),
	       "truncated: the database open before stays open");
	gc_act(win, "step-next");
	TAP_EQ_INT(lsv_window_get_cursor(win, NULL), 1, "truncated: and it still steps");
	gc_act(win, "dismiss-banner");
	TAP_OK(!*banner(), "the banner can be dismissed");

	/* another schema version */
	g_autofree char *old = work("schema-v2.db");
	copy_file(good, old);
	exec_sql(old, "UPDATE meta SET value = '2' WHERE key = 'schema_version'");
	open_async(old);
	TAP_OK(gc_has(banner(), old) && gc_has(banner(), "schema version 2"),
	       "schema version 2: the banner names the file and the version");
	TAP_EQ_INT(other_windows(), 0, "schema version 2: no dialog");

	/* an SQLite database that is not lockstep's */
	g_autofree char *foreign = work("foreign.sqlite");
	g_unlink(foreign);
	exec_sql(foreign, "CREATE TABLE songs(title TEXT); INSERT INTO songs VALUES ('la');");
	TAP_OK(!open_sync(foreign) && gc_has(banner(), foreign) && gc_has(banner(), "not a lockstep database"),
	       "an SQLite file of another program: the banner says it is not a lockstep database");

	/* damaged pages in the middle, the size unchanged: refused on open, or found on the first
	 * read that meets them */
	g_autofree char *dam = work("damaged.db");
	copy_file(good, dam);
	{
		char *data;
		gsize len;
		g_file_get_contents(dam, &data, &len, NULL);
		g_autofree char *junk = random_bytes(len / 2, 11);
		memcpy(data + len / 4, junk, len / 2);
		overwrite_in_place(dam, data, len);
		g_free(data);
	}
	gc_act(win, "dismiss-banner");
	gboolean opened = open_sync(dam);
	if (opened) {
		gc_act(win, "all-tasks");
		gc_act(win, "jump-end");
		gc_act(win, "step-prev");
		lsv_timeline_zoom(tl, 1e4, -1);
		lsv_timeline_fetch_now(tl);
		gc_spin(100);
	}
	TAP_OK(gc_has(banner(), dam) && (gc_has(banner(), "damaged") || gc_has(banner(), "not a lockstep database") ||
				       gc_has(banner(), "malformed")),
	       "damaged pages: the banner names the file and says it is damaged (%s)", opened ? "on a read" : "on open");
	TAP_OK(open_sync(good) && !*banner(), "damaged pages: the window opens another file afterwards");
	if (opened)
		g_action_group_change_action_state(G_ACTION_GROUP(win), "all-tasks", g_variant_new_boolean(FALSE));
}

/* ---- the database changes under the viewer ---- */

static void test_changed_while_open(const char *good, const char *other)
{
	/* deleted, then the user steps */
	g_autofree char *gone = work("deleted.db");
	copy_file(good, gone);
	TAP_OK(open_sync(gone), "opens a copy");
	g_unlink(gone);
	gc_act(win, "step-next");
	TAP_OK(gc_has(banner(), gone) && gc_has(banner(), "was deleted"), "deleted while open: stepping says so, naming the file");
	gc_spin(100);
	TAP_OK(lsv_window_get_trace(win) == NULL, "deleted while open: the trace is closed");
	gc_act(win, "step-next"); /* nothing open: nothing happens, nothing crashes */
	gc_act(win, "jump-end");
	/* reopened while still gone, then after it is back */
	gc_act(win, "reload");
	for (int i = 0; i < 200 && !strstr(banner(), "o such file"); i++)
		gc_spin(10);
	TAP_OK(gc_has(banner(), gone) && gc_has(banner(), "o such file"), "reload of a deleted database: says it is missing");
	copy_file(good, gone);
	gc_act(win, "reload");
	for (int i = 0; i < 500 && !lsv_window_get_trace(win); i++)
		gc_spin(10);
	TAP_OK(lsv_window_get_trace(win) && !*banner(), "reload once it is back: open again, the banner gone");

	/* renamed over by another file, then the user scrolls: the timeline's worker, which opens
	 * the path again, must not read the new file as this trace */
	g_autofree char *rep = work("replaced.db");
	g_autofree char *tmp = work("replaced.db.new");
	copy_file(good, rep);
	TAP_OK(open_sync(rep), "opens another copy");
	g_autofree char *junk = random_bytes(8192, 3);
	g_file_set_contents(tmp, junk, 8192, NULL);
	g_rename(tmp, rep);
	int64_t a, b;
	lsv_timeline_get_view(tl, &a, &b);
	lsv_timeline_set_view(tl, a + (b - a) / 2, a + (b - a) / 2 + 2000);
	lsv_timeline_pan(tl, 40);
	lsv_timeline_fetch_now(tl);
	TAP_OK(gc_has(banner(), rep) && gc_has(banner(), "was replaced by another file"),
	       "replaced while open: scrolling says so, naming the file");
	gc_spin(100);
	TAP_OK(lsv_window_get_trace(win) == NULL && other_windows() == 0, "replaced while open: closed, no dialog");

	/* rewritten in place with another lockstep database, then the user jumps */
	g_autofree char *rew = work("rewritten.db");
	copy_file(good, rew);
	TAP_OK(open_sync(rew), "opens a third copy");
	{
		char *data;
		gsize len;
		g_file_get_contents(other, &data, &len, NULL);
		overwrite_in_place(rew, data, len);
		g_free(data);
	}
	gc_act(win, "jump-end");
	TAP_OK(gc_has(banner(), rew) && gc_has(banner(), "was rewritten"), "rewritten while open: the next jump says so");
	gc_spin(100);
	TAP_OK(lsv_window_get_trace(win) == NULL, "rewritten while open: the trace is closed");

	/* deleted with no action at all: the file monitor notices */
	g_autofree char *quiet = work("deleted-idle.db");
	copy_file(good, quiet);
	TAP_OK(open_sync(quiet), "opens a fourth copy");
	g_unlink(quiet);
	for (int i = 0; i < 300 && !*banner(); i++)
		gc_spin(10);
	TAP_OK(gc_has(banner(), quiet) && gc_has(banner(), "was deleted"), "deleted while open and idle: the banner comes by itself");
	TAP_OK(open_sync(good), "and another file opens");
}

/* ---- tiny and huge traces ---- */

static void test_one_event(void)
{
	g_autofree char *scn = work("one-event.scn");
	g_file_set_contents(scn,
			    "task tid=1 pid=1 comm=solo cpu=0\n"
			    "t=100 tid=1 lock_acquire lock=0xffff888000001000 class=mmap_lock mode=read "
			    "obj=0xffff888000001000 mm=0xffff888000001000 ip=0xffffffff81008010\n",
			    -1, NULL);
	const char *args[] = { scn, NULL };
	g_autofree char *dir = synth_trace("one-event", args);
	TAP_OK(open_sync(dir), "a trace of one event opens");
	lsv_trace *t = lsv_window_get_trace(win);
	if (!t)
		return;
	TAP_EQ_INT(t->event_count, 1, "one event");
	TAP_EQ_INT(t->lanes->len, 2, "one process row and one task lane");
	int64_t a, b;
	lsv_timeline_get_view(tl, &a, &b);
	TAP_OK(a <= 100 && b > 100 && b - a < 1000000, "the view frames the event [%lld, %lld]", (long long)a, (long long)b);
	gc_act(win, "step-next");
	TAP_EQ_INT(lsv_window_get_cursor(win, NULL), 0, "no next event: the cursor stays");
	gc_act(win, "step-prev");
	gc_act(win, "jump-end");
	TAP_EQ_INT(lsv_window_get_cursor(win, NULL), 0, "the end is the one event");
	TAP_OK(gc_has(lsv_window_get_state_text(win), "waits read  solo/1"), "the state panel shows the waiter");
	gc_act(win, "zoom-in");
	gc_act(win, "zoom-in");
	gc_act(win, "zoom-out");
	gc_act(win, "zoom-fit");
	lsv_timeline_get_view(tl, &a, &b);
	TAP_OK(b > a && a <= 100 && b > 100, "zooming keeps the event in a sane view [%lld, %lld]", (long long)a, (long long)b);
	lsv_window_select_lock(win, (int64_t)0xffff888000001000ull);
	lsv_timeline_fetch_now(tl);
	int w = gtk_widget_get_width(GTK_WIDGET(tl)), h = gtk_widget_get_height(GTK_WIDGET(tl));
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	lsv_timeline_render(tl, s, w, h);
	cairo_surface_destroy(s);
	TAP_OK(lsv_window_goto(win, "+0ns") && lsv_window_get_cursor(win, NULL) == 0, "go to +0 ns");
	TAP_OK(!*banner(), "no error for a trace of one event");
	lsv_window_select_lock(win, LSV_NONE);
}

static int stmt_count;
static int count_stmt(unsigned what, void *ctx, void *p, void *x)
{
	(void)what;
	(void)ctx;
	(void)p;
	(void)x;
	stmt_count++;
	return 0;
}

static double render_ms(int w, int h, int n)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	double worst = 0;
	for (int i = 0; i < n; i++) {
		gint64 t0 = g_get_monotonic_time();
		lsv_timeline_render(tl, s, w, h);
		double ms = (double)(g_get_monotonic_time() - t0) / 1e3;
		if (ms > worst)
			worst = ms;
	}
	cairo_surface_destroy(s);
	return worst;
}

static void test_ten_thousand_tasks(void)
{
	const char *args[] = { "--generate", "40000", "--tasks", "10000", "--seed", "5", NULL };
	g_autofree char *dir = synth_trace("tasks-10000", args);
	TAP_OK(open_sync(dir), "a trace of 10 000 tasks opens");
	lsv_trace *t = lsv_window_get_trace(win);
	if (!t)
		return;
	TAP_OK(t->tasks->len >= 10000, "%u tasks", t->tasks->len);
	g_action_group_change_action_state(G_ACTION_GROUP(win), "all-tasks", g_variant_new_boolean(TRUE));
	gc_spin(50);
	TAP_OK(t->lanes->len > t->tasks->len, "every task has a lane (%u rows)", t->lanes->len);
	int w = gtk_widget_get_width(GTK_WIDGET(tl)), h = gtk_widget_get_height(GTK_WIDGET(tl));
	double whole = render_ms(w, h, 5);
	for (int i = 0; i < 200; i++)
		gc_act(win, "lane-down");
	lsv_timeline_scroll_lanes(tl, 300000);
	double scrolled = render_ms(w, h, 5);
	int64_t a, b;
	lsv_timeline_get_view(tl, &a, &b);
	lsv_timeline_set_view(tl, a + (b - a) / 2, a + (b - a) / 2 + 20000);
	lsv_timeline_fetch_now(tl);
	double detail = render_ms(w, h, 5);
	printf("# 10 000 tasks, %dx%d: worst frame %.2f ms (whole trace), %.2f ms (scrolled 300 000 px), %.2f ms (20 µs detail)\n",
	       w, h, whole, scrolled, detail);
	/* generous: a frame is a few ms here, under the sanitizers a few times that */
	TAP_OK(whole < 250 && scrolled < 250 && detail < 250, "frames stay interactive with 10 000 lanes");

	/* moving the cursor reads the live locks: a bounded number of statements, not one per task */
	sqlite3 *db = lsv_trace_borrow_db(t);
	sqlite3_trace_v2(db, SQLITE_TRACE_STMT, count_stmt, NULL);
	stmt_count = 0;
	lsv_window_set_cursor(win, t->event_count / 2);
	int moved = stmt_count;
	sqlite3_trace_v2(db, 0, NULL, NULL);
	printf("# cursor move with 10 000 tasks: %d SQL statements\n", moved);
	TAP_OK(moved < 200, "a cursor move runs %d statements, not one per task", moved);
	TAP_OK(gc_has(lsv_window_get_state_text(win), "Live locks"), "the state panel is filled");
	TAP_OK(!*banner(), "no error for 10 000 tasks");
	g_action_group_change_action_state(G_ACTION_GROUP(win), "all-tasks", g_variant_new_boolean(FALSE));
}

/* ---- a window of 200×100 ---- */

static void test_tiny_window(const char *rnd)
{
	gtk_window_set_default_size(GTK_WINDOW(win), 200, 100);
	for (int i = 0; i < 100 && gtk_widget_get_width(GTK_WIDGET(win)) > 260; i++)
		gc_spin(10);
	gc_spin(200);
	int ww = gtk_widget_get_width(GTK_WIDGET(win)), wh = gtk_widget_get_height(GTK_WIDGET(win));
	int mw = 0, mh = 0;
	gtk_widget_measure(GTK_WIDGET(win), GTK_ORIENTATION_HORIZONTAL, -1, &mw, NULL, NULL, NULL);
	gtk_widget_measure(GTK_WIDGET(win), GTK_ORIENTATION_VERTICAL, mw, &mh, NULL, NULL, NULL);
	printf("# window %dx%d, minimum %dx%d\n", ww, wh, mw, mh);
	/* GTK's header bar keeps its window buttons and centred title: about 330 px is as narrow
	 * as it goes; everything below it scrolls, so the height goes down to 100 */
	TAP_OK(mw <= 350 && mh <= 110, "the window can be made as small as its header bar (minimum %dx%d)", mw, mh);
	TAP_OK(ww <= 350 && wh <= 110, "asked for 200x100, the window is %dx%d", ww, wh);
	GtkWidget *scroller = gtk_widget_get_ancestor(GTK_WIDGET(tl), GTK_TYPE_SCROLLED_WINDOW);
	GtkAdjustment *va = scroller ? gtk_scrolled_window_get_vadjustment(GTK_SCROLLED_WINDOW(scroller)) : NULL;
	TAP_OK(va && gtk_adjustment_get_upper(va) > gtk_adjustment_get_page_size(va) + 100,
	       "the content scrolls into the small window (%.0f px of content in a %.0f px page)",
	       va ? gtk_adjustment_get_upper(va) : 0, va ? gtk_adjustment_get_page_size(va) : 0);
	int tw = gtk_widget_get_width(GTK_WIDGET(tl)), th = gtk_widget_get_height(GTK_WIDGET(tl));
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, MAX(tw, 1), MAX(th, 1));
	lsv_timeline_render(tl, s, MAX(tw, 1), MAX(th, 1));
	lsv_timeline_render(tl, s, 1, 1);
	cairo_surface_destroy(s);
	gc_act(win, "step-next");
	gc_act(win, "zoom-in");
	gc_act(win, "jump-end");
	TAP_OK(lsv_window_get_cursor(win, NULL) == lsv_window_get_trace(win)->event_count - 1,
	       "the tiny window still steps and jumps");
	TAP_OK(!open_sync(rnd) && gc_has(banner(), "not a lockstep database"), "the banner shows in the tiny window too");
	gtk_window_set_default_size(GTK_WINDOW(win), 1200, 800);
	gc_spin(200);
	TAP_OK(gtk_widget_get_width(GTK_WIDGET(tl)) > 600, "and it grows back (timeline %d px wide)",
	       gtk_widget_get_width(GTK_WIDGET(tl)));
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		printf("Bail out! usage: test-badinput WORKDIR LOCKSTEP_SYNTH SAMPLE_TRACE\n");
		return 1;
	}
	workdir = argv[1];
	synth = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	g_mkdir_with_parents(workdir, 0755);
	gtk_init();

	/* a real database, and a second, different one */
	g_autofree char *good = work("good.db");
	g_autofree char *other = work("other.db");
	ls_error err;
	ls_error_clear(&err);
	g_unlink(good);
	if (ls_load(argv[3], good, NULL, NULL, &err) != LS_OK) {
		char buf[2048];
		printf("Bail out! loading %s: %s\n", argv[3], ls_error_format(&err, buf, sizeof(buf)));
		return 1;
	}
	{
		const char *args[] = { "--generate", "200", "--tasks", "3", NULL };
		g_autofree char *dir = synth_trace("other", args);
		g_unlink(other);
		if (ls_load(dir, other, NULL, NULL, &err) != LS_OK) {
			printf("Bail out! loading %s\n", dir);
			return 1;
		}
	}

	win = lsv_window_new(NULL);
	gtk_window_set_default_size(GTK_WINDOW(win), 1200, 800);
	gtk_window_present(GTK_WINDOW(win));
	tl = lsv_window_get_timeline(win);
	TAP_OK(open_sync(good), "opens the sample's database");
	for (int i = 0; i < 300 && gtk_widget_get_width(GTK_WIDGET(tl)) < 600; i++)
		gc_spin(10);
	TAP_OK(!*banner(), "no banner on a good open");

	test_corrupt_files(good);
	test_changed_while_open(good, other);
	test_one_event();
	test_ten_thousand_tasks();
	g_autofree char *rnd = work("random.db");
	TAP_OK(open_sync(good), "the sample again");
	test_tiny_window(rnd);

	gtk_window_destroy(GTK_WINDOW(win));
	gc_spin(50);
	return tap_done();
}
