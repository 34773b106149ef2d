/* test-findings-view.c — how lockstep-view frames a finding (issue 15), in a real GTK window
 * under xvfb-run, on traces lockstep-synth writes from tests/scenarios:
 *   - the state at the cursor stays in view beside the findings while stepping evidence;
 *   - a wait finding's detail names its blockers (task, mode, since when, how long, call site,
 *     trylock, how often it got in first) and a use-after-free finding its instances;
 *   - the lock lane names each hold by its task, has a tooltip on every bar, and keeps
 *     back-to-back holds apart (a boundary tick; one task's run counted "N holds");
 *   - a task lane keeps a task's back-to-back holds apart too, and its tooltip counts the holds
 *     a pixel stands for.
 *
 *   test-findings-view WORKDIR LOCKSTEP_SYNTH SCENARIO_DIR
 */
#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "guicheck.h"
#include "tap.h"
#include "timeline.h"
#include "window.h"

static LsvWindow *win;
static LsvTimeline *tl;
static const char *workdir, *synth, *scenarios;




/* lockstep-synth SCENARIO -o WORKDIR/NAME, then opened (loaded and checked on open). */
static gboolean open_scenario(const char *scn, const char *name)
{
	g_autofree char *dir = g_build_filename(workdir, name, NULL);
	g_autofree char *db = g_strconcat(dir, ".lockstep.db", NULL);
	g_unlink(db);
	const char *argv[] = { synth, scn, "--force", "-o", dir, NULL };
	int status = -1;
	if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status, NULL) ||
	    !g_spawn_check_wait_status(status, NULL)) {
		printf("Bail out! lockstep-synth %s failed\n", scn);
		exit(1);
	}
	ls_error err;
	ls_error_clear(&err);
	gboolean ok = lsv_window_open_sync(win, dir, &err);
	if (!ok) {
		char buf[2048];
		printf("#   %s\n", ls_error_format(&err, buf, sizeof(buf)));
	}
	for (int i = 0; i < 300 && gtk_widget_get_width(GTK_WIDGET(tl)) < 600; i++)
		gc_spin(10);
	gc_spin(50);
	return ok;
}

static char *scenario(const char *file)
{
	return g_build_filename(scenarios, file, NULL);
}

static int finding_of_kind(const char *kind)
{
	for (guint i = 0; i < lsv_window_get_findings_count(win); i++) {
		const lsv_finding *f = lsv_window_get_finding(win, (int)i);
		if (f && f->kind && !strcmp(f->kind, kind))
			return (int)i;
	}
	return -1;
}

static GtkWidget *child(const char *id)
{
	return GTK_WIDGET(gtk_widget_get_template_child(GTK_WIDGET(win), LSV_TYPE_WINDOW, id));
}

/* ---- state beside the findings, blockers ---- */

static void test_state_beside_findings(void)
{
	g_autofree char *scn = scenario("pte-lock-spin-overtaken.scn");
	TAP_OK(open_scenario(scn, "pte-spin"), "opens the pte_lock spin scenario");
	int f = finding_of_kind("writer-starvation");
	TAP_OK(f >= 0, "its wait finding is listed");
	lsv_window_select_finding(win, f);
	gc_spin(100);
	TAP_OK(gtk_widget_get_mapped(child("findings_list")) && gtk_widget_get_mapped(child("evidence_label")),
	       "the findings list and the evidence are shown");
	TAP_OK(gtk_widget_get_mapped(child("state_label")), "and the state at the cursor beside them, not behind a tab");
	/* step back to the blocker's hold: the live locks follow, in view */
	gc_act(win, "evidence-prev");
	gc_spin(50);
	const char *st = lsv_window_get_state_text(win);
	TAP_OK(gc_has(st, "pte_lock 0xffff888000400000") && gc_has(st, "holds write madvise-a/2201"),
	       "stepping the evidence to the blocker: its hold is live in the state panel");
	TAP_OK(gtk_widget_get_mapped(child("state_label")) && gtk_widget_get_mapped(child("findings_list")),
	       "both still shown while stepping");

	const char *ev = lsv_window_get_evidence_text(win);
	TAP_OK(gc_has(ev, "Blocked by") && gc_has(ev, "madvise-a/2201 write from +100 ns, held 999.900 µs"),
	       "the blocker: task, mode, since when, how long");
	TAP_OK(gc_has(ev, "at 0xffffffff81020010"), "the blocker's call site");
	TAP_OK(gc_has(ev, "got in first 10 time(s) after the waiter asked: 11 hold(s) during the wait, 8.499 ms of it, 1 by trylock"),
	       "how often it got in first (a spinlock's bypasses), its holds during the wait, its trylocks");
	TAP_OK(!strstr(ev, "fault-b/2202 write from"), "the waiter is not listed as its own blocker");
}

static void test_blockers_trylock(void)
{
	g_autofree char *scn = scenario("vma-writer-starved-buggy.scn");
	TAP_OK(open_scenario(scn, "vma-starved"), "opens the starved per-VMA writer scenario");
	int f = finding_of_kind("writer-starvation");
	lsv_window_select_finding(win, f);
	gc_spin(50);
	const char *ev = lsv_window_get_evidence_text(win);
	TAP_OK(gc_has(ev, "Blocked by") && gc_has(ev, "fault-a/601 read from") && gc_has(ev, "fault-b/602 read from") &&
	       gc_has(ev, "fault-c/603 read from"), "three readers named as blockers");
	TAP_OK(gc_has(ev, "held 2.500 ms (trylock)"), "a blocker's hold taken by trylock is marked");
	TAP_OK(gc_has(ev, "admitted past the waiting writer 5 time(s)"), "readers admitted past the writer: the bypasses");
}

static void test_instances(void)
{
	g_autofree char *scn = scenario("exit-mmap-two-victims-reused-mm.scn");
	TAP_OK(open_scenario(scn, "two-victims"), "opens the reused-mm race scenario");
	int f = finding_of_kind("uaf-window");
	TAP_OK(f >= 0, "the race is one finding");
	lsv_window_select_finding(win, f);
	gc_spin(50);
	const char *ev = lsv_window_get_evidence_text(win);
	TAP_OK(gc_has(ev, "2 instances"), "its two instances are shown");
	TAP_OK(gc_has(ev, "1. +1.350 µs … +1.950 µs: victim-1/1001, oom_reaper/1101") &&
	       gc_has(ev, "2. +4.350 µs … +4.950 µs: victim-2/1002, oom_reaper/1101"),
	       "each with its window and its own tasks");
	TAP_OK(gc_has(ev, "0xffff888000001000 allocated +0 ns") && gc_has(ev, "allocated +3.000 µs"),
	       "each with the lifetime of its mm (same address, allocated at different times)");
}

/* ---- the lock lane and back-to-back holds ---- */

#define LOCK "0xffff888000001000"
#define LOCK_ACQ(t, tid) "t=" #t " tid=" #tid " lock_acquire lock=" LOCK " class=mmap_lock mode=write obj=" LOCK " mm=" LOCK " ip=0xffffffff81008010\n"
#define LOCK_GOT(t, tid) "t=" #t " tid=" #tid " lock_acquired lock=" LOCK " class=mmap_lock mode=write success=1 ip=0xffffffff81008010\n"
#define LOCK_REL(t, tid) "t=" #t " tid=" #tid " lock_release lock=" LOCK " class=mmap_lock mode=write ip=0xffffffff81008040\n"
#define HOLD(a, b, tid) LOCK_ACQ(a, tid) LOCK_GOT(a, tid) LOCK_REL(b, tid)

static int rgb_at(cairo_surface_t *s, int x, int y, int rgb[3])
{
	const uint32_t *p = (const uint32_t *)(cairo_image_surface_get_data(s) + y * cairo_image_surface_get_stride(s)) + x;
	rgb[0] = (*p >> 16) & 255;
	rgb[1] = (*p >> 8) & 255;
	rgb[2] = *p & 255;
	return 0;
}

static gboolean is_class(const int rgb[3], int cls)
{
	double c[3];
	lsv_timeline_class_rgb(cls, c);
	for (int i = 0; i < 3; i++)
		if (abs(rgb[i] - (int)lround(c[i] * 255)) > 3)
			return FALSE;
	return TRUE;
}

/* Columns in [x0, x1] of row y that are not the class colour: a boundary. */
static int breaks(cairo_surface_t *s, int x0, int x1, int y)
{
	int n = 0, rgb[3];
	for (int x = x0; x <= x1; x++) {
		rgb_at(s, x, y, rgb);
		n += !is_class(rgb, 0);
	}
	return n;
}

static void test_back_to_back(void)
{
	/* a-task holds the lock [1000, 2000], b-task 5 ns after it [2005, 3000], a-task 5 ns after
	 * that [3005, 5000] and again 1 ns later [5001, 5500]; then a-task five times back to back
	 * within 10 ns [6000, 6010]: at ~6 ns per pixel every gap is under a pixel */
	g_autofree char *scn = g_build_filename(workdir, "back-to-back.scn", NULL);
	g_file_set_contents(scn,
			    "task tid=11 pid=10 comm=a-task cpu=0\n"
			    "task tid=12 pid=10 comm=b-task cpu=1\n"
			    HOLD(1000, 2000, 11) HOLD(2005, 3000, 12) HOLD(3005, 5000, 11) HOLD(5001, 5500, 11)
			    HOLD(6000, 6001, 11) HOLD(6002, 6003, 11) HOLD(6004, 6005, 11) HOLD(6006, 6007, 11)
			    HOLD(6008, 6009, 11)
			    "t=7000 tid=12 phase name=oom_reap begin=1 mm=" LOCK " ip=0xffffffff81008000\n",
			    -1, NULL);
	TAP_OK(open_scenario(scn, "back-to-back"), "opens a trace of back-to-back holds");
	lsv_window_select_lock(win, (int64_t)0xffff888000001000ull);
	lsv_timeline_set_view(tl, 0, 7200);
	lsv_timeline_fetch_now(tl);
	int w = gtk_widget_get_width(GTK_WIDGET(tl)), h = gtk_widget_get_height(GTK_WIDGET(tl));
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	lsv_timeline_render(tl, s, w, h);
	g_autofree char *png = g_build_filename(workdir, "back-to-back.png", NULL);
	cairo_surface_write_to_png(s, png);
	double ns_px = 7200.0 / (w - LSV_TL_HEADER_W);
	printf("# %.2f ns per pixel\n", ns_px);
	int band_y = LSV_TL_RULER_H + LSV_TL_MARK_H + 8;
	int x2005 = (int)floor(lsv_timeline_time_to_x(tl, 2005)), x3005 = (int)floor(lsv_timeline_time_to_x(tl, 3005));
	int x1500 = (int)lsv_timeline_time_to_x(tl, 1500), x2500 = (int)lsv_timeline_time_to_x(tl, 2500);
	int rgb[3];
	rgb_at(s, x1500, band_y, rgb);
	TAP_OK(is_class(rgb, 0), "lock lane: a-task's write hold drawn solid");
	TAP_OK(breaks(s, x2005 - 2, x2005 + 2, band_y) >= 1, "lock lane: a boundary where b-task takes over 5 ns later");
	TAP_OK(breaks(s, x3005 - 2, x3005 + 2, band_y) >= 1, "lock lane: and where a-task takes it back");
	TAP_OK(breaks(s, x1500 - 40, x1500 + 40, band_y) == 0 || breaks(s, x1500 - 40, x1500 + 40, band_y) < 30,
	       "lock lane: inside one hold, no boundary");
	g_autofree char *tip_b = lsv_timeline_tooltip_at(tl, x2500, band_y);
	TAP_OK(gc_has(tip_b, "b-task/12"), "lock lane: the tooltip names b-task's hold");
	int x6005 = (int)lsv_timeline_time_to_x(tl, 6005);
	g_autofree char *tip_run = lsv_timeline_tooltip_at(tl, x6005, band_y);
	TAP_OK(gc_has(tip_run, "5 holds by a-task/11 here"), "lock lane: a run of one task's holds within a pixel is counted");
	/* the narrowest bar has a tooltip too: 1 ns, well under a pixel */
	g_autofree char *tip_narrow = lsv_timeline_tooltip_at(tl, (int)lsv_timeline_time_to_x(tl, 6000), band_y);
	TAP_OK(tip_narrow != NULL, "lock lane: a sub-pixel hold still has a tooltip");

	/* the same in a-task's own lane: [3005, 5000] and [5001, 5500] stay two */
	int ly = lsv_timeline_lane_y(tl, 11);
	int ry = lsv_timeline_row_y(ly, 0);
	int x5001 = (int)floor(lsv_timeline_time_to_x(tl, 5001));
	rgb_at(s, (int)lsv_timeline_time_to_x(tl, 4000), ry, rgb);
	TAP_OK(is_class(rgb, 0), "task lane: the hold drawn solid");
	TAP_OK(breaks(s, x5001 - 2, x5001 + 2, ry) >= 1, "task lane: a boundary between a-task's holds 1 ns apart");
	/* five 1 ns holds within two pixels: drawn from the summaries, counted in the tooltip */
	g_autofree char *tip_lane = lsv_timeline_tooltip_at(tl, x6005, ry);
	TAP_OK(gc_has(tip_lane, "5 holds of mmap_lock by a-task/11 in this pixel"),
	       "task lane: the tooltip counts the back-to-back holds a pixel stands for");
	cairo_surface_destroy(s);

	/* zoomed in until each is several pixels wide: each named by its task */
	lsv_timeline_set_view(tl, 1500, 3500);
	lsv_timeline_fetch_now(tl);
	s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	lsv_timeline_render(tl, s, w, h);
	int white = 0;
	int xa = (int)lsv_timeline_time_to_x(tl, 2005);
	for (int x = xa + 2; x < xa + 60; x++)
		for (int y = LSV_TL_RULER_H + LSV_TL_MARK_H; y < LSV_TL_RULER_H + LSV_TL_MARK_H + 14; y++) {
			rgb_at(s, x, y, rgb);
			white += rgb[0] > 230 && rgb[1] > 230 && rgb[2] > 230;
		}
	TAP_OK(white > 20, "lock lane: b-task's bar carries its name (%d light text pixels)", white);
	cairo_surface_destroy(s);
	lsv_window_select_lock(win, LSV_NONE);
}

/* ---- --finding KIND[/RULE] and --view after open ---- */

static void test_finding_spec_after_open(void)
{
	g_autofree char *scn = scenario("vma-freed-while-read-locked-buggy.scn");
	lsv_window_select_finding_after_open(win, "uaf-window");
	lsv_window_show_range_after_open(win, "+1us:+3us");
	TAP_OK(open_scenario(scn, "freed-read-locked"), "opens the VMA freed while read-locked scenario");
	int uaf = finding_of_kind("uaf-window"), protocol = finding_of_kind("protocol");
	TAP_OK(uaf >= 0 && protocol >= 0, "it has a uaf-window and a protocol finding");
	const char *ev = lsv_window_get_evidence_text(win);
	TAP_OK(gc_has(ev, "uaf-window") && !gc_has(ev, "protocol"), "--finding uaf-window selects the uaf-window finding");
	int64_t t0 = 0, t1 = 0;
	lsv_timeline_get_view(tl, &t0, &t1);
	const lsv_trace *tr = lsv_window_get_trace(win);
	TAP_OK(t0 - tr->t_begin == 1000 && t1 - tr->t_begin == 3000,
	       "an explicit --view frames it (view %+" G_GINT64_FORMAT "..%+" G_GINT64_FORMAT " ns)",
	       (gint64)(t0 - tr->t_begin), (gint64)(t1 - tr->t_begin));

	const lsv_finding *p = lsv_window_get_finding(win, protocol);
	g_autofree char *kind_rule = g_strdup_printf("protocol/%s", p && p->rule ? p->rule : "");
	lsv_window_select_finding_after_open(win, kind_rule);
	TAP_OK(open_scenario(scn, "freed-read-locked"), "opens it again with --finding %s", kind_rule);
	ev = lsv_window_get_evidence_text(win);
	TAP_OK(gc_has(ev, "protocol") && !gc_has(ev, "uaf-window"), "--finding KIND/RULE selects that finding");

	lsv_window_select_finding_after_open(win, "no-such-kind");
	TAP_OK(open_scenario(scn, "freed-read-locked"), "opens it again with a spec that matches nothing");
	ev = lsv_window_get_evidence_text(win);
	TAP_OK(!gc_has(ev, "uaf-window") && !gc_has(ev, "protocol"), "and selects no finding");
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		printf("Bail out! usage: test-findings-view WORKDIR LOCKSTEP_SYNTH SCENARIO_DIR\n");
		return 1;
	}
	workdir = argv[1];
	synth = argv[2];
	scenarios = argv[3];
	setvbuf(stdout, NULL, _IOLBF, 0);
	g_mkdir_with_parents(workdir, 0755);
	gtk_init();
	win = lsv_window_new(NULL);
	gtk_window_set_default_size(GTK_WINDOW(win), 1400, 850);
	gtk_window_present(GTK_WINDOW(win));
	tl = lsv_window_get_timeline(win);

	test_state_beside_findings();
	test_blockers_trylock();
	test_instances();
	test_back_to_back();
	test_finding_spec_after_open();

	gtk_window_destroy(GTK_WINDOW(win));
	gc_spin(50);
	return tap_done();
}
