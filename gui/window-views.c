/* window-views.c — the views of LsvWindow beyond the task lanes (window-views.h): the CPU lanes
 * toggle and the comparison with a second trace. The second trace gets its own LsvTimeline in a
 * vertical pane under the first (created on first use: the first timeline moves into it), the
 * two linked on one relative time axis (timeline-link.c). Only the first trace has a cursor,
 * findings and a state panel; the second is there to be seen beside it. */
#include "window-private.h"
#include "window-views.h"

#include "symbols.h"

static void set_cpu_lanes(LsvWindow *self, gboolean show)
{
	lsv_timeline_set_cpu_lanes(self->timeline, show);
	if (self->compare_timeline)
		lsv_timeline_set_cpu_lanes(self->compare_timeline, show);
}

void lsv_window_set_cpu_lanes(LsvWindow *self, gboolean show)
{
	g_action_group_change_action_state(G_ACTION_GROUP(self), "cpu-lanes", g_variant_new_boolean(show));
}

static void act_cpu_lanes(GSimpleAction *a, GVariant *p, gpointer data)
{
	g_simple_action_set_state(a, p);
	set_cpu_lanes(data, g_variant_get_boolean(p));
}

/* ---- the second trace ---- */

LsvTimeline *lsv_window_get_compare_timeline(LsvWindow *self)
{
	return self->compare_trace ? self->compare_timeline : NULL;
}

static void on_compare_lane_selected(LsvTimeline *tl, gint64 tid, gpointer data)
{
	(void)data;
	lsv_timeline_set_selected_tid(tl, tid);
}

/* The pane under the first timeline, made on first use. */
static void ensure_pane(LsvWindow *self)
{
	if (self->compare_paned)
		return;
	GtkWidget *first = GTK_WIDGET(self->timeline);
	self->compare_paned = gtk_paned_new(GTK_ORIENTATION_VERTICAL);
	gtk_widget_set_vexpand(self->compare_paned, TRUE);
	g_object_ref(first);
	gtk_paned_set_start_child(GTK_PANED(self->paned), NULL);
	gtk_paned_set_start_child(GTK_PANED(self->compare_paned), first);
	g_object_unref(first);
	self->compare_timeline = LSV_TIMELINE(lsv_timeline_new());
	gtk_paned_set_end_child(GTK_PANED(self->compare_paned), GTK_WIDGET(self->compare_timeline));
	gtk_paned_set_resize_start_child(GTK_PANED(self->compare_paned), TRUE);
	gtk_paned_set_resize_end_child(GTK_PANED(self->compare_paned), TRUE);
	gtk_paned_set_start_child(GTK_PANED(self->paned), self->compare_paned);
	g_signal_connect(self->compare_timeline, "lane-selected", G_CALLBACK(on_compare_lane_selected), self);
}

/* Close Comparison only while there is one. */
static void set_close_enabled(LsvWindow *self, gboolean on)
{
	GAction *a = g_action_map_lookup_action(G_ACTION_MAP(self), "compare-close");
	if (a)
		g_simple_action_set_enabled(G_SIMPLE_ACTION(a), on);
}

void lsv_window_compare_close(LsvWindow *self)
{
	if (self->compare_timeline) {
		lsv_timeline_link(self->compare_timeline, NULL);
		lsv_timeline_set_trace(self->compare_timeline, NULL);
		lsv_timeline_set_symbols(self->compare_timeline, NULL);
		gtk_widget_set_visible(GTK_WIDGET(self->compare_timeline), FALSE);
	}
	g_clear_pointer(&self->compare_trace, lsv_trace_free);
	g_clear_pointer(&self->compare_symbols, ls_symbols_free);
	set_close_enabled(self, FALSE);
	if (self->timeline)
		gtk_widget_queue_draw(GTK_WIDGET(self->timeline));
}

typedef struct {
	char *path;
	lsv_trace *trace;
	ls_symbols *symbols;
	ls_error err;
	ls_status st;
} compare_job;

static void compare_job_free(gpointer p)
{
	compare_job *j = p;
	g_free(j->path);
	lsv_trace_free(j->trace);
	ls_symbols_free(j->symbols);
	g_free(j);
}

static void compare_work(compare_job *j)
{
	ls_error_clear(&j->err);
	j->st = lsv_trace_open(j->path, NULL, NULL, &j->trace, &j->err);
	if (j->st == LS_OK && j->trace->source && *j->trace->source) {
		ls_error serr;
		if (ls_symbols_open_dir(j->trace->source, &j->symbols, &serr) != LS_OK)
			j->symbols = NULL;
	}
}

static void compare_install(LsvWindow *self, compare_job *j)
{
	lsv_window_compare_close(self);
	ensure_pane(self);
	self->compare_trace = j->trace;
	j->trace = NULL;
	self->compare_symbols = j->symbols;
	j->symbols = NULL;
	LsvTimeline *second = self->compare_timeline;
	gtk_widget_set_visible(GTK_WIDGET(second), TRUE);
	lsv_timeline_set_symbols(second, self->compare_symbols);
	lsv_timeline_set_trace(second, self->compare_trace);
	lsv_timeline_set_cpu_lanes(second, lsv_timeline_get_cpu_lanes(self->timeline));
	int h = gtk_widget_get_height(self->compare_paned);
	if (h > 200)
		gtk_paned_set_position(GTK_PANED(self->compare_paned), h / 2);
	/* the second follows the first's view, at the same time from its own start */
	lsv_timeline_link(self->timeline, second);
	set_close_enabled(self, TRUE);
}

static void compare_failed(LsvWindow *self, compare_job *j)
{
	char buf[2048];
	ls_error_format(&j->err, buf, sizeof(buf));
	GtkWidget *d = gtk_message_dialog_new(GTK_WINDOW(self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
					      GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE, "Cannot open the trace to compare with");
	gtk_message_dialog_format_secondary_text(GTK_MESSAGE_DIALOG(d), "%s", buf);
	g_signal_connect(d, "response", G_CALLBACK(gtk_window_destroy), NULL);
	gtk_window_present(GTK_WINDOW(d));
}

gboolean lsv_window_compare_sync(LsvWindow *self, const char *path, ls_error *err)
{
	compare_job *j = g_new0(compare_job, 1);
	j->path = g_strdup(path);
	compare_work(j);
	gboolean ok = j->st == LS_OK;
	if (ok)
		compare_install(self, j);
	else if (err)
		*err = j->err;
	compare_job_free(j);
	return ok;
}

static void compare_thread(GTask *task, gpointer src, gpointer data, GCancellable *c)
{
	(void)src;
	(void)c;
	compare_work(data);
	g_task_return_boolean(task, TRUE);
}

/* While the second trace loads (a trace directory can take seconds), the window's progress
 * strip says so, unless an Open is using it. */
static void show_progress(LsvWindow *self, gboolean on)
{
	if (self->opening)
		return;
	if (on) {
		gtk_label_set_text(GTK_LABEL(self->progress_label), "Opening the trace to compare with…");
		gtk_progress_bar_pulse(GTK_PROGRESS_BAR(self->progress_bar));
	}
	gtk_widget_set_visible(self->progress_revealer, on);
	gtk_revealer_set_reveal_child(GTK_REVEALER(self->progress_revealer), on);
}

static void compare_done(GObject *src, GAsyncResult *res, gpointer data)
{
	(void)data;
	LsvWindow *self = LSV_WINDOW(src);
	compare_job *j = g_task_get_task_data(G_TASK(res));
	show_progress(self, FALSE);
	if (j->st == LS_OK)
		compare_install(self, j);
	else
		compare_failed(self, j);
}

void lsv_window_compare(LsvWindow *self, const char *path)
{
	compare_job *j = g_new0(compare_job, 1);
	/* a trace's metadata file stands for its directory, as in Open */
	g_autofree char *base = g_path_get_basename(path);
	j->path = !g_strcmp0(base, "metadata") ? g_path_get_dirname(path) : g_strdup(path);
	GTask *task = g_task_new(self, NULL, compare_done, NULL);
	g_task_set_task_data(task, j, compare_job_free);
	show_progress(self, TRUE);
	g_task_run_in_thread(task, compare_thread);
	g_object_unref(task);
}

static void act_compare(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)a;
	(void)p;
	lsv_win_choose_input(data, "Compare with a lockstep database or trace", "_Compare", lsv_window_compare);
}

static void act_compare_close(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)a;
	(void)p;
	lsv_window_compare_close(data);
}

static const GActionEntry view_actions[] = {
	{ "cpu-lanes", NULL, NULL, "false", act_cpu_lanes, { 0 } },
	{ "compare", act_compare, NULL, NULL, NULL, { 0 } },
	{ "compare-close", act_compare_close, NULL, NULL, NULL, { 0 } },
};

void lsv_win_views_init(LsvWindow *self)
{
	g_action_map_add_action_entries(G_ACTION_MAP(self), view_actions, G_N_ELEMENTS(view_actions), self);
	set_close_enabled(self, FALSE);
	/* C toggles the CPU lanes wherever the focus is but in a text entry (which takes the key) */
	GtkEventController *keys = gtk_shortcut_controller_new();
	gtk_event_controller_set_propagation_phase(keys, GTK_PHASE_BUBBLE);
	gtk_shortcut_controller_add_shortcut(GTK_SHORTCUT_CONTROLLER(keys),
					     gtk_shortcut_new(gtk_keyval_trigger_new(GDK_KEY_c, 0),
							      gtk_named_action_new("win.cpu-lanes")));
	gtk_widget_add_controller(GTK_WIDGET(self), keys);
}

void lsv_win_views_dispose(LsvWindow *self)
{
	lsv_window_compare_close(self);
	/* the pane and its timeline go with the widget tree (dispose may run more than once) */
	if (self->compare_timeline)
		g_signal_handlers_disconnect_by_data(self->compare_timeline, self);
	self->compare_timeline = NULL;
	self->compare_paned = NULL;
}
