/* window-actions.c — stepping, playback and the window's actions (keyboard shortcuts and the
 * transport bar call these). */
#include "window-private.h"

#include <math.h>
#include <string.h>

#include "check.h"
#include "contract.h"
#include "finding-list.h"
#include "lod.h"
#include "symbols.h"

static const double play_speeds[] = { 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9 };

/* ---- stepping and playback ---- */

void lsv_win_step(LsvWindow *self, int scope, int dir)
{
	if (!lsv_win_trace_ok(self))
		return;
	int64_t id = -1;
	if (scope == 0)
		id = self->cursor_event < 0 && dir > 0 ? 0 : lsv_trace_step(self->trace, self->cursor_event, dir);
	else if (scope == 1 && self->selected_tid != LSV_NONE)
		id = lsv_trace_step_task(self->trace, self->cursor_event, self->selected_tid, dir);
	else if (scope == 2 && self->selected_lock != LSV_NONE)
		id = lsv_trace_step_lock(self->trace, self->cursor_event, self->selected_lock, dir);
	if (id >= 0)
		lsv_win_move_cursor(self, id, TRUE, TRUE);
	else if (lsv_win_trace_ok(self))
		gtk_widget_error_bell(GTK_WIDGET(self));
}

void lsv_window_set_step_scope(LsvWindow *self, guint scope)
{
	gtk_drop_down_set_selected(GTK_DROP_DOWN(self->scope_dropdown), scope);
}

static void stop_playing(LsvWindow *self)
{
	if (self->play_source) {
		g_source_remove(self->play_source);
		self->play_source = 0;
	}
	gtk_button_set_icon_name(GTK_BUTTON(self->play_button), "media-playback-start-symbolic");
	lsv_win_update_state(self);
}

static gboolean play_tick(gpointer data)
{
	LsvWindow *self = data;
	gint64 now = g_get_monotonic_time();
	double speed = play_speeds[MIN(gtk_drop_down_get_selected(GTK_DROP_DOWN(self->speed_dropdown)),
				       G_N_ELEMENTS(play_speeds) - 1)];
	self->play_t += speed * (double)(now - self->play_last_us) / 1e6;
	self->play_last_us = now;
	if (self->play_t >= (double)self->trace->t_end) {
		lsv_win_move_cursor(self, self->trace->event_count - 1, TRUE, TRUE);
		self->play_source = 0;
		stop_playing(self);
		return G_SOURCE_REMOVE;
	}
	int64_t id = lsv_trace_event_at(self->trace, (int64_t)self->play_t);
	gboolean refresh = now - self->state_refreshed_us > 100000;
	if (id != self->cursor_event)
		lsv_win_move_cursor(self, id, FALSE, refresh);
	/* the cursor line moves with trace time, between events too */
	lsv_timeline_set_cursor(self->timeline, self->cursor_event, (int64_t)self->play_t, TRUE);
	return G_SOURCE_CONTINUE;
}

/* ---- actions ---- */

static void act_play(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)a;
	(void)p;
	LsvWindow *self = data;
	if (!self->trace)
		return;
	if (self->play_source) {
		stop_playing(self);
		return;
	}
	if (self->cursor_event >= self->trace->event_count - 1)
		lsv_win_move_cursor(self, 0, TRUE, FALSE);
	self->play_t = (double)self->cursor_t;
	self->play_last_us = g_get_monotonic_time();
	self->play_source = g_timeout_add(16, play_tick, self);
	gtk_button_set_icon_name(GTK_BUTTON(self->play_button), "media-playback-pause-symbolic");
}

#define STEP_ACTION(name, scope, dir)                                        \
	static void name(GSimpleAction *a, GVariant *p, gpointer data)       \
	{                                                                    \
		(void)a;                                                     \
		(void)p;                                                     \
		lsv_win_step(data, scope, dir);                                      \
	}
STEP_ACTION(act_step_next, 0, 1)
STEP_ACTION(act_step_prev, 0, -1)
STEP_ACTION(act_step_task_next, 1, 1)
STEP_ACTION(act_step_task_prev, 1, -1)
STEP_ACTION(act_step_lock_next, 2, 1)
STEP_ACTION(act_step_lock_prev, 2, -1)

static void act_step_scope(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)p;
	LsvWindow *self = data;
	int dir = strcmp(g_action_get_name(G_ACTION(a)), "step-scope-next") == 0 ? 1 : -1;
	lsv_win_step(self, (int)gtk_drop_down_get_selected(GTK_DROP_DOWN(self->scope_dropdown)), dir);
}

static void act_jump(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)p;
	LsvWindow *self = data;
	if (!self->trace || !self->trace->event_count)
		return;
	gboolean end = !strcmp(g_action_get_name(G_ACTION(a)), "jump-end");
	lsv_win_move_cursor(self, end ? self->trace->event_count - 1 : 0, TRUE, TRUE);
}

static void act_zoom(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)p;
	LsvWindow *self = data;
	const char *n = g_action_get_name(G_ACTION(a));
	if (!strcmp(n, "zoom-fit")) {
		lsv_timeline_zoom_fit(self->timeline);
		return;
	}
	double cx = lsv_timeline_time_to_x(self->timeline, self->cursor_t);
	int w = gtk_widget_get_width(GTK_WIDGET(self->timeline));
	if (self->cursor_event < 0 || cx < LSV_TL_HEADER_W || cx > w)
		cx = -1;
	lsv_timeline_zoom(self->timeline, !strcmp(n, "zoom-in") ? 2.0 : 0.5, cx);
}

static void act_pan(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)p;
	LsvWindow *self = data;
	int w = gtk_widget_get_width(GTK_WIDGET(self->timeline)) - LSV_TL_HEADER_W;
	lsv_timeline_pan(self->timeline, (!strcmp(g_action_get_name(G_ACTION(a)), "pan-left") ? -0.25 : 0.25) * w);
}

static void act_lane(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)p;
	LsvWindow *self = data;
	if (!self->trace)
		return;
	int dir = !strcmp(g_action_get_name(G_ACTION(a)), "lane-down") ? 1 : -1;
	GPtrArray *lanes = self->trace->lanes;
	int cur = -1;
	for (guint i = 0; i < lanes->len; i++) {
		const lsv_lane *l = g_ptr_array_index(lanes, i);
		if (!l->is_group && ((lsv_task *)g_ptr_array_index(self->trace->tasks, l->task))->tid == self->selected_tid)
			cur = (int)i;
	}
	for (int i = cur < 0 ? (dir > 0 ? 0 : (int)lanes->len - 1) : cur + dir; i >= 0 && i < (int)lanes->len; i += dir) {
		const lsv_lane *l = g_ptr_array_index(lanes, i);
		if (!l->is_group) {
			lsv_window_select_task(self, ((lsv_task *)g_ptr_array_index(self->trace->tasks, l->task))->tid);
			return;
		}
	}
}

static void act_evidence(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)p;
	LsvWindow *self = data;
	if (self->finding < 0)
		return;
	const lsv_finding *f = g_ptr_array_index(self->findings, self->finding);
	int dir = !strcmp(g_action_get_name(G_ACTION(a)), "evidence-next") ? 1 : -1;
	int n = self->evidence + dir;
	if (n < 0 || n >= (int)f->evidence->len) {
		gtk_widget_error_bell(GTK_WIDGET(self));
		return;
	}
	self->evidence = n;
	lsv_win_goto_evidence(self);
}

static void act_finding(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)p;
	LsvWindow *self = data;
	if (!self->findings || !self->findings->len)
		return;
	int dir = !strcmp(g_action_get_name(G_ACTION(a)), "finding-next") ? 1 : -1;
	int n = self->finding < 0 ? 0 : self->finding + dir;
	if (n >= 0 && n < (int)self->findings->len) {
		gtk_stack_set_visible_child_name(GTK_STACK(self->side_stack), "findings");
		lsv_window_select_finding(self, n);
	}
}

static void act_goto_time(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)a;
	(void)p;
	LsvWindow *self = data;
	gtk_widget_grab_focus(self->time_entry);
}

static void act_find(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)a;
	(void)p;
	LsvWindow *self = data;
	gtk_stack_set_visible_child_name(GTK_STACK(self->side_stack), "search");
	gtk_widget_grab_focus(self->task_entry);
}

static void act_dark(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)data;
	g_simple_action_set_state(a, p);
	g_object_set(gtk_settings_get_default(), "gtk-application-prefer-dark-theme",
		     g_variant_get_boolean(p), NULL);
}

static void act_all_tasks(GSimpleAction *a, GVariant *p, gpointer data)
{
	LsvWindow *self = data;
	g_simple_action_set_state(a, p);
	self->all_tasks = g_variant_get_boolean(p);
	lsv_win_rebuild_lanes(self);
}

static void act_about(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)a;
	(void)p;
	const char *authors[] = { "The lockstep authors", NULL };
	gtk_show_about_dialog(GTK_WINDOW(data), "program-name", "lockstep-view", "version", LOCKSTEP_VERSION,
			      "comments", "Replays lock traces of the Linux kernel's mm locks and steps through races.",
			      "license-type", GTK_LICENSE_GPL_2_0_ONLY, "authors", authors, "logo-icon-name",
			      "utilities-system-monitor", NULL);
}

typedef struct {
	LsvWindow *self;
	void (*chosen)(LsvWindow *self, const char *path);
} choice;

static void on_choice_response(GtkNativeDialog *d, int response, gpointer data)
{
	choice *c = data;
	if (response == GTK_RESPONSE_ACCEPT) {
		g_autoptr(GFile) f = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(d));
		g_autofree char *path = f ? g_file_get_path(f) : NULL;
		if (path)
			c->chosen(c->self, path);
	}
	g_free(c);
	g_object_unref(d);
}

void lsv_win_choose_input(LsvWindow *self, const char *title, const char *accept,
			  void (*chosen)(LsvWindow *self, const char *path))
{
	/* GTK 4.8 has no GtkFileDialog; a database is a file, a trace is a directory: the chooser
	 * opens files, and a trace directory is chosen by opening its `metadata` file. */
	GtkFileChooserNative *d = gtk_file_chooser_native_new(title, GTK_WINDOW(self), GTK_FILE_CHOOSER_ACTION_OPEN,
							       accept, "_Cancel");
	GtkFileFilter *f = gtk_file_filter_new();
	gtk_file_filter_set_name(f, "lockstep databases and CTF traces");
	gtk_file_filter_add_pattern(f, "*.db");
	gtk_file_filter_add_pattern(f, "*.lockstep.db");
	gtk_file_filter_add_pattern(f, "metadata");
	gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(d), f);
	GtkFileFilter *all = gtk_file_filter_new();
	gtk_file_filter_set_name(all, "All files");
	gtk_file_filter_add_pattern(all, "*");
	gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(d), all);
	choice *c = g_new0(choice, 1);
	c->self = self;
	c->chosen = chosen;
	g_signal_connect(d, "response", G_CALLBACK(on_choice_response), c);
	gtk_native_dialog_show(GTK_NATIVE_DIALOG(d));
}

static void act_open(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)a;
	(void)p;
	lsv_win_choose_input(data, "Open a lockstep database or trace", "_Open", lsv_window_open);
}

static void act_open_path(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)a;
	lsv_window_open(data, g_variant_get_string(p, NULL));
}


static void act_reload(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)a;
	(void)p;
	lsv_win_reopen(data);
}

static void act_dismiss_banner(GSimpleAction *a, GVariant *p, gpointer data)
{
	(void)a;
	(void)p;
	lsv_win_hide_banner(data);
}

static const GActionEntry win_actions[] = {
	{ "reload", act_reload, NULL, NULL, NULL, { 0 } },
	{ "dismiss-banner", act_dismiss_banner, NULL, NULL, NULL, { 0 } },
	{ "open", act_open, NULL, NULL, NULL, { 0 } },
	{ "open-path", act_open_path, "s", NULL, NULL, { 0 } },
	{ "play", act_play, NULL, NULL, NULL, { 0 } },
	{ "step-next", act_step_next, NULL, NULL, NULL, { 0 } },
	{ "step-prev", act_step_prev, NULL, NULL, NULL, { 0 } },
	{ "step-task-next", act_step_task_next, NULL, NULL, NULL, { 0 } },
	{ "step-task-prev", act_step_task_prev, NULL, NULL, NULL, { 0 } },
	{ "step-lock-next", act_step_lock_next, NULL, NULL, NULL, { 0 } },
	{ "step-lock-prev", act_step_lock_prev, NULL, NULL, NULL, { 0 } },
	{ "step-scope-next", act_step_scope, NULL, NULL, NULL, { 0 } },
	{ "step-scope-prev", act_step_scope, NULL, NULL, NULL, { 0 } },
	{ "jump-start", act_jump, NULL, NULL, NULL, { 0 } },
	{ "jump-end", act_jump, NULL, NULL, NULL, { 0 } },
	{ "zoom-in", act_zoom, NULL, NULL, NULL, { 0 } },
	{ "zoom-out", act_zoom, NULL, NULL, NULL, { 0 } },
	{ "zoom-fit", act_zoom, NULL, NULL, NULL, { 0 } },
	{ "pan-left", act_pan, NULL, NULL, NULL, { 0 } },
	{ "pan-right", act_pan, NULL, NULL, NULL, { 0 } },
	{ "lane-up", act_lane, NULL, NULL, NULL, { 0 } },
	{ "lane-down", act_lane, NULL, NULL, NULL, { 0 } },
	{ "evidence-next", act_evidence, NULL, NULL, NULL, { 0 } },
	{ "evidence-prev", act_evidence, NULL, NULL, NULL, { 0 } },
	{ "finding-next", act_finding, NULL, NULL, NULL, { 0 } },
	{ "finding-prev", act_finding, NULL, NULL, NULL, { 0 } },
	{ "goto-time", act_goto_time, NULL, NULL, NULL, { 0 } },
	{ "find", act_find, NULL, NULL, NULL, { 0 } },
	{ "dark", NULL, NULL, "false", act_dark, { 0 } },
	{ "all-tasks", NULL, NULL, "false", act_all_tasks, { 0 } },
	{ "about", act_about, NULL, NULL, NULL, { 0 } },
};

void lsv_win_add_actions(LsvWindow *self)
{
	g_action_map_add_action_entries(G_ACTION_MAP(self), win_actions, G_N_ELEMENTS(win_actions), self);
}
