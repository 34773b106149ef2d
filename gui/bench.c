/* bench.c — lockstep-view-bench: open time and frame time of the viewer on a database.
 *
 *   lockstep-view-bench DB [--width W] [--height H] [--frames N] [--cpu-lanes]
 *
 * Measures (1) the first open (which builds the level-of-detail summaries when the database
 * has none), (2) a warm open, and (3) for zoom levels from the whole trace down to ~1 µs, at
 * several positions, the time to render one frame of the timeline (median and worst of N), and
 * for zoomed-in views the detail fetch the worker thread does before such frames (with
 * --cpu-lanes, the CPU lanes are drawn in every frame and fetched with the detail). Needs a
 * display (run under xvfb-run). Prints one line per measurement. */
#include <gtk/gtk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lod.h"
#include "timeline.h"
#include "trace.h"

static double now_ms(void)
{
	return (double)g_get_monotonic_time() / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *db = NULL;
	int width = 1600, height = 900, frames = 15;
	gboolean cpu_lanes = FALSE;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--width") && i + 1 < argc)
			width = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--height") && i + 1 < argc)
			height = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--frames") && i + 1 < argc)
			frames = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--cpu-lanes"))
			cpu_lanes = TRUE;
		else
			db = argv[i];
	}
	if (!db) {
		g_printerr("usage: lockstep-view-bench DB [--width W] [--height H] [--frames N] [--cpu-lanes]\n");
		return 2;
	}
	gtk_init();
	ls_error err;
	ls_error_clear(&err);
	lsv_trace *trace = NULL;
	double t = now_ms();
	if (lsv_trace_open(db, NULL, NULL, &trace, &err) != LS_OK) {
		char buf[2048];
		g_printerr("lockstep-view-bench: %s\n", ls_error_format(&err, buf, sizeof(buf)));
		return 1;
	}
	double first = now_ms() - t;
	printf("events %" G_GINT64_FORMAT ", tasks %u, lanes %u, duration %" G_GINT64_FORMAT " ns\n",
	       (gint64)trace->event_count, trace->tasks->len, trace->lanes->len,
	       (gint64)(trace->t_end - trace->t_begin));
	printf("first open: %.1f ms (of which building the overview %.1f ms)\n", first,
	       trace->lod->build_seconds * 1e3);
	lsv_trace_free(trace);
	t = now_ms();
	if (lsv_trace_open(db, NULL, NULL, &trace, &err) != LS_OK)
		return 1;
	printf("open: %.1f ms\n", now_ms() - t);
	size_t runs = 0, longs = 0;
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, trace->lod->lanes);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		runs += ((lsv_lod_lane *)v)->levels[0]->len;
		longs += ((lsv_lod_lane *)v)->n_longs;
	}
	printf("overview: bucket %" G_GINT64_FORMAT " ns, %zu level-0 runs, %zu long spans\n",
	       (gint64)trace->lod->width, runs, longs);

	/* cursor operations: state panel queries and stepping, from the middle of the trace */
	{
		int64_t mid_t = trace->t_begin + (trace->t_end - trace->t_begin) / 2;
		t = now_ms();
		int64_t mid = lsv_trace_event_at(trace, mid_t);
		double at_ms = now_ms() - t;
		t = now_ms();
		GPtrArray *locks = lsv_trace_lock_state(trace, mid, mid_t);
		double state_ms = now_ms() - t;
		printf("cursor: time → event %.2f ms; live locks at the cursor (%u) %.2f ms\n", at_ms, locks->len,
		       state_ms);
		int64_t hot = locks->len ? ((lsv_lock_state *)g_ptr_array_index(locks, 0))->lock : 0;
		g_ptr_array_unref(locks);
		double worst = 0, sum = 0;
		int n = 0;
		for (guint i = 0; i < trace->tasks->len; i++) {
			const lsv_task *k = g_ptr_array_index(trace->tasks, i);
			for (int dir = -1; dir <= 1; dir += 2) {
				t = now_ms();
				lsv_trace_step_task(trace, mid, k->tid, dir);
				double d = now_ms() - t;
				sum += d;
				n++;
				if (d > worst)
					worst = d;
			}
			t = now_ms();
			GArray *stack = lsv_trace_task_stack(trace, k->tid, mid, mid_t);
			double d = now_ms() - t;
			g_array_unref(stack);
			if (d > worst)
				worst = d;
		}
		printf("step to the task's next/previous event and its lock stack, %u tasks: mean %.2f ms, worst %.2f ms\n",
		       trace->tasks->len, n ? sum / n : 0, worst);
		if (hot) {
			t = now_ms();
			int64_t nx = lsv_trace_step_lock(trace, mid, hot, 1);
			double d1 = now_ms() - t;
			t = now_ms();
			lsv_trace_step_lock(trace, mid, hot, -1);
			double d2 = now_ms() - t;
			printf("step through a live lock: next %.2f ms (→ #%lld), previous %.2f ms\n", d1, (long long)nx, d2);
		}
	}

	GtkWidget *win = gtk_window_new();
	GtkWidget *tl = lsv_timeline_new();
	gtk_window_set_child(GTK_WINDOW(win), tl);
	gtk_window_set_default_size(GTK_WINDOW(win), width, height);
	gtk_window_present(GTK_WINDOW(win));
	for (int i = 0; i < 200 && gtk_widget_get_width(tl) < width / 2; i++)
		g_main_context_iteration(NULL, FALSE), g_usleep(5000);
	int w = gtk_widget_get_width(tl), h = gtk_widget_get_height(tl);
	printf("timeline %dx%d\n", w, h);
	LsvTimeline *timeline = LSV_TIMELINE(tl);
	lsv_timeline_set_trace(timeline, trace);
	lsv_timeline_set_cpu_lanes(timeline, cpu_lanes);
	if (cpu_lanes)
		printf("CPU lanes: %u CPUs\n", lsv_timeline_cpu_count(timeline));
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	/* the very first frames after opening pay one-time costs (fonts, glyph caches, the first
	 * touch of the overview's pages): measured apart */
	double first_frame = 0;
	lsv_timeline_zoom_fit(timeline);
	for (int f = 0; f < 3; f++) {
		t = now_ms();
		lsv_timeline_render(timeline, s, w, h);
		if (f == 0)
			first_frame = now_ms() - t;
	}
	printf("first frame after open: %.2f ms\n", first_frame);
	double *ms = g_new(double, frames);
	double worst_all = 0;
	int64_t span = trace->t_end - trace->t_begin + 1;
	for (double range = (double)span; range >= 1000; range /= 10) {
		for (int pos = 0; pos < 3; pos++) {
			double frac = pos == 0 ? 0.1 : pos == 1 ? 0.5 : 0.87;
			int64_t a = trace->t_begin + (int64_t)((span - range) * frac);
			lsv_timeline_set_view(timeline, a, a + (int64_t)range);
			double fetch = 0;
			cairo_surface_t *warm = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
			lsv_timeline_render(timeline, warm, w, h);
			cairo_surface_destroy(warm);
			if (lsv_timeline_is_busy(timeline)) {
				t = now_ms();
				lsv_timeline_fetch_now(timeline);
				fetch = now_ms() - t;
			}
			for (int f = 0; f < frames; f++) {
				t = now_ms();
				lsv_timeline_render(timeline, s, w, h);
				ms[f] = now_ms() - t;
			}
			qsort(ms, frames, sizeof(double), cmp_double);
			if (ms[frames - 1] > worst_all)
				worst_all = ms[frames - 1];
			g_autofree char *r = lsv_format_duration((int64_t)range);
			printf("view %-12s at %3.0f%%: %-7s frame median %6.2f ms, max %6.2f ms%s",
			       r, frac * 100, lsv_timeline_last_render_was_detail(timeline) ? "detail" : "summary",
			       ms[frames / 2], ms[frames - 1], fetch > 0 ? "" : "\n");
			if (fetch > 0)
				printf(", detail fetch (worker) %.1f ms\n", fetch);
		}
	}
	printf("worst frame: %.2f ms\n", worst_all);
	g_free(ms);
	cairo_surface_destroy(s);
	lsv_timeline_set_trace(timeline, NULL);
	gtk_window_destroy(GTK_WINDOW(win));
	lsv_trace_free(trace);
	return 0;
}
